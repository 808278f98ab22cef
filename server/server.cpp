// The service: routes, limits, reloads, signals. See server.h and docs/server.md.
#include "server/server.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <ctime>
#include <exception>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <lawful/lawful.hpp>
#include <nlohmann/json.hpp>

#include "api/lines.h"
#include "server/playground.h"
#include "server/service.h"

namespace lawful::server {

using nlohmann::json;

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string hex16(uint64_t v) {
  std::string out;
  append_hex16(out, v);
  return out;
}

void append_hex16(std::string& out, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char text[16];
  for (int i = 15; i >= 0; --i, v >>= 4) text[i] = kDigits[v & 15];
  out.append(text, sizeof(text));
}

void append_decimal(std::string& out, uint64_t v) {
  char text[20];
  auto r = std::to_chars(text, text + sizeof(text), v);
  out.append(text, static_cast<size_t>(r.ptr - text));
}

// ---------------------------------------------------------------- the service's state

Service::Service(const Options& options, Reloader r) : o(options), reloader(std::move(r)) {
  std::random_device rd;
  id_prefix = fmt::format("{:08x}", rd());
  loaded_generation = reloader.version().generation;
  loaded_at = now_rfc3339();
}

void Service::reloaded(Status status, uint64_t generation, const Diagnostics& diags, const std::string& message) {
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

void Service::use_engine(Engine engine) {
  if (o.engine != "jit" && o.engine != "auto") return;
  try {
    engine.set_backend(Backend::jit);
  } catch (const Error& e) {
    if (o.engine == "jit")
      say(fmt::format("lawful serve: the native back end cannot run these policies, so the interpreter decides: {}",
                      e.what()));
  }
}

std::string Service::request_id(std::string_view given) {
  bool good = !given.empty() && given.size() <= 128;
  for (char c : given) good = good && c > ' ' && c < 127;
  if (good) return std::string(given);
  std::string id;
  id.reserve(id_prefix.size() + 21);
  id += id_prefix;
  id += '-';
  append_decimal(id, requests.fetch_add(1, std::memory_order_relaxed) + 1);
  return id;
}

void send_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(json{{"error", std::string(message)}}.dump() + "\n", "application/json");
}

bool is_stream_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  return type == "application/x-ndjson" || type == "application/jsonl" || type == "application/x-jsonlines";
}

// A form: refused with 415 (the pre-routing handler).
bool is_form_type(std::string_view type) {
  return type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.rfind("multipart/", 0) == 0;
}

namespace {

// Constant time in the token's length: the comparison says nothing by how long it takes.
bool same_token(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0;
}

}  // namespace

bool Service::authorized(std::string_view authorization) const {
  return token.empty() || (authorization.substr(0, 7) == "Bearer " && same_token(authorization.substr(7), token));
}

namespace {

void set_version(httplib::Response& res, const Engine& engine) {
  PolicyVersion v = engine.version();
  res.set_header("Lawful-Policy-Generation", std::to_string(v.generation));
  res.set_header("Lawful-Policy-Hash", hex16(v.source_hash));
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

// When the request being answered on this thread started (pre-routing), for the histogram.
thread_local Clock::time_point t_started{};

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
  http.new_task_queue = [&] { return new Workers(std::max(1u, o.workers), o.queue, [&s] { s.metrics.rejected_connection(); }); };
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(std::max<time_t>(1, o.idle_timeout_ms / 1000));
  http.set_read_timeout(o.read_timeout_ms / 1000, (o.read_timeout_ms % 1000) * 1000);
  http.set_write_timeout(o.write_timeout_ms / 1000, (o.write_timeout_ms % 1000) * 1000);
  http.set_payload_max_length(o.max_body);
  http.set_tcp_nodelay(true);

  http.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    t_started = Clock::now();
    if (overloaded_thread()) {
      res.set_header("Retry-After", "1");
      res.set_header("Connection", "close");
      send_error(res, 503,
                 fmt::format("too many connections: {} served at once and {} waiting (--workers, --queue)", o.workers,
                             o.queue));
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool open_route = req.path == "/healthz" || req.path == "/readyz" || (req.path == "/" && req.method == "GET");
    if (!open_route) {
      if (!s.authorized(req.get_header_value("Authorization"))) {
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

  http.set_fast_decide([&](const Http::FastRequest& r, Http::FastAnswer& a) { return fast_decide(s, r, a); });
  http.set_fast_stream([&](const Http::FastRequest& r, StreamExchange& x) { return fast_stream(s, r, x); });
  // Answers given while draining close their connection, and say so.
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

  int bound = http.bind(host, port);
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
