"""Loading Turtle: folders, the files each subject came from, syntax errors, rebasing."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from helpers_cli import FIXTURES
from server.config import CANONICAL_BASE
from server.errors import GoingLocalError
from server.loading import (
    load_data, load_dataset, load_model, load_turtle, merge, parse_turtle, rebase, rebase_iri,
    turtle_files,
)

TREE = FIXTURES / "tree"
SHARED = URIRef(f"{CANONICAL_BASE}/id/thing/shared")


def test_a_folder_loads_every_ttl_below_it_sorted():
    assert [p.relative_to(TREE).as_posix() for p in turtle_files([TREE])] == ["a.ttl", "deeper/b.ttl"]
    loaded = load_turtle([TREE])
    assert len(loaded.graph) == 3
    assert [f.rsplit("/", 2)[-2:] for f in loaded.files] == [["tree", "a.ttl"], ["deeper", "b.ttl"]]


def test_each_subject_remembers_every_file_it_is_stated_in():
    loaded = load_turtle([TREE])
    a, b = loaded.files
    assert loaded.files_of(SHARED) == [a, b]
    assert loaded.files_of(URIRef(f"{CANONICAL_BASE}/id/thing/only-a")) == [a]
    assert loaded.files_of(URIRef("http://example.org/nothing")) == []


def test_merge_keeps_the_files_of_both_sides():
    model = load_model()
    merged = merge(load_turtle([TREE]), model)
    assert len(merged.graph) == 3 + len(model.graph)
    ontology = URIRef(f"{CANONICAL_BASE}/def/inspection")
    assert [f.rsplit("/", 1)[-1] for f in merged.files_of(ontology)] == ["inspection.ttl"]
    assert len(merged.files_of(SHARED)) == 2


@pytest.mark.parametrize("text, message", [
    ("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c\nex:d ex:e ex:f .\n",
     ":3: expected '.' or '}' or ']' at end of statement"),
    ("@prefix ex: <http://example.org/> .\n\n\nex:a ex:b nope:c .\n", ':4: Prefix "nope:" not bound'),
    ('@prefix ex: <http://example.org/> .\nex:a ex:b """fine\nacross\nlines""" .\nex:a ex:b "bad\n" .\n',
     ":5: newline found in string literal"),
])
def test_syntax_errors_are_path_line_message(tmp_path, text, message):
    path = tmp_path / "broken.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoingLocalError) as error:
        load_turtle([path])
    assert error.value.message == f"{path}{message}"
    assert "\n" not in error.value.message


def test_paths_are_shown_relative_to_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.ttl").write_text("<a> <b> .\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GoingLocalError) as error:
        parse_turtle(tmp_path / "sub" / "x.ttl")
    assert error.value.message.startswith("sub/x.ttl:1: ")


def test_not_utf8_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'@prefix ex: <http://example.org/> .\nex:a ex:b "caf\xe9" .\n')
    with pytest.raises(GoingLocalError) as error:
        load_turtle([path])
    assert error.value.message.startswith(f"{path}:2: not UTF-8 text")


def test_missing_paths_and_empty_folders(tmp_path):
    with pytest.raises(GoingLocalError) as error:
        load_turtle([TREE, tmp_path / "missing.ttl"])
    assert error.value.message == f"{tmp_path / 'missing.ttl'}: no such file or folder"
    with pytest.raises(GoingLocalError, match="no Turtle \\(\\*\\.ttl\\) files in this folder"):
        load_turtle([tmp_path])
    assert len(load_turtle([tmp_path], allow_empty=True).graph) == 0


def test_the_model_is_the_ontology_and_the_concept_schemes():
    model = load_model().graph
    assert (URIRef(f"{CANONICAL_BASE}/def/inspection"), RDF.type, OWL.Ontology) in model
    assert (URIRef(f"{CANONICAL_BASE}/def/theme"), RDF.type, SKOS.ConceptScheme) in model


def test_data_defaults_to_the_configured_data_folder(tmp_path, monkeypatch):
    (tmp_path / "one.ttl").write_text("<http://example.org/a> <http://example.org/b> 1 .\n")
    monkeypatch.setenv("GOING_LOCAL_DATA", str(tmp_path))
    assert len(load_data().graph) == 1


def test_rebase_moves_canonical_iris_only():
    g = Graph()
    g.bind("bocu", URIRef(f"{CANONICAL_BASE}/id/bocu/"))
    harrow = URIRef(f"{CANONICAL_BASE}/id/bocu/harrow")
    odd = URIRef(f"{CANONICAL_BASE}ish/x")
    g.add((harrow, RDFS.label, Literal("Harrow BOCU", lang="en")))
    g.add((harrow, RDFS.seeAlso, odd))
    g.add((harrow, RDFS.comment, Literal(f"{CANONICAL_BASE}/id/ in a literal stays")))
    g.add((harrow, RDFS.isDefinedBy, Literal("x", datatype=URIRef(f"{CANONICAL_BASE}/def/dt"))))
    g.add((harrow, RDFS.member, Literal("1", datatype=XSD.integer)))
    moved = rebase(g, "http://localhost:8000/gl/")
    new = URIRef("http://localhost:8000/gl/id/bocu/harrow")
    assert set(moved) == {
        (new, RDFS.label, Literal("Harrow BOCU", lang="en")),
        (new, RDFS.seeAlso, odd),
        (new, RDFS.comment, Literal(f"{CANONICAL_BASE}/id/ in a literal stays")),
        (new, RDFS.isDefinedBy, Literal("x", datatype=URIRef("http://localhost:8000/gl/def/dt"))),
        (new, RDFS.member, Literal("1", datatype=XSD.integer)),
    }
    assert dict(moved.namespaces())["bocu"] == URIRef("http://localhost:8000/gl/id/bocu/")
    assert rebase(g, CANONICAL_BASE) is g
    assert rebase_iri(CANONICAL_BASE, "http://h") == "http://h"
    assert rebase_iri(f"{CANONICAL_BASE}#x", "http://h") == "http://h#x"


def test_the_configured_base_applies_on_load_files_included(monkeypatch):
    monkeypatch.setenv("GOING_LOCAL_BASE", "http://localhost:8000")
    loaded = load_dataset([TREE])
    shared = URIRef("http://localhost:8000/id/thing/shared")
    assert (shared, RDFS.label, Literal("stated in a.ttl")) in loaded.graph
    assert len(loaded.files_of(shared)) == 2
    assert not any(str(t).startswith(CANONICAL_BASE + "/") for triple in loaded.graph for t in triple
                   if isinstance(t, URIRef))
