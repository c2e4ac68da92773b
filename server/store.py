"""The store interface every reader uses, and its embedded default: Oxigraph.

Every reader (the /doc/ documents, the HTML pages and lists, the committee paper, the
command line, and /sparql when the store is remote) asks a Store, which answers
select / ask / construct / describe, plus query() for a query of any form:

- parameters are always bound, as a VALUES block of typed terms that rdflib writes
  (server.queries.with_values), never pasted into the text;
- every call has a deadline (seconds) and a row cap, from a QueryLimits argument or the
  store's own limits: past either, TooExpensive (server.http_errors, a 503) with a message
  that says which. With `truncate=True` (what /sparql asks) the rows past the cap are
  dropped instead, and the answer says it was cut (`truncated`).

Three backends:

- OxigraphStore (here): an in-memory pyoxigraph Store, many times faster than rdflib's.
- SparqlStore (server/backends/sparql.py): any SPARQL 1.1 endpoint by URL.
- VirtuosoStore (server/backends/virtuoso.py): a SparqlStore that knows Virtuoso 7's ways.

open_store(settings, dataset) picks one by the settings (GOING_LOCAL_STORE=oxigraph,
sparql or virtuoso, GOING_LOCAL_ENDPOINT=URL).

Why the embedded store runs the pages' own queries in the server's process: those queries
are ours (server/sparql/), tested, and their parameters are typed terms; the data is fixed
at start-up and small (a few thousand triples), where the costliest of them takes a few
milliseconds. A worker process per page query would cost more than the query. Their cost
is still bounded: the deadline and the row cap are checked between rows as the solutions
are read (pyoxigraph evaluates lazily, row by row), and past either the query is dropped
and TooExpensive raised. pyoxigraph cannot interrupt a single step, so an operator that
must see every row before giving the first (ORDER BY, GROUP BY) is checked when it gives
it. Queries from users never run here: /sparql runs them in worker processes that are
killed at their deadline (server/query_workers.py), or, with a remote store, on the engine.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Mapping, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import GoingLocalError
from .http_errors import TooExpensive
from .queries import with_values
from .results import QueryResult

# --- Limits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryLimits:
    """How long one call may take and how many rows (or triples) it may give.

    Past `max_rows`, TooExpensive; with `truncate`, the first `max_rows` are kept and the
    answer is marked truncated instead (for /sparql, which says so in its response)."""

    seconds: float = 10.0
    max_rows: int = 100_000
    truncate: bool = False

    def __post_init__(self):
        if not self.seconds > 0:
            raise ValueError("a query's deadline must be more than 0 seconds")
        if self.max_rows < 0:
            raise ValueError("a row cap cannot be negative")

    def start(self) -> "Deadline":
        return Deadline(self, time.monotonic() + self.seconds)


@dataclass(frozen=True)
class Deadline:
    """The limits of one call, its clock started."""

    limits: QueryLimits
    at: float  # time.monotonic()

    @property
    def remaining(self) -> float:
        return self.at - time.monotonic()

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise too_slow(self.limits.seconds)


def too_slow(seconds: float) -> TooExpensive:
    return TooExpensive(f"the query ran longer than {seconds:g} s and was stopped")


def too_many(max_rows: int) -> TooExpensive:
    return TooExpensive(f"the query gave more than {max_rows} rows, the most this store "
                        "returns for one query")


def limits_from_env(default: QueryLimits | None = None) -> QueryLimits:
    """The store's own limits: GOING_LOCAL_STORE_TIMEOUT (seconds, default 10) and
    GOING_LOCAL_STORE_MAX_ROWS (default 100 000). These bound the service's own queries;
    /sparql has its own, smaller ones (GOING_LOCAL_SPARQL_TIMEOUT, ..._MAX_ROWS)."""
    default = default or QueryLimits()

    def read(name: str, kind, value):
        raw = os.environ.get(name, "").strip()
        if not raw:
            return value
        try:
            return kind(raw)
        except ValueError:
            raise GoingLocalError(f"{name}={raw!r} is not a number") from None

    try:
        return QueryLimits(read("GOING_LOCAL_STORE_TIMEOUT", float, default.seconds),
                           read("GOING_LOCAL_STORE_MAX_ROWS", int, default.max_rows))
    except ValueError as error:
        raise GoingLocalError(str(error)) from None


# --- Answers -----------------------------------------------------------------------------

@dataclass
class Answer:
    """What query() gives for a query of any form: a table of solutions, a boolean, or
    triples (CONSTRUCT, DESCRIBE), with whether rows past the cap were dropped."""

    kind: str  # "solutions", "boolean" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # for "graph": (s, p, o) triples
    boolean: bool | None = None
    truncated: bool = False

    def result(self) -> QueryResult:
        if self.kind == "boolean":
            return QueryResult.of_boolean(bool(self.boolean))
        if self.kind == "graph":
            result = QueryResult.of_triples(self.rows)
        else:
            result = QueryResult(self.variables, self.rows)
        result.truncated = self.truncated
        return result

    def graph(self) -> Graph:
        """The triples as a graph, added in one order whatever the engine gave them in
        (by their N-Triples form), so that what is written from them is the same bytes
        from every store."""
        graph = Graph()
        for triple in sorted(self.rows, key=lambda t: tuple(term.n3() for term in t)):
            graph.add(triple)
        return graph


class Store(Protocol):
    """What every reader asks. `limits` None means the store's own."""

    limits: QueryLimits

    def select(self, query: str, bindings: Mapping[str, Node] | None = None,
               limits: QueryLimits | None = None) -> QueryResult: ...
    def ask(self, query: str, bindings: Mapping[str, Node] | None = None,
            limits: QueryLimits | None = None) -> bool: ...
    def construct(self, query: str, bindings: Mapping[str, Node] | None = None,
                  limits: QueryLimits | None = None) -> Graph: ...
    def describe(self, query: str, bindings: Mapping[str, Node] | None = None,
                 limits: QueryLimits | None = None) -> Graph: ...
    def query(self, query: str, bindings: Mapping[str, Node] | None = None,
              limits: QueryLimits | None = None) -> Answer: ...
    def __len__(self) -> int: ...


class BaseStore:
    """select/ask/construct/describe on top of a backend's query()."""

    limits: QueryLimits = QueryLimits()
    remote = False  # True: /sparql forwards user queries to it rather than to its workers

    def query(self, query: str, bindings: Mapping[str, Node] | None = None,
              limits: QueryLimits | None = None) -> Answer:
        raise NotImplementedError

    def select(self, query, bindings=None, limits=None) -> QueryResult:
        answer = self.query(query, bindings, limits)
        if answer.kind != "solutions":
            raise GoingLocalError("not a SELECT query")
        return answer.result()

    def ask(self, query, bindings=None, limits=None) -> bool:
        answer = self.query(query, bindings, limits)
        if answer.kind != "boolean":
            raise GoingLocalError("not an ASK query")
        return bool(answer.boolean)

    def construct(self, query, bindings=None, limits=None) -> Graph:
        answer = self.query(query, bindings, limits)
        if answer.kind != "graph":
            raise GoingLocalError("not a CONSTRUCT or DESCRIBE query")
        return answer.graph()

    describe = construct


def bound_only(bindings: Mapping[str, Node] | None) -> dict[str, Node]:
    return {name: value for name, value in (bindings or {}).items() if value is not None}


def capped(rows: Iterable, deadline: Deadline) -> tuple[list, bool]:
    """The rows, read until the cap, checking the deadline before each; (rows, truncated)."""
    limits = deadline.limits
    kept: list = []
    iterator: Iterator = iter(rows)
    while True:
        deadline.check()
        try:
            row = next(iterator)
        except StopIteration:
            break
        if len(kept) >= limits.max_rows:
            if limits.truncate:
                return kept, True
            raise too_many(limits.max_rows)
        kept.append(row)
    deadline.check()  # the last step may have been the long one (ORDER BY, GROUP BY)
    return kept, False


# --- Terms -------------------------------------------------------------------------------

def to_oxigraph(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


# --- The embedded backend -------------------------------------------------------------------

class OxigraphStore(BaseStore):
    """A pyoxigraph Store holding one graph, read-only once loaded: in memory, filled from
    an rdflib graph or N-Triples, or one that `going-local build` wrote, opened from disk
    (OxigraphStore.open)."""

    def __init__(self, graph: Graph | None = None, limits: QueryLimits | None = None, *,
                 store: "ox.Store | None" = None, size: int | None = None):
        if store is None:
            store = ox.Store()
            if graph is not None:
                store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        self.store = store
        self._size = size if size is not None else (len(graph) if graph is not None else len(store))
        self.limits = limits or QueryLimits()
        self.path: str | None = None  # set when opened from disk

    @classmethod
    def from_ntriples(cls, data: bytes | str, limits: QueryLimits | None = None,
                      size: int | None = None) -> "OxigraphStore":
        """An in-memory store of N-Triples the project wrote (bytes, or a file's path)."""
        store = ox.Store()
        if isinstance(data, bytes):
            store.bulk_load(data, ox.RdfFormat.N_TRIPLES, lenient=True)
        else:
            store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return cls(store=store, limits=limits, size=size)

    @classmethod
    def open(cls, path, limits: QueryLimits | None = None, size: int | None = None) -> "OxigraphStore":
        """The on-disk store `going-local build` wrote, opened read-only (instantly: nothing
        is loaded; RocksDB reads what each query needs)."""
        opened = cls(store=ox.Store.read_only(str(path)), limits=limits, size=size)
        opened.path = str(path)
        return opened

    def __len__(self) -> int:
        return self._size

    def query(self, query: str, bindings: Mapping[str, Node] | None = None,
              limits: QueryLimits | None = None) -> Answer:
        deadline = (limits or self.limits).start()
        bound = bound_only(bindings)
        try:
            result = self._run(query, bound)
        except SyntaxError as error:
            raise GoingLocalError(f"SPARQL syntax error: {error}") from None
        if isinstance(result, ox.QueryBoolean):
            deadline.check()
            return Answer("boolean", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = capped(
                (tuple(to_rdflib(solution[v]) for v in variables) for solution in result),
                deadline)
            return Answer("solutions", variables, rows, truncated=truncated)
        triples, truncated = capped(_distinct_triples(result), deadline)
        return Answer("graph", rows=triples, truncated=truncated)


    def _run(self, query: str, bound: dict):
        return self.store.query(with_values(query, bound) if bound else query)


def _distinct_triples(triples) -> Iterator[tuple]:
    """A CONSTRUCT may give a triple more than once; a graph holds it once, and the cap
    counts triples of the graph."""
    seen: set = set()
    for triple in triples:
        converted = (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        if converted not in seen:
            seen.add(converted)
            yield converted


# --- Choosing a backend ---------------------------------------------------------------------

STORE_KINDS = ("oxigraph", "sparql", "virtuoso")


def open_store(settings, dataset, limits: QueryLimits | None = None) -> Store:
    """The store the settings name, over the loaded dataset (embedded) or the engine at
    settings.endpoint (remote; the dataset gives only its size, for /health and the
    service description). `dataset` is an rdflib graph, or the served lines
    (server.served.Loaded)."""
    kind = getattr(settings, "store", "oxigraph") or "oxigraph"
    limits = limits or limits_from_env()
    size = len(dataset) if isinstance(dataset, Graph) else dataset.triples
    if kind == "oxigraph":
        if isinstance(dataset, Graph):
            return OxigraphStore(dataset, limits)
        return OxigraphStore.from_ntriples(dataset.source.read_bytes(), limits, size=size)
    if kind not in STORE_KINDS:
        raise GoingLocalError(f"unknown store '{kind}' (choose one of {', '.join(STORE_KINDS)})")
    endpoint = getattr(settings, "endpoint", None)
    if not endpoint:
        raise GoingLocalError(f"the {kind} store needs an endpoint URL: set GOING_LOCAL_ENDPOINT "
                              "or give --endpoint")
    graph = getattr(settings, "graph", None)
    if kind == "virtuoso":
        graph = graph or default_graph_iri(settings.base)
    return open_remote(kind, endpoint, graph, limits, size=size)


def open_remote(kind: str, endpoint: str, graph: str | None, limits: QueryLimits,
                size: int | None = None) -> Store:
    """A remote store: "sparql" (any SPARQL 1.1 endpoint) or "virtuoso"."""
    if kind == "virtuoso":
        from .backends.virtuoso import VirtuosoStore

        if not graph:
            raise GoingLocalError("the virtuoso store needs the dataset's graph IRI "
                                  "(GOING_LOCAL_GRAPH or --graph)")
        return VirtuosoStore(endpoint, graph=graph, limits=limits, size=size)
    if kind == "sparql":
        from .backends.sparql import SparqlStore

        return SparqlStore(endpoint, graph=graph, limits=limits, size=size)
    raise GoingLocalError(f"unknown remote store '{kind}' (choose sparql or virtuoso)")


def default_graph_iri(base: str) -> str:
    """The named graph the dataset is loaded into on an engine that needs one: the
    dataset's own IRI (GOING_LOCAL_GRAPH names another)."""
    from .export import dataset_iri

    return str(dataset_iri(base.rstrip("/")))


def with_limits(limits: QueryLimits, **changes) -> QueryLimits:
    return replace(limits, **changes)
