"""The Virtuoso backend against the embedded store: one Virtuoso 7 instance for the module,
started in a temporary folder, loaded with the shipped dataset (data, ontology and concept
schemes, at the canonical base), stopped by its PID at the end.

Needs Debian's virtuoso-opensource-7-bin (virtuoso-t, isql-vt), which .ci/run installs:
without it these tests fail, they do not skip.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from rdflib import BNode, Literal
from rdflib.namespace import XSD

from backend_checks import (DOCUMENTS, PAGES, QUERIES, is_ordered, run_named, same_answers,
                            same_document, same_page)
from server.app import Service, check_remote, create_app, load_service
from server.backends.sparql import load_graph
from server.backends.virtuoso import VirtuosoStore, canonical_language_tag, duration_text
from server.config import CANONICAL_BASE, Settings
from server.errors import GoingLocalError
from server.http_errors import TooExpensive
from server.queries import rebase_query
from server.store import QueryLimits, default_graph_iri
from server.virtuoso import VirtuosoInstance, VirtuosoMissing, _alive, find_programs

GRAPH = default_graph_iri(CANONICAL_BASE)
TIMINGS: dict[str, float] = {}

# A query heavy enough to run for minutes on any engine: the dataset crossed with itself,
# a string built for every pair.
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
         "FILTER(STRLEN(CONCAT(STR(?c), STR(?f))) > 3) }")


@pytest.fixture(scope="module")
def embedded() -> Service:
    return load_service(Settings())


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, embedded):
    try:
        find_programs()
    except VirtuosoMissing as error:
        pytest.fail(f"{error.message}; .ci/run installs it")
    instance = VirtuosoInstance.create(tmp_path_factory.mktemp("virtuoso"), max_rows=100_000,
                                      max_seconds=30)
    started = time.monotonic()
    instance.start()
    TIMINGS["start"] = time.monotonic() - started
    pid = instance.pid
    try:
        started = time.monotonic()
        instance.load(embedded.dataset.graph.serialize(format="nt", encoding="utf-8"), GRAPH,
                      name="going-local.nt")
        TIMINGS["load"] = time.monotonic() - started
        yield instance
    finally:
        instance.stop()
        assert not _alive(pid), f"Virtuoso (PID {pid}) is still running"
        shutil.rmtree(instance.directory, ignore_errors=True)  # its database: nothing is left
        print(f"\nVirtuoso: started in {TIMINGS.get('start', 0):.1f} s, "
              f"loaded in {TIMINGS.get('load', 0):.2f} s")


@pytest.fixture(scope="module")
def store(virtuoso, embedded) -> VirtuosoStore:
    return VirtuosoStore(virtuoso.endpoint, graph=GRAPH, size=len(embedded.dataset.graph))


@pytest.fixture(scope="module")
def on_virtuoso(store, embedded) -> Service:
    check_remote(store, len(embedded.dataset.graph))
    return Service(embedded.settings, embedded.vocab, embedded.dataset, store)


@pytest.fixture(scope="module")
def clients(embedded, on_virtuoso):
    apps = []
    for service in (embedded, on_virtuoso):
        app = create_app(service.settings, service)
        app.testing = True
        apps.append(app)
    yield tuple(app.test_client() for app in apps)
    from server.endpoint import close_workers

    for app in apps:
        close_workers(app)


# --- The instance ---------------------------------------------------------------------------

def test_the_instance_holds_the_dataset_and_nothing_else_is_read(virtuoso, store, embedded):
    assert virtuoso.count(GRAPH) == len(embedded.dataset.graph)
    # Without the graph named, Virtuoso would read its own system graphs too.
    assert store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].toPython() \
        == len(embedded.dataset.graph)
    assert store.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1").rows == []


def test_isql_errors_are_read_from_its_output(virtuoso):
    # isql-vt exits 0 when a statement fails; the helper reads the output.
    with pytest.raises(GoingLocalError, match="isql-vt: Error 42000"):
        virtuoso.isql("DB.DBA.TTLP_MT(file_to_string_output('/etc/passwd'), '', 'urn:x', 0);\n")
    with pytest.raises(GoingLocalError, match="isql-vt: Error"):
        virtuoso.load(b"<urn:a> <urn:b> .", "urn:x-going-local:broken", name="broken.ttl")


def test_a_remote_store_holding_other_data_refuses_to_start(virtuoso, embedded):
    other = VirtuosoStore(virtuoso.endpoint, graph="urn:x-going-local:empty")
    with pytest.raises(GoingLocalError, match=r"holds 0 triples in <urn:x-going-local:empty>, "
                                              r"the dataset \d+: load the dataset there first"):
        check_remote(other, len(embedded.dataset.graph))


# --- Every named query --------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_answers_the_same_on_virtuoso(name, embedded, store):
    expected = run_named(embedded.store, name, CANONICAL_BASE)
    got = run_named(store, name, CANONICAL_BASE)
    assert expected.rows, f"{name} gives no rows: nothing is compared"
    same_answers(QUERIES[name].text, expected, got)


def test_ordered_queries_are_compared_in_order():
    assert is_ordered(QUERIES["bocu-timeline"].text)
    assert not is_ordered("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s } }")


# --- Terms as the data has them ------------------------------------------------------------

def test_durations_come_back_as_durations(store):
    rows = store.select(rebase_query(
        "SELECT ?d WHERE { <https://w3id.org/going-local/id/programme/going-local> "
        "<https://w3id.org/going-local/def/inspection/plannedDuration> ?d }", CANONICAL_BASE)).rows
    assert rows == [(Literal("P5Y", datatype=XSD.duration),)]
    assert duration_text("14") == "P1Y2M" and duration_text("93600.0") == "P1DT2H"
    assert duration_text("P5Y") is None


def test_blank_nodes_and_language_tags_come_back_as_the_data_has_them(virtuoso):
    graph = "urn:x-going-local:terms"
    virtuoso.load(b'<urn:x> <urn:p> [ <urn:q> "one"@en-GB ] .\n', graph, name="terms.ttl")
    store = VirtuosoStore(virtuoso.endpoint, graph=graph)
    (node, label), = store.select("SELECT ?b ?l WHERE { <urn:x> <urn:p> ?b . ?b <urn:q> ?l }").rows
    assert isinstance(node, BNode)
    assert label == Literal("one", lang="en-GB") and label.language == "en-GB"
    # Virtuoso cannot find a blank node again by a VALUES block: binding one is refused.
    with pytest.raises(GoingLocalError, match="a blank node cannot be bound"):
        store.ask("ASK { ?b <urn:q> ?l }", {"b": node})
    constructed = store.construct("CONSTRUCT { ?b <urn:r> ?l } WHERE { ?b <urn:q> ?l }")
    (s, _, o), = list(constructed)
    assert isinstance(s, BNode) and o == label
    assert canonical_language_tag("zh-hant-tw") == "zh-Hant-TW"


# --- Limits ------------------------------------------------------------------------------------

def test_the_deadline_stops_a_heavy_query(store):
    started = time.monotonic()
    with pytest.raises(TooExpensive, match="ran longer than 2 s|no answer within 2 s|too long"):
        store.select(HEAVY, limits=QueryLimits(2.0, 10))
    assert time.monotonic() - started < 6


def test_a_result_the_engine_stopped_is_never_taken_for_the_whole_answer(virtuoso):
    # Virtuoso stops the query at its own timeout (a tenth of the deadline here, 3 s) and
    # answers 200 with the rows it had, marked X-SQL-State: S1TAT: refused.
    store = VirtuosoStore(virtuoso.endpoint, graph=GRAPH, engine_timeout=0.1)
    started = time.monotonic()
    with pytest.raises(TooExpensive, match="ran longer than 3 s and was stopped"):
        store.select(HEAVY, limits=QueryLimits(30, 10))
    assert time.monotonic() - started < 20


def test_the_row_cap_refuses_or_cuts(store):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    with pytest.raises(TooExpensive, match="more than 10 rows"):
        store.select(query, limits=QueryLimits(10, 10))
    cut = store.select(query, limits=QueryLimits(10, 10, truncate=True))
    assert len(cut.rows) == 10 and cut.truncated
    graph = store.construct("CONSTRUCT WHERE { ?s ?p ?o }", limits=QueryLimits(10, 7, truncate=True))
    assert len(graph) == 7
    with pytest.raises(TooExpensive):
        store.construct("CONSTRUCT WHERE { ?s ?p ?o }", limits=QueryLimits(10, 7))


def test_the_engines_own_row_limit_is_not_taken_for_the_whole_answer(virtuoso, embedded):
    # The instance cuts results at 100 001 rows; a store whose cap is above that would
    # see the cut marked (X-SPARQL-MaxRows), never a silently shorter answer.
    store = VirtuosoStore(virtuoso.endpoint, graph=GRAPH)
    rows = "SELECT ?a ?b WHERE { ?a a ?x . ?b a ?y }"
    with pytest.raises(TooExpensive, match="more than 200000 rows"):
        store.select(rows, limits=QueryLimits(30, 200_000))


def test_a_malformed_query_is_the_engines_message(store):
    with pytest.raises(GoingLocalError, match=r"malformed \(HTTP 400\): .*SP030"):
        store.select("SELECT ?s WHERE { ?s ?p }")


# --- Pages and documents ---------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_pages_are_the_same_on_virtuoso(clients, path):
    same_page(*clients, path)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_documents_are_the_same_on_virtuoso(clients, path):
    same_document(*clients, path)


# --- /sparql forwarded to Virtuoso -----------------------------------------------------------

JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def test_sparql_select_is_answered_by_virtuoso(clients):
    embedded, virtuoso = clients
    query = ("SELECT ?unit ?label WHERE { ?unit a <https://w3id.org/going-local/def/inspection/BoroughOperationalCommandUnit> ; "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?unit")
    a = embedded.get("/sparql", query_string={"query": query}, headers=JSON_RESULTS)
    b = virtuoso.post("/sparql", data={"query": query}, headers=JSON_RESULTS)
    assert a.status_code == b.status_code == 200, b.get_data(as_text=True)
    assert b.mimetype == "application/sparql-results+json"
    assert json.loads(b.data)["results"]["bindings"] == json.loads(a.data)["results"]["bindings"]
    assert len(json.loads(b.data)["results"]["bindings"]) > 20
    assert b.headers["X-Result-Row-Limit"] == a.headers["X-Result-Row-Limit"]


def test_sparql_ask_and_construct_are_answered_by_virtuoso(clients):
    embedded, virtuoso = clients
    ask = "ASK { ?r a <https://w3id.org/going-local/def/inspection/Revisit> }"
    response = virtuoso.get("/sparql", query_string={"query": ask}, headers=JSON_RESULTS)
    assert response.status_code == 200 and json.loads(response.data)["boolean"] is True
    construct = ("CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { ?s "
                 "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    a = embedded.get("/sparql", query_string={"query": construct}, headers={"Accept": "text/turtle"})
    b = virtuoso.get("/sparql", query_string={"query": construct}, headers={"Accept": "text/turtle"})
    assert b.status_code == 200 and b.mimetype == "text/turtle"
    from backend_checks import same_rdf

    same_rdf(a.data, b.data)


def test_sparql_refusals_are_the_same_on_virtuoso(clients):
    _, virtuoso = clients
    update = virtuoso.post("/sparql", data={"update": "CLEAR ALL"})
    assert update.status_code == 400 and "read-only" in update.get_data(as_text=True)
    insert = virtuoso.post("/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert insert.status_code == 400 and "read-only" in insert.get_data(as_text=True)
    service = virtuoso.get("/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert service.status_code == 400
    pragma = virtuoso.get("/sparql", query_string={
        "query": 'define input:same-as "yes" SELECT * WHERE { ?s ?p ?o } LIMIT 1'})
    assert pragma.status_code == 400 and "syntax error" in pragma.get_data(as_text=True)
    builtin = virtuoso.get("/sparql", query_string={
        "query": 'PREFIX bif: <bif:> SELECT * WHERE { ?s ?p ?o FILTER(bif:contains(?o, "x")) }'})
    assert builtin.status_code == 400 and "bif:contains" in builtin.get_data(as_text=True)
    syntax = virtuoso.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p"})
    assert syntax.status_code == 400


def test_sparql_deadline_and_row_cap_on_virtuoso(clients):
    _, virtuoso = clients
    app = virtuoso.application
    app.config["SPARQL_TIMEOUT"] = 2
    app.config["SPARQL_MAX_ROWS"] = 5
    try:
        started = time.monotonic()
        slow = virtuoso.get("/sparql", query_string={"query": HEAVY}, headers=JSON_RESULTS)
        assert slow.status_code == 503, slow.get_data(as_text=True)
        assert time.monotonic() - started < 6
        # Virtuoso's own timeout is half the deadline. Refused by the engine, the message
        # gives the deadline (2 s); stopped with the rows it had (S1TAT), the time it was
        # stopped (1 s); not answering in time, the deadline again.
        assert re.search(r"ran longer than [12] s and was stopped|no answer within 2 s",
                         slow.get_data(as_text=True))
        many = virtuoso.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                            headers=JSON_RESULTS)
        assert many.status_code == 200
        body = json.loads(many.data)
        assert len(body["results"]["bindings"]) == 5 and body["truncated"] is True
        assert many.headers["X-Result-Truncated"] == "true"
    finally:
        app.config.pop("SPARQL_TIMEOUT")
        app.config.pop("SPARQL_MAX_ROWS")


# --- Loading through the Graph Store Protocol ------------------------------------------------

def test_the_graph_store_loader_puts_and_posts_turtle(virtuoso):
    graph = "urn:x-going-local:graph-store"
    status = load_graph(virtuoso.graph_store, b"<urn:a> <urn:b> <urn:c> .\n", graph,
                        user="dba", password=virtuoso.password)
    assert status in (200, 201, 204)
    load_graph(virtuoso.graph_store, b"<urn:a> <urn:b> <urn:d> .\n", graph, replace=False,
               user="dba", password=virtuoso.password)
    assert virtuoso.count(graph) == 2
    load_graph(virtuoso.graph_store, b"<urn:a> <urn:b> <urn:e> .\n", graph,
               user="dba", password=virtuoso.password)
    assert virtuoso.count(graph) == 1
    with pytest.raises(GoingLocalError, match=r"refused the data \(HTTP 401"):
        load_graph(virtuoso.graph_store, b"<urn:a> <urn:b> <urn:c> .\n", graph)


# --- The command line ---------------------------------------------------------------------

def test_the_command_line_queries_virtuoso_as_it_queries_the_dataset(virtuoso):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}

    def run(*extra):
        done = subprocess.run([sys.executable, "-m", "server.cli", "query", "theme-findings",
                               "--format", "csv", *extra], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    local = run()
    remote = run("--endpoint", virtuoso.endpoint, "--store", "virtuoso")
    assert remote == local
    assert len(local.splitlines()) > 5
