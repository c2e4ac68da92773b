"""The dataset's dumps and its VoID and DCAT description, as the server publishes them.

The dumps are written by export.write_dumps, once, the first time anyone asks for them
or for the description (which gives their sizes), and then kept in memory. The
description is export.describe's, adapted to where this server publishes the dumps
(/dumps/), and said to be described by the document {base}/void.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from . import export
from .export import DUMPS, Dump, dataset_iri, describe, write_dumps
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
    body: bytes

    @property
    def filename(self) -> str:
        return self.dump.filename


class DatasetDescription:
    """The dumps and the VoID description of one loaded dataset, made once on first use."""

    def __init__(self, graph: Graph, vocab, modified: datetime):
        self.graph = graph
        self.vocab = vocab
        self.base = vocab.base
        self.modified = modified
        self._lock = threading.Lock()
        self._dumps: dict[str, DumpFile] | None = None
        self._void: Graph | None = None

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
                self._void = self._describe({name: len(f.body) for name, f in dumps.items()})
            return self._void

    def _write_dumps(self) -> dict[str, DumpFile]:
        folder = Path(tempfile.mkdtemp(prefix="going-local-dumps-"))
        try:
            write_dumps(self.graph, folder, self.base)
            return {d.filename: DumpFile(d, (folder / d.filename).read_bytes()) for d in DUMPS}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _describe(self, sizes: dict[str, int]) -> Graph:
        d = describe(self.graph, self.base, sizes)
        d = self._moved_dumps(d)
        dataset, doc = self.dataset, URIRef(f"{self.base}{VOID_PATH}")
        d.add((doc, RDF.type, VOID.DatasetDescription))
        d.add((doc, DCTERMS.title, Literal("A VoID and DCAT description of the Going Local dataset", lang="en")))
        d.add((doc, FOAF.primaryTopic, dataset))
        d.add((doc, DCTERMS.license, export.OGL))
        d.add((dataset, DCTERMS.modified, Literal(self.modified.replace(microsecond=0).isoformat(),
                                                   datatype=XSD.dateTime)))
        for path in EXAMPLES:
            example = self.vocab.uri_of_path(path)
            if (example, None, None) in self.graph:
                d.add((dataset, VOID.exampleResource, example))
        publisher = d.value(dataset, DCTERMS.publisher)
        if publisher is not None:
            for label in self.graph.objects(publisher, RDFS.label):
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

