// `lawful diff OLD NEW`: what a change to the policies does to real contacts. Both
// versions decide every input line; decisions whose verdict or basis moved are counted
// per movement (allow basis consent -> deny, ...), with the rules behind each side and a
// few contact ids, and the rules and definitions that differ between the versions.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "compiler/syntax/ast_dump.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

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
  bool json = false;
  bool fail_on_change = false;
  size_t examples = 5;
  std::string engine = "vm";
};

// One side of the comparison: a program, its entry, a VM and a binder.
struct Side {
  Loaded loaded;
  Entry entry;
  Engine engine;  // before the Vm, which uses its code
  std::unique_ptr<Vm> vm;
  std::unique_ptr<Binder> binder;
  Outcome out;
  const Program& prog() const { return *loaded.program; }
};

// ------------------------------------------------------------------ what changed

std::string names_of(const Program& prog, const std::vector<uint32_t>& ids) {
  std::string s;
  for (uint32_t i : ids) s += prog.str(i) + "\x1f";
  return s;
}

// Each rule's declaration by where its name is (file, offset): found once per rule, not
// by a walk over every module for each.
using RuleDecls = std::map<std::pair<uint32_t, uint32_t>, const ast::RuleDecl*>;

RuleDecls rule_decls(const Compilation* c) {
  RuleDecls out;
  if (!c) return out;
  for (const auto& m : c->modules)
    for (const auto& d : m->decisions)
      for (const auto& r : d.rules) out.emplace(std::make_pair(m->file, r.name.span.begin), &r);
  return out;
}

// What a rule says, independent of where it is written. `decls` is empty when the
// condition as written is not to be compared (either side is a .lawc, which holds no
// source).
std::string rule_signature(const Program& prog, const RuleDecls& decls, const DecisionInfo& d, const RuleInfo& r) {
  std::string s = fmt::format("{} {} {} {}|", r.verdict, prog.basis_name(r.basis), r.window.from, r.window.until);
  for (uint32_t o : r.overrides) s += prog.str(d.rules[o].name) + ",";
  s += "|" + names_of(prog, r.cites) + "|";
  for (uint32_t p : r.needs) s += prog.schema.paths[p].name + ",";
  auto it = decls.find(std::make_pair(r.pos.file, r.pos.begin));
  if (it != decls.end()) s += "|" + (it->second->when ? ast::dump(*it->second->when) : std::string("-"));
  return s;
}

struct Change {
  std::string policy, decision, rule, definition, what;  // what: added, removed, changed
};

// rule key "policy\x1fdecision\x1frule" -> signature; with the conditions as written
// when `with_source`.
std::map<std::string, std::string> rule_table(const Side& s, bool with_source) {
  std::map<std::string, std::string> t;
  const Program& p = s.prog();
  const RuleDecls decls = rule_decls(with_source ? s.loaded.compilation.get() : nullptr);
  for (const DecisionInfo& d : p.decisions)
    for (const RuleInfo& r : d.rules)
      t[p.str(p.policies[d.policy].name) + "\x1f" + p.str(d.name) + "\x1f" + p.str(r.name)] =
          rule_signature(p, decls, d, r);
  return t;
}

// definition key "policy\x1fname" -> text, for policies compiled from source (empty when
// not `with_source`)
std::map<std::string, std::string> let_table(const Side& s, bool with_source) {
  std::map<std::string, std::string> t;
  if (!with_source || !s.loaded.compilation) return t;
  for (const auto& m : s.loaded.compilation->modules) {
    if (m->kind == ast::ModuleKind::None || m->kind == ast::ModuleKind::Routing) continue;
    for (const ast::LetDecl& l : m->lets) {
      std::string params;
      for (const ast::Param& p : l.params) params += p.name.text + ",";
      t[m->name.str() + "\x1f" + l.name.text] = params + "=" + (l.body ? ast::dump(*l.body) : std::string());
    }
  }
  return t;
}

std::vector<Change> changes(const Side& a, const Side& b, std::map<std::string, std::string>& rule_change) {
  std::vector<Change> out;
  auto split = [](const std::string& k) {
    std::vector<std::string> v;
    size_t start = 0;
    for (size_t i = 0; i <= k.size(); ++i)
      if (i == k.size() || k[i] == '\x1f') {
        v.push_back(k.substr(start, i - start));
        start = i + 1;
      }
    return v;
  };
  // A .lawc holds no source: when either side is one, both are compared on what the
  // program holds (docs/commands/diff.md), never the text of one with nothing.
  const bool with_source = a.loaded.compilation && b.loaded.compilation;
  auto ra = rule_table(a, with_source), rb = rule_table(b, with_source);
  std::set<std::string> keys;
  for (const auto& [k, v] : ra) keys.insert(k);
  for (const auto& [k, v] : rb) keys.insert(k);
  for (const std::string& k : keys) {
    auto ia = ra.find(k), ib = rb.find(k);
    std::string what = ia == ra.end() ? "added" : ib == rb.end() ? "removed" : ia->second != ib->second ? "changed" : "";
    if (what.empty()) continue;
    rule_change[k] = what;
    auto parts = split(k);
    out.push_back({parts[0], parts[1], parts[2], "", what});
  }
  auto la = let_table(a, with_source), lb = let_table(b, with_source);
  keys.clear();
  for (const auto& [k, v] : la) keys.insert(k);
  for (const auto& [k, v] : lb) keys.insert(k);
  for (const std::string& k : keys) {
    auto ia = la.find(k), ib = lb.find(k);
    std::string what = ia == la.end() ? "added" : ib == lb.end() ? "removed" : ia->second != ib->second ? "changed" : "";
    if (what.empty()) continue;
    auto parts = split(k);
    out.push_back({parts[0], "", "", parts[1], what});
  }
  return out;
}

// ------------------------------------------------------------------ movements

struct Tally {
  std::map<std::string, size_t> counts;  // cause -> decisions
};

struct Movement {
  std::string from_verdict, from_basis, to_verdict, to_basis;
  size_t count = 0;
  Tally now, was;
  std::vector<std::string> contacts;
};

std::string basis_of(const Program& p, const Outcome& o) {
  return o.verdict == VerdictCode::Allow && o.basis >= 0 ? p.basis_name(o.basis) : std::string();
}

// What made an outcome: the rules that decided it; for a review, the rule that might
// apply, the two in conflict, or the review rule; else the reason in words.
std::vector<std::string> causes(const Program& p, const Outcome& o) {
  std::vector<std::string> v;
  std::vector<uint32_t> rules;
  if (o.verdict != VerdictCode::Review || o.reason == Reason::ReviewRule) {
    rules = o.rules;
  } else if (o.reason == Reason::Undetermined && o.reason_a >= 0) {
    rules.push_back(static_cast<uint32_t>(o.reason_a));
  } else if (o.reason == Reason::Conflict && o.reason_a >= 0 && o.reason_b >= 0) {
    rules = {static_cast<uint32_t>(o.reason_a), static_cast<uint32_t>(o.reason_b)};
  }
  if (o.decision >= 0 && !rules.empty()) {
    const DecisionInfo& d = p.decisions[static_cast<size_t>(o.decision)];
    for (uint32_t r : rules)
      v.push_back(p.str(p.policies[d.policy].name) + "\x1f" + p.str(d.name) + "\x1f" + p.str(d.rules[r].name));
  } else if (o.reason != Reason::None) {
    v.push_back("(" + reason_text(p, o) + ")");
  }
  return v;
}

std::string cause_text(const std::string& key) {
  if (key.empty() || key[0] == '(') return key;
  size_t a = key.find('\x1f'), b = key.find('\x1f', a + 1);
  return fmt::format("{}: {}.{}", key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1));
}

std::string verdict_text(const std::string& v, const std::string& basis) {
  return basis.empty() ? v : v + " basis " + basis;
}

void json_verdict(std::string& o, const std::string& v, const std::string& basis) {
  o += "{\"verdict\": ";
  append_json_string(o, v);
  o += ", \"basis\": ";
  if (basis.empty()) o += "null";
  else append_json_string(o, basis);
  o += "}";
}

bool load_side(const std::string& path, const DiffOptions& o, Side& s) {
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
  s.vm = std::make_unique<Vm>(s.prog());
  s.vm->use_native(s.engine.native());
  s.binder = std::make_unique<Binder>(s.prog());
  return true;
}

int run_diff(const DiffOptions& o) {
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
  Side sides[2];
  if (!load_side(o.old_path, o, sides[0]) || !load_side(o.new_path, o, sides[1])) return kExitFailed;
  if (!o.campaign.empty()) {
    std::string text, err;
    if (!read_whole(o.campaign, text, &err)) {
      print_error(err);
      return kExitFailed;
    }
    for (Side& s : sides) {
      BindResult r = s.binder->bind_campaign(s.vm->facts(), text);
      if (!r.ok) {
        print_error(fmt::format("{}: {}", o.campaign, r.error));
        return kExitFailed;
      }
    }
  }
  const std::string input = o.cases.empty() ? o.contacts : o.cases;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) {
      print_error(fmt::format("cannot read {}", input));
      return kExitFailed;
    }
    in = &file;
  }

  std::map<std::string, std::string> rule_change;
  std::vector<Change> changed_defs = changes(sides[0], sides[1], rule_change);
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Movement> moves;
  size_t total = 0, unchanged = 0, other_reasons = 0, errors = 0;
  std::vector<std::pair<uint64_t, std::string>> error_lines;
  std::string line;
  uint64_t n = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++errors;
      if (error_lines.size() < o.examples) error_lines.emplace_back(n, "a blank line");
      continue;
    }
    ++total;
    std::string error;
    for (Side& s : sides) {
      BindResult r = o.cases.empty() ? s.binder->bind_contact(s.vm->facts(), line.data(), line.size(), line.size())
                                     : s.binder->bind_case(s.vm->facts(), line.data(), line.size(), line.size());
      if (!r.ok) {
        error = r.error;
        break;
      }
      decide_entry(*s.vm, s.entry, s.out, opt);
      if (!s.out.error.empty()) {
        error = s.out.error;
        break;
      }
    }
    if (!error.empty()) {
      ++errors;
      if (error_lines.size() < o.examples) error_lines.emplace_back(n, error);
      continue;
    }
    const Outcome& a = sides[0].out;
    const Outcome& b = sides[1].out;
    std::string va = verdict_name(a.verdict), vb = verdict_name(b.verdict);
    std::string ba = basis_of(sides[0].prog(), a), bb = basis_of(sides[1].prog(), b);
    std::vector<std::string> ca = causes(sides[0].prog(), a);
    std::vector<std::string> cb = causes(sides[1].prog(), b);
    if (va == vb && ba == bb) {
      ++unchanged;
      std::vector<std::string> cites_a, cites_b;
      for_each_cite(sides[0].prog(), a, [&](const std::string& c) { cites_a.push_back(c); });
      for_each_cite(sides[1].prog(), b, [&](const std::string& c) { cites_b.push_back(c); });
      if (ca != cb || cites_a != cites_b) ++other_reasons;
      continue;
    }
    Movement& m = moves[{va, ba, vb, bb}];
    m.from_verdict = va;
    m.from_basis = ba;
    m.to_verdict = vb;
    m.to_basis = bb;
    ++m.count;
    for (const std::string& c : cb) ++m.now.counts[c];
    for (const std::string& c : ca) ++m.was.counts[c];
    if (m.contacts.size() < o.examples) {
      std::string_view id;
      if (contact_id(sides[1].prog(), sides[1].vm->facts(), id)) m.contacts.emplace_back(id);
      else m.contacts.push_back(fmt::format("line {}", n));
    }
  }
  if (in->bad()) {
    print_error(fmt::format("reading {} failed", input));
    return kExitFailed;
  }

  std::vector<const Movement*> order;
  size_t changed = 0;
  for (const auto& [k, m] : moves) {
    order.push_back(&m);
    changed += m.count;
  }
  std::stable_sort(order.begin(), order.end(), [](const Movement* x, const Movement* y) { return x->count > y->count; });
  auto sorted = [](const Tally& t) {
    std::vector<std::pair<std::string, size_t>> v(t.counts.begin(), t.counts.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    return v;
  };
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
      for (const Change& c : changed_defs) {
        if (c.definition.empty())
          out += fmt::format("  {}: rule {}.{} {}\n", c.policy, c.decision, c.rule, c.what);
        else
          out += fmt::format("  {}: definition {} {}\n", c.policy, c.definition, c.what);
      }
    }
    for (const Movement* m : order) {
      out += fmt::format("\n{} -> {}: {}\n", verdict_text(m->from_verdict, m->from_basis),
                         verdict_text(m->to_verdict, m->to_basis), m->count);
      auto list = [&](const char* label, const Tally& t) {
        std::string s;
        for (const auto& [cause, count] : sorted(t)) {
          std::string what = mark(cause);
          s += fmt::format("{}{} ({}{})", s.empty() ? "" : ", ", cause_text(cause), count, what.empty() ? "" : ", " + what);
        }
        if (!s.empty()) out += fmt::format("  {} {}\n", label, s);
      };
      list("now by:", m->now);
      list("was by:", m->was);
      std::string ids;
      for (const std::string& c : m->contacts) ids += (ids.empty() ? "" : ", ") + c;
      if (m->count > m->contacts.size()) ids += fmt::format(", and {} more", m->count - m->contacts.size());
      out += fmt::format("  contacts: {}\n", ids);
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
      const Change& c = changed_defs[i];
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
      append_json_string(out, c.what);
      out += "}";
    }
    out += "], \"movements\": [";
    for (size_t i = 0; i < order.size(); ++i) {
      const Movement& m = *order[i];
      out += i ? ", " : "";
      out += "{\"from\": ";
      json_verdict(out, m.from_verdict, m.from_basis);
      out += ", \"to\": ";
      json_verdict(out, m.to_verdict, m.to_basis);
      out += fmt::format(", \"count\": {}", m.count);
      auto list = [&](const char* label, const Tally& t) {
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
  cmd.add_option("--contacts", o->contacts, "JSON Lines, one contact a line ('-' for standard input)");
  cmd.add_option("--campaign", o->campaign, "One campaign as a JSON object");
  cmd.add_option("--examples", o->examples, "Contact ids to show per movement (default 5)");
  cmd.add_option("--engine", o->engine, kEngineHelp);
  cmd.add_flag("--json", o->json, "The same report as one JSON object");
  cmd.add_flag("--fail-on-change", o->fail_on_change, "Exit 1 when any decision changes (for CI)");
  cmd.callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace lawful::cli
