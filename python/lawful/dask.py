"""lawful on Dask: decide a bag of JSON lines, or a DataFrame of contacts, one task per
partition, across a cluster.

The policies go to the workers once, as verified ``.lawc`` bytes (one key of the graph
that every partition's task reads), and each worker process loads them once (a cache
keyed by their hash): never compiled again per task. Order is kept within and across
partitions; error records carry the input line number ``lawful check`` would give (the
partitions' lengths are counted first, so a partition knows where it starts). The
summary (counts by policy and verdict) is added up on the cluster, partition by
partition, in a tree, from the same tasks as the records: compute them together
(``dask.compute(result.records, result.summary)``, or ``result.write(path)``) and each
partition is decided once.

    import dask.bag as db, lawful, lawful.dask
    policies = lawful.load("policies")
    lines = db.read_text("s3://crm/contacts-*.jsonl", blocksize="64MiB")
    result = lawful.dask.decide_bag(lines, policies, campaign)
    summary = result.write("s3://crm/decisions-*.jsonl")   # `lawful check`'s records; the counts

Files of JSON Lines are best decided as blocks of bytes (``decide_files``): each task
reads a block of whole lines (``dask.bytes.read_bytes`` with a ``blocksize``), the
library decides its lines and writes their records as one bytes object, with no Python
object per line on the way::

    result = lawful.dask.decide_files("s3://crm/contacts-*.jsonl", policies, campaign,
                                      blocksize="64MiB")
    summary = result.write("s3://crm/decisions-*.jsonl")

A CRM export is read through a mapping of its columns (``Policies.load_mapping``,
docs/mappings.md) with ``mapping=``, as ``lawful check --mapping`` reads it: the mapping's
text goes to the workers once, beside the program, and each worker checks it once. A CSV
export's blocks each get their file's header row::

    crm = policies.load_mapping("mappings/hubspot.toml")
    result = lawful.dask.decide_files("s3://crm/export-*.csv", policies, campaign, mapping=crm)

Partition functions (``decide_partition``, ``decide_block``, ``decide_frame_partition``) are plain
functions of (data, lawc bytes, campaign text, first line), usable from other engines:
docs/scale-out.md maps them to Spark's ``mapInPandas``. Their ``mapping`` is
``Mapping.source``: the pair (path, text) of the mapping file.
"""

from __future__ import annotations

import collections.abc
import hashlib
import itertools
import operator
import threading
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import lawful
from . import _lawful

__all__ = ["decide_bag", "decide_files", "decide_dataframe", "decide_partition", "decide_block", "worker_stats",
           "decide_frame_partition", "merge_summaries", "Result", "FrameResult", "Part"]

_engines: Dict[str, Any] = {}
_engines_lock = threading.Lock()
_last: Optional[Tuple[Any, str, Any]] = None  # (lawc object, backend, engine) of the last call
_mappings: Dict[Tuple[int, str], Any] = {}  # (id of the engine, sha256 of the mapping's text) -> its handle
# What this process did: programs loaded from .lawc bytes, partitions decided (tasks of
# decide_bag, decide_files and decide_dataframe), mappings of exports loaded (and checked).
# worker_stats() reads them.
_stats = {"loads": 0, "partitions": 0, "mappings": 0}


def worker_stats() -> Dict[str, int]:
    """What this process has done for ``lawful.dask``: ``loads``, the programs loaded
    (and verified) from ``.lawc`` bytes, one per program and backend whatever the number
    of tasks; ``partitions``, the partition tasks it ran; ``mappings``, the mappings of
    exports loaded (and checked against the program's schema), one per mapping and
    program whatever the number of tasks. On a cluster:
    ``client.run(lawful.dask.worker_stats)`` gives each worker's."""
    with _engines_lock:
        return dict(_stats)


def _engine(lawc: bytes, backend: str = "vm"):
    """The engine of these .lawc bytes in this process, loaded (and verified) once, on
    `backend` ("vm", or "jit": compiled to machine code once, LAWFUL_CACHE_DIR's cache
    helping the next process)."""
    global _last
    last = _last
    if last is not None and last[0] is lawc and last[1] == backend:
        return last[2]  # the same bytes object as the last task's (the graph's one key): no hash again
    if backend not in ("vm", "jit"):
        raise ValueError("backend: 'vm' or 'jit'")
    key = (hashlib.sha256(lawc).hexdigest(), backend)
    with _engines_lock:
        e = _engines.get(key)
        if e is None:
            e = lawful._load_engine(_lawful.load_bytecode(bytes(lawc)), "bytecode")[0]
            _stats["loads"] += 1
            if backend == "jit":
                why = e.set_backend(True)
                if why:
                    raise lawful.LawfulError(why)
            _engines[key] = e
        _last = (lawc, backend, e)
        return e


def _mapping(e: Any, mapping: Optional[Tuple[str, str]]) -> Any:
    """The handle of a mapping given as (path, text) (``Mapping.source``), checked against
    engine `e`'s schema once in this process."""
    if mapping is None:
        return None
    path, text = mapping
    key = (id(e), hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest())
    with _engines_lock:
        m = _mappings.get(key)
        if m is None:
            m, diags, rendered, message = _lawful.load_mapping(e, path, text)
            if m is None:
                raise lawful.MappingError(message or f"{path}: the mapping cannot be used",
                                          [lawful.Diagnostic(*d) for d in diags], rendered)
            _stats["mappings"] += 1
            _mappings[key] = m  # engines are never dropped (_engines), so id(e) stays theirs
        return m


def _join(lines: Sequence[Any]) -> List[bytes]:
    # A line of a text file read by dask.bag.read_text keeps its newline: _line drops it.
    return [lawful._line(x) for x in lines]


def _file_text(lines: Sequence[Any]) -> Optional[bytes]:
    """The partition as the text of its file, when it is what dask.bag.read_text gives:
    str lines, each ending with its one newline (the last may have none). Decided as one
    text, the lines cost no Python work each; anything else is decided item by item."""
    n = len(lines)
    if not n or not all(isinstance(x, str) for x in lines):
        return None
    if not all(map(operator.methodcaller("endswith", "\n"), itertools.islice(lines, n - 1))):
        return None
    text = "".join(lines)
    if text.count("\n") != n - (0 if text.endswith("\n") else 1):
        return None  # a line holds a newline of its own: one item is one contact
    return text.encode("utf-8", "surrogateescape")


def decide_partition(lines: Sequence[Any], lawc: bytes, campaign: str, first_line: int = 1,
                     threads: Optional[int] = 1, backend: str = "vm",
                     mapping: Optional[Tuple[str, str]] = None) -> Tuple[List[str], Dict[str, Any]]:
    """Decides one partition of JSON lines (str or bytes, each one contact; a trailing
    newline is dropped; dicts are accepted too). Returns the records (``lawful check``'s,
    without newlines, error records numbered from ``first_line``) and the partition's
    summary. ``backend``: "vm" or "jit" (the same records). With ``mapping``
    (``Mapping.source``), each item is a row of an export: a dict of its columns, or a
    JSON object's text."""
    e = _engine(lawc, backend)
    if mapping is not None:
        rows = [lawful._mapped_row(x) for x in lines]
        batch = _lawful.decide_texts(e, rows, campaign, threads, first_line, _mapping(e, mapping))
        return batch.records().decode("utf-8", "replace").split("\n")[:-1], batch.summary(True)
    text = _file_text(lines)
    if text is not None:
        batch = _lawful.decide_buffer(e, text, campaign, threads, first_line)
    if text is None or len(batch) != len(lines):
        batch = _lawful.decide_texts(e, _join(lines), campaign, threads, first_line)
    return batch.records().decode("utf-8", "replace").split("\n")[:-1], batch.summary(True)


def lines_in(block: bytes) -> int:
    """How many lines ``lawful check`` counts in a block of whole lines: one a newline, and
    a last one without a newline."""
    return _lawful.count_lines(block)


def decide_block(block: bytes, lawc: bytes, campaign: str, first_line: int = 1,
                 threads: Optional[int] = 1, backend: str = "vm", mapping: Optional[Tuple[str, str]] = None,
                 header: Optional[bytes] = None) -> Tuple[List[bytes], Dict[str, Any]]:
    """Decides one block of JSON Lines text (bytes of whole lines, as
    ``dask.bytes.read_bytes(..., delimiter=b"\\n")`` cuts a file) in the library: the lines
    are cut and decided without a Python object each. Returns ``[records]`` (the records
    as one bytes object, ``lawful check``'s output for these lines, error records numbered
    from ``first_line``) and the block's summary.

    With ``mapping`` (``Mapping.source``), the block is part of an export read through
    it: JSON Lines, or CSV rows. A CSV block that starts its file holds the header row
    (``header`` None; its rows are numbered from ``first_line + 1``); any other block is
    given its file's ``header``."""
    e = _engine(lawc, backend)
    if mapping is None:
        batch = _lawful.decide_buffer(e, block, campaign, threads, first_line)
    else:
        batch = _lawful.decide_buffer(e, block, campaign, threads, first_line, _mapping(e, mapping), header)
    return [batch.records()], batch.summary(True)


def _csv_header(block: bytes) -> bytes:
    """The header row of a CSV export, from its file's first block (without the line's
    end)."""
    head = bytes(block).split(b"\n", 1)[0]
    return head[:-1] if head.endswith(b"\r") else head


def decide_frame_partition(df: Any, lawc: bytes, campaign: str, first_line: int = 1, threads: Optional[int] = 1,
                           backend: str = "vm", mapping: Optional[Tuple[str, str]] = None):
    """Decides one pandas DataFrame of contacts (as ``Policies.decide_frame``). Returns
    the DataFrame of decisions (same index; error rows have ``error`` and a ``line``
    counted from ``first_line``) and the partition's summary. With ``mapping``
    (``Mapping.source``), the columns are an export's, read through it."""
    e = _engine(lawc, backend)
    if mapping is not None:
        rows = [lawful._mapped_row(r) for r in df.to_dict("records")]
        batch = _lawful.decide_texts(e, rows, campaign, threads, first_line, _mapping(e, mapping))
    else:
        contacts = [lawful._row_contact(r) for r in df.to_dict("records")]
        batch = _lawful.decide_texts(e, [lawful._line(c) for c in contacts], campaign, threads, first_line)
    v = lawful.Version(e.generation, "%016x" % e.source_hash)
    return lawful.Decisions(batch, v).to_frame(index=df.index), batch.summary(True)


def merge_summaries(*summaries: Dict[str, Any]) -> Dict[str, Any]:
    """Adds partition summaries up (in order: the first error is the earliest)."""
    out: Dict[str, Any] = {"lines": 0, "decisions": 0, "errors": 0, "verdicts": {"allow": 0, "deny": 0, "review": 0},
                           "bases": {}, "policies": [], "first_error": None}
    rows: Dict[Any, Dict[str, Any]] = {}
    order: List[Any] = []
    for s in summaries:
        for k in ("lines", "decisions", "errors"):
            out[k] += s[k]
        for k, n in s["verdicts"].items():
            out["verdicts"][k] += n
        for k, n in s["bases"].items():
            out["bases"][k] = out["bases"].get(k, 0) + n
        for p in s["policies"]:
            key = p["policy"]
            if key not in rows:
                rows[key] = {"policy": key, "jurisdictions": list(p["jurisdictions"]), "allow": 0, "deny": 0, "review": 0}
                order.append(key)
            for v in ("allow", "deny", "review"):
                rows[key][v] += p[v]
        if out["first_error"] is None and s["first_error"] is not None:
            out["first_error"] = dict(s["first_error"])
    # Every partition lists every policy, in the program's order ("no policy" last):
    # the merged list keeps that order; _finish drops the rows that stayed at zero.
    out["policies"] = [rows[k] for k in order]
    return out


def _merge_list(summaries: List[Dict[str, Any]]) -> Dict[str, Any]:
    return merge_summaries(*summaries)


def _tree_reduce(items: List[Any], delayed, width: int = 8):
    """Adds the summaries up on the cluster, `width` at a time."""
    level = items
    while len(level) > 1:
        level = [delayed(merge_summaries, pure=True)(*level[i:i + width]) for i in range(0, len(level), width)]
    return level[0] if level else delayed(merge_summaries, pure=True)()


def _first_lines(parts: List[Any], delayed, count=len) -> List[Any]:
    """The number of each partition's first line: 1, then the counts before it."""
    counts = [delayed(count, pure=True)(p) for p in parts]
    firsts: List[Any] = [1]
    for c in counts[:-1]:
        firsts.append(delayed(operator.add, pure=True)(firsts[-1], c))
    return firsts


def _as_list(part: Any) -> Any:
    return part if isinstance(part, list) or hasattr(part, "to_dict") else list(part)


def _program(policies: Any) -> bytes:
    lawc = bytes(policies) if isinstance(policies, (bytes, bytearray)) else policies.bytecode()
    # Loaded here too: bytes that would be refused fail now, not on every worker.
    _engine(lawc)
    return lawc


class Part(collections.abc.Sequence):
    """A decided partition as the records bag holds it: a sequence of its records (the
    bag's items), with ``summary``, the partition's, beside them for the summary's
    reduction. (Not a list subclass: Dask moves lists between workers item by item, and
    would drop the summary.)"""

    __slots__ = ("records", "summary")

    def __init__(self, records: List[Any], summary: Dict[str, Any]):
        self.records = records
        self.summary = summary

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i):  # type: ignore[override]
        return self.records[i]

    def __iter__(self):
        return iter(self.records)

    def __reduce__(self):
        return (Part, (self.records, self.summary))

    def __repr__(self) -> str:
        return f"<lawful.dask.Part of {len(self.records)} records>"


def _decide_task(partition_fn: Any, part: Any, lawc: bytes, campaign: str, first_line: int, threads: Optional[int],
                 backend: str, *extra: Any) -> Part:
    out = Part(*partition_fn(part, lawc, campaign, first_line, threads, backend, *extra))
    with _engines_lock:
        _stats["partitions"] += 1
    return out


def _part_summary(part: Part) -> Dict[str, Any]:
    return part.summary


def _register_sizeof() -> None:
    """Dask's memory accounting sees a Part's records (it would see only the object)."""
    try:
        from dask.sizeof import sizeof
    except ImportError:  # pragma: no cover
        return

    @sizeof.register(Part)
    def _(p: Part) -> int:
        return sizeof(p.records) + sizeof(p.summary) + 64


_register_sizeof()


def _counted(partition_fn: Any, *args: Any):
    with _engines_lock:
        _stats["partitions"] += 1
    return partition_fn(*args)


class Result(NamedTuple):
    """``records``: a Dask bag of the records, in input order; ``summary``: a Dask
    ``Item`` (``compute()``, or ``to_delayed()``) of the summary
    (``Decisions.summary()``'s keys), reduced on the cluster from the same tasks:
    compute both in one call, ``dask.compute(result.records, result.summary)``, and every
    partition is decided once (two separate computes decide it twice)."""

    records: Any
    summary: Any

    def write(self, path: Any, name_function: Any = None, **storage_options: Any) -> Dict[str, Any]:
        """Writes the records, one file per partition (``path`` a pattern with ``*``, a
        folder, or a list of paths, on any file system Dask writes; the files joined in
        order are ``lawful check``'s output), and returns the summary: one compute, each
        partition decided once. (``records.to_textfiles(..., compute=False)`` is
        optimised on its own: computed with ``summary``, each partition would be
        decided twice.)"""
        import dask
        import dask.bag as db
        from dask.base import tokenize
        from fsspec.core import open_files
        from dask.highlevelgraph import HighLevelGraph
        records = self.records
        files = open_files(path, mode="wb", num=records.npartitions, name_function=name_function, **storage_options)
        name = "lawful-write-" + tokenize(records.name, [f.path for f in files])
        dsk = {(name, i): (_write_part, (records.name, i), f) for i, f in enumerate(files)}
        written = db.Bag(HighLevelGraph.from_collections(name, dsk, dependencies=[records]), name, len(files))
        return dask.compute(written, self.summary)[1]


def _write_part(part: Sequence[Any], file: Any) -> List[str]:
    """A partition's records into one file: bytes (decide_files') as they are, str
    (decide_bag's) each with a newline."""
    with file as f:
        for r in part:
            f.write(r if isinstance(r, bytes) else r.encode("utf-8", "surrogateescape") + b"\n")
    return [file.path]


class FrameResult(NamedTuple):
    """``decisions``: a Dask DataFrame of decisions (the partitions and index of the
    input); ``summary``: a Delayed of the summary."""

    decisions: Any
    summary: Any


def _finish(summary: Dict[str, Any]) -> Dict[str, Any]:
    """The summary as `lawful check` gives it: only the policies that decided something."""
    summary["policies"] = [p for p in summary["policies"] if p["allow"] + p["deny"] + p["review"]]
    return summary


def _setup(policies: Any, campaign: Any, backend: Optional[str]):
    """The program's .lawc bytes, the campaign's text (checked here) and the backend."""
    lawc = _program(policies)
    if backend is None:  # the Policies' own, or the interpreter
        backend = policies.backend if isinstance(policies, lawful.Policies) else "vm"
    if backend not in ("vm", "jit"):
        raise ValueError("backend: 'vm' or 'jit'")
    camp = lawful._text(campaign, "campaign")
    why = _engine(lawc).campaign_error(camp)
    if why:
        raise ValueError(f"campaign: {why}")
    return lawc, camp, backend


def _mapping_source(mapping: Any, lawc: bytes) -> Optional[Tuple[str, str]]:
    """A ``lawful.Mapping``'s (path, text), checked here against the program's schema
    (a mapping for other policies fails now, not on every worker)."""
    if mapping is None:
        return None
    if not isinstance(mapping, lawful.Mapping):
        raise TypeError(f"mapping: a lawful.Mapping (Policies.load_mapping), not {type(mapping).__name__}")
    source = mapping.source
    _mapping(_engine(lawc), source)
    return source


def _plan(policies: Any, campaign: Any, parts: List[Any], partition_fn: Any, threads: Optional[int],
          backend: Optional[str], count=len, as_part=_as_list, mapping: Any = None,
          headers: Optional[List[Any]] = None) -> Result:
    """One task per partition, `partition_fn(part, lawc, campaign, first_line, threads,
    backend[, mapping, header])`, the program (and the mapping's source) one key of the
    graph, the partitions' lines counted by `count`; `headers`, a CSV header (a Delayed)
    or None for each partition.
    Those tasks are the records bag's own partitions, and the summary is a reduction of
    that bag: computed together, the two read the same tasks. (A bag's graph optimisation
    fuses a task into its only consumer under a new key; records made by tasks that the
    summary also read were fused away from the summary's, and every partition was decided
    twice.)"""
    import dask
    import dask.bag as db
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph
    delayed = dask.delayed
    lawc, camp, backend = _setup(policies, campaign, backend)
    program = delayed(lawc, pure=True)
    source = _mapping_source(mapping, lawc)
    # A partition may be a lazy iterator: made a list once, read by both tasks below.
    if as_part is not None:
        parts = [delayed(as_part, pure=True)(p) for p in parts]
    firsts = _first_lines(parts, delayed, count)
    extra: List[Tuple[Any, ...]] = [()] * len(parts)
    deps = [program, *parts, *(f for f in firsts if hasattr(f, "key"))]
    if source is not None:
        src = delayed(source, pure=True)
        heads = headers or [None] * len(parts)
        extra = [(src.key,) + ((h.key,) if h is not None else ()) for h in heads]
        deps += [src, *(h for h in heads if h is not None)]
    name = f"{partition_fn.__name__}-" + tokenize(partition_fn, program.key, camp, threads, backend,
                                                   [p.key for p in parts], source, extra)
    first_key = [f.key if hasattr(f, "key") else f for f in firsts]
    dsk = {(name, i): (_decide_task, partition_fn, p.key, program.key, camp, first_key[i], threads, backend, *extra[i])
           for i, p in enumerate(parts)}
    records = db.Bag(HighLevelGraph.from_collections(name, dsk, dependencies=deps), name, len(parts))
    if not parts:
        return Result(records, delayed(_finish, pure=True)(merge_summaries()))
    summary = records.reduction(_part_summary, _merge_list, split_every=8).apply(_finish)
    return Result(records, summary)


def decide_bag(bag: Any, policies: Any, campaign: Any, threads: Optional[int] = 1,
               backend: Optional[str] = None, mapping: Any = None) -> Result:
    """Decides every line of a Dask bag of JSON lines (``dask.bag.read_text``'s lines, or
    str/bytes/dict items, one contact each), one task per partition. ``records`` holds
    the records as str, without newlines.

    ``policies``: a ``lawful.Policies`` or ``.lawc`` bytes. ``threads``: threads per task
    (1 suits one-thread workers; a worker with several threads runs several tasks).
    ``backend``: "vm" or "jit" on the workers (default: the ``Policies``' own backend,
    or "vm" for bytes); the records are the same either way.
    The campaign is checked here: one that cannot be read raises ``ValueError``.
    ``mapping`` (``Policies.load_mapping``): the items are rows of an export, dicts of its
    columns or JSON objects' text (a CSV export's lines: ``decide_files``)."""
    return _plan(policies, campaign, bag.to_delayed(optimize_graph=True), decide_partition, threads, backend,
                 mapping=mapping)


def decide_files(urlpath: Any, policies: Any, campaign: Any, blocksize: Any = "64MiB", threads: Optional[int] = 1,
                 backend: Optional[str] = None, mapping: Any = None, **storage_options: Any) -> Result:
    """Decides every line of one or more files of JSON Lines (a path, a glob, a list; any
    file system ``dask.bytes.read_bytes`` reads), one task per block of about
    ``blocksize`` bytes of whole lines.

    Each task reads its block as bytes and the library decides it (``decide_block``):
    no Python object per line. ``records`` is a Dask bag with one item per block, the
    bytes of its records (``lawful check``'s, each line ending with a newline): joined in
    order they are ``lawful check``'s output, and ``result.write(pattern)`` writes one
    file per block and returns the summary. Error records count lines from 1 at the
    first file's start, on across the files in the order ``read_bytes`` lists them.
    ``threads`` and ``backend`` as for ``decide_bag``.

    ``mapping`` (``Policies.load_mapping``): the files are exports read through it, as
    ``lawful check --mapping`` reads one. For CSV, each file starts with its header row
    (counted as a line, so rows are numbered as in the file); the header goes from the
    file's first block to its other blocks' tasks. A row holds no newline inside a cell
    (docs/mappings.md), so blocks cut at newlines cut between rows."""
    import dask
    from dask.bytes import read_bytes
    _, blocks = read_bytes(urlpath, delimiter=b"\n", blocksize=blocksize, sample=False, **storage_options)
    parts = [b for file_blocks in blocks for b in file_blocks]
    headers = None
    if mapping is not None and isinstance(mapping, lawful.Mapping) and mapping.input == "csv":
        headers = []
        for file_blocks in blocks:
            head = dask.delayed(_csv_header, pure=True)(file_blocks[0]) if file_blocks else None
            headers += [None] + [head] * (len(file_blocks) - 1)
    return _plan(policies, campaign, parts, decide_block, threads, backend, count=lines_in, as_part=None,
                 mapping=mapping, headers=headers)


def decide_dataframe(ddf: Any, policies: Any, campaign: Any, threads: Optional[int] = 1,
                     backend: Optional[str] = None, mapping: Any = None) -> FrameResult:
    """Decides every row of a Dask DataFrame of contacts (columns as for
    ``Policies.decide_frame``), one task per partition. Returns a Dask DataFrame of
    decisions with the input's partitions and index, and the summary. ``mapping``
    (``Policies.load_mapping``): the columns are an export's (``dd.read_csv(...,
    dtype=str)`` reads a CSV export's cells as its text), read through it."""
    import dask
    import dask.dataframe as dd
    delayed = dask.delayed
    lawc, camp, backend = _setup(policies, campaign, backend)
    program = delayed(lawc, pure=True)
    source = _mapping_source(mapping, lawc)
    src = () if source is None else (delayed(source, pure=True),)
    parts = ddf.to_delayed(optimize_graph=True)
    firsts = _first_lines(parts, delayed)
    # A DataFrame's graph is not fused (nor a Delayed's): the frames and the summary read
    # the same tasks.
    outs = [delayed(_counted, pure=True, nout=2)(decide_frame_partition, p, program, camp, f, threads, backend, *src)
            for p, f in zip(parts, firsts)]
    summary = delayed(_finish, pure=True)(_tree_reduce([o[1] for o in outs], delayed))
    decisions = dd.from_delayed([o[0] for o in outs], meta=lawful._frame([], None), divisions=ddf.divisions,
                                verify_meta=False)
    return FrameResult(decisions, summary)
