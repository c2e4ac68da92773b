"""The committee paper on a programme year, gathered from the graph alone.

Appendix 1 (each inspected unit's date lines, recommendations with the action taken on
them, good practice and conclusion) and the common-themes section (each theme's heading
and paragraphs, and the number of units with a recommendation on the theme counted from
the recommendations, beside the count the paper states). As of a date: progress updates,
conclusions, findings and revisit lines not yet reported by then are left out.

The SPARQL is server/sparql/paper/*.rq, every value bound as a term; this module only
fills plain dataclasses. server/paper_render.py turns them into HTML or Markdown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import GoingLocalError
from .queries import rebase_query
from .store import Store

NUMBER_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                "seventeen", "eighteen", "nineteen", "twenty")
YEAR_NOTATION = re.compile(r"^(\d{4})-(\d{2})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownYear(GoingLocalError):
    """No programme year has this notation."""


class BadDate(GoingLocalError):
    """An as-of date that is not a real YYYY-MM-DD day."""


# --- Plain values -----------------------------------------------------------------------

def number_words(n: int) -> str:
    """A count as the paper writes it: words from none to twenty, digits past that."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def long_date(day: dt.date) -> str:
    """19 January 2005."""
    return f"{day.day} {day:%B} {day.year}"


def parse_as_of(text: str) -> dt.date:
    if not ISO_DATE.match(text or ""):
        raise BadDate(f"as-of date {text!r} is not a date: give it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDate(f"as-of date {text!r} is not a real day") from None


def year_span(notation: str) -> str:
    """2003-04 as the paper writes it: 2003 - 2004."""
    match = YEAR_NOTATION.match(notation)
    if not match:
        return notation
    start = int(match.group(1))
    end = start - start % 100 + int(match.group(2))
    if end < start:
        end += 100
    return f"{start} - {end}"


def theme_phrase(label: str) -> str:
    """A theme's label as it reads inside a sentence: "Demand management" becomes "demand
    management", but a name of capitalised words ("National Intelligence Model (NIM)")
    keeps its capitals, and so does an acronym in brackets."""
    words = label.split()
    rest = [w for w in words[1:] if not (w.strip("()").isupper())]
    if words and words[0][:1].isupper() and all(w == w.lower() for w in rest) \
            and not words[0].isupper():
        return words[0][:1].lower() + label[1:]
    return label


def _value(term: Node | None) -> Any:
    if isinstance(term, Literal):
        value = term.toPython()
        return str(term) if value is term else value
    return term


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _int(term: Node | None) -> int | None:
    value = _value(term)
    if isinstance(value, bool):
        return None
    return int(value) if isinstance(value, int) else None


def _date(term: Node | None) -> dt.date | None:
    value = _value(term)
    return value if isinstance(value, dt.date) else None


def _slug(iri: Node | None) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1] if iri is not None else ""


# --- What the paper holds ---------------------------------------------------------------

@dataclass(frozen=True)
class ProgressUpdate:
    text: str
    reported_on: dt.date | None
    points: tuple[str, ...] = ()


@dataclass
class Recommendation:
    number: int
    text: str
    updates: list[ProgressUpdate] = field(default_factory=list)


@dataclass(frozen=True)
class GoodPracticeItem:
    text: str
    potential: bool


@dataclass
class GoodPractice:
    """The items in printed order; `potential` when the source calls them all areas of
    potential good practice; `stated_total` where the source says how many there were
    but lists only some."""

    items: list[GoodPracticeItem]
    stated_total: int | None = None

    @property
    def potential(self) -> bool:
        return bool(self.items) and all(item.potential for item in self.items)

    @property
    def stated_total_words(self) -> str | None:
        return None if self.stated_total is None else number_words(self.stated_total)


@dataclass
class UnitSection:
    """One unit's part of Appendix 1."""

    slug: str
    heading: str
    inspection: str
    date_lines: list[str]
    revisit_lines: list[str]
    revisit_expected: bool
    recommendations: list[Recommendation]
    good_practice: GoodPractice
    conclusion: str | None


@dataclass(frozen=True)
class NotYetInspected:
    """An inspection of the year that, as of the paper's date, is arranged or planned."""

    slug: str
    heading: str
    status: str  # the status's label: Arranged, Planned
    status_notation: str
    planned_month: str | None  # YYYY-MM, where arranged for a month

    @property
    def planned_month_text(self) -> str | None:
        if not self.planned_month:
            return None
        return dt.date.fromisoformat(f"{self.planned_month}-01").strftime("%B %Y")


@dataclass(frozen=True)
class ThemeCount:
    """Units with a recommendation on the theme, counted from the recommendations, and the
    count the paper states where it states one."""

    units: int
    inspected: int
    stated: int | None = None
    stated_out_of: int | None = None

    @property
    def units_words(self) -> str:
        return number_words(self.units)

    @property
    def inspected_words(self) -> str:
        return number_words(self.inspected)

    @property
    def has_stated(self) -> bool:
        return self.stated is not None

    @property
    def stated_words(self) -> str | None:
        return None if self.stated is None else number_words(self.stated)

    @property
    def stated_out_of_words(self) -> str | None:
        return None if self.stated_out_of is None else number_words(self.stated_out_of)

    @property
    def agrees(self) -> bool | None:
        """None where the paper states no count; else whether both numbers agree."""
        if self.stated is None:
            return None
        return self.stated == self.units and self.stated_out_of in (None, self.inspected)


@dataclass
class Theme:
    slug: str
    heading: str
    phrase: str
    paragraphs: list[str]
    count: ThemeCount


@dataclass
class Paper:
    year: str
    span: str
    as_of: dt.date
    title: str | None
    report_number: int | None
    paper_date: dt.date | None
    committee: str | None
    themes_heading: str | None
    themes_intro: list[str]
    themes: list[Theme]
    sections: list[UnitSection]
    not_yet_inspected: list[NotYetInspected] = field(default_factory=list)

    @property
    def as_of_text(self) -> str:
        return long_date(self.as_of)

    @property
    def paper_date_text(self) -> str | None:
        return None if self.paper_date is None else long_date(self.paper_date)


# --- Gathering --------------------------------------------------------------------------

QUERY_NAMES = ("programme-years", "papers", "inspections", "status-reports", "revisits",
               "recommendations", "progress-updates", "action-points", "good-practice",
               "conclusions", "findings", "theme-counts")


@lru_cache(maxsize=8)
def paper_queries(base: str) -> dict[str, str]:
    """The text of every server/sparql/paper/*.rq, moved to `base` like the data."""
    folder = resources.files("server").joinpath("sparql", "paper")
    return {name: rebase_query(folder.joinpath(f"{name}.rq").read_text(encoding="utf-8"), base)
            for name in QUERY_NAMES}


def known_years(store: Store, base: str) -> dict[str, URIRef]:
    """Every programme year by its notation."""
    rows = store.select(paper_queries(base)["programme-years"]).rows
    return {str(notation): year for year, notation in rows}


def find_year(store: Store, base: str, notation: str) -> URIRef:
    """The programme year with this notation; UnknownYear names the known ones."""
    rows = store.select(paper_queries(base)["programme-years"],
                        {"notation": Literal(notation)}).rows
    if rows:
        return rows[0][0]
    known = ", ".join(sorted(known_years(store, base))) or "none"
    raise UnknownYear(f"no programme year {notation!r} (known: {known})")


def _rows(store: Store, text: str, bindings: dict[str, Node]) -> list[dict[str, Node | None]]:
    result = store.select(text, bindings)
    return [dict(zip(result.variables, row)) for row in result.rows]


def status_as_of(reports: list[dict[str, Node | None]], as_of: dt.date) -> dict[Node, dict]:
    """Each inspection's status report as the paper shows it on `as_of`: the latest
    reported by then; for one none was reported for by then, the first reported after
    (what an inspection made is shown whatever the date)."""
    first: dict[Node, dict] = {}
    by_then: dict[Node, dict] = {}
    for report in sorted(reports, key=lambda r: _date(r["reportedOn"]) or dt.date.max):
        first.setdefault(report["inspection"], report)
        day = _date(report["reportedOn"])
        if day is not None and day <= as_of:
            by_then[report["inspection"]] = report
    return {inspection: by_then.get(inspection, report) for inspection, report in first.items()}


def gather_paper(store: Store, base: str, year: str, as_of: dt.date) -> Paper:
    """The paper on programme year `year` (its notation, such as 2003-04) as of `as_of`."""
    queries = paper_queries(base)
    year_iri = find_year(store, base, year)
    on_year = {"year": year_iri}
    as_known = {"year": year_iri, "asOf": Literal(as_of.isoformat(), datatype=XSD.date)}

    papers = _rows(store, queries["papers"], on_year)
    first = papers[0] if papers else {}

    # Appendix 1 --------------------------------------------------------------------------
    points: dict[Node, list[str]] = {}
    for row in _rows(store, queries["action-points"], on_year):
        points.setdefault(row["update"], []).append(str(row["text"]))

    updates: dict[Node, list[ProgressUpdate]] = {}
    for row in _rows(store, queries["progress-updates"], as_known):
        updates.setdefault(row["recommendation"], []).append(ProgressUpdate(
            str(row["text"]), _date(row["reportedOn"]), tuple(points.get(row["update"], ()))))

    recommendations: dict[Node, list[Recommendation]] = {}
    for row in _rows(store, queries["recommendations"], on_year):
        recommendations.setdefault(row["inspection"], []).append(Recommendation(
            _int(row["number"]) or 0, str(row["text"]), updates.get(row["recommendation"], [])))

    practice: dict[Node, list[GoodPracticeItem]] = {}
    for row in _rows(store, queries["good-practice"], on_year):
        practice.setdefault(row["inspection"], []).append(
            GoodPracticeItem(str(row["text"]), bool(_value(row["potential"]))))

    conclusions: dict[Node, str] = {}
    for row in _rows(store, queries["conclusions"], as_known):
        conclusions[row["inspection"]] = str(row["text"])  # the latest reported wins

    revisits: dict[Node, list[str]] = {}
    for row in _rows(store, queries["revisits"], as_known):
        revisits.setdefault(row["inspection"], []).append(str(row["stated"]))

    # Units with a revisit at all, to say "none reported yet" where one is left out.
    revisit_expected = {row["inspection"] for row in _rows(
        store, queries["revisits"], {"year": year_iri,
                                     "asOf": Literal("9999-12-31", datatype=XSD.date)})}

    statuses = status_as_of(_rows(store, queries["status-reports"], on_year), as_of)
    sections: list[UnitSection] = []
    not_done: list[NotYetInspected] = []
    rows = _rows(store, queries["inspections"], on_year)
    for row in rows:
        row["heading"] = row["sourceName"] or row["label"]
    rows.sort(key=lambda r: (r["firstVisit"] is None, _date(r["firstVisit"]) or dt.date.min,
                             str(r["heading"])))
    for row in rows:
        inspection = row["inspection"]
        status = statuses.get(inspection)
        if status is None:  # no paper has reported it
            continue
        if _text(status["status"]) != "inspected":  # arranged or planned as of the date
            not_done.append(NotYetInspected(
                slug=_text(row["slug"]) or _slug(row["bocu"]), heading=str(row["heading"]),
                status=str(status["statusLabel"]), status_notation=str(status["status"]),
                planned_month=_text(status["plannedMonth"])))
            continue
        date_lines = [str(row[key]) for key in ("inspectionStated", "reportStated") if row[key]]
        sections.append(UnitSection(
            slug=_text(row["slug"]) or _slug(row["bocu"]),
            heading=str(row["heading"]),
            inspection=str(inspection),
            date_lines=date_lines,
            revisit_lines=revisits.get(inspection, []),
            revisit_expected=inspection in revisit_expected,
            recommendations=sorted(recommendations.get(inspection, []), key=lambda r: r.number),
            good_practice=GoodPractice(practice.get(inspection, []),
                                       _int(row["statedGoodPractice"])),
            conclusion=conclusions.get(inspection),
        ))

    # Common themes -----------------------------------------------------------------------
    counts = {row["theme"]: row for row in _rows(store, queries["theme-counts"], as_known)}
    findings = _rows(store, queries["findings"], as_known)
    themed = [f for f in findings if f["theme"] is not None]
    themes: dict[Node, Theme] = {}
    for finding in themed:
        theme = finding["theme"]
        if theme not in themes:
            count_row = counts.get(theme, {})
            label = _text(count_row.get("label")) or _slug(theme)
            themes[theme] = Theme(
                slug=_slug(theme),
                heading=_text(finding["title"]) or label,
                phrase=theme_phrase(label),
                paragraphs=[],
                count=ThemeCount(_int(count_row.get("units")) or 0,
                                 _int(count_row.get("inspected")) or 0),
            )
        entry = themes[theme]
        entry.paragraphs.append(str(finding["text"]))
        stated = _int(finding["statedCount"])
        if stated is not None and not entry.count.has_stated:
            entry.count = ThemeCount(entry.count.units, entry.count.inspected, stated,
                                     _int(finding["statedOutOf"]))

    # The section's own heading and opening: the paper's last unthemed finding printed
    # just before its first themed one, where it has a heading of its own.
    heading, intro = None, []
    if themed:
        first_themed = themed[0]
        before = [f for f in findings if f["paper"] == first_themed["paper"]
                  and f["theme"] is None
                  and (_int(f["position"]) or 0) < (_int(first_themed["position"]) or 0)]
        if before and before[-1]["title"] is not None:
            heading, intro = str(before[-1]["title"]), [str(before[-1]["text"])]

    return Paper(
        year=year,
        span=year_span(year),
        as_of=as_of,
        title=_text(first.get("title")),
        report_number=_int(first.get("number")),
        paper_date=_date(first.get("date")),
        committee=_text(first.get("committee")),
        themes_heading=heading,
        themes_intro=intro,
        themes=list(themes.values()),
        sections=sections,
        not_yet_inspected=sorted(not_done, key=lambda n: (n.planned_month or "9999", n.heading)),
    )
