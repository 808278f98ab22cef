// `lawful fmt`: one canonical layout for `.law` files, printed from the AST and the
// file's comments (compiler/syntax keeps both). Indentation, spacing, commas, blank lines
// between declarations and the alignment of continued conditions are the printer's;
// where a long condition, list or record is broken across lines is the author's, and is
// kept. Nothing is reordered and every comment is kept. See docs/commands/fmt.md.
#pragma once

#include <string>

#include "compiler/syntax/ast.h"
#include "compiler/syntax/diagnostics.h"
#include "compiler/syntax/source.h"

namespace lawful::format {

// The canonical text of a parsed file (its parse had no errors).
std::string print_module(const SourceManager& sm, FileId file, const ast::Module& m);

// Parses the file, prints it, and checks the result before returning it: it parses, says
// the same thing (ast::dump), keeps every comment, and prints to itself. On a syntax
// error, returns false with the errors in `diags` (rendered with `sm`); if a check
// fails (a bug in the printer), returns false with `problem` set and the file untouched.
bool format_file(const SourceManager& sm, FileId file, Diagnostics& diags, std::string& out, std::string& problem);

}  // namespace lawful::format
