// `lawful lint`: compiles policies with the checks only lint runs (compiler/sema/lint.cpp)
// on top of the compiler's own warnings, and prints every diagnostic. With the solver
// (LAWFUL_Z3), each W100 pair is asked of `lawful verify`'s conflict check
// (verify/lint_conflicts.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "verify/lint_conflicts.h"

namespace lawful::cli {

namespace {

struct LintOptions {
  std::vector<std::string> paths;
  bool werror = false;
  bool no_solver = false;
  uint64_t rlimit = verify::kLintConflictRlimit;
};

int run_lint(const LintOptions& o) {
  const bool color = isatty(1) && std::getenv("NO_COLOR") == nullptr;
  size_t errors = 0, warnings = 0;
  for (const std::string& path : o.paths) {
    if (is_lawc(path)) {
      print_error(fmt::format("{}: lint reads the policy source; give the .law file or directory", path));
      ++errors;
      continue;
    }
    CompileOptions opt;
    opt.lint = true;
    Compilation c = compile_path(path, opt);
    if (!o.no_solver) verify::refine_conflicts(c, o.rlimit);  // W100 checked by the solver, when there is one
    std::string text = c.diags.render(c.sources, color);
    print_stdout(text);
    errors += c.diags.error_count();
    warnings += c.diags.warning_count();
  }
  fmt::print("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  if (errors) return kExitFailed;
  return warnings && o.werror ? kExitFailed : kExitOk;
}

}  // namespace

void add_lint(Command& app, int& exit_code) {
  auto o = std::make_shared<LintOptions>();
  Command cmd = app.add_subcommand(
      "lint", "Find what a reader of a policy would want fixed: missing citations, rules that never decide, ...");
  cmd.add_option("paths", o->paths, ".law files or directories").required();
  cmd.add_flag("--werror", o->werror, "Fail (exit 1) when there are warnings, not only errors");
  cmd.add_option("--rlimit", o->rlimit,
                 "The solver's budget for each W100 pair, in Z3 resource units (builds with Z3; default 100000)")
      .check_range(uint64_t{1}, uint64_t{UINT32_MAX});
  cmd.add_flag("--no-solver", o->no_solver,
               "W100 by the compiler's syntactic check alone, as `check` reports it (the same in every build)");
  cmd.callback([o, &exit_code] { exit_code = run_lint(*o); });
}

}  // namespace lawful::cli
