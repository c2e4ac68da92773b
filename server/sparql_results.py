"""SPARQL query results and constructed graphs written out, from pyoxigraph terms.

SELECT and ASK results are written here, following the W3C specifications:
  JSON  https://www.w3.org/TR/sparql11-results-json/
  XML   https://www.w3.org/TR/rdf-sparql-XMLres/
  CSV and TSV  https://www.w3.org/TR/sparql11-results-csv-tsv/
pyoxigraph writes these formats too, but only for a whole, unread result iterator:
the endpoint stops reading at its row cap, so it needs a writer for the rows it kept.
(pyoxigraph's XML also passes on characters that XML 1.0 cannot hold; see below.)
Triple terms and directional language tags (RDF 1.2) are written as pyoxigraph does.

Choices the specifications leave open:
  - a result cut at the row cap carries a top-level "truncated": true member in JSON
    (strict clients ignore members they do not know); every format also gets the
    X-Result-Truncated header from the endpoint;
  - XML 1.0 cannot carry most control characters (a literal "\\b" can be made with
    SPARQL's \\b escape): in XML results they are written as U+FFFD; JSON, CSV and
    TSV keep them exactly;
  - ASK in CSV and TSV, which the specification does not define, is the single word
    true or false, as pyoxigraph writes it.

Constructed graphs (CONSTRUCT, DESCRIBE) are written by pyoxigraph's serializer,
which is fast and correct for Turtle, N-Triples and JSON-LD; its RDF/XML is checked
to be well-formed XML, because a predicate with no XML local name cannot be written in
RDF/XML at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.parsers.expat
from typing import Iterable, Sequence

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
ITS_NS = "http://www.w3.org/2005/11/its"

Row = Sequence["ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None"]


class CannotWrite(Exception):
    """The result cannot be written in the format asked for (e.g. RDF/XML)."""


# --- JSON --------------------------------------------------------------------------------

def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def json_results(variables: list[str], rows: Iterable[Row], truncated: bool = False) -> bytes:
    bindings = [{name: _json_term(term) for name, term in zip(variables, row) if term is not None}
                for row in rows]
    document: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        document["truncated"] = True
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_boolean(answer: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": answer}).encode("utf-8")


# --- XML ---------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all, even as character references.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    text = NOT_XML.sub("\ufffd", text)
    # \r would be read back as \n by any XML parser unless written as a reference.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attribute(text: str) -> str:
    return (_xml_text(text).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;"))


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.Literal):
        if term.language:
            attributes = f' xml:lang="{_xml_attribute(term.language)}"'
            if term.direction is not None:
                attributes += (f' its:dir="{term.direction}" xmlns:its="{ITS_NS}"'
                               ' its:version="2.0"')
        elif term.datatype.value != XSD_STRING:
            attributes = f' datatype="{_xml_attribute(term.datatype.value)}"'
        else:
            attributes = ""
        return f"<literal{attributes}>{_xml_text(term.value)}</literal>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject>"
                f"<predicate>{_xml_term(term.predicate)}</predicate>"
                f"<object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {term!r}")


def xml_results(variables: list[str], rows: Iterable[Row], truncated: bool = False) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{RESULTS_NS}">\n<head>']
    out.extend(f'<variable name="{_xml_attribute(name)}"/>' for name in variables)
    out.append("</head>\n")
    if truncated:
        out.append("<!-- truncated: more rows matched than this endpoint returns -->\n")
    out.append("<results>\n")
    for row in rows:
        out.append("<result>")
        out.extend(f'<binding name="{_xml_attribute(name)}">{_xml_term(term)}</binding>'
                   for name, term in zip(variables, row) if term is not None)
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def xml_boolean(answer: bool) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{RESULTS_NS}">\n'
            f"<head/>\n<boolean>{'true' if answer else 'false'}</boolean>\n</sparql>\n"
            ).encode("utf-8")


# --- CSV and TSV -------------------------------------------------------------------------

def _csv_term(term) -> str:
    """CSV keeps only the IRI, the lexical form or the blank node label: it is lossy."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return _tsv_term(term)
    raise TypeError(f"not an RDF term: {term!r}")


def csv_results(variables: list[str], rows: Iterable[Row], truncated: bool = False) -> bytes:
    out = io.StringIO()
    # RFC 4180 as the specification asks: CRLF after every row; a field is quoted when it
    # holds a quote, a comma, CR or LF, and a quote inside is doubled.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(variables)
    writer.writerows([_csv_term(term) for term in row] for row in rows)
    return out.getvalue().encode("utf-8")


INTEGER = re.compile(r"[+-]?[0-9]+\Z")
DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+\Z")
DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+\Z")
SHORT_FORMS = {XSD + "integer": INTEGER, XSD + "decimal": DECIMAL, XSD + "double": DOUBLE}


def _turtle_string(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


def _tsv_term(term) -> str:
    """A term as in Turtle (and SPARQL), the form TSV results use; numbers are written
    short when their lexical form is Turtle's own, as the specification allows."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            direction = f"--{term.direction}" if term.direction is not None else ""
            return f"{_turtle_string(term.value)}@{term.language}{direction}"
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return _turtle_string(term.value)
        short = SHORT_FORMS.get(datatype)
        if short is not None and short.match(term.value):
            return term.value
        if datatype == XSD + "boolean" and term.value in ("true", "false"):
            return term.value
        return f"{_turtle_string(term.value)}^^<{datatype}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return (f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} "
                f"{_tsv_term(term.object)} )>>")
    raise TypeError(f"not an RDF term: {term!r}")


def tsv_results(variables: list[str], rows: Iterable[Row], truncated: bool = False) -> bytes:
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines.extend("\t".join(_tsv_term(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def text_boolean(answer: bool) -> bytes:
    return b"true" if answer else b"false"


# --- The formats by name -----------------------------------------------------------------

SOLUTION_WRITERS = {"json": json_results, "xml": xml_results, "csv": csv_results,
                    "tsv": tsv_results}
BOOLEAN_WRITERS = {"json": json_boolean, "xml": xml_boolean, "csv": text_boolean,
                   "tsv": text_boolean}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def write_solutions(name: str, variables: list[str], rows: list[Row], truncated: bool) -> bytes:
    return SOLUTION_WRITERS[name](variables, rows, truncated)


def write_boolean(name: str, answer: bool) -> bytes:
    return BOOLEAN_WRITERS[name](answer)


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
