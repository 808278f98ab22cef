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
#include "runtime/core/value.h"

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

  // Marks: what stays when the next contact is bound (the campaign's part). `epoch`
  // names the campaign part's content: 0 for a new one; a binder passes the epoch of
  // the same campaign text it bound before into a store reset for it, whose campaign
  // part is then the same, value for value.
  void mark_campaign(uint64_t epoch = 0) {
    campaign_slots_ = slots.size();
    campaign_strings_ = strings.size();
    campaign_epoch_ = epoch ? epoch : next_epoch();
  }
  // Changes whenever the campaign part changes; two stores share one only when their
  // campaign parts are the same (see mark_campaign): what the VM keys its per-campaign
  // results on, so that a Vm deciding over many stores of one campaign (a batch of the
  // API, the benchmarks) computes them once.
  uint64_t campaign_epoch() const { return campaign_epoch_; }
  // A new epoch, never given before in this process.
  static uint64_t next_epoch();
  void reset_to_campaign() {
    slots.resize(campaign_slots_);
    strings.resize(campaign_strings_);
    scratch.reset();
  }
  void reset_all();

  const Program& program() const { return *prog_; }

 private:
  const Program* prog_;
  size_t constants_ = 0;  // the program's strings at the start of `strings`, once copied
  size_t campaign_slots_ = 0;
  size_t campaign_strings_ = 0;
  uint64_t campaign_epoch_ = 0;
};

}  // namespace lawful
