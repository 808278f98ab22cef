// `test` blocks: their facts checked against the schema and written as the JSON the
// binder reads (one path for tests, cases and contact files), their expectations
// resolved to decisions, bases, paths, obligations and rules.
#include <fmt/format.h>

#include "compiler/sema/analyzer.h"
#include "runtime/core/dates.h"

namespace lawful::sema {

namespace {

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else out += c;
    }
  }
  out += '"';
}

}  // namespace

bool Analyzer::fact_json(const ast::FactValue& v, TypeId type, const std::string& path, std::string& out) {
  const Type& t = schema_.type(type);
  auto bad = [&](const std::string& msg, const std::string& help = {}) {
    diags_.error(DiagCode::BadFacts, v.span, msg).help = help;
    return false;
  };
  if (v.kind == ast::FactValue::Null) {
    out += "null";
    return true;
  }
  switch (t.kind) {
    case TypeKind::Record: {
      if (v.kind != ast::FactValue::Record)
        return bad(fmt::format("a {} is written as a record: {{ field: value, ... }}", schema_.type_name(type)));
      const RecordDef& rec = schema_.records[t.ref];
      out += '{';
      bool ok = true;
      for (size_t i = 0; i < v.fields.size(); ++i) {
        const auto& [name, value] = v.fields[i];
        int fi = Schema::find_field(rec, name.text);
        if (fi < 0) {
          std::vector<std::string> names;
          for (const FieldDef& f : rec.fields) names.push_back(f.name);
          diags_.error(DiagCode::BadFacts, name.span, fmt::format("'{}' has no field '{}'", path, name.text)).help =
              did_you_mean(name.text, names);
          ok = false;
          continue;
        }
        if (out.back() != '{') out += ',';
        json_string(out, name.text);
        out += ':';
        const FieldDef& f = rec.fields[static_cast<size_t>(fi)];
        ok = fact_json(value, f.type, path + "." + f.name, out) && ok;
      }
      out += '}';
      return ok;
    }
    case TypeKind::List: {
      if (v.kind != ast::FactValue::List) return bad(fmt::format("a {} is written [a, b, ...]", schema_.type_name(type)));
      out += '[';
      bool ok = true;
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        ok = fact_json(v.items[i], t.ref, fmt::format("{}[{}]", path, i), out) && ok;
      }
      out += ']';
      return ok;
    }
    case TypeKind::Bool:
      if (v.kind != ast::FactValue::Bool) return bad("expected true or false");
      out += v.ival ? "true" : "false";
      return true;
    case TypeKind::Int:
      if (v.kind != ast::FactValue::Int) return bad("expected a number");
      out += std::to_string(v.ival);
      return true;
    case TypeKind::String:
      if (v.kind != ast::FactValue::String)
        return bad("expected a string in double quotes",
                   v.kind == ast::FactValue::Word ? fmt::format("write \"{}\"", v.text) : std::string());
      json_string(out, v.text);
      return true;
    case TypeKind::Date:
      if (v.kind == ast::FactValue::Date) {
        out += '"' + format_date(static_cast<Days>(v.ival)) + '"';
        return true;
      }
      if (v.kind == ast::FactValue::String && parse_date(v.text)) {
        json_string(out, v.text);
        return true;
      }
      return bad("expected a date, written YYYY-MM-DD");
    case TypeKind::Enum: {
      const EnumDef& e = schema_.enums[t.ref];
      std::string word = v.kind == ast::FactValue::Word || v.kind == ast::FactValue::String ? v.text : std::string();
      if (Schema::find_member(e, word) < 0) {
        Diagnostic& d = diags_.error(DiagCode::BadFacts, v.span,
                                     word.empty() ? fmt::format("expected a value of {}", e.name)
                                                  : fmt::format("'{}' is not a value of {}", word, e.name));
        d.help = did_you_mean(word, e.members);
        if (d.help.empty()) {
          d.help = fmt::format("the values are: {}", fmt::join(e.members, ", "));
        }
        return false;
      }
      json_string(out, word);
      return true;
    }
    default:
      return bad(fmt::format("a {} cannot be written in test facts", schema_.type_name(type)));
  }
}

// W108: `as of` decides which rules are in force, while every date counted in a condition
// (a retention period, a consent's withdrawal) still runs from the send date; a test that
// pins one date and sends on another tests neither day. Finds the date the schema's
// `as of` names (campaign.send_date) among the test's facts.
void Analyzer::check_as_of(const ast::TestDecl& t) {
  if (schema_.as_of_path < 0) return;
  const std::string& path = schema_.paths[static_cast<size_t>(schema_.as_of_path)].name;
  const std::vector<std::pair<ast::Name, ast::FactValue>>* fields = &t.facts;
  const ast::FactValue* at = nullptr;
  size_t from = 0;
  while (from <= path.size()) {
    size_t dot = path.find('.', from);
    std::string part = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    at = nullptr;
    for (const auto& [name, value] : *fields)
      if (name.text == part) at = &value;
    if (!at || dot == std::string::npos) break;
    if (at->kind != ast::FactValue::Record) return;
    fields = &at->fields;
    from = dot + 1;
  }
  if (!at || at->kind != ast::FactValue::Date || at->ival == *t.as_of) return;
  Diagnostic& d = diags_.warn(DiagCode::AsOfNotSendDate, at->span,
                              fmt::format("test '{}' is pinned as of {}, but its campaign is sent on {}", t.title,
                                          format_date(static_cast<Days>(*t.as_of)), format_date(static_cast<Days>(at->ival))));
  d.help = fmt::format("`as of` says which rules are in force; dates in conditions still count from {}: give both "
                       "the same date",
                       path);
  d.notes.push_back({t.as_of_span, "the test is pinned here"});
}

// One expectation of a test or a property, resolved; false when its decision is unknown
// (reported).
bool Analyzer::compile_expect(const PolicyUnit& unit, const ast::Expectation& e, CompiledExpect& ce) {
  const ast::Module& m = *unit.module;
  ce.kind = e.kind;
  ce.span = e.span;
  ce.verdict = static_cast<uint8_t>(e.verdict);
  ce.text = e.text;
  ce.decision = prog_.find_decision(unit.index, e.decision.text);
  if (ce.decision < 0) {
    std::vector<std::string> names;
    for (uint32_t d : prog_.policies[unit.index].decisions) names.push_back(prog_.str(prog_.decisions[d].name));
    diags_.error(DiagCode::UnknownDecision, e.decision.span,
                 fmt::format("policy '{}' has no decision '{}'", m.name.str(), e.decision.text))
        .help = did_you_mean(e.decision.text, names);
    return false;
  }
  const DecisionInfo& di = prog_.decisions[static_cast<size_t>(ce.decision)];
  if (e.basis) {
    ce.has_basis = true;
    if (e.verdict != ast::Verdict::Allow) {
      diags_.error(DiagCode::BadExpect, e.basis->span, "only an allow has a basis");
    } else if (prog_.basis_enum >= 0) {
      const EnumDef& be = schema_.enums[static_cast<size_t>(prog_.basis_enum)];
      ce.basis = Schema::find_member(be, e.basis->text);
      if (ce.basis < 0)
        diags_.error(DiagCode::UnknownBasis, e.basis->span, fmt::format("'{}' is not a basis", e.basis->text)).help =
            did_you_mean(e.basis->text, be.members);
    }
  }
  for (const ast::QName& q : e.items) {
    if (e.kind == ast::Expectation::Missing) {
      int32_t p = path_id(q.str());
      if (p < 0) {
        std::vector<std::string> names;
        for (const PathDef& pd : schema_.paths) names.push_back(pd.name);
        diags_.error(DiagCode::BadExpect, q.span, fmt::format("'{}' is not a fact", q.str())).help =
            did_you_mean(q.str(), names);
        continue;
      }
      ce.ids.push_back(static_cast<uint32_t>(p));
    } else if (e.kind == ast::Expectation::Obliges && prog_.obligation_enum >= 0) {
      const EnumDef& oe = schema_.enums[static_cast<size_t>(prog_.obligation_enum)];
      int o = Schema::find_member(oe, q.str());
      if (o < 0) {
        diags_.error(DiagCode::UnknownObligation, q.span, fmt::format("'{}' is not an obligation", q.str())).help =
            did_you_mean(q.str(), oe.members);
        continue;
      }
      ce.ids.push_back(static_cast<uint32_t>(o));
    } else if (e.kind == ast::Expectation::Rules) {
      int found = -1;
      const std::string name = q.str();
      for (size_t i = 0; i < di.rules.size(); ++i)
        if (prog_.str(di.rules[i].name) == name) found = static_cast<int>(i);
      if (found < 0) {
        std::vector<std::string> names;
        for (const RuleInfo& ri : di.rules) names.push_back(prog_.str(ri.name));
        diags_.error(DiagCode::UnknownRule, q.span,
                     fmt::format("decision '{}' has no rule '{}'", e.decision.text, q.str()))
            .help = did_you_mean(q.str(), names);
        continue;
      }
      ce.ids.push_back(static_cast<uint32_t>(found));
    }
  }
  return true;
}

void Analyzer::compile_tests(PolicyUnit& unit) {
  const ast::Module& m = *unit.module;
  for (const ast::TestDecl& t : m.tests) {
    CompiledTest ct;
    ct.title = t.title;
    ct.span = t.span;
    ct.policy = unit.index;
    ct.as_of = t.as_of;
    if (t.as_of) check_as_of(t);
    for (const auto& [role, value] : t.facts) {
      int r = schema_.find_root(role.text);
      if (r < 0) {
        std::vector<std::string> names;
        for (const RootDef& rd : schema_.roots) names.push_back(rd.name);
        diags_.error(DiagCode::BadFacts, role.span, fmt::format("'{}' is not one of the facts", role.text)).help =
            did_you_mean(role.text, names);
        continue;
      }
      std::string json;
      fact_json(value, schema_.record_type(schema_.roots[static_cast<size_t>(r)].record), role.text, json);
      if (role.text == "contact") ct.contact_json = json;
      else if (role.text == "campaign") ct.campaign_json = json;
    }
    for (const ast::Expectation& e : t.expects) {
      CompiledExpect ce;
      ce.negated = e.negated;
      if (compile_expect(unit, e, ce)) ct.expects.push_back(std::move(ce));
    }
    tests.push_back(std::move(ct));
  }
}

// `property` blocks: each `when` a condition function of the policy's scope (as a rule's),
// each expectation resolved as a test's.
void Analyzer::compile_properties(PolicyUnit& unit) {
  const std::string policy_name = unit.module->name.str();
  for (const ast::PropertyDecl& pd : unit.module->properties) {
    CompiledProperty cp;
    cp.title = pd.title;
    cp.span = pd.span;
    cp.policy = unit.index;
    cp.as_of = pd.as_of;
    for (const ast::ExprPtr& w : pd.when) {
      Env env;
      FnCtx fn;
      env.scope = unit.scope.get();
      env.fn = &fn;
      IrPtr c = lower_condition(*w, env, "a property's condition");
      cp.conds.push_back(add_function(std::move(c), fn, fmt::format("{} property \"{}\"", policy_name, pd.title)));
    }
    if (pd.expects.empty())
      diags_.error(DiagCode::BadExpect, pd.span, fmt::format("property '{}' expects nothing", pd.title)).help =
          "add what the decision must be: `expect DECISION is not allow`, `expect DECISION obliges NAME for every allow`";
    for (const ast::Expectation& e : pd.expects) {
      CompiledExpect ce;
      if (!compile_expect(unit, e, ce)) continue;
      ce.negated = e.negated;
      if (e.for_every) ce.for_every = static_cast<int8_t>(*e.for_every);
      cp.expects.push_back(std::move(ce));
    }
    properties.push_back(std::move(cp));
  }
}

}  // namespace lawful::sema
