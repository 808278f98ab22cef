// `lawful fmt`: rewrites .law files in the canonical layout (compiler/format), or with
// --check lists those that are not in it.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "compiler/format/format.h"

namespace lawful::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
};

// Formats one text; returns false (after saying why on standard error) when it cannot.
bool format_text(const std::string& path, std::string text, std::string& out) {
  SourceManager sm;
  FileId f = sm.add(path, std::move(text));
  Diagnostics diags;
  std::string problem;
  if (format::format_file(sm, f, diags, out, problem)) return true;
  if (!diags.all().empty()) {
    print_stderr(diags.render(sm, color_stderr()));
  }
  if (!problem.empty()) print_error(fmt::format("{}: not formatted, because {}", path, problem));
  return false;
}

int run_fmt(const FmtOptions& o) {
  bool failed = false;
  bool unformatted = false;
  for (const std::string& path : o.paths) {
    if (path == "-") {
      std::string text, out, err;
      if (!read_stdin(text, &err)) {
        print_error(err);
        failed = true;
        continue;
      }
      if (!format_text("<stdin>", text, out)) {
        failed = true;
        continue;
      }
      if (o.check) {
        if (out != text) {
          fmt::print("<stdin>\n");
          unformatted = true;
        }
      } else {
        print_stdout(out);
      }
      continue;
    }
    std::string error;
    std::vector<std::string> files = law_files(path, &error);
    if (!error.empty()) {
      print_error(error);
      failed = true;
      continue;
    }
    for (const std::string& file : files) {
      std::string text, out, err;
      if (!read_whole(file, text, &err)) {
        print_error(err);
        failed = true;
        continue;
      }
      if (!format_text(file, text, out)) {
        failed = true;
        continue;
      }
      if (out == text) continue;
      if (o.check) {
        fmt::print("{}\n", file);
        unformatted = true;
      } else if (!write_whole(file, out, &err)) {
        print_error(err);
        failed = true;
      }
    }
  }
  return failed || unformatted ? kExitFailed : kExitOk;
}

}  // namespace

void add_fmt(Command& app, int& exit_code) {
  auto o = std::make_shared<FmtOptions>();
  Command cmd = app.add_subcommand("fmt", "Rewrite .law files in the canonical layout, keeping every comment");
  cmd.add_option("paths", o->paths, ".law files or directories ('-': standard input to standard output)").required();
  cmd.add_flag("--check", o->check, "Change nothing; list the files that are not formatted, and fail if there are any");
  cmd.callback([o, &exit_code] { exit_code = run_fmt(*o); });
}

}  // namespace lawful::cli
