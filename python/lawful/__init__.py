"""lawful: decisions of privacy and direct-marketing law, from Python.

Load policies (a directory of ``.law`` files, one ``.law`` file, or a compiled ``.lawc``),
then decide for contacts: one at a time, a whole JSON Lines file on every core, or a
pandas DataFrame::

    import lawful
    policies = lawful.load("policies")
    d = policies.decide(contact, campaign)            # dicts or JSON text
    d.verdict, d.basis, d.rules, d.cites, d.missing   # 'allow', 'consent', ...
    batch = policies.decide_many("contacts.jsonl", campaign)
    batch.to_jsonl()                                  # `lawful check`'s output, byte for byte

Every decision is the one ``lawful check`` makes for the same contact: the same library
decides, and the same writer writes the records. Missing data never becomes permission:
it is ``review``, with the missing facts named. ``lawful.dask`` decides Dask bags and
DataFrames partition by partition (docs/scale-out.md).
"""

from __future__ import annotations

import json
import math
import os
import threading
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

Mapping_ = Mapping  # typing's (a dict-like), before lawful.Mapping (an export's mapping) takes the name

from . import _lawful

__all__ = [
    "load", "load_bytecode", "load_source", "Policies", "Decision", "Decisions", "Version",
    "Diagnostic", "LawfulError", "CompileError", "DataError", "TestsFailed", "TestResults", "TestResult",
    "Mapping", "MappingError", "__version__",
]

__version__: str = _lawful.__version__


# ---------------------------------------------------------------- errors

class LawfulError(Exception):
    """The base of every error lawful raises."""


class Diagnostic(NamedTuple):
    """One message of the compiler: where (file, 1-based line and column), what, and a hint."""

    is_error: bool
    code: str
    file: str
    line: int
    column: int
    message: str
    help: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        kind = "error" if self.is_error else "warning"
        return f"{where}{kind}[{self.code}]: {self.message}" + (f" ({self.help})" if self.help else "")


class CompileError(LawfulError):
    """Policies that do not compile, or a ``.lawc`` that is refused.

    ``diagnostics`` lists every message (file, line, column, message, help); ``text`` is
    all of them as ``lawful check`` prints them (file:line:col, the line, a caret).
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic], text: str):
        super().__init__(message)
        self.message = message
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        self.text = text

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


class MappingError(CompileError):
    """A mapping of an export's columns that cannot be read or is refused by the schema
    check (a field that does not exist, a conversion to the wrong type): ``diagnostics``
    give file, line and column and a suggestion, ``text`` them as ``lawful map`` prints
    them."""


class DataError(LawfulError, ValueError):
    """A contact or campaign that does not fit the schema (or a decision stopped by a
    run-time error). ``record`` is the error record ``lawful check`` writes in its place."""

    def __init__(self, message: str, record: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.record = record


class TestsFailed(LawfulError):
    """A reload whose new policies compile but fail their own tests (the old ones serve on)."""

    def __init__(self, message: str, results: "TestResults"):
        super().__init__(message)
        self.results = results


# ---------------------------------------------------------------- decisions

class Version(NamedTuple):
    """Which policies decided: ``generation`` (1 when loaded, +1 at every reload that
    changed them) and ``source_hash`` (of the policies' text, as 16 hex digits)."""

    generation: int
    source_hash: str


_FIELDS = ("id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason")
_VERDICTS = ("allow", "deny", "review", "review")  # by the batch's code; 3, an error, is never permission


def _field(name: str, doc: str, listy: bool = False) -> property:
    def get(self: "Decision") -> Any:
        value = self._fields().get(name)
        return ([] if value is None else value) if listy else value
    return property(get, doc=doc)


class Decision:
    """One decision: FACTS.md's record, as attributes.

    ``verdict`` is ``'allow'``, ``'deny'`` or ``'review'``; ``basis`` the legal basis of an
    allow (else None); ``rules`` the rules that decided and ``cites`` their provisions;
    ``obligations`` what an allow obliges; ``missing`` the facts a review needs;
    ``reason`` a review's reason in words. A line that could not be decided (bad JSON, a
    value outside the schema) is an error: ``error`` says why, ``line`` is its position,
    ``verdict`` is ``'review'`` (an error is never permission) and ``ok`` is False.

    The record is read (``json.loads``) when a field other than ``verdict`` is first
    asked for: a ``Decision`` of ``decide_many`` knows its verdict without reading it.
    """

    __slots__ = ("version", "_record", "_parsed", "_code")

    def __init__(self, record: str, version: Optional[Version] = None, _code: Optional[int] = None):
        self._record = record
        self.version = version
        self._parsed: Optional[Dict[str, Any]] = None
        self._code = _code  # the batch's verdict: 0 allow, 1 deny, 2 review, 3 an error record

    def _fields(self) -> Dict[str, Any]:
        d = self._parsed
        if d is None:
            d = self._parsed = json.loads(self._record)
        return d

    @property
    def verdict(self) -> str:
        """'allow', 'deny' or 'review' ('review' for an error record)."""
        if self._code is not None:
            return _VERDICTS[self._code]
        return self._fields().get("verdict", "review")

    @property
    def error(self) -> Optional[str]:
        """Why the line could not be decided (None for a decision)."""
        if self._code is not None and self._code != 3:
            return None
        return self._fields().get("error")

    id = _field("id", "The contact's id.")
    basis = _field("basis", "The legal basis of an allow (else None).")
    policy = _field("policy", "The policy that decided.")
    decision = _field("decision", "The decision (kind of processing) decided.")
    rules = _field("rules", "The rules that decided.", True)
    cites = _field("cites", "Their provisions.", True)
    obligations = _field("obligations", "What an allow obliges.", True)
    missing = _field("missing", "The facts a review needs.", True)
    reason = _field("reason", "A review's reason in words.")
    line = _field("line", "An error record's input line.")

    @property
    def ok(self) -> bool:
        """True when the contact was decided (not an error record)."""
        if self._code is not None:
            return self._code != 3
        return self.error is None

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"

    def to_json(self, version: bool = False) -> str:
        """The record ``lawful check`` writes for this contact (without the newline); with
        ``version=True``, ``"version"`` added last, as the C API's records have it."""
        if not version or self.version is None:
            return self._record
        return self._record[:-1] + ', "version": {"generation": %d, "source_hash": "%s"}}' % self.version

    def to_dict(self, version: bool = False) -> Dict[str, Any]:
        """The record as a dict (a fresh one each call)."""
        d = json.loads(self._record)
        if version and self.version is not None:
            d["version"] = self.version._asdict()
        return d

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and self._record == other._record

    def __hash__(self) -> int:
        return hash(self._record)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"Decision(error={self.error!r}, id={self.id!r}, line={self.line})"
        extra = f", basis={self.basis!r}" if self.basis else ""
        extra += f", missing={self.missing!r}" if self.missing else ""
        return f"Decision(id={self.id!r}, verdict={self.verdict!r}{extra}, policy={self.policy!r}, rules={self.rules!r})"


class Decisions(Sequence[Decision]):
    """The decisions of ``decide_many``, in input order, one per input line (error
    records in place). Held as ``lawful check``'s records; a ``Decision`` is made when an
    item is read. ``to_jsonl()`` gives the records as ``lawful check`` writes them."""

    def __init__(self, batch: Any, version: Version):
        self._batch = batch
        self.version = version
        self._verdict_codes: Optional[bytes] = None

    def __len__(self) -> int:
        return len(self._batch)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("decision index out of range")
        return Decision(self._batch.record(i), self.version, self._codes()[i])

    def _codes(self) -> bytes:
        """Each record's verdict code (0 allow, 1 deny, 2 review, 3 error), read once."""
        if self._verdict_codes is None:
            self._verdict_codes = self._batch.verdicts()
        return self._verdict_codes

    def __iter__(self) -> Iterator[Decision]:
        codes, version, record = self._codes(), self.version, self._batch.record
        for i in range(len(self)):
            yield Decision(record(i), version, codes[i])

    def to_jsonl(self) -> bytes:
        """Every record, one a line, each ending with a newline: ``lawful check``'s output."""
        return self._batch.records()

    def records(self) -> List[str]:
        """Every record as text, without its newline."""
        return self._batch.records().decode("utf-8", "replace").split("\n")[:-1]

    def verdicts(self) -> List[str]:
        """Each line's verdict; ``'error'`` for a line that could not be decided."""
        names = ("allow", "deny", "review", "error")
        return [names[v] for v in self._codes()]

    @property
    def errors(self) -> int:
        """How many lines could not be decided."""
        return self.summary()["errors"]

    def summary(self) -> Dict[str, Any]:
        """The counts of ``lawful check --summary``: lines, decisions, errors, verdicts,
        bases (of allows), policies (each with its jurisdictions and counts by verdict),
        and the first error."""
        return self._batch.summary()

    def to_frame(self, index: Any = None):
        """The decisions as a pandas DataFrame (the columns of ``decide_frame``)."""
        import pandas as pd
        # The columns made in the module from the records (Batch.columns): what _frame
        # makes of each record's json.loads, without a dict per record.
        return pd.DataFrame(self._batch.columns(), index=index)

    def __repr__(self) -> str:
        s = self.summary()
        return f"<Decisions {s['lines']} lines: {s['verdicts']}, errors {s['errors']}>"


# ---------------------------------------------------------------- tests

class TestResult(NamedTuple):
    """One ``test`` block of the policies: its title, policy, where it is, and each
    failed expectation (empty when it passed)."""

    __test__ = False  # not a pytest class

    title: str
    policy: str
    where: str
    failures: List[str]

    @property
    def passed(self) -> bool:
        return not self.failures


class TestResults(List[TestResult]):
    """The results of ``run_tests``: a list of ``TestResult``; true when all passed."""

    __test__ = False

    @property
    def passed(self) -> int:
        return sum(1 for t in self if t.passed)

    @property
    def failed(self) -> List[TestResult]:
        return [t for t in self if not t.passed]

    def __bool__(self) -> bool:
        return not self.failed

    def __repr__(self) -> str:
        return f"<TestResults {self.passed} passed, {len(self.failed)} failed>"


# ---------------------------------------------------------------- input

Json = Union[str, bytes, Mapping[str, Any]]


def _json_default(o: Any) -> Any:
    # numpy scalars, pandas timestamps and dates: their plain values.
    if hasattr(o, "item") and callable(o.item):
        return o.item()
    if hasattr(o, "isoformat"):
        s = o.isoformat()
        return s[:10] if len(s) >= 10 and s[10:11] in ("T", " ", "") and _is_midnight(o) else s
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not a JSON value")


def _is_midnight(o: Any) -> bool:
    return all(getattr(o, a, 0) == 0 for a in ("hour", "minute", "second", "microsecond"))


def _text(value: Json, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, Mapping_):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    raise TypeError(f"{what}: a dict or JSON text, not {type(value).__name__}")


def _line(value: Any) -> bytes:
    """One contact's JSON as bytes. A line read from a file keeps its end of line: it is
    dropped (with a CR before it), as `lawful check` drops it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        b = bytes(value)
    elif isinstance(value, str):
        b = value.encode("utf-8", "surrogateescape")
    else:
        b = None
    if b is not None:
        if b.endswith(b"\n"):
            b = b[:-2] if b.endswith(b"\r\n") else b[:-1]
        return b
    if isinstance(value, Mapping_):
        return json.dumps(value, ensure_ascii=False, default=_json_default).encode("utf-8", "surrogateescape")
    raise TypeError(f"decide_many: each contact is a dict or JSON text, not {type(value).__name__}")


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        import pandas as pd  # only for NaT and NA
        return v is pd.NaT or v is pd.NA
    except ImportError:  # pragma: no cover
        return False


def _row_contact(row: Mapping[str, Any]) -> Dict[str, Any]:
    """A DataFrame row as a contact: missing values (None, NaN, NaT) left out (unknown,
    as an absent JSON field), dotted columns ("customer.opt_out_offered") nested."""
    out: Dict[str, Any] = {}
    for k, v in row.items():
        if not isinstance(v, (list, tuple, dict)) and _is_missing(v):
            continue
        parts = str(k).split(".")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return out


_COLUMNS = ("id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason",
            "error")


def _frame(records: List[Dict[str, Any]], index: Any):
    """A DataFrame of decisions from records as dicts (the empty one is Dask's meta;
    Batch.columns makes the same columns in the module, tests/python/test_lawful.py)."""
    import pandas as pd
    cols: Dict[str, list] = {c: [] for c in _COLUMNS}
    for r in records:
        for c in _COLUMNS:
            cols[c].append(r.get(c, [] if c in ("rules", "cites", "obligations", "missing") else None))
        if "error" in r:
            cols["verdict"][-1] = "review"  # an error is never permission
    return pd.DataFrame(cols, index=index)


# ---------------------------------------------------------------- mappings

class Mapping:
    """A mapping of a CRM export's columns to facts (docs/mappings.md), loaded once by
    ``Policies.load_mapping`` and checked against their schema. Give it to ``decide``,
    ``decide_many`` or ``decide_frame`` as ``mapping=``; any number of threads may use it."""

    def __init__(self, handle: Any, path: str, diagnostics: Sequence[Diagnostic] = ()):
        self._handle = handle
        self.path = path
        #: Warnings of the check (a mapping that loads has no errors).
        self.diagnostics: List[Diagnostic] = list(diagnostics)

    @property
    def input(self) -> str:
        """``'csv'`` or ``'jsonl'``: the export the mapping says it reads."""
        return self._handle.input

    @property
    def name(self) -> str:
        return self._handle.name

    @property
    def source(self) -> Tuple[str, str]:
        """(path, text): the mapping file as it was checked, what ``lawful.dask`` sends to
        its workers (each checks it once against the program's schema)."""
        return (self.path, self._handle.source)

    def __repr__(self) -> str:
        return f"<Mapping {self.path} ({self.name}, input {self.input})>"


def _mapped_row(row: Any) -> bytes:
    """A row of an export given one by one: a dict of its columns (missing values left
    out: unknown, as an empty cell), or a JSON object's text."""
    if isinstance(row, Mapping_):
        return json.dumps({str(k): v for k, v in row.items() if not _is_missing(v)}, ensure_ascii=False,
                          default=_json_default).encode("utf-8", "surrogateescape")
    return _line(row)


# ---------------------------------------------------------------- policies

class Policies:
    """Compiled policies, ready to decide. Made by ``lawful.load`` (or ``load_bytecode``,
    ``load_source``). Any number of threads may decide on one ``Policies`` at once; a
    ``reload()`` swaps in a new version, and decisions under way finish on theirs.
    A context manager: ``with lawful.load(p) as policies: ...``."""

    def __init__(self, engine: Any, path: Optional[str] = None, diagnostics: Sequence[Diagnostic] = ()):
        self._engine = engine
        self._lock = threading.Lock()
        self.path = path
        #: Warnings of the compiler (a successful load has no errors).
        self.diagnostics: List[Diagnostic] = list(diagnostics)

    # -- what they are
    @property
    def version(self) -> Version:
        e = self._engine
        return Version(e.generation, "%016x" % e.source_hash)

    def _current(self):
        e = self._engine
        if e is None:
            raise LawfulError("these policies were closed")
        return e

    def bytecode(self) -> bytes:
        """The compiled program as ``.lawc`` bytes (``lawful compile``'s file): what
        ``lawful.load_bytecode`` loads, verified, without compiling again."""
        return self._current().bytecode()

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the ``.lawc`` file (through a temporary, renamed when complete)."""
        data = self.bytecode()
        tmp = f"{os.fspath(path)}.tmp.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def set_backend(self, backend: str) -> None:
        """``'vm'`` (the interpreter, the default) or ``'jit'`` (machine code compiled by
        LLVM, where this build has it). Same decisions either way."""
        if backend not in ("vm", "jit"):
            raise ValueError("backend: 'vm' or 'jit'")
        why = self._current().set_backend(backend == "jit")
        if why:
            raise LawfulError(why)

    @property
    def backend(self) -> str:
        return self._current().backend()

    # -- deciding
    def load_mapping(self, path: Union[str, os.PathLike], text: Optional[str] = None) -> "Mapping":
        """Loads a mapping of a CRM export's columns (a TOML file, docs/mappings.md), or
        its ``text`` (``path`` then names it in messages), checked against these policies'
        schema as ``lawful map`` checks it. Raises ``MappingError`` with the diagnostics
        (file, line, column, a suggestion) for one that is refused. Load it once; it
        serves every reload of these policies with the same schema."""
        p = os.fspath(path)
        handle, diags, txt, message = _lawful.load_mapping(self._current(), p, text)
        diagnostics = [Diagnostic(*d) for d in diags]
        if handle is None:
            raise MappingError(message or f"{p}: the mapping cannot be used", diagnostics, txt)
        return Mapping(handle, p, diagnostics)

    def decide(self, contact: Json, campaign: Json, *, errors: str = "raise",
               mapping: Optional["Mapping"] = None) -> Decision:
        """Decides for one contact (a dict or JSON text) and one campaign.

        With ``mapping``, ``contact`` is a row of an export: a dict of its columns (or a
        JSON object's text), read through the mapping. A contact that does not fit the
        schema (or a cell the mapping cannot convert) raises ``DataError`` (its ``record``
        is the error record), or with ``errors="record"`` comes back as an error
        ``Decision``.
        """
        if errors not in ("raise", "record"):
            raise ValueError("errors: 'raise' or 'record'")
        if mapping is not None:
            d = self.decide_many([contact], campaign, threads=1, mapping=mapping)[0]
            if not d.ok and errors == "raise":
                rec = d.to_dict()
                raise DataError(rec.get("error", "data error"), rec)
            return d
        e = self._current()
        status, record = e.decide(_text(contact, "contact"), _text(campaign, "campaign"))
        d = _split(record)
        if status != "ok" and errors == "raise":
            rec = json.loads(d[0])
            raise DataError(rec.get("error", status), rec)
        return Decision(d[0], d[1])

    def decide_many(self, lines: Union[bytes, bytearray, memoryview, str, os.PathLike, Iterable[Json]],
                    campaign: Json, threads: Optional[int] = None,
                    output: Union[str, os.PathLike, None] = None,
                    mapping: Optional["Mapping"] = None) -> Union[Decisions, Dict[str, Any]]:
        """Decides for many contacts and one campaign, in input order, on ``threads``
        threads (default: every core), without the GIL.

        ``lines`` is JSON Lines text (``bytes``, or a ``str`` holding a newline), a path
        (``str`` or ``pathlib.Path``) of a JSON Lines file, or an iterable of contacts
        (dicts or JSON text, one contact each). Every line gets one record, as ``lawful
        check`` writes it: a line that is not JSON, breaks the schema, is blank or too
        long gets an error record in its place. A campaign that cannot be read raises
        ``ValueError``.

        Without ``output``, returns the ``Decisions``, held in memory. With ``output`` (a
        path), the records go to that file, byte for byte as ``lawful check -o output``
        writes them, and the summary (``Decisions.summary()``'s keys) is returned. From a
        path, the file is read and written as the command does it (the same pipeline:
        chunks of lines decided on the threads, written in order), so memory stays a few
        MiB however long the input. ``output`` is written by the command's rule: a file
        is replaced through a temporary beside it, renamed only when complete (a link to
        a file replaces the file it names; a device or named pipe is written as it is;
        a directory or a dangling link is refused with ``OSError``). Ctrl-C stops the
        run and leaves ``output`` as it was.

        With ``mapping`` (``load_mapping``), ``lines`` is a CRM export read through it, as
        ``lawful check --mapping`` reads it: a path or bytes of the export (CSV with its
        header row first, or JSON Lines, as the mapping's ``input`` says), or an iterable
        of rows, each a dict of the export's columns (or a JSON object's text). A cell the
        mapping cannot convert gives its row an error record naming the column, the line
        and the value; a header without a column the mapping reads raises ``ValueError``.
        An export from a path is read whole into memory.
        """
        e = self._current()
        camp = _text(campaign, "campaign")
        if mapping is not None:
            return self._decide_mapped(e, lines, camp, threads, output, mapping)
        path: Optional[str] = None
        if isinstance(lines, str) and "\n" not in lines and lines.strip() and not lines.lstrip().startswith("{"):
            path = lines
        elif isinstance(lines, os.PathLike):
            path = os.fspath(lines)
        if output is not None:
            if not isinstance(output, (str, os.PathLike)):
                raise TypeError(f"output: a path, not {type(output).__name__}")
            out = os.fspath(output)
            if path is not None:
                return _lawful.decide_file_to(e, path, out, camp, threads)
        if path is not None:
            batch = _lawful.decide_file(e, path, camp, threads, 1)
        elif isinstance(lines, (bytes, bytearray, memoryview)):
            batch = _lawful.decide_buffer(e, lines, camp, threads, 1)
        elif isinstance(lines, str):
            batch = _lawful.decide_buffer(e, lines.encode("utf-8", "surrogateescape"), camp, threads, 1)
        else:
            batch = _lawful.decide_texts(e, [_line(x) for x in lines], camp, threads, 1)
        if output is not None:
            _lawful.write_batch(batch, out)
            return batch.summary()
        return Decisions(batch, Version(e.generation, "%016x" % e.source_hash))

    def _decide_mapped(self, e: Any, lines: Any, camp: str, threads: Optional[int], output: Any,
                       mapping: "Mapping") -> Union[Decisions, Dict[str, Any]]:
        if not isinstance(mapping, Mapping):
            raise TypeError(f"mapping: a lawful.Mapping (Policies.load_mapping), not {type(mapping).__name__}")
        m = mapping._handle
        if isinstance(lines, os.PathLike) or (isinstance(lines, str) and "\n" not in lines and lines.strip()
                                              and not lines.lstrip().startswith("{")):
            with open(os.fspath(lines), "rb") as f:
                batch = _lawful.decide_buffer(e, f.read(), camp, threads, 1, m)
        elif isinstance(lines, (bytes, bytearray, memoryview)):
            batch = _lawful.decide_buffer(e, lines, camp, threads, 1, m)
        elif isinstance(lines, str):
            batch = _lawful.decide_buffer(e, lines.encode("utf-8", "surrogateescape"), camp, threads, 1, m)
        else:
            batch = _lawful.decide_texts(e, [_mapped_row(x) for x in lines], camp, threads, 1, m)
        if output is not None:
            if not isinstance(output, (str, os.PathLike)):
                raise TypeError(f"output: a path, not {type(output).__name__}")
            _lawful.write_batch(batch, os.fspath(output))
            return batch.summary()
        return Decisions(batch, Version(e.generation, "%016x" % e.source_hash))

    def decide_frame(self, df: Any, campaign: Json, threads: Optional[int] = None,
                     mapping: Optional["Mapping"] = None):
        """Decides for every row of a pandas DataFrame of contacts (a column per field;
        dotted names such as ``customer.opt_out_offered`` for a record's field; lists such
        as ``consents`` as lists of dicts; missing values are unknown facts). Returns a
        DataFrame with the same index and the columns id, verdict, basis, policy,
        decision, rules, cites, obligations, missing, reason and error (None for rows that
        were decided; such a row's verdict is ``'review'``). With ``mapping``, the columns
        are an export's, read through the mapping."""
        if mapping is not None:
            rows = df.to_dict("records")
            return self.decide_many(rows, campaign, threads=threads, mapping=mapping).to_frame(index=df.index)
        contacts = [_row_contact(r) for r in df.to_dict("records")]
        return self.decide_many(contacts, campaign, threads=threads).to_frame(index=df.index)

    def explain(self, contact: Json, campaign: Json, as_of: Optional[str] = None) -> Dict[str, Any]:
        """How the decision for one contact was made, rule by rule: the object ``lawful
        explain --json`` prints (route, decisions considered, each rule's state, facts and
        citations, the outcome). ``as_of`` ("YYYY-MM-DD") takes the rules in force then.
        A contact that does not fit the schema raises ``DataError``."""
        status, text, record = self._current().explain(_text(contact, "contact"), _text(campaign, "campaign"), as_of or "")
        if status == "data error":
            rec = json.loads(_split(record)[0])
            raise DataError(rec.get("error", status), rec)
        return json.loads(text)

    # -- tests and reloading
    def run_tests(self) -> TestResults:
        """Runs the ``test`` blocks written beside the policies (compiled again from
        ``path``). Raises ``CompileError`` if they no longer compile; a ``.lawc`` has no
        tests (an empty result)."""
        if not self.path or str(self.path).endswith(".lawc"):
            return TestResults()
        ok, text, tests = _lawful.run_tests(str(self.path))
        if not ok:
            raise CompileError(f"{self.path}: the policies do not compile", [], text)
        return TestResults(TestResult(t[0], t[1], t[2], list(t[3])) for t in tests)

    def reload(self) -> bool:
        """Compiles ``path`` again and, if it compiles and its tests pass, makes the new
        version the one that decides (its generation one more). True if the policies
        changed, False if they are the same. ``CompileError`` or ``TestsFailed``: the old
        version serves on. Decisions under way finish on the version they started with."""
        if not self.path:
            raise LawfulError("these policies were not loaded from a path: nothing to reload")
        with self._lock:
            new = _load_engine(_lawful.load_path(str(self.path)), str(self.path))[0]
            old = self._current()
            if new.source_hash == old.source_hash:
                return False
            results = self.run_tests()
            if not results:
                first = results.failed[0]
                raise TestsFailed(f"{len(results.failed)} of {len(results)} tests of the policies fail; the first: "
                                  f"{first.where}: {first.title}", results)
            new.set_generation(old.generation + 1)
            self._engine = new
            return True

    def close(self) -> None:
        """Lets go of the compiled program (decisions already made stay valid)."""
        self._engine = None

    def __enter__(self) -> "Policies":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._engine is None:
            return "<Policies closed>"
        return f"<Policies {self.path or '(bytes)'} {self.version.source_hash} generation {self.version.generation}>"


def _split(record_with_version: str):
    """The API's record with "version" last -> (record, Version)."""
    i = record_with_version.rfind(', "version": ')
    v = json.loads(record_with_version[i + len(', "version": '):-1])
    return record_with_version[:i] + "}", Version(v["generation"], v["source_hash"])


def _load_engine(result, what: str):
    engine, diags, text, message = result
    diagnostics = [Diagnostic(*d) for d in diags]
    if engine is None:
        raise CompileError(message or f"{what}: cannot be loaded", diagnostics, text)
    return engine, diagnostics


def load(path: Union[str, os.PathLike]) -> Policies:
    """Compiles policies: a directory of ``.law`` files (with its routing file), one
    ``.law`` file (its directory's other files available to it), or reads a compiled
    ``.lawc`` file (verified before use). Raises ``CompileError`` with the diagnostics."""
    p = os.fspath(path)
    engine, diags = _load_engine(_lawful.load_path(p), p)
    return Policies(engine, p, diags)


def load_bytecode(data: bytes) -> Policies:
    """Policies from ``.lawc`` bytes (``Policies.bytecode()``), checked and verified
    before use, never compiled again. Raises ``CompileError`` for bytes it refuses."""
    engine, diags = _load_engine(_lawful.load_bytecode(bytes(data)), "bytecode")
    return Policies(engine, None, diags)


def load_source(text: str, name: str = "policy.law") -> Policies:
    """One policy from its text; ``name`` is the file name messages show."""
    engine, diags = _load_engine(_lawful.load_source(name, text), name)
    return Policies(engine, None, diags)
