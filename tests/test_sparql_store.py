"""The generic SPARQL endpoint backend against the embedded store, on Oxigraph's own server
(`oxigraph serve`, from the `oxigraph` package of the test dependencies): the dataset is
loaded with `going-local load` through the Graph Store Protocol, then every named query,
pages, documents and /sparql are compared. The server runs on 127.0.0.1, in memory, and
is stopped by its PID at the end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from backend_checks import DOCUMENTS, PAGES, QUERIES, run_named, same_answers, same_document, same_page
from server.app import Service, check_remote, create_app, load_service
from server.backends.sparql import SparqlStore, StoreUnavailable, load_graph
from server.config import CANONICAL_BASE, Settings
from server.errors import GoingLocalError
from server.http_errors import TooExpensive
from server.store import QueryLimits, default_graph_iri
from server.virtuoso import free_port

ROOT = Path(__file__).resolve().parent.parent
GRAPH = default_graph_iri(CANONICAL_BASE)


def oxigraph_program() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server program is not installed: it comes with the test "
                    "dependencies (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [oxigraph_program(), "serve", "--location", str(location),
         "--bind", f"127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {process.stderr.read().decode()}")
            try:
                url = f"{root}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not answer in time") from None
                time.sleep(0.1)
        yield root
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        process.stderr.close()
        shutil.rmtree(location, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded(oxigraph_server):
    """The dataset loaded with the command line, as a deployment would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}
    done = subprocess.run([sys.executable, "-m", "server.cli", "load", "--endpoint",
                           f"{oxigraph_server}/store", "--graph", GRAPH],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Loaded ") and f"into <{GRAPH}>" in done.stdout
    return oxigraph_server


@pytest.fixture(scope="module")
def embedded() -> Service:
    return load_service(Settings())


@pytest.fixture(scope="module")
def store(loaded, embedded) -> SparqlStore:
    return SparqlStore(f"{loaded}/query", graph=GRAPH, size=len(embedded.dataset.graph))


@pytest.fixture(scope="module")
def clients(embedded, store):
    check_remote(store, len(embedded.dataset.graph))
    remote = Service(embedded.settings, embedded.vocab, embedded.dataset, store)
    apps = []
    for service in (embedded, remote):
        app = create_app(service.settings, service)
        app.testing = True
        apps.append(app)
    yield tuple(app.test_client() for app in apps)
    from server.endpoint import close_workers

    for app in apps:
        close_workers(app)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_answers_the_same_on_an_endpoint(name, embedded, store):
    expected = run_named(embedded.store, name, CANONICAL_BASE)
    same_answers(QUERIES[name].text, expected, run_named(store, name, CANONICAL_BASE))


def test_get_and_post_answer_alike(loaded, store):
    by_get = SparqlStore(f"{loaded}/query", graph=GRAPH, method="GET")
    query = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 50"
    assert by_get.select(query).rows == store.select(query).rows
    assert by_get.ask("ASK { ?s ?p ?o }")


def test_pages_and_documents_are_the_same_on_an_endpoint(clients):
    for path in PAGES:
        same_page(*clients, path)
    for path in DOCUMENTS:
        same_document(*clients, path)


def test_sparql_is_forwarded_with_the_row_cap(clients):
    embedded, remote = clients
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    remote.application.config["SPARQL_MAX_ROWS"] = 7
    embedded.application.config["SPARQL_MAX_ROWS"] = 7
    try:
        for accept in ("application/sparql-results+json", "text/csv"):
            a = embedded.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
            b = remote.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
            assert b.status_code == 200 and b.headers["X-Result-Truncated"] == "true"
            assert b.data == a.data
        body = json.loads(remote.get("/sparql", query_string={"query": query}).data)
        assert body["truncated"] is True and len(body["results"]["bindings"]) == 7
        refused = remote.post("/sparql", data={"update": "DROP ALL"})
        assert refused.status_code == 400
    finally:
        remote.application.config.pop("SPARQL_MAX_ROWS")
        embedded.application.config.pop("SPARQL_MAX_ROWS")


def test_limits_and_failures_on_an_endpoint(loaded, store):
    with pytest.raises(TooExpensive, match="more than 3 rows"):
        store.select("SELECT ?s WHERE { ?s ?p ?o }", limits=QueryLimits(10, 3))
    graph = store.construct("CONSTRUCT WHERE { ?s ?p ?o }", limits=QueryLimits(10, 3, truncate=True))
    assert len(graph) == 3
    with pytest.raises(GoingLocalError, match=r"malformed \(HTTP 400\)"):
        store.select("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(StoreUnavailable, match=r"no SPARQL endpoint there \(HTTP 404\)"):
        SparqlStore(f"{loaded}/nowhere").ask("ASK {}")
    with pytest.raises(StoreUnavailable, match=r"cannot connect \(Connection refused\)"):
        SparqlStore(f"http://127.0.0.1:{free_port()}/sparql").ask("ASK {}")


def test_load_replaces_or_adds_and_says_why_it_failed(loaded):
    graph = "urn:x-going-local:scratch"
    load_graph(f"{loaded}/store", b"<urn:a> <urn:b> <urn:c> .\n", graph)
    load_graph(f"{loaded}/store", b"<urn:a> <urn:b> <urn:d> .\n", graph, replace=False)
    scratch = SparqlStore(f"{loaded}/query", graph=graph)
    assert len(scratch.select("SELECT * WHERE { ?s ?p ?o }").rows) == 2
    load_graph(f"{loaded}/store", b"<urn:a> <urn:b> <urn:e> .\n", graph)
    assert len(scratch.select("SELECT * WHERE { ?s ?p ?o }").rows) == 1
    with pytest.raises(GoingLocalError, match=r"refused the data \(HTTP 400"):
        load_graph(f"{loaded}/store", b"<urn:a> <urn:b> .\n", graph)


def test_serve_chooses_its_store_from_the_command_line(loaded):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--store", "sparql", "--endpoint", f"{loaded}/query", "--graph", GRAPH],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode(
            {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.2)
        count = int(body["results"]["bindings"][0]["n"]["value"])
        assert count == len(load_service(Settings()).dataset.graph)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        process.stderr.close()


def test_serve_refuses_a_store_without_the_dataset(loaded):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}
    env.update(GOING_LOCAL_STORE="sparql", GOING_LOCAL_ENDPOINT=f"{loaded}/query",
               GOING_LOCAL_GRAPH="urn:x-going-local:nothing-here")
    done = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port", str(free_port())],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "holds 0 triples in <urn:x-going-local:nothing-here>" in done.stderr
