#!/usr/bin/env python3
"""The editor support (editors/): valid JSON, the grammar's keywords are exactly the
keywords of grammar/Lawful.g4, and sample lines are coloured as a lawyer would expect
(a small TextMate matcher: the earliest match wins, the first pattern on a tie).

usage: editor_test.py LAWFUL        (run from the repository root)
"""
import json, re, shutil, subprocess, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

EDITORS = ROOT / "editors"


def grammar():
    return json.loads((EDITORS / "law.tmLanguage.json").read_text())


def lexer_keywords():
    """The words the lexer of grammar/Lawful.g4 reserves: `NAME : 'word';` rules."""
    text = (ROOT / "grammar/Lawful.g4").read_text()
    return set(re.findall(r"^[A-Z_]+\s*:\s*'([a-z_]+)'\s*;", text, re.M))


def patterns(g):
    out = []
    def add(p):
        if "include" in p:
            for q in g["repository"][p["include"][1:]]["patterns"]:
                add(q)
        else:
            out.append(p)
    for p in g["patterns"]:
        add(p)
    return out


def colour(line):
    """[(text, scope)] for one line."""
    pats = [(re.compile(p["match"]), p) for p in patterns(grammar())]
    pos, out = 0, []
    while pos < len(line):
        best = None
        for rx, p in pats:
            m = rx.search(line, pos)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, p)
        if not best:
            break
        m, p = best
        if "name" in p:
            out.append((m.group(0), p["name"]))
        for i, c in p.get("captures", {}).items():
            out.append((m.group(int(i)), c["name"]))
        pos = max(m.end(), pos + 1)
    return out


@test
def files_are_valid_json_and_point_at_each_other():
    g = grammar()
    check(g["scopeName"] == "source.law" and g["fileTypes"] == ["law"], "scope and file type")
    pkg = json.loads((EDITORS / "package.json").read_text())
    conf = json.loads((EDITORS / "language-configuration.json").read_text())
    lang = pkg["contributes"]["languages"][0]
    gram = pkg["contributes"]["grammars"][0]
    check(lang["extensions"] == [".law"] and gram["scopeName"] == g["scopeName"], "package.json names the grammar")
    check((EDITORS / gram["path"]).exists() and (EDITORS / lang["configuration"]).exists(), "the paths exist")
    check(conf["comments"]["lineComment"] == "//", "comment key")
    for p in patterns(g):
        re.compile(p["match"])  # every pattern is a regular expression


@test
def the_vscode_extension_uses_the_same_grammar_and_starts_the_server():
    ext = EDITORS / "vscode"
    pkg = json.loads((ext / "package.json").read_text())
    lang = pkg["contributes"]["languages"][0]
    gram = pkg["contributes"]["grammars"][0]
    check(lang["id"] == gram["language"] == "law" and lang["extensions"] == [".law"], "the law language")
    check(gram["scopeName"] == grammar()["scopeName"], "the grammar's scope")
    # syntaxes/ is made by scripts/copy-grammar.js from editors/: the same files, one copy each.
    copy = (ext / "scripts/copy-grammar.js").read_text()
    for path in (gram["path"], lang["configuration"]):
        check(path.startswith("./syntaxes/"), f"{path} is one of the copied files")
        name = path.split("/")[-1]
        check(f"'{name}'" in copy and (EDITORS / name).exists(), f"copy-grammar.js copies {name} from editors/")
    check("vscode-languageclient" in pkg["dependencies"] and pkg["scripts"]["vscode:prepublish"].endswith("copy-grammar.js"),
          "the client library, and the grammar copied before packaging")
    main = (ext / pkg["main"]).read_text()
    check("args: ['lsp']" in main and "get('path')" in main, "extension.js starts `lawful lsp`, the path from lawful.path")
    node = shutil.which("node")
    if node:  # not a dependency: checked where Node.js happens to be installed
        r = subprocess.run([node, "--check", str(ext / pkg["main"])], capture_output=True, text=True)
        check(r.returncode == 0, f"extension.js parses: {r.stderr}")
    commands = {c["command"] for c in pkg["contributes"]["commands"]}
    for c in commands:
        check(f"'{c}'" in main, f"extension.js registers {c}")


@test
def keywords_are_the_grammars():
    words = set()
    for p in grammar()["repository"]["keywords"]["patterns"]:
        inner = re.search(r"\(\?:([a-z_|]+)\)", p["match"])
        check(inner is not None, f"keyword pattern {p['match']!r} lists its words as (?:a|b)")
        words |= set(inner.group(1).split("|"))
    lex = lexer_keywords()
    check(len(lex) > 40, f"found the lexer's keywords: {sorted(lex)}")
    check(words == lex, f"only in the editor grammar: {sorted(words - lex)}; only in Lawful.g4: {sorted(lex - words)}")


@test
def a_rule_is_coloured():
    got = colour('  rule consented: allow basis consent // why')
    check(("rule", "keyword.declaration.law") in got and ("consented", "entity.name.function.rule.law") in got, f"head {got}")
    check(("allow", "constant.language.verdict.law") in got and ("basis", "keyword.other.clause.law") in got, f"{got}")
    check(("// why", "comment.line.double-slash.law") in got, f"comment {got}")
    got = colour('    cite "PECR reg 22(2); see art 7 // not a comment"')
    check(got == [("cite", "keyword.other.clause.law"), ('"PECR reg 22(2); see art 7 // not a comment"', "string.quoted.double.citation.law")],
          f"citation {got}")
    got = colour("    effective 2026-08-11 until 2027-01-01")
    check([s for _, s in got] == ["keyword.other.clause.law", "constant.numeric.date.law", "keyword.other.clause.law",
                                  "constant.numeric.date.law"], f"dates {got}")
    got = colour("    when contact.source == direct and campaign.send_date - contact.last_contact > 3 years")
    check(("source", "keyword.declaration.law") not in got, f"a keyword after a dot is a field name {got}")
    check(("3 years", "constant.numeric.duration.law") in got and ("and", "keyword.operator.logical.law") in got, f"{got}")
    got = colour("/// Companies are corporate subscribers.")
    check(got == [("/// Companies are corporate subscribers.", "comment.line.documentation.law")], f"doc comment {got}")
    got = colour('policy uk.pecr "UK PECR" # note')
    check(("uk.pecr", "entity.name.type.policy.law") in got and ("# note", "comment.line.number-sign.law") in got, f"{got}")


if __name__ == "__main__":
    main()
