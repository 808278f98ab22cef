// The facts of one decision, as the VM reads them: one flat array of slots (the root
// records first, then an arena for list elements) and a table of strings (the program's
// constant strings first, then the strings of the bound facts). A store belongs to one
// thread; it is reset, not reallocated, between contacts.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/vm/value.h"

namespace lawful {

// Memory for strings that builtins make (lower(), domain()): chunks kept across
// decisions, so the steady state allocates nothing.
class ScratchArena {
 public:
  char* alloc(size_t n);
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

 private:
  static constexpr size_t kChunk = 4096;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> sizes_;
  size_t chunk_ = 0;
  size_t used_ = 0;
};

class FactStore {
 public:
  explicit FactStore(const Program& prog);

  std::vector<Value> slots;
  std::vector<std::string_view> strings;
  ScratchArena scratch;

  uint32_t add_string(std::string_view s) {
    strings.push_back(s);
    return static_cast<uint32_t>(strings.size() - 1);
  }
  std::string_view text(Value id) const {
    return id >= 0 && static_cast<uint64_t>(id) < strings.size() ? strings[static_cast<size_t>(id)] : std::string_view();
  }
  bool valid_string(Value id) const { return id >= 0 && static_cast<uint64_t>(id) < strings.size(); }

  // Marks: what stays when the next contact is bound (the campaign's part).
  void mark_campaign() {
    campaign_slots_ = slots.size();
    campaign_strings_ = strings.size();
    campaign_epoch_ = next_epoch();
  }
  // Changes whenever the campaign part changes, unique across stores: what the VM keys
  // its per-campaign results on.
  uint64_t campaign_epoch() const { return campaign_epoch_; }
  void reset_to_campaign() {
    slots.resize(campaign_slots_);
    strings.resize(campaign_strings_);
    scratch.reset();
  }
  void reset_all();

  const Program& program() const { return *prog_; }

 private:
  const Program* prog_;
  size_t campaign_slots_ = 0;
  size_t campaign_strings_ = 0;
  uint64_t campaign_epoch_ = 0;
  static uint64_t next_epoch();
};

}  // namespace lawful
