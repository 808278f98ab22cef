// `lawful check`: decide for every input line, in order, one record per line, on as
// many threads as asked.
//
// The pipeline: a reader cuts the input into chunks of whole lines (cli/chunk_reader),
// workers each with their own Vm, Binder, record writer and output buffer decide a
// chunk at a time, and the writer (this thread) writes the chunks' output in input
// order. A fixed pool of chunks goes round, so memory stays the same however long the
// input; with one thread the same functions run one after the other, so the output is
// the same byte for byte whatever the number of threads.
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli/check_summary.h"
#include "cli/chunk_reader.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/csv_binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful::cli {

namespace {

struct CheckOptions {
  std::string path;
  std::string decision;
  std::string as_of;
  std::string cases;
  std::string contacts;
  std::string campaign;
  std::string output;
  std::string format = "jsonl";
  std::string input_format = "auto";
  std::string summary;
  unsigned threads = 0;
  uint64_t from_line = 1;
  bool quiet = false;
  bool no_progress = false;
  std::string engine = "vm";
};

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// What every worker shares, read-only.
struct Job {
  const Program* prog = nullptr;
  Entry entry;
  DecideOptions opt;
  bool cases = false;
  bool csv_in = false;
  bool csv_out = false;
  const std::string* campaign = nullptr;  // JSON text, or null with --cases
  std::string csv_header;
  uint64_t from_line = 1;  // lines before it are read (and counted) but not decided
  const NativeFn* native = nullptr;  // --engine: compiled code, or null to interpret
};

// One worker's machine: reused for every chunk it decides.
struct Worker {
  explicit Worker(const Job& j)
      : job(j), vm(*j.prog), binder(*j.prog), csv(*j.prog, binder), writer(*j.prog) {
    vm.use_native(j.native);
  }

  // Binds the campaign and the CSV header; "" or what is wrong.
  std::string start() {
    if (job.campaign) {
      BindResult r = binder.bind_campaign(vm.facts(), *job.campaign);
      if (!r.ok) return r.error;
    }
    if (job.csv_in) return csv.set_header(job.csv_header);
    return {};
  }

  void error(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view why, Tally& t) {
    if (job.csv_out) writer.error_csv(out, id, has_id, line, why);
    else writer.error_json(out, id, has_id, line, why);
    t.error(line, why);
  }

  void decide(std::string_view line, size_t capacity, uint64_t n, TextBuffer& out, Tally& t) {
    if (blank(line)) {
      error(out, {}, false, n, "a blank line", t);
      return;
    }
    BindResult r = job.csv_in  ? csv.bind_row(vm.facts(), line)
                   : job.cases ? binder.bind_case(vm.facts(), line.data(), line.size(), capacity)
                               : binder.bind_contact(vm.facts(), line.data(), line.size(), capacity);
    if (!r.ok) {
      error(out, r.id, !r.id.empty(), n, r.error, t);
      return;
    }
    decide_entry(vm, job.entry, outcome, job.opt);
    if (!outcome.error.empty()) {
      std::string_view id;
      bool has = contact_id(*job.prog, vm.facts(), id);
      error(out, id, has, n, outcome.error, t);
      return;
    }
    if (job.csv_out) writer.decision_csv(out, n, outcome, vm.facts());
    else writer.decision_json(out, outcome, vm.facts());
    t.count(outcome);
  }

  // Decides every line of a chunk (but the first `skip`) into `out`.
  void run(const Chunk& c, size_t skip, TextBuffer& out, Tally& t) {
    out.clear();
    t.reset(*job.prog);
    for (size_t i = skip; i < c.lines.size(); ++i) {
      uint64_t n = c.first_line + i;
      if (n < job.from_line) continue;
      if (c.lines[i].too_long) {
        tmp.clear();
        fmt::format_to(std::back_inserter(tmp), "a line of {} bytes; the limit is {}", c.lines[i].too_long,
                       binder.limits().max_line);
        error(out, {}, false, n, tmp, t);
        continue;
      }
      decide(c.line(i), c.capacity(i), n, out, t);
    }
  }

  const Job& job;
  Vm vm;
  Binder binder;
  CsvBinder csv;
  RecordWriter writer;
  Outcome outcome;
  std::string tmp;
};

// Output room a chunk's records usually fit in (about 4 times its input); taken at the
// start, with the chunks' buffers, so memory is flat from the first line.
constexpr size_t kOutputRoom = 1u << 20;

// A chunk with what its worker made of it.
struct Slot {
  Chunk chunk;
  size_t skip = 0;
  TextBuffer out;
  Tally tally;
};

// The messages of this command's faults, as `lawful check: ...` on standard error.
void say(const std::string& message) {
  fmt::print(stderr, "lawful check: {}\n", message);
  std::fflush(stderr);
}

// The signal (SIGINT, SIGTERM) that asked the run to stop, or 0. The handler only sets
// it; the writer (the main thread) looks at it between chunks and while it waits.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");

// A pipe the handler writes to, so that a read waiting for input wakes (ChunkReader).
int g_wake_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int sig) {
  int saved = errno;
  g_stop_signal.store(sig, std::memory_order_relaxed);
  if (g_wake_pipe[1] >= 0) {
    ssize_t ignored = ::write(g_wake_pipe[1], "!", 1);
    (void)ignored;
  }
  errno = saved;
}

void install_signal_handlers() {
  if (g_wake_pipe[0] < 0 && ::pipe2(g_wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) g_wake_pipe[0] = g_wake_pipe[1] = -1;
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // A second signal finds the default action and ends the process at once. Without
  // SA_RESTART, a broken-off read or write is taken up again by its loop (after a look
  // at the flag, for reads); the wake pipe makes sure a waiting read sees it.
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed pipe is a write error (EPIPE), reported as such, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
}

// Where the records go: standard output, a device or pipe named by -o (written as it
// is), or -o FILE through a temporary file beside it, renamed into place when complete.
// Buffered here and written with write(2), which is taken up again when a signal breaks
// it off, so that a record is never torn.
struct Output {
  static constexpr size_t kBuffer = 1u << 20;
  int fd = STDOUT_FILENO;
  bool own = false;                       // fd is ours to close
  std::string where = "standard output";  // for messages
  std::string path;                       // -o FILE, when written through `tmp`
  std::string tmp;                        // the temporary, "" once renamed or removed
  bool ok = true;
  int err = 0;  // errno of the first failed write
  std::unique_ptr<char[]> buf{new char[kBuffer]};
  size_t used = 0;

  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  // Every way out that did not rename the temporary removes it.
  ~Output() { discard(); }

  // -o naming a device or a pipe.
  bool open_special(const std::string& file) {
    where = file;
    fd = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    own = fd >= 0;
    if (!own) err = errno;
    return own;
  }

  // Opens FILE.tmp.PID (another suffix if that exists), created here and nowhere else.
  bool open_temporary(const std::string& file) {
    path = where = file;
    std::string base = fmt::format("{}.tmp.{}", file, static_cast<long>(getpid()));
    for (int k = 0; k < 100; ++k) {
      std::string name = k ? fmt::format("{}.{}", base, k) : base;
      fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        own = true;
        tmp = name;
        return true;
      }
      if (errno != EEXIST) break;
    }
    err = errno;
    return false;
  }

  void write(std::string_view s) {
    if (!ok || s.empty()) return;
    if (s.size() > kBuffer - used) {
      flush();
      if (s.size() >= kBuffer) {
        put(s.data(), s.size());
        return;
      }
    }
    std::memcpy(buf.get() + used, s.data(), s.size());
    used += s.size();
  }
  bool flush() {
    if (ok && used) put(buf.get(), used);
    used = 0;
    return ok;
  }
  // Flushes, and for a temporary makes it durable, then closes; false if anything was
  // not written.
  bool close() {
    flush();
    if (own) {
      if (ok && !tmp.empty() && ::fsync(fd) != 0) fail();
      if (::close(fd) != 0) fail();
      own = false;
      fd = -1;
    }
    return ok;
  }
  // Closes and removes the temporary.
  void discard() {
    if (tmp.empty()) return;
    if (own) ::close(fd);
    own = false;
    fd = -1;
    ::unlink(tmp.c_str());
    tmp.clear();
  }
  // The temporary becomes `name`.
  bool commit(const std::string& name) {
    if (std::rename(tmp.c_str(), name.c_str()) != 0) {
      fail();
      return false;
    }
    tmp.clear();
    return true;
  }
  std::string cannot_write() const { return fmt::format("cannot write {}: {}", where, std::strerror(err)); }

 private:
  void put(const char* p, size_t n) {
    while (ok && n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno != EINTR) fail();
        continue;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void fail() {
    if (ok) err = errno ? errno : EIO;
    ok = false;
  }
};

// The threaded run. The reader and the workers hand slots round through three queues
// under one lock: free -> read -> done (indexed by sequence number) -> free.
class Pipeline {
 public:
  Pipeline(const Job& job, unsigned threads, ChunkReader& in) : job_(job), threads_(threads), in_(in) {
    size_t n = 2 * static_cast<size_t>(threads) + 2;
    for (size_t i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>());
    for (auto& s : slots_) free_.push_back(s.get());
    if (threads > 1)
      for (auto& s : slots_) {
        in_.prepare(s->chunk);
        s->out.prefault(kOutputRoom);
      }
    done_.assign(n, nullptr);
  }

  // Runs everything; calls `sink` for every slot in input order, on this thread, and
  // `poll` before each and every 50 ms while it waits (`poll` may end the process).
  template <class Sink, class Poll>
  std::string run(Slot* first, Sink sink, Poll poll) {
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < threads_; ++i) {
      workers.push_back(std::make_unique<Worker>(job_));
      std::string why = workers.back()->start();
      if (!why.empty()) return why;
    }
    // The first chunk (read already, for a CSV header) goes first.
    first->chunk.seq = 0;
    {
      std::lock_guard<std::mutex> g(m_);
      for (auto it = free_.begin(); it != free_.end(); ++it)
        if (*it == first) {
          free_.erase(it);
          break;
        }
      read_.push_back(first);
    }
    std::thread reader([this] { read_loop(1); });
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads_; ++i) pool.emplace_back([this, w = workers[i].get()] { work_loop(*w); });
    uint64_t next = 0;
    for (;;) {
      Slot* s = nullptr;
      {
        std::unique_lock<std::mutex> g(m_);
        auto ready = [&] { return done_[next % done_.size()] != nullptr || (reading_done_ && next == read_count_); };
        while (!cv_.wait_for(g, std::chrono::milliseconds(50), ready)) {
          g.unlock();
          poll();
          g.lock();
        }
        s = done_[next % done_.size()];
        if (!s) break;
        done_[next % done_.size()] = nullptr;
      }
      poll();
      sink(*s);
      ++next;
      {
        std::lock_guard<std::mutex> g(m_);
        free_.push_back(s);
      }
      cv_.notify_all();
    }
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    reader.join();
    for (auto& t : pool) t.join();
    return {};
  }

  Slot* take_free() {
    Slot* s = free_.back();
    free_.pop_back();
    return s;
  }

 private:
  void read_loop(uint64_t seq) {
    for (;;) {
      Slot* s = nullptr;
      {
        std::unique_lock<std::mutex> g(m_);
        cv_.wait(g, [&] { return !free_.empty() || stop_; });
        if (stop_) break;
        s = free_.back();
        free_.pop_back();
      }
      s->skip = 0;
      bool more = in_.next(s->chunk);
      std::lock_guard<std::mutex> g(m_);
      if (!more) {
        free_.push_back(s);
        break;
      }
      s->chunk.seq = seq++;
      read_.push_back(s);
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> g(m_);
    reading_done_ = true;
    read_count_ = seq;
    cv_.notify_all();
  }

  void work_loop(Worker& w) {
    for (;;) {
      Slot* s = nullptr;
      {
        std::unique_lock<std::mutex> g(m_);
        cv_.wait(g, [&] { return !read_.empty() || stop_ || (reading_done_ && read_.empty()); });
        if (read_.empty()) return;
        s = read_.front();
        read_.erase(read_.begin());
      }
      w.run(s->chunk, s->skip, s->out, s->tally);
      {
        std::lock_guard<std::mutex> g(m_);
        done_[s->chunk.seq % done_.size()] = s;
      }
      cv_.notify_all();
    }
  }

  const Job& job_;
  unsigned threads_;
  ChunkReader& in_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;
  std::vector<Slot*> read_;  // in sequence order
  std::vector<Slot*> done_;  // by sequence number modulo the pool's size
  bool reading_done_ = false;
  bool stop_ = false;
  uint64_t read_count_ = 1;  // the first chunk is read before the pipeline starts
};

int run_check(const CheckOptions& o) {
  auto started = std::chrono::steady_clock::now();
  install_signal_handlers();
  if (o.from_line == 0) {
    print_error("--from-line counts lines from 1");
    return kExitUsage;
  }
  if (o.cases.empty() == o.contacts.empty()) {
    print_error("give either --cases FILE, or --contacts FILE with --campaign FILE");
    return kExitUsage;
  }
  if (!o.contacts.empty() && o.campaign.empty()) {
    print_error("--contacts needs --campaign FILE");
    return kExitUsage;
  }
  if (o.format != "jsonl" && o.format != "csv") {
    print_error(fmt::format("--format {}: give jsonl or csv", o.format));
    return kExitUsage;
  }
  const std::string& input = o.cases.empty() ? o.contacts : o.cases;
  bool csv_in = o.input_format == "csv" ||
                (o.input_format == "auto" && input.size() > 4 && input.compare(input.size() - 4, 4, ".csv") == 0);
  if (o.input_format != "auto" && o.input_format != "csv" && o.input_format != "jsonl") {
    print_error(fmt::format("--input-format {}: give jsonl or csv", o.input_format));
    return kExitUsage;
  }
  if (csv_in && !o.cases.empty()) {
    print_error("--cases reads JSON Lines only (a case holds a contact and a campaign)");
    return kExitUsage;
  }
  Job job;
  if (!o.as_of.empty()) {
    std::string err;
    job.opt.as_of = parse_as_of(o.as_of, &err);
    if (!job.opt.as_of) {
      print_error(err);
      return kExitUsage;
    }
  }
  unsigned threads = o.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  if (threads > 256) threads = 256;

  Loaded loaded = load(o.path);
  if (!loaded.program) return kExitFailed;
  const Program& prog = *loaded.program;
  job.prog = &prog;
  std::string why = choose_entry(prog, o.decision, job.entry);
  if (!why.empty()) {
    print_error(why);
    return kExitFailed;
  }
  Engine engine;
  why = choose_engine(o.engine, prog, input_size(input), "check", engine);
  if (!why.empty()) {
    print_error(why);
    return kExitUsage;
  }
  job.native = engine.native();
  job.cases = !o.cases.empty();
  job.csv_in = csv_in;
  job.from_line = o.from_line;
  job.csv_out = o.format == "csv";
  std::string campaign;
  if (!o.campaign.empty()) {
    std::string err;
    if (!read_whole(o.campaign, campaign, &err)) {
      print_error(err);
      return kExitFailed;
    }
    job.campaign = &campaign;
  }

  BindLimits limits;
  ChunkReader in;
  std::string err;
  if (!in.open(input, limits.max_line, threads == 1 ? (1u << 20) : (1u << 18), &err)) {
    print_error(err);
    return kExitFailed;
  }
  // The output is opened before anything is read from the input, so that a signal
  // from now on finds a run that can say how far it got.
  Output out;
  struct stat st;
  bool special = !o.output.empty() && stat(o.output.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  if (special) {
    // /dev/null, a pipe, a terminal: written as it is, with no temporary beside it.
    if (!out.open_special(o.output)) {
      say(out.cannot_write());
      return kExitFailed;
    }
  } else if (!o.output.empty() && o.output != "-") {
    if (!out.open_temporary(o.output)) {
      say(out.cannot_write());
      return kExitFailed;
    }
  }
  // The first chunk, read now for the CSV header.
  Pipeline pipe(job, threads, in);
  Slot* first = pipe.take_free();
  in.stop_when(&g_stop_signal, g_wake_pipe[0]);
  bool any_input = in.next(first->chunk);
  if (!any_input && in.interrupted()) {
    say(fmt::format("interrupted after {} lines; resume with --from-line {}{}", o.from_line - 1, o.from_line,
                    out.path.empty() ? "" : fmt::format(" ({} was not written)", o.output)));
    return 128 + g_stop_signal.load();  // ~Output removes the temporary
  }
  if (job.csv_in) {
    if (!any_input || first->chunk.lines.empty()) {
      print_error(fmt::format("{}: no header row (CSV input starts with the names of its columns)", input));
      return kExitFailed;
    }
    if (first->chunk.lines[0].too_long) {
      print_error(fmt::format("{}: the header row is too long", input));
      return kExitFailed;
    }
    job.csv_header = std::string(first->chunk.line(0));
    first->skip = 1;
  }
  {
    // Check the campaign and header once, here, with a clear message.
    Worker probe(job);
    std::string bad = probe.start();
    if (!bad.empty()) {
      print_error(job.csv_in && bad.rfind("the header", 0) == 0 ? fmt::format("{}: {}", input, bad)
                                                                 : fmt::format("{}: {}", o.campaign, bad));
      return kExitFailed;
    }
  }

  // A resumed run's CSV goes after the first run's, which has the header.
  if (job.csv_out && job.from_line <= 1) out.write(RecordWriter::kCsvHeader);

  Tally total;
  total.reset(prog);
  Progress progress(!o.quiet && !o.no_progress, in.total_bytes());
  uint64_t bytes = 0;
  // The last input line whose record is out (lines before --from-line count as done).
  uint64_t done_line = job.from_line - 1;
  // Ends the run early: output that cannot be written, or a signal. Whole chunks have
  // been handed to `out` in order, so standard output (or a device) holds a prefix of
  // whole records; a temporary is removed, or with a signal kept as FILE.partial when it
  // holds something. Other threads may be busy: the process ends here, without them.
  auto stop = [&](int sig) {
    progress.finish();
    if (!sig) {
      out.discard();
      say(out.cannot_write());
      std::_Exit(kExitFailed);
    }
    int code = 128 + sig;
    bool kept = out.close();
    std::string partial;
    if (!out.tmp.empty()) {
      if (kept && done_line >= job.from_line) {
        partial = o.output + ".partial";
        if (!out.commit(partial)) partial.clear();
      }
      out.discard();
    }
    if (!kept) say(out.cannot_write());
    std::string where = partial.empty() ? std::string()
                                        : fmt::format(" (lines {} to {} are in {}; {} was not written)", job.from_line,
                                                      done_line, partial, o.output);
    if (partial.empty() && !out.path.empty()) where = fmt::format(" ({} was not written)", o.output);
    say(fmt::format("interrupted after {} lines; resume with --from-line {}{}", done_line, done_line + 1, where));
    std::_Exit(code);
  };
  auto poll = [&] {
    if (int sig = g_stop_signal.load(std::memory_order_relaxed)) stop(sig);
  };
  auto sink = [&](Slot& s) {
    out.write(s.out.view());
    if (!out.ok) stop(0);
    total.add(s.tally);
    bytes += s.chunk.bytes;
    if (!s.chunk.lines.empty()) done_line = std::max(done_line, s.chunk.first_line + s.chunk.lines.size() - 1);
    progress.update(total.lines, bytes);
  };
  if (!any_input) {
    // Nothing to decide.
  } else if (threads == 1) {
    Worker w(job);
    w.start();
    Slot* s = first;
    for (;;) {
      poll();
      w.run(s->chunk, s->skip, s->out, s->tally);
      poll();
      sink(*s);
      s->skip = 0;
      if (!in.next(s->chunk)) break;
    }
  } else {
    std::string bad = pipe.run(first, sink, poll);
    if (!bad.empty()) {
      print_error(bad);
      return kExitFailed;
    }
  }
  // The input ended because of a signal (a run that ended on its own is complete, even
  // if a signal came at the last moment).
  if (in.interrupted()) stop(g_stop_signal.load());
  progress.finish();

  bool any_error = total.errors > 0;
  if (in.failed()) {
    print_error("reading the input failed");
    any_error = true;
  }
  if (!out.close() || (!out.tmp.empty() && !out.commit(o.output))) {
    say(out.cannot_write());
    return kExitFailed;  // ~Output removes the temporary
  }

  RunFacts facts;
  facts.input = input;
  facts.policies = o.path;
  facts.threads = threads;
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  facts.peak_kib = peak_memory_kib();
  if (!o.quiet) std::fputs(summary_text(prog, total, facts).c_str(), stderr);
  if (!o.summary.empty()) {
    std::string e;
    if (!write_whole(o.summary, summary_json(prog, total, facts), &e)) {
      print_error(e);
      return kExitFailed;
    }
  }
  return any_error ? kExitFailed : kExitOk;
}

}  // namespace

void add_check(Command& app, int& exit_code) {
  auto o = std::make_shared<CheckOptions>();
  Command cmd = app.add_subcommand("check", "Decide for every contact (or case) and print one decision per line");
  cmd.add_option("path", o->path, "A .law file, a directory of them (with its routing file), or a .lawc file").required();
  cmd.add_option("--decision", o->decision, "Evaluate this decision rather than the whole policy");
  cmd.add_option("--as-of", o->as_of, "Take rules as in force on this date (YYYY-MM-DD) instead of the send date");
  cmd.add_option("--cases", o->cases, "JSON Lines of {\"contact\": ..., \"campaign\": ...}");
  cmd.add_option("--contacts", o->contacts,
                 "Contacts: JSON Lines, one a line, or CSV with a header row naming the fields ('-' for standard input)");
  cmd.add_option("--campaign", o->campaign, "One campaign as a JSON object");
  cmd.add_option("--input-format", o->input_format,
                 "jsonl or csv; auto (the default) takes CSV for a file named *.csv, else JSON Lines");
  cmd.add_option("-o,--output", o->output, "Write the decisions here instead of standard output");
  cmd.add_option("--format", o->format, "Output: jsonl (the default; FACTS.md's records) or csv");
  cmd.add_option("--threads", o->threads, "Threads deciding (default: all cores); the output is the same for any number");
  cmd.add_option("--from-line", o->from_line,
                 "Decide from this input line on (the lines before are skipped, still counted; a CSV header is still read)");
  cmd.add_option("--summary", o->summary, "Also write the summary as JSON to this file");
  cmd.add_option("--engine", o->engine, kEngineHelp);
  cmd.add_flag("-q,--quiet", o->quiet, "No progress bar and no summary on standard error");
  cmd.add_flag("--no-progress", o->no_progress, "No progress bar (it shows only when standard error is a terminal)");
  cmd.callback([o, &exit_code] { exit_code = run_check(*o); });
}

}  // namespace lawful::cli
