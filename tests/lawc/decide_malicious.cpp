// The malicious .lawc files of make_malicious.cpp, every one in one process, through the
// embedding API: loaded (the loader and the verifier of `lawful check`), and when they
// load, decided on the interpreter and on the native back end (the per-line step of
// `lawful check`, runtime/vm/line_decider.h). run_malicious.py runs it in every build;
// under the sanitizers it is what runs every file through those paths, where starting
// `lawful` three times a file cost about a minute of processor time (docs/performance.md).
//
//   lawful_decide_malicious DIR CONTACT_JSON CAMPAIGN_JSON
//
// For each row of DIR/manifest.tsv (file, expect, says), as run_malicious.py expects of
// `lawful check`:
//   refused — the load fails, and its message is `refused: ...` and contains `says`;
//   error   — it loads, and the decision fails with an error containing `says`;
//   decides — it loads and decides (a verdict, no error);
// and the native back end, when it can compile the program, gives the same record.
#include <lawful/lawful.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Row {
  std::string file, expect, says;
};

std::vector<Row> manifest(const std::string& dir) {
  std::vector<Row> rows;
  std::istringstream in(slurp(dir + "/manifest.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    rows.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return rows;
}

struct Counts {
  int refused = 0, decided = 0, on_both = 0;  // on_both: the native back end compiled it too
};

// The problems with one file; empty when it did what its row says.
std::string problems(const std::string& path, const Row& row, const std::string& contact, const std::string& campaign,
                     Counts& counts) {
  auto loaded = lawful::Engine::from_bytecode(slurp(path));
  if (row.expect == "refused") {
    if (loaded) return "loaded, expected it refused";
    const std::string& why = loaded.message();
    if (why.rfind("refused: ", 0) != 0 || why.find(row.says) == std::string::npos)
      return "expected 'refused: ..." + row.says + "...', got '" + why + "'";
    ++counts.refused;
    return "";
  }
  if (!loaded) return "refused (" + loaded.message() + "), expected it to load";
  lawful::Engine engine = loaded.value();
  lawful::Decision vm;
  static_cast<void>(engine.decide(contact, campaign, vm));
  std::string got(vm.json());
  if (row.expect == "error") {
    if (vm.ok() || std::string(vm.error()).find(row.says) == std::string::npos)
      return "expected an error with '" + row.says + "', got " + got;
  } else if (row.expect == "decides") {
    if (!vm.ok()) return "expected a decision, got " + got;
  } else {
    return "unknown expectation '" + row.expect + "'";
  }
  ++counts.decided;
  // The native back end: stopped or decided exactly as by the interpreter. A program it
  // cannot compile runs on the interpreter (`lawful check` says so and falls back).
  try {
    engine.set_backend(lawful::Backend::jit);
  } catch (const lawful::Error&) {
    return "";
  }
  lawful::Decision jit;
  static_cast<void>(engine.decide(contact, campaign, jit));
  if (jit.json() != vm.json() || jit.ok() != vm.ok())
    return "the native back end differs: " + std::string(jit.json()) + " against " + got;
  ++counts.on_both;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: lawful_decide_malicious DIR CONTACT_JSON CAMPAIGN_JSON\n");
    return 2;
  }
  const std::string dir = argv[1], contact = slurp(argv[2]), campaign = slurp(argv[3]);
  std::vector<Row> rows = manifest(dir);
  int failed = 0;
  Counts counts;
  for (const Row& row : rows) {
    std::string why;
    try {
      why = problems(dir + "/" + row.file, row, contact, campaign, counts);
    } catch (const std::exception& e) {
      why = std::string("threw: ") + e.what();
    }
    if (!why.empty()) {
      ++failed;
      std::printf("FAIL %s (in process): %s\n", row.file.c_str(), why.c_str());
    }
  }
  std::printf("in process: %zu files, %d failed; %d refused, %d decided or stopped, %d of them on the native back end too\n",
              rows.size(), failed, counts.refused, counts.decided, counts.on_both);
  return rows.empty() || failed ? 1 : 0;
}
