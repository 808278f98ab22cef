// Offsets to lines and columns; see source.h.
#include "compiler/syntax/source.h"

#include <algorithm>

#include <fmt/format.h>

namespace lawful {

FileId SourceManager::add(std::string path, std::string text) {
  File f{std::move(path), std::move(text), {0}};
  // find() is memchr: a loop over every byte, instrumented in the fuzz build, took 9% of
  // the compile fuzz target's time (every compilation adds the standard library's 15 KB).
  for (size_t i = f.text.find('\n'); i != std::string::npos; i = f.text.find('\n', i + 1))
    f.line_starts.push_back(static_cast<uint32_t>(i + 1));
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size() - 1);
}

LineCol SourceManager::line_col(FileId f, uint32_t offset) const {
  const File& file = files_[f];
  const auto& starts = file.line_starts;
  if (offset > file.text.size()) offset = static_cast<uint32_t>(file.text.size());
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts.begin());
  // Columns count characters (UTF-8 lead bytes), as editors do.
  uint32_t col = 1;
  for (uint32_t i = starts[line - 1]; i < offset; ++i)
    if ((static_cast<unsigned char>(file.text[i]) & 0xC0) != 0x80) ++col;
  return {line, col};
}

std::string_view SourceManager::line_text(FileId f, uint32_t line) const {
  const File& file = files_[f];
  if (line == 0 || line > file.line_starts.size()) return {};
  uint32_t b = file.line_starts[line - 1];
  uint32_t e = line < file.line_starts.size() ? file.line_starts[line] : static_cast<uint32_t>(file.text.size());
  std::string_view v(file.text.data() + b, e - b);
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

std::string SourceManager::where(Span s) const {
  if (!s.valid()) return "<builtin>";
  LineCol lc = line_col(s.file, s.begin);
  return fmt::format("{}:{}:{}", path(s.file), lc.line, lc.col);
}

}  // namespace lawful
