// runtime/io/output_file.h, through its API (the commands' use of it is tested end to
// end in tests/cli/run_outputs.py): atomic replacement, links, devices, failures.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/io/output_file.h"

namespace fs = std::filesystem;
using lawful::io::OutputFile;

namespace {

// A private folder, removed at the end.
struct Folder {
  Folder() {
    std::string t = (fs::temp_directory_path() / "lawful-output-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    return out;
  }
  fs::path path;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST_CASE("a new file appears whole, through a temporary beside it, only at commit") {
  Folder d;
  OutputFile f;
  REQUIRE(f.open(d / "out.txt"));
  CHECK(f.replaces());
  CHECK(f.temporary().rfind(d / "out.txt.tmp.", 0) == 0);
  CHECK(f.write("hello "));
  CHECK(f.write("world"));
  CHECK(!fs::exists(d / "out.txt"));
  REQUIRE(f.commit());
  CHECK(slurp(d / "out.txt") == "hello world");
  CHECK(d.names() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("discard, or leaving without commit, removes the temporary and keeps the old file") {
  Folder d;
  spit(d / "out.txt", "old");
  {
    OutputFile f;
    REQUIRE(f.open(d / "out.txt"));
    CHECK(f.write("new"));
  }
  CHECK(slurp(d / "out.txt") == "old");
  CHECK(d.names() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("a replaced file keeps its mode") {
  Folder d;
  spit(d / "p.law", "old");
  REQUIRE(chmod((d / "p.law").c_str(), 0640) == 0);
  std::string err;
  REQUIRE(lawful::io::write_file(d / "p.law", "new", &err));
  struct stat st;
  REQUIRE(stat((d / "p.law").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(slurp(d / "p.law") == "new");
}

TEST_CASE("a link to a file is written through; a link to nothing is refused") {
  Folder d;
  spit(d / "real", "old");
  fs::create_symlink("real", d / "link");
  std::string err;
  REQUIRE(lawful::io::write_file(d / "link", "new", &err));
  CHECK(fs::is_symlink(d / "link"));
  CHECK(slurp(d / "real") == "new");

  fs::create_symlink("nowhere", d / "dangling");
  CHECK(!lawful::io::write_file(d / "dangling", "x", &err));
  CHECK(err.find("does not exist") != std::string::npos);
  CHECK(!fs::exists(d / "nowhere"));
}

TEST_CASE("a FIFO is written as it is, never replaced") {
  Folder d;
  REQUIRE(mkfifo((d / "fifo").c_str(), 0600) == 0);
  int reader = ::open((d / "fifo").c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  OutputFile f;
  REQUIRE(f.open(d / "fifo"));
  CHECK(!f.replaces());
  CHECK(f.write("through"));
  CHECK(f.commit());
  char buf[16] = {};
  CHECK(::read(reader, buf, sizeof buf) == 7);
  CHECK(std::string(buf) == "through");
  ::close(reader);
  struct stat st;
  REQUIRE(lstat((d / "fifo").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("a planted link at a temporary's name is never followed") {
  Folder d;
  spit(d / "victim", "precious");
  // Every name of the old scheme, and this process's prefix.
  fs::create_symlink(d / "victim", d / "out.tmp");
  fs::create_symlink(d / "victim", d / ("out.tmp." + std::to_string(getpid())));
  std::string err;
  REQUIRE(lawful::io::write_file(d / "out", "data", &err));
  CHECK(slurp(d / "victim") == "precious");
  CHECK(slurp(d / "out") == "data");
}

TEST_CASE("commit_as gives the temporary another name; standard output is \"-\" only when allowed") {
  Folder d;
  OutputFile f;
  REQUIRE(f.open(d / "d.jsonl"));
  CHECK(f.write("part"));
  REQUIRE(f.commit_as(d / "d.jsonl.partial"));
  CHECK(slurp(d / "d.jsonl.partial") == "part");
  CHECK(!fs::exists(d / "d.jsonl"));

  lawful::io::OutputOptions o;
  o.allow_stdout = true;
  OutputFile s;
  REQUIRE(s.open("-", o));
  CHECK(s.name() == "standard output");
  CHECK(!s.replaces());
}

TEST_CASE("same_file_replaced: one regular file under two names, not a device") {
  Folder d;
  spit(d / "a", "x");
  fs::create_symlink("a", d / "link");
  CHECK(lawful::io::same_file_replaced(d / "a", d / "link"));
  CHECK(lawful::io::same_file_replaced(d / "new", (d / "sub/../new")));
  CHECK(!lawful::io::same_file_replaced(d / "a", d / "new"));
  REQUIRE(mkfifo((d / "fifo").c_str(), 0600) == 0);
  CHECK(!lawful::io::same_file_replaced(d / "fifo", d / "fifo"));
}

TEST_CASE("a folder and a missing folder are errors that say why") {
  Folder d;
  OutputFile f;
  CHECK(!f.open(d.path.string()));
  CHECK(f.error() == "cannot write " + d.path.string() + ": Is a directory");
  CHECK(!f.open(d / "no/such.txt"));
  CHECK(f.error() == "cannot write " + (d / "no/such.txt") + ": No such file or directory");
  CHECK(d.names().empty());
}
