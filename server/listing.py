"""Filtering, sorting and paging for the list pages.

A list's filters are query parameters whose values are slugs or notations (borough=harrow,
year=2003-04, theme=demand-management, status=report-published). Each value is looked up
in the catalogue of known values and becomes a typed term, bound to the list query's
variable; a value that is not known is refused with the known ones. Rows are sorted and
cut into pages here, after the query, so every list sorts and pages the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import urlencode

from rdflib import URIRef
from rdflib.term import Node

from .http_errors import BadRequest
from .queries import where_group_start

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
FILTER_PARAMS = ("borough", "year", "theme", "status")
WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")
SHOWN_VALUE_LENGTH = 60


def shown(value: str) -> str:
    """A user's value, cut short, to quote back in a one-line message."""
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[:SHOWN_VALUE_LENGTH] + "…"


# --- The known values --------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """One known filter value: the term it stands for, the slug or notation a query
    parameter gives, and the label a person reads."""

    term: URIRef
    value: str
    label: str


class Catalogue:
    """The known values of each kind of filter, and the label of every such term."""

    def __init__(self, kinds: Mapping[str, Iterable[Choice]]):
        self._by_value: dict[str, dict[str, Choice]] = {}
        self._by_term: dict[URIRef, Choice] = {}
        for kind, choices in kinds.items():
            ordered = sorted(choices, key=lambda c: (c.label.casefold(), c.value))
            if kind == "year":
                ordered = sorted(choices, key=lambda c: c.value)
            self._by_value[kind] = {c.value: c for c in ordered}
            for choice in ordered:
                self._by_term.setdefault(choice.term, choice)

    def kinds(self) -> list[str]:
        return list(self._by_value)

    def choices(self, kind: str) -> list[Choice]:
        return list(self._by_value.get(kind, {}).values())

    def get(self, kind: str, value: str) -> Choice | None:
        return self._by_value.get(kind, {}).get(value)

    def of(self, term: Node | None) -> Choice | None:
        """The choice a term is, or None for a term no filter knows."""
        return self._by_term.get(term) if term is not None else None


# --- What a list offers ------------------------------------------------------------------

@dataclass(frozen=True)
class FilterSpec:
    param: str     # the query parameter: one of FILTER_PARAMS
    kind: str      # the catalogue kind its values come from
    variable: str  # the list query's variable the term is bound to
    label: str     # what the page calls it, e.g. "Outcome status"


@dataclass(frozen=True)
class SortSpec:
    """A sort key: `key` gives a row's value, or None where the row has none (those rows
    come last whichever the order)."""

    name: str
    label: str
    key: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class ListQuery:
    """What a request asks of a list: its filters, sort, order and page."""

    filters: tuple[tuple[FilterSpec, Choice], ...]
    sort: SortSpec
    descending: bool
    page: int
    per_page: int
    paging_asked: bool  # page or per_page was given

    def bindings(self) -> dict[str, Node]:
        return {spec.variable: choice.term for spec, choice in self.filters}


def parse_filters(args, offered: Sequence[FilterSpec], catalogue: Catalogue
                  ) -> tuple[tuple[FilterSpec, Choice], ...]:
    """The filters a request gives, each a known value; an empty value is no filter."""
    by_param = {spec.param: spec for spec in offered}
    for param in FILTER_PARAMS:
        if param not in by_param and any(v.strip() for v in args.getlist(param)):
            names = ", ".join(by_param) or "none"
            raise BadRequest(f"{param}: this list cannot be filtered by {param} "
                             f"(its filters: {names})")
    chosen = []
    for spec in offered:
        values = [v.strip() for v in args.getlist(spec.param) if v.strip()]
        if not values:
            continue
        if len(values) > 1:
            raise BadRequest(f"{spec.param}: give one value, not {len(values)}")
        choice = catalogue.get(spec.kind, values[0])
        if choice is None:
            known = ", ".join(c.value for c in catalogue.choices(spec.kind))
            raise BadRequest(f"{spec.param}: unknown value '{shown(values[0])}'; "
                             f"known values: {known}")
        chosen.append((spec, choice))
    return tuple(chosen)


def _one(args, name: str) -> str | None:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > 1:
        raise BadRequest(f"{name}: give one value, not {len(values)}")
    return values[0] if values else None


def parse_sort(args, offered: Sequence[SortSpec], default: str) -> tuple[SortSpec, bool]:
    by_name = {spec.name: spec for spec in offered}
    name = _one(args, "sort") or default
    if name not in by_name:
        raise BadRequest(f"sort: unknown key '{shown(name)}'; known keys: {', '.join(by_name)}")
    order = _one(args, "order") or "asc"
    if order not in ("asc", "desc"):
        raise BadRequest(f"order: must be asc or desc, not '{shown(order)}'")
    return by_name[name], order == "desc"


def whole_number(args, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = _one(args, name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.match(raw):
        raise BadRequest(f"{name}: must be a whole number, not '{shown(raw)}'")
    number = int(raw)
    if number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise BadRequest(f"{name}: must be {bounds}, not {number}")
    return number


def parse_paging(args, default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int, bool]:
    """(page, per_page, whether either was given); both must be whole numbers in range."""
    page = whole_number(args, "page", 1, 1)
    per_page = whole_number(args, "per_page", default_per_page, 1, MAX_PER_PAGE)
    asked = _one(args, "page") is not None or _one(args, "per_page") is not None
    return page, per_page, asked


def parse_list_query(args, filters: Sequence[FilterSpec], sorts: Sequence[SortSpec],
                     default_sort: str, catalogue: Catalogue) -> ListQuery:
    chosen = parse_filters(args, filters, catalogue)
    sort, descending = parse_sort(args, sorts, default_sort)
    page, per_page, asked = parse_paging(args)
    return ListQuery(chosen, sort, descending, page, per_page, asked)


# --- Sorting and paging ------------------------------------------------------------------

def sort_rows(rows: Iterable[Mapping[str, Any]], sort: SortSpec, descending: bool,
              tiebreak: Callable[[Mapping[str, Any]], Any]) -> list:
    """Rows by the sort key in the order asked, ties in the tiebreak's ascending order,
    and rows without a value for the key last."""
    ordered = sorted(rows, key=tiebreak)
    present = [row for row in ordered if sort.key(row) is not None]
    missing = [row for row in ordered if sort.key(row) is None]
    present.sort(key=sort.key, reverse=descending)  # stable: ties keep the tiebreak order
    return present + missing


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first item (0 when there is none)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def check_page(number: int, per_page: int, total: int) -> None:
    pages = max(1, -(-total // per_page))
    if number > pages:
        raise BadRequest(f"page: {number} is past the last page, {pages} "
                         f"({total} item{'' if total == 1 else 's'}, {per_page} a page)")


def paginate(rows: Sequence, number: int, per_page: int) -> Page:
    check_page(number, per_page, len(rows))
    start = (number - 1) * per_page
    return Page(list(rows[start:start + per_page]), number, per_page, len(rows))


# --- Links -------------------------------------------------------------------------------

def url_with(path: str, args, **changes: str | int | None) -> str:
    """The path with the request's parameters, some changed; None removes one. Empty
    values are dropped, so links stay short."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in changes and v != ""]
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
    return f"{path}?{urlencode(pairs)}" if pairs else path


# --- Binding many terms ------------------------------------------------------------------

def with_rows(text: str, variable: str, terms: Iterable[Node]) -> str:
    """The query with a VALUES block binding `variable` to each term in turn, placed at the
    start of its WHERE group; the terms are written by rdflib (n3), never from request text."""
    rows = " ".join(f"({term.n3()})" for term in terms)
    at = where_group_start(text) + 1
    return f"{text[:at]}\n  VALUES (?{variable}) {{ {rows} }}\n{text[at:]}"
