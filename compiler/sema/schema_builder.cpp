// The schema from the standard library's `enum`, `record` and `facts` declarations.
#include <fmt/format.h>

#include "compiler/sema/analyzer.h"
#include "runtime/core/fact_set.h"
#include "runtime/core/value.h"

namespace lawful::sema {

namespace {
constexpr size_t kMaxEnumMembers = 62;  // a set of members is one 64-bit word
}

TypeId Analyzer::resolve_type(const ast::TypeRef& t, bool* optional) {
  switch (t.kind) {
    case ast::TypeRef::Optional:
      if (optional) *optional = true;
      return resolve_type(*t.elem, nullptr);
    case ast::TypeRef::List: {
      TypeId elem = resolve_type(*t.elem, nullptr);
      return elem == types::kError ? types::kError : schema_.list_of(elem);
    }
    case ast::TypeRef::Named: break;
  }
  static const std::pair<const char*, TypeId> kBasic[] = {{"bool", types::kBool},
                                                          {"int", types::kInt},
                                                          {"string", types::kString},
                                                          {"date", types::kDate},
                                                          {"duration", types::kDuration}};
  for (auto& [n, id] : kBasic)
    if (t.name == n) return id;
  int e = schema_.find_enum(t.name);
  if (e >= 0) return schema_.enum_type(static_cast<uint32_t>(e));
  int r = schema_.find_record(t.name);
  if (r >= 0) return schema_.record_type(static_cast<uint32_t>(r));
  std::vector<std::string> names = {"bool", "int", "string", "date", "duration"};
  for (const EnumDef& ed : schema_.enums) names.push_back(ed.name);
  for (const RecordDef& rd : schema_.records) names.push_back(rd.name);
  diags_.error(DiagCode::UnknownType, t.span, fmt::format("no type named '{}'", t.name)).help =
      did_you_mean(t.name, names);
  return types::kError;
}

std::optional<int64_t> Analyzer::default_value(const ast::FactValue& v, TypeId type) {
  const Type& t = schema_.type(type);
  auto bad = [&](const char* expected) -> std::optional<int64_t> {
    diags_.error(DiagCode::BadSchema, v.span, fmt::format("a default for a {} must be {}", schema_.type_name(type), expected));
    return std::nullopt;
  };
  switch (t.kind) {
    case TypeKind::Bool:
      if (v.kind != ast::FactValue::Bool) return bad("true or false");
      return v.ival;
    case TypeKind::Int:
      if (v.kind != ast::FactValue::Int) return bad("a number");
      return v.ival;
    case TypeKind::Date:
      if (v.kind == ast::FactValue::Date) return v.ival;
      if (v.kind == ast::FactValue::Word && v.text == "never") return kDateNever;
      return bad("a date or `never`");
    case TypeKind::String:
      if (v.kind != ast::FactValue::String) return bad("a string");
      return intern(v.text);
    case TypeKind::List:
      if (v.kind != ast::FactValue::List || !v.items.empty()) return bad("the empty list `[]`");
      return make_list(0, 0);
    case TypeKind::Enum: {
      const EnumDef& e = schema_.enums[t.ref];
      int m = v.kind == ast::FactValue::Word ? Schema::find_member(e, v.text) : -1;
      if (m < 0) return bad("one of its values");
      return m;
    }
    default:
      return bad("something else: this type has no defaults");
  }
}

void Analyzer::build_schema() {
  // Enumerations first: records refer to them.
  for (const ast::Module* m : libraries_) {
    for (const ast::EnumDecl& e : m->enums) {
      if (schema_.find_enum(e.name.text) >= 0 || schema_.find_record(e.name.text) >= 0) {
        diags_.error(DiagCode::Duplicate, e.name.span, fmt::format("type '{}' is defined twice", e.name.text));
        continue;
      }
      EnumDef def;
      def.name = e.name.text;
      for (const ast::Name& n : e.members) {
        if (Schema::find_member(def, n.text) >= 0) {
          diags_.error(DiagCode::Duplicate, n.span, fmt::format("'{}' is listed twice in '{}'", n.text, e.name.text));
          continue;
        }
        def.members.push_back(n.text);
      }
      if (def.members.size() > kMaxEnumMembers)
        diags_.error(DiagCode::BadSchema, e.name.span,
                     fmt::format("'{}' has {} values; the limit is {}", e.name.text, def.members.size(), kMaxEnumMembers));
      schema_.enums.push_back(std::move(def));
    }
  }
  // Record names next, so that records can refer to each other in any order.
  std::vector<const ast::RecordDecl*> decls;
  for (const ast::Module* m : libraries_) {
    for (const ast::RecordDecl& r : m->records) {
      if (schema_.find_enum(r.name.text) >= 0 || schema_.find_record(r.name.text) >= 0) {
        diags_.error(DiagCode::Duplicate, r.name.span, fmt::format("type '{}' is defined twice", r.name.text));
        continue;
      }
      RecordDef def;
      def.name = r.name.text;
      schema_.records.push_back(std::move(def));
      decls.push_back(&r);
    }
  }
  for (size_t i = 0; i < decls.size(); ++i) {
    for (const ast::FieldDecl& f : decls[i]->fields) {
      FieldDef fd;
      fd.name = f.name.text;
      if (Schema::find_field(schema_.records[i], fd.name) >= 0) {
        diags_.error(DiagCode::Duplicate, f.name.span, fmt::format("field '{}' is declared twice", fd.name));
        continue;
      }
      fd.type = resolve_type(f.type, &fd.optional);
      if (f.default_value && fd.type != types::kError) {
        if (fd.optional) {
          diags_.error(DiagCode::BadSchema, f.default_value->span, "an optional record has no default: absence means it does not exist");
        } else if (auto v = default_value(*f.default_value, fd.type)) {
          fd.has_default = true;
          fd.default_value = *v;
        }
      }
      schema_.records[i].fields.push_back(std::move(fd));
    }
  }

  const ast::FactsDecl* facts = nullptr;
  for (const ast::Module* m : libraries_) {
    for (const ast::FactsDecl& f : m->facts) {
      if (facts) {
        diags_.error(DiagCode::Duplicate, f.span, "the facts are declared twice").notes.push_back({facts->span, "first declared here"});
        continue;
      }
      facts = &f;
    }
  }
  if (facts) {
    for (const auto& [name, rec] : facts->roots) {
      int r = schema_.find_record(rec.text);
      if (r < 0) {
        std::vector<std::string> names;
        for (const RecordDef& rd : schema_.records) names.push_back(rd.name);
        diags_.error(DiagCode::UnknownType, rec.span, fmt::format("no record named '{}'", rec.text)).help =
            did_you_mean(rec.text, names);
        continue;
      }
      schema_.roots.push_back(RootDef{name.text, static_cast<uint32_t>(r), 0});
    }
  }
  std::string err = schema_.layout();
  if (!err.empty()) {
    diags_.error(DiagCode::BadSchema, facts ? facts->span : Span{}, err);
    return;
  }
  if (schema_.paths.size() > FactSet::kCapacity)
    diags_.error(DiagCode::BadSchema, facts ? facts->span : Span{},
                 fmt::format("the facts have {} fields; the limit is {}", schema_.paths.size(), FactSet::kCapacity));
  if (facts && facts->as_of) {
    int p = schema_.find_path(facts->as_of->str());
    if (p < 0 || schema_.paths[static_cast<size_t>(p)].type != types::kDate || schema_.paths[static_cast<size_t>(p)].slot < 0)
      diags_.error(DiagCode::BadSchema, facts->as_of->span, "`as of` names a date field of a fact record");
    else
      schema_.as_of_path = p;
  }
  prog_.basis_enum = schema_.find_enum("Basis");
  prog_.obligation_enum = schema_.find_enum("Obligation");
}

}  // namespace lawful::sema
