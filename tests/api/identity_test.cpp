// Issue 24: a version identity that means the text (the content hash, the revision
// label), and misuse that is caught (freed handles, a decision shared by two threads,
// elements of another facts object, a decision never filled, an empty Engine).
#include <doctest/doctest.h>
#include <lawful/lawful.h>
#include <lawful/lawful.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "helpers.h"

using namespace api_test;
namespace fs = std::filesystem;

namespace {
std::string content_hash_of(const std::string& path) {
  auto loaded = lawful::Engine::load(path);
  REQUIRE_MESSAGE(loaded.ok(), path);
  return loaded->version().content_hash;
}

// Sets an environment variable for one scope.
struct Env {
  std::string name;
  Env(const char* n, const char* value) : name(n) { setenv(n, value, 1); }
  ~Env() { unsetenv(name.c_str()); }
};
}  // namespace

TEST_CASE("the content hash is the text's: a copy, a trailing /, .. and a symlink give one hash") {
  TempDir t;
  fs::create_directories(t.path() / "deploy-7" / "sub");
  fs::copy(policies(), t.path() / "deploy-7");
  fs::create_directory_symlink(t.path() / "deploy-7", t.path() / "current");
  const std::string h = content_hash_of(policies());
  REQUIRE(h.size() == 64);
  CHECK(content_hash_of(policies() + "/") == h);
  CHECK(content_hash_of(t / "deploy-7") == h);
  CHECK(content_hash_of((t.path() / "deploy-7" / "sub" / "..").string()) == h);
  CHECK(content_hash_of(t / "current") == h);
  CHECK(content_hash_of(t / "current/") == h);
  // The generations restart in every process; source_hash is the hash's first 64 bits.
  auto e = lawful::Engine::load(t / "current").value();
  CHECK(e.version().source_hash == std::stoull(h.substr(0, 16), nullptr, 16));
  // Through bytecode too.
  auto back = lawful::Engine::from_bytecode(e.bytecode()).value();
  CHECK(back.version().content_hash == h);
}

TEST_CASE("the revision label: from LAWFUL_REVISION, from with_revision, in records; bad labels refused") {
  {
    Env env("LAWFUL_REVISION", "release-2026.12.07+g1a2b3c");
    lawful_engine* e = nullptr;
    REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
    CHECK(std::string(lawful_engine_revision(e)) == "release-2026.12.07+g1a2b3c");
    lawful_engine_free(e);
  }
  auto plain = lawful::Engine::load(policies()).value();
  CHECK(plain.version().revision.empty());
  CHECK(lawful_engine_revision(plain.handle()) == nullptr);
  lawful::Engine labelled = plain.with_revision("v42");
  CHECK(labelled.version().revision == "v42");
  CHECK(labelled.version().content_hash == plain.version().content_hash);
  CHECK(labelled.version() != plain.version());
  lawful::Decision d;
  REQUIRE(labelled.decide(kCompany, kCampaign, d) == lawful::Status::ok);
  CHECK(d.revision() == "v42");
  CHECK(d.version().revision == "v42");
  CHECK(d.content_hash() == plain.version().content_hash);
  const std::string json(d.json());
  CHECK(json.find(", \"content_hash\": \"" + plain.version().content_hash + "\", \"revision\": \"v42\"}}") !=
        std::string::npos);
  // The unlabelled engine is unchanged by its labelled copy.
  REQUIRE(plain.decide(kCompany, kCampaign, d) == lawful::Status::ok);
  CHECK(std::string(d.json()).find("\"revision\": null") != std::string::npos);
  // A label goes into JSON unescaped, so it is plain: refused otherwise, by name.
  for (const char* bad : {"has space", "quote\"", "new\nline", ""}) {
    lawful_engine* out = reinterpret_cast<lawful_engine*>(&d);
    if (*bad) {
      CHECK(lawful_engine_with_revision(plain.handle(), bad, &out) == LAWFUL_ERR_ARGUMENT);
      CHECK(out == nullptr);
      CHECK(std::string(lawful_last_error()).find("a revision label has letters, digits") == 0);
    }
  }
  CHECK(lawful_engine_with_revision(plain.handle(), std::string(129, 'x').c_str(), nullptr) == LAWFUL_ERR_ARGUMENT);
  {
    Env env("LAWFUL_REVISION", "bad label");
    lawful_engine* e = nullptr;
    CHECK(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_ERR_ARGUMENT);
    CHECK(std::string(lawful_last_error()).find("LAWFUL_REVISION: ") == 0);
    CHECK(e == nullptr);
  }
}

TEST_CASE("a reloader does not swap for the same text in a new deploy directory, and says why") {
  TempDir t;
  fs::create_directories(t.path() / "r1");
  fs::copy(policies(), t.path() / "r1");
  fs::copy(policies(), t.path() / "r2");
  fs::create_directory_symlink(t.path() / "r1", t.path() / "current");
  auto r = lawful::Reloader::open(t / "current").value();
  const auto before = r.version();
  // An unrelated failure on this thread: last() must not report it as the reload's.
  lawful::Decision d;
  CHECK(r.decide("{not json", kCampaign, d) == lawful::Status::data);
  fs::remove(t.path() / "current");
  fs::create_directory_symlink(t.path() / "r2", t.path() / "current");
  lawful::ReloadResult res = r.reload();
  CHECK(res.ok());
  CHECK_FALSE(res.swapped);
  CHECK(res.message.find("unchanged") != std::string::npos);
  CHECK(r.version() == before);
  // A change that does not compile: last() says the reload's message, not this thread's.
  write(t.path() / "r2" / "uk.law", "policy broken\n");
  CHECK(r.reload().status == lawful::Status::policy);
  CHECK(r.decide("{not json", kCampaign, d) == lawful::Status::data);
  lawful::ReloadResult last = r.last();
  CHECK(last.status == lawful::Status::policy);
  CHECK_FALSE(last.swapped);
  CHECK(last.message.find("the policies do not compile") == 0);
  CHECK(lawful_reloader_last_swapped(r.handle()) == 0);
}

TEST_CASE("freed handles and double frees give LAWFUL_ERR_ARGUMENT, not a crash") {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
  lawful_facts* f = nullptr;
  REQUIRE(lawful_facts_new(e, &f) == LAWFUL_OK);
  lawful_field field = 0;
  REQUIRE(lawful_engine_field(e, "contact.objected", &field) == LAWFUL_OK);

  lawful_facts_free(f);
  CHECK(lawful_facts_set_bool(f, LAWFUL_TOP, field, 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()) == "facts is not a live handle: freed already, or not made by lawful");
  CHECK(lawful_facts_error(f) == nullptr);
  CHECK(lawful_decide_facts(e, f, d) == LAWFUL_ERR_ARGUMENT);
  lawful_facts_free(f);  // twice: refused, said, nothing freed
  CHECK(std::string(lawful_last_error()).find("facts is not a live handle") == 0);

  lawful_decision_free(d);
  CHECK(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d) ==
        LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decision_status(d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decision_verdict(d) == LAWFUL_REVIEW);
  CHECK(lawful_decision_policy(d) == nullptr);
  CHECK(std::string(lawful_decision_json(d, nullptr)) == "null");
  lawful_decision_free(d);
  lawful_decision* batch[] = {d};
  lawful_text one{kCompany, std::strlen(kCompany)};
  CHECK(lawful_decide_batch(e, kCampaign, LAWFUL_NUL_TERMINATED, &one, 1, batch) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()).find("decisions[0] is not a live handle") == 0);

  lawful_reloader* r = nullptr;
  REQUIRE(lawful_reloader_new(policies().c_str(), &r, nullptr) == LAWFUL_OK);
  lawful_reloader_free(r);
  CHECK(lawful_reloader_reload(r, nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_reloader_engine(r) == nullptr);
  lawful_reloader_free(r);

  lawful_engine_free(e);  // the last reference
  CHECK(lawful_engine_version(e).generation == 0);
  CHECK(lawful_engine_retain(e) == nullptr);
  lawful_decision* d2 = nullptr;
  REQUIRE(lawful_decision_new(&d2) == LAWFUL_OK);
  CHECK(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d2) ==
        LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()).find("engine is not a live handle") == 0);
  lawful_engine_free(e);
  lawful_decision_free(d2);
}

TEST_CASE("one decision filled by two threads at once: the second is refused, by name") {
  auto e = lawful::Engine::load(policies()).value();
  lawful::Decision shared;
  std::atomic<bool> seen{false}, stop{false};
  std::atomic<long> mixed{0};
  auto work = [&](const char* contact, const char* id) {
    lawful_decision* d = shared.handle();
    for (long i = 0; !stop.load(); ++i) {
      lawful_status s = lawful_decide_json(e.handle(), contact, LAWFUL_NUL_TERMINATED, kCampaign,
                                           LAWFUL_NUL_TERMINATED, d);
      if (s == LAWFUL_ERR_ARGUMENT) {
        if (std::string(lawful_last_error()).find("this decision is being filled by another thread") == 0) seen = true;
        else ++mixed;
      } else if (s != LAWFUL_OK) {
        ++mixed;
      }
      (void)id;
    }
  };
  std::thread a(work, kCompany, "c-2");
  std::thread b(work, kSoleTrader, "c-3");
  // Long enough for two threads to meet on any machine; over as soon as they have.
  for (int i = 0; i < 2000 && !seen; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  a.join();
  b.join();
  CHECK(seen.load());
  CHECK(mixed.load() == 0);
  // The decision is whole afterwards: refilled by one thread, it is that contact's.
  REQUIRE(e.decide(kCompany, kCampaign, shared) == lawful::Status::ok);
  CHECK(shared.id() == "c-2");
}

TEST_CASE("an element of another facts object is refused") {
  auto e = lawful::Engine::load(policies()).value();
  lawful::Facts one = e.facts(), two = e.facts();
  const lawful::Field consents = e.field("contact.consents"), channel = e.field("contact.consents.channel");
  lawful::Item a = one.add_record(consents);
  lawful::Item b = two.add_record(consents);
  CHECK(a.id == b.id - (b.id & 0x0ff00000u) + (a.id & 0x0ff00000u));  // the same element, but for the serial
  CHECK(one.set_text(a, channel, "email") == lawful::Status::ok);
  try {
    static_cast<void>(two.set_text(a, channel, "email"));
    FAIL("an element of another facts object was accepted");
  } catch (const lawful::Error& err) {
    CHECK(err.status() == lawful::Status::argument);
    CHECK(std::string(err.what()).find("was made by another facts object") != std::string::npos);
  }
}

TEST_CASE("a Decision never filled is not ok; an Engine may be held empty") {
  lawful::Decision d;
  CHECK_FALSE(d.ok());
  CHECK(d.status() == lawful::Status::argument);
  CHECK(d.error() == "nothing has been decided into this decision yet");
  CHECK(d.json() == "null");

  struct Service {
    lawful::Engine engine;  // loaded later
  } s;
  CHECK_FALSE(s.engine);
  CHECK(s.engine.empty());
  CHECK(s.engine.version().generation == 0);
  try {
    static_cast<void>(s.engine.decide(kCompany, kCampaign, d));
    FAIL("an empty engine decided");
  } catch (const lawful::Error& err) {
    CHECK(err.status() == lawful::Status::argument);
  }
  lawful::Engine copy = s.engine;  // copies of an empty engine are empty
  CHECK_FALSE(copy);
  s.engine = lawful::Engine::load(policies()).value();
  CHECK(s.engine);
  CHECK(s.engine.decide(kCompany, kCampaign, d) == lawful::Status::ok);
  CHECK(d.ok());
}

TEST_CASE("an as-of date per call: the rules in force on that date") {
  const std::string text = api_test::read(api_test::source("tests/lang/effective.law"));
  auto e = lawful::Engine::from_source(text, "effective.law").value();
  const char* contact = R"({"id": "a", "objected": true})";
  const char* campaign = R"({"send_date": "2026-09-01"})";
  lawful::Decision d;
  REQUIRE(e.decide(contact, campaign, d) == lawful::Status::ok);
  CHECK(d.verdict() == lawful::Verdict::deny);  // the new law
  REQUIRE(e.decide(contact, campaign, d, "2026-08-10") == lawful::Status::ok);
  CHECK(d.verdict() == lawful::Verdict::allow);  // the old one
  CHECK(d.basis() == "legitimate_interest");
  // The scratch it used does not keep the date for the next call.
  for (int i = 0; i < 4; ++i) {
    REQUIRE(e.decide(contact, campaign, d) == lawful::Status::ok);
    CHECK(d.verdict() == lawful::Verdict::deny);
  }
  CHECK(lawful_decide_json_as_of(e.handle(), contact, LAWFUL_NUL_TERMINATED, campaign, LAWFUL_NUL_TERMINATED,
                                 "2026-02-30", d.handle()) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()) == "as_of: '2026-02-30' is not a date (YYYY-MM-DD)");
  CHECK(d.verdict() == lawful::Verdict::deny);  // untouched
}
