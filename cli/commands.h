// One function per `lawful` command, each registering its options on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace lawful::cli {

// Each returns a pointer to the command's exit code, set when it runs.
void add_check(CLI::App& app, int& exit_code);
void add_test(CLI::App& app, int& exit_code);
void add_compile(CLI::App& app, int& exit_code);
void add_disasm(CLI::App& app, int& exit_code);
void add_fmt(CLI::App& app, int& exit_code);
void add_lint(CLI::App& app, int& exit_code);
void add_explain(CLI::App& app, int& exit_code);
void add_diff(CLI::App& app, int& exit_code);
void add_gen_contacts(CLI::App& app, int& exit_code);

}  // namespace lawful::cli
