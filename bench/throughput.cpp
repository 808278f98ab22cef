// Throughput of the main job, measured side by side in one run (docs/performance.md):
//
//   in memory   the VM deciding uk.law's `electronic_mail` over contacts already bound, against
//               the same decision written by hand in C++ (bench/uk_email_native), on
//               the same stores, pass after pass, best of --repeat per batch; the two
//               must agree on every outcome
//   end to end  `lawful check` itself (a child process, from the file to an output
//               file), against a parse-only pass (simdjson reading every field, in this
//               process) as the ceiling; single-threaded and with all threads, best of
//               --repeat, with each child's peak memory; and once with
//               bench/free_decision.law (one rule, no condition), what binding and
//               writing records leave of parse-only whatever deciding costs
//   memory      --memory-check: `lawful gen-contacts --n N | lawful check ... -` for 1M
//               and 10M contacts, the peak memory of the check process for each
//
// usage: lawful_throughput --lawful build/lawful [--n 1000000] [--repeat 3] [--memory-check]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/parse_only.h"
#include "bench/pin_strings.h"
#include "bench/uk_email_native.h"
#include "runtime/jit/jit.h"
#include "runtime/facts/chunk_reader.h"
#include "cli/gen_contacts.h"
#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/io/output_file.h"
#include "runtime/vm/vm.h"

using namespace lawful;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string lawful = "build/lawful";
  std::string policies = "policies";
  std::string uk = "policies/uk.law";
  std::string free_decision = "bench/free_decision.law";  // one rule, no condition
  std::string campaign = "examples/campaign.json";
  std::string work = "build/bench-data";
  uint64_t n = 1000000;
  uint64_t seed = 1;
  int repeat = 3;
  unsigned threads = 0;
  bool memory_check = false;
  bool parse_only = false;  // only the parse-only pass, once (for callgrind)
  uint64_t memory_big = 10000000;
};

constexpr size_t kBatch = 128;

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot read " + path);
  std::string s;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

std::string generate(const Args& a) {
  std::string path = fmt::format("{}/contacts-{}-{}.jsonl", a.work, a.n, a.seed);
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return path;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.work, ec);
  if (ec) throw std::runtime_error("cannot make " + a.work + ": " + ec.message());
  cli::GenOptions g;
  g.n = a.n;
  g.seed = a.seed;
  cli::ContactGenerator gen(g);
  // By the rule of every output: a new temporary beside it, renamed when complete.
  io::OutputFile f;
  if (!f.open(path)) throw std::runtime_error(f.error());
  std::string buf;
  for (uint64_t i = 0; i < a.n; ++i) {
    gen.contact(buf, i);
    if (buf.size() > (1u << 20)) {
      if (!f.write(buf)) throw std::runtime_error(f.error());
      buf.clear();
    }
  }
  if (!f.write(buf) || !f.commit()) throw std::runtime_error(f.error());
  return path;
}

std::shared_ptr<const Program> compile(const std::string& path) {
  Compilation c = compile_path(path);
  if (!c.ok()) throw std::runtime_error("cannot compile " + path);
  return c.program;
}

// What must agree between the VM and the hand-written decision.
bool same(const Outcome& a, const Outcome& b) {
  if (a.verdict != b.verdict || a.basis != b.basis || a.rules != b.rules || a.obligations != b.obligations ||
      a.reason != b.reason || a.reason_a != b.reason_a)
    return false;
  bool m = true;
  for (uint32_t p = 0; p < FactSet::kCapacity; ++p) m = m && a.missing.has(p) == b.missing.has(p);
  return m;
}

struct InMemory {
  uint64_t decisions = 0, disagreements = 0;
  double vm_seconds = 0, native_seconds = 0, jit_seconds = 0;  // jit: the native back end's code
  uint64_t jit_disagreements = 0;
  uint64_t verdicts[3] = {0, 0, 0};
};

// Thread `t` of `nt` decides every chunk whose index is t modulo nt.
void in_memory(const Args& a, const std::string& file, const Program& prog, uint32_t decision, const std::string& campaign,
               unsigned t, unsigned nt, bool native_too, InMemory& r, const NativeFn* jit_code = nullptr) {
  Vm vm(prog);
  Vm jit(prog);
  jit.use_native(jit_code);
  Outcome jit_one;
  Binder binder(prog);
  bench::UkEmailNative native(prog, decision);
  std::vector<std::unique_ptr<FactStore>> stores;
  // One outcome each, reused from contact to contact, as a worker of `lawful check`
  // reuses its own; the outcomes are compared in a pass of their own, afterwards.
  Outcome vm_one, nat;
  ChunkReader in;
  std::string err;
  if (!in.open(file, binder.limits().max_line, 1u << 20, &err)) throw std::runtime_error(err);
  Chunk c;
  for (uint64_t chunk = 0; in.next(c); ++chunk) {
    if (chunk % nt != t) continue;
    size_t n = c.lines.size();
    while (stores.size() < n) {
      stores.push_back(std::make_unique<FactStore>(prog));
      BindResult br = binder.bind_campaign(*stores.back(), campaign);
      if (!br.ok) throw std::runtime_error("campaign: " + br.error);
    }
    for (size_t i = 0; i < n; ++i) {
      BindResult br = binder.bind_contact(*stores[i], c.line(i).data(), c.line(i).size(), c.capacity(i));
      if (!br.ok) throw std::runtime_error(fmt::format("line {}: {}", c.first_line + i, br.error));
      bench::pin_strings(*stores[i]);
    }
    // Batches small enough to stay in cache, as a worker's facts are when it decides
    // right after binding; each batch decided --repeat times by each, alternately.
    for (size_t b0 = 0; b0 < n; b0 += kBatch) {
      size_t b1 = std::min(n, b0 + kBatch);
      double best_vm = 1e30, best_native = 1e30, best_jit = 1e30;
      for (int rep = 0; rep < a.repeat; ++rep) {
        auto t0 = Clock::now();
        for (size_t i = b0; i < b1; ++i) {
          vm.use_facts(stores[i].get());
          vm.decide_decision(decision, vm_one);
        }
        auto t1 = Clock::now();
        best_vm = std::min(best_vm, secs(t1 - t0));
        if (!native_too) continue;
        for (size_t i = b0; i < b1; ++i) native.decide(*stores[i], nat);
        auto t2 = Clock::now();
        best_native = std::min(best_native, secs(t2 - t1));
        if (!jit_code) continue;
        for (size_t i = b0; i < b1; ++i) {
          jit.use_facts(stores[i].get());
          jit.decide_decision(decision, jit_one);
        }
        best_jit = std::min(best_jit, secs(Clock::now() - t2));
      }
      r.vm_seconds += best_vm;
      if (native_too) r.native_seconds += best_native;
      if (jit_code) r.jit_seconds += best_jit;
    }
    for (size_t i = 0; i < n; ++i) {
      vm.use_facts(stores[i].get());
      vm.decide_decision(decision, vm_one);
      ++r.verdicts[static_cast<size_t>(vm_one.verdict)];
      if (jit_code) {
        jit.use_facts(stores[i].get());
        jit.decide_decision(decision, jit_one);
        if (!same(vm_one, jit_one)) ++r.jit_disagreements;
      }
      if (native_too) {
        native.decide(*stores[i], nat);
        if (!same(vm_one, nat)) {
          if (r.disagreements < 3)
            std::fprintf(stderr, "disagreement at line %llu: vm %d, native %d\n",
                         static_cast<unsigned long long>(c.first_line + i), static_cast<int>(vm_one.verdict),
                         static_cast<int>(nat.verdict));
          ++r.disagreements;
        }
      }
    }
    r.decisions += n;
  }
  vm.use_facts(nullptr);
  jit.use_facts(nullptr);
}

double thread_cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The parse-only pass's processor time (this thread's), beside its wall time: on a
// machine whose cores other work takes, the processor times of both sides are the
// steadier comparison.
double g_parse_cpu = 0;

double parse_only(const std::string& file, bool avx2, bench::ParseCount& count) {
  const double cpu0 = thread_cpu();
  ChunkReader in;
  std::string err;
  if (!in.open(file, 1u << 20, 1u << 20, &err)) throw std::runtime_error(err);
  Chunk c;
  auto t0 = Clock::now();
  while (in.next(c))
    for (size_t i = 0; i < c.lines.size(); ++i) {
      if (avx2) bench::parse_line_avx2(c.line(i).data(), c.line(i).size(), c.capacity(i), count);
      else bench::parse_line_portable(c.line(i).data(), c.line(i).size(), c.capacity(i), count);
    }
  g_parse_cpu = thread_cpu() - cpu0;
  return secs(Clock::now() - t0);
}

struct Child {
  double seconds = 0;
  double cpu = 0;  // user and system time of the child, all its threads
  long max_rss_kb = 0;  // from the child's own --summary (VmHWM): getrusage would keep ours
  int status = 0;
};

long peak_from_summary(const std::string& path) {
  std::string s;
  try {
    s = read_file(path);
  } catch (...) {
    return 0;
  }
  size_t at = s.find("\"peak_memory_kib\": ");
  return at == std::string::npos ? 0 : std::stol(s.substr(at + 19));
}

// Runs argv with stdout to /dev/null (or `in` as standard input when not -1).
Child run(std::vector<std::string> argv, int in = -1) {
  static const std::string summary = "/tmp/lawful-throughput-summary-" + std::to_string(getpid()) + ".json";
  std::remove(summary.c_str());
  argv.push_back("--summary");
  argv.push_back(summary);
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (in >= 0) dup2(in, 0);
    std::FILE* null = std::fopen("/dev/null", "w");
    if (null) dup2(fileno(null), 1);
    std::vector<char*> v;
    for (const std::string& s : argv) v.push_back(const_cast<char*>(s.c_str()));
    v.push_back(nullptr);
    execv(v[0], v.data());
    _exit(127);
  }
  if (in >= 0) close(in);
  Child c;
  struct rusage ru;
  wait4(pid, &c.status, 0, &ru);
  c.seconds = secs(Clock::now() - t0);
  c.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  c.max_rss_kb = peak_from_summary(summary);
  std::remove(summary.c_str());
  return c;
}

// `lawful gen-contacts --n N | lawful check POLICIES --contacts - ...`: the check's peak.
Child piped(const Args& a, uint64_t n) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t gen = fork();
  if (gen == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::string ns = std::to_string(n);
    execl(a.lawful.c_str(), a.lawful.c_str(), "gen-contacts", "--n", ns.c_str(), "--seed", "7", nullptr);
    _exit(127);
  }
  close(fds[1]);
  Child c = run({a.lawful, "check", a.policies, "--contacts", "-", "--campaign", a.campaign, "-o", "/dev/null", "--quiet"},
                fds[0]);
  int st;
  waitpid(gen, &st, 0);
  return c;
}

std::string rate(double per_s) { return fmt::format("{:.0f}", per_s); }

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
      return argv[++i];
    };
    if (k == "--lawful") a.lawful = val();
    else if (k == "--policies") a.policies = val();
    else if (k == "--uk") a.uk = val();
    else if (k == "--free-decision") a.free_decision = val();
    else if (k == "--campaign") a.campaign = val();
    else if (k == "--work") a.work = val();
    else if (k == "--n") a.n = std::stoull(val());
    else if (k == "--seed") a.seed = std::stoull(val());
    else if (k == "--repeat") a.repeat = std::stoi(val());
    else if (k == "--threads") a.threads = static_cast<unsigned>(std::stoul(val()));
    else if (k == "--memory-check") a.memory_check = true;
    else if (k == "--parse-only") a.parse_only = true;
    else if (k == "--memory-big") a.memory_big = std::stoull(val());
    else {
      std::fprintf(stderr, "usage: %s [--lawful PATH] [--n N] [--repeat R] [--threads T] [--memory-check]\n", argv[0]);
      return 2;
    }
  }
  unsigned threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  try {
    std::string file = generate(a);
    std::string campaign = read_file(a.campaign);
    if (a.parse_only) {
      bench::ParseCount pc;
      double t = parse_only(file, false, pc);
      fmt::print("parse-only: {} lines, {} fields, {:.3f} s\n", pc.lines, pc.fields, t);
      return 0;
    }
    auto uk = compile(a.uk);
    int decision = uk->find_decision(0, "electronic_mail");
    if (decision < 0) throw std::runtime_error(a.uk + " has no decision 'electronic_mail'");

    fmt::print("lawful throughput: {} contacts ({}), campaign {}\n", a.n, file, a.campaign);
    fmt::print("machine: {} threads; simdjson stage 1 kernel (runtime): {}; on-demand stage 2 kernel (build): {}\n",
               std::thread::hardware_concurrency(), bench::active_stage1_kernel(), bench::ondemand_kernel_portable());
    {
      double l[3];
      if (getloadavg(l, 3) == 3) fmt::print("load average at start: {:.2f} {:.2f} {:.2f}\n", l[0], l[1], l[2]);
    }

    // In memory, one thread: VM and hand-written side by side.
    InMemory one;
    std::string why;
    std::unique_ptr<jit::Code> uk_code = jit::Code::compile(*uk, jit::Options{}, why);
    in_memory(a, file, *uk, static_cast<uint32_t>(decision), campaign, 0, 1, true, one,
              uk_code ? uk_code->functions() : nullptr);
    fmt::print("\n## In memory (facts already bound), decision `electronic_mail` of {}\n", a.uk);
    fmt::print("| what | threads | decisions/s | ns/decision |\n|---|---|---|---|\n");
    fmt::print("| hand-written C++ (floor) | 1 | {} | {:.1f} |\n", rate(one.decisions / one.native_seconds),
               1e9 * one.native_seconds / one.decisions);
    fmt::print("| VM | 1 | {} | {:.1f} |\n", rate(one.decisions / one.vm_seconds), 1e9 * one.vm_seconds / one.decisions);
    if (uk_code)
      fmt::print("| native back end (JIT) | 1 | {} | {:.1f} |\n", rate(one.decisions / one.jit_seconds),
                 1e9 * one.jit_seconds / one.decisions);
    // All threads: each decides its share of the chunks; the slowest thread's time counts.
    std::vector<InMemory> per(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { in_memory(a, file, *uk, static_cast<uint32_t>(decision), campaign, t, threads, false, per[t]); });
    for (auto& th : pool) th.join();
    double slowest = 0;
    uint64_t total = 0;
    for (const InMemory& r : per) {
      slowest = std::max(slowest, r.vm_seconds);
      total += r.decisions;
    }
    fmt::print("| VM | {} | {} | {:.1f} |\n", threads, rate(total / slowest), 1e9 * slowest / total);
    fmt::print("\nVM / hand-written speed: {:.3f} (target: at least 0.20); outcomes compared: {}, disagreements: {}\n",
               one.native_seconds / one.vm_seconds, one.decisions, one.disagreements);
    if (uk_code)
      fmt::print("JIT / hand-written speed: {:.3f} (target: at least 0.8); JIT / VM: {:.2f}; disagreements with the VM: {}\n",
                 one.native_seconds / one.jit_seconds, one.vm_seconds / one.jit_seconds, one.jit_disagreements);
    else
      fmt::print("no native back end: {}\n", why);
    fmt::print("verdicts: allow {}, deny {}, review {}\n", one.verdicts[0], one.verdicts[1], one.verdicts[2]);

    // End to end, interleaved, best of --repeat.
    double best_parse = 1e30, best_parse_avx2 = 1e30;
    Child best1, bestn, best_uk, best_null, best_null_n, best_start, best_cold, best_free, best_free_start,
        best_null_jit, best_start_jit;
    for (Child* c : {&best1, &bestn, &best_uk, &best_null, &best_null_n, &best_start, &best_cold, &best_free,
                     &best_free_start, &best_null_jit, &best_start_jit})
      c->seconds = c->cpu = 1e30;
    double best_parse_cpu = 1e30;
    // The fixed cost inside every `lawful check` run (starting, compiling the policies),
    // measured alone on an empty input: the parse-only pass, in this process, has none.
    std::string empty = a.work + "/empty.jsonl";
    if (std::FILE* f = std::fopen(empty.c_str(), "wb")) std::fclose(f);
    std::string out = a.work + "/decisions.jsonl";
    bench::ParseCount pc;
    for (int rep = 0; rep < a.repeat; ++rep) {
      pc = {};
      best_parse = std::min(best_parse, parse_only(file, false, pc));
      best_parse_cpu = std::min(best_parse_cpu, g_parse_cpu);
      if (bench::avx2_available()) {
        bench::ParseCount px;
        best_parse_avx2 = std::min(best_parse_avx2, parse_only(file, true, px));
      }
      auto keep = [](Child& best, const Child& c) {
        if (c.status != 0 && WEXITSTATUS(c.status) != 1) throw std::runtime_error("lawful check failed");
        double cpu = std::min(best.cpu, c.cpu);
        if (c.seconds < best.seconds) best = c;
        best.cpu = cpu;  // the least processor time of the runs, kept on its own
      };
      keep(best1, run({a.lawful, "check", a.policies, "--contacts", file, "--campaign", a.campaign, "-o", out, "--quiet", "--threads", "1"}));
      keep(best_uk, run({a.lawful, "check", a.uk, "--contacts", file, "--campaign", a.campaign, "-o", out, "--quiet", "--threads", "1"}));
      keep(best_null, run({a.lawful, "check", a.policies, "--contacts", file, "--campaign", a.campaign, "-o", "/dev/null", "--quiet", "--threads", "1"}));
      keep(bestn, run({a.lawful, "check", a.policies, "--contacts", file, "--campaign", a.campaign, "-o", out, "--quiet",
                       "--threads", std::to_string(threads)}));
      keep(best_null_n, run({a.lawful, "check", a.policies, "--contacts", file, "--campaign", a.campaign, "-o", "/dev/null",
                             "--quiet", "--threads", std::to_string(threads)}));
      keep(best_free, run({a.lawful, "check", a.free_decision, "--contacts", file, "--campaign", a.campaign, "-o", "/dev/null",
                           "--quiet", "--threads", "1"}));
      keep(best_free_start, run({a.lawful, "check", a.free_decision, "--contacts", empty, "--campaign", a.campaign, "-o",
                                 "/dev/null", "--quiet", "--threads", "1"}));
      keep(best_start, run({a.lawful, "check", a.policies, "--contacts", empty, "--campaign", a.campaign, "-o", "/dev/null",
                            "--quiet", "--threads", "1"}));
      keep(best_cold, run({a.lawful, "check", a.policies, "--contacts", empty, "--campaign", a.campaign, "-o", "/dev/null",
                           "--quiet", "--threads", "1", "--no-cache"}));
      if (uk_code) {
        keep(best_null_jit, run({a.lawful, "check", a.policies, "--contacts", file, "--campaign", a.campaign, "-o",
                                 "/dev/null", "--quiet", "--threads", "1", "--engine", "jit"}));
        keep(best_start_jit, run({a.lawful, "check", a.policies, "--contacts", empty, "--campaign", a.campaign, "-o",
                                  "/dev/null", "--quiet", "--threads", "1", "--engine", "jit"}));
      }
    }
    double n = static_cast<double>(a.n);
    fmt::print("\n## End to end (JSON Lines file to output file), {} contacts, best of {}\n", a.n, a.repeat);
    fmt::print("| what | threads | contacts/s | share of parse-only | processor s | share of parse-only's processor time | peak memory |\n"
               "|---|---|---|---|---|---|---|\n");
    fmt::print("| parse-only, portable on-demand (ceiling) | 1 | {} | 100% | {:.2f} | 100% | |\n", rate(n / best_parse),
               best_parse_cpu);
    if (best_parse_avx2 < 1e30)
      fmt::print("| parse-only, AVX2 on-demand (not used) | 1 | {} | {:.0f}% | | | |\n", rate(n / best_parse_avx2),
                 100 * best_parse / best_parse_avx2);
    auto row = [&](const std::string& what, unsigned t, const Child& c) {
      fmt::print("| {} | {} | {} | {:.0f}% | {:.2f} | {:.0f}% | {:.1f} MiB |\n", what, t, rate(n / c.seconds),
                 100 * best_parse / c.seconds, c.cpu, 100 * best_parse_cpu / c.cpu, c.max_rss_kb / 1024.0);
    };
    row(fmt::format("`lawful check {}`", a.policies), 1, best1);
    row(fmt::format("`lawful check {}`, output to /dev/null", a.policies), 1, best_null);
    if (uk_code) row(fmt::format("`lawful check {} --engine jit`, output to /dev/null", a.policies), 1, best_null_jit);
    row(fmt::format("`lawful check {}`", a.uk), 1, best_uk);
    row(fmt::format("`lawful check {}`", a.policies), threads, bestn);
    row(fmt::format("`lawful check {}`, output to /dev/null", a.policies), threads, best_null_n);
    row(fmt::format("`lawful check {}` (deciding costs nothing: binding and records only), to /dev/null", a.free_decision), 1,
        best_free);
    fmt::print("\n{} threads against 1, to /dev/null: {:.2f}x (wall), processor time {:.2f}x one thread's\n", threads,
               best_null.seconds / best_null_n.seconds, best_null_n.cpu / best_null.cpu);
    fmt::print("startup of `lawful check {}` without the program cache (--no-cache, compiling): {:.3f} s\n", a.policies,
               best_cold.seconds);
    fmt::print("\nstartup of `lawful check {}` (empty input: start, load the program from the cache, exit): {:.3f} s, included in each run above;\n"
               "without it, to /dev/null: {:.0f}% of parse-only\n",
               a.policies, best_start.seconds, 100 * best_parse / std::max(1e-9, best_null.seconds - best_start.seconds));
    if (uk_code)
      fmt::print("startup of `lawful check {} --engine jit` (compiling with LLVM too): {:.3f} s; without it, to /dev/null: "
                 "{:.0f}% of parse-only\n",
                 a.policies, best_start_jit.seconds,
                 100 * best_parse / std::max(1e-9, best_null_jit.seconds - best_start_jit.seconds));
    fmt::print("startup of `lawful check {}`: {:.3f} s; without it: {:.0f}% of parse-only\n", a.free_decision,
               best_free_start.seconds,
               100 * best_parse / std::max(1e-9, best_free.seconds - best_free_start.seconds));
    fmt::print("\nparse-only read {} lines, {} fields, {} errors\n", pc.lines, pc.fields, pc.errors);

    if (a.memory_check) {
      fmt::print("\n## Peak memory, `lawful gen-contacts --n N | lawful check {} --contacts - ...` ({} threads)\n",
                 a.policies, threads);
      fmt::print("| contacts | seconds | peak memory |\n|---|---|---|\n");
      long rss[2] = {0, 0};
      uint64_t sizes[2] = {a.n, a.memory_big};
      for (int i = 0; i < 2; ++i) {
        Child c = piped(a, sizes[i]);
        rss[i] = c.max_rss_kb;
        fmt::print("| {} | {:.1f} | {:.1f} MiB |\n", sizes[i], c.seconds, c.max_rss_kb / 1024.0);
      }
      fmt::print("\n{}M vs {}M: {:+.1f}% (target: within 10%)\n", a.n / 1000000.0, a.memory_big / 1000000.0,
                 100.0 * (rss[1] - rss[0]) / rss[0]);
    }
    double l[3];
    if (getloadavg(l, 3) == 3) fmt::print("\nload average at end: {:.2f} {:.2f} {:.2f}\n", l[0], l[1], l[2]);
    return one.disagreements == 0 && one.jit_disagreements == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lawful_throughput: %s\n", e.what());
    return 1;
  }
}
