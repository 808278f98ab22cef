// `lawful serve`: a decision service over HTTP/1.1 (cpp-httplib), beside the applications
// that ask "may I send this?". Decisions are the records of `lawful check --cases`, byte
// for byte; the policies reload without a restart (SIGHUP, or a file changed), a broken
// edit leaving the previous version serving; a decision log for accountability; a
// playground page at GET /. docs/server.md is the user's guide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lawful::server {

struct Options {
  std::string policies;                  // a directory, a .law or a .lawc file
  std::string listen = "127.0.0.1:8181";  // HOST:PORT; port 0: any free port
  std::string token_file;                // a bearer token for everything but health and the page
  std::string decision_log;              // a file, appended to
  std::string log_personal = "hash";     // contact.email and contact.phone in the log: keep, mask, hash, drop
  std::string log_key_file;              // a secret: hashed fields are HMAC-SHA-256 under it
  size_t max_body = 16u << 20;           // bytes of a request body
  unsigned workers = 64;                 // connections served at once (a thread each)
  unsigned queue = 256;                  // connections waiting for a worker; more get 503
  unsigned read_timeout_ms = 5000;       // a client that sends nothing for this long is dropped
  unsigned write_timeout_ms = 5000;
  unsigned idle_timeout_ms = 5000;       // a keep-alive connection with no new request
  unsigned watch_ms = 1000;              // poll the policy files; 0: reload on SIGHUP only
  bool playground = true;                // GET / and POST /v1/playground
  std::string engine = "vm";             // vm, jit (the native back end) or auto (jit where it can be had)
  // Where the service's own messages go (a line each, without the newline): standard
  // error for the command.
  std::function<void(std::string_view)> say;
};

// Exit statuses of run().
inline constexpr int kStopped = 0;     // SIGTERM or SIGINT: requests in flight answered, the log flushed
inline constexpr int kFailed = 1;      // the policies do not load, the address cannot be bound
inline constexpr int kUsage = 2;       // an option is wrong

// Serves until SIGTERM or SIGINT. Blocks those and SIGHUP in the calling thread (and so
// in every thread it starts): one thread of its own waits for them.
int run(const Options& options);

}  // namespace lawful::server
