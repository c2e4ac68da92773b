"""Locating quotations in a source text and describing them as Web Annotation passages.

Offsets count Unicode code points of the exact file, which is what Python's str
indexes; the file's SHA-256 is recorded so the offsets can be checked against it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from ..uris import OA, Vocabulary
from .errors import CurationError

CONTEXT_CHARS = 32  # prefix and suffix length: enough to re-anchor a short quote


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class SourceText:
    """One source file: its text, digest, and the passages quoted from it."""

    def __init__(self, path: Path, slug: str, vocab: Vocabulary):
        self.path, self.slug, self.vocab = path, slug, vocab
        raw = path.read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.text = raw.decode("utf-8")
        self.uri = vocab.id("source-text", slug)

    def section(self, heading: str, next_headings: list[str] | None = None) -> Span:
        """The span from a heading line to the next of `next_headings` (or the end)."""
        start = self._unique(f"\n{heading}\n", Span(0, len(self.text)), "section") + 1
        end = len(self.text)
        for following in next_headings or []:
            found = self.text.find(f"\n{following}", start + len(heading))
            if found != -1:
                end = min(end, found)
        return Span(start, end)

    def locate(self, quote: str, within: Span | None = None, what: str = "quote") -> Span:
        """The one place `quote` occurs within the span; an error if none or several."""
        within = within or Span(0, len(self.text))
        start = self._unique(quote, within, what)
        return Span(start, start + len(quote))

    def _unique(self, quote: str, within: Span, what: str) -> int:
        if not quote:
            raise CurationError(f"the {what} is empty")
        first = self.text.find(quote, within.start, within.end)
        if first == -1:
            raise CurationError(
                f"the {what} {_clip(quote)!r} is not in {self.path.name} "
                f"between characters {within.start} and {within.end}: it must be copied verbatim")
        if self.text.find(quote, first + 1, within.end) != -1:
            raise CurationError(
                f"the {what} {_clip(quote)!r} occurs more than once in its section: quote more of it")
        return first

    def passage_uri(self, span: Span) -> URIRef:
        return URIRef(f"{self.uri}/passage/{span.start}-{span.end}")

    def describe(self, graph: Graph) -> None:
        """The source text itself: its digest, format and file name."""
        graph.add((self.uri, RDF.type, self.vocab.INSP.SourceText))
        graph.add((self.uri, RDF.type, FOAF.Document))
        graph.add((self.uri, self.vocab.INSP.sha256, Literal(self.sha256)))
        graph.add((self.uri, DCTERMS.identifier, Literal(self.path.name)))
        graph.add((self.uri, DCTERMS.format, Literal(_media_type(self.path))))

    def add_passage(self, graph: Graph, span: Span) -> URIRef:
        """A SourcePassage with a TextQuoteSelector and a TextPositionSelector."""
        passage = self.passage_uri(span)
        quote_selector = URIRef(f"{passage}/quote")
        position_selector = URIRef(f"{passage}/position")
        insp = self.vocab.INSP
        graph.add((passage, RDF.type, insp.SourcePassage))
        graph.add((passage, RDF.type, OA.SpecificResource))
        graph.add((passage, RDFS.label, Literal(
            f"characters {span.start}-{span.end} of {self.path.name}", lang="en")))
        graph.add((passage, OA.hasSource, self.uri))
        graph.add((passage, OA.hasSelector, quote_selector))
        graph.add((passage, OA.hasSelector, position_selector))
        graph.add((quote_selector, RDF.type, OA.TextQuoteSelector))
        graph.add((quote_selector, OA.exact, Literal(self.text[span.start:span.end])))
        graph.add((quote_selector, OA.prefix,
                   Literal(self.text[max(0, span.start - CONTEXT_CHARS):span.start])))
        graph.add((quote_selector, OA.suffix,
                   Literal(self.text[span.end:span.end + CONTEXT_CHARS])))
        graph.add((position_selector, RDF.type, OA.TextPositionSelector))
        graph.add((position_selector, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
        graph.add((position_selector, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
        return passage

    def cite(self, graph: Graph, subject: URIRef, span: Span) -> URIRef:
        """Point `subject` at the passage it was taken from."""
        passage = self.add_passage(graph, span)
        graph.add((subject, self.vocab.INSP.sourcePassage, passage))
        graph.add((subject, PROV.wasDerivedFrom, self.uri))
        return passage


def _media_type(path: Path) -> str:
    return {".csv": "text/csv", ".txt": "text/plain"}.get(path.suffix, "application/octet-stream")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
