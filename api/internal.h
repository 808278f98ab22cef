// What the opaque handles of include/lawful/lawful.h are, inside the library: an engine
// (one compiled policy version, immutable, reference-counted, with a pool of per-thread
// scratch), facts built field by field, a decision, a diagnostics list and a reloader.
// Only api/*.cpp include this.
#pragma once

#include <lawful/lawful.h>


#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/jit/jit.h"
#include "runtime/vm/campaign_check.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/line_decider.h"
#include "runtime/vm/vm.h"

namespace lawful {
struct Compilation;
struct PolicySources;
class Diagnostics;
class SourceManager;
struct TestReport;
}  // namespace lawful

namespace lawful::api {

// Records a failure as the calling thread's last error and returns its status.
lawful_status fail(lawful_status status, std::string message);

// ---------------------------------------------------------------- handles

// Engines, facts, decisions and reloaders are made by new_handle and freed by
// delete_handle: each carries a tag in front of it that says what it is while it lives,
// and "freed" afterwards. The memory of a freed handle is kept in a quarantine (the last
// kQuarantine freed handles of every kind) before it goes back to the allocator, so that a
// handle used after it was freed, or freed twice, reads "freed" and is refused
// (LAWFUL_ERR_ARGUMENT) instead of reading freed memory.
constexpr size_t kQuarantine = 1024;
enum class HandleKind : uint32_t {
  Engine = 0x6c45e61e,
  Facts = 0x6c46ac75,
  Decision = 0x6c4dec15,
  Reloader = 0x6c4e7e10,
  Campaign = 0x6c4ca3a1,
  Mapping = 0x6c4aa991,
  Freed = 0xf7eed0ff,
};
void* allocate_handle(size_t size);     // the object's storage, its tag not yet alive
void set_handle_kind(const void* object, HandleKind kind);
HandleKind handle_kind(const void* object);
void quarantine_handle(void* object);  // after its destructor: marks it freed
template <class T> constexpr HandleKind kind_of();

template <class T, class... A>
T* new_handle(A&&... args) {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "a handle's storage is aligned as new aligns");
  void* mem = allocate_handle(sizeof(T));
  T* p;
  try {
    p = new (mem) T(std::forward<A>(args)...);
  } catch (...) {
    quarantine_handle(mem);
    throw;
  }
  set_handle_kind(p, kind_of<T>());
  return p;
}
struct HandleDeleter {
  template <class T>
  void operator()(T* p) const;
};
template <class T>
using HandlePtr = std::unique_ptr<T, HandleDeleter>;
template <class T, class... A>
HandlePtr<T> make_handle(A&&... args) {
  return HandlePtr<T>(new_handle<T>(std::forward<A>(args)...));
}
template <class T>
bool alive(const T* p) {
  return p && handle_kind(p) == kind_of<T>();
}
// Frees a live handle; false (and nothing done) for one that is not.
template <class T>
bool delete_handle(T* p) {
  if (!alive(p)) return false;
  set_handle_kind(p, HandleKind::Freed);
  p->~T();
  quarantine_handle(p);
  return true;
}
template <class T>
void HandleDeleter::operator()(T* p) const {
  delete_handle(p);
}

// ---------------------------------------------------------------- the schema, for facts

// A schema path as the facts builder needs it: where its slot is and what it holds.
struct FieldInfo {
  std::string name;
  TypeId type = 0;
  TypeKind kind = TypeKind::Error;
  uint32_t root = 0;     // which root record (contact, campaign) it belongs to
  int32_t owner = -1;    // the list-of-records field whose elements hold it; -1: the top level
  uint32_t offset = 0;   // absolute slot at the top level; else the offset in the element
  uint32_t span = 1;     // slots it covers (a record: its fields, and its presence slot)
  bool optional = false; // an optional record: offset is its presence slot
  std::vector<uint32_t> presence;  // presence slots of the optional records around it
  // Lists: the element type; for records, the record and its size.
  TypeId elem = 0;
  TypeKind elem_kind = TypeKind::Error;
  uint32_t elem_record = 0;
  uint32_t stride = 1;
};

// Shared by an engine and every facts object made from it. Two engines with the same
// fingerprint lay facts out the same way.
struct SchemaInfo {
  Schema schema;
  std::vector<FieldInfo> fields;  // indexed like schema.paths
  std::vector<uint32_t> slot_root;  // per top-level slot: its root
  uint64_t fingerprint = 0;

  explicit SchemaInfo(const Schema& s);
  int find(std::string_view path) const;
};

// ---------------------------------------------------------------- diagnostics

class DiagList {
 public:
  DiagList() = default;
  DiagList(const DiagList&) = delete;  // items point into strings_
  DiagList& operator=(const DiagList&) = delete;
  void add(bool error, std::string code, std::string file, uint32_t line, uint32_t col, std::string message,
           std::string help = {});
  // The compiler's messages, and their rendering.
  void add_compilation(const Compilation& c);
  // Any compiler-kind messages (a mapping's, say), and their rendering.
  void add_diagnostics(const Diagnostics& d, const SourceManager& sources);
  // A failed test per message.
  void add_test_failures(const Compilation& c, const TestReport& r);
  void set_text(std::string text) { text_ = std::move(text); }
  void append_text(std::string_view text) { text_ += text; }

  size_t size() const { return items_.size(); }
  const lawful_diagnostic* at(size_t i) const { return i < items_.size() ? &items_[i] : nullptr; }
  size_t errors() const { return errors_; }
  const std::string& text() const { return text_; }
  // The first error in one line, for lawful_last_error().
  std::string first_error() const;

 private:
  std::deque<std::string> strings_;  // what items_ point into; a deque does not move them
  std::vector<lawful_diagnostic> items_;
  size_t errors_ = 0;
  std::string text_;
  const char* keep(std::string s);
};

// ---------------------------------------------------------------- scratch

// What one thread needs to decide on one engine: the library's per-line step (a VM, a
// binder, the bound campaign), as `lawful check`'s workers use it. Taken from the
// engine's pool for one call.
struct Scratch {
  Scratch(const Program& p, const Entry& e, std::shared_ptr<const RecordNames> names)
      : line(p, e, LineDecider::Options{}, names), names(std::move(names)) {}
  LineDecider line;
  std::shared_ptr<const RecordNames> names;
  // A decision named per call (lawful_decide_json_with): the entry for that name, kept
  // for the next call with the same one; `line` is set back to the engine's after it.
  std::string named;
  Entry named_entry;
  std::unique_ptr<LineDecider> cases;  // the same step for case lines, made on first use (api/lines.h)
  // Rows of an export through a mapping (lawful_decide_mapped): the step made for the
  // mapping last used, and whether it reads CSV rows; kept for the next call with the same.
  std::shared_ptr<const Mapping> mapped_with;
  bool mapped_csv = false;
  std::unique_ptr<LineDecider> mapped;
};

}  // namespace lawful::api

// ---------------------------------------------------------------- the handles

struct lawful_engine {
  lawful_engine(std::shared_ptr<const lawful::Program> p, lawful::Entry e, uint64_t generation);
  lawful_engine(const lawful_engine&) = delete;
  lawful_engine& operator=(const lawful_engine&) = delete;

  std::atomic<long> refs{1};
  std::shared_ptr<const lawful::Program> program;
  std::shared_ptr<const lawful::api::SchemaInfo> schema;
  lawful::Entry entry;
  std::shared_ptr<const lawful::RecordNames> names;  // the records' names, escaped once
  lawful_policy_version version{};
  std::string content_hash;  // the program's (64 hex digits), or "" (a .lawc of format 3 or older)
  std::string revision;      // the operator's label, or ""
  std::string version_json;  // ", \"version\": {...}}": what decision_json appends
  bool strict_fields = false;  // unknown keys are errors (lawful_engine_with_strict_fields)
  // Sets revision (checked by revision_error) and version_json.
  void set_identity(std::string revision_label);
  std::shared_ptr<const lawful::PolicySources> sources;  // for explanations; null from a .lawc
  std::vector<std::vector<lawful::Value>> templates;  // per record: the slots of an absent record

  std::unique_ptr<lawful::api::Scratch> acquire() const;
  void release(std::unique_ptr<lawful::api::Scratch> s) const;
  // The native back end on (compiled the first time) or off; false and why when it
  // cannot be on. native(): the code decisions use now, or null.
  bool set_native(bool on, std::string& why);
  const lawful::NativeFn* native() const;

 private:
  mutable std::mutex pool_mutex_;
  std::unique_ptr<lawful::jit::Code> code_;    // once compiled, kept while the engine lives
  const lawful::NativeFn* native_ = nullptr;   // code_'s functions, or null: under pool_mutex_
  mutable std::vector<std::unique_ptr<lawful::api::Scratch>> pool_;  // destroyed before program and code_
};

struct lawful_diagnostics {
  std::shared_ptr<const lawful::api::DiagList> list;
};

struct lawful_decision {
  ~lawful_decision();
  lawful_engine* engine = nullptr;  // a reference: the names below live in its program
  // A decision never filled is not a decision: not ok, and error() says so.
  lawful_status status = LAWFUL_ERR_ARGUMENT;
  // Set while a call fills the decision: a second thread filling it at the same time is
  // refused (engine.cpp, Filling) rather than mixing two contacts in one decision.
  std::atomic<bool> busy{false};
  // What the VM decided, as it said it (indices into the engine's program; the reason
  // is put in words only when asked for). The record is written from it by the same
  // writer as `lawful check`'s (runtime/facts/records.h).
  lawful::Outcome outcome;
  std::vector<uint32_t> cites;  // strings, without repeats (for_each_cite_id)
  std::string id;
  bool has_id = false;
  std::string country;  // for "no policy for country 'JP'"
  bool has_country = false;
  lawful::VerdictCode verdict() const { return outcome.verdict; }
  int32_t basis() const { return outcome.verdict == lawful::VerdictCode::Allow ? outcome.basis : -1; }
  std::string error = "nothing has been decided into this decision yet";  // for a failed decision
  uint64_t line = 1;  // in a batch, the contact's position
  mutable std::vector<uint32_t> missing;
  mutable bool missing_ready = false;
  mutable std::string reason;
  mutable bool reason_ready = false;
  mutable std::string json;
  mutable bool json_ready = false;
  std::string explanation;  // lawful_decision_explain_json's text
  // The contact's keys not in the schema: per key, where its path and its suggestion
  // (or -1) start in unknown_text (NUL-terminated). Filled only when there are any.
  std::string unknown_text;
  std::vector<std::pair<uint32_t, int32_t>> unknown;
};

// A campaign prepared once (lawful_campaign_new): its text, checked against the schema
// and the policies, and what it lacks. Immutable and reference-counted: any number of
// threads decide with it at once.
struct lawful_campaign {
  std::atomic<long> refs{1};
  uint64_t fingerprint = 0;  // of the schema it was checked against
  std::string json;
  lawful::CampaignReport report;
  std::vector<std::string> lacks, unknown, warnings;  // the C lists
};

// A mapping of an export's columns (lawful_mapping_load), checked against a schema.
// Immutable and reference-counted: any number of threads decide with it at once.
struct lawful_mapping {
  std::atomic<long> refs{1};
  uint64_t fingerprint = 0;  // of the schema it was checked against
  std::shared_ptr<const lawful::Mapping> mapping;
  std::string source;  // the mapping file's text, as checked (lawful.dask ships it to workers)
};

struct lawful_facts {
  std::shared_ptr<const lawful::api::SchemaInfo> schema;
  // In the handles of this object's elements (facts.cpp, item_of), so that an element
  // of another facts object is refused: 1 to 255, from a counter.
  uint32_t serial = 1;

  // Slot states: absent (the deciding engine's default or unknown), a value, a string of
  // the facts (value: its index), a list of the facts (value: its index).
  enum State : uint8_t { Absent = 0, Set = 1, Text = 2, List = 3 };
  struct Node {  // an element of a list of records
    uint32_t field = 0;  // the list field it belongs to
    std::vector<lawful::Value> v;
    std::vector<uint8_t> st;
  };
  struct ListData {
    uint32_t field = 0;
    std::vector<lawful::Value> v;  // values, or node indices for records
    std::vector<uint8_t> st;
  };
  // Each root keeps its own elements, lists and strings, so that resetting the contact
  // keeps the campaign and reuses the memory.
  struct RootStore {
    std::vector<Node> nodes;
    size_t n_nodes = 0;
    std::vector<ListData> lists;
    size_t n_lists = 0;
    std::string chars;
    std::vector<std::pair<uint32_t, uint32_t>> strs;  // offset, length in chars
    std::string error;
  };
  std::vector<lawful::Value> top;
  std::vector<uint8_t> top_st;
  std::vector<RootStore> roots;
};

struct lawful_reloader {
  ~lawful_reloader();
  std::string path;

  std::mutex current_mutex;
  lawful_engine* current = nullptr;  // a reference

  std::mutex reload_mutex;  // one reload at a time; guards what follows
  uint64_t seen_signature = 0;  // of the files as the last reload read them
  bool has_revision = false;    // lawful_reloader_set_revision was called: every version is labelled
  std::string revision;

  std::mutex last_mutex;
  lawful_status last_status = LAWFUL_OK;
  std::shared_ptr<const lawful::api::DiagList> last_diags;
  std::string last_message;  // why the last reload failed ("" if it did not)
  bool last_swapped = false;

  std::mutex watch_control;  // lawful_reloader_watch and free, one at a time
  std::thread watcher;
  std::mutex watch_mutex;
  std::condition_variable watch_cv;
  bool watch_stop = false;
};

namespace lawful::api {

template <> constexpr HandleKind kind_of<lawful_engine>() { return HandleKind::Engine; }
template <> constexpr HandleKind kind_of<lawful_facts>() { return HandleKind::Facts; }
template <> constexpr HandleKind kind_of<lawful_decision>() { return HandleKind::Decision; }
template <> constexpr HandleKind kind_of<lawful_reloader>() { return HandleKind::Reloader; }
template <> constexpr HandleKind kind_of<lawful_campaign>() { return HandleKind::Campaign; }
template <> constexpr HandleKind kind_of<lawful_mapping>() { return HandleKind::Mapping; }

// A scratch for the length of one call, returned to its engine's pool afterwards.
class Lease {
 public:
  explicit Lease(const lawful_engine& e) : e_(e), s_(e.acquire()) {}
  ~Lease() { e_.release(std::move(s_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Scratch& operator*() const { return *s_; }
  Scratch* operator->() const { return s_.get(); }

 private:
  const lawful_engine& e_;
  std::unique_ptr<Scratch> s_;
};

// Engines.
// The revision label of the environment (LAWFUL_REVISION), checked: *label "" when unset.
lawful_status revision_from_env(std::string* label);
// Another engine of the same program, labelled `revision`.
lawful_status engine_with_revision(const lawful_engine& e, std::string revision, lawful_engine** out);
lawful_status load_path(const std::string& path, lawful_engine** out, DiagList& diags);
lawful_status load_source(const std::string& name, std::string text, lawful_engine** out, DiagList& diags);
lawful_status load_bytecode(std::string_view bytes, lawful_engine** out, DiagList& diags);
// From a compilation that succeeded: the engine, or why none can be made.
lawful_status engine_from(std::shared_ptr<const Program> prog, uint64_t generation, lawful_engine** out,
                          DiagList& diags);
void release(lawful_engine* e);
lawful_engine* retain(lawful_engine* e);

// Decisions.
// `as_of` empty: the campaign's send date; `decision` empty: the engine's entry.
lawful_status decide_json(const lawful_engine& e, std::string_view contact, std::string_view campaign,
                          lawful_decision& d, std::string_view as_of = {}, std::string_view decision = {});
lawful_status decide_campaign(const lawful_engine& e, const lawful_campaign& c, std::string_view contact,
                              lawful_decision& d, std::string_view as_of = {}, std::string_view decision = {});
// Campaigns.
lawful_status campaign_new(const lawful_engine& e, std::string_view json, lawful_campaign** out);
void release(lawful_campaign* c);
lawful_campaign* retain(lawful_campaign* c);
// Mappings. `text` null: read the file at `path`; else `path` names the text.
lawful_status mapping_load(const lawful_engine& e, const std::string& path, const std::string* text,
                           lawful_mapping** out, DiagList& diags);
void release(lawful_mapping* m);
lawful_mapping* retain(lawful_mapping* m);
// Rows of an export through `m`: CSV rows under `header`, or (header null) JSON objects
// keyed by its columns.
lawful_status decide_mapped(const lawful_engine& e, const lawful_mapping& m, std::string_view campaign,
                            const std::string_view* header, const lawful_text* rows, size_t count,
                            lawful_decision* const* decisions);
lawful_status engine_with_strict_fields(const lawful_engine& e, bool strict, lawful_engine** out);
const char* decision_unknown_suggestion(const lawful_decision& d, size_t i);
lawful_status decide_facts(const lawful_engine& e, const lawful_facts& f, lawful_decision& d);
lawful_status decide_batch(const lawful_engine& e, std::string_view campaign, const lawful_text* contacts,
                           size_t count, lawful_decision* const* decisions);
const std::string& decision_json(const lawful_decision& d);
// Decides as decide_json does and explains the decision into d.explanation (the JSON of
// `lawful explain --json`); `as_of` empty: the campaign's send date.
lawful_status explain_json(const lawful_engine& e, std::string_view contact, std::string_view campaign,
                           std::string_view as_of, lawful_decision& d);
// For a review, why, in words; else null.
const char* decision_reason(const lawful_decision& d);
const char* decision_item(const lawful_decision& d, lawful_list list, size_t i);
size_t decision_count(const lawful_decision& d, lawful_list list);

// Facts.
lawful_status facts_new(const lawful_engine& e, lawful_facts** out);
lawful_status facts_reset(lawful_facts& f, const char* root);
enum class Put { Bool, Int, Date, Text };
struct PutValue {
  Put kind = Put::Bool;
  int64_t number = 0;     // Bool, Int; the year of a Date
  int month = 0, day = 0;  // Date
  std::string_view text;   // Text
};
// Sets a field, or with `add` appends to a list.
lawful_status facts_put(lawful_facts& f, lawful_item item, lawful_field field, const PutValue& value, bool add);
lawful_status facts_set_present(lawful_facts& f, lawful_item item, lawful_field field);
lawful_status facts_set_empty(lawful_facts& f, lawful_item item, lawful_field field);
lawful_status facts_add_record(lawful_facts& f, lawful_item item, lawful_field field, lawful_item* element);
lawful_status facts_clear(lawful_facts& f, lawful_item item, lawful_field field);
const char* facts_error(const lawful_facts& f);
// Writes the facts into the VM's store, for the engine's program.
void facts_flatten(const lawful_facts& f, const lawful_engine& e, FactStore& fs);

// Reloading.
lawful_status reloader_new(const std::string& path, lawful_reloader** out, DiagList& diags);
lawful_status reloader_reload(lawful_reloader& r, bool* swapped, std::shared_ptr<const DiagList>* diags);
lawful_status reloader_watch(lawful_reloader& r, uint32_t interval_ms, lawful_reload_callback cb, void* user);
lawful_engine* reloader_engine(lawful_reloader& r);
lawful_status reloader_set_revision(lawful_reloader& r, std::string revision);

}  // namespace lawful::api
