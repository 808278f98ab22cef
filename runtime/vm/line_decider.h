// The per-line step of every front end: bind one input line (a contact, a case, a CSV
// row), decide it, and write its record, or the error record in its place. `lawful
// check`'s workers and the embedding API's decisions both go through here, so a line
// gets the same facts, the same outcome and the same record (or error) everywhere.
// One per thread; nothing is allocated per line once its buffers have their room.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/facts/binder.h"
#include "runtime/facts/csv_binder.h"
#include "runtime/facts/mapped_binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful {

// What one input line holds.
enum class LineInput : uint8_t {
  Contact,  // a contact as a JSON object, decided with the campaign (set_campaign)
  Case,     // {"contact": {...}, "campaign": {...}}
  CsvRow,   // a CSV row under the header (set_csv_header), with the campaign
  // Through Options::mapping (runtime/facts/mapping.h), with the campaign:
  MappedCsv,   // a CSV row of an export under its header (set_csv_header)
  MappedJson,  // a JSON object whose keys are an export's columns
};

enum class RecordFormat : uint8_t { Json, Csv };

// What became of the last line.
struct LineResult {
  bool decided = false;     // outcome() holds the decision
  bool run_error = false;   // not decided for a run-time error (the line was bound)
  std::string_view error;   // else why: the binder's error, a run-time error, "a blank line", a line too long
  std::string_view id;      // not decided: the contact's id where it could be read (decided: subject())
  bool has_id = false;
};

class LineDecider {
 public:
  struct Options {
    LineInput input = LineInput::Contact;
    DecideOptions decide;             // --as-of
    const NativeFn* native = nullptr;  // compiled code, or null to interpret
    BindLimits limits;
    std::shared_ptr<const Mapping> mapping;  // for MappedCsv and MappedJson
  };
  // `names`: a program's record names shared by several deciders (made here when null).
  LineDecider(const Program& prog, const Entry& entry, const Options& options,
              std::shared_ptr<const RecordNames> names = nullptr);

  // The campaign (JSON) that contacts and CSV rows are decided with; "" or what is
  // wrong. Bound once: the same text again costs a comparison. The text is copied.
  std::string set_campaign(std::string_view json);
  // The store was filled by other means (Vm::facts()): the next set_campaign binds again.
  void forget_campaign() { campaign_bound_ = false; }
  // The date rules are taken as in force on, from the next decision on (none: the facts').
  void set_as_of(std::optional<Days> as_of) { options_.decide.as_of = as_of; }
  // CSV rows: the header row; "" or what is wrong.
  std::string set_csv_header(std::string_view header);
  void set_native(const NativeFn* native) { vm_.use_native(native); }
  // What the next lines evaluate (a decision named per call), from the next line on.
  void set_entry(const Entry& entry) { entry_ = entry; }
  const Entry& entry() const { return entry_; }

  // Binds and decides one line. `capacity`: how many bytes from text.data() may be read
  // (simdjson reads a little past the end; with less the text is copied into a buffer of
  // this decider's). `too_long`: non-zero for a line its reader could not hold (over
  // limits().max_line; runtime/facts/chunk_reader.h), of that many bytes, whose `text` is not
  // there: it gets its error. The text must stay until the record is written; the
  // result's views until the next line.
  const LineResult& decide(std::string_view text, size_t capacity, uint64_t too_long = 0);
  // Decides what the store holds already (facts put there by other means).
  const LineResult& decide_facts();

  // The record of the last line, as input line `line`: the decision, or the error record.
  void write_record(TextBuffer& out, uint64_t line, RecordFormat format) {
    const LineResult& r = result_;
    if (format == RecordFormat::Csv) {
      if (r.decided) writer_.decision_csv(out, line, outcome_, vm_.facts());
      else writer_.error_csv(out, r.id, r.has_id, line, r.error);
    } else {
      if (r.decided) writer_.decision_json(out, outcome_, vm_.facts());
      else writer_.error_json(out, r.id, r.has_id, line, r.error);
    }
  }

  // The whole step for input line `line`: decide(text, capacity, too_long), then
  // write_record(out, line, format). What `lawful check` does for every line.
  const LineResult& step(std::string_view text, size_t capacity, uint64_t line, TextBuffer& out, RecordFormat format,
                         uint64_t too_long = 0) {
    decide(text, capacity, too_long);
    write_record(out, line, format);
    return result_;
  }

  const LineResult& result() const { return result_; }
  const Outcome& outcome() const { return outcome_; }
  // The subject of the last decision (its id, and the country a record may name).
  RecordSubject subject() { return record_subject(prog_, outcome_, vm_.facts()); }
  const Program& program() const { return prog_; }
  const BindLimits& limits() const { return binder_.limits(); }
  Vm& vm() { return vm_; }
  Binder& binder() { return binder_; }

 private:
  const LineResult& fail(std::string_view error, std::string_view id, bool has_id);
  const LineResult& run();

  const Program& prog_;
  Entry entry_;
  Options options_;
  Vm vm_;
  Binder binder_;
  CsvBinder csv_;
  std::unique_ptr<MappedBinder> mapped_;  // with a mapping
  RecordWriter writer_;
  Outcome outcome_;
  LineResult result_;
  BindResult bind_;        // the last bind's error and id (their text)
  std::string message_;    // an error of this step's own
  std::string campaign_;   // the campaign text bound into vm_.facts()
  bool campaign_bound_ = false;
  std::vector<char> padded_;  // a line with the binder's padding after it, when its caller has none
};

}  // namespace lawful
