// Reloading: a new version is compiled and tested beside the one serving, and swapped in
// (one pointer, under a mutex) only if both succeed. Decisions hold a reference to the
// engine they started on, so a swap never changes a decision under way; the old version
// is freed when its last decision lets go. A watcher thread polls the policy files'
// contents and reloads when they changed and then stayed the same for one interval (a
// lawyer saving several files). See internal.h.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/internal.h"
#include "compiler/compiler.h"
#include "compiler/policy_sources.h"
#include "compiler/test_runner.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/io/input_file.h"

namespace lawful::api {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The files a compilation of `path` reads: a directory's .law files, or a .law file and
// its neighbours (compile_path makes them available), or the .lawc file.
std::vector<std::string> watched_files(const std::string& path) {
  std::error_code ec;
  if (ends_with(path, ".lawc")) return {path};
  if (!fs::is_directory(path, ec)) {
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    std::vector<std::string> out;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->path().extension() == ".law") out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  return law_files(path, nullptr);
}

// A hash of the names and contents of the policy files (FNV-1a): it changes when a file
// is added, removed, renamed or edited.
uint64_t signature(const std::string& path) {
  uint64_t h = fnv1a64("lawful policy files");
  for (const std::string& f : watched_files(path)) {
    h = fnv1a64(f, h);
    std::string text;
    io::ReadOptions options;
    options.keep_prefix = true;  // a source that large is refused by the compiler anyway
    if (!io::read_file(f, text, nullptr, options)) {
      h = fnv1a64("\x01unreadable", h);
      continue;
    }
    h = fnv1a64(text, h);
  }
  return h;
}

// A path that is a symbolic link is resolved once per reload, so that a deployment that
// swaps a link to a complete new directory is compiled whole: never half old, half new.
std::string resolved(const std::string& path) {
  std::error_code ec;
  if (!fs::is_symlink(path, ec)) return path;
  fs::path p = fs::canonical(path, ec);
  return ec ? path : p.string();
}

// Compiles and tests the policies at `path`. On success *out is a new engine of the given
// generation, or null when the sources are those of `unchanged_hash`.
lawful_status build(const std::string& path, uint64_t generation, uint64_t unchanged_hash, lawful_engine** out,
                    DiagList& diags) {
  *out = nullptr;
  if (ends_with(path, ".lawc")) {
    lawful_engine* e = nullptr;
    if (lawful_status st = load_path(path, &e, diags)) return st;
    if (e->version.source_hash == unchanged_hash) {
      release(e);
      return LAWFUL_OK;
    }
    e->version.generation = generation;
    e->set_identity(e->revision);
    *out = e;
    return LAWFUL_OK;
  }
  Compilation c = compile_path(path);
  diags.add_compilation(c);
  if (!c.ok()) return fail(LAWFUL_ERR_POLICY, "the policies do not compile: " + diags.first_error());
  if (c.program->source_hash == unchanged_hash) return LAWFUL_OK;
  TestReport report = run_tests(c);
  if (report.failed) {
    diags.add_test_failures(c, report);
    return fail(LAWFUL_ERR_TESTS, fmt::format("{} of {} tests of the policies fail; the first: {}", report.failed,
                                              report.tests.size(), diags.first_error()));
  }
  lawful_status st = engine_from(c.program, generation, out, diags);
  if (st == LAWFUL_OK) (*out)->sources = policy_sources(c);
  return st;
}

// The outcome of a reload, for lawful_reloader_last: on failure `st`'s message is the
// calling thread's last error (set by the failing step).
void record(lawful_reloader& r, lawful_status st, std::shared_ptr<const DiagList> diags, bool swapped) {
  std::string message = st == LAWFUL_OK ? std::string() : std::string(lawful_last_error());
  std::lock_guard<std::mutex> lock(r.last_mutex);
  r.last_status = st;
  r.last_diags = std::move(diags);
  r.last_message = std::move(message);
  r.last_swapped = swapped;
}

void stop_watching(lawful_reloader& r) {
  if (!r.watcher.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(r.watch_mutex);
    r.watch_stop = true;
  }
  r.watch_cv.notify_all();
  r.watcher.join();
  r.watch_stop = false;
}

}  // namespace

lawful_engine* reloader_engine(lawful_reloader& r) {
  std::lock_guard<std::mutex> lock(r.current_mutex);
  return retain(r.current);
}

lawful_status reloader_new(const std::string& path, lawful_reloader** out, DiagList& diags) {
  auto r = make_handle<lawful_reloader>();
  r->path = path;
  std::string now = resolved(path);
  uint64_t sig = signature(now);
  lawful_engine* e = nullptr;
  if (lawful_status st = build(now, 1, 0, &e, diags)) return st;
  r->current = e;
  r->seen_signature = sig;
  *out = r.release();
  return LAWFUL_OK;
}

lawful_status reloader_set_revision(lawful_reloader& r, std::string revision) {
  std::lock_guard<std::mutex> lock(r.reload_mutex);
  lawful_engine* cur = reloader_engine(r);
  lawful_engine* next = nullptr;
  lawful_status st = engine_with_revision(*cur, revision, &next);  // checks the label
  release(cur);
  if (st != LAWFUL_OK) return st;
  r.revision = std::move(revision);
  r.has_revision = true;
  lawful_engine* old;
  {
    std::lock_guard<std::mutex> l(r.current_mutex);
    old = r.current;
    r.current = next;
  }
  release(old);
  return LAWFUL_OK;
}

lawful_status reloader_reload(lawful_reloader& r, bool* swapped, std::shared_ptr<const DiagList>* diags_out) {
  std::lock_guard<std::mutex> lock(r.reload_mutex);
  auto diags = std::make_shared<DiagList>();
  std::string now = resolved(r.path);
  uint64_t sig = signature(now);
  lawful_policy_version serving;
  {
    lawful_engine* cur = reloader_engine(r);
    serving = cur->version;
    release(cur);  // the reloader keeps it: reloads are serialised, so it serves until the swap below
  }
  lawful_engine* next = nullptr;
  lawful_status st = build(now, serving.generation + 1, serving.source_hash, &next, *diags);
  r.seen_signature = sig;
  if (st == LAWFUL_OK && next && r.has_revision) next->set_identity(r.revision);
  if (st == LAWFUL_OK && next) {
    lawful_engine* old;
    {
      std::lock_guard<std::mutex> l(r.current_mutex);
      old = r.current;
      r.current = next;
    }
    release(old);
  }
  if (swapped) *swapped = st == LAWFUL_OK && next != nullptr;
  record(r, st, diags, st == LAWFUL_OK && next != nullptr);
  if (diags_out) *diags_out = diags;
  return st;
}

lawful_status reloader_watch(lawful_reloader& r, uint32_t interval_ms, lawful_reload_callback cb, void* user) {
  std::lock_guard<std::mutex> control(r.watch_control);
  stop_watching(r);
  if (interval_ms == 0) return LAWFUL_OK;
  r.watcher = std::thread([&r, interval_ms, cb, user] {
    bool pending = false;
    uint64_t pending_sig = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(r.watch_mutex);
        if (r.watch_cv.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return r.watch_stop; })) return;
      }
      uint64_t sig = signature(resolved(r.path));
      uint64_t seen;
      {
        std::lock_guard<std::mutex> lock(r.reload_mutex);
        seen = r.seen_signature;
      }
      if (sig == seen) {
        pending = false;
        continue;
      }
      if (!pending || sig != pending_sig) {  // changed: wait one interval for it to settle
        pending = true;
        pending_sig = sig;
        continue;
      }
      pending = false;
      std::shared_ptr<const DiagList> diags;
      lawful_status st;
      try {
        st = reloader_reload(r, nullptr, &diags);
      } catch (const std::exception& e) {
        st = fail(LAWFUL_ERR_INTERNAL, e.what());
        record(r, st, nullptr, false);
      }
      if (cb) {
        lawful_engine* now = reloader_engine(r);
        uint64_t generation = now->version.generation;
        release(now);
        lawful_diagnostics view;
        view.list = diags ? diags : std::make_shared<const DiagList>();
        cb(user, st, generation, &view);
      }
    }
  });
  return LAWFUL_OK;
}

}  // namespace lawful::api

lawful_reloader::~lawful_reloader() {
  {
    std::lock_guard<std::mutex> control(watch_control);
    lawful::api::stop_watching(*this);
  }
  lawful::api::release(current);
}
