// The closest name to a misspelt one: the compiler's "did you mean" and the binder's
// report of unknown fields (contact.objectd: did you mean objected?) share it.
#pragma once

#include <string>
#include <vector>

namespace lawful {

// The closest candidate by edit distance (a swap of two neighbours is one edit), if it
// is close enough to be a likely typo; else "".
std::string closest_name(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace lawful
