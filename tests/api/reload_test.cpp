// Reloading: a new version serves only if it compiles and its tests pass; a failed reload
// keeps the serving version and says why; engines taken before a swap keep deciding on
// their version; the watcher reloads on its own when the files change.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

// Version k of a policy: its rule names and citations say which version decided.
std::string live_policy(int k, bool failing_test = false) {
  std::string v = std::to_string(k);
  return "policy api.live \"Live policy, version " + v +
         "\"\n"
         "decision email:\n"
         "  rule base_v" + v + ": deny\n"
         "    cite \"version " + v + " base\"\n"
         "  rule allow_v" + v + ": allow basis consent\n"
         "    when contact.objected == false\n"
         "    overrides base_v" + v + "\n"
         "    cite \"version " + v + " allow\"\n"
         "test \"a contact who did not object\" {\n"
         "  contact { objected: false }\n"
         "  expect email is " + (failing_test ? "deny" : "allow") + "\n"
         "}\n";
}

const char* kBroken = "policy api.live \"broken\"\ndecision email:\n  rule r deny\n";
const char* kContact = R"({"id": "x", "objected": false})";

std::string rule_of(const lawful::Engine& e) { lawful::Decision d = e.decide(kContact, "{}");
  return std::string(d.rules()[0]); }

}  // namespace

TEST_CASE("open: the first version must compile and pass its tests") {
  TempDir dir;
  write(dir / "live.law", live_policy(1));
  auto r = lawful::Reloader::open(dir.path().string());
  REQUIRE(r);
  CHECK(r->version().generation == 1);
  CHECK(rule_of(r->engine()) == "allow_v1");
  CHECK(r->last().ok());

  write(dir / "live.law", kBroken);
  auto broken = lawful::Reloader::open(dir.path().string());
  CHECK(broken.status() == lawful::Status::policy);
  CHECK(broken.diagnostics().errors() >= 1);

  write(dir / "live.law", live_policy(1, true));
  auto failing = lawful::Reloader::open(dir.path().string());
  CHECK(failing.status() == lawful::Status::tests);
  CHECK(failing.message() == "1 of 1 tests of the policies fail; the first: " + (dir / "live.law") +
                                 ":9:1: test \"a contact who did not object\" fails:");
  REQUIRE(failing.diagnostics().size() == 1);
  const lawful::Diagnostic& d = failing.diagnostics().items()[0];
  CHECK(d.code == "test");
  CHECK(d.file == dir / "live.law");
  CHECK(d.line == 9);
  CHECK(d.message.find("test \"a contact who did not object\" fails") == 0);
  CHECK(d.message.find("expected: email is deny") != std::string::npos);
  CHECK(d.message.find("actual:   email is allow") != std::string::npos);
  CHECK(failing.diagnostics().text().find("FAIL ") == 0);
  CHECK(failing.diagnostics().text().find("0 passed, 1 failed") != std::string::npos);
}

TEST_CASE("reload: unchanged, swapped, refused (compile errors, failing tests), swapped again") {
  TempDir dir;
  write(dir / "live.law", live_policy(1));
  lawful::Reloader r = lawful::Reloader::open(dir.path().string()).value();
  lawful::Engine v1 = r.engine();

  lawful::ReloadResult res = r.reload();
  CHECK(res.ok());
  CHECK_FALSE(res.swapped);
  CHECK(r.version() == v1.version());

  write(dir / "live.law", live_policy(2));
  res = r.reload();
  CHECK(res.ok());
  CHECK(res.swapped);
  CHECK(r.version().generation == 2);
  CHECK(r.version().source_hash != v1.version().source_hash);
  CHECK(rule_of(r.engine()) == "allow_v2");
  lawful::Decision d = r.decide(kContact, "{}");
  CHECK(d.version().generation == 2);
  CHECK(d.cites()[0] == "version 2 allow");
  CHECK(d.json().find(R"("version": {"generation": 2, )") != std::string_view::npos);
  // An engine taken before the swap decides on its own version.
  CHECK(rule_of(v1) == "allow_v1");
  CHECK(v1.version().generation == 1);

  write(dir / "live.law", kBroken);
  res = r.reload();
  CHECK(res.status == lawful::Status::policy);
  CHECK_FALSE(res.swapped);
  CHECK(res.message.rfind("the policies do not compile: ", 0) == 0);
  CHECK(res.diagnostics.errors() >= 1);
  CHECK(r.version().generation == 2);
  CHECK(rule_of(r.engine()) == "allow_v2");
  lawful::ReloadResult last = r.last();
  CHECK(last.status == lawful::Status::policy);
  CHECK(last.diagnostics.errors() == res.diagnostics.errors());

  write(dir / "live.law", live_policy(3, true));
  res = r.reload();
  CHECK(res.status == lawful::Status::tests);
  CHECK(res.diagnostics.items().at(0).code == "test");
  CHECK(rule_of(r.engine()) == "allow_v2");

  write(dir / "live.law", live_policy(3));
  res = r.reload();
  CHECK(res.swapped);
  CHECK(r.version().generation == 3);
  CHECK(rule_of(r.engine()) == "allow_v3");
  CHECK(r.last().ok());

  // The path gone: refused, the old version serves.
  std::filesystem::remove(dir / "live.law");
  res = r.reload();
  CHECK(res.status == lawful::Status::policy);
  CHECK(rule_of(r.engine()) == "allow_v3");
}

TEST_CASE("a reloader of a .lawc file") {
  TempDir dir;
  std::string lawc = dir / "live.lawc";
  write(lawc, lawful::Engine::from_source(live_policy(1)).value().bytecode());
  lawful::Reloader r = lawful::Reloader::open(lawc).value();
  CHECK(rule_of(r.engine()) == "allow_v1");
  CHECK_FALSE(r.reload().swapped);
  write(lawc, lawful::Engine::from_source(live_policy(2)).value().bytecode());
  CHECK(r.reload().swapped);
  CHECK(rule_of(r.engine()) == "allow_v2");
  write(lawc, "LAWC and then nothing that makes sense");
  lawful::ReloadResult res = r.reload();
  CHECK(res.status == lawful::Status::policy);
  CHECK(res.message.find("refused") != std::string::npos);
  CHECK(rule_of(r.engine()) == "allow_v2");
}

TEST_CASE("the watcher reloads when the files change, and reports failures") {
  TempDir dir;
  write(dir / "live.law", live_policy(1));
  write(dir / "other.law", "// not a policy yet\n");
  lawful::Reloader r = lawful::Reloader::open(dir.path().string()).value();

  std::mutex m;
  std::condition_variable cv;
  std::vector<lawful::ReloadEvent> events;
  r.watch(std::chrono::milliseconds(20), [&](const lawful::ReloadEvent& ev) {
    std::lock_guard<std::mutex> lock(m);
    events.push_back(ev);
    cv.notify_all();
  });
  auto wait_for = [&](size_t n) {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return events.size() >= n; });
  };

  write(dir / "live.law", live_policy(2));
  REQUIRE(wait_for(1));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(events[0].status == lawful::Status::ok);
    CHECK(events[0].generation == 2);
    CHECK(events[0].swapped);
    CHECK(events[0].message.empty());
  }
  CHECK(rule_of(r.engine()) == "allow_v2");

  write(dir / "live.law", kBroken);
  REQUIRE(wait_for(2));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(events[1].status == lawful::Status::policy);
    CHECK(events[1].generation == 2);
    CHECK(events[1].diagnostics.errors() >= 1);
    // Whether it swapped, and why not: the reload's own message (issue 24).
    CHECK_FALSE(events[1].swapped);
    CHECK(events[1].message.find("the policies do not compile") == 0);
  }
  CHECK(r.last().status == lawful::Status::policy);
  CHECK(rule_of(r.engine()) == "allow_v2");

  write(dir / "live.law", live_policy(4));
  REQUIRE(wait_for(3));
  CHECK(rule_of(r.engine()) == "allow_v4");
  CHECK(r.version().generation == 3);
  // A new file is a change too.
  write(dir / "extra.law", "// another file\n");
  REQUIRE(wait_for(4));
  CHECK(r.version().generation == 4);

  r.stop_watching();
  size_t seen;
  {
    std::lock_guard<std::mutex> lock(m);
    seen = events.size();
  }
  write(dir / "live.law", live_policy(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(events.size() == seen);
  }
  CHECK(rule_of(r.engine()) == "allow_v4");
  // An explicit reload still works.
  CHECK(r.reload().swapped);
  CHECK(rule_of(r.engine()) == "allow_v5");
  // Watching again, without a callback, then destroying the reloader while it watches.
  r.watch(std::chrono::milliseconds(10));
}

TEST_CASE("the reloader's C functions, NULLs included") {
  TempDir dir;
  write(dir / "live.law", live_policy(1));
  lawful_reloader* r = nullptr;
  lawful_diagnostics* d = nullptr;
  REQUIRE(lawful_reloader_new(dir.path().c_str(), &r, &d) == LAWFUL_OK);
  CHECK(lawful_diagnostics_error_count(d) == 0);
  lawful_diagnostics_free(d);
  lawful_engine* e = lawful_reloader_engine(r);
  CHECK(lawful_engine_version(e).generation == 1);
  lawful_engine_free(e);
  int swapped = 7;
  CHECK(lawful_reloader_reload(r, &swapped, &d) == LAWFUL_OK);
  CHECK(swapped == 0);
  lawful_diagnostics_free(d);
  write(dir / "live.law", live_policy(2));
  CHECK(lawful_reloader_reload(r, nullptr, nullptr) == LAWFUL_OK);
  e = lawful_reloader_engine(r);
  CHECK(lawful_engine_version(e).generation == 2);
  lawful_engine_free(e);
  CHECK(lawful_reloader_last(r, nullptr) == LAWFUL_OK);
  CHECK(lawful_reloader_watch(r, 5, nullptr, nullptr) == LAWFUL_OK);
  CHECK(lawful_reloader_watch(r, 0, nullptr, nullptr) == LAWFUL_OK);

  lawful_reloader* other = nullptr;
  CHECK(lawful_reloader_new(nullptr, &other, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(other == nullptr);
  CHECK(lawful_reloader_new("x", nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_reloader* none = reinterpret_cast<lawful_reloader*>(&d);
  CHECK(lawful_reloader_new("/no/such/dir", &none, &d) == LAWFUL_ERR_POLICY);
  CHECK(none == nullptr);
  CHECK(lawful_diagnostics_count(d) >= 1);
  lawful_diagnostics_free(d);
  CHECK(lawful_reloader_engine(nullptr) == nullptr);
  CHECK(lawful_reloader_reload(nullptr, &swapped, &d) == LAWFUL_ERR_ARGUMENT);
  CHECK(d == nullptr);
  CHECK(lawful_reloader_watch(nullptr, 10, nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_reloader_last(nullptr, &d) == LAWFUL_ERR_ARGUMENT);
  lawful_reloader_free(nullptr);
  lawful_reloader_free(r);
}
