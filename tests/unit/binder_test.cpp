// JSON to facts: types checked against the schema, absences kept apart from falsehood,
// defaults applied, bad values named by their path, and unknown keys ignored.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "helpers.h"

using namespace lawful;
using namespace lawful::testing;

namespace {
const char* kPolicy = R"(policy t.b "binder"
decision d:
  rule no: deny
    cite "no"
  rule yes: allow basis consent
    when contact.objected == false and (any c in contact.consents: "Acme" in c.third_parties)
    overrides no
    cite "yes"
)";

std::string bind_error(const std::string& json) {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  std::string err;
  decide_case(*c.program, json, &err);
  return err;
}
}  // namespace

TEST_CASE("a well-formed case binds") {
  CHECK(bind_error(R"({"contact": {"objected": false, "consents": []}, "campaign": {}})") == "");
}

TEST_CASE("wrong types are errors that name the field") {
  CHECK(bind_error(R"({"contact": {"objected": "no"}, "campaign": {}})") ==
        "contact.objected: expected true or false, got a string");
  CHECK(bind_error(R"({"contact": {"entity": "compny"}, "campaign": {}})") ==
        "contact.entity: 'compny' is not a value of Entity");
  CHECK(bind_error(R"({"contact": {"last_contact": "2023-02-29"}, "campaign": {}})") ==
        "contact.last_contact: '2023-02-29' is not a date (YYYY-MM-DD)");
  CHECK(bind_error(R"({"contact": {"consents": [{"method": "ticked"}]}, "campaign": {}})") ==
        "contact.consents[0].method: 'ticked' is not a value of ConsentMethod");
  CHECK(bind_error(R"({"contact": {"consents": {}}, "campaign": {}})") ==
        "contact.consents: expected a list, got an object");
  CHECK(bind_error(R"({"contact": {"customer": []}, "campaign": {}})") ==
        "contact.customer: expected an object, got a list");
}

TEST_CASE("malformed JSON and missing parts are errors") {
  CHECK(bind_error(R"({"contact": {"objected": false)") != "");
  CHECK(bind_error(R"([1, 2])") == "not a JSON object");
  CHECK(bind_error(R"({"contact": {}})") == "the case has no \"campaign\" object");
  CHECK(bind_error(R"({"contact": {}, "campaign": {}} {"x": 1})") == "text after the JSON object");
  // Whatever simdjson stops on, text after a whole object is named as such (issue 17).
  CHECK(bind_error(R"({"contact": {}, "campaign": {}} trailing)") == "text after the JSON object");
  CHECK(bind_error(R"({"contact": {}, "campaign": {}}})") == "text after the JSON object");
  CHECK(bind_error(R"({"contact": {}, "campaign": {}}   )") == "");
  CHECK(bind_error(R"({"contact": {"objected": false)") != "text after the JSON object");
}

TEST_CASE("a byte-order mark before a line's object is skipped") {
  CHECK(bind_error("\xEF\xBB\xBF{\"contact\": {}, \"campaign\": {}}") == "");
  CHECK(bind_error("\xEF\xBB\xBF[1]") == "not a JSON object");
}

TEST_CASE("null is absence; unknown keys are ignored") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Outcome o = decide_case(*c.program, R"({"contact": {"objected": null, "nickname": "x", "consents": [{"third_parties": ["Acme"]}]}, "campaign": {}})");
  CHECK(o.error == "");
  CHECK(o.verdict == VerdictCode::Review);
  o = decide_case(*c.program, R"({"contact": {"objected": false, "consents": [{"third_parties": ["Acme"]}]}, "campaign": {}})");
  CHECK(o.verdict == VerdictCode::Allow);
}

TEST_CASE("an absent list inside a present record is empty") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Outcome o = decide_case(*c.program, R"({"contact": {"objected": false, "consents": [{"channel": "email"}]}, "campaign": {}})");
  CHECK(o.verdict == VerdictCode::Deny);
}

TEST_CASE("lists longer than the limit are refused") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  BindLimits lim;
  lim.max_list = 3;
  Vm vm(*c.program);
  Binder b(*c.program, lim);
  std::string json = R"({"contact": {"consents": [{}, {}, {}, {}]}, "campaign": {}})";
  BindResult r = b.bind_case(vm.facts(), json.data(), json.size(), json.size());
  CHECK_FALSE(r.ok);
  CHECK(r.error == "contact.consents: a list of 4 elements; the limit is 3");
}

TEST_CASE("an error record keeps the contact's id when it can be read") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Vm vm(*c.program);
  Binder b(*c.program);
  std::string json = R"({"contact": {"id": "c-9", "objected": 3}, "campaign": {}})";
  BindResult r = b.bind_case(vm.facts(), json.data(), json.size(), json.size());
  CHECK_FALSE(r.ok);
  CHECK(r.id == "c-9");
}

TEST_CASE("a record with a thousand fields still finds every one") {
  // Regression: when no collision-free table turned up for so many keys, the last failed
  // attempt was kept, and most fields were silently never bound (absent, so unknown).
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Program p = *c.program;
  int contact = p.schema.find_record("Contact");
  REQUIRE(contact >= 0);
  auto name = [](uint32_t i) { return fmt::format("field_{:08x}", i * 2654435761u); };
  for (uint32_t i = 0; i < 1000; ++i)
    p.schema.records[static_cast<size_t>(contact)].fields.push_back(FieldDef{name(i), types::kBool});
  REQUIRE(p.schema.layout() == "");
  FactStore fs(p);
  Binder binder(p);
  std::string line = fmt::format(R"({{"{}": true, "{}": false, "objected": true}})", name(0), name(999));
  REQUIRE(binder.bind_contact(fs, line.data(), line.size(), line.size()).ok);
  const RecordDef& rec = p.schema.records[static_cast<size_t>(contact)];
  uint32_t base = p.schema.roots[static_cast<size_t>(p.schema.find_root("contact"))].base;
  auto slot = [&](const std::string& field) {
    return fs.slots[base + rec.fields[static_cast<size_t>(Schema::find_field(rec, field))].offset];
  };
  CHECK(slot(name(0)) == kTrue);
  CHECK(slot(name(999)) == kFalse);
  CHECK(slot("objected") == kTrue);
  CHECK(slot(name(500)) == kUnknown);
}

TEST_CASE("a line broken after some fields gives an error record with its id") {
  // Regression (contact fuzz target): after a JSON error simdjson abandons the document,
  // and looking for the id rewound it through a null parser: `lawful check` crashed on a
  // line with a missing colon, losing every row.
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Vm vm(*c.program);
  Binder binder(*c.program);
  std::string contact = R"({"id": "x1", "objected": false, "a" "b", "consents": []})";
  BindResult r = binder.bind_contact(vm.facts(), contact.data(), contact.size(), contact.size());
  CHECK(!r.ok);
  CHECK(r.error == "contact: not valid JSON");
  CHECK(r.id == "x1");
  std::string line = R"({"contact": {"id": "x2", "objected": false, "a" "b"}, "campaign": {}})";
  r = binder.bind_case(vm.facts(), line.data(), line.size(), line.size());
  CHECK(!r.ok);
  CHECK(r.error == "contact: not valid JSON");
  CHECK(r.id == "x2");
  // The binder is still good for the next line.
  std::string good = R"({"id": "x3", "objected": true})";
  CHECK(binder.bind_contact(vm.facts(), good.data(), good.size(), good.size()).ok);
}

// The binder guesses each key from the field that followed the previous key on earlier
// lines (FieldPlan). A guess must never change what a line binds: lines whose keys come
// in other orders, with keys left out, unknown keys, keys that begin like a field's name
// and keys written with escapes bind, one after another on one binder, exactly as each
// does on a binder of its own.
TEST_CASE("keys in any order bind as on a fresh binder") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const std::vector<std::string> lines = {
      R"({"id": "a", "email": "a@x.com", "email_kind": "personal", "objected": false, "tps": true})",
      R"({"id": "b", "email": "b@x.com", "email_kind": "professional", "objected": true, "tps": false})",
      R"({"email_kind": "generic_role", "id": "c", "objected": false, "email": "c@x.com"})",
      R"({"id": "d", "email_kinds": "personal", "email": "d@x.com", "objectedx": true, "tps": true})",
      R"({"id": "e", "name": "E", "email": "e@x.com", "email_kind": "personal", "objected": false})",
      R"({"id": "f", "em\u0061il": "f@x.com", "email_kind": "personal", "objected": true})",
      R"({"id": "g", "emai": "g@x.com", "email_kind": "professional", "objecte": false, "tps": false})",
      R"({"id": "h", "consents": [{"channel": "email", "third_parties": ["Acme"], "purpose": "marketing"},
                                  {"purpose": "marketing", "channel": "sms", "third_parties": []},
                                  {"channel": "post", "thirdparties": ["Acme"], "purpose": "x"}], "objected": false})",
      R"({"objected": false, "consents": [{"third_parties": ["Acme"], "channel": "phone"}], "id": "i"})",
      R"({"id": "j", "email": "j@x.com", "email_kind": "personal", "objected": false, "tps": true})",
  };
  Binder shared(prog);
  FactStore fs_shared(prog);
  REQUIRE(shared.bind_campaign(fs_shared, "{}").ok);
  for (int round = 0; round < 2; ++round)
    for (const std::string& line : lines) {
      Binder fresh(prog);
      FactStore fs_fresh(prog);
      REQUIRE(fresh.bind_campaign(fs_fresh, "{}").ok);
      std::string padded = line + std::string(64, ' ');
      BindResult a = shared.bind_contact(fs_shared, padded.data(), line.size(), padded.size());
      BindResult b = fresh.bind_contact(fs_fresh, padded.data(), line.size(), padded.size());
      INFO(line);
      REQUIRE(a.ok == b.ok);
      REQUIRE(a.error == b.error);
      REQUIRE(fs_shared.slots.size() == fs_fresh.slots.size());
      for (size_t i = 0; i < fs_shared.slots.size(); ++i) {
        Value x = fs_shared.slots[i], y = fs_fresh.slots[i];
        // Strings are compared by their text: their ids depend only on the line too,
        // but the text is what matters.
        if (fs_shared.valid_string(x) && fs_fresh.valid_string(y) && x >= static_cast<Value>(prog.strings.size()))
          CHECK(fs_shared.text(x) == fs_fresh.text(y));
        else
          CHECK(x == y);
      }
    }
}
