"""The one place that decides which representation a request gets.

A `format` parameter (for links) wins over the Accept header; the Accept header is
read with its q-values by werkzeug; with neither, the first offered type is served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Request

from .http_errors import NotAcceptable


@dataclass(frozen=True)
class Representation:
    media_type: str
    name: str  # the short name used by ?format= and file extensions
    extension: str | None = None


def choose(request: Request, offered: list[Representation], param: str = "format") -> Representation:
    by_name = {r.name: r for r in offered} | {r.media_type: r for r in offered}
    asked = request.args.get(param)
    if asked:
        if asked not in by_name:
            raise NotAcceptable(f"format '{asked}' is not offered here; choose one of "
                                f"{', '.join(r.name for r in offered)}")
        return by_name[asked]
    if not request.accept_mimetypes:  # no Accept header, or */* only
        return offered[0]
    best = request.accept_mimetypes.best_match([r.media_type for r in offered])
    if best is None:
        raise NotAcceptable("none of the media types in the Accept header is offered here; "
                            f"choose one of {', '.join(r.media_type for r in offered)}")
    return by_name[best]


def by_extension(offered: list[Representation], extension: str) -> Representation | None:
    return next((r for r in offered if r.extension == extension), None)


HTML = Representation("text/html", "html", "html")
TURTLE = Representation("text/turtle", "turtle", "ttl")
NTRIPLES = Representation("application/n-triples", "nt", "nt")
JSONLD = Representation("application/ld+json", "jsonld", "jsonld")
RDFXML = Representation("application/rdf+xml", "rdfxml", "rdf")

RDF_REPRESENTATIONS = [TURTLE, JSONLD, RDFXML, NTRIPLES]
RDFLIB_FORMATS = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "json-ld", RDFXML: "xml"}
BY_RDFLIB_FORMAT = {name: representation for representation, name in RDFLIB_FORMATS.items()}


def serialize_graph(graph, representation: Representation, context: dict | None = None) -> bytes:
    """A graph in one of the RDF representations, as bytes, the same bytes in every process.

    rdflib writes N-Triples, JSON-LD and RDF/XML in an order that follows Python's string
    hashing, which differs between processes: the same document would get other bytes and
    another ETag from each worker, each restart and each static-site build. So every
    format here is put in a fixed order. `context` is a JSON-LD context to compact with.
    """
    if representation == NTRIPLES:
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return "".join(f"{line}\n" for line in sorted(set(lines)) if line.strip()).encode("utf-8")
    if representation == JSONLD:
        return jsonld_bytes(graph, context)
    if representation == RDFXML:
        return _rdfxml_bytes(graph)
    return graph.serialize(format=RDFLIB_FORMATS[representation], encoding="utf-8")


def jsonld_bytes(graph, context: dict | None = None, **options) -> bytes:
    """JSON-LD with its nodes sorted by @id and every set of values sorted."""
    extra = {"context": context, **options} if context is not None else options
    document = json.loads(graph.serialize(format="json-ld", **extra))
    return json.dumps(_sorted_json(document), indent=2, ensure_ascii=False,
                      sort_keys=True).encode("utf-8")


def _sorted_json(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _sorted_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        if key == "@list":  # an RDF list keeps its order; every other array is a set
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _rdfxml_bytes(graph) -> bytes:
    """RDF/XML written by Oxigraph from the triples in sorted order."""
    import pyoxigraph as ox

    from .store import to_oxigraph

    triples = sorted(graph, key=lambda t: tuple(term.n3() for term in t))
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()
                if prefix and any(str(p).startswith(str(namespace)) for _, p, _ in graph)}
    return ox.serialize((ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in triples),
                        format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
