// The service's state and what its endpoints share, for server.cpp (routes, reloads,
// signals, run()) and decide.cpp (POST /v1/decide).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <httplib.h>
#include <lawful/lawful.hpp>

#include "server/decision_log.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/server.h"

namespace lawful::server {

// RFC 3339 in UTC, with milliseconds.
std::string now_rfc3339();
std::string hex16(uint64_t v);
// The same appended to `out` (for the answers made on every request), and a number in decimal.
void append_hex16(std::string& out, uint64_t v);
void append_decimal(std::string& out, uint64_t v);

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

  Service(const Options& options, Reloader r);
  void say(std::string_view text) const {
    if (o.say) o.say(text);
  }
  // After any reload attempt: the log, the metrics, the time the serving version came.
  void reloaded(Status status, uint64_t generation, const Diagnostics& diags, const std::string& message);
  // --engine: the native back end on the version serving (after each reload, on the new
  // one). `jit` says why when it cannot be had and the interpreter decides; `auto` takes
  // it where it can be had, silently.
  void use_engine(Engine engine);
  // The client's X-Request-Id when it is a sensible one, else one of ours.
  std::string request_id(std::string_view given);
  // Whether an Authorization header's value carries the token (always, without one).
  bool authorized(std::string_view authorization) const;
};

void send_error(httplib::Response& res, int status, std::string_view message);
bool is_stream_type(std::string_view type);
bool is_form_type(std::string_view type);

// POST /v1/decide (decide.cpp): httplib's route (the body read through its content
// reader), the same without a body, and the connection loop's two fast paths (Http).
void decide(Service& s, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
void decide_empty(Service& s, const httplib::Request& req, httplib::Response& res);
bool fast_decide(Service& s, const Http::FastRequest& r, Http::FastAnswer& a);
bool fast_stream(Service& s, const Http::FastRequest& r, StreamExchange& x);

}  // namespace lawful::server
