// A root record's facts as they sit in a store, back as a JSON object: what `lawful map
// --preview` shows of a row. Absent facts (unknown, or a schema default) are left out,
// as a JSON Lines contact would leave them out.
#pragma once

#include <string>

#include "runtime/facts/fact_store.h"

namespace lawful {

// "{}" when the program has no such root.
std::string root_facts_json(const FactStore& fs, const std::string& root);

}  // namespace lawful
