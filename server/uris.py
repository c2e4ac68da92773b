"""The one place that knows the dataset's URI patterns and vocabularies.

Things are named under {base}/id/..., their documents live under {base}/doc/...,
and the ontology and concept schemes under {base}/def/... . The data files use the
canonical base; `config.load_settings()` may move everything to another one.
"""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

from .config import CANONICAL_BASE

OA = Namespace("http://www.w3.org/ns/oa#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
STATS_GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"
OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")


class Vocabulary:
    """Namespaces of the ontology and concept schemes under one base."""

    def __init__(self, base: str = CANONICAL_BASE):
        self.base = base.rstrip("/")
        self.INSP = Namespace(f"{self.base}/def/inspection/")
        self.ontology = URIRef(f"{self.base}/def/inspection")
        self.THEME = Namespace(f"{self.base}/def/theme/")
        self.theme_scheme = URIRef(f"{self.base}/def/theme")
        self.OUTCOME = Namespace(f"{self.base}/def/outcome-status/")
        self.REVISIT = Namespace(f"{self.base}/def/revisit-status/")
        self.ISTATUS = Namespace(f"{self.base}/def/inspection-status/")

    def id(self, *segments: str) -> URIRef:
        """{base}/id/seg1/seg2/...: the URI of a thing."""
        return URIRef("/".join([f"{self.base}/id", *segments]))

    def editors(self) -> URIRef:
        return self.id("agent", "editors")

    # The server answers for the base's paths on whatever host it runs on: a request
    # for /id/bocu/harrow is about {base}/id/bocu/harrow.

    def uri_of_path(self, path: str) -> URIRef:
        return URIRef(f"{self.base}{path}")

    def path_of(self, uri) -> str | None:
        """The local path of a URI under the base, or None for anyone else's URI."""
        text = str(uri)
        return text[len(self.base):] if text.startswith(f"{self.base}/") else None

    def document_path(self, uri) -> str | None:
        """/doc/... for a thing named /id/...; /def/... documents itself."""
        path = self.path_of(uri)
        if path is None:
            return None
        return "/doc/" + path[len("/id/"):] if path.startswith("/id/") else path


SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """'Kensington and Chelsea' -> 'kensington-and-chelsea'."""
    return SLUG_CHARS.sub("-", name.lower().replace("&", "and")).strip("-")


PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
    "org": ORG, "prov": PROV, "foaf": FOAF, "time": TIME, "dcat": DCAT, "void": VOID,
    "oa": OA, "vcard": VCARD,
}


def bind_prefixes(graph, vocab: Vocabulary) -> None:
    """Bind the usual prefixes, and the dataset's own, on a graph about to be serialized."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    graph.bind("insp", vocab.INSP, replace=True)
    graph.bind("theme", vocab.THEME, replace=True)
    graph.bind("outcome", vocab.OUTCOME, replace=True)
    graph.bind("revisit", vocab.REVISIT, replace=True)
    graph.bind("istatus", vocab.ISTATUS, replace=True)
    graph.bind("gss", Namespace(STATS_GEOGRAPHY), replace=True)
