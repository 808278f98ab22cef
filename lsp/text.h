// Positions as the Language Server Protocol counts them (0-based lines, columns in UTF-16
// code units) against the byte offsets of the compiler's spans, and the incremental edits
// an editor sends (textDocument/didChange with ranges).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lawful::lsp {

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;  // UTF-16 code units
};

// The starts of a text's lines, to convert both ways. A line ends at '\n'; a '\r' before
// it is part of the line's text, as the compiler sees it.
class LineMap {
 public:
  LineMap() = default;
  explicit LineMap(std::string_view text);
  // The byte offset of a position; a position past the end of its line is the line's end,
  // past the last line the end of the text (as LSP asks servers to clamp).
  uint32_t offset(std::string_view text, Position p) const;
  Position position(std::string_view text, uint32_t offset) const;
  size_t lines() const { return starts_.size(); }

 private:
  std::vector<uint32_t> starts_;
};

// Replaces the range [start, end) of `text` with `replacement`.
void apply_edit(std::string& text, Position start, Position end, std::string_view replacement);

// Is this a name the language accepts for a definition or a rule (a letter or '_', then
// letters, digits and '_'), and not a keyword?
bool is_identifier(std::string_view name);
// The keywords of the language (grammar/Lawful.g4), for completion and rename checks.
const std::vector<std::string>& keywords();

}  // namespace lawful::lsp
