// Writes .lawc seeds for the lawc fuzz target: every file of the language corpus and
// the project's policies, compiled by the current compiler (the policies also in the
// oldest format read).
//   fuzz_lawc_seeds OUT_DIR
#include <cstdio>
#include <filesystem>
#include <string>

#include "compiler/compiler.h"
#include "runtime/bytecode/serialize.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_lawc_seeds OUT_DIR\n");
    return 2;
  }
  fs::path out(argv[1]);
  fs::create_directories(out);
  const fs::path root(LAWFUL_SOURCE_DIR);
  std::vector<std::pair<std::string, fs::path>> inputs = {{"policies", root / "policies"}};
  for (const auto& e : fs::directory_iterator(root / "tests/lang"))
    if (e.path().extension() == ".law") inputs.emplace_back(e.path().stem().string(), e.path());
  int written = 0;
  for (const auto& [name, path] : inputs) {
    lawful::Compilation c = lawful::compile_path(path.string());
    if (!c.ok()) continue;
    // The current format, and the policies in format 1 too (no code spans): both are read.
    for (uint32_t version : {lawful::Program::kFormatVersion, lawful::Program::kOldestFormatVersion}) {
      if (version != lawful::Program::kFormatVersion && name != "policies") continue;
      std::string bytes = lawful::serialize_program(*c.program, version);
      std::string file = version == lawful::Program::kFormatVersion ? name : name + ".v" + std::to_string(version);
      if (std::FILE* f = std::fopen((out / (file + ".lawc")).string().c_str(), "wb")) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        ++written;
      }
    }
  }
  std::printf("wrote %d seeds to %s\n", written, out.string().c_str());
  return written > 0 ? 0 : 1;
}
