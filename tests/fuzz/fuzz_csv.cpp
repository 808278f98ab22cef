// Fuzz target: a CSV contacts file, as `lawful check --contacts FILE.csv` reads it. The
// first line is the header row; every later line is one contact, bound on top of the
// example campaign, decided with the project's policies through the router and written
// both as a JSON Lines record (one line of valid JSON) and as a CSV output row (one
// line of exactly the output header's columns). A row that binds must give its id
// cell, unquoted, as the record's id.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"
#include "runtime/facts/csv_binder.h"
#include "runtime/facts/text_buffer.h"

namespace {

struct State {
  std::shared_ptr<const lawful::Program> prog = lawful::fuzz::project_program();
  lawful::Vm vm{*prog};
  lawful::Binder binder{*prog};
  lawful::RecordWriter writer{*prog};
  lawful::Entry entry;
  lawful::Outcome outcome;
  size_t csv_columns = 0;
  State() {
    if (!lawful::choose_entry(*prog, "", entry).empty()) lawful::fuzz::finding("no entry in the project's policies");
    lawful::BindResult r = binder.bind_campaign(vm.facts(), lawful::fuzz::example_campaign());
    if (!r.ok) lawful::fuzz::finding("the example campaign does not bind: " + r.error);
    csv_columns = count_csv_fields(lawful::RecordWriter::kCsvHeader).first;
  }

  // The fields of one CSV row as RFC 4180 reads it, and whether it is well formed (ends
  // its line, quotes closed, no line break outside quotes before the end).
  static std::pair<size_t, bool> count_csv_fields(std::string_view row) {
    if (row.empty() || row.back() != '\n') return {0, false};
    row.remove_suffix(1);
    size_t fields = 1;
    bool quoted = false;
    for (size_t i = 0; i < row.size(); ++i) {
      char c = row[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < row.size() && row[i + 1] == '"') ++i;
          else quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        ++fields;
      } else if (c == '\n' || c == '\r') {
        return {fields, false};
      }
    }
    return {fields, !quoted};
  }

  void check_csv_row(const lawful::TextBuffer& out) {
    std::string row(out.view());
    auto [fields, ok] = count_csv_fields(row);
    if (!ok || fields != csv_columns)
      lawful::fuzz::finding("a CSV output row that is not one row of the header's columns: " + row);
  }
};

std::string_view next_line(std::string_view& rest) {
  size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // as the line reader does
  return line;
}

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State s;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  lawful::CsvBinder csv(*s.prog, s.binder);
  std::string why = csv.set_header(next_line(rest));
  if (!why.empty()) {
    if (why.find('\n') != std::string::npos) lawful::fuzz::finding("a header message of more than one line: " + why);
    return 0;
  }
  lawful::TextBuffer json, row;
  for (uint64_t n = 2; !rest.empty(); ++n) {
    std::string_view line = next_line(rest);
    // The row's own copy, so that a view past its end is caught by ASan.
    std::string copy(line);
    json.clear();
    row.clear();
    if (blank(copy)) {
      s.writer.error_json(json, {}, false, n, "a blank line");
      s.writer.error_csv(row, {}, false, n, "a blank line");
    } else {
      lawful::BindResult r = csv.bind_row(s.vm.facts(), copy);
      if (!r.ok) {
        s.writer.error_json(json, r.id, !r.id.empty(), n, r.error);
        s.writer.error_csv(row, r.id, !r.id.empty(), n, r.error);
      } else {
        // The id the row gave must be the id the facts hold.
        std::string_view id;
        bool has = lawful::contact_id(*s.prog, s.vm.facts(), id);
        std::string id_copy = has ? std::string(id) : std::string();
        lawful::decide_entry(s.vm, s.entry, s.outcome);
        if (!s.outcome.error.empty()) {
          s.writer.error_json(json, id_copy, has, n, s.outcome.error);
          s.writer.error_csv(row, id_copy, has, n, s.outcome.error);
        } else {
          s.writer.decision_json(json, s.outcome, s.vm.facts());
          s.writer.decision_csv(row, n, s.outcome, s.vm.facts());
          if (s.outcome.decision >= 0) {
            lawful::DecisionTrace t;
            s.vm.trace_decision(static_cast<uint32_t>(s.outcome.decision), t);
          }
        }
        if (has) {
          simdjson::dom::parser parser;
          simdjson::padded_string text(std::string(json.view()));
          simdjson::dom::element doc;
          std::string_view got;
          if (parser.parse(text).get(doc) != simdjson::SUCCESS || doc["id"].get(got) != simdjson::SUCCESS ||
              got != id_copy)
            lawful::fuzz::finding("a record whose id is not the row's: " + std::string(json.view()));
        }
      }
    }
    lawful::fuzz::check_record(std::string(json.view()));
    s.check_csv_row(row);
  }
  return 0;
}
