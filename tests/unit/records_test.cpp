// Records: JSON strings escaped exactly (the fast path skips eight plain bytes at a
// time), CSV fields quoted when they must be.
#include <doctest/doctest.h>

#include <string>

#include "runtime/facts/records.h"
#include "helpers.h"

using namespace lawful;
using namespace lawful::testing;

namespace {
std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  TextBuffer b;
  append_json_string(b, s);
  CHECK(std::string(b.view()) == out);  // the same for both outputs
  return out;
}
std::string csv(std::string_view s) {
  std::string out;
  append_csv_field(out, s);
  return out;
}
}  // namespace

TEST_CASE("JSON strings are escaped wherever the special character falls") {
  CHECK(json("") == "\"\"");
  CHECK(json("plain") == "\"plain\"");
  CHECK(json("0123456789abcdefXYZ") == "\"0123456789abcdefXYZ\"");
  // Every length to 20 (the last bytes are tested as the eight that end the text, which
  // overlap those before), every place.
  for (size_t len = 1; len <= 20; ++len) {
    for (size_t at = 0; at < len; ++at) {
      for (char c : {'"', '\\', '\n', '\t', '\x01', '\x1f'}) {
        std::string s(len, 'a');
        s[at] = c;
        std::string want = "\"" + std::string(at, 'a');
        switch (c) {
          case '"': want += "\\\""; break;
          case '\\': want += "\\\\"; break;
          case '\n': want += "\\n"; break;
          case '\t': want += "\\t"; break;
          case '\x01': want += "\\u0001"; break;
          default: want += "\\u001f";
        }
        want += std::string(len - 1 - at, 'a') + "\"";
        CHECK(json(s) == want);
      }
    }
  }
  CHECK(json("Müller, Zoë, 東京 and more text") == "\"Müller, Zoë, 東京 and more text\"");  // UTF-8 as it is
  CHECK(json(" !#$%&'()*+,-./[]^_`{|}~\x7f") == "\" !#$%&'()*+,-./[]^_`{|}~\x7f\"");
}

TEST_CASE("CSV fields are quoted only when they must be") {
  CHECK(csv("plain") == "plain");
  CHECK(csv("a, b") == "\"a, b\"");
  CHECK(csv("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv("two\nlines") == "\"two\nlines\"");
  CHECK(csv("PECR reg 22(2); UK GDPR art 4(11), art 7") == "\"PECR reg 22(2); UK GDPR art 4(11), art 7\"");
}

TEST_CASE("CSV fields a spreadsheet would run as formulas are neutralised, NUL replaced") {
  CHECK(csv("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  for (const char* s : {"+1", "-1", "@SUM(A1)", "\t=1", "\r=1"}) CHECK(csv(s) == "\"'" + std::string(s) + "\"");
  CHECK(csv("a=b") == "a=b");
  CHECK(csv(std::string_view("a\0b", 3)) == "\"a\xEF\xBF\xBD" "b\"");
  CHECK(csv("") == "");
}

TEST_CASE("a decision record's id is written exactly, whatever its length and bytes") {
  // RecordWriter writes an id of 8 to 16 plain bytes as two overlapping words: every
  // length from 0 to 24, with a character to escape at every place (and none), must give
  // what append_decision_json writes, and the id as append_json_string escapes it.
  Compilation c = compile_text(R"(policy t.ids "ids"
decision d:
  rule yes: allow basis consent
    cite "yes"
)");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Vm vm(prog);
  Binder binder(prog);
  RecordWriter writer(prog);
  Entry entry;
  REQUIRE(choose_entry(prog, "", entry).empty());
  REQUIRE(binder.bind_campaign(vm.facts(), R"({"channel": "email"})").ok);
  Outcome out;
  TextBuffer buf;
  size_t written = 0;
  for (size_t len = 0; len <= 24; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      for (char ch : {'"', '\\', '\n', '\x1f', 'e'}) {
        std::string id(len, 'x');
        for (size_t i = 0; i < len; ++i) id[i] = static_cast<char>('a' + (i * 7 + len) % 26);  // no two alike
        if (at < len) id[at] = ch;
        std::string line = "{\"id\": ";
        append_json_string(line, id);
        line += ", \"country\": \"GB\"}";
        const std::string padded = line + std::string(64, ' ');
        INFO("line: " << line);
        REQUIRE(binder.bind_contact(vm.facts(), padded.data(), line.size(), padded.size()).ok);
        decide_entry(vm, entry, out);
        buf.clear();
        writer.decision_json(buf, out, vm.facts());
        std::string want;
        append_decision_json(want, prog, out, vm.facts());
        CHECK(std::string(buf.view()) == want);
        std::string id_json = "{\"id\": ";
        append_json_string(id_json, id);
        CHECK(std::string(buf.view()).compare(0, id_json.size(), id_json) == 0);
        CHECK(buf.view()[id_json.size()] == ',');
        ++written;
      }
    }
  }
  CHECK(written > 1000);
}
