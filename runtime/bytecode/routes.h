// Countries match whatever their case: a route's country and a contact's are compared in
// "country case", ASCII letters in upper case ("gb", "Gb" and "GB" are one country). The
// compiler's check for a country routed twice, the verifier and the router all use this
// one normalisation.
#pragma once

#include <string>
#include <string_view>

namespace lawful {

inline char country_case(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - ('a' - 'A')) : c; }

inline std::string country_key(std::string_view country) {
  std::string k(country);
  for (char& c : k) c = country_case(c);
  return k;
}

}  // namespace lawful
