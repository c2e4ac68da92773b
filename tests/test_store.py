"""The store interface on the embedded backend: every call bounded by a deadline and a row
cap, parameters bound, and the store chosen by the settings."""

from __future__ import annotations

import time

import pytest
from rdflib import Graph, Literal, URIRef

from server.backends.sparql import SparqlStore
from server.backends.virtuoso import VirtuosoStore
from server.config import Settings
from server.errors import GoingLocalError
from server.http_errors import TooExpensive
from server.store import OxigraphStore, QueryLimits, limits_from_env, open_store

EX = "http://example.org/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    graph = Graph()
    for i in range(300):
        graph.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(i)))
    return graph


@pytest.fixture(scope="module")
def store(graph) -> OxigraphStore:
    return OxigraphStore(graph, QueryLimits(5, 1000))


def test_parameters_are_bound_as_terms(store):
    rows = store.select("SELECT ?s WHERE { ?s <http://example.org/p> ?n }", {"n": Literal(7)}).rows
    assert rows == [(URIRef(f"{EX}s7"),)]
    assert store.ask("ASK { ?s ?p ?n }", {"n": Literal(299), "s": None})
    graph = store.describe("DESCRIBE ?s WHERE { ?s ?p ?n }", {"n": Literal(1)})
    assert len(graph) == 1


def test_the_row_cap_refuses_by_default_and_cuts_when_asked(store):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    with pytest.raises(TooExpensive, match="more than 100 rows"):
        store.select(query, limits=QueryLimits(5, 100))
    cut = store.select(query, limits=QueryLimits(5, 100, truncate=True))
    assert len(cut.rows) == 100 and cut.truncated
    assert not store.select(query, limits=QueryLimits(5, 300)).truncated
    # The store's own limits apply when a call gives none.
    with pytest.raises(TooExpensive, match="more than 1000 rows"):
        store.select("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    with pytest.raises(TooExpensive, match="more than 10 rows"):
        store.construct("CONSTRUCT WHERE { ?s ?p ?o }", limits=QueryLimits(5, 10))


def test_the_deadline_stops_a_query_between_rows(store):
    # 300 x 300 x 300 rows: far more than a tenth of a second's work.
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    with pytest.raises(TooExpensive, match="ran longer than 0.1 s"):
        store.select(query, limits=QueryLimits(0.1, 10**9))
    assert time.monotonic() - started < 2


def test_limits_must_make_sense(monkeypatch):
    with pytest.raises(ValueError):
        QueryLimits(0, 10)
    monkeypatch.setenv("GOING_LOCAL_STORE_TIMEOUT", "2.5")
    monkeypatch.setenv("GOING_LOCAL_STORE_MAX_ROWS", "50")
    assert limits_from_env() == QueryLimits(2.5, 50)
    monkeypatch.setenv("GOING_LOCAL_STORE_MAX_ROWS", "many")
    with pytest.raises(GoingLocalError, match="GOING_LOCAL_STORE_MAX_ROWS='many' is not a number"):
        limits_from_env()


def test_the_settings_choose_the_store(graph):
    assert isinstance(open_store(Settings(), graph), OxigraphStore)
    remote = open_store(Settings(store="sparql", endpoint="http://127.0.0.1:9/sparql"), graph)
    assert isinstance(remote, SparqlStore) and remote.graph is None and len(remote) == len(graph)
    virtuoso = open_store(Settings(store="virtuoso", endpoint="http://127.0.0.1:9/sparql"), graph)
    assert isinstance(virtuoso, VirtuosoStore)
    assert virtuoso.graph == "https://w3id.org/going-local/id/dataset/going-local"
    with pytest.raises(GoingLocalError, match="needs an endpoint URL"):
        open_store(Settings(store="virtuoso"), graph)
    with pytest.raises(GoingLocalError, match="unknown store 'fuseki'"):
        open_store(Settings(store="fuseki", endpoint="http://127.0.0.1:9/"), graph)
    with pytest.raises(GoingLocalError, match="not an http:// or https:// endpoint URL"):
        open_store(Settings(store="sparql", endpoint="localhost:3030/sparql"), graph)


def test_the_environment_chooses_the_store(monkeypatch):
    from server.config import load_settings

    monkeypatch.setenv("GOING_LOCAL_STORE", "Virtuoso")
    monkeypatch.setenv("GOING_LOCAL_ENDPOINT", "http://127.0.0.1:8890/sparql")
    monkeypatch.setenv("GOING_LOCAL_GRAPH", "urn:x-graph")
    settings = load_settings()
    assert (settings.store, settings.endpoint, settings.graph) == (
        "virtuoso", "http://127.0.0.1:8890/sparql", "urn:x-graph")
