// _lawful: the Python module's native part (pybind11). The Python package lawful
// (python/lawful/__init__.py) wraps it in the API Python users see; this file only moves
// bytes between Python and the library, and releases the GIL while the library works.
//
// It links the static library and uses the embedding API's engines (api/internal.h):
// one decision goes through the same calls as lawful_decide_json; a batch of lines goes
// through the library's per-line step (runtime/vm/line_decider.h), one per thread,
// as `lawful check`'s workers do, so the records are `lawful check`'s byte for byte
// (error records in place).
#include <fcntl.h>
#include <unistd.h>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>


#include "api/internal.h"
#include "runtime/facts/chunk_reader.h"
#include "compiler/compiler.h"
#include "compiler/test_runner.h"
#include "report/check_counts.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/io/output_file.h"
#include "runtime/vm/line_pipeline.h"

namespace py = pybind11;

namespace lawful::python {

namespace {

// A str from library text, which may quote bytes of the input that are not UTF-8.
py::str text(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

// One reference to an engine (api/internal.h), released with the Python object.
struct Engine {
  explicit Engine(lawful_engine* e) : e(e) {}
  ~Engine() { api::release(e); }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  lawful_engine* e;
};
using EnginePtr = std::shared_ptr<Engine>;

// One reference to a mapping of an export's columns (api/internal.h).
struct MappingRef {
  explicit MappingRef(lawful_mapping* m) : m(m) {}
  ~MappingRef() { api::release(m); }
  MappingRef(const MappingRef&) = delete;
  MappingRef& operator=(const MappingRef&) = delete;
  lawful_mapping* m;
};
using MappingPtr = std::shared_ptr<MappingRef>;

// Rows of an export read through a mapping: CSV rows under `header`, or JSON objects.
struct Mapped {
  std::shared_ptr<const Mapping> mapping;
  bool csv = false;
  std::string header;
};

// (engine or None, diagnostics, rendered text, one-line message)
py::list diag_list(const api::DiagList& d) {
  py::list diags;
  for (size_t i = 0; i < d.size(); ++i) {
    const lawful_diagnostic* x = d.at(i);
    diags.append(py::make_tuple(x->is_error != 0, text(x->code), text(x->file), x->line, x->column,
                                text(x->message), text(x->help)));
  }
  return diags;
}

py::tuple loaded(lawful_status st, lawful_engine* e, const api::DiagList& d) {
  py::list diags = diag_list(d);
  py::object engine = py::none();
  if (st == LAWFUL_OK) engine = py::cast(std::make_shared<Engine>(e));
  return py::make_tuple(engine, diags, text(d.text()), text(st == LAWFUL_OK ? "" : lawful_last_error()));
}

template <class Load>
py::tuple load_with(Load load) {
  api::DiagList diags;
  lawful_engine* e = nullptr;
  lawful_status st;
  {
    py::gil_scoped_release nogil;
    st = load(&e, diags);
  }
  return loaded(st, e, diags);
}

// ---------------------------------------------------------------- batches

// Counts by verdict, basis and policy: `lawful check`'s own (report/check_counts.h), so
// a summary from Python is the command's --summary.
using Tally = report::CheckCounts;

// An input line: where it starts in the buffer, its length, or (too_long) the length of
// a line over the binder's limit, whose text is not decided.
struct Line {
  size_t offset = 0;
  size_t length = 0;
  uint64_t too_long = 0;
};

// Appends the lines of `buf[from, to)` as `lawful check` cuts a file
// (runtime/facts/chunk_reader.cpp): at each newline, a CR before it dropped; the last line need
// not end with one; a line over `max_line` bytes is kept as its length only.
void split_lines(const char* buf, size_t from, size_t to, size_t max_line, std::vector<Line>& lines) {
  size_t pos = from;
  while (pos < to) {
    const char* nl = static_cast<const char*>(std::memchr(buf + pos, '\n', to - pos));
    size_t stop = nl ? static_cast<size_t>(nl - buf) : to;
    size_t len = stop - pos;
    if (len > max_line) {
      lines.push_back({pos, 0, len});
    } else {
      if (len > 0 && buf[pos + len - 1] == '\r') --len;
      lines.push_back({pos, len, 0});
    }
    pos = stop + 1;
  }
}

// An error record of a block, to number again once the block's first line is known.
struct ErrorAt {
  size_t index = 0;  // in the block
  std::string id;
  bool has_id = false;
  std::string error;
};

// Lines decided by one worker at a time: its records back to back (each ends with a
// newline), where each ends, each one's verdict, and the counts.
struct Block {
  size_t from = 0, to = 0;       // bytes of the input holding whole lines, cut by the worker
  std::vector<Line> lines;       // or the lines, given
  uint64_t first = 1;            // the number of its first line (known once all are cut)
  uint64_t numbered = 1;         // the number its records were written with for its first line
  TextBuffer out;
  std::vector<uint32_t> ends;     // in out
  std::vector<uint8_t> verdicts;  // 0 allow, 1 deny, 2 review, 3 error
  std::vector<ErrorAt> errors;    // written numbered from 1 within the block
  Tally tally;
};

// A block is decided as `lawful check` decides a chunk: about 256 KiB of input, cut into
// lines by the worker that decides them right after, while they are in the cache.
// (Cutting the whole input first, then deciding it, read it from memory twice and took
// half as much processor time again.)
constexpr size_t kBlockBytes = 256u << 10;
constexpr size_t kBlockLines = 512;  // items given one by one

// Blocks' buffers, kept from one batch to the next: a Dask worker decides block after
// block, and its nanny sets MALLOC_TRIM_THRESHOLD_, which fixes glibc's mmap threshold at
// 128 KiB, so each block's record buffer was a fresh mapping, faulted in page by page and
// unmapped when its batch was freed: about twice the processor time a line in a worker
// (docs/performance.md). A freed batch gives its blocks back here, up to kPoolBytes of
// buffers in all, and the next batch takes them, their memory already in place.
constexpr size_t kPoolBytes = 64u << 20;

class BlockPool {
 public:
  Block take() {
    std::lock_guard<std::mutex> g(m_);
    if (free_.empty()) return Block{};
    Block k = std::move(free_.back().first);
    bytes_ -= free_.back().second;
    free_.pop_back();
    ++reused_;
    return k;
  }
  void give(std::vector<Block>& blocks) {
    std::lock_guard<std::mutex> g(m_);
    for (Block& k : blocks) {
      const size_t n = held(k);  // before it is cleared
      if (bytes_ + n > kPoolBytes) break;
      k.lines.clear();
      k.out.clear();
      k.ends.clear();
      k.verdicts.clear();
      k.errors.clear();
      k.from = k.to = 0;
      k.first = k.numbered = 1;
      bytes_ += n;
      free_.emplace_back(std::move(k), n);
    }
  }
  // (blocks held, bytes of their buffers, blocks taken again since the start)
  std::array<uint64_t, 3> stats() {
    std::lock_guard<std::mutex> g(m_);
    return {free_.size(), bytes_, reused_};
  }

 private:
  // The memory a block holds, about: the records written (what was touched of its
  // buffer) and its vectors.
  static size_t held(const Block& k) {
    return k.out.size() + k.lines.capacity() * sizeof(Line) + k.ends.capacity() * sizeof(uint32_t) +
           k.verdicts.capacity();
  }
  std::mutex m_;
  std::vector<std::pair<Block, size_t>> free_;
  size_t bytes_ = 0;
  uint64_t reused_ = 0;
};

BlockPool& block_pool() {
  static BlockPool* pool = new BlockPool;  // never destroyed: batches may outlive static destructors
  return *pool;
}

// Blocks of whole lines of `buf`, each about kBlockBytes: a probe for the next newline
// per block; the lines are cut by the workers.
std::vector<Block> raw_blocks(std::string_view buf) {
  std::vector<Block> blocks;
  size_t pos = 0;
  while (pos < buf.size()) {
    size_t end = std::min(buf.size(), pos + kBlockBytes);
    if (end < buf.size()) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + end, '\n', buf.size() - end));
      end = nl ? static_cast<size_t>(nl - buf.data()) + 1 : buf.size();
    }
    blocks.push_back(block_pool().take());
    blocks.back().from = pos;
    blocks.back().to = end;
    pos = end;
  }
  return blocks;
}

// Blocks of lines given one by one.
std::vector<Block> line_blocks(const std::vector<Line>& lines) {
  std::vector<Block> blocks;
  blocks.reserve((lines.size() + kBlockLines - 1) / kBlockLines);
  for (size_t b = 0; b * kBlockLines < lines.size(); ++b) {
    blocks.push_back(block_pool().take());
    blocks[b].lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(b * kBlockLines),
                           lines.begin() + static_cast<std::ptrdiff_t>(std::min(lines.size(), (b + 1) * kBlockLines)));
  }
  return blocks;
}

// What a batch made: its blocks, in input order (joined only when Python asks for all
// the records), and the counts.
struct Batch {
  std::vector<Block> blocks;
  std::vector<size_t> starts;  // the index of each block's first record
  size_t lines = 0;
  size_t bytes = 0;
  Tally tally;
  EnginePtr engine;

  Batch() = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() { block_pool().give(blocks); }

  std::string_view record(size_t i) const {
    size_t b = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), i) - starts.begin()) - 1;
    const Block& k = blocks[b];
    size_t j = i - starts[b];
    uint32_t begin = j ? k.ends[j - 1] : 0;
    return {k.out.data() + begin, k.ends[j] - begin - 1};
  }
};

// The columns of `decide_frame` (Decisions.to_frame) from a batch's records: each record
// read once with simdjson and its values made Python objects here, rather than a dict per
// record from json.loads and a Python loop over it. Strings other than ids are made once
// and shared (str is immutable): verdicts, policies, rules, citations and reasons repeat
// on every line. An error record's verdict is "review" (an error is never permission). A
// record simdjson refuses (an error record quoting input bytes that are not UTF-8) is read
// by json.loads from its text decoded with replacement, as the Python path reads it.
class FrameColumns {
 public:
  // In the order of lawful._COLUMNS; the four lists default to [], the rest to None.
  static constexpr std::array<std::string_view, 11> kNames = {
      "id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason", "error"};

  explicit FrameColumns(size_t rows) {
    for (auto& c : cols_) {
      c = py::reinterpret_steal<py::list>(PyList_New(static_cast<Py_ssize_t>(rows)));
      if (!c) throw py::error_already_set();
    }
  }

  void add(std::string_view record) {
    pad_.assign(record.data(), record.size());
    pad_.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element doc;
    simdjson::dom::object obj;
    if (parser_.parse(pad_.data(), record.size(), false).get(doc) == simdjson::SUCCESS &&
        doc.get_object().get(obj) == simdjson::SUCCESS) {
      std::array<py::object, kNames.size()> row;
      bool error = false;
      for (simdjson::dom::key_value_pair field : obj) {
        int c = column(field.key);
        if (c < 0) continue;
        row[static_cast<size_t>(c)] = value(field.value, c != 0);
        error |= c == 10;
      }
      put(row, error);
      return;
    }
    if (!loads_) loads_ = py::module_::import("json").attr("loads");
    py::dict d = loads_(text(record));
    std::array<py::object, kNames.size()> row;
    for (size_t c = 0; c < kNames.size(); ++c) {
      py::str key(kNames[c].data(), kNames[c].size());
      if (d.contains(key)) row[c] = d[key];
    }
    put(row, d.contains("error"));
  }

  py::dict dict() const {
    py::dict out;
    for (size_t c = 0; c < kNames.size(); ++c) out[py::str(kNames[c].data(), kNames[c].size())] = cols_[c];
    return out;
  }

 private:
  static int column(std::string_view key) {
    for (size_t c = 0; c < kNames.size(); ++c)
      if (kNames[c] == key) return static_cast<int>(c);
    return -1;
  }

  void put(std::array<py::object, kNames.size()>& row, bool error) {
    if (error) row[1] = shared("review");
    for (size_t c = 0; c < kNames.size(); ++c) {
      py::object v = std::move(row[c]);
      if (!v) v = (c >= 5 && c <= 8) ? py::object(py::list()) : py::object(py::none());
      PyList_SET_ITEM(cols_[c].ptr(), static_cast<Py_ssize_t>(n_), v.release().ptr());
    }
    ++n_;
  }

  // A str made once for each distinct text (up to kShared of them).
  py::object shared(std::string_view s) {
    auto it = strings_.find(s);
    if (it != strings_.end()) return it->second;
    py::object o = text(s);
    if (strings_.size() < kShared) strings_.emplace(kept_.emplace_back(s), o);
    return o;
  }

  py::object value(simdjson::dom::element e, bool share) {
    switch (e.type()) {
      case simdjson::dom::element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        return share ? shared(s) : py::object(text(s));
      }
      case simdjson::dom::element_type::ARRAY: {
        simdjson::dom::array a;
        if (e.get_array().get(a) != simdjson::SUCCESS) return py::none();
        py::list out(a.size());
        size_t i = 0;
        for (simdjson::dom::element x : a) PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i++), value(x, share).release().ptr());
        return std::move(out);
      }
      case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) return py::none();
        py::dict out;
        for (simdjson::dom::key_value_pair field : o) out[text(field.key)] = value(field.value, share);
        return std::move(out);
      }
      case simdjson::dom::element_type::INT64: return py::int_(e.get_int64().value_unsafe());
      case simdjson::dom::element_type::UINT64: return py::int_(e.get_uint64().value_unsafe());
      case simdjson::dom::element_type::DOUBLE: return py::float_(e.get_double().value_unsafe());
      case simdjson::dom::element_type::BOOL: return py::bool_(e.get_bool().value_unsafe());
      case simdjson::dom::element_type::NULL_VALUE: return py::none();
    }
    return py::none();
  }

  static constexpr size_t kShared = 1u << 16;
  std::array<py::list, kNames.size()> cols_;
  size_t n_ = 0;
  simdjson::dom::parser parser_;
  std::string pad_;
  std::deque<std::string> kept_;  // the keys' text (a deque: its strings never move)
  std::unordered_map<std::string_view, py::object> strings_;
  py::object loads_;
};

// Writes a block's error records again with their numbers from k.first.
void renumber(Block& k) {
  TextBuffer out;
  out.reserve(k.out.size() + 16 * k.errors.size());
  std::string rec;
  size_t e = 0;
  uint32_t begin = 0;  // of record j in the old text (k.ends is overwritten as it goes)
  for (size_t j = 0; j < k.ends.size(); ++j) {
    const uint32_t end = k.ends[j];
    if (k.verdicts[j] == 3) {
      const ErrorAt& x = k.errors[e++];
      rec.clear();
      append_error_record(rec, x.id, x.has_id, k.first + x.index, x.error);
      out += rec;
    } else {
      out.append(k.out.data() + begin, end - begin);
    }
    k.ends[j] = static_cast<uint32_t>(out.size());
    begin = end;
  }
  k.out = std::move(out);
  if (k.tally.first_error_line) k.tally.first_error_line = k.tally.first_error_line - k.numbered + k.first;
  k.numbered = k.first;
}

// Decides the lines of a block (in `buf`), numbering its records from `number`.
void decide_block(LineDecider& line, const Program& prog, std::string_view buf, Block& k, uint64_t number) {
  k.numbered = number;
  k.tally.reset(prog);
  k.ends.reserve(k.lines.size());
  k.verdicts.reserve(k.lines.size());
  size_t bytes = 0;
  for (const Line& l : k.lines) bytes += l.length;
  k.out.reserve(bytes + 256 * k.lines.size());  // records are about as long as their lines
  for (size_t i = 0; i < k.lines.size(); ++i) {
    const Line& l = k.lines[i];
    const LineResult& r = line.step(std::string_view(buf.data() + l.offset, l.length), buf.size() - l.offset,
                                    number + i, k.out, RecordFormat::Json, l.too_long);
    if (r.decided) {
      k.tally.count(line.outcome());
      k.verdicts.push_back(static_cast<uint8_t>(line.outcome().verdict));
    } else {
      k.tally.error(number + i, r.error);
      k.errors.push_back({i, std::string(r.id), r.has_id, std::string(r.error)});
      k.verdicts.push_back(3);
    }
    k.ends.push_back(static_cast<uint32_t>(k.out.size()));
  }
}

// Runs `work` on `threads` threads (this one alone for 1); rethrows the first exception.
template <class Work>
void on_threads(unsigned threads, Work work) {
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto guarded = [&] {
    try {
      work(failed);
    } catch (...) {
      failed = true;
      std::lock_guard<std::mutex> g(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  if (threads <= 1) {
    guarded();
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(guarded);
    for (std::thread& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

// Numbers the blocks' lines from `first_line` (error records written again where they
// were numbered otherwise) and adds up their counts.
void finish(const Program& prog, uint64_t first_line, Batch& batch) {
  batch.tally.reset(prog);
  uint64_t n = first_line;
  for (Block& k : batch.blocks) {
    k.first = n;
    n += k.lines.size();
    if (!k.errors.empty() && k.first != k.numbered) renumber(k);
    batch.starts.push_back(batch.lines);
    batch.lines += k.lines.size();
    batch.bytes += k.out.size();
    batch.tally.add(k.tally);
  }
}

// Decides every line of the blocks of `buf` on `threads` threads; error lines numbered
// from `first_line`. "" or what is wrong with the campaign (then nothing is decided).
// The binder may read kBindPadding bytes past a line: lines that close to the end of
// `buf` are copied by the per-line step. Runs without the GIL.
std::string decide_blocks(const lawful_engine& e, const std::string& campaign, std::string_view buf, unsigned threads,
                          uint64_t first_line, Batch& batch, const Mapped* mapped = nullptr) {
  const Program& prog = *e.program;
  std::vector<Block>& blocks = batch.blocks;
  const size_t max_line = BindLimits{}.max_line;
  LineDecider::Options options;
  options.native = e.native();
  if (mapped) {
    options.mapping = mapped->mapping;
    options.input = mapped->csv ? LineInput::MappedCsv : LineInput::MappedJson;
  }
  std::atomic<size_t> next{0};
  std::mutex bad_mutex;
  std::string bad;
  threads = static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(threads, blocks.size())));
  on_threads(threads, [&](std::atomic<bool>& failed) {
    LineDecider line(prog, e.entry, options, e.names);
    // The campaign is checked here, by the deciders that bind it: a probe of its own
    // would cost a machine more for every batch (a Dask task's block, say).
    std::string why = line.set_campaign(campaign);
    if (why.empty() && mapped && mapped->csv) {
      why = line.set_csv_header(mapped->header);
      if (!why.empty()) why = "header: " + why;
    }
    if (!why.empty()) {
      failed = true;
      std::lock_guard<std::mutex> g(bad_mutex);
      bad = std::move(why);
      return;
    }
    for (;;) {
      size_t b = next.fetch_add(1);
      if (b >= blocks.size() || failed.load()) return;
      Block& k = blocks[b];
      if (k.lines.empty()) split_lines(buf.data(), k.from, k.to, max_line, k.lines);
      decide_block(line, prog, buf, k, 1);
    }
  });
  if (!bad.empty()) return bad;
  finish(prog, first_line, batch);
  return {};
}

// Decides a file as `lawful check` does: its chunk reader (runtime/facts/chunk_reader.h) cuts it
// into chunks of whole lines, numbered, each read into a buffer its thread reuses; the
// threads take the next chunk in turn. "" or why reading failed.
std::string decide_chunks(const lawful_engine& e, const std::string& campaign, ChunkReader& in,
                          unsigned threads, uint64_t first_line, Batch& batch) {
  const Program& prog = *e.program;
  LineDecider::Options options;
  options.native = e.native();
  std::mutex m;
  std::deque<Block> blocks;  // in input order; a deque keeps them where they are
  on_threads(threads, [&](std::atomic<bool>& failed) {
    LineDecider line(prog, e.entry, options, e.names);
    line.set_campaign(campaign);
    Chunk c;
    for (;;) {
      Block* k;
      {
        std::lock_guard<std::mutex> g(m);
        if (failed.load() || !in.next(c)) return;
        blocks.push_back(block_pool().take());
        k = &blocks.back();
      }
      k->lines.reserve(c.lines.size());
      for (const ChunkLine& l : c.lines) k->lines.push_back({l.offset, l.length, l.too_long});
      decide_block(line, prog, std::string_view(c.data.data(), c.filled), *k, first_line + c.first_line - 1);
    }
  });
  if (in.failed()) return in.failure();
  batch.blocks.reserve(blocks.size());
  for (Block& k : blocks) batch.blocks.push_back(std::move(k));
  finish(prog, first_line, batch);
  return {};
}

// A pipe that wakes the chunk reader when a run is stopped (ChunkReader::stop_when).
struct WakePipe {
  int fd[2] = {-1, -1};
  WakePipe() {
    if (::pipe2(fd, O_NONBLOCK | O_CLOEXEC) != 0) fd[0] = fd[1] = -1;
  }
  ~WakePipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;
  void wake() {
    if (fd[1] >= 0) {
      ssize_t ignored = ::write(fd[1], "!", 1);
      (void)ignored;
    }
  }
};

// What a run to a file came to: "" or why it failed; `interrupted` when a signal's
// Python handler raised (the exception is set: the caller raises it with the GIL).
struct ToFile {
  std::string error;
  bool interrupted = false;
};

// Decides the file at `in_path` into `out_path` as `lawful check -o` does: the library's
// pipeline (runtime/vm/line_pipeline.h: reader, workers, this thread writing in order) and
// the one rule of every output (runtime/io/output_file.h: a file replaced through a
// temporary beside it, renamed only when complete; a device or pipe written as it is).
// Memory stays that of the pipeline's chunks however long the input. Every 50 ms this
// thread takes the GIL for a moment to run Python's signal handlers: Ctrl-C stops the run
// and the temporary is removed. Runs without the GIL.
ToFile decide_to_file(const LineJob& job, unsigned threads, const std::string& in_path, const std::string& out_path,
                      Tally& total) {
  ToFile result;
  std::atomic<int> stop{0};
  WakePipe wake;
  ChunkReader in;
  in.stop_when(&stop, wake.fd[0]);
  if (!in.open(in_path, job.line.limits.max_line, threads == 1 ? (1u << 20) : (1u << 18), &result.error))
    return result;
  io::OutputFile out;
  io::OutputOptions options;
  options.stop = &stop;
  if (!out.open(out_path, options)) {
    result.error = out.error();
    return result;
  }
  LinePipeline<Tally> pipe(job, threads, in);
  auto worker = std::make_unique<LineWorker>(job);
  result.error = worker->start();  // the campaign, checked before: cannot fail here
  if (!result.error.empty()) return result;
  auto last = std::chrono::steady_clock::now();
  auto poll = [&] {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(50)) return true;
    last = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return true;
    result.interrupted = true;
    stop.store(1);
    wake.wake();
    return false;
  };
  auto sink = [&](LineSlot<Tally>& s) {
    if (!out.write(s.out.view())) return false;
    total.add(s.tally);
    return true;
  };
  // Nothing read here: the pipeline's workers read it all, so that this thread (Python's,
  // which alone runs its signal handlers) only waits, polls and writes.
  result.error = pipe.run(nullptr, std::move(worker), sink, poll);
  if (result.interrupted) return result;  // ~OutputFile removes the temporary
  if (!result.error.empty()) return result;
  if (pipe.cancelled()) {
    result.error = out.error();  // the sink's write failed
  } else if (in.failed()) {
    result.error = in.failure();
  } else if (!out.commit()) {
    result.error = out.error();
  }
  return result;
}

// Writes a batch's records to `out_path` by the one rule of every output, as above.
std::string write_batch(const Batch& b, const std::string& out_path) {
  io::OutputFile out;
  if (!out.open(out_path)) return out.error();
  for (const Block& k : b.blocks)
    if (!out.write(k.out.view())) return out.error();
  return out.commit() ? std::string() : out.error();
}

[[noreturn]] void raise_os_error(const std::string& why) {
  PyErr_SetString(PyExc_OSError, why.c_str());
  throw py::error_already_set();
}

unsigned thread_count(py::object threads) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (threads.is_none()) return cores;
  long n = threads.cast<long>();
  if (n < 1) throw py::value_error("threads must be at least 1 (or None for every core)");
  // As lawful check: more than four a core decide no faster.
  return static_cast<unsigned>(std::min<long>({n, static_cast<long>(std::max(8u, 4 * cores)), 256L}));
}

// The campaign as the per-line step reads it: "" or what is wrong.
std::string campaign_error(const lawful_engine& e, const std::string& campaign) {
  LineDecider probe(*e.program, e.entry, LineDecider::Options{}, e.names);
  return probe.set_campaign(campaign);
}

// Decides the lines of `buf`: cut into blocks here (raw), or given (`lines`).
std::shared_ptr<Batch> run_batch(const EnginePtr& engine, const std::string& campaign, std::string_view buf,
                                 const std::vector<Line>* lines, py::object threads, uint64_t first_line,
                                 const Mapped* mapped = nullptr) {
  unsigned n = thread_count(threads);
  auto batch = std::make_shared<Batch>();
  batch->engine = engine;
  std::string bad;
  {
    py::gil_scoped_release nogil;
    batch->blocks = lines ? line_blocks(*lines) : raw_blocks(buf);
    bad = decide_blocks(*engine->e, campaign, buf, n, first_line, *batch, mapped);
  }
  if (!bad.empty()) throw py::value_error(bad.rfind("header: ", 0) == 0 ? bad : "campaign: " + bad);
  return batch;
}

// The rows of an export through a mapping (None: none), checked against the engine's
// schema: CSV when `csv` (the caller then gives the header), else JSON objects.
std::optional<Mapped> mapped_of(const EnginePtr& engine, py::object mapping, bool csv) {
  if (mapping.is_none()) return std::nullopt;
  const MappingRef& m = mapping.cast<const MappingRef&>();
  if (m.m->fingerprint != engine->e->schema->fingerprint)
    throw py::value_error("the mapping was loaded for policies with another fact schema");
  Mapped out;
  out.mapping = m.m->mapping;
  out.csv = csv;
  return out;
}

// The bytes of a bytes-like object.
std::string_view bytes_of(const py::buffer& b, py::buffer_info& info) {
  info = b.request();
  if (info.ndim > 1 || (info.ndim == 1 && info.strides[0] != info.itemsize))
    throw py::type_error("the input must be contiguous bytes");
  return {static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize)};
}

py::dict tally_dict(const Program& prog, const Tally& t, bool all_policies) {
  py::dict d;
  d["lines"] = t.lines;
  d["decisions"] = t.lines - t.errors;
  d["errors"] = t.errors;
  py::dict verdicts;
  verdicts["allow"] = t.verdicts[0];
  verdicts["deny"] = t.verdicts[1];
  verdicts["review"] = t.verdicts[2];
  d["verdicts"] = verdicts;
  py::dict bases;
  for (size_t b = 0; b < t.bases.size(); ++b) bases[text(prog.basis_name(static_cast<int32_t>(b)))] = t.bases[b];
  d["bases"] = bases;
  py::list policies;
  for (size_t p = 0; p < t.policies.size(); ++p) {
    const auto& c = t.policies[p];
    if (c[0] + c[1] + c[2] == 0 && !all_policies) continue;
    py::dict row;
    py::list jurisdictions;
    if (p < prog.policies.size()) {
      row["policy"] = text(prog.str(prog.policies[p].name));
      for (uint32_t j : prog.policies[p].jurisdictions) jurisdictions.append(text(prog.str(j)));
    } else {
      row["policy"] = py::none();
    }
    row["jurisdictions"] = jurisdictions;
    row["allow"] = c[0];
    row["deny"] = c[1];
    row["review"] = c[2];
    policies.append(row);
  }
  d["policies"] = policies;
  if (t.errors) {
    py::dict first;
    first["line"] = t.first_error_line;
    first["error"] = text(t.first_error);
    d["first_error"] = first;
  } else {
    d["first_error"] = py::none();
  }
  return d;
}

// ---------------------------------------------------------------- single decisions

// A decision's outcome as Python wants it: (status name, JSON record with "version").
py::tuple decision_tuple(lawful_status st, const lawful_decision& d) {
  return py::make_tuple(text(lawful_status_name(st)), text(api::decision_json(d)));
}

}  // namespace

}  // namespace lawful::python

PYBIND11_MODULE(_lawful, m) {
  using namespace lawful;
  using namespace lawful::python;
  m.doc() = "The native part of the lawful package: use `import lawful`.";
  m.attr("__version__") = lawful_version();
  m.attr("MAX_LINE") = BindLimits{}.max_line;

  py::class_<Engine, EnginePtr>(m, "Engine")
      .def_property_readonly("generation", [](const Engine& e) { return e.e->version.generation; })
      .def_property_readonly("source_hash", [](const Engine& e) { return e.e->version.source_hash; })
      .def("set_generation", [](Engine& e, uint64_t g) { e.e->version.generation = g; })
      .def("bytecode",
           [](const Engine& e) {
             std::string bytes;
             {
               py::gil_scoped_release nogil;
               bytes = serialize_program(*e.e->program);
             }
             return py::bytes(bytes);
           })
      .def("set_backend",
           [](Engine& e, bool jit) {
             lawful_status st = lawful_engine_set_backend(e.e, jit ? LAWFUL_BACKEND_JIT : LAWFUL_BACKEND_VM);
             if (st != LAWFUL_OK) return std::string(lawful_last_error());
             return std::string();
           })
      .def("backend", [](const Engine& e) { return e.e->native() ? "jit" : "vm"; })
      .def("decide",
           [](const Engine& e, const std::string& contact, const std::string& campaign) {
             lawful_decision d;
             lawful_status st;
             {
               py::gil_scoped_release nogil;
               st = api::decide_json(*e.e, contact, campaign, d);
             }
             return decision_tuple(st, d);
           })
      .def("explain",
           [](const Engine& e, const std::string& contact, const std::string& campaign, const std::string& as_of) {
             lawful_decision d;
             lawful_status st;
             {
               py::gil_scoped_release nogil;
               st = api::explain_json(*e.e, contact, campaign, as_of, d);
             }
             if (st == LAWFUL_ERR_ARGUMENT) throw py::value_error(lawful_last_error());
             return py::make_tuple(text(lawful_status_name(st)), text(d.explanation), text(api::decision_json(d)));
           })
      .def("campaign_error", [](const Engine& e, const std::string& campaign) {
        std::string why;
        {
          py::gil_scoped_release nogil;
          why = campaign_error(*e.e, campaign);
        }
        return text(why);
      });

  py::class_<Batch, std::shared_ptr<Batch>>(m, "Batch")
      .def("__len__", [](const Batch& b) { return b.lines; })
      .def("records",
           [](const Batch& b) {
             // One bytes object, filled in place: the records are copied once.
             PyObject* o = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(b.bytes));
             if (!o) throw py::error_already_set();
             char* to = PyBytes_AS_STRING(o);
             for (const Block& k : b.blocks) {
               if (k.out.size()) std::memcpy(to, k.out.data(), k.out.size());
               to += k.out.size();
             }
             return py::reinterpret_steal<py::bytes>(o);
           })
      .def("record",
           [](const Batch& b, size_t i) {
             if (i >= b.lines) throw py::index_error("record index out of range");
             return text(b.record(i));
           })
      .def("columns",
           [](const Batch& b) {
             FrameColumns cols(b.lines);
             for (const Block& k : b.blocks) {
               uint32_t begin = 0;
               for (uint32_t end : k.ends) {
                 cols.add(std::string_view(k.out.data() + begin, end - begin - 1));
                 begin = end;
               }
             }
             return cols.dict();
           })
      .def("verdicts",
           [](const Batch& b) {
             std::string v;
             v.reserve(b.lines);
             for (const Block& k : b.blocks) v.append(k.verdicts.begin(), k.verdicts.end());
             return py::bytes(v);
           })
      .def("summary", [](const Batch& b, bool all_policies) { return tally_dict(*b.engine->e->program, b.tally, all_policies); },
           py::arg("all_policies") = false)
      .def_property_readonly("engine", [](const Batch& b) { return b.engine; });

  m.def("load_path", [](const std::string& path) {
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_path(path, e, d); });
  });
  m.def("load_source", [](const std::string& name, std::string source) {
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_source(name, std::move(source), e, d); });
  });
  m.def("load_bytecode", [](py::bytes data) {
    std::string bytes = data;
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_bytecode(bytes, e, d); });
  });

  // Lines of JSON Lines text (bytes-like), cut as `lawful check` cuts a file.
  m.def(
      "decide_buffer",
      [](const EnginePtr& engine, py::buffer data, const std::string& campaign, py::object threads,
         uint64_t first_line, py::object mapping, py::object header) {
        // Decided where it lies: the export (held by `info`) keeps a bytearray from being
        // resized while the GIL is released.
        py::buffer_info info;
        std::string_view in = bytes_of(data, info);
        std::optional<Mapped> mapped =
            mapped_of(engine, mapping, !mapping.is_none() && mapping.cast<const MappingRef&>().m->mapping->format == "csv");
        if (mapped && mapped->csv && !header.is_none()) {
          // A block from the middle of an export (lawful.dask): its file's header given,
          // its rows numbered from `first_line`.
          mapped->header = header.cast<std::string>();
        } else if (mapped && mapped->csv) {
          // An export read through a mapping: its first line is the header, and its rows
          // are numbered as lines of the file, from 2.
          size_t nl = in.find('\n');
          std::string_view head = in.substr(0, nl);
          if (!head.empty() && head.back() == '\r') head.remove_suffix(1);
          if (head.find_first_not_of(" \t") == std::string_view::npos)
            throw py::value_error("no header row (CSV input starts with the names of its columns)");
          mapped->header.assign(head.data(), head.size());
          in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
          first_line += 1;
        }
        return run_batch(engine, campaign, in, nullptr, threads, first_line, mapped ? &*mapped : nullptr);
      },
      py::arg("engine"), py::arg("data"), py::arg("campaign"), py::arg("threads"), py::arg("first_line"),
      py::arg("mapping") = py::none(), py::arg("header") = py::none());

  // The pool of blocks' buffers (BlockPool): (blocks held, bytes, blocks taken again).
  m.def("pool_stats", [] { return block_pool().stats(); });

  // How many lines `lawful check` counts in bytes of whole lines: one a newline, and a
  // last one without. memchr, without the GIL (bytes.count is a byte at a time: it cost
  // a Dask task a fifth of what deciding its block did).
  m.def("count_lines", [](py::buffer data) {
    py::buffer_info info;
    std::string_view in = bytes_of(data, info);
    uint64_t n = 0;
    {
      py::gil_scoped_release nogil;
      const char* p = in.data();
      const char* end = p + in.size();
      while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        ++n;
        if (!nl) break;
        p = nl + 1;
      }
    }
    return n;
  });

  // A file of JSON Lines, read whole.
  // A file (or a pipe) of JSON Lines, read as `lawful check` reads it.
  m.def("decide_file", [](const EnginePtr& engine, const std::string& path, const std::string& campaign,
                          py::object threads, uint64_t first_line) {
    unsigned n = thread_count(threads);
    auto batch = std::make_shared<Batch>();
    batch->engine = engine;
    std::string bad, why;
    {
      py::gil_scoped_release nogil;
      bad = campaign_error(*engine->e, campaign);
      ChunkReader in;
      if (bad.empty() && in.open(path, BindLimits{}.max_line, n == 1 ? (1u << 20) : (1u << 18), &why))
        why = decide_chunks(*engine->e, campaign, in, n, first_line, *batch);
    }
    if (!bad.empty()) throw py::value_error("campaign: " + bad);
    if (!why.empty()) raise_os_error(why);
    return batch;
  });

  // A file (or a pipe) of JSON Lines decided into the file `output`, as `lawful check -o`
  // does (decide_to_file). Returns the summary.
  m.def("decide_file_to", [](const EnginePtr& engine, const std::string& path, const std::string& output,
                             const std::string& campaign, py::object threads) {
    const lawful_engine& e = *engine->e;
    LineJob job;
    job.prog = e.program.get();
    job.entry = e.entry;
    job.line.native = e.native();
    job.campaign = &campaign;
    job.names = e.names;
    Tally total;
    total.reset(*job.prog);
    unsigned n = thread_count(threads);
    std::string bad;
    ToFile done;
    {
      py::gil_scoped_release nogil;
      bad = campaign_error(e, campaign);
      if (bad.empty()) done = decide_to_file(job, n, path, output, total);
    }
    if (done.interrupted) throw py::error_already_set();  // KeyboardInterrupt, or what a handler raised
    if (!bad.empty()) throw py::value_error("campaign: " + bad);
    if (!done.error.empty()) raise_os_error(done.error);
    return tally_dict(*job.prog, total, false);
  });

  // A batch's records written to the file `output` (by the same rule).
  m.def("write_batch", [](const Batch& b, const std::string& output) {
    std::string why;
    {
      py::gil_scoped_release nogil;
      why = write_batch(b, output);
    }
    if (!why.empty()) raise_os_error(why);
  });

  // One contact per item (bytes), each one line whatever it holds.
  m.def("decide_texts", [](const EnginePtr& engine, const py::list& items, const std::string& campaign,
                           py::object threads, uint64_t first_line, py::object mapping) {
    std::string buf;
    std::vector<Line> lines;
    const size_t max_line = BindLimits{}.max_line;
    lines.reserve(items.size());
    for (py::handle item : items) {
      char* p = nullptr;
      Py_ssize_t n = 0;
      if (PyBytes_AsStringAndSize(item.ptr(), &p, &n) != 0) throw py::error_already_set();
      size_t len = static_cast<size_t>(n);
      if (len > max_line) {
        lines.push_back({buf.size(), 0, len});
      } else {
        lines.push_back({buf.size(), len, 0});
        buf.append(p, len);
      }
      buf += '\n';
    }
    buf.append(kBindPadding, '\0');
    // Through a mapping, each item is a JSON object keyed by the export's columns.
    std::optional<Mapped> mapped = mapped_of(engine, mapping, false);
    return run_batch(engine, campaign, buf, &lines, threads, first_line, mapped ? &*mapped : nullptr);
  }, py::arg("engine"), py::arg("items"), py::arg("campaign"), py::arg("threads"), py::arg("first_line"),
     py::arg("mapping") = py::none());

  py::class_<MappingRef, MappingPtr>(m, "Mapping")
      .def_property_readonly("input", [](const MappingRef& r) { return r.m->mapping->format; })
      .def_property_readonly("name", [](const MappingRef& r) { return text(r.m->mapping->name); })
      .def_property_readonly("source", [](const MappingRef& r) { return text(r.m->source); });

  // A mapping file (or its text) checked against an engine's schema: (mapping or None,
  // diagnostics, rendered text, one-line message), as load_path gives an engine.
  m.def("load_mapping", [](const EnginePtr& engine, const std::string& path, py::object source) {
    api::DiagList diags;
    lawful_mapping* out = nullptr;
    lawful_status st;
    std::optional<std::string> body;
    if (!source.is_none()) body = source.cast<std::string>();
    {
      py::gil_scoped_release nogil;
      st = api::mapping_load(*engine->e, path, body ? &*body : nullptr, &out, diags);
    }
    py::object mapping = py::none();
    if (st == LAWFUL_OK) mapping = py::cast(std::make_shared<MappingRef>(out));
    return py::make_tuple(mapping, diag_list(diags), text(diags.text()),
                          text(st == LAWFUL_OK ? "" : lawful_last_error()));
  }, py::arg("engine"), py::arg("path"), py::arg("source") = py::none());

  // The tests written beside the policies at `path`: (compiled, diagnostics text,
  // [(title, policy, where, failures)]).
  m.def("run_tests", [](const std::string& path) {
    std::unique_ptr<Compilation> c;
    TestReport report;
    bool ok;
    {
      py::gil_scoped_release nogil;
      c = std::make_unique<Compilation>(compile_path(path));
      ok = c->ok();
      if (ok) report = run_tests(*c);
    }
    py::list tests;
    for (const TestResult& t : report.tests) {
      py::list failures;
      for (const std::string& f : t.failures) failures.append(text(f));
      tests.append(py::make_tuple(text(t.title), text(t.policy), text(t.where), failures));
    }
    return py::make_tuple(ok, text(ok ? "" : c->diags.render(c->sources, false)), tests);
  });
}
