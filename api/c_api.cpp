// The C functions of include/lawful/lawful.h: argument checks, the thread's last error,
// and a guard that turns every exception into a status, so that none crosses the
// boundary. The work is done in engine.cpp, facts.cpp and reload.cpp.
#include <cstring>
#include <new>
#include <type_traits>

#include "api/internal.h"
#include "compiler/syntax/diagnostics.h"
#include "runtime/bytecode/serialize.h"

#ifndef LAWFUL_LIBRARY_VERSION
#error "the build defines LAWFUL_LIBRARY_VERSION (the project's version)"
#endif

namespace {

constexpr bool same_text(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
static_assert(same_text(LAWFUL_LIBRARY_VERSION, LAWFUL_VERSION_STRING),
              "include/lawful/lawful.h's LAWFUL_VERSION_* must match the project's version in CMakeLists.txt");

thread_local std::string t_last_error;

using lawful::api::DiagList;
using lawful::api::fail;

template <class F>
lawful_status guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(LAWFUL_ERR_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(LAWFUL_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(LAWFUL_ERR_INTERNAL, "internal error");
  }
}

lawful_status null_argument(const char* what) { return fail(LAWFUL_ERR_ARGUMENT, std::string(what) + " is NULL"); }

using lawful::api::alive;

// LAWFUL_OK for a live handle of its kind; else why not, as the thread's last error.
template <class T>
lawful_status need(const T* p, const char* what) {
  static_assert(!std::is_pointer<T>::value, "need() checks a handle, not an out-parameter");
  if (!p) return null_argument(what);
  if (!alive(p))
    return fail(LAWFUL_ERR_ARGUMENT, std::string(what) + " is not a live handle: freed already, or not made by lawful");
  return LAWFUL_OK;
}

std::string_view text_of(const char* s, size_t len) {
  return len == LAWFUL_NUL_TERMINATED ? std::string_view(s) : std::string_view(s, len);
}

// Runs a load, handing its messages to the caller if asked.
template <class F>
lawful_status load(lawful_engine** engine, lawful_diagnostics** diags, F&& f) noexcept {
  if (diags) *diags = nullptr;
  if (!engine) return null_argument("engine");
  *engine = nullptr;
  return guarded([&] {
    auto dl = std::make_shared<DiagList>();
    std::unique_ptr<lawful_diagnostics> out;
    if (diags) out = std::make_unique<lawful_diagnostics>();
    lawful_status st = f(*dl);
    if (out) {
      out->list = std::move(dl);
      *diags = out.release();
    }
    return st;
  });
}

}  // namespace

// ---------------------------------------------------------------- handles

namespace lawful::api {
namespace {
// In front of each handle's object: its kind, then padding to the allocator's alignment.
constexpr size_t kHeader = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
static_assert(kHeader >= sizeof(std::atomic<uint32_t>));

std::atomic<uint32_t>& tag_of(const void* object) {
  return *reinterpret_cast<std::atomic<uint32_t>*>(const_cast<char*>(static_cast<const char*>(object)) - kHeader);
}

struct Quarantine {
  std::mutex mutex;
  std::deque<char*> blocks;  // oldest first
};
// Never destroyed: its blocks stay reachable until the process ends.
Quarantine& quarantine() {
  static Quarantine* q = new Quarantine;
  return *q;
}
}  // namespace

void* allocate_handle(size_t size) {
  char* block = static_cast<char*>(::operator new(kHeader + size));
  new (block) std::atomic<uint32_t>(static_cast<uint32_t>(HandleKind::Freed));
  return block + kHeader;
}

void set_handle_kind(const void* object, HandleKind kind) {
  tag_of(object).store(static_cast<uint32_t>(kind), std::memory_order_release);
}

HandleKind handle_kind(const void* object) {
  return static_cast<HandleKind>(tag_of(object).load(std::memory_order_acquire));
}

void quarantine_handle(void* object) {
  set_handle_kind(object, HandleKind::Freed);
  char* block = static_cast<char*>(object) - kHeader;
  char* oldest = nullptr;
  {
    Quarantine& q = quarantine();
    std::lock_guard<std::mutex> lock(q.mutex);
    try {
      q.blocks.push_back(block);
    } catch (...) {
      oldest = block;  // no room to keep it: freed now
    }
    if (!oldest && q.blocks.size() > kQuarantine) {
      oldest = q.blocks.front();
      q.blocks.pop_front();
    }
  }
  ::operator delete(oldest);
}
}  // namespace lawful::api

lawful_status lawful::api::fail(lawful_status status, std::string message) {
  try {
    t_last_error = std::move(message);
  } catch (...) {
    t_last_error.clear();
  }
  return status;
}

extern "C" {

// ---------------------------------------------------------------- library

const char* lawful_version(void) { return LAWFUL_LIBRARY_VERSION; }

const char* lawful_verdict_name(lawful_verdict verdict) { return lawful::verdict_name(static_cast<unsigned>(verdict)); }
static_assert(LAWFUL_ALLOW == static_cast<int>(lawful::VerdictCode::Allow) &&
                  LAWFUL_DENY == static_cast<int>(lawful::VerdictCode::Deny) &&
                  LAWFUL_REVIEW == static_cast<int>(lawful::VerdictCode::Review),
              "the C API numbers verdicts as the VM does");

const char* lawful_status_name(lawful_status status) {
  switch (status) {
    case LAWFUL_OK: return "ok";
    case LAWFUL_ERR_ARGUMENT: return "invalid argument";
    case LAWFUL_ERR_NOT_FOUND: return "not found";
    case LAWFUL_ERR_TYPE: return "wrong type";
    case LAWFUL_ERR_DATA: return "data error";
    case LAWFUL_ERR_POLICY: return "policy error";
    case LAWFUL_ERR_TESTS: return "tests fail";
    case LAWFUL_ERR_RUNTIME: return "run-time error";
    case LAWFUL_ERR_SCHEMA: return "schema mismatch";
    case LAWFUL_ERR_BUFFER: return "buffer too small";
    case LAWFUL_ERR_MEMORY: return "out of memory";
    case LAWFUL_ERR_INTERNAL: return "internal error";
    case LAWFUL_ERR_UNSUPPORTED: return "not in this build";
    case LAWFUL_ERR_MAPPING: return "mapping error";
  }
  return "unknown status";
}

const char* lawful_last_error(void) { return t_last_error.c_str(); }

// ---------------------------------------------------------------- diagnostics

size_t lawful_diagnostics_count(const lawful_diagnostics* d) { return d ? d->list->size() : 0; }
const lawful_diagnostic* lawful_diagnostics_at(const lawful_diagnostics* d, size_t i) { return d ? d->list->at(i) : nullptr; }
size_t lawful_diagnostics_error_count(const lawful_diagnostics* d) { return d ? d->list->errors() : 0; }
const char* lawful_diagnostics_text(const lawful_diagnostics* d) { return d ? d->list->text().c_str() : ""; }
void lawful_diagnostics_free(lawful_diagnostics* d) { delete d; }

// ---------------------------------------------------------------- engines

lawful_status lawful_engine_load_path(const char* path, lawful_engine** engine, lawful_diagnostics** diags) {
  return load(engine, diags, [&](DiagList& dl) {
    if (!path) return null_argument("path");
    return lawful::api::load_path(path, engine, dl);
  });
}

lawful_status lawful_engine_load_source(const char* name, const char* text, size_t len, lawful_engine** engine,
                                        lawful_diagnostics** diags) {
  return load(engine, diags, [&](DiagList& dl) {
    if (!text) return null_argument("text");
    return lawful::api::load_source(name && *name ? name : "policy.law", std::string(text_of(text, len)), engine, dl);
  });
}

lawful_status lawful_engine_load_bytecode(const void* bytes, size_t len, lawful_engine** engine,
                                          lawful_diagnostics** diags) {
  return load(engine, diags, [&](DiagList& dl) {
    if (!bytes && len) return null_argument("bytes");
    return lawful::api::load_bytecode(std::string_view(static_cast<const char*>(bytes), len), engine, dl);
  });
}

lawful_engine* lawful_engine_retain(lawful_engine* engine) {
  if (engine && need(engine, "engine")) return nullptr;
  return lawful::api::retain(engine);
}
void lawful_engine_free(lawful_engine* engine) {
  if (engine && !need(engine, "engine")) lawful::api::release(engine);
}

lawful_policy_version lawful_engine_version(const lawful_engine* engine) {
  return alive(engine) ? engine->version : lawful_policy_version{0, 0};
}

const char* lawful_engine_content_hash(const lawful_engine* engine) {
  return alive(engine) && !engine->content_hash.empty() ? engine->content_hash.c_str() : nullptr;
}

const char* lawful_engine_revision(const lawful_engine* engine) {
  return alive(engine) && !engine->revision.empty() ? engine->revision.c_str() : nullptr;
}

lawful_status lawful_engine_with_revision(const lawful_engine* engine, const char* revision, lawful_engine** out) {
  if (!out) return null_argument("out");
  *out = nullptr;
  if (lawful_status st = need(engine, "engine")) return st;
  return guarded([&] { return lawful::api::engine_with_revision(*engine, revision ? revision : "", out); });
}

lawful_status lawful_engine_set_backend(lawful_engine* engine, lawful_backend backend) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (backend != LAWFUL_BACKEND_VM && backend != LAWFUL_BACKEND_JIT)
    return fail(LAWFUL_ERR_ARGUMENT, "the backend must be LAWFUL_BACKEND_VM or LAWFUL_BACKEND_JIT");
  return guarded([&] {
    std::string why;
    if (!engine->set_native(backend == LAWFUL_BACKEND_JIT, why))
      return fail(lawful::jit::available() ? LAWFUL_ERR_POLICY : LAWFUL_ERR_UNSUPPORTED, why);
    return LAWFUL_OK;
  });
}

lawful_backend lawful_engine_backend(const lawful_engine* engine) {
  return alive(engine) && engine->native() ? LAWFUL_BACKEND_JIT : LAWFUL_BACKEND_VM;
}

lawful_status lawful_engine_bytecode(const lawful_engine* engine, void* buffer, size_t capacity, size_t* size) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (!size) return null_argument("size");
  return guarded([&] {
    std::string bytes = lawful::serialize_program(*engine->program);
    *size = bytes.size();
    if (!buffer || capacity < bytes.size())
      return fail(LAWFUL_ERR_BUFFER, "the buffer is smaller than the " + std::to_string(bytes.size()) + " bytes needed");
    std::memcpy(buffer, bytes.data(), bytes.size());
    return LAWFUL_OK;
  });
}

// ---------------------------------------------------------------- facts

lawful_status lawful_engine_field(const lawful_engine* engine, const char* path, lawful_field* field) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (!path) return null_argument("path");
  if (!field) return null_argument("field");
  return guarded([&] {
    int i = engine->schema->find(path);
    if (i < 0) {
      std::vector<std::string> names;
      for (const lawful::api::FieldInfo& f : engine->schema->fields) names.push_back(f.name);
      std::string help = lawful::did_you_mean(path, names);
      return fail(LAWFUL_ERR_NOT_FOUND, std::string("no fact is named '") + path + "'" + (help.empty() ? "" : "; " + help));
    }
    *field = static_cast<lawful_field>(i);
    return LAWFUL_OK;
  });
}

lawful_status lawful_facts_new(const lawful_engine* engine, lawful_facts** facts) {
  if (!facts) return null_argument("facts");
  *facts = nullptr;
  if (lawful_status st = need(engine, "engine")) return st;
  return guarded([&] { return lawful::api::facts_new(*engine, facts); });
}

void lawful_facts_free(lawful_facts* facts) {
  if (facts && !lawful::api::delete_handle(facts)) need(facts, "facts");
}

lawful_status lawful_facts_reset(lawful_facts* facts, const char* root) {
  if (lawful_status st = need(facts, "facts")) return st;
  return guarded([&] { return lawful::api::facts_reset(*facts, root); });
}

namespace {
lawful_status put(lawful_facts* facts, lawful_item item, lawful_field field, const lawful::api::PutValue& v, bool add) {
  if (lawful_status st = need(facts, "facts")) return st;
  return guarded([&] { return lawful::api::facts_put(*facts, item, field, v, add); });
}
}  // namespace

lawful_status lawful_facts_set_bool(lawful_facts* facts, lawful_item item, lawful_field field, int value) {
  lawful::api::PutValue v;
  v.kind = lawful::api::Put::Bool;
  v.number = value != 0;
  return put(facts, item, field, v, false);
}

lawful_status lawful_facts_set_int(lawful_facts* facts, lawful_item item, lawful_field field, int64_t value) {
  lawful::api::PutValue v;
  v.kind = lawful::api::Put::Int;
  v.number = value;
  return put(facts, item, field, v, false);
}

lawful_status lawful_facts_set_date(lawful_facts* facts, lawful_item item, lawful_field field, int year, int month,
                                    int day) {
  lawful::api::PutValue v;
  v.kind = lawful::api::Put::Date;
  v.number = year;
  v.month = month;
  v.day = day;
  return put(facts, item, field, v, false);
}

lawful_status lawful_facts_set_text(lawful_facts* facts, lawful_item item, lawful_field field, const char* text,
                                    size_t len) {
  if (!text) return null_argument("text");
  lawful::api::PutValue v;
  v.kind = lawful::api::Put::Text;
  v.text = text_of(text, len);
  return put(facts, item, field, v, false);
}

lawful_status lawful_facts_add_text(lawful_facts* facts, lawful_item item, lawful_field field, const char* text,
                                    size_t len) {
  if (!text) return null_argument("text");
  lawful::api::PutValue v;
  v.kind = lawful::api::Put::Text;
  v.text = text_of(text, len);
  return put(facts, item, field, v, true);
}

lawful_status lawful_facts_set_present(lawful_facts* facts, lawful_item item, lawful_field field) {
  if (lawful_status st = need(facts, "facts")) return st;
  return guarded([&] { return lawful::api::facts_set_present(*facts, item, field); });
}

lawful_status lawful_facts_set_empty(lawful_facts* facts, lawful_item item, lawful_field field) {
  if (lawful_status st = need(facts, "facts")) return st;
  return guarded([&] { return lawful::api::facts_set_empty(*facts, item, field); });
}

lawful_status lawful_facts_add_record(lawful_facts* facts, lawful_item item, lawful_field field, lawful_item* element) {
  if (lawful_status st = need(facts, "facts")) return st;
  if (!element) return null_argument("element");
  return guarded([&] { return lawful::api::facts_add_record(*facts, item, field, element); });
}

lawful_status lawful_facts_clear(lawful_facts* facts, lawful_item item, lawful_field field) {
  if (lawful_status st = need(facts, "facts")) return st;
  return guarded([&] { return lawful::api::facts_clear(*facts, item, field); });
}

const char* lawful_facts_error(const lawful_facts* facts) { return alive(facts) ? lawful::api::facts_error(*facts) : nullptr; }

// ---------------------------------------------------------------- decisions

lawful_status lawful_decision_new(lawful_decision** decision) {
  if (!decision) return null_argument("decision");
  *decision = nullptr;
  return guarded([&] {
    *decision = lawful::api::new_handle<lawful_decision>();
    return LAWFUL_OK;
  });
}

void lawful_decision_free(lawful_decision* decision) {
  if (decision && !lawful::api::delete_handle(decision)) need(decision, "decision");
}

lawful_status lawful_decide_json(const lawful_engine* engine, const char* contact, size_t contact_len,
                                 const char* campaign, size_t campaign_len, lawful_decision* decision) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (!contact) return null_argument("contact");
  if (!campaign) return null_argument("campaign");
  if (lawful_status st = need(decision, "decision")) return st;
  return guarded([&] {
    return lawful::api::decide_json(*engine, text_of(contact, contact_len), text_of(campaign, campaign_len), *decision);
  });
}

lawful_status lawful_decide_json_as_of(const lawful_engine* engine, const char* contact, size_t contact_len,
                                       const char* campaign, size_t campaign_len, const char* as_of,
                                       lawful_decision* decision) {
  return lawful_decide_json_with(engine, contact, contact_len, campaign, campaign_len, as_of, nullptr, decision);
}

lawful_status lawful_decide_json_with(const lawful_engine* engine, const char* contact, size_t contact_len,
                                      const char* campaign, size_t campaign_len, const char* as_of,
                                      const char* decision_name, lawful_decision* decision) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (!contact) return null_argument("contact");
  if (!campaign) return null_argument("campaign");
  if (lawful_status st = need(decision, "decision")) return st;
  return guarded([&] {
    return lawful::api::decide_json(*engine, text_of(contact, contact_len), text_of(campaign, campaign_len), *decision,
                                    as_of ? std::string_view(as_of) : std::string_view(),
                                    decision_name ? std::string_view(decision_name) : std::string_view());
  });
}

lawful_status lawful_engine_with_strict_fields(const lawful_engine* engine, int strict, lawful_engine** out) {
  if (!out) return null_argument("out");
  *out = nullptr;
  if (lawful_status st = need(engine, "engine")) return st;
  return guarded([&] { return lawful::api::engine_with_strict_fields(*engine, strict != 0, out); });
}

int lawful_engine_strict_fields(const lawful_engine* engine) {
  return need(engine, "engine") == LAWFUL_OK && engine->strict_fields ? 1 : 0;
}

// ---------------------------------------------------------------- campaigns

lawful_status lawful_campaign_new(const lawful_engine* engine, const char* json, size_t len,
                                  lawful_campaign** campaign) {
  if (!campaign) return null_argument("campaign");
  *campaign = nullptr;
  if (lawful_status st = need(engine, "engine")) return st;
  if (!json) return null_argument("json");
  return guarded([&] { return lawful::api::campaign_new(*engine, text_of(json, len), campaign); });
}

lawful_campaign* lawful_campaign_retain(lawful_campaign* campaign) {
  if (need(campaign, "campaign")) return nullptr;
  return lawful::api::retain(campaign);
}

void lawful_campaign_free(lawful_campaign* campaign) {
  if (campaign && need(campaign, "campaign") == LAWFUL_OK) lawful::api::release(campaign);
}

int lawful_campaign_every_review(const lawful_campaign* campaign) {
  return need(campaign, "campaign") == LAWFUL_OK && campaign->report.every_review ? 1 : 0;
}

namespace {
const std::vector<std::string>* campaign_list(const lawful_campaign* c, lawful_campaign_list list) {
  if (need(c, "campaign")) return nullptr;
  switch (list) {
    case LAWFUL_CAMPAIGN_LACKS: return &c->lacks;
    case LAWFUL_CAMPAIGN_UNKNOWN: return &c->unknown;
    case LAWFUL_CAMPAIGN_WARNINGS: return &c->warnings;
  }
  fail(LAWFUL_ERR_ARGUMENT, "no such list of a campaign");
  return nullptr;
}
}  // namespace

size_t lawful_campaign_count(const lawful_campaign* campaign, lawful_campaign_list list) {
  const std::vector<std::string>* l = campaign_list(campaign, list);
  return l ? l->size() : 0;
}

const char* lawful_campaign_item(const lawful_campaign* campaign, lawful_campaign_list list, size_t i) {
  const std::vector<std::string>* l = campaign_list(campaign, list);
  return l && i < l->size() ? (*l)[i].c_str() : nullptr;
}

lawful_status lawful_decide_campaign_with(const lawful_engine* engine, const lawful_campaign* campaign,
                                          const char* contact, size_t contact_len, const char* as_of,
                                          const char* decision_name, lawful_decision* decision) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (lawful_status st = need(campaign, "campaign")) return st;
  if (!contact) return null_argument("contact");
  if (lawful_status st = need(decision, "decision")) return st;
  return guarded([&] {
    return lawful::api::decide_campaign(*engine, *campaign, text_of(contact, contact_len), *decision,
                                        as_of ? std::string_view(as_of) : std::string_view(),
                                        decision_name ? std::string_view(decision_name) : std::string_view());
  });
}

lawful_status lawful_decide_campaign(const lawful_engine* engine, const lawful_campaign* campaign,
                                     const char* contact, size_t contact_len, lawful_decision* decision) {
  return lawful_decide_campaign_with(engine, campaign, contact, contact_len, nullptr, nullptr, decision);
}

lawful_status lawful_decision_explain_json(const lawful_engine* engine, const char* contact, size_t contact_len,
                                           const char* campaign, size_t campaign_len, const char* as_of,
                                           lawful_decision* decision, const char** json, size_t* len) {
  if (json) *json = nullptr;
  if (len) *len = 0;
  if (lawful_status st = need(engine, "engine")) return st;
  if (!contact) return null_argument("contact");
  if (!campaign) return null_argument("campaign");
  if (lawful_status st = need(decision, "decision")) return st;
  if (!json) return null_argument("json");
  lawful_status st = guarded([&] {
    return lawful::api::explain_json(*engine, text_of(contact, contact_len), text_of(campaign, campaign_len),
                                     as_of ? std::string_view(as_of) : std::string_view(), *decision);
  });
  if (st != LAWFUL_ERR_ARGUMENT && !decision->explanation.empty()) {
    *json = decision->explanation.c_str();
    if (len) *len = decision->explanation.size();
  }
  return st;
}

lawful_status lawful_decide_facts(const lawful_engine* engine, const lawful_facts* facts, lawful_decision* decision) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (lawful_status st = need(facts, "facts")) return st;
  if (lawful_status st = need(decision, "decision")) return st;
  return guarded([&] { return lawful::api::decide_facts(*engine, *facts, *decision); });
}

lawful_status lawful_decide_batch(const lawful_engine* engine, const char* campaign, size_t campaign_len,
                                  const lawful_text* contacts, size_t count, lawful_decision* const* decisions) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (!campaign) return null_argument("campaign");
  if (count && !contacts) return null_argument("contacts");
  if (count && !decisions) return null_argument("decisions");
  for (size_t i = 0; i < count; ++i)
    if (need(decisions[i], "decisions[]")) return need(decisions[i], ("decisions[" + std::to_string(i) + "]").c_str());
  return guarded(
      [&] { return lawful::api::decide_batch(*engine, text_of(campaign, campaign_len), contacts, count, decisions); });
}

// ---------------------------------------------------------------- mappings

namespace {
lawful_status mapping_load(const lawful_engine* engine, const char* path, const std::string* text,
                           lawful_mapping** mapping, lawful_diagnostics** diags) noexcept {
  if (diags) *diags = nullptr;
  if (!mapping) return null_argument("mapping");
  *mapping = nullptr;
  if (lawful_status st = need(engine, "engine")) return st;
  return guarded([&] {
    auto dl = std::make_shared<DiagList>();
    lawful_status st = lawful::api::mapping_load(*engine, path, text, mapping, *dl);
    if (diags) {
      auto out = std::make_unique<lawful_diagnostics>();
      out->list = std::move(dl);
      *diags = out.release();
    }
    return st;
  });
}
}  // namespace

lawful_status lawful_mapping_load(const lawful_engine* engine, const char* path, lawful_mapping** mapping,
                                  lawful_diagnostics** diags) {
  if (!path) {
    if (diags) *diags = nullptr;
    if (mapping) *mapping = nullptr;
    return null_argument("path");
  }
  return mapping_load(engine, path, nullptr, mapping, diags);
}

lawful_status lawful_mapping_load_text(const lawful_engine* engine, const char* name, const char* text, size_t len,
                                       lawful_mapping** mapping, lawful_diagnostics** diags) {
  if (!text) {
    if (diags) *diags = nullptr;
    if (mapping) *mapping = nullptr;
    return null_argument("text");
  }
  return guarded([&] {
    std::string body(text_of(text, len));
    return mapping_load(engine, name && *name ? name : "mapping.toml", &body, mapping, diags);
  });
}

lawful_mapping* lawful_mapping_retain(lawful_mapping* mapping) {
  if (need(mapping, "mapping")) return nullptr;
  return lawful::api::retain(mapping);
}

void lawful_mapping_free(lawful_mapping* mapping) {
  if (mapping && need(mapping, "mapping") == LAWFUL_OK) lawful::api::release(mapping);
}

const char* lawful_mapping_input(const lawful_mapping* mapping) {
  if (need(mapping, "mapping")) return nullptr;
  return mapping->mapping->format.c_str();
}

lawful_status lawful_decide_mapped(const lawful_engine* engine, const lawful_mapping* mapping, const char* campaign,
                                   size_t campaign_len, const char* header, size_t header_len,
                                   const lawful_text* rows, size_t count, lawful_decision* const* decisions) {
  if (lawful_status st = need(engine, "engine")) return st;
  if (lawful_status st = need(mapping, "mapping")) return st;
  if (!campaign) return null_argument("campaign");
  if (count && !rows) return null_argument("rows");
  if (count && !decisions) return null_argument("decisions");
  for (size_t i = 0; i < count; ++i)
    if (need(decisions[i], "decisions[]")) return need(decisions[i], ("decisions[" + std::to_string(i) + "]").c_str());
  return guarded([&] {
    std::string_view head = header ? text_of(header, header_len) : std::string_view();
    return lawful::api::decide_mapped(*engine, *mapping, text_of(campaign, campaign_len), header ? &head : nullptr,
                                      rows, count, decisions);
  });
}

lawful_verdict lawful_decision_verdict(const lawful_decision* d) {
  return alive(d) ? static_cast<lawful_verdict>(d->verdict()) : LAWFUL_REVIEW;
}

namespace {
const lawful::Program* program_of(const lawful_decision* d) {
  return alive(d) && d->engine && d->status == LAWFUL_OK ? d->engine->program.get() : nullptr;
}
}  // namespace

const char* lawful_decision_id(const lawful_decision* d) { return alive(d) && d->has_id ? d->id.c_str() : nullptr; }

const char* lawful_decision_basis(const lawful_decision* d) {
  const lawful::Program* p = program_of(d);
  if (!p || d->basis() < 0 || p->basis_enum < 0) return nullptr;
  return p->schema.enums[static_cast<size_t>(p->basis_enum)].members[static_cast<size_t>(d->basis())].c_str();
}

const char* lawful_decision_policy(const lawful_decision* d) {
  const lawful::Program* p = program_of(d);
  return p && d->outcome.policy >= 0 ? p->str(p->policies[static_cast<size_t>(d->outcome.policy)].name).c_str() : nullptr;
}

const char* lawful_decision_name(const lawful_decision* d) {
  const lawful::Program* p = program_of(d);
  return p && d->outcome.decision >= 0 ? p->str(p->decisions[static_cast<size_t>(d->outcome.decision)].name).c_str() : nullptr;
}

const char* lawful_decision_reason(const lawful_decision* d) {
  if (!alive(d)) return nullptr;
  try {
    return lawful::api::decision_reason(*d);
  } catch (...) {
    fail(LAWFUL_ERR_MEMORY, "out of memory");
    return nullptr;
  }
}

const char* lawful_decision_error(const lawful_decision* d) {
  return alive(d) && d->status != LAWFUL_OK ? d->error.c_str() : nullptr;
}

lawful_status lawful_decision_status(const lawful_decision* d) {
  if (lawful_status st = need(d, "decision")) return st;
  return d->status;
}

lawful_policy_version lawful_decision_version(const lawful_decision* d) {
  return alive(d) && d->engine ? d->engine->version : lawful_policy_version{0, 0};
}

const char* lawful_decision_content_hash(const lawful_decision* d) {
  return alive(d) ? lawful_engine_content_hash(d->engine) : nullptr;
}

const char* lawful_decision_revision(const lawful_decision* d) { return alive(d) ? lawful_engine_revision(d->engine) : nullptr; }

size_t lawful_decision_count(const lawful_decision* d, lawful_list list) {
  if (!program_of(d)) return 0;
  try {
    return lawful::api::decision_count(*d, list);
  } catch (...) {
    fail(LAWFUL_ERR_MEMORY, "out of memory");
    return 0;
  }
}

const char* lawful_decision_unknown_suggestion(const lawful_decision* d, size_t i) {
  if (!program_of(d)) return nullptr;
  return lawful::api::decision_unknown_suggestion(*d, i);
}

const char* lawful_decision_item(const lawful_decision* d, lawful_list list, size_t i) {
  if (!program_of(d)) return nullptr;
  try {
    return lawful::api::decision_item(*d, list, i);
  } catch (...) {
    fail(LAWFUL_ERR_MEMORY, "out of memory");
    return nullptr;
  }
}

const char* lawful_decision_json(const lawful_decision* d, size_t* len) {
  static const char kNull[] = "null";
  const char* out = kNull;
  size_t n = 4;
  if (alive(d)) {
    try {
      const std::string& j = lawful::api::decision_json(*d);
      out = j.c_str();
      n = j.size();
    } catch (...) {
      fail(LAWFUL_ERR_MEMORY, "out of memory");
    }
  }
  if (len) *len = n;
  return out;
}

// ---------------------------------------------------------------- reloading

lawful_status lawful_reloader_new(const char* path, lawful_reloader** reloader, lawful_diagnostics** diags) {
  if (diags) *diags = nullptr;
  if (!reloader) return null_argument("reloader");
  *reloader = nullptr;
  if (!path) return null_argument("path");
  return guarded([&] {
    auto dl = std::make_shared<DiagList>();
    std::unique_ptr<lawful_diagnostics> out;
    if (diags) out = std::make_unique<lawful_diagnostics>();
    lawful_status st = lawful::api::reloader_new(path, reloader, *dl);
    if (out) {
      out->list = std::move(dl);
      *diags = out.release();
    }
    return st;
  });
}

void lawful_reloader_free(lawful_reloader* reloader) {
  if (reloader && !lawful::api::delete_handle(reloader)) need(reloader, "reloader");
}

lawful_engine* lawful_reloader_engine(lawful_reloader* reloader) {
  if (need(reloader, "reloader")) return nullptr;
  return lawful::api::reloader_engine(*reloader);
}

lawful_status lawful_reloader_set_revision(lawful_reloader* reloader, const char* revision) {
  if (lawful_status st = need(reloader, "reloader")) return st;
  return guarded([&] { return lawful::api::reloader_set_revision(*reloader, revision ? revision : ""); });
}

lawful_status lawful_reloader_reload(lawful_reloader* reloader, int* swapped, lawful_diagnostics** diags) {
  if (diags) *diags = nullptr;
  if (swapped) *swapped = 0;
  if (lawful_status st = need(reloader, "reloader")) return st;
  return guarded([&] {
    std::unique_ptr<lawful_diagnostics> out;
    if (diags) out = std::make_unique<lawful_diagnostics>();
    bool did = false;
    std::shared_ptr<const DiagList> dl;
    lawful_status st = lawful::api::reloader_reload(*reloader, &did, &dl);
    if (swapped) *swapped = did ? 1 : 0;
    if (out) {
      out->list = std::move(dl);
      *diags = out.release();
    }
    return st;
  });
}

lawful_status lawful_reloader_watch(lawful_reloader* reloader, uint32_t interval_ms, lawful_reload_callback callback,
                                    void* user_data) {
  if (lawful_status st = need(reloader, "reloader")) return st;
  return guarded([&] { return lawful::api::reloader_watch(*reloader, interval_ms, callback, user_data); });
}

int lawful_reloader_last_swapped(lawful_reloader* reloader) {
  if (need(reloader, "reloader")) return 0;
  std::lock_guard<std::mutex> lock(reloader->last_mutex);
  return reloader->last_swapped ? 1 : 0;
}

lawful_status lawful_reloader_last(lawful_reloader* reloader, lawful_diagnostics** diags) {
  if (diags) *diags = nullptr;
  if (lawful_status st = need(reloader, "reloader")) return st;
  return guarded([&] {
    std::unique_ptr<lawful_diagnostics> out;
    if (diags) out = std::make_unique<lawful_diagnostics>();
    lawful_status st;
    std::shared_ptr<const DiagList> dl;
    {
      std::lock_guard<std::mutex> lock(reloader->last_mutex);
      st = reloader->last_status;
      dl = reloader->last_diags;
      // The reload's own message, not whatever failed last on this thread.
      if (st != LAWFUL_OK) fail(st, reloader->last_message);
    }
    if (out) {
      out->list = dl ? std::move(dl) : std::make_shared<const DiagList>();
      *diags = out.release();
    }
    return st;
  });
}

}  // extern "C"
