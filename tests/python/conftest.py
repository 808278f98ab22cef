"""What the tests of the Python module share: the project's policies, the example
campaign, `lawful` itself (LAWFUL_CLI), and generated contacts with bad lines among them
together with what `lawful check` makes of them."""

import json
import os
import pathlib
import subprocess

import pytest

import lawful

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = os.environ.get("LAWFUL_CLI", str(ROOT / "build" / "lawful"))
POLICIES = str(ROOT / "policies")
CAMPAIGN_PATH = ROOT / "examples" / "campaign.json"
CAMPAIGN = CAMPAIGN_PATH.read_text()


def run(*args, check=True):
    p = subprocess.run([CLI, *map(str, args)], capture_output=True)
    if check and p.returncode not in (0, 1):
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr.decode()}")
    return p


# Bad lines of every kind `lawful check` gives an error record: not JSON, a value outside
# the schema, blank, a line over 1 MiB, and a line ending CR LF (decided, the CR dropped).
BAD = [
    b"{not json",
    b'{"id": "bad-entity", "entity": "compny", "country": "GB"}',
    b"",
    b"   ",
    b'{"id": "long", "note": "' + b"x" * (lawful._lawful.MAX_LINE + 10) + b'"}',
    b'{"id": "crlf", "country": "GB", "entity": "company", "email_kind": "professional"}\r',
    b'["not", "an", "object"]',
    '{"id": "unicod\u00e9 \u2028 line sep", "country": "FR"}'.encode(),
]


@pytest.fixture(scope="module")
def policies():
    return lawful.load(POLICIES)


@pytest.fixture(scope="module")
def contacts(tmp_path_factory):
    """3,000 generated contacts with the bad lines spread among them, the last line
    without a newline; and what `lawful check` makes of them."""
    d = tmp_path_factory.mktemp("contacts")
    gen = d / "gen.jsonl"
    run("gen-contacts", "--n", 3000, "--seed", 11, "-o", gen)
    lines = gen.read_bytes().split(b"\n")[:-1]
    for i, b in enumerate(BAD):
        lines.insert(1 + i * 350, b)
    path = d / "contacts.jsonl"
    path.write_bytes(b"\n".join(lines))  # no newline at the end
    out, summary = d / "decisions.jsonl", d / "summary.json"
    p = run("check", POLICIES, "--contacts", path, "--campaign", CAMPAIGN_PATH, "-o", out, "--summary", summary,
            "--quiet", "--threads", 2)
    assert p.returncode == 1  # error lines
    return {"path": path, "lines": lines, "expected": out.read_bytes(),
            "summary": json.loads(summary.read_text()), "dir": d}
