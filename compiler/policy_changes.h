// What differs between two versions of the policies: the rules and definitions added,
// removed or changed. A rule is compared on what it says (verdict, basis, effective
// window, overrides, citations, the facts a `review` asks for and, when both versions
// were compiled from source, its condition as written), never on where it is written, so
// moving a rule or reformatting a file changes nothing. Definitions are compared as
// written, so only when both versions have their source. Used by `lawful diff`; a reload
// can report with it what a new version changed.
#pragma once

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/bytecode/program.h"

namespace lawful {

enum class ChangeKind : uint8_t { Added, Removed, Changed };
const char* change_name(ChangeKind k);  // "added", "removed", "changed"

struct PolicyChange {
  std::string policy;      // "uk.pecr"
  std::string decision;    // with `rule`; empty for a definition
  std::string rule;
  std::string definition;  // a definition's name; empty for a rule
  ChangeKind kind = ChangeKind::Changed;
};

// One version: its program, and the compilation it came from (null for a .lawc file).
struct PolicyVersion {
  const Program* program = nullptr;
  const Compilation* compilation = nullptr;
};

// The rules (by policy, decision and name, in that order) then the definitions (by
// policy and name) that differ.
std::vector<PolicyChange> policy_changes(const PolicyVersion& before, const PolicyVersion& after);

}  // namespace lawful
