"""A store on any SPARQL 1.1 endpoint, by URL, and a loader through the Graph Store Protocol.

Reads go through SPARQLWrapper, by GET or by a form-encoded POST (never a POST of
application/sparql-query, which some engines never answer). Every call has the store's
deadline and row cap (server.store.QueryLimits):

- the HTTP timeout is the time left before the deadline, and the deadline is checked again
  as the answer is read, so an endpoint that trickles its answer is cut off too;
- the answer is read a row at a time where the format allows it (SPARQL XML results,
  asked for first, and N-Triples for graphs): at most cap + 1 rows are read, then the
  connection is closed. JSON results, Turtle and the other graph formats, which an endpoint
  may send instead, are read whole, up to MAX_BODY_BYTES, then cut.

Parameters are bound as a VALUES block at the start of the outermost WHERE group
(server.queries.with_values), written from the typed terms.

Errors: past the deadline or the cap, TooExpensive (503); the endpoint saying the query is
malformed (HTTP 400), GoingLocalError with its message; an endpoint that cannot be reached,
answers with another error or with something that is not a SPARQL answer, StoreUnavailable
(502). Messages never name the endpoint (web users need not learn it): the command line
puts the URL in front.

Writes: load_graph() sends Turtle to a Graph Store Protocol endpoint
(https://www.w3.org/TR/sparql11-http-rdf-update/): PUT replaces the graph, POST adds to it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import socket
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ..errors import GoingLocalError
from ..http_errors import ServiceError, TooExpensive
from ..queries import query_form, with_values
from ..results import result_from_json
from ..store import Answer, BaseStore, Deadline, QueryLimits, bound_only, too_many

# Formats read whole (JSON results, Turtle, RDF/XML, JSON-LD) are read up to this size.
MAX_BODY_BYTES = 64 * 1024 * 1024

RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"

SRX = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ENDPOINT_URL = re.compile(r"^https?://[^\s/]+")


class StoreUnavailable(ServiceError):
    """The remote store could not be reached, failed, or answered something unreadable."""
    status, title = 502, "Bad gateway"


class SparqlStore(BaseStore):
    """Queries on a SPARQL 1.1 endpoint.

    graph: the dataset's graph, sent as default-graph-uri (None: the endpoint's default).
    method: "POST" (form-encoded, the default: long queries fit) or "GET".
    size: the number of triples, for /health and the service description (None: count
    them on the endpoint, once)."""

    remote = True
    name = "SPARQL endpoint"

    def __init__(self, endpoint: str, *, graph: str | None = None, method: str = "POST",
                 limits: QueryLimits | None = None, size: int | None = None):
        if not ENDPOINT_URL.match(endpoint or ""):
            raise GoingLocalError(f"{endpoint}: not an http:// or https:// endpoint URL")
        if method not in ("GET", "POST"):
            raise GoingLocalError(f"method {method!r}: use GET or POST (form-encoded)")
        self.endpoint = endpoint
        self.graph = graph
        self.method = method
        self.limits = limits or QueryLimits()
        self._size = size

    def __len__(self) -> int:
        if self._size is None:
            count = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
            self._size = int(count)
        return self._size

    # --- what a subclass adapts ---------------------------------------------------------

    def parameters(self, deadline: Deadline) -> list[tuple[str, str]]:
        """Protocol parameters sent beside the query."""
        return [("default-graph-uri", self.graph)] if self.graph else []

    def bindable(self, term: Node) -> Node:
        """A bound term as this engine must read it."""
        return term

    def term(self, term: Node | None) -> Node | None:
        """A term as the engine gave it, as the data has it."""
        return term

    def check_response(self, response, deadline: Deadline) -> None:
        """Refuse a successful answer that is not a whole one."""

    def failure(self, code: int, detail: str, deadline: Deadline) -> Exception | None:
        """The error an engine-specific failure maps to, or None for the generic one."""
        return None

    # --- running ------------------------------------------------------------------------

    def query(self, query: str, bindings: Mapping[str, Node] | None = None,
              limits: QueryLimits | None = None) -> Answer:
        deadline = (limits or self.limits).start()
        bound = {name: self.bindable(value) for name, value in bound_only(bindings).items()}
        text = with_values(query, bound) if bound else query
        form = query_form(text)
        response = self._send(text, form, deadline)
        try:
            self.check_response(response, deadline)
            answer = self._read(response, deadline)
        except (socket.timeout, TimeoutError):
            raise TooExpensive(f"no answer within {deadline.limits.seconds:g} s") from None
        except OSError as error:
            raise StoreUnavailable(f"the answer was cut off ({error.strerror or error})") from None
        finally:
            response.close()
        if answer.kind == "boolean":
            return answer
        fix = self.term
        answer.rows = [tuple(fix(t) for t in row) for row in answer.rows]
        return answer

    def _send(self, text: str, form: str, deadline: Deadline):
        from SPARQLWrapper import GET, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound,
                                                    QueryBadFormed, SPARQLWrapperException,
                                                    Unauthorized, URITooLong)

        client = SPARQLWrapper(self.endpoint)
        client.setQuery(text)
        if client.isSparqlUpdateRequest():
            raise GoingLocalError("SPARQL Update is not sent to a store: queries only")
        client.setOnlyConneg(True)  # no format= parameters: the Accept header says it
        if self.method == "POST":
            client.setMethod(POST)
            client.setRequestMethod(URLENCODED)  # a form: never application/sparql-query
        else:
            client.setMethod(GET)
        for name, value in self.parameters(deadline):
            client.addParameter(name, value)
        client.addCustomHttpHeader(
            "Accept", GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_ACCEPT)
        remaining = deadline.remaining
        if remaining <= 0:
            raise TooExpensive(f"no answer within {deadline.limits.seconds:g} s")
        client.timeout = remaining  # SPARQLWrapper's setTimeout() would round it to seconds
        try:
            return client.query().response
        except QueryBadFormed as error:
            detail = _detail(error)
            raise GoingLocalError("the endpoint says the query is malformed (HTTP 400)"
                                  + (f": {detail}" if detail else "")) from None
        except EndPointInternalError as error:
            detail = _detail(error)
            raise (self.failure(500, detail, deadline) or StoreUnavailable(
                "the endpoint failed (HTTP 500)" + (f": {detail}" if detail else ""))) from None
        except Unauthorized:
            raise StoreUnavailable("the endpoint needs authorisation (HTTP 401)") from None
        except EndPointNotFound:
            raise StoreUnavailable("no SPARQL endpoint there (HTTP 404)") from None
        except URITooLong:
            raise StoreUnavailable("the request URI is too long for the endpoint (HTTP 414)") from None
        except SPARQLWrapperException as error:
            raise StoreUnavailable(f"the endpoint refused the query ({type(error).__name__})") from None
        except urllib.error.HTTPError as error:
            detail = _first_line(_read_some(error))
            mapped = self.failure(error.code, detail, deadline)
            if mapped is not None:
                raise mapped from None
            if error.code == 503:  # what an endpoint that stopped the query at its limit says
                raise TooExpensive(f"the endpoint stopped the query (HTTP 503)"
                                   + (f": {detail}" if detail else "")) from None
            raise StoreUnavailable(f"HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise TooExpensive(f"no answer within {deadline.limits.seconds:g} s") from None
            why = getattr(reason, "strerror", None) or str(reason)
            raise StoreUnavailable(f"cannot connect ({why})") from None
        except (socket.timeout, TimeoutError):
            raise TooExpensive(f"no answer within {deadline.limits.seconds:g} s") from None
        except OSError as error:
            raise StoreUnavailable(f"{error.strerror or error}") from None

    def _read(self, response, deadline: Deadline) -> Answer:
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
            return read_xml_results(response, deadline)
        if content_type in ("application/sparql-results+json", "application/json"):
            return cut(_json_answer(read_body(response, deadline)), deadline)
        if content_type in ("application/n-triples", "text/plain"):
            return read_ntriples(response, deadline)
        formats = {"text/turtle": "turtle", "application/x-turtle": "turtle",
                   "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                   "text/n3": "n3", "text/rdf+n3": "n3"}
        if content_type in formats:
            graph = Graph()
            try:
                with quiet_literals():
                    graph.parse(data=read_body(response, deadline), format=formats[content_type])
            except Exception:  # noqa: BLE001 - whatever the endpoint sent, it is not that format
                raise StoreUnavailable(f"the answer is not the {content_type} it says") from None
            return cut(Answer("graph", rows=list(graph)), deadline)
        raise StoreUnavailable(f"the answer is {content_type or 'of no type'}, not SPARQL results "
                               "or RDF")


# --- Reading answers ---------------------------------------------------------------------

_quiet = threading.local()


class _IllTypedLiterals(logging.Filter):
    """Drops rdflib's warning about a literal it cannot read as its datatype, while this
    thread reads an engine's answer: the engine's own forms (Virtuoso's durations as
    numbers) are the store's business, turned back into the data's by its term()."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (getattr(_quiet, "on", False) and "Failed to convert Literal" in record.getMessage())


logging.getLogger("rdflib.term").addFilter(_IllTypedLiterals())


class quiet_literals:
    def __enter__(self):
        _quiet.on = True

    def __exit__(self, *exc):
        _quiet.on = False


def read_body(response, deadline: Deadline) -> bytes:
    """The whole body, up to MAX_BODY_BYTES, checking the deadline between chunks."""
    parts, size = [], 0
    while True:
        deadline.check()
        chunk = response.read(1 << 16)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooExpensive(f"the answer is larger than {MAX_BODY_BYTES // (1 << 20)} MiB")
        parts.append(chunk)


def cut(answer: Answer, deadline: Deadline) -> Answer:
    """An answer read whole, held to the cap."""
    limits = deadline.limits
    deadline.check()
    if answer.kind != "boolean" and len(answer.rows) > limits.max_rows:
        if not limits.truncate:
            raise too_many(limits.max_rows)
        answer.rows = answer.rows[:limits.max_rows]
        answer.truncated = True
    return answer


def _json_answer(body: bytes) -> Answer:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise StoreUnavailable("the answer is not SPARQL JSON results") from None
    try:
        result = result_from_json(data)
    except GoingLocalError as error:
        raise StoreUnavailable(error.message) from None
    if result.boolean is not None:
        return Answer("boolean", boolean=result.boolean)
    return Answer("solutions", result.variables, result.rows)


class _Stop(Exception):
    pass


def read_xml_results(response, deadline: Deadline) -> Answer:
    """SPARQL XML results, read a row at a time; at most cap + 1 rows are read."""
    limits = deadline.limits
    variables: list[str] = []
    rows: list[tuple] = []
    truncated = False
    try:
        for event, element in ET.iterparse(response, events=("end",)):
            tag = element.tag
            if tag == SRX + "variable":
                variables.append(element.get("name"))
            elif tag == SRX + "boolean":
                deadline.check()
                return Answer("boolean", boolean=(element.text or "").strip() == "true")
            elif tag == SRX + "result":
                deadline.check()
                if len(rows) >= limits.max_rows:
                    if not limits.truncate:
                        raise too_many(limits.max_rows)
                    truncated = True
                    raise _Stop
                values = {}
                for binding in element.findall(SRX + "binding"):
                    values[binding.get("name")] = _xml_term(binding)
                rows.append(tuple(values.get(v) for v in variables))
                element.clear()
    except _Stop:
        pass
    except ET.ParseError as error:
        raise StoreUnavailable(f"the answer is not SPARQL XML results ({error})") from None
    deadline.check()
    return Answer("solutions", variables, rows, truncated=truncated)


def _xml_term(binding) -> Node:
    for child in binding:
        kind = child.tag[len(SRX):] if child.tag.startswith(SRX) else child.tag
        text = child.text or ""
        if kind == "uri":
            return URIRef(text)
        if kind == "bnode":
            return BNode(text)
        if kind == "literal":
            lang = child.get(XML_LANG)
            if lang:
                return Literal(text, lang=lang)
            datatype = child.get("datatype")
            if datatype and datatype != str(XSD.string):
                return Literal(text, datatype=URIRef(datatype))
            return Literal(text)
        break
    raise StoreUnavailable("a result binding the store sent holds no RDF term")


def read_ntriples(response, deadline: Deadline) -> Answer:
    """N-Triples, read a line (a triple) at a time; at most cap + 1 triples are read."""
    limits = deadline.limits
    lines: list[bytes] = []
    truncated = False
    size = 0
    while True:
        deadline.check()
        line = response.readline(MAX_BODY_BYTES)
        if not line:
            break
        size += len(line)
        if size > MAX_BODY_BYTES:
            raise TooExpensive(f"the answer is larger than {MAX_BODY_BYTES // (1 << 20)} MiB")
        stripped = line.strip()
        if not stripped or stripped.startswith(b"#"):
            continue
        if len(lines) >= limits.max_rows:
            if not limits.truncate:
                raise too_many(limits.max_rows)
            truncated = True
            break
        lines.append(line if line.endswith(b"\n") else line + b"\n")
    graph = Graph()
    try:
        with quiet_literals():
            graph.parse(data=b"".join(lines).decode("utf-8"), format="nt")
    except Exception:  # noqa: BLE001 - not N-Triples, whatever the parser says
        raise StoreUnavailable("the answer is not the N-Triples it says") from None
    deadline.check()
    return Answer("graph", rows=list(graph), truncated=truncated)


def _read_some(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(4096).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the body is only for the message
        return ""


def _detail(error: Exception) -> str:
    """The first line of what the endpoint said, from SPARQLWrapper's message (which is
    'QueryBadFormed: A bad request has been sent to the endpoint: probably the SPARQL query
    is badly formed. \\n\\nResponse:\\nb"..."')."""
    text = str(error)
    if "Response:" in text:
        text = text.split("Response:", 1)[1].strip()
        if text[:2] in ('b"', "b'") and text[-1:] == text[1]:
            try:
                text = bytes(text[2:-1], "latin-1").decode("unicode_escape").encode(
                    "latin-1").decode("utf-8", "replace")
            except (UnicodeError, ValueError):
                text = text[2:-1]
    return _first_line(text)


def _first_line(text: str) -> str:
    text = text.split("SPARQL query:")[0]  # Virtuoso echoes the query after this
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())[:300]
    return ""


# --- Writing: the Graph Store Protocol -------------------------------------------------------

def load_graph(url: str, turtle: bytes, graph: str | None, *, replace: bool = True,
               timeout: float = 300.0, user: str | None = None,
               password: str | None = None) -> int:
    """Send Turtle to the graph `graph` (None: the default graph) of the Graph Store
    Protocol endpoint at `url`: PUT replaces the graph, POST (replace=False) adds to it.
    With a user, HTTP Basic or Digest authentication, as the endpoint asks. The HTTP
    status on success; GoingLocalError otherwise."""
    if not ENDPOINT_URL.match(url or ""):
        raise GoingLocalError(f"{url}: not an http:// or https:// graph store URL")
    target = url + ("&" if "?" in url else "?") + (
        "graph=" + urllib.parse.quote(graph, safe="") if graph else "default")
    request = urllib.request.Request(target, data=turtle, method="PUT" if replace else "POST",
                                     headers={"Content-Type": "text/turtle; charset=utf-8"})
    handlers = []
    if user:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password or "")
        handlers = [urllib.request.HTTPDigestAuthHandler(passwords),
                    urllib.request.HTTPBasicAuthHandler(passwords)]
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        detail = _first_line(_read_some(error))
        raise GoingLocalError(f"{url}: the graph store refused the data (HTTP {error.code} "
                              f"{error.reason})" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as error:
        reason = error.reason
        why = getattr(reason, "strerror", None) or str(reason)
        raise GoingLocalError(f"{url}: cannot connect ({why})") from None
    except (socket.timeout, TimeoutError):
        raise GoingLocalError(f"{url}: no answer within {timeout:g} s") from None
