// The native back end against the interpreter, outcome by outcome (engine_diff.h), over
// every program given: a .law file, a .lawc file, or a directory (compiled as a whole,
// and each of its .law files alone). Facts: cases made from each program's schema, and
// with --contacts, for a program with a router, gen-contacts' contacts with the campaign. Then checks that no
// page of the process is writable and executable at once.
//
// usage: lawful_jit_diff [--cases N] [--seeds 1,2,...] [--contacts N] [--campaign FILE] [-O N]
//                        [--expect WAY,...] PATH...
// --expect: also fails unless each way named was taken at least once: by a decision
// compiled whole (native, allow, deny, conflict, review-rule, no-rule, obligation,
// override, window, unknown-rule, as-of: engine_diff.h's count_native), or handed back by
// one to the interpreter (deferred, deferred-error; states: finished from the rule
// states it gave; states-obliged, states-obligation: with the obligations it evaluated
// too, none or some holding), or a policy's guards and choice of decision made by its compiled
// function (policy); or, inside the code, a comparison compiled inline (jit::Probe:
// text-constant, text-words, text-short, text-empty, list-element, list-text; counted by
// code made with probes, only when --expect is given). The counts are printed.
// Exit 0: no disagreement; 1: some (printed); 77: this build has no native back end.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/gen_contacts.h"
#include "compiler/compiler.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/jit/jit.h"
#include "tests/jit/engine_diff.h"

using namespace lawful;

namespace {

struct Run {
  uint64_t cases = 200;
  std::vector<uint64_t> seeds{1};
  uint64_t contacts = 0;
  std::string campaign;
  int opt_level = 2;
  uint64_t programs = 0, decisions = 0, bound = 0, failures = 0;
  std::vector<std::string> expect;  // --expect
  std::map<std::string, uint64_t> ways;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_program(Run& run, const std::string& name, const Program& prog) {
  std::string error;
  jit::Options opt;
  opt.opt_level = run.opt_level;
  // With --expect, the code counts the ways it takes inside the comparisons it compiles
  // inline (jit::Probe); the counters outlive the code, which is freed with this frame.
  uint64_t probes[jit::kProbeCount] = {};
  if (!run.expect.empty()) opt.probes = probes;
  std::unique_ptr<jit::Code> code = jit::Code::compile(prog, opt, error);
  if (!code) {
    std::printf("FAIL %s: the native back end cannot compile it: %s\n", name.c_str(), error.c_str());
    ++run.failures;
    return;
  }
  ++run.programs;
  auto report = [&](const std::string& what, const std::string& line, const std::string& diff) {
    if (diff.empty()) return;
    ++run.failures;
    if (run.failures <= 20) std::printf("FAIL %s: %s\n  case: %s\n  %s\n", name.c_str(), what.c_str(), line.c_str(), diff.c_str());
  };
  jit_test::FactMaker maker(prog);
  jit_test::Pair pair(prog, code->functions());
  VmLimits few;
  few.max_steps = 2;  // quantifiers stopped by the step limit, in both
  jit_test::Pair tight(prog, code->functions(), few);
  pair.tally = tight.tally = !run.expect.empty();
  for (uint64_t seed : run.seeds) {
    jit_test::Choices c(seed);
    for (uint64_t i = 0; i < run.cases; ++i) {
      std::string line = maker.make_case(c);
      Days as_of = days_from_civil(2015, 1, 1) + static_cast<Days>(c.below(365 * 15));
      jit_test::Pair& p = i % 8 == 7 ? tight : pair;
      if (!p.bind(line)) continue;
      ++run.bound;
      report("made case", line, p.decide_all(as_of));
    }
    if (run.contacts && !run.campaign.empty() && prog.has_router) {
      cli::GenOptions g;
      g.n = run.contacts;
      g.seed = seed;
      cli::ContactGenerator gen(g);
      std::string contact;
      for (uint64_t i = 0; i < run.contacts; ++i) {
        contact.clear();
        gen.contact(contact, i);
        while (!contact.empty() && contact.back() == '\n') contact.pop_back();
        std::string line = "{\"contact\": " + contact + ", \"campaign\": " + run.campaign + "}";
        if (!pair.bind(line)) continue;
        ++run.bound;
        report("gen-contacts", line, pair.decide_all(days_from_civil(2026, 12, 1)));
      }
    }
  }
  run.decisions += pair.decisions + tight.decisions;
  for (const jit_test::Pair* p : {&pair, &tight})
    for (const auto& [way, n] : p->ways) run.ways[way] += n;
  for (uint32_t k = 0; k < jit::kProbeCount; ++k)
    if (probes[k]) run.ways[jit::kProbeNames[k]] += probes[k];
}

void check_path(Run& run, const std::string& path) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".lawc") == 0) {
    Program prog;
    std::string why = load_verified_program(read_file(path), prog);
    if (!why.empty()) {
      std::printf("skip %s: refused by the verifier: %s\n", path.c_str(), why.c_str());
      return;
    }
    check_program(run, path, prog);
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::string> lawc;
    for (const auto& e : std::filesystem::directory_iterator(path))
      if (e.path().extension() == ".lawc") lawc.push_back(e.path().string());
    std::sort(lawc.begin(), lawc.end());
    for (const std::string& f : lawc) check_path(run, f);
    if (!lawc.empty()) return;
  }
  std::vector<std::string> paths{path};
  std::string err;
  std::vector<std::string> files = law_files(path, &err);
  if (files.size() > 1)
    for (const std::string& f : files) paths.push_back(f);
  for (const std::string& p : paths) {
    Compilation c = compile_path(p);
    if (!c.ok()) {
      std::printf("skip %s: does not compile alone\n", p.c_str());
      continue;
    }
    check_program(run, p, *c.program);
  }
}

// Pages writable and executable at once, from /proc/self/maps.
int writable_executable() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int n = 0;
  while (std::getline(maps, line)) {
    std::istringstream ls(line);
    std::string range, perms;
    ls >> range >> perms;
    if (perms.size() >= 3 && perms[1] == 'w' && perms[2] == 'x') {
      std::printf("FAIL a mapping writable and executable: %s\n", line.c_str());
      ++n;
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (!jit::available()) {
    std::printf("skipped: %s\n", jit::unavailable_reason());
    return 77;
  }
  Run run;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--cases") run.cases = std::stoull(value());
    else if (a == "--contacts") run.contacts = std::stoull(value());
    else if (a == "--campaign") run.campaign = read_file(value());
    else if (a == "-O") run.opt_level = std::stoi(value());
    else if (a == "--expect") {
      std::stringstream ss(value());
      std::string s;
      while (std::getline(ss, s, ',')) run.expect.push_back(s);
    } else if (a == "--seeds") {
      run.seeds.clear();
      std::stringstream ss(value());
      std::string s;
      while (std::getline(ss, s, ',')) run.seeds.push_back(std::stoull(s));
    } else paths.push_back(a);
  }
  while (!run.campaign.empty() && (run.campaign.back() == '\n' || run.campaign.back() == ' ')) run.campaign.pop_back();
  for (const std::string& p : paths) check_path(run, p);
  run.failures += static_cast<uint64_t>(writable_executable());
  if (!run.expect.empty()) {
    std::string seen;
    for (const auto& [way, n] : run.ways) seen += fmt::format(" {} {}", way, n);
    std::printf("ways taken:%s\n", seen.c_str());
    for (const std::string& way : run.expect)
      if (!run.ways.count(way)) {
        std::printf("FAIL no decision went this way: %s\n", way.c_str());
        ++run.failures;
      }
  }
  std::printf("%llu programs, %llu cases bound, %llu decisions compared, %llu disagreements or failures\n",
              static_cast<unsigned long long>(run.programs), static_cast<unsigned long long>(run.bound),
              static_cast<unsigned long long>(run.decisions), static_cast<unsigned long long>(run.failures));
  return run.failures ? 1 : 0;
}
