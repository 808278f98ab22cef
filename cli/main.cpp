// The `lawful` command: subcommands for deciding, testing and compiling policies. The
// only file that includes CLI11: the commands register their options through
// cli/commands.h, implemented here.
#include <cstdlib>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <new>
#include <system_error>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "compiler/compiler.h"
#include "runtime/jit/jit.h"
#include "verify/verify.h"

namespace lawful::cli {

Option Option::required() {
  if (option_) option_->required();
  return *this;
}

Option Option::check_range(double min, double max) {
  if (option_) option_->check(CLI::Range(min, max));
  return *this;
}

Option Option::check_member(const std::vector<std::string>& allowed) {
  if (option_) option_->check(CLI::IsMember(allowed));
  return *this;
}

Command Command::add_subcommand(const std::string& name, const std::string& description) {
  Command sub(app_->add_subcommand(name, description));
  sub.skip_ = !only_.empty() && name != only_;
  return sub;
}

Option Command::add_option(const std::string& name, std::string& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_option(name, into, description));
}

Option Command::add_option(const std::string& name, std::vector<std::string>& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_option(name, into, description));
}

Option Command::add_option(const std::string& name, unsigned& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_option(name, into, description));
}

Option Command::add_option(const std::string& name, uint64_t& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_option(name, into, description));
}

Option Command::add_option(const std::string& name, double& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_option(name, into, description));
}

Option Command::add_flag(const std::string& name, bool& into, const std::string& description) {
  if (skip_) return Option(nullptr);
  return Option(app_->add_flag(name, into, description));
}

void Command::callback(std::function<void()> run) {
  if (!skip_) app_->callback(std::move(run));
}

}  // namespace lawful::cli

namespace {

// The command this command line names: its first word that is not an option (the root
// has only flags, so no option's value comes before it), or "" when there is none.
std::string named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return {};
}

// `lawful --version`: the version, what this build can do, and the standard library it
// compiles policies with (README.md, "Using it").
std::string version_text() {
  std::string text = fmt::format("lawful {}\n", LAWFUL_VERSION);
  text += fmt::format("standard library: {} ({} modules)\n", lawful::stdlib_hash(), lawful::stdlib_sources().size());
  // The operator's label for the policy version, when set (docs/embedding.md, "Versions").
  if (const char* rev = std::getenv("LAWFUL_REVISION"); rev && *rev) text += fmt::format("revision: {}\n", rev);
  if (lawful::jit::available())
    text += "native back end (--engine jit): available (LLVM 14)\n";
  else
    text += fmt::format("native back end (--engine jit): not available: {}\n", lawful::jit::unavailable_reason());
  // Its part of every policy's content hash (SHA-256; docs/embedding.md, "Versions").
  text += fmt::format("standard library content hash: {}\n", lawful::stdlib_content_hash());
  if (lawful::verify::available())
    text += fmt::format("SMT solver (lawful verify): {}\n", lawful::verify::solver_version());
  else
    text += fmt::format("SMT solver (lawful verify): not available: {}\n", lawful::verify::unavailable_reason());
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a file (the signal pipe of `check` included).
  lawful::cli::reserve_standard_descriptors();
  lawful::cli::install_cleanup_on_signals();
  CLI::App app{"lawful: rules for privacy and direct-marketing law, decided contact by contact"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version, what this build can do, and the standard library's hash");
  int exit_code = lawful::cli::kExitOk;
  lawful::cli::Command root(&app, named_command(argc, argv));
  lawful::cli::add_check(root, exit_code);
  lawful::cli::add_test(root, exit_code);
  lawful::cli::add_compile(root, exit_code);
  lawful::cli::add_disasm(root, exit_code);
  lawful::cli::add_fmt(root, exit_code);
  lawful::cli::add_lint(root, exit_code);
  lawful::cli::add_explain(root, exit_code);
  lawful::cli::add_diff(root, exit_code);
  lawful::cli::add_gen_contacts(root, exit_code);
  lawful::cli::add_verify(root, exit_code);
  lawful::cli::add_lsp(root, exit_code);
  lawful::cli::add_serve(root, exit_code);
  lawful::cli::add_map(root, exit_code);
  bool parsed = false;  // not when --help or a usage error ended the parse
  try {
    app.parse(argc, argv);
    parsed = true;
  } catch (const CLI::CallForHelp& e) {
    exit_code = app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    exit_code = app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    exit_code = lawful::cli::kExitUsage;
  } catch (const std::system_error& e) {
    // fmt::print to standard output throws when the write fails (a full disk, a closed
    // pipe); the commands' output is then incomplete.
    if (std::ferror(stdout)) {
      lawful::cli::print_error(fmt::format("cannot write standard output: {}", e.code().message()));
      std::clearerr(stdout);
    } else {
      lawful::cli::print_error(e.what());
    }
    return lawful::cli::kExitFailed;
  } catch (const std::bad_alloc&) {
    // Memory is linear in the input everywhere, but a machine (or a ulimit) may have
    // less: a clear error, never an abort. What was allocated is free again here.
    lawful::cli::print_error("out of memory");
    return lawful::cli::kExitFailed;
  }
  if (parsed && version) {
    lawful::cli::print_stdout(version_text());
  } else if (parsed && app.get_subcommands().empty()) {
    lawful::cli::print_error("give a command (lawful --help lists them), or --version");
    exit_code = lawful::cli::kExitUsage;
  }
  // Output that never reached standard output is a failure, whatever the command said.
  if (!lawful::cli::finish_stdout() && exit_code == lawful::cli::kExitOk) exit_code = lawful::cli::kExitFailed;
  return exit_code;
}
