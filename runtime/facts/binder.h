// JSON to fact slots. Reads with simdjson's on-demand API straight into the slots the
// compiler assigned (no DOM), finds each field through a collision-free hash table per
// record built when the program is loaded, checks every value against the schema, and
// applies the schema's defaults. simdjson stays inside binder.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
