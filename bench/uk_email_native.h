// The UK email decision of policies/uk.law (`electronic_mail`, with std.consent and
// std.customers), written by hand in C++ over the same bound facts the VM reads: the
// floor the interpreter is measured against. It computes the same outcome: verdict,
// basis, deciding rules, obligations, and for `review` the facts that would settle it
// and why. Text is compared as the policy's lower() compares it (ASCII letters), in
// place.
//
// std.email's list of webmail domains is taken from the compiled program (the one
// constant set of strings that holds "gmail.com"), so that both sides decide over the
// same list; the hand-written side looks it up in its own hash table.
//
// Kleene logic is written once, as templates over two "logics": Plain carries values
// only (the fast path, what a programmer would write), Masked also carries which
// absent facts a value came from, and runs only to fill `missing` for a review, as the
// VM's tracing path does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/facts/fact_store.h"

namespace lawful::bench {

class UkEmailNative {
 public:
  // Finds the slots, enumeration members and rule indices by name; `decision` is the
  // decision's index in `prog` (uk.pecr's `electronic_mail`). Throws std::runtime_error when the
  // program is not the one expected.
  UkEmailNative(const Program& prog, uint32_t decision);
  void decide(const FactStore& facts, Outcome& out) const;

  struct Slots {
    uint32_t entity, objected, suppressed, consents, customer, opt_out_offered, purchased, negotiated;
    uint32_t channel, unsubscribe, products, sender_name, identified, contact_address, send_date, lia_recorded;
    uint32_t email, email_kind;
    // The charitable purpose soft opt-in (reg 22(3A)).
    uint32_t sender_kind, charitable_purpose_only, supporter, support_given, interest_expressed, collected_at,
        collected_by, supporter_opt_out;
  };
  struct ConsentFields {
    uint32_t stride, channel, purpose, controller, third_parties, given_at, withdrawn_at, method;
  };
  struct Paths {
    uint32_t entity, objected, suppressed, consents, c_channel, c_purpose, c_controller, c_given_at, c_method;
    uint32_t opt_out_offered, purchased, negotiated, channel, unsubscribe, products, sender_name, identified, contact_address, send_date;
    uint32_t email;
    uint32_t sender_kind, charitable_purpose_only, support_given, interest_expressed, collected_at, collected_by,
        supporter_opt_out;
  };
  struct Members {
    Value email, sms, phone_live, automated_call, post;          // CampaignChannel
    Value c_email, c_sms, c_phone, c_automated_call, c_post;     // ConsentChannel
    uint64_t corporate_entities;                                 // bit set of Entity
    Value entity_unknown;                                        // Entity's `unknown`
    uint64_t unfree_methods;                                     // pre_ticked, bundled, inferred
    Value personal;                                              // EmailKind's `personal`
    Value charity;                                               // SenderKind's `charity`
    Value charity_start;                                         // 2026-02-05, the day reg 22(3A) came into force
  };
  // std.email's webmail domains (lower case), as an open-addressing hash table.
  struct DomainSet {
    std::vector<std::string> cells;  // empty: a free cell
    uint64_t mask = 0;
    void build(const std::vector<std::string>& domains);
    bool contains(std::string_view d) const;
  };

 private:
  uint32_t decision_;
  uint32_t policy_ = 0;
  int32_t basis_consent_, basis_soft_opt_in_, basis_corporate_;
  uint32_t identify_sender_, include_contact_address_, include_unsubscribe_, honour_objection_;
  uint32_t keep_consent_record_, keep_collection_record_, record_lia_;
  uint32_t entity_path_ = 0;
  Slots s_;
  ConsentFields c_;
  Paths p_;
  Members m_;
  DomainSet webmail_;
};

}  // namespace lawful::bench
