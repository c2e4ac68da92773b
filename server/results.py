"""Query results as a small table of rdflib terms, whether the query ran here or remotely,
and the table written as text, CSV or SPARQL JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import GoingLocalError


@dataclass
class QueryResult:
    """Variables and rows (a term or None per variable). An ASK query's answer is in
    `boolean`, and also as a one-cell table so every result prints the same way."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False  # rows past a row cap were dropped

    @classmethod
    def of_boolean(cls, answer: bool) -> "QueryResult":
        return cls(["result"], [(Literal(answer),)], boolean=answer)

    @classmethod
    def of_triples(cls, triples) -> "QueryResult":
        rows = sorted(tuple(t) for t in triples)
        return cls(["subject", "predicate", "object"], rows)

    def column(self, variable: str) -> list[Node | None]:
        i = self.variables.index(variable)
        return [row[i] for row in self.rows]


# --- SPARQL 1.1 Query Results JSON <-> rdflib terms --------------------------------------

def term_from_json(binding: dict) -> Node:
    """One SPARQL JSON binding as an rdflib term: typed literals keep their datatype,
    language-tagged ones their tag, blank nodes their label."""
    kind, value = binding.get("type"), binding.get("value")
    if not isinstance(value, str):
        raise GoingLocalError(f"a result binding has no value: {binding!r}")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):  # typed-literal: the 2008 format, still seen
        lang = binding.get("xml:lang")
        if lang:
            return Literal(value, lang=lang)
        datatype = binding.get("datatype")
        # xsd:string is the same literal as a plain one (RDF 1.1); keep it plain so it
        # compares equal to the terms a local query gives.
        if datatype and datatype != str(XSD.string):
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise GoingLocalError(f"a result binding of unknown type {kind!r}")


def term_to_json(term: Node) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"not an RDF term: {term!r}")


def result_from_json(data: dict) -> QueryResult:
    """SPARQL JSON results (a SELECT table or an ASK answer) as a QueryResult."""
    if not isinstance(data, dict):
        raise GoingLocalError("the answer is not SPARQL JSON results")
    if "boolean" in data:
        return QueryResult.of_boolean(bool(data["boolean"]))
    try:
        variables = list(data["head"].get("vars", []))
        bindings = data["results"]["bindings"]
    except (KeyError, TypeError, AttributeError):
        raise GoingLocalError("the answer is not SPARQL JSON results") from None
    rows = []
    for binding in bindings:
        rows.append(tuple(term_from_json(binding[v]) if v in binding else None for v in variables))
    return QueryResult(variables, rows)


def result_to_json(result: QueryResult) -> dict:
    if result.boolean is not None:
        return {"head": {}, "boolean": result.boolean}
    bindings = [{v: term_to_json(t) for v, t in zip(result.variables, row) if t is not None}
                for row in result.rows]
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}


# --- Writing results ---------------------------------------------------------------------

def _cell(term: Node | None, shorten) -> str:
    """A term as a person reads it in a table: IRIs shortened, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)  # a literal's language or datatype is in the CSV and JSON output


def render_table(result: QueryResult, shorten=lambda iri: f"<{iri}>") -> str:
    header = result.variables
    cells = [[_cell(t, shorten).replace("\n", " ") for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    count = len(result.rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(lines) + "\n"


def render_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: full IRIs, literals as their lexical form, blank nodes as _:label."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else f"_:{t}" if isinstance(t, BNode) else str(t)
                         for t in row])
    return out.getvalue()


def render_json(result: QueryResult) -> str:
    return json.dumps(result_to_json(result), indent=2, ensure_ascii=False) + "\n"


def render(result: QueryResult, fmt: str, shorten=None) -> str:
    if fmt == "csv":
        return render_csv(result)
    if fmt == "json":
        return render_json(result)
    return render_table(result, shorten) if shorten else render_table(result)
