// The service's HTTP plumbing; see http.h.
#include "server/http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace lawful::server {

namespace {

// Set on the thread that answers connections beyond the limit.
thread_local bool t_overloaded = false;

// The reason phrase of the statuses the fast paths answer.
const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 422: return "Unprocessable Entity";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

}  // namespace

bool overloaded_thread() { return t_overloaded; }

int temporary_file(std::string_view what, std::string& why) {
  const char* env = std::getenv("TMPDIR");
  std::string dir = env && *env ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {  // a file system without O_TMPFILE: a named file, unlinked at once
    std::string name = dir + "/lawful-serve-XXXXXX";
    fd = ::mkstemp(name.data());
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd < 0) why = fmt::format("cannot keep {} in {} ($TMPDIR): {}", what, dir, std::strerror(errno));
  return fd;
}

bool write_at(int fd, uint64_t& offset, std::string_view data, std::string_view what, std::string& why) {
  while (!data.empty()) {
    ssize_t r = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      why = fmt::format("cannot keep {} in a temporary file ($TMPDIR): {}", what,
                        r < 0 ? std::strerror(errno) : "nothing written");
      return false;
    }
    offset += static_cast<uint64_t>(r);
    data.remove_prefix(static_cast<size_t>(r));
  }
  return true;
}

// ---------------------------------------------------------------- Workers

Workers::Workers(size_t workers, size_t queue, std::function<void()> rejected)
    : workers_(workers), queue_(queue), rejected_(std::move(rejected)) {
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(jobs_, false); });
  threads_.emplace_back([this] { work(overflow_, true); });
}

void Workers::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Counted by jobs taken, not by threads waiting: a worker that has not started yet
    // (a busy machine) is still a worker.
    if (busy_ + jobs_.size() < workers_ + queue_) {
      jobs_.push_back(std::move(fn));
    } else {
      overflow_.push_back(std::move(fn));
      if (rejected_) rejected_();
    }
  }
  cv_.notify_all();
}

void Workers::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Workers::work(std::deque<std::function<void()>>& from, bool overloaded) {
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

// ---------------------------------------------------------------- Conn

bool Conn::fill() {
  if (buffered()) return true;
  ssize_t got = receive(rbuf_, sizeof(rbuf_));
  if (got <= 0) return false;
  rpos_ = 0;
  rlen_ = static_cast<size_t>(got);
  return true;
}

bool Conn::fill_to(size_t want) {
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

ssize_t Conn::read_raw(char* ptr, size_t n) {
  if (!buffered()) return receive(ptr, n);
  n = std::min(n, rlen_ - rpos_);
  std::memcpy(ptr, rbuf_ + rpos_, n);
  rpos_ += n;
  return static_cast<ssize_t>(n);
}

bool Conn::is_readable() const { return buffered() || wait(POLLIN, read_ms_); }
bool Conn::is_writable() const { return wait(POLLOUT, write_ms_); }

ssize_t Conn::read(char* ptr, size_t size) {
  if (!flush()) return -1;
  if (!buffered()) {
    if (size >= sizeof(rbuf_)) return receive(ptr, size);
    ssize_t got = receive(rbuf_, sizeof(rbuf_));
    if (got <= 0) return got;
    rpos_ = 0;
    rlen_ = static_cast<size_t>(got);
  }
  return read_raw(ptr, size);
}

ssize_t Conn::write(const char* ptr, size_t size) {
  if (wbuf_.size() + size > kGather) {
    if (!flush()) return -1;
    if (size >= kGather) return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
  }
  wbuf_.append(ptr, size);
  return static_cast<ssize_t>(size);
}

bool Conn::flush() {
  if (wbuf_.empty()) return true;
  bool ok = send_all(wbuf_.data(), wbuf_.size());
  wbuf_.clear();
  return ok;
}

void Conn::get_remote_ip_and_port(std::string& ip, int& port) const {
  addresses();
  ip = remote_ip_;
  port = remote_port_;
}

void Conn::get_local_ip_and_port(std::string& ip, int& port) const {
  addresses();
  ip = local_ip_;
  port = local_port_;
}

bool Conn::wait(short events, int ms) const {
  pollfd p{sock_, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

ssize_t Conn::receive(char* ptr, size_t size) {
  for (;;) {
    ssize_t r = ::recv(sock_, ptr, size, 0);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

bool Conn::send_all(const char* ptr, size_t size) {
  while (size > 0) {
    ssize_t r = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ptr += r;
    size -= static_cast<size_t>(r);
  }
  return true;
}

namespace {
void name(const sockaddr_storage& a, std::string& ip, int& port) {
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
}  // namespace

void Conn::addresses() const {
  if (named_) return;
  named_ = true;
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  if (getpeername(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) name(a, remote_ip_, remote_port_);
  len = sizeof(a);
  if (getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) name(a, local_ip_, local_port_);
}

// ---------------------------------------------------------------- StreamExchange

// What the client has not taken yet, first in first out: in memory up to kMemory bytes,
// then (until it has all gone) in a temporary file, so that memory stays bounded however
// long the answer a client leaves unread.
class StreamExchange::Backlog {
 public:
  static constexpr size_t kMemory = 4u << 20;
  ~Backlog() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool empty() const { return head_ == mem_.size() && read_ == written_; }
  bool put(std::string_view data, std::string& why) {
    if (read_ == written_ && mem_.size() - head_ + data.size() <= kMemory) {
      if (head_ == mem_.size()) {
        mem_.clear();
        head_ = 0;
      }
      mem_.append(data);
      return true;
    }
    if (fd_ < 0 && (fd_ = temporary_file("a stream's answer", why)) < 0) return false;
    return write_at(fd_, written_, data, "a stream's answer", why);
  }
  // The oldest bytes kept (up to a block), for send(); taken(n) once n were sent.
  std::string_view front(std::string& why) {
    if (head_ < mem_.size()) return std::string_view(mem_).substr(head_);
    if (read_ == written_) return {};
    block_.resize(static_cast<size_t>(std::min<uint64_t>(kBlock, written_ - read_)));
    size_t got = 0;
    while (got < block_.size()) {
      ssize_t r = ::pread(fd_, &block_[got], block_.size() - got, static_cast<off_t>(read_ + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        why = "cannot read a stream's answer back from its temporary file";
        return {};
      }
      got += static_cast<size_t>(r);
    }
    from_file_ = true;
    return block_;
  }
  void taken(size_t n) {
    if (!from_file_) {
      head_ += n;
      return;
    }
    read_ += n;
    from_file_ = false;
    if (read_ == written_) read_ = written_ = 0;  // the file is written again from its start
  }

 private:
  static constexpr size_t kBlock = 1u << 20;
  std::string mem_;
  size_t head_ = 0;
  int fd_ = -1;
  uint64_t written_ = 0, read_ = 0;
  std::string block_;
  bool from_file_ = false;
};

StreamExchange::StreamExchange(Conn& conn, uint64_t length, std::string connection, size_t head,
                               bool expect_continue)
    : conn_(conn),
      left_(length),
      connection_(std::move(connection)),
      head_(head),
      expect_continue_(expect_continue),
      backlog_(std::make_unique<Backlog>()) {}

bool StreamExchange::start() {
  if (started_) return true;
  started_ = true;
  conn_.consume(head_);
  if (!expect_continue_) return true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  size_t sent = 0;
  return send_now(kContinue.data(), kContinue.size(), sent, true) || fail();
}

StreamExchange::~StreamExchange() = default;

ssize_t StreamExchange::read(char* to, size_t n) {
  uint64_t left = left_.load();
  if (left == 0) return 0;
  ssize_t r = conn_.read_raw(to, static_cast<size_t>(std::min<uint64_t>(n, left)));
  if (r == 0) {  // the client closed its side before the end of the body
    errno = ECONNRESET;
    return -1;
  }
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) errno = ETIMEDOUT;  // silent for --read-timeout-ms
  if (r > 0) left_.store(left - static_cast<uint64_t>(r));
  return r;
}

bool StreamExchange::fail() {
  if (!failed_) ::shutdown(conn_.socket(), SHUT_RDWR);  // a read waiting on the body ends
  failed_ = true;
  return false;
}

// Sends up to `n` bytes; without `wait`, only what the socket takes at once.
bool StreamExchange::send_now(const char* p, size_t n, size_t& sent, bool wait) {
  sent = 0;
  while (sent < n) {
    ssize_t r = ::send(conn_.socket(), p + sent, n - sent, MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (r <= 0) return false;  // gone, or the write timeout passed
    sent += static_cast<size_t>(r);
  }
  return true;
}

bool StreamExchange::pump() {
  if (failed_) return false;
  for (;;) {
    const bool wait = body_read();
    std::string why;
    std::string_view kept = backlog_->front(why);
    if (!why.empty()) return fail();
    if (kept.empty()) return true;
    size_t sent = 0;
    if (!send_now(kept.data(), kept.size(), sent, wait)) return fail();
    backlog_->taken(sent);
    if (sent < kept.size()) return true;  // the client takes no more for now
  }
}

// The three pieces in order: sent at once where the client takes them, else kept.
bool StreamExchange::out(std::string_view a, std::string_view b, std::string_view c) {
  if (!pump()) return false;
  const bool wait = body_read();
  std::string_view parts[3] = {a, b, c};
  if (backlog_->empty()) {
    iovec iov[3];
    size_t total = 0;
    for (int i = 0; i < 3; ++i) {
      iov[i] = {const_cast<char*>(parts[i].data()), parts[i].size()};
      total += parts[i].size();
    }
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 3;
    ssize_t r;
    do r = ::sendmsg(conn_.socket(), &m, MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT));
    while (r < 0 && errno == EINTR);
    size_t sent = 0;
    if (r >= 0) sent = static_cast<size_t>(r);
    else if (wait || (errno != EAGAIN && errno != EWOULDBLOCK)) return fail();
    for (std::string_view& p : parts) {
      size_t n = std::min(sent, p.size());
      p.remove_prefix(n);
      sent -= n;
    }
    // A blocking sendmsg may stop short (a signal, a large answer): the rest in order.
    if (wait && total > static_cast<size_t>(r))
      for (std::string_view p : parts) {
        size_t done = 0;
        if (!send_now(p.data(), p.size(), done, true)) return fail();
      }
    if (wait) return true;
  }
  std::string why;
  for (std::string_view p : parts)
    if (!p.empty() && !backlog_->put(p, why)) return fail();
  return true;
}

bool StreamExchange::begin(int status, std::string_view headers) {
  if (!start()) return false;
  std::string head = fmt::format("HTTP/1.1 {} {}\r\nTransfer-Encoding: chunked\r\n", status, reason(status));
  head += connection_;
  head += headers;
  head += "\r\n";
  return out(head, {}, {});
}

bool StreamExchange::write(std::string_view data) {
  if (data.empty()) return !failed_;
  char size[24];
  int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return out(std::string_view(size, static_cast<size_t>(n)), data, "\r\n");
}

bool StreamExchange::end() {
  ended_ = out("0\r\n\r\n", {}, {}) && pump();
  return ended_;
}

// ---------------------------------------------------------------- Http

Http::Http(int idle_ms, int read_ms, int write_ms)
    : idle_ms_(idle_ms), read_ms_(read_ms), write_ms_(write_ms), drained_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = sock;  // the last one made is the one bound
  });
}

Http::~Http() {
  if (drained_fd_ >= 0) ::close(drained_fd_);
}

void Http::drain() {
  draining_ = true;
  if (drained_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(drained_fd_, &one, sizeof(one));
  }
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // accept() fails: httplib's loop ends
}

int Http::bind(const std::string& host, int port) {
  int bound = port == 0 ? bind_to_any_port(host) : (bind_to_port(host, port) ? port : -1);
  // Listening again on a listening socket sets its queue's length (SOMAXCONN: the most
  // the kernel allows, net.core.somaxconn capping it).
  if (bound >= 0 && ::listen(listen_fd_, SOMAXCONN) != 0) return -1;
  return bound;
}

bool Http::process_and_close_socket(socket_t sock) {
  Conn conn(sock, read_ms_, write_ms_);
  const std::string keep_alive = connection_header(false);  // made once per connection, not per answer
  bool ret = false;
  for (size_t left = std::max<size_t>(1, keep_alive_max_count_); left > 0; --left) {
    if (!wait_for_request(conn, left == keep_alive_max_count_)) break;
    const bool close = left == 1 || draining_.load();
    bool closed = false;
    int fast = fast_decide(conn, close, closed, keep_alive);
    ret = fast == 0 ? process_request(conn, close, closed, nullptr) : fast > 0;
    ret = conn.flush() && ret;
    if (!ret || closed || close || draining_.load()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

std::string Http::connection_header(bool closing) const {
  if (closing) return "Connection: close\r\n";
  return fmt::format("Keep-Alive: timeout={}, max={}\r\n", keep_alive_timeout_sec_, keep_alive_max_count_);
}

// The hot paths, beside httplib's: a request to /v1/decide in the plainest form
// (HTTP/1.1, a Content-Length, no Transfer-Encoding, no compression asked for, no Range)
// is read here. A single case (the whole request already received, no Expect) is
// decided and answered here, with the same answer httplib's route gives (the service's
// function makes both), at a third of the instructions (docs/performance.md, "lawful
// serve"); a body too large for the buffer goes to the service's stream path. Anything
// else, and anything this parser is unsure of, is left unread to httplib. 1: answered,
// 0: left to httplib, -1: the answer could not be written.
int Http::fast_decide(Conn& conn, bool close, bool& closed, const std::string& keep_alive) {
  static constexpr std::string_view kLine = "POST /v1/decide HTTP/1.1\r\n";
  if ((!fast_ && !fast_stream_) || !conn.fill()) return 0;
  const std::string_view buf = conn.peek();
  if (buf.substr(0, kLine.size()) != kLine) return 0;
  const size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  auto is = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
  };
  FastRequest r;
  bool client_close = false, has_length = false, expect_continue = false;
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
    } else if (is(name, "Expect")) {
      if (!is(value, "100-continue") || expect_continue) return 0;
      expect_continue = true;
    } else if (is(name, "Transfer-Encoding") || is(name, "Range")) {
      return 0;
    }
  }
  const size_t body_at = head_end + 4;
  if (!has_length || length > payload_max_length_) return 0;
  r.length = length;
  const bool closing = close || client_close || draining_.load();
  if (body_at + length > Conn::kBuffer) {
    if (!fast_stream_) return 0;
    int answered = fast_stream(conn, r, body_at, expect_continue, closing, closed, keep_alive);
    if (answered != 0 && client_close) closed = true;
    return answered;
  }
  if (!fast_ || expect_continue) return 0;
  // A client that sends the head and then the body (Python's http.client): the body is
  // waited for here when it fits the buffer, and the request read again from its start.
  if (length > buf.size() - body_at) {
    while (conn.peek().size() < body_at + length)
      if (!conn.fill_to(body_at + length)) return 0;  // httplib reads on from what is buffered
    return fast_decide(conn, close, closed, keep_alive);
  }
  r.body = buf.substr(body_at, length);
  FastAnswer a;
  if (!fast_(r, a)) return 0;
  conn.consume(body_at + length);
  closed = client_close;
  // Made by hand, as the service's headers are (fmt's parse cost more than the rest).
  char number[20];
  std::string head;
  head.reserve(96 + keep_alive.size() + a.headers.size());
  head += "HTTP/1.1 ";
  head.append(number, static_cast<size_t>(std::to_chars(number, number + sizeof(number), a.status).ptr - number));
  head += ' ';
  head += reason(a.status);
  head += "\r\nContent-Length: ";
  head.append(number, static_cast<size_t>(std::to_chars(number, number + sizeof(number), a.body.size()).ptr - number));
  head += "\r\n";
  head += closing ? connection_header(true) : keep_alive;
  head += a.headers;
  head += "\r\n";
  if (conn.write(head.data(), head.size()) < 0 || conn.write(a.body.data(), a.body.size()) < 0) return -1;
  if (closing) closed = true;
  return 1;
}

// A body too large for the connection's buffer: the service's, read and answered through
// a StreamExchange; the connection goes on only when both went to their end. The views in
// `r` point into the connection's buffer, which the exchange leaves as it is.
int Http::fast_stream(Conn& conn, const FastRequest& r, size_t body_at, bool expect_continue, bool closing,
                      bool& closed, const std::string& keep_alive) {
  StreamExchange exchange(conn, r.length, closing ? connection_header(true) : keep_alive, body_at, expect_continue);
  // Declined before the exchange began: httplib's, the request still unread.
  if (!fast_stream_(r, exchange) && !exchange.began()) return 0;
  // Cut short (the body or the client failed, or the service could not finish): the
  // connection is closed without the last chunk, so the client sees the answer is incomplete.
  closed = closing || !exchange.ended() || !exchange.body_read();
  return exchange.failed() ? -1 : 1;
}

// Whether a request is there to read: within the idle timeout; while draining, only one
// already sent on a kept-alive connection, and on one accepted but not yet served, one
// that comes within the idle timeout. An idle connection sleeps in one poll(), which
// drain() ends (its eventfd becomes readable).
bool Http::wait_for_request(Conn& conn, bool first) {
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

}  // namespace lawful::server
