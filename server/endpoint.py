"""The SPARQL 1.1 endpoint at /sparql (https://www.w3.org/TR/sparql11-protocol/).

- Queries by GET ?query=, by POST application/x-www-form-urlencoded (query=...) and by
  POST application/sparql-query (the body is the query).
- SELECT and ASK results as SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE graphs as
  Turtle, JSON-LD, RDF/XML or N-Triples: by the Accept header (negotiation.choose) or a
  `format` parameter for links (json, xml, csv, tsv; turtle, jsonld, rdfxml, nt, and the
  names SPARQLWrapper sends).
- GET with no query: the SPARQL 1.1 Service Description (RDF), or for browsers the HTML
  query page (`pages.query_page` if that blueprint is there, else a plain form).
- Read-only and safe on the open internet: SPARQL Update in any form is refused (400); so
  are SERVICE (before anything runs; see query_workers.service_refusal), FROM / FROM NAMED
  and default-graph-uri / named-graph-uri naming anything (one default graph, nothing is
  ever fetched). Queries run in worker processes (query_workers) with a time limit
  (503 past it; the worker is killed) and a row cap (the answer says it was cut).
- CORS: any origin may read the answers (no credentials are involved).

Limits, from the app's config or the environment (defaults in brackets):
  SPARQL_TIMEOUT / GOING_LOCAL_SPARQL_TIMEOUT               seconds per query [10]
  SPARQL_MAX_ROWS / GOING_LOCAL_SPARQL_MAX_ROWS             rows (or triples) kept [10000]
  SPARQL_WORKERS / GOING_LOCAL_SPARQL_WORKERS               worker processes [2]
  SPARQL_MAX_QUERY_BYTES / GOING_LOCAL_SPARQL_MAX_QUERY_BYTES  query size, UTF-8 [65536]
  SPARQL_WORKER_MEMORY_MB / GOING_LOCAL_SPARQL_WORKER_MEMORY_MB  per worker, 0 = none [1024]

A result cut at the row cap has the header `X-Result-Truncated: true` (and in SPARQL JSON
a top-level "truncated": true that strict clients ignore); every result has
`X-Result-Row-Limit`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, render_template, request

from .errors import GoingLocalError
from .http_errors import (BadRequest, NotAcceptable, PayloadTooLarge, ServiceError, TooExpensive,
                          UnsupportedMediaType)
from .negotiation import HTML, RDF_REPRESENTATIONS, Representation, choose, serialize_graph
from .query_workers import QueryTimeout, WorkerFailed, WorkerPool, WorkersBusy, exit_cleanly_on_sigterm

blueprint = Blueprint("sparql", __name__, template_folder="templates")
# When the server is stopped (SIGTERM), its query workers are stopped and reaped with it.
blueprint.record_once(lambda state: exit_cleanly_on_sigterm())

# --- Settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    max_query_bytes: int = 64 * 1024
    worker_memory_mb: int = 1024

    @property
    def max_body_bytes(self) -> int:
        # A form-encoded query can be three times its own size (%XX for every byte).
        return 3 * self.max_query_bytes + 4096


def limits_of(app: Flask) -> Limits:
    def setting(name: str, kind, default):
        value = app.config.get(f"SPARQL_{name}", os.environ.get(f"GOING_LOCAL_SPARQL_{name}"))
        return default if value in (None, "") else kind(value)

    d = Limits()
    return Limits(setting("TIMEOUT", float, d.timeout), setting("MAX_ROWS", int, d.max_rows),
                  setting("WORKERS", int, d.workers),
                  setting("MAX_QUERY_BYTES", int, d.max_query_bytes),
                  setting("WORKER_MEMORY_MB", int, d.worker_memory_mb))


# --- The worker pool, one per app, started on the first query ----------------------------------

_pool_lock = threading.Lock()


def worker_pool(app: Flask) -> WorkerPool:
    pool = app.extensions.get("sparql_workers")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("sparql_workers")
            if pool is None:
                limits = limits_of(app)
                source = worker_source(app)
                pool = WorkerPool(None if source else _ntriples(app), size=limits.workers,
                                  memory_mb=limits.worker_memory_mb, source=source)
                app.extensions["sparql_workers"] = pool
    return pool


def close_workers(app: Flask) -> None:
    """Stop the app's query workers now (they are stopped at exit anyway)."""
    with _pool_lock:
        pool = app.extensions.pop("sparql_workers", None)
    if pool is not None:
        pool.close()


WORKER_STORES = ("memory", "disk")


def worker_source(app: Flask) -> tuple[str, str] | None:
    """Where the workers get the dataset without a copy being made here: a build's
    dataset.nt, loaded into memory in each worker (GOING_LOCAL_SPARQL_WORKER_STORE=memory,
    the default: queries run several times faster than on disk), answering from the
    on-disk store while it loads, so that a restart answers at once; or only its on-disk
    store, opened read-only (=disk: little memory); or the served lines' temporary file.
    None: dump the store."""
    from .app import service_of

    service = service_of(app)
    built = getattr(service, "built", None)
    if built is not None:
        kind = (app.config.get("SPARQL_WORKER_STORE")
                or os.environ.get("GOING_LOCAL_SPARQL_WORKER_STORE", "") or "memory").strip().lower()
        if kind not in WORKER_STORES:
            raise ServiceError(f"GOING_LOCAL_SPARQL_WORKER_STORE={kind!r}: choose memory or disk")
        if kind == "disk":
            return ("store", str(built.store_dir))
        return ("built", json.dumps([str(built.store_dir), str(built.dataset_nt)]))
    source = getattr(service, "source", None)
    fd = source.fileno() if source is not None and hasattr(source, "fileno") else None
    if fd is not None:
        return ("nt-fd", str(fd))
    return None


def _ntriples(app: Flask) -> bytes:
    import pyoxigraph as ox

    from .app import service_of

    service = service_of(app)
    oxigraph = getattr(service.store, "store", None)
    if isinstance(oxigraph, ox.Store):  # the store's own dump: fastest
        return oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return service.source.read_bytes()


# --- Representations ---------------------------------------------------------------------------

JSON_RESULTS = Representation("application/sparql-results+json", "json", "srj")
XML_RESULTS = Representation("application/sparql-results+xml", "xml", "srx")
CSV_RESULTS = Representation("text/csv", "csv", "csv")
TSV_RESULTS = Representation("text/tab-separated-values", "tsv", "tsv")
RESULT_REPRESENTATIONS = [JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS]
# Accepted in Accept too, answered with the same bytes under the type asked for.
PLAIN_JSON = Representation("application/json", "application/json")
PLAIN_XML = Representation("application/xml", "application/xml")
RESULT_OFFERED = RESULT_REPRESENTATIONS + [PLAIN_JSON, PLAIN_XML]
WRITER = {rep.media_type: rep.name for rep in RESULT_REPRESENTATIONS + RDF_REPRESENTATIONS}
WRITER.update({PLAIN_JSON.media_type: "json", PLAIN_XML.media_type: "xml"})

# `format` values, ours and those SPARQLWrapper and others send (any media type works too).
RESULT_FORMAT_NAMES = {"json": JSON_RESULTS, "srj": JSON_RESULTS, "xml": XML_RESULTS,
                       "srx": XML_RESULTS, "csv": CSV_RESULTS, "tsv": TSV_RESULTS}
RDF_BY_NAME = {rep.name: rep for rep in RDF_REPRESENTATIONS}
GRAPH_FORMAT_NAMES = {**RDF_BY_NAME, "ttl": RDF_BY_NAME["turtle"], "n3": RDF_BY_NAME["turtle"],
                      "json-ld": RDF_BY_NAME["jsonld"], "json": RDF_BY_NAME["jsonld"],
                      "rdf": RDF_BY_NAME["rdfxml"], "rdf+xml": RDF_BY_NAME["rdfxml"],
                      "xml": RDF_BY_NAME["rdfxml"], "ntriples": RDF_BY_NAME["nt"],
                      "n-triples": RDF_BY_NAME["nt"]}
for _rep in RESULT_OFFERED:
    RESULT_FORMAT_NAMES[_rep.media_type] = _rep
for _rep in RDF_REPRESENTATIONS:
    GRAPH_FORMAT_NAMES[_rep.media_type] = _rep

TEXT_TYPES = ("text/", "application/n-triples")


def _format_param() -> str | None:
    value = request.args.get("format")
    if value is None and request.mimetype == "application/x-www-form-urlencoded":
        value = request.form.get("format")
    return value.strip().lower() if value else None


def _negotiate(offered: list[Representation], names: dict[str, Representation], what: str
               ) -> tuple[Representation | None, str | None]:
    """(representation, None), or (None, why not) to say if the query turns out to need it."""
    asked = _format_param()
    if asked:
        if asked in names:
            return names[asked], None
        known = ", ".join(r.name for r in offered if "/" not in r.name)
        return None, f"format '{asked}' is not offered for {what}; choose one of {known}"
    try:
        return choose(request, offered), None
    except NotAcceptable as error:
        return None, f"{error.message} (for {what})"


def _prefers_html() -> bool:
    asked = _format_param()
    if asked:
        return asked in ("html", "text/html")
    accept = request.accept_mimetypes
    if not accept:  # no Accept, or */* only: a program, not a browser
        return False
    offered = [r.media_type for r in RESULT_OFFERED + RDF_REPRESENTATIONS] + [HTML.media_type]
    return accept.best_match(offered) == HTML.media_type


# --- Checks made here, before a worker is asked -----------------------------------------------

UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                "WITH"}
READ_ONLY = "this endpoint is read-only"


def _first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (PREFIX and BASE declarations).

    Only for friendlier messages: the workers run queries with pyoxigraph's query(), which
    cannot parse, let alone run, an update; a wrong answer here cannot make one run."""
    from .queries import tokens

    try:
        pending = 0
        for token in tokens(text):
            if pending:
                pending -= 1
                continue
            word = token.text.upper() if token.kind == "word" else None
            if word == "PREFIX":
                pending = 2
            elif word == "BASE":
                pending = 1
            else:
                return word
    except GoingLocalError:  # e.g. an unterminated string: the parser will say so
        return None
    return None


def _has_dataset_clause(text: str) -> bool:
    """FROM or FROM NAMED, which come before the WHERE group. The workers ignore any
    dataset in the query anyway (always the store's default graph; pyoxigraph never
    fetches FROM), so this only decides between a clear refusal and the same query without
    it. The scan stops at the WHERE group, so a long query costs no more than a short one."""
    from .queries import tokens

    braces = parens = 0
    form = None
    try:
        for token in tokens(text):
            if token.text in "{}()" and token.kind == "punct":
                if token.text == "{" and braces == parens == 0 and form in ("SELECT", "ASK", "DESCRIBE"):
                    return False  # the WHERE group, its keyword left out
                braces += {"{": 1, "}": -1}.get(token.text, 0)
                parens += {"(": 1, ")": -1}.get(token.text, 0)
            elif braces == parens == 0 and token.kind == "word":
                word = token.text.upper()
                if word == "FROM":
                    return True
                if word == "WHERE":
                    return False
                if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                    form = word
    except GoingLocalError:
        return False
    return False


def _query_form(text: str) -> str | None:
    from .queries import query_form

    try:
        return query_form(text)
    except GoingLocalError:
        return None


def _prefixes(text: str) -> dict[str, str]:
    from .queries import declared_prefixes

    try:
        return declared_prefixes(text)
    except GoingLocalError:
        return {}


def _refuse_dataset(params) -> None:
    for name in ("default-graph-uri", "named-graph-uri"):
        if any(value.strip() for value in params.getlist(name)):
            raise BadRequest(f"{name} is not supported: this endpoint has one default graph "
                             "(the whole dataset) and no named graphs, and fetches nothing; "
                             f"leave {name} out")


# --- The endpoint ------------------------------------------------------------------------------

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                     "Access-Control-Allow-Headers": "Accept, Content-Type",
                     "Access-Control-Max-Age": "86400"}
EXPOSED_HEADERS = "X-Result-Truncated, X-Result-Row-Limit"


@blueprint.after_request
def cross_origin(response: Response) -> Response:
    """Any origin may read /sparql's answers, errors included: it is public and read-only,
    and no cookies or credentials are involved."""
    response.headers.update(CORS_HEADERS)
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.vary.add("Accept")
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":  # a CORS preflight
        return Response(status=204, headers=PREFLIGHT_HEADERS)
    limits = limits_of(current_app)
    request.max_content_length = limits.max_body_bytes  # werkzeug: 413 past it, even chunked
    if request.method == "GET":
        text = _query_from_get(limits)
        if text is None:
            return _describe_or_page()
    else:
        text = _query_from_post(limits)
    if len(text.encode("utf-8")) > limits.max_query_bytes:
        raise PayloadTooLarge(f"the query is longer than this endpoint takes "
                              f"({limits.max_query_bytes} bytes)")
    if not text.strip():
        raise BadRequest("the query is empty")
    if request.method == "GET" and _prefers_html():
        return query_page()
    return answer(text, limits)


def _query_from_get(limits: Limits) -> str | None:
    if len(request.query_string) > limits.max_body_bytes:
        raise PayloadTooLarge(f"the request is longer than this endpoint takes "
                              f"({limits.max_query_bytes} bytes of query)")
    args = request.args
    if "update" in args:
        raise BadRequest(f"{READ_ONLY}: SPARQL Update is not accepted")
    queries = args.getlist("query")
    if not queries:
        if "default-graph-uri" in args or "named-graph-uri" in args:
            raise BadRequest("no query: give one in the `query` parameter")
        return None
    _refuse_dataset(args)
    return _single(queries)


def _query_from_post(limits: Limits) -> str:
    length = request.content_length
    if length is not None and length > limits.max_body_bytes:
        raise PayloadTooLarge(f"the request body is longer than this endpoint takes "
                              f"({limits.max_body_bytes} bytes)")
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        form = request.form  # werkzeug answers 413 itself if the body runs past the limit
        if "update" in form or "update" in request.args:
            raise BadRequest(f"{READ_ONLY}: SPARQL Update is not accepted")
        _refuse_dataset(request.args)
        _refuse_dataset(form)
        return _single(request.args.getlist("query") + form.getlist("query"))
    if mimetype == "application/sparql-query":
        if "update" in request.args:
            raise BadRequest(f"{READ_ONLY}: SPARQL Update is not accepted")
        if "query" in request.args:
            raise BadRequest("the query is the request body here: leave the `query` parameter out")
        _refuse_dataset(request.args)
        charset = request.mimetype_params.get("charset", "utf-8")
        try:
            return request.get_data(cache=False).decode(charset)
        except (LookupError, UnicodeDecodeError):
            raise BadRequest(f"the query is not {charset} text") from None
    if mimetype == "application/sparql-update":
        raise BadRequest(f"{READ_ONLY}: SPARQL Update is not accepted")
    got = f"'{mimetype}'" if mimetype else "no Content-Type"
    raise UnsupportedMediaType(f"a query by POST needs Content-Type application/sparql-query "
                               f"or application/x-www-form-urlencoded, not {got}")


def _single(queries: list[str]) -> str:
    if not queries:
        raise BadRequest("no query: give one in the `query` parameter")
    if len(queries) > 1:
        raise BadRequest(f"the `query` parameter is given {len(queries)} times; give it once")
    return queries[0]


def answer(text: str, limits: Limits) -> Response:
    """Check the query, run it in a worker, and send its result as negotiated."""
    keyword = _first_keyword(text)
    if keyword in UPDATE_WORDS:
        raise BadRequest(f"{READ_ONLY}: {keyword} is SPARQL Update; only SELECT, ASK, "
                         "CONSTRUCT and DESCRIBE queries are answered")
    if _has_dataset_clause(text):
        raise BadRequest("FROM and FROM NAMED are not supported: this endpoint answers from "
                         "its one default graph (the whole dataset) and fetches nothing")
    results, results_refusal = _negotiate(RESULT_OFFERED, RESULT_FORMAT_NAMES,
                                          "SELECT and ASK results")
    graph, graph_refusal = _negotiate(RDF_REPRESENTATIONS, GRAPH_FORMAT_NAMES,
                                      "CONSTRUCT and DESCRIBE graphs")
    form = _query_form(text)  # to refuse early; the worker decides by the actual result
    if form in ("SELECT", "ASK") and results is None:
        raise NotAcceptable(results_refusal)
    if form in ("CONSTRUCT", "DESCRIBE") and graph is None:
        raise NotAcceptable(graph_refusal)
    reply, body = run(current_app, {
        "query": text, "max_rows": limits.max_rows,
        "results": WRITER[results.media_type] if results else None,
        "results_refusal": results_refusal,
        "graph": WRITER[graph.media_type] if graph else None, "graph_refusal": graph_refusal,
        "prefixes": _prefixes(text) if graph and form not in ("SELECT", "ASK") else {}},
        limits)
    chosen = graph if reply["kind"] == "graph" else results
    content_type = chosen.media_type
    if content_type.startswith(TEXT_TYPES):
        content_type += "; charset=utf-8"
    response = Response(body, status=200, content_type=content_type)
    response.headers["X-Result-Row-Limit"] = str(limits.max_rows)
    if reply["truncated"]:
        response.headers["X-Result-Truncated"] = "true"
    return response


def run(app: Flask, request_: dict, limits: Limits) -> tuple[dict, bytes]:
    """A worker's successful reply, or the error kind its failure maps to. With a remote
    store, the engine's (run_on_store)."""
    from .app import service_of

    store = service_of(app).store
    if getattr(store, "remote", False):
        return run_on_store(store, request_, limits)
    try:
        reply, body = worker_pool(app).run(request_, limits.timeout)
    except (QueryTimeout, WorkersBusy) as error:
        raise TooExpensive(str(error)) from None
    except WorkerFailed as error:
        if "memory" in str(error):
            raise TooExpensive(str(error)) from None
        raise ServiceError(str(error)) from None
    status = reply["status"]
    if status == "ok":
        return reply, body
    if status == "bad-request":
        raise BadRequest(reply["message"])
    if status == "not-acceptable":
        raise NotAcceptable(reply["message"])
    raise ServiceError(reply.get("message", "the query failed"))


# --- With a remote store: the query goes to the engine ----------------------------------------

# IRIs that name an engine's own functions and extensions (Virtuoso's bif: and sql:
# schemes and its namespaces): never sent on.
ENGINE_EXTENSIONS = ("bif:", "sql:", "http://www.openlinksw.com/")


def run_on_store(store, request_: dict, limits: Limits) -> tuple[dict, bytes]:
    """Run a user's query on the remote store, with the refusals the workers make (SERVICE,
    anything but a standard SPARQL 1.1 query), the endpoint's deadline (sent to the engine
    as its own timeout where it has one, and as the HTTP timeout) and its row cap, and
    write the answer as the workers do: the same formats, the same truncation marks."""
    import pyoxigraph as ox

    from .query_workers import service_refusal
    from .results import result_to_json
    from .sparql_results import CannotWrite, write_boolean, write_graph, write_solutions
    from .store import QueryLimits, to_oxigraph

    text = request_["query"]
    refusal = service_refusal(text) or standard_refusal(text)
    if refusal:
        raise BadRequest(refusal)
    max_rows = request_["max_rows"]
    try:
        # One row more than the cap, so that the writers see the result was cut.
        answer = store.query(text, limits=QueryLimits(limits.timeout, max_rows + 1, truncate=True))
    except GoingLocalError as error:
        raise BadRequest(error.message) from None
    if answer.kind in ("boolean", "solutions"):
        name = request_.get("results")
        if name is None:
            raise NotAcceptable(request_["results_refusal"])
        if answer.kind == "boolean":
            parsed = ox.parse_query_results(
                json.dumps({"head": {}, "boolean": bool(answer.boolean)}).encode(),
                ox.QueryResultsFormat.JSON)
            return {"status": "ok", "kind": "boolean", "format": name, "rows": 1,
                    "truncated": False}, write_boolean(parsed, name)
        table = answer.result()
        table.rows = [tuple(_oxigraph_safe(t) for t in row) for row in table.rows]
        solutions = ox.parse_query_results(json.dumps(result_to_json(table)).encode("utf-8"),
                                           ox.QueryResultsFormat.JSON)
        body, rows, truncated = write_solutions(solutions, name, max_rows)
        return ({"status": "ok", "kind": "solutions", "format": name, "rows": rows,
                 "truncated": truncated or answer.truncated}, body)
    name = request_.get("graph")
    if name is None:
        raise NotAcceptable(request_["graph_refusal"])
    triples = [ox.Triple(*(to_oxigraph(_oxigraph_safe(t)) for t in triple)) for triple in answer.rows]
    truncated = len(triples) > max_rows or answer.truncated
    kept = triples[:max_rows]
    try:
        body = write_graph(name, kept, request_.get("prefixes"))
    except CannotWrite as error:
        raise NotAcceptable(str(error)) from None
    return ({"status": "ok", "kind": "graph", "format": name, "rows": len(kept),
             "truncated": truncated}, body)


def _oxigraph_safe(term):
    """A blank node label pyoxigraph takes (labels from other engines may not be)."""
    from rdflib import BNode

    if isinstance(term, BNode) and not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$", str(term)):
        return BNode("x" + hashlib.sha256(str(term).encode("utf-8")).hexdigest()[:24])
    return term


def standard_refusal(text: str) -> str | None:
    """Why a query may not go to another engine, or None: it must be a standard SPARQL 1.1
    query (no engine pragmas such as Virtuoso's `define`), every prefix declared, and call
    no function outside SPARQL 1.1 (only the XSD casts are called by IRI)."""
    from pyparsing import ParseResults
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        translated = translateQuery(parseQuery(text))
    except Exception as error:  # noqa: BLE001 - ParseException, unknown prefix, ...
        detail = " ".join(str(error).split())[:300]
        return f"SPARQL syntax error: {detail}"

    seen: set[int] = set()
    stack: list = [translated.algebra]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, URIRef):
            if str(node).startswith(ENGINE_EXTENSIONS):
                return f"<{node}> is an engine's own extension, not SPARQL 1.1; it is not run here"
        elif isinstance(node, CompValue):
            if node.name == "Function":
                iri = str(node.get("iri"))
                if not iri.startswith("http://www.w3.org/2001/XMLSchema#"):
                    return (f"the function <{iri}> is not part of SPARQL 1.1; only the "
                            "standard functions and the XSD casts are run here")
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, ParseResults)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return None


def run_query(app: Flask, text: str):
    """A query run as the endpoint runs it (same checks, time limit and row cap), as a
    server.results.QueryResult, for pages that show results themselves. Raises the
    http_errors kinds the endpoint answers with (BadRequest, TooExpensive, ...)."""
    from rdflib import Graph

    from .results import QueryResult, result_from_json

    limits = limits_of(app)
    keyword = _first_keyword(text)
    if keyword in UPDATE_WORDS:
        raise BadRequest(f"{READ_ONLY}: {keyword} is SPARQL Update")
    if _has_dataset_clause(text):
        raise BadRequest("FROM and FROM NAMED are not supported here")
    reply, body = run(app, {"query": text, "max_rows": limits.max_rows, "results": "json",
                            "graph": "nt", "prefixes": {}}, limits)
    if reply["kind"] == "graph":
        result = QueryResult.of_triples(Graph().parse(data=body.decode("utf-8"), format="nt"))
    else:
        result = result_from_json(json.loads(body))
    result.truncated = reply["truncated"]
    return result


# --- Without a query: the service description, or the form for browsers ----------------------

def _describe_or_page():
    if _prefers_html():
        return query_page()
    asked = _format_param()
    if asked:
        rep = GRAPH_FORMAT_NAMES.get(asked)
        if rep is None:
            raise BadRequest(f"no query, and format '{asked}' is not one the service "
                             "description is offered in (turtle, jsonld, rdfxml, nt)")
    else:
        try:
            rep = choose(request, RDF_REPRESENTATIONS)
        except NotAcceptable:
            raise BadRequest("no query: give one in the `query` parameter (without one, this "
                             "URL describes the service in Turtle, JSON-LD, RDF/XML or "
                             "N-Triples)") from None
    from .app import service_of
    from .service_description import service_description

    limits = limits_of(current_app)
    graph = service_description(request.base_url, len(service_of(current_app).store), limits,
                                RESULT_REPRESENTATIONS + RDF_REPRESENTATIONS)
    content_type = rep.media_type + ("; charset=utf-8" if rep.media_type.startswith(TEXT_TYPES) else "")
    return Response(serialize_graph(graph, rep), status=200, content_type=content_type)


def query_page():
    """The HTML query page: the pages blueprint's if the app has it, else a plain form."""
    view = current_app.view_functions.get("pages.query_page")
    if view is not None:
        return view()
    return render_template("sparql_form.html", query=request.args.get("query", ""),
                           result_formats=RESULT_REPRESENTATIONS, graph_formats=RDF_REPRESENTATIONS)
