"""The served dataset as N-Triples, read once and validated: what the service starts from.

`load_validated` reads the data, ontology and concept schemes with pyoxigraph
(server/rdfio.py), validates them at the canonical base (in parts and in worker processes
when they are large, server/partitions.py), and moves them to the served base. The lines
are kept in an unnamed temporary file (or, for a build, its dataset.nt): the store is
filled from them, the query workers load them, and the facts the pages need
(server/precomputed.py) are computed from them. An rdflib graph of everything is made
only if something asks for `LazyLoadedGraph.graph` (some commands and tests do), never
on the serving path.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rdflib import Graph
from rdflib.term import Node

from .config import CANONICAL_BASE, Settings
from .errors import GoingLocalError
from .loading import LoadedGraph, turtle_files
from .rdfio import ParsedFile, graph_of, parse_files, rebase_lines, rebase_prefixes, to_nt

# Above this many lines the data is validated in worker processes (two by default,
# GOING_LOCAL_VALIDATION_WORKERS); below, in the process itself.
PARALLEL_FROM = 50_000


class LineSource:
    """N-Triples lines kept in a file: an unnamed temporary one, or a build's dataset.nt."""

    def __init__(self, path: Path | None = None, lines=None):
        self.path = Path(path) if path is not None else None
        self._file = None
        if lines is not None:
            self._file = tempfile.TemporaryFile(prefix="going-local-served-")
            for line in lines:
                self._file.write(line.encode("utf-8"))
                self._file.write(b"\n")
            self._file.flush()
        self._lock = threading.Lock()

    def fileno(self) -> int | None:
        return self._file.fileno() if self._file is not None else None

    def read_bytes(self) -> bytes:
        if self.path is not None:
            return self.path.read_bytes()
        from .query_workers import read_dump

        return read_dump(self._file.fileno())

    def __call__(self) -> Iterator[str]:
        if self.path is not None:
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        yield line.rstrip("\n")
            return
        for line in self.read_bytes().decode("utf-8").split("\n"):
            if line:
                yield line


@dataclass
class Loaded:
    """The validated dataset: its served lines and what is known of its files."""

    source: LineSource
    files: list[str]
    files_of: dict[str, list[str]]  # subject (N-Triples) -> files, at the canonical base
    prefixes: list[dict[str, str]]  # each file's, at the served base
    triples: int
    base: str
    report: object = None


class LazyLoadedGraph(LoadedGraph):
    """A LoadedGraph whose rdflib graph is made from the served lines on first use."""

    def __init__(self, loaded: Loaded):  # noqa: D107 - LoadedGraph's fields, made lazily
        self._loaded = loaded
        self._graph: Graph | None = None
        self._sources: dict | None = None
        self._lock = threading.Lock()
        self.files = list(loaded.files)

    @property
    def graph(self) -> Graph:
        with self._lock:
            if self._graph is None:
                graph = Graph()
                for prefixes in self._loaded.prefixes:
                    for prefix, namespace in prefixes.items():
                        graph.bind(prefix, namespace, override=False)
                self._graph = graph_of(self._loaded.source(), graph)
            return self._graph

    @property
    def sources(self) -> dict:
        from .loading import _rebase_term
        from .rdfio import term_of

        with self._lock:
            if self._sources is None:
                self._sources = {_rebase_term(term_of(s), self._loaded.base): files
                                 for s, files in self._loaded.files_of.items()}
            return self._sources

    def files_of(self, node: Node) -> list[str]:
        return self.sources.get(node, [])

    def __len__(self) -> int:
        return self._loaded.triples


def model_paths(settings: Settings) -> list[Path]:
    from .loading import display_path

    folder = Path(settings.ontology_dir)
    if not folder.is_dir():
        raise GoingLocalError(f"{display_path(folder)}: no such folder")
    files = sorted(p for p in folder.glob("*.ttl") if p.is_file())
    if not files:
        raise GoingLocalError(f"{display_path(folder)}: no Turtle (*.ttl) files in this folder")
    return files


def validation_workers(lines: int) -> int:
    raw = os.environ.get("GOING_LOCAL_VALIDATION_WORKERS", "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            raise GoingLocalError(f"GOING_LOCAL_VALIDATION_WORKERS={raw!r} is not a number") from None
    return 2 if lines >= PARALLEL_FROM else 0


def read_and_validate(settings: Settings, workers: int | None = None):
    """The data and model files parsed, and validated at the canonical base: (data files,
    model files, report, data in parts, batch reports). InvalidData if they do not conform."""
    from .app import InvalidData
    from .validation import load_shapes, render_text, validate_files

    data = parse_files(turtle_files([settings.data_dir]))
    model = parse_files(model_paths(settings))
    shapes = load_shapes(settings.shapes_dir, base=CANONICAL_BASE)
    size = sum(len(p.lines) for p in data)
    report, parted, done = validate_files(data, model, shapes,
                                          validation_workers(size) if workers is None else workers)
    if not report.conforms:
        raise InvalidData(render_text(report))
    return data, model, report, parted, done


def served_lines(parsed: list[ParsedFile], base: str) -> Iterator[str]:
    for part in parsed:
        yield from rebase_lines(part.lines, base)


def load_validated(settings: Settings, workers: int | None = None) -> Loaded:
    """The dataset read, validated and moved to the served base, in a temporary file."""
    data, model, report, parted, _ = read_and_validate(settings, workers)
    parsed = [*data, *model]
    source = LineSource(lines=served_lines(parsed, settings.base))
    return Loaded(source, [p.where for p in parsed], parted.files,
                  [rebase_prefixes(p.prefixes, settings.base) for p in parsed],
                  report.triples, settings.base, report)


def node_key(node: Node) -> str:
    return to_nt(node)
