// The clients of bench/serve/run.sh: an open-loop load generator for single decisions, and
// a lean client for the NDJSON stream, so that what is measured is the server and not the
// client (a benchmark, not a test; docs/performance.md has the figures).
//
//   lawful_serve_load decide HOST:PORT CASES [--rate R] [--seconds S] [--connections C]
//                     [--warmup S] [--pid PID]
//     POST /v1/decide with single cases (the lines of CASES in turn) over C keep-alive
//     connections. With a rate R (a second), request i is due at start + i/R whether or
//     not earlier answers came (an open loop): it goes on an idle connection, or waits in
//     this client for one, and its latency counts from when it was due, not from when it
//     could be sent (no coordinated omission). Without a rate (R = 0), a closed loop: each
//     connection sends its next request as soon as its answer came, which finds the most
//     the server answers. Prints decisions a second, p50/p90/p99/p99.9/max from the due
//     time and from the send time, how late this client sent, and with --pid the
//     server's processor time per decision and this client's.
//
//   lawful_serve_load stream HOST:PORT CASES [--pid PID]
//     One POST of the whole file as application/x-ndjson, sent with sendfile(2) while its
//     answer is read in large reads and counted (records, bytes, never kept). Prints the
//     wall time, the cases a second, and the processor time of the server (--pid) and of
//     this client.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "lawful_serve_load: %s\n", what.c_str());
  std::exit(2);
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Processor time (user + system) of a process from /proc, in seconds; -1 without one.
double process_cpu(long pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  // After the command's ")": state is field 3; utime and stime are fields 14 and 15.
  const char* p = stat.c_str() + close + 2;
  unsigned long long v[13] = {};
  for (int field = 3; field <= 15; ++field) {
    while (*p == ' ') ++p;
    if (field >= 14) v[field - 3] = std::strtoull(p, nullptr, 10);
    while (*p && *p != ' ') ++p;
  }
  return static_cast<double>(v[11] + v[12]) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Target {
  std::string host;
  uint16_t port = 0;
};

Target parse_target(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) die("give HOST:PORT, not " + s);
  Target t{s.substr(0, colon), static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1))};
  if (t.port == 0) die("no port in " + s);
  return t;
}

int connect_to(const Target& t, bool nonblocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(t.port);
  if (inet_pton(AF_INET, t.host.c_str(), &a.sin_addr) != 1) die("not an IPv4 address: " + t.host);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    die(std::string("connect: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// The value of a header in a response's head (case-insensitive name), or empty.
std::string_view header(std::string_view head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t start = pos + 2, end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return v;
    }
    pos = end;
  }
  return {};
}

// ---------------------------------------------------------------- single decisions

struct Conn {
  int fd = -1;
  bool busy = false;
  uint64_t due = 0, sent = 0;
  std::string in;
};

struct Latencies {
  std::vector<uint64_t> from_due, from_sent, late;  // nanoseconds
};

double percentile(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;
}

void print_row(const char* what, std::vector<uint64_t>& v) {
  double p50 = percentile(v, 50), p90 = percentile(v, 90), p99 = percentile(v, 99), p999 = percentile(v, 99.9);
  double max = v.empty() ? 0 : static_cast<double>(*std::max_element(v.begin(), v.end())) / 1e6;
  std::printf("  %-16s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms\n", what, p50, p90, p99, p999, max);
}

int decide(const Target& t, const std::string& cases_path, double rate, double seconds, int connections,
           double warmup, long pid) {
  std::vector<std::string> requests;
  {
    std::ifstream in(cases_path);
    if (!in) die("cannot read " + cases_path);
    std::string line;
    while (requests.size() < 20000 && std::getline(in, line)) {
      if (line.empty()) continue;
      requests.push_back("POST /v1/decide HTTP/1.1\r\nHost: " + t.host +
                         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(line.size()) +
                         "\r\n\r\n" + line);
    }
  }
  if (requests.empty()) die("no cases in " + cases_path);
  // Wake-ups when they are asked for, not up to 50 microseconds later (the default slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(connections));
  std::vector<int> idle;
  auto open = [&](size_t i) {
    conns[i].fd = connect_to(t, true);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  };
  for (size_t i = 0; i < conns.size(); ++i) {
    open(i);
    idle.push_back(static_cast<int>(i));
  }

  const bool open_loop = rate > 0;
  const uint64_t interval = open_loop ? static_cast<uint64_t>(1e9 / rate) : 0;
  const uint64_t start = now_ns() + 20000000;  // 20 ms to settle
  const uint64_t measured_from = start + static_cast<uint64_t>(warmup * 1e9);
  const uint64_t stop = measured_from + static_cast<uint64_t>(seconds * 1e9);
  uint64_t next = 0;  // the next request's number
  size_t next_case = 0;
  std::deque<uint64_t> waiting;  // due times of requests no connection was free for
  Latencies lat;
  lat.from_due.reserve(open_loop ? static_cast<size_t>(rate * seconds) + 16 : 1u << 20);
  lat.from_sent.reserve(lat.from_due.capacity());
  lat.late.reserve(lat.from_due.capacity());
  uint64_t answered = 0, failed = 0, in_flight = 0, max_waiting = 0;
  double server_cpu0 = 0, client_cpu0 = 0;
  bool measuring = false;

  auto send_on = [&](int c, uint64_t due) {
    Conn& conn = conns[static_cast<size_t>(c)];
    const std::string& r = requests[next_case++ % requests.size()];
    conn.busy = true;
    conn.due = due;
    conn.sent = now_ns();
    size_t off = 0;
    while (off < r.size()) {
      ssize_t n = ::send(conn.fd, r.data() + off, r.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) {
        pollfd p{conn.fd, POLLOUT, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
      if (n < 0) die(std::string("send: ") + std::strerror(errno));
      off += static_cast<size_t>(n);
    }
    ++in_flight;
  };

  epoll_event events[256];
  char buf[65536];
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= measured_from) {
      measuring = true;
      server_cpu0 = process_cpu(pid);
      client_cpu0 = own_cpu();
    }
    if (open_loop) {
      while (start + next * interval <= now && start + next * interval < stop) waiting.push_back(start + next++ * interval);
      max_waiting = std::max<uint64_t>(max_waiting, waiting.size());
      while (!waiting.empty() && !idle.empty()) {
        int c = idle.back();
        idle.pop_back();
        send_on(c, waiting.front());
        waiting.pop_front();
      }
    } else if (now < stop) {
      while (!idle.empty()) {
        int c = idle.back();
        idle.pop_back();
        send_on(c, now_ns());
      }
    }
    if (now >= stop && in_flight == 0 && waiting.empty()) break;
    // Sleep until the next request is due, or an answer comes.
    timespec timeout{1, 0};
    if (open_loop && waiting.empty() && start + next * interval < stop) {
      uint64_t due = start + next * interval;
      uint64_t wait = due > now ? due - now : 0;
      timeout = {static_cast<time_t>(wait / 1000000000u), static_cast<long>(wait % 1000000000u)};
    } else if (!open_loop && now < stop) {
      uint64_t wait = stop - now;
      if (wait < 1000000000u) timeout = {0, static_cast<long>(wait)};
    }
    int n = epoll_pwait2(ep, events, 256, &timeout, nullptr);
    if (n < 0 && errno != EINTR) die(std::string("epoll_pwait2: ") + std::strerror(errno));
    for (int e = 0; e < n; ++e) {
      size_t c = static_cast<size_t>(events[e].data.u64);
      Conn& conn = conns[c];
      bool gone = false;
      for (;;) {
        ssize_t got = ::recv(conn.fd, buf, sizeof(buf), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == EAGAIN) break;
        if (got <= 0) {
          gone = true;
          break;
        }
        conn.in.append(buf, static_cast<size_t>(got));
        if (static_cast<size_t>(got) < sizeof(buf)) break;
      }
      if (gone) {
        // Closed by the server: an idle one at its keep-alive timeout (opened again),
        // or one with a request in flight (that request failed).
        if (conn.busy) {
          if (conn.due >= measured_from && conn.due < stop) ++failed, ++answered;
          --in_flight;
        }
        const bool was_idle = !conn.busy;
        conn.busy = false;
        epoll_ctl(ep, EPOLL_CTL_DEL, conn.fd, nullptr);
        ::close(conn.fd);
        conn.in.clear();
        open(c);
        if (!was_idle) idle.push_back(static_cast<int>(c));
        continue;
      }
      // One answer at a time on a connection (no pipelining).
      size_t head_end = conn.in.find("\r\n\r\n");
      if (head_end == std::string::npos || !conn.busy) continue;
      std::string_view head(conn.in.data(), head_end);
      std::string_view length = header(head, "Content-Length");
      if (length.empty()) die("an answer without a Content-Length: " + std::string(head));
      size_t total = head_end + 4 + std::strtoull(std::string(length).c_str(), nullptr, 10);
      if (conn.in.size() < total) continue;
      const uint64_t done = now_ns();
      const bool ok = head.substr(0, 12) == "HTTP/1.1 200";
      const bool closing = header(head, "Connection") == "close";
      conn.in.erase(0, total);
      conn.busy = false;
      --in_flight;
      if (conn.due >= measured_from && conn.due < stop) {
        ++answered;
        if (!ok) ++failed;
        lat.from_due.push_back(done - conn.due);
        lat.from_sent.push_back(done - conn.sent);
        lat.late.push_back(conn.sent - conn.due);
      }
      if (closing) {
        epoll_ctl(ep, EPOLL_CTL_DEL, conn.fd, nullptr);
        ::close(conn.fd);
        conn.in.clear();
        open(c);
      }
      idle.push_back(static_cast<int>(c));
    }
  }
  const double server_cpu = process_cpu(pid) - server_cpu0, client_cpu = own_cpu() - client_cpu0;
  for (Conn& c : conns) ::close(c.fd);
  ::close(ep);

  if (open_loop)
    std::printf("open loop at %.0f/s, %d connections, %.0f s measured:\n", rate, connections, seconds);
  else
    std::printf("closed loop, %d connections, %.0f s measured:\n", connections, seconds);
  std::printf("  decisions/s:      %.0f (%" PRIu64 " answered, %" PRIu64 " not 200; at most %" PRIu64
              " waited for a connection)\n",
              static_cast<double>(answered) / seconds, answered, failed, max_waiting);
  print_row("from due:", lat.from_due);
  print_row("from sent:", lat.from_sent);
  print_row("sent late by:", lat.late);
  if (pid > 0 && answered > 0)
    std::printf("  processor time a decision: the server %.1f us, this client %.1f us\n", server_cpu * 1e6 / static_cast<double>(answered),
                client_cpu * 1e6 / static_cast<double>(answered));
  return failed == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- the stream

// An answer's body in the chunked encoding, followed without keeping it: counts the bytes
// and the records (lines) of the data, and says when the last chunk came.
struct Chunked {
  enum State { Size, SizeLf, Data, DataCr, DataLf, Trailer } state = Size;
  uint64_t left = 0, bytes = 0, lines = 0;
  bool done = false, any_digit = false;
  std::string trailer;

  void feed(const char* p, size_t n) {
    const char* end = p + n;
    while (p < end && !done) {
      switch (state) {
        case Size:
          if (*p == '\r') state = SizeLf;
          else if (std::isxdigit(static_cast<unsigned char>(*p))) {
            left = left * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(*p)) ? *p - '0' : (*p | 0x20) - 'a' + 10);
            any_digit = true;
          } else if (*p != ';' && !any_digit) die("a malformed chunk size");
          ++p;
          break;
        case SizeLf:
          if (*p++ != '\n') die("a malformed chunk size line");
          state = left == 0 ? Trailer : Data;
          any_digit = false;
          break;
        case Data: {
          size_t take = static_cast<size_t>(std::min<uint64_t>(left, static_cast<uint64_t>(end - p)));
          for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\n', static_cast<size_t>(p + take - q)))) != nullptr; ++q)
            ++lines;
          bytes += take;
          left -= take;
          p += take;
          if (left == 0) state = DataCr;
          break;
        }
        case DataCr:
          if (*p++ != '\r') die("a chunk not followed by CRLF");
          state = DataLf;
          break;
        case DataLf:
          if (*p++ != '\n') die("a chunk not followed by CRLF");
          state = Size;
          break;
        case Trailer:
          trailer.push_back(*p++);
          if (trailer == "\r\n" || (trailer.size() >= 4 && trailer.compare(trailer.size() - 4, 4, "\r\n\r\n") == 0))
            done = true;
          break;
      }
    }
  }
};

int stream(const Target& t, const std::string& path, long pid) {
  int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) die("cannot read " + path);
  struct stat st{};
  fstat(file, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t cases = 0;
  {
    std::vector<char> b(1 << 20);
    ssize_t n;
    while ((n = ::read(file, b.data(), b.size())) > 0) cases += static_cast<uint64_t>(std::count(b.data(), b.data() + n, '\n'));
  }
  std::string head = "POST /v1/decide HTTP/1.1\r\nHost: " + t.host +
                     "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
  std::vector<char> buf(4u << 20);

  const double server0 = process_cpu(pid), client0 = own_cpu();
  const uint64_t t0 = now_ns();
  int fd = connect_to(t, true);
  size_t head_sent = 0;
  off_t offset = 0;
  std::string answer_head;
  bool have_head = false, chunked = false;
  uint64_t content_left = 0, answer_bytes = 0, answer_lines = 0;
  Chunked body;
  for (;;) {
    const bool sending = static_cast<uint64_t>(offset) < size;
    pollfd p{fd, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 60000) <= 0) die("the server neither reads nor answers for a minute");
    if ((p.revents & POLLOUT) && sending) {
      if (head_sent < head.size()) {
        ssize_t n = ::send(fd, head.data() + head_sent, head.size() - head_sent, MSG_NOSIGNAL);
        if (n > 0) head_sent += static_cast<size_t>(n);
      } else {
        ssize_t n = ::sendfile(fd, file, &offset, static_cast<size_t>(std::min<uint64_t>(size - static_cast<uint64_t>(offset), 8u << 20)));
        if (n < 0 && errno != EAGAIN) die(std::string("sendfile: ") + std::strerror(errno));
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EAGAIN) continue;
      if (n <= 0) die("the server closed the connection before the end of its answer");
      const char* data = buf.data();
      size_t len = static_cast<size_t>(n);
      if (!have_head) {
        answer_head.append(data, len);
        size_t end = answer_head.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        if (answer_head.compare(0, 12, "HTTP/1.1 200") != 0) die("the answer: " + answer_head.substr(0, end));
        have_head = true;
        std::string_view h(answer_head.data(), end);
        chunked = header(h, "Transfer-Encoding") == "chunked";
        if (!chunked) content_left = std::strtoull(std::string(header(h, "Content-Length")).c_str(), nullptr, 10);
        // What came after the head is the body's start.
        data = answer_head.data() + end + 4;
        len = answer_head.size() - end - 4;
      }
      if (chunked) {
        body.feed(data, len);
      } else {
        answer_bytes += len;
        answer_lines += static_cast<uint64_t>(std::count(data, data + len, '\n'));
        content_left -= std::min<uint64_t>(content_left, len);
      }
      if (have_head && (chunked ? body.done : content_left == 0)) break;
    }
  }
  const uint64_t t1 = now_ns();
  const double server_cpu = process_cpu(pid) - server0, client_cpu = own_cpu() - client0;
  ::close(fd);
  ::close(file);
  if (chunked) {
    answer_bytes = body.bytes;
    answer_lines = body.lines;
  }
  const double wall = static_cast<double>(t1 - t0) / 1e9;
  std::printf("stream: %" PRIu64 " cases (%.1f MB) in %.3f s: %.0f cases/s; %" PRIu64 " records (%.1f MB) back\n", cases,
              static_cast<double>(size) / 1e6, wall, static_cast<double>(cases) / wall, answer_lines,
              static_cast<double>(answer_bytes) / 1e6);
  if (pid > 0) std::printf("  processor time: the server %.2f s, this client %.2f s\n", server_cpu, client_cpu);
  else std::printf("  processor time: this client %.2f s\n", client_cpu);
  return answer_lines == cases ? 0 : 1;
}

void usage() {
  std::fprintf(stderr,
               "usage: lawful_serve_load decide HOST:PORT CASES [--rate R] [--seconds S] [--connections C] "
               "[--warmup S] [--pid PID]\n"
               "       lawful_serve_load stream HOST:PORT CASES [--pid PID]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) usage();
  signal(SIGPIPE, SIG_IGN);
  std::string mode = argv[1];
  Target t = parse_target(argv[2]);
  std::string cases = argv[3];
  double rate = 0, seconds = 10, warmup = 1;
  int connections = 16;
  long pid = 0;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    if (a == "--rate") rate = std::atof(v);
    else if (a == "--seconds") seconds = std::atof(v);
    else if (a == "--connections") connections = std::max(1, std::atoi(v));
    else if (a == "--warmup") warmup = std::atof(v);
    else if (a == "--pid") pid = std::atol(v);
    else usage();
  }
  if (mode == "decide") return decide(t, cases, rate, seconds, connections, warmup, pid);
  if (mode == "stream") return stream(t, cases, pid);
  usage();
}
