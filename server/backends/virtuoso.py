"""A store on Virtuoso Open Source 7's /sparql: a SparqlStore that knows its ways.

What Virtuoso 7.2 does, and what is done about it here:

- A POST of application/sparql-query is never answered. Queries go by GET or by a
  form-encoded POST (the SparqlStore never sends the other kind).
- A query that names no graph reads every graph, Virtuoso's own system graphs too. Each
  request names the dataset's graph as default-graph-uri, and as named-graph-uri an
  empty graph, so that GRAPH ?g finds nothing, as on the embedded store.
- Blank nodes come back as IRIs, nodeID://b10001 (in SPARQL results; as _:b10001 in
  N-Triples): they are turned back into blank nodes, b10001. Virtuoso finds such a node
  again only by the IRI written as a constant in a triple pattern, not in VALUES, so a
  blank node cannot be bound as a parameter here: that is refused with a clear error
  (the data has no blank nodes; the pages never bind one).
- Language tags come back lower-cased ("en-gb"). BCP 47 tags are case-insensitive; the
  tags are written back in their usual case (en-GB, zh-Hant) so that they read as the
  data wrote them. (The data uses "en".)
- Numbers may come back in another datatype than the data's or another engine's (COUNT
  is xsd:integer, "0042" comes back 42, xsd:positiveInteger stays, where Oxigraph
  answers xsd:integer): readers compare values, not datatypes (server/page_data.plain,
  server/documents.faithful).
- xsd:duration values come back as numbers in SPARQL results and N-Triples (months for
  "P5Y": 60; seconds, as a decimal, for a day-time duration). They are written back as
  durations: 60 becomes "P5Y". Virtuoso itself keeps only the months of a duration that
  has months and days ("P1Y2M3D" is read back "P1Y2M"); the data has no such value.
- A boolean that a query computes (true, 1 = 1, COALESCE(..., false)) comes back as the
  integer 1 or 0; xsd:boolean(...) around it gives a boolean. The queries do that
  (queries/README.md).
- The engine's own limit on a query's run time: each request carries `timeout` (ms), by
  default half the deadline (`engine_timeout`), because Virtuoso overruns it, by up to as
  much again; the HTTP timeout is the whole deadline. Past its timeout Virtuoso answers
  200 with what it has so far and the header X-SQL-State: S1TAT: that is refused
  (TooExpensive), never shown as a whole answer. Past the instance's MaxQueryExecutionTime it answers 500 "Transaction timed
  out", and a query it estimates too costly it refuses with "exceeds the limit": both are
  TooExpensive too.
- It cuts every result at its ResultSetMaxRows, silently but for the header
  X-SPARQL-MaxRows: a result with that header has more rows than it sent, so it is held to
  the row cap as such (TooExpensive, or truncated where truncation is asked for).
"""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ..errors import GoingLocalError
from ..http_errors import TooExpensive
from ..store import Deadline, QueryLimits, too_many
from .sparql import SparqlStore

NODE_ID = "nodeID://"
DURATIONS = {str(XSD.duration), str(XSD.yearMonthDuration), str(XSD.dayTimeDuration)}
MONTHS = re.compile(r"^-?\d+$")
SECONDS = re.compile(r"^-?\d+(\.\d*)?([eE][+-]?\d+)?$")
TIMEOUT_MARKS = ("S1T00", "SR171", "Transaction timed out", "exceeds the limit", "S1TAT")


class VirtuosoStore(SparqlStore):
    """Queries on Virtuoso 7's /sparql, over the dataset's graph."""

    name = "Virtuoso"

    def __init__(self, endpoint: str, *, graph: str, method: str = "POST",
                 limits: QueryLimits | None = None, size: int | None = None,
                 engine_timeout: float = 0.5):
        if not graph:
            raise GoingLocalError("the Virtuoso store needs the dataset's graph IRI")
        if not 0 < engine_timeout <= 1:
            raise ValueError("engine_timeout is a share of the deadline, more than 0, at most 1")
        super().__init__(endpoint, graph=graph, method=method, limits=limits, size=size)
        self.engine_timeout = engine_timeout

    def engine_seconds(self, deadline: Deadline) -> float:
        return deadline.limits.seconds * self.engine_timeout

    def parameters(self, deadline: Deadline) -> list[tuple[str, str]]:
        seconds = min(self.engine_seconds(deadline), deadline.remaining)
        milliseconds = max(1, int(seconds * 1000))
        return [("default-graph-uri", self.graph),
                ("named-graph-uri", f"{self.graph}#no-named-graphs"),
                ("timeout", str(milliseconds))]

    def bindable(self, term: Node) -> Node:
        if isinstance(term, BNode):
            raise GoingLocalError("a blank node cannot be bound as a parameter on Virtuoso "
                                  "(it does not match <nodeID://...> given in VALUES)")
        return term

    def term(self, term: Node | None) -> Node | None:
        return virtuoso_term(term)

    def check_response(self, response, deadline: Deadline) -> None:
        state = response.headers.get("X-SQL-State")
        if state:
            message = " ".join((response.headers.get("X-SQL-Message") or "").split())[:200]
            if state == "S1TAT" or "timed out" in message or "timeout" in message.lower():
                raise TooExpensive(f"the query ran longer than {self.engine_seconds(deadline):g} s "
                                   "and was stopped")
            raise TooExpensive(f"the store gave an incomplete answer ({state}: {message})")
        if response.headers.get("X-SPARQL-MaxRows"):
            limits = deadline.limits
            if not limits.truncate:
                raise too_many(limits.max_rows)
            # Rows past the engine's cut were not sent: the answer is marked truncated
            # when it is read (it has more rows than the cap, as the engine's cut is set
            # above it), or here if the engine's cut is below the cap.
            response.virtuoso_cut = True

    def failure(self, code: int, detail: str, deadline: Deadline) -> Exception | None:
        if any(mark in detail for mark in TIMEOUT_MARKS):
            if "exceeds the limit" in detail:
                return TooExpensive(f"the store estimates the query would run too long: {detail}")
            return TooExpensive(f"the query ran longer than {deadline.limits.seconds:g} s and "
                                "was stopped")
        return None

    def _read(self, response, deadline: Deadline):
        answer = super()._read(response, deadline)
        if getattr(response, "virtuoso_cut", False):
            answer.truncated = True
        return answer


def virtuoso_term(term: Node | None) -> Node | None:
    """A term as Virtuoso sent it, as the data has it."""
    if isinstance(term, URIRef) and str(term).startswith(NODE_ID):
        return BNode(str(term)[len(NODE_ID):])
    if isinstance(term, BNode) and str(term).startswith(NODE_ID):
        return BNode(str(term)[len(NODE_ID):])
    if isinstance(term, Literal):
        if term.language:
            tag = canonical_language_tag(term.language)
            return term if tag == term.language else Literal(str(term), lang=tag)
        if term.datatype is not None and str(term.datatype) in DURATIONS:
            text = duration_text(str(term))
            return term if text is None else Literal(text, datatype=term.datatype)
    return term


def canonical_language_tag(tag: str) -> str:
    """A BCP 47 tag in its usual case: language lower-case, script title-case, region
    upper-case (en-GB, zh-Hant-TW), the rest lower-case."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha() and len(out) == 1:
            out.append(part.title())
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            out.append(part.upper())
        else:
            out.append(part.lower())
        if out[-1] in ("x", "X"):  # private use: the rest as it is
            out.extend(p.lower() for p in parts[len(out):])
            break
    return "-".join(out)


def duration_text(value: str) -> str | None:
    """A duration Virtuoso wrote as a number, as an xsd:duration: whole numbers are
    months, decimals seconds. None if it is not such a number (already a duration)."""
    if MONTHS.match(value):
        months = int(value)
        sign, months = ("-" if months < 0 else ""), abs(months)
        years, months = divmod(months, 12)
        if not years and not months:
            return "P0M"
        return f"{sign}P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    if SECONDS.match(value):
        seconds = float(value)
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        whole = int(seconds)
        fraction = seconds - whole
        days, rest = divmod(whole, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        text = f"{sign}P" + (f"{days}D" if days else "")
        time_part = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        if secs or fraction:
            number = f"{secs + fraction:.6f}".rstrip("0").rstrip(".")
            time_part += f"{number}S"
        if time_part:
            text += "T" + time_part
        return text if text not in ("P", "-P") else "PT0S"
    return None
