// See closest_name.h.
#include "runtime/core/closest_name.h"

#include <algorithm>

namespace lawful {

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      // A swap of two neighbours counts as one edit ("entiy" / "enitty").
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_name(const std::string& wrong, const std::vector<std::string>& candidates) {
  // Close enough to be a slip of the keyboard: a third of the word, at least one edit.
  size_t limit = std::max<size_t>(1, (wrong.size() + 2) / 3);
  std::string best;
  size_t best_d = static_cast<size_t>(-1);
  // No name is this long; comparing one with every candidate would take a while.
  if (wrong.size() > 128) return best;
  for (const std::string& c : candidates) {
    if (c == wrong) continue;
    if (c.size() > wrong.size() + limit || wrong.size() > c.size() + limit) continue;  // too far apart anyway
    size_t d = edit_distance(wrong, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= limit ? best : std::string();
}

}  // namespace lawful
