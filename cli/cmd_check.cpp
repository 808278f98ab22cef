// `lawful check`: decide for every input line, in order, one record per line, on as
// many threads as asked.
//
// The pipeline is the library's (runtime/vm/line_pipeline.h): the input is cut into
// chunks of whole lines, workers each with their own per-line step read and decide a
// chunk at a time, and this thread, one of them, writes the chunks' output in input
// order between its own chunks, with the same output byte for byte whatever the number
// of threads. This file adds what is the command's: the
// options, the output (standard output or -o, by the one rule of runtime/io/output_file.h),
// signals and resuming, the progress bar and the summary.
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "cli/cached_load.h"
#include "cli/check_summary.h"
#include "runtime/facts/chunk_reader.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "compiler/mapping/mapping_loader.h"
#include "compiler/compiler.h"
#include "cli/engine.h"
#include "report/check_report.h"
#include "runtime/facts/records.h"
#include "runtime/io/output_file.h"
#include "runtime/vm/campaign_check.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/line_decider.h"
#include "runtime/vm/line_pipeline.h"
#include "runtime/vm/vm.h"

namespace lawful::cli {

namespace {

struct CheckOptions {
  std::string path;
  std::string revision;
  std::string decision;
  std::string as_of;
  std::string cases;
  std::string contacts;
  std::string campaign;
  std::string output;
  std::string format = "jsonl";
  std::string input_format = "auto";
  std::string summary;
  std::string report;
  unsigned threads = 0;
  uint64_t from_line = 1;
  bool quiet = false;
  bool no_progress = false;
  bool no_cache = false;
  bool strict_fields = false;
  std::string engine = "vm";
  std::string mapping;  // --mapping FILE: the input is a CRM export read through it
};

// The pipeline (reader, workers, ordered writer) and its worker are the library's
// (runtime/vm/line_pipeline.h), shared with the Python module's decide_many to a file.
using Job = LineJob;
using Worker = LineWorker;
using Pipeline = LinePipeline<Tally>;
using Slot = Pipeline::Slot;

// The messages of this command's faults, as `lawful check: ...` on standard error.
void say(const std::string& message) { print_stderr(fmt::format("lawful check: {}\n", message)); }

// The signal (SIGINT, SIGTERM) that asked the run to stop, or 0. The handler only sets
// it; the writer (the main thread) looks at it between chunks and while it waits.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");

// A pipe the handler writes to, so that a read waiting for input wakes (ChunkReader).
int g_wake_pipe[2] = {-1, -1};

// Once a stop is asked for, a timer sends SIGALRM to the main thread every 20 ms, so that
// whatever it is blocked in (a write to a pipe nobody reads, the open of a FIFO with no
// writer or reader) is broken off (EINTR) and its loop sees the flag. A signal that
// came just before such a call began cannot leave it blocked for good.
timer_t g_wake_timer;
bool g_have_wake_timer = false;

extern "C" void on_wake_timer(int) {}

void arm_wake_timer(bool on) {
  if (!g_have_wake_timer) return;
  struct itimerspec period = {};
  if (on) period.it_value.tv_nsec = period.it_interval.tv_nsec = 20 * 1000 * 1000;
  timer_settime(g_wake_timer, 0, &period, nullptr);
}

extern "C" void on_stop_signal(int sig) {
  int saved = errno;
  if (g_stop_signal.load(std::memory_order_relaxed) != 0) {
    // A second signal ends the process at once, the usual way, without a temporary left.
    io::remove_temporaries_on_signal();
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    errno = saved;
    return;
  }
  g_stop_signal.store(sig, std::memory_order_relaxed);
  if (g_wake_pipe[1] >= 0) {
    ssize_t ignored = ::write(g_wake_pipe[1], "!", 1);
    (void)ignored;
  }
  arm_wake_timer(true);
  errno = saved;
}

void install_signal_handlers() {
  if (g_wake_pipe[0] < 0 && ::pipe2(g_wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) g_wake_pipe[0] = g_wake_pipe[1] = -1;
  struct sigaction alarm = {};
  alarm.sa_handler = on_wake_timer;
  sigemptyset(&alarm.sa_mask);
  sigaction(SIGALRM, &alarm, nullptr);
  if (!g_have_wake_timer) {
    struct sigevent ev = {};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));  // glibc names no field for it
    g_have_wake_timer = timer_create(CLOCK_MONOTONIC, &ev, &g_wake_timer) == 0;
  }
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // Without SA_RESTART, a broken-off read or write is taken up again by its loop after a
  // look at the flag; the wake pipe and the timer make sure a waiting call sees it.
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed pipe is a write error (EPIPE), reported as such, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
}

// Where the records go: standard output, or -o by the one rule of every output
// (runtime/io/output_file.h: a device or pipe written as it is, a file through a
// temporary beside it, renamed into place when complete). Buffered here; a write blocked
// on a reader that does not read gives up once a signal asks the run to stop.
struct Output {
  static constexpr size_t kBuffer = 1u << 20;
  // A piece this large (a chunk's records, hundreds of KiB) goes out as it is, after what
  // is buffered, rather than through one more copy into the buffer.
  static constexpr size_t kDirect = kBuffer / 8;
  io::OutputFile file;
  std::unique_ptr<char[]> buf{new char[kBuffer]};
  size_t used = 0;
  bool ok = true;

  // Where the records of each input line end in the output, for a stop that cuts a write
  // short: the last line whose record is wholly written, and the offset its record ends
  // at (`base`), then the chunks handed over after it, oldest first.
  struct Mark {
    uint64_t end = 0;
    uint64_t line = 0;
  };
  Mark base;
  std::vector<Mark> marks;
  uint64_t handed = 0;              // bytes handed to write()
  const char* put_start = nullptr;  // the bytes of the last put(), from offset put_offset
  uint64_t put_offset = 0;
  const char* rest = nullptr;  // what a stop left of the last put (in `buf` or `rest_copy`)
  size_t rest_size = 0;
  std::string rest_copy;  // a put from a chunk's output that a stop broke off: the slot is reused

  bool open(const std::string& name) {
    io::OutputOptions options;
    options.allow_stdout = true;
    options.stop = &g_stop_signal;
    return file.open(name.empty() ? "-" : name, options);
  }
  bool stopped() const { return file.stopped(); }

  // False if `s` was not taken (an earlier write failed or was stopped); once taken, its
  // bytes go out, even if write() stops part way (then drain() takes them up again).
  bool write(std::string_view s) {
    if (!ok) return false;
    if (s.empty()) return true;
    if (s.size() > kBuffer - used || s.size() >= kDirect) {
      if (!flush()) return false;
      if (s.size() >= kDirect) {
        handed += s.size();
        put(s.data(), s.size());
        return true;
      }
    }
    std::memcpy(buf.get() + used, s.data(), s.size());
    used += s.size();
    handed += s.size();
    return true;
  }
  // After a stop: writes out what was taken, giving up at `deadline`.
  bool drain(std::chrono::steady_clock::time_point deadline) {
    file.drain_until(deadline);
    ok = true;
    if (rest_size) {
      ok = file.write(rest, rest_size);  // the rest of the put a stop broke off
      rest_size = 0;
      if (!ok) return false;
    }
    return flush();
  }
  // The records of lines up to `line` have all been handed over.
  void mark(uint64_t line) { marks.push_back({handed, line}); }
  bool flush() {
    if (ok && used) put(buf.get(), used);
    used = 0;
    return ok;
  }
  // Flushes, and completes the output (a temporary is renamed onto FILE).
  bool finish() { return flush() && file.commit(); }

  // After a write was cut short: the last line whose record is wholly out, and whether
  // part of the next record went out too. JSON Lines records are one line each; a CSV
  // record ends at a newline outside quotes.
  std::pair<uint64_t, bool> written_lines(bool csv) {
    advance();
    uint64_t end = file.written();
    if (end <= base.end || !put_start || base.end < put_offset) return {base.line, end > base.end};
    const char* p = put_start + (base.end - put_offset);
    uint64_t line = base.line, last_end = base.end;
    bool quoted = false;
    for (uint64_t off = base.end; off < end; ++off, ++p) {
      if (csv && *p == '"')
        quoted = !quoted;
      else if (*p == '\n' && !quoted) {
        ++line;
        last_end = off + 1;
      }
    }
    return {line, last_end < end};
  }

 private:
  void advance() {
    size_t k = 0;
    while (k < marks.size() && marks[k].end <= file.written()) base = marks[k++];
    marks.erase(marks.begin(), marks.begin() + static_cast<std::ptrdiff_t>(k));
  }
  void put(const char* p, size_t n) {
    advance();
    put_start = p;
    put_offset = file.written();
    ok = file.write(p, n);
    if (!ok && file.stopped()) {
      if (p != buf.get()) {
        // The bytes are a chunk's output, whose slot goes back to the workers: keep them.
        rest_copy.assign(p, n);
        p = put_start = rest_copy.data();
      }
      size_t done = static_cast<size_t>(file.written() - put_offset);
      rest = p + done;
      rest_size = n - done;
    }
  }
};

int run_check(const CheckOptions& o) {
  auto started = std::chrono::steady_clock::now();
  const std::string started_utc = report::utc_now();
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
  {
    // Two outputs that would replace the same file: one would be lost.
    const std::pair<const char*, const std::string*> outputs[] = {
        {"-o", &o.output}, {"--summary", &o.summary}, {"--report", &o.report}};
    for (size_t a = 0; a < 3; ++a)
      for (size_t b = a + 1; b < 3; ++b) {
        const std::string& x = *outputs[a].second;
        const std::string& y = *outputs[b].second;
        if (x.empty() || y.empty() || x == "-" || y == "-" || !io::same_file_replaced(x, y)) continue;
        print_error(fmt::format("{} {} and {} {} name the same file: one would replace the other", outputs[a].first, x,
                                outputs[b].first, y));
        return kExitUsage;
      }
  }
  std::string revision = o.revision;
  if (revision.empty() && std::getenv("LAWFUL_REVISION")) revision = std::getenv("LAWFUL_REVISION");
  if (!revision.empty()) {
    std::string why = revision_label_error(revision);
    if (!why.empty()) {
      print_error(fmt::format("{}: {}", o.revision.empty() ? "LAWFUL_REVISION" : "--revision", why));
      return kExitUsage;
    }
  }
  const std::string& input = o.cases.empty() ? o.contacts : o.cases;
  bool csv_in = o.input_format == "csv" ||
                (o.input_format == "auto" && input.size() > 4 && input.compare(input.size() - 4, 4, ".csv") == 0);
  if (!o.mapping.empty() && !o.cases.empty()) {
    print_error("--mapping reads an export's contacts (--contacts), not cases");
    return kExitUsage;
  }
  if (csv_in && !o.cases.empty()) {
    print_error("--cases reads JSON Lines only (a case holds a contact and a campaign)");
    return kExitUsage;
  }
  Job job;
  if (!o.as_of.empty()) {
    std::string err;
    job.line.decide.as_of = parse_as_of(o.as_of, &err);
    if (!job.line.decide.as_of) {
      print_error(err);
      return kExitUsage;
    }
  }
  // Each thread holds two chunks of input and output (about 2.5 MiB, taken at the start):
  // more threads than four a core decide no faster and only take memory (--threads 1000
  // took 1.27 GB for ten lines). The output is the same for any number.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = o.threads == 0 ? cores : std::min({o.threads, std::max(8u, 4 * cores), 256u});

  Loaded loaded = load_cached(o.path, o.no_cache);
  if (!loaded.program) return kExitFailed;
  const Program& prog = *loaded.program;
  job.prog = &prog;
  std::string why = choose_entry(prog, o.decision, job.entry);
  if (!why.empty()) {
    print_error(why);
    return kExitFailed;
  }
  Engine engine;
  why = choose_engine(o.engine, prog, input_size(input), "check", engine, o.no_cache);
  if (!why.empty()) {
    print_error(why);
    return kExitUsage;
  }
  job.line.native = engine.native();
  job.line.input = !o.cases.empty() ? LineInput::Case : csv_in ? LineInput::CsvRow : LineInput::Contact;
  if (!o.mapping.empty()) {
    // The export's columns become facts through the mapping, checked against this
    // program's schema; its declared input, unless the file's name or --input-format says.
    std::shared_ptr<const Mapping> m = load_input_mapping(o.mapping, prog.schema, input, o.input_format, &csv_in);
    if (!m) return kExitFailed;
    job.line.mapping = std::move(m);
    job.line.input = csv_in ? LineInput::MappedCsv : LineInput::MappedJson;
  }
  job.csv_in = csv_in;
  job.from_line = o.from_line;
  job.format = o.format == "csv" ? RecordFormat::Csv : RecordFormat::Json;
  job.names = std::make_shared<const RecordNames>(prog);
  job.strict_fields = o.strict_fields;
  std::string campaign;
  // A signal before any record is out (the input or the output is a FIFO that nobody
  // has opened yet, say): nothing was written, the run is to be done again whole.
  auto interrupted_early = [&] {
    bool file = !o.output.empty() && o.output != "-";
    say(fmt::format("interrupted after {} lines; resume with --from-line {}{}", o.from_line - 1, o.from_line,
                    file ? fmt::format(" ({} was not written)", o.output) : ""));
    return 128 + g_stop_signal.load();
  };
  if (!o.campaign.empty()) {
    std::string err;
    if (!read_whole(o.campaign, campaign, &err, &g_stop_signal)) {
      if (g_stop_signal.load()) return interrupted_early();
      print_error(err);
      return kExitFailed;
    }
    job.campaign = &campaign;
  }

  ChunkReader in;
  in.stop_when(&g_stop_signal, g_wake_pipe[0]);
  std::string err;
  if (!in.open(input, job.line.limits.max_line, threads == 1 ? (1u << 20) : (1u << 18), &err)) {
    if (in.interrupted()) return interrupted_early();
    print_error(err);
    return kExitFailed;
  }
  // The output is opened before anything is read from the input, so that a signal
  // from now on finds a run that can say how far it got.
  Output out;
  if (!out.open(o.output)) {
    if (out.stopped()) return interrupted_early();
    say(out.file.error());
    return kExitFailed;
  }
  // The first chunk, read now for the CSV header.
  Pipeline pipe(job, threads, in);
  Slot* first = pipe.take_free();
  bool any_input = in.next(first->chunk);
  if (!any_input && in.interrupted()) return interrupted_early();  // ~Output removes the temporary
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
  // Check the campaign and header once, here, with a clear message. The worker that
  // checked them decides too (alone, or as the pipeline's first): a worker's machine is
  // the larger part of a warm start-up's own work.
  auto first_worker = std::make_unique<Worker>(job);
  {
    std::string bad = first_worker->start();
    if (!bad.empty()) {
      print_error(job.csv_in && bad.rfind("the header", 0) == 0 ? fmt::format("{}: {}", input, bad)
                                                                 : fmt::format("{}: {}", o.campaign, bad));
      return kExitFailed;
    }
  }

  // What the campaign lacks, and what that does to every decision: said now, not found
  // later in a million review records (runtime/vm/campaign_check.h).
  CampaignReport campaign_check;
  if (job.campaign) {
    // With the first worker's machine and binder (one machine fewer to set up at start),
    // whose campaign is then bound again.
    LineDecider& line = first_worker->line;
    campaign_check = check_campaign(line.vm(), line.binder(), prog, job.entry, campaign, job.line.decide.as_of);
    line.forget_campaign();
    if (std::string bad = first_worker->start(); !bad.empty()) {
      print_error(fmt::format("{}: {}", o.campaign, bad));
      return kExitFailed;
    }
    if (!o.quiet)
      for (const std::string& m : campaign_check.messages())
        print_stderr(fmt::format("lawful check: warning: {}: {}\n", o.campaign, terminal_safe(m)));
  }

  // A resumed run's CSV goes after the first run's, which has the header.
  if (job.format == RecordFormat::Csv && job.from_line <= 1) out.write(RecordWriter::kCsvHeader);
  // Where the records start: after the header row, with the line before the first
  // line that has one (a CSV input's header has none).
  out.base = {out.handed, std::max(job.from_line - 1, uint64_t{job.csv_in ? 1u : 0u})};

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
      out.file.discard();
      arm_wake_timer(false);
      say(out.file.error());
      std::_Exit(kExitFailed);
    }
    int code = 128 + sig;
    // What was handed over is written out if it can be, for a moment: a reader that does
    // not read must not hold the run (the wake timer breaks the write off).
    bool kept = out.drain(std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    bool cut = !kept && out.stopped();
    bool to_file = out.file.replaces();
    uint64_t lines = done_line;
    bool torn = false;
    if (cut) std::tie(lines, torn) = out.written_lines(job.format == RecordFormat::Csv);
    std::string partial;
    if (out.file.replaces()) {
      if (kept && done_line >= job.from_line) {
        partial = out.file.target() + ".partial";
        if (!out.file.commit_as(partial)) {
          kept = false;
          partial.clear();
        }
      }
      out.file.discard();
    } else if (kept) {
      kept = out.file.commit();
    }
    arm_wake_timer(false);  // from here on nothing may block, and stderr is written
    if (!kept && !cut) say(out.file.error());
    std::string where;
    if (!partial.empty())
      where =
          fmt::format(" (lines {} to {} are in {}; {} was not written)", job.from_line, done_line, partial, o.output);
    else if (to_file)
      where = fmt::format(" ({} was not written)", o.output);
    else if (torn)
      where = fmt::format(" ({} was not being read: it ends with part of the record of line {})", out.file.name(),
                          lines + 1);
    say(fmt::format("interrupted after {} lines; resume with --from-line {}{}", lines, lines + 1, where));
    std::_Exit(code);
  };
  // Both end the process themselves on a stop (stop() above): the run never ends early.
  auto poll = [&] {
    if (int sig = g_stop_signal.load(std::memory_order_relaxed)) stop(sig);
    return true;
  };
  auto sink = [&](Slot& s) {
    if (out.write(s.out.view())) {
      if (!s.chunk.lines.empty()) done_line = std::max(done_line, s.chunk.first_line + s.chunk.lines.size() - 1);
      out.mark(done_line);
    }
    if (!out.ok) stop(out.stopped() ? g_stop_signal.load() : 0);
    total.add(s.tally);
    bytes += s.chunk.bytes;
    progress.update(total.lines, bytes);
    return true;
  };
  if (any_input) {
    std::string bad = pipe.run(first, std::move(first_worker), sink, poll);
    if (!bad.empty()) {
      print_error(bad);
      return kExitFailed;
    }
  }
  first_worker.reset();  // not handed to the pipeline (no input): its counts go to the job
  // The input ended because of a signal (a run that ended on its own is complete, even
  // if a signal came at the last moment).
  if (in.interrupted()) stop(g_stop_signal.load());
  progress.finish();

  bool any_error = total.errors > 0;
  if (in.failed()) {
    print_error(in.failure());
    any_error = true;
  } else if (!in.interrupted() && job.from_line > in.lines() + 1) {
    // Nothing was decided: most likely the wrong file, or a number mistyped.
    print_error(fmt::format("--from-line {}: {} has only {} line{}", job.from_line,
                            input == "-" ? "standard input" : input, in.lines(), in.lines() == 1 ? "" : "s"));
    any_error = true;
  }
  if (!out.finish()) {
    if (out.stopped()) stop(g_stop_signal.load());
    say(out.file.error());
    return kExitFailed;  // ~Output removes the temporary
  }
  arm_wake_timer(false);  // a signal at the very end: the run is complete all the same

  RunFacts facts;
  facts.input = input;
  facts.policies = o.path;
  facts.campaign = o.campaign;
  if (job.campaign) facts.campaign_about = report::campaign_words(campaign);
  facts.as_of = o.as_of;
  facts.started = started_utc;
  facts.lawful_version = LAWFUL_VERSION;
  if (!is_lawc(o.path)) facts.stdlib_hash = stdlib_hash();
  facts.threads = threads;
  facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!o.quiet || !o.summary.empty()) facts.peak_kib = peak_memory_kib();  // a read of /proc: only when shown
  facts.revision = revision;
  for (const CampaignLack& l : campaign_check.lacks) facts.campaign_lacks.push_back(l.path);
  facts.campaign_warnings = campaign_check.messages();
  facts.every_review = campaign_check.every_review;
  facts.strict_fields = job.strict_fields;
  {
    std::lock_guard<std::mutex> g(job.unknown_mutex);
    facts.unknown_fields = job.unknown_fields;
  }
  if (!o.quiet) print_stderr(summary_text(prog, total, facts));
  // The summary and the report, from the same counts, by the same rule as the records; a
  // FIFO nobody reads does not hold a stop either.
  auto write_output = [&](const std::string& path, const char* what, const std::string& text) {
    io::OutputFile file;
    io::OutputOptions options;
    options.stop = &g_stop_signal;
    if (file.open(path, options) && file.write(text) && file.commit()) return kExitOk;
    if (file.stopped()) {
      arm_wake_timer(false);
      say(fmt::format("interrupted: the decisions are complete, the {} ({}) was not written", what, path));
      return 128 + g_stop_signal.load();
    }
    print_error(file.error());
    return kExitFailed;
  };
  if (!o.summary.empty()) {
    int code = write_output(o.summary, "summary", summary_json(prog, total, facts));
    if (code != kExitOk) return code;
  }
  if (!o.report.empty()) {
    int code = write_output(o.report, "report", report::check_report_html(prog, total, facts));
    if (code != kExitOk) return code;
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
  cmd.add_option("--mapping", o->mapping,
                 "Read --contacts as a CRM export through this mapping of its columns (docs/mappings.md)");
  cmd.add_option("--input-format", o->input_format,
                 "jsonl or csv; auto (the default) takes CSV for a file named *.csv, else JSON Lines")
      .check_member({"auto", "jsonl", "csv"});
  cmd.add_option("-o,--output", o->output, "Write the decisions here instead of standard output");
  cmd.add_option("--format", o->format, "Output: jsonl (the default; FACTS.md's records) or csv")
      .check_member({"jsonl", "csv"});
  cmd.add_option("--threads", o->threads, "Threads deciding (default: all cores); the output is the same for any number");
  cmd.add_option("--from-line", o->from_line,
                 "Decide from this input line on (the lines before are skipped, still counted; a CSV header is still read)");
  cmd.add_option("--summary", o->summary, "Also write the summary as JSON to this file");
  cmd.add_option("--revision", o->revision,
                 "A label for the policy version in the summary (\"v42\", a commit id; default: $LAWFUL_REVISION)");
  cmd.add_option("--report", o->report,
                 "Also write a report of the run to this file: one self-contained HTML page with charts");
  cmd.add_option("--engine", o->engine, kEngineHelp).check_member(kEngineNames);
  cmd.add_flag("--strict-fields", o->strict_fields,
               "Make a key (or CSV column) the fact schema lacks an error for its line, instead of counting it");
  cmd.add_flag("-q,--quiet", o->quiet, "No progress bar and no summary on standard error");
  cmd.add_flag("--no-progress", o->no_progress, "No progress bar (it shows only when standard error is a terminal)");
  cmd.add_flag("--no-cache", o->no_cache,
               "Compile the policies afresh, without the program cache (also: LAWFUL_NO_CACHE=1)");
  cmd.callback([o, &exit_code] { exit_code = run_check(*o); });
}

}  // namespace lawful::cli
