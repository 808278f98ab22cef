// The explanation model (explain.h): built from the VM's tracing pass, written as JSON
// with nlohmann's writer.
#include "runtime/vm/explain.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/core/dates.h"
#include "runtime/facts/records.h"

namespace lawful {

namespace {

// ------------------------------------------------------------------ values

// A duration as a policy writes it: "2 years 6 months", "30 days", "0 days".
std::string duration_text(Value v) {
  Duration d = duration_of(v);
  std::string s;
  auto part = [&](int32_t n, const char* unit) {
    if (n == 0) return;
    s += fmt::format("{}{} {}{}", s.empty() ? "" : " ", n, unit, n == 1 ? "" : "s");
  };
  part(d.months / 12, "year");
  part(d.months % 12, "month");
  part(d.days, "day");
  return s.empty() ? "0 days" : s;
}
// The time between two dates (a date minus a date), as "from B to A".
std::string span_text(Value v) {
  return fmt::format("from {} to {}", format_date(span_b(v)), format_date(span_a(v)));
}


// A fact's value as a policy would write it (text) and as JSON. Absent: "absent" / null.
class ValueWriter {
 public:
  ValueWriter(const Program& prog, const FactStore& fs) : schema_(prog.schema), fs_(fs) {}

  std::string text(TypeId t, Value v) const {
    std::string out;
    write_text(out, t, v);
    return out;
  }
  ExplainJson json(TypeId t, Value v) const { return write_json(t, v, 0); }
  // The record whose fields start at `base`.
  std::string record_text(uint32_t rec, uint32_t base) const {
    std::string out;
    write_record_text(out, rec, base, 0);
    return out;
  }
  ExplainJson record_json(uint32_t rec, uint32_t base) const { return write_record_json(rec, base, 0); }

 private:
  std::string member(const EnumDef& e, Value v) const {
    return v >= 0 && static_cast<size_t>(v) < e.members.size() ? e.members[static_cast<size_t>(v)] : "?";
  }
  uint32_t stride(const Type& et) const { return et.kind == TypeKind::Record ? schema_.records[et.ref].size : 1; }
  Value slot(uint32_t at) const { return at < fs_.slots.size() ? fs_.slots[at] : kUnknown; }

  void write_text(std::string& out, TypeId t, Value v, int depth = 0) const {
    const Type& ty = schema_.type(t);
    if (v == kUnknown && ty.kind != TypeKind::Record) {
      out += "absent";
      return;
    }
    switch (ty.kind) {
      case TypeKind::Bool: out += v ? "true" : "false"; return;
      case TypeKind::Int: out += std::to_string(v); return;
      case TypeKind::String: append_json_string(out, fs_.text(v)); return;
      case TypeKind::Date: out += format_date(static_cast<Days>(v)); return;
      case TypeKind::Duration: out += duration_text(v); return;
      case TypeKind::Span: out += span_text(v); return;
      case TypeKind::Verdict: out += verdict_name(static_cast<VerdictCode>(v)); return;
      case TypeKind::Enum: out += member(schema_.enums[ty.ref], v); return;
      case TypeKind::Set: {
        const Type& et = schema_.type(ty.ref);
        out += "{";
        bool first = true;
        if (et.kind == TypeKind::Enum) {
          const EnumDef& e = schema_.enums[et.ref];
          for (size_t i = 0; i < e.members.size() && i < 64; ++i) {
            if (!((static_cast<uint64_t>(v) >> i) & 1)) continue;
            out += first ? "" : ", ";
            first = false;
            out += e.members[i];
          }
        }
        out += "}";
        return;
      }
      case TypeKind::List: {
        const Type& et = schema_.type(ty.ref);
        out += "[";
        for (uint32_t i = 0; i < list_count(v); ++i) {
          if (i) out += ", ";
          uint32_t at = list_start(v) + i * stride(et);
          if (et.kind == TypeKind::Record) write_record_text(out, et.ref, at, depth + 1);
          else write_text(out, ty.ref, slot(at), depth + 1);
        }
        out += "]";
        return;
      }
      case TypeKind::Record:
        // A record field's own slot is where its fields begin (see Schema::layout).
        write_record_text(out, ty.ref, static_cast<uint32_t>(v), depth + 1);
        return;
      default: out += "?"; return;
    }
  }

  ExplainJson write_json(TypeId t, Value v, int depth) const {
    const Type& ty = schema_.type(t);
    if (v == kUnknown && ty.kind != TypeKind::Record) return nullptr;
    switch (ty.kind) {
      case TypeKind::Bool: return v != 0;
      case TypeKind::Int: return static_cast<int64_t>(v);
      case TypeKind::String: return std::string(fs_.text(v));
      case TypeKind::Date: return format_date(static_cast<Days>(v));
      case TypeKind::Duration: return duration_text(v);
      case TypeKind::Span: return span_text(v);
      case TypeKind::Verdict: return verdict_name(static_cast<VerdictCode>(v));
      case TypeKind::Enum: return member(schema_.enums[ty.ref], v);
      case TypeKind::Set: {
        ExplainJson a = ExplainJson::array();
        const Type& et = schema_.type(ty.ref);
        if (et.kind == TypeKind::Enum) {
          const EnumDef& e = schema_.enums[et.ref];
          for (size_t i = 0; i < e.members.size() && i < 64; ++i)
            if ((static_cast<uint64_t>(v) >> i) & 1) a.push_back(e.members[i]);
        }
        return a;
      }
      case TypeKind::List: {
        ExplainJson a = ExplainJson::array();
        const Type& et = schema_.type(ty.ref);
        for (uint32_t i = 0; i < list_count(v); ++i) {
          uint32_t at = list_start(v) + i * stride(et);
          a.push_back(et.kind == TypeKind::Record ? write_record_json(et.ref, at, depth + 1)
                                                  : write_json(ty.ref, slot(at), depth + 1));
        }
        return a;
      }
      case TypeKind::Record: return write_record_json(ty.ref, static_cast<uint32_t>(v), depth + 1);
      default: return nullptr;
    }
  }

  // The known fields of a record (absent ones are left out: `missing` names them), in
  // either form; `each(field, slot)` writes one and says whether it was written.
  template <class Each>
  void for_known_fields(uint32_t rec, uint32_t base, int depth, Each each) const {
    for (const FieldDef& f : schema_.records[rec].fields) {
      uint32_t at = base + f.offset;
      if (at >= fs_.slots.size()) continue;
      const Type& ft = schema_.type(f.type);
      if (ft.kind == TypeKind::Record) {
        if (f.optional && fs_.slots[at] == kUnknown) continue;
        if (depth > 8) continue;
        each(f, &ft, at + (f.optional ? 1 : 0));
      } else {
        if (fs_.slots[at] == kUnknown) continue;
        each(f, nullptr, at);
      }
    }
  }
  void write_record_text(std::string& out, uint32_t rec, uint32_t base, int depth) const {
    out += "{ ";
    bool first = true;
    for_known_fields(rec, base, depth, [&](const FieldDef& f, const Type* record, uint32_t at) {
      out += first ? "" : ", ";
      first = false;
      out += f.name + ": ";
      if (record) write_record_text(out, record->ref, at, depth + 1);
      else write_text(out, f.type, fs_.slots[at], depth + 1);
    });
    out += first ? "}" : " }";
  }
  ExplainJson write_record_json(uint32_t rec, uint32_t base, int depth) const {
    ExplainJson o = ExplainJson::object();
    for_known_fields(rec, base, depth, [&](const FieldDef& f, const Type* record, uint32_t at) {
      o[f.name] = record ? write_record_json(record->ref, at, depth + 1) : write_json(f.type, fs_.slots[at], depth + 1);
    });
    return o;
  }

  const Schema& schema_;
  const FactStore& fs_;
};

const char* state_word(RuleState s) {
  switch (s) {
    case RuleState::Applies: return "applies";
    case RuleState::NotApplicable: return "does not apply";
    case RuleState::Unknown: return "unknown";
  }
  return "?";
}

// "a", "a and b", "a, b and c".
std::string and_list(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " and " : ", ";
    s += names[i];
  }
  return s;
}

// ------------------------------------------------------------------ the model

class Builder {
 public:
  Builder(Vm& vm, const DecideOptions& opt, const PolicySources* sources)
      : prog_(vm.program()), vm_(vm), opt_(opt), src_(sources), values_(prog_, vm.facts()) {}

  Explanation build(const Entry& entry);

 private:
  // The facts of a set, with their values; a fact inside list elements shows its list.
  std::vector<ExplainedFact> facts_of(const FactSet& reads) const {
    std::vector<ExplainedFact> out;
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
  ExplainedFact fact(uint32_t p) const {
    const PathDef& pd = prog_.schema.paths[p];
    ExplainedFact f;
    f.path = pd.name;
    const Type& t = prog_.schema.type(pd.type);
    Value v = vm_.facts().slots[static_cast<size_t>(pd.slot)];
    if (t.kind == TypeKind::Record) {
      // An optional record's slot says whether it is there; its fields follow.
      const bool optional = optional_field(pd.name);
      f.absent = optional && v == kUnknown;
      if (f.absent) {
        f.text = "absent";
        f.value = nullptr;
      } else {
        uint32_t base = static_cast<uint32_t>(pd.slot) + (optional ? 1u : 0u);
        f.text = values_.record_text(t.ref, base);
        f.value = values_.record_json(t.ref, base);
      }
      return f;
    }
    f.absent = v == kUnknown;
    f.text = values_.text(pd.type, v);
    f.value = values_.json(pd.type, v);
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

  // Lines [first, last] of a file, without their common indentation.
  void quote(ExplainedSource& s, uint32_t file, uint32_t first, uint32_t last) const {
    size_t indent = std::string::npos;
    for (uint32_t l = first; l <= last; ++l) {
      std::string_view t = src_->line(file, l);
      size_t k = t.find_first_not_of(" \t");
      if (k != std::string_view::npos) indent = std::min(indent, k);
    }
    for (uint32_t l = first; l <= last; ++l) {
      std::string t(src_->line(file, l));
      s.lines.emplace_back(l, indent != std::string::npos && t.size() >= indent ? t.substr(indent) : t);
    }
  }
  // The source of a declaration: with the sources, the lines of the rule (`rule`) or the
  // head of the decision; from a .lawc file, only where it is.
  ExplainedSource source(const SourcePos& pos, bool rule) const {
    ExplainedSource s;
    if (pos.file >= prog_.files.size() || pos.line == 0) return s;
    s.present = true;
    s.file = prog_.files[pos.file];
    s.line = pos.line;
    if (!src_ || pos.file >= src_->lines.size()) return s;
    uint32_t first = pos.line, last = pos.line;
    if (rule) {
      auto it = src_->rule_lines.find({pos.file, pos.begin});
      if (it != src_->rule_lines.end()) std::tie(first, last) = it->second;
    }
    quote(s, pos.file, first, last);
    return s;
  }
  // The route of the routing file that names `country`.
  ExplainedSource route_source(const std::string& country) const {
    ExplainedSource s;
    if (!src_) return s;
    auto it = src_->routes.find(country);
    if (it == src_->routes.end()) return s;
    for (const auto& [file, line] : it->second) {
      s.present = true;
      s.file = src_->paths[file];
      s.line = line;
      std::string t(src_->line(file, line));
      size_t b = t.find_first_not_of(" \t");
      s.lines.emplace_back(line, b == std::string::npos ? t : t.substr(b));
    }
    return s;
  }

  // The definitions a function uses, directly or through another, in the order of first
  // use.
  void lets_of(int32_t fn, std::vector<uint32_t>& out, int depth = 0) const {
    if (fn < 0 || static_cast<size_t>(fn) >= prog_.functions.size() || depth > 64) return;
    const Function& f = prog_.functions[static_cast<size_t>(fn)];
    for (uint32_t pc = f.begin; pc < f.end;) {
      uint32_t w = prog_.code[pc];
      Op op = decode_op(w);
      if (op == Op::Let) {
        uint32_t k = decode_a(w);
        if (k < prog_.lets.size() && std::find(out.begin(), out.end(), k) == out.end()) {
          out.push_back(k);
          lets_of(static_cast<int32_t>(prog_.lets[k].fn), out, depth + 1);
        }
      }
      pc += static_cast<uint32_t>(op_words(op_info(op).format));
    }
  }
  std::vector<ExplainedDefinition> definitions(const RuleInfo& r) {
    std::vector<uint32_t> lets;
    lets_of(r.cond, lets);
    std::string home = r.origin < prog_.policies.size() ? prog_.str(prog_.policies[r.origin].name) + "." : "";
    std::vector<ExplainedDefinition> out;
    for (uint32_t k : lets) {
      const LetInfo& li = prog_.lets[k];
      ExplainedDefinition d;
      d.full = prog_.str(li.name);
      d.name = !home.empty() && d.full.compare(0, home.size(), home) == 0 ? d.full.substr(home.size()) : d.full;
      FactSet reads;
      Value v = vm_.trace_let(k, reads);
      d.typed = li.type != types::kError && li.type < prog_.schema.types.size();
      d.unknown = v == kUnknown;
      if (d.unknown) {
        d.text = "unknown";
        d.value = nullptr;
      } else if (d.typed) {
        d.text = values_.text(li.type, v);
        d.value = values_.json(li.type, v);
      } else {
        d.value = nullptr;  // a .lawc file keeps no types: the value is not shown
      }
      if (src_) {
        auto it = src_->lets.find(d.full);
        if (it != src_->lets.end()) {
          auto [file, first, last] = it->second;
          d.source.present = true;
          d.source.file = file < src_->paths.size() ? src_->paths[file] : std::string();
          d.source.line = first;
          quote(d.source, file, first, last);
        }
      }
      out.push_back(std::move(d));
    }
    return out;
  }

  ExplainedDecision decision(uint32_t d, const DecisionTrace& tr) const {
    ExplainedDecision ds;
    ds.index = d;
    ds.state = state_word(tr.guard);
    ds.facts = facts_of(tr.guard_reads);
    if (tr.guard == RuleState::Unknown)
      for (const ExplainedFact& f : ds.facts)
        if (f.absent) ds.missing.push_back(f.path);
    ds.source = source(prog_.decisions[d].pos, false);
    return ds;
  }

  // A rule's state in plain words.
  std::string summary(const DecisionInfo& di, const ExplainedRule& r) const {
    std::vector<std::string> by;
    for (uint32_t j : r.overridden_by) by.push_back(prog_.str(di.rules[j].name));
    const std::string who = and_list(by), verb = by.size() == 1 ? "overrides" : "override";
    std::string s = r.state;
    if (r.state == "applies") {
      if (r.prevails) s += ", prevails";
      else if (!by.empty()) s += fmt::format(", but {} {} it", who, verb);
    } else if (r.state == "unknown") {
      if (r.undetermined) s += ", might change the outcome";
      else if (!by.empty()) s += fmt::format(", but {} {} it either way", who, verb);
    } else if (r.state == "does not apply" && !by.empty()) {
      s += fmt::format(" (and {} would override it anyway)", who);
    }
    return s;
  }
  std::string in_force_text(const Window& w, bool excluded) const {
    if (w.always()) return {};
    const bool from = w.from != kAlwaysFrom, until = w.until != kAlwaysUntil;
    if (excluded) {
      if (from && until) return fmt::format("in force only from {} until {}", format_date(w.from), format_date(w.until));
      if (from) return fmt::format("in force only from {}", format_date(w.from));
      return fmt::format("in force only until {}", format_date(w.until));
    }
    if (from && until) return fmt::format("in force since {}, until {}", format_date(w.from), format_date(w.until));
    if (from) return fmt::format("in force since {}", format_date(w.from));
    return fmt::format("in force until {}", format_date(w.until));
  }

  std::vector<ExplainedRule> rules(uint32_t d, const DecisionTrace& tr, const Outcome& out) {
    const DecisionInfo& di = prog_.decisions[d];
    std::vector<ExplainedRule> v;
    for (size_t i = 0; i < di.rules.size(); ++i) {
      const RuleTrace& rt = tr.rules[i];
      const RuleInfo& ri = di.rules[i];
      ExplainedRule rs;
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
      rs.summary = summary(di, rs);
      rs.in_force = in_force_text(ri.window, rt.window_excludes);
      if (!rt.window_excludes) {
        rs.facts = facts_of(rt.reads);
        rs.missing = paths_of(rt.missing);
        rs.definitions = definitions(ri);
      }
      rs.source = source(ri.pos, true);
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

  const Program& prog_;
  Vm& vm_;
  DecideOptions opt_;
  const PolicySources* src_;
  ValueWriter values_;
};

Explanation Builder::build(const Entry& entry) {
  Explanation e;
  e.program = &prog_;
  Outcome& out = e.outcome;
  decide_entry(vm_, entry, out, opt_);
  const Schema& schema = prog_.schema;

  // The date that decides which rules are in force.
  if (opt_.as_of) {
    e.as_of = *opt_.as_of;
  } else if (schema.as_of_path >= 0 && schema.paths[static_cast<size_t>(schema.as_of_path)].slot >= 0) {
    Value v = vm_.facts().slots[static_cast<size_t>(schema.paths[static_cast<size_t>(schema.as_of_path)].slot)];
    if (v != kUnknown) e.as_of = static_cast<Days>(v);
  }
  std::string_view id;
  e.has_id = contact_id(prog_, vm_.facts(), id);
  if (e.has_id) e.id = std::string(id);

  // Routing.
  e.routed = entry.kind == Entry::Router || entry.kind == Entry::RouterDecision;
  e.policy = out.policy;
  if (e.routed) {
    Outcome scratch;
    e.policy = vm_.route(scratch);
    if (prog_.route_path >= 0) e.country = fact(static_cast<uint32_t>(prog_.route_path));
    if (e.policy < 0) e.route_why = why(scratch);
    if (!e.country.absent && e.country.value.is_string()) {
      std::string key = e.country.value.get<std::string>();
      for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      e.route_source = route_source(key);
    }
  } else if (entry.kind == Entry::Policy) {
    e.policy = static_cast<int32_t>(entry.index);
  } else {
    e.policy = static_cast<int32_t>(prog_.decisions[entry.index].policy);
  }

  // Which decisions were considered, and the one that decided.
  DecisionTrace chosen_trace;
  if (e.policy >= 0) {
    const PolicyInfo& pi = prog_.policies[static_cast<size_t>(e.policy)];
    e.in_force = !(out.reason == Reason::PolicyNotInForce);
    std::vector<uint32_t> considered;
    if (entry.kind == Entry::Decision) {
      considered.push_back(entry.index);
    } else if (entry.kind == Entry::RouterDecision) {
      int d = prog_.find_decision(static_cast<uint32_t>(e.policy), entry.decision_name);
      if (d >= 0) considered.push_back(static_cast<uint32_t>(d));
    } else {
      considered = pi.decisions;
    }
    if (e.in_force) {
      for (uint32_t d : considered) {
        DecisionTrace tr;
        vm_.trace_decision(d, tr, opt_);
        e.decisions.push_back(decision(d, tr));
        if (static_cast<int32_t>(d) == out.decision && tr.guard == RuleState::Applies &&
            out.reason != Reason::DecisionsOverlap) {
          e.chosen = static_cast<int32_t>(d);
          chosen_trace = tr;
        }
      }
    }
  }
  if (e.chosen >= 0) {
    // Traced again so that the definitions' values are those of this decision.
    vm_.trace_decision(static_cast<uint32_t>(e.chosen), chosen_trace, opt_);
    e.rules = rules(static_cast<uint32_t>(e.chosen), chosen_trace, out);
  }

  // Obligations with their citations: of an obligation declared per rule (`oblige X for
  // R`), the citations of the declarations whose rule decided, so that each route cites
  // its own provision.
  for (uint32_t o : out.obligations) {
    ExplainedObligation ob;
    ob.name = prog_.obligation_name(o);
    if (out.decision >= 0)
      for (const ObligeInfo& oi : prog_.decisions[static_cast<size_t>(out.decision)].obliges) {
        if (oi.name != o) continue;
        bool decided = oi.rules.empty();
        for (uint32_t r : oi.rules)
          decided = decided || std::find(out.rules.begin(), out.rules.end(), r) != out.rules.end();
        if (!decided) continue;
        for (uint32_t c : oi.cites)
          if (std::find(ob.cites.begin(), ob.cites.end(), c) == ob.cites.end()) ob.cites.push_back(c);
      }
    e.obligations.push_back(std::move(ob));
  }
  if (out.verdict == VerdictCode::Review && out.error.empty()) e.why = why(out);
  if (!out.error.empty()) append_error_json(e.record, e.id, e.has_id, 1, out.error);
  else append_decision_json(e.record, prog_, out, vm_.facts());
  return e;
}

// ------------------------------------------------------------------ JSON

ExplainJson json_source(const ExplainedSource& s) {
  if (!s.present) return nullptr;
  ExplainJson o = ExplainJson::object();
  o["file"] = s.file;
  o["line"] = s.line;
  if (s.lines.empty()) {
    o["text"] = nullptr;
  } else {
    std::string text;
    for (const auto& [n, t] : s.lines) text += t + "\n";
    o["text"] = text;
  }
  return o;
}

ExplainJson json_facts(const std::vector<ExplainedFact>& facts) {
  ExplainJson a = ExplainJson::array();
  for (const ExplainedFact& f : facts) a.push_back({{"fact", f.path}, {"value", f.value}, {"absent", f.absent}});
  return a;
}

ExplainJson json_names(const Program& p, const std::vector<uint32_t>& ids) {
  ExplainJson a = ExplainJson::array();
  for (uint32_t i : ids) a.push_back(p.str(i));
  return a;
}

ExplainJson json_window(const Window& w) {
  if (w.always()) return nullptr;
  return {{"from", w.from != kAlwaysFrom ? ExplainJson(format_date(w.from)) : ExplainJson(nullptr)},
          {"until", w.until != kAlwaysUntil ? ExplainJson(format_date(w.until)) : ExplainJson(nullptr)}};
}

}  // namespace

Explanation explain_decision(Vm& vm, const Entry& entry, const DecideOptions& opt, const PolicySources* sources) {
  return Builder(vm, opt, sources).build(entry);
}

std::string window_text(const Window& w) {
  if (w.always()) return {};
  std::string s = fmt::format("effective {}", format_date(w.from));
  if (w.until != kAlwaysUntil) s += fmt::format(" until {}", format_date(w.until));
  return s;
}

std::string explanation_json(const Explanation& e) {
  const Program& prog = *e.program;
  ExplainJson o = ExplainJson::object();
  o["contact"] = e.has_id ? ExplainJson(e.id) : ExplainJson(nullptr);
  o["as_of"] = e.as_of ? ExplainJson(format_date(*e.as_of)) : ExplainJson(nullptr);
  if (!e.routed) {
    o["route"] = nullptr;
  } else {
    ExplainJson r = ExplainJson::object();
    r["country"] = e.country.value;
    r["policy"] = e.policy >= 0 ? ExplainJson(prog.str(prog.policies[static_cast<size_t>(e.policy)].name))
                                : ExplainJson(nullptr);
    r["reason"] = e.route_why.empty() ? ExplainJson(nullptr) : ExplainJson(e.route_why);
    r["source"] = json_source(e.route_source);
    o["route"] = std::move(r);
  }
  if (e.policy < 0) {
    o["policy"] = nullptr;
  } else {
    const PolicyInfo& pi = prog.policies[static_cast<size_t>(e.policy)];
    o["policy"] = {{"name", prog.str(pi.name)}, {"title", prog.str(pi.title)}, {"in_force", e.in_force}};
  }
  ExplainJson decisions = ExplainJson::array();
  for (const ExplainedDecision& d : e.decisions) {
    ExplainJson x = ExplainJson::object();
    x["name"] = prog.str(prog.decisions[d.index].name);
    x["state"] = d.state;
    x["facts"] = json_facts(d.facts);
    x["missing"] = d.missing;
    x["source"] = json_source(d.source);
    decisions.push_back(std::move(x));
  }
  o["decisions"] = std::move(decisions);
  o["decision"] = e.chosen >= 0 ? ExplainJson(prog.str(prog.decisions[static_cast<size_t>(e.chosen)].name))
                                : ExplainJson(nullptr);
  ExplainJson rules = ExplainJson::array();
  for (const ExplainedRule& r : e.rules) {
    const DecisionInfo& di = prog.decisions[static_cast<size_t>(e.chosen)];
    const RuleInfo& ri = di.rules[r.index];
    ExplainJson x = ExplainJson::object();
    x["name"] = prog.str(ri.name);
    x["verdict"] = verdict_name(static_cast<VerdictCode>(ri.verdict));
    x["basis"] = ri.basis >= 0 ? ExplainJson(prog.basis_name(ri.basis)) : ExplainJson(nullptr);
    x["state"] = r.state;
    x["summary"] = r.summary;
    x["in_force"] = json_window(ri.window);
    x["prevails"] = r.prevails;
    x["might_change_outcome"] = r.undetermined;
    ExplainJson names = ExplainJson::array();
    for (uint32_t j : ri.overrides) names.push_back(prog.str(di.rules[j].name));
    x["overrides"] = std::move(names);
    names = ExplainJson::array();
    for (uint32_t j : r.overridden_by) names.push_back(prog.str(di.rules[j].name));
    x["overridden_by"] = std::move(names);
    x["facts"] = json_facts(r.facts);
    x["missing"] = r.missing;
    ExplainJson defs = ExplainJson::array();
    for (const ExplainedDefinition& d : r.definitions)
      defs.push_back({{"name", d.full}, {"value", d.value}, {"unknown", d.unknown}, {"source", json_source(d.source)}});
    x["definitions"] = std::move(defs);
    x["cites"] = json_names(prog, ri.cites);
    x["source"] = json_source(r.source);
    rules.push_back(std::move(x));
  }
  o["rules"] = std::move(rules);
  ExplainJson obligations = ExplainJson::array();
  for (const ExplainedObligation& ob : e.obligations)
    obligations.push_back({{"name", ob.name}, {"cites", json_names(prog, ob.cites)}});
  o["obligations"] = std::move(obligations);
  // Last: the record as `lawful check` writes it, byte for byte, put in place of the null
  // (not parsed and written again).
  o["outcome"] = nullptr;
  std::string text = o.dump(-1, ' ', false, ExplainJson::error_handler_t::replace);
  text.resize(text.size() - 5);  // "null}"
  std::string_view record = e.record;
  while (!record.empty() && record.back() == '\n') record.remove_suffix(1);  // the writer ends a line
  text += record;
  text += '}';
  return text;
}

}  // namespace lawful
