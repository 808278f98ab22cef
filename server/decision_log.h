// The decision log (lawful serve --decision-log FILE): one JSON line per decision, for
// accountability: when, which request, which policy version, a hash of the input, the
// input with its personal fields (contact.email, contact.phone) kept, masked, hashed or
// dropped, and the decision record. Appended; reopened on SIGHUP (after logrotate moved
// the file); flushed after every request and at a graceful stop.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace lawful::server {

enum class Personal : uint8_t { Keep, Mask, Hash, Drop };
// "keep", "mask", "hash", "drop"; false for anything else.
bool parse_personal(std::string_view text, Personal& out);

// SHA-256 of `data`, in lower-case hexadecimal; with a key, HMAC-SHA-256.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// An email address or a phone number masked: "j***@example.com", "+*********34".
std::string mask_email(std::string_view email);
std::string mask_phone(std::string_view phone);

// What one log line says.
struct LogEntry {
  std::string_view time;        // RFC 3339, UTC
  std::string_view request_id;
  uint64_t line = 1;            // the line of the request's body
  uint64_t generation = 0;
  uint64_t source_hash = 0;
  std::string_view input;       // the case as received
  std::string_view record;      // the decision or error record (its newline is dropped)
};
// Appends the JSON line of `e` to `out`, the input's personal fields treated as `personal`
// says (an input that is not JSON is logged as null; its hash is there all the same).
// `key` (may be empty): hashed fields are HMAC-SHA-256 under it ("hmac-sha256:..."), which
// cannot be matched against a list of addresses without the key.
void append_log_line(std::string& out, const LogEntry& e, Personal personal, std::string_view key = {});

class DecisionLog {
 public:
  ~DecisionLog();
  // Opens (creates, appends to) `path`; false and why.
  bool open(const std::string& path, std::string* error);
  // Closes and opens the same path again (SIGHUP); false and why (the log is then off
  // until the next reopen succeeds, and every decision in between is counted as lost).
  bool reopen(std::string* error);
  // Whole lines; written and flushed before returning.
  void write(std::string_view lines);
  void close();
  bool is_open() const { return path_.size() > 0; }
  uint64_t lost() const;

 private:
  mutable std::mutex mutex_;
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t lost_ = 0;
};

}  // namespace lawful::server
