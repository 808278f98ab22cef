// One decision in the VM, per policy (Google Benchmark). Every .law file of policies/
// with decisions is compiled alone and decided (its default entry) over 4096 generated
// contacts bound beforehand, one after another; `policies/` as a whole goes through the
// router. The hand-written UK email decision (electronic_mail) runs over the same stores for comparison,
// and, in a build with the native back end, each program compiled by it (jit/...).
//
// usage: lawful_vm_bench [--policies DIR] [--campaign FILE] [Google Benchmark flags]
//        lawful_vm_bench --count vm|jit|native|vm-routed|jit-routed N   (for callgrind)
//        --jit-O N: the native back end's optimisation level (runtime/jit/jit.h)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/pin_strings.h"
#include "bench/uk_email_native.h"
#include "cli/gen_contacts.h"
#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/jit/jit.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

using namespace lawful;

namespace {

constexpr size_t kContacts = 512;  // bound beforehand; few enough to stay in cache

struct Bound {
  std::shared_ptr<const Program> prog;
  std::string text;  // the contacts' lines, which the stores' strings point into
  std::vector<std::unique_ptr<FactStore>> stores;
  std::unique_ptr<jit::Code> code;  // the native back end's, when it has one
};

std::string g_campaign;
int g_jit_opt = jit::Options{}.opt_level;  // --jit-O

std::unique_ptr<Bound> bind_all(std::shared_ptr<const Program> prog, bool with_code = true) {
  auto b = std::make_unique<Bound>();
  b->prog = std::move(prog);
  std::string why;
  jit::Options o;
  o.opt_level = g_jit_opt;
  if (with_code) b->code = jit::Code::compile(*b->prog, o, why);
  cli::GenOptions g;
  g.n = kContacts;
  cli::ContactGenerator gen(g);
  std::vector<size_t> ends;
  for (size_t i = 0; i < kContacts; ++i) {
    gen.contact(b->text, i);
    ends.push_back(b->text.size());
  }
  b->text.append(64, ' ');
  Binder binder(*b->prog);
  size_t start = 0;
  for (size_t i = 0; i < kContacts; ++i) {
    auto fs = std::make_unique<FactStore>(*b->prog);
    if (!binder.bind_campaign(*fs, g_campaign).ok) throw std::runtime_error("the campaign does not bind");
    size_t len = ends[i] - 1 - start;
    BindResult r = binder.bind_contact(*fs, b->text.data() + start, len, b->text.size() - start);
    if (!r.ok) throw std::runtime_error(r.error);
    bench::pin_strings(*fs);
    b->stores.push_back(std::move(fs));
    start = ends[i];
  }
  return b;
}

void decide_vm(benchmark::State& state, std::shared_ptr<Bound> b, bool native) {
  Vm vm(*b->prog);
  if (native) vm.use_native(b->code->functions());
  Entry entry;
  choose_entry(*b->prog, "", entry);
  Outcome out;
  size_t i = 0;
  for (auto _ : state) {
    vm.use_facts(b->stores[i].get());
    decide_entry(vm, entry, out);
    benchmark::DoNotOptimize(out.verdict);
    i = (i + 1) % kContacts;
  }
  vm.use_facts(nullptr);
  state.SetItemsProcessed(state.iterations());
}

void decide_native(benchmark::State& state, std::shared_ptr<Bound> b) {
  int d = b->prog->find_decision(0, "electronic_mail");
  bench::UkEmailNative native(*b->prog, static_cast<uint32_t>(d));
  Outcome out;
  size_t i = 0;
  for (auto _ : state) {
    native.decide(*b->stores[i], out);
    benchmark::DoNotOptimize(out.verdict);
    i = (i + 1) % kContacts;
  }
  state.SetItemsProcessed(state.iterations());
}

// For instruction counts (bench/count_instructions.sh, under callgrind): `n` decisions
// of uk.law (vm, jit, native: the hand-written one) or of the routed policies
// (vm-routed, jit-routed), untimed.
int count(const std::string& mode, uint64_t n, const std::string& dir) {
  const bool routed = mode == "vm-routed" || mode == "jit-routed";
  Compilation c = compile_path(routed ? dir : dir + "/uk.law");
  if (!c.ok()) return 1;
  std::shared_ptr<Bound> b = bind_all(c.program, mode == "jit" || mode == "jit-routed");
  Outcome out;
  uint64_t sum = 0;
  if (mode == "native") {
    bench::UkEmailNative native(*b->prog, static_cast<uint32_t>(b->prog->find_decision(0, "electronic_mail")));
    for (uint64_t i = 0; i < n; ++i) {
      native.decide(*b->stores[i % kContacts], out);
      sum += static_cast<uint64_t>(out.verdict);
    }
  } else {
    Vm vm(*b->prog);
    if (mode == "jit" || mode == "jit-routed") {
      if (!b->code) return 1;
      vm.use_native(b->code->functions());
    }
    Entry entry;
    choose_entry(*b->prog, "", entry);
    for (uint64_t i = 0; i < n; ++i) {
      vm.use_facts(b->stores[i % kContacts].get());
      decide_entry(vm, entry, out);
      sum += static_cast<uint64_t>(out.verdict);
    }
    vm.use_facts(nullptr);
  }
  std::printf("%s: %llu decisions (verdicts summed: %llu)\n", mode.c_str(), static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(sum));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "policies", campaign = "examples/campaign.json";
  std::vector<char*> rest{argv[0]};
  std::string count_mode;
  uint64_t count_n = 0;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--jit-O" && i + 1 < argc) {
      g_jit_opt = std::stoi(argv[++i]);
      continue;
    }
    if (k == "--count" && i + 2 < argc) {
      count_mode = argv[++i];
      count_n = std::stoull(argv[++i]);
      continue;
    }
    if (k == "--policies" && i + 1 < argc) dir = argv[++i];
    else if (k == "--campaign" && i + 1 < argc) campaign = argv[++i];
    else rest.push_back(argv[i]);
  }
  {
    std::FILE* f = std::fopen(campaign.c_str(), "rb");
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", campaign.c_str());
      return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) g_campaign.append(buf, n);
    std::fclose(f);
  }
  if (!count_mode.empty()) return count(count_mode, count_n, dir);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".law" && e.path().filename() != "route.law") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Compilation c = compile_path(f.string());
    if (!c.ok() || c.program->decisions.empty()) continue;
    std::shared_ptr<Bound> b = bind_all(c.program);
    benchmark::RegisterBenchmark(("vm/" + f.filename().string()).c_str(), decide_vm, b, false);
    if (b->code) benchmark::RegisterBenchmark(("jit/" + f.filename().string()).c_str(), decide_vm, b, true);
    if (f.filename() == "uk.law") benchmark::RegisterBenchmark("native/uk.law email", decide_native, b);
  }
  Compilation all = compile_path(dir);
  if (all.ok()) {
    std::shared_ptr<Bound> b = bind_all(all.program);
    benchmark::RegisterBenchmark(("vm/" + dir + " (routed)").c_str(), decide_vm, b, false);
    if (b->code) benchmark::RegisterBenchmark(("jit/" + dir + " (routed)").c_str(), decide_vm, b, true);
  }
  int ac = static_cast<int>(rest.size());
  benchmark::Initialize(&ac, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
