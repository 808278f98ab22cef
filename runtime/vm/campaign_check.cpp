// See campaign_check.h.
#include "runtime/vm/campaign_check.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/facts/binder.h"
#include "runtime/vm/vm.h"

namespace lawful {

namespace {

bool is_campaign_path(const std::string& name) { return name.rfind("campaign.", 0) == 0; }

// Decides with the contact's facts all unknown; true when the result is a review owed
// to the campaign alone (its missing facts, all the campaign's, go into `cause`).
bool review_for_campaign(Vm& vm, const Program& prog, uint32_t contact_base, uint32_t contact_size,
                         const std::vector<Value>& bound, const DecideOptions& opt,
                         void (Vm::*decide)(uint32_t, Outcome&, const DecideOptions&), uint32_t index,
                         std::vector<bool>& cause) {
  FactStore& fs = vm.facts();
  fs.slots.assign(bound.begin(), bound.end());
  std::fill_n(fs.slots.begin() + contact_base, contact_size, kUnknown);
  Outcome out;
  (vm.*decide)(index, out, opt);
  if (!out.error.empty() || out.verdict != VerdictCode::Review || out.missing.empty()) return false;
  bool campaign_only = true;
  out.missing.for_each([&](uint32_t p) {
    campaign_only = campaign_only && p < prog.schema.paths.size() && is_campaign_path(prog.schema.paths[p].name);
  });
  if (!campaign_only) return false;
  out.missing.for_each([&](uint32_t p) { cause[p] = true; });
  return true;
}

}  // namespace

CampaignReport check_campaign(const Program& prog, const Entry& entry, std::string_view json,
                              std::optional<Days> as_of, bool strict) {
  Vm vm(prog);
  Binder binder(prog);
  binder.set_strict_fields(strict);
  return check_campaign(vm, binder, prog, entry, json, as_of);
}

CampaignReport check_campaign(Vm& vm, Binder& binder, const Program& prog, const Entry& entry, std::string_view json,
                              std::optional<Days> as_of) {
  CampaignReport rep;
  const Schema& schema = prog.schema;
  BindResult bound = binder.bind_campaign(vm.facts(), json);
  if (!bound.ok) {
    rep.error = bound.error;
    return rep;
  }
  for (uint32_t id : binder.campaign_unknown()) {
    const UnknownField& u = binder.unknown_fields()[id];
    if (std::find(rep.unknown.begin(), rep.unknown.end(), u.path) != rep.unknown.end()) continue;
    rep.unknown.push_back(u.path);
    rep.unknown_suggestions.push_back(u.suggestion);
  }
  const std::vector<Value> slots = vm.facts().slots;
  // Absent: a root-level leaf with no value (defaults were applied by the binder).
  std::vector<uint32_t> absent;
  for (uint32_t p = 0; p < schema.paths.size(); ++p) {
    const PathDef& d = schema.paths[p];
    if (d.slot < 0 || !is_campaign_path(d.name) || schema.type(d.type).kind == TypeKind::Record) continue;
    if (static_cast<size_t>(d.slot) < slots.size() && slots[static_cast<size_t>(d.slot)] == kUnknown) absent.push_back(p);
  }
  const int contact = schema.find_root("contact");
  std::vector<bool> cause(schema.paths.size(), false);
  std::vector<std::string> review_policies;  // whose every decision is review
  size_t reached = 0;
  if (contact >= 0 && !absent.empty()) {
    const RootDef& root = schema.roots[static_cast<size_t>(contact)];
    const uint32_t size = schema.records[root.record].size;
    DecideOptions opt;
    opt.as_of = as_of;
    auto probe = [&](void (Vm::*decide)(uint32_t, Outcome&, const DecideOptions&), uint32_t index, uint32_t policy) {
      ++reached;
      if (review_for_campaign(vm, prog, root.base, size, slots, opt, decide, index, cause))
        review_policies.push_back(prog.str(prog.policies[policy].name));
    };
    switch (entry.kind) {
      case Entry::Router:
        for (uint32_t p = 0; p < prog.policies.size(); ++p) probe(&Vm::decide_policy, p, p);
        break;
      case Entry::RouterDecision:
        for (uint32_t p = 0; p < prog.policies.size(); ++p) {
          int d = prog.find_decision(p, entry.decision_name);
          if (d >= 0) probe(&Vm::decide_decision, static_cast<uint32_t>(d), p);
        }
        break;
      case Entry::Policy: probe(&Vm::decide_policy, entry.index, entry.index); break;
      case Entry::Decision: probe(&Vm::decide_decision, entry.index, prog.decisions[entry.index].policy); break;
    }
  }
  rep.every_review = reached > 0 && review_policies.size() == reached;
  for (uint32_t p : absent) {
    CampaignLack lack;
    lack.path = schema.paths[p].name;
    lack.as_of_date = static_cast<int32_t>(p) == schema.as_of_path && !as_of;
    if (cause[p]) {
      lack.effect = rep.every_review ? CampaignLack::Every : CampaignLack::Policies;
      if (!rep.every_review) lack.policies = review_policies;
    }
    rep.lacks.push_back(std::move(lack));
  }
  return rep;
}

std::vector<std::string> CampaignReport::messages() const {
  std::vector<std::string> out;
  if (!error.empty()) {
    out.push_back(fmt::format("the campaign cannot be used, so every line would be an error: {}", error));
    return out;
  }
  std::vector<std::string> every, some;
  for (const CampaignLack& l : lacks) {
    if (l.effect == CampaignLack::Every) every.push_back(l.path);
    else if (l.effect == CampaignLack::Policies)
      out.push_back(fmt::format("every decision of {} will be review: {} missing", fmt::join(l.policies, ", "), l.path));
    else if (l.as_of_date) some.push_back(l.path);
  }
  if (!every.empty())
    out.insert(out.begin(), fmt::format("every decision will be review: {} missing", fmt::join(every, ", ")));
  if (!some.empty())
    out.push_back(fmt::format("{} missing: decisions that need {} will be review", fmt::join(some, ", "),
                              some.size() == 1 ? "it" : "them"));
  for (size_t i = 0; i < unknown.size(); ++i)
    out.push_back(unknown_suggestions[i].empty()
                      ? fmt::format("{} is not a field of the schema (ignored)", unknown[i])
                      : fmt::format("{} is not a field of the schema (ignored); did you mean {}?", unknown[i],
                                    unknown_suggestions[i]));
  return out;
}

}  // namespace lawful
