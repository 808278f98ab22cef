// The C API, call by call: what each returns, and how each fails (NULL arguments, bad
// policies, bad data, small buffers), with the thread's last error.
#include <doctest/doctest.h>
#include <lawful/lawful.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

lawful_engine* load(const std::string& path) {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(path.c_str(), &e, nullptr) == LAWFUL_OK);
  REQUIRE(e != nullptr);
  return e;
}

std::string json_of(const lawful_decision* d) {
  size_t n = 0;
  const char* s = lawful_decision_json(d, &n);
  CHECK(std::strlen(s) == n);
  return std::string(s, n);
}

struct Decision {
  lawful_decision* d = nullptr;
  Decision() { REQUIRE(lawful_decision_new(&d) == LAWFUL_OK); }
  ~Decision() { lawful_decision_free(d); }
};

}  // namespace

TEST_CASE("the version, status names and the last error") {
  CHECK(std::string(lawful_version()) == LAWFUL_VERSION_STRING);
  CHECK(std::string(lawful_status_name(LAWFUL_OK)) == "ok");
  const lawful_status all[] = {LAWFUL_ERR_ARGUMENT, LAWFUL_ERR_NOT_FOUND, LAWFUL_ERR_TYPE,   LAWFUL_ERR_DATA,
                               LAWFUL_ERR_POLICY,   LAWFUL_ERR_TESTS,     LAWFUL_ERR_RUNTIME, LAWFUL_ERR_SCHEMA,
                               LAWFUL_ERR_BUFFER,   LAWFUL_ERR_MEMORY,    LAWFUL_ERR_INTERNAL, LAWFUL_ERR_UNSUPPORTED,
                               LAWFUL_ERR_MAPPING};
  std::vector<std::string> names;
  for (lawful_status s : all) {
    std::string n = lawful_status_name(s);
    CHECK(n != "ok");
    CHECK(n != "unknown status");
    CHECK(std::find(names.begin(), names.end(), n) == names.end());
    names.push_back(n);
  }
  CHECK(std::string(lawful_status_name(static_cast<lawful_status>(99))) == "unknown status");

  lawful_engine* e = nullptr;
  CHECK(lawful_engine_load_path(nullptr, &e, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()) == "path is NULL");
  // A success leaves the last failure in place, as errno does.
  CHECK(std::string(lawful_version()) == LAWFUL_VERSION_STRING);
  CHECK(std::string(lawful_last_error()) == "path is NULL");
}

TEST_CASE("load_path: a directory, a .law file, and failures with diagnostics") {
  lawful_engine* e = nullptr;
  lawful_diagnostics* d = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, &d) == LAWFUL_OK);
  REQUIRE(d != nullptr);
  CHECK(lawful_diagnostics_error_count(d) == 0);
  lawful_policy_version v = lawful_engine_version(e);
  CHECK(v.generation == 1);
  CHECK(v.source_hash != 0);
  lawful_diagnostics_free(d);
  lawful_engine_free(e);

  // A .law file; the other files of its directory are available to it.
  REQUIRE(lawful_engine_load_path((policies() + "/uk.law").c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_engine_free(e);

  // No such path.
  e = reinterpret_cast<lawful_engine*>(&d);  // set to NULL on failure
  CHECK(lawful_engine_load_path("/no/such/policies", &e, &d) == LAWFUL_ERR_POLICY);
  CHECK(e == nullptr);
  REQUIRE(lawful_diagnostics_count(d) >= 1);
  CHECK(std::string(lawful_diagnostics_at(d, 0)->code) == "E001");
  CHECK(std::string(lawful_last_error()).find("/no/such/policies") != std::string::npos);
  lawful_diagnostics_free(d);

  // Arguments.
  CHECK(lawful_engine_load_path(policies().c_str(), nullptr, &d) == LAWFUL_ERR_ARGUMENT);
  CHECK(d == nullptr);
  CHECK(std::string(lawful_last_error()) == "engine is NULL");
}

TEST_CASE("load_source: messages name the file, the line, the column, with help and a caret") {
  const char* bad = "policy t.bad \"bad\"\ndecision d:\n  rule r: deny\n    when contact.entty == company\n    cite \"x\"\n";
  lawful_engine* e = nullptr;
  lawful_diagnostics* d = nullptr;
  CHECK(lawful_engine_load_source("bad.law", bad, LAWFUL_NUL_TERMINATED, &e, &d) == LAWFUL_ERR_POLICY);
  CHECK(e == nullptr);
  REQUIRE(lawful_diagnostics_count(d) >= 1);
  CHECK(lawful_diagnostics_error_count(d) >= 1);
  const lawful_diagnostic* x = lawful_diagnostics_at(d, 0);
  CHECK(x->is_error == 1);
  CHECK(std::string(x->code).size() == 4);
  CHECK(x->code[0] == 'E');
  CHECK(std::string(x->file) == "bad.law");
  CHECK(x->line == 4);
  CHECK(x->column == 18);  // the misspelt name
  CHECK(std::string(x->message).find("entty") != std::string::npos);
  CHECK(std::string(x->help) == "did you mean 'entity'?");
  std::string text = lawful_diagnostics_text(d);
  CHECK(text.find("bad.law:4:18: error:") != std::string::npos);
  CHECK(text.find("^^^^^") != std::string::npos);
  CHECK(std::string(lawful_last_error()).find("bad.law:4:18: ") != std::string::npos);
  CHECK(lawful_diagnostics_at(d, 1000) == nullptr);
  lawful_diagnostics_free(d);

  // A length, not a NUL: only the first `len` bytes are the policy.
  std::string good = read(source("tests/lang/spec_example.law"));
  std::string padded = good + "this is not part of it";
  REQUIRE(lawful_engine_load_source(nullptr, padded.data(), good.size(), &e, nullptr) == LAWFUL_OK);
  lawful_engine_free(e);

  // Without a name, messages say policy.law.
  CHECK(lawful_engine_load_source(nullptr, "policy", 6, &e, &d) == LAWFUL_ERR_POLICY);
  CHECK(std::string(lawful_diagnostics_at(d, 0)->file) == "policy.law");
  lawful_diagnostics_free(d);

  CHECK(lawful_engine_load_source("x.law", nullptr, 0, &e, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_engine_load_source("x.law", "", 0, nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
}

TEST_CASE("warnings come back with a successful load") {
  const char* warn = "policy t.warn \"w\"\nlet unused = contact.objected\ndecision d:\n  rule r: deny\n    cite \"x\"\n";
  lawful_engine* e = nullptr;
  lawful_diagnostics* d = nullptr;
  REQUIRE(lawful_engine_load_source("warn.law", warn, LAWFUL_NUL_TERMINATED, &e, &d) == LAWFUL_OK);
  REQUIRE(lawful_diagnostics_count(d) == 1);
  CHECK(lawful_diagnostics_error_count(d) == 0);
  CHECK(lawful_diagnostics_at(d, 0)->is_error == 0);
  CHECK(std::string(lawful_diagnostics_text(d)).find("warning") != std::string::npos);
  lawful_diagnostics_free(d);
  lawful_engine_free(e);
}

TEST_CASE("bytecode: out into the caller's buffer, and back in; damaged bytes are refused") {
  lawful_engine* e = load(policies());
  size_t size = 0;
  CHECK(lawful_engine_bytecode(e, nullptr, 0, &size) == LAWFUL_ERR_BUFFER);
  REQUIRE(size > 16);
  std::vector<char> small(size - 1);
  size_t size2 = 0;
  CHECK(lawful_engine_bytecode(e, small.data(), small.size(), &size2) == LAWFUL_ERR_BUFFER);
  CHECK(size2 == size);
  CHECK(std::string(lawful_last_error()).find(std::to_string(size)) != std::string::npos);
  std::vector<char> bytes(size);
  REQUIRE(lawful_engine_bytecode(e, bytes.data(), bytes.size(), &size2) == LAWFUL_OK);
  CHECK(std::memcmp(bytes.data(), "LAWC", 4) == 0);
  CHECK(lawful_engine_bytecode(nullptr, bytes.data(), bytes.size(), &size2) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_engine_bytecode(e, bytes.data(), bytes.size(), nullptr) == LAWFUL_ERR_ARGUMENT);

  lawful_engine* back = nullptr;
  REQUIRE(lawful_engine_load_bytecode(bytes.data(), bytes.size(), &back, nullptr) == LAWFUL_OK);
  CHECK(lawful_engine_version(back).source_hash == lawful_engine_version(e).source_hash);
  // It decides as the source does.
  Decision a, b;
  REQUIRE(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, a.d) == LAWFUL_OK);
  REQUIRE(lawful_decide_json(back, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, b.d) == LAWFUL_OK);
  CHECK(json_of(a.d) == json_of(b.d));
  lawful_engine_free(back);

  // From a .lawc file, through load_path.
  TempDir tmp;
  std::string file = tmp / "p.lawc";
  write(file, std::string(bytes.begin(), bytes.end()));
  REQUIRE(lawful_engine_load_path(file.c_str(), &back, nullptr) == LAWFUL_OK);
  lawful_engine_free(back);

  // One byte changed: refused, with a diagnostic.
  bytes[bytes.size() / 2] ^= 0x20;
  lawful_diagnostics* d = nullptr;
  CHECK(lawful_engine_load_bytecode(bytes.data(), bytes.size(), &back, &d) == LAWFUL_ERR_POLICY);
  CHECK(back == nullptr);
  REQUIRE(lawful_diagnostics_count(d) == 1);
  CHECK(std::string(lawful_diagnostics_at(d, 0)->code) == "load");
  CHECK(std::string(lawful_diagnostics_at(d, 0)->message).rfind("refused: ", 0) == 0);
  lawful_diagnostics_free(d);
  CHECK(lawful_engine_load_bytecode(nullptr, 10, &back, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_engine_free(e);
}

TEST_CASE("engines are reference-counted") {
  lawful_engine* e = load(policies());
  lawful_engine* again = lawful_engine_retain(e);
  CHECK(again == e);
  lawful_engine_free(e);
  // Still alive through the second reference.
  CHECK(lawful_engine_version(again).generation == 1);
  lawful_engine_free(again);
  lawful_engine_free(nullptr);
  CHECK(lawful_engine_retain(nullptr) == nullptr);
  CHECK(lawful_engine_version(nullptr).generation == 0);
}

TEST_CASE("a decision keeps its engine alive") {
  lawful_engine* e = load(policies());
  Decision d;
  REQUIRE(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_OK);
  lawful_engine_free(e);
  // The names live in the engine's program, which the decision holds.
  CHECK(std::string(lawful_decision_policy(d.d)) == "api.uk");
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_RULES, 0)) == "corporate");
}

TEST_CASE("decide_json: every part of the decision") {
  lawful_engine* e = load(policies());
  Decision d;
  REQUIRE(lawful_decide_json(e, kConsumerWithConsent, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) ==
          LAWFUL_OK);
  CHECK(lawful_decision_status(d.d) == LAWFUL_OK);
  CHECK(lawful_decision_error(d.d) == nullptr);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_ALLOW);
  CHECK(std::string(lawful_decision_id(d.d)) == "c-1");
  CHECK(std::string(lawful_decision_basis(d.d)) == "consent");
  CHECK(std::string(lawful_decision_policy(d.d)) == "api.uk");
  CHECK(std::string(lawful_decision_name(d.d)) == "email");
  CHECK(lawful_decision_reason(d.d) == nullptr);
  REQUIRE(lawful_decision_count(d.d, LAWFUL_RULES) == 1);
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_RULES, 0)) == "consented");
  REQUIRE(lawful_decision_count(d.d, LAWFUL_CITES) == 1);
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_CITES, 0)) == "PECR reg 22(2); UK GDPR art 4(11), art 7");
  REQUIRE(lawful_decision_count(d.d, LAWFUL_OBLIGATIONS) == 1);
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_OBLIGATIONS, 0)) == "include_unsubscribe");
  CHECK(lawful_decision_count(d.d, LAWFUL_MISSING) == 0);
  CHECK(lawful_decision_item(d.d, LAWFUL_RULES, 1) == nullptr);
  CHECK(lawful_decision_item(d.d, static_cast<lawful_list>(9), 0) == nullptr);
  CHECK(lawful_decision_count(d.d, static_cast<lawful_list>(9)) == 0);
  lawful_policy_version v = lawful_decision_version(d.d);
  CHECK(v.generation == 1);
  CHECK(v.source_hash == lawful_engine_version(e).source_hash);
  char hash[17];
  snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(v.source_hash));
  CHECK(json_of(d.d) ==
        std::string(R"({"id": "c-1", "verdict": "allow", "basis": "consent", "policy": "api.uk", "decision": "email", )"
                    R"("rules": ["consented"], "cites": ["PECR reg 22(2); UK GDPR art 4(11), art 7"], )"
                    R"("obligations": ["include_unsubscribe"], "missing": [], "reason": null, )"
                    R"("version": {"generation": 1, "source_hash": ")") +
            hash + "\", \"content_hash\": \"" + lawful_engine_content_hash(e) + "\", \"revision\": null}}");
  // The content hash begins with the source hash, and is the decision's engine's.
  REQUIRE(lawful_decision_content_hash(d.d) != nullptr);
  CHECK(std::string(lawful_decision_content_hash(d.d)).substr(0, 16) == hash);
  CHECK(lawful_decision_revision(d.d) == nullptr);

  // The same decision object, reused: a review with the facts it needs.
  REQUIRE(lawful_decide_json(e, kUnknownObjection, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) ==
          LAWFUL_OK);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_REVIEW);
  CHECK(lawful_decision_basis(d.d) == nullptr);
  CHECK(std::string(lawful_decision_reason(d.d)) == "rule 'objection' might apply, and would change the outcome");
  REQUIRE(lawful_decision_count(d.d, LAWFUL_MISSING) == 2);
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_MISSING, 0)) == "contact.objected");
  CHECK(std::string(lawful_decision_item(d.d, LAWFUL_MISSING, 1)) == "contact.suppressed");
  CHECK(lawful_decision_count(d.d, LAWFUL_OBLIGATIONS) == 0);

  // A deny.
  REQUIRE(lawful_decide_json(e, kSoleTrader, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_OK);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_DENY);
  CHECK(lawful_decision_reason(d.d) == nullptr);

  // No route: no policy, no decision, the country in the reason.
  REQUIRE(lawful_decide_json(e, kJapan, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_OK);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_REVIEW);
  CHECK(lawful_decision_policy(d.d) == nullptr);
  CHECK(lawful_decision_name(d.d) == nullptr);
  CHECK(std::string(lawful_decision_reason(d.d)) == "no policy for country 'JP'");
  CHECK(json_of(d.d).find(R"("policy": null, "decision": null, "rules": [])") != std::string::npos);

  // Lengths instead of NULs.
  std::string contact = std::string(kCompany) + "garbage";
  REQUIRE(lawful_decide_json(e, contact.data(), std::strlen(kCompany), kCampaign, std::strlen(kCampaign), d.d) ==
          LAWFUL_OK);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_ALLOW);
  lawful_engine_free(e);
}

TEST_CASE("decide_json: data errors, run-time errors and NULL arguments") {
  lawful_engine* e = load(policies());
  Decision d;
  CHECK(lawful_decide_json(e, R"({"id": "c-7", "entity": "compny"})", LAWFUL_NUL_TERMINATED, kCampaign,
                           LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_ERR_DATA);
  CHECK(lawful_decision_status(d.d) == LAWFUL_ERR_DATA);
  CHECK(std::string(lawful_decision_error(d.d)) == "contact.entity: 'compny' is not a value of Entity");
  CHECK(std::string(lawful_last_error()) == "contact.entity: 'compny' is not a value of Entity");
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_REVIEW);  // never an allow
  CHECK(std::string(lawful_decision_id(d.d)) == "c-7");
  CHECK(lawful_decision_policy(d.d) == nullptr);
  CHECK(lawful_decision_count(d.d, LAWFUL_RULES) == 0);
  CHECK(json_of(d.d).rfind(R"({"id": "c-7", "line": 1, "error": "contact.entity: 'compny' is not a value of Entity", "version": {"generation": 1, )",
                           0) == 0);

  std::string huge = "{\"id\": \"" + std::string(2u << 20, 'x') + "\"}";
  CHECK(lawful_decide_json(e, huge.data(), huge.size(), kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_ERR_DATA);
  CHECK(std::string(lawful_decision_error(d.d)) == "a line of 2097162 bytes; the limit is 1048576");

  CHECK(lawful_decide_json(e, "{", 1, kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_ERR_DATA);
  CHECK(lawful_decision_id(d.d) == nullptr);
  CHECK(json_of(d.d).rfind(R"({"id": null, "line": 1, "error": "not valid JSON)", 0) == 0);

  CHECK(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, R"({"channel": "fax"})", LAWFUL_NUL_TERMINATED, d.d) ==
        LAWFUL_ERR_DATA);
  CHECK(std::string(lawful_decision_error(d.d)) == "campaign.channel: 'fax' is not a value of CampaignChannel");
  // A good campaign after a bad one is bound afresh.
  CHECK(lawful_decide_json(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_OK);

  CHECK(lawful_decide_json(nullptr, kCompany, 0, kCampaign, 0, d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_json(e, nullptr, 0, kCampaign, 0, d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_json(e, kCompany, 0, nullptr, 0, d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_json(e, kCompany, 0, kCampaign, 0, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_engine_free(e);

  lawful_engine* o = nullptr;
  REQUIRE(lawful_engine_load_source("overflow.law", kOverflowPolicy, LAWFUL_NUL_TERMINATED, &o, nullptr) == LAWFUL_OK);
  CHECK(lawful_decide_json(o, R"({"id": "x", "last_contact": "2020-01-01"})", LAWFUL_NUL_TERMINATED,
                           R"({"send_date": "2026-01-01"})", LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_ERR_RUNTIME);
  CHECK(lawful_decision_status(d.d) == LAWFUL_ERR_RUNTIME);
  // The error names the rule and where the expression that failed starts (line 4,
  // column 10: the date arithmetic; the rule itself is declared at 3:8).
  const std::string error = lawful_decision_error(d.d);
  CHECK(error.rfind("a date outside the years 1 to 9999 in rule 'far' (overflow.law:4:10; bytecode ", 0) == 0);
  CHECK(std::string(lawful_decision_id(d.d)) == "x");
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_REVIEW);
  // The native back end stops at the same instruction: the same message, position included.
  if (lawful_engine_set_backend(o, LAWFUL_BACKEND_JIT) == LAWFUL_OK) {
    CHECK(lawful_decide_json(o, R"({"id": "x", "last_contact": "2020-01-01"})", LAWFUL_NUL_TERMINATED,
                             R"({"send_date": "2026-01-01"})", LAWFUL_NUL_TERMINATED, d.d) == LAWFUL_ERR_RUNTIME);
    CHECK(std::string(lawful_decision_error(d.d)) == error);
  } else {
    CHECK_MESSAGE(!LAWFUL_TEST_HAS_JIT, "a build with LLVM must run the native back end");
  }
  lawful_engine_free(o);
}

TEST_CASE("a new decision, and NULL decisions, say nothing") {
  Decision d;
  // Never filled: not ok, and it says why (it was LAWFUL_OK, with "null" for its record).
  CHECK(lawful_decision_status(d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_decision_error(d.d)) == "nothing has been decided into this decision yet");
  CHECK(lawful_decision_content_hash(d.d) == nullptr);
  CHECK(lawful_decision_verdict(d.d) == LAWFUL_REVIEW);
  CHECK(json_of(d.d) == "null");
  CHECK(lawful_decision_policy(d.d) == nullptr);
  CHECK(lawful_decision_version(d.d).generation == 0);
  CHECK(lawful_decision_verdict(nullptr) == LAWFUL_REVIEW);
  CHECK(lawful_decision_status(nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decision_id(nullptr) == nullptr);
  CHECK(lawful_decision_basis(nullptr) == nullptr);
  CHECK(lawful_decision_policy(nullptr) == nullptr);
  CHECK(lawful_decision_name(nullptr) == nullptr);
  CHECK(lawful_decision_reason(nullptr) == nullptr);
  CHECK(lawful_decision_error(nullptr) == nullptr);
  CHECK(lawful_decision_count(nullptr, LAWFUL_RULES) == 0);
  CHECK(lawful_decision_item(nullptr, LAWFUL_RULES, 0) == nullptr);
  CHECK(lawful_decision_version(nullptr).source_hash == 0);
  size_t n = 99;
  CHECK(std::string(lawful_decision_json(nullptr, &n)) == "null");
  CHECK(n == 4);
  CHECK(lawful_decision_new(nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_decision_free(nullptr);
}

TEST_CASE("decide_batch: one campaign, many contacts, errors in place") {
  lawful_engine* e = load(policies());
  std::vector<std::string> lines;
  {
    std::istringstream in(read(source("tests/api/data/contacts.jsonl")));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  REQUIRE(lines.size() == 8);
  std::vector<lawful_text> texts;
  for (const std::string& l : lines) texts.push_back({l.data(), l.size()});
  std::vector<Decision> ds(lines.size());
  std::vector<lawful_decision*> out;
  for (Decision& d : ds) out.push_back(d.d);
  std::string campaign = read(source("tests/api/data/campaign.json"));
  CHECK(lawful_decide_batch(e, campaign.data(), campaign.size(), texts.data(), texts.size(), out.data()) ==
        LAWFUL_ERR_DATA);
  CHECK(std::string(lawful_last_error()) == "contact 7: contact.entity: 'compny' is not a value of Entity");
  const lawful_verdict want[] = {LAWFUL_ALLOW, LAWFUL_ALLOW, LAWFUL_DENY, LAWFUL_REVIEW, LAWFUL_REVIEW, LAWFUL_REVIEW, LAWFUL_REVIEW, LAWFUL_ALLOW};
  for (size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    CHECK(lawful_decision_verdict(out[i]) == want[i]);
    CHECK(std::string(lawful_decision_id(out[i])) == "c-" + std::to_string(i + 1));
    CHECK(lawful_decision_status(out[i]) == (i == 6 ? LAWFUL_ERR_DATA : LAWFUL_OK));
  }
  CHECK(json_of(out[6]).rfind(R"({"id": "c-7", "line": 7, "error": )", 0) == 0);
  CHECK(std::string(lawful_decision_basis(out[7])) == "soft_opt_in");
  CHECK(std::string(lawful_decision_policy(out[4])) == "api.fr");

  // Every contact good: OK.
  CHECK(lawful_decide_batch(e, campaign.data(), campaign.size(), texts.data(), 6, out.data()) == LAWFUL_OK);
  // A campaign that cannot be read: every decision says so.
  CHECK(lawful_decide_batch(e, "[]", 2, texts.data(), 3, out.data()) == LAWFUL_ERR_DATA);
  for (size_t i = 0; i < 3; ++i) CHECK(std::string(lawful_decision_error(out[i])) == "the campaign: not a JSON object");
  // No contacts.
  CHECK(lawful_decide_batch(e, campaign.data(), campaign.size(), nullptr, 0, nullptr) == LAWFUL_OK);
  // Arguments.
  CHECK(lawful_decide_batch(nullptr, "{}", 2, texts.data(), 1, out.data()) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_batch(e, nullptr, 2, texts.data(), 1, out.data()) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_batch(e, "{}", 2, nullptr, 1, out.data()) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_batch(e, "{}", 2, texts.data(), 1, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_decision* holes[2] = {out[0], nullptr};
  CHECK(lawful_decide_batch(e, "{}", 2, texts.data(), 2, holes) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()) == "decisions[1] is NULL");
  lawful_engine_free(e);
}

TEST_CASE("fields: resolved once, with a suggestion for a misspelt path") {
  lawful_engine* e = load(policies());
  lawful_field a = 0, b = 0;
  REQUIRE(lawful_engine_field(e, "contact.entity", &a) == LAWFUL_OK);
  REQUIRE(lawful_engine_field(e, "contact.consents.given_at", &b) == LAWFUL_OK);
  CHECK(a != b);
  lawful_field c = 12345;
  CHECK(lawful_engine_field(e, "contact.entty", &c) == LAWFUL_ERR_NOT_FOUND);
  CHECK(c == 12345);
  CHECK(std::string(lawful_last_error()) == "no fact is named 'contact.entty'; did you mean 'contact.entity'?");
  CHECK(lawful_engine_field(e, "nothing.like.it.at.all", &c) == LAWFUL_ERR_NOT_FOUND);
  CHECK(std::string(lawful_last_error()) == "no fact is named 'nothing.like.it.at.all'");
  CHECK(lawful_engine_field(nullptr, "contact.entity", &c) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_engine_field(e, nullptr, &c) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_engine_field(e, "contact.entity", nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_engine_free(e);
}

TEST_CASE("facts: NULL arguments") {
  lawful_engine* e = load(policies());
  lawful_facts* f = nullptr;
  CHECK(lawful_facts_new(nullptr, &f) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_new(e, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_item item = 0;
  CHECK(lawful_facts_reset(nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_bool(nullptr, 0, 0, 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_int(nullptr, 0, 0, 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_date(nullptr, 0, 0, 2024, 1, 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_text(nullptr, 0, 0, "x", 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_add_text(nullptr, 0, 0, "x", 1) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_present(nullptr, 0, 0) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_set_empty(nullptr, 0, 0) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_add_record(nullptr, 0, 0, &item) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_clear(nullptr, 0, 0) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_error(nullptr) == nullptr);
  REQUIRE(lawful_facts_new(e, &f) == LAWFUL_OK);
  CHECK(lawful_facts_set_text(f, 0, 0, nullptr, 0) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_add_text(f, 0, 0, nullptr, 0) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_facts_add_record(f, 0, 0, nullptr) == LAWFUL_ERR_ARGUMENT);
  Decision d;
  CHECK(lawful_decide_facts(nullptr, f, d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_facts(e, nullptr, d.d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_facts(e, f, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_facts_free(f);
  lawful_facts_free(nullptr);
  lawful_engine_free(e);
}

TEST_CASE("diagnostics functions accept NULL") {
  CHECK(lawful_diagnostics_count(nullptr) == 0);
  CHECK(lawful_diagnostics_at(nullptr, 0) == nullptr);
  CHECK(lawful_diagnostics_error_count(nullptr) == 0);
  CHECK(std::string(lawful_diagnostics_text(nullptr)).empty());
  lawful_diagnostics_free(nullptr);
}
