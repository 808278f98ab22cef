// Shared command helpers; see common.h.
#include "cli/common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "compiler/mapping/mapping_loader.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/io/input_file.h"
#include "runtime/io/output_file.h"

namespace lawful::cli {

bool color_stderr() {
  static const bool on = isatty(2) && std::getenv("NO_COLOR") == nullptr;
  return on;
}

void print_stderr(std::string_view text) {
  if (text.empty()) return;
  // Not fmt::print, which throws when a write fails. Straight to the descriptor (standard
  // error is unbuffered anyway), taken up again when a signal breaks the write off.
  std::fflush(stderr);
  while (!text.empty()) {
    ssize_t w = ::write(STDERR_FILENO, text.data(), text.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    text.remove_prefix(static_cast<size_t>(w));
  }
}

void print_error(const std::string& message) {
  if (color_stderr())
    print_stderr(fmt::format("lawful: \x1b[1;31merror\x1b[0m: {}\n", message));
  else
    print_stderr(fmt::format("lawful: error: {}\n", message));
}

void reserve_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int got = ::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (got < 0) std::_Exit(kExitFailed);  // no /dev/null: nothing sensible can run
    if (got != fd) {
      // A lower descriptor was closed too and took it; fixed on its own turn.
      ::dup2(got, fd);
      ::close(got);
    }
  }
}

namespace {

extern "C" void remove_temporaries_and_end(int sig) {
  io::remove_temporaries_on_signal();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_cleanup_on_signals() {
  struct sigaction sa = {};
  sa.sa_handler = remove_temporaries_and_end;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sa.sa_mask, sig);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old;
    // A signal the caller ignores (nohup, a background job's SIGINT) stays ignored.
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
}

namespace {
int g_stdout_errno = 0;  // the reason of the first failed write to standard output
}  // namespace

void print_stdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() && g_stdout_errno == 0)
    g_stdout_errno = errno ? errno : EIO;
}

bool finish_stdout() {
  errno = 0;
  bool ok = std::fflush(stdout) == 0 && !std::ferror(stdout);
  if (ok) return true;
  int e = g_stdout_errno ? g_stdout_errno : errno ? errno : EIO;
  print_error(fmt::format("cannot write standard output: {}", std::strerror(e)));
  return false;
}

bool is_lawc(const std::string& path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".lawc") == 0; }

bool read_whole(const std::string& path, std::string& out, std::string* error, const std::atomic<int>* stop) {
  io::ReadOptions options;
  options.stop = stop;
  return io::read_file(path, out, error, options);
}

bool read_stdin(std::string& out, std::string* error) { return io::read_fd(STDIN_FILENO, "standard input", out, error); }

bool write_whole(const std::string& path, const std::string& data, std::string* error, bool allow_stdout) {
  io::OutputOptions options;
  options.allow_stdout = allow_stdout;
  return io::write_file(path, data, error, options);
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
  print_stderr(c.diags.render(c.sources, color_stderr()));
  size_t e = c.diags.error_count(), w = c.diags.warning_count();
  if (e) print_stderr(fmt::format("{} error{}, {} warning{}\n", e, e == 1 ? "" : "s", w, w == 1 ? "" : "s"));
}

std::shared_ptr<const Mapping> load_input_mapping(const std::string& path, const Schema& schema,
                                                  const std::string& input, const std::string& input_format,
                                                  bool* csv_in) {
  LoadedMapping m = load_mapping(path, schema);
  if (!m.ok()) {
    print_stderr(m.render(color_stderr()));
    return nullptr;
  }
  auto named = [&](std::string_view suffix) {
    return input.size() > suffix.size() && input.compare(input.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (input_format == "csv" || input_format == "jsonl") *csv_in = input_format == "csv";
  else if (named(".csv") || named(".jsonl")) *csv_in = named(".csv");
  else *csv_in = m.mapping->format == "csv";
  return m.mapping;
}

}  // namespace lawful::cli
