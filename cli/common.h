// What the commands share: loading a program from a path (.law file, directory or
// .lawc file) with its diagnostics printed, reading whole files, exit codes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "compiler/compiler.h"
#include "runtime/bytecode/program.h"
#include "runtime/vm/dates.h"

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

bool is_lawc(const std::string& path);
bool read_whole(const std::string& path, std::string& out, std::string* error);
// Writes the file through a temporary beside it, renamed into place when complete.
bool write_whole(const std::string& path, const std::string& data, std::string* error);
// --as-of: a date, or a usage error.
std::optional<Days> parse_as_of(const std::string& text, std::string* error);
bool color_stderr();
void print_error(const std::string& message);

}  // namespace lawful::cli
