// The back end in a build without LLVM (LAWFUL_JIT=OFF): there is none, and it says why.
#include "runtime/jit/jit.h"

namespace lawful::jit {

struct Code::Impl {};

bool available() { return false; }

const char* unavailable_reason() {
  return "this build of lawful has no native back end (built without LLVM: LAWFUL_JIT=OFF, or LLVM's CMake "
         "package not found)";
}

std::unique_ptr<Code> Code::compile(const Program&, const Options&, std::string& error) {
  error = unavailable_reason();
  return nullptr;
}

Code::~Code() = default;

}  // namespace lawful::jit
