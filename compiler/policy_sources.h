// The text of a compilation's policies that an explanation quotes (runtime/vm/explain.h):
// every file's lines, where each rule and definition begins and ends, and the routes by
// country. Kept by whoever explains decisions after the compilation is gone (the API's
// engines); small beside the program.
#pragma once

#include <memory>

#include "compiler/compiler.h"
#include "runtime/vm/explain.h"

namespace lawful {

std::shared_ptr<const PolicySources> policy_sources(const Compilation& c);

}  // namespace lawful
