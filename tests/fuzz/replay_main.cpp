// Runs a fuzz target's entry point over files and directories of inputs, without
// libFuzzer: how the regression inputs (tests/fuzz/regressions/) and seed corpora are
// replayed by ctest in every build, the sanitizer build included.
//   fuzz_replay_TARGET PATH...
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.' && e.path().filename() != "README.md")
          files.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  // libFuzzer's -rss_limit_mb, for the replays: every phase's memory is linear in its
  // input, and no input here comes near this (a 26 KB policy once took 528 MB).
  constexpr long kRssLimitMb = 1024;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "%s\n", f.string().c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss / 1024 > kRssLimitMb) {
      std::fprintf(stderr, "%s: the memory in use peaked at %ld MB; the limit is %ld MB\n", f.string().c_str(),
                   ru.ru_maxrss / 1024, kRssLimitMb);
      return 1;
    }
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}
