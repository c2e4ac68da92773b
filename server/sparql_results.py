"""SPARQL query results and constructed graphs written out, by pyoxigraph, under a row cap.

pyoxigraph writes SPARQL JSON, XML, CSV and TSV results itself, to the W3C specifications
(https://www.w3.org/TR/sparql11-results-json/, /rdf-sparql-XMLres/,
/sparql11-results-csv-tsv/), several times faster than Python could, but only for a whole
result. The row cap is applied while it writes: the result is written as TSV, which has
exactly one line per row (newlines inside literals are escaped), into a writer that stops
it once a row past the cap begins. That TSV, cut, is what TSV requests get; for the other
formats pyoxigraph reads it back and writes them. TSV writes every term exactly (IRIs,
blank node labels, literals with language, direction or datatype, triple terms), so
nothing is lost on the way; a test holds it to that.

Choices the specifications leave open:
  - a result cut at the cap has, in SPARQL JSON, a top-level "truncated": true member,
    written first, where strict clients ignore it (pyoxigraph's parser refuses members
    after "results"), and in XML a comment; every format also gets the
    endpoint's X-Result-Truncated header, the one place that always says it;
  - XML 1.0 cannot carry most control characters (a literal can hold one: SPARQL's "\\b"
    escape makes a backspace), which pyoxigraph writes anyway: in XML results they become
    U+FFFD, so the document stays well-formed; JSON, CSV and TSV keep them exactly. A CR,
    which pyoxigraph writes raw and XML parsers would read as LF, is written as &#13;;
  - ASK in CSV and TSV, which the specification does not define, is the word true or
    false, as pyoxigraph writes it.

Constructed graphs (CONSTRUCT, DESCRIBE) are written by pyoxigraph's serializer too; its
RDF/XML is checked to be namespace-well-formed, because a predicate with no XML local name
cannot be written in RDF/XML at all (pyoxigraph would write a broken element).
"""

from __future__ import annotations

import re
import xml.parsers.expat

import pyoxigraph as ox

RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}

# Bytes XML 1.0 cannot hold even as references: C0 controls but tab, LF and CR, and the
# UTF-8 of U+FFFE and U+FFFF. Below 0x80 a byte is never part of a longer UTF-8 sequence,
# so replacing them in the bytes is exact.
NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
REPLACEMENT = "\ufffd".encode("utf-8")


class CannotWrite(Exception):
    """The result cannot be written in the format asked for (e.g. RDF/XML)."""


class _Full(Exception):
    """Raised inside pyoxigraph's serializer to stop it: the cap is reached."""


class _CappedLines:
    """A binary writer keeping the first `max_lines` lines, which stops the serializer
    (by raising _Full) as soon as a byte beyond them arrives."""

    def __init__(self, max_lines: int):
        self.parts: list[bytes] = []
        self.lines = 0
        self.max_lines = max_lines
        self.truncated = False

    def write(self, data) -> int:
        data = bytes(data)
        if not data:
            return 0
        if self.lines >= self.max_lines:
            self.truncated = True
            raise _Full
        count = data.count(b"\n")
        if self.lines + count < self.max_lines or (
                self.lines + count == self.max_lines and data.endswith(b"\n")):
            self.parts.append(data)
            self.lines += count
            return len(data)
        end = -1
        for _ in range(self.max_lines - self.lines):
            end = data.index(b"\n", end + 1)
        self.parts.append(data[:end + 1])  # what follows is the start of one row too many
        self.lines = self.max_lines
        self.truncated = True
        raise _Full

    def flush(self) -> None:
        pass


def write_solutions(solutions: "ox.QuerySolutions", name: str, max_rows: int
                    ) -> tuple[bytes, int, bool]:
    """(body, rows written, truncated) for a SELECT result, at most `max_rows` rows."""
    capped = _CappedLines(max_rows + 1)  # the header line, then one line per row
    try:
        solutions.serialize(capped, format=ox.QueryResultsFormat.TSV)
    except _Full:
        pass
    tsv = b"".join(capped.parts)
    rows, truncated = capped.lines - 1, capped.truncated
    if name == "tsv":
        return tsv, rows, truncated
    body = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(
        format=RESULT_FORMATS[name])
    if name == "json" and truncated:
        # First, not last: pyoxigraph's own parser, a strict client, refuses anything after
        # "results" but ignores a member before "head".
        assert body.startswith(b"{")
        body = b'{"truncated":true,' + body[1:]
    elif name == "xml":
        body = _xml_safe(body)
        if truncated:
            body = body.replace(b"</head>", b"</head><!-- truncated: more rows matched "
                                b"than this endpoint returns -->", 1)
    return body, rows, truncated


def write_boolean(answer: "ox.QueryBoolean", name: str) -> bytes:
    return answer.serialize(format=RESULT_FORMATS[name])


def _xml_safe(body: bytes) -> bytes:
    # pyoxigraph writes CR in a literal as it is, which every XML parser reads back as LF;
    # as a reference it survives. CR is nowhere else in its output (no line breaks in the
    # markup; IRIs, language tags and variable names cannot hold one).
    return NOT_XML.sub(REPLACEMENT, body).replace(b"\r", b"&#13;")


def write_graph(name: str, triples: list["ox.Triple"], prefixes: dict[str, str] | None = None) -> bytes:
    fmt = GRAPH_FORMATS[name]
    try:
        out = ox.serialize(triples, format=fmt, prefixes=prefixes or None)
    except ValueError:
        if not prefixes:
            raise
        out = ox.serialize(triples, format=fmt)  # a prefix pyoxigraph would not take
    if fmt == ox.RdfFormat.RDF_XML:
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")  # QNames checked
        try:
            parser.Parse(out, True)
        except xml.parsers.expat.ExpatError:
            raise CannotWrite(
                "this graph cannot be written as RDF/XML (a predicate IRI has no XML "
                "local name, or a literal holds a character XML cannot); ask for Turtle, "
                "N-Triples or JSON-LD") from None
    return out
