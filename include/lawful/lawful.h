/* lawful.h: the C API of lawful, a rules language for privacy and direct-marketing law.
 *
 * Load policies into an engine, describe a contact and a campaign (as JSON text, or field
 * by field through handles), and get a decision: allow (with its legal basis), deny or
 * review, the rules that decided and their citations, the obligations, and the facts a
 * review needs. A reloader keeps an engine current while lawyers change the policies.
 *
 * Rules of the API (docs/embedding.md says more):
 * - Objects are opaque handles, created by a lawful_*_new or load function and released
 *   by the matching lawful_*_free function (which accept NULL). A function that creates
 *   an object sets its out-parameter to NULL when it fails.
 * - Every function that can fail returns a lawful_status. The message of the last
 *   failure on the calling thread is lawful_last_error(). No exception, and no C++ type,
 *   crosses this boundary.
 * - Strings returned by the library are owned by the object they come from and stay
 *   valid until that object is freed or, for a decision, filled again. Lengths passed in
 *   may be LAWFUL_NUL_TERMINATED for a string that ends with a NUL byte.
 * - Threads: an engine is immutable and may be used by any number of threads at once; so
 *   may a reloader. A decision, a facts object and a diagnostics list belong to one thread
 *   at a time.
 */
#ifndef LAWFUL_H
#define LAWFUL_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define LAWFUL_API
#elif defined(__GNUC__)
#  define LAWFUL_API __attribute__((visibility("default")))
#else
#  define LAWFUL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; lawful_version() gives the library's. */
#define LAWFUL_VERSION_MAJOR 0
#define LAWFUL_VERSION_MINOR 1
#define LAWFUL_VERSION_PATCH 0
#define LAWFUL_VERSION_STRING "0.1.0"

#define LAWFUL_NUL_TERMINATED ((size_t)-1)

typedef enum lawful_status {
  LAWFUL_OK = 0,
  LAWFUL_ERR_ARGUMENT = 1,   /* a NULL where an object is needed, an item or field that does not exist */
  LAWFUL_ERR_NOT_FOUND = 2,  /* no field has that path */
  LAWFUL_ERR_TYPE = 3,       /* the field does not take that kind of value */
  LAWFUL_ERR_DATA = 4,       /* facts that do not fit the schema: bad JSON, 'compny' for an entity */
  LAWFUL_ERR_POLICY = 5,     /* policies that do not compile, or bytecode that is refused */
  LAWFUL_ERR_TESTS = 6,      /* policies whose own tests fail (reload) */
  LAWFUL_ERR_RUNTIME = 7,    /* a decision stopped by a run-time error (an arithmetic overflow) */
  LAWFUL_ERR_SCHEMA = 8,     /* facts built for an engine with another fact schema */
  LAWFUL_ERR_BUFFER = 9,     /* the caller's buffer is too small; the size needed was returned */
  LAWFUL_ERR_MEMORY = 10,    /* out of memory */
  LAWFUL_ERR_INTERNAL = 11,  /* a bug in lawful: please report it */
  LAWFUL_ERR_UNSUPPORTED = 12, /* not in this build: the native back end in a library built without LLVM */
  LAWFUL_ERR_MAPPING = 13      /* a mapping of an export's columns that cannot be read or is refused */
} lawful_status;

typedef enum lawful_verdict { LAWFUL_ALLOW = 0, LAWFUL_DENY = 1, LAWFUL_REVIEW = 2 } lawful_verdict;

typedef struct lawful_engine lawful_engine;
typedef struct lawful_diagnostics lawful_diagnostics;
typedef struct lawful_facts lawful_facts;
typedef struct lawful_decision lawful_decision;
typedef struct lawful_reloader lawful_reloader;
typedef struct lawful_campaign lawful_campaign;
typedef struct lawful_mapping lawful_mapping;

/* ------------------------------------------------------------------ library */

/* The library's version, "MAJOR.MINOR.PATCH". */
LAWFUL_API const char* lawful_version(void);
/* "ok", "data error", ... */
LAWFUL_API const char* lawful_status_name(lawful_status status);
/* "allow", "deny" or "review", as decision records name them (any other value: "review"). */
LAWFUL_API const char* lawful_verdict_name(lawful_verdict verdict);
/* Why the last call that failed on this thread failed ("" if none has). Valid until the
 * next failing call on this thread. */
LAWFUL_API const char* lawful_last_error(void);

/* ------------------------------------------------------------------ diagnostics */

/* One message of the compiler (or of a loader, or a failed test of a reload). */
typedef struct lawful_diagnostic {
  int is_error;         /* 1: error, 0: warning */
  const char* code;     /* "E201"; "test" for a failed test; "load" for a file or bytecode refused */
  const char* file;     /* "" when the message is about no file */
  uint32_t line;        /* 1-based; 0 when unknown */
  uint32_t column;      /* 1-based, in bytes; 0 when unknown */
  const char* message;
  const char* help;     /* "did you mean 'entity'?", or "" */
} lawful_diagnostic;

LAWFUL_API size_t lawful_diagnostics_count(const lawful_diagnostics* diags);
/* The i-th message, owned by the list; NULL when i is out of range. */
LAWFUL_API const lawful_diagnostic* lawful_diagnostics_at(const lawful_diagnostics* diags, size_t i);
LAWFUL_API size_t lawful_diagnostics_error_count(const lawful_diagnostics* diags);
/* Every message as `lawful check` prints it: file:line:col, the line, a caret. */
LAWFUL_API const char* lawful_diagnostics_text(const lawful_diagnostics* diags);
LAWFUL_API void lawful_diagnostics_free(lawful_diagnostics* diags);

/* ------------------------------------------------------------------ engines */

/* Which policies an engine holds: `generation` counts versions (1 for an engine loaded
 * directly; a reloader adds one at every swap, and it restarts in every process),
 * `source_hash` is the first 64 bits of the content hash (lawful_engine_content_hash).
 * The content hash and the revision label identify a version across hosts and deploys. */
typedef struct lawful_policy_version {
  uint64_t generation;
  uint64_t source_hash;
} lawful_policy_version;

/* Loads policies: a directory of .law files (with its routing file), one .law file (the
 * other .law files of its directory are available to it), or a compiled .lawc file.
 * On success *engine is set. `diags` may be NULL; otherwise *diags receives every message
 * (warnings on success, errors on failure), to be freed. Fails with LAWFUL_ERR_POLICY. */
LAWFUL_API lawful_status lawful_engine_load_path(const char* path, lawful_engine** engine,
                                                 lawful_diagnostics** diags);
/* One policy from text; `name` is the file name messages show (may be NULL). */
LAWFUL_API lawful_status lawful_engine_load_source(const char* name, const char* text, size_t len,
                                                   lawful_engine** engine, lawful_diagnostics** diags);
/* The bytes of a .lawc file, checked and verified before use. */
LAWFUL_API lawful_status lawful_engine_load_bytecode(const void* bytes, size_t len, lawful_engine** engine,
                                                     lawful_diagnostics** diags);
/* Another reference to the same engine; each reference is released by lawful_engine_free. */
LAWFUL_API lawful_engine* lawful_engine_retain(lawful_engine* engine);
LAWFUL_API void lawful_engine_free(lawful_engine* engine);
LAWFUL_API lawful_policy_version lawful_engine_version(const lawful_engine* engine);
/* The content hash of the engine's policies: SHA-256, in 64 lowercase hex digits, over
 * every file (the standard library's included) by its path relative to the policy root,
 * so the same text gives the same hash from any directory, copy or link. NULL for an
 * engine from a .lawc file of format 3 or older (lawful 0.1 before the hash), or NULL. */
LAWFUL_API const char* lawful_engine_content_hash(const lawful_engine* engine);
/* The revision label the operator gave ("v42", a commit id), or NULL when none: the
 * environment variable LAWFUL_REVISION when the engine was loaded, or
 * lawful_engine_with_revision. */
LAWFUL_API const char* lawful_engine_revision(const lawful_engine* engine);
/* A new engine of the same compiled policies (shared, not compiled again) labelled
 * `revision` (NULL or "": no label): 1 to 128 characters from letters, digits and
 * . _ - + : / @, else LAWFUL_ERR_ARGUMENT. Free it with lawful_engine_free. */
LAWFUL_API lawful_status lawful_engine_with_revision(const lawful_engine* engine, const char* revision,
                                                     lawful_engine** out);
/* A new engine of the same compiled policies (shared) that refuses keys the fact schema
 * lacks (strict != 0): a contact or campaign with one (`objectd`) is a data error naming
 * it and the field it is likely a typo of. The default (strict == 0) accepts them, as
 * CRM exports carry columns of their own, and lists them in each decision
 * (LAWFUL_UNKNOWN). Free it with lawful_engine_free. */
LAWFUL_API lawful_status lawful_engine_with_strict_fields(const lawful_engine* engine, int strict,
                                                          lawful_engine** out);
LAWFUL_API int lawful_engine_strict_fields(const lawful_engine* engine);
/* Which engine decides: the interpreter, or machine code that LLVM compiles from the
 * verified program in process (the native back end). Both give the same decisions. */
typedef enum lawful_backend {
  LAWFUL_BACKEND_VM = 0, /* the interpreter: the default */
  LAWFUL_BACKEND_JIT = 1 /* the native back end */
} lawful_backend;
/* Decisions that start after this returns, on any thread, use `backend`. The first
 * switch to LAWFUL_BACKEND_JIT compiles the program (docs/performance.md gives the time:
 * worth it for many decisions, not for a few), or loads its code from the machine-code
 * cache (docs/embedding.md); the code is kept until the engine is freed.
 * LAWFUL_ERR_UNSUPPORTED when the library has no native back end, LAWFUL_ERR_POLICY when
 * it cannot compile this program (larger than its limits): the interpreter goes on. */
LAWFUL_API lawful_status lawful_engine_set_backend(lawful_engine* engine, lawful_backend backend);
LAWFUL_API lawful_backend lawful_engine_backend(const lawful_engine* engine);
/* The engine's program as .lawc bytes, into the caller's buffer: *size receives the
 * length; LAWFUL_ERR_BUFFER when `capacity` is smaller (buffer may be NULL to ask). */
LAWFUL_API lawful_status lawful_engine_bytecode(const lawful_engine* engine, void* buffer, size_t capacity,
                                                size_t* size);

/* ------------------------------------------------------------------ facts */

/* A fact's path, resolved once ("contact.entity", "contact.consents.channel"). */
typedef uint32_t lawful_field;
/* Where a field is set: LAWFUL_TOP for the contact and the campaign, or an element of a
 * list of records made by lawful_facts_add_record. */
typedef uint32_t lawful_item;
#define LAWFUL_TOP ((lawful_item)0)

/* LAWFUL_ERR_NOT_FOUND, with a suggestion in the message, for a path the schema lacks. */
LAWFUL_API lawful_status lawful_engine_field(const lawful_engine* engine, const char* path, lawful_field* field);

/* Facts for one decision, every field absent (unknown, or its default) until set. Facts
 * made from one engine work with every engine of the same schema (any reload of it). */
LAWFUL_API lawful_status lawful_facts_new(const lawful_engine* engine, lawful_facts** facts);
LAWFUL_API void lawful_facts_free(lawful_facts* facts);
/* Makes "contact", "campaign", or (NULL) both absent again, with every item made in them. */
LAWFUL_API lawful_status lawful_facts_reset(lawful_facts* facts, const char* root);

/* Setters. `item` says where (LAWFUL_TOP, or an element of the list of records the field
 * belongs to). Setting a field inside an optional record (contact.customer) makes the
 * record present. A value that does not fit (an unknown enumeration word, a date that
 * does not exist) fails with LAWFUL_ERR_DATA and is remembered: deciding these facts then
 * gives an error decision until they are reset, as a bad JSON line would. */
LAWFUL_API lawful_status lawful_facts_set_bool(lawful_facts* facts, lawful_item item, lawful_field field, int value);
LAWFUL_API lawful_status lawful_facts_set_int(lawful_facts* facts, lawful_item item, lawful_field field,
                                              int64_t value);
LAWFUL_API lawful_status lawful_facts_set_date(lawful_facts* facts, lawful_item item, lawful_field field, int year,
                                               int month, int day);
/* A string field takes the text; an enumeration field a member's name ("company"); a
 * date field "YYYY-MM-DD". */
LAWFUL_API lawful_status lawful_facts_set_text(lawful_facts* facts, lawful_item item, lawful_field field,
                                               const char* text, size_t len);
/* An optional record (contact.customer) exists, its fields unknown until set. */
LAWFUL_API lawful_status lawful_facts_set_present(lawful_facts* facts, lawful_item item, lawful_field field);
/* A list is known and empty ("consents": []). */
LAWFUL_API lawful_status lawful_facts_set_empty(lawful_facts* facts, lawful_item item, lawful_field field);
/* Appends to a list of strings, enumeration members or dates, by text. */
LAWFUL_API lawful_status lawful_facts_add_text(lawful_facts* facts, lawful_item item, lawful_field field,
                                               const char* text, size_t len);
/* Appends a record to a list of records (contact.consents); *element is where its
 * fields are set. On a data error (the list is full) *element is LAWFUL_NO_ITEM, on which
 * every setter fails with that same data error. */
#define LAWFUL_NO_ITEM ((lawful_item)0xffffffffu)
LAWFUL_API lawful_status lawful_facts_add_record(lawful_facts* facts, lawful_item item, lawful_field field,
                                                 lawful_item* element);
/* The field is absent again (for a record: the whole record; for a list: every element). */
LAWFUL_API lawful_status lawful_facts_clear(lawful_facts* facts, lawful_item item, lawful_field field);
/* The first data error since the facts were last reset, or NULL. */
LAWFUL_API const char* lawful_facts_error(const lawful_facts* facts);

/* ------------------------------------------------------------------ decisions */

/* A decision, reused from call to call (its memory is kept). */
LAWFUL_API lawful_status lawful_decision_new(lawful_decision** decision);
LAWFUL_API void lawful_decision_free(lawful_decision* decision);

/* Decides for one contact and one campaign, each a JSON object (FACTS.md). Fails with
 * LAWFUL_ERR_DATA for facts that do not fit the schema, LAWFUL_ERR_RUNTIME for a run-time
 * error; the decision then holds the error (lawful_decision_error) and its JSON is an
 * error record. */
LAWFUL_API lawful_status lawful_decide_json(const lawful_engine* engine, const char* contact, size_t contact_len,
                                            const char* campaign, size_t campaign_len, lawful_decision* decision);
/* As lawful_decide_json, with the rules taken as in force on `as_of` ("YYYY-MM-DD"; NULL
 * or "": the campaign's send date), as `lawful check --as-of` does. LAWFUL_ERR_ARGUMENT
 * for an `as_of` that is not a date (the decision is then untouched). */
LAWFUL_API lawful_status lawful_decide_json_as_of(const lawful_engine* engine, const char* contact, size_t contact_len,
                                                  const char* campaign, size_t campaign_len, const char* as_of,
                                                  lawful_decision* decision);
/* As lawful_decide_json_as_of, evaluating the decision named `decision_name` ("email";
 * NULL or "": the engine's default, its routing file or its only policy), in the policy
 * the contact is routed to, as `lawful check --decision` does. LAWFUL_ERR_ARGUMENT for a
 * name no policy has (the decision is then untouched). */
LAWFUL_API lawful_status lawful_decide_json_with(const lawful_engine* engine, const char* contact, size_t contact_len,
                                                 const char* campaign, size_t campaign_len, const char* as_of,
                                                 const char* decision_name, lawful_decision* decision);
/* Decides for facts built through the API. */
LAWFUL_API lawful_status lawful_decide_facts(const lawful_engine* engine, const lawful_facts* facts,
                                             lawful_decision* decision);

/* A piece of text: one contact's JSON. */
typedef struct lawful_text {
  const char* data;
  size_t len;
} lawful_text;

/* Decides for `count` contacts and one campaign, on one policy version, into
 * decisions[0..count). LAWFUL_OK when every contact was decided; LAWFUL_ERR_DATA (or
 * LAWFUL_ERR_RUNTIME) when some could not be: their decisions hold the error, and the
 * error record's "line" is their 1-based position. A campaign that cannot be read makes
 * every decision an error. */
LAWFUL_API lawful_status lawful_decide_batch(const lawful_engine* engine, const char* campaign, size_t campaign_len,
                                             const lawful_text* contacts, size_t count,
                                             lawful_decision* const* decisions);

/* ------------------------------------------------------------------ campaigns */

/* A campaign prepared once: read, checked against the engine's schema (JSON, types,
 * enumeration members such as its channel; unknown keys refused if the engine is strict)
 * and against its policies (what it lacks, and what that does to decisions), then
 * immutable: any number of threads may decide with it at once, on this engine or any
 * engine of the same schema (every reload of it). LAWFUL_ERR_DATA, with the reason as
 * the last error, for a campaign that cannot be used; then *campaign is NULL.
 * A campaign that can be used but lacks facts is made, and says so (the lists below):
 * `{}` gives the warning "every decision will be review: campaign.channel missing". */
LAWFUL_API lawful_status lawful_campaign_new(const lawful_engine* engine, const char* json, size_t len,
                                             lawful_campaign** campaign);
/* Another reference to the same campaign; each is released by lawful_campaign_free. */
LAWFUL_API lawful_campaign* lawful_campaign_retain(lawful_campaign* campaign);
LAWFUL_API void lawful_campaign_free(lawful_campaign* campaign);
/* 1 when no contact can be decided otherwise than review with this campaign, for want
 * of facts it lacks (as far as the policies show: each is tried with every fact of the
 * contact unknown); else 0. Without an as_of date given per call. */
LAWFUL_API int lawful_campaign_every_review(const lawful_campaign* campaign);
typedef enum lawful_campaign_list {
  LAWFUL_CAMPAIGN_LACKS = 0,    /* its facts that are absent: "campaign.send_date" */
  LAWFUL_CAMPAIGN_UNKNOWN = 1,  /* its keys the schema lacks (ignored): "campaign.chanel" */
  LAWFUL_CAMPAIGN_WARNINGS = 2  /* each in one line, as `lawful check` prints them at the start */
} lawful_campaign_list;
LAWFUL_API size_t lawful_campaign_count(const lawful_campaign* campaign, lawful_campaign_list list);
/* The i-th item, owned by the campaign; NULL when i is out of range. */
LAWFUL_API const char* lawful_campaign_item(const lawful_campaign* campaign, lawful_campaign_list list, size_t i);
/* Decides for one contact (a JSON object) with a prepared campaign, as lawful_decide_json
 * does; LAWFUL_ERR_SCHEMA for a campaign prepared for another fact schema. */
LAWFUL_API lawful_status lawful_decide_campaign(const lawful_engine* engine, const lawful_campaign* campaign,
                                                const char* contact, size_t contact_len, lawful_decision* decision);
/* The same with an as_of date and a decision name per call (each NULL: none), as
 * lawful_decide_json_with takes them. */
LAWFUL_API lawful_status lawful_decide_campaign_with(const lawful_engine* engine, const lawful_campaign* campaign,
                                                     const char* contact, size_t contact_len, const char* as_of,
                                                     const char* decision_name, lawful_decision* decision);

/* ------------------------------------------------------------------ mappings */

/* A mapping of a CRM export's columns to facts (a TOML file, docs/mappings.md), loaded
 * once and checked against the engine's fact schema, as `lawful map` checks it: a field
 * that does not exist, a conversion to the wrong type, a word that is no member of its
 * enumeration is refused with LAWFUL_ERR_MAPPING (*mapping NULL) and *diags (may be NULL)
 * gives each message with its file, line and column, a suggestion, and the text as the
 * command prints it. Immutable: any number of threads may decide with it at once, on this
 * engine or any engine of the same schema (every reload of it). */
LAWFUL_API lawful_status lawful_mapping_load(const lawful_engine* engine, const char* path, lawful_mapping** mapping,
                                             lawful_diagnostics** diags);
/* The same from the mapping's text; `name` is the file name messages show (may be NULL). */
LAWFUL_API lawful_status lawful_mapping_load_text(const lawful_engine* engine, const char* name, const char* text,
                                                  size_t len, lawful_mapping** mapping, lawful_diagnostics** diags);
/* Another reference to the same mapping; each is released by lawful_mapping_free. */
LAWFUL_API lawful_mapping* lawful_mapping_retain(lawful_mapping* mapping);
LAWFUL_API void lawful_mapping_free(lawful_mapping* mapping);
/* "csv" or "jsonl": the export the mapping says it reads ([mapping] input); NULL for NULL. */
LAWFUL_API const char* lawful_mapping_input(const lawful_mapping* mapping);
/* Decides for `count` rows of an export read through `mapping`, with one campaign, on one
 * policy version, into decisions[0..count), as `lawful check --mapping` decides them.
 * With a `header` (the export's header row, without its end of line), each row is a CSV
 * row under it (cells between the mapping's separator); with header NULL, each row is a
 * JSON object whose keys are the export's columns (a JSON Lines export, or rows a program
 * built). LAWFUL_OK when every row was decided; LAWFUL_ERR_DATA (or _RUNTIME) when some
 * could not be: a value the mapping cannot convert gives that row's decision the error
 * "column Country: 'Atlantis' is not a country (...)", naming the column and the value,
 * and its error record's "line" is the row's line in the export (the header is line 1,
 * so row i, from 0, is line i + 2; without a header, i + 1). An empty cell is an absent
 * fact. A campaign that cannot be read, or a header that lacks a column the mapping
 * reads, makes every decision that error. LAWFUL_ERR_SCHEMA for a mapping loaded for
 * another fact schema. */
LAWFUL_API lawful_status lawful_decide_mapped(const lawful_engine* engine, const lawful_mapping* mapping,
                                              const char* campaign, size_t campaign_len, const char* header,
                                              size_t header_len, const lawful_text* rows, size_t count,
                                              lawful_decision* const* decisions);

/* What a decision says. Strings are NULL where FACTS.md has null. */
LAWFUL_API lawful_verdict lawful_decision_verdict(const lawful_decision* decision);
LAWFUL_API const char* lawful_decision_id(const lawful_decision* decision);       /* the contact's id */
LAWFUL_API const char* lawful_decision_basis(const lawful_decision* decision);    /* for allow */
LAWFUL_API const char* lawful_decision_policy(const lawful_decision* decision);   /* "uk.pecr" */
LAWFUL_API const char* lawful_decision_name(const lawful_decision* decision);     /* "email" */
LAWFUL_API const char* lawful_decision_reason(const lawful_decision* decision);   /* for review, in words */
LAWFUL_API const char* lawful_decision_error(const lawful_decision* decision);    /* when it failed */
/* LAWFUL_OK, or why the decision failed: LAWFUL_ERR_DATA, _RUNTIME or _SCHEMA. */
LAWFUL_API lawful_status lawful_decision_status(const lawful_decision* decision);
LAWFUL_API lawful_policy_version lawful_decision_version(const lawful_decision* decision);
/* The content hash and the revision label of the engine that made the decision (as
 * lawful_engine_content_hash and lawful_engine_revision), NULL before any decision. */
LAWFUL_API const char* lawful_decision_content_hash(const lawful_decision* decision);
LAWFUL_API const char* lawful_decision_revision(const lawful_decision* decision);

/* The lists: rules that decided, their citations, obligations, missing facts, and the
 * keys of the contact (or of a campaign given as text) that no field of the schema has
 * ("contact.objectd"), accepted and ignored; lawful_decision_unknown_suggestion gives the
 * field each is likely a typo of. */
typedef enum lawful_list {
  LAWFUL_RULES = 0,
  LAWFUL_CITES = 1,
  LAWFUL_OBLIGATIONS = 2,
  LAWFUL_MISSING = 3,
  LAWFUL_UNKNOWN = 4
} lawful_list;
LAWFUL_API size_t lawful_decision_count(const lawful_decision* decision, lawful_list list);
LAWFUL_API const char* lawful_decision_item(const lawful_decision* decision, lawful_list list, size_t i);
/* For the i-th key of LAWFUL_UNKNOWN: the field it is likely a typo of
 * ("contact.objected"), or NULL. */
LAWFUL_API const char* lawful_decision_unknown_suggestion(const lawful_decision* decision, size_t i);

/* The decision record of FACTS.md with "decision", "reason" and "version" added, one
 * JSON object without a newline; for a failed decision, the error record. Owned by the
 * decision. `len` may be NULL. */
LAWFUL_API const char* lawful_decision_json(const lawful_decision* decision, size_t* len);

/* Explains the decision for one contact and one campaign (JSON objects, as
 * lawful_decide_json takes them), rule by rule: the JSON object of `lawful explain
 * --json` (docs/commands/explain.md), the same text for the same policies and facts.
 * The decision is made too, into `decision`. `as_of` ("YYYY-MM-DD", or NULL for the
 * campaign's send date) takes rules as in force on that date. *json receives the text,
 * owned by the decision (valid until the decision is reused or freed), without a
 * newline; `len` may be NULL. An engine loaded from source quotes the policies' text; one
 * loaded from a .lawc file says where each rule is. Fails as lawful_decide_json does: for
 * LAWFUL_ERR_DATA *json is the error record; for LAWFUL_ERR_RUNTIME the explanation, whose
 * "outcome" is the error record. LAWFUL_ERR_ARGUMENT for an `as_of` that is not a date
 * (*json is then NULL). */
LAWFUL_API lawful_status lawful_decision_explain_json(const lawful_engine* engine, const char* contact,
                                                      size_t contact_len, const char* campaign, size_t campaign_len,
                                                      const char* as_of, lawful_decision* decision, const char** json,
                                                      size_t* len);

/* ------------------------------------------------------------------ reloading */

/* Keeps an engine current for a policy path (a directory, a .law or a .lawc file). A new
 * version is compiled beside the one serving and swapped in only if it compiles and every
 * test of its policies passes; decisions under way finish on the version they started
 * with; a failed reload keeps the serving version. The first load must succeed (and its
 * tests pass), or lawful_reloader_new fails as a load does. */
LAWFUL_API lawful_status lawful_reloader_new(const char* path, lawful_reloader** reloader,
                                             lawful_diagnostics** diags);
/* Stops watching, then frees. Engines taken from it stay valid. */
LAWFUL_API void lawful_reloader_free(lawful_reloader* reloader);
/* The version serving now: a new reference, released with lawful_engine_free. Decide on
 * it as on any engine; a batch on one engine is on one version. */
LAWFUL_API lawful_engine* lawful_reloader_engine(lawful_reloader* reloader);

/* Compiles the path again now. LAWFUL_OK: *swapped (may be NULL) is 1 if a new version
 * serves, 0 if the sources are unchanged. LAWFUL_ERR_POLICY (does not compile, or cannot
 * be read) or LAWFUL_ERR_TESTS (tests fail): the old version serves on, and *diags (may
 * be NULL) says why. One reload runs at a time; others wait. */
LAWFUL_API lawful_status lawful_reloader_reload(lawful_reloader* reloader, int* swapped, lawful_diagnostics** diags);

/* Labels the version serving now (a copy of it, the same generation) and every version
 * later reloads swap in with `revision` ("v42", a commit id; NULL or "": no label), in
 * place of LAWFUL_REVISION's; the same rules as lawful_engine_with_revision, else
 * LAWFUL_ERR_ARGUMENT and nothing changes. */
LAWFUL_API lawful_status lawful_reloader_set_revision(lawful_reloader* reloader, const char* revision);

/* Called after every reload the watcher makes: the status, the generation serving after
 * it, and the messages (valid during the call only). Runs on the watcher's thread. */
typedef void (*lawful_reload_callback)(void* user_data, lawful_status status, uint64_t generation,
                                       const lawful_diagnostics* diags);
/* Watches the path: every `interval_ms` milliseconds, if the policy files changed (and
 * stayed the same for one more interval), reloads. 0 stops watching. `callback` may be
 * NULL. Replaces an earlier watch. */
LAWFUL_API lawful_status lawful_reloader_watch(lawful_reloader* reloader, uint32_t interval_ms,
                                               lawful_reload_callback callback, void* user_data);
/* The outcome of the last reload attempt: its status, and (may be NULL) its messages.
 * When it failed, lawful_last_error() is then that reload's message. */
LAWFUL_API lawful_status lawful_reloader_last(lawful_reloader* reloader, lawful_diagnostics** diags);
/* 1 if the last reload attempt swapped a new version in; 0 if it failed, or found the
 * policies unchanged (the same content hash as the version serving). */
LAWFUL_API int lawful_reloader_last_swapped(lawful_reloader* reloader);

#ifdef __cplusplus
}
#endif

#endif /* LAWFUL_H */
