# Writes the standard library's .law files into a C++ source, so that the engine needs
# no files at run time. Run at build time: cmake -DSTDLIB_DIR=... -DOUT=... -P embed.cmake
file(GLOB_RECURSE files RELATIVE "${STDLIB_DIR}" "${STDLIB_DIR}/*.law")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  file(READ "${STDLIB_DIR}/${f}" text)
  string(APPEND body "    {\"<stdlib>/${f}\", R\"LAWFUL_STDLIB(${text})LAWFUL_STDLIB\"},\n")
endforeach()
set(content "// Generated from stdlib/*.law by stdlib/embed.cmake. Do not edit.
#include \"compiler/compiler.h\"

namespace lawful {

const std::vector<SourceFile>& stdlib_sources() {
  static const std::vector<SourceFile> kFiles = {
${body}  };
  return kFiles;
}

}  // namespace lawful
")
file(WRITE "${OUT}.tmp" "${content}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
