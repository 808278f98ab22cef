// Facts back to JSON; see facts_json.h.
#include "runtime/facts/facts_json.h"

#include <nlohmann/json.hpp>

#include "runtime/core/dates.h"

namespace lawful {

namespace {

using Json = nlohmann::ordered_json;

bool scalar(const Schema& s, const FactStore& fs, TypeId type, Value v, Json& out) {
  if (v == kUnknown) return false;
  const Type& t = s.type(type);
  switch (t.kind) {
    case TypeKind::Bool: out = v != 0; return true;
    case TypeKind::Int: out = v; return true;
    case TypeKind::String: out = std::string(fs.text(v)); return true;
    case TypeKind::Date: out = format_date(static_cast<Days>(v)); return true;
    case TypeKind::Enum: {
      const EnumDef& e = s.enums[t.ref];
      if (v < 0 || static_cast<size_t>(v) >= e.members.size()) return false;
      out = e.members[static_cast<size_t>(v)];
      return true;
    }
    default: return false;
  }
}

Json record(const Schema& s, const FactStore& fs, uint32_t rec, size_t base) {
  Json obj = Json::object();
  for (const FieldDef& f : s.records[rec].fields) {
    const Type& t = s.type(f.type);
    size_t at = base + f.offset;
    if (t.kind == TypeKind::Record) {
      if (f.optional && fs.slots[at] != kTrue) continue;
      obj[f.name] = record(s, fs, t.ref, at + (f.optional ? 1 : 0));
      continue;
    }
    Value v = fs.slots[at];
    if (v == kUnknown || (f.has_default && v == f.default_value)) continue;
    if (t.kind == TypeKind::List) {
      Json list = Json::array();
      const Type& et = s.type(t.ref);
      uint32_t start = list_start(v), n = list_count(v);
      for (uint32_t i = 0; i < n; ++i) {
        if (et.kind == TypeKind::Record) {
          list.push_back(record(s, fs, et.ref, start + static_cast<size_t>(i) * s.records[et.ref].size));
        } else {
          Json x;
          if (scalar(s, fs, t.ref, fs.slots[start + i], x)) list.push_back(std::move(x));
        }
      }
      obj[f.name] = std::move(list);
      continue;
    }
    Json x;
    if (scalar(s, fs, f.type, v, x)) obj[f.name] = std::move(x);
  }
  return obj;
}

}  // namespace

std::string root_facts_json(const FactStore& fs, const std::string& root) {
  const Schema& s = fs.program().schema;
  int r = s.find_root(root);
  if (r < 0) return "{}";
  const RootDef& rd = s.roots[static_cast<size_t>(r)];
  return record(s, fs, rd.record, rd.base).dump();
}

}  // namespace lawful
