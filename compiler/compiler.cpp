// The compiler driver: parse, analyse, generate, verify; see compiler.h.
#include "compiler/compiler.h"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "compiler/codegen/codegen.h"
#include "compiler/path_files.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/sha256.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/io/input_file.h"

namespace fs = std::filesystem;

namespace lawful {

bool Compilation::is_user_file(FileId f) const {
  return std::find(user_files.begin(), user_files.end(), f) != user_files.end();
}

namespace {

struct Parsed {
  std::shared_ptr<const ast::Module> module;
  Diagnostics diags;
  FileId file = kNoFile;
};

// The names a module needs from others.
std::vector<std::string> needs_of(const ast::Module& m) {
  std::vector<std::string> out;
  if (m.extends) out.push_back(m.extends->str());
  for (const auto& u : m.uses) out.push_back(u.module.str());
  for (const auto& r : m.routes)
    if (r.target) out.push_back(r.target->str());
  return out;
}

// The standard library parsed, for the compilations that follow in this process
// (CompileOptions::reuse_stdlib). Its text is built into the binary, so only two things
// make one parse differ from another: the FileIds its spans carry (the library's files
// come after the user's and the available files they take, so they move with their
// number) and the parse limits. An entry is kept for each; the modules are immutable and
// shared, so a compilation on another thread may hold an entry while it is replaced.
struct StdlibParse {
  std::vector<std::shared_ptr<const ast::Module>> modules;
  std::vector<Diagnostics> diags;
};

class StdlibCache {
 public:
  // The library's files are already in `sm`, from `first` on, in stdlib_sources() order.
  std::shared_ptr<const StdlibParse> get(const SourceManager& sm, FileId first, const ParseLimits& limits) {
    Key key{first, limits.max_bytes, limits.max_depth, limits.max_errors};
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return it->second;
    }
    // Parsed outside the lock: two threads may both parse the same entry; one is kept.
    auto parse = std::make_shared<StdlibParse>(parse_stdlib(sm, first, limits));
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() >= kMaxEntries && !entries_.count(key)) entries_.clear();
    return entries_.emplace(key, std::move(parse)).first->second;
  }

  static StdlibParse parse_stdlib(const SourceManager& sm, FileId first, const ParseLimits& limits) {
    StdlibParse p;
    for (size_t i = 0; i < stdlib_sources().size(); ++i) {
      FileId f = first + static_cast<FileId>(i);
      p.diags.emplace_back();
      p.modules.push_back(parse_module(sm, f, p.diags.back(), limits));
    }
    return p;
  }

 private:
  using Key = std::tuple<FileId, size_t, int, int>;
  static constexpr size_t kMaxEntries = 16;  // compilations of up to 16 numberings
  std::mutex mu_;
  std::map<Key, std::shared_ptr<const StdlibParse>> entries_;
};

// Never destroyed: a thread still compiling while the process exits must not find it gone.
StdlibCache& stdlib_cache() {
  static StdlibCache* cache = new StdlibCache;
  return *cache;
}

}  // namespace

namespace {

// Parsing, analysis and code generation recurse along expressions. The limits (E106,
// SemaLimits) bound the depth, but what a level costs depends on the build (a sanitizer
// build's frames are several times larger) and the caller's thread may have a small
// stack. So compilation runs on a thread of its own with a stack sized for the limits,
// not for the caller: the deepest input the limits allow compiles in every build.
constexpr size_t kCompileStack = size_t{256} << 20;  // reserved, committed only as used

template <class F>
void run_with_compile_stack(F& f) {
  struct Job {
    F* f;
    std::exception_ptr error;
  } job{&f, nullptr};
  pthread_attr_t attr;
  pthread_t thread;
  bool started = pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, kCompileStack) == 0 &&
                 pthread_create(
                     &thread, &attr,
                     [](void* p) -> void* {
                       Job* j = static_cast<Job*>(p);
                       try {
                         (*j->f)();
                       } catch (...) {
                         j->error = std::current_exception();
                       }
                       return nullptr;
                     },
                     &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) {
    f();  // no thread to be had: compile here, on the caller's stack
    return;
  }
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

Compilation compile_here(std::vector<SourceFile> user, std::vector<SourceFile> available, const CompileOptions& options);

}  // namespace

std::shared_ptr<const ParseCache::Entry> ParseCache::find(const std::string& path, FileId file, const std::string& text,
                                                         const ParseLimits& limits) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find({path, file});
  if (it == entries_.end()) return nullptr;
  const Entry& e = *it->second;
  if (e.text != text || e.limits.max_bytes != limits.max_bytes || e.limits.max_depth != limits.max_depth ||
      e.limits.max_errors != limits.max_errors)
    return nullptr;
  ++hits_;
  return it->second;
}

void ParseCache::store(const std::string& path, FileId file, std::shared_ptr<const Entry> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= kMaxEntries && !entries_.count({path, file})) entries_.clear();
  entries_[{path, file}] = std::move(entry);
}

size_t ParseCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

Compilation compile_sources(std::vector<SourceFile> user, std::vector<SourceFile> available, const CompileOptions& options) {
  Compilation c;
  auto job = [&] { c = compile_here(std::move(user), std::move(available), options); };
  try {
    run_with_compile_stack(job);
  } catch (const std::bad_alloc&) {
    // Every phase is meant to take memory linear in the source; this is the backstop
    // for a machine (or a ulimit) with less than that.
    c = Compilation();
    c.diags.error(DiagCode::TooMany, {}, "there is not enough memory to compile these policies");
  }
  return c;
}

namespace {

Compilation compile_here(std::vector<SourceFile> user, std::vector<SourceFile> available, const CompileOptions& options) {
  Compilation c;
  std::vector<Parsed> parsed;
  auto parse = [&](SourceFile f) {
    Parsed p;
    p.file = c.sources.add(std::move(f.path), std::move(f.text));
    ParseCache* cache = options.parse_cache;
    const std::string& path = c.sources.path(p.file);
    if (auto kept = cache ? cache->find(path, p.file, c.sources.text(p.file), options.parse) : nullptr) {
      p.module = kept->module;
      p.diags = kept->diags;
      return p;
    }
    p.module = parse_module(c.sources, p.file, p.diags, options.parse);
    if (cache)
      cache->store(path, p.file, std::make_shared<const ParseCache::Entry>(
                                     ParseCache::Entry{c.sources.text(p.file), options.parse, p.module, p.diags}));
    return p;
  };
  for (SourceFile& f : user) {
    Parsed p = parse(std::move(f));
    c.user_files.push_back(p.file);
    parsed.push_back(std::move(p));
  }
  // Files that are available but not given: included when something needs them.
  std::vector<Parsed> extra;
  for (SourceFile& f : available) extra.push_back(parse(std::move(f)));
  std::set<std::string> defined;
  std::vector<std::string> wanted;
  for (const Parsed& p : parsed) {
    if (p.module->kind != ast::ModuleKind::None) defined.insert(p.module->name.str());
    for (auto& n : needs_of(*p.module)) wanted.push_back(n);
  }
  std::vector<bool> taken(extra.size(), false);
  while (!wanted.empty()) {
    std::string n = wanted.back();
    wanted.pop_back();
    if (defined.count(n)) continue;
    for (size_t i = 0; i < extra.size(); ++i) {
      if (taken[i] || extra[i].module->kind == ast::ModuleKind::None || extra[i].module->name.str() != n) continue;
      taken[i] = true;
      defined.insert(n);
      for (auto& m : needs_of(*extra[i].module)) wanted.push_back(m);
    }
  }
  for (size_t i = 0; i < extra.size(); ++i)
    if (taken[i]) parsed.push_back(std::move(extra[i]));
  FileId first_std = static_cast<FileId>(c.sources.size());
  for (const SourceFile& f : stdlib_sources()) c.sources.add(f.path, f.text);
  std::shared_ptr<const StdlibParse> std_parse =
      options.reuse_stdlib
          ? stdlib_cache().get(c.sources, first_std, options.parse)
          : std::make_shared<StdlibParse>(StdlibCache::parse_stdlib(c.sources, first_std, options.parse));
  for (size_t i = 0; i < std_parse->modules.size(); ++i) {
    Parsed p;
    p.file = first_std + static_cast<FileId>(i);
    p.module = std_parse->modules[i];
    p.diags = std_parse->diags[i];
    parsed.push_back(std::move(p));
  }

  std::vector<const ast::Module*> modules;
  std::vector<std::pair<std::string, std::string_view>> hashed;
  for (Parsed& p : parsed) {
    c.diags.append(p.diags);
    modules.push_back(p.module.get());
    hashed.emplace_back(relative_to_root(c.sources.path(p.file), options.root), c.sources.text(p.file));
    c.modules.push_back(std::move(p.module));
  }
  // Slips the AST builder reports itself (`&&`, `=`, a bad date) leave a whole tree, so
  // analysis goes on and finds more; when the parser lost its way, it stops here.
  bool tree_broken = std::any_of(c.diags.all().begin(), c.diags.all().end(), [](const Diagnostic& d) {
    switch (d.code) {
      case DiagCode::CStyleLogic:
      case DiagCode::SingleEquals:
      case DiagCode::BadDate:
      case DiagCode::BadDuration:
      case DiagCode::BadLiteral:
        return false;
      default:
        return d.severity == Severity::Error;
    }
  });
  if (tree_broken) {
    c.diags.sort();
    return c;
  }
  auto prog = std::make_shared<Program>();
  prog->content_hash = content_hash(std::move(hashed));
  // The first 64 bits of the content hash, so that the two agree (and neither depends
  // on where the files are).
  prog->source_hash = std::stoull(prog->content_hash.substr(0, 16), nullptr, 16);
  sema::SemaOptions sopt;
  sopt.lint = options.lint;
  sema::SemaResult sr = sema::analyze(modules, c.sources, c.diags, *prog, sopt);
  c.diags.sort();
  if (c.diags.has_errors()) return c;
  try {
    codegen::generate(sr.functions, c.sources, *prog);
  } catch (const std::bad_alloc&) {
    throw;  // compile_sources says memory ran out
  } catch (const std::exception& e) {
    c.diags.error(DiagCode::TooMany, {}, fmt::format("the compiled program exceeds a limit: {}", e.what()));
    return c;
  }
  std::string bad = verify_program(*prog);
  if (!bad.empty()) {
    c.diags.error(DiagCode::TooMany, {}, fmt::format("internal error: the compiled program fails verification: {}", bad));
    return c;
  }
  for (sema::CompiledTest& t : sr.tests)
    if (c.is_user_file(t.span.file)) c.tests.push_back(std::move(t));
  for (sema::CompiledProperty& p : sr.properties)
    if (c.is_user_file(p.span.file)) c.properties.push_back(std::move(p));
  c.conflicts = std::move(sr.conflicts);
  // One user policy and no router: that policy is what a caller evaluates.
  if (!prog->has_router) {
    int found = -1, count = 0;
    for (size_t i = 0; i < prog->policies.size(); ++i)
      if (c.is_user_file(prog->policies[i].pos.file)) {
        found = static_cast<int>(i);
        ++count;
      }
    if (count == 1) prog->entry_policy = found;
  }
  c.program = std::move(prog);
  return c;
}

}  // namespace

std::vector<std::string> law_files(const std::string& path, std::string* error) {
  std::vector<std::string> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".law") out.push_back(it->path().string());
    if (ec && error) *error = fmt::format("cannot read the directory {}: {}", path, ec.message());
    std::sort(out.begin(), out.end());
  } else if (fs::exists(path, ec)) {
    out.push_back(path);
  } else if (error) {
    *error = fmt::format("no such file or directory: {}", path);
  }
  return out;
}

// Reads at most `limit` + 1 bytes (io::read_file): a source over the limit is refused
// (E003) without being held in memory, however large it is.
bool read_source(const std::string& path, std::string& text, size_t limit) {
  io::ReadOptions options;
  options.limit = limit;
  options.keep_prefix = true;
  return io::read_file(path, text, nullptr, options);
}

PathFiles path_files(const std::string& path) {
  PathFiles out;
  out.user = law_files(path, &out.error);
  out.no_files = out.user.empty();
  std::error_code ec;
  if (!fs::is_directory(path, ec) && out.user.size() == 1) {
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file() || it->path().extension() != ".law") continue;
      if (fs::equivalent(it->path(), path, ec)) continue;
      out.available.push_back(it->path().string());
    }
    std::sort(out.available.begin(), out.available.end());
  }
  return out;
}

PathSources read_path_sources(const std::string& path, const CompileOptions& options) {
  PathSources src;
  PathFiles files = path_files(path);
  src.error = std::move(files.error);
  src.no_files = files.no_files;
  for (std::string& f : files.user) {
    SourceFile sf{std::move(f), {}};
    if (!read_source(sf.path, sf.text, options.parse.max_bytes)) src.unreadable.push_back(std::move(sf.path));
    else src.user.push_back(std::move(sf));
  }
  for (std::string& f : files.available) {
    SourceFile sf{std::move(f), {}};
    if (read_source(sf.path, sf.text, options.parse.max_bytes)) src.available.push_back(std::move(sf));
  }
  return src;
}

namespace {
// What the files of `path` are named relative to in the content hash.
std::string policy_root(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return path;
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace

Compilation compile_path_sources(PathSources src, const std::string& path, const CompileOptions& options) {
  CompileOptions rooted = options;
  if (rooted.root.empty()) rooted.root = policy_root(path);
  Compilation c = compile_sources(std::move(src.user), std::move(src.available), rooted);
  if (!src.error.empty()) c.diags.error(DiagCode::CannotRead, {}, src.error);
  for (const std::string& f : src.unreadable) c.diags.error(DiagCode::CannotRead, {}, fmt::format("cannot read {}", f));
  if (!src.error.empty() || !src.unreadable.empty()) c.program.reset();
  else if (src.no_files) {
    c.diags.error(DiagCode::NoEntryPoint, {}, fmt::format("no .law files in {}", path));
    c.program.reset();
  }
  return c;
}

Compilation compile_path(const std::string& path, const CompileOptions& options) {
  return compile_path_sources(read_path_sources(path, options), path, options);
}

std::string relative_to_root(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  fs::path rel = fs::path(path).lexically_relative(r);
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.lexically_normal().generic_string();
}

std::string revision_label_error(std::string_view label) {
  if (label.empty()) return "a revision label is 1 to 128 characters; it is empty";
  if (label.size() > 128) return fmt::format("a revision label is 1 to 128 characters; this one has {}", label.size());
  for (char ch : label) {
    bool fits = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                std::string_view("._-+:/@").find(ch) != std::string_view::npos;
    if (!fits)
      return fmt::format("a revision label has letters, digits and . _ - + : / @ only; '{}' is not one of them",
                         ch >= 0x20 && ch < 0x7f ? std::string(1, ch) : fmt::format("\\x{:02x}", static_cast<unsigned char>(ch)));
  }
  return {};
}

std::string content_hash(std::vector<std::pair<std::string, std::string_view>> files) {
  std::sort(files.begin(), files.end());
  Sha256 h;
  h.update(std::string_view("lawful policies 1", 18));  // with its NUL: a version of this layout
  for (const auto& [name, text] : files) {
    // Name, NUL, length in decimal, NUL, text: no two lists of files give the same bytes.
    h.update(name);
    h.update(std::string_view("\0", 1));
    h.update(std::to_string(text.size()));
    h.update(std::string_view("\0", 1));
    h.update(text);
  }
  return Sha256::to_hex(h.finish());
}

std::string stdlib_content_hash() {
  std::vector<std::pair<std::string, std::string_view>> files;
  for (const SourceFile& f : stdlib_sources()) files.emplace_back(f.path, f.text);
  return content_hash(std::move(files));
}

std::string stdlib_hash() {
  uint64_t h = fnv1a64("lawful standard library");
  for (const SourceFile& f : stdlib_sources()) {
    // Each part ends with its length, so that parts cannot run into one another.
    for (std::string_view part : {std::string_view(f.path), std::string_view(f.text)}) {
      h = fnv1a64(part, h);
      const uint64_t n = part.size();
      h = fnv1a64(std::string_view(reinterpret_cast<const char*>(&n), sizeof n), h);
    }
  }
  return fmt::format("{:016x}", h);
}

}  // namespace lawful
