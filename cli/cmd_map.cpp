// `lawful map FILE`: checks a mapping against the schema (docs/mappings.md) and, with
// --preview INPUT, shows the first rows of an export as the facts they become.
#include <fstream>

#include <fmt/format.h>

#include "cli/cached_load.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "compiler/mapping/mapping_loader.h"
#include "runtime/facts/facts_json.h"
#include "runtime/facts/mapped_binder.h"

namespace lawful::cli {

namespace {

struct MapOptions {
  std::string mapping;
  std::string preview;
  std::string policies;
  uint64_t rows = 5;
};

int run_map(const MapOptions& o) {
  std::shared_ptr<const Program> prog;
  Loaded loaded;
  if (!o.policies.empty()) {
    loaded = load_cached(o.policies, false);
    if (!loaded.program) return kExitFailed;
    prog = loaded.program;
  } else {
    prog = schema_program();
  }
  if (!prog) {
    print_error("the standard library's schema could not be compiled");
    return kExitFailed;
  }
  LoadedMapping m = load_mapping(o.mapping, prog->schema);
  if (!m.ok()) {
    print_stderr(m.render(color_stderr()));
    return kExitFailed;
  }
  const Mapping& map = *m.mapping;
  size_t fields = 0;
  for (const MappedRecord& r : map.records) fields += r.fields.size();
  print_stdout(fmt::format("{}: {} columns to {} facts, input {}{}\n", o.mapping, map.columns().size(), fields,
                           map.format, map.name.empty() ? "" : fmt::format(" ({})", map.name)));
  if (o.preview.empty()) return kExitOk;

  std::ifstream in(o.preview, std::ios::binary);
  if (!in) {
    print_error(fmt::format("cannot read {}", o.preview));
    return kExitFailed;
  }
  bool csv = map.format == "csv";
  if (o.preview.size() > 4 && o.preview.compare(o.preview.size() - 4, 4, ".csv") == 0) csv = true;
  if (o.preview.size() > 6 && o.preview.compare(o.preview.size() - 6, 6, ".jsonl") == 0) csv = false;
  Binder binder(*prog);
  MappedBinder mb(*prog, binder, m.mapping);
  FactStore fs(*prog);
  binder.bind_campaign(fs, "{}");
  std::string line;
  uint64_t n = 0, shown = 0;
  bool failed = false;
  if (csv) {
    if (!std::getline(in, line)) {
      print_error(fmt::format("{}: no header row", o.preview));
      return kExitFailed;
    }
    ++n;
    std::string why = mb.set_header(line);
    if (!why.empty()) {
      print_error(fmt::format("{}: {}", o.preview, why));
      return kExitFailed;
    }
  }
  while (shown < o.rows && std::getline(in, line)) {
    ++n;
    ++shown;
    BindResult r = csv ? mb.bind_row(fs, line) : mb.bind_json(fs, line);
    if (r.ok) {
      print_stdout(fmt::format("line {}: {}\n", n, root_facts_json(fs, "contact")));
    } else {
      failed = true;
      print_stdout(fmt::format("line {}: error: {}\n", n, r.error));
    }
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

void add_map(Command& app, int& exit_code) {
  auto o = std::make_shared<MapOptions>();
  Command cmd = app.add_subcommand("map", "Check a mapping of a CRM export's columns; show rows as the facts they become");
  cmd.add_option("mapping", o->mapping, "A mapping file (TOML; docs/mappings.md)").required();
  cmd.add_option("--preview", o->preview, "An export (CSV or JSON Lines): show its first rows as facts");
  cmd.add_option("--rows", o->rows, "How many rows --preview shows (default 5)");
  cmd.add_option("--policies", o->policies,
                 "Check against the schema of these policies (default: the standard library's)");
  cmd.callback([o, &exit_code] { exit_code = run_map(*o); });
}

}  // namespace lawful::cli
