// The per-line step; see line_decider.h.
#include "runtime/vm/line_decider.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace lawful {

namespace {

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

LineDecider::LineDecider(const Program& prog, const Entry& entry, const Options& options,
                         std::shared_ptr<const RecordNames> names)
    : prog_(prog),
      entry_(entry),
      options_(options),
      vm_(prog),
      binder_(prog, options.limits),
      csv_(prog, binder_),
      writer_(names ? std::move(names) : std::make_shared<const RecordNames>(prog)) {
  vm_.use_native(options.native);
  if (options.mapping) mapped_ = std::make_unique<MappedBinder>(prog, binder_, options.mapping);
}

std::string LineDecider::set_campaign(std::string_view json) {
  if (campaign_bound_ && campaign_ == json) return {};
  campaign_bound_ = false;
  campaign_.assign(json.data(), json.size());
  BindResult r = binder_.bind_campaign(vm_.facts(), campaign_);
  if (!r.ok) return r.error;
  campaign_bound_ = true;
  return {};
}

std::string LineDecider::set_csv_header(std::string_view header) {
  return mapped_ ? mapped_->set_header(header) : csv_.set_header(header);
}

const LineResult& LineDecider::fail(std::string_view error, std::string_view id, bool has_id) {
  result_.decided = false;
  result_.run_error = false;
  result_.error = error;
  result_.id = id;
  result_.has_id = has_id;
  return result_;
}

const LineResult& LineDecider::decide(std::string_view text, size_t capacity, uint64_t too_long) {
  if (too_long) {
    message_.clear();
    fmt::format_to(std::back_inserter(message_), "a line of {} bytes; the limit is {}", too_long, limits().max_line);
    return fail(message_, {}, false);
  }
  if (blank(text)) return fail("a blank line", {}, false);
  const char* data = text.data();
  const LineInput input = options_.input;
  if ((input == LineInput::Contact || input == LineInput::Case) && capacity < text.size() + kBindPadding &&
      text.size() <= limits().max_line) {
    // Room after the text, in a buffer kept from line to line.
    if (padded_.size() < text.size() + kBindPadding)
      padded_.resize(std::max(text.size() + kBindPadding, padded_.size() * 2));
    std::copy(text.begin(), text.end(), padded_.begin());
    data = padded_.data();
    capacity = padded_.size();
  }
  BindResult r = input == LineInput::Contact    ? binder_.bind_contact(vm_.facts(), data, text.size(), capacity)
                 : input == LineInput::Case     ? binder_.bind_case(vm_.facts(), data, text.size(), capacity)
                 : input == LineInput::CsvRow   ? csv_.bind_row(vm_.facts(), text)
                 : !mapped_                     ? BindResult{false, "no mapping for a mapped input", {}}
                 : input == LineInput::MappedCsv ? mapped_->bind_row(vm_.facts(), text)
                                                 : mapped_->bind_json(vm_.facts(), text);
  if (__builtin_expect(!r.ok, 0)) {
    bind_ = std::move(r);  // kept for the result's views
    return fail(bind_.error, bind_.id, !bind_.id.empty());
  }
  return run();
}

const LineResult& LineDecider::decide_facts() { return run(); }

const LineResult& LineDecider::run() {
  decide_entry(vm_, entry_, outcome_, options_.decide);
  if (__builtin_expect(!outcome_.error.empty(), 0)) {
    std::string_view id;
    bool has_id = contact_id(writer_.names(), vm_.facts(), id);
    fail(outcome_.error, id, has_id);
    result_.run_error = true;
    return result_;
  }
  result_.decided = true;
  result_.run_error = false;
  result_.error = {};
  result_.has_id = false;  // subject() has it
  result_.id = {};
  return result_;
}

}  // namespace lawful
