// lawful_decision_explain_json and Engine::explain: the explanation `lawful explain
// --json` prints, byte for byte, for the same policies and facts (from source and from a
// .lawc file); the decision made with it; the errors.
#include <doctest/doctest.h>
#include <lawful/lawful.h>
#include <lawful/lawful.hpp>

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

// Single quotes around an argument for the shell.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `lawful explain ... --json`'s standard output and exit status.
std::string cli_explain(const std::string& policies, const std::string& contact, const std::string& campaign,
                        const std::string& extra, int* status) {
  std::string cmd = quoted(LAWFUL_CLI) + " explain " + quoted(policies) + " --contact " + quoted(contact) +
                    " --campaign " + quoted(campaign) + " --json " + extra + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start) v.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return v;
}

std::string api_explain(lawful_engine* e, const std::string& contact, const std::string& campaign, const char* as_of,
                        lawful_status* st, lawful_decision* d) {
  const char* json = nullptr;
  size_t len = 0;
  *st = lawful_decision_explain_json(e, contact.data(), contact.size(), campaign.data(), campaign.size(), as_of, d,
                                     &json, &len);
  return json ? std::string(json, len) : std::string("(null)");
}

}  // namespace

TEST_CASE("explain: the API's JSON is the command's, for every contact, from source and from .lawc") {
  TempDir tmp;
  const std::string campaign = read(source("tests/api/data/campaign.json"));
  const std::vector<std::string> contacts = lines_of(read(source("tests/api/data/contacts.jsonl")));
  REQUIRE(contacts.size() >= 3);
  // A .lawc of the same policies, made by the command.
  const std::string lawc = tmp / "policies.lawc";
  std::string compile = quoted(LAWFUL_CLI) + " compile " + quoted(policies()) + " -o " + quoted(lawc);
  REQUIRE(std::system(compile.c_str()) == 0);

  for (const std::string& path : {policies(), lawc}) {
    CAPTURE(path);
    lawful_engine* e = nullptr;
    REQUIRE(lawful_engine_load_path(path.c_str(), &e, nullptr) == LAWFUL_OK);
    lawful_decision* d = nullptr;
    REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
    lawful_decision* plain = nullptr;
    REQUIRE(lawful_decision_new(&plain) == LAWFUL_OK);
    size_t with_definitions = 0, explained = 0, refused = 0;
    for (const std::string& c : contacts) {
      CAPTURE(c);
      int cli_status = 0;
      std::string cli = cli_explain(path, c, campaign, "", &cli_status);
      lawful_status st;
      std::string api = api_explain(e, c, campaign, nullptr, &st, d);
      lawful_status plain_status = lawful_decide_json(e, c.data(), c.size(), campaign.data(), campaign.size(), plain);
      CHECK(st == plain_status);
      // The decision made with it is the one lawful_decide_json makes.
      CHECK(std::string(lawful_decision_json(d, nullptr)) == lawful_decision_json(plain, nullptr));
      if (st == LAWFUL_ERR_DATA) {
        // A line the command refuses (it says why on standard error): the error record.
        ++refused;
        CHECK(cli_status == 1);
        CHECK(cli.empty());
        CHECK(api == lawful_decision_json(d, nullptr));
        continue;
      }
      ++explained;
      CHECK(st == LAWFUL_OK);
      CHECK(cli_status == 0);
      CHECK(cli == api + "\n");
      if (api.find("\"definitions\":[{") != std::string::npos) ++with_definitions;
      // From source the rules' text is quoted; from a .lawc only where they are.
      if (api.find("\"rules\":[{") != std::string::npos)
        CHECK((api.find("\"text\":\"rule ") != std::string::npos) == (path != lawc));
    }
    CHECK(explained >= 3);
    CHECK(refused >= 1);  // the data holds a contact whose entity is misspelt
    CHECK(with_definitions > 0);  // the data's policies use definitions (uk.law: soft_opt_in)

    // --as-of and as_of agree too.
    int cli_status = 0;
    std::string cli = cli_explain(path, contacts[0], campaign, "--as-of 2020-01-01", &cli_status);
    lawful_status st;
    std::string api = api_explain(e, contacts[0], campaign, "2020-01-01", &st, d);
    CHECK(cli == api + "\n");
    CHECK(api.find("\"as_of\":\"2020-01-01\"") != std::string::npos);

    lawful_decision_free(plain);
    lawful_decision_free(d);
    lawful_engine_free(e);
  }
}

TEST_CASE("explain: errors") {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
  const std::string campaign = read(source("tests/api/data/campaign.json"));
  lawful_status st;

  // Facts that do not fit the schema: the error record, as lawful_decision_json gives it.
  std::string bad = R"({"id": "b", "entity": "compny"})";
  std::string json = api_explain(e, bad, campaign, nullptr, &st, d);
  CHECK(st == LAWFUL_ERR_DATA);
  CHECK(json == lawful_decision_json(d, nullptr));
  CHECK(json.find("'compny' is not a value of Entity") != std::string::npos);

  // A date that is not one.
  json = api_explain(e, read(source("tests/api/data/contact.json")), campaign, "2026-02-30", &st, d);
  CHECK(st == LAWFUL_ERR_ARGUMENT);
  CHECK(json == "(null)");
  CHECK(std::string(lawful_last_error()).find("2026-02-30") != std::string::npos);

  // Null arguments.
  const char* out = "x";
  CHECK(lawful_decision_explain_json(nullptr, "{}", 2, "{}", 2, nullptr, d, &out, nullptr) == LAWFUL_ERR_ARGUMENT);
  CHECK(out == nullptr);
  CHECK(lawful_decision_explain_json(e, "{}", 2, "{}", 2, nullptr, d, nullptr, nullptr) == LAWFUL_ERR_ARGUMENT);
  lawful_decision_free(d);
  lawful_engine_free(e);
}

TEST_CASE("explain: the C++ wrapper") {
  auto loaded = lawful::Engine::load(policies());
  REQUIRE(loaded);
  const lawful::Engine& engine = *loaded;
  const std::string campaign = read(source("tests/api/data/campaign.json"));
  const std::string contact = read(source("tests/api/data/contact.json"));
  lawful::Decision d;
  std::string json = engine.explain(contact, campaign, d);
  CHECK(d.verdict() == lawful::Verdict::allow);
  CHECK(json.rfind("{\"contact\":\"c-1\"", 0) == 0);
  CHECK(json == engine.explain(contact, campaign));
  CHECK(engine.explain(contact, campaign, "2020-01-01").find("\"as_of\":\"2020-01-01\"") != std::string::npos);
  CHECK_THROWS_AS(engine.explain(contact, campaign, "someday"), lawful::Error);
}

TEST_CASE("explain: an engine from a reload quotes the new version's text") {
  TempDir tmp;
  for (const char* f : {"uk.law", "fr.law", "route.law"})
    write(tmp.path() / f, read(policies() + "/" + f));
  lawful_reloader* r = nullptr;
  REQUIRE(lawful_reloader_new(tmp.path().c_str(), &r, nullptr) == LAWFUL_OK);
  const std::string campaign = read(source("tests/api/data/campaign.json"));
  const std::string contact = read(source("tests/api/data/contact.json"));
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
  lawful_status st;
  lawful_engine* e = lawful_reloader_engine(r);
  std::string before = api_explain(e, contact, campaign, nullptr, &st, d);
  lawful_engine_free(e);
  CHECK(st == LAWFUL_OK);
  CHECK(before.find("\"text\":\"rule ") != std::string::npos);
  CHECK(before.find("(a note for the reload)") == std::string::npos);
  // A comment in the rule that decides for this contact: the text changes, nothing else.
  std::string uk = read(policies() + "/uk.law");
  size_t at = uk.find("  rule consented:");
  REQUIRE(at != std::string::npos);
  uk.insert(uk.find('\n', at) + 1, "    // (a note for the reload)\n");
  write(tmp.path() / "uk.law", uk);
  int swapped = 0;
  REQUIRE(lawful_reloader_reload(r, &swapped, nullptr) == LAWFUL_OK);
  CHECK(swapped == 1);
  e = lawful_reloader_engine(r);
  std::string after = api_explain(e, contact, campaign, nullptr, &st, d);
  lawful_engine_free(e);
  CHECK(st == LAWFUL_OK);
  CHECK(after.find("// (a note for the reload)") != std::string::npos);
  lawful_decision_free(d);
  lawful_reloader_free(r);
}
