// The parse boundary: source text in, AST and diagnostics out. Speaks only the project's
// own types; the ANTLR-generated parser stays behind it (ast_builder.cpp).
#pragma once

#include <memory>

#include "compiler/syntax/ast.h"
#include "compiler/syntax/diagnostics.h"
#include "compiler/syntax/source.h"

namespace lawful {

struct ParseLimits {
  size_t max_bytes = 1u << 20;  // one source file
  int max_depth = 64;           // nesting of brackets and prefix operators
  int max_errors = 25;          // syntax errors reported per file before giving up
};

// Never throws; a file that cannot be read into an AST still gives a Module (possibly
// empty) and at least one error.
std::unique_ptr<ast::Module> parse_module(const SourceManager& sm, FileId file, Diagnostics& diags,
                                          const ParseLimits& limits = {});

}  // namespace lawful
