// The content hash that identifies a policy version (docs/embedding.md, "Versions"):
// SHA-256 as FIPS 180-4 gives it, over the files by their path relative to the policy
// root, so that the same policies give one hash wherever they are read from.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "compiler/compiler.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/sha256.h"

using namespace lawful;
namespace fs = std::filesystem;

TEST_CASE("SHA-256 gives the digests of FIPS 180-4's examples") {
  CHECK(Sha256::hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256::hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256::hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a's, fed in uneven pieces (the buffering across blocks).
  Sha256 h;
  std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left) {
    size_t n = std::min(left, chunk.size());
    h.update(std::string_view(chunk.data(), n));
    left -= n;
  }
  CHECK(Sha256::to_hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lawful-hash-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::shared_ptr<const Program> compiled(const std::string& path) {
  Compilation c = compile_path(path);
  REQUIRE_MESSAGE(c.ok(), path);
  return c.program;
}
}  // namespace

TEST_CASE("the same policies give one content hash from a copy, a trailing /, .. and a symlink") {
  TempDir t;
  const fs::path src = fs::path(LAWFUL_SOURCE_DIR) / "tests/api/data/policies";
  fs::create_directories(t.path / "a" / "deploy-1");
  fs::create_directories(t.path / "b" / "release" / "x");
  fs::copy(src, t.path / "a" / "deploy-1");
  fs::copy(src, t.path / "b" / "release");
  fs::create_directory_symlink(t.path / "b" / "release", t.path / "current");

  auto first = compiled(src.string());
  REQUIRE(first->content_hash.size() == 64);
  CHECK(first->source_hash == std::stoull(first->content_hash.substr(0, 16), nullptr, 16));
  for (std::string p : {src.string() + "/", (t.path / "a" / "deploy-1").string(),
                        (t.path / "a" / "deploy-1").string() + "//", (t.path / "b" / "release" / "x" / "..").string(),
                        (t.path / "b" / "release" / "x" / ".." / "..").string() + "/release",
                        (t.path / "current").string()}) {
    auto p2 = compiled(p);
    CHECK_MESSAGE(p2->content_hash == first->content_hash, p);
    CHECK_MESSAGE(p2->source_hash == first->source_hash, p);
  }
  // A single file: named relative to its own directory, from anywhere.
  std::string uk1 = compiled(src.string() + "/uk.law")->content_hash;
  CHECK(compiled((t.path / "current" / "uk.law").string())->content_hash == uk1);
  CHECK(compiled((t.path / "a" / "deploy-1" / ".." / "deploy-1" / "uk.law").string())->content_hash == uk1);

  // The text decides: one byte more in one file is another hash; so is a renamed file.
  {
    std::ofstream f(t.path / "a" / "deploy-1" / "fr.law", std::ios::app);
    f << "\n";
  }
  CHECK(compiled((t.path / "a" / "deploy-1").string())->content_hash != first->content_hash);
  fs::rename(t.path / "b" / "release" / "fr.law", t.path / "b" / "release" / "fr2.law");
  CHECK(compiled((t.path / "b" / "release").string())->content_hash != first->content_hash);
}

TEST_CASE("content_hash names every file and its length: no two lists of files collide") {
  CHECK(content_hash({{"a.law", "xy"}, {"b.law", "z"}}) != content_hash({{"a.law", "x"}, {"b.law", "yz"}}));
  CHECK(content_hash({{"a.law", "x"}, {"b.law", "y"}}) == content_hash({{"b.law", "y"}, {"a.law", "x"}}));
  CHECK(content_hash({{"a.law", "x"}}) != content_hash({{"b.law", "x"}}));
  CHECK(relative_to_root("pol/sub/a.law", "pol/") == "sub/a.law");
  CHECK(relative_to_root("<stdlib>/uk/pecr.law", "pol") == "<stdlib>/uk/pecr.law");
}

TEST_CASE("the content hash survives a .lawc file, and a format 3 file still reads without one") {
  auto prog = compiled(std::string(LAWFUL_SOURCE_DIR) + "/tests/api/data/policies");
  Program back;
  REQUIRE(deserialize_program(serialize_program(*prog), back) == "");
  CHECK(back.content_hash == prog->content_hash);
  CHECK(back.source_hash == prog->source_hash);
  Program v3;
  REQUIRE(deserialize_program(serialize_program(*prog, 3), v3) == "");
  CHECK(v3.content_hash.empty());
  CHECK(v3.source_hash == prog->source_hash);
  // A damaged hash (not hex) is refused, checksum or not.
  Program bad = *prog;
  bad.content_hash = std::string(64, 'G');
  Program refused;
  CHECK(deserialize_program(serialize_program(bad), refused) == "the content hash is not 64 hex digits");
}
