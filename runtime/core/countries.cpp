// Country names and codes; see countries.h.
#include "runtime/core/countries.h"

#include <string>
#include <unordered_map>

namespace lawful {

namespace {

const Country kCountries[] = {
#define LAW_COUNTRY(a2, a3, name, other) {a2, a3, name, other},
#include "runtime/core/countries.def"
#undef LAW_COUNTRY
};

// Lower-case ASCII, one space between words, none around them. Bytes above ASCII (the
// accents of "Åland", "Côte") are kept as they are.
void normalise(std::string_view s, std::string& out) {
  // Written in place: the result is never longer than `s` (each space written stands for
  // at least one blank read), and appending a byte at a time cost 12 instructions a byte.
  out.resize(s.size());
  char* p = out.data();
  size_t k = 0;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r') {
      space = k != 0;
      continue;
    }
    if (space) p[k++] = ' ';
    space = false;
    p[k++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  out.resize(k);
}

struct Index {
  std::unordered_map<std::string, const char*> by_key;  // normalised code or name -> alpha-2
  Index() {
    std::string k;
    for (const Country& c : kCountries) {
      for (const char* s : {c.alpha2, c.alpha3, c.name}) {
        normalise(s, k);
        by_key.emplace(k, c.alpha2);
      }
      std::string_view other = c.other;
      while (!other.empty()) {
        size_t bar = other.find('|');
        normalise(other.substr(0, bar), k);
        by_key.emplace(k, c.alpha2);
        other = bar == std::string_view::npos ? std::string_view() : other.substr(bar + 1);
      }
    }
  }
};

const Index& index() {
  static const Index i;
  return i;
}

}  // namespace

const Country* countries() { return kCountries; }
size_t country_count() { return sizeof(kCountries) / sizeof(kCountries[0]); }

std::string_view country_alpha2(std::string_view text) {
  if (text.size() > 80) return {};
  thread_local std::string key;
  normalise(text, key);
  const Index& i = index();
  auto it = i.by_key.find(key);
  return it == i.by_key.end() ? std::string_view() : std::string_view(it->second, 2);
}

}  // namespace lawful
