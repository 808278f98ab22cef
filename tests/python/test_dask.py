"""lawful.dask on a distributed.LocalCluster of two worker processes with one thread each,
on loopback only: a bag of JSON lines and a DataFrame decided partition by partition
equal `lawful check` (records byte for byte, summary), the program is loaded once per
worker from the .lawc bytes, and a worker killed in the middle of a run loses and
duplicates nothing. Bounded: about 20 s on an idle 2-core machine."""

import json
import os
import signal
import time

import pytest

import lawful
import lawful.dask

from conftest import BAD, CAMPAIGN

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None, silence_logs=50,
                                       memory_limit="1GiB")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def joined(records):
    return "".join(r + "\n" for r in records).encode()


def stats(client):
    return client.run(lawful.dask.worker_stats)


def partitions_since(client, before):
    return sum(s["partitions"] - before.get(w, {"partitions": 0})["partitions"] for w, s in stats(client).items())


def test_bag_equals_check(client, policies, contacts, tmp_path):
    expected = contacts["expected"]
    # dask.bag.read_text's lines keep their newline; blocks of 200 KB cut the file into
    # several partitions (the 1 MiB line makes one of its own).
    bag = db.read_text(str(contacts["path"]), blocksize=200_000)
    assert bag.npartitions > 3
    result = lawful.dask.decide_bag(bag, policies, CAMPAIGN)
    before = stats(client)
    records, summary = dask.compute(result.records, result.summary)
    assert joined(records) == expected
    for key in ("lines", "decisions", "errors", "verdicts", "bases", "policies", "first_error"):
        assert summary[key] == contacts["summary"][key], key
    # The records and the summary read the same tasks: each partition decided once.
    assert partitions_since(client, before) == bag.npartitions

    # Items that are contacts (str lines without newline; dicts), in more partitions.
    lines = [l.decode() for l in contacts["lines"]]
    bag = db.from_sequence(lines, npartitions=9)
    result = lawful.dask.decide_bag(bag, policies.bytecode(), json.loads(CAMPAIGN))
    assert joined(result.records.compute()) == expected
    # str records written with their newlines, one file per partition.
    out = tmp_path / "out"
    assert result.write(str(out / "*.jsonl"))["lines"] == len(lines)
    assert b"".join(p.read_bytes() for p in sorted(out.iterdir(), key=lambda p: int(p.stem))) == expected


def test_files_as_blocks_equal_check(client, policies, contacts, tmp_path):
    """decide_files: blocks of bytes (read_bytes, 150 KB of whole lines each; the 1 MiB line
    makes a block of its own), decided in the library, equal `lawful check`; the records
    written one file per block, joined, too. The same file twice, as a glob: the second's
    error lines count on from the first's."""
    expected = contacts["expected"]
    result = lawful.dask.decide_files(str(contacts["path"]), policies, CAMPAIGN, blocksize=150_000)
    n = result.records.npartitions
    assert n > 5
    before = stats(client)
    blocks, summary = dask.compute(result.records, result.summary)
    assert all(isinstance(b, bytes) for b in blocks) and len(blocks) == n
    assert b"".join(blocks) == expected
    for key in ("lines", "decisions", "errors", "verdicts", "bases", "policies", "first_error"):
        assert summary[key] == contacts["summary"][key], key
    # Each block decided once (the summary reads the records' own tasks), and each worker
    # loaded the program from the .lawc bytes once however many tasks it ran (here and in
    # the test before): the per-process cache.
    after = stats(client)
    assert partitions_since(client, before) == n
    ran = {w: s["partitions"] for w, s in after.items() if s["partitions"]}
    assert sum(ran.values()) > len(after)  # so that some worker ran several
    assert all(after[w]["loads"] == 1 for w in ran), after

    # Written one file per block, and the summary, in one compute: each block decided once.
    out = tmp_path / "out"
    before = stats(client)
    assert result.write(str(out / "decisions-*.jsonl")) == summary
    assert partitions_since(client, before) == n
    files = sorted(out.iterdir(), key=lambda p: int(p.stem.split("-")[1]))
    assert len(files) == n and b"".join(f.read_bytes() for f in files) == expected

    twice = tmp_path / "in"
    twice.mkdir()
    data = contacts["path"].read_bytes() + b"\n"  # the fixture's last line has no newline
    (twice / "a.jsonl").write_bytes(data)
    (twice / "b.jsonl").write_bytes(data)
    result = lawful.dask.decide_files(str(twice / "*.jsonl"), policies.bytecode(), json.loads(CAMPAIGN),
                                      blocksize=400_000)
    blocks, summary = dask.compute(result.records, result.summary)
    n = len(contacts["lines"])
    assert summary["lines"] == 2 * n and summary["errors"] == 2 * contacts["summary"]["errors"]
    records = b"".join(blocks).split(b"\n")[:-1]
    assert b"\n".join(records[:n]) + b"\n" == expected
    errors = [json.loads(r) for r in records[n:] if b'"error"' in r]
    first = [json.loads(r) for r in records[:n] if b'"error"' in r]
    assert [e["line"] for e in errors] == [e["line"] + n for e in first]


def test_dataframe_equals_decide_frame(client, policies, contacts):
    good = [json.loads(l) for l in contacts["lines"][:1500] if l not in BAD]
    for c in good:
        c.pop("consents", None)  # scalars only, as a CSV export has
    df = pd.DataFrame(good)
    df.loc[5, "entity"] = "compny"  # a bad row, in place
    ddf = dd.from_pandas(df, npartitions=4)
    result = lawful.dask.decide_dataframe(ddf, policies, CAMPAIGN)
    before = stats(client)
    got, summary = dask.compute(result.decisions, result.summary)
    assert partitions_since(client, before) == 4
    want = policies.decide_frame(df, CAMPAIGN)
    pd.testing.assert_frame_equal(got, want)
    assert summary == policies.decide_many([lawful._row_contact(r) for r in df.to_dict("records")], CAMPAIGN).summary()
    assert summary["errors"] == 1 and summary["first_error"]["line"] == 6


def test_bad_campaign_and_program(client):
    policies = lawful.load(os.path.join(os.path.dirname(__file__), "..", "..", "policies"))
    with pytest.raises(ValueError, match="campaign"):
        lawful.dask.decide_bag(db.from_sequence(["{}"]), policies, '{"channel": "fax"}')
    with pytest.raises(lawful.CompileError):
        lawful.dask.decide_bag(db.from_sequence(["{}"]), b"not a program", CAMPAIGN)


def test_worker_killed_mid_run(client, policies, contacts):
    """A worker process is killed (SIGKILL) while partitions are being decided: the
    scheduler runs its tasks again on the other worker and the new one the nanny starts;
    the result is still every record once, in order."""
    expected = contacts["expected"]
    lines = [l.decode() for l in contacts["lines"]]

    def slow(part):  # defined here: shipped to the workers by value
        import time as t
        t.sleep(0.25)
        return list(part)

    bag = db.from_sequence(lines, npartitions=12).map_partitions(slow)
    result = lawful.dask.decide_bag(bag, policies, CAMPAIGN)
    pids = client.run(os.getpid)
    futures = client.compute([result.records, result.summary])

    def state(dask_scheduler):
        done = sum(1 for k, ts in dask_scheduler.tasks.items() if "decide_partition" in str(k) and ts.state == "memory")
        busy = [w.address for w in dask_scheduler.workers.values() if w.processing]
        return done, busy

    # Wait until some partitions are decided, then kill a worker that is deciding one.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, busy = client.run_on_scheduler(state)
        if done >= 2 and busy:
            break
        time.sleep(0.1)
    assert busy and not all(f.done() for f in futures), "the run ended before the kill"
    victim = busy[0]
    os.kill(pids[victim], signal.SIGKILL)
    records, summary = client.gather(futures, errors="raise")
    assert joined(records) == expected
    assert summary["lines"] == len(lines) and summary["errors"] == contacts["summary"]["errors"]
    # The worker did die: its process is gone (the nanny starts another).
    assert waitpid_gone(pids[victim])


def waitpid_gone(pid, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_partition_function_alone(policies):
    """decide_partition without a cluster: lines of a file (decided as one text) and items
    (one contact each, even one that holds a newline) give the same records."""
    lawc = policies.bytecode()
    items = ['{"id": "a", "country": "JP"}', '{"id": "b",\n "country": "GB"}', "{bad", ""]
    records, summary = lawful.dask.decide_partition(items, lawc, CAMPAIGN, first_line=10)
    assert len(records) == 4 and summary["lines"] == 4 and summary["errors"] == 2
    assert json.loads(records[1])["id"] == "b"
    assert json.loads(records[2]) == {"id": None, "line": 12, "error": json.loads(records[2])["error"]}
    assert json.loads(records[3])["error"] == "a blank line" and json.loads(records[3])["line"] == 13
    file_lines = [items[0] + "\n", "{bad\n", "\n", items[0]]
    as_text, _ = lawful.dask.decide_partition(file_lines, lawc, CAMPAIGN, first_line=10)
    as_items, _ = lawful.dask.decide_partition([x.rstrip("\n") for x in file_lines], lawc, CAMPAIGN, first_line=10)
    assert as_text == as_items and len(as_text) == 4


def test_jit_on_the_workers(client, contacts):
    """backend="jit" (or Policies on the native back end): each worker compiles the program
    to machine code once; the records are the interpreter's, byte for byte."""
    p = lawful.load(os.path.join(os.path.dirname(__file__), "..", "..", "policies"))
    try:
        p.set_backend("jit")
    except lawful.LawfulError as e:
        pytest.skip(f"no native back end (LLVM) in this build: {e}")
    with pytest.raises(ValueError, match="backend"):
        lawful.dask.decide_files(str(contacts["path"]), p, CAMPAIGN, backend="llvm")
    result = lawful.dask.decide_files(str(contacts["path"]), p, CAMPAIGN, blocksize=400_000)
    blocks, summary = dask.compute(result.records, result.summary)
    assert b"".join(blocks) == contacts["expected"] and summary["lines"] == len(contacts["lines"])
    backends = client.run(lambda: sorted(k[1] for k in lawful.dask._engines))
    assert any("jit" in b for b in backends.values())


def test_lines_in_counts_as_check():
    """The lines a block holds, counted as `lawful check` counts them (the partitions'
    first line numbers rest on it): one a newline, and a last one without."""
    for block in (b"", b"a", b"a\n", b"a\nb", b"\n\n", b"a\r\nb\n", bytearray(b"x\ny"), b"{}\n" * 1000 + b"{}"):
        assert lawful.dask.lines_in(block) == block.count(b"\n") + (1 if block and not block.endswith(b"\n") else 0)


# ---------------------------------------------------------------- exports through a mapping

HUBSPOT = os.path.join(os.path.dirname(__file__), "..", "..", "mappings", "hubspot-contacts.toml")
HUBSPOT_CSV = os.path.join(os.path.dirname(__file__), "..", "mappings", "hubspot-contacts.csv")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A HubSpot export of 2,000 rows (the sample's rows again and again, with new
    Record IDs), a cell the mapping refuses, a row of too few cells and a blank line among
    them, the last row without a newline; and `lawful check --mapping`'s output for it."""
    from conftest import POLICIES, CAMPAIGN_PATH, run
    head, *rows = open(HUBSPOT_CSV, encoding="utf-8").read().splitlines()
    out = [head]
    for i in range(2000):
        cells = rows[i % len(rows)].split(",")
        cells[0] = str(100000 + i)
        out.append(",".join(cells))
    bad_date = rows[0].split(",")
    bad_date[11] = "2024-13-45 09:00"  # Last Activity Date
    out[500] = ",".join(bad_date)
    out[1000] = "1,2,3"
    out[1500] = ""
    d = tmp_path_factory.mktemp("export")
    path = d / "export.csv"
    path.write_bytes("\n".join(out).encode())
    p = run("check", POLICIES, "--contacts", path, "--mapping", HUBSPOT, "--campaign", CAMPAIGN_PATH, "--quiet")
    assert p.returncode == 1 and p.stdout.count(b'"error"') == 3
    return {"path": path, "lines": len(out), "expected": p.stdout, "dir": d}


def test_files_through_a_mapping_equal_check(client, policies, export, tmp_path):
    """decide_files(mapping=): a CSV export cut into blocks, the header row going from each
    file's first block to its other blocks, equals `lawful check --mapping` byte for byte
    (error records in place, numbered as the file's lines); each worker checks the mapping
    once. Two files: the second's header is its own, and its lines count on."""
    m = policies.load_mapping(HUBSPOT)
    before = stats(client)
    result = lawful.dask.decide_files(str(export["path"]), policies, CAMPAIGN, blocksize=30_000, mapping=m)
    n = result.records.npartitions
    assert n > 5
    blocks, summary = dask.compute(result.records, result.summary)
    assert b"".join(blocks) == export["expected"]
    assert summary["lines"] == export["lines"] - 1 and summary["errors"] == 3  # the header is no contact
    after = stats(client)
    assert partitions_since(client, before) == n
    assert all(s["mappings"] - before.get(w, {"mappings": 0})["mappings"] <= 1 for w, s in after.items()), after
    assert sum(s["mappings"] for s in after.values()) >= 1

    two = tmp_path / "two"
    two.mkdir()
    data = export["path"].read_bytes() + b"\n"
    (two / "a.csv").write_bytes(data)
    (two / "b.csv").write_bytes(data)
    result = lawful.dask.decide_files(str(two / "*.csv"), policies.bytecode(), CAMPAIGN, blocksize=30_000, mapping=m)
    records = b"".join(result.records.compute()).split(b"\n")[:-1]
    k = export["lines"] - 1
    assert b"\n".join(records[:k]) + b"\n" == export["expected"]
    first = [json.loads(r)["line"] for r in records[:k] if b'"error"' in r]
    second = [json.loads(r)["line"] for r in records[k:] if b'"error"' in r]
    assert len(first) == 3 and second == [x + export["lines"] for x in first]


def test_bag_and_frame_through_a_mapping(client, policies, export):
    """decide_bag(mapping=) over rows as dicts, decide_dataframe(mapping=) over a frame of
    the export's columns: the same records as Policies.decide_many / decide_frame with the
    mapping."""
    import csv
    m = policies.load_mapping(HUBSPOT)
    with open(export["path"], encoding="utf-8", newline="") as f:
        rows = [{k: v for k, v in r.items() if v} for r in csv.DictReader(f) if len(r) == 13 and None not in r]
    rows = rows[:800]
    result = lawful.dask.decide_bag(db.from_sequence(rows, npartitions=5), policies, CAMPAIGN, mapping=m)
    records, summary = dask.compute(result.records, result.summary)
    want = policies.decide_many(rows, CAMPAIGN, mapping=m)
    assert joined(records) == want.to_jsonl()
    assert summary["errors"] == 1 and summary["lines"] == len(rows)  # the refused Last Activity Date

    df = pd.read_csv(export["path"], dtype=str, nrows=800)
    got, summary = dask.compute(*lawful.dask.decide_dataframe(dd.from_pandas(df, npartitions=4), policies, CAMPAIGN,
                                                              mapping=m))
    pd.testing.assert_frame_equal(got, policies.decide_frame(df, CAMPAIGN, mapping=m))
    assert summary["errors"] >= 1

    with pytest.raises(TypeError, match="lawful.Mapping"):
        lawful.dask.decide_files(str(export["path"]), policies, CAMPAIGN, mapping=HUBSPOT)


def test_block_through_a_mapping_alone(policies, export):
    """decide_block without a cluster: a CSV block that starts its file (header inside) and
    one from its middle given the header decide as the whole file does."""
    m = policies.load_mapping(HUBSPOT)
    assert m.source[0] == HUBSPOT and m.source[1] == open(HUBSPOT, encoding="utf-8").read()
    data = export["path"].read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    lawc = policies.bytecode()
    first, _ = lawful.dask.decide_block(data[:cut], lawc, CAMPAIGN, 1, 1, "vm", m.source)
    header = lawful.dask._csv_header(data[:cut])
    second, _ = lawful.dask.decide_block(data[cut:], lawc, CAMPAIGN, 1 + data[:cut].count(b"\n"), 1, "vm", m.source,
                                         header)
    assert first[0] + second[0] == export["expected"]
    assert lawful.dask._csv_header(b"a,b\r\n1,2\n") == b"a,b"
