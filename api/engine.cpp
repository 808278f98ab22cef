// Engines: loading (source, directory, bytecode), the schema's field table, the pool of
// per-thread scratch, and deciding from JSON into a decision. See internal.h.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/internal.h"
#include "compiler/compiler.h"
#include "compiler/mapping/mapping_loader.h"
#include "compiler/policy_sources.h"
#include "compiler/program_cache.h"
#include "compiler/test_runner.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/core/dates.h"
#include "runtime/facts/records.h"
#include "runtime/io/input_file.h"
#include "runtime/vm/explain.h"

namespace lawful::api {

// ---------------------------------------------------------------- the schema

SchemaInfo::SchemaInfo(const Schema& s) : schema(s) {
  fields.resize(schema.paths.size());
  size_t next = 0;
  // The same walk as Schema::layout, so that field i is path i.
  auto walk = [&](auto& self, const std::string& prefix, uint32_t record, uint32_t root, int32_t owner,
                  uint32_t base, const std::vector<uint32_t>& presence) -> void {
    for (const FieldDef& f : schema.records[record].fields) {
      size_t i = next++;
      FieldInfo& fi = fields[i];
      fi.name = prefix + "." + f.name;
      fi.type = f.type;
      const Type& t = schema.type(f.type);
      fi.kind = t.kind;
      fi.root = root;
      fi.owner = owner;
      fi.offset = base + f.offset;
      fi.optional = f.optional;
      fi.presence = presence;
      if (t.kind == TypeKind::Record) {
        fi.span = (f.optional ? 1 : 0) + schema.records[t.ref].size;
        std::vector<uint32_t> inner = presence;
        if (f.optional) inner.push_back(fi.offset);
        self(self, fi.name, t.ref, root, owner, fi.offset + (f.optional ? 1 : 0), inner);
      } else if (t.kind == TypeKind::List) {
        fi.elem = t.ref;
        fi.elem_kind = schema.type(t.ref).kind;
        if (fi.elem_kind == TypeKind::Record) {
          fi.elem_record = schema.type(t.ref).ref;
          fi.stride = schema.records[fi.elem_record].size;
          self(self, fi.name, fi.elem_record, root, static_cast<int32_t>(i), 0, {});
        }
      }
    }
  };
  for (uint32_t r = 0; r < schema.roots.size(); ++r)
    walk(walk, schema.roots[r].name, schema.roots[r].record, r, -1, schema.roots[r].base, {});
  uint64_t h = fnv1a64("lawful schema");
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i >= next || fields[i].name != schema.paths[i].name)
      throw std::logic_error("the facts builder's field table does not match the schema's paths");
    h = fnv1a64(fields[i].name, h);
    h = fnv1a64(schema.type_name(fields[i].type), h);
    h = fnv1a64(fmt::format("{}/{}/{}/{}", fields[i].offset, fields[i].owner, fields[i].span, fields[i].stride), h);
  }
  for (const EnumDef& e : schema.enums) {
    h = fnv1a64(e.name, h);
    for (const std::string& m : e.members) h = fnv1a64(m, h);
  }
  fingerprint = h;
  slot_root.assign(schema.root_slots, 0);
  for (uint32_t r = 0; r < schema.roots.size(); ++r) {
    const RootDef& root = schema.roots[r];
    for (uint32_t i = 0; i < schema.records[root.record].size; ++i) slot_root[root.base + i] = r;
  }
}

int SchemaInfo::find(std::string_view path) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == path) return static_cast<int>(i);
  return -1;
}

// ---------------------------------------------------------------- diagnostics

const char* DiagList::keep(std::string s) {
  strings_.push_back(std::move(s));
  return strings_.back().c_str();
}

void DiagList::add(bool error, std::string code, std::string file, uint32_t line, uint32_t col, std::string message,
                   std::string help) {
  lawful_diagnostic d;
  d.is_error = error ? 1 : 0;
  d.code = keep(std::move(code));
  d.file = keep(std::move(file));
  d.line = line;
  d.column = col;
  d.message = keep(std::move(message));
  d.help = keep(std::move(help));
  items_.push_back(d);
  if (error) ++errors_;
}

void DiagList::add_compilation(const Compilation& c) { add_diagnostics(c.diags, c.sources); }

void DiagList::add_diagnostics(const Diagnostics& diags, const SourceManager& sources) {
  for (const Diagnostic& d : diags.all()) {
    std::string file;
    LineCol lc;
    if (d.span.valid()) {
      file = sources.path(d.span.file);
      lc = sources.line_col(d.span.file, d.span.begin);
    }
    add(d.severity == Severity::Error, diag_info(d.code).code, file, lc.line, lc.col, d.message, d.help);
  }
  append_text(diags.render(sources, false));
}

void DiagList::add_test_failures(const Compilation& c, const TestReport& r) {
  for (const TestResult& t : r.tests) {
    if (t.passed()) continue;
    const std::string why = fmt::format("{}", fmt::join(t.failures, "\n"));
    add(true, "test", c.sources.path(t.file), t.line, t.col, fmt::format("test \"{}\" fails:\n{}", t.title, why));
    append_text(fmt::format("FAIL {}: {}\n{}\n", t.where, t.title, why));
  }
  append_text(fmt::format("{} passed, {} failed\n", r.passed, r.failed));
}

std::string DiagList::first_error() const {
  for (const lawful_diagnostic& d : items_) {
    if (!d.is_error) continue;
    std::string where = *d.file ? (d.line ? fmt::format("{}:{}:{}: ", d.file, d.line, d.column) : fmt::format("{}: ", d.file)) : "";
    std::string msg = d.message;
    size_t nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    std::string more = errors_ > 1 ? fmt::format(" (and {} more)", errors_ - 1) : "";
    return where + msg + more;
  }
  return {};
}

}  // namespace lawful::api

// ---------------------------------------------------------------- engines

using lawful::api::Scratch;

lawful_engine::lawful_engine(std::shared_ptr<const lawful::Program> p, lawful::Entry e, uint64_t generation)
    : program(std::move(p)), entry(std::move(e)) {
  using namespace lawful;
  schema = std::make_shared<const api::SchemaInfo>(program->schema);
  names = std::make_shared<const RecordNames>(*program);
  version.generation = generation;
  version.source_hash = program->source_hash;
  content_hash = program->content_hash;
  set_identity({});
  // The slots of each record when absent: defaults, unknown, optional records absent.
  const Schema& s = program->schema;
  templates.resize(s.records.size());
  std::vector<bool> done(s.records.size(), false);
  auto make = [&](auto& self, uint32_t r) -> const std::vector<Value>& {
    if (done[r]) return templates[r];
    const RecordDef& rec = s.records[r];
    std::vector<Value> t(rec.size, kUnknown);
    for (const FieldDef& f : rec.fields) {
      const Type& ft = s.type(f.type);
      if (ft.kind == TypeKind::Record) {
        const std::vector<Value>& inner = self(self, ft.ref);
        std::copy(inner.begin(), inner.end(), t.begin() + f.offset + (f.optional ? 1 : 0));
        if (f.optional) t[f.offset] = kUnknown;
      } else if (f.has_default) {
        t[f.offset] = f.default_value;
      }
    }
    templates[r] = std::move(t);
    done[r] = true;
    return templates[r];
  };
  for (uint32_t r = 0; r < s.records.size(); ++r) make(make, r);
}

void lawful_engine::set_identity(std::string revision_label) {
  revision = std::move(revision_label);
  // Labels and hashes are plain characters (revision_error): no JSON escaping needed.
  version_json = fmt::format(", \"version\": {{\"generation\": {}, \"source_hash\": \"{:016x}\", \"content_hash\": {}, "
                             "\"revision\": {}}}}}",
                             version.generation, version.source_hash,
                             content_hash.empty() ? "null" : "\"" + content_hash + "\"",
                             revision.empty() ? "null" : "\"" + revision + "\"");
}

std::unique_ptr<Scratch> lawful_engine::acquire() const {
  const lawful::NativeFn* native;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    native = native_;
    if (!pool_.empty()) {
      std::unique_ptr<Scratch> s = std::move(pool_.back());
      pool_.pop_back();
      s->line.set_native(native);
      return s;
    }
  }
  auto s = std::make_unique<Scratch>(*program, entry, names);
  s->line.set_native(native);
  s->line.binder().set_strict_fields(strict_fields);
  return s;
}

bool lawful_engine::set_native(bool on, std::string& why) {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (on && !code_) {
    // Through the machine-code cache of the command (default_cache_dir(): the same folder
    // and switches), so that a program compiled once, by the command or the library, is
    // loaded rather than compiled again (docs/embedding.md, "The native back end").
    lawful::jit::Options options;
    options.cache_dir = lawful::default_cache_dir();
    code_ = lawful::jit::Code::compile(*program, options, why);
  }
  if (on && !code_) return false;
  native_ = on ? code_->functions() : nullptr;
  return true;
}

const lawful::NativeFn* lawful_engine::native() const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  return native_;
}

void lawful_engine::release(std::unique_ptr<Scratch> s) const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  pool_.push_back(std::move(s));
}

lawful_decision::~lawful_decision() { lawful::api::release(engine); }

namespace lawful::api {

namespace {



bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

lawful_engine* retain(lawful_engine* e) {
  if (e) e->refs.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void release(lawful_engine* e) {
  if (e && e->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete_handle(e);
}

lawful_status revision_from_env(std::string* label) {
  label->clear();
  const char* env = std::getenv("LAWFUL_REVISION");
  if (!env || !*env) return LAWFUL_OK;
  std::string why = revision_label_error(env);
  if (!why.empty()) return fail(LAWFUL_ERR_ARGUMENT, "LAWFUL_REVISION: " + why);
  *label = env;
  return LAWFUL_OK;
}

lawful_status engine_with_revision(const lawful_engine& e, std::string revision, lawful_engine** out) {
  if (!revision.empty()) {
    std::string why = revision_label_error(revision);
    if (!why.empty()) return fail(LAWFUL_ERR_ARGUMENT, why);
  }
  auto next = make_handle<lawful_engine>(e.program, e.entry, e.version.generation);
  next->sources = e.sources;
  next->strict_fields = e.strict_fields;
  next->set_identity(std::move(revision));
  *out = next.release();
  return LAWFUL_OK;
}

lawful_status engine_with_strict_fields(const lawful_engine& e, bool strict, lawful_engine** out) {
  lawful_status st = engine_with_revision(e, e.revision, out);
  if (st == LAWFUL_OK) (*out)->strict_fields = strict;
  return st;
}

// ---------------------------------------------------------------- campaigns

lawful_campaign* retain(lawful_campaign* c) {
  if (c) c->refs.fetch_add(1, std::memory_order_relaxed);
  return c;
}

void release(lawful_campaign* c) {
  if (c && c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete_handle(c);
}

lawful_status campaign_new(const lawful_engine& e, std::string_view json, lawful_campaign** out) {
  CampaignReport report = check_campaign(*e.program, e.entry, json, std::nullopt, e.strict_fields);
  if (!report.error.empty()) return fail(LAWFUL_ERR_DATA, report.error);
  auto c = make_handle<lawful_campaign>();
  c->fingerprint = e.schema->fingerprint;
  c->json.assign(json.data(), json.size());
  for (const CampaignLack& l : report.lacks) c->lacks.push_back(l.path);
  c->unknown = report.unknown;
  c->warnings = report.messages();
  c->report = std::move(report);
  *out = c.release();
  return LAWFUL_OK;
}

lawful_status engine_from(std::shared_ptr<const Program> prog, uint64_t generation, lawful_engine** out,
                          DiagList& diags) {
  std::string revision;
  if (lawful_status st = revision_from_env(&revision)) {
    diags.add(true, "load", "", 0, 0, lawful_last_error());
    diags.append_text(fmt::format("error: {}\n", lawful_last_error()));
    return st;
  }
  Entry entry;
  std::string why = choose_entry(*prog, "", entry);
  if (!why.empty()) {
    diags.add(true, "load", "", 0, 0, why);
    diags.append_text(fmt::format("error: {}\n", why));
    return fail(LAWFUL_ERR_POLICY, why);
  }
  *out = new_handle<lawful_engine>(std::move(prog), std::move(entry), generation);
  if (!revision.empty()) (*out)->set_identity(std::move(revision));
  return LAWFUL_OK;
}

namespace {
lawful_status from_compilation(Compilation& c, lawful_engine** out, DiagList& diags) {
  diags.add_compilation(c);
  if (!c.ok()) return fail(LAWFUL_ERR_POLICY, "the policies do not compile: " + diags.first_error());
  lawful_status st = engine_from(c.program, 1, out, diags);
  if (st == LAWFUL_OK) (*out)->sources = policy_sources(c);
  return st;
}
}  // namespace

lawful_status load_source(const std::string& name, std::string text, lawful_engine** out, DiagList& diags) {
  Compilation c = compile_sources({SourceFile{name, std::move(text)}});
  return from_compilation(c, out, diags);
}

lawful_status load_bytecode(std::string_view bytes, lawful_engine** out, DiagList& diags) {
  auto prog = std::make_shared<Program>();
  std::string why = load_verified_program(bytes, *prog);
  if (!why.empty()) {
    diags.add(true, "load", "", 0, 0, "refused: " + why);
    diags.append_text(fmt::format("error: refused: {}\n", why));
    return fail(LAWFUL_ERR_POLICY, "refused: " + why);
  }
  return engine_from(std::move(prog), 1, out, diags);
}

lawful_status load_path(const std::string& path, lawful_engine** out, DiagList& diags) {
  if (ends_with(path, ".lawc")) {
    std::string bytes, why;
    if (!io::read_file(path, bytes, &why)) {
      diags.add(true, "load", path, 0, 0, why);
      diags.append_text(fmt::format("error: {}\n", why));
      return fail(LAWFUL_ERR_POLICY, why);
    }
    lawful_status s = load_bytecode(bytes, out, diags);
    if (s != LAWFUL_OK) fail(s, fmt::format("{}: {}", path, diags.first_error()));
    return s;
  }
  Compilation c = compile_path(path);
  return from_compilation(c, out, diags);
}

// ---------------------------------------------------------------- deciding

namespace {

// Holds a decision for one call that fills it. A decision belongs to one thread at a
// time: a second thread that fills it while the first does is refused (and the first
// goes on undisturbed), where it would have mixed two contacts in one decision. One
// compare-and-swap per decision.
class Filling {
 public:
  explicit Filling(lawful_decision& d) : d_(d) {
    bool expected = false;
    held_ = d.busy.compare_exchange_strong(expected, true, std::memory_order_acquire, std::memory_order_relaxed);
  }
  ~Filling() {
    if (held_) d_.busy.store(false, std::memory_order_release);
  }
  Filling(const Filling&) = delete;
  Filling& operator=(const Filling&) = delete;
  bool held() const { return held_; }
  static lawful_status refused() {
    return fail(LAWFUL_ERR_ARGUMENT,
                "this decision is being filled by another thread at the same time: a decision belongs to one thread "
                "at a time (give each thread its own)");
  }

 private:
  lawful_decision& d_;
  bool held_ = false;
};

void begin(lawful_decision& d, const lawful_engine& e) {
  if (d.engine != &e) {
    release(d.engine);
    d.engine = retain(const_cast<lawful_engine*>(&e));
  }
  d.status = LAWFUL_OK;
  d.outcome.clear();
  d.cites.clear();
  d.missing_ready = false;
  d.id.clear();
  d.has_id = false;
  d.has_country = false;
  d.error.clear();
  d.line = 1;
  d.reason_ready = false;
  d.json_ready = false;
  d.unknown.clear();
}

// The unknown keys of the line just bound, kept in the decision (nothing to do for a
// line of known keys only).
void take_unknown(lawful_decision& d, const Binder& b) {
  const std::vector<uint32_t>& ids = b.line_unknown();
  if (ids.empty()) return;
  d.unknown_text.clear();
  for (uint32_t id : ids) {
    const UnknownField& u = b.unknown_fields()[id];
    bool again = false;
    for (const auto& k : d.unknown) again = again || u.path == d.unknown_text.c_str() + k.first;
    if (again) continue;
    auto at = static_cast<uint32_t>(d.unknown_text.size());
    d.unknown_text.append(u.path).push_back('\0');
    int32_t near = -1;
    if (!u.suggestion.empty()) {
      near = static_cast<int32_t>(d.unknown_text.size());
      d.unknown_text.append(u.suggestion).push_back('\0');
    }
    d.unknown.emplace_back(at, near);
  }
}

lawful_status failed(lawful_decision& d, lawful_status status, std::string_view error, std::string_view id,
                     bool has_id) {
  d.status = status;
  d.error.assign(error.data(), error.size());
  d.id.assign(id.data(), id.size());
  d.has_id = has_id;
  return status;
}

// Takes what the per-line step made of a contact: the outcome (indices into the
// engine's program, which the decision holds), or the error in its place.
// The decision `o` about the facts in `facts` into `d`.
lawful_status take_outcome(lawful_decision& d, const Program& prog, const Outcome& o, const FactStore& facts) {
  d.outcome = o;
  for_each_cite_id(prog, d.outcome, [&](uint32_t c) { d.cites.push_back(c); });
  const RecordSubject s = record_subject(prog, d.outcome, facts);
  d.id.assign(s.id.data(), s.id.size());
  d.has_id = s.has_id;
  d.country.assign(s.country.data(), s.country.size());
  d.has_country = s.has_country;
  return LAWFUL_OK;
}

lawful_status take(lawful_decision& d, LineDecider& line) {
  take_unknown(d, line.binder());
  const LineResult& r = line.result();
  if (!r.decided) return failed(d, r.run_error ? LAWFUL_ERR_RUNTIME : LAWFUL_ERR_DATA, r.error, r.id, r.has_id);
  return take_outcome(d, line.program(), line.outcome(), line.vm().facts());
}

}  // namespace

namespace {
// The entry a call evaluates: the engine's, or the decision it names (kept in the
// scratch for the next call naming the same). "" or why the name is no decision.
std::string use_entry(const lawful_engine& e, Scratch& s, std::string_view decision) {
  if (decision.empty()) return {};
  if (s.named != decision) {
    s.named.clear();
    Entry entry;
    std::string why = choose_entry(*e.program, std::string(decision), entry);
    if (!why.empty()) return why;
    s.named_entry = std::move(entry);
    s.named.assign(decision.data(), decision.size());
  }
  s.line.set_entry(s.named_entry);
  return {};
}

// Sets the scratch back to the engine's entry after a call that named a decision.
class NamedEntry {
 public:
  NamedEntry(const lawful_engine& e, Scratch& s, std::string_view decision)
      : e_(e), s_(s), why_(use_entry(e, s, decision)) {}
  ~NamedEntry() { s_.line.set_entry(e_.entry); }
  NamedEntry(const NamedEntry&) = delete;
  NamedEntry& operator=(const NamedEntry&) = delete;
  const std::string& error() const { return why_; }

 private:
  const lawful_engine& e_;
  Scratch& s_;
  std::string why_;
};
}  // namespace

lawful_status decide_json(const lawful_engine& e, std::string_view contact, std::string_view campaign,
                          lawful_decision& d, std::string_view as_of, std::string_view decision) {
  std::optional<Days> date;
  if (!as_of.empty() && !(date = parse_date(as_of)))
    return fail(LAWFUL_ERR_ARGUMENT, fmt::format("as_of: '{}' is not a date (YYYY-MM-DD)", as_of));
  Filling hold(d);
  if (!hold.held()) return Filling::refused();
  Lease s(e);
  std::optional<NamedEntry> named;  // only for a call that names a decision
  if (!decision.empty() && !named.emplace(e, *s, decision).error().empty())
    return fail(LAWFUL_ERR_ARGUMENT, "decision: " + named->error());
  begin(d, e);
  s->line.set_as_of(date);
  std::string why = s->line.set_campaign(campaign);
  if (!why.empty()) {
    failed(d, LAWFUL_ERR_DATA, why, {}, false);
    return fail(LAWFUL_ERR_DATA, d.error);
  }
  s->line.decide(contact, contact.size());
  lawful_status st = take(d, s->line);
  return st == LAWFUL_OK ? st : fail(st, d.error);
}

lawful_status decide_campaign(const lawful_engine& e, const lawful_campaign& c, std::string_view contact,
                              lawful_decision& d, std::string_view as_of, std::string_view decision) {
  if (c.fingerprint != e.schema->fingerprint)
    return fail(LAWFUL_ERR_SCHEMA, "the campaign was prepared for an engine with another fact schema");
  return decide_json(e, contact, c.json, d, as_of, decision);
}

lawful_status explain_json(const lawful_engine& e, std::string_view contact, std::string_view campaign,
                           std::string_view as_of, lawful_decision& d) {
  Filling hold(d);
  if (!hold.held()) return Filling::refused();
  d.explanation.clear();
  DecideOptions opt;
  if (!as_of.empty()) {
    opt.as_of = parse_date(as_of);
    if (!opt.as_of) return fail(LAWFUL_ERR_ARGUMENT, fmt::format("as_of: '{}' is not a date (YYYY-MM-DD)", as_of));
  }
  begin(d, e);
  Lease s(e);
  // The line is bound (and decided) by the per-line step like any other; a line it
  // refuses has nothing to explain: its error record. The explanation decides again,
  // traced, with the as-of date.
  bool refused = false;
  std::string why = s->line.set_campaign(campaign);
  if (!why.empty()) {
    failed(d, LAWFUL_ERR_DATA, why, {}, false);
    refused = true;
  } else if (const LineResult& r = s->line.decide(contact, contact.size()); !r.decided && !r.run_error) {
    failed(d, LAWFUL_ERR_DATA, r.error, r.id, r.has_id);
    refused = true;
  }
  if (refused) {
    d.explanation = decision_json(d);
    return fail(LAWFUL_ERR_DATA, d.error);
  }
  Explanation x = explain_decision(s->line.vm(), e.entry, opt, e.sources.get());
  d.explanation = explanation_json(x);
  if (!x.outcome.error.empty()) {
    failed(d, LAWFUL_ERR_RUNTIME, x.outcome.error, x.id, x.has_id);
    return fail(LAWFUL_ERR_RUNTIME, d.error);
  }
  return take_outcome(d, *e.program, x.outcome, s->line.vm().facts());
}

lawful_status decide_facts(const lawful_engine& e, const lawful_facts& f, lawful_decision& d) {
  Filling hold(d);
  if (!hold.held()) return Filling::refused();
  begin(d, e);
  if (f.schema->fingerprint != e.schema->fingerprint) {
    failed(d, LAWFUL_ERR_SCHEMA, "the facts were built for an engine with another fact schema", {}, false);
    return fail(LAWFUL_ERR_SCHEMA, d.error);
  }
  if (const char* err = facts_error(f)) {
    failed(d, LAWFUL_ERR_DATA, err, {}, false);
    return fail(LAWFUL_ERR_DATA, d.error);
  }
  Lease s(e);
  s->line.set_as_of(std::nullopt);
  s->line.forget_campaign();  // the store is about to hold other facts
  facts_flatten(f, e, s->line.vm().facts());
  s->line.binder().clear_line_unknown();  // no line was bound: no unknown keys
  s->line.decide_facts();
  lawful_status st = take(d, s->line);
  return st == LAWFUL_OK ? st : fail(st, d.error);
}

namespace {
// Decides texts[0..count) with `line` into decisions[], the i-th numbered first_line + i
// ("line" of its error record; `label` names it in the last error: "contact 3"). `bad`:
// why none can be decided (a campaign that cannot be read): each decision is that error.
lawful_status decide_each(const lawful_engine& e, LineDecider& line, const std::string& bad, const lawful_text* texts,
                          size_t count, uint64_t first_line, const char* label, lawful_decision* const* decisions) {
  lawful_status worst = LAWFUL_OK;
  std::string first;
  for (size_t i = 0; i < count; ++i) {
    lawful_decision& d = *decisions[i];
    Filling hold(d);
    if (!hold.held()) {
      if (worst == LAWFUL_OK) {
        worst = Filling::refused();
        first = fmt::format("{} {}: {}", label, first_line + i, lawful_last_error());
      }
      continue;
    }
    begin(d, e);
    d.line = first_line + i;
    lawful_status st;
    if (!bad.empty()) {
      st = failed(d, LAWFUL_ERR_DATA, bad, {}, false);
    } else {
      std::string_view text = texts[i].data ? std::string_view(texts[i].data, texts[i].len) : std::string_view();
      line.decide(text, text.size());
      st = take(d, line);
    }
    if (st != LAWFUL_OK && worst == LAWFUL_OK) {
      worst = st;
      first = fmt::format("{} {}: {}", label, d.line, d.error);
    }
  }
  return worst == LAWFUL_OK ? worst : fail(worst, first);
}
}  // namespace

lawful_status decide_batch(const lawful_engine& e, std::string_view campaign, const lawful_text* contacts,
                           size_t count, lawful_decision* const* decisions) {
  Lease s(e);
  s->line.set_as_of(std::nullopt);
  std::string bad_campaign = s->line.set_campaign(campaign);
  return decide_each(e, s->line, bad_campaign, contacts, count, 1, "contact", decisions);
}

// ---------------------------------------------------------------- mappings

lawful_mapping* retain(lawful_mapping* m) {
  if (m) m->refs.fetch_add(1, std::memory_order_relaxed);
  return m;
}

void release(lawful_mapping* m) {
  if (m && m->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete_handle(m);
}

lawful_status mapping_load(const lawful_engine& e, const std::string& path, const std::string* text,
                           lawful_mapping** out, DiagList& diags) {
  // The command's loader: the same checks, positions and suggestions as `lawful map`.
  LoadedMapping m = text ? load_mapping_text(path, *text, e.program->schema) : load_mapping(path, e.program->schema);
  diags.add_diagnostics(m.diags, m.sources);
  if (!m.ok()) {
    std::string first = diags.first_error();
    return fail(LAWFUL_ERR_MAPPING, first.empty() ? path + ": the mapping cannot be used" : first);
  }
  auto h = make_handle<lawful_mapping>();
  h->fingerprint = e.schema->fingerprint;
  h->mapping = std::move(m.mapping);
  if (m.sources.size()) h->source = m.sources.text(0);
  *out = h.release();
  return LAWFUL_OK;
}

lawful_status decide_mapped(const lawful_engine& e, const lawful_mapping& m, std::string_view campaign,
                            const std::string_view* header, const lawful_text* rows, size_t count,
                            lawful_decision* const* decisions) {
  if (m.fingerprint != e.schema->fingerprint)
    return fail(LAWFUL_ERR_SCHEMA, "the mapping was loaded for an engine with another fact schema");
  Lease s(e);
  const bool csv = header != nullptr;
  if (!s->mapped || s->mapped_with != m.mapping || s->mapped_csv != csv) {
    LineDecider::Options options;
    options.mapping = m.mapping;
    options.input = csv ? LineInput::MappedCsv : LineInput::MappedJson;
    s->mapped = std::make_unique<LineDecider>(*e.program, e.entry, options, e.names);
    s->mapped_with = m.mapping;
    s->mapped_csv = csv;
  }
  LineDecider& line = *s->mapped;
  line.set_native(e.native());
  line.set_as_of(std::nullopt);
  // Everything a row cannot be decided without: a campaign that cannot be read, a header
  // that lacks a column the mapping reads. Every decision is then that error.
  std::string bad = line.set_campaign(campaign);
  if (bad.empty() && csv) {
    bad = line.set_csv_header(*header);
    if (!bad.empty()) bad = "the header: " + bad;
  }
  // A row's "line" is its line in the export: after the header for CSV.
  return decide_each(e, line, bad, rows, count, csv ? 2 : 1, "line", decisions);
}

// ---------------------------------------------------------------- what a decision says

namespace {
// The subject a record names, from what the decision kept.
RecordSubject subject_of(const lawful_decision& d) {
  RecordSubject s;
  s.id = d.id;
  s.has_id = d.has_id;
  s.country = d.country;
  s.has_country = d.has_country;
  return s;
}
}  // namespace

const char* decision_reason(const lawful_decision& d) {
  if (!d.engine || d.status != LAWFUL_OK || d.verdict() != VerdictCode::Review) return nullptr;
  if (!d.reason_ready) {
    d.reason.clear();
    append_record_reason(d.reason, *d.engine->program, d.outcome, subject_of(d));
    d.reason_ready = true;
  }
  return d.reason.c_str();
}

namespace {
// The missing facts as a list, made on first use.
const std::vector<uint32_t>& missing_of(const lawful_decision& d) {
  if (!d.missing_ready) {
    d.missing.clear();
    size_t n = d.engine ? d.engine->program->schema.paths.size() : 0;
    if (!d.outcome.missing.empty())
      d.outcome.missing.for_each([&](uint32_t p) {
        if (p < n) d.missing.push_back(p);
      });
    d.missing_ready = true;
  }
  return d.missing;
}
}  // namespace

const char* decision_unknown_suggestion(const lawful_decision& d, size_t i) {
  if (i >= d.unknown.size() || d.unknown[i].second < 0) return nullptr;
  return d.unknown_text.c_str() + d.unknown[i].second;
}

size_t decision_count(const lawful_decision& d, lawful_list list) {
  switch (list) {
    case LAWFUL_UNKNOWN: return d.unknown.size();
    case LAWFUL_RULES: return d.outcome.rules.size();
    case LAWFUL_CITES: return d.cites.size();
    case LAWFUL_OBLIGATIONS: return d.outcome.obligations.size();
    case LAWFUL_MISSING: return missing_of(d).size();
  }
  return 0;
}

const char* decision_item(const lawful_decision& d, lawful_list list, size_t i) {
  if (!d.engine) return nullptr;
  if (list == LAWFUL_UNKNOWN) return i < d.unknown.size() ? d.unknown_text.c_str() + d.unknown[i].first : nullptr;
  const Program& prog = *d.engine->program;
  switch (list) {
    case LAWFUL_RULES:
      if (i >= d.outcome.rules.size() || d.outcome.decision < 0) return nullptr;
      return prog.str(prog.decisions[static_cast<size_t>(d.outcome.decision)].rules[d.outcome.rules[i]].name).c_str();
    case LAWFUL_CITES:
      return i < d.cites.size() ? prog.str(d.cites[i]).c_str() : nullptr;
    case LAWFUL_OBLIGATIONS:
      if (i >= d.outcome.obligations.size() || prog.obligation_enum < 0) return nullptr;
      return prog.schema.enums[static_cast<size_t>(prog.obligation_enum)].members[d.outcome.obligations[i]].c_str();
    case LAWFUL_MISSING:
      return i < missing_of(d).size() ? prog.schema.paths[d.missing[i]].name.c_str() : nullptr;
    case LAWFUL_UNKNOWN: break;  // above
  }
  return nullptr;
}

// The record `lawful check` writes for the same line (the same writer), with "version"
// added before its closing brace, and no newline.
const std::string& decision_json(const lawful_decision& d) {
  if (d.json_ready) return d.json;
  std::string& out = d.json;
  out.clear();
  if (!d.engine) {
    out = "null";
    d.json_ready = true;
    return out;
  }
  if (d.status != LAWFUL_OK) append_error_record(out, d.id, d.has_id, d.line, d.error);
  else append_decision_record(out, *d.engine->names, d.outcome, subject_of(d));
  out.resize(out.size() - 2);  // "}\n"
  out += d.engine->version_json;
  d.json_ready = true;
  return out;
}

}  // namespace lawful::api
