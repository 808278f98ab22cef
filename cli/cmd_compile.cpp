// `lawful compile` writes a .lawc file; `lawful disasm` shows one as text.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "runtime/bytecode/disasm.h"
#include "runtime/bytecode/serialize.h"

namespace lawful::cli {

void add_compile(Command& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  Command cmd = app.add_subcommand("compile", "Compile policies to a bytecode file (.lawc)");
  cmd.add_option("path", *path, "A .law file or a directory of them").required();
  cmd.add_option("-o,--output", *output, "The .lawc file to write ('-': standard output)").required();
  cmd.callback([path, output, &exit_code] {
    Loaded loaded = load(*path);
    if (!loaded.program) {
      exit_code = kExitFailed;
      return;
    }
    std::string err;
    if (!write_whole(*output, serialize_program(*loaded.program), &err, true)) {
      print_error(err);
      exit_code = kExitFailed;
      return;
    }
    exit_code = kExitOk;
  });
}

void add_disasm(Command& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  Command cmd = app.add_subcommand("disasm", "Show a compiled program (a .lawc file, or policies compiled now) as text");
  cmd.add_option("path", *path, "A .lawc file, a .law file or a directory").required();
  cmd.callback([path, &exit_code] {
    Loaded loaded = load(*path);
    if (!loaded.program) {
      exit_code = kExitFailed;
      return;
    }
    // A .lawc from elsewhere may hold any text in its strings: not to drive the terminal.
    std::string text = terminal_safe(disassemble(*loaded.program));
    print_stdout(text);
    exit_code = kExitOk;
  });
}

}  // namespace lawful::cli
