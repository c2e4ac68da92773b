"""Full-text search over the dataset's labels, texts and definitions.

The index is an SQLite FTS5 table in an in-memory database, built once when the app
starts: one row a resource, its labels (rdfs:label, skos:prefLabel) in one column and its
texts (insp:text, skos:definition) in another, ranked by bm25 with labels weighing more.

A user's words are never FTS5 syntax: the query is cut into words, each word is quoted
as an FTS5 string (so AND, OR, NEAR, quotes, brackets and stars mean nothing), and the
words must all match. A word ending in * matches as a prefix. The matching passage comes
from FTS5's snippet() with control characters as markers; the passage is HTML-escaped
first and only then are the markers turned into <mark> elements.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Iterable

from markupsafe import Markup, escape
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS

MAX_QUERY_LENGTH = 256
MAX_TERMS = 12
SNIPPET_TOKENS = 24
# The markers snippet() puts round each match: control characters no text in the index
# holds (they are removed from every value before it is indexed).
OPEN, CLOSE, ELLIPSIS = "\x02", "\x03", "…"
# A word: letters and digits, with inner hyphens or apostrophes ("tri-signs", "HMIC’s"),
# and a * straight after it asks for a prefix match.
WORD = re.compile(r"(\w+(?:[-'’]\w+)*)(\*?)")
LABEL_WEIGHT, TEXT_WEIGHT = 4.0, 1.0


class SearchQueryError(ValueError):
    """A query that cannot be searched for; the message is one line for the user."""


@dataclass(frozen=True)
class SearchQuery:
    text: str            # what the user typed
    terms: tuple[str, ...]
    expression: str      # the FTS5 query made from the terms


def parse_query(text: str) -> SearchQuery:
    """The user's text as an FTS5 query of quoted words, all of which must match."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchQueryError(f"q: the query is too long ({len(text)} characters; "
                               f"at most {MAX_QUERY_LENGTH})")
    words = [(m.group(1), bool(m.group(2))) for m in WORD.finditer(text)]
    if not words:
        raise SearchQueryError("q: no words to search for; type one or more words "
                               "(letters or digits)")
    if len(words) > MAX_TERMS:
        raise SearchQueryError(f"q: too many words ({len(words)}; at most {MAX_TERMS})")
    parts = []
    for word, prefix in words:
        quoted = '"' + word.replace('"', '""') + '"'
        parts.append(f"{quoted} *" if prefix else quoted)
    return SearchQuery(text, tuple(w + ("*" if p else "") for w, p in words), " AND ".join(parts))


def clean(value: str) -> str:
    return value.replace(OPEN, "").replace(CLOSE, "")


def mark(snippet: str) -> Markup:
    """A snippet with its markers as <mark> elements, everything else escaped."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))


def unmarked(snippet: str) -> str:
    return snippet.replace(OPEN, "").replace(CLOSE, "")


@dataclass(frozen=True)
class Hit:
    uri: str
    label: str
    snippet: str  # with the match markers

    @property
    def snippet_html(self) -> Markup:
        return mark(self.snippet)

    @property
    def snippet_text(self) -> str:
        return unmarked(self.snippet)


@dataclass(frozen=True)
class Results:
    query: SearchQuery
    hits: list[Hit]
    total: int


LABELS = (SKOS.prefLabel, RDFS.label)


def _display_label(labels: list[tuple[URIRef, Literal]], uri: str) -> str:
    """The label a result is shown by: a preferred label before an rdfs:label, English
    (or no language) before any other."""
    def rank(pair):
        prop, value = pair
        lang = getattr(value, "language", None)
        return (LABELS.index(prop), 0 if lang in (None, "en") else 1, str(value))
    return str(sorted(labels, key=rank)[0][1]) if labels else uri


class SearchIndex:
    """The FTS5 index, built once from (resource, property, value) rows: in memory, or into
    a file (`path`) that `going-local build` writes and the server opens (SearchIndex.open)."""

    def __init__(self, rows: Iterable[tuple[URIRef, URIRef, Literal]] | None, path=None):
        self._lock = threading.Lock()
        if rows is None:  # SearchIndex.open
            return
        labels: dict[str, list] = {}
        texts: dict[str, list[str]] = {}
        for resource, prop, value in rows:
            key = str(resource)
            labels.setdefault(key, [])
            texts.setdefault(key, [])
            if prop in LABELS:
                labels[key].append((prop, value))
            else:
                texts[key].append(clean(str(value)))
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE documents USING fts5("
            "labels, texts, uri UNINDEXED, label UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')")
        self._db.executemany(
            "INSERT INTO documents (labels, texts, uri, label) VALUES (?, ?, ?, ?)",
            [("\n".join(clean(str(v)) for _, v in labels[key]), "\n".join(texts[key]), key,
              _display_label(labels[key], key))
             for key in labels])
        self._db.commit()
        self.size = len(labels)

    @classmethod
    def open(cls, path) -> "SearchIndex":
        """An index written to a file, opened read-only."""
        index = cls(None)
        index._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        index.size = index._db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return index

    def close(self) -> None:
        self._db.close()

    def search(self, query: SearchQuery, limit: int, offset: int = 0) -> Results:
        """The best matches first (bm25, labels weighing more), `limit` from `offset`."""
        with self._lock:
            try:
                total = self._db.execute(
                    "SELECT count(*) FROM documents WHERE documents MATCH ?",
                    (query.expression,)).fetchone()[0]
                rows = self._db.execute(
                    "SELECT uri, label, snippet(documents, -1, ?, ?, ?, ?) FROM documents "
                    "WHERE documents MATCH ? "
                    "ORDER BY bm25(documents, ?, ?), uri LIMIT ? OFFSET ?",
                    (OPEN, CLOSE, ELLIPSIS, SNIPPET_TOKENS, query.expression,
                     LABEL_WEIGHT, TEXT_WEIGHT, limit, offset)).fetchall()
            except sqlite3.OperationalError as error:
                # Quoted words should never be a syntax error; if FTS5 refuses one all
                # the same, it is the query's fault, told as such, not a server error.
                raise SearchQueryError(f"q: cannot search for this ({error})") from None
        return Results(query, [Hit(uri, label, snippet) for uri, label, snippet in rows], total)
