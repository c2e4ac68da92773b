"""Compiling every curation record into the Turtle files under data/.

Everything is compiled in memory first; only when every record compiles are the
files written, each to a temporary file renamed into place, so a bad record never
leaves data/ half-written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_isomorphic

from ..config import CANONICAL_BASE, Settings
from ..uris import Vocabulary, bind_prefixes
from .context import Context
from .errors import CurationError
from .inspection import compile_inspection
from .paper import compile_paper
from .passages import SourceText
from .records import load_record

REFERENCE_SOURCE = "london-boroughs"


@dataclass
class Output:
    path: Path  # relative to the data directory
    graph: Graph


def model_graph(settings: Settings) -> Graph:
    graph = Graph()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def compile_all(settings: Settings) -> list[Output]:
    """Every output graph, in memory; raises CurationError on the first bad record."""
    from .reference import compile_reference

    vocab = Vocabulary(CANONICAL_BASE)
    sources_dir = settings.root / "data" / "sources"
    ctx = Context(vocab=vocab, sources_dir=sources_dir, model=model_graph(settings))
    csv_path = settings.boroughs_csv
    outputs = [Output(Path("reference/boroughs.ttl"),
                      compile_reference(SourceText(csv_path, REFERENCE_SOURCE, vocab), ctx))]
    paper_record = settings.curation_dir / "committee-paper.yaml"
    outputs.append(Output(Path("committee-paper.ttl"), compile_paper(load_record(paper_record), ctx)))
    for record_path in sorted((settings.curation_dir / "inspections").glob("*/*.yaml")):
        uri, graph = compile_inspection(load_record(record_path), ctx)
        year, slug = str(uri).rsplit("/", 2)[1:]
        if (year, slug) != (record_path.parent.name, record_path.stem):
            raise CurationError(
                f"the record describes {year}/{slug}; name it inspections/{year}/{slug}.yaml",
                str(record_path))
        outputs.append(Output(Path("inspections") / year / f"{slug}.ttl", graph))
    for output in outputs:
        bind_prefixes(output.graph, vocab)
    return outputs


def write_outputs(outputs: list[Output], data_dir: Path) -> list[Path]:
    """Write each graph as Turtle, atomically: temporary file, then rename."""
    written = []
    rendered = [(data_dir / o.path, o.graph.serialize(format="turtle")) for o in outputs]
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
        written.append(target)
    return written


def stale_outputs(outputs: list[Output], data_dir: Path) -> list[Path]:
    """The output files whose content differs from what the records compile to."""
    stale = []
    for output in outputs:
        target = data_dir / output.path
        if not target.exists():
            stale.append(target)
            continue
        on_disk = Graph().parse(target, format="turtle")
        if to_isomorphic(on_disk) != to_isomorphic(output.graph):
            stale.append(target)
    return stale
