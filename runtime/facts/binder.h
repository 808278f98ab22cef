// JSON to fact slots. Reads with simdjson's on-demand API straight into the slots the
// compiler assigned (no DOM), finds each field through a collision-free hash table per
// record built when the program is loaded, checks every value against the schema, and
// applies the schema's defaults. simdjson stays inside binder.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/facts/fact_store.h"

namespace lawful {

// How many readable bytes the binder's JSON reader wants after a line's end
// (simdjson::SIMDJSON_PADDING, checked in binder.cpp): with fewer, it copies the line.
inline constexpr size_t kBindPadding = 64;

// Limits on one input line (a contact, a case) or campaign; exceeding one gives that
// line an error record. docs/security.md lists them with the others.
struct BindLimits {
  size_t max_list = 10000;        // elements in one list
  size_t max_string = 65536;      // bytes in one string
  size_t max_line = 1u << 20;     // bytes in one input line
  size_t max_depth = 64;          // objects and lists nested in one line, in any key
};

struct BindResult {
  bool ok = true;
  std::string error;    // "contact.entity: 'compny' is not a value of Entity"
  std::string id;       // the contact's id, when it could be read
};

// A key of the input that names no field of the schema: accepted (CRM exports carry many
// columns of their own) and counted, so that a typo (`objectd`) is said out loud rather
// than quietly becoming a missing fact (docs/design-notes.md, "Unknown fields").
struct UnknownField {
  std::string path;        // "contact.objectd"; "contact.consents.chanel" inside a list's records
  std::string suggestion;  // the field it is likely a typo of ("contact.objected"), or ""
  uint64_t lines = 0;      // contact lines (or CSV rows) bound that had it
};
// At most this many distinct unknown names are kept apart; the others count as one,
// whose path is kOtherUnknownFields (hostile input cannot grow the table without end).
inline constexpr size_t kMaxUnknownFields = 1000;
inline constexpr const char* kOtherUnknownFields = "(other names)";

// Adds one binder's counts of unknown keys to `total` (by path), keeping it sorted by
// lines, most first; keys counted on no line are left out.
void add_unknown_fields(std::vector<UnknownField>& total, const std::deque<UnknownField>& more);

// Whether `s` is valid UTF-8 (what a record may show of the input must be).
bool valid_utf8(std::string_view s);
// At most n bytes of s (valid UTF-8), cut before a character rather than inside one.
std::string_view utf8_prefix(std::string_view s, size_t n);

class Binder {
 public:
  explicit Binder(const Program& prog, BindLimits limits = {});
  ~Binder();
  Binder(const Binder&) = delete;
  Binder& operator=(const Binder&) = delete;

  // The campaign, bound once; its strings stay valid until the next bind_campaign of
  // another text. Resets the whole store. Stores bound to the same text, one after
  // another, share its campaign epoch (FactStore::mark_campaign).
  BindResult bind_campaign(FactStore& fs, std::string_view json);
  // One contact (a JSON object), on top of the bound campaign. `data` must stay valid
  // until the decision is made. `capacity` is how many bytes after data may be read
  // (simdjson reads a little past the end); pass len when unsure and the text is copied.
  BindResult bind_contact(FactStore& fs, const char* data, size_t len, size_t capacity);
  // One case: {"contact": {...}, "campaign": {...}}, both bound from one parse.
  BindResult bind_case(FactStore& fs, const char* data, size_t len, size_t capacity);

  // Resets a root record's slots to their absent state (defaults or unknown).
  void clear_root(FactStore& fs, uint32_t root) const;
  // Sets a record's slots, from `base`, to their absent state (a list element's, say).
  void init_record(FactStore& fs, uint32_t record, size_t base) const;

  const BindLimits& limits() const { return limits_; }

  // The member of enumeration `enumeration` that `text` is, exactly, or -1: through the
  // table the JSON lines use (member_table.h), for the CSV binder's cells.
  int enum_member(uint32_t enumeration, std::string_view text) const;

  // Unknown fields: refused (an error for the line, naming the key and the field it is
  // likely a typo of) when strict, else accepted and counted (the default).
  void set_strict_fields(bool on);
  bool strict_fields() const;
  // What this binder has counted: an entry per distinct unknown key (by id), with the
  // contact lines (or CSV rows) that had it. Campaigns are not counted here.
  const std::deque<UnknownField>& unknown_fields() const;
  // The ids of the unknown keys of the last contact, case or CSV row bound (a key twice
  // in the line: twice), and of the last campaign bound.
  const std::vector<uint32_t>& line_unknown() const;
  const std::vector<uint32_t>& campaign_unknown() const;
  // For the CSV binder: the id of an unknown column of `record`'s, and the line's.
  uint32_t unknown_id(uint32_t record, std::string_view name);
  void note_unknown(uint32_t id);
  // The message of a key refused when strict: "not a field of the schema (did you mean 'objected'?)".
  std::string unknown_message(uint32_t id) const;
  // Counts the current line's unknown keys (the CSV binder's rows; JSON lines do it themselves).
  void count_line_unknown();
  void clear_line_unknown();

  // Contacts are bound first by a pass over the line's bytes that takes only plainly
  // good lines, and by simdjson's walk otherwise (binder.cpp). Off: always the walk;
  // for the tests and benchmarks that compare the two.
  void set_fast_path(bool on);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  BindLimits limits_;
};

}  // namespace lawful
