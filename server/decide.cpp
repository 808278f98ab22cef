// POST /v1/decide: one case, or a stream of them (a case per line). The records are those
// of `lawful check --cases`, byte for byte: a single case and a short stream go through
// the engine's per-line step on the request's thread (api::decide_cases); a stream over
// 1 MiB through `lawful check`'s own pipeline on every core (api::decide_stream,
// runtime/vm/line_pipeline.h). A long stream sent with a Content-Length is decided as it
// arrives and answered as its records are made (fast_stream, through Http's
// StreamExchange); one that came through httplib (a chunked body, say) is kept in a
// temporary file first (Spool). See docs/server.md.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/lines.h"
#include "server/service.h"

namespace lawful::server {

namespace {

using nlohmann::json;

// A stream over this size is decided by the pipeline on every core; a shorter one on the
// request's thread, with no thread to start and no worker's machine to build.
constexpr size_t kPipelineBytes = 1u << 20;
// A stream's body kept in memory up to this size (answered with a Content-Length); a
// longer one is decided as it comes (fast_stream) or kept in a temporary file (Spool),
// and answered in chunks.
constexpr size_t kSpoolMemory = 4u << 20;

// Asked once: hardware_concurrency() reads /sys on every call.
unsigned cores() {
  static const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  return n;
}

// One request's decisions: the version that makes them all, and what the log says of it.
struct Batch {
  Engine engine;
  PolicyVersion version;
  std::string request_id, time;
};

Batch batch_for(Service& s, std::string_view given_id) {
  Batch b{s.reloader.engine(), {}, s.request_id(given_id), s.log.is_open() ? now_rfc3339() : std::string()};
  b.version = b.engine.version();
  return b;
}

void log_line(Service& s, const Batch& b, std::string& log, uint64_t line, std::string_view input,
              std::string_view record) {
  LogEntry e;
  e.time = b.time;
  e.request_id = b.request_id;
  e.line = line;
  e.generation = b.version.generation;
  e.source_hash = b.version.source_hash;
  e.content_hash = b.version.content_hash;
  e.revision = b.version.revision;
  e.input = input;
  e.record = record;
  append_log_line(log, e, s.personal, s.log_key);
}

// What a body's decisions came to.
struct Decided {
  Metrics::Counts counts;
  uint64_t errors = 0;
  bool decided = false, run_error = false;  // of the last line (for a single case: the case)
};

// A single case (`whole`) or a short stream, on this thread: records appended to `out`,
// the log written, the decisions counted.
Decided decide_here(Service& s, const Batch& b, std::string_view text, bool whole, std::string& out) {
  Decided d;
  std::string log;
  out.reserve(out.size() + text.size() + 512);
  api::decide_cases(*b.engine.handle(), text, whole, out, [&](const api::LineDecided& line) {
    d.decided = line.decided;
    d.run_error = line.run_error;
    if (line.decided) d.counts.add(line.policy, line.verdict);
    else ++d.errors;
    if (s.log.is_open()) log_line(s, b, log, line.line, line.input, line.record);
  });
  s.log.write(log);
  s.metrics.decisions(d.counts, d.errors);
  return d;
}

// A long stream read from `source` (as read(2)), on every core: each chunk's records go
// to `sink` in order (false stops the run), `poll` runs while the records wait; the log
// is written a chunk at a time, the decisions counted at the end.
api::StreamDecided decide_pipeline(Service& s, const Batch& b, const std::function<ssize_t(char*, size_t)>& source,
                                   const std::function<bool(std::string_view)>& sink,
                                   const std::function<bool()>& poll) {
  const bool logging = s.log.is_open();
  std::string log;
  api::StreamDecided d = api::decide_stream(
      *b.engine.handle(), source, "the request's body", cores(), logging,
      [&](const api::CasesChunk& c) {
        if (logging) {
          log.clear();
          std::string_view records = c.records;
          for (size_t i = 0; i < c.inputs.size() && !records.empty(); ++i) {
            size_t end = records.find('\n');
            end = end == std::string_view::npos ? records.size() : end + 1;
            log_line(s, b, log, c.first_line + i, c.inputs[i], records.substr(0, end));
            records.remove_prefix(end);
          }
          s.log.write(log);
        }
        return sink(c.records);
      },
      poll);
  s.metrics.decisions(d.counts, d.errors);
  return d;
}

// read(2) over a text in memory.
std::function<ssize_t(char*, size_t)> from_memory(std::string_view text) {
  return [text, pos = size_t(0)](char* to, size_t n) mutable -> ssize_t {
    n = std::min(n, text.size() - pos);
    std::memcpy(to, text.data() + pos, n);
    pos += n;
    return static_cast<ssize_t>(n);
  };
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
  Whole w{batch_for(s, given_id), 200, {}, 0};
  if (stream && body.size() > kPipelineBytes) {
    w.out.reserve(body.size() / 2);
    api::StreamDecided d = decide_pipeline(
        s, w.batch, from_memory(body),
        [&](std::string_view records) {
          w.out += records;
          return true;
        },
        nullptr);
    if (!d.error.empty()) throw std::runtime_error(d.error);  // the exception handler answers 500 or 503
    w.errors = d.errors;
    return w;
  }
  Decided d = decide_here(s, w.batch, body, !stream, w.out);
  w.errors = d.errors;
  // A case that could not be read is the client's to fix (400); one that was read but
  // failed as it was decided (an overflow in a rule) cannot be decided as it is (422).
  // A stream is always 200, its error records in place.
  w.status = stream || d.decided ? 200 : d.run_error ? 422 : 400;
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

bool is_stream(const httplib::Request& req) { return is_stream_type(req.get_header_value("Content-Type")); }

// A stream's body as it arrives through httplib: in memory up to kSpoolMemory bytes;
// beyond that in an unlinked temporary file, read back by the pipeline. So a request's
// memory stays bounded whatever the size of its body.
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
      if ((fd_ = temporary_file("the stream's body", why)) < 0 ||
          !write_at(fd_, written_, mem_, "the stream's body", why))
        return false;
      std::string().swap(mem_);
    }
    return write_at(fd_, written_, std::string_view(data, n), "the stream's body", why);
  }
  // The body, as read(2) reads a file: the next bytes, 0 at its end, -1 (errno).
  ssize_t read(char* to, size_t n) {
    n = static_cast<size_t>(std::min<uint64_t>(n, written_ - read_));
    ssize_t r;
    do r = ::pread(fd_, to, n, static_cast<off_t>(read_));
    while (r < 0 && errno == EINTR);
    if (r == 0 && n > 0) {
      errno = EIO;  // shorter than written
      return -1;
    }
    if (r > 0) read_ += static_cast<uint64_t>(r);
    return r;
  }

 private:
  std::string mem_;
  int fd_ = -1;
  uint64_t written_ = 0, read_ = 0;
};

// A spooled stream, answered in chunks (Transfer-Encoding: chunked) as its records are
// made: the whole run in the first call of httplib's content provider.
struct StreamJob {
  Spool spool;
  Batch batch;

  // False aborts the answer (the connection is closed without the chunked body's end, so
  // the client sees it is incomplete).
  bool run(Service& s, httplib::DataSink& sink) {
    try {
      api::StreamDecided d = decide_pipeline(
          s, batch, [this](char* to, size_t n) { return spool.read(to, n); },
          [&](std::string_view records) { return sink.write(records.data(), records.size()); }, nullptr);
      if (!d.error.empty()) {
        s.say(fmt::format("lawful serve: a stream's answer was cut: {}", d.error));
        return false;
      }
      if (d.cancelled) return false;
      sink.done();
      return true;
    } catch (const std::exception& e) {
      s.say(fmt::format("lawful serve: a stream's answer was cut: {}", e.what()));
      return false;
    }
  }
};

}  // namespace

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
  job->batch = batch_for(s, req.get_header_value("X-Request-Id"));
  set_batch_headers(res, job->batch);
  res.status = 200;
  res.set_chunked_content_provider("application/x-ndjson", [&s, job](size_t, httplib::DataSink& sink) {
    return job->run(s, sink);
  });
}

// A POST /v1/decide without a body (no Content-Length): an empty case.
void decide_empty(Service& s, const httplib::Request& req, httplib::Response& res) {
  decide_body(s, req, res, req.body, is_stream(req));
}

// The connection loop's fast path for a single case (Http::fast_decide): the answer
// httplib's route would give, headers and all. False leaves the request to httplib: a
// thread that answers 503, a missing or wrong token (401), a form (415), a stream.
bool fast_decide(Service& s, const Http::FastRequest& r, Http::FastAnswer& a) {
  if (overloaded_thread() || is_form_type(r.content_type) || is_stream_type(r.content_type)) return false;
  if (!s.authorized(r.authorization)) return false;
  const Clock::time_point started = Clock::now();
  try {
    Whole w = decide_whole(s, r.request_id, r.body, false);
    a.status = w.status;
    a.body = std::move(w.out);
    // Made by hand: fmt's parse of a format string cost a twentieth of a request.
    a.headers.reserve(128 + w.batch.request_id.size());
    a.headers += "Content-Type: application/json\r\nLawful-Policy-Generation: ";
    append_decimal(a.headers, w.batch.version.generation);
    a.headers += "\r\nLawful-Policy-Hash: ";
    append_hex16(a.headers, w.batch.version.source_hash);
    a.headers += "\r\nX-Request-Id: ";
    a.headers += w.batch.request_id;
    a.headers += "\r\n";
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

// The connection loop's fast path for a long stream with a Content-Length (over what
// memory keeps): decided by the pipeline as its body arrives, each chunk's records sent
// as a chunk of the answer (Http's StreamExchange keeps what the client does not read
// yet). False leaves the request to httplib, which answers it as before: a short stream,
// a single case too large for the fast path, a thread that answers 503, a missing token.
bool fast_stream(Service& s, const Http::FastRequest& r, StreamExchange& x) {
  if (overloaded_thread() || !is_stream_type(r.content_type) || r.length <= kSpoolMemory) return false;
  if (!s.authorized(r.authorization)) return false;
  const Clock::time_point started = Clock::now();
  try {
    Batch b = batch_for(s, r.request_id);
    std::string headers = fmt::format(
        "Content-Type: application/x-ndjson\r\nLawful-Policy-Generation: {}\r\nLawful-Policy-Hash: {:016x}\r\n"
        "X-Request-Id: {}\r\n",
        b.version.generation, b.version.source_hash, b.request_id);
    if (x.begin(200, headers)) {
      api::StreamDecided d = decide_pipeline(
          s, b, [&x](char* to, size_t n) { return x.read(to, n); },
          [&x](std::string_view records) { return x.write(records); }, [&x] { return x.pump(); });
      if (!d.error.empty() && !x.failed()) s.say(fmt::format("lawful serve: a stream's answer was cut: {}", d.error));
      if (d.error.empty() && !d.cancelled) x.end();
    }
  } catch (const std::exception& e) {
    s.say(fmt::format("lawful serve: a stream's answer was cut: {}", e.what()));
  }
  s.metrics.request(Metrics::Decide, 200, std::chrono::duration<double>(Clock::now() - started).count());
  return true;
}

}  // namespace lawful::server
