// Mappings (docs/mappings.md): every conversion and its errors (runtime/facts/mapping.h),
// rows bound through a mapping (mapped_binder.h): empty cells absent, never false;
// implied records; and mapping files refused at load with their positions
// (compiler/mapping/mapping_loader.h).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "compiler/mapping/mapping_loader.h"
#include "runtime/core/countries.h"
#include "runtime/facts/facts_json.h"
#include "runtime/facts/mapped_binder.h"

using namespace lawful;

namespace {

const Program& prog() {
  static std::shared_ptr<const Program> p = schema_program();
  REQUIRE(p.get() != static_cast<const Program*>(nullptr));
  return *p;
}

LoadedMapping load(const std::string& text) { return load_mapping_text("m.toml", text, prog().schema); }

// The facts of each row of a CSV export through `mapping`, or "error: ..." for a row.
std::vector<std::string> rows(const std::string& mapping, const std::vector<std::string>& lines) {
  LoadedMapping m = load(mapping);
  REQUIRE_MESSAGE(m.ok(), m.render());
  Binder binder(prog());
  MappedBinder mb(prog(), binder, m.mapping);
  FactStore fs(prog());
  binder.bind_campaign(fs, "{}");
  std::string why = mb.set_header(lines.at(0));
  if (!why.empty()) return {"header: " + why};
  std::vector<std::string> out;
  for (size_t i = 1; i < lines.size(); ++i) {
    BindResult r = mb.bind_row(fs, lines[i]);
    out.push_back(r.ok ? root_facts_json(fs, "contact") : "error: " + r.error);
  }
  return out;
}

}  // namespace

TEST_CASE("countries: the same text asked again, or another, gives its own answer") {
  for (int round = 0; round < 2; ++round) {
    CHECK(country_alpha2("France") == "FR");
    CHECK(country_alpha2("France") == "FR");
    CHECK(country_alpha2("Atlantis") == "");
    CHECK(country_alpha2("Atlantis") == "");
    CHECK(country_alpha2("France ") == "FR");
    CHECK(country_alpha2("Germany") == "DE");
    CHECK(country_alpha2("germany") == "DE");
    CHECK(country_alpha2("") == "");
    CHECK(country_alpha2("FR") == "FR");
  }
  // The text asked for may live in a buffer that is then overwritten (a row's cells): the
  // answer to the next question must not come from the old bytes.
  std::string row = "Spain";
  CHECK(country_alpha2(row) == "ES");
  row = "Italy";
  CHECK(country_alpha2(row) == "IT");
  row[0] = 'X';
  CHECK(country_alpha2(row) == "");
}

TEST_CASE("countries: codes, names and other names to alpha-2; nothing guessed") {
  CHECK(country_count() == 249);
  CHECK(country_alpha2("GB") == "GB");
  CHECK(country_alpha2("gb") == "GB");
  CHECK(country_alpha2("GBR") == "GB");
  CHECK(country_alpha2("United Kingdom") == "GB");
  CHECK(country_alpha2("  united   kingdom ") == "GB");
  CHECK(country_alpha2("Deutschland") == "DE");
  CHECK(country_alpha2("DEU") == "DE");
  CHECK(country_alpha2("Côte d'Ivoire") == "CI");
  CHECK(country_alpha2("United States") == "US");
  CHECK(country_alpha2("USA") == "US");
  CHECK(country_alpha2("Atlantis") == "");
  CHECK(country_alpha2("") == "");
  CHECK(country_alpha2("XX") == "");
  CHECK(country_alpha2("Korea") == "");  // two countries: not guessed
  // Every code is distinct, and no name or code names two countries.
  std::set<std::string> a2, a3;
  for (size_t i = 0; i < country_count(); ++i) {
    const Country& c = countries()[i];
    CHECK(a2.insert(c.alpha2).second);
    CHECK(a3.insert(c.alpha3).second);
    CHECK(country_alpha2(c.alpha2) == c.alpha2);
    CHECK(country_alpha2(c.alpha3) == c.alpha2);
    CHECK(country_alpha2(c.name) == c.alpha2);
  }
}

TEST_CASE("date formats: declared, exact, never guessed") {
  DateFormat f;
  size_t at = 0;
  REQUIRE(f.compile("%Y-%m-%d %H:%M:%S", &at) == "");
  CHECK(f.parse("2024-03-01 10:05:12") == parse_date("2024-03-01"));
  CHECK_FALSE(f.parse("2024-03-01"));
  CHECK_FALSE(f.parse("01/03/2024 10:05:12"));
  CHECK_FALSE(f.parse("2024-02-30 10:00:00"));
  CHECK_FALSE(f.parse("2024-03-01 25:00:00"));
  REQUIRE(f.compile("%m/%d/%Y", &at) == "");
  CHECK(f.parse("3/2/2025") == parse_date("2025-03-02"));
  REQUIRE(f.compile("%d/%m/%Y", &at) == "");
  CHECK(f.parse("3/2/2025") == parse_date("2025-02-03"));
  REQUIRE(f.compile("%d %b %Y %I:%M %p", &at) == "");
  CHECK(f.parse("5 March 2025 11:59 PM") == parse_date("2025-03-05"));
  CHECK(f.parse("5 mar 2025 12:00 am") == parse_date("2025-03-05"));
  CHECK_FALSE(f.parse("5 Mzr 2025 11:59 PM"));
  REQUIRE(f.compile("%Y-%m-%dT%H:%M:%S.%f%z", &at) == "");
  CHECK(f.parse("2025-01-31T23:30:00.000Z") == parse_date("2025-01-31"));
  CHECK(f.parse("2025-01-31T23:30:00.000-02:00") == parse_date("2025-02-01"));  // the UTC date
  CHECK(f.parse("2025-02-01T00:30:00.5+01:00") == parse_date("2025-01-31"));
  REQUIRE(f.compile("%s", &at) == "");
  CHECK(f.parse("86400") == parse_date("1970-01-02"));
  CHECK_FALSE(f.parse("86400.5"));
  CHECK(f.compile("%d/%m/%y", &at).find("two-digit year") != std::string::npos);
  CHECK(at == 6);
  CHECK(f.compile("%Y-%m", &at).find("needs a year") != std::string::npos);
  CHECK(f.compile("%Y-%m-%d %q", &at).find("'%q'") != std::string::npos);
  CHECK(f.compile("%Y-%m-%d %I", &at).find("%p") != std::string::npos);
}

const char* kMapping = R"TOML(
[mapping]
name = "test"

[contact]
id = "ID"
email = "Email"
country = { column = "Country", convert = "country" }
objected = { column = "Unsubscribed", convert = "bool" }
tps = { column = "TPS", convert = "bool", true = ["Registered"], false = ["Clear"] }
entity = { column = "Type", values = { "Business" = "company", "Person" = "consumer" } }
role = { column = "Dept", values = { "IT" = "it" }, otherwise = "other" }
source = { value = "direct" }
last_contact = { column = "Seen", convert = "date", format = "%d/%m/%Y" }

[contact.customer]
last_purchase = { column = "Bought", convert = "date", format = "%Y-%m-%d" }
purchased = { column = "Products", split = ";" }
opt_out_offered = { value = true }

[[contact.consents]]
channel = { value = "email" }
given_at = { column = "Opt in", convert = "date", format = "%Y-%m-%d %H:%M" }
confirmed_at = { column = "Confirmed", convert = "date", format = "%Y-%m-%d %H:%M" }
method = { value = "unticked_checkbox" }
)TOML";

const char* kHeader = "ID,Email,Country,Unsubscribed,TPS,Type,Dept,Seen,Bought,Products,Opt in,Confirmed,Ignored";

TEST_CASE("a row through a mapping: every conversion, empty cells absent, implied records") {
  auto out = rows(kMapping, {kHeader,
                             "1,a@x.com,United Kingdom,Yes,Registered,Business,IT,03/02/2025,2024-01-05,"
                             "shoes; hats;,2024-01-01 10:00,2024-01-01 10:05,zz",
                             "2,,DEU,no,Clear,Person,Sales,,,,2024-01-01 10:00,,",
                             "3,,,,,,,,,,,,"});
  REQUIRE(out.size() == 3);
  CHECK(out[0] ==
        R"({"id":"1","email":"a@x.com","country":"GB","entity":"company","role":"it","source":"direct",)"
        R"("consents":[{"channel":"email","given_at":"2024-01-01","method":"double_opt_in"}],)"
        R"("customer":{"purchased":["shoes","hats"],"last_purchase":"2024-01-05","opt_out_offered":true},)"
        R"("objected":true,"tps":true,"last_contact":"2025-02-03"})");
  CHECK(out[1] ==
        R"({"id":"2","country":"DE","entity":"consumer","role":"other","source":"direct",)"
        R"("consents":[{"channel":"email","given_at":"2024-01-01","method":"unticked_checkbox"}],)"
        R"("objected":false,"tps":false})");
  // Empty cells: nothing known but the constant; no consent, no customer implied.
  CHECK(out[2] == R"({"id":"3","source":"direct"})");
}

TEST_CASE("a cell that cannot be converted: an error naming the column and the value") {
  auto bad = [&](const std::string& row) {
    auto out = rows(kMapping, {kHeader, row});
    REQUIRE(out.size() == 1);
    return out[0];
  };
  CHECK(bad("7,,Atlantis,,,,,,,,,,") ==
        "error: column Country: 'Atlantis' is not a country (a name, or an ISO 3166 code of two or three letters)");
  CHECK(bad("7,,,maybe,,,,,,,,,") == "error: column Unsubscribed: 'maybe' is not a yes or no of this column");
  CHECK(bad("7,,,,Yes,,,,,,,,") == "error: column TPS: 'Yes' is not a yes or no of this column");
  CHECK(bad("7,,,,,Charity,,,,,,,") == "error: column Type: 'Charity' is not in the value table of this column");
  CHECK(bad("7,,,,,,,2025-02-03,,,,,") == "error: column Seen: '2025-02-03' is not a date in the format %d/%m/%Y");
  CHECK(bad("7,,,,,,,,,,2024-01-01 10:00,01/01/2024,") ==
        "error: column Confirmed: '01/01/2024' is not a date in the format %Y-%m-%d %H:%M");
  CHECK(bad("7,,,,,,,,,") == "error: a row of 10 cells; the header has 13");
}

TEST_CASE("the header: a column the mapping reads must be there, unless optional") {
  CHECK(rows(kMapping, {"ID,Email"})[0].rfind("header: the header has no column 'Country'", 0) == 0);
  CHECK(rows(kMapping, {"ID,email,Country"})[0].find("it has 'email'") != std::string::npos);
  const char* optional = "[contact]\nid = \"ID\"\nphone = { column = \"Phone\", optional = true }\n";
  CHECK(rows(optional, {"ID", "9"}) == std::vector<std::string>{R"({"id":"9"})"});
  CHECK(rows(optional, {"ID,Phone,ID", "9,1,9"})[0].find("named twice") != std::string::npos);
}

TEST_CASE("JSON Lines through a mapping: keys are columns, null is absent") {
  LoadedMapping m = load(kMapping);
  REQUIRE(m.ok());
  Binder binder(prog());
  MappedBinder mb(prog(), binder, m.mapping);
  FactStore fs(prog());
  binder.bind_campaign(fs, "{}");
  BindResult r = mb.bind_json(fs, R"({"ID": 12, "Country": "fra", "Unsubscribed": true, "TPS": null, "x": [1]})");
  REQUIRE_MESSAGE(r.ok, r.error);
  CHECK(root_facts_json(fs, "contact") == R"({"id":"12","country":"FR","source":"direct","objected":true})");
  r = mb.bind_json(fs, R"({"ID": "1", "Country": ["GB"]})");
  CHECK_FALSE(r.ok);
  CHECK(r.error == "column Country: a JSON list is not one value");
  CHECK_FALSE(mb.bind_json(fs, "[1]").ok);
  CHECK_FALSE(mb.bind_json(fs, "{").ok);
}

TEST_CASE("a mapping with a typo is refused at load, with its position and a suggestion") {
  LoadedMapping m = load("[contact]\nid = \"ID\"\ncountri = { column = \"CC\", convert = \"country\" }\n");
  CHECK_FALSE(m.ok());
  CHECK(m.render() ==
        "m.toml:3:1: error: 'contact' has no field 'countri' [E201]\n"
        " 3 | countri = { column = \"CC\", convert = \"country\" }\n"
        "   | ^^^^^^^\n"
        "help: did you mean 'country'?\n");
}

TEST_CASE("mapping errors: each kind, with its code") {
  auto code = [](const std::string& text) {
    LoadedMapping m = load(text);
    REQUIRE_FALSE(m.ok());
    return std::string(diag_info(m.diags.all().at(0).code).code) + " " + m.diags.all().at(0).message;
  };
  CHECK(code("[contact\nid = 1").rfind("E600 not TOML", 0) == 0);
  CHECK(code("[contacts]\nid = \"ID\"").rfind("E601 a mapping has no section 'contacts'", 0) == 0);
  CHECK(code("[mapping]\nformat = \"csv\"\n[contact]\nid = \"ID\"").rfind("E601 [mapping] has no key", 0) == 0);
  CHECK(code("[mapping]\ninput = \"xlsx\"\n[contact]\nid = \"ID\"").rfind("E601 input 'xlsx'", 0) == 0);
  CHECK(code("[contact]\nid = { column = \"ID\", conver = \"bool\" }").rfind("E601", 0) == 0);
  CHECK(code("[mapping]\nseparator = \"::\"\n[contact]\nid = \"ID\"").rfind("E601 separator is one of", 0) == 0);
  CHECK(code("[contact]\nid = { column = \"ID\", convert = \"boolean\" }").rfind("E601 'boolean'", 0) == 0);
  CHECK(code("[contact]\nobjected = { column = \"U\", convert = \"date\", format = \"%Y-%m-%d\" }").rfind("E602", 0) == 0);
  CHECK(code("[contact]\nlast_contact = { column = \"U\", convert = \"date\" }").find("never guessed") != std::string::npos);
  CHECK(code("[contact]\ncountry = { column = \"C\", format = \"%Y\" }").rfind("E602", 0) == 0);
  CHECK(code("[contact]\nentity = { column = \"T\", values = { \"B\" = \"compny\" } }").rfind("E202", 0) == 0);
  CHECK(code("[contact]\nobjected = { value = \"yes\" }").rfind("E300", 0) == 0);
  CHECK(code("[contact]\nid = \"ID\"\nconsents = \"C\"").rfind("E300", 0) == 0);
  CHECK(code("[contact]\nid = \"ID\"\n[contact.customer]\nopt_out_offered = { value = true }").find("reads no column") !=
        std::string::npos);
  CHECK(code("[contact]\nobjected = { column = \"U\", convert = \"bool\", true = [\"x\"], false = [\"X\"] }")
            .find("both true and false") != std::string::npos);
  CHECK(code("[contact]\nsource = { value = \"direct\" }").find("reads no column") != std::string::npos);
  CHECK(code("[[contact.consents]]\nchannel = \"C\"\nmethd = \"M\"") == "E201 'contact.consents' has no field 'methd'");
  LoadedMapping m = load("[[contact.consents]]\nchannel = \"C\"\nconfirmd_at = \"M\"");
  REQUIRE_FALSE(m.ok());
  CHECK(m.diags.all().at(0).help == "did you mean 'confirmed_at'?");
}
