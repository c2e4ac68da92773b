"""The RDF document the server gives for one resource, built by CONSTRUCT queries.

A thing named {base}/id/... is described by the document {base}/doc/...: its own triples,
the triples that point at it, the labels of its neighbours, its provenance and the
document's own metadata (the queries in server/sparql/document/, one part each). Terms
under {base}/def/... document themselves (the same queries, without a separate document
IRI), and a whole ontology or concept scheme, {base}/def/inspection or {base}/def/theme, is
one document of every term in its namespace (server/sparql/vocabulary/).

The resource is always bound as a query parameter through the store, never pasted into
the query text (a vocabulary's terms, IRIs of the dataset's own subjects, are given as a
VALUES block that rdflib writes). Built documents are kept, serialized, in a bounded
cache: the dataset does not change while the server runs.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources

from rdflib import Graph, Literal, URIRef

from .export import dataset_iri, used_prefixes
from .negotiation import JSONLD, Representation, jsonld_bytes, serialize_graph
from .queries import ABSOLUTE_IRI, rebase_query, with_value_rows
from .uris import Vocabulary, bind_prefixes


def internal_query(name: str, base: str) -> str:
    """server/sparql/NAME.rq, its IRIs moved to `base` like the data."""
    text = resources.files("server").joinpath("sparql", f"{name}.rq").read_text(encoding="utf-8")
    return rebase_query(text, base)


def query_parts(folder: str, base: str) -> list[str]:
    """The queries in server/sparql/FOLDER/, in the order of their names: the parts of one
    document. Each is a plain join from the bound resource, which every engine answers
    with index look-ups; one query of them all, a UNION, was answered by Oxigraph by
    reading far more of the store (seconds at a million triples)."""
    found = resources.files("server").joinpath("sparql", folder)
    names = sorted(p.name for p in found.iterdir() if p.name.endswith(".rq"))
    return [rebase_query(found.joinpath(n).read_text(encoding="utf-8"), base) for n in names]


@dataclass(frozen=True)
class Document:
    """A document's graph and what it is about. `iri` is the document's own name: the
    {base}/doc/... IRI, or for a /def/ term the term itself."""

    iri: URIRef
    topic: URIRef
    graph: Graph


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str  # a strong validator: a digest of the body


def faithful(constructed: Graph, source: Graph) -> Graph:
    """The constructed graph with each literal as the data has it.

    Oxigraph stores some literals normalised (e.g. "1"^^xsd:positiveInteger comes back as
    "1"^^xsd:integer; oxigraph/oxigraph#526); a document must carry the data's own terms,
    so any literal the data does not hold is swapped for the data's equal-valued one."""
    for s, p, o in list(constructed):
        if not isinstance(o, Literal) or (s, p, o) in source:
            continue
        originals = sorted(x for x in source.objects(s, p) if isinstance(x, Literal) and x.eq(o))
        if originals:
            constructed.remove((s, p, o))
            constructed.add((s, p, originals[0]))
    return constructed


class Documents:
    """Builds, serializes and caches the documents of one loaded dataset."""

    # Graphs and serializations kept: room for every resource (about a thousand) in a format
    # or two; the least recently used go first.
    CACHE_SIZE = 4096

    def __init__(self, service):
        self.store = service.store
        self.facts = service.facts
        self.vocab: Vocabulary = service.vocab
        self.dataset = dataset_iri(self.vocab.base)
        self.queries = {name: internal_query(name, self.vocab.base)
                        for name in ("described", "vocabularies")}
        self.document_parts = query_parts("document", self.vocab.base)
        self.vocabulary_parts = query_parts("vocabulary", self.vocab.base)
        self._vocabularies: set | None = None
        self._cache: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def vocabularies(self) -> set:
        """Ontologies and concept schemes under /def/: each is one document of all its terms."""
        if self._vocabularies is None:
            found = {row[0] for row in self.store.select(self.queries["vocabularies"]).rows}
            self._vocabularies = {v for v in found
                                  if self.vocab.path_of(v) and self.vocab.path_of(v).startswith("/def/")}
        return self._vocabularies

    # --- What exists ---------------------------------------------------------------------

    def described(self, iri: URIRef) -> bool:
        """Whether the dataset says anything about `iri` (it is the subject of a triple).
        A path that makes no IRI (a space, a quote, an angle bracket) names nothing."""
        if not ABSOLUTE_IRI.match(str(iri)):
            return False
        return self.store.ask(self.queries["described"], {"thing": iri})

    def is_vocabulary(self, iri: URIRef) -> bool:
        return iri in self.vocabularies

    # --- Building ------------------------------------------------------------------------

    def about(self, thing: URIRef) -> Document:
        """The {base}/doc/... document about a thing named {base}/id/..."""
        doc = URIRef(self.vocab.uri_of_path(self.vocab.document_path(thing)))
        graph = self._parts(self.document_parts,
                            {"thing": thing, "document": doc, "dataset": self.dataset})
        return Document(doc, thing, self._finish(graph))

    def definition(self, term: URIRef) -> Document:
        """The document of a /def/ term (or of a whole vocabulary), which is the term itself."""
        if self.is_vocabulary(term):
            graph = self._vocabulary(term)
        else:
            graph = self._parts(self.document_parts,
                                {"thing": term, "definition": term, "dataset": self.dataset})
        return Document(term, term, self._finish(graph))

    def _parts(self, queries: list[str], bindings: dict) -> Graph:
        """The union of the CONSTRUCT queries' graphs, each query given the bindings it uses."""
        graph = Graph()
        for query in queries:
            used = {name: value for name, value in bindings.items() if f"?{name}" in query}
            graph += self.store.construct(query, used)
        return _sorted(graph)

    def _vocabulary(self, vocabulary: URIRef) -> Graph:
        """Every triple about a vocabulary and each term in its namespace (the subjects whose
        IRI starts with it), the labels of everything those link to, and its metadata."""
        namespace = self.vocab.path_of(vocabulary) + "/"
        members = [vocabulary] + [self.vocab.uri_of_path(path) for path in self.facts.document_paths()
                                  if path.startswith(namespace)]
        members = [m for m in dict.fromkeys(members) if ABSOLUTE_IRI.match(str(m))]
        *per_member, metadata = self.vocabulary_parts
        graph = Graph()
        for start in range(0, len(members), 200):
            chunk = members[start:start + 200]
            for query in per_member:
                graph += self.store.construct(with_value_rows(query, "member", chunk))
        graph += self.store.construct(metadata, {"vocabulary": vocabulary, "dataset": self.dataset})
        return _sorted(graph)

    def _finish(self, graph: Graph) -> Graph:
        graph = self.facts.faithful(graph)
        bind_prefixes(graph, self.vocab)
        return graph

    # --- Cached: the dataset does not change while the server runs ---------------------

    def document(self, iri: URIRef) -> Document:
        """The document about `iri`: a /def/ term's own, or else the /doc/ one of a thing."""
        return self._cached(("graph", str(iri)), lambda: (
            self.definition(iri) if (self.vocab.path_of(iri) or "").startswith("/def/")
            else self.about(iri)))

    def rendered(self, iri: URIRef, representation: Representation) -> Rendered:
        """The document about `iri` serialized as `representation`, with its ETag."""
        def render():
            body = serialize(self.document(iri).graph, representation)
            return Rendered(body, strong_etag(body))
        return self._cached((representation.name, str(iri)), render)

    def _cached(self, key, build):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = build()  # outside the lock: two threads may build the same one, harmlessly
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return value


def _sorted(graph: Graph) -> Graph:
    """The same graph, its triples added in one order whatever the engine gave them in."""
    ordered = Graph()
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        ordered.add(triple)
    return ordered


def serialize(graph: Graph, representation: Representation) -> bytes:
    """A document in one RDF representation; JSON-LD gets a context of the prefixes used."""
    if representation == JSONLD:
        return jsonld_bytes(graph, used_prefixes(graph), auto_compact=True)
    return serialize_graph(graph, representation)


def strong_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]
