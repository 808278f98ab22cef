// UTF-16 positions and incremental edits; see text.h.
#include "lsp/text.h"

#include <algorithm>

namespace lawful::lsp {

namespace {

// The length in bytes of the UTF-8 sequence at text[i], not past `end` (1 for a byte
// that starts no whole sequence: each byte of broken text counts as one character, both
// ways, as an editor shows it as one replacement character).
uint32_t sequence_length(std::string_view text, uint32_t i, uint32_t end) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  uint32_t n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 1;
  if (i + n > end) return 1;
  for (uint32_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 1;
  return n;
}

}  // namespace

LineMap::LineMap(std::string_view text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

uint32_t LineMap::offset(std::string_view text, Position p) const {
  if (starts_.empty() || p.line >= starts_.size()) return static_cast<uint32_t>(text.size());
  uint32_t i = starts_[p.line];
  const uint32_t end = p.line + 1 < starts_.size() ? starts_[p.line + 1] - 1 : static_cast<uint32_t>(text.size());
  uint32_t units = 0;
  while (i < end && units < p.character) {
    const uint32_t n = sequence_length(text, i, end);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return i;
}

Position LineMap::position(std::string_view text, uint32_t offset) const {
  if (starts_.empty()) return {};
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  Position p{line, 0};
  for (uint32_t i = starts_[line]; i < offset;) {
    const uint32_t n = sequence_length(text, i, offset);  // an offset inside a sequence: its bytes one by one
    p.character += n == 4 ? 2 : 1;
    i += n;
  }
  return p;
}

void apply_edit(std::string& text, Position start, Position end, std::string_view replacement) {
  LineMap map(text);
  uint32_t a = map.offset(text, start), b = map.offset(text, end);
  if (b < a) std::swap(a, b);
  text.replace(a, b - a, replacement);
}

const std::vector<std::string>& keywords() {
  static const std::vector<std::string> kWords = {
      "policy", "module",  "routing",  "route",     "to",    "extends", "jurisdiction", "source", "use",
      "as",     "let",     "replace",  "enum",      "record", "facts",  "optional",     "list",   "of",
      "default", "decision", "rule",   "oblige",    "obligation", "for", "when",        "overrides", "every",
      "cite",   "needs",   "basis",    "effective", "until", "test", "property", "expect",       "is",     "cites",
      "missing", "obliges", "rules",   "allow",     "deny",  "review",  "verdict",      "and",    "or",
      "not",    "in",      "any",      "all",       "count", "if",      "then",         "else",   "true",
      "false",  "null"};
  return kWords;
}

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name[0])) return false;
  for (char c : name)
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  return std::find(keywords().begin(), keywords().end(), name) == keywords().end();
}

}  // namespace lawful::lsp
