// Expressions: names to slots, locals and definitions; bare words to enumeration
// members; types checked; calls to functions with parameters inlined. Every error is
// reported once, where it starts: an operand already in error yields kError silently.
#include <algorithm>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "compiler/sema/analyzer.h"
#include "runtime/core/builtins.h"
#include "runtime/core/value.h"

namespace lawful::sema {

namespace {

IrPtr clone_leaf(const Ir& c, Span span) {
  auto ir = make_ir(c.op, c.type, span);
  ir->imm = c.imm;
  ir->aux = c.aux;
  ir->path_name = c.path_name;
  return ir;
}

bool is_constant(const Ir& ir) { return ir.op == IrOp::Const || ir.op == IrOp::Str || ir.op == IrOp::StrSet; }

std::string article(const std::string& type_name) {
  if (type_name.empty()) return type_name;
  char c = type_name[0];
  bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'A' || c == 'E' || c == 'I' ||
               c == 'O' || c == 'U';
  return (vowel ? "an " : "a ") + type_name;
}

CmpOp cmp_of(ast::BinOp op) {
  switch (op) {
    case ast::BinOp::Eq: return CmpOp::Eq;
    case ast::BinOp::Ne: return CmpOp::Ne;
    case ast::BinOp::Lt: return CmpOp::Lt;
    case ast::BinOp::Le: return CmpOp::Le;
    case ast::BinOp::Gt: return CmpOp::Gt;
    default: return CmpOp::Ge;
  }
}

// How deep the program's definitions go below this expression (a Let is computed in
// its own function, which may compute others).
uint32_t lets_below(const Ir& ir, const std::vector<uint32_t>& let_depth) {
  uint32_t d = 0;
  if (ir.op == IrOp::Let && ir.imm >= 0 && static_cast<size_t>(ir.imm) < let_depth.size())
    d = let_depth[static_cast<size_t>(ir.imm)];
  for (const IrPtr& k : ir.kids) d = std::max(d, lets_below(*k, let_depth));
  return d;
}

}  // namespace

int32_t Analyzer::path_id(const std::string& name) const { return schema_.find_path(name); }

std::vector<std::string> Analyzer::visible_names(const Env& env) const {
  std::vector<std::string> names;
  for (const LocalVar& l : env.locals) names.push_back(l.name);
  if (env.scope) {
    for (const auto& [n, d] : env.scope->lets) names.push_back(n);
    for (const auto& [n, s] : env.scope->modules) names.push_back(n);
  }
  for (const RootDef& r : schema_.roots) names.push_back(r.name);
  for (int b = 0; b < kBuiltinCount; ++b) names.push_back(builtin_info(static_cast<BuiltinId>(b)).name);
  names.push_back("known");
  return names;
}

bool Analyzer::is_bare_word(const ast::Expr& e, const Env& env) const {
  if (e.kind != ast::ExprKind::Name) return false;
  for (const LocalVar& l : env.locals)
    if (l.name == e.text) return false;
  if (env.scope && (env.scope->lets.count(e.text) || env.scope->modules.count(e.text))) return false;
  return schema_.find_root(e.text) < 0;
}

IrPtr Analyzer::lower_condition(const ast::Expr& e, Env& env, const char* what) {
  IrPtr ir = lower(e, env, types::kBool);
  if (ir->type != types::kBool && ir->type != types::kError) {
    diags_.error(DiagCode::NotBool, e.span,
                 fmt::format("{} must be true or false; this is {}", what, article(schema_.type_name(ir->type))));
    return error_ir(e.span);
  }
  return ir;
}

IrPtr Analyzer::lower_word(const std::string& word, Span span, TypeId expected) {
  const Type& t = schema_.type(expected);
  if (t.kind == TypeKind::Enum) {
    const EnumDef& e = schema_.enums[t.ref];
    int m = Schema::find_member(e, word);
    if (m >= 0) {
      auto ir = make_ir(IrOp::Const, expected, span);
      ir->imm = m;
      return ir;
    }
    Diagnostic& d = diags_.error(DiagCode::UnknownEnumValue, span, fmt::format("'{}' is not a value of {}", word, e.name));
    d.help = did_you_mean(word, e.members);
    if (d.help.empty()) {
      const size_t shown = std::min<size_t>(e.members.size(), 12);
      d.help = fmt::format("the values of {} are: {}", e.name,
                           fmt::join(e.members.begin(), e.members.begin() + static_cast<std::ptrdiff_t>(shown), ", "));
    }
    return error_ir(span);
  }
  std::vector<uint32_t> owners;
  for (uint32_t i = 0; i < schema_.enums.size(); ++i)
    if (Schema::find_member(schema_.enums[i], word) >= 0) owners.push_back(i);
  if (owners.size() == 1) {
    TypeId et = schema_.enum_type(owners[0]);
    auto ir = make_ir(IrOp::Const, et, span);
    ir->imm = Schema::find_member(schema_.enums[owners[0]], word);
    return ir;
  }
  if (owners.size() > 1) {
    std::string list;
    for (size_t i = 0; i < owners.size(); ++i) list += (i ? " and " : "") + schema_.enums[owners[i]].name;
    diags_.error(DiagCode::NeedsContext, span, fmt::format("'{}' is a value of {}; which one is meant is not clear here", word, list))
        .help = fmt::format("use it beside a field of the type you mean, as in `FIELD == {}`", word);
    return error_ir(span);
  }
  return nullptr;  // not a word of any enumeration
}

IrPtr Analyzer::field_access(IrPtr base, const std::vector<ast::Name>& parts, size_t from, Span whole) {
  IrPtr cur = std::move(base);
  for (size_t i = from; i < parts.size(); ++i) {
    if (cur->type == types::kError) return cur;
    const Type& t = schema_.type(cur->type);
    const ast::Name& name = parts[i];
    if (t.kind != TypeKind::Record) {
      diags_.error(DiagCode::UnknownField, name.span,
                   fmt::format("'{}' has no fields: it is {}", parts[i - 1].text, article(schema_.type_name(cur->type))));
      return error_ir(whole);
    }
    const RecordDef& rec = schema_.records[t.ref];
    int fi = Schema::find_field(rec, name.text);
    if (fi < 0) {
      std::vector<std::string> names;
      for (const FieldDef& f : rec.fields) names.push_back(f.name);
      std::string owner = cur->path_name.empty() ? rec.name : cur->path_name;
      Diagnostic& d = diags_.error(DiagCode::UnknownField, name.span,
                                   fmt::format("'{}' has no field '{}'", owner, name.text));
      d.help = did_you_mean(name.text, names);
      return error_ir(whole);
    }
    const FieldDef& f = rec.fields[static_cast<size_t>(fi)];
    const Type& ft = schema_.type(f.type);
    std::string path_name = cur->path_name.empty() ? std::string() : cur->path_name + "." + f.name;
    Span sp = Span::join(cur->span, name.span);
    IrPtr next;
    if (cur->op == IrOp::RecordRef) {
      int64_t base_slot = cur->imm + f.offset;
      if (ft.kind == TypeKind::Record) {
        next = make_ir(IrOp::RecordRef, f.type, sp);
        next->imm = f.optional ? base_slot + 1 : base_slot;
        next->aux = f.optional ? static_cast<int32_t>(base_slot) : -1;
      } else {
        next = make_ir(IrOp::Slot, f.type, sp);
        next->imm = base_slot;
        next->path = path_id(path_name);
        next->rec = static_cast<int32_t>(t.ref);
        next->field = fi;
      }
    } else {
      if (ft.kind == TypeKind::Record) {
        next = make_ir(IrOp::SubRecord, f.type, sp);
        next->imm = f.optional ? f.offset + 1 : f.offset;
        next->aux = f.optional ? static_cast<int32_t>(f.offset) : -1;
      } else {
        next = make_ir(IrOp::Field, f.type, sp);
        next->imm = f.offset;
        next->path = path_id(path_name);
        next->rec = static_cast<int32_t>(t.ref);
        next->field = fi;
      }
      next->kids.push_back(std::move(cur));
    }
    next->path_name = path_name;
    if (next->path < 0 && !path_name.empty()) next->path = path_id(path_name);
    cur = std::move(next);
  }
  return cur;
}

IrPtr Analyzer::let_ref(Scope* scope, const ast::LetDecl* decl, Span span) {
  used_lets_.insert(decl);
  auto key = std::make_pair(scope, decl);
  auto& slot = lets_[key];
  if (!slot) {
    slot = std::make_unique<LetInst>();
    slot->scope = scope;
    slot->decl = decl;
  }
  LetInst& inst = *slot;
  if (inst.state == 1) {
    Diagnostic& d = diags_.error(DiagCode::Recursion, decl->name.span,
                                 fmt::format("'{}' is defined in terms of itself", decl->name.text));
    d.help = "definitions may not refer to themselves, directly or through others; every policy must terminate";
    d.notes.push_back({span, "it is used here"});
    return error_ir(span);
  }
  if (inst.state == 0) {
    if (call_too_deep(decl, span)) return error_ir(span);
    inst.state = 1;
    FnCtx fn;
    Env env;
    env.scope = scope;
    env.fn = &fn;
    call_stack_.emplace_back(scope, decl);
    IrPtr body = lower(*decl->body, env);
    call_stack_.pop_back();
    inst.type = body->type;
    inst.path_name = body->path_name;
    if (is_constant(*body)) {
      inst.constant = std::move(body);
    } else if (body->type != types::kError) {
      // Definitions are computed by the VM one inside another, each a level of its
      // stack: bound how deep (the verifier checks the same).
      uint32_t depth = 1 + lets_below(*body, let_depth_);
      if (depth > limits_.max_let_depth) {
        diags_.error(DiagCode::TooDeep, decl->name.span,
                     fmt::format("'{}' is computed from more than {} definitions, one inside another",
                                 decl->name.text, limits_.max_let_depth))
            .help = "definitions may use definitions, but not without end: flatten the chain";
        limit_hit_ = true;
      } else {
        std::string full = scope->name + "." + decl->name.text;
        int32_t f = add_function(std::move(body), fn, full);
        inst.program_let = static_cast<int32_t>(prog_.lets.size());
        prog_.lets.push_back(LetInfo{intern(full), static_cast<uint32_t>(f), inst.type});
        let_depth_.push_back(depth);
      }
    }
    inst.state = 2;
  }
  if (inst.constant) return clone_leaf(*inst.constant, span);
  if (inst.type == types::kError || inst.program_let < 0) return error_ir(span);
  auto ir = make_ir(IrOp::Let, inst.type, span);
  ir->imm = inst.program_let;
  ir->path_name = inst.path_name;
  return ir;
}

IrPtr Analyzer::instantiate(Scope* home, const ast::LetDecl* decl, std::vector<IrPtr> args, Env& env, Span span) {
  used_lets_.insert(decl);
  if (!decl->has_params) {
    diags_.error(DiagCode::BadCall, span, fmt::format("'{}' takes no arguments", decl->name.text))
        .help = fmt::format("write `{}` without parentheses", decl->name.text);
    return error_ir(span);
  }
  if (args.size() != decl->params.size()) {
    diags_.error(DiagCode::BadCall, span,
                 fmt::format("'{}' takes {} argument{}, not {}", decl->name.text, decl->params.size(),
                             decl->params.size() == 1 ? "" : "s", args.size()))
        .notes.push_back({decl->name.span, "defined here"});
    return error_ir(span);
  }
  for (const auto& frame : call_stack_) {
    if (frame.second == decl && frame.first == home) {
      Diagnostic& d = diags_.error(DiagCode::Recursion, decl->name.span,
                                   fmt::format("'{}' calls itself", decl->name.text));
      d.help = "definitions may not refer to themselves, directly or through others; every policy must terminate";
      d.notes.push_back({span, "the call that closes the circle"});
      return error_ir(span);
    }
  }
  bool bad = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i]->type == types::kError) bad = true;
    const ast::Param& p = decl->params[i];
    if (p.type && !bad) {
      TypeId want = resolve_type(*p.type, nullptr);
      if (want != types::kError && args[i]->type != want) {
        diags_.error(DiagCode::TypeMismatch, args[i]->span,
                     fmt::format("'{}' of '{}' is {}; this is {}", p.name.text, decl->name.text,
                                 article(schema_.type_name(want)), article(schema_.type_name(args[i]->type))));
        bad = true;
      }
    }
  }
  if (bad) return error_ir(span);
  if (call_too_deep(decl, span)) return error_ir(span);
  uint32_t first = env.fn->alloc(static_cast<uint32_t>(args.size()));
  Env callee;
  callee.scope = home;
  callee.fn = env.fn;
  callee.in_oblige = env.in_oblige;
  for (size_t i = 0; i < args.size(); ++i)
    callee.locals.push_back(LocalVar{decl->params[i].name.text, first + static_cast<uint32_t>(i), args[i]->type,
                                     args[i]->path_name});
  call_stack_.emplace_back(home, decl);
  IrPtr body = lower(*decl->body, callee);
  call_stack_.pop_back();
  if (body->type == types::kError) return error_ir(span);
  auto ir = make_ir(IrOp::Bind, body->type, span);
  ir->imm = first;
  ir->path_name = body->path_name;
  for (IrPtr& a : args) ir->kids.push_back(std::move(a));
  ir->kids.push_back(std::move(body));
  return ir;
}

IrPtr Analyzer::lower_chain(const ast::Expr& e, Env& env, TypeId expected) {
  std::vector<ast::Name> parts;
  const ast::Expr* cur = &e;
  while (cur->kind == ast::ExprKind::Field) {
    parts.push_back({cur->text, cur->name_span});
    cur = cur->kids[0].get();
  }
  if (cur->kind != ast::ExprKind::Name) {
    IrPtr base = lower(*cur, env);
    std::reverse(parts.begin(), parts.end());
    parts.insert(parts.begin(), ast::Name{"(...)", cur->span});
    return field_access(std::move(base), parts, 1, e.span);
  }
  parts.push_back({cur->text, cur->span});
  std::reverse(parts.begin(), parts.end());
  const std::string& first = parts[0].text;

  for (auto it = env.locals.rbegin(); it != env.locals.rend(); ++it) {
    if (it->name != first) continue;
    auto ir = make_ir(IrOp::Local, it->type, parts[0].span);
    ir->imm = it->index;
    ir->path_name = it->path_name;
    return field_access(std::move(ir), parts, 1, e.span);
  }
  if (parts.size() == 1 && schema_.type(expected).kind == TypeKind::Enum &&
      Schema::find_member(schema_.enums[schema_.type(expected).ref], first) >= 0)
    return lower_word(first, parts[0].span, expected);
  if (env.scope) {
    auto it = env.scope->lets.find(first);
    if (it != env.scope->lets.end()) {
      if (it->second->has_params) {
        diags_.error(DiagCode::BadCall, parts[0].span, fmt::format("'{}' needs arguments", first))
            .notes.push_back({it->second->name.span, "defined here"});
        return error_ir(e.span);
      }
      return field_access(let_ref(env.scope, it->second, parts[0].span), parts, 1, e.span);
    }
  }
  int root = schema_.find_root(first);
  if (root >= 0) {
    const RootDef& r = schema_.roots[static_cast<size_t>(root)];
    auto ir = make_ir(IrOp::RecordRef, schema_.record_type(r.record), parts[0].span);
    ir->imm = r.base;
    ir->aux = -1;
    ir->path_name = r.name;
    return field_access(std::move(ir), parts, 1, e.span);
  }
  if (env.scope) {
    for (size_t k = parts.size() - 1; k >= 1; --k) {
      std::string prefix;
      for (size_t i = 0; i < k; ++i) prefix += (i ? "." : "") + parts[i].text;
      auto mod = env.scope->modules.find(prefix);
      if (mod == env.scope->modules.end()) continue;
      Scope* lib = mod->second;
      auto it = lib->lets.find(parts[k].text);
      if (it == lib->lets.end()) {
        std::vector<std::string> names;
        for (const auto& [n, d] : lib->lets) names.push_back(n);
        diags_.error(DiagCode::UnknownName, parts[k].span,
                     fmt::format("module '{}' has no definition '{}'", prefix, parts[k].text))
            .help = did_you_mean(parts[k].text, names);
        return error_ir(e.span);
      }
      if (it->second->has_params) {
        diags_.error(DiagCode::BadCall, parts[k].span, fmt::format("'{}' needs arguments", parts[k].text))
            .notes.push_back({it->second->name.span, "defined here"});
        return error_ir(e.span);
      }
      return field_access(let_ref(lib, it->second, parts[k].span), parts, k + 1, e.span);
    }
  }
  if (parts.size() == 1) {
    if (IrPtr w = lower_word(first, parts[0].span, expected)) return w;
  }
  if (first == "verdict") {
    diags_.error(DiagCode::UnknownName, parts[0].span, "'verdict' is known only in an obligation's condition");
    return error_ir(e.span);
  }
  Diagnostic& d = diags_.error(DiagCode::UnknownName, parts[0].span, fmt::format("unknown name '{}'", first));
  d.help = did_you_mean(first, visible_names(env));
  if (d.help.empty() && parts.size() > 1)
    d.help = fmt::format("facts are reached from {}; modules need `use {}`",
                         schema_.roots.empty() ? std::string("`contact` and `campaign`")
                                               : fmt::format("`{}`", schema_.roots[0].name),
                         first);
  return error_ir(e.span);
}

IrPtr Analyzer::lower_call(const ast::Expr& e, Env& env) {
  const ast::Expr& callee = *e.kids[0];
  auto lower_args = [&](const ast::LetDecl* decl) {
    std::vector<IrPtr> args;
    for (size_t i = 1; i < e.kids.size(); ++i) {
      TypeId want = types::kError;
      if (decl && i - 1 < decl->params.size() && decl->params[i - 1].type) {
        // Only to give bare enumeration words their type; the check is in instantiate.
        const ast::TypeRef& t = *decl->params[i - 1].type;
        if (t.kind == ast::TypeRef::Named) {
          int en = schema_.find_enum(t.name);
          if (en >= 0) want = schema_.enum_type(static_cast<uint32_t>(en));
        }
      }
      args.push_back(lower(*e.kids[i], env, want));
    }
    return args;
  };
  if (callee.kind == ast::ExprKind::Name) {
    const std::string& name = callee.text;
    bool shadowed = false;
    for (const LocalVar& l : env.locals)
      if (l.name == name) shadowed = true;
    if (env.scope && env.scope->lets.count(name)) {
      const ast::LetDecl* decl = env.scope->lets[name];
      return instantiate(env.scope, decl, lower_args(decl), env, e.span);
    }
    if (!shadowed && name == "known") {
      if (e.kids.size() != 2) {
        diags_.error(DiagCode::BadCall, e.span, "'known' takes one argument: the fact to test");
        return error_ir(e.span);
      }
      IrPtr x = lower(*e.kids[1], env);
      if (x->type == types::kError) return error_ir(e.span);
      if (lint) lint_known(*x, e.span);
      auto ir = make_ir(IrOp::Known, types::kBool, e.span);
      ir->kids.push_back(std::move(x));
      return ir;
    }
    int b = shadowed ? -1 : find_builtin(name);
    if (b >= 0) {
      BuiltinId id = static_cast<BuiltinId>(b);
      const BuiltinInfo& info = builtin_info(id);
      int arity = builtin_arity(id);
      if (static_cast<int>(e.kids.size()) - 1 != arity) {
        diags_.error(DiagCode::BadCall, e.span,
                     fmt::format("'{}' takes {} argument{}", name, arity, arity == 1 ? "" : "s"));
        return error_ir(e.span);
      }
      auto ir = make_ir(IrOp::Builtin, types::kError, e.span);
      ir->imm = b;
      bool bad = false;
      for (int i = 0; i < arity; ++i) {
        IrPtr a = lower(*e.kids[static_cast<size_t>(i) + 1], env);
        char want = info.signature[i];
        const Type& t = schema_.type(a->type);
        bool ok = a->type == types::kError || (want == 's' && t.kind == TypeKind::String) ||
                  (want == 'b' && t.kind == TypeKind::Bool) || (want == 'i' && t.kind == TypeKind::Int) ||
                  (want == 'l' && t.kind == TypeKind::List);
        if (a->type == types::kError) bad = true;
        if (!ok) {
          const char* wanted = want == 's' ? "a string" : want == 'b' ? "true or false" : want == 'i' ? "a number" : "a list";
          diags_.error(DiagCode::TypeMismatch, a->span,
                       fmt::format("'{}' takes {} here; this is {}", name, wanted, article(schema_.type_name(a->type))));
          bad = true;
        }
        ir->kids.push_back(std::move(a));
      }
      if (bad) return error_ir(e.span);
      const char* ret = std::strchr(info.signature, '>') + 1;
      ir->type = *ret == 's' ? types::kString : *ret == 'b' ? types::kBool : types::kInt;
      return ir;
    }
  } else if (callee.kind == ast::ExprKind::Field && env.scope) {
    std::vector<std::string> parts;
    const ast::Expr* cur = &callee;
    while (cur->kind == ast::ExprKind::Field) {
      parts.push_back(cur->text);
      cur = cur->kids[0].get();
    }
    if (cur->kind == ast::ExprKind::Name) {
      parts.push_back(cur->text);
      std::reverse(parts.begin(), parts.end());
      std::string prefix;
      for (size_t i = 0; i + 1 < parts.size(); ++i) prefix += (i ? "." : "") + parts[i];
      auto mod = env.scope->modules.find(prefix);
      if (mod != env.scope->modules.end()) {
        auto it = mod->second->lets.find(parts.back());
        if (it == mod->second->lets.end()) {
          std::vector<std::string> names;
          for (const auto& [n, d] : mod->second->lets) names.push_back(n);
          diags_.error(DiagCode::UnknownName, callee.name_span,
                       fmt::format("module '{}' has no definition '{}'", prefix, parts.back()))
              .help = did_you_mean(parts.back(), names);
          return error_ir(e.span);
        }
        return instantiate(mod->second, it->second, lower_args(it->second), env, e.span);
      }
      bool known_root = schema_.find_root(parts[0]) >= 0;
      if (!known_root && !env.scope->lets.count(parts[0])) {
        std::vector<std::string> mods;
        for (const auto& [n, s] : env.scope->modules) mods.push_back(n);
        Diagnostic& d = diags_.error(DiagCode::UnknownModule, cur->span, fmt::format("no module '{}' is in use here", prefix));
        std::string near = closest_name(prefix, mods);
        d.help = near.empty() ? fmt::format("add `use {}` at the top of the file", prefix)
                              : fmt::format("did you mean '{}'?", near);
        return error_ir(e.span);
      }
    }
  }
  diags_.error(DiagCode::BadCall, callee.span, "only definitions with parameters and library functions can be called");
  return error_ir(e.span);
}

IrPtr Analyzer::lower_set_literal(const ast::Expr& e, Env& env, TypeId elem) {
  (void)env;
  const Type& et = schema_.type(elem);
  if (elem == types::kError) {
    // No context: a set of strings, or of words that belong to one enumeration.
    bool all_strings = !e.kids.empty(), all_words = !e.kids.empty();
    for (const auto& k : e.kids) {
      all_strings = all_strings && k->kind == ast::ExprKind::String;
      all_words = all_words && k->kind == ast::ExprKind::Name;
    }
    if (all_strings) return lower_set_literal(e, env, types::kString);
    if (all_words) {
      std::vector<uint32_t> owners;
      for (uint32_t i = 0; i < schema_.enums.size(); ++i) {
        bool all = true;
        for (const auto& k : e.kids) all = all && Schema::find_member(schema_.enums[i], k->text) >= 0;
        if (all) owners.push_back(i);
      }
      if (owners.size() == 1) return lower_set_literal(e, env, schema_.enum_type(owners[0]));
      diags_.error(DiagCode::NeedsContext, e.span,
                   owners.empty() ? std::string("these words are not the values of one enumeration")
                                  : std::string("these words are values of more than one enumeration; which is meant is not clear here"))
          .help = "use the set where it is compared: `contact.entity in {company, llp}`";
      return error_ir(e.span);
    }
    diags_.error(DiagCode::NeedsContext, e.span, "a set holds values of an enumeration, or strings");
    return error_ir(e.span);
  }
  if (et.kind == TypeKind::Enum) {
    int64_t bits = 0;
    bool bad = false;
    for (const auto& k : e.kids) {
      if (k->kind != ast::ExprKind::Name) {
        diags_.error(DiagCode::TypeMismatch, k->span,
                     fmt::format("a set of {} holds its values, written as bare words", schema_.type_name(elem)));
        bad = true;
        continue;
      }
      IrPtr w = lower_word(k->text, k->span, elem);
      if (w->type == types::kError) {
        bad = true;
        continue;
      }
      bits |= int64_t{1} << w->imm;
    }
    if (bad) return error_ir(e.span);
    auto ir = make_ir(IrOp::Const, schema_.set_of(elem), e.span);
    ir->imm = bits;
    return ir;
  }
  if (et.kind == TypeKind::String) {
    std::vector<uint32_t> ids;
    std::unordered_set<uint32_t> seen;  // a set literal may hold a great many strings
    bool bad = false;
    for (const auto& k : e.kids) {
      if (k->kind != ast::ExprKind::String) {
        diags_.error(DiagCode::TypeMismatch, k->span, "a set of strings holds strings in double quotes");
        bad = true;
        continue;
      }
      uint32_t id = intern(k->text);
      if (seen.insert(id).second) ids.push_back(id);
    }
    if (bad) return error_ir(e.span);
    auto ir = make_ir(IrOp::StrSet, schema_.set_of(types::kString), e.span);
    ir->imm = static_cast<int64_t>(prog_.string_sets.size());
    prog_.string_sets.push_back(std::move(ids));
    return ir;
  }
  diags_.error(DiagCode::BadOperands, e.span,
               fmt::format("a set holds values of an enumeration, or strings, not {}", article(schema_.type_name(elem))));
  return error_ir(e.span);
}

IrPtr Analyzer::lower_compare(const ast::Expr& e, Env& env) {
  const ast::Expr& l = *e.kids[0];
  const ast::Expr& r = *e.kids[1];
  IrPtr a, b;
  if (is_bare_word(l, env) && !is_bare_word(r, env)) {
    b = lower(r, env);
    a = lower(l, env, b->type);
  } else {
    a = lower(l, env);
    // A bare word beside an operand already in error has no type to take: say nothing.
    if (a->type == types::kError && is_bare_word(r, env)) return error_ir(e.span);
    b = lower(r, env, a->type);
  }
  if (a->type == types::kError || b->type == types::kError) return error_ir(e.span);
  CmpOp op = cmp_of(e.op);
  const Type& ta = schema_.type(a->type);
  const Type& tb = schema_.type(b->type);
  if (ta.kind == TypeKind::Span || tb.kind == TypeKind::Span) {
    bool swapped = tb.kind == TypeKind::Span;
    const Type& other = swapped ? ta : tb;
    if (other.kind != TypeKind::Duration || (ta.kind == TypeKind::Span && tb.kind == TypeKind::Span)) {
      diags_.error(DiagCode::BadOperands, e.span, "the difference of two dates is compared with a duration")
          .help = "write it as `campaign.send_date - contact.last_contact > 3 years`";
      return error_ir(e.span);
    }
    auto ir = make_ir(IrOp::SpanCmp, types::kBool, e.span);
    ir->aux = static_cast<int32_t>(swapped ? flip(op) : op);
    ir->kids.push_back(swapped ? std::move(b) : std::move(a));
    ir->kids.push_back(swapped ? std::move(a) : std::move(b));
    return ir;
  }
  if (a->type != b->type) {
    Diagnostic& d = diags_.error(DiagCode::TypeMismatch, e.span,
                                 fmt::format("cannot compare {} with {}", article(schema_.type_name(a->type)),
                                             article(schema_.type_name(b->type))));
    if ((ta.kind == TypeKind::Date && tb.kind == TypeKind::String) || (tb.kind == TypeKind::Date && ta.kind == TypeKind::String))
      d.help = "a date is written without quotes: 2024-01-01";
    else if (ta.kind == TypeKind::Enum && tb.kind == TypeKind::String)
      d.help = fmt::format("a value of {} is written without quotes", schema_.type_name(a->type));
    else if (tb.kind == TypeKind::Enum && ta.kind == TypeKind::String)
      d.help = fmt::format("a value of {} is written without quotes", schema_.type_name(b->type));
    return error_ir(e.span);
  }
  bool ordered = op != CmpOp::Eq && op != CmpOp::Ne;
  switch (ta.kind) {
    case TypeKind::Int:
    case TypeKind::Date:
      break;
    case TypeKind::Bool:
    case TypeKind::Enum:
    case TypeKind::Verdict:
    case TypeKind::Duration:
      if (ordered) {
        diags_.error(DiagCode::BadOperands, e.span,
                     fmt::format("{} values can be equal or not, but not smaller or larger", schema_.type_name(a->type)))
            .help = ta.kind == TypeKind::Duration ? "compare dates instead: `a - b > 3 years`" : "";
        return error_ir(e.span);
      }
      break;
    case TypeKind::String: {
      if (ordered) {
        diags_.error(DiagCode::BadOperands, e.span, "strings can be equal or not, but not smaller or larger");
        return error_ir(e.span);
      }
      auto ir = make_ir(IrOp::StrCmp, types::kBool, e.span);
      ir->aux = static_cast<int32_t>(op);
      ir->kids.push_back(std::move(a));
      ir->kids.push_back(std::move(b));
      return ir;
    }
    default:
      diags_.error(DiagCode::BadOperands, e.span,
                   fmt::format("{} cannot be compared with `{}`", article(schema_.type_name(a->type)), ast::binop_text(e.op)))
          .help = ta.kind == TypeKind::List ? "test its elements with `any x in ...:` or `x in ...`" : "";
      return error_ir(e.span);
  }
  auto ir = make_ir(IrOp::Cmp, types::kBool, e.span);
  ir->aux = static_cast<int32_t>(op);
  ir->kids.push_back(std::move(a));
  ir->kids.push_back(std::move(b));
  return ir;
}

IrPtr Analyzer::lower_binary(const ast::Expr& e, Env& env) {
  IrPtr a = lower(*e.kids[0], env);
  IrPtr b = lower(*e.kids[1], env);
  if (a->type == types::kError || b->type == types::kError) return error_ir(e.span);
  TypeKind ka = schema_.type(a->type).kind, kb = schema_.type(b->type).kind;
  auto make = [&](IrOp op, TypeId type, IrPtr x, IrPtr y, int32_t aux = 0) {
    auto ir = make_ir(op, type, e.span);
    ir->aux = aux;
    ir->kids.push_back(std::move(x));
    ir->kids.push_back(std::move(y));
    return ir;
  };
  switch (e.op) {
    case ast::BinOp::Add:
      if (ka == TypeKind::Int && kb == TypeKind::Int) return make(IrOp::Arith, types::kInt, std::move(a), std::move(b), static_cast<int32_t>(ArithOp::Add));
      if (ka == TypeKind::Date && kb == TypeKind::Duration) return make(IrOp::DateAdd, types::kDate, std::move(a), std::move(b));
      if (ka == TypeKind::Duration && kb == TypeKind::Date) return make(IrOp::DateAdd, types::kDate, std::move(b), std::move(a));
      if (ka == TypeKind::Duration && kb == TypeKind::Duration) return make(IrOp::DurAdd, types::kDuration, std::move(a), std::move(b));
      break;
    case ast::BinOp::Sub:
      if (ka == TypeKind::Int && kb == TypeKind::Int) return make(IrOp::Arith, types::kInt, std::move(a), std::move(b), static_cast<int32_t>(ArithOp::Sub));
      if (ka == TypeKind::Date && kb == TypeKind::Duration) return make(IrOp::DateSub, types::kDate, std::move(a), std::move(b));
      if (ka == TypeKind::Date && kb == TypeKind::Date) return make(IrOp::DateDiff, types::kSpan, std::move(a), std::move(b));
      break;
    case ast::BinOp::Mul:
      if (ka == TypeKind::Int && kb == TypeKind::Int) return make(IrOp::Arith, types::kInt, std::move(a), std::move(b), static_cast<int32_t>(ArithOp::Mul));
      break;
    default:
      break;
  }
  Diagnostic& d = diags_.error(DiagCode::BadOperands, e.span,
                               fmt::format("cannot apply `{}` to {} and {}", ast::binop_text(e.op),
                                           article(schema_.type_name(a->type)), article(schema_.type_name(b->type))));
  if (ka == TypeKind::Date || kb == TypeKind::Date)
    d.help = "dates take durations (`given_at + 2 years`) and give spans when subtracted (`a - b > 6 months`)";
  return error_ir(e.span);
}

IrPtr Analyzer::lower_in(const ast::Expr& e, Env& env) {
  const ast::Expr& x = *e.kids[0];
  const ast::Expr& coll = *e.kids[1];
  IrPtr result;
  if (coll.kind == ast::ExprKind::Set || coll.kind == ast::ExprKind::List) {
    IrPtr a = lower(x, env);
    if (a->type == types::kError) return error_ir(e.span);
    IrPtr s = lower_set_literal(coll, env, a->type);
    if (s->type == types::kError) return error_ir(e.span);
    if (s->op == IrOp::StrSet) {
      result = make_ir(IrOp::InStrSet, types::kBool, e.span);
      result->imm = s->imm;
      result->kids.push_back(std::move(a));
    } else {
      result = make_ir(IrOp::InSet, types::kBool, e.span);
      result->kids.push_back(std::move(a));
      result->kids.push_back(std::move(s));
    }
  } else {
    IrPtr a, c;
    if (is_bare_word(x, env)) {
      c = lower(coll, env);
      const Type& ct = schema_.type(c->type);
      TypeId elem = (ct.kind == TypeKind::List || ct.kind == TypeKind::Set) ? ct.ref : types::kError;
      a = lower(x, env, elem);
    } else {
      a = lower(x, env);
      c = lower(coll, env);
    }
    if (a->type == types::kError || c->type == types::kError) return error_ir(e.span);
    const Type& ct = schema_.type(c->type);
    if (ct.kind != TypeKind::List && ct.kind != TypeKind::Set) {
      diags_.error(DiagCode::NotAList, coll.span,
                   fmt::format("`in` needs a list or a set on its right; this is {}", article(schema_.type_name(c->type))));
      return error_ir(e.span);
    }
    if (ct.ref != a->type) {
      diags_.error(DiagCode::TypeMismatch, e.span,
                   fmt::format("{} cannot be in a {}", article(schema_.type_name(a->type)), schema_.type_name(c->type)));
      return error_ir(e.span);
    }
    TypeKind ek = schema_.type(a->type).kind;
    if (ct.kind == TypeKind::Set) {
      if (c->op == IrOp::StrSet) {
        result = make_ir(IrOp::InStrSet, types::kBool, e.span);
        result->imm = c->imm;
        result->kids.push_back(std::move(a));
      } else {
        result = make_ir(IrOp::InSet, types::kBool, e.span);
        result->kids.push_back(std::move(a));
        result->kids.push_back(std::move(c));
      }
    } else if (ek == TypeKind::Record || ek == TypeKind::List) {
      diags_.error(DiagCode::BadOperands, e.span, "`in` tests a value against a list of values, not of records")
          .help = "use `any x in ...: condition`";
      return error_ir(e.span);
    } else {
      result = make_ir(ek == TypeKind::String ? IrOp::InListStr : IrOp::InList, types::kBool, e.span);
      result->kids.push_back(std::move(a));
      result->kids.push_back(std::move(c));
    }
  }
  if (e.negated) {
    auto n = make_ir(IrOp::Not, types::kBool, e.span);
    n->kids.push_back(std::move(result));
    return n;
  }
  return result;
}

IrPtr Analyzer::lower_quant(const ast::Expr& e, Env& env) {
  IrPtr coll = lower(*e.kids[0], env);
  if (coll->type == types::kError) return error_ir(e.span);
  const Type& ct = schema_.type(coll->type);
  if (ct.kind != TypeKind::List) {
    diags_.error(DiagCode::NotAList, e.kids[0]->span,
                 fmt::format("`{}` goes through a list; this is {}", ast::quant_text(e.quant),
                             article(schema_.type_name(coll->type))));
    return error_ir(e.span);
  }
  TypeId elem = ct.ref;
  uint32_t base = env.fn->alloc(4);
  Env inner = env;
  inner.locals.push_back(LocalVar{e.text, base + 2, elem, coll->path_name});
  IrPtr body = lower(*e.kids[1], inner, types::kBool);
  if (body->type == types::kError) return error_ir(e.span);
  if (body->type != types::kBool) {
    diags_.error(DiagCode::NotBool, e.kids[1]->span,
                 fmt::format("the condition after `{} {} in ...:` must be true or false; this is {}",
                             ast::quant_text(e.quant), e.text, article(schema_.type_name(body->type))));
    return error_ir(e.span);
  }
  auto ir = make_ir(IrOp::Quant, e.quant == ast::Quant::Count ? types::kInt : types::kBool, e.span);
  ir->aux = static_cast<int32_t>(e.quant);
  ir->imm = base;
  const Type& et = schema_.type(elem);
  ir->stride = et.kind == TypeKind::Record ? schema_.records[et.ref].size : 0;
  ir->kids.push_back(std::move(coll));
  ir->kids.push_back(std::move(body));
  return ir;
}

IrPtr Analyzer::lower_if(const ast::Expr& e, Env& env, TypeId expected) {
  IrPtr c = lower_condition(*e.kids[0], env, "the condition of `if`");
  IrPtr a = lower(*e.kids[1], env, expected);
  IrPtr b = lower(*e.kids[2], env, a->type != types::kError ? a->type : expected);
  if (c->type == types::kError || a->type == types::kError || b->type == types::kError) return error_ir(e.span);
  if (a->type != b->type) {
    diags_.error(DiagCode::TypeMismatch, e.span,
                 fmt::format("`then` gives {} but `else` gives {}", article(schema_.type_name(a->type)),
                             article(schema_.type_name(b->type))));
    return error_ir(e.span);
  }
  auto ir = make_ir(IrOp::If, a->type, e.span);
  ir->path_name = a->path_name == b->path_name ? a->path_name : std::string();
  ir->kids.push_back(std::move(c));
  ir->kids.push_back(std::move(a));
  ir->kids.push_back(std::move(b));
  return ir;
}

IrPtr Analyzer::lower(const ast::Expr& e, Env& env, TypeId expected) {
  // Calls to definitions with parameters are expanded here, so the expression being
  // lowered can be far deeper and larger than any declaration the parser bounded (a
  // definition calling another twice doubles it). Stop at the limits with one error.
  if (limit_hit_) return error_ir(e.span);
  if (++lowered_ > limits_.max_nodes) {
    limit_hit_ = true;
    diags_.error(DiagCode::TooMany, e.span,
                 fmt::format("more than {} operations once calls to definitions are expanded", limits_.max_nodes))
        .help = "a definition that calls another twice doubles it at each level; compute shared parts once in a "
                "definition without parameters";
    return error_ir(e.span);
  }
  if (lower_depth_ >= limits_.max_expr_depth) {
    limit_hit_ = true;
    diags_.error(DiagCode::TooDeep, e.span,
                 fmt::format("expressions nested more than {} deep once calls to definitions are expanded",
                             limits_.max_expr_depth))
        .help = "split the expression with definitions without parameters, which are computed on their own";
    return error_ir(e.span);
  }
  ++lower_depth_;
  IrPtr ir = lower_node(e, env, expected);
  --lower_depth_;
  return ir;
}

bool Analyzer::call_too_deep(const ast::LetDecl* decl, Span span) {
  if (call_stack_.size() < limits_.max_call_depth) return false;
  Diagnostic& d = diags_.error(DiagCode::TooDeep, span,
                               fmt::format("'{}' is used here inside {} other definitions, one inside another; "
                                           "the limit is {}",
                                           decl->name.text, call_stack_.size(), limits_.max_call_depth));
  d.help = "definitions may use definitions, but not without end: flatten the chain";
  limit_hit_ = true;
  return true;
}


IrPtr Analyzer::lower_node(const ast::Expr& e, Env& env, TypeId expected) {
  auto constant = [&](TypeId t, int64_t v) {
    auto ir = make_ir(IrOp::Const, t, e.span);
    ir->imm = v;
    return ir;
  };
  switch (e.kind) {
    case ast::ExprKind::Bool: return constant(types::kBool, e.ival);
    case ast::ExprKind::Int: return constant(types::kInt, e.ival);
    case ast::ExprKind::Date: return constant(types::kDate, e.ival);
    case ast::ExprKind::Duration: return constant(types::kDuration, make_duration(e.months, e.days));
    case ast::ExprKind::VerdictLit: return constant(types::kVerdict, e.ival);
    case ast::ExprKind::String: {
      auto ir = make_ir(IrOp::Str, types::kString, e.span);
      ir->imm = intern(e.text);
      return ir;
    }
    case ast::ExprKind::VerdictRef:
      if (!env.in_oblige) {
        diags_.error(DiagCode::UnknownName, e.span, "'verdict' is known only in an obligation's condition");
        return error_ir(e.span);
      }
      return make_ir(IrOp::Verdict, types::kVerdict, e.span);
    case ast::ExprKind::Name:
    case ast::ExprKind::Field:
      return lower_chain(e, env, expected);
    case ast::ExprKind::Call:
      return lower_call(e, env);
    case ast::ExprKind::Set:
    case ast::ExprKind::List: {
      const Type& t = schema_.type(expected);
      return lower_set_literal(e, env, t.kind == TypeKind::Set || t.kind == TypeKind::List ? t.ref : types::kError);
    }
    case ast::ExprKind::Neg: {
      IrPtr a = lower(*e.kids[0], env);
      if (a->type == types::kError) return a;
      if (a->type != types::kInt) {
        diags_.error(DiagCode::BadOperands, e.span, fmt::format("only a number can be negated; this is {}", article(schema_.type_name(a->type))));
        return error_ir(e.span);
      }
      auto ir = make_ir(IrOp::Neg, types::kInt, e.span);
      ir->kids.push_back(std::move(a));
      return ir;
    }
    case ast::ExprKind::Not: {
      IrPtr a = lower_condition(*e.kids[0], env, "what follows `not`");
      if (a->type == types::kError) return a;
      auto ir = make_ir(IrOp::Not, types::kBool, e.span);
      ir->kids.push_back(std::move(a));
      return ir;
    }
    case ast::ExprKind::Binary:
      switch (e.op) {
        case ast::BinOp::And:
        case ast::BinOp::Or: {
          const char* what = e.op == ast::BinOp::And ? "each side of `and`" : "each side of `or`";
          IrPtr a = lower_condition(*e.kids[0], env, what);
          IrPtr b = lower_condition(*e.kids[1], env, what);
          if (a->type == types::kError || b->type == types::kError) return error_ir(e.span);
          auto ir = make_ir(e.op == ast::BinOp::And ? IrOp::And : IrOp::Or, types::kBool, e.span);
          ir->kids.push_back(std::move(a));
          ir->kids.push_back(std::move(b));
          return ir;
        }
        case ast::BinOp::Eq:
        case ast::BinOp::Ne:
        case ast::BinOp::Lt:
        case ast::BinOp::Le:
        case ast::BinOp::Gt:
        case ast::BinOp::Ge:
          return lower_compare(e, env);
        default:
          return lower_binary(e, env);
      }
    case ast::ExprKind::In: return lower_in(e, env);
    case ast::ExprKind::Quant: return lower_quant(e, env);
    case ast::ExprKind::If: return lower_if(e, env, expected);
    case ast::ExprKind::Error: return error_ir(e.span);
  }
  return error_ir(e.span);
}

}  // namespace lawful::sema
