// ISO 3166-1 countries (countries.def): a name or code as a CRM writes it to the
// alpha-2 code the facts use (FACTS.md: `country` is ISO 3166-1 alpha-2). For mappings
// (runtime/facts/mapping.h); nothing here guesses: a text that is not a code, the
// standard's English short name or one of the other names listed is not a country.
#pragma once

#include <cstddef>
#include <string_view>

namespace lawful {

struct Country {
  const char* alpha2;
  const char* alpha3;
  const char* name;   // ISO's English short name
  const char* other;  // other names, '|' between them
};

// Every assigned code, in alpha-2 order.
const Country* countries();
size_t country_count();

// The alpha-2 code (upper case, static storage) of an alpha-2 or alpha-3 code in any
// case, or of a name (ignoring case, spaces around it and runs of spaces in it); "" if
// it is none of these.
std::string_view country_alpha2(std::string_view text);

}  // namespace lawful
