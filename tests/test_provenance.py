"""Every passage the data cites is found, verbatim, at its offsets in the source file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parent.parent
OA = Namespace("http://www.w3.org/ns/oa#")
INSP = Namespace("https://w3id.org/going-local/def/inspection/")
SOURCE_SHA256 = "ff5cc5e7caf87e1ce8aea7c5a5ace39ae61cd3fdaf7b3d419f247d87ae1870fb"


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def source_file(graph: Graph, source: URIRef) -> Path:
    name = str(graph.value(source, URIRef("http://purl.org/dc/terms/identifier")))
    return ROOT / "data" / "sources" / name


def test_the_kept_source_is_the_published_paper(data):
    paper_text = URIRef("https://w3id.org/going-local/id/source-text/mpa-pprc-2005-01-19-report-8")
    path = source_file(data, paper_text)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SOURCE_SHA256
    assert str(data.value(paper_text, INSP.sha256)) == SOURCE_SHA256


def test_every_source_digest_matches_its_file(data):
    sources = set(data.subjects(RDF.type, INSP.SourceText))
    assert len(sources) == 2
    for source in sources:
        digest = hashlib.sha256(source_file(data, source).read_bytes()).hexdigest()
        assert str(data.value(source, INSP.sha256)) == digest


def test_every_quote_is_at_its_offsets(data):
    passages = set(data.subjects(RDF.type, INSP.SourcePassage))
    assert len(passages) > 150
    for passage in passages:
        text = source_file(data, data.value(passage, OA.hasSource)).read_text(encoding="utf-8")
        selectors = {data.value(s, RDF.type): s for s in data.objects(passage, OA.hasSelector)}
        quote, position = selectors[OA.TextQuoteSelector], selectors[OA.TextPositionSelector]
        start, end = int(data.value(position, OA.start)), int(data.value(position, OA.end))
        exact = str(data.value(quote, OA.exact))
        assert text[start:end] == exact, passage
        assert text[:start].endswith(str(data.value(quote, OA.prefix))), passage
        assert text[end:].startswith(str(data.value(quote, OA.suffix))), passage


def test_every_verbatim_text_is_the_quote_of_one_of_its_passages(data):
    checked = 0
    for subject, text in data.subject_objects(INSP.text):
        quotes = {str(data.value(selector, OA.exact))
                  for passage in data.objects(subject, INSP.sourcePassage)
                  for selector in data.objects(passage, OA.hasSelector)
                  if (selector, RDF.type, OA.TextQuoteSelector) in data}
        assert str(text) in quotes, subject
        checked += 1
    # 19 recommendations, 21 progress updates, 5 action points, 19 good practice,
    # 6 conclusions, 18 findings, 3 timetable entries, 2 recommendations to members
    assert checked == 93


def test_sourced_resources_all_cite_a_passage(data):
    for cls in (INSP.Recommendation, INSP.ProgressUpdate, INSP.ActionPoint, INSP.GoodPractice,
                INSP.Conclusion, INSP.Finding, INSP.Inspection, INSP.Revisit, INSP.Borough,
                INSP.BoroughOperationalCommandUnit):
        members = set(data.subjects(RDF.type, cls))
        assert members, cls
        for member in members:
            assert data.value(member, INSP.sourcePassage) is not None, member
