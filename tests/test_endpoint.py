"""The SPARQL endpoint through Flask's test client: the protocol, every result format read
back by a real parser, the refusals, the time limit and row cap, and the worker processes."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import socket
import subprocess
import sys
import textwrap
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, VOID

from server.app import Service, create_app
from server.config import load_settings
from server.endpoint import close_workers, run_query, worker_pool
from server.loading import load_data, load_model, merge
from server.queries import bind_params, named_queries, rebase_query, with_values
from server.query_workers import WorkerPool, service_refusal
from server.sparql_results import write_solutions
from server.store import OxigraphStore
from server.uris import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
HARROW = "https://w3id.org/going-local/id/bocu/harrow"
CARTESIAN = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j"
CLASS_COUNTS = """PREFIX insp: <https://w3id.org/going-local/def/inspection/>
SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"""


# --- The app -----------------------------------------------------------------------------------

def build_service() -> Service:
    """The dataset as the server loads it, without the (slow) validation, tested elsewhere."""
    settings = load_settings()
    dataset = merge(load_data([settings.data_dir], base=settings.base),
                    load_model(base=settings.base, ontology_dir=settings.ontology_dir))
    return Service(settings, Vocabulary(settings.base), dataset, OxigraphStore(dataset.graph))


@pytest.fixture(scope="module")
def service() -> Service:
    return build_service()


@pytest.fixture(scope="module")
def app(service):
    app = create_app(service.settings, service)
    app.testing = True
    yield app
    close_workers(app)


@pytest.fixture()
def client(app):
    return app.test_client()


def get(client, query: str, **params):
    headers = params.pop("headers", {})
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers)


def rows_of_json(body: bytes) -> list[dict]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


# --- Query by GET and POST ---------------------------------------------------------------------

def test_select_by_get_is_sparql_json_by_default(client, service):
    response = get(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    data = json.loads(response.data)
    assert data["head"]["vars"] == ["n"]
    assert data["results"]["bindings"] == [{"n": {
        "type": "literal", "value": str(len(service.store)),
        "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    assert "truncated" not in data and "X-Result-Truncated" not in response.headers
    assert response.headers["X-Result-Row-Limit"] == "10000"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_three_ways_of_asking_give_the_same_answer(client):
    by_get = get(client, CLASS_COUNTS)
    by_form = client.post("/sparql", data={"query": CLASS_COUNTS})
    by_body = client.post("/sparql", data=CLASS_COUNTS.encode("utf-8"),
                          content_type="application/sparql-query")
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert by_get.data == by_form.data == by_body.data
    assert len(rows_of_json(by_get.data)) > 5


def test_a_charset_parameter_is_read(client):
    query = 'SELECT ?x WHERE { BIND("café" AS ?x) }'
    response = client.post("/sparql", data=query.encode("latin-1"),
                           content_type="application/sparql-query; charset=ISO-8859-1")
    assert response.status_code == 200
    assert rows_of_json(response.data) == [{"x": "café"}]


# --- Every format, read by a real parser ----------------------------------------------------------

def parse_xml_results(body: bytes) -> tuple[list[str], list[dict]]:
    root = ET.fromstring(body)
    assert root.tag == f"{SRX}sparql"
    variables = [v.get("name") for v in root.find(f"{SRX}head")]
    rows = []
    for result in root.find(f"{SRX}results"):
        row = {}
        for binding in result:
            (term,) = list(binding)
            row[binding.get("name")] = term.text or ""
        rows.append(row)
    return variables, rows


def parse_tsv_term(text: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if text.startswith('"'):
        end = text.rindex('"')
        return text[1:end].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    return text  # a number written short


def test_select_in_every_format_says_the_same(client):
    expected = rows_of_json(get(client, CLASS_COUNTS).data)
    xml_response = get(client, CLASS_COUNTS, format="xml")
    assert xml_response.mimetype == "application/sparql-results+xml"
    variables, xml_rows = parse_xml_results(xml_response.data)
    assert variables == ["class", "n"] and xml_rows == expected

    csv_response = get(client, CLASS_COUNTS, headers={"Accept": "text/csv"})
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response.data.endswith(b"\r\n")
    reader = list(csv.DictReader(io.StringIO(csv_response.data.decode("utf-8"))))
    assert reader == expected

    tsv_response = get(client, CLASS_COUNTS, headers={"Accept": "text/tab-separated-values"})
    assert tsv_response.mimetype == "text/tab-separated-values"
    lines = tsv_response.data.decode("utf-8").rstrip("\n").split("\n")
    assert lines[0] == "?class\t?n"
    tsv_rows = [dict(zip(["class", "n"], map(parse_tsv_term, line.split("\t")))) for line in lines[1:]]
    assert tsv_rows == expected


def test_format_parameter_wins_over_accept(client):
    response = get(client, "ASK {}", format="csv", headers={"Accept": "application/sparql-results+json"})
    assert response.mimetype == "text/csv"
    plain = get(client, "ASK {}", headers={"Accept": "application/json"})
    assert plain.mimetype == "application/json" and json.loads(plain.data)["boolean"] is True


def test_ask_in_json_and_xml(client):
    yes = get(client, f"ASK {{ <{HARROW}> ?p ?o }}")
    assert json.loads(yes.data) == {"head": {}, "boolean": True}
    no = get(client, "ASK { <http://example.org/nothing> ?p ?o }", format="xml")
    root = ET.fromstring(no.data)
    assert root.find(f"{SRX}boolean").text == "false"


def test_not_acceptable(client):
    response = get(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", headers={"Accept": "image/png"})
    assert response.status_code == 406
    response = get(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", format="turtle")
    assert response.status_code == 406 and b"json, xml, csv, tsv" in response.data


GRAPH_FORMATS = [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                 ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]


@pytest.mark.parametrize("media_type,rdflib_format", GRAPH_FORMATS)
def test_construct_in_every_rdf_format_parses_back(client, service, media_type, rdflib_format):
    query = f"PREFIX rdfs: <{RDFS}> CONSTRUCT {{ <{HARROW}> ?p ?o }} WHERE {{ <{HARROW}> ?p ?o }}"
    response = get(client, query, headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    expected = Graph()
    for p, o in service.dataset.graph.predicate_objects(URIRef(HARROW)):
        expected.add((URIRef(HARROW), p, o))
    assert len(graph) == len(expected) > 3 and isomorphic(graph, expected)
    assert graph.value(URIRef(HARROW), RDFS.label) == Literal("Harrow BOCU", lang="en")


def test_describe_and_format_names_sparqlwrapper_sends(client):
    for name, rdflib_format in (("turtle", "turtle"), ("json-ld", "json-ld"), ("rdf+xml", "xml"),
                                ("nt", "nt")):
        response = get(client, f"DESCRIBE <{HARROW}>", format=name)
        assert response.status_code == 200, name
        graph = Graph().parse(data=response.data, format=rdflib_format)
        assert (URIRef(HARROW), RDFS.label, Literal("Harrow BOCU", lang="en")) in graph


def test_results_lose_nothing_on_the_way_through_the_cut(client):
    """Every result format, made from the TSV cut at the row cap, reads back with
    pyoxigraph's own parser as the same solutions as the query gives directly."""
    query = textwrap.dedent(r'''
        SELECT ?iri ?plain ?lang ?int ?dec ?dbl ?bool ?date ?tricky ?unbound ?bnode WHERE {
          VALUES (?iri ?plain ?lang ?int ?dec ?dbl ?bool ?date ?tricky) {
            (<http://example.org/a?b=c&d> "tab\there" "x"@en-GB 42 -1.50 1e3 true
             "2004-01-31"^^<http://www.w3.org/2001/XMLSchema#date> "quote\" , comma\nline\rcr <&> ]]>")
          }
          BIND(BNODE("b") AS ?bnode)
        }''')
    store = ox.Store()
    expected = list(store.query(query))
    for fmt, ox_format in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                           ("tsv", ox.QueryResultsFormat.TSV)):
        body = get(client, query, format=fmt).data
        parsed = list(ox.parse_query_results(body, ox_format))
        theirs = list(ox.parse_query_results(store.query(query).serialize(format=ox_format), ox_format))
        assert len(parsed) == len(theirs) == 1, fmt
        for ours, their, exp in zip(parsed, theirs, expected):
            for var in ("iri", "plain", "lang", "int", "dec", "dbl", "bool", "date", "tricky", "unbound"):
                assert ours[var] == their[var] == exp[var], (fmt, var)
            assert isinstance(ours["bnode"], ox.BlankNode)
    # CSV is lossy by design (lexical forms only), so compare the text with pyoxigraph's.
    ours = get(client, query, format="csv").data.decode("utf-8")
    theirs = store.query(query).serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
    cut = lambda text: [row[:-1] for row in csv.reader(io.StringIO(text, newline=""))]  # noqa: E731
    assert cut(ours) == cut(theirs)


def test_markup_in_a_literal_is_escaped_in_xml(client):
    markup = '<script>alert("x")</script> & ]]> <!-- -->'
    query = 'SELECT ?x WHERE { BIND("%s" AS ?x) }' % markup.replace('"', '\\"')
    response = get(client, query, format="xml")
    assert response.status_code == 200
    assert b"<script>" not in response.data and b"&lt;script&gt;" in response.data
    _, rows = parse_xml_results(response.data)
    assert rows == [{"x": markup}]


def test_characters_xml_cannot_hold_still_give_well_formed_xml(client):
    response = get(client, r'SELECT ?x WHERE { BIND("a\bb\fc\rd" AS ?x) }', format="xml")
    _, rows = parse_xml_results(response.data)
    assert rows == [{"x": "a\ufffdb\ufffdc\rd"}]  # CR survives as &#13;
    exact = get(client, r'SELECT ?x WHERE { BIND("a\bb" AS ?x) }')
    assert rows_of_json(exact.data) == [{"x": "a\bb"}]


def test_rdf_xml_that_cannot_be_written_is_refused_not_broken(client):
    response = get(client, "CONSTRUCT { <http://ex.org/s> <http://ex.org/p/1> 1 } WHERE {}",
                   format="rdfxml")
    assert response.status_code == 406 and b"RDF/XML" in response.data
    assert get(client, "CONSTRUCT { <http://ex.org/s> <http://ex.org/p/1> 1 } WHERE {}",
               format="turtle").status_code == 200


# --- Protocol errors ---------------------------------------------------------------------------

def test_syntax_error_is_400_with_pyoxigraphs_message(client):
    bad = "SELECT * WHERE { ?s ?p }"
    with pytest.raises(SyntaxError) as error:
        ox.Store().query(bad)
    response = get(client, bad)
    assert response.status_code == 400
    assert str(error.value) in response.data.decode("utf-8")


def test_missing_repeated_and_empty_query(client):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    repeated = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert repeated.status_code == 400 and b"2 times" in repeated.data
    assert client.post("/sparql?query=ASK%7B%7D", data={"query": "ASK {}"}).status_code == 400
    assert get(client, "   ").status_code == 400
    assert client.get("/sparql?default-graph-uri=").status_code == 400  # no query


def test_dataset_parameters(client):
    assert get(client, "ASK {}", **{"default-graph-uri": ""}).status_code == 200
    for name in ("default-graph-uri", "named-graph-uri"):
        response = get(client, "ASK {}", **{name: "http://example.org/g"})
        assert response.status_code == 400 and name.encode() in response.data
        assert client.post("/sparql", data={"query": "ASK {}", name: "http://example.org/g"}
                           ).status_code == 400


def test_wrong_content_type_is_415(client):
    assert client.post("/sparql", data=b"ASK {}", content_type="text/plain").status_code == 415
    assert client.post("/sparql", data=b"ASK {}").status_code == 415  # none at all
    assert client.post("/sparql", data=b"query=ASK", content_type="multipart/form-data; boundary=x"
                       ).status_code == 415


def test_oversized_requests_are_413(client):
    huge = "ASK {}" + "#" * (70 * 1024)
    assert client.post("/sparql", data=huge.encode(), content_type="application/sparql-query"
                       ).status_code == 413
    assert client.post("/sparql", data={"query": huge}).status_code == 413
    assert get(client, huge).status_code == 413
    just_fits = "ASK {}" + "#" * (60 * 1024)
    assert client.post("/sparql", data=just_fits.encode(), content_type="application/sparql-query"
                       ).status_code == 200


def test_cors_preflight(client):
    response = client.options("/sparql", headers={"Origin": "https://example.org",
                                                  "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    error = get(client, "SELECT")
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"


# --- Read-only, and nothing fetched -------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://ex.org/a> <http://ex.org/b> <http://ex.org/c> }",
    "PREFIX ex: <http://ex.org/> DELETE WHERE { ?s ?p ?o }",
    "DELETE DATA { <http://ex.org/a> <http://ex.org/b> <http://ex.org/c> }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL", "DROP DEFAULT", "CREATE GRAPH <http://ex.org/g>",
    "ADD DEFAULT TO <http://ex.org/g>", "MOVE DEFAULT TO <http://ex.org/g>",
    "COPY DEFAULT TO <http://ex.org/g>",
    "WITH <http://ex.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "base <http://ex.org/> insert data { <a> <b> <c> }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused(client, service, update):
    before = len(service.store)
    for response in (get(client, update), client.post("/sparql", data={"query": update}),
                     client.post("/sparql", data=update, content_type="application/sparql-query")):
        assert response.status_code == 400
        assert b"read-only" in response.data
    assert len(service.store) == before


def test_update_parameter_and_update_media_type_are_refused(client):
    for response in (client.post("/sparql", data={"update": UPDATES[0]}),
                     client.post("/sparql", data=UPDATES[0], content_type="application/sparql-update"),
                     client.get("/sparql", query_string={"update": UPDATES[0]})):
        assert response.status_code == 400 and b"this endpoint is read-only" in response.data


def test_pyoxigraph_query_cannot_run_an_update_at_all():
    with pytest.raises(SyntaxError):
        ox.Store().query(UPDATES[0])


class Listener:
    """A socket on a loopback port that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self, linger: float = 0.5) -> int:
        time.sleep(linger)
        self._stop.set()
        self._thread.join()
        self.sock.close()
        return self.connections


def service_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ ?a ?b ?c }} }}",
        # A comment ends at CR for pyoxigraph; it must not hide SERVICE from the check.
        f"SELECT * WHERE {{ # a comment\rSERVICE <{url}> {{ ?s ?p ?o }}\n}}",
        # A legal prefixed name with an escaped #, which a simple scanner reads as a comment.
        f"PREFIX ex: <http://ex.org/> SELECT * WHERE {{ ?s ?p ex:a\\# . SERVICE <{url}> {{ ?a ?b ?c }} }}",
        f"PREFIX service: <{url}#> SELECT * WHERE {{ SERVICE service:x {{ ?a ?b ?c }} }}",
    ]


def test_service_is_refused_before_anything_runs_and_nothing_connects(client):
    listener = Listener()
    try:
        for query in service_queries(listener.port):
            response = client.post("/sparql", data={"query": query})
            assert response.status_code == 400, query
            assert b"SERVICE" in response.data, query
    finally:
        assert listener.close() == 0


def test_escapes_do_not_smuggle_service_past_pyoxigraph():
    """The SERVICE check relies on pyoxigraph reading the keyword only as ASCII letters
    written out: no \\u escapes outside strings, no Unicode look-alikes."""
    escaped = r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    long_s = "SELECT * WHERE { \u017fERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    for disguised in (escaped, long_s):
        with pytest.raises(SyntaxError):
            ox.Store().query(disguised)
    assert service_refusal(long_s) is not None  # the check is stricter than it needs to be


def test_the_word_service_elsewhere_is_fine(client):
    query = ('SELECT ?service ?force WHERE { BIND("Metropolitan Police Service" AS ?service) '
             f'<{HARROW}> <https://w3id.org/going-local/def/inspection/force> ?force }}')
    response = get(client, query)
    assert response.status_code == 200
    assert rows_of_json(response.data) == [{
        "service": "Metropolitan Police Service",
        "force": "https://w3id.org/going-local/id/force/metropolitan-police-service"}]


def test_from_is_refused_and_never_fetched(client):
    listener = Listener()
    try:
        for query in (f"SELECT * FROM <http://127.0.0.1:{listener.port}/g> WHERE {{ ?s ?p ?o }}",
                      f"SELECT * FROM NAMED <http://127.0.0.1:{listener.port}/g> WHERE {{ ?s ?p ?o }}"):
            response = get(client, query)
            assert response.status_code == 400 and b"FROM" in response.data
    finally:
        assert listener.close() == 0


def test_workers_cannot_open_network_sockets(tmp_path):
    """Behind the SERVICE check: a worker process cannot make an Internet socket at all."""
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"):
        pytest.skip("the seccomp filter is for Linux on x86-64 and arm64")
    listener = Listener()
    script = textwrap.dedent(f"""
        import socket, pyoxigraph
        from server.query_workers import deny_network
        assert deny_network()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except PermissionError:
            print("refused")
        try:
            list(pyoxigraph.Store().query(
                "SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
        except Exception as error:
            print("service failed")
        socket.socketpair()  # local sockets still work
        print("done")
        """)
    try:
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    finally:
        connections = listener.close()
    assert out.stdout.split() == ["refused", "service", "failed", "done"], out.stderr
    assert connections == 0


# --- Time limit and row cap ---------------------------------------------------------------------

def alive(pid: int) -> bool:
    """Running, or a zombie nobody reaped: either way, not gone."""
    return os.path.exists(f"/proc/{pid}") if os.path.isdir("/proc") else _signal_alive(pid)


def _signal_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_query_past_the_deadline_is_stopped_and_its_worker_killed(service):
    app = create_app(service.settings, service)
    # A memory cap high enough that the deadline, not memory, stops the query.
    app.config.update(SPARQL_TIMEOUT=2, SPARQL_WORKER_MEMORY_MB=4096)
    client = app.test_client()
    try:
        assert get(client, "ASK {}").status_code == 200  # the workers are up
        before = set(worker_pool(app).pids())
        started = time.monotonic()
        response = get(client, CARTESIAN)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert b"the query ran longer than 2 s and was stopped" in response.data
        assert 1.9 < elapsed < 8
        after = set(worker_pool(app).pids())
        (killed,) = before - after
        assert len(after) == len(before)
        assert not alive(killed)
        for _ in range(3):  # and ordinary queries still answer, on either worker
            assert get(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1").status_code == 200
    finally:
        close_workers(app)


def test_the_row_cap_cuts_and_says_so(app, client):
    app.config["SPARQL_MAX_ROWS"] = 5
    try:
        cut = get(client, "SELECT * WHERE { ?s ?p ?o }")
        exact = get(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        cut_xml = get(client, "SELECT * WHERE { ?s ?p ?o }", format="xml")
        cut_graph = get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="nt")
    finally:
        del app.config["SPARQL_MAX_ROWS"]
    assert cut.headers["X-Result-Truncated"] == "true" and cut.headers["X-Result-Row-Limit"] == "5"
    assert json.loads(cut.data)["truncated"] is True and len(rows_of_json(cut.data)) == 5
    from rdflib.query import Result  # strict parsers still read the cut result
    assert len(list(Result.parse(io.BytesIO(cut.data), format="json"))) == 5
    assert len(list(ox.parse_query_results(cut.data, ox.QueryResultsFormat.JSON))) == 5
    assert "X-Result-Truncated" not in exact.headers and "truncated" not in json.loads(exact.data)
    assert len(parse_xml_results(cut_xml.data)[1]) == 5
    assert cut_graph.headers["X-Result-Truncated"] == "true"
    assert len(Graph().parse(data=cut_graph.data, format="nt")) == 5
    assert "X-Result-Truncated" in cut.headers.get("Access-Control-Expose-Headers", "")


CAPS = {"0": lambda rows: 0, "1": lambda rows: 1, "999": lambda rows: 999,
        "rows - 1": lambda rows: rows - 1, "rows": lambda rows: rows, "rows + 1": lambda rows: rows + 1}


@pytest.mark.parametrize("cap_of", CAPS)
def test_the_cut_is_exact_at_any_cap(service, cap_of):
    """The cap is applied on pyoxigraph's TSV as it streams out, in chunks that end
    anywhere in a row: the count must be exact whatever the chunks, at small caps and
    just below, at and above the number of rows."""
    total = len(service.store)  # one row per triple below
    assert total > 1000
    cap = CAPS[cap_of](total)
    for fmt in ("tsv", "json", "xml", "csv"):
        body, rows, truncated = write_solutions(
            service.store.store.query("SELECT * WHERE { ?s ?p ?o }"), fmt, cap)
        assert rows == min(cap, total) and truncated == (total > cap), fmt
        if fmt == "csv":
            assert len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) == rows + 1
        else:
            parsed = list(ox.parse_query_results(body, getattr(ox.QueryResultsFormat, fmt.upper())))
            assert len(parsed) == rows, fmt


def test_a_query_past_the_memory_cap_is_stopped(service):
    app = create_app(service.settings, service)
    app.config.update(SPARQL_WORKERS=1, SPARQL_WORKER_MEMORY_MB=300, SPARQL_TIMEOUT=60)
    try:
        client = app.test_client()
        response = get(client, CARTESIAN)
        assert response.status_code == 503 and b"more memory" in response.data
        assert get(client, "ASK {}").status_code == 200
    finally:
        close_workers(app)


# --- The workers' life --------------------------------------------------------------------------

def test_workers_leave_nothing_behind(service, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pool = WorkerPool(b"<http://ex.org/s> <http://ex.org/p> \"o\" .\n", size=2)
    try:
        pids = pool.pids()
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
        reply, body = pool.run({"query": "SELECT ?o WHERE { ?s ?p ?o }", "max_rows": 10,
                                "results": "csv"}, timeout=30)
        assert reply["status"] == "ok" and body == b"o\r\no\r\n"
        assert list(tmp_path.iterdir()) == []  # the dump has no name on disk
    finally:
        pool.close()
    assert not any(alive(pid) for pid in pids)  # stopped and reaped: no zombies
    assert list(tmp_path.iterdir()) == []
    pool.close()  # twice is harmless


def test_workers_are_started_lazily_and_closed_with_the_app(service):
    app = create_app(service.settings, service)
    assert "sparql_workers" not in app.extensions
    assert app.test_client().get("/sparql").status_code == 200  # the description needs none
    assert "sparql_workers" not in app.extensions
    assert get(app.test_client(), "ASK {}").status_code == 200
    pids = worker_pool(app).pids()
    close_workers(app)
    assert not any(alive(pid) for pid in pids)


# --- Without a query ----------------------------------------------------------------------------

def test_service_description(client, service):
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    (svc,) = graph.subjects(RDF.type, SD.Service)
    assert graph.value(svc, SD.endpoint) == URIRef("http://localhost/sparql")
    assert graph.value(svc, SD.supportedLanguage) == SD.SPARQL11Query
    assert len(set(graph.objects(svc, SD.resultFormat))) == 8
    assert len(set(graph.objects(svc, SD.feature))) >= 1
    default_graph = graph.value(graph.value(svc, SD.defaultDataset), SD.defaultGraph)
    assert graph.value(default_graph, VOID.triples).toPython() == len(service.store)
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert isomorphic(Graph().parse(data=as_jsonld.data, format="json-ld"), graph)
    assert client.get("/sparql", headers={"Accept": "application/sparql-results+json"}
                      ).status_code == 400  # a query was expected


def test_browsers_get_the_query_page(app, client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_the_plain_form_when_there_is_no_pages_blueprint(app, client, monkeypatch):
    monkeypatch.delitem(app.view_functions, "pages.query_page", raising=False)
    response = client.get("/sparql", headers={"Accept": "text/html"},
                          query_string={"query": "ASK {} # <b>"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode("utf-8")
    assert '<form method="get" action="/sparql">' in page and 'name="query"' in page
    assert "ASK {} # &lt;b&gt;" in page


# --- The named queries, through the endpoint ------------------------------------------------------

def named_query_texts(service) -> list[tuple[str, str]]:
    out = []
    for name, query in sorted(named_queries(service.settings.queries_dir).items()):
        text = rebase_query(query.text, service.settings.base)
        out.append((name, with_values(text, bind_params(query, {}))))
    return out


def test_named_queries_answer_quickly_and_as_the_store_does(client, service):
    texts = named_query_texts(service)
    assert texts, "no named queries found"
    for name, text in texts:
        get(client, text)  # the first run of each may parse it once in each worker
        started = time.monotonic()
        response = get(client, text)
        elapsed = time.monotonic() - started
        assert response.status_code == 200, (name, response.data[:300])
        assert elapsed < 2.0, (name, elapsed)
        expected = service.store.store.query(text)
        if isinstance(expected, ox.QuerySolutions):
            assert len(rows_of_json(response.data)) == len(list(expected)), name


def test_run_query_for_pages(app):
    result = run_query(app, f"SELECT ?label WHERE {{ <{HARROW}> <{RDFS.label}> ?label }}")
    assert result.rows == [(Literal("Harrow BOCU", lang="en"),)] and result.truncated is False
    graph_result = run_query(app, f"DESCRIBE <{HARROW}>")
    assert (URIRef(HARROW), RDFS.label, Literal("Harrow BOCU", lang="en")) in graph_result.rows


def test_rdf_12_terms_in_every_format(client):
    """Triple terms and directional language tags come back exactly from every format."""
    query = 'SELECT ?t ?d WHERE { BIND(<<( <http://ex.org/s> <http://ex.org/p> "o" )>> AS ?t) BIND("x"@en--rtl AS ?d) }'
    (expected,) = ox.Store().query(query)
    for fmt, ox_format in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                           ("tsv", ox.QueryResultsFormat.TSV)):
        (solution,) = ox.parse_query_results(get(client, query, format=fmt).data, ox_format)
        assert solution["t"] == expected["t"] and solution["d"] == expected["d"], fmt
