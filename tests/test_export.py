"""`going-local export`: the dumps, their VoID and DCAT description, and all-or-nothing writes."""

from __future__ import annotations

import os

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from helpers_cli import FIXTURES, clean_env, one_line, run_cli
from server import export as export_module
from server.config import CANONICAL_BASE
from server.errors import GoingLocalError
from server.export import DUMPS, export
from server.loading import load_dataset

GOOD = FIXTURES / "good.ttl"
FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
DATASET = URIRef(f"{CANONICAL_BASE}/id/dataset/going-local")
OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")


def integer(graph: Graph, subject, predicate) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "dumps"
    done = run_cli("export", "--out", str(out), "--data", str(GOOD))
    assert done.returncode == 0, done.stderr
    return out, done


def test_every_dump_is_written_and_parses_back_to_the_whole_dataset(exported):
    out, done = exported
    expected = len(load_dataset([GOOD]).graph)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["going-local.ttl", "going-local.nt", "going-local.jsonld", "going-local.rdf", "void.ttl"])
    for suffix, fmt in FORMATS.items():
        graph = Graph().parse(out / f"going-local.{suffix}", format=fmt)
        assert len(graph) == expected, suffix
    assert done.stdout.startswith(f"Wrote {expected} triples to ")


def test_the_dumps_hold_the_data_the_ontology_and_the_schemes(exported):
    out, _ = exported
    graph = Graph().parse(out / "going-local.nt", format="nt")
    assert (URIRef(f"{CANONICAL_BASE}/id/bocu/harrow"), None, None) in graph
    assert (URIRef(f"{CANONICAL_BASE}/def/inspection"), None, None) in graph
    assert (URIRef(f"{CANONICAL_BASE}/def/theme/leadership"), None, None) in graph


def test_void_counts_are_the_real_ones(exported):
    out, _ = exported
    dump = Graph().parse(out / "going-local.ttl", format="turtle")
    void = Graph().parse(out / "void.ttl", format="turtle")
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert (DATASET, RDF.type, DCAT.Dataset) in void
    assert integer(void, DATASET, VOID.triples) == len(dump)
    assert integer(void, DATASET, VOID.distinctSubjects) == len(set(dump.subjects()))
    entities = {s for s in dump.subjects() if str(s).startswith(f"{CANONICAL_BASE}/id/")}
    assert integer(void, DATASET, VOID.entities) == len(entities)
    partitions = {void.value(p, VOID["class"]): integer(void, p, VOID.entities)
                  for p in void.objects(DATASET, VOID.classPartition)}
    classes = set(dump.objects(None, RDF.type))
    assert partitions == {c: len(set(dump.subjects(RDF.type, c))) for c in classes}
    assert partitions[URIRef(f"{CANONICAL_BASE}/def/inspection/Recommendation")] == 2


def test_void_describes_licence_links_and_distributions(exported):
    out, _ = exported
    void = Graph().parse(out / "void.ttl", format="turtle")
    assert void.value(DATASET, DCTERMS.license) == OGL
    assert void.value(DATASET, DCTERMS.title) is not None
    assert void.value(DATASET, DCTERMS.description) is not None
    assert void.value(DATASET, DCTERMS.publisher) == URIRef(f"{CANONICAL_BASE}/id/agent/editors")
    assert void.value(DATASET, VOID.exampleResource) == URIRef(f"{CANONICAL_BASE}/id/bocu/harrow")
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(f"{CANONICAL_BASE}/sparql")
    assert void.value(DATASET, VOID.uriSpace) == Literal(f"{CANONICAL_BASE}/id/")
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(DUMPS) == 4
    dumps = set(void.objects(DATASET, VOID.dataDump))
    media = {}
    for distribution in distributions:
        download = void.value(distribution, DCAT.downloadURL)
        assert download in dumps
        name = str(download).rsplit("/", 1)[-1]
        size = void.value(distribution, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger
        assert int(size) == (out / name).stat().st_size
        media[name] = str(void.value(distribution, DCAT.mediaType)).rsplit("media-types/", 1)[-1]
    assert media == {"going-local.ttl": "text/turtle", "going-local.nt": "application/n-triples",
                     "going-local.jsonld": "application/ld+json", "going-local.rdf": "application/rdf+xml"}


def test_export_under_another_base(tmp_path):
    out = tmp_path / "moved"
    done = run_cli("export", "--out", str(out), "--data", str(GOOD),
                   env=clean_env(GOING_LOCAL_BASE="http://localhost:8000"))
    assert done.returncode == 0, done.stderr
    void = Graph().parse(out / "void.ttl", format="turtle")
    assert (URIRef("http://localhost:8000/id/dataset/going-local"), RDF.type, VOID.Dataset) in void
    dump = (out / "going-local.nt").read_text(encoding="utf-8")
    assert f"<{CANONICAL_BASE}/" not in dump
    assert "<http://localhost:8000/id/bocu/harrow>" in dump


def test_export_replaces_an_existing_folder_whole(tmp_path):
    out = tmp_path / "dumps"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier export")
    done = run_cli("export", "--out", str(out), "--data", str(GOOD))
    assert done.returncode == 0, done.stderr
    assert not (out / "stale.txt").exists()
    assert (out / "void.ttl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dumps"]  # nothing left beside it


def test_export_under_a_file_fails_and_writes_nothing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = run_cli("export", "--out", str(blocker / "dumps"), "--data", str(GOOD))
    assert done.returncode == 2
    assert one_line(done.stderr) == f"{blocker / 'dumps'}: cannot export there, {blocker} is not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert blocker.read_text() == "not a folder"


def test_export_onto_a_file_fails(tmp_path):
    target = tmp_path / "dumps"
    target.write_text("keep me")
    done = run_cli("export", "--out", str(target), "--data", str(GOOD))
    assert done.returncode == 2
    assert one_line(done.stderr) == f"{target}: exists and is not a folder"
    assert target.read_text() == "keep me"


def test_a_failure_midway_leaves_the_old_export_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "dumps"
    out.mkdir()
    (out / "going-local.ttl").write_text("the old export")
    graph = load_dataset([GOOD]).graph
    real_serialize = Graph.serialize
    calls = []

    def failing_serialize(self, *args, **kwargs):
        calls.append(kwargs.get("format"))
        if len(calls) == 3:  # after two dumps are written
            raise OSError(28, "No space left on device")
        return real_serialize(self, *args, **kwargs)

    monkeypatch.setattr(Graph, "serialize", failing_serialize)
    with pytest.raises(GoingLocalError) as error:
        export(graph, out)
    assert error.value.message == f"{out}: export failed, nothing changed (No space left on device)"
    assert calls == ["turtle", "nt", "json-ld"]
    assert sorted(os.listdir(tmp_path)) == ["dumps"]  # no staging folder left behind
    assert sorted(os.listdir(out)) == ["going-local.ttl"]
    assert (out / "going-local.ttl").read_text() == "the old export"


def test_a_failure_midway_creates_nothing_new(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(export_module, "swap_into_place", fail)
    with pytest.raises(GoingLocalError):
        export(load_dataset([GOOD]).graph, tmp_path / "new")
    assert os.listdir(tmp_path) == []
