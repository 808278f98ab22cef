// Lookups on a compiled program; see program.h.
#include "runtime/bytecode/program.h"

namespace lawful {

int Program::find_policy(const std::string& name) const {
  for (size_t i = 0; i < policies.size(); ++i)
    if (strings[policies[i].name] == name) return static_cast<int>(i);
  return -1;
}

int Program::find_decision(uint32_t policy, const std::string& name) const {
  if (policy >= policies.size()) return -1;
  for (uint32_t d : policies[policy].decisions)
    if (strings[decisions[d].name] == name) return static_cast<int>(d);
  return -1;
}

std::string Program::basis_name(int32_t b) const {
  if (b < 0 || basis_enum < 0) return {};
  return schema.enums[static_cast<size_t>(basis_enum)].members[static_cast<size_t>(b)];
}

std::string Program::obligation_name(uint32_t o) const {
  if (obligation_enum < 0) return {};
  return schema.enums[static_cast<size_t>(obligation_enum)].members[o];
}

}  // namespace lawful
