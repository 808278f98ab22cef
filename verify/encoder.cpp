#include "verify/encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>

#include "runtime/bytecode/opcodes.h"
#include "runtime/core/builtins.h"
#include "runtime/core/dates.h"
#include "runtime/core/value.h"

namespace lawful::verify {

namespace {

// Every date a fact holds lies in these years (the stated domain of every result): the
// VM's date arithmetic then never leaves the years 1 to 9999, where it stops with an error.
const Days kDateLo = days_from_civil(1900, 1, 1);
const Days kDateHi = days_from_civil(2199, 12, 31);
constexpr size_t kMaxPaths = 200000;  // per function: past it, "unsupported" (too many paths)

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Encoder::Encoder(z3::context& ctx, const Program& prog, const Options& opt, const std::string& prefix,
                 const Encoder* values_of)
    : ctx_(ctx), prog_(prog), opt_(opt), prefix_(prefix),
      lower_(ctx.function("lower", ctx.string_sort(), ctx.string_sort())),
      domain_fn_(ctx.function("domain", ctx.string_sort(), ctx.string_sort())),
      local_fn_(ctx.function("local_part", ctx.string_sort(), ctx.string_sort())) {
  const Schema& s = prog.schema;
  // The same values: the same (year, month, day) of each date term, whose constraints
  // values_of's solver already holds.
  if (values_of) {
    civil_ = values_of->civil_;
    splits_ = values_of->splits_;  // the same parts of the same addresses
  }
  slots_.resize(s.root_slots);
  for (const RootDef& root : s.roots) {
    JNode n;
    n.name = root.name;
    n.kind = JNode::Record;
    alloc_record(root.record, root.base, n.fields, root.name, false);
    roots_.push_back(std::move(n));
  }
  for (size_t k = 0; k < slots_.size(); ++k) {
    const VSlot& v = slots_[k];
    std::string base = fmt::format("{}{}_{}", prefix_, k, v.path);
    known_.push_back(ctx_.bool_const((base + "_known").c_str()));
    val_.push_back(ctx_.int_const((base + "_val").c_str()));
    const bool is_str = v.kind == VSlot::Scalar && v.type == types::kString;
    str_.push_back(is_str ? ctx_.string_const((base + "_str").c_str()) : ctx_.string_val(""));
    if (values_of) {
      val_.back() = values_of->val_[k];
      str_.back() = values_of->str_[k];
    }
    z3::expr kn = known_.back(), x = val_.back();
    if (v.kind == VSlot::List) {
      domain_.push_back(x >= 0 && x <= static_cast<int>(opt_.max_list));
      if (v.has_default) domain_.push_back(kn);
      continue;
    }
    if (v.kind == VSlot::Presence) continue;
    if (v.element || v.has_default) domain_.push_back(kn);
    const Type& t = s.type(v.type);
    switch (t.kind) {
      case TypeKind::Bool: domain_.push_back(x >= 0 && x <= 1); break;
      case TypeKind::Enum:
        domain_.push_back(x >= 0 && x < static_cast<int>(s.enums[t.ref].members.size()));
        break;
      case TypeKind::Date: {
        z3::expr in = x >= kDateLo && x <= kDateHi;
        if (v.has_default) in = in || x == ctx_.int_val(v.default_value);
        domain_.push_back(in);
        break;
      }
      case TypeKind::Int: domain_.push_back(x >= ctx_.int_val(-(int64_t{1} << 31)) && x <= ctx_.int_val(int64_t{1} << 31)); break;
      default: break;
    }
  }
}

uint32_t Encoder::alloc_record(uint32_t rec, uint32_t base, std::vector<JNode>& out, const std::string& prefix,
                               bool in_list) {
  const Schema& s = prog_.schema;
  // Copies: slots_ grows below.
  const std::vector<FieldDef> fields = s.records[rec].fields;
  for (const FieldDef& f : fields) {
    const Type t = s.type(f.type);
    const uint32_t at = base + f.offset;
    const std::string path = prefix + "." + f.name;
    JNode n;
    n.name = f.name;
    n.slot = at;
    if (t.kind == TypeKind::Record) {
      if (f.optional) {
        n.kind = JNode::OptRecord;
        slots_[at].kind = VSlot::Presence;
        slots_[at].path = path;
        alloc_record(t.ref, at + 1, n.fields, path, in_list);
      } else {
        n.kind = JNode::Record;
        alloc_record(t.ref, at, n.fields, path, in_list);
      }
    } else if (t.kind == TypeKind::List) {
      n.kind = JNode::List;
      const Type et = s.type(t.ref);
      const uint32_t stride = et.kind == TypeKind::Record ? s.records[et.ref].size : 0;
      const uint32_t region = static_cast<uint32_t>(slots_.size());
      slots_[at].kind = VSlot::List;
      slots_[at].type = t.ref;
      slots_[at].has_default = f.has_default;
      slots_[at].region = region;
      slots_[at].stride = stride;
      slots_[at].path = path;
      slots_.resize(region + opt_.max_list * std::max<uint32_t>(stride, 1));
      if (stride == 0) {
        n.scalar_elems = true;
        for (uint32_t i = 0; i < opt_.max_list; ++i) {
          slots_[region + i].type = t.ref;
          slots_[region + i].element = true;
          slots_[region + i].path = path;
        }
      } else {
        n.elems.resize(opt_.max_list);
        for (uint32_t i = 0; i < opt_.max_list; ++i) alloc_record(et.ref, region + i * stride, n.elems[i], path, true);
      }
    } else {
      slots_[at].type = f.type;
      slots_[at].has_default = f.has_default;
      slots_[at].default_value = f.default_value;
      slots_[at].path = path;
    }
    out.push_back(std::move(n));
  }
  (void)in_list;
  return base;
}

SVal Encoder::mk_bool(const z3::expr& known, const z3::expr& b) {
  if (known.is_false()) return unknown();
  if (known.is_true() && (b.is_true() || b.is_false())) return mk_const(b.is_true() ? kTrue : kFalse);
  SVal v(ctx_);
  v.known = known;
  v.num = z3::ite(b, ctx_.int_val(1), ctx_.int_val(0));
  return v;
}

SVal Encoder::mk_const(int64_t w) {
  SVal v(ctx_);
  if (w == kUnknown) return unknown();
  v.known = ctx_.bool_val(true);
  v.num = ctx_.int_val(w);
  v.is_const = true;
  v.cval = w;
  return v;
}

SVal Encoder::unknown() {
  SVal v(ctx_);
  v.known = ctx_.bool_val(false);
  v.num = ctx_.int_val(0);
  v.is_const = true;
  v.cval = kUnknown;
  return v;
}

SVal Encoder::load_slot(int64_t slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= slots_.size()) throw Unsupported("a fact outside the schema's layout");
  const VSlot& vs = slots_[static_cast<size_t>(slot)];
  SVal v(ctx_);
  v.known = known_[static_cast<size_t>(slot)];
  if (vs.kind == VSlot::List) {
    v.kind = SVal::List;
    v.num = val_[static_cast<size_t>(slot)];
    v.base = vs.region;
    v.stride = vs.stride;
    return v;
  }
  if (vs.kind == VSlot::Presence) throw Unsupported("a read of a record's presence slot as a value");
  if (vs.type == types::kString) {
    v.kind = SVal::Str;
    v.str = str_[static_cast<size_t>(slot)];
    v.num = ctx_.int_val(0);
    return v;
  }
  v.num = val_[static_cast<size_t>(slot)];
  return v;
}

z3::expr Encoder::as_str(const SVal& v) {
  if (v.kind == SVal::Str) return v.str;
  if (v.is_const && v.cval != kUnknown) {
    if (v.cval < 0 || static_cast<uint64_t>(v.cval) >= prog_.strings.size())
      throw Unsupported("a string constant outside the program's strings");
    return text_val(prog_.strings[static_cast<size_t>(v.cval)]);
  }
  if (v.is_const) return ctx_.string_val("");  // unknown: its text is never read
  throw Unsupported("a computed value used as a string");
}

z3::expr Encoder::text_val(const std::string& s) {
  z3::expr e = ctx_.string_val(s);
  texts_.emplace(e.id(), std::make_pair(e, s));
  return e;
}

bool Encoder::text_of(const z3::expr& e, std::string& out) const {
  auto it = texts_.find(e.id());
  if (it == texts_.end()) return false;
  out = it->second.second;
  return true;
}

// A text with its ASCII capitals lowered, every other byte as it is: what the VM's lower()
// gives (runtime/vm/run_builtin.cpp).
static std::string ascii_lowered(std::string text) {
  for (char& ch : text)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + ('a' - 'A'));
  return text;
}

// The VM lowers the ASCII capitals of the text's bytes and leaves every other byte as it
// is (runtime/vm/run_builtin.cpp). A byte of a multi-byte UTF-8 character is never ASCII,
// so the text splits at ASCII letters into pieces the solver reads as the VM does: each
// letter of c is that letter or its capital in t, each run of other characters is itself.
// No capital of c can come out of lower(). Exact for texts of any length.
z3::expr Encoder::lower_equals(const z3::expr& t, const std::string& c) const {
  auto letter = [](char x) { return (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z'); };
  z3::expr all = ctx_.bool_val(true);
  z3::expr at = ctx_.int_val(0);
  size_t i = 0;
  while (i < c.size()) {
    const char ch = c[i];
    if (ch >= 'A' && ch <= 'Z') return ctx_.bool_val(false);
    if (letter(ch)) {
      const z3::expr here = t.at(at);
      all = all && (here == ctx_.string_val(std::string(1, ch)) ||
                    here == ctx_.string_val(std::string(1, static_cast<char>(ch - 32))));
      at = (at + 1).simplify();
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !letter(c[j])) ++j;
    const z3::expr run = ctx_.string_val(c.substr(i, j - i));
    const z3::expr len = run.length().simplify();
    all = all && t.extract(at, len) == run;
    at = (at + len).simplify();
    i = j;
  }
  return t.length() == at && all;
}

z3::expr Encoder::str_equals(const z3::expr& a, const z3::expr& b) {
  std::string text;
  auto applies = [&](const z3::expr& e) {
    if (!e.is_app()) return false;
    const unsigned f = e.decl().id();
    return f == lower_.id() || f == domain_fn_.id() || f == local_fn_.id();
  };
  const z3::expr* l = applies(a) && text_of(b, text) ? &a : applies(b) && text_of(a, text) ? &b : nullptr;
  if (!l || !exact_done_.insert({l->id(), text}).second) return a == b;
  const z3::expr s = l->arg(0);
  const z3::expr is = *l == text_val(text);
  const unsigned f = l->decl().id();
  if (f == lower_.id()) {
    exact_.push_back(is == lower_equals(s, text));
  } else {
    // domain() and local_part() are read only when the address has an '@'.
    const auto [pre, post] = split_at_last_at(s);
    exact_.push_back(z3::implies(s.contains(ctx_.string_val("@")), is == lower_equals(f == domain_fn_.id() ? post : pre, text)));
  }
  return a == b;
}

std::pair<z3::expr, z3::expr> Encoder::split_at_last_at(const z3::expr& s) {
  auto it = splits_.find(s.id());
  if (it != splits_.end()) return {it->second[1], it->second[2]};
  const unsigned n = fresh_++;
  z3::expr pre = ctx_.string_const(fmt::format("{}_at{}_pre", prefix_, n).c_str());
  z3::expr post = ctx_.string_const(fmt::format("{}_at{}_post", prefix_, n).c_str());
  const z3::expr at = ctx_.string_val("@");
  // With an '@', exactly one pair: the part after the last '@' holds none.
  exact_.push_back(z3::implies(s.contains(at), s == z3::concat(pre, z3::concat(at, post)) && !post.contains(at)));
  splits_.emplace(s.id(), std::vector<z3::expr>{s, pre, post});
  return {pre, post};
}

z3::expr Encoder::days_from_civil(const z3::expr& y0, const z3::expr& m, const z3::expr& d) {
  // runtime/core/dates.cpp, for years >= 1 (the domain): the same divisions.
  z3::expr y = y0 - z3::ite(m <= 2, ctx_.int_val(1), ctx_.int_val(0));
  z3::expr era = y / 400;
  z3::expr yoe = y - era * 400;
  z3::expr doy = (153 * (m + z3::ite(m > 2, ctx_.int_val(-3), ctx_.int_val(9))) + 2) / 5 + d - 1;
  z3::expr doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

z3::expr Encoder::add_duration(const z3::expr& day, int32_t months, int32_t days, int sign) {
  if (months == 0) return day + sign * days;
  // The date as (year, month, day): fresh variables tied to it by days_from_civil, a
  // side constraint (the solver searches years and months, not the inverse's chain of
  // divisions, which it could not: issue 18, fr.cnil). Tied within the years 1600 to
  // 2600; outside, free (more behaviours than the VM's: sound for proofs).
  // One decomposition per date term (terms are shared in a context, so the same
  // expression has the same id): two conditions on the same date then agree on their
  // face, without the solver having to show that days_from_civil is one to one.
  auto [it, fresh_term] = civil_.try_emplace(day.id(), std::vector<z3::expr>{});
  auto month_days = [&](const z3::expr& y, const z3::expr& m) {
    z3::expr leap = (z3::mod(y, 4) == 0 && z3::mod(y, 100) != 0) || z3::mod(y, 400) == 0;
    return z3::ite(m == 2, z3::ite(leap, ctx_.int_val(29), ctx_.int_val(28)),
                   z3::ite(m == 4 || m == 6 || m == 9 || m == 11, ctx_.int_val(30), ctx_.int_val(31)));
  };
  if (fresh_term) {
    static std::atomic<uint64_t> fresh{0};
    const std::string n = fmt::format("{}civil{}", prefix_, fresh.fetch_add(1));
    it->second = {ctx_.int_const((n + "_y").c_str()), ctx_.int_const((n + "_m").c_str()),
                  ctx_.int_const((n + "_d").c_str()), day};  // holding the term keeps its id its own
    const z3::expr &yy = it->second[0], &mm = it->second[1], &dd = it->second[2];
    static const int64_t lo = *parse_date("1600-01-01"), hi = *parse_date("2600-12-31");
    z3::expr valid = yy >= 1600 && yy <= 2600 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= month_days(yy, mm);
    // The year also from the day, linearly bounded (365.2425 days a year): a date the
    // facts fix gives its year at once, without a search over the years.
    valid = valid && 400 * (day + 719468) >= 146097 * yy - 146097 && 400 * (day + 719468) <= 146097 * yy + 146097;
    side_.push_back(
        z3::implies(day >= ctx_.int_val(lo) && day <= ctx_.int_val(hi), valid && day == days_from_civil(yy, mm, dd)));
  }
  const z3::expr yy = it->second[0], mm = it->second[1], dd = it->second[2];
  // Then the months, the day clamped to the month's length, then the days.
  z3::expr total = yy * 12 + (mm - 1) + sign * months;
  z3::expr ny = total / 12;
  z3::expr nm = total - ny * 12 + 1;
  z3::expr dim = month_days(ny, nm);
  z3::expr nd = z3::ite(dd > dim, dim, dd);
  return days_from_civil(ny, nm, nd) + sign * days;
}

SVal Encoder::merge(const std::vector<std::pair<z3::expr, SVal>>& outs) {
  if (outs.empty()) throw Unsupported("a function without a way out");
  SVal r = outs.back().second;
  for (size_t i = outs.size() - 1; i-- > 0;) {
    const z3::expr& c = outs[i].first;
    const SVal& v = outs[i].second;
    if (v.kind != r.kind || ((v.kind == SVal::List || v.kind == SVal::Rec) && (v.base != r.base || v.stride != r.stride))) {
      // An unknown on one path: the other kind's value with known false there.
      if (v.is_const && v.cval == kUnknown) {
        r.known = z3::ite(c, ctx_.bool_val(false), r.known);
        continue;
      }
      if (r.is_const && r.cval == kUnknown) {
        SVal nv = v;
        nv.known = z3::ite(c, v.known, ctx_.bool_val(false));
        r = nv;
        continue;
      }
      throw Unsupported(fmt::format("values of different kinds ({} and {}) from the paths of one definition", int(v.kind), int(r.kind)));
    }
    SVal m(ctx_);
    m.kind = r.kind;
    m.base = r.base;
    m.stride = r.stride;
    m.known = z3::ite(c, v.known, r.known);
    m.num = (v.kind == SVal::Str) ? ctx_.int_val(0) : z3::ite(c, v.num, r.num);
    if (v.kind == SVal::Str) m.str = z3::ite(c, as_str(v), as_str(r));
    if (v.kind == SVal::Span) m.num2 = z3::ite(c, v.num2, r.num2);
    m.is_const = v.is_const && r.is_const && v.cval == r.cval;
    m.cval = v.cval;
    r = m;
  }
  return r;
}

SVal Encoder::eval_function(uint32_t fn, const z3::expr* verdict) { return merge(run_function(fn, verdict)); }

std::vector<std::pair<z3::expr, SVal>> Encoder::run_function(uint32_t fn, const z3::expr* verdict) {
  const Function& f = prog_.functions.at(fn);
  const std::vector<uint32_t>& code = prog_.code;
  std::vector<std::pair<z3::expr, SVal>> outs;
  // Paths meet again where jumps lead: they are merged there (one path whose values are
  // `ite`s of theirs), in code order, so that `and`, `or` and quantifier steps cost a
  // formula each, not a path each.
  std::vector<bool> target(f.end - f.begin + 1, false);
  for (uint32_t pc = f.begin; pc < f.end; pc += static_cast<uint32_t>(op_words(op_info(decode_op(code[pc])).format)))
    for_each_jump_target(code.data(), pc, [&](uint32_t t) {
      if (t >= f.begin && t <= f.end) target[t - f.begin] = true;
    });
  std::map<uint32_t, std::vector<Path>> pending;
  pending[f.begin].push_back(Path{{}, std::vector<SVal>(f.n_locals, unknown()), ctx_.bool_val(true), f.begin});
  size_t paths = 1;
  const z3::expr T = ctx_.bool_val(true);
  auto reset_loop = [&](Path& q, uint32_t a) {
    // Past a quantifier's exit its list, index and element are dead: forgotten, so that
    // the paths leaving it after different numbers of steps can merge.
    for (uint32_t k = a; k < a + 3 && k < q.loc.size(); ++k) q.loc[k] = unknown();
  };
  auto fork = [&](Path& p, const z3::expr& cond, uint32_t to, const std::function<void(Path&)>& taken) -> bool {
    // true: p itself jumps (cond holds on it); else p falls through and the taken path,
    // if it can happen, waits at its target.
    // Only a small condition is simplified (to see a constant): simplifying the large
    // ones again at every branch would cost more than the solver.
    const z3::expr& c = cond;
    if (c.is_true()) {
      p.pc = to;
      if (taken) taken(p);
      return true;
    }
    if (c.is_false()) return false;
    if (++paths > kMaxPaths) throw Unsupported("a condition with too many paths");
    Path q = p;
    q.cond = conj(p.cond, c);
    q.pc = to;
    if (taken) taken(q);
    pending[to].push_back(std::move(q));
    p.cond = conj(p.cond, neg(c));
    return false;
  };
  auto mergeable = [&](const Path& x, const Path& y) {
    if (x.st.size() != y.st.size()) return false;
    auto same = [](const SVal& u, const SVal& v) {
      if ((u.is_const && u.cval == kUnknown) || (v.is_const && v.cval == kUnknown)) return true;
      if (u.kind != v.kind) return false;
      if (u.kind == SVal::List || u.kind == SVal::Rec) return u.base == v.base && u.stride == v.stride;
      return true;
    };
    for (size_t k = 0; k < x.st.size(); ++k)
      if (!same(x.st[k], y.st[k])) return false;
    for (size_t k = 0; k < x.loc.size(); ++k) {
      if (!same(x.loc[k], y.loc[k])) return false;
      // Quantifier indices stay constants.
      if (index_locals_.count({fn, static_cast<uint32_t>(k)}) && !(x.loc[k].is_const == y.loc[k].is_const && x.loc[k].cval == y.loc[k].cval))
        return false;
    }
    return true;
  };
  auto merge2 = [&](const z3::expr& c, const SVal& u, const SVal& v) {
    if (u.is_const && v.is_const && u.cval == v.cval) return u;
    if (z3::eq(u.known, v.known) && z3::eq(u.num, v.num) && u.kind == v.kind && u.kind == SVal::Num) return u;
    return merge({{c, u}, {!c, v}});
  };
  // A quantifier's jump back waits until every path of its body has reached the end of
  // the step (the innermost loop first): then they go on merged, one per iteration.
  struct Held {
    uint32_t to, from;
    Path path;
  };
  std::vector<Held> held;
  while (!pending.empty() || !held.empty()) {
    for (size_t h = 0; h < held.size(); ++h) {
      const uint32_t to = held[h].to, from = held[h].from;
      if (pending.lower_bound(to) != pending.end() && pending.lower_bound(to)->first <= from) continue;
      bool inner = false;
      for (const Held& o : held)
        if ((o.to != to || o.from != from) && o.to >= to && o.from <= from) inner = true;
      if (inner) continue;
      for (size_t k = 0; k < held.size();) {
        if (held[k].to == to && held[k].from == from) {
          pending[to].push_back(std::move(held[k].path));
          held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
        } else {
          ++k;
        }
      }
      break;
    }
    if (pending.empty()) throw Unsupported("loops the encoding cannot order");
    auto first = pending.begin();
    std::vector<Path> group = std::move(first->second);
    pending.erase(first);
    std::vector<Path> merged;
    for (Path& g : group) {
      bool done = false;
      for (Path& m : merged) {
        if (!mergeable(m, g)) continue;
        for (size_t k = 0; k < m.st.size(); ++k) m.st[k] = merge2(m.cond, m.st[k], g.st[k]);
        for (size_t k = 0; k < m.loc.size(); ++k) m.loc[k] = merge2(m.cond, m.loc[k], g.loc[k]);
        m.cond = disj(m.cond, g.cond);
        done = true;
        break;
      }
      if (!done) merged.push_back(std::move(g));
    }
    for (Path& p : merged) {
      bool stop = false;
      for (bool first_step = true; !stop; first_step = false) {
        if (!first_step && p.pc >= f.begin && p.pc <= f.end && target[p.pc - f.begin]) {
          pending[p.pc].push_back(std::move(p));
          break;
        }
        bool done = false;
      if (p.pc >= f.end) throw Unsupported("code past the end of its function");
      const uint32_t w = code[p.pc];
      const Op op = decode_op(w);
      const uint32_t a = decode_a(w);
      auto& st = p.st;
      auto pop = [&]() {
        if (st.empty()) throw Unsupported("a stack underflow");
        SVal v = st.back();
        st.pop_back();
        return v;
      };
      const uint32_t next = p.pc + static_cast<uint32_t>(op_words(op_info(op).format));
      switch (op) {
        case Op::PushInt: st.push_back(mk_const(decode_imm(w))); break;
        case Op::PushConst: st.push_back(mk_const(prog_.consts.at(a))); break;
        case Op::PushUnknown: st.push_back(unknown()); break;
        case Op::LoadSlot: st.push_back(load_slot(a)); break;
        case Op::LoadField: {
          SVal r = pop();
          if (r.is_const && r.cval == kUnknown) {
            st.push_back(unknown());
            break;
          }
          if (r.kind != SVal::Rec) throw Unsupported("a field of a value that is not a record");
          SVal v = load_slot(r.base + a);
          v.known = conj(r.known, v.known);
          st.push_back(v);
          break;
        }
        case Op::RecordRef: {
          const uint32_t presence = code[p.pc + 1];
          SVal v(ctx_);
          v.kind = SVal::Rec;
          v.base = a;
          v.num = ctx_.int_val(0);
          v.known = presence == kNone ? T : known_.at(presence);
          st.push_back(v);
          break;
        }
        case Op::SubRecord: {
          const uint32_t presence = code[p.pc + 1];
          SVal r = pop();
          if (r.is_const && r.cval == kUnknown) {
            st.push_back(r);
            break;
          }
          if (r.kind != SVal::Rec) throw Unsupported("a sub-record of a value that is not a record");
          SVal v = r;
          if (presence != kNone) v.known = r.known && known_.at(static_cast<size_t>(r.base + presence));
          v.base = r.base + a;
          st.push_back(v);
          break;
        }
        case Op::LoadLocal: st.push_back(p.loc.at(a)); break;
        case Op::StoreLocal: p.loc.at(a) = pop(); break;
        case Op::Let: {
          auto it = lets_.find(a);
          if (it == lets_.end()) it = lets_.emplace(a, eval_function(prog_.lets.at(a).fn, nullptr)).first;
          st.push_back(it->second);
          break;
        }
        case Op::LoadVerdict: {
          if (!verdict) {
            st.push_back(unknown());
            break;
          }
          SVal v(ctx_);
          v.known = T;
          v.num = *verdict;
          st.push_back(v);
          break;
        }
        case Op::Not: {
          SVal x = pop();
          SVal v(ctx_);
          v.known = x.known;
          v.num = 1 - x.num;
          st.push_back(v);
          break;
        }
        case Op::And:
        case Op::Or: {
          SVal y = pop(), x = pop();
          if (op == Op::And) {
            z3::expr fx = falsity(x), fy = falsity(y);
            st.push_back(mk_bool(disj(disj(conj(x.known, y.known), fx), fy), neg(disj(fx, fy))));
          } else {
            z3::expr tx = truth(x), ty = truth(y);
            st.push_back(mk_bool(disj(disj(conj(x.known, y.known), tx), ty), disj(tx, ty)));
          }
          break;
        }
        case Op::Known: {
          SVal x = pop();
          st.push_back(mk_bool(T, x.known));
          break;
        }
        case Op::MergeIf: {
          SVal y = pop(), x = pop();
          if (x.kind != SVal::Num || y.kind != SVal::Num) throw Unsupported("an `if` whose branches are not numbers");
          SVal v(ctx_);
          v.known = x.known && y.known && x.num == y.num;
          v.num = x.num;
          st.push_back(v);
          break;
        }
        case Op::Jump:
          if (a <= p.pc) {
            const uint32_t from = p.pc;
            p.pc = a;
            held.push_back(Held{a, from, std::move(p)});
            stop = true;
            continue;
          }
          p.pc = a;
          continue;
        case Op::JumpIfFalseKeep:
        case Op::JumpIfTrueKeep: {
          const SVal& top = st.back();
          z3::expr c = op == Op::JumpIfFalseKeep ? falsity(top) : truth(top);
          if (fork(p, c, a, nullptr)) continue;
          break;
        }
        case Op::Branch3: {
          SVal c = pop();
          const uint32_t on_unknown = code[p.pc + 1];
          if (fork(p, neg(c.known), on_unknown, nullptr)) continue;
          if (fork(p, falsity(c), a, nullptr)) continue;
          break;
        }
        case Op::Ret: {
          outs.emplace_back(p.cond, pop());
          stop = true;
          continue;
        }
        case Op::Eq:
        case Op::Ne:
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge: {
          SVal y = pop(), x = pop();
          if (x.kind != SVal::Num || y.kind != SVal::Num) throw Unsupported("a comparison of values that are not numbers");
          z3::expr r = op == Op::Eq   ? x.num == y.num
                       : op == Op::Ne ? x.num != y.num
                       : op == Op::Lt ? x.num < y.num
                       : op == Op::Le ? x.num <= y.num
                       : op == Op::Gt ? x.num > y.num
                                      : x.num >= y.num;
          st.push_back(mk_bool(conj(x.known, y.known), r));
          break;
        }
        case Op::StrEq:
        case Op::StrNe: {
          SVal y = pop(), x = pop();
          z3::expr e = str_equals(as_str(x), as_str(y));
          st.push_back(mk_bool(conj(x.known, y.known), op == Op::StrEq ? e : !e));
          break;
        }
        case Op::Add:
        case Op::Sub:
        case Op::Mul: {
          SVal y = pop(), x = pop();
          if (x.kind != SVal::Num || y.kind != SVal::Num) throw Unsupported("arithmetic on values that are not numbers");
          SVal v(ctx_);
          v.known = conj(x.known, y.known);
          v.num = op == Op::Add ? x.num + y.num : op == Op::Sub ? x.num - y.num : x.num * y.num;
          st.push_back(v);
          break;
        }
        case Op::Neg: {
          SVal x = pop();
          if (x.kind != SVal::Num) throw Unsupported("a negation of a value that is not a number");
          x.num = -x.num;
          x.is_const = false;
          st.push_back(x);
          break;
        }
        case Op::DateAdd:
        case Op::DateSub: {
          SVal d = pop(), x = pop();
          if (!d.is_const) throw Unsupported("a duration computed from facts");
          if (x.kind != SVal::Num) throw Unsupported("date arithmetic on a value that is not a date");
          if (d.cval == kUnknown) {
            st.push_back(unknown());
            break;
          }
          const Duration dur = duration_of(d.cval);
          if (dur.months > 12 * 1000 || dur.days > 366 * 1000)
            throw Unsupported("a duration longer than 1000 years");
          const int sign = op == Op::DateAdd ? 1 : -1;
          SVal v(ctx_);
          v.known = x.known;
          if (x.is_const) {
            if (x.cval >= kDateNever) {
              v = mk_const(kDateNever);
            } else {
              auto out = lawful::add_duration(static_cast<Days>(x.cval), dur, sign);
              if (!out) throw Unsupported("a constant date outside the years 1 to 9999");
              v = mk_const(*out);
            }
          } else {
            v.num = z3::ite(x.num >= kDateNever, ctx_.int_val(kDateNever), add_duration(x.num, dur.months, dur.days, sign));
          }
          st.push_back(v);
          break;
        }
        case Op::DateDiff: {
          SVal y = pop(), x = pop();
          if (x.kind != SVal::Num || y.kind != SVal::Num) throw Unsupported("a span of values that are not dates");
          SVal v(ctx_);
          v.kind = SVal::Span;
          v.known = x.known && y.known;
          v.num = x.num;
          v.num2 = y.num;
          st.push_back(v);
          break;
        }
        case Op::SpanSplit: {
          SVal d = pop(), s = pop();
          if (!d.is_const) throw Unsupported("a duration computed from facts");
          if (s.kind != SVal::Span) {
            if (s.is_const && s.cval == kUnknown) {
              st.push_back(unknown());
              st.push_back(unknown());
              break;
            }
            throw Unsupported("a span that is not a difference of dates");
          }
          if (d.cval == kUnknown) {
            st.push_back(unknown());
            st.push_back(unknown());
            break;
          }
          const Duration dur = duration_of(d.cval);
          if (dur.months > 12 * 1000 || dur.days > 366 * 1000)
            throw Unsupported("a duration longer than 1000 years");
          SVal x(ctx_), y(ctx_);
          x.known = s.known;
          x.num = s.num;
          y.known = s.known;
          y.num = z3::ite(s.num2 >= kDateNever, ctx_.int_val(kDateNever), add_duration(s.num2, dur.months, dur.days, 1));
          st.push_back(x);
          st.push_back(y);
          break;
        }
        case Op::DurAdd: {
          SVal y = pop(), x = pop();
          if (!x.is_const || !y.is_const) throw Unsupported("a duration computed from facts");
          if (x.cval == kUnknown || y.cval == kUnknown) {
            st.push_back(unknown());
            break;
          }
          Duration dx = duration_of(x.cval), dy = duration_of(y.cval);
          st.push_back(mk_const(make_duration(dx.months + dy.months, dx.days + dy.days)));
          break;
        }
        case Op::InSet: {
          SVal s = pop(), x = pop();
          if (!s.is_const) throw Unsupported("a set of members computed from facts");
          if (s.cval == kUnknown) {
            st.push_back(unknown());
            break;
          }
          z3::expr any = ctx_.bool_val(false);
          for (int b = 0; b < 64; ++b)
            if ((static_cast<uint64_t>(s.cval) >> b) & 1) any = any || x.num == b;
          st.push_back(mk_bool(x.known, any));
          break;
        }
        case Op::InList:
        case Op::InListStr: {
          SVal l = pop(), x = pop();
          if (l.is_const && l.cval == kUnknown) {
            st.push_back(unknown());
            break;
          }
          if (l.kind != SVal::List || l.stride != 0) throw Unsupported("`in` a value that is not a list of scalars");
          z3::expr any = ctx_.bool_val(false);
          for (uint32_t i = 0; i < opt_.max_list; ++i) {
            SVal e = load_slot(l.base + i);
            z3::expr eq = op == Op::InList ? (e.kind == SVal::Num && x.kind == SVal::Num ? e.num == x.num
                                                                                        : throw Unsupported("`in` on a list of texts"))
                                           : as_str(e) == as_str(x);
            any = any || (l.num > static_cast<int>(i) && eq);
          }
          st.push_back(mk_bool(l.known && x.known, any));
          break;
        }
        case Op::InStrSet: {
          SVal x = pop();
          z3::expr any = ctx_.bool_val(false);
          z3::expr xs = as_str(x);
          for (uint32_t id : prog_.string_sets.at(a)) any = any || str_equals(xs, text_val(prog_.strings.at(id)));
          st.push_back(mk_bool(x.known, any));
          break;
        }
        case Op::IterBegin: {
          const uint32_t exit = code[p.pc + 1];
          SVal l = st.back();
          if (l.is_const && l.cval == kUnknown) {
            p.pc = exit;
            continue;
          }
          if (l.kind != SVal::List) throw Unsupported("a quantifier over a value that is not a list");
          index_locals_.insert({fn, a + 1});
          if (fork(p, neg(l.known), exit, [&](Path& q) { q.st.back() = unknown(); })) continue;  // the result: U
          st.pop_back();
          p.loc.at(a) = l;
          p.loc.at(a + 1) = mk_const(0);
          break;
        }
        case Op::IterNext: {
          const uint32_t b = code[p.pc + 1];
          const uint32_t exit = b & 0xffffffu;
          const uint32_t stride = b >> 24;
          const SVal l = p.loc.at(a);
          const SVal i = p.loc.at(a + 1);
          if (l.kind != SVal::List || !i.is_const) {
            p.pc = exit;
            continue;
          }
          if (l.stride != stride) throw Unsupported("a list whose elements the layout does not match");
          if (i.cval >= static_cast<int64_t>(opt_.max_list)) {
            p.pc = exit;
            reset_loop(p, a);
            continue;
          }
          if (fork(p, l.num <= static_cast<int>(i.cval), exit, [&](Path& q) { reset_loop(q, a); })) continue;
          if (stride == 0) {
            p.loc.at(a + 2) = load_slot(l.base + i.cval);
          } else {
            SVal r(ctx_);
            r.kind = SVal::Rec;
            r.known = T;
            r.num = ctx_.int_val(0);
            r.base = l.base + i.cval * stride;
            p.loc.at(a + 2) = r;
          }
          p.loc.at(a + 1) = mk_const(i.cval + 1);
          break;
        }
        case Op::AnyStep:
        case Op::AllStep:
        case Op::CountStep: {
          const uint32_t exit = code[p.pc + 1];
          SVal b = pop();
          SVal acc = p.loc.at(a + 3);
          if (op == Op::CountStep) {
            if (fork(p, neg(b.known), exit, [&](Path& q) {
                  q.loc.at(a + 3) = unknown();
                  reset_loop(q, a);
                }))
              continue;
            SVal v(ctx_);
            v.known = acc.known;
            v.num = acc.num + z3::ite(b.num == 1, ctx_.int_val(1), ctx_.int_val(0));
            p.loc.at(a + 3) = v;
            break;
          }
          const int64_t exit_value = op == Op::AnyStep ? 1 : 0;
          z3::expr hit = op == Op::AnyStep ? truth(b) : falsity(b);
          if (fork(p, hit, exit, [&](Path& q) {
                q.loc.at(a + 3) = mk_const(exit_value);
                reset_loop(q, a);
              }))
            continue;
          SVal v(ctx_);
          v.known = conj(b.known, acc.known);
          v.num = acc.num;
          p.loc.at(a + 3) = v;
          break;
        }
        case Op::Builtin: {
          const BuiltinId id = static_cast<BuiltinId>(a);
          const int n = builtin_arity(id);
          std::vector<SVal> args;
          for (int k = 0; k < n; ++k) args.insert(args.begin(), pop());
          z3::expr known = T;
          for (const SVal& x : args) known = known && x.known;
          SVal v(ctx_);
          v.known = known;
          v.num = ctx_.int_val(0);
          switch (id) {
            case BuiltinId::Lower: {
              v.kind = SVal::Str;
              const z3::expr s = as_str(args[0]);
              std::string text;
              v.str = lower_(s);
              if (text_of(s, text)) {  // a constant: lowered here, as the VM would, and known as a text
                text = ascii_lowered(std::move(text));
                side_.push_back(v.str == ctx_.string_val(text));
                texts_.emplace(v.str.id(), std::make_pair(v.str, text));
              }
              break;
            }
            case BuiltinId::Domain:
            case BuiltinId::LocalPart: {
              // lower() of the part after (or before) the last '@'; unknown without one.
              z3::expr s = as_str(args[0]);
              v.kind = SVal::Str;
              v.known = known && s.contains(ctx_.string_val("@"));
              v.str = (id == BuiltinId::Domain ? domain_fn_ : local_fn_)(s);  // exactness(): split at the last '@'
              break;
            }
            case BuiltinId::StartsWith:
              v = mk_bool(known, z3::prefixof(as_str(args[1]), as_str(args[0])));
              break;
            case BuiltinId::EndsWith:
              v = mk_bool(known, z3::suffixof(as_str(args[1]), as_str(args[0])));
              break;
            case BuiltinId::Contains: v = mk_bool(known, as_str(args[0]).contains(as_str(args[1]))); break;
            case BuiltinId::Length: throw Unsupported("length() (bytes, where the solver counts characters)");
            case BuiltinId::Size:
              if (args[0].kind != SVal::List) throw Unsupported("size() of a value that is not a list");
              v.num = args[0].num;
              break;
            default: throw Unsupported("a library function the encoding does not know");
          }
          st.push_back(v);
          break;
        }
        default: throw Unsupported(fmt::format("the instruction {}", op_info(op).name));
      }
      p.pc = next;
      (void)done;
      }
    }
  }
  return outs;
}

SVal Encoder::as_of() {
  if (opt_.as_of) return mk_const(*opt_.as_of);
  if (prog_.schema.as_of_path < 0) return unknown();
  const int32_t slot = prog_.schema.paths[static_cast<size_t>(prog_.schema.as_of_path)].slot;
  if (slot < 0) return unknown();
  return load_slot(slot);
}

SVal Encoder::window_state(const Window& w, const SVal& at) {
  if (w.always()) return mk_const(kTrue);
  z3::expr in = ctx_.bool_val(true);
  if (w.from != kAlwaysFrom) in = in && at.num >= w.from;
  if (w.until != kAlwaysUntil) in = in && at.num < w.until;
  return mk_bool(at.known, in);
}

std::string Encoder::where(const SourcePos& pos) const {
  const std::string file = pos.file < prog_.files.size() ? prog_.files[pos.file] : std::string("?");
  return fmt::format("{}:{}:{}", file, pos.line, pos.col);
}

template <class F>
SVal Encoder::located(const SourcePos& pos, const char* what, uint32_t name, F f) {
  try {
    return f();
  } catch (const Unsupported& e) {
    // Definitions are shared: a failure inside one is reported where it was reached.
    lets_.clear();
    const std::string named = name == UINT32_MAX ? std::string() : fmt::format(" '{}'", prog_.str(name));
    throw Unsupported(fmt::format("unsupported {} at {} (in {}{})", e.what(), where(pos), what, named));
  }
}

SOutcome Encoder::decide_policy(uint32_t p) {
  const PolicyInfo& pi = prog_.policies.at(p);
  const SVal at = as_of();
  const SVal in_force = window_state(pi.window, at);
  const z3::expr T = ctx_.bool_val(true), F = ctx_.bool_val(false);
  const z3::expr kAllow = ctx_.int_val(static_cast<int>(VerdictCode::Allow));
  const z3::expr kDeny = ctx_.int_val(static_cast<int>(VerdictCode::Deny));
  const z3::expr kReview = ctx_.int_val(static_cast<int>(VerdictCode::Review));
  std::vector<SVal> guards;
  for (uint32_t d : pi.decisions) {
    const int32_t g = prog_.decisions[d].guard;
    guards.push_back(g < 0 ? mk_const(kTrue)
                           : located(prog_.decisions[d].pos, "the condition of decision", prog_.decisions[d].name,
                                     [&] { return eval_function(static_cast<uint32_t>(g), nullptr); }));
  }
  SOutcome out(ctx_);
  out.verdict = kReview;
  out.basis = ctx_.int_val(-1);
  size_t n_obl = prog_.obligation_enum >= 0 ? prog_.schema.enums[static_cast<size_t>(prog_.obligation_enum)].members.size() : 0;
  out.obliges.assign(n_obl, F);
  for (size_t k = 0; k < pi.decisions.size(); ++k) {
    const uint32_t d = pi.decisions[k];
    const DecisionInfo& di = prog_.decisions[d];
    // Resolved only when the policy is in force and exactly this decision applies, with
    // no other decision's condition unknown.
    z3::expr reached = truth(in_force) && truth(guards[k]);
    for (size_t o = 0; o < guards.size(); ++o)
      if (o != k) reached = reached && falsity(guards[o]);
    const size_t n = di.rules.size();
    SRules sr(ctx_);
    sr.reached = reached;
    for (size_t i = 0; i < n; ++i) {
      const RuleInfo& r = di.rules[i];
      SVal s = window_state(r.window, at);
      if (r.cond >= 0) {
        const SVal c = located(r.pos, "rule", r.name, [&] { return eval_function(static_cast<uint32_t>(r.cond), nullptr); });
        z3::expr fs = falsity(s), fc = falsity(c);
        s = mk_bool(disj(disj(conj(s.known, c.known), fs), fc), neg(disj(fs, fc)));
      }
      sr.applies.push_back(truth(s));
      sr.unknown.push_back(!s.known);
    }
    std::vector<z3::expr> overridden;
    for (size_t i = 0; i < n; ++i) {
      z3::expr o = F;
      for (size_t j = 0; j < n; ++j)
        for (uint32_t t : di.rules[j].overrides)
          if (t == i) o = o || sr.applies[j];
      overridden.push_back(o);
      sr.winner.push_back(sr.applies[i] && !o);
    }
    z3::expr any = F, conflict = F;
    for (size_t i = 0; i < n; ++i) {
      any = any || sr.winner[i];
      for (size_t j = i + 1; j < n; ++j)
        if (di.rules[i].verdict != di.rules[j].verdict) conflict = conflict || (sr.winner[i] && sr.winner[j]);
    }
    // The winners' verdict and the first winner's basis.
    z3::expr v = kReview, basis = ctx_.int_val(-1);
    for (size_t i = n; i-- > 0;) {
      v = z3::ite(sr.winner[i], ctx_.int_val(di.rules[i].verdict), v);
      basis = z3::ite(sr.winner[i], ctx_.int_val(di.rules[i].basis), basis);
    }
    // An unknown rule, not overridden, of another verdict, when the winners allow or deny.
    z3::expr undetermined = F;
    for (size_t i = 0; i < n; ++i)
      undetermined = undetermined || (sr.unknown[i] && !overridden[i] && v != ctx_.int_val(di.rules[i].verdict));
    undetermined = undetermined && v != kReview;
    z3::expr verdict = z3::ite(!any || conflict || undetermined, kReview, v);
    z3::expr b = z3::ite(verdict == kAllow, basis, ctx_.int_val(-1));
    sr.verdict = verdict;
    out.verdict = z3::ite(reached, verdict, out.verdict);
    out.basis = z3::ite(reached, b, out.basis);
    // The decision asked for alone (Vm::decide_decision, as `lawful test` and properties
    // ask): resolved when the policy is in force and its own condition holds.
    const z3::expr resolved = truth(in_force) && truth(guards[k]);
    SOutcome alone(ctx_);
    alone.verdict = z3::ite(resolved, verdict, kReview);
    alone.basis = z3::ite(resolved, b, ctx_.int_val(-1));
    alone.obliges.assign(n_obl, F);
    for (const ObligeInfo& ob : di.obliges) {
      z3::expr present = T;
      if (ob.cond >= 0)
        present = !falsity(located(ob.pos, "obligation", UINT32_MAX, [&] { return eval_function(static_cast<uint32_t>(ob.cond), &verdict); }));
      // `oblige X for R, ...`: one of them decided (it wins, with the outcome's verdict).
      if (!ob.rules.empty()) {
        z3::expr decided = F;
        for (uint32_t r : ob.rules)
          if (r < n) decided = decided || (sr.winner[r] && verdict == ctx_.int_val(di.rules[r].verdict));
        present = present && decided;
      }
      if (ob.name < out.obliges.size()) {
        out.obliges[ob.name] = out.obliges[ob.name] || (reached && present);
        alone.obliges[ob.name] = alone.obliges[ob.name] || (resolved && present);
      }
    }
    rules_.insert_or_assign(d, sr);
    alone_.insert_or_assign(d, alone);
  }
  (void)kDeny;
  return out;
}

z3::expr Encoder::condition(uint32_t fn, const std::string& what) {
  try {
    return truth(eval_function(fn, nullptr));
  } catch (const Unsupported& e) {
    lets_.clear();
    throw Unsupported(fmt::format("unsupported {} (in {})", e.what(), what));
  }
}

z3::expr Encoder::refines(const Encoder& less) const {
  z3::expr all = ctx_.bool_val(true);
  for (size_t k = 0; k < slots_.size(); ++k) {
    const VSlot& v = slots_[k];
    const z3::expr& kl = less.known_[k];
    if (z3::eq(val_[k], less.val_[k])) {  // the same values (values_of): only what is known differs
      all = all && (v.kind == VSlot::Presence ? kl == known_[k] : z3::implies(kl, known_[k]));
      continue;
    }
    switch (v.kind) {
      case VSlot::Presence: all = all && (kl == known_[k]); break;
      case VSlot::List: all = all && z3::implies(kl, known_[k] && val_[k] == less.val_[k]); break;
      case VSlot::Scalar: {
        z3::expr same = v.type == types::kString ? str_[k] == less.str_[k] : val_[k] == less.val_[k];
        all = all && (v.element ? same : z3::implies(kl, known_[k] && same));
        break;
      }
    }
  }
  return all;
}

z3::expr Encoder::routed_to(uint32_t p) const {
  if (!prog_.has_router || prog_.route_path < 0) return ctx_.bool_val(true);
  const int32_t slot = prog_.schema.paths[static_cast<size_t>(prog_.route_path)].slot;
  if (slot < 0) return ctx_.bool_val(true);
  z3::expr any = ctx_.bool_val(false);
  // The router compares in country case (ASCII letters upper case, every other byte as
  // it is): the same as comparing lower(country) with the route's text in lower case.
  for (const Route& r : prog_.routes) {
    if (r.policy != static_cast<int32_t>(p)) continue;
    any = any || lower_equals(str_[static_cast<size_t>(slot)], ascii_lowered(prog_.str(r.country)));
  }
  return known_[static_cast<size_t>(slot)] && any;
}

namespace {

// Z3 prints the characters of a string it cannot show as \u{X}: back to UTF-8.
std::string unescape_z3(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size() && s[i + 1] == 'u' && s[i + 2] == '{') {
      size_t end = s.find('}', i);
      if (end != std::string::npos) {
        unsigned long cp = std::stoul(s.substr(i + 3, end - i - 3), nullptr, 16);
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        i = end;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// A string as a policy's test facts write it (the escapes the lexer reads).
std::string law_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "\"";
}

}  // namespace

void Encoder::json_scalar(std::string& out, const z3::model& m, uint32_t slot, bool lit) const {
  const VSlot& v = slots_[slot];
  const Schema& s = prog_.schema;
  const Type& t = s.type(v.type);
  if (t.kind == TypeKind::String) {
    const std::string text = unescape_z3(m.eval(str_[slot], true).get_string());
    out += lit ? law_string(text) : json_string(text);
    return;
  }
  const int64_t x = m.eval(val_[slot], true).get_numeral_int64();
  switch (t.kind) {
    case TypeKind::Bool: out += x ? "true" : "false"; break;
    case TypeKind::Date: {
      const std::string d = format_date(static_cast<Days>(x));
      out += lit ? d : json_string(d);
      break;
    }
    case TypeKind::Enum: {
      const std::string& word = s.enums[t.ref].members.at(static_cast<size_t>(x));
      out += lit ? word : json_string(word);
      break;
    }
    default: out += std::to_string(x); break;
  }
}

void Encoder::json_fields(std::string& out, const z3::model& m, const std::vector<JNode>& fields, bool lit) const {
  out += lit ? "{ " : "{";
  bool first = true;
  auto key = [&](const std::string& name) {
    if (!first) out += ", ";
    first = false;
    out += (lit ? name : json_string(name)) + ": ";
  };
  for (const JNode& n : fields) {
    const bool known = n.kind == JNode::Record || m.eval(known_[n.slot], true).is_true();
    if (!known) continue;
    switch (n.kind) {
      case JNode::Scalar: {
        const VSlot& v = slots_[n.slot];
        // A value equal to the field's default is left out: the binder gives it back.
        if (v.has_default && v.type != types::kString && m.eval(val_[n.slot], true).get_numeral_int64() == v.default_value)
          continue;
        key(n.name);
        json_scalar(out, m, n.slot, lit);
        break;
      }
      case JNode::Record:
      case JNode::OptRecord:
        key(n.name);
        json_fields(out, m, n.fields, lit);
        break;
      case JNode::List: {
        key(n.name);
        const int64_t count = m.eval(val_[n.slot], true).get_numeral_int64();
        out += "[";
        for (int64_t i = 0; i < count; ++i) {
          if (i) out += ", ";
          if (n.scalar_elems) json_scalar(out, m, slots_[n.slot].region + static_cast<uint32_t>(i), lit);
          else json_fields(out, m, n.elems[static_cast<size_t>(i)], lit);
        }
        out += "]";
        break;
      }
    }
  }
  out += !lit ? "}" : out.back() == ' ' ? "}" : " }";
}

std::string Encoder::root_json(const z3::model& m, const std::string& root, bool literal) const {
  for (const JNode& r : roots_)
    if (r.name == root) {
      std::string out;
      json_fields(out, m, r.fields, literal);
      return out == "{ }" ? "{}" : out;
    }
  return "{}";
}

void Encoder::bind_record(z3::expr_vector& eqs, const FactStore& fs, uint32_t rec, uint32_t vbase, uint64_t rbase) const {
  const Schema& s = prog_.schema;
  for (const FieldDef& f : s.records[rec].fields) {
    const Type& t = s.type(f.type);
    const uint32_t vat = vbase + f.offset;
    const uint64_t rat = rbase + f.offset;
    const Value w = fs.slots.at(rat);
    if (t.kind == TypeKind::Record) {
      if (f.optional) {
        eqs.push_back(known_[vat] == ctx_.bool_val(w != kUnknown));
        bind_record(eqs, fs, t.ref, vat + 1, rat + 1);
      } else {
        bind_record(eqs, fs, t.ref, vat, rat);
      }
      continue;
    }
    eqs.push_back(known_[vat] == ctx_.bool_val(w != kUnknown));
    if (w == kUnknown) continue;
    if (t.kind == TypeKind::List) {
      const uint32_t count = list_count(w), start = list_start(w);
      if (count > opt_.max_list) throw Unsupported("a list longer than the bound");
      eqs.push_back(val_[vat] == static_cast<int>(count));
      const VSlot& v = slots_[vat];
      for (uint32_t i = 0; i < count; ++i) {
        if (v.stride == 0) {
          const Value e = fs.slots.at(start + i);
          if (v.type == types::kString) eqs.push_back(str_[v.region + i] == ctx_.string_val(std::string(fs.text(e))));
          else eqs.push_back(val_[v.region + i] == ctx_.int_val(e));
        } else {
          bind_record(eqs, fs, s.type(v.type).ref, v.region + i * v.stride, start + static_cast<uint64_t>(i) * v.stride);
        }
      }
    } else if (t.kind == TypeKind::String) {
      eqs.push_back(str_[vat] == ctx_.string_val(std::string(fs.text(w))));
    } else {
      eqs.push_back(val_[vat] == ctx_.int_val(w));
    }
  }
}

z3::expr Encoder::equals_facts(const FactStore& fs) const {
  z3::expr_vector eqs(ctx_);
  for (const RootDef& root : prog_.schema.roots) bind_record(eqs, fs, root.record, root.base, root.base);
  return z3::mk_and(eqs);
}

}  // namespace lawful::verify
