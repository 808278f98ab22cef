// `lawful diff OLD NEW`: what a change to the policies does to real contacts. Both
// versions decide every input line; decisions whose verdict or basis moved are counted
// per movement (allow basis consent -> deny, ...), with the rules behind each side and a
// few contact ids, and the rules and definitions that differ between the versions.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "runtime/facts/chunk_reader.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "compiler/policy_changes.h"
#include "report/check_counts.h"
#include "report/diff_counts.h"
#include "report/diff_report.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/line_decider.h"

namespace lawful::cli {

namespace {

struct DiffOptions {
  std::string old_path;
  std::string new_path;
  std::string decision;
  std::string as_of;
  std::string cases;
  std::string contacts;
  std::string campaign;
  std::string input_format = "auto";
  std::string mapping;  // --mapping FILE: the contacts are a CRM export read through it
  std::string report;
  bool json = false;
  bool fail_on_change = false;
  size_t examples = 5;
  std::string engine = "vm";
};

// One side of the comparison: a program, its entry and the library's per-line step
// (runtime/vm/line_decider.h: binders, a VM), as `check` decides a line.
struct Side {
  Loaded loaded;
  Entry entry;
  Engine engine;  // before the step, whose Vm uses its code
  std::unique_ptr<LineDecider> line;
  bool csv = false;  // its input is CSV rows under a header
  const Program& prog() const { return *loaded.program; }
  const Outcome& out() const { return line->outcome(); }
};

using report::cause_text;
using report::CauseCounts;
using report::Movement;
using report::verdict_text;

void json_verdict(std::string& o, const std::string& v, const std::string& basis) {
  o += "{\"verdict\": ";
  append_json_string(o, v);
  o += ", \"basis\": ";
  if (basis.empty()) o += "null";
  else append_json_string(o, basis);
  o += "}";
}

bool load_side(const std::string& path, const DiffOptions& o, LineInput input, const DecideOptions& opt, Side& s) {
  const std::string& decision = o.decision;
  s.loaded = load(path);
  if (!s.loaded.program) return false;
  std::string why = choose_entry(s.prog(), decision, s.entry);
  if (!why.empty()) {
    print_error(fmt::format("{}: {}", path, why));
    return false;
  }
  why = choose_engine(o.engine, s.prog(), input_size(o.cases.empty() ? o.contacts : o.cases), "diff", s.engine);
  if (!why.empty()) {
    print_error(why);
    return false;
  }
  LineDecider::Options line;
  line.input = input;
  line.decide = opt;
  line.native = s.engine.native();
  s.csv = input == LineInput::CsvRow;
  if (!o.mapping.empty()) {
    // Checked against each side's schema: the same export may not fit both.
    bool csv_in = false;
    line.mapping = load_input_mapping(o.mapping, s.prog().schema, o.contacts, o.input_format, &csv_in);
    if (!line.mapping) return false;
    line.input = csv_in ? LineInput::MappedCsv : LineInput::MappedJson;
    s.csv = csv_in;
  }
  s.line = std::make_unique<LineDecider>(s.prog(), s.entry, line);
  return true;
}

int run_diff(const DiffOptions& o) {
  const std::string started = report::utc_now();
  if (o.cases.empty() == o.contacts.empty()) {
    print_error("give either --cases FILE, or --contacts FILE with --campaign FILE");
    return kExitUsage;
  }
  if (!o.contacts.empty() && o.campaign.empty()) {
    print_error("--contacts needs --campaign FILE");
    return kExitUsage;
  }
  const std::string input = o.cases.empty() ? o.contacts : o.cases;
  if (!o.mapping.empty() && !o.cases.empty()) {
    print_error("--mapping reads an export's contacts (--contacts), not cases");
    return kExitUsage;
  }
  const bool csv_in = o.input_format == "csv" || (o.input_format == "auto" && input.size() > 4 &&
                                                  input.compare(input.size() - 4, 4, ".csv") == 0);
  if (csv_in && !o.cases.empty()) {
    print_error("--cases reads JSON Lines only (a case holds a contact and a campaign)");
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
  const LineInput kind = csv_in ? LineInput::CsvRow : o.cases.empty() ? LineInput::Contact : LineInput::Case;
  Side sides[2];
  if (!load_side(o.old_path, o, kind, opt, sides[0]) || !load_side(o.new_path, o, kind, opt, sides[1]))
    return kExitFailed;
  // Through a mapping, the export is CSV as the mapping (or the file's name) says.
  const bool csv_rows = sides[0].csv;
  std::string campaign_text;  // also for the report
  if (!o.campaign.empty()) {
    std::string err;
    if (!read_whole(o.campaign, campaign_text, &err)) {
      print_error(err);
      return kExitFailed;
    }
    for (Side& s : sides) {
      std::string bad = s.line->set_campaign(campaign_text);
      if (!bad.empty()) {
        print_error(fmt::format("{}: {}", o.campaign, bad));
        return kExitFailed;
      }
    }
  }
  // The input as `check` reads it: in chunks of whole lines, a line longer than the
  // binder's limit skipped (and reported) without being held.
  const size_t max_line = sides[0].line->limits().max_line;
  ChunkReader in;
  std::string err;
  if (!in.open(input, max_line, 1u << 20, &err)) {
    print_error(err);
    return kExitFailed;
  }

  const std::vector<PolicyChange> changed_defs =
      policy_changes({&sides[0].prog(), sides[0].loaded.compilation.get()},
                     {&sides[1].prog(), sides[1].loaded.compilation.get()});
  std::map<std::string, std::string> rule_change;  // cause key -> added, removed, changed
  for (const PolicyChange& c : changed_defs)
    if (c.definition.empty()) rule_change[c.policy + "\x1f" + c.decision + "\x1f" + c.rule] = change_name(c.kind);
  report::DiffCounts counts;
  counts.examples = o.examples;
  auto not_decided = [&](uint64_t n, std::string why) { counts.not_decided(n, std::move(why)); };
  Chunk chunk;
  while (in.next(chunk)) {
    for (size_t i = 0; i < chunk.lines.size(); ++i) {
      const uint64_t n = chunk.first_line + i;
      const std::string_view line = chunk.line(i);
      if (csv_rows && n == 1) {
        if (chunk.lines[i].too_long) {
          print_error(fmt::format("{}: the header row is too long", input));
          return kExitFailed;
        }
        for (Side& s : sides) {
          std::string bad = s.line->set_csv_header(line);
          if (!bad.empty()) {
            print_error(fmt::format("{}: {}", input, bad));
            return kExitFailed;
          }
        }
        continue;
      }
      // A blank line is not a contact (but is reported); a line too long to hold is.
      const uint64_t too_long = chunk.lines[i].too_long;
      if (too_long || line.find_first_not_of(" \t\r") != std::string_view::npos) ++counts.total;
      // Both sides take the line through the library's per-line step; the first that
      // cannot decide it (the binder's error, a run-time error) says why.
      std::string_view error;
      for (Side& s : sides) {
        const LineResult& r = s.line->decide(line, chunk.capacity(i), too_long);
        if (!r.decided) {
          error = r.error;
          break;
        }
      }
      if (!error.empty()) {
        not_decided(n, std::string(error));
        continue;
      }
      const RecordSubject subject = sides[1].line->subject();
      std::string id = subject.has_id ? std::string(subject.id) : fmt::format("line {}", n);
      counts.decided(sides[0].prog(), sides[0].out(), sides[1].prog(), sides[1].out(), id);
    }
  }
  if (in.failed()) {
    print_error(in.failure());
    return kExitFailed;
  }
  if (csv_rows && in.lines() == 0) {
    print_error(fmt::format("{}: no header row (CSV input starts with the names of its columns)", input));
    return kExitFailed;
  }

  size_t changed = 0, other_reasons = 0;
  const std::vector<const Movement*> order = counts.movements(&changed);
  const std::vector<const Movement*> same_order = counts.other_reasons(&other_reasons);
  const size_t total = counts.total, unchanged = counts.unchanged, errors = counts.errors;
  const auto& error_lines = counts.error_lines;
  auto sorted = [](const CauseCounts& t) { return t.sorted(); };
  auto mark = [&](const std::string& cause) {
    auto it = rule_change.find(cause);
    return it == rule_change.end() ? std::string() : it->second;
  };

  std::string out;
  if (!o.json) {
    out += fmt::format("{} contact{}: {} decision{} changed, {} unchanged", total, total == 1 ? "" : "s", changed,
                       changed == 1 ? "" : "s", unchanged);
    if (other_reasons) out += fmt::format(" ({} of them for other rules or citations)", other_reasons);
    if (errors) out += fmt::format(", {} lines not decided", errors);
    out += "\n";
    if (!changed_defs.empty()) {
      out += "\nWhat differs between the versions\n";
      for (const PolicyChange& c : changed_defs) {
        if (c.definition.empty())
          out += fmt::format("  {}: rule {}.{} {}\n", c.policy, c.decision, c.rule, change_name(c.kind));
        else
          out += fmt::format("  {}: definition {} {}\n", c.policy, c.definition, change_name(c.kind));
      }
    }
    auto block = [&](const Movement& m) {
      auto list = [&](const char* label, const CauseCounts& t) {
        std::string s;
        for (const auto& [cause, count] : sorted(t)) {
          std::string what = mark(cause);
          s += fmt::format("{}{} ({}{})", s.empty() ? "" : ", ", cause_text(cause), count, what.empty() ? "" : ", " + what);
        }
        if (!s.empty()) out += fmt::format("  {} {}\n", label, s);
      };
      list("now by:", m.now);
      list("was by:", m.was);
      std::string ids = fmt::format("{}", fmt::join(m.contacts, ", "));
      if (m.count > m.contacts.size()) ids += fmt::format(", and {} more", m.count - m.contacts.size());
      out += fmt::format("  contacts: {}\n", ids);
    };
    for (const Movement* m : order) {
      out += fmt::format("\n{} -> {}: {}\n", verdict_text(m->from_verdict, m->from_basis),
                         verdict_text(m->to_verdict, m->to_basis), m->count);
      block(*m);
    }
    for (const Movement* m : same_order) {
      out += fmt::format("\n{}, unchanged, by other {}: {}\n", verdict_text(m->from_verdict, m->from_basis),
                         m->same == "rules" ? "rules" : "citations of the same rules", m->count);
      block(*m);
    }
    if (!error_lines.empty()) {
      out += "\nLines not decided\n";
      for (const auto& [line_no, why] : error_lines) out += fmt::format("  line {}: {}\n", line_no, why);
    }
  } else {
    out += fmt::format("{{\"contacts\": {}, \"changed\": {}, \"unchanged\": {}, \"other_reasons\": {}, \"errors\": {}",
                       total, changed, unchanged, other_reasons, errors);
    out += ", \"changes\": [";
    for (size_t i = 0; i < changed_defs.size(); ++i) {
      const PolicyChange& c = changed_defs[i];
      out += i ? ", " : "";
      out += "{\"policy\": ";
      append_json_string(out, c.policy);
      if (c.definition.empty()) {
        out += ", \"decision\": ";
        append_json_string(out, c.decision);
        out += ", \"rule\": ";
        append_json_string(out, c.rule);
      } else {
        out += ", \"definition\": ";
        append_json_string(out, c.definition);
      }
      out += ", \"change\": ";
      append_json_string(out, change_name(c.kind));
      out += "}";
    }
    auto group = [&](const Movement& m) {
      out += "{\"from\": ";
      json_verdict(out, m.from_verdict, m.from_basis);
      out += ", \"to\": ";
      json_verdict(out, m.to_verdict, m.to_basis);
      if (!m.same.empty()) out += fmt::format(", \"changed\": \"{}\"", m.same);
      out += fmt::format(", \"count\": {}", m.count);
      auto list = [&](const char* label, const CauseCounts& t) {
        out += fmt::format(", \"{}\": [", label);
        bool first = true;
        for (const auto& [cause, count] : sorted(t)) {
          out += first ? "{" : ", {";
          first = false;
          if (cause[0] == '(') {
            out += "\"reason\": ";
            append_json_string(out, cause.substr(1, cause.size() - 2));
          } else {
            size_t a = cause.find('\x1f'), b = cause.find('\x1f', a + 1);
            out += "\"policy\": ";
            append_json_string(out, cause.substr(0, a));
            out += ", \"decision\": ";
            append_json_string(out, cause.substr(a + 1, b - a - 1));
            out += ", \"rule\": ";
            append_json_string(out, cause.substr(b + 1));
          }
          out += fmt::format(", \"count\": {}, \"change\": ", count);
          std::string what = mark(cause);
          if (what.empty()) out += "null";
          else append_json_string(out, what);
          out += "}";
        }
        out += "]";
      };
      list("now", m.now);
      list("was", m.was);
      out += ", \"contacts\": [";
      for (size_t k = 0; k < m.contacts.size(); ++k) {
        out += k ? ", " : "";
        append_json_string(out, m.contacts[k]);
      }
      out += "]}";
    };
    out += "], \"movements\": [";
    for (size_t i = 0; i < order.size(); ++i) {
      out += i ? ", " : "";
      group(*order[i]);
    }
    out += "], \"other_reasons_by\": [";
    for (size_t i = 0; i < same_order.size(); ++i) {
      out += i ? ", " : "";
      group(*same_order[i]);
    }
    out += "], \"error_lines\": [";
    for (size_t i = 0; i < error_lines.size(); ++i) {
      out += i ? ", " : "";
      out += fmt::format("{{\"line\": {}, \"error\": ", error_lines[i].first);
      append_json_string(out, error_lines[i].second);
      out += "}";
    }
    out += "]}\n";
  }
  // Contact ids and countries, the policies' strings: not to drive the terminal.
  if (!o.json) out = terminal_safe(out);
  print_stdout(out);
  if (!o.report.empty()) {
    report::DiffRunFacts facts;
    facts.old_path = o.old_path;
    facts.new_path = o.new_path;
    facts.input = input;
    facts.campaign = o.campaign;
    facts.campaign_about = report::campaign_words(campaign_text);
    facts.decision = o.decision;
    facts.as_of = o.as_of;
    facts.started = started;
    facts.lawful_version = LAWFUL_VERSION;
    facts.explainable = !csv_rows && o.mapping.empty() && o.cases.empty() && input != "-";
    std::string why;
    if (!write_whole(o.report, report::diff_report_html(sides[0].prog(), sides[1].prog(), changed_defs, counts, facts),
                     &why)) {
      print_error(why);
      return kExitFailed;
    }
  }
  if (errors) return kExitFailed;
  return changed && o.fail_on_change ? kExitFailed : kExitOk;
}

}  // namespace

void add_diff(Command& app, int& exit_code) {
  auto o = std::make_shared<DiffOptions>();
  Command cmd = app.add_subcommand("diff", "Decide every contact with two versions of the policies and show what moves");
  cmd.add_option("old", o->old_path, "The policies before the change: a .law file, a directory, or a .lawc file").required();
  cmd.add_option("new", o->new_path, "The policies after the change").required();
  cmd.add_option("--decision", o->decision, "Evaluate this decision rather than the whole policy");
  cmd.add_option("--as-of", o->as_of, "Take rules as in force on this date (YYYY-MM-DD) instead of the send date");
  cmd.add_option("--cases", o->cases, "JSON Lines of {\"contact\": ..., \"campaign\": ...}");
  cmd.add_option("--contacts", o->contacts, "JSON Lines, one contact a line, or CSV with a header row ('-' for standard input)");
  cmd.add_option("--input-format", o->input_format,
                 "jsonl or csv; auto (the default) takes CSV for a file named *.csv, else JSON Lines")
      .check_member({"auto", "jsonl", "csv"});
  cmd.add_option("--campaign", o->campaign, "One campaign as a JSON object");
  cmd.add_option("--mapping", o->mapping,
                 "Read --contacts as a CRM export through this mapping of its columns (docs/mappings.md)");
  cmd.add_option("--examples", o->examples, "Contact ids to show per movement (default 5)");
  cmd.add_option("--engine", o->engine, kEngineHelp).check_member(kEngineNames);
  cmd.add_flag("--json", o->json, "The same report as one JSON object");
  cmd.add_option("--report", o->report,
                 "Also write the report to this file as one self-contained HTML page with charts");
  cmd.add_flag("--fail-on-change", o->fail_on_change, "Exit 1 when any decision changes (for CI)");
  cmd.callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace lawful::cli
