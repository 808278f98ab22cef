// A whole input decided line by line, in order, on as many threads as asked: the pipeline
// of `lawful check` (cli/cmd_check.cpp) and of the Python module's decide_many to a file
// (python/module.cpp), so both give the same records, byte for byte.
//
// A reader (runtime/facts/chunk_reader.h) cuts the input into chunks of whole lines;
// workers, each with its own per-line step (LineDecider, runtime/vm/line_decider.h) and
// output buffer, each read a chunk (one at a time, in turn) and decide it; the caller's
// thread hands the chunks' records to its sink in input order, and decides chunks too
// when it read the first one itself. A fixed pool of chunks goes round, so memory stays the same
// however long the input; with one thread the same functions run one after the other,
// so the output is the same byte for byte whatever the number of threads.
//
// What becomes of the records (a file, standard output) is the caller's: the sink. The
// counts are the caller's too: `Counts` has reset(const Program&), count(const Outcome&),
// error(uint64_t line, std::string_view why) and add(const Counts&).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "runtime/facts/chunk_reader.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/line_decider.h"

namespace lawful {

// What every worker shares, read-only.
struct LineJob {
  const Program* prog = nullptr;
  Entry entry;
  LineDecider::Options line;  // the input's kind, --as-of, the engine
  RecordFormat format = RecordFormat::Json;
  bool csv_in = false;
  const std::string* campaign = nullptr;  // JSON text, or null for cases
  std::string csv_header;
  uint64_t from_line = 1;  // lines before it are read (and counted) but not decided
  std::shared_ptr<const RecordNames> names;  // escaped once for every worker
  bool strict_fields = false;                 // unknown keys are errors (--strict-fields)
  // Every worker's counts of unknown keys, added when it ends (Binder::unknown_fields).
  mutable std::mutex unknown_mutex;
  mutable std::vector<UnknownField> unknown_fields;
};

// One worker's machine: reused for every chunk it decides.
struct LineWorker {
  explicit LineWorker(const LineJob& j) : job(j), line(*j.prog, j.entry, j.line, j.names) {
    line.binder().set_strict_fields(j.strict_fields);
  }
  ~LineWorker() {
    std::lock_guard<std::mutex> g(job.unknown_mutex);
    add_unknown_fields(job.unknown_fields, line.binder().unknown_fields());
  }
  LineWorker(const LineWorker&) = delete;
  LineWorker& operator=(const LineWorker&) = delete;

  // Binds the campaign and the CSV header; "" or what is wrong.
  std::string start() {
    if (job.campaign) {
      std::string why = line.set_campaign(*job.campaign);
      if (!why.empty()) return why;
    }
    if (job.csv_in) return line.set_csv_header(job.csv_header);
    return {};
  }

  // Decides every line of a chunk (but the first `skip`) into `out`. Not inlined, so that
  // a profile can single it out (docs/performance.md counts `*Worker::run*`).
  template <class Counts>
  [[gnu::noinline]] void run(const Chunk& c, size_t skip, TextBuffer& out, Counts& t) {
    out.clear();
    t.reset(*job.prog);
    for (size_t i = skip; i < c.lines.size(); ++i) {
      uint64_t n = c.first_line + i;
      if (n < job.from_line) continue;
      const LineResult& r = line.step(c.line(i), c.capacity(i), n, out, job.format, c.lines[i].too_long);
      if (r.decided) t.count(line.outcome());
      else t.error(n, r.error);
    }
  }

  const LineJob& job;
  LineDecider line;
};

// Output room a chunk's records usually fit in (about 4 times its input); taken at the
// start, with the chunks' buffers, so memory is flat from the first line.
constexpr size_t kLineOutputRoom = 1u << 20;

// A chunk with what its worker made of it.
template <class Counts>
struct LineSlot {
  Chunk chunk;
  size_t skip = 0;
  TextBuffer out;
  Counts tally;
};

// The run. There is no reader thread: a thread that decides reads its own chunk (under
// the reading lock, so chunks keep their order of sequence numbers) and decides it on
// the core that read it, while the bytes are in that core's cache. Slots go round
// free -> being read and decided -> done (indexed by sequence number) -> free under one
// lock; the caller's thread hands the done ones to the sink in input order. When the
// caller read the first chunk (`lawful check`), its thread decides too: between
// chunks it hands over whatever is done in order, so with two threads there are two
// threads in all and neither waits for the other in the steady state (one thread woken
// per chunk before: the reader for a free slot, the writer for a chunk decided; about
// 1.7 context switches a chunk, docs/performance.md, "Issue 14: threads without ...").
template <class Counts>
class LinePipeline {
 public:
  using Slot = LineSlot<Counts>;

  LinePipeline(const LineJob& job, unsigned threads, ChunkReader& in) : job_(job), threads_(threads), in_(in) {
    size_t n = 2 * static_cast<size_t>(threads) + 2;
    for (size_t i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>());
    for (auto& s : slots_) free_.push_back(s.get());
    done_.assign(n, nullptr);
  }

  // A slot to read the first chunk into (before run(): for a CSV header).
  Slot* take_free() {
    Slot* s = free_.back();
    free_.pop_back();
    return s;
  }

  // Runs everything, `first` holding the first chunk (a slot of take_free(), read by the
  // caller) and `started` the first worker (its start() has succeeded). Calls
  // `sink(slot)` for every slot in input order, on this thread, and `poll()` before each
  // and every 50 ms while it waits. Either returning false ends the run early: the
  // workers finish the chunks they hold, nothing more is read, and cancelled() says so.
  // Returns "" or why the run failed (a thread that could not be started, memory).
  //
  // With `first` given, this thread is one of the `threads` that read and decide (with
  // one, the only one, between reads), and it may wait for input as it reads. With
  // `first` null (nothing read yet), `threads` other threads read and decide from the
  // first chunk on: this thread never blocks on the input, only waits, polls and hands
  // over (Python's thread, which alone runs its signal handlers; a server's).
  template <class Sink, class Poll>
  std::string run(Slot* first, std::unique_ptr<LineWorker> started, Sink sink, Poll poll) {
    if (threads_ <= 1 && first) return run_serial(first, *started, sink, poll);
    // Memory is taken here, once there is input (an empty one starts and ends sooner),
    // and touched where it is first written: by the threads that read and decide, side
    // by side, not by this thread before they start (7.5 MiB, ~3,400 page faults, in
    // series). The peak is the same once every slot has gone round once.
    for (auto& s : slots_) {
      in_.prepare(s->chunk);
      s->out.reserve(kLineOutputRoom);
    }
    std::vector<std::unique_ptr<LineWorker>> workers;
    workers.push_back(std::move(started));
    for (unsigned i = 1; i < threads_; ++i) {
      workers.push_back(std::make_unique<LineWorker>(job_));
      std::string why = workers.back()->start();
      if (!why.empty()) return why;
    }
    LineWorker* here = nullptr;  // this thread's worker, when it decides too
    Slot* mine = nullptr;        // a chunk read for this thread to decide
    if (first) {
      here = workers.front().get();
      mine = first;
      first->chunk.seq = 0;
      seq_ = 1;
      std::lock_guard<std::mutex> g(m_);
      for (auto it = free_.begin(); it != free_.end(); ++it)
        if (*it == first) {
          free_.erase(it);
          break;
        }
    }
    std::vector<std::thread> pool;
    try {
      for (size_t i = here ? 1 : 0; i < workers.size(); ++i)
        pool.emplace_back([this, w = workers[i].get()] { work_loop(*w); });
    } catch (const std::system_error& e) {
      // No more threads to be had (a ulimit): the ones started decide it all, with the
      // same output; none at all (and this thread not deciding) is an error, not an
      // abort over a joinable thread.
      if (pool.empty() && !here) return std::string("cannot start a thread: ") + e.what();
    }
    uint64_t next = 0;
    auto end = [&] { return failed_ || (reading_done_ && next == read_count_); };
    for (;;) {
      if (mine) {
        if (!poll()) {
          cancelled_ = true;
          break;
        }
        decide(*here, mine);
        mine = nullptr;
      }
      // Every chunk that is done, in order.
      Slot* s = nullptr;
      {
        std::unique_lock<std::mutex> g(m_);
        if (failed_) break;
        s = done_[next % done_.size()];
        if (s) {
          done_[next % done_.size()] = nullptr;
        } else if (end()) {
          break;
        } else if (!here || free_.empty() || reading_done_) {
          // Nothing to hand over and nothing this thread could read: wait.
          auto ready = [&] { return done_[next % done_.size()] != nullptr || end(); };
          bool go_on = true;
          while (go_on && !done_cv_.wait_for(g, std::chrono::milliseconds(50), ready)) {
            g.unlock();
            go_on = poll();
            g.lock();
          }
          if (!go_on) {
            cancelled_ = true;
            break;
          }
          continue;
        } else {
          mine = free_.back();
          free_.pop_back();
        }
      }
      if (mine) {
        if (!read_into(mine)) mine = nullptr;  // the end of the input: the slot is free again
        continue;
      }
      if (!poll() || !sink(*s)) {
        cancelled_ = true;
        break;
      }
      ++next;
      {
        std::lock_guard<std::mutex> g(m_);
        free_.push_back(s);
      }
      free_cv_.notify_one();  // a worker may wait for a free slot (no call when none does)
    }
    stop_all();
    for (auto& t : pool) t.join();
    return failed_ ? failed_ : std::string();
  }

  // The run ended early because the sink or poll said so.
  bool cancelled() const { return cancelled_; }

 private:
  // One thread: the same functions one after the other, with the one slot.
  template <class Sink, class Poll>
  std::string run_serial(Slot* s, LineWorker& w, Sink& sink, Poll& poll) {
    for (;;) {
      if (!poll()) break;
      w.run(s->chunk, s->skip, s->out, s->tally);
      if (!poll() || !sink(*s)) break;
      s->skip = 0;
      if (!in_.next(s->chunk)) return {};
    }
    cancelled_ = true;
    return {};
  }

  void stop_all() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    free_cv_.notify_all();
    done_cv_.notify_all();
  }

  // Reads the next chunk into `s`, with the next sequence number; false (and `s` back
  // with the free slots) at the end of the input, after a stop, or when memory runs out.
  bool read_into(Slot* s) {
    std::lock_guard<std::mutex> r(read_m_);
    bool more = false;
    const char* why = nullptr;
    {
      std::lock_guard<std::mutex> g(m_);
      if (stop_ || reading_done_) {
        free_.push_back(s);
        return false;
      }
    }
    s->skip = 0;
    try {
      more = in_.next(s->chunk);
    } catch (const std::bad_alloc&) {
      // A chunk's lines past the memory limit: an error, not an abort.
      why = "out of memory reading the input (a limit on memory, or a line too large)";
    }
    if (more && !why) {
      s->chunk.seq = seq_++;
      return true;
    }
    {
      std::lock_guard<std::mutex> g(m_);
      if (why) failed_ = why;
      free_.push_back(s);
      reading_done_ = true;
      read_count_ = seq_;
    }
    free_cv_.notify_all();  // idle workers end
    done_cv_.notify_all();  // the caller's thread sees the count (or failed_)
    return false;
  }

  // Decides a chunk read into `s` and puts it with the done ones.
  void decide(LineWorker& w, Slot* s) {
    const char* why = nullptr;
    try {
      w.run(s->chunk, s->skip, s->out, s->tally);
    } catch (const std::bad_alloc&) {
      why = "out of memory deciding (a limit on memory)";  // the run ends with an error, not an abort
    }
    {
      std::lock_guard<std::mutex> g(m_);
      if (why)
        failed_ = why;
      else
        done_[s->chunk.seq % done_.size()] = s;
    }
    done_cv_.notify_one();  // only the caller's thread waits for decided chunks (or failed_)
  }

  void work_loop(LineWorker& w) {
    for (;;) {
      Slot* s = nullptr;
      {
        std::unique_lock<std::mutex> g(m_);
        free_cv_.wait(g, [&] { return !free_.empty() || stop_ || reading_done_ || failed_; });
        if (stop_ || reading_done_ || failed_) return;
        s = free_.back();
        free_.pop_back();
      }
      if (!read_into(s)) return;
      decide(w, s);
    }
  }

  const LineJob& job_;
  unsigned threads_;
  ChunkReader& in_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex m_;                     // the slots' queues and the run's state
  std::mutex read_m_;                // the input and seq_, one reader at a time
  std::condition_variable free_cv_;  // workers wait for a free slot
  std::condition_variable done_cv_;  // run()'s thread waits for the next chunk decided
  std::vector<Slot*> free_;
  std::vector<Slot*> done_;  // by sequence number modulo the pool's size
  uint64_t seq_ = 0;         // the next chunk's sequence number (under read_m_)
  bool reading_done_ = false;
  const char* failed_ = nullptr;  // why the run stopped before the input's end (no allocation)
  bool stop_ = false;
  bool cancelled_ = false;
  uint64_t read_count_ = 1;  // the chunks read, once reading is done (the first may be read before)
};

}  // namespace lawful
