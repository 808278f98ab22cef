// The fact schema as the compiler and the runtime both see it: types, enumerations,
// records and where every field lives in the flat slot array a decision reads. The
// compiler builds it from the `enum`, `record` and `facts` declarations of the standard
// library (stdlib/std/facts.law); it is stored in every compiled program, so the binder
// and the output formatter never need the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lawful {

using TypeId = uint32_t;

enum class TypeKind : uint8_t { Error, Bool, Int, String, Date, Duration, Span, Verdict, Enum, Set, List, Record };

struct Type {
  TypeKind kind = TypeKind::Error;
  uint32_t ref = 0;  // Enum: enum index; Set and List: element TypeId; Record: record index
  bool operator==(const Type& o) const { return kind == o.kind && ref == o.ref; }
};

// Fixed type ids, interned first by Schema's constructor.
namespace types {
inline constexpr TypeId kError = 0, kBool = 1, kInt = 2, kString = 3, kDate = 4, kDuration = 5, kSpan = 6,
                        kVerdict = 7;
}

struct EnumDef {
  std::string name;
  std::vector<std::string> members;
};

struct FieldDef {
  std::string name;
  TypeId type = types::kError;
  bool optional = false;       // an optional record: absent means it does not exist
  bool has_default = false;    // absent means `default_value`, never unknown
  int64_t default_value = 0;   // a raw Value
  uint32_t offset = 0;         // within the record; for an optional record, its presence slot
  uint32_t path = 0;           // PathDef index when the record sits at one place only, else see paths
};

struct RecordDef {
  std::string name;
  std::vector<FieldDef> fields;
  uint32_t size = 0;  // slots
};

struct RootDef {
  std::string name;  // contact, campaign
  uint32_t record = 0;
  uint32_t base = 0;  // first slot
};

// A place a fact can be missing from, named as a policy writes it.
struct PathDef {
  std::string name;      // "contact.consents.given_at"
  TypeId type = types::kError;
  int32_t slot = -1;     // absolute slot for root-level fields; -1 inside list elements
};

class Schema {
 public:
  Schema();

  std::vector<Type> types;
  std::vector<EnumDef> enums;
  std::vector<RecordDef> records;
  std::vector<RootDef> roots;
  std::vector<PathDef> paths;
  uint32_t root_slots = 0;
  int32_t as_of_path = -1;  // the path whose date decides which rules are in force

  TypeId intern(Type t);
  TypeId enum_type(uint32_t e) { return intern({TypeKind::Enum, e}); }
  TypeId list_of(TypeId elem) { return intern({TypeKind::List, elem}); }
  TypeId set_of(TypeId elem) { return intern({TypeKind::Set, elem}); }
  TypeId record_type(uint32_t r) { return intern({TypeKind::Record, r}); }
  const Type& type(TypeId t) const { return types[t]; }
  std::string type_name(TypeId t) const;

  int find_enum(const std::string& name) const;
  int find_record(const std::string& name) const;
  int find_root(const std::string& name) const;
  int find_path(const std::string& name) const;
  static int find_field(const RecordDef& r, const std::string& name);
  static int find_member(const EnumDef& e, const std::string& name);

  // Assigns field offsets, record sizes, root bases and the path table. Returns an
  // error message, or "" on success. The caps keep a hostile schema (records nested by
  // value in records, each level doubling) from exhausting memory before anything
  // checks it; real schemas are far smaller.
  static constexpr uint32_t kMaxSlots = 1u << 20;
  static constexpr size_t kMaxPaths = 4096;
  std::string layout();
};

}  // namespace lawful
