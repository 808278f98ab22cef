# A module the command opens on first use (dlopen; runtime/io/module_file.h), and the
# header naming its build. lawful_abi_header(OUT NAME FILE...) writes OUT defining NAME:
# the version and a hash of the headers whose types cross the boundary (cmake/jit_abi.cmake).
# lawful_add_module(TARGET FILE_NAME MAP SOURCE...) adds the MODULE library FILE_NAME.so
# in the build folder (beside the command), exporting what the version script MAP lets
# through and binding its own symbols to itself.
function(lawful_abi_header out name)
  string(REPLACE ";" "|" list "${ARGN}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DVERSION=${PROJECT_VERSION} "-DFILES=${list}" -DNAME=${name}
            -P ${CMAKE_SOURCE_DIR}/cmake/jit_abi.cmake
    DEPENDS ${ARGN} ${CMAKE_SOURCE_DIR}/cmake/jit_abi.cmake
    COMMENT "Hashing the ABI of ${name}" VERBATIM)
endfunction()

function(lawful_add_module target file_name map)
  add_library(${target} MODULE ${ARGN})
  target_include_directories(${target} PRIVATE ${CMAKE_BINARY_DIR}/generated)
  target_link_options(${target} PRIVATE -Wl,--version-script=${map} -Wl,-Bsymbolic -Wl,--no-undefined)
  target_compile_options(${target} PRIVATE ${LAWFUL_WARNINGS})
  set_target_properties(${target} PROPERTIES PREFIX "" OUTPUT_NAME ${file_name}
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR} LINK_DEPENDS ${map})
endfunction()
