"""Validating a large dataset in parts: by inspection and by committee paper.

pyshacl holds the whole graph in rdflib and checks one focus node at a time; at a million
triples that is more memory than the service may use and many minutes on one core. But
nearly every resource belongs to one inspection (its visits, reports, revisits,
recommendations, theme assignments, progress updates and their action points, good
practice, conclusions, status reports (a paper's among them), and the passages and selectors only they quote) or to one
committee paper (its findings, timetable entries and recommendations to members), and
every rule in shapes/ about such a resource reads only its own part and the resources
its part refers to (the unit, the programme year, the paper, the source text, the
concepts). So the data is cut into parts:

- an **owner** for each subject: the inspection or paper it belongs to, found along the
  links that make a resource part of another (OWNING, the paper's insp:reportedIn only
  where nothing else owns it); a passage belongs to its users' owner when they all have
  the same one, its selectors with it, an erratum with what it concerns, a blank node with
  the subject that names it; everything else (forces, units, boroughs, the programme,
  source texts, the ontology and concept schemes) is **shared**;
- a **part** is the triples of the subjects an owner owns, with their **context**: the
  triples of every subject they refer to (and the selectors and blank nodes of those),
  of every subject that points at them through a property a shape follows backwards
  (sh:inversePath), and the ontology and concept schemes;
- each part is validated (shacl_engine: pyshacl, its focus nodes found first) for its own
  subjects only (and for nodes no triple describes, such as the classes rdf:type names,
  whose results are the same in every part and are kept once); the shared subjects are
  validated in one part of their own.

The report is the union of the parts' results: the same as pyshacl's over the whole graph
(tests/test_partitions.py checks it on every broken fixture and on synthetic data). Parts
are grouped into batches of about BATCH_LINES triples and validated in worker processes.

Checking one changed inspection needs only its part: an index of the validated data
(ValidationIndex, an SQLite file the build writes) gives its context and the other
parts' results, so `validate_change` re-validates the parts a change touches and gives
the whole report.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .errors import GoingLocalError
from .rdfio import ParsedFile, graph_of, is_node, split_line, term_of, to_nt

INSP = "https://w3id.org/going-local/def/inspection/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
RDF_TYPE = f"<{RDF.type}>"

# Links from a part to what it is part of (child -> parent), tried first.
OWNING = frozenset(f"<{INSP}{name}>" for name in (
    "visitOf", "revisitOf", "recommendationOf", "goodPracticeOf", "conclusionOf", "statusOf",
    "progressOn",
    "pointOf", "assignedTo", "recommendationToMembersOf")) | {f"<{PROV}wasGeneratedBy>"}
# A paper's findings and timetable entries say only which paper reported them.
REPORTED_IN = f"<{INSP}reportedIn>"
# The resources a passage was quoted for, and what an erratum is about.
PASSAGE_USERS = frozenset({f"<{INSP}sourcePassage>", f"<{PROV}wasDerivedFrom>", f"<{OA}hasTarget>"})
SELECTOR = f"<{OA}hasSelector>"
CONCERNS = f"<{INSP}concerns>"
ROOT_TYPES = {f"<{INSP}Inspection>": "inspection", f"<{INSP}CommitteePaper>": "paper"}

BATCH_LINES = 10_000
SHARED = ""  # the owner key of the shared part


# --- Owners ----------------------------------------------------------------------------------

class Ownership:
    """Each subject's owner (an inspection's or paper's N-Triples term, or SHARED).

    `lines_of(subject)` gives a subject's lines; `referrers(object, predicates)` the
    subjects with a line (subject, predicate, object) for one of the predicates."""

    def __init__(self, lines_of: Callable[[str], list[str]],
                 referrers: Callable[[str, frozenset], set[str]],
                 known: Callable[[str], str | None] = lambda s: None):
        self.lines_of = lines_of
        self.referrers = referrers
        self.known = known  # owners already decided (the index's), for subjects left as they were
        self.owners: dict[str, str] = {}
        self._busy: set[str] = set()

    def owner(self, subject: str) -> str:
        found = self.owners.get(subject)
        if found is not None:
            return found
        known = self.known(subject)
        if known is not None:
            return known
        if subject in self._busy:  # a cycle of parts: shared
            return SHARED
        self._busy.add(subject)
        try:
            found = self._decide(subject)
        finally:
            self._busy.discard(subject)
        self.owners[subject] = found
        return found

    def _decide(self, subject: str) -> str:
        owning, reported, types, concerns = set(), set(), set(), set()
        for line in self.lines_of(subject):
            _, predicate, obj = split_line(line)
            if predicate in OWNING:
                owning.add(obj)
            elif predicate == REPORTED_IN:
                reported.add(obj)
            elif predicate == RDF_TYPE:
                types.add(obj)
            elif predicate == CONCERNS:
                concerns.add(obj)
        if any(t in ROOT_TYPES for t in types):
            return subject
        for parents in (owning, concerns, reported):
            if parents:
                return self._unique(parents)
        # A passage: its users' owner; a selector or blank node: its referrer's.
        users = self.referrers(subject, PASSAGE_USERS)
        if users:
            return self._unique(users)
        holders = self.referrers(subject, frozenset({SELECTOR}))
        if holders:
            return self._unique(holders)
        if subject.startswith("_:"):
            holders = self.referrers(subject, frozenset())
            if holders:
                return self._unique(holders)
        return SHARED

    def _unique(self, nodes: Iterable[str]) -> str:
        owners = {self.owner(n) if is_node(n) else SHARED for n in nodes}
        return owners.pop() if len(owners) == 1 else SHARED


# --- The data in parts, in memory --------------------------------------------------------------

@dataclass
class PartedData:
    """Every line of the data and model by subject, each subject's owner and files."""

    by_subject: dict[str, list[str]]
    owner: dict[str, str]
    files: dict[str, list[str]]
    model_subjects: set[str]
    inverse: frozenset  # predicates (N-Triples) some shape follows backwards
    referred: dict[str, set[str]] = field(default_factory=dict)  # object -> subjects, for those

    @property
    def parts(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for subject, owner in self.owner.items():
            found.setdefault(owner, []).append(subject)
        return found

    def context(self, owner: str, subjects: Iterable[str]) -> set[str]:
        return context_of(owner, subjects, self.by_subject.get, self.owner.get,
                          lambda o: self.referred.get(o, ()), self.model_subjects)


def inverse_predicates(shapes: Graph) -> frozenset:
    """Every predicate a shape follows backwards (sh:inversePath), in N-Triples form."""
    return frozenset(f"<{p}>" for p in shapes.objects(None, SH.inversePath) if isinstance(p, URIRef))


def part_data(data: list[ParsedFile], model: list[ParsedFile], shapes: Graph) -> PartedData:
    """The data cut into parts (see the module's description)."""
    by_subject: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}
    users: dict[str, set[str]] = {}
    holders: dict[str, set[str]] = {}
    referred: dict[str, set[str]] = {}
    inverse = inverse_predicates(shapes)
    model_subjects: set[str] = set()
    for parsed in [*data, *model]:
        in_model = parsed in model
        for line in parsed.lines:
            subject, predicate, obj = split_line(line)
            lines = by_subject.get(subject)
            if lines is None:
                lines = by_subject[subject] = []
                files[subject] = [parsed.where]
            elif files[subject][-1] != parsed.where and parsed.where not in files[subject]:
                files[subject].append(parsed.where)
            lines.append(line)
            if in_model:
                model_subjects.add(subject)
            if predicate in PASSAGE_USERS:
                users.setdefault(obj, set()).add(subject)
            elif predicate == SELECTOR:
                holders.setdefault(obj, set()).add(subject)
            if predicate in inverse:
                referred.setdefault(obj, set()).add(subject)
            if obj[:2] == "_:":
                holders.setdefault(obj, set()).add(subject)

    def referrers(obj: str, predicates: frozenset) -> set[str]:
        if predicates == PASSAGE_USERS:
            return users.get(obj, set())
        return holders.get(obj, set())

    ownership = Ownership(lambda s: by_subject.get(s, []), referrers,
                          lambda s: SHARED if s in model_subjects else None)
    owner = {subject: ownership.owner(subject) for subject in by_subject}
    return PartedData(by_subject, owner, files, model_subjects, inverse, referred)


def context_of(owner: str, subjects: Iterable[str], lines_of, owner_of, referred_by,
               model_subjects: Iterable[str]) -> set[str]:
    """The subjects whose lines a part needs besides its own (see the module's description)."""
    own = set(subjects)
    wanted: set[str] = set()

    def add(candidate: str) -> None:
        if candidate not in own and lines_of(candidate) is not None:
            wanted.add(candidate)

    for subject in own:
        for line in lines_of(subject) or ():
            obj = split_line(line)[2]
            if is_node(obj):
                add(obj)
        for referrer in referred_by(subject):
            add(referrer)
    for subject in list(wanted):  # the selectors and blank nodes of what is referred to
        for line in lines_of(subject) or ():
            _, predicate, obj = split_line(line)
            if predicate == SELECTOR or obj[:2] == "_:":
                add(obj)
    if owner != SHARED:
        wanted.update(s for s in model_subjects if s not in own)
    return wanted


# --- Batches ---------------------------------------------------------------------------------

@dataclass
class Batch:
    owners: list[str]
    own: list[str]       # lines of the owned subjects
    context: list[str]   # lines of the context subjects


def batches(data: PartedData, batch_lines: int | None = None,
            only: Iterable[str] | None = None) -> Iterator[Batch]:
    """The parts (all, or only those named) in batches of about `batch_lines` own lines."""
    batch_lines = batch_lines or BATCH_LINES
    parts = data.parts
    names = sorted(parts if only is None else [o for o in only if o in parts],
                   key=lambda o: (o != SHARED, o))
    pending: list[str] = []
    size = 0
    for name in names:
        pending.append(name)
        size += sum(len(data.by_subject[s]) for s in parts[name])
        if size >= batch_lines:
            yield _batch(data, parts, pending)
            pending, size = [], 0
    if pending:
        yield _batch(data, parts, pending)


def _batch(data: PartedData, parts: dict, owners: list[str]) -> Batch:
    own_subjects = [s for o in owners for s in parts[o]]
    context: set[str] = set()
    for o in owners:
        context |= data.context(o, parts[o])
    context -= set(own_subjects)
    return Batch(list(owners), [line for s in own_subjects for line in data.by_subject[s]],
                 [line for s in sorted(context) for line in data.by_subject[s]])


# --- Validating one batch (in a worker, or here) -----------------------------------------------

class BatchValidator:
    """Validates batches against one shapes graph, whose blank nodes keep their labels."""

    def __init__(self, shapes_nt: str):
        from .shacl_engine import Plan

        self.shapes = graph_of(shapes_nt.splitlines())
        self.plan = Plan(self.shapes)

    def validate(self, own: list[str], context: list[str]) -> str:
        """The report graph, as N-Triples, of the batch's own subjects (and of nodes that
        no line of it describes)."""
        from .shacl_engine import run_pyshacl

        lines = own + context
        graph = graph_of(lines)
        outside = {term_of(split_line(line)[0]) for line in context}
        if self.plan.supported:
            focus = self.plan.focus_nodes(graph, lines, lambda n: n not in outside)
            report = run_pyshacl(graph, self.plan.shapes_graph(focus))
        else:
            report = run_pyshacl(graph, self.shapes)
            report = _only_results(report, lambda n: n not in outside)
        return report.serialize(format="nt") if not isinstance(report, str) else report


def _only_results(report: Graph, keep: Callable[[Node], bool]) -> Graph:
    kept = Graph()
    kept += report
    for result in list(report.subjects(SH.focusNode, None)):
        if not keep(report.value(result, SH.focusNode)):
            kept.remove((None, SH.result, result))
    return kept


# --- Worker processes -------------------------------------------------------------------------

def _worker_main(argv: list[str]) -> int:
    from .query_workers import die_with_parent, recv_message, send_message

    sock_fd, parent_pid = int(argv[0]), int(argv[1])
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=sock_fd)
    header, body = recv_message(sock)
    validator = BatchValidator(body.decode("utf-8"))
    send_message(sock, {"status": "ready"})
    while True:
        try:
            header, body = recv_message(sock)
        except (EOFError, ConnectionError):
            return 0
        lines = body.decode("utf-8").split("\n") if body else []
        own, context = lines[:header["own"]], lines[header["own"]:]
        try:
            started = time.perf_counter()
            report = validator.validate(own, context)
            send_message(sock, {"status": "ok", "seconds": time.perf_counter() - started},
                         report.encode("utf-8"))
        except Exception as error:  # noqa: BLE001 - reported, and the build stops
            send_message(sock, {"status": "failed", "message": f"{type(error).__name__}: {error}"})


class _Worker:
    def __init__(self, shapes_nt: bytes):
        from .query_workers import PACKAGE_ROOT

        parent_end, child_end = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.partitions", str(child_end.fileno()), str(os.getpid())],
            pass_fds=(child_end.fileno(),), env=env, stdin=subprocess.DEVNULL)
        child_end.close()
        self.sock = parent_end
        from .query_workers import send_message
        send_message(self.sock, {"kind": "shapes"}, shapes_nt)

    def ready(self) -> None:
        from .query_workers import recv_message
        header, _ = recv_message(self.sock)
        if header.get("status") != "ready":
            raise GoingLocalError(f"a validation worker did not start: {header}")

    def run(self, batch: Batch) -> tuple[dict, str]:
        from .query_workers import recv_message, send_message
        body = "\n".join(batch.own + batch.context).encode("utf-8")
        send_message(self.sock, {"own": len(batch.own)}, body)
        header, report = recv_message(self.sock)
        return header, report.decode("utf-8")

    def stop(self) -> None:
        self.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def validate_batches(batch_list: Iterable[Batch], shapes: Graph, workers: int = 0) -> list[tuple[Batch, str]]:
    """Each batch's report (N-Triples), in `workers` processes (0: here)."""
    shapes_nt = shapes.serialize(format="nt", encoding="utf-8")
    if workers <= 0:
        validator = BatchValidator(shapes_nt.decode("utf-8"))
        return [(b, validator.validate(b.own, b.context)) for b in batch_list]
    pool = [_Worker(shapes_nt) for _ in range(workers)]
    results: list[tuple[Batch, str]] = []
    errors: list[str] = []
    lock = threading.Lock()
    source = iter(batch_list)

    def serve(worker: _Worker) -> None:
        worker.ready()
        while True:
            with lock:
                if errors:
                    return
                batch = next(source, None)
            if batch is None:
                return
            header, report = worker.run(batch)
            with lock:
                if header.get("status") != "ok":
                    errors.append(header.get("message", "failed"))
                    return
                results.append((batch, report))

    threads = [threading.Thread(target=_guarded(serve, errors), args=(w,)) for w in pool]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for w in pool:
            w.stop()
    if errors:
        raise GoingLocalError(f"validation failed: {errors[0]}")
    return results


def _guarded(function, errors: list):
    def run(*args):
        try:
            function(*args)
        except Exception as error:  # noqa: BLE001
            errors.append(f"{type(error).__name__}: {error}")
    return run


# --- Putting the reports together ----------------------------------------------------------------

def merge_reports(reports: Iterable[str]) -> Graph:
    """One report graph of the batches' reports: each result once (a node no batch owns may
    be checked in several), under one sh:ValidationReport."""
    merged = Graph()
    seen: set = set()
    conforms = True
    report_node = BNode()
    for text in reports:
        part = graph_of(text.splitlines()) if text else Graph()
        for old in part.subjects(RDF.type, SH.ValidationReport):
            for result in part.objects(old, SH.result):
                key = result_key(part, result)
                if key in seen:
                    continue
                seen.add(key)
                merged += _subgraph(part, result)
                merged.add((report_node, SH.result, result))
                severity = part.value(result, SH.resultSeverity)
                if severity is None or severity == SH.Violation:
                    conforms = False
    merged.add((report_node, RDF.type, SH.ValidationReport))
    merged.add((report_node, SH.conforms, Literal(conforms)))
    return merged


def result_key(graph: Graph, result: Node) -> tuple:
    def value(p):
        v = graph.value(result, p)
        return _shape_of(graph, v) if isinstance(v, BNode) else v
    return tuple(value(p) for p in (SH.resultSeverity, SH.focusNode, SH.resultPath, SH.value,
                                    SH.sourceShape, SH.sourceConstraintComponent)) + (
        tuple(sorted(str(m) for m in graph.objects(result, SH.resultMessage))),)


def _shape_of(graph: Graph, node: Node) -> str:
    return " ".join(sorted(f"{p} {_shape_of(graph, o) if isinstance(o, BNode) else o.n3()}"
                           for p, o in graph.predicate_objects(node)))


def _subgraph(graph: Graph, node: Node) -> Iterator[tuple]:
    """The triples of `node` and of the blank nodes below it."""
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in graph.predicate_objects(current):
            yield current, p, o
            if isinstance(o, BNode):
                stack.append(o)


# --- The whole dataset ---------------------------------------------------------------------------

def validate_parted(data: PartedData, shapes: Graph, workers: int = 0,
                    batch_lines: int | None = None) -> tuple[Graph, dict[str, str]]:
    """The report of the whole dataset, validated in parts; and each batch's report by the
    owners it held (for the index)."""
    done = validate_batches(batches(data, batch_lines), shapes, workers)
    by_owner = {"\n".join(batch.owners): report for batch, report in done}
    return merge_reports(report for _, report in done), by_owner


# --- The index the build keeps, for checking a change ---------------------------------------------

INDEX_SCHEMA = """
CREATE TABLE lines (subject TEXT NOT NULL, owner TEXT NOT NULL, file TEXT NOT NULL,
                    predicate TEXT NOT NULL, object TEXT, line TEXT NOT NULL);
CREATE TABLE reports (owners TEXT NOT NULL, report TEXT NOT NULL);
CREATE TABLE model (subject TEXT PRIMARY KEY);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
INDEX_INDEXES = """
CREATE INDEX lines_subject ON lines (subject);
CREATE INDEX lines_owner ON lines (owner);
CREATE INDEX lines_file ON lines (file);
CREATE INDEX lines_object ON lines (object);
"""


def write_index(path: Path, data: PartedData, line_files: dict[str, list[str]],
                reports: dict[str, str], meta: dict[str, str]) -> None:
    """The validated data's lines with their owners and files, and each batch's report."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + INDEX_SCHEMA)

        def rows():
            for where, lines in line_files.items():
                for line in lines:
                    subject, predicate, obj = split_line(line)
                    yield (subject, data.owner[subject], where, predicate,
                           obj if is_node(obj) else None, line)
        db.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?)", rows())
        db.executemany("INSERT INTO reports VALUES (?, ?)", reports.items())
        db.executemany("INSERT INTO model VALUES (?)", ((s,) for s in sorted(data.model_subjects)))
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.executescript(INDEX_INDEXES)
        db.commit()
    finally:
        db.close()


class ValidationIndex:
    """The build's index of the validated data (write_index), read for a change."""

    def __init__(self, path: Path):
        if not Path(path).is_file():
            raise GoingLocalError(f"{path}: no validation index here; run `going-local build` first")
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def file_lines(self, where: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT line FROM lines WHERE file = ?", (where,))]

    def lines_of(self, subject: str) -> list[str] | None:
        rows = [r[0] for r in self.db.execute("SELECT line FROM lines WHERE subject = ?", (subject,))]
        return rows or None

    def owner_of(self, subject: str) -> str | None:
        row = self.db.execute("SELECT owner FROM lines WHERE subject = ? LIMIT 1", (subject,)).fetchone()
        return row[0] if row else None

    def subjects_of(self, owner: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT subject FROM lines WHERE owner = ?", (owner,))]

    def referrers(self, obj: str, predicates: Iterable[str] | None = None) -> set[str]:
        rows = self.db.execute("SELECT subject, predicate FROM lines WHERE object = ?", (obj,))
        wanted = set(predicates) if predicates else None
        return {s for s, p in rows if wanted is None or p in wanted}

    def owners_referring(self, obj: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT owner FROM lines WHERE object = ?", (obj,))}

    def files_of(self, subject: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT file FROM lines WHERE subject = ? GROUP BY file ORDER BY MIN(rowid)", (subject,))]

    def model_subjects(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT subject FROM model")]

    def reports(self) -> list[tuple[list[str], str]]:
        return [(owners.split("\n"), report) for owners, report in
                self.db.execute("SELECT owners, report FROM reports")]

    def close(self) -> None:
        self.db.close()


@dataclass
class Change:
    """What re-validating a change did: the parts it checked and the lines they held."""

    owners: list[str]
    own_lines: int
    context_lines: int
    seconds: float


def validate_change(index: ValidationIndex, changed: dict[str, list[str]], shapes: Graph
                    ) -> tuple[Graph, Change, Callable[[str], list[str]]]:
    """The report of the indexed data with the files in `changed` (display path -> its new
    lines) as they are now: only the parts the change touches are validated again, the
    others' results come from the index. Also returns the files of each subject."""
    started = time.perf_counter()
    old_lines: dict[str, set[str]] = {w: set(index.file_lines(w)) for w in changed}
    new_lines: dict[str, set[str]] = {w: set(lines) for w, lines in changed.items()}
    touched: set[str] = set()
    for where in changed:
        for line in old_lines[where] ^ new_lines[where]:
            touched.add(split_line(line)[0])

    # Every line of a touched subject as it is now: its lines in other files stay.
    now: dict[str, list[str]] = {}
    for subject in touched:
        kept = [line for line in (index.lines_of(subject) or [])
                if not any(line in old_lines[w] for w in changed)]
        now[subject] = kept
    for where, lines in changed.items():
        for line in lines:
            subject = split_line(line)[0]
            if subject in touched:
                now[subject].append(line)
    now = {s: sorted(set(lines), key=lines.index) for s, lines in now.items()}
    model = set(index.model_subjects())

    def lines_of(subject: str) -> list[str] | None:
        if subject in now:
            return now[subject] or None
        return index.lines_of(subject)

    def referrers(obj: str, predicates: frozenset) -> set[str]:
        found = {s for s in index.referrers(obj, predicates or None) if s not in touched}
        for subject, lines in now.items():
            for line in lines:
                _, p, o = split_line(line)
                if o == obj and (not predicates or p in predicates):
                    found.add(subject)
        return found

    ownership = Ownership(lambda s: lines_of(s) or [], referrers,
                          lambda s: SHARED if s in model else (None if s in now else index.owner_of(s)))
    owners: set[str] = set()
    for subject in touched:
        before = index.owner_of(subject)
        if before is not None:
            owners.add(before)
        if now[subject]:
            owners.add(ownership.owner(subject))
    # A shared subject that changed is in the context of every part that refers to it.
    for subject in touched:
        if (index.owner_of(subject) or SHARED) == SHARED or ownership.owners.get(subject) == SHARED:
            owners |= index.owners_referring(subject)
            owners.add(SHARED)

    # The parts' subjects as they are now.
    members: dict[str, set[str]] = {o: set() for o in owners}
    for o in owners:
        for subject in index.subjects_of(o):
            if subject not in touched:
                members[o].add(subject)
    for subject in touched:
        if now[subject]:
            o = ownership.owner(subject)
            if o in members:
                members[o].add(subject)
    own_subjects = set().union(*members.values()) if members else set()
    inverse = inverse_predicates(shapes)

    def referred_by(subject: str) -> set[str]:
        return referrers(subject, inverse) if inverse else set()

    context: set[str] = set()
    for o, subjects in members.items():
        context |= context_of(o, subjects, lines_of, lambda s: None, referred_by, model)
    context -= own_subjects
    own = [line for s in sorted(own_subjects) for line in (lines_of(s) or [])]
    ctx = [line for s in sorted(context) for line in (lines_of(s) or [])]
    shapes_nt = shapes.serialize(format="nt", encoding="utf-8").decode("utf-8")
    report = BatchValidator(shapes_nt).validate(own, ctx)

    kept = [text for batch_owners, text in index.reports() if not (set(batch_owners) & owners)]
    # A batch that held a changed part also held others: their results are kept from it.
    for batch_owners, text in index.reports():
        if set(batch_owners) & owners and set(batch_owners) - owners:
            kept.append(_results_not_owned_by(text, owners, index, touched, ownership))
    merged = merge_reports([*kept, report])

    def files_of(subject: str) -> list[str]:
        found = index.files_of(subject)
        for where, lines in changed.items():
            has_now = any(split_line(line)[0] == subject for line in lines)
            if has_now and where not in found:
                found.append(where)
            elif not has_now and where in found and subject in touched:
                found.remove(where)
        return found

    change = Change(sorted(owners), len(own), len(ctx), time.perf_counter() - started)
    return merged, change, files_of


def _results_not_owned_by(text: str, owners: set[str], index: ValidationIndex, touched: set[str],
                          ownership: Ownership) -> str:
    """A batch's report without the results on subjects of the given parts."""
    graph = graph_of(text.splitlines())
    for result in list(graph.subjects(SH.focusNode, None)):
        focus = graph.value(result, SH.focusNode)
        key = to_nt(focus) if isinstance(focus, (URIRef, BNode)) else None
        if key is None:
            continue
        owner = ownership.owner(key) if key in touched else index.owner_of(key)
        if owner in owners:
            graph.remove((None, SH.result, result))
    return graph.serialize(format="nt")


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
