"""The dataset's dumps and its VoID and DCAT description, as the server publishes them.

The dumps are written by export.write_dumps, once, the first time anyone asks for them
or for the description (which gives their sizes), and then kept in memory. The
description is export.describe's, adapted to where this server publishes the dumps
(/dumps/), and said to be described by the document {base}/void.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from . import export
from .export import DUMPS, Dump, dataset_iri
from .uris import bind_prefixes

DUMPS_PATH = "/dumps/"  # where this server publishes the dumps
VOID_PATH = "/void"

# Resources worth showing as examples, by path under the base; those not in the data are
# left out, and export.describe's own choice (the Harrow BOCU) is kept.
EXAMPLES = ("/id/bocu/harrow", "/id/inspection/2003-04/harrow",
            "/id/inspection/2003-04/harrow/recommendation/2",
            "/id/committee-paper/2005-01-19-report-8")


@dataclass(frozen=True)
class DumpFile:
    dump: Dump
    path: Path

    @property
    def filename(self) -> str:
        return self.dump.filename

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()


# Up to this many triples the dumps are written by rdflib (as `going-local export` writes
# them); above, by pyoxigraph's writers, from the same lines, in a fraction of the time and
# memory (rdflib would hold the whole graph, and its JSON-LD and RDF/XML writers take
# minutes at a million triples).
RDFLIB_DUMPS_UP_TO = 200_000


def write_dumps_of(service_or_lines, folder: Path, base: str, prefixes=None, triples: int | None = None,
                   graph: Graph | None = None) -> dict[str, int]:
    """Every dump into `folder`: from `graph` when given, else from the served lines (a
    callable giving them); their sizes by file name."""
    from .rdfio import graph_of

    lines = service_or_lines
    if graph is None and (triples or 0) <= RDFLIB_DUMPS_UP_TO:
        graph = Graph()
        for part in prefixes or ():
            for prefix, namespace in part.items():
                graph.bind(prefix, namespace, override=False)
        graph_of(lines(), graph)
    if graph is not None:
        for dump in DUMPS:
            path = folder / dump.filename
            representation = export.BY_RDFLIB_FORMAT[dump.rdflib_format]
            context = export.used_prefixes(graph) if representation == export.JSONLD else None
            path.write_bytes(export.serialize_graph(graph, representation, context))
    else:
        _write_dumps_fast(lines, folder, prefixes or ())
    return {d.filename: (folder / d.filename).stat().st_size for d in DUMPS}


def _write_dumps_fast(lines, folder: Path, prefixes) -> None:
    import pyoxigraph as ox

    merged: dict[str, str] = {}
    for part in prefixes:
        for prefix, namespace in part.items():
            if prefix not in merged and namespace not in merged.values():
                merged[prefix] = namespace
    formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}
    for dump in DUMPS:
        def triples():
            chunk: list[str] = []
            for line in lines():
                chunk.append(line)
                if len(chunk) >= 50_000:
                    yield from ox.parse("\n".join(chunk).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
                    chunk = []
            if chunk:
                yield from ox.parse("\n".join(chunk).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        fmt = formats[dump.suffix]
        with open(folder / dump.filename, "wb") as out:
            ox.serialize(triples(), out, fmt,
                         prefixes=merged if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML,
                                                    ox.RdfFormat.JSON_LD) else None)


class DatasetDescription:
    """The dumps and the VoID description of one service's dataset: the build's, or
    written on first use into a temporary folder kept while the server runs."""

    def __init__(self, service, modified: datetime):
        self.service = service
        self.vocab = service.vocab
        self.base = service.vocab.base
        self.modified = modified
        self._lock = threading.Lock()
        self._dumps: dict[str, DumpFile] | None = None
        self._void: Graph | None = None
        self._folder: tempfile.TemporaryDirectory | None = None

    @property
    def dataset(self) -> URIRef:
        return dataset_iri(self.base)

    def dumps(self) -> dict[str, DumpFile]:
        """Every dump by file name, written on first use."""
        with self._lock:
            if self._dumps is None:
                self._dumps = self._write_dumps()
            return self._dumps

    def dump(self, filename: str) -> DumpFile | None:
        return self.dumps().get(filename)

    def void(self) -> Graph:
        dumps = self.dumps()
        with self._lock:
            if self._void is None:
                self._void = self._describe({name: f.size for name, f in dumps.items()})
            return self._void

    def _write_dumps(self) -> dict[str, DumpFile]:
        built = getattr(self.service, "built", None)
        if built is not None:
            folder = built.dumps_dir
        else:
            self._folder = tempfile.TemporaryDirectory(prefix="going-local-dumps-")
            folder = Path(self._folder.name)
            dataset = self.service.dataset
            loaded = getattr(dataset, "_loaded", None)
            if loaded is not None:
                write_dumps_of(loaded.source, folder, self.base, loaded.prefixes, loaded.triples)
            else:
                write_dumps_of(None, folder, self.base, graph=dataset.graph)
        return {d.filename: DumpFile(d, folder / d.filename) for d in DUMPS}

    def _describe(self, sizes: dict[str, int]) -> Graph:
        facts = self.service.facts
        d = export.describe_counts(facts.counts(), self.base, sizes)
        d = self._moved_dumps(d)
        dataset, doc = self.dataset, URIRef(f"{self.base}{VOID_PATH}")
        d.add((doc, RDF.type, VOID.DatasetDescription))
        d.add((doc, DCTERMS.title, Literal("A VoID and DCAT description of the Going Local dataset", lang="en")))
        d.add((doc, FOAF.primaryTopic, dataset))
        d.add((doc, DCTERMS.license, export.OGL))
        d.add((dataset, DCTERMS.modified, Literal(self.modified.replace(microsecond=0).isoformat(),
                                                   datatype=XSD.dateTime)))
        store = self.service.store
        for path in EXAMPLES:
            example = self.vocab.uri_of_path(path)
            if store.ask("ASK { ?s ?p ?o }", {"s": example}):
                d.add((dataset, VOID.exampleResource, example))
        publisher = d.value(dataset, DCTERMS.publisher)
        if publisher is not None:
            for (label,) in store.select("SELECT ?label WHERE { ?publisher <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
                                         {"publisher": publisher}).rows:
                d.add((publisher, RDFS.label, label))
                d.add((publisher, FOAF.name, label))
            d.add((publisher, RDF.type, FOAF.Organization))
        bind_prefixes(d, self.vocab)
        return d

    def _moved_dumps(self, d: Graph) -> Graph:
        """export.describe names the dumps under its own DUMP_PATH; this server serves them
        under DUMPS_PATH."""
        if export.DUMP_PATH == DUMPS_PATH:
            return d
        old, new = f"{self.base}{export.DUMP_PATH}", f"{self.base}{DUMPS_PATH}"
        moved = Graph()
        for prefix, namespace in d.namespaces():
            moved.bind(prefix, namespace)

        def move(term):
            if isinstance(term, URIRef) and str(term).startswith(old):
                return URIRef(new + str(term)[len(old):])
            return term
        for s, p, o in d:
            moved.add((move(s), p, move(o)))
        return moved

