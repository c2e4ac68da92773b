"""What the backend tests share: running every named query on two stores and comparing
the answers as RDF values, and rendering the same pages from two apps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from server.queries import bind_params, named_queries, rebase_query, tokens

ROOT = Path(__file__).resolve().parent.parent
QUERIES = named_queries(ROOT / "queries")

NUMERIC = {str(XSD[name]) for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def value(term, bnodes: dict):
    """A term as a comparable value: blank nodes by order of first appearance, language
    tags in lower case (BCP 47 tags are case-insensitive), numbers by their value
    (engines differ on the datatype: xsd:integer or the data's xsd:positiveInteger)."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return ("bnode", bnodes.setdefault(term, len(bnodes)))
    if isinstance(term, URIRef):
        return ("iri", str(term))
    assert isinstance(term, Literal), term
    if term.language:
        return ("lang", str(term), term.language.lower())
    datatype = str(term.datatype) if term.datatype is not None else str(XSD.string)
    if datatype in NUMERIC:
        try:
            return ("number", Decimal(str(term)).normalize())
        except InvalidOperation:
            pass
    return ("literal", str(term), datatype)


def comparable(result) -> list[tuple]:
    bnodes: dict = {}
    return [tuple(value(t, bnodes) for t in row) for row in result.rows]


def is_ordered(text: str) -> bool:
    """Whether the query's outermost level has ORDER BY (then the order must agree)."""
    depth = 0
    for token in tokens(text):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "ORDER":
            return True
    return False


def same_answers(text: str, expected, got) -> None:
    assert got.variables == expected.variables
    left, right = comparable(expected), comparable(got)
    if not is_ordered(text):
        left, right = sorted(left, key=repr), sorted(right, key=repr)
    assert len(right) == len(left), f"{len(right)} rows, expected {len(left)}"
    for number, (a, b) in enumerate(zip(left, right)):
        assert b == a, f"row {number} differs:\n  expected {a}\n  got      {b}"


def run_named(store, name: str, base: str):
    query = QUERIES[name]
    return store.select(rebase_query(query.text, base), bind_params(query, {}))


def normalised_html(body: bytes) -> str:
    return " ".join(body.decode("utf-8").split())


def same_rdf(expected: bytes, got: bytes, fmt: str = "turtle") -> None:
    a, b = Graph().parse(data=expected, format=fmt), Graph().parse(data=got, format=fmt)
    assert len(a) > 0
    if not isomorphic(a, b):
        only_a = sorted(set(a) - set(b))[:5]
        only_b = sorted(set(b) - set(a))[:5]
        raise AssertionError(f"the graphs differ: only expected {only_a}; only got {only_b}")


def first_difference(a: str, b: str, width: int = 160) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"at {i}:\n  expected ...{a[max(0, i - 60):i + width]}\n  got      ...{b[max(0, i - 60):i + width]}"
    return f"lengths {len(a)} and {len(b)}"


PAGES = [
    "/",
    "/doc/bocu/harrow",
    "/doc/inspection/2003-04/harrow",
    "/doc/inspection/2003-04/harrow/recommendation/1",
    "/def/theme/demand-management",
    "/def/theme/demand-management?bocu=harrow",
    "/doc/committee-paper/2005-01-19-report-8",
    "/doc/programme/going-local",
    "/recommendations",
    "/inspections?year=2003-04",
    "/paper/2003-04?as-of=2005-01-19",
]

DOCUMENTS = [
    "/doc/bocu/harrow.ttl",
    "/doc/inspection/2003-04/harrow/recommendation/2.ttl",
    "/def/theme.ttl",
    "/doc/programme/going-local.nt",
]

HTML = {"Accept": "text/html"}


def same_page(embedded_client, other_client, path: str) -> None:
    a = embedded_client.get(path, headers=HTML)
    b = other_client.get(path, headers=HTML)
    assert a.status_code == 200, (path, a.status_code)
    assert b.status_code == 200, (path, b.status_code, b.get_data(as_text=True)[:300])
    left, right = normalised_html(a.data), normalised_html(b.data)
    assert left == right, f"{path}: {first_difference(left, right)}"


def same_document(embedded_client, other_client, path: str) -> None:
    a = embedded_client.get(path)
    b = other_client.get(path)
    assert a.status_code == b.status_code == 200, (path, a.status_code, b.status_code)
    same_rdf(a.data, b.data, "nt" if path.endswith(".nt") else "turtle")

