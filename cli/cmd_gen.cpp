// `lawful gen-contacts`: writes a synthetic CRM export (see gen_contacts.h).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/gen_contacts.h"
#include "runtime/io/output_file.h"
#include "runtime/facts/binder.h"

namespace lawful::cli {

namespace {

struct GenCommand {
  GenOptions gen;
  std::string output;
  std::string format = "jsonl";
};

int run_gen(const GenCommand& c) {
  if (!valid_utf8(c.gen.sender)) {  // it goes into every consent: the lines must stay valid JSON
    print_error("--sender: not valid UTF-8");
    return kExitUsage;
  }
  GenOptions g = c.gen;
  g.csv = c.format == "csv";
  // Standard output, a device or pipe as it is, or a file replaced when complete.
  io::OutputFile out;
  io::OutputOptions options;
  options.allow_stdout = true;
  if (!out.open(c.output.empty() ? "-" : c.output, options)) {
    print_error(out.error());
    return kExitFailed;
  }
  ContactGenerator gen(g);
  std::string buf;
  buf.reserve(1u << 20);
  if (g.csv) gen.header(buf);
  bool ok = true;
  for (uint64_t i = 0; i < g.n && ok; ++i) {
    gen.contact(buf, i);
    if (buf.size() >= (1u << 20) - 4096) {
      ok = out.write(buf);
      buf.clear();
    }
  }
  ok = ok && out.write(buf);
  if (!ok || !out.commit()) {
    print_error(out.error());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

void add_gen_contacts(Command& app, int& exit_code) {
  auto c = std::make_shared<GenCommand>();
  Command cmd = app.add_subcommand("gen-contacts", "Write a synthetic CRM export (contacts) for trials and benchmarks");
  cmd.add_option("--n", c->gen.n, "How many contacts (default 1000)");
  cmd.add_option("--seed", c->gen.seed, "The random seed; the same seed gives the same file (default 1)");
  cmd.add_option("--sender", c->gen.sender, "The sender most consents name (default: Northwind Ltd, as examples/campaign.json)");
  cmd.add_option("--format", c->format, "jsonl (the default; every fact) or csv (scalar fields only)")
      .check_member({"jsonl", "csv"});
  cmd.add_option("-o,--output", c->output, "Write here instead of standard output");
  cmd.callback([c, &exit_code] { exit_code = run_gen(*c); });
}

}  // namespace lawful::cli
