// lawful.hpp: the C++17 API of lawful, a rules language for privacy and direct-marketing
// law. Header-only, over the C API of lawful.h: the library's ABI is the C one, and
// these classes own its handles (RAII).
//
//   auto loaded = lawful::Engine::load("policies");       // a directory, .law or .lawc
//   if (!loaded) { std::cerr << loaded.diagnostics().text(); return 1; }
//   lawful::Engine engine = loaded.value();
//   lawful::Decision d = engine.decide(contact_json, campaign_json);
//   if (d.verdict() == lawful::Verdict::allow) send(d.basis(), d.obligations());
//
// Errors: what happens in normal operation comes back as a value: policies that do not
// compile (Loaded, with diagnostics), a reload that fails (ReloadResult), facts that do
// not fit the schema (a Status, and a Decision whose error() says why). Misusing the API
// (a field path that does not exist, text for a bool field, an element handle from
// elsewhere) throws lawful::Error; so does running out of memory.
//
// Threads: an Engine (and a Reloader) may be shared by any number of threads; a Decision
// and a Facts object belong to one thread at a time. docs/embedding.md says more.
#pragma once

#include <lawful/lawful.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lawful {
// The inline namespace keeps these names apart from the library's own, inside a program
// that links the static library.
inline namespace api_v0 {

// [[nodiscard]]: a Status dropped on the floor is a decision or a fact not checked.
enum class [[nodiscard]] Status : int {
  ok = LAWFUL_OK,
  argument = LAWFUL_ERR_ARGUMENT,
  not_found = LAWFUL_ERR_NOT_FOUND,
  type = LAWFUL_ERR_TYPE,
  data = LAWFUL_ERR_DATA,
  policy = LAWFUL_ERR_POLICY,
  tests = LAWFUL_ERR_TESTS,
  runtime = LAWFUL_ERR_RUNTIME,
  schema = LAWFUL_ERR_SCHEMA,
  buffer = LAWFUL_ERR_BUFFER,
  memory = LAWFUL_ERR_MEMORY,
  internal = LAWFUL_ERR_INTERNAL,
  unsupported = LAWFUL_ERR_UNSUPPORTED,
  mapping = LAWFUL_ERR_MAPPING,
};

// Which engine decides (lawful_engine_set_backend).
enum class Backend : int { vm = LAWFUL_BACKEND_VM, jit = LAWFUL_BACKEND_JIT };

inline const char* to_string(Status s) { return lawful_status_name(static_cast<lawful_status>(s)); }

enum class Verdict { allow = LAWFUL_ALLOW, deny = LAWFUL_DENY, review = LAWFUL_REVIEW };

inline const char* to_string(Verdict v) { return lawful_verdict_name(static_cast<lawful_verdict>(v)); }

// The library's version ("0.1.0"); LAWFUL_VERSION_STRING is the header's.
inline const char* version() { return lawful_version(); }

// Thrown for misuse of the API and for running out of memory.
class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

namespace detail {
[[noreturn]] inline void raise(lawful_status s) { throw Error(static_cast<Status>(s), lawful_last_error()); }
// Data errors are values; everything else that fails here is misuse.
inline Status data_or_raise(lawful_status s) {
  if (s == LAWFUL_OK || s == LAWFUL_ERR_DATA) return static_cast<Status>(s);
  raise(s);
}
inline void check(lawful_status s) {
  if (s != LAWFUL_OK) raise(s);
}
inline std::string_view view(const char* s) { return s ? std::string_view(s) : std::string_view(); }
}  // namespace detail

// ---------------------------------------------------------------- diagnostics

struct Diagnostic {
  bool error = true;
  std::string code;  // "E201"; "test" for a failed test; "load" for a file or bytecode refused
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
  std::string help;
};

// The compiler's messages (or a reload's), copied out of the library.
class Diagnostics {
 public:
  Diagnostics() = default;
  // Takes the C list, and frees it.
  explicit Diagnostics(lawful_diagnostics* d) : Diagnostics(copy(d)) { lawful_diagnostics_free(d); }
  // Copies a C list the caller keeps.
  static Diagnostics copy(const lawful_diagnostics* d) {
    Diagnostics out;
    if (!d) return out;
    size_t n = lawful_diagnostics_count(d);
    for (size_t i = 0; i < n; ++i) {
      const lawful_diagnostic* x = lawful_diagnostics_at(d, i);
      out.items_.push_back({x->is_error != 0, x->code, x->file, x->line, x->column, x->message, x->help});
      if (x->is_error) ++out.errors_;
    }
    out.text_ = lawful_diagnostics_text(d);
    return out;
  }
  const std::vector<Diagnostic>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t errors() const { return errors_; }
  // As `lawful check` prints them: file:line:col, the line, a caret.
  const std::string& text() const { return text_; }
  std::vector<Diagnostic>::const_iterator begin() const { return items_.begin(); }
  std::vector<Diagnostic>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
  std::string text_;
};

// What comes out of a load: the object, or the status and messages saying why not.
template <class T>
class Loaded {
 public:
  Loaded(std::optional<T> value, Status status, std::string message, Diagnostics diags)
      : value_(std::move(value)), status_(status), message_(std::move(message)), diags_(std::move(diags)) {}
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  Status status() const { return status_; }
  // Why it failed, in one line ("" on success).
  const std::string& message() const { return message_; }
  const Diagnostics& diagnostics() const { return diags_; }
  // The object; throws Error when the load failed.
  T& value() & {
    if (!value_) throw Error(status_, message_);
    return *value_;
  }
  T&& value() && {
    if (!value_) throw Error(status_, message_);
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
  std::string message_;
  Diagnostics diags_;
};

// ---------------------------------------------------------------- versions, handles

// Which policies decided. generation restarts in every process; content_hash and
// revision identify the version across hosts and deploys (docs/embedding.md, "Versions").
struct PolicyVersion {
  uint64_t generation = 0;   // 1 for an engine loaded directly; +1 at every reload that swaps
  uint64_t source_hash = 0;  // the first 64 bits of content_hash
  std::string content_hash;  // SHA-256 of the policy text, 64 hex digits; "" from an old .lawc
  std::string revision;      // the operator's label (LAWFUL_REVISION, Engine::with_revision), or ""
  PolicyVersion() = default;
  PolicyVersion(lawful_policy_version v, const char* content_hash = nullptr, const char* revision = nullptr)
      : generation(v.generation),
        source_hash(v.source_hash),
        content_hash(content_hash ? content_hash : ""),
        revision(revision ? revision : "") {}
  bool operator==(const PolicyVersion& o) const {
    return generation == o.generation && source_hash == o.source_hash && content_hash == o.content_hash &&
           revision == o.revision;
  }
  bool operator!=(const PolicyVersion& o) const { return !(*this == o); }
};

// A fact's path, resolved once by Engine::field.
struct Field {
  lawful_field id = 0;
};

// Where fields are set: the top (contact and campaign), or an element of a list of
// records made by Facts::add_record.
struct Item {
  lawful_item id = 0;  // LAWFUL_TOP
  static Item top() { return Item{}; }
};

class Decision;
class Facts;

// ---------------------------------------------------------------- decisions

// A list of names in a decision (rules, cites, obligations, missing), read in place.
class Names {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    iterator(const Names* n, size_t i) : n_(n), i_(i) {}
    std::string_view operator*() const { return (*n_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++i_;
      return t;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const Names* n_;
    size_t i_;
  };

  Names(const lawful_decision* d, lawful_list list) : d_(d), list_(list), size_(lawful_decision_count(d, list)) {}
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view operator[](size_t i) const { return detail::view(lawful_decision_item(d_, list_, i)); }
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size_); }
  std::vector<std::string> to_vector() const { return std::vector<std::string>(begin(), end()); }

 private:
  const lawful_decision* d_;
  lawful_list list_;
  size_t size_;
};

// One decision. Reuse it: deciding into the same object keeps its memory. Its strings
// stay valid until it is filled again or destroyed (it keeps its policy version alive).
// An empty string_view stands for FACTS.md's null. The views (strings and Names) cannot
// be taken from a temporary Decision (`engine.decide(c, k).rules()` does not compile):
// keep the Decision in a variable. A Decision never filled is not ok(). One thread at a
// time: a second thread filling it meanwhile gets Error(Status::argument).
class Decision {
 public:
  Decision() { detail::check(lawful_decision_new(&d_)); }
  ~Decision() { lawful_decision_free(d_); }
  Decision(Decision&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
  Decision& operator=(Decision&& o) noexcept {
    std::swap(d_, o.d_);
    return *this;
  }
  Decision(const Decision&) = delete;
  Decision& operator=(const Decision&) = delete;

  // False when the facts could not be decided (see error()); the verdict is then review.
  bool ok() const { return lawful_decision_status(d_) == LAWFUL_OK; }
  Status status() const { return static_cast<Status>(lawful_decision_status(d_)); }
  Verdict verdict() const { return static_cast<Verdict>(lawful_decision_verdict(d_)); }
  std::string_view error() const& { return detail::view(lawful_decision_error(d_)); }
  std::string_view id() const& { return detail::view(lawful_decision_id(d_)); }
  std::string_view basis() const& { return detail::view(lawful_decision_basis(d_)); }
  std::string_view policy() const& { return detail::view(lawful_decision_policy(d_)); }
  std::string_view name() const& { return detail::view(lawful_decision_name(d_)); }
  std::string_view reason() const& { return detail::view(lawful_decision_reason(d_)); }
  // The rules that decided, and the citations of those rules: one list, without repeats,
  // in the order of the rules (so cites()[i] is not rules()[i]'s: a rule may cite several
  // provisions, or one that an earlier rule cited).
  Names rules() const& { return Names(d_, LAWFUL_RULES); }
  Names cites() const& { return Names(d_, LAWFUL_CITES); }
  Names obligations() const& { return Names(d_, LAWFUL_OBLIGATIONS); }
  Names missing() const& { return Names(d_, LAWFUL_MISSING); }
  // The contact's keys that no field of the schema has ("contact.objectd"), accepted and
  // ignored (an engine with_strict_fields() refuses them); and for the i-th, the field it
  // is likely a typo of ("contact.objected"), or "".
  Names unknown() const& { return Names(d_, LAWFUL_UNKNOWN); }
  std::string_view unknown_suggestion(size_t i) const& { return detail::view(lawful_decision_unknown_suggestion(d_, i)); }
  PolicyVersion version() const {
    return PolicyVersion(lawful_decision_version(d_), lawful_decision_content_hash(d_), lawful_decision_revision(d_));
  }
  // Of the engine that decided; "" before any decision (content_hash: or an old .lawc).
  std::string_view content_hash() const& { return detail::view(lawful_decision_content_hash(d_)); }
  std::string_view revision() const& { return detail::view(lawful_decision_revision(d_)); }
  // The decision record (FACTS.md, with "decision", "reason" and "version"), or the
  // error record of a failed decision.
  std::string_view json() const& {
    size_t n = 0;
    const char* s = lawful_decision_json(d_, &n);
    return std::string_view(s, n);
  }
  // Views into a temporary would dangle at the end of the statement.
  std::string_view error() const&& = delete;
  std::string_view id() const&& = delete;
  std::string_view basis() const&& = delete;
  std::string_view policy() const&& = delete;
  std::string_view name() const&& = delete;
  std::string_view reason() const&& = delete;
  Names rules() const&& = delete;
  Names cites() const&& = delete;
  Names obligations() const&& = delete;
  Names missing() const&& = delete;
  Names unknown() const&& = delete;
  std::string_view unknown_suggestion(size_t) const&& = delete;
  std::string_view content_hash() const&& = delete;
  std::string_view revision() const&& = delete;
  std::string_view json() const&& = delete;

  lawful_decision* handle() const { return d_; }

 private:
  lawful_decision* d_ = nullptr;
};

// ---------------------------------------------------------------- facts

// Facts set field by field: resolve paths once (Engine::field), then set by handle.
// Setters return Status::ok, or Status::data for a value that does not fit (an unknown
// enumeration word, a date that does not exist): the facts remember it, and a decision
// on them is an error until they are reset. Made from one engine, they work with every
// engine of the same schema (every reload of it).
class Facts {
 public:
  Facts(Facts&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
  Facts& operator=(Facts&& o) noexcept {
    std::swap(f_, o.f_);
    return *this;
  }
  Facts(const Facts&) = delete;
  Facts& operator=(const Facts&) = delete;
  ~Facts() { lawful_facts_free(f_); }

  // Everything absent again; or only "contact" (keeping the campaign), or "campaign".
  void reset() { detail::check(lawful_facts_reset(f_, nullptr)); }
  void reset(const char* root) { detail::check(lawful_facts_reset(f_, root)); }

  Status set_bool(Field f, bool v) { return set_bool(Item::top(), f, v); }
  Status set_bool(Item i, Field f, bool v) { return detail::data_or_raise(lawful_facts_set_bool(f_, i.id, f.id, v ? 1 : 0)); }
  Status set_int(Field f, int64_t v) { return set_int(Item::top(), f, v); }
  Status set_int(Item i, Field f, int64_t v) { return detail::data_or_raise(lawful_facts_set_int(f_, i.id, f.id, v)); }
  Status set_date(Field f, int y, int m, int d) { return set_date(Item::top(), f, y, m, d); }
  Status set_date(Item i, Field f, int y, int m, int d) {
    return detail::data_or_raise(lawful_facts_set_date(f_, i.id, f.id, y, m, d));
  }
  // A string; an enumeration member by name ("company"); a date "YYYY-MM-DD".
  Status set_text(Field f, std::string_view t) { return set_text(Item::top(), f, t); }
  Status set_text(Item i, Field f, std::string_view t) {
    return detail::data_or_raise(lawful_facts_set_text(f_, i.id, f.id, t.data() ? t.data() : "", t.size()));
  }
  // An optional record (contact.customer) exists.
  void set_present(Field f) { set_present(Item::top(), f); }
  void set_present(Item i, Field f) { detail::check(lawful_facts_set_present(f_, i.id, f.id)); }
  // A list is known and empty.
  void set_empty(Field f) { set_empty(Item::top(), f); }
  void set_empty(Item i, Field f) { detail::check(lawful_facts_set_empty(f_, i.id, f.id)); }
  // Appends to a list of strings, enumeration members or dates.
  Status add_text(Field f, std::string_view t) { return add_text(Item::top(), f, t); }
  Status add_text(Item i, Field f, std::string_view t) {
    return detail::data_or_raise(lawful_facts_add_text(f_, i.id, f.id, t.data() ? t.data() : "", t.size()));
  }
  // Appends a record to a list of records; set its fields on the returned item. When
  // the list is full (a data error), setting fields on the item returns that error.
  Item add_record(Field f) { return add_record(Item::top(), f); }
  Item add_record(Item i, Field f) {
    Item e;
    static_cast<void>(detail::data_or_raise(lawful_facts_add_record(f_, i.id, f.id, &e.id)));
    return e;
  }
  // Absent again.
  void clear(Field f) { clear(Item::top(), f); }
  void clear(Item i, Field f) { detail::check(lawful_facts_clear(f_, i.id, f.id)); }
  // The first data error since the last reset ("" if none).
  std::string_view error() const& { return detail::view(lawful_facts_error(f_)); }
  std::string_view error() const&& = delete;

  lawful_facts* handle() const { return f_; }

 private:
  friend class Engine;
  explicit Facts(lawful_facts* f) : f_(f) {}
  lawful_facts* f_ = nullptr;
};

// ---------------------------------------------------------------- campaigns

// A campaign prepared once by Engine::campaign: checked against the schema and the
// policies, immutable, shared by copies and by any number of threads. What it lacks is
// said at once (warnings()), not found later in every decision.
class Campaign {
 public:
  Campaign() = default;  // empty: deciding with it throws Error(Status::argument)
  Campaign(const Campaign& o) : c_(o.c_ ? lawful_campaign_retain(o.c_) : nullptr) {}
  Campaign(Campaign&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Campaign& operator=(Campaign o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~Campaign() { lawful_campaign_free(c_); }
  explicit operator bool() const { return c_ != nullptr; }

  // No contact can be decided otherwise than review with it, for want of what it lacks.
  bool every_review() const { return lawful_campaign_every_review(c_) != 0; }
  // Its absent facts ("campaign.send_date"); its keys the schema lacks ("campaign.chanel");
  // and what they do, a line each ("every decision will be review: campaign.channel missing").
  std::vector<std::string> lacks() const { return list(LAWFUL_CAMPAIGN_LACKS); }
  std::vector<std::string> unknown() const { return list(LAWFUL_CAMPAIGN_UNKNOWN); }
  std::vector<std::string> warnings() const { return list(LAWFUL_CAMPAIGN_WARNINGS); }

  lawful_campaign* handle() const { return c_; }

 private:
  friend class Engine;
  explicit Campaign(lawful_campaign* c) : c_(c) {}
  std::vector<std::string> list(lawful_campaign_list l) const {
    std::vector<std::string> out;
    size_t n = lawful_campaign_count(c_, l);
    for (size_t i = 0; i < n; ++i) out.emplace_back(lawful_campaign_item(c_, l, i));
    return out;
  }
  lawful_campaign* c_ = nullptr;
};

// ---------------------------------------------------------------- mappings

// A mapping of a CRM export's columns to facts (docs/mappings.md), loaded once by
// Engine::mapping and checked against its schema; immutable, shared by copies and by any
// number of threads. Engine::decide_mapped decides an export's rows through it.
class Mapping {
 public:
  Mapping() = default;  // empty: deciding with it throws Error(Status::argument)
  Mapping(const Mapping& o) : m_(o.m_ ? lawful_mapping_retain(o.m_) : nullptr) {}
  Mapping(Mapping&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Mapping& operator=(Mapping o) noexcept {
    std::swap(m_, o.m_);
    return *this;
  }
  ~Mapping() { lawful_mapping_free(m_); }
  explicit operator bool() const { return m_ != nullptr; }
  // "csv" or "jsonl": the export it says it reads.
  std::string input() const {
    const char* s = lawful_mapping_input(m_);
    return s ? s : "";
  }
  lawful_mapping* handle() const { return m_; }

 private:
  friend class Engine;
  explicit Mapping(lawful_mapping* m) : m_(m) {}
  lawful_mapping* m_ = nullptr;
};

// What one call may change: the rules as in force on `as_of` ("YYYY-MM-DD"; empty: the
// send date) and the decision evaluated (`decision`, "email"; empty: the engine's
// default), as `lawful check --as-of` and `--decision`.
struct CallOptions {
  std::string as_of;
  std::string decision;
};

// ---------------------------------------------------------------- engines

// Compiled policies, immutable; copies share them. Safe to use from many threads at once.
// A default-constructed Engine is empty (a member of a service class before it loads):
// `if (engine)` tells, and using an empty one throws Error(Status::argument).
class Engine {
 public:
  Engine() = default;
  explicit operator bool() const { return e_ != nullptr; }
  bool empty() const { return e_ == nullptr; }
  Engine(const Engine& o) : e_(o.e_ ? lawful_engine_retain(o.e_) : nullptr) {}
  Engine(Engine&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Engine& operator=(Engine o) noexcept {
    std::swap(e_, o.e_);
    return *this;
  }
  ~Engine() { lawful_engine_free(e_); }

  // A directory of .law files (with its routing file), a .law file, or a .lawc file.
  static Loaded<Engine> load(const std::string& path) {
    return finish([&](lawful_engine** e, lawful_diagnostics** d) { return lawful_engine_load_path(path.c_str(), e, d); });
  }
  // One policy as text; `name` is the file name messages show.
  static Loaded<Engine> from_source(std::string_view text, const std::string& name = "policy.law") {
    return finish([&](lawful_engine** e, lawful_diagnostics** d) {
      return lawful_engine_load_source(name.c_str(), text.data() ? text.data() : "", text.size(), e, d);
    });
  }
  // The bytes of a .lawc file.
  static Loaded<Engine> from_bytecode(std::string_view bytes) {
    return finish([&](lawful_engine** e, lawful_diagnostics** d) {
      return lawful_engine_load_bytecode(bytes.data(), bytes.size(), e, d);
    });
  }

  PolicyVersion version() const {
    return PolicyVersion(lawful_engine_version(e_), lawful_engine_content_hash(e_), lawful_engine_revision(e_));
  }
  // The same compiled policies labelled `revision` ("v42", a commit id; "": none), for
  // the decisions made on the copy (docs/embedding.md, "Versions").
  Engine with_revision(const std::string& revision) const {
    lawful_engine* e = nullptr;
    detail::check(lawful_engine_with_revision(e_, revision.c_str(), &e));
    return Engine(e);
  }
  // The interpreter or the native back end, for the decisions that start afterwards;
  // throws Error(Status::unsupported) in a library without the native back end.
  void set_backend(Backend b) { detail::check(lawful_engine_set_backend(e_, static_cast<lawful_backend>(b))); }
  Backend backend() const { return static_cast<Backend>(lawful_engine_backend(e_)); }
  // The program as .lawc bytes.
  std::string bytecode() const {
    size_t n = 0;
    lawful_status s = lawful_engine_bytecode(e_, nullptr, 0, &n);
    if (s != LAWFUL_ERR_BUFFER && s != LAWFUL_OK) detail::raise(s);
    std::string out(n, '\0');
    detail::check(lawful_engine_bytecode(e_, &out[0], out.size(), &n));
    return out;
  }

  // The same compiled policies, refusing (strict) or accepting (the default) keys the
  // schema lacks; see lawful_engine_with_strict_fields.
  Engine with_strict_fields(bool strict = true) const {
    lawful_engine* e = nullptr;
    detail::check(lawful_engine_with_strict_fields(e_, strict ? 1 : 0, &e));
    return Engine(e);
  }
  bool strict_fields() const { return lawful_engine_strict_fields(e_) != 0; }

  // A campaign (a JSON object) prepared once for many decisions. Not ok, with the
  // reason, for one that cannot be used (bad JSON, a channel the schema lacks); one that
  // lacks facts is prepared and says so (Campaign::warnings()).
  Loaded<Campaign> campaign(std::string_view json) const {
    lawful_campaign* c = nullptr;
    lawful_status s = lawful_campaign_new(e_, json.data() ? json.data() : "", json.size(), &c);
    if (s != LAWFUL_OK && s != LAWFUL_ERR_DATA) detail::raise(s);
    std::string message = s == LAWFUL_OK ? "" : lawful_last_error();
    std::optional<Campaign> out;
    if (c) out.emplace(Campaign(c));
    return Loaded<Campaign>(std::move(out), static_cast<Status>(s), std::move(message), Diagnostics());
  }
  Status decide(const Campaign& campaign, std::string_view contact, Decision& out,
                const CallOptions& options = {}) const {
    return decided(lawful_decide_campaign_with(e_, campaign.handle(), contact.data() ? contact.data() : "",
                                               contact.size(), options.as_of.c_str(), options.decision.c_str(),
                                               out.handle()));
  }
  Decision decide(const Campaign& campaign, std::string_view contact) const {
    Decision d;
    static_cast<void>(decide(campaign, contact, d));  // d.status() says
    return d;
  }
  // Contact and campaign as text, with per-call options.
  Status decide(std::string_view contact, std::string_view campaign, Decision& out, const CallOptions& options) const {
    return decided(lawful_decide_json_with(e_, contact.data() ? contact.data() : "", contact.size(),
                                           campaign.data() ? campaign.data() : "", campaign.size(),
                                           options.as_of.c_str(), options.decision.c_str(), out.handle()));
  }

  // Throws Error(Status::not_found), with a suggestion, for a path the schema lacks.
  Field field(const std::string& path) const {
    Field f;
    detail::check(lawful_engine_field(e_, path.c_str(), &f.id));
    return f;
  }
  Facts facts() const {
    lawful_facts* f = nullptr;
    detail::check(lawful_facts_new(e_, &f));
    return Facts(f);
  }

  // Contact and campaign as JSON objects. Status::data or Status::runtime when the facts
  // could not be decided; `out.error()` says why.
  Status decide(std::string_view contact, std::string_view campaign, Decision& out) const {
    return decided(lawful_decide_json(e_, contact.data() ? contact.data() : "", contact.size(),
                                      campaign.data() ? campaign.data() : "", campaign.size(), out.handle()));
  }
  // The same with the rules as in force on `as_of` ("YYYY-MM-DD"; empty: the send date),
  // as `lawful check --as-of`; throws Error(Status::argument) for a bad date.
  Status decide(std::string_view contact, std::string_view campaign, Decision& out, const std::string& as_of) const {
    return decided(lawful_decide_json_as_of(e_, contact.data() ? contact.data() : "", contact.size(),
                                            campaign.data() ? campaign.data() : "", campaign.size(),
                                            as_of.c_str(), out.handle()));
  }
  Decision decide(std::string_view contact, std::string_view campaign) const {
    Decision d;
    static_cast<void>(decide(contact, campaign, d));  // d.status() says
    return d;
  }
  Status decide(const Facts& facts, Decision& out) const {
    return decided(lawful_decide_facts(e_, facts.handle(), out.handle()));
  }
  // The explanation of the decision for a contact and a campaign (JSON objects), as
  // `lawful explain --json` writes it; `as_of` ("YYYY-MM-DD", empty: the send date) takes
  // rules as in force on that date. The decision is made into `out` too. For facts that
  // cannot be bound, the error record (out.status() says so). Throws Error for a bad
  // `as_of`.
  std::string explain(std::string_view contact, std::string_view campaign, Decision& out,
                      const std::string& as_of = {}) const {
    const char* json = nullptr;
    size_t n = 0;
    static_cast<void>(decided(lawful_decision_explain_json(e_, contact.data() ? contact.data() : "", contact.size(),
                                         campaign.data() ? campaign.data() : "", campaign.size(),
                                         as_of.empty() ? nullptr : as_of.c_str(), out.handle(), &json, &n)));
    return json ? std::string(json, n) : std::string();
  }
  std::string explain(std::string_view contact, std::string_view campaign, const std::string& as_of = {}) const {
    Decision d;
    return explain(contact, campaign, d, as_of);
  }
  Decision decide(const Facts& facts) const {
    Decision d;
    static_cast<void>(decide(facts, d));  // d.status() says
    return d;
  }
  // Many contacts, one campaign, one policy version; `out` is resized to match and its
  // decisions reused. Status::ok when every contact was decided.
  Status decide_batch(std::string_view campaign, const std::vector<std::string_view>& contacts,
                      std::vector<Decision>& out) const {
    if (out.size() < contacts.size()) out.resize(contacts.size());
    std::vector<lawful_text> texts(contacts.size());
    std::vector<lawful_decision*> handles(contacts.size());
    for (size_t i = 0; i < contacts.size(); ++i) {
      texts[i] = {contacts[i].data() ? contacts[i].data() : "", contacts[i].size()};
      handles[i] = out[i].handle();
    }
    lawful_status s = lawful_decide_batch(e_, campaign.data() ? campaign.data() : "", campaign.size(), texts.data(),
                                          texts.size(), handles.data());
    out.resize(contacts.size());
    return decided(s);
  }

  // A mapping file (TOML), checked against this engine's schema. Not ok, with the
  // messages (file:line:col, a suggestion), for one that is refused (Status::mapping).
  Loaded<Mapping> mapping(const std::string& path) const {
    return load_mapping([&](lawful_mapping** m, lawful_diagnostics** d) {
      return lawful_mapping_load(e_, path.c_str(), m, d);
    });
  }
  // The same from the mapping's text; `name` is the file name messages show.
  Loaded<Mapping> mapping_from_text(std::string_view text, const std::string& name = "mapping.toml") const {
    return load_mapping([&](lawful_mapping** m, lawful_diagnostics** d) {
      return lawful_mapping_load_text(e_, name.c_str(), text.data() ? text.data() : "", text.size(), m, d);
    });
  }
  // Rows of an export through `mapping`, one campaign, one policy version: CSV rows under
  // `header` (the export's header row), as lawful_decide_mapped. `out` is resized to
  // match and its decisions reused. Status::ok when every row was decided; a row the
  // mapping cannot convert is an error decision naming the column, its line and value.
  Status decide_mapped(const Mapping& mapping, std::string_view campaign, std::string_view header,
                       const std::vector<std::string_view>& rows, std::vector<Decision>& out) const {
    return mapped(mapping, campaign, &header, rows, out);
  }
  // Rows that are JSON objects keyed by the export's columns (a JSON Lines export).
  Status decide_mapped(const Mapping& mapping, std::string_view campaign, const std::vector<std::string_view>& rows,
                       std::vector<Decision>& out) const {
    return mapped(mapping, campaign, nullptr, rows, out);
  }

  lawful_engine* handle() const { return e_; }
  // Takes a reference the caller owns (from lawful_reloader_engine, say).
  static Engine adopt(lawful_engine* e) { return Engine(e); }

 private:
  explicit Engine(lawful_engine* e) : e_(e) {}
  static Status decided(lawful_status s) {
    if (s == LAWFUL_OK || s == LAWFUL_ERR_DATA || s == LAWFUL_ERR_RUNTIME || s == LAWFUL_ERR_SCHEMA)
      return static_cast<Status>(s);
    detail::raise(s);
  }
  Status mapped(const Mapping& mapping, std::string_view campaign, const std::string_view* header,
                const std::vector<std::string_view>& rows, std::vector<Decision>& out) const {
    if (out.size() < rows.size()) out.resize(rows.size());
    std::vector<lawful_text> texts(rows.size());
    std::vector<lawful_decision*> handles(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      texts[i] = {rows[i].data() ? rows[i].data() : "", rows[i].size()};
      handles[i] = out[i].handle();
    }
    const char* head = header ? (header->data() ? header->data() : "") : nullptr;
    lawful_status s = lawful_decide_mapped(e_, mapping.handle(), campaign.data() ? campaign.data() : "",
                                           campaign.size(), head, header ? header->size() : 0, texts.data(),
                                           texts.size(), handles.data());
    out.resize(rows.size());
    return decided(s);
  }
  template <class F>
  Loaded<Mapping> load_mapping(F&& load) const {
    lawful_mapping* m = nullptr;
    lawful_diagnostics* d = nullptr;
    lawful_status s = load(&m, &d);
    if (s != LAWFUL_OK && s != LAWFUL_ERR_MAPPING) {
      lawful_diagnostics_free(d);
      detail::raise(s);
    }
    std::string message = s == LAWFUL_OK ? "" : lawful_last_error();
    std::optional<Mapping> out;
    if (m) out.emplace(Mapping(m));
    return Loaded<Mapping>(std::move(out), static_cast<Status>(s), std::move(message), Diagnostics(d));
  }
  template <class F>
  static Loaded<Engine> finish(F&& load) {
    lawful_engine* e = nullptr;
    lawful_diagnostics* d = nullptr;
    lawful_status s = load(&e, &d);
    if (s == LAWFUL_ERR_MEMORY || s == LAWFUL_ERR_ARGUMENT || s == LAWFUL_ERR_INTERNAL) {
      lawful_diagnostics_free(d);
      detail::raise(s);
    }
    std::string message = s == LAWFUL_OK ? "" : lawful_last_error();
    std::optional<Engine> engine;
    if (e) engine.emplace(Engine(e));
    return Loaded<Engine>(std::move(engine), static_cast<Status>(s), std::move(message), Diagnostics(d));
  }
  lawful_engine* e_ = nullptr;
};

// ---------------------------------------------------------------- reloading

struct ReloadResult {
  Status status = Status::ok;  // ok, policy (does not compile) or tests (tests fail)
  bool swapped = false;        // a new version serves
  std::string message;         // why no new version serves, in one line ("" if one does)
  Diagnostics diagnostics;
  bool ok() const { return status == Status::ok; }
};

// What a watcher's reload did: as ReloadResult, with the generation serving after it.
struct ReloadEvent {
  Status status = Status::ok;
  uint64_t generation = 0;  // serving after the reload
  bool swapped = false;     // a new version serves
  std::string message;      // why not: the reload's error, or that the policies are unchanged
  Diagnostics diagnostics;
};

// Keeps an Engine current for a policy path: reload() (or watch()) compiles the path
// beside the serving version and swaps only if it compiles and its tests pass.
// Decisions under way finish on the version they started on.
class Reloader {
 public:
  // The first version must compile and pass its tests.
  static Loaded<Reloader> open(const std::string& path) {
    lawful_reloader* r = nullptr;
    lawful_diagnostics* d = nullptr;
    lawful_status s = lawful_reloader_new(path.c_str(), &r, &d);
    if (s == LAWFUL_ERR_MEMORY || s == LAWFUL_ERR_ARGUMENT || s == LAWFUL_ERR_INTERNAL) {
      lawful_diagnostics_free(d);
      detail::raise(s);
    }
    std::string message = s == LAWFUL_OK ? "" : lawful_last_error();
    std::optional<Reloader> out;
    if (r) out.emplace(Reloader(r));
    return Loaded<Reloader>(std::move(out), static_cast<Status>(s), std::move(message), Diagnostics(d));
  }

  // The version serving now. Decide on the returned engine for a batch that must not
  // straddle two versions.
  Engine engine() const { return Engine::adopt(lawful_reloader_engine(r_.get())); }
  PolicyVersion version() const { return engine().version(); }

  Decision decide(std::string_view contact, std::string_view campaign) const { return engine().decide(contact, campaign); }
  Status decide(std::string_view contact, std::string_view campaign, Decision& out) const {
    return engine().decide(contact, campaign, out);
  }
  Decision decide(const Facts& facts) const { return engine().decide(facts); }
  Status decide(const Facts& facts, Decision& out) const { return engine().decide(facts, out); }

  // Labels the version serving and every later one `revision` (in place of
  // LAWFUL_REVISION's; "": none); Error(Status::argument) for a label that is not one.
  void set_revision(const std::string& revision) { detail::check(lawful_reloader_set_revision(r_.get(), revision.c_str())); }
  static Loaded<Reloader> open(const std::string& path, const std::string& revision) {
    Loaded<Reloader> r = open(path);
    if (r) r->set_revision(revision);
    return r;
  }

  ReloadResult reload() {
    int swapped = 0;
    lawful_diagnostics* d = nullptr;
    lawful_status s = lawful_reloader_reload(r_.get(), &swapped, &d);
    return result(s, swapped != 0, d);
  }
  // The last reload attempt (a watcher's included).
  ReloadResult last() const {
    lawful_diagnostics* d = nullptr;
    lawful_status s = lawful_reloader_last(r_.get(), &d);
    return result(s, lawful_reloader_last_swapped(r_.get()) != 0, d);
  }

  // Polls the policy files every `interval`; reloads when they changed and then stayed
  // the same for one interval. `on_reload` runs on the watcher's thread after each reload;
  // it must not destroy the Reloader nor call watch(). Exceptions it throws are dropped.
  void watch(std::chrono::milliseconds interval, std::function<void(const ReloadEvent&)> on_reload = {}) {
    stop_watching();
    callback_->fn = std::move(on_reload);
    callback_->reloader = r_.get();
    detail::check(lawful_reloader_watch(r_.get(), static_cast<uint32_t>(interval.count()), &Reloader::trampoline,
                                        callback_.get()));
  }
  void stop_watching() { detail::check(lawful_reloader_watch(r_.get(), 0, nullptr, nullptr)); }

  lawful_reloader* handle() const { return r_.get(); }

 private:
  struct Callback {
    std::function<void(const ReloadEvent&)> fn;
    lawful_reloader* reloader = nullptr;
  };
  static constexpr const char* kUnchanged = "the policies are unchanged (the content hash of the version serving)";
  struct Free {
    void operator()(lawful_reloader* r) const { lawful_reloader_free(r); }
  };
  explicit Reloader(lawful_reloader* r) : r_(r) {}

  static ReloadResult result(lawful_status s, bool swapped, lawful_diagnostics* d) {
    if (s == LAWFUL_ERR_MEMORY || s == LAWFUL_ERR_ARGUMENT || s == LAWFUL_ERR_INTERNAL) {
      lawful_diagnostics_free(d);
      detail::raise(s);
    }
    ReloadResult r;
    r.status = static_cast<Status>(s);
    r.swapped = swapped;
    if (s != LAWFUL_OK) r.message = lawful_last_error();
    else if (!swapped) r.message = kUnchanged;
    r.diagnostics = Diagnostics(d);
    return r;
  }
  static void trampoline(void* user, lawful_status s, uint64_t generation, const lawful_diagnostics* d) noexcept {
    try {
      auto* cb = static_cast<Callback*>(user);
      if (!cb->fn) return;
      ReloadEvent ev;
      ev.status = static_cast<Status>(s);
      ev.generation = generation;
      // On the watcher's thread, which made the reload: its last error is the reload's.
      ev.swapped = s == LAWFUL_OK && lawful_reloader_last_swapped(cb->reloader) != 0;
      if (s != LAWFUL_OK) ev.message = lawful_last_error();
      else if (!ev.swapped) ev.message = kUnchanged;
      ev.diagnostics = Diagnostics::copy(d);  // the C list belongs to the watcher
      cb->fn(ev);
    } catch (...) {
    }
  }
  // Destroyed after r_ (which stops the watcher that calls it).
  std::unique_ptr<Callback> callback_ = std::make_unique<Callback>();
  std::unique_ptr<lawful_reloader, Free> r_;
};

}  // namespace api_v0
}  // namespace lawful
