// One analysis of an open document: the compilation (as `lawful lint FILE` makes it,
// with the editors' text), the index of its names, and the conversions between the
// compiler's byte spans and the protocol's ranges. Shared by the server's handlers.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "compiler/compiler.h"
#include "lsp/index.h"
#include "lsp/protocol.h"
#include "lsp/text.h"

namespace lawful::lsp {

struct Analysis {
  Compilation comp;
  Index index;
  FileId file = kNoFile;  // the document's file
  std::string text;       // the document's text, as analysed

  // The document's own module (the first module of its file), or null.
  const ast::Module* module() const;
  // The range of a span in its file (UTF-16 positions).
  json range(Span span) const;
  Position position(FileId file, uint32_t offset) const;
  uint32_t offset(Position p) const;  // in the document

 private:
  mutable std::map<FileId, LineMap> maps_;
  const LineMap& map(FileId f) const;
};

// file:// URIs and paths (percent-encoding both ways).
std::string uri_to_path(const std::string& uri);
std::string path_to_uri(const std::string& path);

// A hover's Markdown for a symbol: its declaration or type, its documentation, and for a
// rule its verdict, citations, effective window and overrides.
std::string describe(const Analysis& a, const Symbol& s);
// One line for a completion item's detail.
std::string detail_of(const Symbol& s);

// The completion items at `offset` of the document (a CompletionList's items).
json complete(const Analysis& a, uint32_t offset);

}  // namespace lawful::lsp
