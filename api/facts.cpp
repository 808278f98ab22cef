// Facts built through the API: fields set by handle into a small tree (the top-level
// slots, elements of lists of records, lists, strings), checked as the binder checks
// JSON, and written into a VM's fact store when a decision is made. The tree holds no
// value of any program (no string ids, no defaults), so facts made from one engine can be
// decided by every engine with the same schema. See internal.h.
#include <atomic>

#include <fmt/format.h>

#include "api/internal.h"
#include "compiler/syntax/diagnostics.h"

namespace lawful::api {

namespace {

using Facts = lawful_facts;

// The same limits as the binder's.
const BindLimits kLimits;
// An element's handle: the root (1 + its index, 4 bits), the facts object's serial (8
// bits: an element of another facts object is refused, unless 255 objects apart), the
// element's index (20 bits). LAWFUL_NO_ITEM (all ones) is none: there are few roots.
constexpr uint32_t kMaxNodes = (1u << 20) - 1;
lawful_item item_of(const Facts& f, uint32_t root, uint32_t node) { return ((root + 1) << 28) | (f.serial << 20) | node; }
std::atomic<uint32_t> g_serials{0};

// Where a field lives for one item: the top-level slots, or an element's.
struct Loc {
  uint32_t root = 0;
  int64_t node = -1;  // -1: the top level
};

Value& value_at(Facts& f, const Loc& l, uint32_t offset) {
  return l.node < 0 ? f.top[offset] : f.roots[l.root].nodes[static_cast<size_t>(l.node)].v[offset];
}
uint8_t& state_at(Facts& f, const Loc& l, uint32_t offset) {
  return l.node < 0 ? f.top_st[offset] : f.roots[l.root].nodes[static_cast<size_t>(l.node)].st[offset];
}

lawful_status resolve(Facts& f, lawful_item item, lawful_field field, Loc& loc, const FieldInfo*& fi) {
  if (field >= f.schema->fields.size()) return fail(LAWFUL_ERR_ARGUMENT, fmt::format("no field has the handle {}", field));
  fi = &f.schema->fields[field];
  if (item == LAWFUL_TOP) {
    if (fi->owner >= 0) {
      const std::string& list = f.schema->fields[static_cast<size_t>(fi->owner)].name;
      return fail(LAWFUL_ERR_ARGUMENT, fmt::format("{} belongs to an element of {}: set it on an element that "
                                                   "lawful_facts_add_record made",
                                                   fi->name, list));
    }
    loc.root = fi->root;
    loc.node = -1;
    return LAWFUL_OK;
  }
  if (item == LAWFUL_NO_ITEM) {
    // The element that a failed add_record did not make: its fields share the failure.
    if (const char* err = facts_error(f)) return fail(LAWFUL_ERR_DATA, err);
    return fail(LAWFUL_ERR_ARGUMENT, "LAWFUL_NO_ITEM is not an element");
  }
  uint32_t root = (item >> 28) - 1;
  uint32_t node = item & kMaxNodes;
  if (((item >> 20) & 0xff) != f.serial)
    return fail(LAWFUL_ERR_ARGUMENT, fmt::format("the element {} was made by another facts object", item));
  if (root >= f.roots.size() || node >= f.roots[root].n_nodes)
    return fail(LAWFUL_ERR_ARGUMENT, fmt::format("no element has the handle {} (the facts were reset since?)", item));
  const Facts::Node& n = f.roots[root].nodes[node];
  if (fi->owner != static_cast<int32_t>(n.field))
    return fail(LAWFUL_ERR_ARGUMENT, fmt::format("{} is not a field of an element of {}", fi->name,
                                                 f.schema->fields[n.field].name));
  loc.root = root;
  loc.node = node;
  return LAWFUL_OK;
}

lawful_status data_error(Facts& f, const Loc& loc, std::string message) {
  std::string& first = f.roots[loc.root].error;
  if (first.empty()) first = message;
  return fail(LAWFUL_ERR_DATA, std::move(message));
}

// Setting a field makes the optional records around it present.
void mark_present(Facts& f, const Loc& loc, const FieldInfo& fi) {
  for (uint32_t p : fi.presence) {
    value_at(f, loc, p) = kTrue;
    state_at(f, loc, p) = Facts::Set;
  }
}

uint32_t new_string(Facts::RootStore& s, std::string_view text) {
  s.strs.emplace_back(static_cast<uint32_t>(s.chars.size()), static_cast<uint32_t>(text.size()));
  s.chars.append(text.data(), text.size());
  return static_cast<uint32_t>(s.strs.size() - 1);
}

// The list at a field, made (empty) if the field holds none yet. Returns its index.
uint32_t ensure_list(Facts& f, const Loc& loc, const FieldInfo& fi, lawful_field field, bool fresh) {
  Facts::RootStore& s = f.roots[loc.root];
  if (!fresh && state_at(f, loc, fi.offset) == Facts::List) return static_cast<uint32_t>(value_at(f, loc, fi.offset));
  if (s.n_lists == s.lists.size()) s.lists.emplace_back();
  Facts::ListData& l = s.lists[s.n_lists];
  l.field = field;
  l.v.clear();
  l.st.clear();
  uint32_t index = static_cast<uint32_t>(s.n_lists++);
  value_at(f, loc, fi.offset) = index;
  state_at(f, loc, fi.offset) = Facts::List;
  mark_present(f, loc, fi);
  return index;
}

std::string type_words(const Schema& s, TypeId t) {
  switch (s.type(t).kind) {
    case TypeKind::Bool: return "true or false";
    case TypeKind::Int: return "a whole number";
    case TypeKind::String: return "text";
    case TypeKind::Date: return "a date";
    case TypeKind::Enum: return "a value of " + s.type_name(t);
    case TypeKind::List: return "a list of " + s.type_name(s.type(t).ref);
    case TypeKind::Record: return "a record (" + s.type_name(t) + ")";
    default: return s.type_name(t);
  }
}

const char* put_words(Put p) {
  switch (p) {
    case Put::Bool: return "true or false";
    case Put::Int: return "a number";
    case Put::Date: return "a date";
    case Put::Text: return "text";
  }
  return "a value";
}

}  // namespace

lawful_status facts_new(const lawful_engine& e, lawful_facts** out) {
  if (e.schema->schema.roots.size() > 14) return fail(LAWFUL_ERR_INTERNAL, "more roots than element handles can name");
  auto f = make_handle<lawful_facts>();
  f->serial = 1 + g_serials.fetch_add(1, std::memory_order_relaxed) % 255;
  f->schema = e.schema;
  f->top.assign(e.schema->schema.root_slots, 0);
  f->top_st.assign(e.schema->schema.root_slots, Facts::Absent);
  f->roots.resize(e.schema->schema.roots.size());
  *out = f.release();
  return LAWFUL_OK;
}

lawful_status facts_reset(lawful_facts& f, const char* root) {
  const Schema& s = f.schema->schema;
  for (uint32_t r = 0; r < s.roots.size(); ++r) {
    if (root && s.roots[r].name != root) continue;
    Facts::RootStore& st = f.roots[r];
    st.n_nodes = 0;
    st.n_lists = 0;
    st.chars.clear();
    st.strs.clear();
    st.error.clear();
    const RootDef& rd = s.roots[r];
    std::fill(f.top_st.begin() + rd.base, f.top_st.begin() + rd.base + s.records[rd.record].size, Facts::Absent);
    if (root) return LAWFUL_OK;
  }
  if (root) return fail(LAWFUL_ERR_ARGUMENT, fmt::format("no root record is named '{}' (contact, campaign)", root));
  return LAWFUL_OK;
}

lawful_status facts_put(lawful_facts& f, lawful_item item, lawful_field field, const PutValue& pv, bool add) {
  Loc loc;
  const FieldInfo* fi = nullptr;
  if (lawful_status st = resolve(f, item, field, loc, fi)) return st;
  const Schema& s = f.schema->schema;
  TypeId target = fi->type;
  if (add) {
    if (fi->kind != TypeKind::List)
      return fail(LAWFUL_ERR_TYPE, fmt::format("{} is not a list; set it instead", fi->name));
    if (fi->elem_kind == TypeKind::Record)
      return fail(LAWFUL_ERR_TYPE, fmt::format("{} is a list of records: add elements with lawful_facts_add_record", fi->name));
    target = fi->elem;
  } else if (fi->kind == TypeKind::List || fi->kind == TypeKind::Record) {
    return fail(LAWFUL_ERR_TYPE, fmt::format("{} is {}: it takes no single value", fi->name, type_words(s, fi->type)));
  }
  TypeKind tk = s.type(target).kind;
  auto mismatch = [&] {
    return fail(LAWFUL_ERR_TYPE, fmt::format("{} holds {}, not {}", fi->name, type_words(s, target), put_words(pv.kind)));
  };
  Value v = 0;
  uint8_t state = Facts::Set;
  Facts::RootStore& store = f.roots[loc.root];
  switch (pv.kind) {
    case Put::Bool:
      if (tk != TypeKind::Bool) return mismatch();
      v = pv.number ? kTrue : kFalse;
      break;
    case Put::Int:
      if (tk != TypeKind::Int) return mismatch();
      if (pv.number == kUnknown) return data_error(f, loc, fmt::format("{}: the number is out of range", fi->name));
      v = pv.number;
      break;
    case Put::Date: {
      if (tk != TypeKind::Date) return mismatch();
      bool ok = pv.number >= 1 && pv.number <= 9999 && pv.month >= 1 && pv.month <= 12 && pv.day >= 1 && pv.day <= 31 &&
                is_valid_civil(static_cast<int32_t>(pv.number), static_cast<uint32_t>(pv.month), static_cast<uint32_t>(pv.day));
      if (!ok)
        return data_error(f, loc, fmt::format("{}: {}-{}-{} is not a date", fi->name, pv.number, pv.month, pv.day));
      v = days_from_civil(static_cast<int32_t>(pv.number), static_cast<uint32_t>(pv.month), static_cast<uint32_t>(pv.day));
      break;
    }
    case Put::Text: {
      std::string_view t = pv.text;
      if (t.size() > kLimits.max_string)
        return data_error(f, loc, fmt::format("{}: a string of {} bytes; the limit is {}", fi->name, t.size(), kLimits.max_string));
      if (tk == TypeKind::String) {
        v = new_string(store, t);
        state = Facts::Text;
      } else if (tk == TypeKind::Enum) {
        const EnumDef& e = s.enums[s.type(target).ref];
        int m = -1;
        for (size_t i = 0; i < e.members.size(); ++i)
          if (e.members[i] == t) m = static_cast<int>(i);
        if (m < 0) {
          std::string help = did_you_mean(std::string(t.substr(0, 40)), e.members);
          return data_error(f, loc, fmt::format("{}: '{}' is not a value of {}{}", fi->name, t.substr(0, 40), e.name,
                                                help.empty() ? "" : "; " + help));
        }
        v = m;
      } else if (tk == TypeKind::Date) {
        auto d = parse_date(t);
        if (!d) return data_error(f, loc, fmt::format("{}: '{}' is not a date (YYYY-MM-DD)", fi->name, t.substr(0, 40)));
        v = *d;
      } else {
        return mismatch();
      }
      break;
    }
  }
  if (add) {
    uint32_t li = ensure_list(f, loc, *fi, field, false);
    Facts::ListData& l = store.lists[li];
    if (l.v.size() >= kLimits.max_list)
      return data_error(f, loc, fmt::format("{}: more than {} elements", fi->name, kLimits.max_list));
    l.v.push_back(v);
    l.st.push_back(state);
    return LAWFUL_OK;
  }
  value_at(f, loc, fi->offset) = v;
  state_at(f, loc, fi->offset) = state;
  mark_present(f, loc, *fi);
  return LAWFUL_OK;
}

lawful_status facts_set_present(lawful_facts& f, lawful_item item, lawful_field field) {
  Loc loc;
  const FieldInfo* fi = nullptr;
  if (lawful_status st = resolve(f, item, field, loc, fi)) return st;
  if (fi->kind != TypeKind::Record || !fi->optional)
    return fail(LAWFUL_ERR_TYPE, fmt::format("{} is not an optional record", fi->name));
  value_at(f, loc, fi->offset) = kTrue;
  state_at(f, loc, fi->offset) = Facts::Set;
  mark_present(f, loc, *fi);
  return LAWFUL_OK;
}

lawful_status facts_set_empty(lawful_facts& f, lawful_item item, lawful_field field) {
  Loc loc;
  const FieldInfo* fi = nullptr;
  if (lawful_status st = resolve(f, item, field, loc, fi)) return st;
  if (fi->kind != TypeKind::List) return fail(LAWFUL_ERR_TYPE, fmt::format("{} is not a list", fi->name));
  ensure_list(f, loc, *fi, field, true);
  return LAWFUL_OK;
}

lawful_status facts_add_record(lawful_facts& f, lawful_item item, lawful_field field, lawful_item* element) {
  Loc loc;
  const FieldInfo* fi = nullptr;
  if (lawful_status st = resolve(f, item, field, loc, fi)) return st;
  if (fi->kind != TypeKind::List || fi->elem_kind != TypeKind::Record)
    return fail(LAWFUL_ERR_TYPE, fmt::format("{} is not a list of records", fi->name));
  *element = LAWFUL_NO_ITEM;
  Facts::RootStore& s = f.roots[loc.root];
  uint32_t li = ensure_list(f, loc, *fi, field, false);
  if (s.lists[li].v.size() >= kLimits.max_list)
    return data_error(f, loc, fmt::format("{}: more than {} elements", fi->name, kLimits.max_list));
  if (s.n_nodes >= kMaxNodes) return data_error(f, loc, "too many list elements in one set of facts");
  if (s.n_nodes == s.nodes.size()) s.nodes.emplace_back();
  Facts::Node& n = s.nodes[s.n_nodes];
  n.field = field;
  n.v.assign(fi->stride, 0);
  n.st.assign(fi->stride, Facts::Absent);
  uint32_t index = static_cast<uint32_t>(s.n_nodes++);
  s.lists[li].v.push_back(index);
  s.lists[li].st.push_back(Facts::Set);
  *element = item_of(f, loc.root, index);
  return LAWFUL_OK;
}

lawful_status facts_clear(lawful_facts& f, lawful_item item, lawful_field field) {
  Loc loc;
  const FieldInfo* fi = nullptr;
  if (lawful_status st = resolve(f, item, field, loc, fi)) return st;
  for (uint32_t i = 0; i < fi->span; ++i) state_at(f, loc, fi->offset + i) = Facts::Absent;
  return LAWFUL_OK;
}

const char* facts_error(const lawful_facts& f) {
  for (const Facts::RootStore& s : f.roots)
    if (!s.error.empty()) return s.error.c_str();
  return nullptr;
}

// ---------------------------------------------------------------- into a fact store

namespace {

struct Flattener {
  const Facts& f;
  const lawful_engine& e;
  FactStore& fs;

  void write(const Facts::RootStore& s, size_t slot, Value v, uint8_t st) {
    switch (st) {
      case Facts::Set: fs.slots[slot] = v; break;
      case Facts::Text: {
        const auto& [off, len] = s.strs[static_cast<size_t>(v)];
        fs.slots[slot] = fs.add_string(std::string_view(s.chars).substr(off, len));
        break;
      }
      case Facts::List: {
        Value list = emit(s, static_cast<uint32_t>(v));
        fs.slots[slot] = list;  // the store may have grown: index again
        break;
      }
      default: break;
    }
  }

  Value emit(const Facts::RootStore& s, uint32_t li) {
    const Facts::ListData& l = s.lists[li];
    const FieldInfo& fi = f.schema->fields[l.field];
    bool records = fi.elem_kind == TypeKind::Record;
    size_t stride = records ? fi.stride : 1;
    size_t n = l.v.size();
    size_t start = fs.slots.size();
    fs.slots.resize(start + n * stride, kUnknown);
    for (size_t i = 0; i < n; ++i) {
      if (!records) {
        write(s, start + i, l.v[i], l.st[i]);
        continue;
      }
      size_t base = start + i * stride;
      const std::vector<Value>& t = e.templates[fi.elem_record];
      std::copy(t.begin(), t.end(), fs.slots.begin() + static_cast<std::ptrdiff_t>(base));
      const Facts::Node& node = s.nodes[static_cast<size_t>(l.v[i])];
      for (size_t j = 0; j < stride; ++j)
        if (node.st[j] != Facts::Absent) write(s, base + j, node.v[j], node.st[j]);
    }
    return make_list(static_cast<uint32_t>(start), static_cast<uint32_t>(n));
  }
};

}  // namespace

void facts_flatten(const lawful_facts& f, const lawful_engine& e, FactStore& fs) {
  const Schema& s = e.program->schema;
  fs.reset_all();
  for (const RootDef& r : s.roots) {
    const std::vector<Value>& t = e.templates[r.record];
    std::copy(t.begin(), t.end(), fs.slots.begin() + r.base);
  }
  Flattener fl{f, e, fs};
  const std::vector<uint32_t>& slot_root = f.schema->slot_root;
  for (size_t i = 0; i < f.top.size(); ++i)
    if (f.top_st[i] != Facts::Absent) fl.write(f.roots[slot_root[i]], i, f.top[i], f.top_st[i]);
}

}  // namespace lawful::api
