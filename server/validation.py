"""Validating the data, with the ontology and concept schemes, against the SHACL shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .config import CANONICAL_BASE, load_settings
from .errors import GoingLocalError
from .loading import LoadedGraph, display_path, load_data, load_model, load_turtle, merge, rebase_iri
from .names import Shortener
from .queries import rebase_query

SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}

# SHACL path operators, as they are written in SPARQL property paths.
PATH_SUFFIX = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


@dataclass
class Result:
    """One SHACL validation result, with the files its focus node is stated in."""

    severity: URIRef
    focus: Node
    path: Node | None
    value: Node | None
    message: str
    shape: Node | None
    component: URIRef | None
    files: list[str] = field(default_factory=list)

    @property
    def severity_name(self) -> str:
        return _local_name(self.severity)


@dataclass
class ValidationReport:
    conforms: bool
    results: list[Result]
    report_graph: Graph
    data: LoadedGraph
    shapes: LoadedGraph
    shortener: Shortener
    # The triples and files checked; from `data` unless the data was checked in parts
    # (server/partitions.py), when `data` holds only what the rendering needs.
    triples: int | None = None
    data_files: list[str] | None = None

    def __post_init__(self):
        if self.triples is None:
            self.triples = len(self.data.graph)
        if self.data_files is None:
            self.data_files = list(self.data.files)

    def count(self, severity: URIRef) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count(SH.Violation)

    def path_text(self, path: Node | None, name=None) -> str:
        """A SHACL property path written as a SPARQL property path."""
        name = name or self.shortener.term
        return _path_text(self.report_graph, path, name) if path is not None else ""

    def summary_line(self) -> str:
        warnings, infos = self.count(SH.Warning), self.count(SH.Info)
        counts = (f"{_plural(self.violations, 'violation')}, {_plural(warnings, 'warning')}, "
                  f"{_plural(infos, 'info')}")
        scope = (f"{_plural(self.triples, 'triple')} from {_plural(len(self.data_files), 'file')} "
                 f"checked against {_plural(len(self.shapes.files), 'shapes file')}")
        if self.conforms:
            return f"Conforms: {counts}; {scope}."
        resources = len({r.focus for r in self.results if r.severity == SH.Violation})
        return f"Does not conform: {counts} (violations on {_plural(resources, 'resource')}); {scope}."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _local_name(iri: Node | None) -> str:
    text = str(iri or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _path_text(graph: Graph, path: Node, name) -> str:
    if isinstance(path, URIRef):
        return name(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, step, name) for step in Collection(graph, path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _wrap(graph, inverse, name)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, a, name) for a in Collection(graph, alternatives)) + ")"
    for operator, suffix in PATH_SUFFIX.items():
        inner = graph.value(path, operator)
        if inner is not None:
            return _wrap(graph, inner, name) + suffix
    return name(path)


def _wrap(graph: Graph, path: Node, name) -> str:
    text = _path_text(graph, path, name)
    return text if isinstance(path, URIRef) else f"({text})"


def shape_files(shapes_dir: str | Path) -> list[Path]:
    """Every shapes/*.ttl; an empty folder is allowed (no shapes: nothing to break)."""
    folder = Path(shapes_dir)
    if not folder.is_dir():
        raise GoingLocalError(f"{display_path(folder)}: no such folder of shapes")
    return sorted(p for p in folder.glob("*.ttl") if p.is_file())


def load_shapes(shapes_dir: str | Path | None = None, base: str | None = None) -> LoadedGraph:
    """The shapes in shapes_dir; by default shapes/, where a clone with no shapes yet has
    no folder at all (git keeps no empty folders), which means no shapes."""
    if shapes_dir is None:
        shapes_dir = load_settings().shapes_dir
        if not shapes_dir.exists():
            return LoadedGraph(Graph())
    shapes = load_turtle(shape_files(shapes_dir), base=base, allow_empty=True)
    rebase_sparql(shapes.graph, base if base is not None else load_settings().base)
    return shapes


# Where SPARQL-based shapes keep IRIs in literals, out of reach of loading's rebase().
SPARQL_TEXT = (SH.select, SH.ask, SH.construct, SH.update)


def rebase_sparql(shapes: Graph, base: str) -> None:
    """Move the IRIs inside SPARQL constraints' text and sh:namespace declarations to
    `base`, as loading moved every other IRI: otherwise, served under another base, a
    SPARQL constraint would look for IRIs the data no longer has, and quietly pass."""
    base = base.rstrip("/")
    if base == CANONICAL_BASE:
        return
    for predicate in SPARQL_TEXT:
        for node, text in list(shapes.subject_objects(predicate)):
            moved = rebase_query(str(text), base)
            if moved != str(text):
                shapes.set((node, predicate, Literal(moved, datatype=text.datatype, lang=text.language)))
    for node, namespace in list(shapes.subject_objects(SH.namespace)):
        moved = rebase_iri(str(namespace), base)
        if moved != str(namespace):
            shapes.set((node, SH.namespace, Literal(moved, datatype=namespace.datatype)))


def validate(data: LoadedGraph, model: LoadedGraph, shapes: LoadedGraph) -> ValidationReport:
    """Validate data + model (merged: shapes refer to the concept schemes and class
    declarations) against the shapes. Only violations make it fail to conform.

    pyshacl checks every constraint; its focus nodes are found first (server/shacl_engine.py),
    which gives the same report several times faster."""
    merged = merge(data, model)
    report_graph = _report_graph(merged.graph, shapes.graph)
    results = _results(report_graph, merged.files_of)
    return _report(results, report_graph, merged, shapes, Shortener.of(merged.graph, shapes.graph))


def _report(results: list[Result], report_graph: Graph, data: LoadedGraph, shapes: LoadedGraph,
            shortener: Shortener, **counts) -> ValidationReport:
    results.sort(key=lambda r: (r.files[:1], str(r.focus), SEVERITY_ORDER.get(r.severity, 3),
                                r.message))
    conforms = not any(r.severity == SH.Violation for r in results)
    return ValidationReport(conforms, results, report_graph, data, shapes, shortener, **counts)


def _report_graph(graph: Graph, shapes: Graph, lines: list[str] | None = None) -> Graph:
    from .shacl_engine import validate_graph

    if len(shapes) == 0:
        # pyshacl would answer the same; this spares it the work and states it plainly.
        report_graph = Graph()
        report = BNode()
        report_graph.add((report, RDF.type, SH.ValidationReport))
        report_graph.add((report, SH.conforms, Literal(True)))
        return report_graph
    if lines is None:
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        lines = [line for line in lines if line]
    try:
        # The graph is ours alone, so pyshacl may work on it in place instead of copying
        # it; advanced=True for SPARQL-based constraints; no inference, so the data is
        # checked as it is written.
        report_graph = validate_graph(graph, shapes, lines)
    except ReportableRuntimeError as error:
        raise GoingLocalError(_shapes_failure(error)) from None
    if isinstance(report_graph, ValidationFailure):
        # pyshacl returns, rather than raises, the failures of shapes it cannot run.
        raise GoingLocalError(_shapes_failure(report_graph))
    return report_graph


def validate_files(data: list, model: list, shapes: LoadedGraph, workers: int = 0):
    """Validate files read by server.rdfio (data, then the ontology and concept schemes)
    against the shapes, in parts (server/partitions.py), in `workers` processes (0: here).
    Returns the report and the data in parts (for the build's validation index)."""
    from .partitions import merge_reports, part_data, validate_batches, batches

    parted = part_data(data, model, shapes.graph)
    if len(shapes.graph) == 0:
        report_graph, done = _report_graph(Graph(), shapes.graph, []), []
    else:
        try:
            done = validate_batches(batches(parted), shapes.graph, workers)
        except ReportableRuntimeError as error:
            raise GoingLocalError(_shapes_failure(error)) from None
        report_graph = merge_reports(text for _, text in done)
    files = [p.where for p in [*data, *model]]
    report = report_of_parts(report_graph, shapes, files,
                             lambda node: parted.files.get(_nt(node), []),
                             lambda node: parted.by_subject, [*data, *model],
                             triples=sum(len(set(lines)) for lines in parted.by_subject.values()))
    return report, parted, done


def _nt(node: Node) -> str:
    from .rdfio import to_nt

    return to_nt(node)


def report_of_parts(report_graph: Graph, shapes: LoadedGraph, files: list[str], files_of,
                    lines_by_subject, parsed: list, triples: int) -> ValidationReport:
    """A ValidationReport of a report graph made in parts: `data` holds the prefixes the
    files declare and, for each blank-node focus node, the triples that point at it."""
    from .rdfio import graph_of, split_line

    results = _results(report_graph, files_of)
    data = LoadedGraph(Graph(), files=list(files))
    for part in parsed:
        for prefix, namespace in part.prefixes.items():
            data.graph.bind(prefix, namespace, override=False)
    blanks = {f"_:{r.focus}" for r in results if isinstance(r.focus, BNode)}
    if blanks:
        by_subject = lines_by_subject(None)
        graph_of([line for lines in by_subject.values() for line in lines
                  if split_line(line)[2] in blanks], data.graph)
    return _report(results, report_graph, data, shapes, Shortener.of(data.graph, shapes.graph),
                   triples=triples, data_files=list(files))


def _shapes_failure(error: Exception) -> str:
    lines = str(getattr(error, "message", error)).strip().splitlines()
    return f"shapes: {lines[0] if lines else type(error).__name__}"


def _results(report_graph: Graph, files_of) -> list[Result]:
    results = []
    # Only each report's own results: those under sh:detail (e.g. why an sh:node failed)
    # are typed sh:ValidationResult too but belong to the result they explain.
    top = {r for report in report_graph.subjects(RDF.type, SH.ValidationReport)
           for r in report_graph.objects(report, SH.result)}
    for node in sorted(top, key=str):
        focus = report_graph.value(node, SH.focusNode)
        component = report_graph.value(node, SH.sourceConstraintComponent)
        messages = sorted(str(m) for m in report_graph.objects(node, SH.resultMessage))
        results.append(Result(
            severity=report_graph.value(node, SH.resultSeverity) or SH.Violation,
            focus=focus,
            path=report_graph.value(node, SH.resultPath),
            value=report_graph.value(node, SH.value),
            # A shape without sh:message still says which constraint it broke.
            message="; ".join(messages) or f"fails {_local_name(component)}",
            shape=report_graph.value(node, SH.sourceShape),
            component=component,
            files=list(files_of(focus)),
        ))
    return results


# --- Rendering ---------------------------------------------------------------------------

def _focus_text(report: ValidationReport, focus: Node) -> str:
    """A resource as a reader can find it; a blank node by the statement that points to it."""
    name = report.shortener.term
    if isinstance(focus, BNode):
        for subject, predicate in report.data.graph.subject_predicates(focus):
            return f"[] (the value of {name(predicate)} on {name(subject)})"
        return "[] (a blank node)"
    return name(focus)


def _shape_text(report: ValidationReport, shape: Node | None) -> str:
    name = report.shortener.term
    if isinstance(shape, BNode):
        # A property shape is usually a blank node inside a named node shape.
        for parent in report.shapes.graph.subjects(SH.property, shape):
            path = report.shapes.graph.value(shape, SH.path)
            on = f" on {_path_text(report.shapes.graph, path, name)}" if path is not None else ""
            return f"{name(parent)} (property{on})"
        return "a blank-node shape"
    return name(shape)


def render_text(report: ValidationReport) -> str:
    lines: list[str] = []
    current = None
    for result in report.results:
        if result.focus != current:
            current = result.focus
            files = ", ".join(result.files) or "file unknown"
            if lines:
                lines.append("")
            lines.append(f"{_focus_text(report, result.focus)}  ({files})")
        lines.append(f"  {result.severity_name}: {result.message}")
        if result.path is not None:
            lines.append(f"    path:  {report.path_text(result.path)}")
        if result.value is not None:
            lines.append(f"    value: {report.shortener.term(result.value)}")
        if result.shape is not None:
            lines.append(f"    shape: {_shape_text(report, result.shape)}")
    if lines:
        lines.append("")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def _full(term: Node | None) -> str | None:
    if term is None:
        return None
    return f"_:{term}" if isinstance(term, BNode) else term.n3()


def render_json(report: ValidationReport) -> str:
    rows = []
    for r in report.results:
        rows.append({
            "severity": r.severity_name,
            "focus": str(r.focus) if isinstance(r.focus, URIRef) else _full(r.focus),
            "path": report.path_text(r.path, name=lambda t: t.n3()) if r.path is not None else None,
            "value": _full(r.value),
            "message": r.message,
            "shape": str(r.shape) if isinstance(r.shape, URIRef) else _full(r.shape),
            "component": str(r.component) if r.component is not None else None,
            "files": r.files,
        })
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def render_turtle(report: ValidationReport) -> str:
    return report.report_graph.serialize(format="turtle")


RENDERERS = {"text": render_text, "json": render_json, "turtle": render_turtle}


def render(report: ValidationReport, fmt: str = "text") -> str:
    return RENDERERS[fmt](report)


def validate_paths(paths: Iterable[str | Path] | None, shapes_dir: str | Path | None = None,
                   base: str | None = None) -> ValidationReport:
    """Load, then validate: the files named (default: the data folder) against shapes_dir
    (default: shapes/)."""
    data = load_data(list(paths) if paths else None, base=base)
    model = load_model(base=base)
    shapes = load_shapes(shapes_dir, base=base)
    return validate(data, model, shapes)
