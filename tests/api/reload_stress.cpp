// Decisions from several threads while the policies are reloaded, good versions and
// broken ones, by explicit reloads and by the watcher at once. Run under ThreadSanitizer
// by scripts/test.sh (-DLAWFUL_TSAN=ON).
//
// Version K of the policies is a directory (route.law, a.law, b.law) whose rule names and
// citations all carry K; deployments swap a symbolic link to it. Every decision must come
// from exactly one whole version: every name in it carries the same K, every decision of
// a batch (on one engine) has the same generation and K, a generation always means the
// same K, and no K of a broken version (a syntax error, or a test that fails) ever
// decides.
//
// usage: lawful_reload_stress [VERSIONS] [THREADS]
#include <lawful/lawful.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"

using namespace api_test;
namespace fs = std::filesystem;

namespace {

std::string policy(char which, int k, bool failing_test) {
  std::string v = std::to_string(k), w(1, which);
  return "policy stress." + w + " \"Stress " + w + ", version " + v +
         "\"\n"
         "decision email:\n"
         "  rule " + w + "_base_v" + v + ": deny\n"
         "    cite \"" + w + " version " + v + " base\"\n"
         "  rule " + w + "_allow_v" + v + ": allow basis consent\n"
         "    when contact.objected == false\n"
         "    overrides " + w + "_base_v" + v + "\n"
         "    cite \"" + w + " version " + v + " allow\"\n"
         "  oblige include_unsubscribe when verdict == allow cite \"" + w + " version " + v + " unsubscribe\"\n"
         "test \"a contact who did not object\" {\n"
         "  contact { objected: false }\n"
         "  expect email is " + (failing_test ? "deny" : "allow") + "\n"
         "}\n"
         "test \"a contact who objected\" {\n"
         "  contact { objected: true }\n"
         "  expect email is deny\n"
         "}\n";
}

enum class Kind { Good, SyntaxError, FailingTest };

void write_version(const fs::path& dir, int k, Kind kind) {
  fs::create_directories(dir);
  write(dir / "route.law", "routing \"stress\"\nroute GB to stress.a\nroute FR to stress.b\n");
  write(dir / "a.law", policy('a', k, false));
  write(dir / "b.law", kind == Kind::SyntaxError ? "policy stress.b \"broken\"\ndecision email:\n  rule r deny\n"
                                                  : policy('b', k, kind == Kind::FailingTest));
}

// Points `link` at `target` in one step (a new link renamed over the old).
void swap_link(const fs::path& link, const fs::path& target) {
  fs::path tmp = link;
  tmp += ".new";
  fs::remove(tmp);
  fs::create_directory_symlink(target, tmp);
  fs::rename(tmp, link);
}

// The K every version-bearing name of a decision carries, or -1 if they disagree.
int version_of(const lawful::Decision& d) {
  int k = -2;
  auto take = [&](std::string_view name, std::string_view marker) {
    size_t at = name.find(marker);
    if (at == std::string_view::npos) return false;
    int v = std::atoi(std::string(name.substr(at + marker.size())).c_str());
    if (k == -2) k = v;
    return k == v;
  };
  if (!d.ok() || d.rules().empty()) return -1;
  for (std::string_view r : d.rules())
    if (!take(r, "_v")) return -1;
  for (std::string_view c : d.cites())
    if (!take(c, "version ")) return -1;
  // The JSON record says the same.
  std::string_view j = d.json();
  if (j.find("_v" + std::to_string(k) + "\"") == std::string_view::npos) return -1;
  return k;
}

struct Seen {
  std::mutex m;
  std::map<uint64_t, int> k_of_generation;
  std::vector<std::string> problems;
  void add(uint64_t g, int k, const std::string& what) {
    std::lock_guard<std::mutex> lock(m);
    if (k < 0) {
      if (problems.size() < 20) problems.push_back(what);
      return;
    }
    auto [it, fresh] = k_of_generation.emplace(g, k);
    if (!fresh && it->second != k && problems.size() < 20)
      problems.push_back("generation " + std::to_string(g) + " decided as version " + std::to_string(it->second) +
                         " and as version " + std::to_string(k));
  }
};

}  // namespace

int main(int argc, char** argv) {
  int versions = argc > 1 ? std::atoi(argv[1]) : 12;
  int n_threads = argc > 2 ? std::atoi(argv[2]) : 4;
  TempDir tmp;
  fs::path link = tmp.path() / "current";
  write_version(tmp.path() / "v1", 1, Kind::Good);
  swap_link(link, tmp.path() / "v1");

  auto opened = lawful::Reloader::open(link.string());
  if (!opened) {
    std::fprintf(stderr, "open: %s\n%s", opened.message().c_str(), opened.diagnostics().text().c_str());
    return 1;
  }
  lawful::Reloader& r = opened.value();
  std::atomic<int> watcher_reloads{0};
  r.watch(std::chrono::milliseconds(3), [&](const lawful::ReloadEvent&) { ++watcher_reloads; });

  const std::string campaign = R"({"channel": "email", "send_date": "2026-01-01"})";
  const std::vector<std::string_view> contacts = {
      R"({"id": "g1", "country": "GB", "objected": false})", R"({"id": "f1", "country": "FR", "objected": false})",
      R"({"id": "g2", "country": "GB", "objected": true})", R"({"id": "f2", "country": "FR", "objected": true})"};

  Seen seen;
  std::atomic<bool> stop{false};
  std::atomic<long> decisions{0};
  lawful::Engine first = r.engine();
  std::vector<std::thread> threads;
  for (int t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<lawful::Decision> batch;
      lawful::Decision one;
      // Facts built once, from the first version, decided on every later one.
      lawful::Facts facts = first.facts();
      static_cast<void>(facts.set_text(first.field("contact.country"), t % 2 ? "FR" : "GB"));
      static_cast<void>(facts.set_bool(first.field("contact.objected"), false));
      static_cast<void>(facts.set_text(first.field("campaign.channel"), "email"));
      while (!stop.load()) {
        // A batch on one engine: one version for all of it.
        lawful::Engine e = r.engine();
        static_cast<void>(e.decide_batch(campaign, contacts, batch));
        int k = version_of(batch[0]);
        uint64_t g = batch[0].version().generation;
        for (const lawful::Decision& d : batch) {
          int kd = version_of(d);
          if (d.version().generation != g || kd != k) k = -1;
        }
        seen.add(g, k, "a batch mixed versions: " + std::string(batch[0].json()) + " / " + std::string(batch[1].json()));
        if (e.version().generation != g) seen.add(g, -1, "a batch's decisions name another engine's generation");
        // One decision through the reloader, and one from facts.
        static_cast<void>(r.decide(contacts[static_cast<size_t>(t) % 2], campaign, one));
        seen.add(one.version().generation, version_of(one), "a decision mixed versions: " + std::string(one.json()));
        static_cast<void>(r.decide(facts, one));
        seen.add(one.version().generation, version_of(one), "facts: " + std::string(one.json()));
        decisions += static_cast<long>(batch.size()) + 2;
      }
    });
  }

  std::set<int> bad;
  int last_good = 1;
  uint64_t expected_generation = 1;
  for (int k = 2; k <= versions; ++k) {
    Kind kind = k % 4 == 3 ? Kind::SyntaxError : k % 4 == 0 ? Kind::FailingTest : Kind::Good;
    fs::path dir = tmp.path() / ("v" + std::to_string(k));
    write_version(dir, k, kind);
    swap_link(link, dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(k % 2 ? 25 : 2));  // sometimes the watcher is first
    lawful::ReloadResult res = r.reload();
    if (kind == Kind::Good) {
      last_good = k;
      ++expected_generation;
      if (!res.ok()) seen.add(0, -1, "version " + std::to_string(k) + " was refused: " + res.message);
    } else {
      bad.insert(k);
      lawful::Status want = kind == Kind::SyntaxError ? lawful::Status::policy : lawful::Status::tests;
      if (res.status != want) seen.add(0, -1, "version " + std::to_string(k) + ": " + to_string(res.status));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  for (std::thread& t : threads) t.join();
  r.stop_watching();

  int failures = 0;
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "FAIL %s\n", what.c_str());
    ++failures;
  };
  for (const std::string& p : seen.problems) fail(p);
  for (auto [g, k] : seen.k_of_generation)
    if (bad.count(k)) fail("broken version " + std::to_string(k) + " decided (generation " + std::to_string(g) + ")");
  lawful::Decision now = r.decide(contacts[0], campaign);
  if (version_of(now) != last_good) fail("the last good version does not serve: " + std::string(now.json()));
  if (now.version().generation != expected_generation)
    fail("generation " + std::to_string(now.version().generation) + ", expected " + std::to_string(expected_generation));
  // The first engine, kept all along, still decides on version 1.
  lawful::Decision old = first.decide(contacts[1], campaign);
  if (version_of(old) != 1 || old.version().generation != 1) fail("the first engine changed: " + std::string(old.json()));
  if (decisions.load() < 100) fail("too few decisions: " + std::to_string(decisions.load()));
  std::printf("%ld decisions on %zu generations, %d versions (%zu broken), %d reloads by the watcher: %s\n",
              decisions.load(), seen.k_of_generation.size(), versions, bad.size(), watcher_reloads.load(),
              failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
