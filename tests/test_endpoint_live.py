"""The SPARQL endpoint over real HTTP on loopback, with real clients (SPARQLWrapper, rdflib's
SPARQLStore), hostile input, the time limit, and the worker processes' life and death."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from live import live_server

STARTUP = 600.0  # seconds: the server loads and validates everything before it answers
DEADLINE = 3  # seconds: the time limit the server under test is given
HARROW = URIRef("https://w3id.org/going-local/id/bocu/harrow")
LABEL_QUERY = f"SELECT ?label WHERE {{ <{HARROW}> <{RDFS.label}> ?label }}"
CARTESIAN = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j"


@pytest.fixture(scope="module")
def server():
    # A memory cap high enough that the deadline, not memory, stops the long query.
    env = {"GOING_LOCAL_SPARQL_TIMEOUT": str(DEADLINE), "GOING_LOCAL_SPARQL_WORKER_MEMORY_MB": "4096"}
    with live_server(env=env, timeout=STARTUP) as root:
        yield root


@pytest.fixture(scope="module")
def endpoint(server):
    return f"{server}/sparql"


def wrapper(endpoint: str, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setTimeout(60)
    return client


def http(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 60):
    """(status, headers, body), errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def query_url(endpoint: str, query: str, **params) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': query, **params})}"


# --- Processes, read from /proc ----------------------------------------------------------------

def processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) for every process we can see."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(entry)] = (int(fields[1]), fields[0], cmdline)
    return out


def server_pid(root: str) -> int:
    port = root.rsplit(":", 1)[1]
    (pid,) = [pid for pid, (ppid, _, cmd) in processes().items()
              if ppid == os.getpid() and "server.cli serve" in cmd and f"--port {port}" in cmd]
    return pid


def worker_pids(root: str) -> set[int]:
    parent = server_pid(root)
    return {pid for pid, (ppid, state, cmd) in processes().items()
            if ppid == parent and "server.query_workers" in cmd and state != "Z"}


def gone(pid: int) -> bool:
    """Not running and not a zombie waiting to be reaped."""
    return not os.path.exists(f"/proc/{pid}")


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")


# --- SPARQLWrapper, the real client ---------------------------------------------------------------

@pytest.mark.parametrize("method", [GET, POST])
def test_select_in_every_results_format(endpoint, method):
    data = wrapper(endpoint, LABEL_QUERY, JSON, method).query().convert()
    assert data["results"]["bindings"] == [
        {"label": {"type": "literal", "value": "Harrow BOCU", "xml:lang": "en"}}]

    document = wrapper(endpoint, LABEL_QUERY, XML, method).query().convert()
    (literal,) = document.getElementsByTagName("literal")
    assert literal.firstChild.data == "Harrow BOCU" and literal.getAttribute("xml:lang") == "en"

    csv_body = wrapper(endpoint, LABEL_QUERY, CSV, method).query().convert()
    assert csv_body == b"label\r\nHarrow BOCU\r\n"

    tsv_body = wrapper(endpoint, LABEL_QUERY, TSV, method).query().convert()
    assert tsv_body == b'?label\n"Harrow BOCU"@en\n'


@pytest.mark.parametrize("method", [GET, POST])
def test_ask(endpoint, method):
    assert wrapper(endpoint, f"ASK {{ <{HARROW}> ?p ?o }}", JSON, method).query().convert() == \
        {"head": {}, "boolean": True}


@pytest.mark.parametrize("method", [GET, POST])
def test_construct_and_describe_as_turtle_and_json_ld(endpoint, method):
    query = f"CONSTRUCT {{ <{HARROW}> ?p ?o }} WHERE {{ <{HARROW}> ?p ?o }}"
    turtle = wrapper(endpoint, query, TURTLE, method).query()
    assert turtle.response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.convert(), format="turtle")
    assert graph.value(HARROW, RDFS.label) == Literal("Harrow BOCU", lang="en")

    jsonld = wrapper(endpoint, f"DESCRIBE <{HARROW}>", JSONLD, method).query()
    assert jsonld.response.headers["Content-Type"] == "application/ld+json"
    described = jsonld.convert()
    assert (HARROW, RDFS.label, Literal("Harrow BOCU", lang="en")) in described
    assert len(described) == len(graph)


def test_rdflib_reads_the_endpoint_as_a_remote_graph(endpoint):
    graph = Graph(store=SPARQLStore(query_endpoint=endpoint))
    assert graph.value(HARROW, RDFS.label) == Literal("Harrow BOCU", lang="en")
    about = list(graph.triples((HARROW, None, None)))
    assert (HARROW, RDFS.label, Literal("Harrow BOCU", lang="en")) in about and len(about) > 3
    assert (HARROW, RDFS.label, None) in graph


def test_service_description_and_cors(endpoint):
    status, headers, body = http(endpoint)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert headers["Access-Control-Allow-Origin"] == "*"
    graph = Graph().parse(data=body, format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"),
            URIRef(endpoint)) in graph


# --- Hostile input ---------------------------------------------------------------------------------

def test_malformed_query_is_400_with_the_parsers_message(endpoint):
    status, _, body = http(query_url(endpoint, "SELECT * WHERE { ?s ?p }"))
    assert status == 400
    assert b"SPARQL syntax error: error at 1:" in body
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT * WHERE { ?s ?p }", JSON).query()


def test_updates_are_refused(endpoint):
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery(update)  # SPARQLWrapper sends it as an `update` parameter
    with pytest.raises(QueryBadFormed) as error:
        client.query()
    assert "read-only" in str(error.value)
    status, _, body = http(endpoint, urllib.parse.urlencode({"query": update}).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"read-only" in body
    data = wrapper(endpoint, "ASK { <http://example.org/a> ?p ?o }", JSON).query().convert()
    assert data["boolean"] is False


def test_service_to_a_loopback_port_makes_no_connection(endpoint):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connections, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(conn.recv(1024))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                      f"SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}"):
            status, _, body = http(query_url(endpoint, query))
            assert status == 400, body
        time.sleep(1.0)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert connections == []


def test_enormous_queries_are_413(endpoint):
    huge = "ASK {}\n" + "# padding\n" * 8000  # 80 KB
    status, _, _ = http(endpoint, huge.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 413
    status, _, _ = http(endpoint, urllib.parse.urlencode({"query": huge}).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    status, _, _ = http(query_url(endpoint, huge))
    assert status == 413
    status, _, _ = http(endpoint, b"ASK {}", {"Content-Type": "text/plain"})
    assert status == 415


def test_markup_in_a_literal_comes_back_escaped_in_xml(endpoint):
    markup = '<b onclick="x()">bold</b> & <![CDATA[ ]]>'
    query = 'SELECT ?x WHERE { BIND("%s" AS ?x) }' % markup.replace('"', '\\"')
    status, _, body = http(query_url(endpoint, query, format="xml"))
    assert status == 200 and b"<b " not in body and b"&lt;b onclick" in body
    document = wrapper(endpoint, query, XML).query().convert()
    (literal,) = document.getElementsByTagName("literal")
    assert literal.firstChild.data == markup


@needs_proc
def test_a_query_that_would_run_for_minutes_is_stopped_at_the_deadline(server, endpoint):
    assert http(query_url(endpoint, "ASK {}"))[0] == 200  # workers up
    before = worker_pids(server)
    assert len(before) == 2
    started = time.monotonic()
    status, _, body = http(query_url(endpoint, CARTESIAN), timeout=120)
    elapsed = time.monotonic() - started
    assert status == 503
    assert f"the query ran longer than {DEADLINE} s and was stopped".encode() in body
    assert DEADLINE - 0.1 < elapsed < DEADLINE + 5
    for _ in range(4):  # ordinary queries still answer, whichever worker takes them
        data = wrapper(endpoint, LABEL_QUERY, JSON).query().convert()
        assert data["results"]["bindings"][0]["label"]["value"] == "Harrow BOCU"
    after = worker_pids(server)
    killed = before - after
    assert len(killed) == 1 and len(after) == 2
    assert all(gone(pid) for pid in killed)  # killed and reaped, no zombie


@needs_proc
def test_stopping_the_server_stops_and_reaps_its_workers():
    with live_server(timeout=STARTUP) as root:
        assert http(query_url(f"{root}/sparql", "ASK {}"))[0] == 200
        pids = worker_pids(root)
        assert len(pids) == 2
    # At once, not eventually: the server reaped them itself before it exited. Orphans
    # would wait for PID 1 to reap them (some never do), as zombies meanwhile.
    assert all(gone(pid) for pid in pids), {pid: processes().get(pid) for pid in pids}
