// Small helpers on AST nodes; see ast.h.
#include "compiler/syntax/ast.h"

#include "runtime/core/outcome.h"

namespace lawful::ast {

std::string QName::str() const {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) s += '.';
    s += parts[i].text;
  }
  return s;
}

const char* binop_text(BinOp op) {
  switch (op) {
    case BinOp::And: return "and";
    case BinOp::Or: return "or";
    case BinOp::Eq: return "==";
    case BinOp::Ne: return "!=";
    case BinOp::Lt: return "<";
    case BinOp::Le: return "<=";
    case BinOp::Gt: return ">";
    case BinOp::Ge: return ">=";
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
  }
  return "?";
}

const char* quant_text(Quant q) {
  switch (q) {
    case Quant::Any: return "any";
    case Quant::All: return "all";
    case Quant::Count: return "count";
  }
  return "?";
}

// The AST numbers verdicts as the VM does (VerdictCode): one table of names.
const char* verdict_text(Verdict v) { return verdict_name(static_cast<unsigned>(v)); }

ExprPtr Expr::clone() const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->span = span;
  e->op = op;
  e->quant = quant;
  e->negated = negated;
  e->parens = parens;
  e->ival = ival;
  e->months = months;
  e->days = days;
  e->text = text;
  e->name_span = name_span;
  for (const auto& k : kids) e->kids.push_back(k->clone());
  return e;
}

}  // namespace lawful::ast
