# Writes the playground page into a C++ source, so that the service needs no files at
# run time and fetches nothing from elsewhere. Run at build time:
# cmake -DPAGE=server/playground/page.html -DOUT=... -P embed.cmake
file(READ "${PAGE}" text)
string(FIND "${text}" ")LAWFUL_PAGE\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${PAGE} holds the raw string's delimiter")
endif()
set(content "// Generated from server/playground/page.html by server/playground/embed.cmake. Do not edit.
#include \"server/playground.h\"

namespace lawful::server {

std::string_view playground_page() {
  static const char kPage[] = R\"LAWFUL_PAGE(${text})LAWFUL_PAGE\";
  return std::string_view(kPage, sizeof kPage - 1);
}

}  // namespace lawful::server
")
file(WRITE "${OUT}.tmp" "${content}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
