#!/usr/bin/env python3
"""`lawful lint` end to end: each problem it claims to find, in a purpose-made file
(tests/lint/problems.law, exact text in problems.expected), the variants of each check,
what it must not flag, and --werror.

usage: lint_test.py LAWFUL        (run from the repository root)
"""
import re, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

PROBLEMS = "tests/lint/problems.law"


def lint(text, name="p.law", *extra):
    return run("lint", write(f"lint/{name}", text), *extra)


def policy(decisions, lets=""):
    return f'policy t.p "p"\n{lets}\n{decisions}'


def found(p):
    """[(line, col, code)] of the warnings and errors in lint's output."""
    return [(int(m[1]), int(m[2]), m[3]) for m in re.finditer(r"^\S+:(\d+):(\d+): (?:warning|error): .*\[(\w+)\]$", p.stdout, re.M)]


def codes(p):
    return sorted(c for _, _, c in found(p))


def solver_built():
    """Whether this lawful has the SMT solver (LAWFUL_Z3): lint then checks W100 with it."""
    return "not available" not in run("--version").stdout.split("SMT solver")[1].splitlines()[0]


SOLVER = solver_built()
NO_SOLVER_REASON = "skipped: lawful is built without Z3 (LAWFUL_Z3), so lint's W100 is the syntactic check alone"


def skip(reason):
    print(f"     {reason}")


@test
def each_problem_once_with_its_position():
    # --no-solver: the text of problems.expected is the same in every build (with Z3, the
    # W100 also gets the solver's witness: solver_confirms_a_real_conflict_with_a_witness).
    p = run("lint", "--no-solver", PROBLEMS)
    check(p.returncode == 0, "warnings alone do not fail", p)
    check(p.stdout == (ROOT / "tests/lint/problems.expected").read_text(), "the exact text of problems.expected", p)
    check(sorted(found(p)) == sorted([
        (6, 5, "W101"),    # never_used
        (15, 8, "W103"),   # it_company cites nothing
        (15, 8, "W105"),   # it_company: company_block applies whenever it does
        (22, 8, "W100"),   # b2b and company_block
        (27, 10, "W104"),  # calls has no default
        (30, 5, "W106"),   # opt_out ends on 2026-08-11, opt_in starts 2026-08-12
        (36, 8, "W102"),   # consented allows without a basis
        (45, 37, "W107"),  # known(c.withdrawn_at): a schema default, always true
    ]), f"codes and positions: {found(p)}", p)
    check(p.stdout.rstrip().endswith("0 errors, 8 warnings"), "summary", p)


@test
def as_of_and_send_date_that_disagree():
    # W108, from every command: a test pinned `as of` one date whose campaign is sent on
    # another; not when they agree, nor when the campaign gives no send date.
    def t(as_of, send):
        camp = f"campaign {{ channel: email{', send_date: ' + send if send else ''} }}"
        return policy('decision d:\n  rule r: deny\n    cite "x"\n',) + \
            f'test "t" {{\n  as of {as_of}\n  contact {{ }}\n  {camp}\n  expect d is deny\n}}\n'
    p = run("test", write("lint/asof1.law", t("2026-07-01", "2026-12-01")))
    check(p.returncode == 0 and "pinned as of 2026-07-01, but its campaign is sent on 2026-12-01 [W108]" in p.stderr,
          "lawful test reports it", p)
    check("W108" in codes(lint(t("2026-07-01", "2026-12-01"), "asof2.law")), "and lint")
    check("W108" not in codes(lint(t("2026-07-01", "2026-07-01"), "asof3.law")), "the same date")
    check("W108" not in codes(lint(t("2026-07-01", None), "asof4.law")), "no send date")


@test
def known_of_a_defaulted_fact():
    # W107: known(x) of a fact with a schema default; not of an optional record, a fact
    # without a default, or an expression; once per place though a definition with a
    # parameter is lowered at each use; lint only.
    text = policy("""decision d:
  rule no: deny
    cite "x"
  rule a: allow basis consent
    when twice(contact.objected) and known(contact.customer) and known(contact.customer.purchased)
    overrides no
    cite "x"
  rule b: allow basis consent
    when twice(contact.suppressed) and known(contact.last_contact) and known(contact.objected or contact.tps)
    overrides no
    cite "x"
""", lets="""let stands(c: Consent) = known(c.withdrawn_at)
let twice(x: bool) = x and any c in contact.consents: stands(c) and known(c.third_parties)
""")
    p = lint(text, "known.law")
    w = [(l, c) for l, c, code in found(p) if code == "W107"]
    check(w == [(2, 26), (3, 69), (9, 66)], f"W107 where a default makes known() true, once each: {w}", p)
    check("write `size(c.third_parties) > 0`" in p.stdout and "write `c.withdrawn_at <= campaign.send_date`" in p.stdout,
          "the fix for a list and for a date", p)
    check("write `size(contact.customer.purchased) > 0`" in p.stdout, "a list inside an optional record", p)
    path = write("lint/known_check.law", text)
    p = run("test", path)
    check("W107" not in p.stdout + p.stderr, "`lawful test` does not report it", p)


@test
def werror_makes_warnings_fail():
    p = run("lint", "--werror", PROBLEMS)
    check(p.returncode == 1, "--werror fails on warnings", p)
    clean = run("lint", "--werror", ROOT / "tests/lang/spec_example.law")
    check(clean.returncode == 0 and clean.stdout == "0 errors, 0 warnings\n", "a clean policy passes --werror", clean)


@test
def never_decides_follows_implication():
    base = 'decision d:\n  rule no: deny\n    cite "c"\n'
    cases = [
        # (R's condition, S's condition, flagged?)
        ("contact.entity == company", "contact.entity in {company, llp}", True),
        ("contact.objected", "contact.objected or contact.suppressed", True),
        ("contact.objected and contact.tps", "contact.tps", True),
        ("contact.objected and contact.tps", None, True),
        ("corporate and contact.tps", "contact.entity != consumer", True),
        ("contact.objected", "contact.suppressed", False),
        ("contact.entity in {company, llp}", "contact.entity == company", False),
        ("contact.objected or contact.suppressed", "contact.objected", False),
        (None, "contact.objected", False),
    ]
    lets = "let corporate = contact.entity in {company, llp}\n"
    for r, s, flagged in cases:
        when_r = f"    when {r}\n" if r else ""
        when_s = f"    when {s}\n" if s else ""
        text = policy(base + f'  rule r: allow basis consent\n{when_r}    overrides no\n    cite "r"\n'
                      f'  rule s: deny\n{when_s}    overrides r\n    cite "s"\n', lets)
        p = lint(text)
        check(("rule 'r' never decides" in p.stdout) == flagged, f"R: {r}, S: {s}: W105 expected {flagged}", p)


@test
def never_decides_needs_the_window_too():
    text = policy('decision d:\n  rule no: deny\n    cite "c"\n'
                  '  rule r: allow basis consent\n    when contact.tps\n    overrides no\n    cite "r"\n'
                  '  rule s: deny\n    when contact.tps\n    overrides r\n    effective 2026-01-01\n    cite "s"\n')
    p = lint(text)
    check("W105" not in codes(p), "s is not in force before 2026, so r decides then", p)


@test
def default_rules_may_take_turns():
    turns = policy('decision d:\n  rule old: deny\n    effective 2000-01-01 until 2026-08-11\n    cite "o"\n'
                   '  rule new: deny\n    effective 2026-08-11\n    cite "n"\n')
    check("W104" not in codes(lint(turns)), "defaults that take turns cover every date since the first")
    gap = policy('decision d:\n  rule old: deny\n    effective 2000-01-01 until 2020-01-01\n    cite "o"\n'
                 '  rule new: deny\n    effective 2021-01-01\n    cite "n"\n')
    p = lint(gap)
    check("decision 'd' has no rule that applies whatever the facts from 2020-01-01 until 2021-01-01 [W104]" in p.stdout,
          "a stretch without a default", p)
    ends = policy('decision d:\n  rule old: deny\n    effective 2000-01-01 until 2020-01-01\n    cite "o"\n')
    p = lint(ends)
    check("has no rule that applies whatever the facts from 2020-01-01 [W104]" in p.stdout, "a default that ends", p)
    always = policy('decision d:\n  rule x: deny\n    cite "x"\n')
    check("W104" not in codes(lint(always)), "a rule without `when` is a default")


@test
def rules_that_cover_every_value_of_an_enumeration_are_a_default():
    kinds = ("  rule consumer: deny\n    when contact.entity == consumer\n    cite \"c\"\n"
             "  rule business: allow basis legitimate_interest\n"
             "    when contact.entity in {company, llp, public_body, scottish_partnership, partnership} "
             "or contact.entity == sole_trader\n    cite \"b\"\n")
    unknown = "  rule unknown_kind: review\n    when contact.entity == unknown\n    cite \"u\"\n"
    check("W104" not in codes(lint(policy("decision d:\n" + kinds + unknown))), "every kind of entity is covered")
    check("W104" in codes(lint(policy("decision d:\n" + kinds))), "'unknown' is not covered")
    # A value covered by rules that take turns, from the first date all are covered.
    turns = kinds.replace("  rule consumer: deny\n", "  rule consumer: deny\n    effective 2016-06-01 until 2026-08-11\n") + \
        "  rule consumer_later: deny\n    when contact.entity == consumer\n    effective 2026-08-11\n    cite \"l\"\n"
    check("W104" not in codes(lint(policy("decision d:\n" + turns + unknown))), "consumers covered by rules in turn")
    hole = turns.replace("effective 2026-08-11\n", "effective 2027-01-01\n")
    check("W104" in codes(lint(policy("decision d:\n" + hole + unknown))), "consumers uncovered for a while")
    # A condition on something else besides the fact does not cover its values.
    partial = kinds.replace("when contact.entity == consumer", "when contact.entity == consumer and contact.objected")
    check("W104" in codes(lint(policy("decision d:\n" + partial + unknown))), "a narrower condition")


@test
def windows_that_overlap_or_meet():
    def calls(until, start):
        return policy('decision d:\n  rule base: deny\n    cite "b"\n'
                      f'  rule old: allow basis consent\n    when contact.tps == false\n    overrides base\n'
                      f'    effective 2000-01-01 until {until}\n    cite "o"\n'
                      f'  rule new: deny\n    when contact.tps == false\n    effective {start}\n    cite "n"\n')
    p = lint(calls("2026-08-12", "2026-08-11"))
    check("rule 'old' ends on 2026-08-12 but 'new' takes effect on 2026-08-11: from 2026-08-11 to 2026-08-11 both are in force [W106]"
          in p.stdout, "overlap", p)
    check("W106" not in codes(lint(calls("2026-08-11", "2026-08-11"))), "the same date: no warning")
    check("W106" not in codes(lint(calls("2020-01-01", "2026-08-11"))), "years apart: not a replacement")


@test
def errors_fail_and_compiled_files_are_refused():
    p = lint(policy('decision d:\n  rule x: deny\n    when contact.entiy == company\n    cite "x"\n'))
    check(p.returncode == 1 and "E201" in p.stdout and "1 error" in p.stdout, "a compile error fails lint", p)
    lawc = TMP / "p.lawc"
    run("compile", ROOT / "tests/lang/spec_example.law", "-o", lawc)
    p = run("lint", lawc)
    check(p.returncode == 1 and "lint reads the policy source" in p.stderr, ".lawc refused", p)


@test
def an_inherited_decision_is_placed_in_the_policy_that_reopens_it():
    p = run("lint", ROOT / "tests/lang/extends_child.law")
    check("extends_child.law:7:10: warning: decision 'email' of policy 'lang.child' has no rule that applies whatever the facts [W104]"
          in p.stdout, "the child's decision block", p)


@test
def conflicts_know_every_allow():
    # W100 sees the overrides `every allow` makes: none when the objection says it; without
    # it, one per allow rule met, each suggesting `every allow`; with one allow rule met, no
    # such suggestion. W105's note points at the `every` clause that overrides.
    rules = ('decision d:\n  rule no_consent: deny\n    cite "a"\n'
             '  rule consented: allow basis consent\n    when contact.objected == false\n    overrides no_consent\n    cite "b"\n'
             '  rule business: allow basis corporate_subscriber\n    when contact.entity == company\n    overrides no_consent\n    cite "c"\n'
             '  rule objection: deny\n    when contact.suppressed\n{}    cite "d"\n')
    p = lint(policy(rules.format("    overrides every allow\n")), "every1.law")
    check(p.returncode == 0 and "W100" not in p.stdout, "every allow orders the objection above both routes", p)
    p = lint(policy(rules.format("")), "every2.law")
    check(codes(p).count("W100") == 2, "two unordered pairs", p)
    check(p.stdout.count("write `overrides every allow` on it") == 2, "each suggests every allow", p)
    p = lint(policy(rules.format("    overrides consented\n")), "every3.law")
    check(codes(p).count("W100") == 1 and "every allow" not in p.stdout, "one pair left: no every suggestion", p)
    never = ('decision d:\n  rule no_consent: deny\n    cite "a"\n'
             '  rule consented: allow basis consent\n    when contact.suppressed\n    overrides no_consent\n    cite "b"\n'
             '  rule objection: deny\n    when contact.suppressed\n    overrides every allow\n    cite "d"\n')
    p = lint(policy(never), "every4.law")
    check("W105" in codes(p) and "'objection' overrides 'consented' here (`overrides every allow`)" in p.stdout
          and "every4.law:12:15: 'objection'" in p.stdout, "W105's note at the every clause", p)


# W100 and the solver (docs/commands/lint.md, "W100 and the solver"). The example:
# rules on disjoint values of one fact never both apply. Also dates, texts, `not`, `!=`
# and definitions without parameters: the compiler sees each of these, in every build.
DISJOINT = """policy t.p "p"

let business = contact.entity in {company, llp}

decision by_entity:
  rule fallback: deny
    cite "x"
  rule company: allow basis corporate_subscriber
    when contact.entity in {company, llp}
    overrides fallback
    cite "a"
  rule individual: deny
    when contact.entity in {consumer, sole_trader}
    cite "b"

decision by_date:
  rule fallback: deny
    cite "x"
  rule recent: allow basis consent
    when contact.last_contact >= 2020-01-01 and campaign.unsubscribe
    overrides fallback
    cite "a"
  rule stale: deny
    when not (contact.last_contact >= 2019-06-01)
    cite "b"
  rule that_day: deny
    when contact.last_contact == 2019-12-31
    cite "c"

decision by_text:
  rule fallback: deny
    cite "x"
  rule france: allow basis consent
    when contact.country == "FR"
    overrides fallback
    cite "a"
  rule elsewhere: deny
    when contact.country in {"DE", "AT"}
    cite "b"
  rule not_france: deny
    when contact.country != "FR"
    cite "c"

decision by_definition:
  rule fallback: deny
    cite "x"
  rule b2b: allow basis corporate_subscriber
    when business and campaign.unsubscribe
    overrides fallback
    cite "a"
  rule consumers: deny
    when contact.entity != company and contact.entity != llp
    cite "b"
"""

# A real conflict: a company that objected.
CONFLICT = """policy t.p "p"

decision d:
  rule fallback: deny
    cite "x"
  rule consented: allow basis consent
    when contact.entity == company
    overrides fallback
    cite "a"
  rule objection: deny
    when contact.objected
    cite "b"
"""

# Disjoint only through the date the rules are in force on: 'new_regime' is in force from
# 2025 on the campaign's send date, 'legacy' applies to send dates before 2024. The
# compiler does not relate a window to a condition; the solver does.
WINDOW = """policy t.p "p"

decision d:
  rule fallback: deny
    cite "x"
  rule legacy: allow basis consent
    when campaign.send_date < 2024-01-01
    overrides fallback
    cite "a"
  rule new_regime: deny
    effective 2025-01-01
    cite "b"
"""


@test
def disjoint_conditions_give_no_conflict_in_every_build():
    path = write("lint/disjoint.law", DISJOINT)
    for args in ([], ["--no-solver"]):
        p = run("lint", *args, path)
        check(p.returncode == 0 and "W100" not in p.stdout, f"no W100 ({args or 'default'})", p)
    p = run("check", path, "--cases", "/dev/null", "--quiet")
    check("W100" not in p.stderr, "nor from check", p)
    # The same file with the values overlapping: each decision gets its W100 back.
    overlapping = (DISJOINT.replace("{consumer, sole_trader}", "{consumer, llp}")
                   .replace(">= 2019-06-01", ">= 2021-06-01").replace("2019-12-31", "2020-12-31")
                   .replace('{"DE", "AT"}', '{"DE", "FR"}').replace('!= "FR"', '!= "DE"')
                   .replace("contact.entity != llp", "contact.entity != public_body"))
    p = run("lint", "--no-solver", write("lint/overlapping.law", overlapping))
    pairs = re.findall(r"rules '(\w+)' \(allow\) and '(\w+)' \(deny\)", p.stdout)
    check(sorted(pairs) == sorted([("b2b", "consumers"), ("company", "individual"), ("france", "elsewhere"),
                                   ("france", "not_france"), ("recent", "stale"), ("recent", "that_day")]),
          f"every overlapping pair flagged: {pairs}", p)


@test
def a_real_conflict_is_flagged_in_every_build():
    path = write("lint/conflict.law", CONFLICT)
    for args in ([], ["--no-solver"]):
        p = run("lint", *args, path)
        check(codes(p).count("W100") == 1 and "'consented' (allow) and 'objection' (deny)" in p.stdout,
              f"W100 ({args or 'default'})", p)


@test
def without_the_solver_w100_is_syntactic():
    # --no-solver (and a build without Z3): the window pair is flagged, as `check` does.
    path = write("lint/window_nosolver.law", WINDOW)
    p = run("lint", "--no-solver", path)
    check(codes(p) == ["W100"] and "the solver" not in p.stdout, "the syntactic W100, no solver note", p)
    p = run("check", path, "--cases", "/dev/null", "--quiet")
    check(p.stderr.count("[W100]") == 1, "check reports it too", p)


@test
def without_z3_lint_is_the_syntactic_check():
    if SOLVER:
        skip("skipped: this lawful is built with Z3 (without_the_solver_w100_is_syntactic covers --no-solver)")
        return
    for name, text in (("nz3_window.law", WINDOW), ("nz3_conflict.law", CONFLICT), ("nz3_problems.law", None)):
        path = write(f"lint/{name}", text) if text else PROBLEMS
        p, q = run("lint", path), run("lint", "--no-solver", path)
        check(p.stdout == q.stdout and "the solver" not in p.stdout, f"{name}: lint is lint --no-solver", p)
    check(codes(run("lint", write("lint/nz3_window2.law", WINDOW))) == ["W100"], "the window pair is flagged")


@test
def solver_confirms_a_real_conflict_with_a_witness():
    if not SOLVER:
        skip(NO_SOLVER_REASON)
        return
    path = write("lint/conflict_z3.law", CONFLICT)
    p = run("lint", path)
    m = re.search(r"^note: the solver confirms it: both apply, and the decision is 'review' \(conflict\), for\n"
                  r"  contact:  (\{.*\})\n  campaign: (\{.*\})$", p.stdout, re.M)
    check(m, "the witness, as lawful verify prints it", p)
    # The witness, run through lawful check: both rules apply, the decision is review.
    contact = write("lint/witness.jsonl", m[1] + "\n")
    campaign = write("lint/witness.json", m[2])
    q = run("check", path, "--contacts", contact, "--campaign", campaign, "--quiet")
    recs = records(q.stdout)
    check(len(recs) == 1 and recs[0]["verdict"] == "review", "check decides review", q)
    check(sorted(recs[0]["rules"]) == ["consented", "objection"], "both rules apply", q)
    # problems.law's W100 gets its witness too, and nothing else changes.
    p = run("lint", PROBLEMS)
    with_note = (ROOT / "tests/lint/problems.expected").read_text()
    check("the solver confirms it" in p.stdout and
          re.sub(r"note: the solver confirms it.*\n  contact: .*\n  campaign: .*\n", "", p.stdout) == with_note,
          "problems.law: the W100 with a witness, the rest as problems.expected", p)


@test
def solver_refutes_what_the_compiler_cannot_see():
    if not SOLVER:
        skip(NO_SOLVER_REASON)
        return
    p = run("lint", write("lint/window.law", WINDOW))
    check(p.returncode == 0 and "W100" not in p.stdout, "the window pair never both apply: no W100", p)
    # One day of overlap, and the solver confirms it.
    p = run("lint", write("lint/window2.law", WINDOW.replace("2024-01-01", "2025-01-02")))
    check(codes(p) == ["W100"] and '"send_date": "2025-01-01"' in p.stdout, "the overlap on 2025-01-01", p)


@test
def solver_that_gives_up_keeps_the_warning():
    if not SOLVER:
        skip(NO_SOLVER_REASON)
        return
    p = run("lint", "--rlimit", "1", write("lint/conflict_budget.law", CONFLICT))
    check(codes(p) == ["W100"] and "the solver gave up on this pair within lint's budget" in p.stdout
          and "`lawful verify` is the exact check" in p.stdout, "W100 kept, the solver gave up", p)


if __name__ == "__main__":
    main()
