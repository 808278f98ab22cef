// What the commands share: loading a program from a path (.law file, directory or
// .lawc file) with its diagnostics printed, reading whole files, exit codes.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/compiler.h"
#include "runtime/bytecode/program.h"
#include "runtime/core/dates.h"

namespace lawful {
struct Mapping;
}

namespace lawful::cli {

// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // failed tests, errors in policies or data
inline constexpr int kExitUsage = 2;

struct Loaded {
  std::shared_ptr<const Program> program;
  std::unique_ptr<Compilation> compilation;  // when loaded from source
};

// Prints diagnostics (and load errors) to standard error. `program` is null on failure.
Loaded load(const std::string& path);
// A compilation's diagnostics, with the count of errors, on standard error.
void print_diagnostics(const Compilation& c);
// --mapping FILE (docs/mappings.md) of a command that reads the export `input`: the mapping
// checked against `schema` (null when refused: its diagnostics printed), and whether the
// export is CSV: as --input-format says, else as the file's name says (*.csv, *.jsonl),
// else as the mapping's own `input` says.
std::shared_ptr<const Mapping> load_input_mapping(const std::string& path, const Schema& schema,
                                                  const std::string& input, const std::string& input_format,
                                                  bool* csv_in);

bool is_lawc(const std::string& path);
// Reads a whole file (at most 256 MiB: runtime/io/input_file.h); `*error` is "cannot read PATH: REASON". An open
// or read that a signal breaks off is taken up again, unless `*stop` is non-zero.
bool read_whole(const std::string& path, std::string& out, std::string* error, const std::atomic<int>* stop = nullptr);
bool read_stdin(std::string& out, std::string* error);
// Writes an output by the one rule of runtime/io/output_file.h (a file is replaced
// atomically, a device or pipe written as it is); "-" is standard output when
// `allow_stdout`. `*error` is "cannot write PATH: REASON".
bool write_whole(const std::string& path, const std::string& data, std::string* error, bool allow_stdout = false);
// --as-of: a date, or a usage error.
std::optional<Days> parse_as_of(const std::string& text, std::string* error);
bool color_stderr();
void print_error(const std::string& message);
// Writes to standard error; never fails, never throws (a full or closed standard error
// must not end a run: the exit status still says how it went).
void print_stderr(std::string_view text);

// For main(), before anything else: descriptors 0, 1 and 2 that are closed are opened on
// /dev/null, the wrong way round (0 for writing, 1 and 2 for reading), so that nothing
// else opened later takes their place and any use of them fails (EBADF) instead of
// reading or writing some other file. The same as gnulib's stdopen.
void reserve_standard_descriptors();
// SIGINT, SIGTERM and SIGHUP remove the temporaries of outputs being written, then end
// the process the usual way. `lawful check` replaces the first two with its own.
void install_cleanup_on_signals();
// Writes to standard output (buffered); a failure is remembered, with its reason, for
// finish_stdout().
void print_stdout(std::string_view text);
// For main(), at the end: flushes standard output; false (with the error printed) if
// anything written to it was lost.
bool finish_stdout();

}  // namespace lawful::cli
