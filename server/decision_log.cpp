// The decision log; see decision_log.h.
#include "server/decision_log.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace lawful::server {

bool parse_personal(std::string_view text, Personal& out) {
  if (text == "keep") out = Personal::Keep;
  else if (text == "mask") out = Personal::Mask;
  else if (text == "hash") out = Personal::Hash;
  else if (text == "drop") out = Personal::Drop;
  else return false;
  return true;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) fmt::format_to(std::back_inserter(out), "{:02x}", digest[i]);
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &n);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) fmt::format_to(std::back_inserter(out), "{:02x}", digest[i]);
  return out;
}

std::string mask_email(std::string_view email) {
  size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

std::string mask_phone(std::string_view phone) {
  // The last two digits stay, as on a bank statement; every other digit becomes '*'.
  std::string out(phone);
  size_t keep = 2;
  for (size_t i = out.size(); i-- > 0;) {
    if (out[i] < '0' || out[i] > '9') continue;
    if (keep > 0) --keep;
    else out[i] = '*';
  }
  return out;
}

namespace {

void treat(nlohmann::json& contact, const char* field, Personal personal, std::string_view key) {
  auto it = contact.find(field);
  if (it == contact.end() || !it->is_string()) {
    if (it != contact.end() && personal != Personal::Keep) contact.erase(it);  // not a string: never logged as it is
    return;
  }
  const std::string value = it->get<std::string>();
  switch (personal) {
    case Personal::Keep: break;
    case Personal::Mask: *it = std::strcmp(field, "email") == 0 ? mask_email(value) : mask_phone(value); break;
    case Personal::Hash:
      *it = key.empty() ? "sha256:" + sha256_hex(value) : "hmac-sha256:" + hmac_sha256_hex(key, value);
      break;
    case Personal::Drop: contact.erase(it); break;
  }
}

}  // namespace

void append_log_line(std::string& out, const LogEntry& e, Personal personal, std::string_view key) {
  std::string input = "null";
  nlohmann::json j = nlohmann::json::parse(e.input.begin(), e.input.end(), nullptr, false);
  if (!j.is_discarded()) {
    if (j.is_object()) {
      auto c = j.find("contact");
      if (c != j.end() && c->is_object())
        for (const char* field : {"email", "phone"}) treat(*c, field, personal, key);
    }
    input = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string_view record = e.record;
  while (!record.empty() && record.back() == '\n') record.remove_suffix(1);
  out += fmt::format(
      "{{\"time\": \"{}\", \"request_id\": {}, \"line\": {}, \"policy_version\": {{\"generation\": {}, "
      "\"source_hash\": \"{:016x}\"}}, \"input_sha256\": \"{}\", \"input\": {}, \"decision\": {}}}\n",
      e.time, nlohmann::json(std::string(e.request_id)).dump(), e.line, e.generation, e.source_hash,
      sha256_hex(e.input), input, record);
}

DecisionLog::~DecisionLog() { close(); }

bool DecisionLog::open(const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  path_ = path;
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) {
    if (error) *error = fmt::format("cannot open the decision log {}: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

bool DecisionLog::reopen(std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (path_.empty()) return true;
  if (file_) std::fclose(file_);
  file_ = std::fopen(path_.c_str(), "ae");
  if (!file_) {
    if (error) *error = fmt::format("cannot open the decision log {}: {}", path_, std::strerror(errno));
    return false;
  }
  return true;
}

void DecisionLog::write(std::string_view lines) {
  if (lines.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!file_ || std::fwrite(lines.data(), 1, lines.size(), file_) != lines.size() || std::fflush(file_) != 0) {
    for (char c : lines) lost_ += c == '\n';
  }
}

void DecisionLog::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

uint64_t DecisionLog::lost() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lost_;
}

}  // namespace lawful::server
