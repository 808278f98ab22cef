// Prometheus' text exposition format, version 0.0.4; see metrics.h.
#include "server/metrics.h"

#include <fmt/format.h>

namespace lawful::server {

namespace {
// A label value: backslash, double quote and line feed escaped.
std::string label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}
}  // namespace

const char* Metrics::route_name(Route r) {
  static const char* const kNames[kRoutes] = {"/v1/decide", "/v1/explain", "/v1/policies", "/v1/playground",
                                              "/",          "health",      "/metrics",     "other"};
  return r < kRoutes ? kNames[r] : "other";
}

void Metrics::Counts::add(std::string_view policy, std::string_view verdict, uint64_t n) {
  Count* all = more_.empty() ? few_ : more_.data();
  for (size_t i = 0; i < size_; ++i)
    if (all[i].policy == policy && all[i].verdict == verdict) {
      all[i].n += n;
      return;
    }
  if (size_ == 4 && more_.empty()) more_.assign(few_, few_ + 4);
  if (more_.empty()) few_[size_] = {policy, verdict, n};
  else more_.push_back({policy, verdict, n});
  ++size_;
}

// Each thread counts in one shard, the threads given shards in turn.
Metrics::Shard& Metrics::shard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shards_[mine];
}

void Metrics::request(Route route, int status, double seconds) {
  Shard& s = shard();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.requests[{route, status}];
  Histogram& h = s.latency[route < kRoutes ? route : Other];
  ++h.count;
  h.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
}

void Metrics::decisions(const Counts& counts, uint64_t error_records) {
  Shard& s = shard();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (const Count& c : counts) {
    auto it = s.decisions.find(std::pair<std::string_view, std::string_view>(c.policy, c.verdict));
    if (it == s.decisions.end())
      it = s.decisions.emplace(std::pair<std::string, std::string>(c.policy, c.verdict), 0).first;
    it->second += c.n;
  }
  s.error_records += error_records;
}

void Metrics::decisions(const std::map<std::pair<std::string, std::string>, uint64_t>& counts,
                        uint64_t error_records) {
  Shard& s = shard();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (const auto& [key, n] : counts) s.decisions[key] += n;
  s.error_records += error_records;
}

void Metrics::reload(bool ok) { ++(ok ? reloads_ok_ : reloads_failed_); }

void Metrics::rejected_connection() { ++rejected_; }

std::string Metrics::text(uint64_t generation) const {
  std::array<Histogram, kRoutes> latency{};
  std::map<std::pair<Route, int>, uint64_t> requests;
  std::map<std::pair<std::string, std::string>, uint64_t> decisions;
  uint64_t error_records = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mutex);
    for (size_t r = 0; r < kRoutes; ++r) {
      for (size_t i = 0; i < kBuckets.size(); ++i) latency[r].buckets[i] += s.latency[r].buckets[i];
      latency[r].count += s.latency[r].count;
      latency[r].sum += s.latency[r].sum;
    }
    for (const auto& [key, n] : s.requests) requests[key] += n;
    for (const auto& [key, n] : s.decisions) decisions[key] += n;
    error_records += s.error_records;
  }
  std::string out;
  out += "# HELP lawful_decisions_total Decisions made, by deciding policy and verdict.\n";
  out += "# TYPE lawful_decisions_total counter\n";
  for (const auto& [key, n] : decisions)
    out += fmt::format("lawful_decisions_total{{policy=\"{}\",verdict=\"{}\"}} {}\n", label(key.first),
                       label(key.second), n);
  out += "# HELP lawful_decision_errors_total Input lines answered with an error record.\n";
  out += "# TYPE lawful_decision_errors_total counter\n";
  out += fmt::format("lawful_decision_errors_total {}\n", error_records);
  out += "# HELP lawful_http_requests_total HTTP requests, by route and status code.\n";
  out += "# TYPE lawful_http_requests_total counter\n";
  for (const auto& [key, n] : requests)
    out += fmt::format("lawful_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", route_name(key.first),
                       key.second, n);
  out += "# HELP lawful_http_request_duration_seconds Time to answer a request, by route.\n";
  out += "# TYPE lawful_http_request_duration_seconds histogram\n";
  for (int r = 0; r < kRoutes; ++r) {
    const Histogram& h = latency[static_cast<size_t>(r)];
    if (h.count == 0) continue;
    const char* name = route_name(static_cast<Route>(r));
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += fmt::format("lawful_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", name,
                         kBuckets[i], cumulative);
    }
    out += fmt::format("lawful_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", name, h.count);
    out += fmt::format("lawful_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", name, h.sum);
    out += fmt::format("lawful_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", name, h.count);
  }
  out += "# HELP lawful_reloads_total Reloads of the policies, by result (failed: the previous version serves on).\n";
  out += "# TYPE lawful_reloads_total counter\n";
  out += fmt::format("lawful_reloads_total{{result=\"ok\"}} {}\n", reloads_ok_.load());
  out += fmt::format("lawful_reloads_total{{result=\"failed\"}} {}\n", reloads_failed_.load());
  out += "# HELP lawful_rejected_connections_total Connections answered 503 because every worker was busy.\n";
  out += "# TYPE lawful_rejected_connections_total counter\n";
  out += fmt::format("lawful_rejected_connections_total {}\n", rejected_.load());
  out += "# HELP lawful_policy_generation The generation of the policies serving now.\n";
  out += "# TYPE lawful_policy_generation gauge\n";
  out += fmt::format("lawful_policy_generation {}\n", generation);
  return out;
}

}  // namespace lawful::server
