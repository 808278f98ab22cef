// `lawful explain`: the derivation of one decision, for a reader of the policy: the
// route, the decision that applied, every rule with its state and the facts that made
// it so, what overrode what, and the outcome with its citations, obligations and, for
// `review`, the facts that would settle it. The VM's tracing pass (Vm::trace_decision)
// supplies the states and facts; the compilation, when there is one, the source text.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
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
  bool json = false;
};

// ------------------------------------------------------------------ values

// A fact's value as a policy would write it (`json`: as JSON). Absent: "absent" / null.
class ValueWriter {
 public:
  ValueWriter(const Program& prog, const FactStore& fs) : schema_(prog.schema), fs_(fs) {}

  std::string show(TypeId t, Value v, bool json) const {
    std::string out;
    write(out, t, v, json, 0);
    return out;
  }
  // The record whose fields start at `base`.
  std::string record(uint32_t rec, uint32_t base, bool json, int depth) const {
    std::string out;
    write_record(out, rec, base, json, depth);
    return out;
  }

 private:
  void write(std::string& out, TypeId t, Value v, bool json, int depth) const {
    const Type& ty = schema_.type(t);
    if (v == kUnknown && ty.kind != TypeKind::Record) {
      out += json ? "null" : "absent";
      return;
    }
    switch (ty.kind) {
      case TypeKind::Bool: out += v ? "true" : "false"; return;
      case TypeKind::Int: out += std::to_string(v); return;
      case TypeKind::String:
        append_json_string(out, fs_.text(v));
        return;
      case TypeKind::Date: {
        std::string d = format_date(static_cast<Days>(v));
        if (json) append_json_string(out, d);
        else out += d;
        return;
      }
      case TypeKind::Enum: {
        const EnumDef& e = schema_.enums[ty.ref];
        std::string m = v >= 0 && static_cast<size_t>(v) < e.members.size() ? e.members[static_cast<size_t>(v)] : "?";
        if (json) append_json_string(out, m);
        else out += m;
        return;
      }
      case TypeKind::Set: {
        const Type& et = schema_.type(ty.ref);
        out += json ? "[" : "{";
        bool first = true;
        if (et.kind == TypeKind::Enum) {
          const EnumDef& e = schema_.enums[et.ref];
          for (size_t i = 0; i < e.members.size() && i < 64; ++i) {
            if (!((static_cast<uint64_t>(v) >> i) & 1)) continue;
            out += first ? "" : ", ";
            first = false;
            if (json) append_json_string(out, e.members[i]);
            else out += e.members[i];
          }
        }
        out += json ? "]" : "}";
        return;
      }
      case TypeKind::List: {
        const Type& et = schema_.type(ty.ref);
        uint32_t stride = et.kind == TypeKind::Record ? schema_.records[et.ref].size : 1;
        out += "[";
        for (uint32_t i = 0; i < list_count(v); ++i) {
          if (i) out += ", ";
          uint32_t at = list_start(v) + i * stride;
          if (et.kind == TypeKind::Record) write_record(out, et.ref, at, json, depth + 1);
          else write(out, ty.ref, at < fs_.slots.size() ? fs_.slots[at] : kUnknown, json, depth + 1);
        }
        out += "]";
        return;
      }
      case TypeKind::Record:
        // A record field's own slot is where its fields begin (see Schema::layout).
        write_record(out, ty.ref, static_cast<uint32_t>(v), json, depth + 1);
        return;
      default: out += json ? "null" : "?"; return;
    }
  }

  // The known fields of a record (absent ones are left out: `missing` names them).
  void write_record(std::string& out, uint32_t rec, uint32_t base, bool json, int depth) const {
    const RecordDef& r = schema_.records[rec];
    out += json ? "{" : "{ ";
    bool first = true;
    for (const FieldDef& f : r.fields) {
      uint32_t slot = base + f.offset;
      if (slot >= fs_.slots.size()) continue;
      const Type& ft = schema_.type(f.type);
      std::string v;
      if (ft.kind == TypeKind::Record) {
        if (f.optional && fs_.slots[slot] == kUnknown) continue;
        if (depth > 8) continue;
        write_record(v, ft.ref, slot + (f.optional ? 1 : 0), json, depth + 1);
      } else {
        if (fs_.slots[slot] == kUnknown) continue;
        write(v, f.type, fs_.slots[slot], json, depth + 1);
      }
      out += first ? "" : ", ";
      first = false;
      if (json) {
        append_json_string(out, f.name);
        out += ": ";
      } else {
        out += f.name + ": ";
      }
      out += v;
    }
    out += json ? "}" : (first ? "}" : " }");
  }

  const Schema& schema_;
  const FactStore& fs_;
};

// ------------------------------------------------------------------ the explanation

struct FactShown {
  std::string path;
  std::string text;  // "email", "absent"
  std::string json;  // "\"email\"", "null"
  bool absent = false;
};

struct SourceShown {
  bool present = false;
  std::string where;  // "policies/uk.law:23"
  std::vector<std::pair<uint32_t, std::string>> lines;
};

struct RuleShown {
  uint32_t index = 0;
  std::string state;  // applies, does not apply, unknown, not in force
  bool prevails = false;  // applies, and no rule that applies overrides it
  bool undetermined = false;  // unknown, and could change the outcome
  std::vector<uint32_t> overridden_by;
  std::vector<FactShown> facts;
  std::vector<std::string> missing;
  SourceShown source;
};

struct DecisionShown {
  uint32_t index = 0;
  std::string state;
  std::vector<FactShown> facts;
  std::vector<std::string> missing;
  SourceShown source;
};

const char* state_word(RuleState s) {
  switch (s) {
    case RuleState::Applies: return "applies";
    case RuleState::NotApplicable: return "does not apply";
    case RuleState::Unknown: return "unknown";
  }
  return "?";
}

class Explainer {
 public:
  Explainer(const Program& prog, const Compilation* comp, Vm& vm, const DecideOptions& opt)
      : prog_(prog), comp_(comp), vm_(vm), opt_(opt), values_(prog, vm.facts()) {}

  int run(const Entry& entry, bool json);

 private:
  // The facts of a set, with their values; a fact inside list elements shows its list.
  std::vector<FactShown> facts_of(const FactSet& reads) const {
    std::vector<FactShown> out;
    std::set<int32_t> shown;
    reads.for_each([&](uint32_t p) {
      if (p >= prog_.schema.paths.size()) return;
      int32_t at = static_cast<int32_t>(p);
      const std::string& name = prog_.schema.paths[p].name;
      if (prog_.schema.paths[p].slot < 0) {
        // The longest prefix that is a fact of its own: the list the element belongs to.
        at = -1;
        for (size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0; dot = name.rfind('.', dot - 1)) {
          int q = prog_.schema.find_path(name.substr(0, dot));
          if (q >= 0 && prog_.schema.paths[static_cast<size_t>(q)].slot >= 0) {
            at = q;
            break;
          }
        }
        if (at < 0) return;
      }
      if (!shown.insert(at).second) return;
      out.push_back(fact(static_cast<uint32_t>(at)));
    });
    return out;
  }
  FactShown fact(uint32_t p) const {
    const PathDef& pd = prog_.schema.paths[p];
    FactShown f;
    f.path = pd.name;
    const Type& t = prog_.schema.type(pd.type);
    Value v = vm_.facts().slots[static_cast<size_t>(pd.slot)];
    if (t.kind == TypeKind::Record) {
      // An optional record's slot says whether it is there; its fields follow.
      const bool optional = optional_field(pd.name);
      f.absent = optional && v == kUnknown;
      if (f.absent) {
        f.text = "absent";
        f.json = "null";
      } else {
        uint32_t base = static_cast<uint32_t>(pd.slot) + (optional ? 1u : 0u);
        f.text = values_.record(t.ref, base, false, 0);
        f.json = values_.record(t.ref, base, true, 0);
      }
      return f;
    }
    f.absent = v == kUnknown;
    f.text = values_.show(pd.type, v, false);
    f.json = values_.show(pd.type, v, true);
    return f;
  }
  // Whether the fact `a.b.c` is an optional record field.
  bool optional_field(const std::string& name) const {
    size_t dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string parent = name.substr(0, dot), field = name.substr(dot + 1);
    int rec = -1;
    int root = prog_.schema.find_root(parent);
    if (root >= 0) {
      rec = static_cast<int>(prog_.schema.roots[static_cast<size_t>(root)].record);
    } else {
      int pp = prog_.schema.find_path(parent);
      if (pp < 0) return false;
      const Type& pt = prog_.schema.type(prog_.schema.paths[static_cast<size_t>(pp)].type);
      if (pt.kind != TypeKind::Record) return false;
      rec = static_cast<int>(pt.ref);
    }
    const RecordDef& r = prog_.schema.records[static_cast<size_t>(rec)];
    int f = Schema::find_field(r, field);
    return f >= 0 && r.fields[static_cast<size_t>(f)].optional;
  }
  std::vector<std::string> paths_of(const FactSet& s) const {
    std::vector<std::string> out;
    s.for_each([&](uint32_t p) {
      if (p < prog_.schema.paths.size()) out.push_back(prog_.schema.paths[p].name);
    });
    return out;
  }

  // The source of a declaration: from the compilation, the lines of the rule (or the
  // head of the decision, or the route); from a .lawc file, only where it is.
  SourceShown source(const SourcePos& pos, int kind) const {
    SourceShown s;
    if (pos.file >= prog_.files.size() || pos.line == 0) return s;
    s.present = true;
    s.where = fmt::format("{}:{}", prog_.files[pos.file], pos.line);
    if (!comp_ || pos.file >= comp_->sources.size()) return s;
    uint32_t first = pos.line, last = pos.line;
    if (kind == 0) {  // a rule: all its clauses
      for (const auto& m : comp_->modules) {
        if (m->file != pos.file) continue;
        for (const auto& d : m->decisions)
          for (const auto& r : d.rules)
            if (r.name.span.begin == pos.begin) {
              first = comp_->sources.line_col(pos.file, r.span.begin).line;
              last = comp_->sources.line_col(pos.file, r.span.end > r.span.begin ? r.span.end - 1 : r.span.end).line;
            }
      }
    }
    size_t indent = std::string::npos;
    for (uint32_t l = first; l <= last; ++l) {
      std::string_view t = comp_->sources.line_text(pos.file, l);
      size_t k = t.find_first_not_of(" \t");
      if (k != std::string_view::npos) indent = std::min(indent, k);
    }
    for (uint32_t l = first; l <= last; ++l) {
      std::string t(comp_->sources.line_text(pos.file, l));
      while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
      s.lines.emplace_back(l, indent != std::string::npos && t.size() >= indent ? t.substr(indent) : t);
    }
    return s;
  }
  // The route of the routing file that names `country`.
  SourceShown route_source(const std::string& country) const {
    SourceShown s;
    if (!comp_) return s;
    for (const auto& m : comp_->modules) {
      if (m->kind != ast::ModuleKind::Routing) continue;
      for (const auto& r : m->routes)
        for (const auto& k : r.keys) {
          std::string key = k.text;
          for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          if (key != country) continue;
          LineCol lc = comp_->sources.line_col(m->file, r.span.begin);
          s.present = true;
          s.where = fmt::format("{}:{}", comp_->sources.path(m->file), lc.line);
          std::string t(comp_->sources.line_text(m->file, lc.line));
          size_t b = t.find_first_not_of(" \t");
          s.lines.emplace_back(lc.line, b == std::string::npos ? t : t.substr(b));
        }
    }
    return s;
  }

  DecisionShown decision(uint32_t d, const DecisionTrace& tr) const {
    DecisionShown ds;
    ds.index = d;
    ds.state = state_word(tr.guard);
    ds.facts = facts_of(tr.guard_reads);
    if (tr.guard == RuleState::Unknown)
      for (const FactShown& f : ds.facts)
        if (f.absent) ds.missing.push_back(f.path);
    ds.source = source(prog_.decisions[d].pos, 1);
    return ds;
  }

  std::vector<RuleShown> rules(uint32_t d, const DecisionTrace& tr, const Outcome& out) const {
    const DecisionInfo& di = prog_.decisions[d];
    std::vector<RuleShown> v;
    for (size_t i = 0; i < di.rules.size(); ++i) {
      const RuleTrace& rt = tr.rules[i];
      RuleShown rs;
      rs.index = static_cast<uint32_t>(i);
      rs.state = rt.window_excludes ? "not in force" : state_word(rt.state);
      for (size_t j = 0; j < di.rules.size(); ++j) {
        if (tr.rules[j].state != RuleState::Applies) continue;
        const auto& ov = di.rules[j].overrides;
        if (std::find(ov.begin(), ov.end(), i) != ov.end()) rs.overridden_by.push_back(static_cast<uint32_t>(j));
      }
      bool listed = std::find(out.rules.begin(), out.rules.end(), i) != out.rules.end();
      rs.prevails = rt.state == RuleState::Applies && rs.overridden_by.empty();
      rs.undetermined = listed && rt.state == RuleState::Unknown;
      if (!rt.window_excludes) {
        rs.facts = facts_of(rt.reads);
        rs.missing = paths_of(rt.missing);
      }
      rs.source = source(di.rules[i].pos, 0);
      v.push_back(std::move(rs));
    }
    return v;
  }

  // A review's reason in words, as the decision record gives it.
  std::string why(const Outcome& out) const {
    if (out.reason == Reason::NoPolicyForCountry && prog_.route_path >= 0) {
      Value c = vm_.facts().slots[static_cast<size_t>(prog_.schema.paths[static_cast<size_t>(prog_.route_path)].slot)];
      if (c != kUnknown) return fmt::format("no policy for country '{}'", vm_.facts().text(c));
    }
    return reason_text(prog_, out);
  }
  std::string window_text(const Window& w) const {
    if (w.always()) return {};
    std::string s = fmt::format("effective {}", format_date(w.from));
    if (w.until != kAlwaysUntil) s += fmt::format(" until {}", format_date(w.until));
    return s;
  }
  std::string rule_head(const DecisionInfo& di, uint32_t i) const {
    const RuleInfo& r = di.rules[i];
    std::string s = fmt::format("{}: {}", prog_.str(r.name), verdict_name(static_cast<VerdictCode>(r.verdict)));
    if (r.basis >= 0) s += " basis " + prog_.basis_name(r.basis);
    return s;
  }
  std::string cites_text(const std::vector<uint32_t>& cites) const {
    std::string s;
    for (uint32_t c : cites) {
      s += s.empty() ? "" : ", ";
      append_json_string(s, prog_.str(c));
    }
    return s;
  }

  void text_facts(std::string& o, const std::vector<FactShown>& facts, const char* indent) const {
    if (facts.empty()) return;
    std::string line;
    for (const FactShown& f : facts)
      line += (line.empty() ? "" : "; ") + (f.absent ? f.path + " is absent" : f.path + " = " + f.text);
    o += fmt::format("{}facts: {}\n", indent, line);
  }
  void text_source(std::string& o, const SourceShown& s, const char* indent) const {
    if (!s.present) return;
    if (s.lines.empty()) {
      o += fmt::format("{}{}\n", indent, s.where);
      return;
    }
    size_t w = std::to_string(s.lines.back().first).size();
    o += fmt::format("{}{}:\n", indent, s.where.substr(0, s.where.rfind(':')));
    for (const auto& [n, t] : s.lines) o += fmt::format("{}  {:>{}} | {}\n", indent, n, w, t);
  }
  static void json_facts(std::string& o, const std::vector<FactShown>& facts) {
    o += "[";
    for (size_t i = 0; i < facts.size(); ++i) {
      o += i ? ", " : "";
      o += "{\"fact\": ";
      append_json_string(o, facts[i].path);
      o += fmt::format(", \"value\": {}, \"absent\": {}}}", facts[i].json, facts[i].absent ? "true" : "false");
    }
    o += "]";
  }
  static void json_strings(std::string& o, const std::vector<std::string>& v) {
    o += "[";
    for (size_t i = 0; i < v.size(); ++i) {
      o += i ? ", " : "";
      append_json_string(o, v[i]);
    }
    o += "]";
  }
  static void json_source(std::string& o, const SourceShown& s) {
    if (!s.present) {
      o += "null";
      return;
    }
    size_t colon = s.where.rfind(':');
    o += "{\"file\": ";
    append_json_string(o, s.where.substr(0, colon));
    o += ", \"line\": " + s.where.substr(colon + 1) + ", \"text\": ";
    if (s.lines.empty()) {
      o += "null}";
      return;
    }
    std::string text;
    for (const auto& [n, t] : s.lines) text += t + "\n";
    append_json_string(o, text);
    o += "}";
  }

  const Program& prog_;
  const Compilation* comp_;
  Vm& vm_;
  DecideOptions opt_;
  ValueWriter values_;
};

int Explainer::run(const Entry& entry, bool json) {
  Outcome out;
  decide_entry(vm_, entry, out, opt_);
  const Schema& schema = prog_.schema;

  // The date that decides which rules are in force.
  std::string as_of_text = "unknown", as_of_json = "null";
  if (opt_.as_of) {
    as_of_text = format_date(*opt_.as_of);
    as_of_json = "\"" + as_of_text + "\"";
  } else if (schema.as_of_path >= 0 && schema.paths[static_cast<size_t>(schema.as_of_path)].slot >= 0) {
    Value v = vm_.facts().slots[static_cast<size_t>(schema.paths[static_cast<size_t>(schema.as_of_path)].slot)];
    if (v != kUnknown) {
      as_of_text = format_date(static_cast<Days>(v));
      as_of_json = "\"" + as_of_text + "\"";
    }
  }
  std::string_view id;
  std::string id_text = contact_id(prog_, vm_.facts(), id) ? std::string(id) : std::string();

  // Routing.
  const bool routed = entry.kind == Entry::Router || entry.kind == Entry::RouterDecision;
  int32_t policy = out.policy;
  FactShown country;
  SourceShown route_src;
  std::string route_why;
  if (routed) {
    Outcome scratch;
    policy = vm_.route(scratch);
    if (prog_.route_path >= 0) country = fact(static_cast<uint32_t>(prog_.route_path));
    if (policy < 0) route_why = why(scratch);
    if (!country.absent) {
      std::string key = country.text.size() >= 2 ? country.text.substr(1, country.text.size() - 2) : country.text;
      for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      route_src = route_source(key);
    }
  } else if (entry.kind == Entry::Policy) {
    policy = static_cast<int32_t>(entry.index);
  } else {
    policy = static_cast<int32_t>(prog_.decisions[entry.index].policy);
  }

  // Which decisions were considered, and the one that decided.
  std::vector<DecisionShown> decisions;
  bool in_force = true;
  int32_t chosen = -1;
  DecisionTrace chosen_trace;
  if (policy >= 0) {
    const PolicyInfo& pi = prog_.policies[static_cast<size_t>(policy)];
    in_force = !(out.reason == Reason::PolicyNotInForce);
    std::vector<uint32_t> considered;
    if (entry.kind == Entry::Decision) {
      considered.push_back(entry.index);
    } else if (entry.kind == Entry::RouterDecision) {
      int d = prog_.find_decision(static_cast<uint32_t>(policy), entry.decision_name);
      if (d >= 0) considered.push_back(static_cast<uint32_t>(d));
    } else {
      considered = pi.decisions;
    }
    if (in_force) {
      for (uint32_t d : considered) {
        DecisionTrace tr;
        vm_.trace_decision(d, tr, opt_);
        decisions.push_back(decision(d, tr));
        if (static_cast<int32_t>(d) == out.decision && tr.guard == RuleState::Applies &&
            out.reason != Reason::DecisionsOverlap) {
          chosen = static_cast<int32_t>(d);
          chosen_trace = tr;
        }
      }
    }
  }
  std::vector<RuleShown> rules;
  if (chosen >= 0) rules = this->rules(static_cast<uint32_t>(chosen), chosen_trace, out);

  // Obligations with their citations: of an obligation declared per rule (`oblige X for
  // R`), the citations of the declarations whose rule decided, so that each route cites
  // its own provision.
  std::vector<std::pair<std::string, std::vector<uint32_t>>> obligations;
  for (uint32_t o : out.obligations) {
    std::vector<uint32_t> cites;
    if (out.decision >= 0)
      for (const ObligeInfo& oi : prog_.decisions[static_cast<size_t>(out.decision)].obliges) {
        if (oi.name != o) continue;
        bool decided = oi.rules.empty();
        for (uint32_t r : oi.rules)
          decided = decided || std::find(out.rules.begin(), out.rules.end(), r) != out.rules.end();
        if (!decided) continue;
        for (uint32_t c : oi.cites)
          if (std::find(cites.begin(), cites.end(), c) == cites.end()) cites.push_back(c);
      }
    obligations.emplace_back(prog_.obligation_name(o), cites);
  }

  std::string o;
  if (!json) {
    o += fmt::format("Decision for contact {} as of {}\n", id_text.empty() ? "(no id)" : "'" + id_text + "'", as_of_text);
    if (routed) {
      o += "\nRoute\n";
      std::string c = country.absent ? "contact.country is absent" : "contact.country = " + country.text;
      if (policy >= 0) {
        const PolicyInfo& pi = prog_.policies[static_cast<size_t>(policy)];
        o += fmt::format("  {}: policy {} \"{}\"\n", c, prog_.str(pi.name), prog_.str(pi.title));
      } else {
        o += fmt::format("  {}: {}\n", c, route_why);
      }
      text_source(o, route_src, "  ");
    }
    if (policy >= 0 && !in_force) {
      const PolicyInfo& pi = prog_.policies[static_cast<size_t>(policy)];
      o += out.missing.empty()
               ? fmt::format("\nPolicy {} is not in force ({})\n", prog_.str(pi.name), window_text(pi.window))
               : fmt::format("\nPolicy {} might not be in force: the date is unknown ({})\n", prog_.str(pi.name),
                             window_text(pi.window));
    }
    if (!decisions.empty()) {
      o += decisions.size() == 1 ? "\nDecision\n" : "\nDecisions\n";
      for (const DecisionShown& d : decisions) {
        const DecisionInfo& di = prog_.decisions[d.index];
        o += fmt::format("  {}: {}{}\n", prog_.str(di.name), d.state, di.guard < 0 ? " (no condition)" : "");
        text_facts(o, d.facts, "    ");
        if (!d.missing.empty()) {
          std::string m;
          for (const std::string& p : d.missing) m += (m.empty() ? "" : ", ") + p;
          o += fmt::format("    unknown because absent: {}\n", m);
        }
        text_source(o, d.source, "    ");
      }
    }
    if (chosen >= 0) {
      const DecisionInfo& di = prog_.decisions[static_cast<size_t>(chosen)];
      o += fmt::format("\nRules of {}\n", prog_.str(di.name));
      for (const RuleShown& r : rules) {
        const RuleInfo& ri = di.rules[r.index];
        std::string state = r.state;
        if (r.prevails) state += ", prevails";
        if (r.undetermined) state += ", might change the outcome";
        if (!r.overridden_by.empty()) {
          std::string by;
          for (uint32_t j : r.overridden_by) by += (by.empty() ? "" : ", ") + prog_.str(di.rules[j].name);
          state += ", overridden by " + by;
        }
        o += fmt::format("  {} -- {}\n", rule_head(di, r.index), state);
        if (r.state == "not in force") o += fmt::format("    in force: {}\n", window_text(ri.window));
        else if (ri.cond < 0) o += "    no condition: applies whenever it is in force\n";
        text_facts(o, r.facts, "    ");
        if (!r.missing.empty()) {
          std::string m;
          for (const std::string& p : r.missing) m += (m.empty() ? "" : ", ") + p;
          o += fmt::format("    unknown because absent: {}\n", m);
        }
        text_source(o, r.source, "    ");
      }
    }
    o += fmt::format("\nOutcome: {}", verdict_name(out.verdict));
    if (out.verdict == VerdictCode::Allow && out.basis >= 0) o += " basis " + prog_.basis_name(out.basis);
    o += "\n";
    if (!out.error.empty()) o += fmt::format("  the decision failed: {}\n", out.error);
    if (out.verdict == VerdictCode::Review && out.error.empty()) o += fmt::format("  why: {}\n", why(out));
    if (out.verdict != VerdictCode::Review && out.decision >= 0) {
      const DecisionInfo& di = prog_.decisions[static_cast<size_t>(out.decision)];
      for (uint32_t r : out.rules)
        o += fmt::format("  decided by {}: {}\n", prog_.str(di.rules[r].name), cites_text(di.rules[r].cites));
    }
    for (const auto& [name, cites] : obligations)
      o += fmt::format("  obliges {}{}\n", name, cites.empty() ? "" : ": " + cites_text(cites));
    if (!out.missing.empty()) {
      std::string m;
      for (const std::string& p : paths_of(out.missing)) m += (m.empty() ? "" : ", ") + p;
      o += fmt::format("  to settle it, the facts needed: {}\n", m);
    }
  } else {
    o += "{\"contact\": ";
    if (id_text.empty()) o += "null";
    else append_json_string(o, id_text);
    o += ", \"as_of\": " + as_of_json + ", \"route\": ";
    if (!routed) {
      o += "null";
    } else {
      o += "{\"country\": " + country.json + ", \"policy\": ";
      if (policy >= 0) append_json_string(o, prog_.str(prog_.policies[static_cast<size_t>(policy)].name));
      else o += "null";
      o += ", \"reason\": ";
      if (route_why.empty()) o += "null";
      else append_json_string(o, route_why);
      o += ", \"source\": ";
      json_source(o, route_src);
      o += "}";
    }
    o += ", \"policy\": ";
    if (policy < 0) {
      o += "null";
    } else {
      const PolicyInfo& pi = prog_.policies[static_cast<size_t>(policy)];
      o += "{\"name\": ";
      append_json_string(o, prog_.str(pi.name));
      o += ", \"title\": ";
      append_json_string(o, prog_.str(pi.title));
      o += fmt::format(", \"in_force\": {}}}", in_force ? "true" : "false");
    }
    o += ", \"decisions\": [";
    for (size_t i = 0; i < decisions.size(); ++i) {
      const DecisionShown& d = decisions[i];
      o += i ? ", " : "";
      o += "{\"name\": ";
      append_json_string(o, prog_.str(prog_.decisions[d.index].name));
      o += ", \"state\": ";
      append_json_string(o, d.state);
      o += ", \"facts\": ";
      json_facts(o, d.facts);
      o += ", \"missing\": ";
      json_strings(o, d.missing);
      o += ", \"source\": ";
      json_source(o, d.source);
      o += "}";
    }
    o += "], \"decision\": ";
    if (chosen >= 0) append_json_string(o, prog_.str(prog_.decisions[static_cast<size_t>(chosen)].name));
    else o += "null";
    o += ", \"rules\": [";
    for (size_t i = 0; i < rules.size(); ++i) {
      const RuleShown& r = rules[i];
      const DecisionInfo& di = prog_.decisions[static_cast<size_t>(chosen)];
      const RuleInfo& ri = di.rules[r.index];
      o += i ? ", " : "";
      o += "{\"name\": ";
      append_json_string(o, prog_.str(ri.name));
      o += fmt::format(", \"verdict\": \"{}\", \"basis\": ", verdict_name(static_cast<VerdictCode>(ri.verdict)));
      if (ri.basis >= 0) append_json_string(o, prog_.basis_name(ri.basis));
      else o += "null";
      o += ", \"state\": ";
      append_json_string(o, r.state);
      o += fmt::format(", \"prevails\": {}, \"might_change_outcome\": {}, \"overrides\": ", r.prevails ? "true" : "false",
                       r.undetermined ? "true" : "false");
      std::vector<std::string> names;
      for (uint32_t j : ri.overrides) names.push_back(prog_.str(di.rules[j].name));
      json_strings(o, names);
      names.clear();
      for (uint32_t j : r.overridden_by) names.push_back(prog_.str(di.rules[j].name));
      o += ", \"overridden_by\": ";
      json_strings(o, names);
      o += ", \"facts\": ";
      json_facts(o, r.facts);
      o += ", \"missing\": ";
      json_strings(o, r.missing);
      names.clear();
      for (uint32_t c : ri.cites) names.push_back(prog_.str(c));
      o += ", \"cites\": ";
      json_strings(o, names);
      o += ", \"source\": ";
      json_source(o, r.source);
      o += "}";
    }
    o += "], \"obligations\": [";
    for (size_t i = 0; i < obligations.size(); ++i) {
      o += i ? ", " : "";
      o += "{\"name\": ";
      append_json_string(o, obligations[i].first);
      std::vector<std::string> cites;
      for (uint32_t c : obligations[i].second) cites.push_back(prog_.str(c));
      o += ", \"cites\": ";
      json_strings(o, cites);
      o += "}";
    }
    o += "], \"outcome\": ";
    if (!out.error.empty()) {
      append_error_json(o, id_text, !id_text.empty(), 1, out.error);
    } else {
      append_decision_json(o, prog_, out, vm_.facts());
    }
    o += "}\n";
  }
  // The text quotes the policy's strings and the contact's: it must not drive the terminal.
  if (!json) o = terminal_safe(o);
  print_stdout(o);
  return out.error.empty() ? kExitOk : kExitFailed;
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
  Vm vm(prog);
  Binder binder(prog);
  std::string campaign, campaign_name, contact, contact_name;
  if (!read_json_arg(o.campaign, "--campaign", campaign, campaign_name)) return kExitFailed;
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
  Explainer ex(prog, loaded.compilation.get(), vm, opt);
  return ex.run(entry, o.json);
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
  cmd.add_option("--id", o->id, "With a JSON Lines --contact file: the contact with this id");
  cmd.add_option("--decision", o->decision, "Explain this decision rather than the whole policy");
  cmd.add_option("--as-of", o->as_of, "Take rules as in force on this date (YYYY-MM-DD) instead of the send date");
  cmd.add_flag("--json", o->json, "The same explanation as one JSON object, for programs");
  cmd.callback([o, &exit_code] { exit_code = run_explain(*o); });
}

}  // namespace lawful::cli
