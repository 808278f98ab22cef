// `lawful check`: decide for every input line, in order, one record per line.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/line_reader.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful::cli {

namespace {

struct CheckOptions {
  std::string path;
  std::string decision;
  std::string as_of;
  std::string cases;
  std::string contacts;
  std::string campaign;
  std::string output;
};

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

int run_check(const CheckOptions& o) {
  if (o.cases.empty() == o.contacts.empty()) {
    print_error("give either --cases FILE, or --contacts FILE with --campaign FILE");
    return kExitUsage;
  }
  if (!o.contacts.empty() && o.campaign.empty()) {
    print_error("--contacts needs --campaign FILE");
    return kExitUsage;
  }
  DecideOptions opt;
  if (!o.as_of.empty()) {
    std::string err;
    opt.as_of = parse_as_of(o.as_of, &err);
    if (!opt.as_of) {
      print_error(err);
      return kExitUsage;
    }
  }
  Loaded loaded = load(o.path);
  if (!loaded.program) return kExitFailed;
  const Program& prog = *loaded.program;
  Entry entry;
  std::string why = choose_entry(prog, o.decision, entry);
  if (!why.empty()) {
    print_error(why);
    return kExitFailed;
  }

  Vm vm(prog);
  Binder binder(prog);
  if (!o.campaign.empty()) {
    std::string text, err;
    if (!read_whole(o.campaign, text, &err)) {
      print_error(err);
      return kExitFailed;
    }
    BindResult r = binder.bind_campaign(vm.facts(), text);
    if (!r.ok) {
      print_error(fmt::format("{}: {}", o.campaign, r.error));
      return kExitFailed;
    }
  }
  LineReader in;
  std::string err;
  if (!in.open(o.cases.empty() ? o.contacts : o.cases, &err)) {
    print_error(err);
    return kExitFailed;
  }
  std::FILE* out = stdout;
  std::string tmp;
  if (!o.output.empty() && o.output != "-") {
    tmp = o.output + ".tmp";
    out = std::fopen(tmp.c_str(), "wb");
    if (!out) {
      print_error(fmt::format("cannot write {}", tmp));
      return kExitFailed;
    }
  }
  Outcome outcome;
  std::string buf;
  bool any_error = false;
  std::string_view line;
  size_t capacity = 0;
  while (in.next(line, capacity)) {
    uint64_t n = in.line_number();
    if (blank(line)) {
      append_error_json(buf, {}, false, n, "a blank line");
      any_error = true;
    } else {
      BindResult r = o.cases.empty() ? binder.bind_contact(vm.facts(), line.data(), line.size(), capacity)
                                     : binder.bind_case(vm.facts(), line.data(), line.size(), capacity);
      if (!r.ok) {
        append_error_json(buf, r.id, !r.id.empty(), n, r.error);
        any_error = true;
      } else {
        decide_entry(vm, entry, outcome, opt);
        if (!outcome.error.empty()) {
          std::string_view id;
          bool has = contact_id(prog, vm.facts(), id);
          append_error_json(buf, id, has, n, outcome.error);
          any_error = true;
        } else {
          append_decision_json(buf, prog, outcome, vm.facts());
        }
      }
    }
    if (buf.size() > (1u << 16)) {
      if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) break;
      buf.clear();
    }
  }
  bool write_ok = std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
  write_ok = std::fflush(out) == 0 && write_ok;
  if (in.failed()) {
    print_error("reading the input failed");
    any_error = true;
  }
  if (out != stdout) {
    write_ok = std::fclose(out) == 0 && write_ok;
    if (!write_ok || std::rename(tmp.c_str(), o.output.c_str()) != 0) {
      std::remove(tmp.c_str());
      print_error(fmt::format("cannot write {}", o.output));
      return kExitFailed;
    }
  } else if (!write_ok) {
    print_error("cannot write the output");
    return kExitFailed;
  }
  return any_error ? kExitFailed : kExitOk;
}

}  // namespace

void add_check(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check", "Decide for every contact (or case) and print one decision per line");
  cmd->add_option("path", o->path, "A .law file, a directory of them (with its routing file), or a .lawc file")->required();
  cmd->add_option("--decision", o->decision, "Evaluate this decision rather than the whole policy");
  cmd->add_option("--as-of", o->as_of, "Take rules as in force on this date (YYYY-MM-DD) instead of the send date");
  cmd->add_option("--cases", o->cases, "JSON Lines of {\"contact\": ..., \"campaign\": ...}");
  cmd->add_option("--contacts", o->contacts, "JSON Lines, one contact a line ('-' for standard input)");
  cmd->add_option("--campaign", o->campaign, "One campaign as a JSON object");
  cmd->add_option("-o,--output", o->output, "Write the decisions here instead of standard output");
  cmd->callback([o, &exit_code] { exit_code = run_check(*o); });
}

}  // namespace lawful::cli
