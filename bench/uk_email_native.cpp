// The UK email decision by hand; see uk_email_native.h.
#include "bench/uk_email_native.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "runtime/core/dates.h"

namespace lawful::bench {

namespace {

// Values only.
struct Plain {
  using T = Value;
  static T leaf(Value v, uint32_t) { return v; }
  static T known(Value v) { return v; }
  static Value v(const T& t) { return t; }
  static T and2(const T& a, const T& b) {
    if (a == kFalse || b == kFalse) return kFalse;
    return a == kUnknown || b == kUnknown ? kUnknown : kTrue;
  }
  static T or2(const T& a, const T& b) {
    if (a == kTrue || b == kTrue) return kTrue;
    return a == kUnknown || b == kUnknown ? kUnknown : kFalse;
  }
  static T not1(const T& a) { return a == kUnknown ? kUnknown : (a == kFalse ? kTrue : kFalse); }
  // A boolean computed from operands `ops`, unknown when one of them is.
  static T from(Value r, const T&) { return r; }
  static T from(Value r, const T&, const T&) { return r; }
  static void acc_unknown(T& acc, const T&) { acc = kUnknown; }
};

// Values with the absent facts they came from.
struct Masked {
  struct T {
    Value v;
    FactSet m;
  };
  static T leaf(Value v, uint32_t path) {
    T t{v, {}};
    if (v == kUnknown) t.m.add(path);
    return t;
  }
  static T known(Value v) { return {v, {}}; }
  static Value v(const T& t) { return t.v; }
  static T join(Value r, const T& a, const T& b) {
    T t{r, {}};
    if (r == kUnknown) {
      t.m = a.m;
      t.m |= b.m;
    }
    return t;
  }
  static T and2(const T& a, const T& b) { return join(Plain::and2(a.v, b.v), a, b); }
  static T or2(const T& a, const T& b) { return join(Plain::or2(a.v, b.v), a, b); }
  static T not1(const T& a) { return {Plain::not1(a.v), a.m}; }
  static T from(Value r, const T& a) { return {r, r == kUnknown ? a.m : FactSet{}}; }
  static T from(Value r, const T& a, const T& b) { return join(r, a, b); }
  static void acc_unknown(T& acc, const T& x) {
    acc.v = kUnknown;
    acc.m |= x.m;
  }
};

template <class L>
using T = typename L::T;

uint64_t domain_hash(std::string_view d) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : d) h = (h ^ c) * 0x100000001b3ull;
  return h ^ (h >> 32);
}

// The rules' conditions, each as uk.law and std.consent write it.
template <class L>
struct Rules {
  const UkEmailNative::Slots& s;
  const UkEmailNative::ConsentFields& c;
  const UkEmailNative::Paths& p;
  const UkEmailNative::Members& m;
  const UkEmailNative::DomainSet& web;
  const FactStore& f;

  Value slot(uint32_t i) const { return f.slots[i]; }
  bool str_eq(Value a, Value b) const { return f.text(a) == f.text(b); }

  // lower(a) == lower(b) for ASCII letters, as the language's lower() is, without copying.
  static bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
      if (static_cast<unsigned>(x - 'A') < 26u) x = static_cast<unsigned char>(x + 32);
      if (static_cast<unsigned>(y - 'A') < 26u) y = static_cast<unsigned char>(y + 32);
      if (x != y) return false;
    }
    return true;
  }
  bool str_ieq(Value a, Value b) const { return iequal(f.text(a), f.text(b)); }

  // std.consent.valid_for(campaign.channel)
  T<L> consented() const {
    T<L> list = L::leaf(slot(s.consents), p.consents);
    if (L::v(list) == kUnknown) return list;
    T<L> channel = L::leaf(slot(s.channel), p.channel);
    T<L> name = L::leaf(slot(s.sender_name), p.sender_name);
    T<L> send = L::leaf(slot(s.send_date), p.send_date);
    T<L> acc = L::known(kFalse);
    uint32_t start = list_start(L::v(list)), n = list_count(L::v(list));
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t at = start + i * c.stride;
      // covers(c, channel)
      T<L> cch = L::leaf(slot(at + c.channel), p.c_channel);
      T<L> covers;
      Value ch = L::v(channel);
      if (ch == kUnknown) {
        covers = L::from(kUnknown, channel, cch);
      } else {
        Value want = ch == m.email ? m.c_email : ch == m.sms ? m.c_sms : ch == m.phone_live ? m.c_phone
                   : ch == m.automated_call ? m.c_automated_call : m.c_post;
        covers = L::from(L::v(cch) == kUnknown ? kUnknown : L::v(cch) == want ? kTrue : kFalse, cch);
      }
      if (L::v(covers) == kFalse) continue;
      // lower(c.purpose) == "marketing"
      T<L> purpose = L::leaf(slot(at + c.purpose), p.c_purpose);
      Value pv = L::v(purpose);
      T<L> marketing = L::from(pv == kUnknown ? kUnknown : iequal(f.text(pv), "marketing") ? kTrue : kFalse, purpose);
      if (L::v(marketing) == kFalse) continue;
      // given_to_sender(c): lower(controller) == lower(sender), or a third party is the sender
      T<L> controller = L::leaf(slot(at + c.controller), p.c_controller);
      Value cv = L::v(controller), nv = L::v(name);
      T<L> is_controller = L::from(cv == kUnknown || nv == kUnknown ? kUnknown : str_ieq(cv, nv) ? kTrue : kFalse,
                                   controller, name);
      T<L> named = L::known(kFalse);
      Value tp = slot(at + c.third_parties);  // defaults to []
      if (list_count(tp) > 0) {
        if (nv == kUnknown) {
          named = L::from(kUnknown, name);
        } else {
          Value r = kFalse;
          for (uint32_t k = 0; k < list_count(tp) && r == kFalse; ++k)
            if (str_ieq(slot(list_start(tp) + k), nv)) r = kTrue;
          named = L::known(r);
        }
      }
      T<L> to_sender = L::or2(is_controller, named);
      if (L::v(to_sender) == kFalse) continue;
      // freely_given(c)
      T<L> method = L::leaf(slot(at + c.method), p.c_method);
      Value mv = L::v(method);
      T<L> free = L::from(mv == kUnknown ? kUnknown : ((m.unfree_methods >> mv) & 1) ? kFalse : kTrue, method);
      if (L::v(free) == kFalse) continue;
      // in_force(c)
      T<L> given = L::leaf(slot(at + c.given_at), p.c_given_at);
      Value gv = L::v(given), sv = L::v(send);
      T<L> after = L::from(gv == kUnknown || sv == kUnknown ? kUnknown : gv <= sv ? kTrue : kFalse, given, send);
      Value wv = slot(at + c.withdrawn_at);  // default: never
      T<L> standing = L::from(wv == kUnknown || sv == kUnknown ? kUnknown : wv > sv ? kTrue : kFalse, send);
      T<L> in_force = L::and2(after, standing);
      T<L> all = L::and2(L::and2(L::and2(covers, marketing), L::and2(to_sender, free)), in_force);
      if (L::v(all) == kTrue) return L::known(kTrue);
      if (L::v(all) == kUnknown) L::acc_unknown(acc, all);
    }
    return acc;
  }

  // Whether a list of strings holds x (x known); unknown when the list is.
  T<L> in_list(uint32_t list_slot, uint32_t path, Value x) const {
    T<L> l = L::leaf(slot(list_slot), path);
    Value lv = L::v(l);
    if (lv == kUnknown) return l;
    for (uint32_t k = 0; k < list_count(lv); ++k)
      if (str_eq(slot(list_start(lv) + k), x)) return L::known(kTrue);
    return L::known(kFalse);
  }

  // soft_opt_in: std.customers.bought_or_negotiated_what_is_promoted and
  // std.customers.opt_out_offered_and_carried
  T<L> soft_opt_in() const {
    if (slot(s.customer) == kUnknown) return L::known(kFalse);  // known(contact.customer)
    // bought_or_negotiated_what_is_promoted
    T<L> products = L::leaf(slot(s.products), p.products);
    Value pl = L::v(products);
    T<L> bought = products;  // size(products) > 0 and all p in products: ..., both unknown with the list
    if (pl != kUnknown) {
      if (list_count(pl) == 0) return L::known(kFalse);
      T<L> all = L::known(kTrue);
      for (uint32_t i = 0; i < list_count(pl); ++i) {
        Value x = slot(list_start(pl) + i);
        T<L> either = L::or2(in_list(s.purchased, p.purchased, x), in_list(s.negotiated, p.negotiated, x));
        if (L::v(either) == kFalse) {
          all = L::known(kFalse);
          break;
        }
        if (L::v(either) == kUnknown) L::acc_unknown(all, either);
      }
      bought = all;
    }
    if (L::v(bought) == kFalse) return bought;
    // opt_out_offered_and_carried
    T<L> carried = L::and2(L::leaf(slot(s.opt_out_offered), p.opt_out_offered), L::leaf(slot(s.unsubscribe), p.unsubscribe));
    return L::and2(bought, carried);
  }

  // organisation_mailbox: campaign.channel == sms or std.email.kind != personal, where
  // the kind is contact.email_kind when known, else `personal` for an address at a
  // webmail domain (after the last '@', lower case) and another kind for any other
  // address; unknown without an address or without '@'.
  T<L> organisation_mailbox() const {
    if (slot(s.channel) == m.sms) return L::known(kTrue);  // known: the decision's guard
    Value kind = slot(s.email_kind);
    T<L> org;
    if (kind != kUnknown) {
      org = L::known(kind != m.personal ? kTrue : kFalse);
    } else {
      Value e = slot(s.email);
      std::string_view addr = e == kUnknown ? std::string_view() : f.text(e);
      size_t at = addr.rfind('@');
      if (e == kUnknown || at == std::string_view::npos) {
        org = L::leaf(kUnknown, p.email);
      } else {
        std::string_view d = addr.substr(at + 1);
        char low[64];
        bool webmail = false;
        if (d.size() <= sizeof low) {  // every listed domain is shorter
          for (size_t i = 0; i < d.size(); ++i) {
            char c = d[i];
            low[i] = static_cast<unsigned>(c - 'A') < 26u ? static_cast<char>(c + 32) : c;
          }
          webmail = web.contains(std::string_view(low, d.size()));
        }
        org = L::known(webmail ? kFalse : kTrue);
      }
    }
    return org;
  }

  // corporate_subscriber
  T<L> corporate() const {
    T<L> e = L::leaf(slot(s.entity), p.entity);
    Value ev = L::v(e);
    return L::from(ev == kUnknown ? kUnknown : ((m.corporate_entities >> ev) & 1) ? kTrue : kFalse, e);
  }
  // contact.entity == unknown
  T<L> entity_unknown() const {
    T<L> e = L::leaf(slot(s.entity), p.entity);
    Value ev = L::v(e);
    return L::from(ev == kUnknown ? kUnknown : ev == m.entity_unknown ? kTrue : kFalse, e);
  }
  T<L> objection() const {
    return L::or2(L::leaf(slot(s.objected), p.objected), L::leaf(slot(s.suppressed), p.suppressed));
  }
  T<L> concealed_sender() const {
    return L::or2(L::not1(L::leaf(slot(s.identified), p.identified)),
                  L::not1(L::leaf(slot(s.contact_address), p.contact_address)));
  }
  // charity_soft_opt_in: a charity, the message for its charitable purposes only, the
  // supporter's details obtained by the sender, at support or an expressed interest, on
  // or before the send date, an opt-out offered then and carried now.
  T<L> charity_soft_opt_in() const {
    if (slot(s.supporter) == kUnknown) return L::known(kFalse);  // known(contact.supporter)
    T<L> kind = L::leaf(slot(s.sender_kind), p.sender_kind);
    T<L> charity = L::from(L::v(kind) == kUnknown ? kUnknown : L::v(kind) == m.charity ? kTrue : kFalse, kind);
    if (L::v(charity) == kFalse) return charity;
    T<L> acc = L::and2(charity, L::leaf(slot(s.charitable_purpose_only), p.charitable_purpose_only));
    if (L::v(acc) == kFalse) return acc;
    T<L> by = L::leaf(slot(s.collected_by), p.collected_by), name = L::leaf(slot(s.sender_name), p.sender_name);
    Value bv = L::v(by), nv = L::v(name);
    acc = L::and2(acc, L::from(bv == kUnknown || nv == kUnknown ? kUnknown : str_ieq(bv, nv) ? kTrue : kFalse, by, name));
    if (L::v(acc) == kFalse) return acc;
    acc = L::and2(acc, L::or2(L::leaf(slot(s.support_given), p.support_given),
                              L::leaf(slot(s.interest_expressed), p.interest_expressed)));
    if (L::v(acc) == kFalse) return acc;
    T<L> at = collected_at(), send = L::leaf(slot(s.send_date), p.send_date);
    Value av = L::v(at), sv = L::v(send);
    acc = L::and2(acc, L::from(av == kUnknown || sv == kUnknown ? kUnknown : av <= sv ? kTrue : kFalse, at, send));
    if (L::v(acc) == kFalse) return acc;
    return L::and2(acc, L::and2(L::leaf(slot(s.supporter_opt_out), p.supporter_opt_out),
                                L::leaf(slot(s.unsubscribe), p.unsubscribe)));
  }
  T<L> collected_at() const { return L::leaf(slot(s.collected_at), p.collected_at); }
  // The details obtained on or after the day reg 22(3A) came into force (since: true),
  // or before it (since: false).
  T<L> collected_since(bool since) const {
    T<L> at = collected_at();
    Value av = L::v(at);
    return L::from(av == kUnknown ? kUnknown : (av >= m.charity_start) == since ? kTrue : kFalse, at);
  }
  // `effective 2026-02-05`, on the send date (the bench gives no --as-of): a rule out of
  // force does not apply; on an unknown date it might, naming the send date.
  T<L> in_force(T<L> cond) const {
    Value sv = slot(s.send_date);
    if (sv != kUnknown && sv < m.charity_start) return L::known(kFalse);
    if (L::v(cond) == kFalse) return cond;
    return sv == kUnknown ? L::and2(L::leaf(kUnknown, p.send_date), cond) : cond;
  }

  T<L> rule(int i) const {
    switch (i) {
      case 1: return L::and2(corporate(), organisation_mailbox());
      case 2: return consented();
      case 3: return soft_opt_in();
      case 4: return in_force(L::and2(charity_soft_opt_in(), collected_since(true)));
      case 5: return in_force(L::and2(charity_soft_opt_in(), collected_since(false)));
      case 6: return L::and2(entity_unknown(), organisation_mailbox());
      case 7: return objection();
      case 8: return concealed_sender();
      default: return L::known(kTrue);  // no_consent
    }
  }
};

uint32_t path(const Program& prog, const char* name) {
  int p = prog.schema.find_path(name);
  if (p < 0) throw std::runtime_error(std::string("no fact path ") + name);
  return static_cast<uint32_t>(p);
}
uint32_t slot(const Program& prog, const char* name) {
  int s = prog.schema.paths[path(prog, name)].slot;
  if (s < 0) throw std::runtime_error(std::string("no slot for ") + name);
  return static_cast<uint32_t>(s);
}
Value member(const Program& prog, const char* e, const char* m) {
  int ei = prog.schema.find_enum(e);
  if (ei < 0) throw std::runtime_error(std::string("no enumeration ") + e);
  int mi = Schema::find_member(prog.schema.enums[static_cast<size_t>(ei)], m);
  if (mi < 0) throw std::runtime_error(std::string("no member ") + m);
  return mi;
}

// Rule order and overrides of uk.law's `electronic_mail`: 0 no_consent (deny), 1
// corporate (allow, overrides 0 and 5), 2 consented and 3 existing_customer (allow,
// override 0, 5 and 6), 4 charity_supporter (allow, overrides 0 and 6), 5
// supporter_before_commencement (review, overrides 0 and 6), 6 subscriber_unknown
// (review, overrides 0), 7 objection and 8 concealed_sender (deny, each overriding 1 to
// 6). Bit j of kOverriddenBy[i]: rule j overrides rule i.
constexpr uint32_t kOverriddenBy[9] = {0b001111110, 0b110000000, 0b110000000, 0b110000000, 0b110000000,
                                       0b110001110, 0b110111100, 0,           0};
constexpr VerdictCode kVerdict[9] = {VerdictCode::Deny,   VerdictCode::Allow,  VerdictCode::Allow,
                                     VerdictCode::Allow,  VerdictCode::Allow,  VerdictCode::Review,
                                     VerdictCode::Review, VerdictCode::Deny,   VerdictCode::Deny};
constexpr int kRules = 9;

}  // namespace

void UkEmailNative::DomainSet::build(const std::vector<std::string>& domains) {
  size_t size = 16;
  while (size < domains.size() * 4) size *= 2;
  cells.assign(size, std::string());
  mask = size - 1;
  for (const std::string& d : domains) {
    uint64_t i = domain_hash(d) & mask;
    while (!cells[i].empty() && cells[i] != d) i = (i + 1) & mask;
    cells[i] = d;
  }
}

bool UkEmailNative::DomainSet::contains(std::string_view d) const {
  for (uint64_t i = domain_hash(d) & mask;; i = (i + 1) & mask) {
    if (cells[i].empty()) return false;
    if (cells[i] == d) return true;
  }
}

UkEmailNative::UkEmailNative(const Program& prog, uint32_t decision) : decision_(decision) {
  const DecisionInfo& d = prog.decisions.at(decision);
  policy_ = d.policy;
  const char* names[kRules] = {"no_consent",         "corporate",
                               "consented",          "existing_customer",
                               "charity_supporter",  "supporter_before_commencement",
                               "subscriber_unknown", "objection",
                               "concealed_sender"};
  if (d.rules.size() != kRules) throw std::runtime_error("the decision is not uk.law's electronic_mail (9 rules)");
  for (int i = 0; i < kRules; ++i)
    if (prog.str(d.rules[static_cast<size_t>(i)].name) != names[i])
      throw std::runtime_error("the decision is not uk.law's electronic_mail (rule order)");
  s_ = {slot(prog, "contact.entity"),           slot(prog, "contact.objected"),
        slot(prog, "contact.suppressed"),       slot(prog, "contact.consents"),
        slot(prog, "contact.customer"),         slot(prog, "contact.customer.opt_out_offered"),
        slot(prog, "contact.customer.purchased"), slot(prog, "contact.customer.negotiated"),
        slot(prog, "campaign.channel"),         slot(prog, "campaign.unsubscribe"),
        slot(prog, "campaign.products"),        slot(prog, "campaign.sender.name"),
        slot(prog, "campaign.sender.identified"), slot(prog, "campaign.sender.contact_address"),
        slot(prog, "campaign.send_date"),       slot(prog, "campaign.lia_recorded"),
        slot(prog, "contact.email"),            slot(prog, "contact.email_kind"),
        slot(prog, "campaign.sender.kind"),     slot(prog, "campaign.charitable_purpose_only"),
        slot(prog, "contact.supporter"),        slot(prog, "contact.supporter.support_given"),
        slot(prog, "contact.supporter.interest_expressed"), slot(prog, "contact.supporter.collected_at"),
        slot(prog, "contact.supporter.collected_by"), slot(prog, "contact.supporter.opt_out_offered")};
  const RecordDef& consent = prog.schema.records.at(static_cast<size_t>(prog.schema.find_record("Consent")));
  auto off = [&](const char* f) {
    int i = Schema::find_field(consent, f);
    if (i < 0) throw std::runtime_error(std::string("no consent field ") + f);
    return consent.fields[static_cast<size_t>(i)].offset;
  };
  c_ = {consent.size, off("channel"), off("purpose"), off("controller"), off("third_parties"), off("given_at"),
        off("withdrawn_at"), off("method")};
  p_ = {path(prog, "contact.entity"),         path(prog, "contact.objected"),
        path(prog, "contact.suppressed"),     path(prog, "contact.consents"),
        path(prog, "contact.consents.channel"), path(prog, "contact.consents.purpose"),
        path(prog, "contact.consents.controller"), path(prog, "contact.consents.given_at"),
        path(prog, "contact.consents.method"), path(prog, "contact.customer.opt_out_offered"),
        path(prog, "contact.customer.purchased"), path(prog, "contact.customer.negotiated"),
        path(prog, "campaign.channel"),       path(prog, "campaign.unsubscribe"),
        path(prog, "campaign.products"),      path(prog, "campaign.sender.name"),
        path(prog, "campaign.sender.identified"), path(prog, "campaign.sender.contact_address"),
        path(prog, "campaign.send_date"),     path(prog, "contact.email"),
        path(prog, "campaign.sender.kind"),   path(prog, "campaign.charitable_purpose_only"),
        path(prog, "contact.supporter.support_given"), path(prog, "contact.supporter.interest_expressed"),
        path(prog, "contact.supporter.collected_at"), path(prog, "contact.supporter.collected_by"),
        path(prog, "contact.supporter.opt_out_offered")};
  m_.email = member(prog, "CampaignChannel", "email");
  m_.sms = member(prog, "CampaignChannel", "sms");
  m_.phone_live = member(prog, "CampaignChannel", "phone_live");
  m_.automated_call = member(prog, "CampaignChannel", "automated_call");
  m_.post = member(prog, "CampaignChannel", "post");
  m_.c_email = member(prog, "ConsentChannel", "email");
  m_.c_sms = member(prog, "ConsentChannel", "sms");
  m_.c_phone = member(prog, "ConsentChannel", "phone");
  m_.c_automated_call = member(prog, "ConsentChannel", "automated_call");
  m_.c_post = member(prog, "ConsentChannel", "post");
  m_.corporate_entities = 0;
  for (const char* e : {"company", "llp", "public_body", "scottish_partnership"})
    m_.corporate_entities |= uint64_t{1} << member(prog, "Entity", e);
  m_.entity_unknown = member(prog, "Entity", "unknown");
  m_.personal = member(prog, "EmailKind", "personal");
  m_.charity = member(prog, "SenderKind", "charity");
  m_.charity_start = days_from_civil(2026, 2, 5);
  const std::vector<uint32_t>* domains = nullptr;
  for (const auto& set : prog.string_sets)
    for (uint32_t id : set)
      if (prog.str(id) == "gmail.com") domains = &set;
  if (!domains) throw std::runtime_error("no constant set of webmail domains (std.email)");
  std::vector<std::string> texts;
  for (uint32_t id : *domains) texts.push_back(prog.str(id));
  webmail_.build(texts);
  m_.unfree_methods = 0;
  for (const char* e : {"pre_ticked", "bundled", "inferred"})
    m_.unfree_methods |= uint64_t{1} << member(prog, "ConsentMethod", e);
  auto basis = [&](const char* b) { return static_cast<int32_t>(member(prog, "Basis", b)); };
  basis_consent_ = basis("consent");
  basis_soft_opt_in_ = basis("soft_opt_in");
  basis_corporate_ = basis("corporate_subscriber");
  auto obligation = [&](const char* o) { return static_cast<uint32_t>(member(prog, "Obligation", o)); };
  identify_sender_ = obligation("identify_sender");
  include_contact_address_ = obligation("include_contact_address");
  include_unsubscribe_ = obligation("include_unsubscribe");
  honour_objection_ = obligation("honour_objection");
  keep_consent_record_ = obligation("keep_consent_record");
  keep_collection_record_ = obligation("keep_collection_record");
  record_lia_ = obligation("record_lia");
  entity_path_ = p_.entity;
}

void UkEmailNative::decide(const FactStore& facts, Outcome& out) const {
  out.clear();
  out.decision = static_cast<int32_t>(decision_);
  out.policy = static_cast<int32_t>(policy_);
  Rules<Plain> r{s_, c_, p_, m_, webmail_, facts};
  // The guard: campaign.channel in {email, sms}.
  Value ch = facts.slots[s_.channel];
  if (ch == kUnknown) {
    out.reason = Reason::DecisionMayApply;
    out.reason_a = static_cast<int32_t>(decision_);
    out.missing.add(p_.channel);
    return;
  }
  if (ch != m_.email && ch != m_.sms) {
    out.reason = Reason::DecisionNotApplicable;
    out.reason_a = static_cast<int32_t>(decision_);
    return;
  }
  Value st[kRules] = {};
  uint32_t applies = 1, unknown = 0;  // rule 0 always applies
  st[0] = kTrue;
  for (int i = 1; i < kRules; ++i) {
    st[i] = r.rule(i);
    if (st[i] == kTrue) applies |= 1u << i;
    if (st[i] == kUnknown) unknown |= 1u << i;
  }
  auto add_missing = [&](int i) {
    Rules<Masked> t{s_, c_, p_, m_, webmail_, facts};
    Masked::T x = t.rule(i);
    if (x.v == kUnknown) out.missing |= x.m;
  };
  int first = -1;
  bool conflict = false;
  for (int i = 0; i < kRules; ++i) {
    if (!((applies >> i) & 1) || (kOverriddenBy[i] & applies)) continue;
    out.rules.push_back(static_cast<uint32_t>(i));
    if (first < 0) {
      first = i;
    } else if (kVerdict[i] != kVerdict[first] && !conflict) {
      conflict = true;
      out.reason_a = first;
      out.reason_b = i;
    }
  }
  if (first < 0) {
    out.reason = Reason::NoRuleApplies;
    for (int i = 0; i < kRules; ++i) {
      if (!((unknown >> i) & 1)) continue;
      if (out.reason != Reason::Undetermined) {
        out.reason = Reason::Undetermined;
        out.reason_a = i;
      }
      out.rules.push_back(static_cast<uint32_t>(i));
      add_missing(i);
    }
    return;
  }
  if (conflict) {
    out.reason = Reason::Conflict;
    return;
  }
  const VerdictCode v = kVerdict[first];
  bool undetermined = false;
  if (v != VerdictCode::Review) {
    for (int i = 0; i < kRules; ++i) {
      if (!((unknown >> i) & 1) || (kOverriddenBy[i] & applies) || kVerdict[i] == v) continue;
      if (!undetermined) {
        undetermined = true;
        out.reason = Reason::Undetermined;
        out.reason_a = i;
      }
      out.rules.push_back(static_cast<uint32_t>(i));
      add_missing(i);
    }
  }
  if (undetermined) {
    std::sort(out.rules.begin(), out.rules.end());
    return;
  }
  out.verdict = v;
  if (v == VerdictCode::Review) {  // subscriber_unknown, which needs contact.entity, or
    out.reason = Reason::ReviewRule;  // supporter_before_commencement, which names nothing
    out.reason_a = first;
    if (first == 6) out.missing.add(entity_path_);
    return;
  }
  if (v != VerdictCode::Allow) return;
  out.basis = first == 2 ? basis_consent_ : first == 3 || first == 4 ? basis_soft_opt_in_ : basis_corporate_;
  // The obligations, in the policy's order; one that might apply is kept. An allow's
  // winners (out.rules) are the allow rules that decided: `oblige ... for R` holds for
  // those. Every allow rule obliges include_unsubscribe (once, where it first appears).
  uint32_t decided = 0;
  for (uint32_t r : out.rules) decided |= 1u << r;
  out.obligations.push_back(identify_sender_);
  out.obligations.push_back(include_contact_address_);
  out.obligations.push_back(include_unsubscribe_);
  out.obligations.push_back(honour_objection_);
  if (decided & (1u << 2)) out.obligations.push_back(keep_consent_record_);  // for consented
  if (decided & ((1u << 3) | (1u << 4))) out.obligations.push_back(keep_collection_record_);  // the soft opt-ins
  // for corporate when not campaign.lia_recorded (kept unless certainly recorded)
  if ((decided & (1u << 1)) && facts.slots[s_.lia_recorded] != kTrue) out.obligations.push_back(record_lia_);
}

}  // namespace lawful::bench
