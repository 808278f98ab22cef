// Fact storage; see fact_store.h.
#include "runtime/facts/fact_store.h"

#include <atomic>
#include <cstring>

namespace lawful {

char* ScratchArena::alloc(size_t n) {
  while (true) {
    if (chunk_ < chunks_.size() && used_ + n <= sizes_[chunk_]) {
      char* p = chunks_[chunk_].get() + used_;
      used_ += n;
      return p;
    }
    if (chunk_ + 1 < chunks_.size()) {
      ++chunk_;
      used_ = 0;
      continue;
    }
    size_t size = n > kChunk ? n : kChunk;
    chunks_.push_back(std::make_unique<char[]>(size));
    sizes_.push_back(size);
    chunk_ = chunks_.size() - 1;
    used_ = 0;
  }
}

uint64_t FactStore::next_epoch() {
  static std::atomic<uint64_t> epoch{0};
  return ++epoch;
}

FactStore::FactStore(const Program& prog) : prog_(&prog) { reset_all(); }

void FactStore::reset_all() {
  slots.assign(prog_->schema.root_slots, kUnknown);
  // The program's strings stay where they are: only the bound facts' strings after them
  // go (a case's every line comes here: copying the 1,500 or so views of `policies/`
  // again took 6,300 instructions a line, a third of a case). Nothing writes below
  // constants_ (add_string appends), so a prefix of that length is the program's.
  const size_t constants = prog_->strings.size();
  if (constants_ == constants && strings.size() >= constants) {
    strings.resize(constants);
  } else {
    strings.clear();
    strings.reserve(constants + 64);
    for (const std::string& s : prog_->strings) strings.emplace_back(s);
    constants_ = constants;
  }
  scratch.reset();
  mark_campaign();
}

}  // namespace lawful
