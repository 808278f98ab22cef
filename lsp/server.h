// `lawful lsp`: a language server for `.law` files over standard input and output
// (LSP 3.17, JSON-RPC). It compiles an open file as `lawful lint FILE` does (the other
// `.law` files of its folder available to it, the open editors' text in place of the
// files'), and answers from the compilation and an index of its names (index.h).
// See docs/editors.md.
#pragma once

#include <string>

namespace lawful::lsp {

struct ServerOptions {
  int in_fd = 0;
  int out_fd = 1;
  std::string version;  // the server's version, for serverInfo
};

// Serves until `exit` (0 after `shutdown`, else 1) or until the client goes away (1).
int run_server(const ServerOptions& options);

}  // namespace lawful::lsp
