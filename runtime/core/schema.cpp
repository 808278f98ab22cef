// Schema types and slot layout; see schema.h.
#include "runtime/core/schema.h"

#include <functional>

#include <fmt/format.h>

namespace lawful {

Schema::Schema() {
  for (TypeKind k : {TypeKind::Error, TypeKind::Bool, TypeKind::Int, TypeKind::String, TypeKind::Date,
                     TypeKind::Duration, TypeKind::Span, TypeKind::Verdict})
    types.push_back({k, 0});
}

TypeId Schema::intern(Type t) {
  for (TypeId i = 0; i < types.size(); ++i)
    if (types[i] == t) return i;
  types.push_back(t);
  return static_cast<TypeId>(types.size() - 1);
}

std::string Schema::type_name(TypeId id) const {
  if (id >= types.size()) return "?";
  const Type& t = types[id];
  switch (t.kind) {
    case TypeKind::Error: return "error";
    case TypeKind::Bool: return "bool";
    case TypeKind::Int: return "int";
    case TypeKind::String: return "string";
    case TypeKind::Date: return "date";
    case TypeKind::Duration: return "duration";
    case TypeKind::Span: return "date difference";
    case TypeKind::Verdict: return "verdict";
    case TypeKind::Enum: return t.ref < enums.size() ? enums[t.ref].name : "enum";
    case TypeKind::Set: return "set of " + type_name(t.ref);
    case TypeKind::List: return "list of " + type_name(t.ref);
    case TypeKind::Record: return t.ref < records.size() ? records[t.ref].name : "record";
  }
  return "?";
}

int Schema::find_enum(const std::string& name) const {
  for (size_t i = 0; i < enums.size(); ++i)
    if (enums[i].name == name) return static_cast<int>(i);
  return -1;
}
int Schema::find_record(const std::string& name) const {
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].name == name) return static_cast<int>(i);
  return -1;
}
int Schema::find_root(const std::string& name) const {
  for (size_t i = 0; i < roots.size(); ++i)
    if (roots[i].name == name) return static_cast<int>(i);
  return -1;
}
int Schema::find_path(const std::string& name) const {
  for (size_t i = 0; i < paths.size(); ++i)
    if (paths[i].name == name) return static_cast<int>(i);
  return -1;
}
int Schema::find_field(const RecordDef& r, const std::string& name) {
  for (size_t i = 0; i < r.fields.size(); ++i)
    if (r.fields[i].name == name) return static_cast<int>(i);
  return -1;
}
int Schema::find_member(const EnumDef& e, const std::string& name) {
  for (size_t i = 0; i < e.members.size(); ++i)
    if (e.members[i] == name) return static_cast<int>(i);
  return -1;
}

std::string Schema::layout() {
  // Sizes: a record nested by value is flattened into its parent; an optional one adds a
  // presence slot before its fields; lists take one slot (a reference into the arena).
  std::vector<int> state(records.size(), 0);  // 0 new, 1 in progress, 2 done
  std::string error;
  std::function<void(uint32_t)> size_of = [&](uint32_t r) {
    if (state[r] == 2 || !error.empty()) return;
    if (state[r] == 1) {
      error = fmt::format("record '{}' contains itself", records[r].name);
      return;
    }
    state[r] = 1;
    uint32_t off = 0;
    for (FieldDef& f : records[r].fields) {
      f.offset = off;
      const Type& t = types[f.type];
      if (t.kind == TypeKind::Record) {
        size_of(t.ref);
        off += (f.optional ? 1 : 0) + records[t.ref].size;
      } else {
        off += 1;
      }
      // Records nested by value double at each level: stop long before the sizes wrap.
      if (off > kMaxSlots && error.empty()) error = fmt::format("record '{}' has more than {} slots", records[r].name, kMaxSlots);
      if (!error.empty()) return;
    }
    records[r].size = off;
    state[r] = 2;
  };
  for (uint32_t r = 0; r < records.size(); ++r) size_of(r);
  if (!error.empty()) return error;
  for (uint32_t r = 0; r < records.size(); ++r)
    for (FieldDef& f : records[r].fields)
      if (f.optional && types[f.type].kind != TypeKind::Record)
        return fmt::format("field '{}' of '{}': only records can be optional; other fields say what absence "
                           "means with `default`",
                           f.name, records[r].name);

  uint32_t base = 0;
  for (RootDef& root : roots) {
    root.base = base;
    base += records[root.record].size;
    if (base > kMaxSlots) return fmt::format("the facts have more than {} slots", kMaxSlots);
  }
  root_slots = base;

  paths.clear();
  std::vector<bool> on_path(records.size(), false);
  std::function<void(const std::string&, uint32_t, int64_t)> walk = [&](const std::string& prefix, uint32_t r,
                                                                        int64_t slot_base) {
    // A record may not hold, through lists, a list of itself: its facts would have no end.
    if (on_path[r]) {
      if (error.empty()) error = fmt::format("record '{}' contains a list of itself", records[r].name);
      return;
    }
    on_path[r] = true;
    for (FieldDef& f : records[r].fields) {
      if (paths.size() >= kMaxPaths) {
        if (error.empty()) error = fmt::format("the facts have more than {} fields", kMaxPaths);
        return;
      }
      std::string name = prefix + "." + f.name;
      const Type& t = types[f.type];
      int32_t slot = slot_base < 0 ? -1 : static_cast<int32_t>(slot_base + f.offset);
      f.path = static_cast<uint32_t>(paths.size());
      paths.push_back({name, f.type, slot});
      if (t.kind == TypeKind::Record) {
        int64_t inner = slot_base < 0 ? -1 : slot_base + f.offset + (f.optional ? 1 : 0);
        walk(name, t.ref, inner);
      } else if (t.kind == TypeKind::List && types[t.ref].kind == TypeKind::Record) {
        walk(name, types[t.ref].ref, -1);
      }
    }
    on_path[r] = false;
  };
  for (RootDef& root : roots) walk(root.name, root.record, root.base);
  return error;
}

}  // namespace lawful
