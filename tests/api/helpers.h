// Shared by the API tests: paths of the test data, files, temporary directories, and the
// facts the tests decide.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace api_test {

inline std::string source(const std::string& rel) { return std::string(LAWFUL_SOURCE_DIR) + "/" + rel; }
inline std::string policies() { return source("tests/api/data/policies"); }

inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes through a temporary and a rename, as an editor or a deployment would, so that a
// reader sees the old file or the new one.
inline void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lawful-api-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// What a decision says, copied out, from a Decision that may be a temporary (whose views
// cannot be taken directly: lawful.hpp deletes them on rvalues).
template <class D>
std::string json_text(const D& d) {
  return std::string(d.json());
}
template <class D>
auto missing_of(const D& d) {
  return d.missing().to_vector();
}
template <class D>
std::string basis_of(const D& d) {
  return std::string(d.basis());
}

inline const char* kCampaign =
    R"({"id": "spring", "channel": "email", "unsubscribe": true, "send_date": "2026-12-01", "products": ["tools"],)"
    R"( "sender": {"name": "Acme Ltd", "identified": true, "contact_address": true}})";
inline const char* kConsumerWithConsent =
    R"({"id": "c-1", "country": "GB", "entity": "consumer", "objected": false, "suppressed": false,)"
    R"( "consents": [{"channel": "email", "purpose": "marketing", "controller": "Acme Ltd",)"
    R"( "given_at": "2025-01-10", "method": "unticked_checkbox"}]})";
inline const char* kCompany = R"({"id": "c-2", "country": "GB", "entity": "company", "objected": false, "suppressed": false, "consents": []})";
inline const char* kSoleTrader = R"({"id": "c-3", "country": "GB", "entity": "sole_trader", "objected": false, "suppressed": false, "consents": []})";
inline const char* kUnknownObjection = R"({"id": "c-4", "country": "GB", "entity": "company", "consents": []})";
inline const char* kJapan = R"({"id": "c-6", "country": "JP", "entity": "company"})";

// A policy whose only rule computes a date beyond 9999: a run-time error.
inline const char* kOverflowPolicy = R"(policy api.overflow "A run-time error"
decision d:
  rule far: allow basis consent
    when campaign.send_date + 9000 years > contact.last_contact
    cite "far"
)";

}  // namespace api_test
