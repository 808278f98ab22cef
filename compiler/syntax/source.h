// Source files and positions: every span in the compiler is a byte range in a file
// registered here, and this is the only place that turns offsets into lines and columns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lawful {

using FileId = uint32_t;
inline constexpr FileId kNoFile = 0xffffffffu;

// A half-open byte range [begin, end) in one file.
struct Span {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  static Span join(Span a, Span b) {
    if (!a.valid()) return b;
    if (!b.valid() || a.file != b.file) return a;
    return {a.file, a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
  }
};

struct LineCol {
  uint32_t line = 0;  // 1-based
  uint32_t col = 0;   // 1-based, in bytes
};

class SourceManager {
 public:
  FileId add(std::string path, std::string text);

  size_t size() const { return files_.size(); }
  const std::string& path(FileId f) const { return files_[f].path; }
  const std::string& text(FileId f) const { return files_[f].text; }
  LineCol line_col(FileId f, uint32_t offset) const;
  std::string_view line_text(FileId f, uint32_t line) const;
  // "path:line:col" for the start of a span.
  std::string where(Span s) const;

 private:
  struct File {
    std::string path;
    std::string text;
    std::vector<uint32_t> line_starts;
  };
  std::vector<File> files_;
};

}  // namespace lawful
