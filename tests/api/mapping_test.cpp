// Mappings of CRM exports in the embedding API (issue 23): a mapping loaded once and
// checked against the engine's schema, rows of an export decided through it as `lawful
// check --mapping` decides them (the shipped samples against their native JSON Lines), a
// value it cannot convert an error decision naming the column, the line and the value,
// and a mapping with a typo refused with its file, line and column. Through the C++
// classes and the C functions.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

lawful::Engine engine() { return lawful::Engine::load(source("policies")).value(); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& v, size_t from = 0) {
  return std::vector<std::string_view>(v.begin() + static_cast<std::ptrdiff_t>(from), v.end());
}

const char* kTypo = "[contact]\nid = \"Record ID\"\ncountri = { column = \"Country/Region\", convert = \"country\" }\n";

}  // namespace

TEST_CASE("a shipped mapping decides its sample export as the native JSON Lines") {
  lawful::Engine e = engine();
  const std::string campaign = read(source("examples/campaign.json"));
  for (const char* name : {"hubspot-contacts", "salesforce-leads", "mailchimp-subscribed", "brevo-contacts"}) {
    CAPTURE(name);
    auto m = e.mapping(source(std::string("mappings/") + name + ".toml"));
    REQUIRE(m.ok());
    CHECK(m->input() == "csv");
    const std::vector<std::string> csv = lines_of(read(source(std::string("tests/mappings/") + name + ".csv")));
    const std::vector<std::string> native = lines_of(read(source(std::string("tests/mappings/") + name + ".jsonl")));
    std::vector<lawful::Decision> mapped, expected;
    CHECK(e.decide_mapped(*m, campaign, csv[0], views(csv, 1), mapped) == lawful::Status::ok);
    CHECK(e.decide_batch(campaign, views(native), expected) == lawful::Status::ok);
    REQUIRE(mapped.size() == expected.size());
    for (size_t i = 0; i < mapped.size(); ++i) CHECK(mapped[i].json() == expected[i].json());
  }
}

TEST_CASE("rows as JSON objects keyed by the export's columns") {
  lawful::Engine e = engine();
  auto m = e.mapping(source("mappings/hubspot-contacts.toml"));
  REQUIRE(m.ok());
  const std::vector<std::string_view> rows = {
      R"({"Record ID": "7", "Email": "a@x.com", "Country/Region": "United Kingdom", "Unsubscribed from all email": "No"})"};
  std::vector<lawful::Decision> out, native;
  CHECK(e.decide_mapped(*m, kCampaign, rows, out) == lawful::Status::ok);
  const std::vector<std::string_view> same = {R"({"id": "7", "email": "a@x.com", "country": "GB", "objected": false})"};
  CHECK(e.decide_batch(kCampaign, same, native) == lawful::Status::ok);
  CHECK(out[0].json() == native[0].json());
}

TEST_CASE("a value the mapping cannot convert is an error decision naming the column, the line and the value") {
  lawful::Engine e = engine();
  auto m = e.mapping(source("mappings/hubspot-contacts.toml"));
  REQUIRE(m.ok());
  const std::string header = "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date";
  const std::vector<std::string_view> rows = {"1,a@x.com,GB,false,", "2,b@x.com,Atlantis,false,", "3,c@x.com,,,"};
  std::vector<lawful::Decision> out;
  CHECK(e.decide_mapped(*m, kCampaign, header, rows, out) == lawful::Status::data);
  CHECK(out[0].ok());
  CHECK_FALSE(out[1].ok());
  CHECK(out[1].error() == "column Country/Region: 'Atlantis' is not a country (a name, or an ISO 3166 code of two or "
                          "three letters)");
  CHECK(json_text(out[1]).find(R"({"id": "2", "line": 3, "error": "column Country/Region: 'Atlantis')") == 0);
  CHECK(out[2].ok());  // empty cells: unknown facts
  CHECK(std::string(lawful_last_error()).find("line 3: column Country/Region") == 0);

  // A header without a column the mapping reads: every row is that error.
  CHECK(e.decide_mapped(*m, kCampaign, "Record ID,Email", rows, out) == lawful::Status::data);
  for (const lawful::Decision& d : out) CHECK(d.error().find("the header has no column") != std::string_view::npos);
}

TEST_CASE("a mapping with a typo is refused with its file, line and column") {
  lawful::Engine e = engine();
  TempDir dir;
  const std::string path = dir / "typo.toml";
  write(path, kTypo);
  auto m = e.mapping(path);
  REQUIRE_FALSE(m.ok());
  CHECK(m.status() == lawful::Status::mapping);
  CHECK(m.message() == path + ":3:1: 'contact' has no field 'countri'");
  REQUIRE(m.diagnostics().errors() == 1);
  const lawful::Diagnostic& d = m.diagnostics().items()[0];
  CHECK(d.file == path);
  CHECK(d.line == 3);
  CHECK(d.column == 1);
  CHECK(d.code == "E201");
  CHECK(d.help == "did you mean 'country'?");
  CHECK(m.diagnostics().text().find(" 3 | countri = ") != std::string::npos);
  auto t = e.mapping_from_text(kTypo, "inline.toml");
  CHECK_FALSE(t.ok());
  CHECK(t.message() == "inline.toml:3:1: 'contact' has no field 'countri'");
}

TEST_CASE("the C functions: load, refuse, decide, free") {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(source("policies").c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_mapping* m = reinterpret_cast<lawful_mapping*>(1);
  lawful_diagnostics* diags = nullptr;
  CHECK(lawful_mapping_load_text(e, "bad.toml", kTypo, LAWFUL_NUL_TERMINATED, &m, &diags) == LAWFUL_ERR_MAPPING);
  CHECK(m == nullptr);
  REQUIRE(diags != nullptr);
  REQUIRE(lawful_diagnostics_count(diags) == 1);
  const lawful_diagnostic* d = lawful_diagnostics_at(diags, 0);
  CHECK(std::string(d->file) == "bad.toml");
  CHECK(d->line == 3);
  CHECK(d->column == 1);
  CHECK(std::string(lawful_status_name(LAWFUL_ERR_MAPPING)) == "mapping error");
  lawful_diagnostics_free(diags);
  CHECK(lawful_mapping_load(e, source("tests/mappings/none.toml").c_str(), &m, nullptr) == LAWFUL_ERR_MAPPING);
  CHECK(lawful_mapping_load(e, nullptr, &m, nullptr) == LAWFUL_ERR_ARGUMENT);

  REQUIRE(lawful_mapping_load(e, source("mappings/brevo-contacts.toml").c_str(), &m, nullptr) == LAWFUL_OK);
  CHECK(std::string(lawful_mapping_input(m)) == "csv");
  lawful_mapping* again = lawful_mapping_retain(m);
  lawful_mapping_free(m);  // `again` keeps it
  lawful_decision* dec = nullptr;
  lawful_decision* native = nullptr;
  REQUIRE(lawful_decision_new(&dec) == LAWFUL_OK);
  REQUIRE(lawful_decision_new(&native) == LAWFUL_OK);
  const std::vector<std::string> csv = lines_of(read(source("tests/mappings/brevo-contacts.csv")));
  const std::vector<std::string> json = lines_of(read(source("tests/mappings/brevo-contacts.jsonl")));
  lawful_text rows[1] = {{csv[1].data(), csv[1].size()}};
  CHECK(lawful_decide_mapped(e, again, kCampaign, LAWFUL_NUL_TERMINATED, csv[0].c_str(), LAWFUL_NUL_TERMINATED, rows,
                             1, &dec) == LAWFUL_OK);
  CHECK(lawful_decide_json(e, json[0].data(), json[0].size(), kCampaign, LAWFUL_NUL_TERMINATED, native) == LAWFUL_OK);
  CHECK(std::string(lawful_decision_json(dec, nullptr)) == lawful_decision_json(native, nullptr));
  lawful_decision_free(native);
  CHECK(lawful_decide_mapped(e, nullptr, kCampaign, LAWFUL_NUL_TERMINATED, nullptr, 0, rows, 1, &dec) ==
        LAWFUL_ERR_ARGUMENT);
  lawful_decision_free(dec);
  lawful_mapping_free(again);
  lawful_engine_free(e);
}
