// `lawful explain`: the derivation of one decision, for a reader of the policy. The
// library builds the explanation (runtime/vm/explain.h: the route, the decisions, every
// rule with its state, facts and definitions, the outcome) and writes its JSON; this
// file reads the contact and campaign arguments and renders the explanation as text.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "compiler/policy_sources.h"
#include "runtime/core/dates.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/mapping.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/explain.h"
#include "runtime/vm/line_decider.h"
#include "runtime/vm/vm.h"

namespace lawful::cli {

namespace {

struct ExplainOptions {
  std::string path;
  std::string contact;
  std::string campaign;
  std::string id;
  std::string decision;
  std::string as_of;
  std::string mapping;       // --mapping FILE: --contact is a CRM export read through it
  std::string input_format = "auto";
  bool json = false;
};

// ------------------------------------------------------------------ text

// The explanation (runtime/vm/explain.h) in words, for a terminal.
class TextWriter {
 public:
  explicit TextWriter(const Explanation& e) : e_(e), prog_(*e.program) {}

  std::string write() const;

 private:
  void facts(std::string& o, const std::vector<ExplainedFact>& facts, const char* indent) const {
    if (facts.empty()) return;
    std::string line;
    for (const ExplainedFact& f : facts)
      line += (line.empty() ? "" : "; ") + (f.absent ? f.path + " is absent" : f.path + " = " + f.text);
    o += fmt::format("{}facts: {}\n", indent, line);
  }
  void source(std::string& o, const ExplainedSource& s, const std::string& indent) const {
    if (!s.present) return;
    if (s.lines.empty()) {
      o += fmt::format("{}{}:{}\n", indent, s.file, s.line);
      return;
    }
    size_t w = std::to_string(s.lines.back().first).size();
    o += fmt::format("{}{}:\n", indent, s.file);
    for (const auto& [n, t] : s.lines) o += fmt::format("{}  {:>{}} | {}\n", indent, n, w, t);
  }
  void missing(std::string& o, const std::vector<std::string>& paths, const char* indent) const {
    if (paths.empty()) return;
    o += fmt::format("{}unknown because absent: {}\n", indent, fmt::join(paths, ", "));
  }
  std::string rule_head(const DecisionInfo& di, uint32_t i) const {
    const RuleInfo& r = di.rules[i];
    std::string s = fmt::format("{}: {}", prog_.str(r.name), verdict_name(static_cast<VerdictCode>(r.verdict)));
    if (r.basis >= 0) s += " basis " + prog_.basis_name(r.basis);
    return s;
  }
  std::string cites(const std::vector<uint32_t>& ids) const {
    std::string s;
    for (uint32_t c : ids) {
      s += s.empty() ? "" : ", ";
      append_json_string(s, prog_.str(c));
    }
    return s;
  }

  const Explanation& e_;
  const Program& prog_;
};

std::string TextWriter::write() const {
  const Outcome& out = e_.outcome;
  std::string o;
  o += fmt::format("Decision for contact {} as of {}\n", e_.id.empty() ? "(no id)" : "'" + e_.id + "'",
                   e_.as_of ? format_date(*e_.as_of) : "unknown");
  if (e_.routed) {
    o += "\nRoute\n";
    std::string c = e_.country.absent ? "contact.country is absent" : "contact.country = " + e_.country.text;
    if (e_.policy >= 0) {
      const PolicyInfo& pi = prog_.policies[static_cast<size_t>(e_.policy)];
      o += fmt::format("  {}: policy {} \"{}\"\n", c, prog_.str(pi.name), prog_.str(pi.title));
    } else {
      o += fmt::format("  {}: {}\n", c, e_.route_why);
    }
    source(o, e_.route_source, "  ");
  }
  if (e_.policy >= 0 && !e_.in_force) {
    const PolicyInfo& pi = prog_.policies[static_cast<size_t>(e_.policy)];
    o += out.missing.empty()
             ? fmt::format("\nPolicy {} is not in force ({})\n", prog_.str(pi.name), window_text(pi.window))
             : fmt::format("\nPolicy {} might not be in force: the date is unknown ({})\n", prog_.str(pi.name),
                           window_text(pi.window));
  }
  if (!e_.decisions.empty()) {
    o += e_.decisions.size() == 1 ? "\nDecision\n" : "\nDecisions\n";
    for (const ExplainedDecision& d : e_.decisions) {
      const DecisionInfo& di = prog_.decisions[d.index];
      o += fmt::format("  {}: {}{}\n", prog_.str(di.name), d.state, di.guard < 0 ? " (no condition)" : "");
      facts(o, d.facts, "    ");
      missing(o, d.missing, "    ");
      source(o, d.source, "    ");
    }
  }
  if (e_.chosen >= 0) {
    const DecisionInfo& di = prog_.decisions[static_cast<size_t>(e_.chosen)];
    o += fmt::format("\nRules of {}\n", prog_.str(di.name));
    for (const ExplainedRule& r : e_.rules) {
      const RuleInfo& ri = di.rules[r.index];
      o += fmt::format("  {} -- {}\n", rule_head(di, r.index), r.summary);
      if (!r.in_force.empty()) o += fmt::format("    {}\n", r.in_force);
      if (r.state != "not in force" && ri.cond < 0) o += "    no condition: applies whenever it is in force\n";
      facts(o, r.facts, "    ");
      missing(o, r.missing, "    ");
      source(o, r.source, "    ");
      for (const ExplainedDefinition& d : r.definitions) {
        if (d.typed || d.unknown) o += fmt::format("    definition {} = {}\n", d.name, d.text);
        else o += fmt::format("    definition {} (its value needs the policy's source)\n", d.name);
        source(o, d.source, "      ");
      }
    }
  }
  o += fmt::format("\nOutcome: {}", verdict_name(out.verdict));
  if (out.verdict == VerdictCode::Allow && out.basis >= 0) o += " basis " + prog_.basis_name(out.basis);
  o += "\n";
  if (!out.error.empty()) o += fmt::format("  the decision failed: {}\n", out.error);
  if (!e_.why.empty()) o += fmt::format("  why: {}\n", e_.why);
  if (out.verdict != VerdictCode::Review && out.decision >= 0) {
    const DecisionInfo& di = prog_.decisions[static_cast<size_t>(out.decision)];
    for (uint32_t r : out.rules)
      o += fmt::format("  decided by {}: {}\n", prog_.str(di.rules[r].name), cites(di.rules[r].cites));
  }
  for (const ExplainedObligation& ob : e_.obligations)
    o += fmt::format("  obliges {}{}\n", ob.name, ob.cites.empty() ? "" : ": " + cites(ob.cites));
  if (!out.missing.empty()) {
    std::string m;
    out.missing.for_each([&](uint32_t p) {
      if (p < prog_.schema.paths.size()) m += (m.empty() ? "" : ", ") + prog_.schema.paths[p].name;
    });
    o += fmt::format("  to settle it, the facts needed: {}\n", m);
  }
  return o;
}

// A --contact or --campaign argument: the JSON object itself when it starts with '{'
// (after spaces), else the file that holds it. `name` is what errors call it: the file,
// or the option.
bool read_json_arg(const std::string& arg, const char* option, std::string& text, std::string& name) {
  size_t b = arg.find_first_not_of(" \t\r\n");
  if (b != std::string::npos && arg[b] == '{') {
    text = arg;
    name = option;
    return true;
  }
  name = arg;
  std::string err;
  if (read_whole(arg, text, &err)) return true;
  print_error(err);
  return false;
}

// The contact: the whole text is one JSON object; or JSON Lines, and --id says which
// line (the candidates are the lines that mention the id; the binder has the last word).
bool contact_candidates(const ExplainOptions& o, std::string& name, std::vector<std::string>& out) {
  std::string text;
  if (!read_json_arg(o.contact, "--contact", text, name)) return false;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) lines.push_back(line.substr(b, e - b + 1));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  const bool json_lines = lines.size() > 1 && lines[0].front() == '{' && lines[0].back() == '}';
  if (o.id.empty()) {
    if (json_lines) {
      print_error(fmt::format("{} holds {} contacts, one a line: say which with --id", name, lines.size()));
      return false;
    }
    out.push_back(text);
    return true;
  }
  std::string needle = "\"" + o.id + "\"";
  for (const std::string& l : json_lines ? lines : std::vector<std::string>{text})
    if (l.find(needle) != std::string::npos) out.push_back(l);
  if (out.empty()) print_error(fmt::format("{}: no contact with id '{}'", name, o.id));
  return !out.empty();
}

// The lines of `text`, each without its end of line ("\r\n" or "\n"); the last need not end
// with one.
std::vector<std::string_view> text_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view l = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

// --contact EXPORT --mapping FILE: the row of a CRM export (its only row, or the one whose
// mapped id is --id) read through the mapping by the per-line step `lawful check` uses, so
// that a value the mapping cannot convert is the same error, naming the column, the row
// (its line) and the value. The store then holds the row's facts, for the explanation.
// "" or what went wrong (printed by the caller). The facts' strings are views of `text`,
// which must outlive the explanation.
std::string bind_mapped_row(const ExplainOptions& o, const Program& prog, const Entry& entry,
                            const std::string& campaign, LineDecider::Options line_options,
                            std::unique_ptr<LineDecider>& line, std::string& text) {
  std::string name;
  if (!read_json_arg(o.contact, "--contact", text, name)) return "-";
  bool csv = false;
  // A row given as the argument itself (it starts with '{') is a JSON object.
  const bool inline_row = name == "--contact";
  line_options.mapping =
      load_input_mapping(o.mapping, prog.schema, inline_row ? "--contact.jsonl" : name, o.input_format, &csv);
  if (!line_options.mapping) return "-";
  line_options.input = csv ? LineInput::MappedCsv : LineInput::MappedJson;
  line = std::make_unique<LineDecider>(prog, entry, line_options);
  std::string why = line->set_campaign(campaign);
  if (!why.empty()) return fmt::format("{}: {}", o.campaign, why);
  const std::vector<std::string_view> lines = text_lines(text);
  size_t first_row = 0;
  if (csv) {
    if (lines.empty()) return fmt::format("{}: no header row (CSV input starts with the names of its columns)", name);
    why = line->set_csv_header(lines[0]);
    if (!why.empty()) return fmt::format("{}: {}", name, why);
    first_row = 1;
  }
  std::vector<size_t> rows;  // indices of the lines that are not blank
  for (size_t i = first_row; i < lines.size(); ++i)
    if (lines[i].find_first_not_of(" \t") != std::string_view::npos) rows.push_back(i);
  if (rows.empty()) return fmt::format("{}: no rows", name);
  if (o.id.empty() && rows.size() > 1)
    return fmt::format("{} holds {} rows: say which with --id (the id the mapping reads)", name, rows.size());
  // Every row with the id is read, to count them; the first is explained.
  size_t chosen = lines.size(), carrying = 0;
  for (size_t i : rows) {
    const LineResult& r = line->decide(lines[i], lines[i].size());
    std::string_view id = r.decided ? line->subject().id : r.id;
    bool has_id = r.decided ? line->subject().has_id : r.has_id;
    if (!o.id.empty() && (!has_id || id != o.id)) continue;
    if (chosen == lines.size()) chosen = i;
    ++carrying;
  }
  if (chosen == lines.size()) return fmt::format("{}: no row with id '{}'", name, o.id);
  if (carrying > 1)
    print_stderr(terminal_safe(
        fmt::format("lawful: note: {} rows of {} have the id '{}': this is the first\n", carrying, name, o.id)));
  const LineResult& r = line->decide(lines[chosen], lines[chosen].size());
  if (!r.decided && !r.run_error) return fmt::format("{}: line {}: {}", name, chosen + 1, r.error);
  return {};
}

int run_explain(const ExplainOptions& o) {
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
  std::shared_ptr<const PolicySources> sources;
  if (loaded.compilation) sources = policy_sources(*loaded.compilation);
  // The text quotes the policy's strings and the contact's: it must not drive the terminal.
  auto print = [&](const Explanation& e) {
    print_stdout(o.json ? explanation_json(e) + "\n" : terminal_safe(TextWriter(e).write()));
    return e.outcome.error.empty() ? kExitOk : kExitFailed;
  };
  std::string campaign, campaign_name, contact, contact_name;
  if (!read_json_arg(o.campaign, "--campaign", campaign, campaign_name)) return kExitFailed;
  if (!o.mapping.empty()) {
    LineDecider::Options options;
    options.decide = opt;
    std::unique_ptr<LineDecider> line;
    std::string text;
    why = bind_mapped_row(o, prog, entry, campaign, options, line, text);
    if (!why.empty()) {
      if (why != "-") print_error(why);
      return kExitFailed;
    }
    return print(explain_decision(line->vm(), entry, opt, sources.get()));
  }
  Vm vm(prog);
  Binder binder(prog);
  BindResult r = binder.bind_campaign(vm.facts(), campaign);
  if (!r.ok) {
    print_error(fmt::format("{}: {}", campaign_name, r.error));
    return kExitFailed;
  }
  std::vector<std::string> candidates;
  if (!contact_candidates(o, contact_name, candidates)) return kExitFailed;
  // Every line with the id is bound, to count them; the first is explained.
  size_t first = candidates.size(), carrying = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string& c = candidates[i];
    r = binder.bind_contact(vm.facts(), c.data(), c.size(), c.size());
    if (!r.ok) {
      if (first == candidates.size() && (o.id.empty() || r.id == o.id)) {
        print_error(fmt::format("{}: {}", contact_name, r.error));
        return kExitFailed;
      }
      continue;
    }
    std::string_view id;
    if (o.id.empty() || (contact_id(prog, vm.facts(), id) && id == o.id)) {
      if (first == candidates.size()) first = i;
      ++carrying;
    }
  }
  if (first == candidates.size()) {
    print_error(fmt::format("{}: no contact with id '{}'", contact_name, o.id));
    return kExitFailed;
  }
  if (carrying > 1)
    print_stderr(terminal_safe(fmt::format("lawful: note: {} contacts of {} have the id '{}': this is the first\n",
                                           carrying, contact_name, o.id)));
  contact = std::move(candidates[first]);
  r = binder.bind_contact(vm.facts(), contact.data(), contact.size(), contact.size());
  return print(explain_decision(vm, entry, opt, sources.get()));
}

}  // namespace

void add_explain(Command& app, int& exit_code) {
  auto o = std::make_shared<ExplainOptions>();
  Command cmd = app.add_subcommand("explain", "Show how one decision was reached, rule by rule, with the facts and citations");
  cmd.add_option("path", o->path, "A .law file, a directory of them (with its routing file), or a .lawc file").required();
  cmd.add_option("--contact", o->contact,
                 "The contact: a JSON object, given as it is or in a file; or a JSON Lines file with --id")
      .required();
  cmd.add_option("--campaign", o->campaign, "The campaign: a JSON object, given as it is or in a file").required();
  cmd.add_option("--id", o->id, "With a JSON Lines --contact file (or an export): the contact with this id");
  cmd.add_option("--mapping", o->mapping,
                 "Read --contact as a CRM export (CSV or JSON Lines) through this mapping of its columns "
                 "(docs/mappings.md)");
  cmd.add_option("--input-format", o->input_format,
                 "With --mapping: jsonl or csv; auto (the default) takes the file's name, else the mapping's input")
      .check_member({"auto", "jsonl", "csv"});
  cmd.add_option("--decision", o->decision, "Explain this decision rather than the whole policy");
  cmd.add_option("--as-of", o->as_of, "Take rules as in force on this date (YYYY-MM-DD) instead of the send date");
  cmd.add_flag("--json", o->json, "The same explanation as one JSON object, for programs");
  cmd.callback([o, &exit_code] { exit_code = run_explain(*o); });
}

}  // namespace lawful::cli
