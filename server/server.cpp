// The service: routes, limits, reloads, signals. See server.h and docs/server.md.
#include "server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <lawful/lawful.hpp>
#include <nlohmann/json.hpp>

#include "api/lines.h"
#include "server/decision_log.h"
#include "server/metrics.h"
#include "server/playground.h"

namespace lawful::server {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// RFC 3339 in UTC, with milliseconds.
std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string hex16(uint64_t v) { return fmt::format("{:016x}", v); }

// ---------------------------------------------------------------- connections

// Set on the thread that answers connections beyond the limit: every request it reads
// gets 503 at once.
thread_local bool t_overloaded = false;
// When the request being answered on this thread started (pre-routing), for the histogram.
thread_local Clock::time_point t_started{};

// httplib's task queue, bounded: `workers` threads serve connections (one each, with its
// keep-alive requests); up to `queue` more wait; beyond that a connection goes to one
// thread of its own that answers its request 503 and closes it, so a flood of
// connections never holds the workers nor grows without bound in memory that matters.
class Workers : public httplib::TaskQueue {
 public:
  Workers(size_t workers, size_t queue, Metrics& metrics) : workers_(workers), queue_(queue), metrics_(metrics) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(jobs_, false); });
    threads_.emplace_back([this] { work(overflow_, true); });
  }
  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Counted by jobs taken, not by threads waiting: a worker that has not started yet
      // (a busy machine) is still a worker.
      if (busy_ + jobs_.size() < workers_ + queue_) {
        jobs_.push_back(std::move(fn));
      } else {
        overflow_.push_back(std::move(fn));
        metrics_.rejected_connection();
      }
    }
    cv_.notify_all();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void work(std::deque<std::function<void()>>& from, bool overloaded) {
    t_overloaded = overloaded;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !from.empty(); });
      if (from.empty()) return;  // stopping, nothing left
      std::function<void()> fn = std::move(from.front());
      from.pop_front();
      if (!overloaded) ++busy_;
      lock.unlock();
      fn();
      lock.lock();
      if (!overloaded) --busy_;
    }
  }
  const size_t workers_, queue_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_, overflow_;
  size_t busy_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// One connection's socket as httplib reads and writes it. Reads are buffered (httplib
// reads a request's line and headers a byte at a time); writes are gathered and sent
// together when the request has been answered, before any read, or when 64 KiB wait (the
// headers and body of a small answer go in one send); the addresses are asked once per
// connection, not once per request. The socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO,
// set by httplib when it accepted it) bound each read and write.
class Conn final : public httplib::Stream {
 public:
  Conn(int sock, int read_ms, int write_ms) : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}
  bool buffered() const { return rpos_ < rlen_; }
  // What has been received and not yet read; fill() receives once when nothing is.
  std::string_view peek() const { return std::string_view(rbuf_ + rpos_, rlen_ - rpos_); }
  bool fill() {
    if (buffered()) return true;
    ssize_t got = receive(rbuf_, sizeof(rbuf_));
    if (got <= 0) return false;
    rpos_ = 0;
    rlen_ = static_cast<size_t>(got);
    return true;
  }
  void consume(size_t n) { rpos_ += std::min(n, rlen_ - rpos_); }
  // Receives once more after what is buffered (moved to the buffer's start), so that
  // peek() holds up to `want` bytes; false when that cannot be (too large, or nothing came).
  bool fill_to(size_t want) {
    if (want > sizeof(rbuf_)) return false;
    if (rpos_ > 0) {
      std::memmove(rbuf_, rbuf_ + rpos_, rlen_ - rpos_);
      rlen_ -= rpos_;
      rpos_ = 0;
    }
    ssize_t got = receive(rbuf_ + rlen_, sizeof(rbuf_) - rlen_);
    if (got <= 0) return false;
    rlen_ += static_cast<size_t>(got);
    return true;
  }
  bool is_readable() const override { return buffered() || wait(POLLIN, read_ms_); }
  bool is_writable() const override { return wait(POLLOUT, write_ms_); }
  ssize_t read(char* ptr, size_t size) override {
    if (!flush()) return -1;
    if (!buffered()) {
      if (size >= sizeof(rbuf_)) return receive(ptr, size);
      ssize_t got = receive(rbuf_, sizeof(rbuf_));
      if (got <= 0) return got;
      rpos_ = 0;
      rlen_ = static_cast<size_t>(got);
    }
    size_t n = std::min(size, rlen_ - rpos_);
    std::memcpy(ptr, rbuf_ + rpos_, n);
    rpos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (wbuf_.size() + size > kGather) {
      if (!flush()) return -1;
      if (size >= kGather) return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
    }
    wbuf_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  bool flush() {
    if (wbuf_.empty()) return true;
    bool ok = send_all(wbuf_.data(), wbuf_.size());
    wbuf_.clear();
    return ok;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    addresses();
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    addresses();
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr size_t kGather = 64 * 1024;
  bool wait(short events, int ms) const {
    pollfd p{sock_, events, 0};
    for (;;) {
      int r = ::poll(&p, 1, ms);
      if (r < 0 && errno == EINTR) continue;
      return r > 0;
    }
  }
  ssize_t receive(char* ptr, size_t size) {
    for (;;) {
      ssize_t r = ::recv(sock_, ptr, size, 0);
      if (r < 0 && errno == EINTR) continue;
      return r;
    }
  }
  bool send_all(const char* ptr, size_t size) {
    while (size > 0) {
      ssize_t r = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      ptr += r;
      size -= static_cast<size_t>(r);
    }
    return true;
  }
  static void name(const sockaddr_storage& a, std::string& ip, int& port) {
    char text[INET6_ADDRSTRLEN] = "";
    if (a.ss_family == AF_INET) {
      const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
      inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
      port = ntohs(v4.sin_port);
    } else if (a.ss_family == AF_INET6) {
      const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
      inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
      port = ntohs(v6.sin6_port);
    }
    ip = text;
  }
  void addresses() const {
    if (named_) return;
    named_ = true;
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) name(a, remote_ip_, remote_port_);
    len = sizeof(a);
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) name(a, local_ip_, local_port_);
  }

  const int sock_, read_ms_, write_ms_;
  char rbuf_[16 * 1024];
  size_t rpos_ = 0, rlen_ = 0;
  std::string wbuf_;
  mutable bool named_ = false;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = 0, local_port_ = 0;
};

// httplib's server with our own loop over a connection's requests (Conn above), and a
// graceful stop: drain() stops accepting (the listening socket is shut down, so new
// connections are refused) while everything accepted is answered: the request in
// progress on each connection, a request already sent on a kept-alive one, and every
// connection still waiting in the queue (the workers take them in turn; httplib's own
// loop would close those unanswered). Idle kept-alive connections are closed. Answers
// given while draining say `Connection: close` (the post-routing handler in run()).
// The reason phrase of the statuses Http::fast_decide answers.
const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 422: return "Unprocessable Entity";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

class Http final : public httplib::Server {
 public:
  // A single decision's request, read by the fast path (below), for the service to answer.
  struct FastRequest {
    std::string_view body, content_type, authorization, request_id;
  };
  struct FastAnswer {
    int status = 200;
    std::string headers;  // "Name: value\r\n" each, beside Content-Length and the connection's
    std::string body;
  };
  // The service's answer, or false to leave the request to httplib (which then answers
  // it as any other: a missing token, an overloaded thread).
  using FastDecide = std::function<bool(const FastRequest&, FastAnswer&)>;
  void set_fast_decide(FastDecide f) { fast_ = std::move(f); }

  Http(int idle_ms, int read_ms, int write_ms) : idle_ms_(idle_ms), read_ms_(read_ms), write_ms_(write_ms) {
    set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_fd_ = sock;  // the last one made is the one bound
    });
  }
  bool draining() const { return draining_.load(); }
  ~Http() override {
    if (drained_fd_ >= 0) ::close(drained_fd_);
  }
  void drain() {
    draining_ = true;
    if (drained_fd_ >= 0) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(drained_fd_, &one, sizeof(one));
    }
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // accept() fails: httplib's loop ends
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    Conn conn(sock, read_ms_, write_ms_);
    bool ret = false;
    for (size_t left = std::max<size_t>(1, keep_alive_max_count_); left > 0; --left) {
      if (!wait_for_request(conn, left == keep_alive_max_count_)) break;
      const bool close = left == 1 || draining_.load();
      bool closed = false;
      int fast = fast_decide(conn, close, closed);
      ret = fast == 0 ? process_request(conn, close, closed, nullptr) : fast > 0;
      ret = conn.flush() && ret;
      if (!ret || closed || close || draining_.load()) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ret;
  }
  // The hot path, beside httplib's: a single case to /v1/decide in the plainest form
  // (HTTP/1.1, a Content-Length, the whole request already received, no Expect, no
  // Transfer-Encoding, no compression asked for, no Range) is read, decided and answered here,
  // with the same answer httplib's route gives (the service's function makes both), at
  // a third of the instructions (docs/performance.md, "lawful serve"). Anything else, and
  // anything this parser is unsure of, is left unread to httplib. 1: answered, 0: left to
  // httplib, -1: the answer could not be written.
  int fast_decide(Conn& conn, bool close, bool& closed) {
    static constexpr std::string_view kLine = "POST /v1/decide HTTP/1.1\r\n";
    if (!fast_ || !conn.fill()) return 0;
    const std::string_view buf = conn.peek();
    if (buf.substr(0, kLine.size()) != kLine) return 0;
    const size_t head_end = buf.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return 0;
    auto is = [](std::string_view a, std::string_view b) {
      return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
    };
    FastRequest r;
    bool client_close = false, has_length = false;
    size_t length = 0;
    for (size_t pos = kLine.size(); pos < head_end + 2;) {
      size_t eol = buf.find("\r\n", pos);
      std::string_view line = buf.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return 0;
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
      if (name.find_first_of(" \t") != std::string_view::npos) return 0;
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      if (is(name, "Content-Length")) {
        if (has_length || value.empty() || value.size() > 15 || value.find_first_not_of("0123456789") != std::string_view::npos)
          return 0;
        has_length = true;
        for (char c : value) length = length * 10 + static_cast<size_t>(c - '0');
      } else if (is(name, "Content-Type")) {
        r.content_type = value;
      } else if (is(name, "Authorization")) {
        r.authorization = value;
      } else if (is(name, "X-Request-Id")) {
        r.request_id = value;
      } else if (is(name, "Connection")) {
        if (is(value, "close")) client_close = true;
        else if (!is(value, "keep-alive")) return 0;
      } else if (is(name, "Accept-Encoding")) {
        // httplib would compress the answer for these; "identity" (Python's default) is fine.
        if (value.find("gzip") != std::string_view::npos || value.find("br") != std::string_view::npos ||
            value.find("deflate") != std::string_view::npos)
          return 0;
      } else if (is(name, "Transfer-Encoding") || is(name, "Expect") || is(name, "Range")) {
        return 0;
      }
    }
    const size_t body_at = head_end + 4;
    if (!has_length || length > payload_max_length_) return 0;
    // A client that sends the head and then the body (Python's http.client): the body is
    // waited for here when it fits the buffer, and the request read again from its start.
    if (length > buf.size() - body_at) {
      while (conn.peek().size() < body_at + length)
        if (!conn.fill_to(body_at + length)) return 0;  // httplib reads on from what is buffered
      return fast_decide(conn, close, closed);
    }
    r.body = buf.substr(body_at, length);
    FastAnswer a;
    if (!fast_(r, a)) return 0;
    conn.consume(body_at + length);
    closed = client_close;
    const bool closing = close || client_close || draining_.load();
    std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\n", a.status,
                                   reason(a.status), a.body.size());
    if (closing) head += "Connection: close\r\n";
    else fmt::format_to(std::back_inserter(head), "Keep-Alive: timeout={}, max={}\r\n", keep_alive_timeout_sec_,
                        keep_alive_max_count_);
    head += a.headers;
    head += "\r\n";
    if (conn.write(head.data(), head.size()) < 0 || conn.write(a.body.data(), a.body.size()) < 0) return -1;
    if (closing) closed = true;
    return 1;
  }

  // Whether a request is there to read: within the idle timeout; while draining, only one
  // already sent on a kept-alive connection, and on one accepted but not yet served, one
  // that comes within the idle timeout. An idle connection sleeps in one poll(), which
  // drain() ends (its eventfd becomes readable).
  bool wait_for_request(Conn& conn, bool first) {
    if (conn.buffered()) return true;
    const auto deadline = Clock::now() + std::chrono::milliseconds(idle_ms_);
    pollfd p[2] = {{conn.socket(), POLLIN, 0}, {drained_fd_, POLLIN, 0}};
    for (;;) {
      const bool waiting = !draining_.load() || first;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (waiting && left <= 0) return false;
      // While draining, the eventfd stays readable: only the socket is asked.
      int r = ::poll(p, draining_.load() || drained_fd_ < 0 ? 1 : 2, waiting ? static_cast<int>(left) : 0);
      if (r < 0 && errno != EINTR) return false;
      if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) return true;
      if (!waiting) return false;
    }
  }

  FastDecide fast_;
  const int idle_ms_, read_ms_, write_ms_;
  const int drained_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);  // -1: idle waits notice a drain at their timeout
  std::atomic<bool> draining_{false};
  std::atomic<int> listen_fd_{-1};
};

// ---------------------------------------------------------------- the service's state

struct Service {
  const Options& o;
  Reloader reloader;
  Metrics metrics;
  DecisionLog log;
  Personal personal = Personal::Hash;
  std::string log_key;
  std::string token;
  std::atomic<bool> ready{false};
  std::atomic<uint64_t> requests{0};
  std::string id_prefix;

  std::mutex info_mutex;
  uint64_t loaded_generation = 0;
  std::string loaded_at;
  std::string last_reload_at;

  Service(const Options& options, Reloader r) : o(options), reloader(std::move(r)) {
    std::random_device rd;
    id_prefix = fmt::format("{:08x}", rd());
    loaded_generation = reloader.version().generation;
    loaded_at = now_rfc3339();
  }

  void say(std::string_view text) const {
    if (o.say) o.say(text);
  }

  // After any reload attempt: the log, the metrics, the time the serving version came.
  void reloaded(Status status, uint64_t generation, const Diagnostics& diags, const std::string& message) {
    metrics.reload(status == Status::ok);
    std::lock_guard<std::mutex> lock(info_mutex);
    last_reload_at = now_rfc3339();
    if (status == Status::ok) {
      if (generation != loaded_generation) {
        use_engine(reloader.engine());
        loaded_generation = generation;
        loaded_at = last_reload_at;
        say(fmt::format("lawful serve: reloaded: generation {} serves (source hash {})", generation,
                        hex16(reloader.version().source_hash)));
      } else {
        say(fmt::format("lawful serve: the policies are unchanged: generation {} serves on", generation));
      }
    } else {
      say(fmt::format("lawful serve: reload failed; generation {} serves on: {}", loaded_generation,
                      message.empty() ? std::string(to_string(status)) : message));
      if (!diags.text().empty()) say(diags.text());
    }
  }

  // --engine: the native back end on the version serving (after each reload, on the new
  // one). `jit` says why when it cannot be had and the interpreter decides; `auto` takes
  // it where it can be had, silently.
  void use_engine(Engine engine) {
    if (o.engine != "jit" && o.engine != "auto") return;
    try {
      engine.set_backend(Backend::jit);
    } catch (const Error& e) {
      if (o.engine == "jit")
        say(fmt::format("lawful serve: the native back end cannot run these policies, so the interpreter decides: {}",
                        e.what()));
    }
  }

  std::string request_id(std::string_view given) {
    bool good = !given.empty() && given.size() <= 128;
    for (char c : given) good = good && c > ' ' && c < 127;
    if (good) return std::string(given);
    return fmt::format("{}-{}", id_prefix, requests.fetch_add(1, std::memory_order_relaxed) + 1);
  }
};

void send_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(json{{"error", std::string(message)}}.dump() + "\n", "application/json");
}

void set_version(httplib::Response& res, const Engine& engine) {
  PolicyVersion v = engine.version();
  res.set_header("Lawful-Policy-Generation", std::to_string(v.generation));
  res.set_header("Lawful-Policy-Hash", hex16(v.source_hash));
}

bool is_stream_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  return type == "application/x-ndjson" || type == "application/jsonl" || type == "application/x-jsonlines";
}

bool is_stream(const httplib::Request& req) { return is_stream_type(req.get_header_value("Content-Type")); }

// A form: refused with 415 (the pre-routing handler).
bool is_form_type(std::string_view type) {
  return type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.rfind("multipart/", 0) == 0;
}

// Constant time in the token's length: the comparison says nothing by how long it takes.
bool same_token(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0;
}

Metrics::Route route_of(const std::string& path) {
  if (path == "/v1/decide") return Metrics::Decide;
  if (path == "/v1/explain") return Metrics::Explain;
  if (path == "/v1/policies") return Metrics::Policies;
  if (path == "/v1/playground") return Metrics::Playground;
  if (path == "/") return Metrics::Page;
  if (path == "/healthz" || path == "/readyz") return Metrics::Health;
  if (path == "/metrics") return Metrics::MetricsRoute;
  return Metrics::Other;
}

// ---------------------------------------------------------------- endpoints

// What one part of a request's body came to.
struct Part {
  std::string_view text;
  uint64_t first_line = 1;
  std::string out, log;
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  uint64_t errors = 0;
  bool decided = false, run_error = false;
  std::exception_ptr failure;  // of a part decided on a helper thread, thrown again on the request's
};

// A stream this large is cut at line ends into parts decided on threads of their own
// (each with its own scratch of the engine's pool), as `lawful check` shares a file out:
// the records are the same, in the same order, whatever the number of parts.
constexpr size_t kPartBytes = 1u << 20;

// The line breaks in `text` (memchr: a fraction of an instruction a byte).
uint64_t count_lines(std::string_view text) {
  uint64_t n = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr) {
    ++n;
    ++p;
  }
  return n;
}

std::vector<Part> cut(std::string_view body, bool stream, uint64_t line) {
  std::vector<Part> parts;
  // Asked once: hardware_concurrency() reads /sys on every call.
  static const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  size_t want = stream ? std::min(threads, body.size() / kPartBytes + 1) : 1;
  size_t pos = 0;
  for (size_t i = 0; i < want && pos < body.size(); ++i) {
    size_t end = body.size();
    if (i + 1 < want) {
      size_t nl = body.find('\n', std::max(pos, body.size() * (i + 1) / want));
      end = nl == std::string_view::npos ? body.size() : nl + 1;
    }
    Part p;
    p.text = body.substr(pos, end - pos);
    p.first_line = line;
    line += count_lines(p.text);
    parts.push_back(std::move(p));
    pos = end;
  }
  if (parts.empty()) {  // an empty body: one (blank) case, or no line
    parts.emplace_back();
    parts.back().first_line = line;
  }
  return parts;
}

// One request's decisions: the version that makes them all, and what the log says of it.
struct Batch {
  Engine engine;
  PolicyVersion version;
  std::string request_id, time;
  bool stream = false;
};

Batch batch_for(Service& s, std::string_view given_id, bool stream) {
  Batch b{s.reloader.engine(), {}, s.request_id(given_id), s.log.is_open() ? now_rfc3339() : std::string(), stream};
  b.version = b.engine.version();
  return b;
}

// Decides `text` (lines numbered from `first_line`) on the batch's version, in parts on
// threads when it is large, appending the records to `out` in order; writes the decision
// log's lines and counts the decisions. Returns the first part (for a single case: whether
// it was decided) with the number of error records in `errors`.
Part decide_text(Service& s, const Batch& b, std::string_view text, uint64_t first_line, std::string& out) {
  std::vector<Part> parts = cut(text, b.stream, first_line);
  auto run = [&](Part& p) {
    p.out.reserve(p.text.size() + 512);
    api::decide_cases(*b.engine.handle(), p.text, !b.stream, p.out, [&](const api::LineDecided& d) {
      p.decided = d.decided;
      p.run_error = d.run_error;
      if (d.decided) ++p.counts[{std::string(d.policy), d.verdict}];
      else ++p.errors;
      if (s.log.is_open()) {
        LogEntry e;
        e.time = b.time;
        e.request_id = b.request_id;
        e.line = d.line;
        e.generation = b.version.generation;
        e.source_hash = b.version.source_hash;
        e.content_hash = b.version.content_hash;
        e.revision = b.version.revision;
        e.input = d.input;
        e.record = d.record;
        append_log_line(p.log, e, s.personal, s.log_key);
      }
    }, p.first_line);
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < parts.size(); ++i)
    helpers.emplace_back([&run, &p = parts[i]] {
      try {
        run(p);
      } catch (...) {
        p.failure = std::current_exception();
      }
    });
  try {
    run(parts[0]);
  } catch (...) {
    parts[0].failure = std::current_exception();
  }
  for (std::thread& t : helpers) t.join();
  for (const Part& p : parts)
    if (p.failure) std::rethrow_exception(p.failure);  // the exception handler answers 500 or 503

  Part& first = parts[0];
  if (out.empty()) out = std::move(first.out);
  else out += first.out;
  for (size_t i = 1; i < parts.size(); ++i) {
    out += parts[i].out;
    first.log += parts[i].log;
    for (const auto& [key, n] : parts[i].counts) first.counts[key] += n;
    first.errors += parts[i].errors;
  }
  s.log.write(first.log);
  s.metrics.decisions(first.counts, first.errors);
  return std::move(first);
}

void set_batch_headers(httplib::Response& res, const Batch& b) {
  res.set_header("Lawful-Policy-Generation", std::to_string(b.version.generation));
  res.set_header("Lawful-Policy-Hash", hex16(b.version.source_hash));
  res.set_header("X-Request-Id", b.request_id);
}

// A body decided whole: a single case, or a stream that fit in memory.
struct Whole {
  Batch batch;
  int status = 200;
  std::string out;
  uint64_t errors = 0;
};

Whole decide_whole(Service& s, std::string_view given_id, std::string_view body, bool stream) {
  Whole w{batch_for(s, given_id, stream), 200, {}, 0};
  Part first = decide_text(s, w.batch, body, 1, w.out);
  w.errors = first.errors;
  // A case that could not be read is the client's to fix (400); one that was read but
  // failed as it was decided (an overflow in a rule) cannot be decided as it is (422).
  // A stream is always 200, its error records in place.
  w.status = stream || first.decided ? 200 : first.run_error ? 422 : 400;
  return w;
}

// The same, answered with a length through httplib.
void decide_body(Service& s, const httplib::Request& req, httplib::Response& res, std::string_view body, bool stream) {
  Whole w = decide_whole(s, req.get_header_value("X-Request-Id"), body, stream);
  set_batch_headers(res, w.batch);
  if (stream) res.set_header("Lawful-Error-Lines", std::to_string(w.errors));
  res.status = w.status;
  res.set_content(std::move(w.out), stream ? "application/x-ndjson" : "application/json");
}

// The same for the connection loop's fast path (Http::fast_decide): the answer httplib's
// route would give, headers and all. False leaves the request to httplib: a thread that
// answers 503, a missing or wrong token (401), a form (415), a stream.
bool fast_decide(Service& s, const Http::FastRequest& r, Http::FastAnswer& a) {
  if (t_overloaded || is_form_type(r.content_type) || is_stream_type(r.content_type)) return false;
  if (!s.token.empty() && (r.authorization.substr(0, 7) != "Bearer " || !same_token(r.authorization.substr(7), s.token)))
    return false;
  const Clock::time_point started = Clock::now();
  try {
    Whole w = decide_whole(s, r.request_id, r.body, false);
    a.status = w.status;
    a.body = std::move(w.out);
    a.headers = fmt::format(
        "Content-Type: application/json\r\nLawful-Policy-Generation: {}\r\nLawful-Policy-Hash: {:016x}\r\n"
        "X-Request-Id: {}\r\n",
        w.batch.version.generation, w.batch.version.source_hash, w.batch.request_id);
  } catch (const std::bad_alloc&) {
    a.status = 503;
    a.body = json{{"error", "out of memory for this request"}}.dump() + "\n";
    a.headers = "Content-Type: application/json\r\n";
  } catch (const std::exception& e) {
    a.status = 500;
    a.body = json{{"error", fmt::format("internal error: {}", e.what())}}.dump() + "\n";
    a.headers = "Content-Type: application/json\r\n";
    s.say(fmt::format("lawful serve: internal error: {}", e.what()));
  }
  s.metrics.request(Metrics::Decide, a.status, std::chrono::duration<double>(Clock::now() - started).count());
  return true;
}

// A stream's body as it arrives: in memory up to kSpoolMemory bytes; beyond that in an
// unlinked temporary file (in $TMPDIR, else /tmp), read back a block at a time. So a
// request's memory stays bounded whatever the size of its body.
constexpr size_t kSpoolMemory = 4u << 20;
constexpr size_t kStreamBlock = 4u << 20;

class Spool {
 public:
  Spool() = default;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool in_memory() const { return fd_ < 0; }
  std::string_view memory() const { return mem_; }
  bool append(const char* data, size_t n, std::string& why) {
    if (fd_ < 0 && mem_.size() + n <= kSpoolMemory) {
      mem_.append(data, n);
      return true;
    }
    if (fd_ < 0) {
      if (!open_file(why) || !put(mem_.data(), mem_.size(), why)) return false;
      std::string().swap(mem_);
    }
    return put(data, n, why);
  }
  // Appends at most `max` more bytes of the body to `into`; false once all was read.
  bool read(std::string& into, size_t max, std::string& why) {
    if (read_ >= written_) return false;
    size_t want = static_cast<size_t>(std::min<uint64_t>(max, written_ - read_));
    size_t at = into.size();
    into.resize(at + want);
    size_t got = 0;
    while (got < want) {
      ssize_t r = ::pread(fd_, &into[at + got], want - got, static_cast<off_t>(read_ + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        why = fmt::format("cannot read the stream's body back from its temporary file: {}",
                          r < 0 ? std::strerror(errno) : "it is shorter than written");
        into.resize(at + got);
        return false;
      }
      got += static_cast<size_t>(r);
    }
    read_ += got;
    return true;
  }
  bool done() const { return read_ >= written_; }

 private:
  bool open_file(std::string& why) {
    const char* env = std::getenv("TMPDIR");
    std::string dir = env && *env ? env : "/tmp";
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {  // a file system without O_TMPFILE: a named file, unlinked at once
      std::string name = dir + "/lawful-serve-XXXXXX";
      fd_ = ::mkstemp(name.data());
      if (fd_ >= 0) ::unlink(name.c_str());
    }
    if (fd_ < 0) why = fmt::format("cannot keep the stream's body in {} ($TMPDIR): {}", dir, std::strerror(errno));
    return fd_ >= 0;
  }
  bool put(const char* data, size_t n, std::string& why) {
    while (n > 0) {
      ssize_t r = ::pwrite(fd_, data, n, static_cast<off_t>(written_));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        why = fmt::format("cannot keep the stream's body in a temporary file ($TMPDIR): {}",
                          r < 0 ? std::strerror(errno) : "nothing written");
        return false;
      }
      written_ += static_cast<uint64_t>(r);
      data += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  std::string mem_;
  int fd_ = -1;
  uint64_t written_ = 0, read_ = 0;
};

// A stream too large for memory, answered in chunks (Transfer-Encoding: chunked) as its
// blocks are decided: whole lines of up to kStreamBlock bytes at a time, the part of a
// line cut by the block's end carried to the next.
struct StreamJob {
  Spool spool;
  Batch batch;
  std::string block, out;
  uint64_t next_line = 1;

  // One block decided and sent; false to abort the answer (the connection is closed
  // without the chunked body's end, so the client sees it is incomplete).
  bool next(Service& s, httplib::DataSink& sink) {
    try {
      std::string why;
      size_t end = std::string::npos;
      while (end == std::string::npos) {
        if (!spool.read(block, kStreamBlock, why)) {
          if (!why.empty()) {
            s.say("lawful serve: " + why);
            return false;
          }
          end = block.size();  // the body's end: its last line, even without a line break
        } else {
          size_t nl = block.rfind('\n');
          if (nl != std::string::npos) end = nl + 1;
        }
      }
      std::string_view text = std::string_view(block).substr(0, end);
      out.clear();
      if (!text.empty()) decide_text(s, batch, text, next_line, out);
      next_line += count_lines(text);
      block.erase(0, end);
      if (!out.empty() && !sink.write(out.data(), out.size())) return false;
      if (spool.done() && block.empty()) sink.done();
      return true;
    } catch (const std::exception& e) {
      s.say(fmt::format("lawful serve: a stream's answer was cut: {}", e.what()));
      return false;
    }
  }
};

// POST /v1/decide. The body is read here (httplib's content reader): a single case whole
// (up to --max-body), a stream into a Spool.
void decide(Service& s, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  auto failed_read = [&] {
    if (res.status == -1 || res.status < 400) res.status = 400;  // httplib set 413 for a body too large
  };
  if (!is_stream(req)) {
    std::string body;
    if (!reader([&](const char* data, size_t n) {
          body.append(data, n);
          return true;
        }))
      return failed_read();
    return decide_body(s, req, res, body, false);
  }
  auto job = std::make_shared<StreamJob>();
  std::string why;
  if (!reader([&](const char* data, size_t n) { return job->spool.append(data, n, why); })) {
    if (why.empty()) return failed_read();
    s.say("lawful serve: " + why);
    res.set_header("Retry-After", "1");
    return send_error(res, 503, why);
  }
  if (job->spool.in_memory()) return decide_body(s, req, res, job->spool.memory(), true);
  job->batch = batch_for(s, req.get_header_value("X-Request-Id"), true);
  set_batch_headers(res, job->batch);
  res.status = 200;
  res.set_chunked_content_provider("application/x-ndjson",
                                   [&s, job](size_t, httplib::DataSink& sink) { return job->next(s, sink); });
}

// A POST /v1/decide without a body (no Content-Length): an empty case.
void decide_empty(Service& s, const httplib::Request& req, httplib::Response& res) {
  decide_body(s, req, res, req.body, is_stream(req));
}

void explain(Service& s, const httplib::Request& req, httplib::Response& res) {
  Engine engine = s.reloader.engine();
  set_version(res, engine);
  // The case is read by the per-line step first, so that a case it refuses gets the
  // error record of `lawful check`, word for word.
  std::string record;
  bool refused = false;
  api::decide_cases(*engine.handle(), req.body, true, record,
                    [&](const api::LineDecided& d) { refused = !d.decided && !d.run_error; });
  if (refused) {
    res.status = 400;
    res.set_content(record, "application/json");
    return;
  }
  json c = json::parse(req.body, nullptr, false);
  if (c.is_discarded() || !c.is_object() || !c.contains("contact") || !c.contains("campaign")) {
    send_error(res, 400, "the body must be a case: {\"contact\": {...}, \"campaign\": {...}}");
    return;
  }
  std::string as_of = req.get_param_value("as_of");
  try {
    Decision d;
    std::string text = engine.explain(c["contact"].dump(), c["campaign"].dump(), d, as_of);
    res.status = d.ok() ? 200 : 422;
    res.set_content(text + "\n", "application/json");
  } catch (const Error& e) {
    send_error(res, 400, e.what());
  }
}

void policies(Service& s, httplib::Response& res) {
  Engine engine = s.reloader.engine();
  PolicyVersion v = engine.version();
  api::EngineInfo info = api::describe(*engine.handle());
  json out;
  out["path"] = s.o.policies;
  out["generation"] = v.generation;
  out["source_hash"] = hex16(v.source_hash);
  out["content_hash"] = v.content_hash.empty() ? json(nullptr) : json(v.content_hash);
  out["revision"] = v.revision.empty() ? json(nullptr) : json(v.revision);
  out["entry"] = info.entry;
  out["engine"] = engine.backend() == Backend::jit ? "jit" : "vm";
  {
    std::lock_guard<std::mutex> lock(s.info_mutex);
    out["loaded_at"] = s.loaded_at;
  }
  json list = json::array();
  for (const auto& p : info.policies)
    list.push_back({{"name", p.name}, {"title", p.title}, {"jurisdictions", p.jurisdictions}});
  out["policies"] = list;
  json routes = json::object();
  for (const auto& [country, policy] : info.routes) routes[country] = policy.empty() ? json(nullptr) : json(policy);
  out["routes"] = routes;
  ReloadResult last = s.reloader.last();
  json reload;
  {
    std::lock_guard<std::mutex> lock(s.info_mutex);
    reload["at"] = s.last_reload_at.empty() ? json(nullptr) : json(s.last_reload_at);
  }
  reload["ok"] = last.ok();
  reload["status"] = to_string(last.status);
  reload["message"] = last.message;
  json diags = json::array();
  for (const Diagnostic& d : last.diagnostics)
    diags.push_back({{"error", d.error},
                     {"code", d.code},
                     {"file", d.file},
                     {"line", d.line},
                     {"column", d.column},
                     {"message", d.message},
                     {"help", d.help}});
  reload["diagnostics"] = diags;
  reload["text"] = last.diagnostics.text();
  out["last_reload"] = reload;
  set_version(res, engine);
  res.set_content(out.dump(2) + "\n", "application/json");
}

// ---------------------------------------------------------------- signals

// SIGHUP: reload the policies and reopen the decision log. SIGTERM, SIGINT: stop.
void wait_for_signals(Service& s, Http& http, const std::atomic<bool>& done) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
  timespec tick{0, 200 * 1000 * 1000};
  while (!done.load()) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGHUP) {
      s.say("lawful serve: SIGHUP: reloading the policies");
      std::string why;
      if (!s.log.reopen(&why)) s.say("lawful serve: " + why);
      ReloadResult r = s.reloader.reload();
      s.reloaded(r.status, s.reloader.version().generation, r.diagnostics, r.message);
    } else if (sig == SIGTERM || sig == SIGINT) {
      s.say(fmt::format("lawful serve: {}: finishing the requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
      s.ready = false;
      http.drain();
      return;
    }
  }
}

bool split_listen(const std::string& listen, std::string& host, int& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return false;
  std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(p);
  return port <= 65535;
}

}  // namespace

int run(const Options& o) {
  auto say = [&](std::string_view t) {
    if (o.say) o.say(t);
  };
  std::string host;
  int port = 0;
  if (!split_listen(o.listen, host, port)) {
    say(fmt::format("lawful serve: --listen {}: give HOST:PORT (127.0.0.1:8181; port 0 takes a free one)", o.listen));
    return kUsage;
  }
  Personal personal;
  if (!parse_personal(o.log_personal, personal)) {
    say(fmt::format("lawful serve: --log-personal {}: give keep, mask, hash or drop", o.log_personal));
    return kUsage;
  }
  // A secret of one line, no spaces, from a file (--token-file, --log-key-file).
  auto secret = [&](const std::string& path, const char* option, std::string& out) {
    if (path.empty()) return true;
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    if (!in || out.empty() || out.find_first_of(" \t\r\n") != std::string::npos) {
      say(fmt::format("lawful serve: {} {}: cannot read a secret from it (one line, no spaces)", option, path));
      return false;
    }
    return true;
  };
  std::string token, log_key;
  if (!secret(o.token_file, "--token-file", token) || !secret(o.log_key_file, "--log-key-file", log_key))
    return kUsage;

  // A client that goes away while its answer is written is an error of that write
  // (EPIPE), never the end of the service.
  std::signal(SIGPIPE, SIG_IGN);
  // Every thread started from here on inherits the mask: the signals come to
  // wait_for_signals only.
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, &old);

  Loaded<Reloader> opened = Reloader::open(o.policies);
  if (!opened) {
    if (!opened.diagnostics().text().empty()) say(opened.diagnostics().text());
    say(fmt::format("lawful serve: {}: {}", o.policies, opened.message()));
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return kFailed;
  }
  Service s(o, std::move(opened.value()));
  s.use_engine(s.reloader.engine());
  s.personal = personal;
  s.token = token;
  s.log_key = log_key;
  if (!o.decision_log.empty()) {
    std::string why;
    if (!s.log.open(o.decision_log, &why)) {
      say("lawful serve: " + why);
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      return kFailed;
    }
  }

  Http http(static_cast<int>(o.idle_timeout_ms), static_cast<int>(o.read_timeout_ms), static_cast<int>(o.write_timeout_ms));
  http.new_task_queue = [&] { return new Workers(std::max(1u, o.workers), o.queue, s.metrics); };
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(std::max<time_t>(1, o.idle_timeout_ms / 1000));
  http.set_read_timeout(o.read_timeout_ms / 1000, (o.read_timeout_ms % 1000) * 1000);
  http.set_write_timeout(o.write_timeout_ms / 1000, (o.write_timeout_ms % 1000) * 1000);
  http.set_payload_max_length(o.max_body);
  http.set_tcp_nodelay(true);

  http.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    t_started = Clock::now();
    if (t_overloaded) {
      res.set_header("Retry-After", "1");
      res.set_header("Connection", "close");
      send_error(res, 503,
                 fmt::format("too many connections: {} served at once and {} waiting (--workers, --queue)", o.workers,
                             o.queue));
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool open_route = req.path == "/healthz" || req.path == "/readyz" || (req.path == "/" && req.method == "GET");
    if (!s.token.empty() && !open_route) {
      std::string auth = req.get_header_value("Authorization");
      if (auth.compare(0, 7, "Bearer ") != 0 || !same_token(auth.substr(7), s.token)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"lawful\"");
        res.set_header("Connection", "close");
        send_error(res, 401, "this service needs Authorization: Bearer TOKEN (the token of --token-file)");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "POST") {
      std::string type = req.get_header_value("Content-Type");
      if (is_form_type(type)) {
        res.set_header("Connection", "close");
        send_error(res, 415,
                   fmt::format("Content-Type {} is not read here: send application/json (one case) or "
                               "application/x-ndjson (a case per line)",
                               type.substr(0, type.find(';'))));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  http.set_error_handler(httplib::Server::HandlerWithResponse([&](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    switch (res.status) {
      case 404: send_error(res, 404, fmt::format("no such endpoint: {} {} (docs/server.md lists them)", req.method, req.path)); break;
      case 405: send_error(res, 405, fmt::format("{} is not allowed on {}", req.method, req.path)); break;
      case 413:
        send_error(res, 413, fmt::format("the body is larger than the limit of {} bytes (--max-body); send a "
                                         "stream in several requests",
                                         o.max_body));
        break;
      case 414: send_error(res, 414, "the request's address is too long"); break;
      case 400: send_error(res, 400, "a malformed HTTP request"); break;
      default: send_error(res, res.status, fmt::format("the request failed (HTTP {})", res.status)); break;
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  http.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::bad_alloc&) {
      send_error(res, 503, "out of memory for this request");
    } catch (const std::exception& e) {
      send_error(res, 500, fmt::format("internal error: {}", e.what()));
      s.say(fmt::format("lawful serve: internal error: {}", e.what()));
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  });

  // Answers given while draining close their connection, and say so.
  http.set_fast_decide([&](const Http::FastRequest& r, Http::FastAnswer& a) { return fast_decide(s, r, a); });
  http.set_post_routing_handler([&](const httplib::Request&, httplib::Response& res) {
    if (!http.draining()) return;
    res.headers.erase("Keep-Alive");
    if (res.get_header_value("Connection") != "close") res.set_header("Connection", "close");
  });

  http.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    double seconds = 0;
    if (t_started != Clock::time_point{})
      seconds = std::chrono::duration<double>(Clock::now() - t_started).count();
    t_started = {};
    s.metrics.request(route_of(req.path), res.status, seconds);
  });

  http.Post("/v1/decide", [&](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& reader) { decide(s, req, res, reader); });
  http.Post("/v1/decide", [&](const httplib::Request& req, httplib::Response& res) { decide_empty(s, req, res); });
  http.Post("/v1/explain", [&](const httplib::Request& req, httplib::Response& res) { explain(s, req, res); });
  http.Get("/v1/policies", [&](const httplib::Request&, httplib::Response& res) { policies(s, res); });
  http.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\": \"ok\"}\n", "application/json");
  });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    if (s.ready) {
      res.set_content("{\"status\": \"ready\"}\n", "application/json");
    } else {
      send_error(res, 503, "not ready: stopping");
    }
  });
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics.text(s.reloader.version().generation), "text/plain; version=0.0.4; charset=utf-8");
  });
  if (o.playground) {
    http.Get("/", [&](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
      res.set_content(std::string(playground_page()), "text/html; charset=utf-8");
    });
    http.Post("/v1/playground", [&](const httplib::Request& req, httplib::Response& res) {
      int status = 200;
      std::string body = playground_answer(o.policies, req.body, status);
      res.status = status;
      res.set_content(body, "application/json");
    });
    http.Get("/v1/playground/files", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(playground_files(o.policies), "application/json");
    });
  }

  int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    say(fmt::format("lawful serve: cannot listen on {}: the address is in use or not this machine's", o.listen));
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return kFailed;
  }
  if (o.watch_ms > 0)
    s.reloader.watch(std::chrono::milliseconds(o.watch_ms), [&](const ReloadEvent& ev) {
      s.reloaded(ev.status, ev.generation, ev.diagnostics, ev.status == Status::ok ? "" : s.reloader.last().message);
    });
  PolicyVersion v = s.reloader.version();
  say(fmt::format("lawful serve: generation {} of {} (source hash {}, engine {}); listening on http://{}:{}",
                  v.generation, o.policies, hex16(v.source_hash),
                  s.reloader.engine().backend() == Backend::jit ? "jit" : "vm", host.find(':') != std::string::npos ? "[" + host + "]" : host,
                  bound));
  s.ready = true;
  std::atomic<bool> done{false};
  std::thread signals([&] { wait_for_signals(s, http, done); });
  http.listen_after_bind();  // returns once stopped, every connection's thread joined
  done = true;
  signals.join();
  s.reloader.stop_watching();
  s.log.close();
  say(fmt::format("lawful serve: stopped{}", s.log.lost() ? fmt::format(" ({} decisions could not be logged)",
                                                                         s.log.lost())
                                                          : ""));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return kStopped;
}

}  // namespace lawful::server
