// One record writer under both front ends: for the same contacts, the API's records
// (lawful_decision_json, less its "version") are byte for byte the lines `lawful check`
// writes, decisions and errors alike, citations de-duplicated past any limit.
#include <doctest/doctest.h>
#include <lawful/lawful.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// `lawful check POLICY --contacts CONTACTS --campaign CAMPAIGN`'s records, one a line.
std::vector<std::string> check_records(const std::string& policy, const std::string& contacts,
                                       const std::string& campaign) {
  std::string cmd = "'" + std::string(LAWFUL_BINARY) + "' check '" + policy + "' --contacts '" + contacts +
                    "' --campaign '" + campaign + "' --quiet --threads 1 --no-cache";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);  // exits 1 when a line has an error record
  return lines_of(out);
}

// The API's records for the same lines (one batch, so that an error names its line as
// `lawful check` does), each without its "version".
std::vector<std::string> api_records(const std::string& policy, const std::string& contacts_text,
                                     const std::string& campaign_text) {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policy.c_str(), &e, nullptr) == LAWFUL_OK);
  std::vector<std::string> lines = lines_of(contacts_text);
  std::vector<lawful_text> texts;
  std::vector<lawful_decision*> ds(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    texts.push_back({lines[i].data(), lines[i].size()});
    REQUIRE(lawful_decision_new(&ds[i]) == LAWFUL_OK);
  }
  lawful_decide_batch(e, campaign_text.data(), campaign_text.size(), texts.data(), texts.size(), ds.data());
  std::vector<std::string> out;
  for (lawful_decision* d : ds) {
    std::string json = lawful_decision_json(d, nullptr);
    size_t v = json.rfind(", \"version\": ");
    REQUIRE(v != std::string::npos);
    out.push_back(json.substr(0, v) + "}");
    lawful_decision_free(d);
  }
  lawful_engine_free(e);
  return out;
}

void same_records(const std::string& policy, const std::string& contacts, const std::string& campaign) {
  std::vector<std::string> cli = check_records(policy, contacts, campaign);
  std::vector<std::string> api = api_records(policy, read(contacts), read(campaign));
  REQUIRE(cli.size() == api.size());
  for (size_t i = 0; i < cli.size(); ++i) {
    CAPTURE(i + 1);
    CHECK(api[i] == cli[i]);
  }
}

std::string cite_lines(const std::string& prefix, int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "    cite \"" + prefix + " " + std::to_string(i) + "\"\n";
  return s;
}

}  // namespace

TEST_CASE("the API's records are lawful check's: decisions, reviews, errors") {
  // Routed policies: allow, deny, review with missing facts, no policy for a country
  // (named in the reason), a value not of its enumeration (an error record).
  same_records(policies(), source("tests/api/data/contacts.jsonl"), source("tests/api/data/campaign.json"));
  TempDir dir;
  write(dir / "overflow.law", kOverflowPolicy);  // a run-time error: its error record
  write(dir / "contacts.jsonl", std::string(kCompany) + "\n" +
                                    R"({"id": "late", "last_contact": "2026-01-01", "country": "GB"})" + "\n");
  write(dir / "campaign.json", kCampaign);
  same_records(dir / "overflow.law", dir / "contacts.jsonl", dir / "campaign.json");
}

TEST_CASE("citations repeated across the winning rules are listed once, past any limit") {
  // Three winning rules with 212 citations, 160 of them different (above the scan's
  // limit, kCiteScan); two allowing with 81 (80 different: more than 64, under that
  // limit), repeats among the last; and two denying with 91 (81 different).
  std::string policy = "policy cites.many \"Many citations\"\n  jurisdiction GB\n\n"
                       "decision email when campaign.channel == email:\n"
                       "  rule first: allow basis consent\n" + cite_lines("art", 0, 100) +
                       "  rule second: allow basis consent\n" + cite_lines("art", 50, 150) +
                       "  rule third: allow basis consent\n    when not contact.objected\n"
                       "    cite \"art 0\"\n    cite \"art 149\"\n" + cite_lines("rec", 0, 10) +
                       "\ndecision sms when campaign.channel == sms:\n"
                       "  rule first: allow basis consent\n" + cite_lines("s", 0, 70) +
                       "  rule second: allow basis consent\n" + cite_lines("s", 60, 70) + cite_lines("t", 0, 10) +
                       "    cite \"s 0\"\n"
                       "\ndecision post when campaign.channel == post:\n"
                       "  rule gone: deny\n" + cite_lines("s", 0, 70) +
                       "  rule kept: deny\n    when not contact.objected\n" + cite_lines("s", 60, 70) +
                       cite_lines("t", 0, 11) + "\n";
  TempDir dir;
  write(dir / "many.law", policy);
  write(dir / "contacts.jsonl", read(source("tests/api/data/contacts.jsonl")));
  for (std::string channel : {"email", "sms", "post"}) {
    CAPTURE(channel);
    std::string campaign = kCampaign;
    campaign.replace(campaign.find("\"email\""), 7, std::string("\"") + channel + "\"");
    write(dir / "campaign.json", campaign);
    same_records(dir / "many.law", dir / "contacts.jsonl", dir / "campaign.json");
    // And the list has no repeats, and is long enough to have tested the limits.
    std::vector<std::string> cli = check_records(dir / "many.law", dir / "contacts.jsonl", dir / "campaign.json");
    size_t longest = 0;
    for (const std::string& r : cli) {
      size_t at = r.find("\"cites\": [");
      if (at == std::string::npos) continue;
      std::string list = r.substr(at, r.find(']', at) - at);
      std::vector<std::string> cites;
      for (size_t q = list.find('"', 10); q != std::string::npos; q = list.find('"', list.find('"', q + 1) + 1))
        cites.push_back(list.substr(q + 1, list.find('"', q + 1) - q - 1));
      CHECK(std::set<std::string>(cites.begin(), cites.end()).size() == cites.size());
      longest = std::max(longest, cites.size());
    }
    CHECK(longest > 64);
  }
}
