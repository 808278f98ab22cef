// One decision in the VM, per policy (Google Benchmark). Every .law file of policies/
// with decisions is compiled alone and decided (its default entry) over 4096 generated
// contacts bound beforehand, one after another; `policies/` as a whole goes through the
// router. The hand-written UK email decision (electronic_mail) runs over the same stores for comparison.
//
// usage: lawful_vm_bench [--policies DIR] [--campaign FILE] [Google Benchmark flags]
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
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

using namespace lawful;

namespace {

constexpr size_t kContacts = 512;  // bound beforehand; few enough to stay in cache

struct Bound {
  std::shared_ptr<const Program> prog;
  std::string text;  // the contacts' lines, which the stores' strings point into
  std::vector<std::unique_ptr<FactStore>> stores;
};

std::string g_campaign;

std::unique_ptr<Bound> bind_all(std::shared_ptr<const Program> prog) {
  auto b = std::make_unique<Bound>();
  b->prog = std::move(prog);
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

void decide_vm(benchmark::State& state, std::shared_ptr<Bound> b) {
  Vm vm(*b->prog);
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

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "policies", campaign = "examples/campaign.json";
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
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
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".law" && e.path().filename() != "route.law") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Compilation c = compile_path(f.string());
    if (!c.ok() || c.program->decisions.empty()) continue;
    std::shared_ptr<Bound> b = bind_all(c.program);
    benchmark::RegisterBenchmark(("vm/" + f.filename().string()).c_str(), decide_vm, b);
    if (f.filename() == "uk.law") benchmark::RegisterBenchmark("native/uk.law email", decide_native, b);
  }
  Compilation all = compile_path(dir);
  if (all.ok()) benchmark::RegisterBenchmark(("vm/" + dir + " (routed)").c_str(), decide_vm, std::shared_ptr<Bound>(bind_all(all.program)));
  int ac = static_cast<int>(rest.size());
  benchmark::Initialize(&ac, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
