// The service's counters, written in Prometheus' text format (GET /metrics): decisions
// by policy and verdict, error records, requests by route and status, a latency
// histogram per route, reloads and their failures, the serving generation.
//
// Counted in shards, each with its own lock, a thread writing to one shard always, so
// that the connections' threads do not wait for each other on every request; text()
// adds the shards up.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lawful::server {

class Metrics {
 public:
  // Routes with their own histogram; anything else counts as "other".
  enum Route : uint8_t { Decide, Explain, Policies, Playground, Page, Health, MetricsRoute, Other, kRoutes };
  static const char* route_name(Route r);

  // Decisions by (policy, verdict): policy "" when none decided.
  struct Count {
    std::string_view policy, verdict;
    uint64_t n = 0;
  };
  // A request's few counts, kept without allocating (up to four pairs in place). The views
  // must outlive the call to decisions(): the program's names, kept while its engine is.
  class Counts {
   public:
    void add(std::string_view policy, std::string_view verdict, uint64_t n = 1);
    const Count* begin() const { return more_.empty() ? few_ : more_.data(); }
    const Count* end() const { return begin() + size_; }

   private:
    Count few_[4];
    std::vector<Count> more_;  // all of them, once there are more than four
    size_t size_ = 0;
  };

  // One request: its route, its status, how long it took.
  void request(Route route, int status, double seconds);
  // Decisions of one request, and its error records.
  void decisions(const Counts& counts, uint64_t error_records);
  void decisions(const std::map<std::pair<std::string, std::string>, uint64_t>& counts, uint64_t error_records);
  void reload(bool ok);
  void rejected_connection();

  std::string text(uint64_t generation) const;

  // The histogram's upper bounds, in seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,    0.1,    0.25,  0.5,   1,     2.5};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative here
    uint64_t count = 0;
    double sum = 0;
  };
  // (policy, verdict) compared with views, so that a count is found without a string made.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      std::string_view a1 = a.first, b1 = b.first;
      return a1 != b1 ? a1 < b1 : std::string_view(a.second) < std::string_view(b.second);
    }
  };
  using DecisionMap = std::map<std::pair<std::string, std::string>, uint64_t, KeyLess>;
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::array<Histogram, kRoutes> latency;
    std::map<std::pair<Route, int>, uint64_t> requests;
    DecisionMap decisions;
    uint64_t error_records = 0;
  };
  static constexpr size_t kShards = 8;
  Shard& shard();

  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0}, rejected_{0};
};

}  // namespace lawful::server
