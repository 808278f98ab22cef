// One function per `lawful` command, each registering its options on the app.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace lawful::cli {

// A thin layer over CLI11, which is header only: every file that registers options
// through it directly compiles a large part of it again (about 10 s each at -O3, in each
// of test.sh's builds). Only cli/main.cpp includes CLI11; these forward to it, with the
// same calls, so the options behave as CLI11's do.
class Option {
 public:
  // Null: an option of a command this run does not parse (Command below); every call
  // is then nothing.
  explicit Option(CLI::Option* option) : option_(option) {}
  Option required();
  Option check_range(double min, double max);  // CLI::Range(min, max)
  // CLI::IsMember(allowed): any other value is a usage error ("--format: xml not in
  // {jsonl,csv}").
  Option check_member(const std::vector<std::string>& allowed);

 private:
  CLI::Option* option_;
};

// Start-up: CLI11 builds every option (its names, validators, help text) when it is
// added, about 1.5 M instructions for all the commands' options. When the command line
// names a command (`only`), the other commands are added with their names and
// descriptions but without options: they are never parsed in this run, and `lawful
// --help` (no command named) still adds them all.
class Command {
 public:
  explicit Command(CLI::App* app, std::string only = {}) : app_(app), only_(std::move(only)) {}
  Command add_subcommand(const std::string& name, const std::string& description);
  Option add_option(const std::string& name, std::string& into, const std::string& description);
  Option add_option(const std::string& name, std::vector<std::string>& into, const std::string& description);
  Option add_option(const std::string& name, unsigned& into, const std::string& description);
  Option add_option(const std::string& name, uint64_t& into, const std::string& description);
  Option add_option(const std::string& name, double& into, const std::string& description);
  Option add_flag(const std::string& name, bool& into, const std::string& description);
  void callback(std::function<void()> run);

 private:
  CLI::App* app_;
  std::string only_;   // a root's: the one command whose options are added, or all when empty
  bool skip_ = false;  // a command not named on this command line: no options
};

void add_check(Command& app, int& exit_code);
void add_test(Command& app, int& exit_code);
void add_compile(Command& app, int& exit_code);
void add_disasm(Command& app, int& exit_code);
void add_fmt(Command& app, int& exit_code);
void add_lint(Command& app, int& exit_code);
void add_explain(Command& app, int& exit_code);
void add_diff(Command& app, int& exit_code);
void add_gen_contacts(Command& app, int& exit_code);
void add_verify(Command& app, int& exit_code);
void add_lsp(Command& app, int& exit_code);
void add_serve(Command& app, int& exit_code);
void add_map(Command& app, int& exit_code);

}  // namespace lawful::cli
