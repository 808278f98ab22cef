// `property` blocks for lawful verify (verify/properties.cpp): on the command's side of
// the module boundary, without Z3.
#pragma once

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "verify/verify.h"

namespace lawful::verify {

// The properties of a compilation's user files, as verify_program takes them.
std::vector<Property> compiled_properties(const Compilation& c);

// A property's counterexample as a `test` block that `lawful test` runs and that fails
// as the property does (`lawful verify --emit-test`).
std::string test_block(const Program& prog, const Property& p, const Witness& w);

}  // namespace lawful::verify
