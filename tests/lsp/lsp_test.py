#!/usr/bin/env python3
"""`lawful lsp` driven through an editing session by a scripted client (lsp_client.py):
open a policy, type an error and see its diagnostic at the right range (UTF-16 columns),
fix it, hover, definition, references (across the folder), completion, rename, format,
document symbols, run the tests and see a failure on its `expect`; and the protocol's
edges: unknown methods, cancelled requests, bad JSON, requests before initialize, a
client that disappears. Everything happens in a temporary copy of policies/.

Usage: lsp_test.py path/to/lawful"""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_client import Client, position, uri  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LAWFUL = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


CHILD = """policy uk.child "A policy that extends uk.pecr, in the same folder"
  extends uk.pecr
  jurisdiction GB

decision electronic_mail:
  rule newsletter_house_rule: deny
    when contact.role == legal
    overrides no_consent
    cite "House rule"
"""


# A chain of `extends` (base <- national <- regional, base <- sibling) where `replace let`
# and `replace rule` rebind names, and parameters and quantifier variables shadow them.
EXTENDS = {
    "base.law": """policy eu.base "A baseline"

let business = contact.entity in {company, llp}
let consented = any business in contact.consents: business.channel == email
let of_kind(kind: Entity) = kind == company and consented
let listed(business: Entity) = business in {company, llp}

decision email when campaign.channel == email:
  rule unsolicited: deny
    cite "base: consent needed"
  rule b2b: allow basis legitimate_interest
    when business or of_kind(contact.entity) or listed(contact.entity)
    overrides unsolicited
    cite "base: business"

test "the base allows a company" {
  contact  { entity: company }
  campaign { channel: email }
  expect email is allow
}
""",
    "national.law": """policy fr.national "A national variant" extends eu.base

replace let business = contact.entity in {company, llp, public_body}

let strict = not business

decision email:
  replace rule unsolicited: deny
    when contact.entity != public_body
    cite "national law: public bodies are not protected"
  rule strict_rule: deny
    when strict and contact.tps
    overrides unsolicited
    cite "national law: strict"

test "the replaced definition reaches the inherited rule" {
  contact  { entity: public_body }
  campaign { channel: email }
  expect email is allow basis legitimate_interest
}
""",
    "regional.law": """policy fr.regional "A regional variant" extends fr.national

decision email:
  rule regional: allow basis legitimate_interest
    when business
    overrides unsolicited
    cite "regional law"
""",
    "sibling.law": """policy de.national "Another national variant" extends eu.base

let local_business = business and contact.entity != llp

decision email:
  rule local_rule: deny
    when local_business
    overrides unsolicited
    cite "German law"
""",
}


class Session:
    def __init__(self, tmp):
        self.tmp = tmp
        self.env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
        self.client = Client(LAWFUL, self.env)
        self.version = 1

    def open(self, path):
        text = path.read_text()
        self.client.notify("textDocument/didOpen", {"textDocument": {"uri": uri(path), "languageId": "law",
                                                                     "version": 1, "text": text}})
        return text

    def edit(self, path, text, start, end, new):
        """Replaces text[start:end] with `new` by an incremental change; the new text."""
        self.version += 1
        self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri(path), "version": self.version},
            "contentChanges": [{"range": {"start": position(text, start), "end": position(text, end)}, "text": new}]})
        return text[:start] + new + text[end:]

    def at(self, path, text, needle, k=0):
        return {"textDocument": {"uri": uri(path)}, "position": position(text, text.index(needle) + k)}


def text_offset(text, pos):
    """The character offset of an LSP position (UTF-16 columns) in a Python string."""
    lines = text.split("\n")
    line = lines[pos["line"]]
    units, i = 0, 0
    while i < len(line) and units < pos["character"]:
        units += 2 if ord(line[i]) > 0xFFFF else 1
        i += 1
    return sum(len(x) + 1 for x in lines[:pos["line"]]) + i


def text_at(text, rng):
    """The text of an LSP range in a Python string."""
    return text[text_offset(text, rng["start"]):text_offset(text, rng["end"])]


def main():
    tmp = Path(tempfile.mkdtemp(prefix="lawful-lsp-"))
    try:
        pol = tmp / "policies"
        shutil.copytree(ROOT / "policies", pol)
        (pol / "child.law").write_text(CHILD)
        session(tmp, pol)
        rename_scoping(tmp)
        protocol_edges(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("lsp: all checks passed")
    return 0


def session(tmp, pol):
    s = Session(tmp)
    c = s.client
    init = c.initialize(pol)
    caps = init["capabilities"]
    check(caps["textDocumentSync"]["change"] == 2, "incremental sync is offered")
    for cap in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
                "documentFormattingProvider", "renameProvider", "completionProvider", "codeLensProvider",
                "codeActionProvider"):
        check(cap in caps, f"capability {cap}")

    uk = pol / "uk.law"
    u = uri(uk)
    text = s.open(uk)
    check(c.diagnostics(u) == [], "uk.law opens without diagnostics")

    # --- type an error, one character at a time, as an editor sends it
    i = text.index("contact.entity in {company") + len("contact.")
    text = s.edit(uk, text, i, i + len("entity"), "")
    for ch in "entty":
        text = s.edit(uk, text, i, i, ch)
        i += 1
    diags = c.diagnostics(u, s.version)
    check(len(diags) == 1, f"one diagnostic for the misspelt field, got {diags}")
    if diags:
        d = diags[0]
        check(d["code"] == "E201" and d["severity"] == 1, f"E201 error: {d}")
        check(text_at(text, d["range"]) == "entty", f"the range covers the misspelt name: {d['range']}")
        check("help: did you mean 'entity'?" in d["message"], f"help text in the message: {d['message']}")
    # the routing file, open beside it, routes to uk.pecr: it shows the error, naming uk.law
    route = pol / "route.law"
    s.open(route)
    rd = c.diagnostics(uri(route))
    check(any(d["message"].startswith("uk.law:") and "'entty'" in d["message"] and
              d.get("relatedInformation", [{}])[0].get("location", {}).get("uri") == u for d in rd),
          f"route.law shows the error of uk.law it needs: {rd}")
    # fix it with the quick fix the help offers
    acts = c.result("textDocument/codeAction", {"textDocument": {"uri": u}, "range": diags[0]["range"] if diags else
                                                 position(text, 0), "context": {"diagnostics": diags}})
    fixes = [a for a in acts if a.get("kind") == "quickfix"]
    fix = fixes[0]["edit"]["changes"].get(u, [{}])[0] if fixes else {}
    check(len(fixes) == 1 and fix.get("newText") == "entity" and text_at(text, fix["range"]) == "entty" and
          fixes[0]["title"] == "Change 'entty' to 'entity'", f"a quick fix from the help: {acts}")
    check(c.result("textDocument/codeAction", {"textDocument": {"uri": u}, "range": {"start": position(text, 0),
                   "end": position(text, 1)}, "context": {"diagnostics": []}}) == [], "no quick fix away from the error")
    if fix:
        text = s.edit(uk, text, text_offset(text, fix["range"]["start"]), text_offset(text, fix["range"]["end"]), fix["newText"])
    else:
        i = text.index("contact.entty")
        text = s.edit(uk, text, i + 8, i + 13, "entity")
    check(c.diagnostics(u, s.version) == [], "fixed: the diagnostic goes")
    check(c.diagnostics(uri(route)) == [], "and from route.law")
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri(route)}})

    # --- UTF-16 columns: a non-BMP character before the error on its line
    line = 'let objected = (lower("\U0001F600 é") == "" and contact.nmae) or contact.objected'
    k = text.index("let objected = contact.objected or contact.suppressed")
    orig = text[k:text.index("\n", k)]
    text = s.edit(uk, text, k, k + len(orig), line)
    alld = c.diagnostics(u, s.version)
    diags = [d for d in alld if d["code"] == "E201"]
    check(len(diags) == 1 and text_at(text, diags[0]["range"]) == "nmae",
          f"UTF-16 range after an emoji: {alld}")
    if diags:
        col = diags[0]["range"]["start"]["character"]
        check(col == len(line[:line.index("nmae")].encode("utf-16-le")) // 2 and col != line.index("nmae"),
              f"UTF-16 column {col}")
    text = s.edit(uk, text, k, k + len(line), orig)
    check(c.diagnostics(u, s.version) == [], "the emoji line removed")

    # --- lint warnings with their code; notes as related information
    k = text.index("  rule no_consent: deny\n    cite \"PECR reg 22(2)\"\n")
    text = s.edit(uk, text, k, k, "  rule uncited: deny\n    when contact.tps\n\n")
    diags = c.diagnostics(u, s.version)
    check(any(d["code"] == "W103" and d["severity"] == 2 and text_at(text, d["range"]).startswith("uncited")
              for d in diags), f"lint warning W103 for a rule without a citation: {diags}")
    text = s.edit(uk, text, k, k + len("  rule uncited: deny\n    when contact.tps\n\n"), "")
    check(c.diagnostics(u, s.version) == [], "the uncited rule removed")
    k = text.index("    overrides no_consent, supporter_before_commencement")
    cyc = "  rule loop_a: deny\n    when contact.tps\n    overrides loop_b\n    cite \"x\"\n" \
          "  rule loop_b: deny\n    when contact.ctps\n    overrides loop_a\n    cite \"y\"\n"
    d0 = text.index("  rule no_consent: deny")
    text = s.edit(uk, text, d0, d0, cyc)
    diags = c.diagnostics(u, s.version)
    cycles = [d for d in diags if d.get("relatedInformation")]
    check(cycles and all(r["location"]["uri"] == u for r in cycles[0]["relatedInformation"]),
          f"an override cycle has related locations: {diags}")
    text = s.edit(uk, text, d0, d0 + len(cyc), "")
    check(c.diagnostics(u, s.version) == [], "the cycle removed")

    # --- hover
    def hover(needle, k=0):
        r = c.result("textDocument/hover", s.at(uk, text, needle, k))
        return r["contents"]["value"] if r else ""
    h = hover("when corporate_subscriber and", 6)
    check("let corporate_subscriber =" in h and "Corporate subscribers (PECR reg 2(1))" in h, f"hover on a definition: {h}")
    h = hover("contact.entity in", 9)
    check("Contact.entity: Entity" in h, f"hover on a fact: {h}")
    h = hover("campaign.charitable_purpose_only", 10)
    check("charitable_purpose_only: bool" in h and "only purpose is to further" in h, f"a fact's /// doc: {h}")
    h = hover("rule charity_supporter", 6)
    check("allow basis soft_opt_in" in h and "**effective** 2026-02-05" in h and "PECR reg 22(3A)" in h,
          f"hover on a rule: verdict, window, citation: {h}")
    h = hover("{company", 2)
    check("Entity.company" in h and "The kind of subscriber" in h, f"hover on an enumeration member: {h}")
    h = hover("oblige include_unsubscribe", 8)
    check("a free, simple opt-out in every message" in h, f"an obligation member's comment: {h}")

    h = hover("expect electronic_mail is deny", 8)
    check("decision electronic_mail when campaign.channel in {email, sms}" in h, f"hover on a decision in an expect: {h}")
    h = hover("needs contact.entity", 16)
    check("Contact.entity: Entity" in h, f"hover on a fact path after needs: {h}")

    # --- definition
    def definition(needle, k=0):
        return c.result("textDocument/definition", s.at(uk, text, needle, k))
    d = definition("overrides no_consent", 11)
    check(d and d["uri"] == u and text_at(text, d["range"]) == "no_consent" and
          text.split("\n")[d["range"]["start"]["line"]].strip().startswith("rule no_consent"),
          f"definition of a rule in overrides: {d}")
    d = definition("std.consent.valid_for", 13)
    if d:
        lib = Path(d["uri"][len("file://"):]).read_text()
        check(lib.split("\n")[d["range"]["start"]["line"]].startswith("let valid_for"), f"definition in the library: {d}")
        check(str(tmp / "cache") in d["uri"], "the library's copy is in the cache folder")
    else:
        check(False, "definition of std.consent.valid_for")
    d = definition("contact.entity in", 9)
    check(d and d["uri"].endswith("std/facts.law"), f"definition of a schema field: {d}")
    d = definition("when corporate_subscriber and", 6)
    check(d and text.split("\n")[d["range"]["start"]["line"]].startswith("let corporate_subscriber"),
          f"definition of a definition: {d}")
    d = definition("use std.customers", 6)
    check(d and d["uri"].endswith("std/customers.law"), f"definition of a module: {d}")

    # --- references, across the folder (child.law overrides no_consent)
    refs = c.result("textDocument/references", dict(s.at(uk, text, "overrides no_consent", 11),
                                                      context={"includeDeclaration": True}))
    in_uk = [r for r in refs if r["uri"] == u]
    in_child = [r for r in refs if r["uri"] == uri(pol / "child.law")]
    check(all(text_at(text, r["range"]) == "no_consent" for r in in_uk), "every reference is the rule's name")
    section = text[text.index("decision electronic_mail"):text.index("decision", text.index("decision electronic_mail") + 10)]
    expected = len(re.findall(r"\bno_consent\b", section))
    expected += len(re.findall(r"expect electronic_mail rules [\w, ]*\bno_consent\b", text))
    check(len(in_uk) == expected, f"references in uk.law: {len(in_uk)}, expected {expected}")
    check(len(in_child) == 1, f"the reference in child.law: {in_child}")
    hl = c.result("textDocument/documentHighlight", s.at(uk, text, "overrides no_consent", 11))
    check(len(hl) == len(in_uk) and sum(h["kind"] == 3 for h in hl) == 1, f"highlights in the file: {len(hl)}")
    refs = c.result("textDocument/references", dict(s.at(uk, text, "{company", 2), context={"includeDeclaration": False}))
    check(len(refs) >= 3 and all(r["uri"] != u or text_at(text, r["range"]) == "company" for r in refs),
          f"references of an enumeration member: {len(refs)}")

    # --- completion
    k = text.index("/// The person told the sender")
    text = s.edit(uk, text, k, k, "\n")
    typed = ""

    def type_line(new):
        """Replaces the line being typed at k with `new`; the completion items at its end."""
        nonlocal text, typed
        text = s.edit(uk, text, k, k + len(typed), new)
        typed = new
        return c.result("textDocument/completion", {"textDocument": {"uri": u}, "position": position(text, k + len(new))})["items"]
    names = {i["label"] for i in type_line("let typing = contact.")}
    check({"entity", "consents", "supporter", "objected"} <= names and "channel" not in names,
          f"fields after contact.: {sorted(names)[:20]}")
    names = {i["label"] for i in type_line("let typing = contact.supporter.")}
    check({"collected_at", "support_given"} <= names, "fields of a nested record")
    names = {i["label"] for i in type_line("let typing = campaign.channel == ")}
    check(names == {"email", "sms", "phone_live", "automated_call", "post"}, f"enumeration members after ==: {names}")
    names = {i["label"] for i in type_line("let typing = contact.entity in {company, ")}
    check("sole_trader" in names and "email" not in names, f"enumeration members in a set: {names}")
    names = {i["label"] for i in type_line("let typing = std.consent.")}
    check("valid_for" in names, "a module's definitions")
    names = {i["label"] for i in type_line("let typing = any c in contact.consents: c.")}
    check({"channel", "given_at", "withdrawn_at"} <= names, f"fields of a quantifier's variable: {names}")
    names = {i["label"] for i in type_line("  rule typing: allow basis ")}
    check({"consent", "soft_opt_in", "corporate_subscriber"} <= names and "email" not in names, f"members of Basis: {names}")
    names = {i["label"] for i in type_line("  oblige ")}
    check({"include_unsubscribe", "keep_collection_record"} <= names, f"obligations, the policy's own too: {names}")
    type_line("")
    text = s.edit(uk, text, k, k + 1, "")
    c.diagnostics(u, s.version)
    k = text.index("    overrides no_consent, supporter_before_commencement") + len("    overrides no_consent, ")
    text = s.edit(uk, text, k, k, "s")
    items = c.result("textDocument/completion", {"textDocument": {"uri": u}, "position": position(text, k + 1)})["items"]
    rule_names = {i["label"] for i in items}
    check({"no_consent", "consented", "subscriber_unknown", "objection", "every allow"} <= rule_names,
          f"rule names in overrides: {sorted(rule_names)}")
    text = s.edit(uk, text, k, k + 1, "")
    k = text.index("\ndecision electronic_mail") + 1
    items = c.result("textDocument/completion", {"textDocument": {"uri": u}, "position": position(text, k)})["items"]
    by_label = {i["label"]: i for i in items}
    check("decision" in by_label and "corporate_subscriber" in by_label and "contact" in by_label,
          "keywords, definitions and roots at the start of a line")
    check(by_label.get("cite", {}).get("insertTextFormat") == 2 and "${1" in by_label.get("cite", {}).get("insertText", ""),
          "a cite snippet")
    keywords = set(re.findall(r"^[A-Z_]+\s*:\s*'([a-z]+)';", (ROOT / "grammar/Lawful.g4").read_text(), re.M))
    check(keywords <= set(by_label), f"every keyword of the grammar is offered: {keywords - set(by_label)}")
    k = text.index("  contact  { entity: company, role: it") + len("  contact  { entity: ")
    items = c.result("textDocument/completion", {"textDocument": {"uri": u}, "position": position(text, k)})["items"]
    check("sole_trader" in {i["label"] for i in items}, "enumeration members in a test's facts")
    dd = c.diagnostics(u, s.version)
    check(dd == [], f"back to the original text {dd}")

    # --- rename a definition: its uses change, the basis of the same name does not
    p = s.at(uk, text, "let corporate_subscriber", 5)
    prep = c.result("textDocument/prepareRename", p)
    check(prep and prep["placeholder"] == "corporate_subscriber", f"prepareRename: {prep}")
    edit = c.result("textDocument/rename", dict(p, newName="corporate_body"))
    edits = edit["changes"].get(u, [])
    check(len(edits) == len(re.findall(r"(?<!basis )\bcorporate_subscriber\b(?!:)", text)) - 0 and len(edits) >= 2,
          f"rename edits: {len(edits)}")
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        start = text_offset(text, e["range"]["start"])
        end = text_offset(text, e["range"]["end"])
        text = s.edit(uk, text, start, end, e["newText"])
    check(c.diagnostics(u, s.version) == [], "the renamed policy compiles")
    check("basis corporate_subscriber" in text and "when corporate_body and" in text, "only the definition was renamed")
    bad = c.request("textDocument/rename", dict(s.at(uk, text, "let corporate_body", 5), newName="rule"))
    check("error" in bad, "a keyword is refused as a new name")
    bad = c.request("textDocument/rename", dict(s.at(uk, text, "let corporate_body", 5), newName="soft_opt_in"))
    check("error" in bad and "already defined" in bad["error"]["message"], f"a name already defined is refused: {bad}")
    bad = c.request("textDocument/prepareRename", s.at(uk, text, "std.consent.valid_for", 13))
    check("error" in bad, "the standard library cannot be renamed")
    # a rule, across the folder
    edit = c.result("textDocument/rename", dict(s.at(uk, text, "rule no_consent", 6), newName="unsolicited"))
    check(len(edit["changes"].get(uri(pol / "child.law"), [])) == 1, f"the rename reaches child.law: {edit['changes'].keys()}")

    # --- formatting: the same text as `lawful fmt`
    k = text.index("  rule corporate: allow")
    text = s.edit(uk, text, k, k + 2, "      ")
    edits = c.result("textDocument/formatting", {"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": True}})
    fmt = subprocess.run([LAWFUL, "fmt", "-"], input=text.encode(), capture_output=True).stdout.decode()
    check(len(edits) == 1 and edits[0]["newText"] == fmt and "\n  rule corporate: allow" in fmt,
          "formatting gives lawful fmt's text")
    text = s.edit(uk, text, k, k + 6, "  ")
    check(c.result("textDocument/formatting", {"textDocument": {"uri": u}, "options": {}}) == [],
          "a formatted file needs no edit")

    # --- document symbols
    syms = c.result("textDocument/documentSymbol", {"textDocument": {"uri": u}})
    top = syms[0] if syms else {}
    check(top.get("name") == "uk.pecr", f"the policy is the outline's root: {top.get('name')}")
    kids = {k["name"]: k for k in top.get("children", [])}
    check("electronic_mail" in kids and "consented" in {r["name"] for r in kids["electronic_mail"].get("children", [])},
          "decisions hold their rules")
    check("corporate_body" in kids and any(k.get("detail") == "test" for k in top.get("children", [])),
          "definitions and tests in the outline")

    # --- tests: a code lens per test, a command that runs them
    lenses = c.result("textDocument/codeLens", {"textDocument": {"uri": u}})
    n_tests = len(re.findall(r"^test \"", text, re.M))
    check(len(lenses) == n_tests and lenses[0]["command"]["command"] == "lawful.runTests", "a code lens per test")
    r = c.result("workspace/executeCommand", {"command": "lawful.runTests", "arguments": [u]})
    check(r["failed"] == 0 and r["passed"] == n_tests, f"the tests pass: {r.get('passed')} / {n_tests}")
    k = text.index("  expect electronic_mail is allow basis corporate_subscriber")
    text = s.edit(uk, text, k, k + len("  expect electronic_mail is allow basis corporate_subscriber"),
                  "  expect electronic_mail is deny")
    check(c.diagnostics(u, s.version) == [], "the changed expectation compiles")
    r = c.result("workspace/executeCommand", {"command": "lawful.runTests", "arguments": [u]})
    check(r["failed"] == 1, f"one test fails: {r.get('failed')}")
    diags = c.take(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == u and
                   m["params"].get("version") == s.version and any(d.get("code") == "test" for d in m["params"]["diagnostics"]))
    diags = diags["params"]["diagnostics"]
    tests = [d for d in diags if d.get("code") == "test"]
    check(len(tests) == 1 and text_at(text, tests[0]["range"]).startswith("expect electronic_mail is deny")
          and "actual:   electronic_mail is allow" in tests[0]["message"],
          f"the failure is shown on its expect: {tests}")

    # --- protocol: unknown methods, cancellation, bad JSON
    r = c.request("textDocument/unknownThing", {})
    check(r.get("error", {}).get("code") == -32601, f"unknown method: MethodNotFound {r}")
    c.notify("$/unknownNotification", {})
    hover_req = {"jsonrpc": "2.0", "id": 9001, "method": "textDocument/hover", "params": s.at(uk, text, "rule consented", 6)}
    cancel = {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 9001}}
    c.write_raw(Client.frame(hover_req) + Client.frame(cancel))
    r = c.response(9001)
    check(r.get("error", {}).get("code") == -32800, f"a cancelled request: {r}")
    c.write_raw(b"Content-Length: 9\r\n\r\n{not json")
    r = c.take(lambda m: m.get("id", 0) is None and "error" in m)
    check(r["error"]["code"] == -32700, "bad JSON: ParseError")
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.law"}, "position": {"line": 0, "character": 0}})
    check(r.get("error", {}).get("code") == -32602, "a document that is not open: InvalidParams")
    check(c.result("textDocument/hover", s.at(uk, text, "rule consented", 6)) is not None, "still serving")

    # --- half-typed text: random cuts and pastes in another policy, every request answered
    fr = pol / "fr.law"
    ftext = s.open(fr)
    rng = random.Random(21)
    for n in range(12):
        a = rng.randrange(len(ftext))
        b = min(len(ftext), a + rng.randrange(40))
        piece = ftext[rng.randrange(len(ftext)):][:rng.randrange(12)]
        ftext = s.edit(fr, ftext, a, b, piece)
        p = {"textDocument": {"uri": uri(fr)}, "position": position(ftext, rng.randrange(len(ftext) + 1))}
        for method, params in (("textDocument/hover", p), ("textDocument/definition", p), ("textDocument/completion", p),
                               ("textDocument/references", dict(p, context={"includeDeclaration": True})),
                               ("textDocument/documentSymbol", {"textDocument": p["textDocument"]}),
                               ("textDocument/codeLens", {"textDocument": p["textDocument"]}),
                               ("textDocument/formatting", {"textDocument": p["textDocument"], "options": {}})):
            if method == "textDocument/references" and n % 5:
                continue  # it compiles the whole folder: now and then is enough
            r = c.request(method, params)
            if "error" in r and not (method == "textDocument/formatting" and r["error"]["code"] == -32803):
                check(False, f"{method} on a half-typed file: {r['error']}")
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri(fr)}})
    check(c.take(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri(fr)
                  and m["params"]["diagnostics"] == [] and "version" not in m["params"]) is not None,
          "closing a file clears its diagnostics")

    # --- memory over a long session of edits (not under a sanitizer, whose allocator keeps freed memory)
    maps = Path(f"/proc/{c.proc.pid}/maps").read_text()
    if "asan" not in maps and "tsan" not in maps:
        def rss():
            for line in Path(f"/proc/{c.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
            return 0
        k = text.index("/// The person told the sender")
        for n in range(5):
            text = s.edit(uk, text, k, k, "x")
            text = s.edit(uk, text, k, k + 1, "")
        c.diagnostics(u, s.version)
        before = rss()
        for n in range(20):
            text = s.edit(uk, text, k, k, "x")
            c.diagnostics(u, s.version)
            text = s.edit(uk, text, k, k + 1, "")
            c.diagnostics(u, s.version)
        after = rss()
        check(after - before < 16 * 1024, f"memory stays bounded over 40 edits: {before} KiB -> {after} KiB")

    check(c.result("shutdown", None) is None, "shutdown")
    c.notify("exit", None)
    check(c.proc.wait(10) == 0, "exit after shutdown: status 0")


def apply_changes(texts, changes):
    """The texts (by file name) after a WorkspaceEdit's changes."""
    out = dict(texts)
    for u, edits in changes.items():
        name = Path(urllib.parse.unquote(u[len("file://"):])).name
        t = out[name]
        for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
            t = t[:text_offset(t, e["range"]["start"])] + e["newText"] + t[text_offset(t, e["range"]["end"]):]
        out[name] = t
    return out


def compiles(tmp, texts, what):
    """`lawful lint` finds no error in the texts, written to a folder of their own."""
    d = Path(tempfile.mkdtemp(dir=tmp))
    for name, t in texts.items():
        (d / name).write_text(t)
    r = subprocess.run([LAWFUL, "lint", str(d)], capture_output=True, text=True)
    check(r.returncode == 0 and "0 errors" in r.stdout + r.stderr, f"{what}: the renamed policies compile: {r.stderr[-800:]}")


def rename_scoping(tmp):
    """Rename where `replace let` and `replace rule` rebind a name down a chain of `extends`,
    and parameters and quantifier variables shadow it: exactly the right occurrences change."""
    ext = tmp / "extends"
    ext.mkdir()
    for name, t in EXTENDS.items():
        (ext / name).write_text(t)
    s = Session(tmp)
    c = s.client
    c.initialize(ext)
    texts = {name: s.open(ext / name) for name in ("base.law", "national.law")}
    texts.update({name: t for name, t in EXTENDS.items() if name not in texts})
    for name in ("base.law", "national.law"):
        check(not any(d["severity"] == 1 for d in c.diagnostics(uri(ext / name))), f"{name} opens without errors")

    def rename(name, needle, k, new):
        return c.request("textDocument/rename", dict(s.at(ext / name, texts[name], needle, k), newName=new))

    def counts(edit):
        return {Path(urllib.parse.unquote(u)).name: len(e) for u, e in edit["changes"].items()}

    # The base's definition: the definition that replaces it, and the uses of both down the
    # chain; not the quantifier's variable nor the parameter of the same name.
    want = {"base.law": 2, "national.law": 2, "regional.law": 1, "sibling.law": 1}
    first = None
    for name, needle, k in (("base.law", "let business", 5), ("national.law", "replace let business", 13),
                            ("national.law", "not business", 5)):
        r = rename(name, needle, k, "firm")
        check("result" in r and counts(r["result"]) == want,
              f"rename of business from {name} ({needle}): {r.get('result', r)}")
        if "result" not in r:
            continue
        after = apply_changes(texts, r["result"]["changes"])
        first = first or after
        check(after == first, f"the same edits from {name} ({needle})")
    if first:
        check("let firm = " in first["base.law"] and "when firm or of_kind" in first["base.law"] and
              "any business in contact.consents: business.channel" in first["base.law"] and
              "listed(business: Entity) = business in" in first["base.law"], "base.law: the shadowing names stay")
        check("replace let firm =" in first["national.law"] and "not firm" in first["national.law"] and
              "when firm" in first["regional.law"] and "= firm and" in first["sibling.law"], "the chain follows")
        compiles(tmp, first, "business -> firm")
    # The parameter and the quantifier's variable: only themselves.
    r = rename("base.law", "listed(business", 8, "kind")
    check("result" in r and counts(r["result"]) == {"base.law": 2} and
          "listed(kind: Entity) = kind in" in apply_changes(texts, r["result"]["changes"])["base.law"],
          f"rename of a parameter that shadows a definition: {r.get('result', r)}")
    r = rename("base.law", "any business", 5, "c")
    check("result" in r and counts(r["result"]) == {"base.law": 2} and
          "any c in contact.consents: c.channel" in apply_changes(texts, r["result"]["changes"])["base.law"],
          f"rename of a quantifier's variable that shadows a definition: {r.get('result', r)}")
    # New names that would be captured, or would capture: refused.
    r = rename("base.law", "let consented", 5, "kind")
    check("error" in r and "would change what the name" in r["error"]["message"],
          f"a definition renamed to a parameter's name where it is used: refused {r}")
    r = rename("base.law", "of_kind(kind", 9, "consented")
    check("error" in r and "would change what the name" in r["error"]["message"],
          f"a parameter renamed to a definition it uses: refused {r}")
    r = rename("national.law", "let strict", 5, "business")
    check("error" in r, f"a definition renamed to an inherited definition's name: refused {r}")
    # The base's rule, from the rule that replaces it: every `overrides` down the chain.
    r = rename("national.law", "replace rule unsolicited", 14, "cold_email")
    check("result" in r and counts(r["result"]) == want, f"rename of a replaced rule: {r.get('result', r)}")
    if "result" in r:
        after = apply_changes(texts, r["result"]["changes"])
        check("rule cold_email: deny" in after["base.law"] and "replace rule cold_email" in after["national.law"] and
              after["regional.law"].count("cold_email") == 1, "the rule's chain follows")
        compiles(tmp, after, "unsolicited -> cold_email")
    check(c.result("shutdown", None) is None, "shutdown")
    c.notify("exit", None)
    c.proc.wait(10)


def protocol_edges(tmp):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
    # A request before initialize.
    c = Client(LAWFUL, env)
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///x.law"}, "position": {"line": 0, "character": 0}})
    check(r.get("error", {}).get("code") == -32002, f"before initialize: ServerNotInitialized {r}")
    c.initialize(tmp)
    # The client disappears (its end of the pipe closes) without shutdown: the server stops, status 1.
    t0 = time.monotonic()
    code = c.close(timeout=10)
    check(code == 1 and time.monotonic() - t0 < 5, f"a client that disappears: status {code}")
    # The client's process (initialize's processId) ends while the pipe stays open: the server stops.
    gone = subprocess.Popen(["true"])
    gone.wait()
    c = Client(LAWFUL, env)
    c.result("initialize", {"processId": gone.pid, "rootUri": uri(tmp), "capabilities": {}})
    t0 = time.monotonic()
    try:
        code = c.proc.wait(15)
    except subprocess.TimeoutExpired:
        c.proc.kill()
        code = None
    check(code == 1 and time.monotonic() - t0 < 10, f"the client's process is gone: status {code}")
    # A broken frame: the server says why and stops.
    c = Client(LAWFUL, env)
    c.write_raw(b"Content-Length: lots\r\n\r\n{}")
    code = c.proc.wait(10)
    err = c.proc.stderr.read().decode()
    check(code == 1 and "Content-Length" in err, f"a broken frame: {code} {err!r}")
    # exit without shutdown: status 1.
    c = Client(LAWFUL, env)
    c.initialize(tmp)
    c.notify("exit", None)
    check(c.proc.wait(10) == 1, "exit without shutdown: status 1")


if __name__ == "__main__":
    sys.exit(main())
