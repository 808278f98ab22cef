// `lawful serve`: the options, then the service of server/ (docs/server.md). A build
// without it (LAWFUL_SERVER=OFF) says so.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#ifdef LAWFUL_HAVE_SERVER
#include "server/server.h"
#endif

namespace lawful::cli {

#ifdef LAWFUL_HAVE_SERVER
void add_serve(Command& app, int& exit_code) {
  auto o = std::make_shared<server::Options>();
  auto max_body = std::make_shared<uint64_t>(o->max_body);
  Command cmd = app.add_subcommand("serve", "Serve decisions over HTTP, with a decision log and a playground page");
  cmd.add_option("path", o->policies, "Policies: a directory, a .law or a .lawc file").required();
  cmd.add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8181; port 0: any free port)");
  cmd.add_option("--token-file", o->token_file,
                 "A file holding a bearer token that every request but /healthz, /readyz and the page must carry");
  cmd.add_option("--decision-log", o->decision_log, "Append a JSON line per decision to this file (reopened on SIGHUP)");
  cmd.add_option("--log-personal", o->log_personal,
                 "contact.email and contact.phone in the decision log: keep, mask, hash (default) or drop")
      .check_member({"keep", "mask", "hash", "drop"});
  cmd.add_option("--log-key-file", o->log_key_file,
                 "A file holding a secret: --log-personal hash then writes HMAC-SHA-256 under it");
  cmd.add_option("--max-body", *max_body, "The largest request body, in bytes (default 16 MiB)");
  cmd.add_option("--workers", o->workers, "Connections served at once, a thread each (default 64)").check_range(1, 4096);
  cmd.add_option("--queue", o->queue, "Connections waiting for a worker before more get 503 (default 256)")
      .check_range(0, 1e6);
  cmd.add_option("--read-timeout-ms", o->read_timeout_ms, "Drop a client that sends nothing for this long (default 5000)")
      .check_range(1, 3.6e6);
  cmd.add_option("--idle-timeout-ms", o->idle_timeout_ms, "Close an idle keep-alive connection after this long (default 5000)")
      .check_range(1000, 3.6e6);
  cmd.add_option("--watch-ms", o->watch_ms, "Poll the policy files this often and reload when they change; 0: on SIGHUP only (default 1000)")
      .check_range(0, 3.6e6);
  cmd.add_option("--engine", o->engine,
                 "Engine: vm (the interpreter, default), jit (machine code compiled by LLVM at start and after each "
                 "reload), or auto (jit where this build and the policies allow it)")
      .check_member({"vm", "jit", "auto"});
  auto no_playground = std::make_shared<bool>(false);
  cmd.add_flag("--no-playground", *no_playground, "Do not serve the playground page (GET /, POST /v1/playground)");
  cmd.callback([o, max_body, no_playground, &exit_code] {
    o->max_body = static_cast<size_t>(*max_body);
    o->playground = !*no_playground;
    o->say = [](std::string_view line) { print_stderr(fmt::format("{}\n", line)); };
    exit_code = server::run(*o);
  });
}
#else
void add_serve(Command& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  Command cmd = app.add_subcommand("serve", "Serve decisions over HTTP (not in this build)");
  cmd.add_option("path", *path, "Policies");
  cmd.callback([&exit_code] {
    print_error("lawful serve is not in this build: it needs libcpp-httplib-dev and libssl-dev (scripts/deps.sh)");
    exit_code = kExitFailed;
  });
}
#endif

}  // namespace lawful::cli
