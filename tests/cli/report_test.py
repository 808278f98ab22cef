"""`lawful check --report` and `lawful diff --report` (issue 22): the HTML page's numbers,
read back from it, are the summary JSON's (check) and the --json report's (diff), and
those are checked against the decision records themselves; an empty run, a run of error
lines only, many kinds of error, input that tries to be HTML, two outputs naming one file.
The page in a browser: tests/cli/report_browser_test.py."""
import collections, json, re, shlex, shutil
from html.parser import HTMLParser

from clitest import *

CAMPAIGN = ROOT / "examples/campaign.json"
MARKETING = ROOT / "docs/examples/marketing"
MARKETING_V2 = ROOT / "docs/examples/marketing-v2"


class Page(HTMLParser):
    """What a report says, as its data attributes give it."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.cards = {}
        self.tables = {}          # data-table -> {row key: {col: number or text}}
        self.empty_tables = set()  # a <p class="empty" data-table>: the table of nothing
        self.charts = {}          # data-chart -> {"bars": [(label, n)], "cells": [n], "svg": bool, "empty": bool}
        self.sources = []         # src and href attributes
        self.tags = collections.Counter()
        self.csp = None
        self.moves = []           # (data-n, [contact ids], [commands])
        self._table = self._row = self._cell = self._chart = None
        self._text = []
        self._in_code = False
        self.open = []            # elements not yet closed: the page must close each, in order
        self.misnested = []
        self.feed(text)
        self.close()
        check(not self.misnested and self.open == [], f"well nested: {self.misnested[:3]}, left open {self.open[:5]}")

    VOID = {"meta", "br", "img", "input", "link", "hr", "wbr", "source", "col", "area", "base", "embed", "track"}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs, closed=True)

    def handle_starttag(self, tag, attrs, closed=False):
        a = dict(attrs)
        if not closed and tag not in self.VOID:
            self.open.append(tag)
        self.tags[tag] += 1
        for k in ("src", "href"):
            if k in a:
                self.sources.append(a[k])
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]
        if tag == "li" and "data-key" in a and "data-n" in a:
            self.cards[a["data-key"]] = int(a["data-n"])
        if tag == "table" and "data-table" in a:
            self._table = self.tables.setdefault(a["data-table"], {})
        if tag == "p" and "data-table" in a:
            self.empty_tables.add(a["data-table"])
        if tag == "tr" and self._table is not None and "data-key" in a:
            self._row = self._table.setdefault(a["data-key"], {})
        if tag in ("td", "th") and self._row is not None and "data-col" in a:
            self._cell = (a["data-col"], a.get("data-n"))
            self._text = []
        if tag == "figure" and "data-chart" in a:
            self._chart = self.charts.setdefault(a["data-chart"], {"bars": [], "cells": [], "svg": False, "empty": False})
        if self._chart is not None:
            if tag == "svg":
                self._chart["svg"] = True
            if tag == "g" and a.get("class") == "bar":
                self._chart["bars"].append((a["data-label"], int(a["data-n"])))
            if tag == "g" and a.get("class") == "m":
                self._chart["cells"].append(int(a["data-n"]))
            if tag == "p" and a.get("class") == "empty":
                self._chart["empty"] = True
        if tag == "article" and "data-n" in a:
            self.moves.append((int(a["data-n"]), [], []))
        if tag == "li" and "data-contact" in a and self.moves:
            self.moves[-1][1].append(a["data-contact"])
        if tag == "code" and "cmd" in (a.get("class") or ""):
            self._in_code = True
            self._text = []

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.misnested.append((tag, list(self.open[-3:])))
        if tag in ("td", "th") and self._cell is not None:
            col, n = self._cell
            self._row[col] = int(n) if n is not None else "".join(self._text).strip()
            self._cell = None
        if tag == "tr":
            self._row = None
        if tag == "table":
            self._table = None
        if tag == "figure":
            self._chart = None
        if tag == "code" and self._in_code:
            self._in_code = False
            self.moves[-1][2].append("".join(self._text))

    def handle_data(self, data):
        self._text.append(data)


def self_contained(page, html, what):
    check(page.csp and "default-src 'none'" in page.csp, f"{what}: a policy that forbids fetching")
    check(all(s.startswith("#") for s in page.sources), f"{what}: only links within the page: {page.sources[:5]}")
    check(page.tags["link"] == 0 and page.tags["img"] == 0 and page.tags["iframe"] == 0, f"{what}: nothing to load")
    check(page.tags["script"] == 1 and page.tags["style"] == 1, f"{what}: one inline script and style")
    check(not re.search(r"https?://", html), f"{what}: no address anywhere")


def check_report(contacts, *extra, threads=None):
    summary, report = TMP / "s.json", TMP / "r.html"
    for f in (summary, report):
        if f.exists():
            f.unlink()
    args = ["check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q", "-o", TMP / "d.jsonl",
            "--summary", summary, "--report", report, *extra]
    if threads:
        args += ["--threads", threads]
    p = run(*args)
    check(p.returncode in (0, 1) and report.exists(), "check --report", p)
    html = report.read_text()
    return json.loads(summary.read_text()), Page(html), html, records((TMP / "d.jsonl").read_text())


def same_numbers(s, page):
    """Every count of the page equals the summary's."""
    check(page.cards["lines"] == s["lines"] and page.cards["decisions"] == s["decisions"]
          and page.cards["errors"] == s["errors"], f"cards {page.cards} vs {s}")
    for v in ("allow", "deny", "review"):
        check(page.cards[f"verdicts.{v}"] == s["verdicts"][v], f"card {v}")
    want = {(x["policy"] or "(no policy)"): x for x in s["policies"]}
    got = page.tables.get("policies", {})
    check(set(got) - {"all"} == set(want), f"policy rows {sorted(got)} vs {sorted(want)}")
    for k, x in want.items():
        row = got[k]
        check((row["allow"], row["deny"], row["review"], row["total"]) ==
              (x["allow"], x["deny"], x["review"], x["allow"] + x["deny"] + x["review"]), f"policy {k}: {row} vs {x}")
    if want:
        row = got["all"]
        check((row["allow"], row["deny"], row["review"], row["total"]) ==
              (s["verdicts"]["allow"], s["verdicts"]["deny"], s["verdicts"]["review"], s["decisions"]), "the total row")
    chart = page.charts["chart-jurisdictions"]
    labels = {(x["policy"] or "(no policy)"): (f"{','.join(x['jurisdictions'])} ({x['policy']})" if x["policy"] else "(no policy)")
              for x in s["policies"]}
    check(sorted(chart["bars"]) == sorted((labels[k], x["allow"] + x["deny"] + x["review"]) for k, x in want.items()),
          f"jurisdiction bars {chart['bars']}")
    check({k: r["allow"] for k, r in page.tables["bases"].items()} == s["bases"], "bases")
    got = page.tables.get("rules", {})
    check(len(got) == len(s["rules"]), f"{len(got)} rule rows, {len(s['rules'])} in the summary")
    for x in s["rules"]:
        row = got[f"{x['policy']}/{x['decision']}/{x['rule']}"]
        check((row["allow"], row["deny"], row["review"], row["total"], row["cites"]) ==
              (x["allow"], x["deny"], x["review"], x["allow"] + x["deny"] + x["review"], "; ".join(x["cites"])),
              f"rule {x} vs {row}")
    got = page.tables.get("missing", {})
    check({k: (r["reviews"], r["settles"]) for k, r in got.items()} ==
          {x["fact"]: (x["reviews"], x["settles"]) for x in s["missing"]}, "missing facts")
    check({k: r["decisions"] for k, r in page.tables.get("obligations", {}).items()} == s["obligations"], "obligations")
    got = page.tables.get("errors", {})
    check({k: r["lines"] for k, r in got.items()} == {k["kind"]: k["count"] for k in s["error_kinds"]}, "error kinds")
    for k in s["error_kinds"]:
        for e in k["examples"]:
            check(f"line {e['line']}: {e['error']}" in got[k["kind"]]["examples"], f"example {e} of {k['kind']}")


def counts_from_records(recs):
    """The summary's new counts, from the decision records themselves."""
    rules, missing, settles, obligations = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    for r in recs:
        if "error" in r:
            continue
        for name in r["rules"]:
            rules[(r["policy"], r["decision"], name, r["verdict"])] += 1
        if r["verdict"] == "review":
            for f in r["missing"]:
                missing[f] += 1
            if len(r["missing"]) == 1:
                settles[r["missing"][0]] += 1
        for o in r["obligations"]:
            obligations[o] += 1
    return rules, missing, settles, obligations


BAD_LINES = [
    "not json",
    "",
    '{"id": "e1", "country": 5}',
    '{"id": "e2", "country": "GB", "entity": "<img src=x onerror=alert(1)>"}',
    '{"id": "e3", "country": "GB", "entity": "zzz"}',
    '{"id": "e4", "country": "GB", "objected": "maybe"}',
]


@test
def check_report_equals_the_summary():
    contacts = TMP / "contacts.jsonl"
    check(run("gen-contacts", "--n", 3000, "--seed", 7, "-o", contacts).returncode == 0, "gen-contacts")
    lines = contacts.read_text().splitlines()
    # Error lines of several kinds among the contacts.
    for i, bad in enumerate(BAD_LINES * 3):
        lines.insert(100 + 37 * i, bad)
    contacts.write_text("\n".join(lines) + "\n")
    s, page, html, recs = check_report(contacts)
    self_contained(page, html, "check report")
    same_numbers(s, page)
    check(s["errors"] == 18 and s["decisions"] == 3000, f"the run: {s['lines']} lines, {s['errors']} errors")
    check(f"spring-2026: email, sent 2026-12-01 ({CAMPAIGN})" in html and s["sources_hash"] in html,
          "the run: the campaign in words, the policies' version")
    # The new counts are the records'.
    rules, missing, settles, obligations = counts_from_records(recs)
    got = collections.Counter()
    for x in s["rules"]:
        for v in ("allow", "deny", "review"):
            if x[v]:
                got[(x["policy"], x["decision"], x["rule"], v)] = x[v]
    check(got == rules, "rules by verdict, as the records name them")
    check({x["fact"]: x["reviews"] for x in s["missing"]} == dict(missing), "missing facts, as the records name them")
    check({x["fact"]: x["settles"] for x in s["missing"] if x["settles"]} == dict(settles), "facts missing alone")
    check(s["reviews_with_missing"] == sum(1 for r in recs if r.get("verdict") == "review" and r["missing"]),
          "reviews that name a missing fact")
    check(s["obligations"] == dict(obligations), "obligations, as the records owe them")
    kinds = {k["kind"]: k for k in s["error_kinds"]}
    check(sum(k["count"] for k in kinds.values()) == 18, "every error line in a kind")
    check(kinds["contact.entity: '\u2026' is not a value of Entity"]["count"] == 6, f"values masked: {list(kinds)}")
    blank = [i + 1 for i, l in enumerate(lines) if not l.strip()]
    check([e["line"] for e in kinds["a blank line"]["examples"]] == blank, f"the first lines of a kind, in order: {kinds['a blank line']}")
    check(len(rules) > 10 and len(missing) > 3 and len(obligations) > 3, "the run has something of each to show")
    # The same counts on one thread as on four: workers' counts are added in input order.
    s1, _, _, _ = check_report(contacts, threads=1)
    s4, _, _, _ = check_report(contacts, threads=4)
    for k in ("elapsed_seconds", "lines_per_second", "peak_memory_kib", "threads"):
        s1.pop(k)
        s4.pop(k)
    check(s1 == s4, "one thread and four count the same")


@test
def check_report_escapes_what_comes_from_input():
    contacts = TMP / "a<b>&\"c'.jsonl"
    contacts.write_text("\n".join(BAD_LINES) + "\n" + '{"id": "<script>alert(2)</script>", "country": "GB"}\n')
    s, page, html, _ = check_report(contacts)
    check("<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, "an error's value is escaped")
    check("a&lt;b&gt;&amp;&quot;c&#39;.jsonl" in html and "a<b>" not in html, "the input's name is escaped")
    check(page.tags["img"] == 0 and page.tags["script"] == 1, "no element from input")
    same_numbers(s, page)


@test
def check_report_of_an_empty_run():
    contacts = write("empty.jsonl", "")
    s, page, html, _ = check_report(contacts)
    self_contained(page, html, "empty report")
    check(s["lines"] == 0 and page.cards["lines"] == 0 and page.cards["verdicts.allow"] == 0, "zeros")
    same_numbers(s, page)
    for chart in ("chart-jurisdictions", "chart-bases", "chart-rules", "chart-missing", "chart-obligations", "chart-errors"):
        c = page.charts[chart]
        check(c["empty"] and not c["svg"] and not c["bars"], f"{chart}: says there is nothing, draws nothing")
    check({"policies", "rules", "missing", "obligations", "errors"} <= page.empty_tables, f"empty tables {page.empty_tables}")
    check("No decisions" in html and "Every line was decided." in html, "says so in words")


@test
def check_report_of_error_lines_only():
    contacts = write("bad.jsonl", "\n".join(BAD_LINES * 2) + "\n")
    s, page, html, _ = check_report(contacts)
    check(s["lines"] == 12 and s["errors"] == 12 and s["decisions"] == 0, f"counts {s}")
    same_numbers(s, page)
    check(page.charts["chart-jurisdictions"]["empty"] and page.charts["chart-errors"]["svg"], "no decisions; errors charted")
    bars = dict(page.charts["chart-errors"]["bars"])
    check(bars == {k["kind"]: k["count"] for k in s["error_kinds"]} and bars["a blank line"] == 2, f"error bars {bars}")
    check("12 lines could not be decided" in html, "says how many")


@test
def check_report_with_more_kinds_of_error_than_it_keeps():
    lines = []
    kinds = {"string": '"x"', "number": "5", "boolean": "true", "object": "{}", "list": "[]"}
    fields = {"country": "string", "email": "string", "email_kind": "string", "entity": "string", "role": "string", "source": "string",
              "objected": "boolean", "suppressed": "boolean", "consents": "list"}
    for f, right in fields.items():
        for k, v in kinds.items():
            if k != right:
                country = "" if f == "country" else '"country": "GB", '
                lines.append(f'{{"id": "k", {country}"{f}": {v}}}')
    contacts = write("kinds.jsonl", "\n".join(lines * 2) + "\n")
    s, page, html, _ = check_report(contacts)
    ks = s["error_kinds"]
    check(s["errors"] == len(lines) * 2 and len(lines) > 32, f"{s['errors']} errors")
    check(len(ks) == 32 and ks[-1]["kind"] == "(other kinds)", f"{len(ks)} kinds, the last {ks[-1]['kind']}")
    check(sum(k["count"] for k in ks) == s["errors"], "every line counted once")
    check(ks[-1]["count"] == 2 * len(lines) - 2 * 31, f"the rest together: {ks[-1]['count']}")
    same_numbers(s, page)


@test
def check_report_refuses_to_replace_another_output():
    out = write("kept.jsonl", "kept\n")
    for args in (["-o", out, "--report", out], ["--summary", out, "--report", out]):
        p = run("check", "policies", "--contacts", write("one.jsonl", '{"id": "x", "country": "GB"}\n'), "--campaign",
                CAMPAIGN, "-q", *args)
        check(p.returncode == 2 and "name the same file" in p.stderr and out.read_text() == "kept\n", f"{args}", p)


def diff_report(old, new, contacts, *extra):
    report = TMP / "diff.html"
    if report.exists():
        report.unlink()
    args = ["diff", old, new, *contacts, "--json", "--report", report, *extra]
    p = run(*args)
    check(p.returncode in (0, 1) and report.exists(), "diff --report", p)
    html = report.read_text()
    return json.loads(p.stdout), Page(html), html


def state(v, basis):
    return f"{v}: {basis}" if basis else v


def same_diff_numbers(j, page):
    for k in ("contacts", "changed", "unchanged", "other_reasons", "errors"):
        check(page.cards[k] == j[k], f"card {k}: {page.cards[k]} vs {j[k]}")
    want = {f"{state(m['from']['verdict'], m['from']['basis'])} \u2192 {state(m['to']['verdict'], m['to']['basis'])}": m["count"]
            for m in j["movements"]}
    check({k: r["decisions"] for k, r in page.tables.get("moves", {}).items()} == want, "moves table")
    check(dict(page.charts["chart-moves"]["bars"]) == want, "moves chart")
    got = page.tables.get("changes", {})
    check(set(got) == {f"{c['policy']}/{c.get('decision', '')}/{c['rule']}" if "rule" in c else f"{c['policy']}/{c['definition']}"
                       for c in j["changes"]}, "one row per change")
    # The moves of all jurisdictions: every decision once; off the diagonal, the moves.
    matrix = page.tables["matrix-all"]
    total = sum(n for row in matrix.values() for k, n in row.items() if k != "before")
    moved = sum(n for b, row in matrix.items() for k, n in row.items() if k not in ("before", b))
    check(total == j["contacts"] - j["errors"] + sum(1 for e in j["error_lines"] if e["error"] == "a blank line")
          and moved == j["changed"], f"matrix: {total} decisions, {moved} moved")
    for m in j["movements"]:
        check(matrix[state(m["from"]["verdict"], m["from"]["basis"])][state(m["to"]["verdict"], m["to"]["basis"])] == m["count"],
              f"matrix cell of {m['from']} -> {m['to']}")
    # The per-jurisdiction matrices add up to the whole.
    parts = collections.Counter()
    for name, t in page.tables.items():
        if re.fullmatch(r"matrix-\d+", name):
            for b, row in t.items():
                for k, n in row.items():
                    if k != "before":
                        parts[(b, k)] += n
    check(+parts == +collections.Counter({(b, k): n for b, row in matrix.items() for k, n in row.items() if k != "before"}),
          "jurisdictions add up to the whole")
    moves = [(m["count"], m["contacts"]) for m in j["movements"] + j["other_reasons_by"]]
    check([(n, ids) for n, ids, _ in page.moves] == moves, f"sample contacts {page.moves} vs {moves}")


@test
def diff_report_equals_the_json():
    contacts = ["--contacts", MARKETING / "contacts.jsonl", "--campaign", MARKETING / "campaign.json"]
    j, page, html = diff_report(MARKETING, MARKETING_V2, contacts, "--as-of", "2027-06-01")
    self_contained(page, html, "diff report")
    same_diff_numbers(j, page)
    check(j["changed"] == 1 and page.tables["changes"]["acme.uk/email/personal_mailbox"]["moved"] == 1
          and page.tables["changes"]["acme.uk/email/personal_mailbox"]["change"] == "added"
          and page.tables["changes"]["acme.uk/email/consented"]["moved"] == 0, "decisions moved per changed rule")
    # The commands shown explain the contact, and say what the version decides.
    (n, ids, cmds), = page.moves
    check(ids == ["c-7"] and len(cmds) == 2, f"commands {cmds}")
    for cmd, verdict in zip(cmds, ("corporate", "personal_mailbox")):
        argv = shlex.split(cmd)
        check(argv[:2] == ["lawful", "explain"], cmd)
        p = run(*argv[1:])
        check(p.returncode == 0 and "Decision for contact 'c-7' as of 2027-06-01" in p.stdout and verdict in p.stdout,
              f"{cmd} explains it", p)


@test
def diff_report_of_a_changed_policy_matches_both_versions_decisions():
    # A copy of the policies with the UK's soft opt-in taken out: its allows move.
    new = TMP / "policies-v2"
    if new.exists():
        shutil.rmtree(new)
    shutil.copytree(ROOT / "policies", new)
    uk = new / "uk.law"
    text = uk.read_text()
    check("soft_opt_in" in text, "the UK policy has a soft opt-in rule")
    text = re.sub(r"allow basis soft_opt_in", "deny", text, count=1)
    uk.write_text(text)
    contacts = TMP / "diff-contacts.jsonl"
    run("gen-contacts", "--n", 2000, "--seed", 11, "-o", contacts)
    j, page, html = diff_report(ROOT / "policies", new, ["--contacts", contacts, "--campaign", CAMPAIGN])
    check(j["changed"] > 0, f"something moved: {j['changed']}", None)
    same_diff_numbers(j, page)
    # Each version's own decisions, by `lawful check`: the pairs per jurisdiction.
    before = records(run("check", ROOT / "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q").stdout)
    after = records(run("check", new, "--contacts", contacts, "--campaign", CAMPAIGN, "-q").stdout)
    summary = json.loads(run("check", new, "--contacts", contacts, "--campaign", CAMPAIGN, "-q", "-o", "/dev/null",
                             "--summary", "/dev/stdout").stdout)
    label = {x["policy"]: f"{','.join(x['jurisdictions'])} ({x['policy']})" for x in summary["policies"] if x["policy"]}
    pairs = collections.defaultdict(collections.Counter)
    for a, b in zip(before, after):
        where = label.get(b["policy"]) or label.get(a["policy"]) or "(no policy)"
        pairs[where][(state(a["verdict"], a["basis"]), state(b["verdict"], b["basis"]))] += 1
    headings = {}
    for name, t in page.tables.items():
        if re.fullmatch(r"matrix-\d+", name):
            headings[name] = collections.Counter({(b, k): n for b, row in t.items() for k, n in row.items()
                                                  if k != "before" and n})
    got = sorted(sorted(c.items()) for c in headings.values())
    want = sorted(sorted(c.items()) for c in pairs.values())
    check(got == want, f"each jurisdiction's matrix is the two versions' decisions:\n{got}\n{want}")
    row = page.tables["changes"].get("uk.pecr/electronic_mail/existing_customer")
    moved = sum(1 for a, b in zip(before, after) if state(a["verdict"], a["basis"]) != state(b["verdict"], b["basis"])
                and "existing_customer" in a["rules"] + b["rules"] and a["policy"] == "uk.pecr")
    check(row is not None and row["change"] == "changed" and row["moved"] == moved > 0,
          f"the changed rule, with the decisions it moved: {row}, {moved}")


@test
def diff_report_with_nothing_moved_and_cases():
    cases = MARKETING / "cases.jsonl"
    j, page, html = diff_report(MARKETING, MARKETING, ["--cases", cases])
    check(j["changed"] == 0 and page.cards["changed"] == 0, "nothing moved")
    same_diff_numbers(j, page)
    check(page.charts["chart-moves"]["empty"] and page.charts["chart-changes"]["empty"], "empty charts say so")
    check("The versions do not differ." in html and "lawful explain " not in html, "no change; no explain with --cases")


main()
