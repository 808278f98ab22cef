// Reads a mapping file (TOML, docs/mappings.md) and checks it against the schema of a
// program: every field it names must exist, every conversion must give the field's
// type, every value of a table must be a member of the field's enumeration. Problems
// are diagnostics of the compiler's kind (file:line:col, the line, a caret, a
// suggestion), so a mapping is refused at load as a policy is, never half-used.
#pragma once

#include <memory>
#include <string>

#include "compiler/syntax/diagnostics.h"
#include "compiler/syntax/source.h"
#include "runtime/bytecode/program.h"
#include "runtime/core/schema.h"
#include "runtime/facts/mapping.h"

namespace lawful {

struct LoadedMapping {
  SourceManager sources;
  Diagnostics diags;
  std::shared_ptr<const Mapping> mapping;  // null when there are errors

  bool ok() const { return mapping != nullptr; }
  std::string render(bool color = false) const { return diags.render(sources, color); }
};

// A mapping file larger than this is refused (E003): real ones are a few kilobytes.
inline constexpr size_t kMaxMappingBytes = 1u << 20;

LoadedMapping load_mapping(const std::string& path, const Schema& schema);
// A program compiled from the standard library alone (one empty decision): its schema,
// for checking a mapping when no policies are at hand (`lawful map`).
std::shared_ptr<const Program> schema_program();
LoadedMapping load_mapping_text(const std::string& path, std::string text, const Schema& schema);

}  // namespace lawful
