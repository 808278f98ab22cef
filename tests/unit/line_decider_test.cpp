// The per-line step (runtime/vm/line_decider.h): every kind of line gets its record,
// or the error record in its place, with the line's number; a run-time error is told
// from a bad line; a line with no room after it is bound the same as one with room.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "helpers.h"
#include "runtime/vm/campaign_check.h"
#include "runtime/vm/line_decider.h"

using namespace lawful;

namespace {

const char* kPolicy = R"LAW(policy line.p "Per-line step"
decision d:
  rule objected: deny
    when contact.objected
    cite "art 21"
  rule otherwise: allow basis consent
    when not contact.objected
    cite "art 6"
  rule far: deny
    when contact.suppressed and campaign.send_date + 9000 years > contact.last_contact
    overrides otherwise
    cite "far"
)LAW";

const char* kCampaign = R"({"id": "k", "channel": "email", "send_date": "2026-12-01"})";

// The program's whole entry (its policy).
Entry whole(const Program& prog) {
  Entry e;
  REQUIRE(choose_entry(prog, "", e).empty());
  return e;
}

std::string record(LineDecider& d, std::string_view line, uint64_t n, RecordFormat f = RecordFormat::Json) {
  TextBuffer out;
  d.step(line, line.size(), n, out, f);
  return std::string(out.view());
}

}  // namespace

TEST_CASE("the per-line step: records, error records in place, run-time errors") {
  Compilation c = testing::compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const Entry e = whole(prog);
  LineDecider d(prog, e, LineDecider::Options{});
  REQUIRE(d.set_campaign(kCampaign).empty());
  CHECK(d.set_campaign(kCampaign).empty());  // the same text again: kept

  std::string r = record(d, R"({"id": "a", "objected": true, "suppressed": false})", 1);
  CHECK(d.result().decided);
  CHECK(r.rfind(R"({"id": "a", "verdict": "deny", "basis": null, "policy": "line.p", "decision": "d", "rules": ["objected"], "cites": ["art 21"])", 0) == 0);
  CHECK(d.subject().has_id);
  CHECK(d.subject().id == "a");

  r = record(d, R"({"id": "b", "objected": "yes"})", 2);
  CHECK_FALSE(d.result().decided);
  CHECK_FALSE(d.result().run_error);
  CHECK(r.rfind(R"({"id": "b", "line": 2, "error": "contact.objected: )", 0) == 0);

  r = record(d, "  \t", 3);
  CHECK(r == "{\"id\": null, \"line\": 3, \"error\": \"a blank line\"}\n");

  TextBuffer out;
  d.step({}, 0, 4, out, RecordFormat::Json, 2000000);
  CHECK(std::string(out.view()) == "{\"id\": null, \"line\": 4, \"error\": \"a line of 2000000 bytes; the limit is 1048576\"}\n");

  r = record(d, R"({"id": "late", "objected": false, "suppressed": true, "last_contact": "2026-01-01"})", 5);
  CHECK_FALSE(d.result().decided);
  CHECK(d.result().run_error);
  CHECK(d.result().id == "late");
  CHECK(r.rfind(R"({"id": "late", "line": 5, "error": )", 0) == 0);

  // CSV records of the same step.
  r = record(d, R"({"id": "a", "objected": false, "suppressed": false})", 6, RecordFormat::Csv);
  CHECK(r == "6,a,allow,consent,line.p,d,otherwise,art 6,,,,\n");
}

TEST_CASE("the per-line step reads cases and CSV rows, and pads a line that has no room") {
  Compilation c = testing::compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const Entry e = whole(prog);

  LineDecider::Options cases;
  cases.input = LineInput::Case;
  LineDecider dc(prog, e, cases);
  std::string line = std::string(R"({"contact": {"id": "a", "objected": true, "suppressed": false}, "campaign": )") + kCampaign + "}";
  std::string want = record(dc, line, 1);
  CHECK(dc.result().decided);

  LineDecider dj(prog, e, LineDecider::Options{});
  REQUIRE(dj.set_campaign(kCampaign).empty());
  // The contact at the very end of a buffer (no room to read past it): copied, same record.
  std::string contact = R"({"id": "a", "objected": true, "suppressed": false})";
  CHECK(record(dj, contact, 1) == want);
  TextBuffer out;
  std::string roomy = contact + std::string(64, ' ');
  dj.step(std::string_view(roomy.data(), contact.size()), roomy.size(), 1, out, RecordFormat::Json);
  CHECK(std::string(out.view()) == want);

  LineDecider::Options rows;
  rows.input = LineInput::CsvRow;
  LineDecider dr(prog, e, rows);
  REQUIRE(dr.set_campaign(kCampaign).empty());
  REQUIRE(dr.set_csv_header("id,objected,suppressed").empty());
  std::string row = record(dr, "a,true,false", 1);
  CHECK(dr.result().decided);
  CHECK(row == want);
  CHECK(dr.set_csv_header("id,consents").find("consents") != std::string::npos);
}

TEST_CASE("the campaign check on a worker's machine: the same report, then the same records") {
  Compilation c = testing::compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const Entry e = whole(prog);
  const std::vector<std::string> lines = {R"({"id": "a", "objected": true})", R"({"id": "b", "objected": false})",
                                          R"({"id": "c", "suppressed": true, "last_contact": "2026-01-01"})",
                                          R"({"id": "d"})"};
  for (const char* campaign : {kCampaign, R"({"channel": "email"})", R"({"chanel": "email"})", "{}"}) {
    INFO("campaign: " << campaign);
    const CampaignReport alone = check_campaign(prog, e, campaign);
    LineDecider fresh(prog, e, LineDecider::Options{});
    LineDecider worker(prog, e, LineDecider::Options{});
    REQUIRE(fresh.set_campaign(campaign).empty());
    REQUIRE(worker.set_campaign(campaign).empty());
    const CampaignReport shared = check_campaign(worker.vm(), worker.binder(), prog, e, campaign);
    CHECK(shared.messages() == alone.messages());
    CHECK(shared.every_review == alone.every_review);
    CHECK(shared.lacks.size() == alone.lacks.size());
    CHECK(shared.unknown == alone.unknown);
    worker.forget_campaign();
    REQUIRE(worker.set_campaign(campaign).empty());
    for (size_t i = 0; i < lines.size(); ++i) CHECK(record(worker, lines[i], i + 1) == record(fresh, lines[i], i + 1));
  }
}

namespace {

// The store after the last line: its slots, and the strings the line added (the
// program's own come first).
struct Bound {
  std::vector<Value> slots;
  std::vector<std::string> strings;
};

Bound bound(LineDecider& d) {
  const FactStore& fs = d.vm().facts();
  Bound b;
  b.slots = fs.slots;
  for (size_t i = fs.program().strings.size(); i < fs.strings.size(); ++i) b.strings.emplace_back(fs.strings[i]);
  return b;
}

}  // namespace

TEST_CASE("nothing of one line is left for the next: a field the next line lacks reads as missing") {
  Compilation c = testing::compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const Entry e = whole(prog);
  // Every kind of fact set, then a line that sets almost none of them.
  const std::string full =
      R"({"id": "full", "name": "Ann", "email": "ann@example.org", "country": "GB", "objected": true,)"
      R"( "suppressed": false, "last_contact": "2026-01-01", "consents": [{"channel": "email",)"
      R"( "purpose": "marketing", "controller": "Northwind Ltd", "given_at": "2026-04-21", "method": "double_opt_in"}]})";
  const std::string sparse = R"({"id": "sparse"})";
  const std::string other = R"({"id": "other", "suppressed": true, "consents": []})";
  const std::string campaign2 = R"({"id": "k2", "channel": "email"})";
  auto as_case = [&](const std::string& contact, const std::string& camp) {
    return R"({"contact": )" + contact + R"(, "campaign": )" + camp + "}";
  };

  for (LineInput input : {LineInput::Contact, LineInput::Case}) {
    CAPTURE(static_cast<int>(input));
    LineDecider::Options options;
    options.input = input;
    auto line = [&](const std::string& contact, bool second) {
      return input == LineInput::Case ? as_case(contact, second ? campaign2 : kCampaign) : contact;
    };
    auto make = [&] {
      auto d = std::make_unique<LineDecider>(prog, e, options);
      if (input == LineInput::Contact) REQUIRE(d->set_campaign(kCampaign).empty());
      return d;
    };
    // One decider through every line, against a new one for each line alone.
    auto seq = make();
    const std::vector<std::string> lines = {line(full, false), line(sparse, true), line(full, false),
                                            line(other, true), line(sparse, false)};
    for (size_t i = 0; i < lines.size(); ++i) {
      CAPTURE(i);
      std::string got = record(*seq, lines[i], i + 1);
      auto alone = make();
      std::string want = record(*alone, lines[i], i + 1);
      CHECK(got == want);
      Bound a = bound(*seq), b = bound(*alone);
      CHECK(a.slots == b.slots);
      CHECK(a.strings == b.strings);
    }
    // The sparse line does not inherit the full line's objection: it is not denied for it.
    record(*seq, lines[0], 1);
    std::string r = record(*seq, lines[1], 2);
    CHECK(r.find("\"rules\": [\"objected\"]") == std::string::npos);
  }
}
