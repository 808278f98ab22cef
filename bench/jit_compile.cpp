// The native back end's compile time: all of policies/ (routed) and each policy alone,
// at each optimisation level, split into translation (bytecode to IR), LLVM's IR
// passes and code generation; the best of `--repeat` runs (default 3).
//
// usage: lawful_jit_compile [--policies DIR] [--repeat N] [--levels 0,1,2,3]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/jit/jit.h"

using namespace lawful;

int main(int argc, char** argv) {
  std::string dir = "policies";
  int repeat = 3;
  std::vector<int> levels{0, 1, 2, 3};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--policies") dir = argv[i + 1];
    else if (k == "--repeat") repeat = std::stoi(argv[i + 1]);
    else if (k == "--levels") {
      levels.clear();
      std::stringstream ss(argv[i + 1]);
      std::string s;
      while (std::getline(ss, s, ',')) levels.push_back(std::stoi(s));
    }
  }
  if (!jit::available()) {
    std::printf("%s\n", jit::unavailable_reason());
    return 1;
  }
  std::vector<std::string> paths{dir};
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".law" && e.path().filename() != "route.law") paths.push_back(e.path().string());
  std::sort(paths.begin() + 1, paths.end());
  std::printf("%-28s %5s %6s %4s %10s %10s %10s %10s\n", "program", "fns", "words", "-O", "translate", "optimize",
              "codegen", "total ms");
  for (const std::string& p : paths) {
    Compilation c = compile_path(p);
    if (!c.ok()) continue;
    for (int o : levels) {
      jit::Stats best;
      double best_total = std::numeric_limits<double>::max();
      for (int r = 0; r < repeat; ++r) {
        std::string why;
        jit::Options opt;
        opt.opt_level = o;
        auto code = jit::Code::compile(*c.program, opt, why);
        if (!code) {
          std::printf("%s: %s\n", p.c_str(), why.c_str());
          return 1;
        }
        const jit::Stats& s = code->stats();
        double total = s.translate_ms + s.optimize_ms + s.codegen_ms;
        if (total < best_total) best_total = total, best = s;
      }
      std::printf("%-28s %5u %6u %4d %10.1f %10.1f %10.1f %10.1f\n", std::filesystem::path(p).filename().c_str(),
                  best.functions, best.code_words, o, best.translate_ms, best.optimize_ms, best.codegen_ms, best_total);
    }
  }
  return 0;
}
