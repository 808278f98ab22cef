// The service's HTTP plumbing on cpp-httplib: the bounded pool of connection threads
// (Workers), a connection's socket with buffered reads and gathered writes (Conn), and
// the server (Http): httplib's, with the service's own loop over a connection's requests,
// a graceful stop, and two fast paths the service answers without httplib's parser: a
// plain single decision, and a long NDJSON stream decided as it arrives
// (StreamExchange). What is decided, and every route, is the service's (server.cpp).
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>

namespace lawful::server {

using Clock = std::chrono::steady_clock;

// Whether this thread answers the connections beyond the limit (Workers): every request
// it reads gets 503 at once.
bool overloaded_thread();

// A temporary file, unlinked (in $TMPDIR, else /tmp): its descriptor, or -1 and why
// (`what` names what it was for).
int temporary_file(std::string_view what, std::string& why);
// Writes all of `data` at `*offset` in such a file, moving the offset; false and why.
bool write_at(int fd, uint64_t& offset, std::string_view data, std::string_view what, std::string& why);

// httplib's task queue, bounded: `workers` threads serve connections (one each, with its
// keep-alive requests); up to `queue` more wait; beyond that a connection goes to one
// thread of its own that answers its request 503 and closes it, so a flood of
// connections never holds the workers nor grows without bound in memory that matters.
// `rejected` is called (under the queue's lock) for each connection sent there.
class Workers : public httplib::TaskQueue {
 public:
  Workers(size_t workers, size_t queue, std::function<void()> rejected);
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void work(std::deque<std::function<void()>>& from, bool overloaded);
  const size_t workers_, queue_;
  std::function<void()> rejected_;
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
  static constexpr size_t kBuffer = 16 * 1024;  // what is received at a time
  Conn(int sock, int read_ms, int write_ms) : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}
  bool buffered() const { return rpos_ < rlen_; }
  // What has been received and not yet read; fill() receives once when nothing is.
  std::string_view peek() const { return std::string_view(rbuf_ + rpos_, rlen_ - rpos_); }
  bool fill();
  void consume(size_t n) { rpos_ += std::min(n, rlen_ - rpos_); }
  // Receives once more after what is buffered (moved to the buffer's start), so that
  // peek() holds up to `want` bytes; false when that cannot be (too large, or nothing came).
  bool fill_to(size_t want);
  // Up to `n` bytes: what is buffered, else one receive (without flushing the writes).
  ssize_t read_raw(char* ptr, size_t n);
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  bool flush();
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  static constexpr size_t kGather = 64 * 1024;
  bool wait(short events, int ms) const;
  ssize_t receive(char* ptr, size_t size);
  bool send_all(const char* ptr, size_t size);
  void addresses() const;

  const int sock_, read_ms_, write_ms_;
  char rbuf_[kBuffer];
  size_t rpos_ = 0, rlen_ = 0;
  std::string wbuf_;
  mutable bool named_ = false;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = 0, local_port_ = 0;
};

// A request's body read while its answer is written: a long NDJSON stream, decided a
// chunk of lines at a time as it arrives, its records sent back in chunks
// (`Transfer-Encoding: chunked`) as they are made. Two threads use it: one reads the body
// (read()), the other writes the answer (begin(), write(), pump(), end()).
//
// While the body is still arriving the writer never waits for the client: what the socket
// does not take at once is kept, in memory up to 4 MiB and beyond in a temporary file, and
// sent as the client reads. A client that reads its answer only once it has sent all
// (Python's http.client, most simple ones) so never blocks the service, nor the service
// it; a client that reads as it sends gets its records as they are made. Once the body
// has all come, the writer waits for the client (the write timeout bounding each send).
class StreamExchange {
 public:
  // `length`: the body's (Content-Length); `connection`: the answer's header lines on
  // keep-alive or close ("Name: value\r\n" each); `head`: the bytes of the request's head,
  // still in the connection's buffer, taken off when the exchange begins (when the client
  // asked, after `100 Continue`).
  StreamExchange(Conn& conn, uint64_t length, std::string connection, size_t head, bool expect_continue);
  ~StreamExchange();
  StreamExchange(const StreamExchange&) = delete;
  StreamExchange& operator=(const StreamExchange&) = delete;

  // The body, as read(2) answers: bytes, 0 once `length` have been read, -1 (errno) when
  // the client sent nothing for the read timeout or went away. Only after begin().
  ssize_t read(char* to, size_t n);
  bool body_read() const { return left_.load() == 0; }

  // The answer: the status line and `headers` ("Name: value\r\n" each; the chunked
  // encoding and the connection's are added), then each piece of records as a chunk,
  // then the last chunk. False once the client cannot be written to (the rest is then
  // dropped, and the socket shut down so that a read waiting on it ends).
  bool begin(int status, std::string_view headers);
  bool write(std::string_view data);
  // Sends what is kept, as much as the client takes now (after the body: all of it).
  bool pump();
  bool end();
  bool failed() const { return failed_; }
  bool began() const { return started_; }
  bool ended() const { return ended_; }  // the last chunk sent

 private:
  class Backlog;
  bool start();
  bool out(std::string_view a, std::string_view b, std::string_view c);
  bool send_now(const char* p, size_t n, size_t& sent, bool wait);
  bool fail();

  Conn& conn_;
  std::atomic<uint64_t> left_;
  std::string connection_;
  size_t head_;
  bool expect_continue_, started_ = false, ended_ = false;
  std::unique_ptr<Backlog> backlog_;
  bool failed_ = false;
};

// httplib's server with our own loop over a connection's requests (Conn above), and a
// graceful stop: drain() stops accepting (the listening socket is shut down, so new
// connections are refused) while everything accepted is answered: the request in
// progress on each connection, a request already sent on a kept-alive one, and every
// connection still waiting in the queue (the workers take them in turn; httplib's own
// loop would close those unanswered). Idle kept-alive connections are closed. Answers
// given while draining say `Connection: close` (the post-routing handler in run()).
class Http final : public httplib::Server {
 public:
  // A request to POST /v1/decide read by a fast path, for the service to answer.
  struct FastRequest {
    std::string_view body;  // a single decision's; empty for a stream (read through the exchange)
    std::string_view content_type, authorization, request_id;
    uint64_t length = 0;  // Content-Length
  };
  struct FastAnswer {
    int status = 200;
    std::string headers;  // "Name: value\r\n" each, beside Content-Length and the connection's
    std::string body;
  };
  // The service's answer, or false to leave the request to httplib (which then answers
  // it as any other: a missing token, an overloaded thread).
  using FastDecide = std::function<bool(const FastRequest&, FastAnswer&)>;
  // A request whose body does not fit the connection's buffer (16 KiB): the service
  // reads its body and writes its answer through the exchange (begin() first), or returns
  // false without beginning it to leave the request to httplib.
  using FastStream = std::function<bool(const FastRequest&, StreamExchange&)>;
  void set_fast_decide(FastDecide f) { fast_ = std::move(f); }
  void set_fast_stream(FastStream f) { fast_stream_ = std::move(f); }

  Http(int idle_ms, int read_ms, int write_ms);
  ~Http() override;
  bool draining() const { return draining_.load(); }
  void drain();
  // Binds to HOST:PORT (port 0: a free one) and listens with a deep accept queue: the
  // port bound, or -1. httplib listens with a queue of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
  // when Debian's library was compiled), so a burst of connections (a client's pool
  // opening) had all but the first six wait a second and more for their handshake.
  int bind(const std::string& host, int port);

 private:
  bool process_and_close_socket(socket_t sock) override;
  int fast_decide(Conn& conn, bool close, bool& closed, const std::string& keep_alive);
  int fast_stream(Conn& conn, const FastRequest& r, size_t body_at, bool expect_continue, bool closing,
                  bool& closed, const std::string& keep_alive);
  std::string connection_header(bool closing) const;
  bool wait_for_request(Conn& conn, bool first);

  FastDecide fast_;
  FastStream fast_stream_;
  const int idle_ms_, read_ms_, write_ms_;
  const int drained_fd_;  // an eventfd; -1: idle waits notice a drain at their timeout
  std::atomic<bool> draining_{false};
  std::atomic<int> listen_fd_{-1};
};

}  // namespace lawful::server
