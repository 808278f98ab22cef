#!/usr/bin/env python3
"""Mappings end to end (docs/mappings.md): each shipped mapping on its sample export gives
the decisions of the same contacts written as native JSON Lines; a mapping with a typo is
refused at load with its position; a value that cannot be converted is an error record
naming the column, the row and the value, counted in the summary by column; `lawful map
--preview`; JSON Lines exports; threads give the same output; `lawful diff` and `lawful
explain` through a mapping; cells spanning lines refused row by row.

usage: mapping_test.py LAWFUL        (run from the repository root)
"""
import json, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

CAMPAIGN = "examples/campaign.json"
SHIPPED = ["hubspot-contacts", "salesforce-contacts", "salesforce-leads", "mailchimp-subscribed",
           "mailchimp-unsubscribed", "brevo-contacts", "brevo-unsubscribed"]


@test
def shipped_mappings_decide_as_native_json_lines():
    for name in SHIPPED:
        mapped = run("check", "policies", "--contacts", f"tests/mappings/{name}.csv", "--mapping",
                     f"mappings/{name}.toml", "--campaign", CAMPAIGN, "-q")
        check(mapped.returncode == 0, f"{name}: mapped run", mapped)
        native = run("check", "policies", "--contacts", f"tests/mappings/{name}.jsonl", "--campaign", CAMPAIGN, "-q")
        check(native.returncode == 0, f"{name}: native run", native)
        check(mapped.stdout == native.stdout, f"{name}: mapped and native decisions differ", mapped)
        recs = records(mapped.stdout)
        check(recs and all("verdict" in r for r in recs), f"{name}: every row decided", mapped)
        # Each shipped file cites the vendor's documentation.
        text = (ROOT / "mappings" / f"{name}.toml").read_text()
        check("documentation = \"https://" in text, f"{name}: no documentation cited")


@test
def shipped_mappings_load_and_preview():
    for name in SHIPPED:
        p = run("map", f"mappings/{name}.toml", "--preview", f"tests/mappings/{name}.csv")
        check(p.returncode == 0, f"{name}: map --preview", p)
        lines = p.stdout.splitlines()
        native = [json.loads(l) for l in (ROOT / "tests" / "mappings" / f"{name}.jsonl").read_text().splitlines()]
        shown = [json.loads(l.split(": ", 1)[1]) for l in lines[1:]]
        check(shown == native[:5], f"{name}: the preview's facts are the native contacts", p)


@test
def typo_refused_at_load_with_position():
    m = write("typo.toml", "[contact]\nid = \"Record ID\"\ncountri = { column = \"Country/Region\", convert = \"country\" }\n")
    p = run("check", "policies", "--contacts", "tests/mappings/hubspot-contacts.csv", "--mapping", m,
            "--campaign", CAMPAIGN)
    check(p.returncode == 1 and p.stdout == "", "exit 1, no records", p)
    check(f"{m}:3:1: error: 'contact' has no field 'countri' [E201]" in p.stderr, "file:line:col", p)
    check(" 3 | countri = " in p.stderr and "   | ^^^^^^^\n" in p.stderr, "the line and a caret", p)
    check("help: did you mean 'country'?" in p.stderr, "a suggestion", p)
    p = run("map", m)
    check(p.returncode == 1 and "[E201]" in p.stderr, "lawful map refuses it too", p)


@test
def bad_values_are_error_records_counted_by_column():
    export = write("bad.csv", "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n"
                              "1,a@x.com,Atlantis,false,\n"
                              "2,b@x.com,GB,maybe,\n"
                              "3,c@x.com,Narnia,,\n"
                              "4,d@x.com,,,\n")
    summary = TMP / "bad-summary.json"
    p = run("check", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN, "--summary", summary)
    check(p.returncode == 1, "exit 1 when a row failed", p)
    recs = records(p.stdout)
    check(len(recs) == 4, "one record per row", p)
    check(recs[0] == {"id": "1", "line": 2, "error": "column Country/Region: 'Atlantis' is not a country "
                                                      "(a name, or an ISO 3166 code of two or three letters)"},
          "the column, the row and the value", p)
    check(recs[1]["line"] == 3 and "column Unsubscribed from all email: 'maybe'" in recs[1]["error"], "a bool", p)
    check("verdict" in recs[3], "empty cells are unknown facts, not errors", p)
    kinds = {k["kind"]: k["count"] for k in json.loads(summary.read_text())["error_kinds"]}
    check(kinds == {"column Country/Region: '…' is not a country (a name, or an ISO N code of two or three letters)": 2,
                    "column Unsubscribed from all email: '…' is not a yes or no of this column": 1},
          f"counted by column: {kinds}", p)


@test
def empty_cell_is_unknown_never_false():
    export = write("empty.csv", "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n"
                                "9,z@x.com,GB,,\n")
    p = run("map", "mappings/hubspot-contacts.toml", "--preview", export)
    check(p.returncode == 0, "preview", p)
    facts = json.loads(p.stdout.splitlines()[1].split(": ", 1)[1])
    check(facts == {"id": "9", "email": "z@x.com", "country": "GB"}, f"objected absent, no customer: {facts}", p)


@test
def missing_column_and_usage():
    export = write("short.csv", "Record ID,Email\n1,a@x.com\n")
    p = run("check", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN)
    check(p.returncode == 1 and "the header has no column 'Country/Region'" in p.stderr, "a missing column", p)
    p = run("check", "policies", "--cases", "tests/mappings/hubspot-contacts.jsonl", "--mapping",
            "mappings/hubspot-contacts.toml")
    check(p.returncode == 2 and "--mapping" in p.stderr, "--cases with --mapping is a usage error", p)


@test
def json_lines_export_through_a_mapping():
    lines = []
    for row in ['{"Record ID": "101", "Email": "ann@example.co.uk", "Country/Region": "United Kingdom", '
                '"Unsubscribed from all email": false, "Last Activity Date": "2025-01-10 09:00", '
                '"Became a Customer Date": "2024-06-01 10:00"}',
                '{"Record ID": "102", "Email": "bert@example.de", "Phone Number": "+4930123456", '
                '"Country/Region": "Germany", "Unsubscribed from all email": true, "Last Activity Date": null}']:
        lines.append(row)
    export = write("hubspot.jsonl", "\n".join(lines) + "\n")
    mapped = run("check", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
                 "--campaign", CAMPAIGN, "-q")
    check(mapped.returncode == 0, "mapped JSON Lines", mapped)
    native_lines = (ROOT / "tests" / "mappings" / "hubspot-contacts.jsonl").read_text().splitlines()[:2]
    native = run("check", "policies", "--contacts", write("native2.jsonl", "\n".join(native_lines) + "\n"),
                 "--campaign", CAMPAIGN, "-q")
    check(mapped.stdout == native.stdout, "the same decisions as native", mapped)


@test
def threads_give_the_same_output():
    rows = ["Record ID,Email,Country/Region,Unsubscribed from all email,Last Activity Date,Became a Customer Date"]
    countries = ["United Kingdom", "DEU", "fr", "United States", "Canada", "Atlantis", ""]
    for i in range(3000):
        rows.append(f"{i},p{i}@example.com,{countries[i % 7]},{['true', 'false', 'Yes', ''][i % 4]},"
                    f"2025-01-{1 + i % 28:02d} 10:00,{'2024-05-01 09:00' if i % 3 == 0 else ''}")
    export = write("many.csv", "\n".join(rows) + "\n")
    out = []
    for threads in ("1", "2"):
        p = run("check", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
                "--campaign", CAMPAIGN, "-q", "--threads", threads)
        check(p.returncode == 1, "the Atlantis rows fail", p)
        out.append(p.stdout)
    check(out[0] == out[1], "--threads 1 and 2 give the same bytes")
    recs = records(out[0])
    check(len(recs) == 3000 and sum("error" in r for r in recs) == sum(1 for i in range(3000) if i % 7 == 5),
          "one record a row; the Atlantis rows are errors")


@test
def diff_through_a_mapping_as_native():
    for name in ("hubspot-contacts", "mailchimp-unsubscribed", "brevo-contacts"):
        mapped = run("diff", "policies", "policies", "--contacts", f"tests/mappings/{name}.csv", "--mapping",
                     f"mappings/{name}.toml", "--campaign", CAMPAIGN, "--json")
        native = run("diff", "policies", "policies", "--contacts", f"tests/mappings/{name}.jsonl",
                     "--campaign", CAMPAIGN, "--json")
        check(mapped.returncode == 0 and native.returncode == 0, f"{name}: diff runs", mapped)
        check(mapped.stdout == native.stdout, f"{name}: the same diff as native JSON Lines", mapped)
    export = write("diff-bad.csv", "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n"
                                   "1,a@x.com,Atlantis,false,\n2,b@x.com,GB,,\n")
    p = run("diff", "policies", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN, "--json")
    check(p.returncode == 1, "exit 1 when a row is not decided", p)
    out = json.loads(p.stdout)
    check(out["contacts"] == 2 and out["unchanged"] == 1, "the good row decided", p)
    check(out["error_lines"] == [{"line": 2, "error": "column Country/Region: 'Atlantis' is not a country "
                                                      "(a name, or an ISO 3166 code of two or three letters)"}],
          "the column, the row and the value", p)
    typo = write("diff-typo.toml", "[contact]\nid = \"Record ID\"\ncountri = \"Country/Region\"\n")
    p = run("diff", "policies", "policies", "--contacts", export, "--mapping", typo, "--campaign", CAMPAIGN)
    check(p.returncode == 1 and f"{typo}:3:1: error: 'contact' has no field 'countri' [E201]" in p.stderr,
          "a bad mapping refused with file:line:col", p)


@test
def explain_through_a_mapping_as_native():
    for name in ("hubspot-contacts", "mailchimp-subscribed", "brevo-contacts"):
        ids = [json.loads(l)["id"] for l in (ROOT / "tests" / "mappings" / f"{name}.jsonl").read_text().splitlines()]
        for cid in ids[1:2]:
            mapped = run("explain", "policies", "--contact", f"tests/mappings/{name}.csv", "--mapping",
                         f"mappings/{name}.toml", "--campaign", CAMPAIGN, "--id", cid, "--json")
            native = run("explain", "policies", "--contact", f"tests/mappings/{name}.jsonl", "--campaign", CAMPAIGN,
                         "--id", cid, "--json")
            check(mapped.returncode == 0, f"{name} {cid}: explained", mapped)
            check(mapped.stdout == native.stdout, f"{name} {cid}: the same explanation as native", mapped)
    export = write("explain-bad.csv", "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n"
                                      "1,a@x.com,Atlantis,false,\n2,b@x.com,GB,,\n")
    base = ["explain", "policies", "--contact", export, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN]
    p = run(*base, "--id", "1")
    check(p.returncode == 1 and p.stdout == "", "a row that cannot be converted is not explained", p)
    check(f"{export}: line 2: column Country/Region: 'Atlantis' is not a country" in p.stderr,
          "the row, the column and the value", p)
    p = run(*base)
    check(p.returncode == 1 and "holds 2 rows: say which with --id" in p.stderr, "two rows need --id", p)
    p = run(*base, "--id", "9")
    check(p.returncode == 1 and "no row with id '9'" in p.stderr, "an id no row has", p)
    p = run(*base, "--id", "2")
    check(p.returncode == 0 and "Decision for contact '2'" in p.stdout, "the good row explained", p)
    row = '{"Record ID": "2", "Email": "b@x.com", "Country/Region": "GB"}'
    q = run("explain", "policies", "--contact", row, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN)
    check(q.returncode == 0 and q.stdout == p.stdout, "a row given as a JSON object", q)
    typo = write("explain-typo.toml", "[contact]\nid = \"Record ID\"\ncountri = \"Country/Region\"\n")
    p = run("explain", "policies", "--contact", export, "--mapping", typo, "--campaign", CAMPAIGN, "--id", "2")
    check(p.returncode == 1 and f"{typo}:3:1: error: 'contact' has no field 'countri' [E201]" in p.stderr,
          "a bad mapping refused with file:line:col", p)


@test
def cells_spanning_lines_are_error_records_line_by_line():
    # RFC 4180 lets a quoted cell hold a line break; lawful reads a row per line. The line
    # that opens such a cell and the line that closes it are errors, each in its place;
    # the rows around them are decided as usual (docs/mappings.md, "Cells spanning lines").
    export = write("multiline.csv", "Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n"
                                    "1,a@x.com,GB,false,\n"
                                    "2,b@x.com,\"United\nKingdom\",false,\n"
                                    "3,c@x.com,DE,true,\n")
    p = run("check", "policies", "--contacts", export, "--mapping", "mappings/hubspot-contacts.toml",
            "--campaign", CAMPAIGN)
    check(p.returncode == 1, "exit 1", p)
    recs = records(p.stdout)
    check(len(recs) == 4, "a record for every line of the export, nothing lost", p)
    check("verdict" in recs[0] and "verdict" in recs[3] and recs[3]["id"] == "3", "the rows around it decided", p)
    check(recs[1]["line"] == 3 and "a quoted field is not closed on its line" in recs[1]["error"], "the opening line", p)
    check(recs[2]["line"] == 4 and "a quote inside an unquoted field" in recs[2]["error"], "the closing line", p)
    native = run("check", "policies", "--contacts", write("multiline-native.csv",
                 "id,country\nx1,GB\nx2,\"G\nB\"\n"), "--campaign", CAMPAIGN)
    nrecs = records(native.stdout)
    check(native.returncode == 1 and "a quoted field is not closed on its line" in nrecs[1]["error"],
          "native CSV says the same of the opening line", native)


main()
