// What a campaign lacks, and what that does to decisions: checked once, before any
// contact, so that a campaign without its channel (or `{}`) is said out loud at the
// start rather than found later in a million `review` records. `lawful check` prints it
// at the start and in its summary; the embedding API's prepared campaigns carry it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/dates.h"
#include "runtime/vm/entry.h"

namespace lawful {

struct CampaignLack {
  std::string path;  // "campaign.send_date": absent (no value, no default)
  // What its absence does: every decision review ("every"), every decision of some
  // policies ("policies"), or those that need it ("some").
  enum Effect { Some, Policies, Every } effect = Some;
  std::vector<std::string> policies;  // for Policies: their names
  bool as_of_date = false;  // the schema's `as of` date (send_date), with no as-of date given instead
};

struct CampaignReport {
  std::string error;                 // why the campaign cannot be used ("" when it can)
  std::vector<CampaignLack> lacks;   // in the schema's order
  std::vector<std::string> unknown;  // its keys the schema lacks: "campaign.chanel"
  std::vector<std::string> unknown_suggestions;  // per unknown: "campaign.channel", or ""
  bool every_review = false;         // no contact can be decided otherwise
  // One line each, as `lawful check` prints them: "every decision will be review:
  // campaign.channel missing", "campaign.send_date missing: decisions that need it will
  // be review", "campaign.chanel is not a field of the schema (ignored); did you mean
  // campaign.channel?". Other absent facts, which many policies never read, are in
  // `lacks` only.
  std::vector<std::string> messages() const;
};

// Binds `json` as `lawful check` binds its campaign (strict: unknown keys are an error),
// lists the campaign's facts that are absent, and finds out which of them leave every
// decision `review` whatever the contact: each policy the entry can reach is decided
// with the campaign and a contact whose every fact is unknown (defaults included); a
// review whose missing facts are all the campaign's owes nothing to the contact. `as_of`
// as `lawful check --as-of`.
CampaignReport check_campaign(const Program& prog, const Entry& entry, std::string_view json,
                              std::optional<Days> as_of = std::nullopt, bool strict = false);

class Vm;
class Binder;
// The same with a machine and a binder of `prog` the caller has already (a worker's, so
// that a start-up sets up one machine, not two; the binder's strictness is the check's).
// Their facts are left as the check leaves them: the caller binds its campaign again.
CampaignReport check_campaign(Vm& vm, Binder& binder, const Program& prog, const Entry& entry, std::string_view json,
                              std::optional<Days> as_of = std::nullopt);

}  // namespace lawful
