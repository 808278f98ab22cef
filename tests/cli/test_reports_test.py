#!/usr/bin/env python3
"""`lawful test --junit FILE --report-json FILE` and the coverage of effective windows
(issue 16, items 3 and 10): the JUnit XML is well formed and has the structure CI systems
read (suites per policy, a failing test as a <failure> with its file and line, a policy
that does not compile as an <error>); the JSON report holds the same; both are written
through the safe writer; coverage says on which side of each window the tests decided.

usage: test_reports_test.py LAWFUL        (run from the repository root)
"""
import atexit, json, shutil, sys
import xml.etree.ElementTree as ET

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

atexit.register(shutil.rmtree, TMP, True)

GOOD = '''policy t.good "good"

decision email when campaign.channel == email:
  rule no_consent: deny
    cite "a"
  rule company: allow basis corporate_subscriber
    when contact.entity == company
    overrides no_consent
    cite "b"

test "a company is allowed" {
  contact  { entity: company }
  campaign { channel: email }
  expect email is allow basis corporate_subscriber
}

test "a consumer is not <emailed> & \\"that\\" is that" {
  contact  { entity: consumer }
  campaign { channel: email }
  expect email is deny
}
'''

# The failing test's block starts on line 8.
BAD = '''policy t.bad "bad"

decision post when campaign.channel == post:
  rule letters: allow basis legitimate_interest
    cite "c"

// line 7
test "post is wrongly expected to be denied" {
  contact  { entity: consumer }
  campaign { channel: post }
  expect post is deny
}
'''

BROKEN = '''policy t.broken "broken"

decision email when campaign.channel == email:
  rule r: deny
    when contact.entitty == company
    cite "x"
'''

WINDOWS = '''policy t.windows "windows"

decision calls when campaign.channel == phone_live:
  rule old: allow basis legitimate_interest
    effective 2000-01-01 until 2026-08-11
    cite "old"
  rule new: deny
    effective 2026-08-11
    cite "new"

test "before" {
  as of 2026-08-10
  contact  { }
  campaign { channel: phone_live, send_date: 2026-08-10 }
  expect calls is allow
}

test "after, by the send date" {
  contact  { }
  campaign { channel: phone_live, send_date: 2026-09-01 }
  expect calls is deny
}

test "also after" {
  contact  { }
  campaign { channel: phone_live, send_date: 2027-01-01 }
  expect calls is deny
}

test "no date" {
  contact  { }
  campaign { channel: phone_live }
  expect calls is review
}
'''


def tree():
    write("r/a/good.law", GOOD)
    write("r/a/bad.law", BAD)
    write("r/b/broken.law", BROKEN)
    return TMP / "r/a", TMP / "r/b"


@test
def junit_xml_has_the_structure_ci_systems_read():
    a, b = tree()
    junit = TMP / "out/junit.xml"
    junit.parent.mkdir(exist_ok=True)
    p = run("test", a, b, "--junit", junit, "--coverage", "--min-coverage", "100")
    check(p.returncode == 1, "a failing test and a broken policy fail the run", p)
    root = ET.parse(junit).getroot()  # raises on XML that is not well formed
    check(root.tag == "testsuites", f"root {root.tag}")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    check(set(suites) == {"t.good", "t.bad", str(b)}, f"one suite per policy, one for the broken path: {set(suites)}")
    total = sum(int(s.get("tests")) for s in suites.values())
    check(int(root.get("tests")) == total == len(root.findall("testsuite/testcase")), "tests counted")
    check(int(root.get("failures")) == sum(int(s.get("failures")) for s in suites.values()), "failures counted")
    check(root.get("errors") == "1", f"one error: {root.get('errors')}")

    good = suites["t.good"]
    cases = good.findall("testcase")
    titles = [c.get("name") for c in cases]
    check('a consumer is not <emailed> & "that" is that' in titles, f"special characters survive: {titles}")
    for c in cases:
        if c.get("name").startswith("coverage of"):
            continue
        check(c.get("classname") == "t.good" and c.get("file") == str(a / "good.law") and c.get("line").isdigit(),
              f"classname, file, line: {c.attrib}")
        check(c.find("failure") is None, "passing tests have no failure")
    props = {p.get("name"): p.get("value") for p in good.findall("properties/property")}
    check(props == {"coverage.decisive": "2/2", "coverage.shown_not_to_apply": "2/2"}, f"coverage properties {props}")

    bad = suites["t.bad"]
    failing = [c for c in bad.findall("testcase") if c.get("name") == "post is wrongly expected to be denied"]
    check(len(failing) == 1, "the failing test is a testcase")
    f = failing[0].find("failure")
    check(f is not None and f.get("type") == "expectation", "as a <failure>")
    check(failing[0].get("file") == str(a / "bad.law") and failing[0].get("line") == "8", f"its file and line: {failing[0].attrib}")
    check(f.get("message") == f"{a / 'bad.law'}:8: expected: post is deny", f"message {f.get('message')!r}")
    check("actual:   post is allow basis legitimate_interest" in f.text, f"the text lawful test prints: {f.text!r}")
    check(bad.get("failures") == "2", "the test and the coverage below 100% (letters never shown not to apply)")
    cov = [c for c in bad.findall("testcase") if c.get("name") == "coverage of t.bad"]
    check(len(cov) == 1 and cov[0].find("failure").get("type") == "coverage", "coverage as a testcase")

    broken = suites[str(b)]
    err = broken.find("testcase/error")
    check(err is not None and err.get("type") == "compile", "a policy that does not compile is an <error>")
    check("'contact.entitty' is not a fact" in err.text or "entitty" in err.text, f"with the diagnostics: {err.text!r}")
    check(broken.find("testcase").get("file") == str(b / "broken.law") and broken.find("testcase").get("line") == "5",
          f"at the first error: {broken.find('testcase').attrib}")


@test
def json_report_holds_the_same():
    a, b = tree()
    out = TMP / "out/report.json"
    out.parent.mkdir(exist_ok=True)
    p = run("test", a, b, "--report-json", out, "--coverage")
    check(p.returncode == 1, "fails", p)
    r = json.loads(out.read_text())
    check(r["format"] == "lawful-test-report" and r["version"] == 1, "named")
    check((r["passed"], r["failed"], r["compile_errors"]) == (2, 1, 1), f"counts {r['passed'], r['failed'], r['compile_errors']}")
    failed = [t for t in r["tests"] if not t["passed"]]
    check(len(failed) == 1 and failed[0]["file"] == str(a / "bad.law") and failed[0]["line"] == 8
          and failed[0]["policy"] == "t.bad", f"the failing test with file and line: {failed}")
    check(failed[0]["failures"][0].startswith("  expected: post is deny\n  actual:"), f"{failed[0]['failures']}")
    check(r["compile_failures"][0]["path"] == str(b) and r["compile_failures"][0]["where"] == f"{b / 'broken.law'}:5",
          f"{r['compile_failures']}")
    cov = {c["policy"]: c for c in r["coverage"]}
    check(cov["t.bad"]["never_shown_not_to_apply"] == ["post.letters"] and cov["t.bad"]["below_minimum"] is False,
          f"{cov['t.bad']}")
    p = run("test", a, "--report-json", out)
    check(json.loads(out.read_text())["coverage"] is None, "no coverage without --coverage", p)


@test
def windows_each_side_counted():
    f = write("w/windows.law", WINDOWS)
    out = TMP / "w/report.json"
    p = run("test", f, "--coverage", "--report-json", out)
    check(p.returncode == 0, "passes", p)
    check("  window of rule calls.old (from 2000-01-01 until 2026-08-11): before none, within 1 test (decisive in 1), "
          "after 2 tests, on no known date 1 test\n" in p.stdout, "the old rule's window", p)
    check("  window of rule calls.new (from 2026-08-11): before 1 test, within 2 tests (decisive in 2), "
          "on no known date 1 test\n" in p.stdout, "the new rule's window", p)
    w = {x["rule"]: x for x in json.loads(out.read_text())["coverage"][0]["windows"]}
    check(w["calls.new"] == {"rule": "calls.new", "from": "2026-08-11", "until": None, "before": 1, "within": 2,
                             "decisive_within": 2, "after": 0, "unknown_date": 1}, f"{w['calls.new']}")
    check(w["calls.old"]["until"] == "2026-08-11" and w["calls.old"]["after"] == 2, f"{w['calls.old']}")
    # --as-of moves the tests that pin nothing; the pinned one stays, and is counted.
    p = run("test", f, "--coverage", "--as-of", "2026-01-01")
    check("  window of rule calls.new (from 2026-08-11): before 4 tests, within none\n" in p.stdout, "as of a day before", p)
    check("coverage: 1 of 4 tests pinned a date of their own (`as of`) and were decided on it, not on 2026-01-01" in p.stdout,
          "the pinned test said", p)


@test
def reports_go_through_the_safe_writer():
    a, _ = tree()
    p = run("test", a, "--junit", TMP / "no/such/dir/j.xml")
    check(p.returncode == 1 and "cannot write" in p.stderr and "j.xml" in p.stderr, "an unwritable path is an error", p)
    same = TMP / "out/same"
    p = run("test", a, "--junit", same, "--report-json", same)
    check(p.returncode == 2 and "the same file" in p.stderr, "both to one file refused", p)
    p = run("test", a, "--junit", "/dev/null", "--report-json", "/dev/null")
    check(p.returncode == 1 and "cannot write" not in p.stderr, "a device is written as it is", p)
    existing = write("out/keep.xml", "old")
    existing.chmod(0o640)
    p = run("test", a, "--junit", existing)
    check(existing.read_text().startswith("<?xml") and (existing.stat().st_mode & 0o777) == 0o640,
          "an existing file replaced, its mode kept", p)
    check(not [x for x in existing.parent.iterdir() if ".tmp." in x.name], "no temporary left")


if __name__ == "__main__":
    main()
