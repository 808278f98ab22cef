// The AST as text, without positions: one line per declaration and clause, expressions
// as fully parenthesized S-expressions. Two files have the same dump exactly when they
// say the same thing, however they are laid out, so `lawful fmt` checks its output
// against it before writing, and tests compare it.
#pragma once

#include <string>

#include "compiler/syntax/ast.h"

namespace lawful::ast {

std::string dump(const Expr& e);
// Everything but spans, parentheses (the dump shows the grouping) and comments other
// than `///` documentation.
std::string dump(const Module& m);

}  // namespace lawful::ast
