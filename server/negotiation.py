"""The one place that decides which representation a request gets.

A `format` parameter (for links) wins over the Accept header; the Accept header is
read with its q-values by werkzeug; with neither, the first offered type is served.
"""

from __future__ import annotations

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


def serialize_graph(graph, representation: Representation) -> bytes:
    """A graph in one of the RDF representations, as bytes."""
    return graph.serialize(format=RDFLIB_FORMATS[representation], encoding="utf-8")
