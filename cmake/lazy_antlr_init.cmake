# Run after ANTLR generates the parser (CMakeLists.txt, "grammar"): ANTLR 4.7.2's C++
# target builds each recognizer's tables (its ATN, about 6 million instructions and a
# few hundred allocations) in a static initializer, so at the start of every process,
# even one that never parses (`lawful check` with a cached program). This moves that
# into the first constructor of the lexer or parser (a function-local static: once,
# thread-safe), which is where ANTLR 4.10 and later do it. Fails the build if the
# generated code no longer looks as expected, rather than leaving it unchanged.
#
# Usage: cmake -DFILE=<LawfulParser.cpp> -DCLASS=LawfulParser -DBASE=Parser -DARG=TokenStream -P lazy_antlr_init.cmake
file(READ "${FILE}" text)
set(definition "${CLASS}::Initializer ${CLASS}::_init;")
set(constructor "${CLASS}::${CLASS}(${ARG} *input) : ${BASE}(input) {")
string(FIND "${text}" "${definition}" at_definition)
string(FIND "${text}" "${constructor}" at_constructor)
if(at_definition EQUAL -1 OR at_constructor EQUAL -1)
  message(FATAL_ERROR "${FILE}: the static initializer or the constructor of ${CLASS} is not where "
                      "cmake/lazy_antlr_init.cmake expects it (another ANTLR version?)")
endif()
string(REPLACE "${definition}" "// ${CLASS}::_init: made by the first constructor (cmake/lazy_antlr_init.cmake)"
               text "${text}")
string(REPLACE "${constructor}" "${constructor}\n  static Initializer once;  // the tables, on first use"
               text "${text}")
file(WRITE "${FILE}" "${text}")
