// The language server's loop and handlers; see server.h and docs/editors.md.
//
// A reader thread takes messages off standard input into a queue; the main thread
// handles them in order, a batch at a time: `$/cancelRequest` for a request still in the
// batch answers it with RequestCancelled, edits to a document are all applied before it is
// compiled again, and diagnostics are published once the queue is empty (or before a
// request that needs the document's analysis). When standard input ends or the client's
// process (initialize's processId) is gone, the server stops.
#include "lsp/server.h"

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "compiler/format/format.h"
#include "compiler/program_cache.h"
#include "compiler/test_runner.h"
#include "lsp/analysis.h"
#include "runtime/io/input_file.h"

namespace fs = std::filesystem;

namespace lawful::lsp {

namespace {

struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& m) : std::runtime_error(m), code(c) {}
  int code;
};

struct Doc {
  std::string uri, path, text;
  int64_t version = 0;
  bool dirty = true;
  std::shared_ptr<Analysis> analysis;
  json test_diags = json::array();  // the last run of its tests, until the next edit
};

constexpr const char* kRunTests = "lawful.runTests";

bool read_source(const std::string& path, std::string& text) {
  io::ReadOptions o;
  o.limit = ParseLimits{}.max_bytes;
  o.keep_prefix = true;
  return io::read_file(path, text, nullptr, o);
}

json pos_json(Position p) { return {{"line", p.line}, {"character", p.character}}; }

Position pos_of(const json& p) {
  return {p.at("line").get<uint32_t>(), p.at("character").get<uint32_t>()};
}

class Server {
 public:
  explicit Server(const ServerOptions& o) : opt_(o), reader_(o.in_fd), out_(o.out_fd) {}

  int run() {
    std::thread reader([this] { read_loop(); });
    int code = loop();
    // The reader may be blocked in read(): it ends with the process.
    reader.detach();
    return code;
  }

 private:
  ServerOptions opt_;
  MessageReader reader_;
  MessageWriter out_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> queue_;
  bool ended_ = false;

  bool initialized_ = false, shutdown_ = false, exiting_ = false;
  int exit_code_ = 1;
  long parent_pid_ = 0;
  std::map<std::string, Doc> docs_;  // by URI
  std::vector<std::string> dirty_order_;  // documents to analyse, the one edited last first
  std::set<std::string> cancelled_;
  ParseCache parse_cache_;  // the files an edit did not change are not parsed again

  // ------------------------------------------------------------------ the loop
  void read_loop() {
    // Messages that arrived together (one write of the client's, one read here) join the
    // queue together, so that a request and its `$/cancelRequest` are seen in one batch.
    std::vector<json> arrived;
    for (;;) {
      std::string body, error;
      ReadStatus st = reader_.read(body, error);
      if (st != ReadStatus::Message) {
        if (st == ReadStatus::BadFrame) std::fprintf(stderr, "lawful lsp: %s; stopping\n", error.c_str());
        std::lock_guard<std::mutex> lock(mu_);
        for (json& m : arrived) queue_.push_back(std::move(m));
        ended_ = true;
        cv_.notify_one();
        return;
      }
      json m = json::parse(body, nullptr, false);
      if (m.is_discarded())
        out_.write({{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", kParseError}, {"message", "the message is not JSON"}}}});
      else
        arrived.push_back(std::move(m));
      if (reader_.buffered()) continue;
      std::lock_guard<std::mutex> lock(mu_);
      for (json& m2 : arrived) queue_.push_back(std::move(m2));
      arrived.clear();
      cv_.notify_one();
    }
  }

  bool parent_gone() const {
    return parent_pid_ > 0 && ::kill(static_cast<pid_t>(parent_pid_), 0) != 0 && errno == ESRCH;
  }

  int loop() {
    for (;;) {
      std::deque<json> batch;
      bool ended;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(2), [&] { return !queue_.empty() || ended_; });
        batch.swap(queue_);
        ended = ended_;
      }
      if (batch.empty()) {
        if (ended || parent_gone()) return 1;  // the client went away without `exit`
        continue;
      }
      for (const json& m : batch)
        if (m.is_object() && m.value("method", "") == "$/cancelRequest" && m.contains("params") &&
            m["params"].is_object() && m["params"].contains("id"))
          cancelled_.insert(m["params"]["id"].dump());
      for (const json& m : batch) {
        handle(m);
        if (exiting_) return exit_code_;
        if (out_.broken()) return 1;
      }
      cancelled_.clear();
      bool more;
      {
        std::lock_guard<std::mutex> lock(mu_);
        more = !queue_.empty();
      }
      if (!more) publish_dirty();
    }
  }

  void send(json m) {
    m["jsonrpc"] = "2.0";
    out_.write(m);
  }
  void reply(const json& id, json result) { send({{"id", id}, {"result", std::move(result)}}); }
  void reply_error(const json& id, int code, const std::string& message) {
    send({{"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void notify(const std::string& method, json params) { send({{"method", method}, {"params", std::move(params)}}); }

  void handle(const json& m) {
    if (!m.is_object() || !m.contains("method")) {
      if (m.is_object() && m.contains("id") && (m.contains("result") || m.contains("error"))) return;  // a response to us
      reply_error(m.is_object() && m.contains("id") ? m["id"] : json(nullptr), kInvalidRequest, "not a JSON-RPC request");
      return;
    }
    const bool is_request = m.contains("id");
    const json id = is_request ? m["id"] : json(nullptr);
    if (!m["method"].is_string()) {
      if (is_request) reply_error(id, kInvalidRequest, "the method is not a string");
      return;
    }
    const std::string method = m["method"];
    const json params = m.contains("params") ? m["params"] : json::object();
    if (method == "exit") {
      exit_code_ = shutdown_ ? 0 : 1;
      exiting_ = true;
      return;
    }
    if (!is_request) {
      if (!initialized_ || shutdown_) return;
      try {
        notification(method, params);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "lawful lsp: %s: %s\n", method.c_str(), e.what());
      }
      return;
    }
    if (cancelled_.count(id.dump())) {
      reply_error(id, kRequestCancelled, "cancelled");
      return;
    }
    if (!initialized_ && method != "initialize") {
      reply_error(id, kServerNotInitialized, "the server is not initialized");
      return;
    }
    if (shutdown_) {
      reply_error(id, kInvalidRequest, "the server is shutting down");
      return;
    }
    try {
      reply(id, request(method, params));
    } catch (const RpcError& e) {
      reply_error(id, e.code, e.what());
    } catch (const json::exception& e) {
      reply_error(id, kInvalidParams, fmt::format("invalid parameters: {}", e.what()));
    } catch (const std::bad_alloc&) {
      reply_error(id, kInternalError, "out of memory");
    } catch (const std::exception& e) {
      reply_error(id, kInternalError, e.what());
    }
  }

  // ------------------------------------------------------------------ documents
  void mark_dirty(const std::string& uri) {
    auto it = docs_.find(uri);
    if (it == docs_.end()) return;
    it->second.dirty = true;
    dirty_order_.erase(std::remove(dirty_order_.begin(), dirty_order_.end(), uri), dirty_order_.end());
    dirty_order_.insert(dirty_order_.begin(), uri);
    // Other open files of the folder may use this one.
    std::string dir = fs::path(it->second.path).parent_path().string();
    for (auto& [u, d] : docs_)
      if (u != uri && fs::path(d.path).parent_path().string() == dir && !d.dirty) {
        d.dirty = true;
        dirty_order_.push_back(u);
      }
  }

  // The sources of a compilation of `doc`: the document, and the other .law files of its
  // folder (open ones with their editor's text). `all_user`: every file is the user's
  // (for references and rename across the folder).
  void sources_for(const Doc& doc, bool all, std::vector<SourceFile>& user, std::vector<SourceFile>& available) {
    user.push_back({doc.path, doc.text});
    std::map<std::string, const Doc*> open;
    for (const auto& [u, d] : docs_) open[d.path] = &d;
    fs::path dir = fs::path(doc.path).parent_path();
    std::error_code ec;
    std::vector<std::string> paths;
    if (!dir.empty() && fs::is_directory(dir, ec))
      for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".law" && it->path().string() != doc.path) paths.push_back(it->path().string());
    for (const auto& [p, d] : open)
      if (p != doc.path && fs::path(p).parent_path() == dir && std::find(paths.begin(), paths.end(), p) == paths.end())
        paths.push_back(p);
    std::sort(paths.begin(), paths.end());
    std::vector<SourceFile> siblings;
    for (const std::string& p : paths) {
      SourceFile f{p, {}};
      if (auto it = open.find(p); it != open.end()) f.text = it->second->text;
      else if (!read_source(p, f.text)) continue;
      siblings.push_back(std::move(f));
    }
    if (all) {
      for (SourceFile& f : siblings) user.push_back(std::move(f));
      return;
    }
    // Only the files the document may need: those whose module's name it mentions, and
    // so on (a cheap superset of what the compiler takes through `use`, `extends` and
    // routes, so that it does not parse the whole folder on every keystroke).
    std::vector<bool> taken(siblings.size(), false);
    std::vector<std::string> names;
    for (const SourceFile& f : siblings) names.push_back(declared_name(f.text));
    std::vector<const std::string*> todo{&user[0].text};
    while (!todo.empty()) {
      const std::string& t = *todo.back();
      todo.pop_back();
      for (size_t i = 0; i < siblings.size(); ++i)
        if (!taken[i] && !names[i].empty() && names[i] != "\n" && mentions(t, names[i])) {
          taken[i] = true;
          todo.push_back(&siblings[i].text);
        }
    }
    for (size_t i = 0; i < siblings.size(); ++i)
      if (taken[i] || names[i].empty()) available.push_back(std::move(siblings[i]));
  }

  // The name a file declares (`policy uk.pecr`, `module acme.lists`), or "" when none can
  // be seen (the file is then always available: the compiler decides).
  static std::string declared_name(const std::string& text) {
    size_t i = 0;
    while (i < text.size()) {
      size_t eol = text.find('\n', i);
      if (eol == std::string::npos) eol = text.size();
      std::string_view line(text.data() + i, eol - i);
      size_t a = line.find_first_not_of(" \t");
      if (a != std::string_view::npos && line.substr(a, 2) != "//" && line[a] != '#') {
        for (std::string_view kw : {"policy ", "module ", "routing "}) {
          if (line.substr(a, kw.size()) != kw) continue;
          if (kw == "routing ") return "\n";  // a routing file: no other file needs it
          size_t b = line.find_first_not_of(" \t", a + kw.size());
          size_t e = b;
          while (e < line.size() && (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '_' || line[e] == '.')) ++e;
          return b == std::string_view::npos ? std::string() : std::string(line.substr(b, e - b));
        }
        return {};
      }
      i = eol + 1;
    }
    return {};
  }

  // Does `text` contain `name` as a whole dotted name?
  static bool mentions(const std::string& text, const std::string& name) {
    auto part = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
    for (size_t p = text.find(name); p != std::string::npos; p = text.find(name, p + 1))
      if ((p == 0 || !part(text[p - 1])) && (p + name.size() == text.size() || !part(text[p + name.size()]))) return true;
    return false;
  }

  std::shared_ptr<Analysis> analyse(const Doc& doc, bool whole_folder) {
    std::vector<SourceFile> user, available;
    sources_for(doc, whole_folder, user, available);
    CompileOptions o;
    o.lint = !whole_folder;
    o.parse_cache = &parse_cache_;
    auto a = std::make_shared<Analysis>();
    a->comp = compile_sources(std::move(user), std::move(available), o);
    a->file = a->comp.user_files.empty() ? kNoFile : a->comp.user_files[0];
    a->text = doc.text;
    a->index.build(a->comp);
    return a;
  }

  Doc& doc_of(const json& params) {
    std::string uri = params.at("textDocument").at("uri").get<std::string>();
    auto it = docs_.find(uri);
    if (it == docs_.end()) throw RpcError(kInvalidParams, "the document is not open: " + uri);
    return it->second;
  }

  // The document's analysis, up to date (and its diagnostics published if it was not).
  Analysis& current(Doc& d) {
    if (d.dirty || !d.analysis) {
      d.analysis = analyse(d, false);
      d.dirty = false;
      dirty_order_.erase(std::remove(dirty_order_.begin(), dirty_order_.end(), d.uri), dirty_order_.end());
      publish(d);
    }
    return *d.analysis;
  }

  void publish_dirty() {
    std::vector<std::string> order;
    order.swap(dirty_order_);
    for (const std::string& uri : order) {
      auto it = docs_.find(uri);
      if (it != docs_.end() && it->second.dirty) current(it->second);
      // An edit that arrived meanwhile comes first: stop here, the rest wait for the queue.
      std::lock_guard<std::mutex> lock(mu_);
      if (!queue_.empty()) {
        for (const std::string& u : order)
          if (docs_.count(u) && docs_[u].dirty && std::find(dirty_order_.begin(), dirty_order_.end(), u) == dirty_order_.end())
            dirty_order_.push_back(u);
        return;
      }
    }
  }

  // ------------------------------------------------------------------ locations
  std::string stdlib_copy(const std::string& path) {
    // "<stdlib>/std/facts.law": a read-only copy in the cache folder, for the editor to open.
    std::string dir = default_cache_dir();
    if (dir.empty()) return {};
    std::string rel = path.substr(std::string("<stdlib>/").size());
    fs::path out = fs::path(dir) / ("stdlib-" + stdlib_hash()) / rel;
    std::error_code ec;
    if (fs::exists(out, ec)) return out.string();
    for (const SourceFile& f : stdlib_sources()) {
      if (f.path != path) continue;
      fs::create_directories(out.parent_path(), ec);
      std::string tmp = out.string() + ".tmp." + std::to_string(::getpid());
      {
        std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
        o << f.text;
        if (!o) return {};
      }
      fs::permissions(tmp, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read, ec);
      fs::rename(tmp, out, ec);
      return ec ? std::string() : out.string();
    }
    return {};
  }

  std::string uri_of(const Analysis& a, FileId f) {
    const std::string& path = a.comp.sources.path(f);
    for (const auto& [u, d] : docs_)
      if (d.path == path) return u;
    if (path.rfind("<stdlib>/", 0) == 0) {
      std::string copy = stdlib_copy(path);
      return copy.empty() ? std::string() : path_to_uri(copy);
    }
    return path_to_uri(path);
  }

  json location(const Analysis& a, Span s) {
    if (!s.valid()) return nullptr;
    std::string uri = uri_of(a, s.file);
    if (uri.empty()) return nullptr;
    return {{"uri", uri}, {"range", a.range(s)}};
  }

  bool is_stdlib(const Analysis& a, FileId f) const { return a.comp.sources.path(f).rfind("<stdlib>/", 0) == 0; }

  // ------------------------------------------------------------------ diagnostics
  json diagnostic(const Analysis& a, const Diagnostic& d) {
    json out;
    std::string message = d.message;
    if (d.span.valid() && d.span.file != a.file) {
      // In another file this one needs: shown at the top, with where it is.
      LineCol lc = a.comp.sources.line_col(d.span.file, d.span.begin);
      message = fmt::format("{}:{}:{}: {}", fs::path(a.comp.sources.path(d.span.file)).filename().string(), lc.line, lc.col, message);
      out["range"] = a.range({});
    } else {
      out["range"] = a.range(d.span);
    }
    if (!d.help.empty()) message += "\nhelp: " + d.help;
    out["message"] = message;
    out["severity"] = d.severity == Severity::Error ? 1 : 2;
    out["code"] = diag_info(d.code).code;
    out["source"] = "lawful";
    json related = json::array();
    for (const Note& n : d.notes) {
      json loc = location(a, n.span);
      if (!loc.is_null()) related.push_back({{"location", loc}, {"message", n.message}});
    }
    if (d.span.valid() && d.span.file != a.file) {
      json loc = location(a, d.span);
      if (!loc.is_null()) related.push_back({{"location", loc}, {"message", "here"}});
    }
    if (!related.empty()) out["relatedInformation"] = related;
    return out;
  }

  void publish(Doc& d) {
    json list = json::array();
    const Analysis& a = *d.analysis;
    for (const Diagnostic& x : a.comp.diags.all()) {
      if (x.span.valid() && x.span.file != a.file && (x.severity != Severity::Error || is_stdlib(a, x.span.file))) continue;
      list.push_back(diagnostic(*d.analysis, x));
    }
    for (const json& t : d.test_diags) list.push_back(t);
    notify("textDocument/publishDiagnostics", {{"uri", d.uri}, {"version", d.version}, {"diagnostics", list}});
  }

  // ------------------------------------------------------------------ notifications
  void notification(const std::string& method, const json& params) {
    if (method == "textDocument/didOpen") {
      const json& td = params.at("textDocument");
      std::string uri = td.at("uri");
      Doc d;
      d.uri = uri;
      d.path = uri_to_path(uri);
      d.text = td.at("text").get<std::string>();
      d.version = td.value("version", 0);
      docs_[uri] = std::move(d);
      mark_dirty(uri);
    } else if (method == "textDocument/didChange") {
      Doc& d = doc_of(params);
      for (const json& c : params.at("contentChanges")) {
        if (c.contains("range")) {
          const json& r = c["range"];
          apply_edit(d.text, pos_of(r.at("start")), pos_of(r.at("end")), c.at("text").get<std::string>());
        } else {
          d.text = c.at("text").get<std::string>();
        }
      }
      d.version = params["textDocument"].value("version", d.version + 1);
      d.test_diags = json::array();
      mark_dirty(d.uri);
    } else if (method == "textDocument/didClose") {
      std::string uri = params.at("textDocument").at("uri");
      if (docs_.erase(uri)) {
        dirty_order_.erase(std::remove(dirty_order_.begin(), dirty_order_.end(), uri), dirty_order_.end());
        notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}});
      }
    } else if (method == "textDocument/didSave" || method == "workspace/didChangeWatchedFiles") {
      for (auto& [u, d] : docs_)
        if (!d.dirty) {
          d.dirty = true;
          dirty_order_.push_back(u);
        }
    }
    // Others ("initialized", "$/setTrace", "$/cancelRequest" handled in the loop): nothing to do.
  }

  // ------------------------------------------------------------------ requests
  json request(const std::string& method, const json& params) {
    if (method == "initialize") return initialize(params);
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    if (method == "textDocument/hover") return hover(params);
    if (method == "textDocument/definition") return definition(params);
    if (method == "textDocument/references") return references(params);
    if (method == "textDocument/documentHighlight") return highlights(params);
    if (method == "textDocument/documentSymbol") return document_symbols(params);
    if (method == "textDocument/formatting") return formatting(params);
    if (method == "textDocument/completion") return completion(params);
    if (method == "textDocument/prepareRename") return prepare_rename(params);
    if (method == "textDocument/rename") return rename(params);
    if (method == "textDocument/codeLens") return code_lens(params);
    if (method == "textDocument/codeAction") return code_actions(params);
    if (method == "workspace/executeCommand") return execute_command(params);
    throw RpcError(kMethodNotFound, "unknown method: " + method);
  }

  json initialize(const json& params) {
    if (initialized_) throw RpcError(kInvalidRequest, "initialize was sent twice");
    initialized_ = true;
    if (params.contains("processId") && params["processId"].is_number_integer()) parent_pid_ = params["processId"].get<long>();
    return {{"capabilities",
             {{"positionEncoding", "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"referencesProvider", true},
              {"documentHighlightProvider", true},
              {"documentSymbolProvider", true},
              {"documentFormattingProvider", true},
              {"renameProvider", {{"prepareProvider", true}}},
              {"completionProvider", {{"triggerCharacters", {".", "{", " "}}}},
              {"codeLensProvider", {{"resolveProvider", false}}},
              {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
              {"executeCommandProvider", {{"commands", {kRunTests}}}}}},
            {"serverInfo", {{"name", "lawful"}, {"version", opt_.version}}}};
  }

  // The symbol under the cursor, or null.
  const Occurrence* occurrence_at(Analysis& a, const json& params) {
    if (a.file == kNoFile) return nullptr;
    return a.index.at(a.file, a.offset(pos_of(params.at("position"))));
  }

  json hover(const json& params) {
    Analysis& a = current(doc_of(params));
    const Occurrence* o = occurrence_at(a, params);
    if (!o) return nullptr;
    const Symbol& s = a.index.symbols()[o->symbol];
    return {{"contents", {{"kind", "markdown"}, {"value", describe(a, s)}}}, {"range", a.range(o->span)}};
  }

  json definition(const json& params) {
    Analysis& a = current(doc_of(params));
    const Occurrence* o = occurrence_at(a, params);
    if (!o) return nullptr;
    const Symbol& s = a.index.symbols()[o->symbol];
    return location(a, s.name_span.valid() ? s.name_span : s.decl_span);
  }

  // Every occurrence of the symbol under the cursor, across the document's folder.
  std::pair<std::shared_ptr<Analysis>, std::vector<Occurrence>> all_occurrences(Doc& d, const json& params) {
    Analysis& a = current(d);
    const Occurrence* o = occurrence_at(a, params);
    if (!o) return {};
    const Symbol& s = a.index.symbols()[o->symbol];
    std::shared_ptr<Analysis> wide = analyse(d, true);
    int w = wide->index.find(s.key);
    if (w < 0) return {d.analysis, d.analysis->index.occurrences_of(o->symbol)};
    return {wide, wide->index.occurrences_of(static_cast<uint32_t>(w))};
  }

  json references(const json& params) {
    Doc& d = doc_of(params);
    auto [a, occs] = all_occurrences(d, params);
    json out = json::array();
    if (!a) return out;
    const bool with_decl = params.contains("context") && params["context"].value("includeDeclaration", false);
    std::set<std::tuple<FileId, uint32_t, uint32_t>> seen;
    for (const Occurrence& o : occs) {
      if (o.declaration && !with_decl) continue;
      if (!seen.insert({o.span.file, o.span.begin, o.span.end}).second) continue;
      json loc = location(*a, o.span);
      if (!loc.is_null()) out.push_back(loc);
    }
    return out;
  }

  // The symbol's occurrences in this document (declaration: Write, 3; uses: Read, 2).
  json highlights(const json& params) {
    Analysis& a = current(doc_of(params));
    const Occurrence* o = occurrence_at(a, params);
    json out = json::array();
    if (!o) return out;
    for (const Occurrence& x : a.index.occurrences_of(o->symbol))
      if (x.span.file == a.file) out.push_back({{"range", a.range(x.span)}, {"kind", x.declaration ? 3 : 2}});
    return out;
  }

  static bool renameable(SymKind k) {
    return k == SymKind::Let || k == SymKind::Rule || k == SymKind::Decision || k == SymKind::Local ||
           k == SymKind::Obligation;
  }

  json prepare_rename(const json& params) {
    Analysis& a = current(doc_of(params));
    const Occurrence* o = occurrence_at(a, params);
    if (!o) return nullptr;
    const Symbol& s = a.index.symbols()[o->symbol];
    if (!renameable(s.kind))
      throw RpcError(kRequestFailed, "only definitions, rules, decisions, parameters and a policy's obligations can be renamed");
    if (is_stdlib(a, s.name_span.file)) throw RpcError(kRequestFailed, "the standard library cannot be renamed");
    return {{"range", a.range(o->span)}, {"placeholder", s.name}};
  }

  // A rename's edits: every occurrence of the symbol under the cursor and of those renamed
  // with it (Index::rename_group), across the folder, each span once.
  json rename(const json& params) {
    Doc& d = doc_of(params);
    std::string name = params.at("newName");
    if (!is_identifier(name)) throw RpcError(kRequestFailed, fmt::format("'{}' is not a name (or is a keyword)", name));
    Analysis& here = current(d);
    const Occurrence* o = occurrence_at(here, params);
    if (!o) throw RpcError(kRequestFailed, "there is nothing to rename here");
    const Symbol& sym = here.index.symbols()[o->symbol];
    if (!renameable(sym.kind))
      throw RpcError(kRequestFailed, "only definitions, rules, decisions, parameters and a policy's obligations can be renamed");
    std::shared_ptr<Analysis> a = analyse(d, true);
    int w = a->index.find(sym.key);
    if (w < 0) {
      a = d.analysis;
      w = static_cast<int>(o->symbol);
    }
    const std::vector<uint32_t> group = a->index.rename_group(static_cast<uint32_t>(w));
    for (uint32_t g : group) {
      const Symbol& s = a->index.symbols()[g];
      if (s.kind == SymKind::Local || name == s.name) continue;
      // "rule uk.pecr/email/consented" → "rule uk.pecr/email/NAME": a name already taken where it lives.
      std::string taken = s.key.substr(0, s.key.rfind('/') + 1) + name;
      if (a->index.find(taken) >= 0 || a->index.find(taken + "#replace") >= 0)
        throw RpcError(kRequestFailed, fmt::format("'{}' is already defined there", name));
    }
    std::set<std::tuple<FileId, uint32_t, uint32_t>> spans;
    for (uint32_t g : group)
      for (const Occurrence& x : a->index.occurrences_of(g)) {
        if (is_stdlib(*a, x.span.file)) throw RpcError(kRequestFailed, "the standard library cannot be renamed");
        spans.insert({x.span.file, x.span.begin, x.span.end});
      }
    check_rename(*a, spans, name);
    json changes = json::object();
    for (const auto& [f, b, e] : spans) changes[uri_of(*a, f)].push_back({{"range", a->range({f, b, e})}, {"newText", name}});
    return {{"changes", changes}};
  }

  // Refuses a rename that would change what a name means: the folder is compiled again
  // with the edits made, and the renamed spans must be exactly the occurrences of the
  // renamed symbols there (a new name that a parameter, a quantifier's variable or another
  // definition would capture, or that would capture other uses, fails).
  void check_rename(const Analysis& a, const std::set<std::tuple<FileId, uint32_t, uint32_t>>& spans,
                    const std::string& name) {
    std::vector<SourceFile> user;
    std::map<FileId, int64_t> shift;  // by file, growing as the spans are walked in order
    std::set<std::tuple<std::string, uint32_t, uint32_t>> want;  // (path, begin, end) after the edits
    for (const auto& [f, b, e] : spans) {
      int64_t& delta = shift[f];
      uint32_t nb = static_cast<uint32_t>(b + delta);
      want.insert({a.comp.sources.path(f), nb, nb + static_cast<uint32_t>(name.size())});
      delta += static_cast<int64_t>(name.size()) - (e - b);
    }
    for (FileId f : a.comp.user_files) {
      std::string text = a.comp.sources.text(f);
      for (auto it = spans.rbegin(); it != spans.rend(); ++it)
        if (std::get<0>(*it) == f) text.replace(std::get<1>(*it), std::get<2>(*it) - std::get<1>(*it), name);
      user.push_back({a.comp.sources.path(f), std::move(text)});
    }
    Analysis after;
    after.comp = compile_sources(std::move(user), {}, CompileOptions{});
    after.index.build(after.comp);
    std::set<uint32_t> renamed;
    std::map<std::string, FileId> file_of;
    for (FileId f : after.comp.user_files) file_of[after.comp.sources.path(f)] = f;
    auto fail = [&](const std::string& path, uint32_t begin, FileId f) {
      std::string where = fs::path(path).filename().string();
      if (f != kNoFile) {
        LineCol lc = after.comp.sources.line_col(f, begin);
        where += fmt::format(":{}:{}", lc.line, lc.col);
      }
      throw RpcError(kRequestFailed, fmt::format("renaming to '{}' would change what the name at {} refers to", name, where));
    };
    for (const auto& [path, b, e] : want) {
      auto f = file_of.find(path);
      const Occurrence* x = f == file_of.end() ? nullptr : after.index.at(f->second, b);
      if (!x || x->span.begin != b || x->span.end != e) fail(path, b, f == file_of.end() ? kNoFile : f->second);
      renamed.insert(x->symbol);
    }
    for (uint32_t s : renamed)
      for (const Occurrence& x : after.index.occurrences_of(s)) {
        const std::string& path = after.comp.sources.path(x.span.file);
        if (!want.count({path, x.span.begin, x.span.end})) fail(path, x.span.begin, x.span.file);
      }
  }

  json document_symbols(const json& params) {
    Analysis& a = current(doc_of(params));
    json out = json::array();
    const ast::Module* m = a.module();
    if (!m) return out;
    // SymbolKind numbers of the protocol.
    enum { kModule = 2, kNamespace = 3, kClass = 5, kMethod = 6, kField = 8, kEnum = 10, kFunction = 12,
           kVariable = 13, kConstant = 14, kEnumMember = 22, kStruct = 23, kEvent = 24 };
    auto sym = [&](const std::string& name, int kind, Span range, Span sel, const std::string& detail = {}) {
      if (!sel.valid()) sel = range;
      if (!range.valid()) range = sel;
      json j = {{"name", name.empty() ? "?" : name}, {"kind", kind}, {"range", a.range(Span::join(range, sel))},
                {"selectionRange", a.range(sel)}};
      if (!detail.empty()) j["detail"] = detail;
      return j;
    };
    json items = json::array();
    for (const ast::LetDecl& l : m->lets) items.push_back(sym(l.name.text, l.has_params ? kFunction : kVariable, l.span, l.name.span, "definition"));
    for (const ast::ObligationDecl& o : m->obligations) items.push_back(sym(o.name.text, kConstant, o.span, o.name.span, o.title));
    for (const ast::EnumDecl& e : m->enums) {
      json j = sym(e.name.text, kEnum, e.span, e.name.span);
      j["children"] = json::array();
      for (const ast::Name& n : e.members) j["children"].push_back(sym(n.text, kEnumMember, n.span, n.span));
      items.push_back(j);
    }
    for (const ast::RecordDecl& r : m->records) {
      json j = sym(r.name.text, kStruct, r.span, r.name.span);
      j["children"] = json::array();
      for (const ast::FieldDecl& f : r.fields) j["children"].push_back(sym(f.name.text, kField, f.span, f.name.span));
      items.push_back(j);
    }
    for (const ast::DecisionDecl& dd : m->decisions) {
      json j = sym(dd.name.text, kClass, dd.span, dd.name.span, "decision");
      j["children"] = json::array();
      for (const ast::RuleDecl& r : dd.rules)
        j["children"].push_back(sym(r.name.text, kMethod, r.span, r.name.span,
                                    std::string(ast::verdict_text(r.verdict)) + (r.basis ? " basis " + r.basis->text : "")));
      items.push_back(j);
    }
    for (const ast::TestDecl& t : m->tests) items.push_back(sym(t.title, kEvent, t.span, t.span, "test"));
    for (const ast::PropertyDecl& p : m->properties) items.push_back(sym(p.title, kEvent, p.span, p.span, "property"));
    if (m->name.parts.empty()) return items;
    const char* what = m->kind == ast::ModuleKind::Policy ? "policy" : m->kind == ast::ModuleKind::Library ? "module" : "routing";
    Span whole{a.file, 0, static_cast<uint32_t>(a.text.size())};
    json top = sym(m->name.str(), m->kind == ast::ModuleKind::Library ? kNamespace : kModule, whole, m->name.span, what);
    top["children"] = items;
    out.push_back(top);
    return out;
  }

  json formatting(const json& params) {
    Doc& d = doc_of(params);
    SourceManager sm;
    FileId f = sm.add(d.path, d.text);
    Diagnostics diags;
    std::string out, problem;
    if (!format::format_file(sm, f, diags, out, problem)) {
      if (!problem.empty()) throw RpcError(kRequestFailed, "not formatted, because " + problem);
      throw RpcError(kRequestFailed, "the file has syntax errors: it is formatted once they are fixed");
    }
    if (out == d.text) return json::array();
    LineMap map(d.text);
    return json::array({{{"range", {{"start", pos_json({0, 0})},
                                    {"end", pos_json(map.position(d.text, static_cast<uint32_t>(d.text.size())))}}},
                         {"newText", out}}});
  }

  json completion(const json& params) {
    Analysis& a = current(doc_of(params));
    return {{"isIncomplete", false}, {"items", complete(a, a.offset(pos_of(params.at("position"))))}};
  }

  // Quick fixes: a diagnostic whose help is "did you mean 'NAME'?" on a misspelt name
  // offers the replacement (the compiler's suggestion, as `lawful lint` prints it).
  json code_actions(const json& params) {
    Doc& d = doc_of(params);
    Analysis& a = current(d);
    json out = json::array();
    if (a.file == kNoFile) return out;
    const json& r = params.at("range");
    uint32_t from = a.offset(pos_of(r.at("start"))), to = a.offset(pos_of(r.at("end")));
    static const std::string kPrefix = "did you mean '";
    for (const Diagnostic& x : a.comp.diags.all()) {
      if (x.span.file != a.file || x.span.end < from || x.span.begin > to) continue;
      if (x.help.rfind(kPrefix, 0) != 0 || x.help.size() < kPrefix.size() + 3 || x.help.substr(x.help.size() - 2) != "'?") continue;
      std::string name = x.help.substr(kPrefix.size(), x.help.size() - kPrefix.size() - 2);
      std::string_view was(a.comp.sources.text(a.file).data() + x.span.begin, x.span.end - x.span.begin);
      // Only where the diagnostic marks the misspelt word itself (a name or a keyword).
      auto word = [](std::string_view w) {
        return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      };
      if (!word(was) || !word(name)) continue;
      out.push_back({{"title", fmt::format("Change '{}' to '{}'", was, name)},
                     {"kind", "quickfix"},
                     {"isPreferred", true},
                     {"diagnostics", json::array({diagnostic(a, x)})},
                     {"edit", {{"changes", {{d.uri, json::array({{{"range", a.range(x.span)}, {"newText", name}}})}}}}}});
    }
    return out;
  }

  json code_lens(const json& params) {
    Doc& d = doc_of(params);
    Analysis& a = current(d);
    json out = json::array();
    const ast::Module* m = a.module();
    if (!m || m->tests.empty()) return out;
    for (const ast::TestDecl& t : m->tests) {
      json r = a.range({a.file, t.span.begin, t.span.begin});
      out.push_back({{"range", r},
                     {"command", {{"title", fmt::format("▶ Run the {} tests of this file", m->tests.size())},
                                  {"command", kRunTests},
                                  {"arguments", {d.uri}}}}});
    }
    return out;
  }

  json execute_command(const json& params) {
    std::string command = params.at("command");
    if (command != kRunTests) throw RpcError(kInvalidParams, "unknown command: " + command);
    const json& args = params.contains("arguments") ? params["arguments"] : json::array();
    if (args.empty() || !args[0].is_string()) throw RpcError(kInvalidParams, "lawful.runTests takes the document's URI");
    auto it = docs_.find(args[0].get<std::string>());
    if (it == docs_.end()) throw RpcError(kInvalidParams, "the document is not open");
    Doc& d = it->second;
    Analysis& a = current(d);
    json summary = {{"passed", 0}, {"failed", 0}, {"tests", json::array()}};
    d.test_diags = json::array();
    if (!a.comp.ok()) {
      summary["error"] = "the policies have errors: fix them to run the tests";
      notify("window/showMessage", {{"type", 2}, {"message", "lawful: " + summary["error"].get<std::string>()}});
      return summary;
    }
    TestReport report = run_tests(a.comp);
    for (const TestResult& r : report.tests) {
      if (r.file != a.file) continue;
      summary["tests"].push_back({{"title", r.title}, {"passed", r.passed()}, {"line", r.line - 1}});
      summary[r.passed() ? "passed" : "failed"] = summary[r.passed() ? "passed" : "failed"].get<int>() + 1;
      for (size_t i = 0; i < r.failures.size(); ++i) {
        Span s = i < r.failure_spans.size() ? r.failure_spans[i] : Span{a.file, 0, 0};
        d.test_diags.push_back({{"range", a.range(s)},
                                {"severity", 1},
                                {"code", "test"},
                                {"source", "lawful test"},
                                {"message", fmt::format("test \"{}\" fails:\n{}", r.title, r.failures[i])}});
      }
    }
    publish(d);
    return summary;
  }
};

}  // namespace

int run_server(const ServerOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that closed its end: write() fails, the server stops
  // Kept for the life of the process: the reader thread may still be blocked in read()
  // when the loop returns, and must not find the server gone.
  static Server* server = new Server(options);
  return server->run();
}

}  // namespace lawful::lsp
