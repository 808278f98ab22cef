// The printer behind `lawful fmt`; see format.h and docs/commands/fmt.md.
//
// The AST says what to print; the source text says only where the author broke lines
// and where each comment was. The printer walks the AST in source order and, before each
// element, puts back the comments written before it: a comment that followed code on its
// line stays at the end of the printed line, any other goes on its own line at the
// indentation of what follows. Because every layout choice is a function of the AST and
// of which gaps held a line break, printing the printed text gives the same text.
#include "compiler/format/format.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "compiler/syntax/ast_dump.h"
#include "compiler/syntax/parser.h"
#include "runtime/core/dates.h"

namespace lawful::format {

namespace {

using ast::Expr;
using ast::ExprKind;

int utf8_width(std::string_view s) {
  int n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// Binding strength, as grammar/Lawful.g4 orders its alternatives (higher binds tighter).
// Quantifiers and `if` take everything to their right: 0.
int level(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Binary:
      switch (e.op) {
        case ast::BinOp::Or: return 1;
        case ast::BinOp::And: return 2;
        case ast::BinOp::Add:
        case ast::BinOp::Sub: return 6;
        case ast::BinOp::Mul: return 7;
        default: return 4;  // comparisons
      }
    case ExprKind::Not: return 3;
    case ExprKind::In: return 5;
    case ExprKind::Neg: return 8;
    case ExprKind::Field:
    case ExprKind::Call: return 9;
    case ExprKind::Quant:
    case ExprKind::If: return 0;
    default: return 10;
  }
}

bool is_chain(const Expr& e) {
  return e.kind == ExprKind::Binary && (e.op == ast::BinOp::And || e.op == ast::BinOp::Or);
}

// The operands of `a and b and c` (left-associated, unparenthesized), in order.
void chain_operands(const Expr& e, ast::BinOp op, std::vector<const Expr*>& out) {
  const Expr& l = *e.kids[0];
  if (l.kind == ExprKind::Binary && l.op == op && !l.parens) chain_operands(l, op, out);
  else out.push_back(&l);
  out.push_back(e.kids[1].get());
}

enum class Side { Left, Right };

class Printer {
 public:
  Printer(const SourceManager& sm, FileId file, const ast::Module& m)
      : src_(sm.text(file)), m_(m), cs_(m.comments) {
    lines_.emplace_back();
  }

  std::string run();

 private:
  struct Line {
    std::string code;
    std::string comment;  // a comment at the end of the line
    int width = 0;        // of code, in characters
  };

  // ------------------------------------------------------------ output
  Line& cur() { return lines_.back(); }
  static bool has_content(const Line& l) {
    return !l.comment.empty() || l.code.find_first_not_of(' ') != std::string::npos;
  }
  int col() const { return lines_.back().width; }
  void put(std::string_view s) {
    cur().code += s;
    cur().width += utf8_width(s);
  }
  void newline() { lines_.emplace_back(); }
  void pad_to(int c) {
    if (col() < c) put(std::string(static_cast<size_t>(c - col()), ' '));
  }
  // The next thing starts a line of its own at `indent`.
  void start_line(int indent) {
    if (has_content(cur())) newline();
    cur().code.assign(static_cast<size_t>(indent), ' ');
    cur().width = indent;
  }
  // An empty line before the next thing (none at the top of the file, none doubled).
  void blank_line() {
    if (has_content(cur())) newline();
    if (lines_.size() >= 2 && has_content(lines_[lines_.size() - 2])) newline();
  }

  // ------------------------------------------------------------ the source
  bool newline_between(uint32_t a, uint32_t b) const {
    for (uint32_t i = a; i < b && i < src_.size(); ++i)
      if (src_[i] == '\n') return true;
    return false;
  }
  // An empty line just before `pos` (only whitespace between).
  bool blank_before(uint32_t pos) const {
    int nl = 0;
    for (uint32_t i = pos; i > 0; --i) {
      char c = src_[i - 1];
      if (c == '\n') ++nl;
      else if (c != ' ' && c != '\t' && c != '\r') break;
    }
    return nl >= 2;
  }
  // Code precedes the comment on its line.
  bool trailing(const ast::Comment& c) const {
    for (uint32_t i = c.span.begin; i > 0; --i) {
      char ch = src_[i - 1];
      if (ch == '\n') return false;
      if (ch != ' ' && ch != '\t' && ch != '\r') return true;
    }
    return false;
  }
  int source_indent(uint32_t pos) const {
    int n = 0;
    for (uint32_t i = pos; i > 0 && src_[i - 1] != '\n'; --i) ++n;
    return n;
  }
  // A comma between two elements (outside comments): they belong to one clause.
  bool comma_between(uint32_t a, uint32_t b) const {
    for (uint32_t i = a; i < b && i < src_.size(); ++i) {
      char c = src_[i];
      if (c == ',') return true;
      if (c == '#' || (c == '/' && i + 1 < b && src_[i + 1] == '/'))
        while (i < b && src_[i] != '\n') ++i;
    }
    return false;
  }
  static std::string comment_text(const ast::Comment& c) {
    std::string t = c.text;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.pop_back();
    return t;
  }

  // ------------------------------------------------------------ comments and gaps
  void own_comment(const ast::Comment& c, int indent, bool keep_blank) {
    if (keep_blank && blank_before(c.span.begin)) blank_line();
    start_line(indent);
    put(comment_text(c));
    newline();
  }
  void attach(const ast::Comment& c) {
    if (!cur().comment.empty()) cur().comment += ' ';
    cur().comment += comment_text(c);
  }
  // Puts back the comments written before `pos`. Returns whether there were any.
  bool flush(uint32_t pos, int indent, bool keep_blank) {
    bool any = false;
    while (next_ < cs_.size() && cs_[next_].span.begin < pos) {
      const ast::Comment& c = cs_[next_++];
      any = true;
      if (trailing(c) && has_content(cur())) attach(c);
      else own_comment(c, indent, keep_blank);
    }
    return any;
  }
  // The element at `pos` continues the line, unless a comment comes first: then it
  // continues on a new line at `cont`.
  void gap_inline(uint32_t pos, int cont) {
    if (!flush(pos, cont, false)) return;
    if (!cur().comment.empty()) newline();
    if (!has_content(cur())) start_line(cont);
  }
  // The element at `pos` starts a new line at `indent`.
  void gap_break(uint32_t pos, int indent) {
    flush(pos, indent, false);
    start_line(indent);
  }
  // A declaration or clause at `pos`: on a new line at `indent`, after one empty line if
  // the author left one.
  void gap_stmt(uint32_t pos, int indent) {
    flush(pos, indent, true);
    if (blank_before(pos)) blank_line();
    start_line(indent);
  }
  // The closing bracket of a block at `pos`: comments before it stay inside.
  void close_block(uint32_t pos, int inner, int outer, const char* text) {
    flush(pos, inner, true);
    start_line(outer);
    put(text);
  }
  // After the last clause of a block without a closing bracket (a header, a decision, a
  // rule): the comments before `next` indented at least `min_indent` in the source
  // belong to the block, at `indent`.
  void tail(uint32_t next, int min_indent, int indent) {
    while (next_ < cs_.size() && cs_[next_].span.begin < next) {
      const ast::Comment& c = cs_[next_];
      if (trailing(c) && has_content(cur())) {
        attach(c);
      } else {
        if (source_indent(c.span.begin) < min_indent) return;
        own_comment(c, indent, true);
      }
      ++next_;
    }
  }
  // Comments that follow the last line printed, on their source lines.
  void trailing_comments(uint32_t next) {
    while (next_ < cs_.size() && cs_[next_].span.begin < next && trailing(cs_[next_]) && has_content(cur()))
      attach(cs_[next_++]);
  }
  int cont() const { return indent_of(lines_.back()) + 4; }
  static int indent_of(const Line& l) {
    size_t n = l.code.find_first_not_of(' ');
    return static_cast<int>(n == std::string::npos ? l.code.size() : n);
  }

  // ------------------------------------------------------------ brackets
  struct Elem {
    uint32_t begin = 0;
    uint32_t end = 0;
    std::function<void()> print;
  };
  // `open` elements `close`. Flat when the author wrote it on one line; when the author
  // broke a line after `open`, a block: elements at the opening line's indentation + 2,
  // `close` on a line of its own; otherwise continued lines align with the first element.
  void bracket(const char* open, const char* close, bool spaced, uint32_t head_end, uint32_t close_pos,
               const std::vector<Elem>& elems) {
    const int base = indent_of(cur());
    put(open);
    if (elems.empty()) {
      gap_inline(close_pos, base + 2);
      if (spaced && has_content(cur()) && cur().code.back() != ' ') put(" ");
      put(close);
      return;
    }
    const bool block = newline_between(head_end, elems[0].begin);
    int align = base + 2;
    if (block) {
      gap_break(elems[0].begin, base + 2);
    } else {
      if (spaced) put(" ");
      align = col();
      gap_inline(elems[0].begin, align);
    }
    elems[0].print();
    for (size_t i = 1; i < elems.size(); ++i) {
      put(",");
      if (newline_between(elems[i - 1].end, elems[i].begin)) {
        gap_break(elems[i].begin, align);
      } else {
        put(" ");
        gap_inline(elems[i].begin, align);
      }
      elems[i].print();
    }
    if (block) {
      close_block(close_pos, base + 2, base, close);
      return;
    }
    gap_inline(close_pos, align);
    if (spaced && col() > indent_of(cur())) put(" ");
    put(close);
  }

  // ------------------------------------------------------------ expressions
  bool broken_chain(const Expr& e) const {
    if (!is_chain(e) || e.parens) return false;
    std::vector<const Expr*> ops;
    chain_operands(e, e.op, ops);
    for (size_t i = 1; i < ops.size(); ++i)
      if (newline_between(ops[i - 1]->span.end, ops[i]->span.begin)) return true;
    return false;
  }
  // Where an expression that starts a line goes: a broken chain puts its operators at
  // `indent` and its operands after them.
  int block_start(const Expr& e, int indent) const {
    return broken_chain(e) ? indent + static_cast<int>(std::strlen(ast::binop_text(e.op))) + 1 : indent;
  }

  static bool needs_parens(const Expr& child, int parent, Side side, bool rightmost) {
    if (child.kind == ExprKind::Quant || child.kind == ExprKind::If) return !(rightmost && side == Side::Right);
    int l = level(child);
    return side == Side::Left ? l < parent : l <= parent;
  }

  void sub(const Expr& e, bool parens, bool rightmost) {
    gap_inline(e.span.begin, cont());
    if (parens || e.parens) {
      put("(");
      expr(e, true);
      put(")");
    } else {
      expr(e, rightmost);
    }
  }

  void duration(const Expr& e) {
    // The units as written (`1 year 6 months`, `2 weeks`), one space apart.
    std::string out, tok;
    for (uint32_t i = e.span.begin; i < e.span.end && i < src_.size(); ++i) {
      char c = src_[i];
      if (c == '#' || (c == '/' && i + 1 < e.span.end && src_[i + 1] == '/')) {
        while (i < e.span.end && src_[i] != '\n') ++i;
        c = ' ';
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        if (!tok.empty()) out += (out.empty() ? "" : " ") + tok;
        tok.clear();
      } else {
        tok += c;
      }
    }
    if (!tok.empty()) out += (out.empty() ? "" : " ") + tok;
    put(out);
  }

  void expr(const Expr& e, bool rightmost) {
    switch (e.kind) {
      case ExprKind::Bool: put(e.ival ? "true" : "false"); return;
      case ExprKind::Int: put(std::to_string(e.ival)); return;
      case ExprKind::String: put(quoted(e.text)); return;
      case ExprKind::Date: put(format_date(static_cast<Days>(e.ival))); return;
      case ExprKind::Duration: duration(e); return;
      case ExprKind::VerdictLit: put(ast::verdict_text(static_cast<ast::Verdict>(e.ival))); return;
      case ExprKind::VerdictRef: put("verdict"); return;
      case ExprKind::Name: put(e.text); return;
      case ExprKind::Error: put("?"); return;
      case ExprKind::Field:
        sub(*e.kids[0], level(*e.kids[0]) < 9, false);
        put(".");
        put(e.text);
        return;
      case ExprKind::Call: {
        const Expr& callee = *e.kids[0];
        sub(callee, level(callee) < 9, false);
        std::vector<Elem> args;
        for (size_t i = 1; i < e.kids.size(); ++i) {
          const Expr* a = e.kids[i].get();
          args.push_back({a->span.begin, a->span.end, [this, a] { sub(*a, false, true); }});
        }
        bracket("(", ")", false, callee.span.end, e.span.end - 1, args);
        return;
      }
      case ExprKind::Set:
      case ExprKind::List: {
        std::vector<Elem> items;
        for (const auto& k : e.kids) {
          const Expr* a = k.get();
          items.push_back({a->span.begin, a->span.end, [this, a] { sub(*a, false, true); }});
        }
        bool set = e.kind == ExprKind::Set;
        bracket(set ? "{" : "[", set ? "}" : "]", false, e.span.begin + 1, e.span.end - 1, items);
        return;
      }
      case ExprKind::Neg: {
        const Expr& k = *e.kids[0];
        put("-");
        sub(k, level(k) < 8 || k.kind == ExprKind::Neg, rightmost);
        return;
      }
      case ExprKind::Not: {
        const Expr& k = *e.kids[0];
        put("not ");
        bool low = k.kind == ExprKind::Quant || k.kind == ExprKind::If;
        sub(k, low ? !rightmost : level(k) < 3, rightmost);
        return;
      }
      case ExprKind::In: {
        sub(*e.kids[0], needs_parens(*e.kids[0], 5, Side::Left, false), false);
        put(e.negated ? " not in " : " in ");
        sub(*e.kids[1], needs_parens(*e.kids[1], 5, Side::Right, rightmost), rightmost);
        return;
      }
      case ExprKind::Binary: {
        if (is_chain(e)) {
          chain(e, rightmost);
          return;
        }
        int l = level(e);
        sub(*e.kids[0], needs_parens(*e.kids[0], l, Side::Left, false), false);
        put(fmt::format(" {} ", ast::binop_text(e.op)));
        sub(*e.kids[1], needs_parens(*e.kids[1], l, Side::Right, rightmost), rightmost);
        return;
      }
      case ExprKind::Quant: {
        const int qcol = col();
        put(fmt::format("{} {} in ", ast::quant_text(e.quant), e.text));
        sub(*e.kids[0], false, true);
        put(":");
        const Expr& body = *e.kids[1];
        if (newline_between(e.kids[0]->span.end, body.span.begin)) {
          gap_break(body.span.begin, block_start(body, qcol + 2));
        } else {
          put(" ");
        }
        sub(body, false, true);
        return;
      }
      case ExprKind::If: {
        const int icol = col();
        put("if ");
        sub(*e.kids[0], false, true);
        const char* words[] = {"then", "else"};
        for (size_t i = 1; i < 3; ++i) {
          const Expr& k = *e.kids[i];
          if (newline_between(e.kids[i - 1]->span.end, k.span.begin)) gap_break(k.span.begin, icol + 2);
          else put(" ");
          put(words[i - 1]);
          put(" ");
          sub(k, false, i == 1 ? true : rightmost);
        }
        return;
      }
    }
  }

  // `a and b and c`: on one line, or one operand a line with the operators in front,
  // the operands aligned.
  void chain(const Expr& e, bool rightmost) {
    std::vector<const Expr*> ops;
    chain_operands(e, e.op, ops);
    const std::string op = ast::binop_text(e.op);
    bool broken = false;
    for (size_t i = 1; i < ops.size(); ++i)
      broken = broken || newline_between(ops[i - 1]->span.end, ops[i]->span.begin);
    const int c0 = col();
    const int l = level(e);
    for (size_t i = 0; i < ops.size(); ++i) {
      const Expr& x = *ops[i];
      const bool last = i + 1 == ops.size();
      if (i > 0) {
        if (broken) {
          gap_break(x.span.begin, std::max(c0 - static_cast<int>(op.size()) - 1, 0));
          put(op + " ");
        } else {
          put(" " + op + " ");
        }
      }
      sub(x, needs_parens(x, l, i == 0 ? Side::Left : Side::Right, last && rightmost), last && rightmost);
    }
  }

  // ------------------------------------------------------------ facts and types
  void value(const ast::FactValue& v) {
    switch (v.kind) {
      case ast::FactValue::Record: {
        std::vector<Elem> fields;
        for (const auto& f : v.fields) {
          const auto* fp = &f;
          fields.push_back({f.first.span.begin, f.second.span.end, [this, fp] {
                              put(fp->first.text);
                              put(": ");
                              gap_inline(fp->second.span.begin, cont());
                              value(fp->second);
                            }});
        }
        bracket("{", "}", true, v.span.begin + 1, v.span.end - 1, fields);
        return;
      }
      case ast::FactValue::List: {
        std::vector<Elem> items;
        for (const auto& x : v.items) {
          const auto* xp = &x;
          items.push_back({x.span.begin, x.span.end, [this, xp] { value(*xp); }});
        }
        bracket("[", "]", false, v.span.begin + 1, v.span.end - 1, items);
        return;
      }
      case ast::FactValue::String: put(quoted(v.text)); return;
      case ast::FactValue::Date: put(v.text); return;
      case ast::FactValue::Int: put(std::to_string(v.ival)); return;
      case ast::FactValue::Bool: put(v.ival ? "true" : "false"); return;
      case ast::FactValue::Null: put("null"); return;
      case ast::FactValue::Word: put(v.text); return;
    }
  }

  void type(const ast::TypeRef& t) {
    switch (t.kind) {
      case ast::TypeRef::Named: put(t.name); return;
      case ast::TypeRef::List: put("list of "); break;
      case ast::TypeRef::Optional: put("optional "); break;
    }
    if (t.elem) type(*t.elem);
  }

  // `a, b` for names of one clause.
  template <class T, class F>
  void name_list(const std::vector<T>& v, size_t from, size_t to, F text) {
    for (size_t i = from; i < to; ++i) {
      if (i > from) put(", ");
      gap_inline(v[i].span.begin, cont());
      put(text(v[i]));
    }
  }
  // Groups of names written as one clause each (`overrides a, b` `overrides c`).
  template <class T>
  std::vector<std::pair<size_t, size_t>> clauses(const std::vector<T>& v) const {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i == 0 || !comma_between(v[i - 1].span.end, v[i].span.begin)) out.emplace_back(i, i);
      out.back().second = i + 1;
    }
    return out;
  }

  void effective(const ast::Effective& e) {
    put("effective ");
    put(format_date(e.from));
    if (e.until) {
      put(" until ");
      put(format_date(*e.until));
    }
  }

  // ------------------------------------------------------------ declarations
  struct Clause {
    uint32_t begin = 0;
    std::function<void()> print;
  };
  void clauses_at(std::vector<Clause> cl, int indent) {
    std::stable_sort(cl.begin(), cl.end(), [](const Clause& a, const Clause& b) { return a.begin < b.begin; });
    for (const Clause& c : cl) {
      gap_break(c.begin, indent);
      c.print();
    }
  }

  void header(uint32_t next) {
    const ast::Module& m = m_;
    gap_stmt(m.header_span.begin, 0);
    switch (m.kind) {
      case ast::ModuleKind::Policy: put("policy " + m.name.str()); break;
      case ast::ModuleKind::Library: put("module " + m.name.str()); break;
      case ast::ModuleKind::Routing: put("routing"); break;
      case ast::ModuleKind::None: return;
    }
    if (!m.title.empty()) put(" " + quoted(m.title));
    if (m.extends) {
      put(" extends ");
      gap_inline(m.extends->span.begin, 4);
      put(m.extends->str());
    }
    std::vector<Clause> cl;
    for (auto [from, to] : clauses(m.jurisdictions))
      cl.push_back({m.jurisdictions[from].span.begin, [this, from = from, to = to] {
                      put("jurisdiction ");
                      name_list(m_.jurisdictions, from, to, [](const ast::Name& n) { return n.text; });
                    }});
    for (size_t i = 0; i < m.sources.size(); ++i) {
      uint32_t at = i < m.source_spans.size() ? m.source_spans[i].begin : m.header_span.end;
      cl.push_back({at, [this, i] { put("source " + quoted(m_.sources[i])); }});
    }
    if (m.effective.present) cl.push_back({m.effective.span.begin, [this] { effective(m_.effective); }});
    clauses_at(std::move(cl), 2);
    tail(next, 1, 2);
  }

  void use(const ast::UseDecl& u) {
    put("use ");
    put(u.module.str());
    if (u.alias) put(" as " + u.alias->text);
  }

  void let(const ast::LetDecl& l) {
    if (l.replace) put("replace ");
    put("let " + l.name.text);
    if (l.has_params) {
      std::vector<Elem> params;
      for (const ast::Param& p : l.params) {
        const ast::Param* pp = &p;
        uint32_t end = p.type ? p.type->span.end : p.name.span.end;
        params.push_back({p.name.span.begin, end, [this, pp] {
                            put(pp->name.text);
                            if (pp->type) {
                              put(": ");
                              type(*pp->type);
                            }
                          }});
      }
      // Comments between the last parameter and `)` are put back after the `=`.
      uint32_t close = params.empty() ? l.name.span.end : params.back().end;
      bracket("(", ")", false, l.name.span.end + 1, close, params);
    }
    put(" =");
    const Expr& body = *l.body;
    const auto line_of = [this](uint32_t pos) {
      return std::count(src_.begin(), src_.begin() + std::min<size_t>(pos, src_.size()), '\n');
    };
    if (line_of(body.span.begin) != line_of(l.name.span.begin)) {
      gap_break(body.span.begin, block_start(body, 2));
    } else {
      put(" ");
    }
    sub(body, false, true);
  }

  void rule(const ast::RuleDecl& r, uint32_t next) {
    if (r.replace) put("replace ");
    put(fmt::format("rule {}: {}", r.name.text, ast::verdict_text(r.verdict)));
    if (r.basis) {
      put(" basis ");
      gap_inline(r.basis->span.begin, 6);
      put(r.basis->text);
    }
    std::vector<Clause> cl;
    if (r.when) cl.push_back({r.when->span.begin, [this, &r] {
                                put("when ");
                                sub(*r.when, false, true);
                              }});
    for (auto [from, to] : clauses(r.overrides))
      cl.push_back({r.overrides[from].span.begin, [this, &r, from = from, to = to] {
                      put("overrides ");
                      name_list(r.overrides, from, to, [](const ast::Name& n) { return n.text; });
                    }});
    for (auto [from, to] : clauses(r.needs))
      cl.push_back({r.needs[from].span.begin, [this, &r, from = from, to = to] {
                      put("needs ");
                      name_list(r.needs, from, to, [](const ast::QName& n) { return n.str(); });
                    }});
    if (r.effective.present) cl.push_back({r.effective.span.begin, [this, &r] { effective(r.effective); }});
    for (const ast::Cite& c : r.cites) cl.push_back({c.span.begin, [this, &c] { put("cite " + quoted(c.text)); }});
    clauses_at(std::move(cl), 4);
    tail(next, 3, 4);
  }

  void oblige(const ast::ObligeDecl& o, uint32_t next) {
    if (o.replace) put("replace ");
    put("oblige " + o.name.text);
    uint32_t prev = o.name.span.end;
    auto part = [&](uint32_t begin, uint32_t end, const std::function<void()>& print) {
      if (newline_between(prev, begin)) {
        gap_break(begin, 4);
      } else {
        put(" ");
        gap_inline(begin, 4);
      }
      print();
      prev = end;
    };
    if (!o.for_rules.empty())
      part(o.for_rules.front().name.span.begin, o.for_rules.back().name.span.end, [&] {
        put("for ");
        for (size_t i = 0; i < o.for_rules.size(); ++i) put(std::string(i ? ", " : "") + (o.for_rules[i].basis ? "basis " : "") +
                                                             o.for_rules[i].name.text);
      });
    if (o.when) part(o.when->span.begin, o.when->span.end, [&] {
        put("when ");
        sub(*o.when, false, true);
      });
    for (const ast::Cite& c : o.cites) part(c.span.begin, c.span.end, [&] { put("cite " + quoted(c.text)); });
    tail(next, 3, 4);
  }

  void decision(const ast::DecisionDecl& d, uint32_t next) {
    put("decision " + d.name.text);
    if (d.guard) {
      put(" when ");
      sub(*d.guard, false, true);
    }
    put(":");
    struct Item {
      uint32_t begin;
      const ast::RuleDecl* rule;
      const ast::ObligeDecl* oblige;
    };
    std::vector<Item> items;
    for (const auto& r : d.rules) items.push_back({r.span.begin, &r, nullptr});
    for (const auto& o : d.obliges) items.push_back({o.span.begin, nullptr, &o});
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.begin < b.begin; });
    for (size_t i = 0; i < items.size(); ++i) {
      uint32_t after = i + 1 < items.size() ? items[i + 1].begin : next;
      gap_stmt(items[i].begin, 2);
      if (items[i].rule) rule(*items[i].rule, after);
      else oblige(*items[i].oblige, after);
    }
    tail(next, 1, 2);
  }

  void expectation(const ast::Expectation& e) {
    put("expect " + e.decision.text);
    auto items = [&](const char* word) {
      put(fmt::format(" {} ", word));
      name_list(e.items, 0, e.items.size(), [](const ast::QName& n) { return n.str(); });
    };
    switch (e.kind) {
      case ast::Expectation::Verdict:
        put(fmt::format(" is {}{}", e.negated ? "not " : "", ast::verdict_text(e.verdict)));
        if (e.basis) put(" basis " + e.basis->text);
        return;
      case ast::Expectation::Cites: put(" cites " + quoted(e.text)); return;
      case ast::Expectation::Missing: items("missing"); return;
      case ast::Expectation::Obliges:
        items("obliges");
        if (e.for_every) put(fmt::format(" for every {}", ast::verdict_text(*e.for_every)));
        return;
      case ast::Expectation::Rules: items("rules"); return;
    }
  }

  void test(const ast::TestDecl& t) {
    put("test " + quoted(t.title) + " {");
    struct Item {
      uint32_t begin;
      std::function<void()> print;
    };
    std::vector<Item> items;
    size_t role_width = 0;
    for (const auto& f : t.facts) role_width = std::max(role_width, f.first.text.size());
    if (t.as_of) items.push_back({t.as_of_span.begin, [this, &t] { put("as of " + format_date(*t.as_of)); }});
    for (const auto& f : t.facts) {
      const auto* fp = &f;
      items.push_back({f.first.span.begin, [this, fp, role_width] {
                         put(fp->first.text);
                         put(std::string(role_width - fp->first.text.size() + 1, ' '));
                         gap_inline(fp->second.span.begin, cont());
                         value(fp->second);
                       }});
    }
    for (const auto& e : t.expects) items.push_back({e.span.begin, [this, &e] { expectation(e); }});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.begin < b.begin; });
    for (const Item& i : items) {
      gap_stmt(i.begin, 2);
      i.print();
    }
    close_block(t.span.end - 1, 2, 0, "}");
  }

  // `property "..." { as of D  when C  expect ... }`: one item a line, in source order.
  void property(const ast::PropertyDecl& p) {
    put("property " + quoted(p.title) + " {");
    struct Item {
      uint32_t begin;
      std::function<void()> print;
    };
    std::vector<Item> items;
    if (p.as_of) items.push_back({p.as_of_span.begin, [this, &p] { put("as of " + format_date(*p.as_of)); }});
    for (const ast::ExprPtr& w : p.when) {
      const ast::Expr* wp = w.get();
      items.push_back({wp->span.begin, [this, wp] {
                         put("when ");
                         sub(*wp, false, true);
                       }});
    }
    for (const auto& e : p.expects) items.push_back({e.span.begin, [this, &e] { expectation(e); }});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.begin < b.begin; });
    for (const Item& i : items) {
      gap_stmt(i.begin, 2);
      i.print();
    }
    close_block(p.span.end - 1, 2, 0, "}");
  }

  void enum_decl(const ast::EnumDecl& e) {
    put("enum " + e.name.text + " ");
    std::vector<Elem> members;
    for (const ast::Name& n : e.members) {
      const ast::Name* np = &n;
      members.push_back({n.span.begin, n.span.end, [this, np] { put(np->text); }});
    }
    bracket("{", "}", true, e.name.span.end, e.span.end - 1, members);
  }

  void record(const ast::RecordDecl& r) {
    put("record " + r.name.text + " {");
    for (const ast::FieldDecl& f : r.fields) {
      gap_stmt(f.span.begin, 2);
      put(f.name.text + ": ");
      type(f.type);
      if (f.default_value) {
        put(" default ");
        gap_inline(f.default_value->span.begin, cont());
        value(*f.default_value);
      }
    }
    close_block(r.span.end - 1, 2, 0, "}");
  }

  void facts(const ast::FactsDecl& f) {
    put("facts ");
    for (size_t i = 0; i < f.roots.size(); ++i) {
      if (i) put(", ");
      gap_inline(f.roots[i].first.span.begin, cont());
      put(f.roots[i].first.text + ": " + f.roots[i].second.text);
    }
    if (f.as_of) put(" as of " + f.as_of->str());
  }

  void obligation(const ast::ObligationDecl& o) {
    put("obligation " + o.name.text);
    if (!o.title.empty()) put(" " + quoted(o.title));
  }

  void route(const ast::RouteDecl& r) {
    put("route ");
    for (size_t i = 0; i < r.keys.size(); ++i) {
      if (i) put(", ");
      gap_inline(r.keys[i].span.begin, cont());
      put(r.keys[i].is_string ? quoted(r.keys[i].text) : r.keys[i].name.str());
    }
    put(" to ");
    put(r.target ? r.target->str() : std::string("review"));
  }

  std::string render();

  const std::string& src_;
  const ast::Module& m_;
  const std::vector<ast::Comment>& cs_;
  size_t next_ = 0;
  std::vector<Line> lines_;
};

std::string Printer::run() {
  enum Kind { Use, Let, Decision, Test, Property, Enum, Record, Facts, Route, Obligation };
  struct Item {
    uint32_t begin;
    Kind kind;
    size_t index;
  };
  std::vector<Item> items;
  const ast::Module& m = m_;
  for (size_t i = 0; i < m.uses.size(); ++i) items.push_back({m.uses[i].span.begin, Use, i});
  for (size_t i = 0; i < m.lets.size(); ++i) items.push_back({m.lets[i].span.begin, Let, i});
  for (size_t i = 0; i < m.decisions.size(); ++i) items.push_back({m.decisions[i].span.begin, Decision, i});
  for (size_t i = 0; i < m.tests.size(); ++i) items.push_back({m.tests[i].span.begin, Test, i});
  for (size_t i = 0; i < m.properties.size(); ++i) items.push_back({m.properties[i].span.begin, Property, i});
  for (size_t i = 0; i < m.enums.size(); ++i) items.push_back({m.enums[i].span.begin, Enum, i});
  for (size_t i = 0; i < m.records.size(); ++i) items.push_back({m.records[i].span.begin, Record, i});
  for (size_t i = 0; i < m.facts.size(); ++i) items.push_back({m.facts[i].span.begin, Facts, i});
  for (size_t i = 0; i < m.routes.size(); ++i) items.push_back({m.routes[i].span.begin, Route, i});
  for (size_t i = 0; i < m.obligations.size(); ++i) items.push_back({m.obligations[i].span.begin, Obligation, i});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.begin < b.begin; });
  const uint32_t eof = static_cast<uint32_t>(src_.size());

  bool after_header = false;
  if (m.kind != ast::ModuleKind::None) {
    header(items.empty() ? eof : items[0].begin);
    trailing_comments(items.empty() ? eof : items[0].begin);
    newline();
    after_header = true;
  }
  bool prev_multi = false;
  Kind prev_kind = Use;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const uint32_t next = i + 1 < items.size() ? items[i + 1].begin : eof;
    const size_t gap_start = lines_.size() - 1;
    gap_stmt(it.begin, 0);
    const size_t first = lines_.size() - 1;
    switch (it.kind) {
      case Use: use(m.uses[it.index]); break;
      case Let: let(m.lets[it.index]); break;
      case Decision: decision(m.decisions[it.index], next); break;
      case Test: test(m.tests[it.index]); break;
      case Property: property(m.properties[it.index]); break;
      case Enum: enum_decl(m.enums[it.index]); break;
      case Record: record(m.records[it.index]); break;
      case Facts: facts(m.facts[it.index]); break;
      case Route: route(m.routes[it.index]); break;
      case Obligation: obligation(m.obligations[it.index]); break;
    }
    trailing_comments(next);
    newline();
    const bool multi = lines_.size() - 1 - first > 1;
    // An empty line after the header and after the `use` lines, and around every
    // declaration that takes more than one line.
    bool blank = i == 0 ? after_header : (multi || prev_multi || (prev_kind == Use) != (it.kind == Use));
    if (blank && gap_start > 0 && has_content(lines_[gap_start - 1]) && has_content(lines_[gap_start]))
      lines_.insert(lines_.begin() + static_cast<long>(gap_start), Line{});
    prev_multi = multi;
    prev_kind = it.kind;
  }
  flush(eof, 0, true);
  return render();
}

std::string Printer::render() {
  // Comments at the ends of consecutive lines line up, one space after the longest code.
  std::vector<int> column(lines_.size(), 0);
  for (size_t i = 0; i < lines_.size();) {
    auto commented = [&](size_t k) {
      return k < lines_.size() && !lines_[k].comment.empty() && lines_[k].code.find_first_not_of(' ') != std::string::npos;
    };
    if (!commented(i)) {
      ++i;
      continue;
    }
    size_t j = i;
    int width = 0;
    for (; commented(j); ++j) {
      std::string code = lines_[j].code;
      while (!code.empty() && code.back() == ' ') code.pop_back();
      width = std::max(width, utf8_width(code));
    }
    for (size_t k = i; k < j; ++k) column[k] = width + 1;
    i = j;
  }
  std::string out;
  bool prev_blank = true;  // no empty lines at the top
  for (size_t i = 0; i < lines_.size(); ++i) {
    std::string code = lines_[i].code;
    while (!code.empty() && code.back() == ' ') code.pop_back();
    std::string line = code;
    if (!lines_[i].comment.empty()) {
      if (!code.empty()) line += std::string(static_cast<size_t>(std::max(column[i] - utf8_width(code), 1)), ' ');
      line += lines_[i].comment;
    }
    bool blank = line.empty();
    if (blank && prev_blank) continue;
    out += line;
    out += '\n';
    prev_blank = blank;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  if (out == "\n") out.clear();
  return out;
}

std::vector<std::string> comment_texts(const ast::Module& m) {
  std::vector<std::string> v;
  for (const ast::Comment& c : m.comments) {
    std::string t = c.text;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.pop_back();
    v.push_back(t);
  }
  return v;
}

}  // namespace

std::string print_module(const SourceManager& sm, FileId file, const ast::Module& m) {
  Printer p(sm, file, m);
  return p.run();
}

bool format_file(const SourceManager& sm, FileId file, Diagnostics& diags, std::string& out, std::string& problem) {
  Diagnostics mine;
  auto m = parse_module(sm, file, mine);
  if (mine.has_errors()) {
    diags.append(mine);
    return false;
  }
  out = print_module(sm, file, *m);
  // The printed text must say the same thing, keep every comment, and be its own layout.
  SourceManager check;
  FileId f2 = check.add(sm.path(file), out);
  Diagnostics d2;
  auto m2 = parse_module(check, f2, d2);
  if (d2.has_errors()) {
    problem = "the formatted text does not parse:\n" + d2.render(check);
    return false;
  }
  if (ast::dump(*m) != ast::dump(*m2)) {
    problem = "the formatted text would mean something else";
    return false;
  }
  if (comment_texts(*m) != comment_texts(*m2)) {
    problem = "the formatted text would lose or merge a comment";
    return false;
  }
  if (print_module(check, f2, *m2) != out) {
    problem = "formatting the formatted text changes it again";
    return false;
  }
  return true;
}

}  // namespace lawful::format
