"""What the server would otherwise read from an rdflib graph of the whole dataset.

Serving reads the dataset through its store (server/store.py) and these facts, never an
rdflib Graph of everything (at a million triples that graph alone would be well over a
gigabyte). Each is computed from the served triples as N-Triples lines (server/rdfio.py):

- **literals**: the store keeps numbers and dates by value ("1"^^xsd:positiveInteger comes
  back as "1"^^xsd:integer); documents and pages give each literal as the data writes
  it, so for every triple whose literal the store changes, the data's own literal;
- **labels**: each resource's skos:prefLabel, rdfs:label and dcterms:title, so that a
  page can name what it links to without a query per link;
- **counts**: triples, entities, subjects, properties and instances per class, for the
  VoID description;
- **documents**: the /doc/ and /def/ path of every subject, for the sitemap;
- the **search index** (server/search.py), and the dumps (server/dataset_description.py).

`Facts` computes them when the service starts (or on first use); `going-local build`
computes them once and writes them to SQLite files that `BuiltFacts` reads.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from .rdfio import literal_forms, split_line, term_of, to_nt

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
LABEL_KEYS = {f"<{p}>": p for p in LABEL_PREDICATES}
RDF_TYPE = f"<{RDF.type}>"


@dataclass
class Counts:
    """What the VoID description counts (export.describe)."""

    triples: int
    entities: int
    subjects: int
    properties: int
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> instances
    example: str | None = None  # {base}/id/bocu/harrow, or the least entity when it is missing


def choose_label(values: list[Literal], predicates=LABEL_PREDICATES[:2]) -> str | None:
    """An English (or untagged) label, from the first predicate that has one; what
    stats.label and page_data.label give. `values` are (predicate, literal) pairs."""
    for predicate in predicates:
        labels = [o for p, o in values if p == predicate and isinstance(o, Literal)]
        for wanted in ("en", None):
            chosen = sorted(str(o) for o in labels if o.language == wanted)
            if chosen:
                return chosen[0]
        if labels:
            return sorted(str(o) for o in labels)[0]
    return None


# --- Computing them from lines ------------------------------------------------------------------

def literal_rows(lines: Callable[[], Iterable[str]]) -> Iterator[tuple[str, str, str, str]]:
    """(subject, predicate, stored literal, the data's literal) for every triple whose
    literal the store keeps in another form: the replacement faithful() makes, as
    documents.faithful did with the graph of everything (the smallest of the data's
    equal literals, or the stored one when the data holds it too)."""
    changed = literal_forms(split_line(line)[2] for line in lines())
    if not changed:
        return
    originals: dict[tuple[str, str, str], list[str]] = {}
    for line in lines():
        subject, predicate, obj = split_line(line)
        stored = changed.get(obj)
        if stored is not None:
            originals.setdefault((subject, predicate, stored), []).append(obj)
    kept = {f"{s} {p} {o} ." for s, p, o in originals}
    kept = {line for line in lines() if line in kept}
    for (subject, predicate, stored), found in sorted(originals.items()):
        if f"{subject} {predicate} {stored} ." in kept:
            continue
        best = sorted(term_of(o) for o in found)[0]
        yield subject, predicate, stored, to_nt(best)


def label_rows(lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(subject, label predicate, literal) for every label, preferred label and title."""
    for line in lines:
        subject, predicate, obj = split_line(line)
        if predicate in LABEL_KEYS and obj[:1] == '"':
            yield subject, predicate, obj


def counts_of(lines: Iterable[str], base: str) -> Counts:
    uri_space = f"<{base.rstrip('/')}/id/"
    triples: set[str] = set()
    subjects: set[str] = set()
    predicates: set[str] = set()
    instances: dict[str, set[str]] = {}
    for line in lines:
        triples.add(line)
        subject, predicate, obj = split_line(line)
        subjects.add(subject)
        predicates.add(predicate)
        if predicate == RDF_TYPE and obj[:1] == "<":
            instances.setdefault(obj[1:-1], set()).add(subject)
    entities = [s for s in subjects if s.startswith(uri_space)]
    harrow = f"{uri_space}bocu/harrow>"
    example = harrow if harrow in subjects else (min((e[1:-1] for e in entities), default=None))
    if example is not None and example.startswith("<"):
        example = example[1:-1]
    return Counts(len(triples), len(entities), len(subjects), len(predicates),
                  {c: len(members) for c, members in sorted(instances.items())},
                  example)


def document_paths(subjects: Iterable[str], vocab) -> list[str]:
    paths = set()
    for subject in subjects:
        if subject[:1] != "<":
            continue
        path = vocab.document_path(subject[1:-1])
        if path and (path.startswith("/doc/") or path.startswith("/def/")):
            paths.add(path)
    return sorted(paths)


# --- The facts of a running service ---------------------------------------------------------------

class Facts:
    """The facts, computed from the served triples on first use and kept."""

    def __init__(self, lines: Callable[[], Iterable[str]], vocab, store=None):
        self._lines = lines  # each call gives every line again
        self.vocab = vocab
        self.store = store
        self._lock = threading.Lock()
        self._literals: dict[tuple[str, str, str], str] | None = None
        self._labels: dict[str, list] | None = None
        self._counts: Counts | None = None
        self._documents: list[str] | None = None
        self._search = None

    def _once(self, name: str, make):
        with self._lock:
            if getattr(self, name) is None:
                setattr(self, name, make())
            return getattr(self, name)

    def literal_replacements(self, subjects: Iterable[str]) -> dict[tuple[str, str, str], str]:
        table = self._once("_literals", lambda: {(s, p, o): r for s, p, o, r in literal_rows(self._lines)})
        return table

    def label_values(self, subject: str) -> list[tuple[URIRef, Literal]]:
        def make():
            found: dict[str, list] = {}
            for s, p, o in label_rows(self._lines()):
                found.setdefault(s, []).append((LABEL_KEYS[p], term_of(o)))
            return found
        return self._once("_labels", make).get(subject, [])

    def counts(self) -> Counts:
        return self._once("_counts", lambda: counts_of(self._lines(), self.vocab.base))

    def document_paths(self) -> list[str]:
        return self._once("_documents", lambda: document_paths(
            (split_line(line)[0] for line in self._lines()), self.vocab))

    def search_index(self):
        from .search import SearchIndex

        def make():
            from .explore import QUERIES
            from .queries import rebase_query

            query = rebase_query((QUERIES / "search-texts.rq").read_text(encoding="utf-8"), self.vocab.base)
            return SearchIndex(self.store.select(query).rows)
        return self._once("_search", make)

    def page(self, path: str) -> bytes | None:
        return None

    # --- shared by both kinds ---

    def faithful(self, graph: Graph) -> Graph:
        return faithful(graph, self)

    def label(self, node: Node, predicates=LABEL_PREDICATES[:2]) -> str | None:
        if not isinstance(node, URIRef):
            return None
        return choose_label(self.label_values(f"<{node}>"), predicates)


def faithful(graph: Graph, facts) -> Graph:
    """The graph with each literal as the data writes it (see literal_rows)."""
    subjects = {to_nt(s) for s in graph.subjects()}
    table = facts.literal_replacements(subjects)
    if not table:
        return graph
    for s, p, o in list(graph):
        if not isinstance(o, Literal):
            continue
        replacement = table.get((to_nt(s), to_nt(p), to_nt(o)))
        if replacement is not None:
            graph.remove((s, p, o))
            graph.add((s, p, term_of(replacement)))
    return graph


# --- Written by the build, read when serving -----------------------------------------------------

FACTS_SCHEMA = """
CREATE TABLE literals (subject TEXT NOT NULL, predicate TEXT NOT NULL, stored TEXT NOT NULL,
                       original TEXT NOT NULL);
CREATE TABLE labels (subject TEXT NOT NULL, predicate TEXT NOT NULL, literal TEXT NOT NULL);
CREATE TABLE documents (path TEXT PRIMARY KEY);
CREATE TABLE pages (path TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
FACTS_INDEXES = """
CREATE INDEX literals_subject ON literals (subject);
CREATE INDEX labels_subject ON labels (subject);
"""


def write_facts(path: Path, lines: Callable[[], Iterable[str]], vocab) -> Counts:
    """The facts of the served lines into an SQLite file (the pages are added later)."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + FACTS_SCHEMA)
        db.executemany("INSERT INTO literals VALUES (?, ?, ?, ?)", literal_rows(lines))
        db.executemany("INSERT INTO labels VALUES (?, ?, ?)", label_rows(lines()))
        subjects = set(split_line(line)[0] for line in lines())
        db.executemany("INSERT INTO documents VALUES (?)", ((p,) for p in document_paths(subjects, vocab)))
        counts = counts_of(lines(), vocab.base)
        db.execute("INSERT INTO meta VALUES ('counts', ?)", (json.dumps(asdict(counts)),))
        db.executescript(FACTS_INDEXES)
        db.commit()
    finally:
        db.close()
    return counts


def add_pages(path: Path, pages: dict[str, bytes]) -> None:
    """Rendered pages, by the path (or a resource page's IRI) they answer for."""
    db = sqlite3.connect(path)
    try:
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", pages.items())
        db.commit()
    finally:
        db.close()


class BuiltFacts:
    """The facts `going-local build` wrote (write_facts), read as they are asked for."""

    def __init__(self, path: Path, search_path: Path, vocab):
        self.vocab = vocab
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._search_path = search_path
        self._search = None
        self._counts = None

    def _rows(self, sql: str, args=()) -> list:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def literal_replacements(self, subjects: Iterable[str]) -> dict[tuple[str, str, str], str]:
        found: dict = {}
        subjects = list(subjects)
        for start in range(0, len(subjects), 500):
            chunk = subjects[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for s, p, o, r in self._rows(f"SELECT subject, predicate, stored, original FROM literals "
                                         f"WHERE subject IN ({marks})", chunk):
                found[(s, p, o)] = r
        return found

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one object per service, kept as long
    def label_values(self, subject: str) -> list[tuple[URIRef, Literal]]:
        return [(LABEL_KEYS[p], term_of(o)) for p, o in
                self._rows("SELECT predicate, literal FROM labels WHERE subject = ? ORDER BY rowid", (subject,))]

    def counts(self) -> Counts:
        if self._counts is None:
            (value,), = self._rows("SELECT value FROM meta WHERE key = 'counts'")
            self._counts = Counts(**json.loads(value))
        return self._counts

    def document_paths(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT path FROM documents ORDER BY path")]

    def search_index(self):
        from .search import SearchIndex

        with self._lock:
            if self._search is None:
                self._search = SearchIndex.open(self._search_path)
            return self._search

    def page(self, path: str) -> bytes | None:
        rows = self._rows("SELECT body FROM pages WHERE path = ?", (path,))
        return bytes(rows[0][0]) if rows else None

    faithful = Facts.faithful
    label = Facts.label
