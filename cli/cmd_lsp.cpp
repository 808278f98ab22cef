// `lawful lsp`: the language server (lsp/), over standard input and output.
#include <memory>

#include "cli/commands.h"
#include "lsp/server.h"

namespace lawful::cli {

void add_lsp(Command& app, int& exit_code) {
  auto stdio = std::make_shared<bool>(false);
  Command cmd = app.add_subcommand("lsp", "Serve the Language Server Protocol on standard input and output, for editors");
  cmd.add_flag("--stdio", *stdio, "Use standard input and output (the default and only transport; accepted for editors that pass it)");
  cmd.callback([&exit_code] {
    lsp::ServerOptions o;
    o.version = LAWFUL_VERSION;
    exit_code = lsp::run_server(o);
  });
}

}  // namespace lawful::cli
