// runtime/io/input_file.h: whole files read into one string, sized from the file when
// it is a regular file and grown otherwise (a pipe); the size limit either way.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "runtime/io/input_file.h"

namespace fs = std::filesystem;
using lawful::io::read_fd;
using lawful::io::read_file;
using lawful::io::ReadOptions;

namespace {

struct Folder {
  Folder() {
    std::string t = (fs::temp_directory_path() / "lawful-input-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string put(const std::string& name, const std::string& bytes) const {
    std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  fs::path path;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  return s;
}

}  // namespace

TEST_CASE("a regular file is read whole, whatever its size against the read size") {
  Folder dir;
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{200001}}) {
    const std::string bytes = pattern(n);
    std::string out = "left over";
    std::string error;
    REQUIRE(read_file(dir.put("f" + std::to_string(n), bytes), out, &error));
    CHECK(out == bytes);
    CHECK(error.empty());
  }
}

TEST_CASE("the limit holds for a file, with its prefix kept when asked") {
  Folder dir;
  const std::string bytes = pattern(5000);
  const std::string path = dir.put("big", bytes);
  ReadOptions small;
  small.limit = 1000;
  std::string out, error;
  CHECK_FALSE(read_file(path, out, &error, small));
  CHECK(errno == EFBIG);
  CHECK(out.empty());
  CHECK(error.find("more than 1000 bytes") != std::string::npos);
  small.keep_prefix = true;
  REQUIRE(read_file(path, out, &error, small));
  CHECK(out == bytes.substr(0, 1001));
  ReadOptions exact;
  exact.limit = 5000;  // a file of exactly the limit is read
  REQUIRE(read_file(path, out, &error, exact));
  CHECK(out == bytes);
}

TEST_CASE("a stream, whose size is not known, is read whole and limited") {
  for (size_t n : {size_t{0}, size_t{70000}, size_t{300000}}) {
    int fds[2];  // a socket pair: sent with MSG_NOSIGNAL, so no SIGPIPE once the reader stops
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    const std::string bytes = pattern(n);
    std::thread writer([&] {
      size_t at = 0;
      while (at < bytes.size()) {
        ssize_t w = ::send(fds[1], bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (w <= 0) break;
        at += static_cast<size_t>(w);
      }
      ::close(fds[1]);
    });
    ReadOptions opts;
    opts.limit = 200000;
    std::string out, error;
    const bool ok = read_fd(fds[0], "the stream", out, &error, opts);
    ::shutdown(fds[0], SHUT_RDWR);  // a writer still sending past the limit gets EPIPE and stops
    writer.join();
    ::close(fds[0]);
    if (n <= opts.limit) {
      CHECK(ok);
      CHECK(out == bytes);
    } else {
      CHECK_FALSE(ok);
      CHECK(out.empty());
      CHECK(error.find("the stream: more than 200000 bytes") != std::string::npos);
    }
  }
}
