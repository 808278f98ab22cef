// The compiler's front door: policy files (or a directory of them) in; a Program, the
// compiled tests and every diagnostic out. The standard library is built into the
// binary (stdlib/embed.cmake) and always loaded; its parsed modules are kept for the
// compilations that follow (CompileOptions::reuse_stdlib).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compiler/sema/sema.h"
#include "compiler/syntax/ast.h"
#include "compiler/syntax/diagnostics.h"
#include "compiler/syntax/parser.h"
#include "compiler/syntax/source.h"
#include "runtime/bytecode/program.h"

namespace lawful {

struct SourceFile {
  std::string path;
  std::string text;
};

// Parses kept from one compilation to the next, for a caller that compiles the same files
// again and again with one of them changed (the language server, after each edit): a file
// whose text, FileId (its spans carry it) and parse limits are those of a kept parse is
// not parsed again. One entry per file and FileId, replaced when the text changes;
// thread-safe. Modules are never changed once parsed, so compilations share them.
class ParseCache {
 public:
  struct Entry {
    std::string text;
    ParseLimits limits;
    std::shared_ptr<const ast::Module> module;
    Diagnostics diags;
  };
  // The kept parse of `path` at `file` for this text and these limits, or null.
  std::shared_ptr<const Entry> find(const std::string& path, FileId file, const std::string& text,
                                    const ParseLimits& limits) const;
  void store(const std::string& path, FileId file, std::shared_ptr<const Entry> entry);
  size_t size() const;
  size_t hits() const { return hits_; }

 private:
  static constexpr size_t kMaxEntries = 1024;
  mutable std::mutex mu_;
  mutable size_t hits_ = 0;
  std::map<std::pair<std::string, FileId>, std::shared_ptr<const Entry>> entries_;
};

struct CompileOptions {
  ParseLimits parse;
  bool lint = false;  // the checks of `lawful lint` too (sema::SemaOptions)
  // Take the standard library's modules as parsed by an earlier compilation in this
  // process, when there is one for the same file numbering and parse limits (parsing
  // it is most of the time of a small compilation). The program, diagnostics and AST
  // are the same either way; false parses it afresh.
  bool reuse_stdlib = true;
  // The directory the content hash names the policy files relative to (compile_path sets
  // it to the directory it reads, or the file's directory); empty: paths as given.
  std::string root;
  // Parses to reuse and to keep (null: every file is parsed).
  ParseCache* parse_cache = nullptr;
};

struct Compilation {
  SourceManager sources;
  Diagnostics diags;
  std::shared_ptr<const Program> program;  // null when there are errors
  std::vector<sema::CompiledTest> tests;   // of the user's files only
  std::vector<sema::CompiledProperty> properties;  // of the user's files only
  std::vector<sema::ConflictPair> conflicts;       // W100's pairs (lawful lint asks the solver)
  // Every file's module, in the order analysed. The standard library's may be shared
  // with other compilations (reuse_stdlib): modules are never changed once parsed.
  std::vector<std::shared_ptr<const ast::Module>> modules;
  std::vector<FileId> user_files;

  bool ok() const { return program != nullptr; }
  bool is_user_file(FileId f) const;
};

// The standard library's sources (generated at build time).
const std::vector<SourceFile>& stdlib_sources();
// A hash of the standard library compiled into this build (each module's path and text,
// FNV-1a 64, in hex): what `lawful --version` prints, so that a decision made by a build
// can be traced to the standard library it used.
std::string stdlib_hash();
// The standard library's part of every content hash: SHA-256 over its files as
// content_hash takes them (`lawful --version` prints it).
std::string stdlib_content_hash();

// The content hash of a program (Program::content_hash): SHA-256 over each file's name
// and text, sorted by name. `files` are (name relative to the policy root, text).
std::string content_hash(std::vector<std::pair<std::string, std::string_view>> files);
// Why `label` cannot be a revision label, the operator's name for a policy version
// (LAWFUL_REVISION, `lawful check --revision`): "" if it can. 1 to 128 characters from
// letters, digits and . _ - + : / @, so that it goes into JSON and logs as it is.
std::string revision_label_error(std::string_view label);
// `path` as named relative to `root` (lexically: `root` is how `path` was found); `path`
// unchanged when it is not below `root`.
std::string relative_to_root(const std::string& path, const std::string& root);

// `user` are compiled and their tests kept; `available` are compiled only if a user file
// (or another included file) needs them, through `extends`, `use` or a route.
Compilation compile_sources(std::vector<SourceFile> user, std::vector<SourceFile> available = {},
                            const CompileOptions& options = {});

// PATH is a .law file (the other .law files of its directory are available to it) or a
// directory (every .law file under it is compiled). Unreadable paths are diagnostics.
Compilation compile_path(const std::string& path, const CompileOptions& options = {});

// What compile_path reads, read: the user's files, the files available to them, and
// what could not be read. compile_path_sources compiles it as compile_path would (the
// program cache reads the sources once, hashes them, and compiles only on a miss).
struct PathSources {
  std::vector<SourceFile> user, available;
  std::string error;                     // the path itself could not be read
  std::vector<std::string> unreadable;   // files that could not be read
  bool no_files = false;
  bool readable() const { return error.empty() && unreadable.empty() && !no_files; }
};
PathSources read_path_sources(const std::string& path, const CompileOptions& options = {});
Compilation compile_path_sources(PathSources sources, const std::string& path, const CompileOptions& options = {});

// Every .law file under a directory, sorted; or the file itself.
std::vector<std::string> law_files(const std::string& path, std::string* error);

}  // namespace lawful
