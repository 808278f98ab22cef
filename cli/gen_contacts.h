// A synthetic CRM export, for the README's main command, the benchmarks and the tests:
// the mix of countries, entities, consents, customers and objections a real export has,
// and some charity supporters in GB (drawn apart: the other fields do not depend on them).
// The same seed gives the same file, byte for byte.
#pragma once

#include <cstdint>
#include <string>

namespace lawful::cli {

struct GenOptions {
  uint64_t n = 1000;
  uint64_t seed = 1;
  std::string sender = "Northwind Ltd";  // the campaign's sender: most consents name it
  bool csv = false;                      // CSV with a header row: scalar fields only
};

// Appends contact `i` (from 0) to `out`: one line, with its end of line.
class ContactGenerator {
 public:
  explicit ContactGenerator(const GenOptions& o);
  void header(std::string& out) const;  // CSV only
  void contact(std::string& out, uint64_t i);

 private:
  uint64_t next();
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  GenOptions o_;
  std::string sender_json_;  // the sender as a JSON string, quoted and escaped
  uint64_t state_;
};

}  // namespace lawful::cli
