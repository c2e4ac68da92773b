"""`going-local add FILE.yaml [--source-file PATH ...]`: a steward's record into the data.

The record (an inspection, or a later committee paper its updates are reported in) is
compiled with every other record by the one compiler, as if it were already in its place
under curation/; an inspection already in the data must keep every earlier dated fact
(history.py); the whole graph is then validated against the shapes. Only when all of
that passes are the compiled Turtle, the record and any new source text written: each to
a temporary file first, then renamed into place, and put back as it was if a rename
fails. A refusal leaves data/ and curation/ exactly as they were.

Every problem names the record's file, line and field: compile errors (CurationError)
as the compiler words them, SHACL violations through the URI of the resource at fault,
mapped back to the entry of the record that made it (blame.py).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..config import CANONICAL_BASE, Settings
from ..errors import GoingLocalError
from ..loading import LoadedGraph, display_path, load_model, merge, parse_turtle, turtle_files
from ..validation import Result, ValidationReport, load_shapes, validate
from .compiler import INSPECTIONS, Output, compile_all, record_slot, stale_outputs
from .errors import CurationError
from .history import Lost, lost_facts
from .records import load_record

ID = f"{CANONICAL_BASE}/id/"


class Refused(Exception):
    """The record compiles, but the data it makes does not conform to the shapes, or it
    drops an earlier dated fact: one line per problem."""

    def __init__(self, lines: list[str], summary: str):
        super().__init__(summary)
        self.lines, self.summary = lines, summary


@dataclass
class Added:
    slot: Path  # the record's place under curation/
    target: Path  # the compiled Turtle under data/
    update: bool
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- Source texts --------------------------------------------------------------------------

def stage_sources(settings: Settings, files: list[Path]) -> tuple[dict[str, Path], list[tuple[Path, bytes]]]:
    """The source texts a steward brings, by slug (their file name without its suffix),
    and what to copy into data/sources/. A source already there is never replaced: the
    offsets and digests in the data count into it."""
    sources_dir = settings.root / "data" / "sources"
    by_slug: dict[str, Path] = {}
    copies: list[tuple[Path, bytes]] = []
    for given in files:
        path = Path(given)
        if not path.is_file():
            raise GoingLocalError(f"{display_path(path)}: no such source file")
        body = path.read_bytes()
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            line = body[: error.start].count(b"\n") + 1
            raise GoingLocalError(f"{display_path(path)}:{line}: a source text must be UTF-8 "
                                  f"({error.reason})") from None
        slug = path.stem
        if slug in by_slug:
            raise GoingLocalError(f"{display_path(path)}: two source files named {slug}")
        target = sources_dir / path.name
        others = [p for p in sources_dir.glob(f"{slug}.*") if p.name != path.name]
        if others:
            raise GoingLocalError(f"{display_path(path)}: data/sources/ already has {others[0].name} "
                                  f"for the source '{slug}'; give the new text another name")
        if target.exists() and target.read_bytes() != body:
            raise GoingLocalError(
                f"{display_path(path)}: data/sources/{path.name} already exists with other "
                "content, and a source text is never replaced (the data's offsets and digests "
                "count into it): give the new text another name")
        by_slug[slug] = path
        if not target.exists():
            copies.append((target, body))
    return by_slug, copies


# --- Validation, blamed on the record ---------------------------------------------------------

def _short(node: Node | None) -> str:
    text = str(node)
    return text[len(ID):] if text.startswith(ID) else text


def _shorten(message: str) -> str:
    """A shape's message with the dataset's IRIs as their paths: inspection/2004-05/..."""
    return message.replace(ID, "").replace(f"{CANONICAL_BASE}/", "")


def explain(result: Result, outputs: list[Output], target: Output,
            report: ValidationReport) -> tuple[tuple, str]:
    """A SHACL result as a steward reads it: file:line: field: message, through the
    record entry that made the resource at fault; else the resource and the shape. With
    a key: results that come of one mistake (two entries making one resource) share it."""
    blames = [target] + [o for o in outputs if o is not target and o.blame is not None]
    message = _shorten(result.message)
    for output in blames:
        blame = output.blame
        for node, path in ((result.focus, result.path), (result.value, None)):
            if node is None or node not in blame:
                continue
            makers = blame.makers(node)
            if len(makers) > 1:  # two entries made one resource: that is the mistake
                culprit = blame.keys.get(node) or makers[-1]
                first = makers[0]
                line = (f"{culprit.path}:{culprit.line}: {culprit.name}: {makers[-1].name} makes "
                        f"{_short(node)} again, as {first.name} (line {first.line}) does, so both "
                        f"are merged into one resource, which breaks the shapes ({message})")
                return (str(culprit.path), culprit.line, culprit.name), line
            culprit = blame.field_of(node, path)
            also = ""
            elsewhere = [f for f in result.files if f != display_path(output_path(output))]
            if elsewhere and node == result.focus:
                also = f" [{_short(node)} is also described in {', '.join(elsewhere)}]"
            line = f"{culprit.path}:{culprit.line}: {culprit.name or 'record'}: {message}{also}"
            return (line,), line
    files = ", ".join(result.files) or "no file"
    shape = report.shortener.term(result.shape) if isinstance(result.shape, URIRef) else "a shape"
    path = f" ({report.path_text(result.path)})" if result.path is not None else ""
    line = f"{_short(result.focus)} ({files}){path}: {message} [{shape}]"
    return (line,), line


def output_path(output: Output) -> Path:
    return getattr(output, "data_path", output.path)


def _loaded(output: Output, data_dir: Path) -> LoadedGraph:
    output.data_path = data_dir / output.path  # type: ignore[attr-defined]
    where = display_path(output.data_path)
    return LoadedGraph(output.graph, [where], {s: [where] for s in set(output.graph.subjects())})


def validate_outputs(settings: Settings, outputs: list[Output]) -> ValidationReport:
    """The whole graph as it will be once written: every compiled output, and any Turtle
    in data/ that no record compiles to, with the ontology, against shapes/."""
    compiled = {settings.data_dir / o.path for o in outputs}
    parts = [_loaded(o, settings.data_dir) for o in outputs]
    for path in turtle_files([settings.data_dir], allow_empty=True):
        if path not in compiled:
            graph = parse_turtle(path)
            parts.append(LoadedGraph(graph, [display_path(path)],
                                     {s: [display_path(path)] for s in set(graph.subjects())}))
    model = load_model(base=CANONICAL_BASE, ontology_dir=settings.ontology_dir)
    shapes = load_shapes(settings.shapes_dir, base=CANONICAL_BASE) if settings.shapes_dir.is_dir() \
        else LoadedGraph(Graph())
    return validate(merge(*parts), model, shapes)


# --- Writing, all or nothing ------------------------------------------------------------------

def write_all(files: list[tuple[Path, bytes]]) -> list[Path]:
    """Write every file or none: each to a temporary file beside it, then each renamed
    into place; if anything fails, the files already renamed get their old bytes back
    (or are removed), and folders made for them are removed again."""
    made: list[Path] = []
    staged: list[tuple[str, Path]] = []
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        for target, body in files:
            missing = []
            parent = target.parent
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                                 dir=target.parent)
            staged.append((temporary, target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(body)
            os.chmod(temporary, 0o644)
        for temporary, target in staged:
            before = target.read_bytes() if target.exists() else None
            os.replace(temporary, target)
            replaced.append((target, before))
    except BaseException:
        for target, before in reversed(replaced):
            if before is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(before)
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return [target for target, _ in files]


def turtle_bytes(output: Output) -> bytes:
    """An output as `going-local curate` writes it."""
    return output.graph.serialize(format="turtle").encode("utf-8")


# --- The command ----------------------------------------------------------------------------

def add_record(settings: Settings, record_path: Path, source_files: list[Path] | None = None) -> Added:
    """Add (or update) one record. Raises CurationError (unusable record: exit 2),
    GoingLocalError (unusable files: exit 2) or Refused (exit 1); writes only on success."""
    record_path = Path(record_path)
    if not record_path.is_file():
        raise GoingLocalError(f"{display_path(record_path)}: no such record file")
    record = load_record(record_path)
    slot = record_slot(settings, record).absolute()
    sources, copies = stage_sources(settings, list(source_files or []))
    outputs = compile_all(settings, replace={slot: record_path}, extra_sources=sources)
    target = next(o for o in outputs if o.record == record_path)
    published = settings.data_dir / target.path
    update = published.exists()

    problems: list[str] = []
    if update and target.path.parts[0] == INSPECTIONS:
        old = Graph().parse(published, format="turtle")
        old_blame = None
        if slot.exists() and slot != record_path.absolute():
            try:  # the earlier record, to say where it had what the new one lost
                old_blame = next((o.blame for o in compile_all(settings) if o.path == target.path), None)
            except CurationError:
                old_blame = None
        lost: list[Lost] = lost_facts(old, target.graph, target.blame, old_blame,
                                      display_path(slot))
        problems.extend(str(item) for item in lost)
    if problems:
        raise Refused(problems, f"refused: the update loses {len(problems)} earlier dated "
                                f"fact{'s' if len(problems) != 1 else ''}; nothing was written")

    report = validate_outputs(settings, outputs)
    violations = [r for r in report.results if r.severity == SH.Violation]
    if violations:
        explained = dict(explain(r, outputs, target, report) for r in reversed(violations))
        lines = sorted(set(explained.values()), key=_line_order)
        raise Refused(lines, f"refused: {len(violations)} SHACL violation"
                             f"{'s' if len(violations) != 1 else ''}; nothing was written")
    warnings = [explain(r, outputs, target, report)[1] for r in report.results
                if r.severity != SH.Violation and (r.focus in target.blame or r.value in target.blame)]

    writes = [(settings.data_dir / o.path, turtle_bytes(o))
              for o in stale_outputs_of(outputs, settings.data_dir)]
    record_bytes = record_path.read_bytes()
    if not slot.exists() or slot.read_bytes() != record_bytes:
        writes.append((slot, record_bytes))
    writes.extend(copies)
    written = write_all(writes)
    return Added(slot, published, update, written, warnings)


def stale_outputs_of(outputs: list[Output], data_dir: Path) -> list[Output]:
    stale = set(stale_outputs(outputs, data_dir))
    return [o for o in outputs if data_dir / o.path in stale]


def _line_order(line: str) -> tuple:
    parts = line.split(":", 2)
    number = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 10**9
    return (parts[0], number, line)


def describe_added(added: Added, root: Path) -> str:
    def rel(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else display_path(path)

    what = rel(added.slot).removeprefix("curation/").removesuffix(".yaml")
    verb = "updated" if added.update else "added"
    files = ", ".join(rel(p) for p in added.written) or "nothing new to write"
    return f"{verb} {what}: {files}"
