// The `lawful` command: subcommands for deciding, testing and compiling policies.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"

int main(int argc, char** argv) {
  CLI::App app{"lawful: rules for privacy and direct-marketing law, decided contact by contact"};
  app.require_subcommand(1);
  int exit_code = lawful::cli::kExitOk;
  lawful::cli::add_check(app, exit_code);
  lawful::cli::add_test(app, exit_code);
  lawful::cli::add_compile(app, exit_code);
  lawful::cli::add_disasm(app, exit_code);
  lawful::cli::add_fmt(app, exit_code);
  lawful::cli::add_lint(app, exit_code);
  lawful::cli::add_explain(app, exit_code);
  lawful::cli::add_diff(app, exit_code);
  lawful::cli::add_gen_contacts(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return lawful::cli::kExitUsage;
  }
  return exit_code;
}
