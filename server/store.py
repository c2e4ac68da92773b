"""The store interface every reader uses, and its embedded default: Oxigraph.

rdflib parses, validates and serializes; queries are answered by pyoxigraph's own
Store, which is many times faster than rdflib's memory store. Parameters are always
bound as a VALUES block of typed terms that rdflib serializes (pyoxigraph's own
substitutions only bind variables a SELECT projects), never pasted in as text.
"""

from __future__ import annotations

from typing import Mapping, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import GoingLocalError
from .queries import with_values
from .results import QueryResult


class Store(Protocol):
    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult: ...
    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool: ...
    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph: ...
    def __len__(self) -> int: ...


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


class OxigraphStore:
    """An in-memory pyoxigraph Store holding one graph, read-only once loaded."""

    def __init__(self, graph: Graph):
        self.store = ox.Store()
        self.store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        self._size = len(graph)

    def __len__(self) -> int:
        return self._size

    def _query(self, query: str, bindings: Mapping[str, Node] | None):
        bound = {name: value for name, value in (bindings or {}).items() if value is not None}
        try:
            return self.store.query(with_values(query, bound) if bound else query)
        except SyntaxError as error:
            raise GoingLocalError(f"SPARQL syntax error: {error}") from None

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        solutions = self._query(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise GoingLocalError("not a SELECT query")
        variables = [v.value for v in solutions.variables]
        rows = [tuple(to_rdflib(solution[v]) for v in variables) for solution in solutions]
        return QueryResult(variables, rows)

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QueryBoolean):
            raise GoingLocalError("not an ASK query")
        return bool(answer)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        triples = self._query(query, bindings)
        if not isinstance(triples, ox.QueryTriples):
            raise GoingLocalError("not a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph
