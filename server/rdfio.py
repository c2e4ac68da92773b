"""Reading the dataset's Turtle files fast and without loss, as N-Triples, with pyoxigraph.

rdflib parses about 30 000 triples a second and holds each in well over a kilobyte; at a
million triples that is most of a minute and more memory than the service may use. So
the build (server/build.py), the service's start and validation read the files with
pyoxigraph's parser instead, and keep each file as N-Triples text, one triple a line:

- nothing is lost: the parser gives each literal exactly as written ("1"^^xsd:positiveInteger
  stays so; Oxigraph's *store* would keep it as "1"^^xsd:integer, see literal_forms below);
- a line is a triple, so the data can be cut into parts (server/partitions.py) and handed
  to other processes as plain text, and moved to another base (rebase_lines) by
  rewriting IRIs alone, never the text of a literal;
- a file pyoxigraph cannot read is read again by rdflib, whose one-line error
  (`file:line: message`) the project reports; should rdflib read it after all, its graph is
  used, so the two parsers never disagree about what a file holds.

Each file is parsed with its own file: URI as base, as rdflib does. Where the two parsers
write a term differently (pyoxigraph lower-cases language tags and keeps `1e3` as written,
rdflib does neither), tests/test_build.py checks that the shipped data reads the same.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .config import CANONICAL_BASE

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class ParsedFile:
    """One Turtle file as N-Triples lines (str, without the line break)."""

    path: Path
    where: str          # the path as the user would type it
    lines: list[str]
    prefixes: dict[str, str] = field(default_factory=dict)


def parse_file(path: Path) -> ParsedFile:
    from .loading import display_path, parse_turtle

    where = display_path(path)
    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.absolute().as_uri())
        text = ox.serialize(parser, format=ox.RdfFormat.N_TRIPLES)
        prefixes = dict(parser.prefixes)
    except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
        # rdflib says what is wrong the way the project reports it (file:line: message);
        # if it reads the file after all, its reading is the one used.
        graph = parse_turtle(path)
        text = graph.serialize(format="nt", encoding="utf-8")
        prefixes = {p: str(n) for p, n in graph.namespaces() if p}
    lines = text.decode("utf-8").splitlines() if isinstance(text, bytes) else text.splitlines()
    return ParsedFile(path, where, [line for line in lines if line], prefixes)


def parse_files(paths: Iterable[Path]) -> list[ParsedFile]:
    return [parse_file(Path(p)) for p in paths]


# --- N-Triples lines ----------------------------------------------------------------------

def split_line(line: str) -> tuple[str, str, str]:
    """(subject, predicate, object) of an N-Triples line, each as written."""
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest[:-2]  # " ."


def is_node(term: str) -> bool:
    """An IRI or a blank node (not a literal), as written in N-Triples."""
    return term[:1] == "<" or term[:2] == "_:"


def term_of(text: str) -> Node:
    """An rdflib term from its N-Triples form."""
    if text[:1] == "<":
        return URIRef(text[1:-1])
    if text[:2] == "_:":
        return BNode(text[2:])
    return _literal_of(text)


_ESCAPE = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match) -> str:
    short, long, char = match.groups()
    if short or long:
        return chr(int(short or long, 16))
    return _SIMPLE.get(char, char)


def _literal_of(text: str) -> Literal:
    at = text.rfind('"')
    lexical = text[1:at]
    if "\\" in lexical:
        lexical = _ESCAPE.sub(_unescape, lexical)
    rest = text[at + 1:]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^<"):
        datatype = rest[3:-1]
        return Literal(lexical) if datatype == XSD_STRING else Literal(lexical, datatype=URIRef(datatype))
    return Literal(lexical)


def _from_ox(term, iris: dict, datatypes: dict) -> Node:
    if isinstance(term, ox.NamedNode):
        value = term.value
        found = iris.get(value)
        if found is None:
            found = iris[value] = URIRef(value)
        return found
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        found = datatypes.get(datatype)
        if found is None:
            found = datatypes[datatype] = URIRef(datatype)
        return Literal(term.value, datatype=found)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"not an RDF term: {term!r}")


def graph_of(lines: Iterable[str], graph: Graph | None = None) -> Graph:
    """An rdflib graph of N-Triples lines: parsed by pyoxigraph, about twice as fast as
    rdflib's own N-Triples parser, with the same terms."""
    graph = Graph() if graph is None else graph
    text = "\n".join(lines).encode("utf-8")
    if not text:
        return graph
    iris: dict = {}
    datatypes: dict = {}
    graph.addN((_from_ox(t.subject, iris, datatypes), _from_ox(t.predicate, iris, datatypes),
                _from_ox(t.object, iris, datatypes), graph)
               for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    return graph


def to_nt(term: Node) -> str:
    """A term in N-Triples form."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(_to_ox_literal(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _to_ox_literal(term: Literal) -> ox.Literal:
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


# --- Moving the canonical base --------------------------------------------------------------

def rebase_lines(lines: Iterable[str], base: str, canonical: str = CANONICAL_BASE) -> Iterator[str]:
    """The lines with every IRI under the canonical base moved to `base` (what
    loading.rebase does to a graph): in subjects, predicates, IRI objects and literals'
    datatypes, never inside a literal's text."""
    base = base.rstrip("/")
    if base == canonical:
        yield from lines
        return
    old = "<" + canonical
    new = "<" + base

    def move(term: str) -> str:
        if term.startswith(old) and term[len(old)] in "/#>":
            return new + term[len(old):]
        return term

    for line in lines:
        if old not in line:
            yield line
            continue
        subject, predicate, obj = split_line(line)
        if obj[:1] == '"':
            at = obj.rfind('"')
            obj = obj[:at + 1] + (("^^" + move(obj[at + 3:])) if obj[at + 1:at + 3] == "^^" else obj[at + 1:])
        else:
            obj = move(obj)
        yield f"{move(subject)} {move(predicate)} {obj} ."


def rebase_prefixes(prefixes: dict[str, str], base: str, canonical: str = CANONICAL_BASE) -> dict[str, str]:
    from .loading import rebase_iri

    base = base.rstrip("/")
    if base == canonical:
        return dict(prefixes)
    return {p: rebase_iri(n, base, canonical) for p, n in prefixes.items()}


# --- Literals the store keeps in another form -------------------------------------------------

def literal_forms(objects: Iterable[str]) -> dict[str, str]:
    """For each literal (N-Triples form) that an Oxigraph store would keep in another form,
    that form: the store keeps numbers, booleans and dates by value, so
    "1"^^xsd:positiveInteger comes back as "1"^^xsd:integer and "01" as "1"
    (oxigraph/oxigraph#526). Strings and language-tagged strings are kept as written and
    are not asked about."""
    candidates = sorted({o for o in objects if o[:1] == '"' and o.endswith(">")
                         and not o.endswith(f"^^<{XSD_STRING}>")})
    if not candidates:
        return {}
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:x-going-local:literal")
    text = "\n".join(f"<urn:x-going-local:l{i}> <urn:x-going-local:literal> {o} ."
                     for i, o in enumerate(candidates))
    scratch.bulk_load(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES)
    changed = {}
    for quad in scratch.quads_for_pattern(None, predicate, None):
        index = int(quad.subject.value[len("urn:x-going-local:l"):])
        stored = str(quad.object)
        if stored != candidates[index]:
            changed[candidates[index]] = stored
    return changed


# --- Digests ---------------------------------------------------------------------------------

def files_digest(paths: Iterable[Path], root: Path | None = None) -> str:
    """A SHA-256 over the files' names (relative to `root` when given) and bytes."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        name = os.path.relpath(path, root) if root is not None else path.name
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode("utf-8"))
        digest.update(data)
    return digest.hexdigest()
