"""Named SPARQL queries (queries/*.rq): their headers, their typed parameters, and running
them on a local graph or on a remote endpoint.

Parameter values are never pasted into the query text. On rdflib they are bound with
initBindings; on Oxigraph and on a remote endpoint they go in a VALUES block placed at
the start of the outermost WHERE group, written from the bound terms themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.term import Node

from .config import CANONICAL_BASE, load_settings
from .errors import GoingLocalError
from .loading import display_path, rebase_iri
from .results import QueryResult

PARAM_TYPES = ("xsd:date", "xsd:gYearMonth", "xsd:string", "xsd:integer", "iri")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    description: str = ""


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    params: list[Param]
    text: str
    path: Path | None = None

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.params) or "none"
        raise GoingLocalError(f"query '{self.name}' has no parameter '{name}' (its parameters: {known})")


# --- The header --------------------------------------------------------------------------

KEY_LINE = re.compile(r"^([a-z][a-z0-9_-]*):(?:\s+(.*))?$")
PARAM_LINE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"\(\s*(?P<type>[^,()\s]+)\s*(?:,\s*default\s+(?P<default>[^)]*?)\s*)?\)"
    r"\s*(?P<description>.*)$")


def parse_header(text: str, where: str) -> tuple[str, str, list[Param]]:
    """title, description and params from the leading `#` lines of a query.

    A line with no `key:` continues the key before it; an empty `#` line ends it."""
    fields: dict[str, list[str]] = {"title": [], "description": []}
    params: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break  # the header is the comment block the file starts with
        body = line.lstrip("#").strip()
        if not body:
            current = None
            continue
        key = KEY_LINE.match(body)
        if key and key.group(1) in ("title", "description"):
            current = fields[key.group(1)]
            current.append(key.group(2) or "")
        elif key and key.group(1) == "param":
            current = [key.group(2) or ""]
            params.append((number, current))
        elif key:
            current = None  # a key this tool does not use (e.g. author:)
        elif current is not None:
            current.append(body)
    parsed = [_parse_param(" ".join(words).strip(), where, number) for number, words in params]
    names = [p.name for p in parsed]
    for name in names:
        if names.count(name) > 1:
            raise GoingLocalError(f"{where}: parameter '{name}' is declared twice")
    return " ".join(fields["title"]).strip(), " ".join(fields["description"]).strip(), parsed


def _parse_param(text: str, where: str, line: int) -> Param:
    match = PARAM_LINE.match(text)
    if not match:
        raise GoingLocalError(
            f"{where}:{line}: cannot read the parameter '{text}' "
            f"(expected: NAME (TYPE, default VALUE) description)")
    if match.group("type") not in PARAM_TYPES:
        raise GoingLocalError(
            f"{where}:{line}: parameter '{match.group('name')}' has unknown type "
            f"'{match.group('type')}' (known: {', '.join(PARAM_TYPES)})")
    default = match.group("default")
    if default is not None:
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] and default[0] in "\"'":
            default = default[1:-1]
    return Param(match.group("name"), match.group("type"), default, match.group("description").strip())


def read_query(path: str | Path) -> NamedQuery:
    """Any .rq file as a NamedQuery; one without a header gets its file name as title."""
    path = Path(path)
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoingLocalError(f"{where}: no such query file") from None
    except UnicodeDecodeError as error:
        raise GoingLocalError(f"{where}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise GoingLocalError(f"{where}: {error.strerror or error}") from None
    title, description, params = parse_header(text, where)
    return NamedQuery(path.stem, title or path.stem, description, params, text, path)


def named_queries(queries_dir: str | Path | None = None) -> dict[str, NamedQuery]:
    folder = Path(queries_dir) if queries_dir is not None else load_settings().queries_dir
    return {p.stem: read_query(p) for p in sorted(folder.glob("*.rq"))}


def find_query(name_or_path: str, queries_dir: str | Path | None = None) -> NamedQuery:
    """A query file by path, or a named query by its name (the file stem in queries/)."""
    path = Path(name_or_path)
    if path.exists() or path.suffix == ".rq" or "/" in name_or_path:
        return read_query(path)
    folder = Path(queries_dir) if queries_dir is not None else load_settings().queries_dir
    candidate = folder / f"{name_or_path}.rq"
    if candidate.exists():
        return read_query(candidate)
    known = ", ".join(sorted(p.stem for p in folder.glob("*.rq"))) or "none yet"
    raise GoingLocalError(f"{name_or_path}: no such query file or named query (named queries: {known})")


# --- Scanning SPARQL text ----------------------------------------------------------------
# Just enough of a tokenizer to find braces and keywords while skipping what may contain
# them harmlessly: comments, string literals and IRIs.

IRI_REF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
WORD = re.compile(r"[?$]?[A-Za-z0-9_][A-Za-z0-9_\-.:%]*|[A-Za-z_]*:[A-Za-z0-9_\-.:%]*")


@dataclass(frozen=True)
class Token:
    kind: str  # "iri", "string", "word", "punct"
    start: int
    end: int
    text: str


def tokens(text: str) -> Iterator[Token]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            end = _string_end(text, i)
            yield Token("string", i, end, text[i:end])
            i = end
        elif c == "<" and (m := IRI_REF.match(text, i)):
            yield Token("iri", i, m.end(), m.group())
            i = m.end()
        elif m := WORD.match(text, i):
            if m.end() == i:  # an empty match cannot move on
                yield Token("punct", i, i + 1, c)
                i += 1
                continue
            yield Token("word", i, m.end(), m.group())
            i = m.end()
        else:
            yield Token("punct", i, i + 1, c)
            i += 1


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    long = text.startswith(quote * 3, start)
    delimiter = quote * 3 if long else quote
    i = start + len(delimiter)
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if not long and c in "\r\n":
            break
        if text.startswith(delimiter, i):
            return i + len(delimiter)
        i += 1
    line = text.count("\n", 0, start) + 1
    raise GoingLocalError(f"line {line}: unterminated string in the query")


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them outside any group."""
    depth = 0
    for token in tokens(text):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() in (
                "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.text.upper()
    raise GoingLocalError("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE")


def where_group_start(text: str) -> int:
    """The index of the `{` that opens the outermost WHERE group.

    That is the first top-level `{` after the keyword WHERE; SELECT, ASK and DESCRIBE may
    leave WHERE out, and then it is their first top-level `{` (CONSTRUCT's first one is
    its template, which is why WHERE is looked for first)."""
    depth, after_where, first_top = 0, False, None
    for token in tokens(text):
        if token.text == "{":
            if depth == 0:
                if after_where:
                    return token.start
                if first_top is None:
                    first_top = token.start
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "WHERE":
            after_where = True
    if first_top is not None and query_form(text) != "CONSTRUCT":
        return first_top
    raise GoingLocalError("cannot find the query's WHERE group to bind parameters in")


def with_values(text: str, bindings: dict[str, Node]) -> str:
    """The query with a VALUES block of the bound terms at the start of its WHERE group."""
    if not bindings:
        return text
    names = list(bindings)
    block = (f"VALUES ({' '.join('?' + n for n in names)}) "
             f"{{ ({' '.join(bindings[n].n3() for n in names)}) }}")
    at = where_group_start(text) + 1
    return f"{text[:at]}\n  {block}\n{text[at:]}"


def with_value_rows(text: str, name: str, terms: list[Node]) -> str:
    """The query with a VALUES block giving the variable `name` each of `terms` (one row
    each) at the start of its WHERE group: for queries about a set of resources at once.
    Every term is written by rdflib, as with_values writes one."""
    block = f"VALUES ?{name} {{ {' '.join(t.n3() for t in terms)} }}"
    at = where_group_start(text) + 1
    return f"{text[:at]}\n  {block}\n{text[at:]}"


def declared_prefixes(text: str) -> dict[str, str]:
    """PREFIX name: <iri> declarations, for reading prefixed names in parameter values."""
    prefixes: dict[str, str] = {}
    seq = [t for t in tokens(text)]
    for i, token in enumerate(seq[:-2]):
        if token.kind == "word" and token.text.upper() == "PREFIX":
            name, iri = seq[i + 1], seq[i + 2]
            if name.kind == "word" and name.text.endswith(":") and iri.kind == "iri":
                prefixes[name.text[:-1]] = iri.text[1:-1]
    return prefixes


def rebase_query(text: str, base: str) -> str:
    """The query with IRIs under the canonical base moved to `base`, to match the data."""
    if base.rstrip("/") == CANONICAL_BASE:
        return text
    out, last = [], 0
    for token in tokens(text):
        if token.kind == "iri":
            moved = rebase_iri(token.text[1:-1], base.rstrip("/"))
            out.append(text[last:token.start] + f"<{moved}>")
            last = token.end
    out.append(text[last:])
    return "".join(out)


# --- Parameter values --------------------------------------------------------------------

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
INTEGER = re.compile(r"^[+-]?\d+$")
ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]+$')


def to_term(param: Param, value: str, prefixes: dict[str, str] | None = None) -> Node:
    """A user's value as a validated, typed rdflib term for `param`."""
    def bad(why: str) -> GoingLocalError:
        return GoingLocalError(f"parameter '{param.name}': {value!r} {why}")

    if param.type == "xsd:date":
        if value.strip().lower() == "today":  # a default that moves with the calendar
            return Literal(dt.date.today().isoformat(), datatype=XSD.date)
        if not DATE.match(value):
            raise bad("is not an xsd:date (expected YYYY-MM-DD)")
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise bad("is not a real date") from None
        return Literal(value, datatype=XSD.date)
    if param.type == "xsd:gYearMonth":
        match = YEAR_MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise bad("is not an xsd:gYearMonth (expected YYYY-MM, month 01-12)")
        return Literal(value, datatype=XSD.gYearMonth)
    if param.type == "xsd:integer":
        if not INTEGER.match(value.strip()):
            raise bad("is not an xsd:integer (expected digits, e.g. 3)")
        return Literal(int(value), datatype=XSD.integer)
    if param.type == "xsd:string":
        # A plain literal: the same as xsd:string in RDF 1.1, and what the data holds.
        return Literal(value)
    if param.type == "iri":
        return _to_iri(value, prefixes or {}, bad)
    raise bad(f"has a parameter type this tool does not know ({param.type})")


def _to_iri(value: str, prefixes: dict[str, str], bad) -> URIRef:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    elif ":" in text and text.split(":", 1)[0] in prefixes:
        prefix, local = text.split(":", 1)
        text = prefixes[prefix] + local
    if not ABSOLUTE_IRI.match(text):
        declared = ", ".join(f"{p}:" for p in sorted(prefixes))
        hint = f" or a prefixed name with one of the query's prefixes ({declared})" if declared else ""
        raise bad(f"is not an IRI (expected an absolute IRI such as https://...{hint})")
    return URIRef(rebase_iri(text, load_settings().base))


def bind_params(query: NamedQuery, values: dict[str, str]) -> dict[str, Node]:
    """Typed terms for every parameter given, or defaulted; parameters with neither stay
    unbound, so their variable matches anything."""
    prefixes = declared_prefixes(query.text)
    for name in values:
        query.param(name)  # an unknown name is an error, not silently ignored
    bound: dict[str, Node] = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is not None:
            bound[param.name] = to_term(param, raw, prefixes)
    return bound


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """NAME=VALUE strings from the command line."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise GoingLocalError(f"--param {pair!r}: expected NAME=VALUE")
        if name.strip() in values:
            raise GoingLocalError(f"--param {name.strip()!r} is given twice")
        values[name.strip()] = value
    return values


# --- Running -----------------------------------------------------------------------------

def _prepared_text(query: NamedQuery) -> str:
    return rebase_query(query.text, load_settings().base)


def run_local(query: NamedQuery, graph: Graph, bindings: dict[str, Node] | None = None) -> QueryResult:
    """Run on an rdflib graph, the parameters bound with initBindings."""
    where = display_path(query.path) if query.path else query.name
    prepared = prepare(_prepared_text(query), where)
    result = graph.query(prepared, initBindings={Variable(k): v for k, v in (bindings or {}).items()})
    if result.type == "ASK":
        return QueryResult.of_boolean(bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult.of_triples(result.graph)
    variables = [str(v) for v in result.vars or []]
    return QueryResult(variables, [tuple(row[i] for i in range(len(variables))) for row in result])


def run_oxigraph(query: NamedQuery, graph: Graph, bindings: dict[str, Node] | None = None) -> QueryResult:
    """Run on the graph loaded into Oxigraph, the parameters in a VALUES block, as the web
    service does. rdflib's evaluator can take minutes over joins Oxigraph answers in
    milliseconds, so this is what the command line uses by default."""
    from .store import OxigraphStore

    return run_on_store(query, OxigraphStore(graph), bindings)


def run_on_store(query: NamedQuery, store, bindings: dict[str, Node] | None = None) -> QueryResult:
    """Run on a store (server.store), the parameters bound as the store binds them."""
    where = display_path(query.path) if query.path else query.name
    text = _prepared_text(query)
    form = query_form(text)
    try:
        if form == "ASK":
            return QueryResult.of_boolean(store.ask(text, bindings))
        if form in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult.of_triples(store.construct(text, bindings))
        return store.select(text, bindings)
    except GoingLocalError as error:
        raise GoingLocalError(f"{where}: {error.message}") from None


def prepare(text: str, where: str):
    """The query parsed and translated by rdflib; a query it cannot read is the query
    file's fault, whatever rdflib raises for it (an undeclared prefix is a bare Exception)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import prepareQuery

    try:
        return prepareQuery(text)
    except ParseBaseException as error:
        raise GoingLocalError(f"{where}:{error.lineno}: SPARQL syntax error: {error.msg}") from None
    except Exception as error:  # noqa: BLE001 - see the docstring
        raise GoingLocalError(f"{where}: the query cannot be read: {error}") from None


def run_remote(query: NamedQuery, endpoint: str, bindings: dict[str, Node] | None = None,
               timeout: float = 60.0, store: str = "sparql", graph: str | None = None,
               max_rows: int | None = None) -> QueryResult:
    """Run on a SPARQL endpoint through the remote store (server/backends: SPARQLWrapper,
    a form-encoded POST), the parameters in a VALUES block. `store` is "sparql" (any
    endpoint) or "virtuoso" (its quirks handled; `graph` is the dataset's graph there)."""
    from .http_errors import ServiceError
    from .store import QueryLimits, limits_from_env, open_remote

    if not re.match(r"^https?://[^\s/]+", endpoint):
        raise GoingLocalError(f"{endpoint}: not an http:// or https:// endpoint URL")
    limits = QueryLimits(timeout, max_rows if max_rows is not None else limits_from_env().max_rows)
    try:
        backend = open_remote(store, endpoint, graph, limits)
        answer = backend.query(_prepared_text(query), bindings)
    except (GoingLocalError, ServiceError) as error:
        raise GoingLocalError(f"{endpoint}: {error.message}") from None
    return answer.result()


def run_file(path: str | Path, graph: Graph, values: dict[str, str] | None = None) -> QueryResult:
    """Run any query file, in queries/ or not, on a local graph."""
    query = read_query(path)
    return run_local(query, graph, bind_params(query, values or {}))
