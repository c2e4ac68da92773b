"""Errata: evident errors in a source, annotated without touching its text."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ..uris import OA
from .context import Context, add_label, add_types
from .errors import CurationError
from .passages import SourceText, Span
from .records import Field


def compile_errata(graph: Graph, errata: list[Field], ctx: Context, source: SourceText,
                   section: Span, base: URIRef) -> None:
    """Each erratum targets the erroneous passage and the resource whose text holds it."""
    insp = ctx.vocab.INSP
    for erratum in errata:
        slug = erratum.get("id").text()
        uri = ctx.vocab.id("erratum", slug)
        quote = erratum.get("quote")
        try:
            span = source.locate(quote.text(), section)
        except CurationError as error:
            raise quote.error(error.reason) from None
        add_types(graph, uri, insp.Erratum, OA.Annotation)
        add_label(graph, uri, f"Erratum: {slug.replace('-', ' ')}")
        graph.add((uri, OA.motivatedBy, OA.editing))
        graph.add((uri, OA.hasTarget, source.add_passage(graph, span)))
        graph.add((uri, insp.sourcePassage, source.passage_uri(span)))
        graph.add((uri, OA.bodyValue, Literal(erratum.get("note").text(), lang="en")))
        graph.add((uri, insp.correction, Literal(erratum.get("correction").text(), lang="en")))
        graph.add((uri, DCTERMS.creator, ctx.vocab.editors()))
        concerns = erratum.get("concerns").text()
        graph.add((uri, insp.concerns, URIRef(f"{base}/{concerns}") if concerns else base))
