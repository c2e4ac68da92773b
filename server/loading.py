"""Loading Turtle files into one graph, remembering which file every subject came from."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from .config import CANONICAL_BASE, load_settings
from .errors import GoingLocalError

PathLike = str | os.PathLike
log = logging.getLogger(__name__)


@dataclass
class LoadedGraph:
    """A graph and, for each subject in it, the files that say something about it."""

    graph: Graph
    files: list[str] = field(default_factory=list)
    sources: dict[Node, list[str]] = field(default_factory=dict)

    def files_of(self, node: Node) -> list[str]:
        return self.sources.get(node, [])

    def __len__(self) -> int:
        return len(self.graph)


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return str(path)


def turtle_files(paths: Iterable[PathLike], allow_empty: bool = False) -> list[Path]:
    """Files named, and every *.ttl below folders named, in a stable (sorted) order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            below = sorted(p for p in path.rglob("*.ttl") if p.is_file())
            if not below and not allow_empty:
                raise GoingLocalError(f"{display_path(path)}: no Turtle (*.ttl) files in this folder")
            found.extend(below)
        elif path.exists():
            found.append(path)
        else:
            raise GoingLocalError(f"{display_path(path)}: no such file or folder")
    return found


def syntax_error_message(where: str, error: Exception) -> str:
    """`path:line: message` for a Turtle syntax error.

    rdflib's Turtle parser raises BadSyntax with `lines`, the count of line breaks before
    the error (its own message prints lines + 1), and the reason in `_why`; its str() is a
    multi-line excerpt, so the reason is taken on its own.
    """
    if isinstance(error, BadSyntax):
        line = getattr(error, "lines", None)
        reason = getattr(error, "_why", None) or str(error).splitlines()[0]
        return f"{where}:{line + 1}: {reason}" if isinstance(line, int) else f"{where}: {reason}"
    # ParserError (e.g. a bad encoding declaration) has no line number to give.
    return f"{where}: {error}"


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().strip().splitlines()
        self.messages.append(lines[0] if lines else "")


@contextmanager
def _warnings_naming(where: str):
    """rdflib logs what it tolerates while parsing (an ill-typed literal, an odd IRI) with
    no file name and sometimes a whole traceback; say it once, in one line, with the file."""
    rdflib_log = logging.getLogger("rdflib")
    collector, propagate = _Collector(), rdflib_log.propagate
    rdflib_log.addHandler(collector)
    rdflib_log.propagate = False
    try:
        yield
    finally:
        rdflib_log.removeHandler(collector)
        rdflib_log.propagate = propagate
        for message in collector.messages:
            log.warning("%s: %s", where, message)


def parse_turtle(path: Path) -> Graph:
    """One Turtle file as a graph; any problem with it is a one-line GoingLocalError."""
    where = display_path(path)
    graph = Graph()
    try:
        with _warnings_naming(where):
            graph.parse(path, format="turtle")
    except (BadSyntax, ParserError) as error:
        raise GoingLocalError(syntax_error_message(where, error)) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise GoingLocalError(f"{where}:{line}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise GoingLocalError(f"{where}: {error.strerror or error}") from None
    return graph


def load_turtle(paths: Iterable[PathLike], base: str | None = None,
                allow_empty: bool = False) -> LoadedGraph:
    """Every Turtle file named or below a folder named, merged, rebased to `base`
    (the configured base when None)."""
    loaded = LoadedGraph(Graph())
    for path in turtle_files(paths, allow_empty=allow_empty):
        part = parse_turtle(path)
        where = display_path(path)
        loaded.files.append(where)
        for prefix, namespace in part.namespaces():
            loaded.graph.bind(prefix, namespace, override=False)
        for subject in set(part.subjects()):
            files = loaded.sources.setdefault(subject, [])
            if where not in files:
                files.append(where)
        loaded.graph += part
    return rebase_loaded(loaded, base)


def load_data(paths: Iterable[PathLike] | None = None, base: str | None = None) -> LoadedGraph:
    """The dataset's instance data: every *.ttl below the data folder unless told otherwise."""
    if paths is None:
        paths = [load_settings().data_dir]
    return load_turtle(paths, base=base)


def load_model(base: str | None = None, ontology_dir: PathLike | None = None) -> LoadedGraph:
    """The "model": every ontology/*.ttl, i.e. the ontology and the SKOS concept schemes."""
    folder = Path(ontology_dir) if ontology_dir is not None else load_settings().ontology_dir
    if not folder.is_dir():
        raise GoingLocalError(f"{display_path(folder)}: no such folder")
    files = sorted(p for p in folder.glob("*.ttl") if p.is_file())
    if not files:
        raise GoingLocalError(f"{display_path(folder)}: no Turtle (*.ttl) files in this folder")
    return load_turtle(files, base=base)


def merge(*parts: LoadedGraph) -> LoadedGraph:
    """One graph of several loaded ones, keeping every subject's files."""
    merged = LoadedGraph(Graph())
    for part in parts:
        for prefix, namespace in part.graph.namespaces():
            merged.graph.bind(prefix, namespace, override=False)
        merged.graph += part.graph
        merged.files.extend(f for f in part.files if f not in merged.files)
        for node, files in part.sources.items():
            known = merged.sources.setdefault(node, [])
            known.extend(f for f in files if f not in known)
    return merged


def load_dataset(data_paths: Iterable[PathLike] | None = None,
                 base: str | None = None) -> LoadedGraph:
    """Everything published: the data, the ontology and the concept schemes."""
    return merge(load_data(data_paths, base=base), load_model(base=base))


# --- Serving the dataset under another base ---------------------------------------------

def rebase_iri(iri: str, base: str, canonical: str = CANONICAL_BASE) -> str:
    """An IRI under the canonical base moved to `base`; any other IRI unchanged.

    Only whole path segments count, so .../going-localish is left alone."""
    if iri == canonical or iri.startswith((canonical + "/", canonical + "#")):
        return base + iri[len(canonical):]
    return iri


def _rebase_term(term: Node, base: str) -> Node:
    if isinstance(term, URIRef):
        return URIRef(rebase_iri(str(term), base))
    if isinstance(term, Literal) and term.datatype is not None:
        moved = rebase_iri(str(term.datatype), base)
        if moved != str(term.datatype):
            return Literal(str(term), datatype=URIRef(moved))
    return term


def rebase(graph: Graph, base: str) -> Graph:
    """The graph with every IRI under the canonical base moved to `base`, so the dataset can
    be served from another host. Returns the graph itself when there is nothing to move."""
    base = base.rstrip("/")
    if base == CANONICAL_BASE:
        return graph
    moved = Graph()
    for prefix, namespace in graph.namespaces():
        moved.bind(prefix, URIRef(rebase_iri(str(namespace), base)), override=True, replace=True)
    moved.addN(
        (_rebase_term(s, base), _rebase_term(p, base), _rebase_term(o, base), moved)
        for s, p, o in graph
    )
    return moved


def rebase_loaded(loaded: LoadedGraph, base: str | None) -> LoadedGraph:
    base = (base if base is not None else load_settings().base).rstrip("/")
    if base == CANONICAL_BASE:
        return loaded
    return LoadedGraph(
        rebase(loaded.graph, base),
        loaded.files,
        {_rebase_term(node, base): files for node, files in loaded.sources.items()},
    )

