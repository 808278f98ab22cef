"""The Python module lawful (python/): decisions equal to `lawful check`'s byte for byte on
generated contacts with bad lines among them, errors, threads, the GIL, pandas, .lawc
round trips, explain, tests and reloading. Run by ctest (tests/python/CMakeLists.txt)
with PYTHONPATH=build/python and LAWFUL_CLI=build/lawful, by Debian's python3."""

import json
import os
import pathlib
import subprocess
import threading
import time

import pytest

import lawful

from conftest import BAD, CAMPAIGN, CAMPAIGN_PATH, POLICIES, ROOT, run


def test_decide_many_equals_check_byte_for_byte(policies, contacts):
    expected = contacts["expected"]
    assert expected.count(b"\n") == len(contacts["lines"]) == 3000 + len(BAD)
    path = contacts["path"]
    for threads in (1, 2, 4):
        got = policies.decide_many(str(path), CAMPAIGN, threads=threads)
        assert got.to_jsonl() == expected, f"threads={threads}"
    # Every kind of input: a pathlib path, bytes, str, an iterable of lines, of dicts.
    assert policies.decide_many(path, CAMPAIGN).to_jsonl() == expected
    data = path.read_bytes()
    assert policies.decide_many(data, CAMPAIGN).to_jsonl() == expected
    assert policies.decide_many(bytearray(data), json.loads(CAMPAIGN)).to_jsonl() == expected
    assert policies.decide_many(data.decode("utf-8"), CAMPAIGN).to_jsonl() == expected
    assert policies.decide_many(iter(contacts["lines"]), CAMPAIGN).to_jsonl() == expected
    with open(path, "rb") as f:  # lines that keep their newline
        assert policies.decide_many(f, CAMPAIGN).to_jsonl() == expected
    good = [l for l in contacts["lines"] if l not in BAD]
    as_dicts = policies.decide_many([json.loads(l) for l in good], CAMPAIGN)
    assert as_dicts.to_jsonl() == policies.decide_many(good, CAMPAIGN).to_jsonl()


def test_batches_reuse_block_buffers(policies, contacts):
    """A freed batch gives its blocks' buffers to the next batch (module.cpp, BlockPool:
    in a Dask worker, whose malloc settings unmap every large buffer when it is freed,
    fresh buffers per task cost twice the processor time a line). The records made in
    reused buffers are still `lawful check`'s, error lines numbered from first_line."""
    import gc
    from lawful import _lawful
    data = contacts["path"].read_bytes()
    engine = policies._current()
    batch = _lawful.decide_buffer(engine, data, CAMPAIGN, 1, 1)
    assert batch.records() == contacts["expected"]
    del batch
    gc.collect()
    held, _, taken = _lawful.pool_stats()
    assert held >= 5  # the file is cut into blocks of 256 KiB: each one given back
    batch = _lawful.decide_buffer(engine, data, CAMPAIGN, 1, 1001)
    held2, _, taken2 = _lawful.pool_stats()
    assert taken2 - taken >= 5 and held2 == held - (taken2 - taken)
    # Numbered from line 1001: the error records move by 1000, the others are the same.
    want = [json.loads(r) for r in contacts["expected"].split(b"\n")[:-1]]
    got = [json.loads(r) for r in batch.records().split(b"\n")[:-1]]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if "error" in w:
            w["line"] += 1000
        assert g == w


def test_error_records_in_place(policies, contacts):
    got = policies.decide_many(contacts["path"], CAMPAIGN)
    lines = contacts["lines"]
    errors = {}
    for i, d in enumerate(got):
        if not d.ok:
            errors[i + 1] = d
            assert d.line == i + 1 and d.verdict == "review" and not d.allowed
    # Each bad line has its error record at its own position (the CR LF line is decided).
    for b in BAD:
        n = lines.index(b) + 1
        if b.endswith(b"\r"):
            assert n not in errors and got[n - 1].id == "crlf"
        elif b.startswith(b'{"id": "unicod'):
            assert n not in errors and got[n - 1].id == "unicod\u00e9 \u2028 line sep"
        else:
            assert n in errors, b[:40]
    assert errors[lines.index(BAD[1]) + 1].id == "bad-entity"
    assert "is not a value of Entity" in errors[lines.index(BAD[1]) + 1].error
    assert errors[lines.index(BAD[2]) + 1].error == "a blank line"
    assert "the limit is" in errors[lines.index(BAD[4]) + 1].error
    assert got.errors == len(errors) == 6
    assert got.verdicts().count("error") == 6
    assert len(got.records()) == len(got) == len(lines)
    assert got[-1] == list(got)[-1] and got[-3:] == list(got)[-3:]


def test_summary_equals_check(policies, contacts):
    s = policies.decide_many(contacts["path"], CAMPAIGN).summary()
    expected = contacts["summary"]
    for key in ("lines", "decisions", "errors", "verdicts", "bases", "policies", "first_error"):
        assert s[key] == expected[key], key


def test_decide_one_equals_the_batch(policies, contacts):
    got = policies.decide_many(contacts["path"], CAMPAIGN)
    for i in range(0, len(contacts["lines"]), 97):
        line = contacts["lines"][i]
        one = policies.decide(line.decode("utf-8", "surrogateescape"), CAMPAIGN, errors="record")
        if got[i].ok:
            assert one.to_json() == got[i].to_json()
            assert one.to_dict() == json.loads(got[i].to_json())
        else:
            assert one.error == got[i].error and one.id == got[i].id and one.line == 1
    # A batch's Decision knows its verdict from the batch and reads its record only when
    # another field is asked for; every field is the record's, for every kind of line.
    fields = ("id", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason", "line")
    for x in got:
        rec = json.loads(x.to_json())
        assert x.verdict == ("review" if "error" in rec else rec["verdict"])
        assert x.ok == ("error" not in rec) and x._parsed is None  # read nothing yet
        assert x.error == rec.get("error")
        assert [getattr(x, f) for f in fields] == [rec.get(f, [] if f in ("rules", "cites", "obligations",
                                                                            "missing") else None) for f in fields]
    assert got[-1] == list(got)[-1] and got[-1].verdict == got.verdicts()[-1].replace("error", "review")
    d = policies.decide(json.loads(contacts["lines"][0]), json.loads(CAMPAIGN))
    assert d.verdict in ("allow", "deny", "review")
    assert d.version == policies.version == lawful.Version(1, d.version.source_hash)
    with_version = json.loads(d.to_json(version=True))
    assert with_version["version"] == {"generation": 1, "source_hash": policies.version.source_hash}
    assert d.to_dict(version=True) == with_version


def test_decision_fields():
    p = lawful.load(POLICIES)
    camp = json.loads(CAMPAIGN)
    allow = p.decide({"id": "a", "country": "GB", "entity": "company", "email_kind": "professional",
                      "role": "operations", "consents": [], "objected": False, "suppressed": False}, camp)
    assert allow.verdict == "allow" and allow.basis == "corporate_subscriber" and allow.policy == "uk.pecr"
    assert allow.rules and allow.cites and allow.obligations and allow.missing == [] and allow.reason is None
    review = p.decide({"id": "r", "country": "GB"}, camp)
    assert review.verdict == "review" and review.missing and review.reason and review.basis is None
    no_policy = p.decide({"id": "j", "country": "JP"}, camp)
    assert no_policy.reason == "no policy for country 'JP'"


def test_errors(policies, tmp_path):
    with pytest.raises(lawful.DataError) as e:
        policies.decide('{"id": "x", "entity": "compny"}', CAMPAIGN)
    assert e.value.record == {"id": "x", "line": 1, "error": str(e.value)}
    assert isinstance(e.value, ValueError)
    with pytest.raises(lawful.DataError):
        policies.decide("{not json", CAMPAIGN)
    with pytest.raises(ValueError, match="errors"):
        policies.decide("{}", CAMPAIGN, errors="ignore")
    with pytest.raises(TypeError):
        policies.decide(42, CAMPAIGN)
    # A campaign that cannot be read: the whole batch is refused.
    with pytest.raises(ValueError, match="campaign"):
        policies.decide_many(b'{"id": "a"}\n', '{"channel": "fax"}')
    with pytest.raises(OSError, match="absent.jsonl"):
        policies.decide_many(str(tmp_path / "absent.jsonl"), CAMPAIGN)
    with pytest.raises(OSError, match="Is a directory"):
        policies.decide_many(tmp_path, CAMPAIGN)
    with pytest.raises(ValueError):
        policies.decide_many(b"{}", CAMPAIGN, threads=0)
    assert len(policies.decide_many(b"", CAMPAIGN)) == 0

    # Policies that do not compile: every diagnostic, with file, line, column and help.
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "p.law").write_text('policy x.y "t"\ndecision email:\n  rule r: allow basis consnt\n')
    with pytest.raises(lawful.CompileError) as e:
        lawful.load(bad)
    err = e.value
    assert err.errors and err.errors[0].file.endswith("p.law") and err.errors[0].line == 3
    assert err.errors[0].column > 0 and err.errors[0].code.startswith("E")
    assert "consent" in err.errors[0].help or "consent" in err.errors[0].message
    assert "p.law:3:" in err.text and "^" in err.text
    assert str(err.errors[0]).startswith(f"{err.errors[0].file}:3:")
    with pytest.raises(lawful.CompileError):
        lawful.load(tmp_path / "absent")
    with pytest.raises(lawful.CompileError, match="refused"):
        lawful.load_bytecode(b"LAWC not really")
    closed = lawful.load(POLICIES)
    with closed as c:
        assert c.decide('{"id": "a", "country": "JP"}', CAMPAIGN).verdict == "review"
    with pytest.raises(lawful.LawfulError, match="closed"):
        closed.decide("{}", CAMPAIGN)


def test_threads_share_policies(policies, contacts):
    lines = [l.decode("utf-8", "surrogateescape") for l in contacts["lines"][:600]]
    want = [policies.decide(l, CAMPAIGN, errors="record").to_json() for l in lines]
    results = {}

    def work(k):
        results[k] = [policies.decide(l, CAMPAIGN, errors="record").to_json() for l in lines[k::3]]
        results[f"many{k}"] = policies.decide_many(contacts["path"], CAMPAIGN, threads=2).to_jsonl()

    ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for k in range(3):
        assert results[k] == want[k::3]
        assert results[f"many{k}"] == contacts["expected"]


def test_decide_many_releases_the_gil(policies, contacts):
    data = contacts["path"].read_bytes()
    data = b"\n".join([data] * 15)  # about 45,000 lines
    done = threading.Event()
    span = {}

    def decide():
        span["start"] = time.perf_counter()
        policies.decide_many(data, CAMPAIGN, threads=1)
        span["end"] = time.perf_counter()
        done.set()

    t = threading.Thread(target=decide)
    t.start()
    ticks = []
    while not done.is_set():
        ticks.append(time.perf_counter())
    t.join()
    inside = [x for x in ticks if span["start"] < x < span["end"]]
    gaps = [b - a for a, b in zip(inside, inside[1:])]
    length = span["end"] - span["start"]
    # With the GIL held, this thread would not run at all while the batch is decided.
    assert inside and max(gaps, default=length) < 0.5 * length, (length, max(gaps, default=None))


def test_decide_frame(policies, contacts):
    pd = pytest.importorskip("pandas")
    good = [json.loads(l) for l in contacts["lines"][:400] if l not in BAD]
    df = pd.DataFrame(good, index=[f"row{i}" for i in range(len(good))])
    out = policies.decide_frame(df, CAMPAIGN)
    assert list(out.index) == list(df.index)
    assert list(out.columns) == ["id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations",
                                 "missing", "reason", "error"]
    # A DataFrame fills absent fields with NaN: unknown, as an absent JSON field.
    want = [policies.decide({k: v for k, v in c.items()}, CAMPAIGN).to_dict() for c in good]
    for (_, row), w in zip(out.iterrows(), want):
        for k in ("id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason"):
            assert row[k] == w[k], (k, row[k], w[k])
        assert row["error"] is None
    # Dotted columns for a record's fields, NaN for unknown, and a bad row in place.
    df2 = pd.DataFrame({"id": ["a", "b", "c"], "country": ["GB", "GB", "GB"],
                        "entity": ["consumer", None, "compny"],
                        "customer.opt_out_offered": [True, float("nan"), True]})
    out2 = policies.decide_frame(df2, CAMPAIGN)
    assert out2["verdict"][0] == policies.decide({"id": "a", "country": "GB", "entity": "consumer",
                                                  "customer": {"opt_out_offered": True}}, CAMPAIGN).verdict
    assert out2["verdict"][1] == "review" and "contact.entity" in out2["missing"][1]
    assert out2["error"][2] and "compny" in out2["error"][2] and out2["verdict"][2] == "review"


def test_to_frame_equals_the_records(policies, contacts):
    """Decisions.to_frame builds its columns in the module (Batch.columns): the frame must
    be what the records read with json.loads give, cell for cell, on every kind of record
    (decisions, every error record, a line that is not UTF-8 quoted in its error, numbers
    and nested values in ids), with the index given."""
    pd = pytest.importorskip("pandas")
    lines = list(contacts["lines"]) + [b'{"id": "\xff\xfe", "country": "GB"}', b"\xff not json \xfe",
                                       b'{"id": 7, "country": "GB"}', b'{"id": {"a": [1, 2.5, true, null]}}']
    d = policies.decide_many(lines, CAMPAIGN, threads=2)
    records = [json.loads(r) for r in d.records()]
    assert any("error" in r for r in records) and any(r.get("missing") for r in records)
    index = [f"r{i}" for i in range(len(d))]
    got = d.to_frame(index=index)
    pd.testing.assert_frame_equal(got, lawful._frame(records, index))
    assert list(got["verdict"][-4:]) == [r.get("verdict", "review") for r in records[-4:]]
    # Each row's lists are its own (a shared list would change every row it is in).
    got["rules"].iloc[0].append("x")
    assert "x" not in got["rules"].iloc[1]
    assert len(policies.decide_many([], CAMPAIGN).to_frame()) == 0


def test_lawc_round_trip(policies, contacts, tmp_path):
    expected = contacts["expected"]
    lawc = policies.bytecode()
    again = lawful.load_bytecode(lawc)
    assert again.version.source_hash == policies.version.source_hash
    assert again.decide_many(contacts["path"], CAMPAIGN).to_jsonl() == expected
    policies.save(tmp_path / "p.lawc")
    assert (tmp_path / "p.lawc").read_bytes() == lawc
    assert lawful.load(tmp_path / "p.lawc").decide_many(contacts["path"], CAMPAIGN).to_jsonl() == expected
    # The command's own .lawc file, too.
    run("compile", POLICIES, "-o", tmp_path / "cli.lawc")
    assert lawful.load(tmp_path / "cli.lawc").decide_many(contacts["path"], CAMPAIGN).to_jsonl() == expected
    # A flipped byte is refused, never decided with.
    broken = bytearray(lawc)
    broken[len(broken) // 2] ^= 0xFF
    with pytest.raises(lawful.CompileError):
        lawful.load_bytecode(bytes(broken))


def test_explain(policies, tmp_path):
    contact = (ROOT / "examples" / "contacts.jsonl").read_text().splitlines()[1]
    x = policies.explain(contact, CAMPAIGN)
    (tmp_path / "c.jsonl").write_text(contact + "\n")
    cli = run("explain", POLICIES, "--contact", tmp_path / "c.jsonl", "--id", json.loads(contact)["id"],
              "--campaign", CAMPAIGN_PATH, "--json")
    assert x == json.loads(cli.stdout)
    assert policies.explain(contact, CAMPAIGN, as_of="2020-01-01")["as_of"] == "2020-01-01"
    with pytest.raises(ValueError):
        policies.explain(contact, CAMPAIGN, as_of="soon")
    with pytest.raises(lawful.DataError):
        policies.explain('{"entity": "compny"}', CAMPAIGN)


LIVE = """policy api.live "Live policy, version {v}"
decision email:
  rule base_v{v}: deny
    cite "version {v} base"
  rule allow_v{v}: allow basis consent
    when contact.objected == false
    overrides base_v{v}
    cite "version {v} allow"
test "a contact who did not object" {{
  contact {{ objected: false }}
  expect email is {expect}
}}
"""


def test_run_tests_and_reload(tmp_path):
    law = tmp_path / "live.law"
    law.write_text(LIVE.format(v=1, expect="allow"))
    p = lawful.load(tmp_path)
    results = p.run_tests()
    assert results and results.passed == 1 and not results.failed
    contact = '{"id": "x", "objected": false}'
    assert p.decide(contact, "{}").rules == ["allow_v1"]
    assert p.reload() is False  # unchanged
    old = p.decide(contact, "{}")

    law.write_text(LIVE.format(v=2, expect="allow"))
    assert p.reload() is True
    assert p.version.generation == 2 and p.decide(contact, "{}").rules == ["allow_v2"]
    assert old.rules == ["allow_v1"] and old.version.generation == 1  # made before: unchanged

    law.write_text(LIVE.format(v=3, expect="deny"))  # compiles, its test fails
    with pytest.raises(lawful.TestsFailed) as e:
        p.reload()
    assert len(e.value.results.failed) == 1 and "expected" in e.value.results.failed[0].failures[0]
    assert not lawful.load(tmp_path).run_tests()
    assert p.decide(contact, "{}").rules == ["allow_v2"]  # the old version serves on

    law.write_text("policy api.live \"broken\"\ndecision email:\n  rule r deny\n")
    with pytest.raises(lawful.CompileError):
        p.reload()
    assert p.decide(contact, "{}").rules == ["allow_v2"] and p.version.generation == 2

    with pytest.raises(lawful.LawfulError):
        lawful.load_bytecode(p.bytecode()).reload()


def test_project_policies_tests(policies):
    results = policies.run_tests()
    assert len(results) > 100 and not results.failed
    out = run("test", POLICIES).stdout.decode()
    assert f"{len(results)} passed" in out or f"{results.passed} passed" in out


def test_module_metadata():
    assert lawful.__version__ == run("--version").stdout.decode().split()[1].strip(",")
    assert lawful.Decision.__doc__ and lawful.Policies.decide_many.__doc__
    stub = pathlib.Path(lawful.__file__).with_name("__init__.pyi")
    assert stub.exists() and "def decide_many" in stub.read_text()


def test_cmake_install(tmp_path):
    """`cmake --install` puts the package where Debian's python3 looks for the prefix,
    and the installed package decides as the build tree's does."""
    build = os.environ.get("LAWFUL_BUILD_DIR")
    if not build:
        pytest.skip("LAWFUL_BUILD_DIR not set (ctest sets it)")
    cache = pathlib.Path(build, "CMakeCache.txt").read_text()
    values = dict(l.split("=", 1) for l in cache.splitlines() if "=" in l and not l.startswith(("//", "#")))
    site = values["LAWFUL_PYTHON_INSTALL_DIR:STRING"]
    prefix = values["CMAKE_INSTALL_PREFIX:PATH"]
    python = values.get("Python3_EXECUTABLE:FILEPATH", "/usr/bin/python3")
    paths = subprocess.run([python, "-c", "import sys; print('\\n'.join(sys.path))"], capture_output=True,
                           text=True, env={"PATH": os.environ.get("PATH", "")}).stdout.split()
    if prefix in ("/usr/local", "/usr"):
        assert os.path.join(prefix, site) in paths, (prefix, site, paths)
    cmake = os.environ.get("LAWFUL_CMAKE", "cmake")
    # The package alone (component "python"); a whole install needs every target built.
    p = subprocess.run([cmake, "--install", build, "--component", "python", "--prefix", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    installed = tmp_path / site / "lawful"
    names = sorted(f.name for f in installed.iterdir())
    assert [n for n in names if n.startswith("_lawful.") and n.endswith(".so")], names
    assert {"__init__.py", "__init__.pyi", "_lawful.pyi", "dask.py", "py.typed"} <= set(names)
    probe = ("import json, lawful, sys; p = lawful.load(sys.argv[1]); "
             "print(lawful.__file__); print(p.decide(sys.argv[2], sys.argv[3]).to_json())")
    contact = '{"id": "c", "country": "GB", "entity": "company", "email_kind": "professional"}'
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path / site)}
    out = subprocess.run([python, "-c", probe, POLICIES, contact, CAMPAIGN], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    where, record = out.stdout.splitlines()
    assert where.startswith(str(installed))
    assert record == lawful.load(POLICIES).decide(contact, CAMPAIGN).to_json()


def jit_policies():
    """Policies on the native back end, or a skip saying why this build has none."""
    p = lawful.load(POLICIES)
    try:
        p.set_backend("jit")
    except lawful.LawfulError as e:
        pytest.skip(f"no native back end (LLVM) in this build: {e}")
    return p


def test_jit_backend_equals_vm(policies, contacts, tmp_path):
    """set_backend("jit"): the same records as the interpreter's (and `lawful check`'s),
    byte for byte: batches in memory and to a file, on threads, and single decisions."""
    with pytest.raises(ValueError, match="backend"):
        policies.set_backend("llvm")
    assert policies.backend == "vm"
    p = jit_policies()
    assert p.backend == "jit"
    expected = contacts["expected"]
    assert p.decide_many(contacts["path"], CAMPAIGN, threads=2).to_jsonl() == expected
    out = tmp_path / "jit.jsonl"
    assert p.decide_many(contacts["path"], CAMPAIGN, threads=3, output=out) == policies.decide_many(
        contacts["path"], CAMPAIGN).summary()
    assert out.read_bytes() == expected
    for line in contacts["lines"][:300]:
        assert p.decide(line, CAMPAIGN, errors="record") == policies.decide(line, CAMPAIGN, errors="record")
    p.set_backend("vm")
    assert p.backend == "vm" and p.decide_many(contacts["path"], CAMPAIGN).to_jsonl() == expected


# ---------------------------------------------------------------- mappings (issue 23)

def test_mapping_decides_an_export_as_check_and_as_native(policies):
    for name in ("hubspot-contacts", "mailchimp-subscribed", "brevo-contacts"):
        m = policies.load_mapping(ROOT / "mappings" / f"{name}.toml")
        assert m.input == "csv"
        export = ROOT / "tests" / "mappings" / f"{name}.csv"
        batch = policies.decide_many(str(export), CAMPAIGN, mapping=m)
        cli = run("check", POLICIES, "--contacts", export, "--mapping", ROOT / "mappings" / f"{name}.toml",
                  "--campaign", CAMPAIGN_PATH, "-q")
        assert batch.to_jsonl() == cli.stdout
        native = policies.decide_many(str(ROOT / "tests" / "mappings" / f"{name}.jsonl"), CAMPAIGN)
        assert batch.to_jsonl() == native.to_jsonl()
        # The same bytes from the export's bytes, and (one thread) in order.
        assert policies.decide_many(export.read_bytes(), CAMPAIGN, mapping=m, threads=1).to_jsonl() == cli.stdout


def test_mapping_rows_as_dicts_and_a_frame(policies):
    m = policies.load_mapping(ROOT / "mappings" / "hubspot-contacts.toml")
    row = {"Record ID": "7", "Email": "a@x.com", "Country/Region": "United Kingdom",
           "Unsubscribed from all email": "No", "Last Activity Date": None}
    d = policies.decide(row, CAMPAIGN, mapping=m)
    native = policies.decide({"id": "7", "email": "a@x.com", "country": "GB", "objected": False}, CAMPAIGN)
    assert d.to_json() == native.to_json()
    bad = dict(row, **{"Country/Region": "Atlantis"})
    with pytest.raises(lawful.DataError) as e:
        policies.decide(bad, CAMPAIGN, mapping=m)
    assert e.value.record == {"id": "7", "line": 1, "error": "column Country/Region: 'Atlantis' is not a country "
                                                              "(a name, or an ISO 3166 code of two or three letters)"}
    pd = pytest.importorskip("pandas")
    frame = policies.decide_frame(pd.DataFrame([row, bad]), CAMPAIGN, mapping=m)
    assert list(frame["verdict"]) == [d.verdict, "review"]
    assert frame["error"][1].startswith("column Country/Region: 'Atlantis'")


def test_mapping_bad_value_is_an_error_record_naming_column_line_value(policies, tmp_path):
    m = policies.load_mapping(ROOT / "mappings" / "hubspot-contacts.toml")
    export = b"Record ID,Email,Country/Region,Unsubscribed from all email,Became a Customer Date\n" \
             b"1,a@x.com,GB,false,\n2,b@x.com,GB,maybe,\n"
    batch = policies.decide_many(export, CAMPAIGN, mapping=m)
    assert batch.verdicts()[1] == "error"
    rec = json.loads(batch.records()[1])
    assert rec["line"] == 3 and rec["error"].startswith("column Unsubscribed from all email: 'maybe'")
    with pytest.raises(ValueError, match="the header has no column 'Email'"):
        policies.decide_many(b"Record ID,Country/Region\n1,GB\n", CAMPAIGN, mapping=m)
    out = tmp_path / "mapped.jsonl"
    summary = policies.decide_many(export, CAMPAIGN, mapping=m, output=out)
    assert summary["errors"] == 1 and out.read_bytes() == batch.to_jsonl()


def test_mapping_with_a_typo_is_refused_with_its_position(policies, tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text('[contact]\nid = "Record ID"\ncountri = { column = "Country/Region", convert = "country" }\n')
    with pytest.raises(lawful.MappingError) as e:
        policies.load_mapping(typo)
    err = e.value
    assert isinstance(err, lawful.CompileError)
    assert str(err) == f"{typo}:3:1: 'contact' has no field 'countri'"
    (d,) = err.errors
    assert (d.file, d.line, d.column, d.code, d.help) == (str(typo), 3, 1, "E201", "did you mean 'country'?")
    assert " 3 | countri = " in err.text
    with pytest.raises(lawful.MappingError):
        policies.load_mapping("inline.toml", text="[contact]\nidd = \"x\"\n")
