// Shared command helpers; see common.h.
#include "cli/common.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "runtime/bytecode/verifier.h"

namespace lawful::cli {

bool color_stderr() {
  static const bool on = isatty(2) && std::getenv("NO_COLOR") == nullptr;
  return on;
}

void print_error(const std::string& message) {
  if (color_stderr()) fmt::print(stderr, "lawful: \x1b[1;31merror\x1b[0m: {}\n", message);
  else fmt::print(stderr, "lawful: error: {}\n", message);
}

bool is_lawc(const std::string& path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".lawc") == 0; }

bool read_whole(const std::string& path, std::string& out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = fmt::format("cannot read {}", path);
    return false;
  }
  // A campaign or a compiled program; neither is anywhere near this, and a file of any
  // size must not exhaust memory before it is refused.
  constexpr size_t kMaxFile = size_t{256} << 20;
  out.clear();
  char buf[1 << 16];
  while (in.read(buf, sizeof buf).gcount() > 0) {
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (out.size() > kMaxFile) {
      out.clear();
      if (error) *error = fmt::format("{}: more than {} bytes; lawful reads files of at most 256 MiB", path, kMaxFile);
      return false;
    }
    if (!in) break;
  }
  if (in.bad()) {
    if (error) *error = fmt::format("cannot read {}", path);
    return false;
  }
  return true;
}

bool write_whole(const std::string& path, const std::string& data, std::string* error) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    if (error) *error = fmt::format("cannot write {}", tmp);
    return false;
  }
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    if (error) *error = fmt::format("cannot write {}", path);
    return false;
  }
  return true;
}

std::optional<Days> parse_as_of(const std::string& text, std::string* error) {
  auto d = parse_date(text);
  if (!d && error) *error = fmt::format("--as-of {}: not a date (YYYY-MM-DD)", text);
  return d;
}

Loaded load(const std::string& path) {
  Loaded l;
  if (is_lawc(path)) {
    std::string bytes, err;
    if (!read_whole(path, bytes, &err)) {
      print_error(err);
      return l;
    }
    auto prog = std::make_shared<Program>();
    std::string why = load_verified_program(bytes, *prog);
    if (!why.empty()) {
      print_error(fmt::format("{}: refused: {}", path, why));
      return l;
    }
    l.program = std::move(prog);
    return l;
  }
  l.compilation = std::make_unique<Compilation>(compile_path(path));
  print_diagnostics(*l.compilation);
  l.program = l.compilation->program;
  return l;
}

void print_diagnostics(const Compilation& c) {
  if (c.diags.all().empty()) return;
  std::string text = c.diags.render(c.sources, color_stderr());
  std::fputs(text.c_str(), stderr);
  size_t e = c.diags.error_count(), w = c.diags.warning_count();
  if (e) fmt::print(stderr, "{} error{}, {} warning{}\n", e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

}  // namespace lawful::cli
