// The service's counters, written in Prometheus' text format (GET /metrics): decisions
// by policy and verdict, error records, requests by route and status, a latency
// histogram per route, reloads and their failures, the serving generation.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace lawful::server {

class Metrics {
 public:
  // Routes with their own histogram; anything else counts as "other".
  enum Route : uint8_t { Decide, Explain, Policies, Playground, Page, Health, MetricsRoute, Other, kRoutes };
  static const char* route_name(Route r);

  // One request: its route, its status, how long it took.
  void request(Route route, int status, double seconds);
  // Decisions of one request, by (policy, verdict): policy "" when none decided.
  void decisions(const std::map<std::pair<std::string, std::string>, uint64_t>& counts, uint64_t error_records);
  void reload(bool ok);
  void rejected_connection();

  std::string text(uint64_t generation) const;

  // The histogram's upper bounds, in seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,    0.1,    0.25,  0.5,   1,     2.5};

 private:
  mutable std::mutex mutex_;
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative here
    uint64_t count = 0;
    double sum = 0;
  };
  std::array<Histogram, kRoutes> latency_;
  std::map<std::pair<Route, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, uint64_t> decisions_;
  uint64_t error_records_ = 0;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace lawful::server
