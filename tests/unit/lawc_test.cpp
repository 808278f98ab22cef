// .lawc files: a compiled program decides as its source does, and any damage to the
// file (any byte flipped, any truncation) is refused before anything runs.
#include <doctest/doctest.h>

#include "helpers.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"

using namespace lawful;
using namespace lawful::testing;

TEST_CASE("a program survives the round trip and decides the same") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  std::string bytes = serialize_program(*c.program);
  Program back;
  REQUIRE(deserialize_program(bytes, back) == "");
  CHECK(verify_program(back) == "");
  CHECK(serialize_program(back) == bytes);
  Outcome a = decide_case(*c.program, kSampleCase);
  Outcome b = decide_case(back, kSampleCase);
  CHECK(a.verdict == VerdictCode::Allow);
  CHECK(b.verdict == a.verdict);
  CHECK(b.basis == a.basis);
  CHECK(b.rules == a.rules);
  CHECK(b.obligations == a.obligations);
}

TEST_CASE("flipping any byte of a .lawc file is refused") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const std::string bytes = serialize_program(*c.program);
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ mask);
      Program p;
      std::string why = deserialize_program(damaged, p);
      if (why.empty()) why = verify_program(p);
      if (!why.empty()) ++refused;
      else FAIL_CHECK("byte " << i << " flipped with " << int(mask) << " was accepted");
    }
  }
  CHECK(refused == bytes.size() * 3);
}

TEST_CASE("every truncation of a .lawc file is refused") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const std::string bytes = serialize_program(*c.program);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Program p;
    CHECK_MESSAGE(deserialize_program(std::string_view(bytes).substr(0, n), p) != "", "length " << n);
  }
  Program p;
  CHECK(deserialize_program(bytes + "x", p) != "");
}

TEST_CASE("a file that is not a .lawc file says so") {
  Program p;
  CHECK(deserialize_program("policy x \"not bytecode\"\n and some more text to be long enough", p).find("magic") !=
        std::string::npos);
  CHECK(deserialize_program("", p).find("too short") != std::string::npos);
}
