"""The "explore" blueprint: list pages that filter, sort and page, and full-text search.

Lists: /bocus, /inspections, /recommendations, /actions and /good-practice, each as HTML,
CSV (?format=csv or Accept: text/csv) and RDF (the listed resources' triples, by a
CONSTRUCT, in any of the RDF representations). Search: /search?q=..., as HTML or JSON.

The queries are server/sparql/lists/*.rq; the pages are templates/lists/*.html. The
queries are read when the blueprint is registered on the app; the filter values and the
search index are made once, when first needed (or, for the index, by `going-local build`),
so that the server starts at once whatever the size of the data.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import Literal, URIRef
from rdflib.term import Node

from .http_errors import BadRequest
from .listing import (Catalogue, Choice, FilterSpec, ListQuery, Page, SortSpec, check_page,
                      paginate, parse_list_query, parse_paging, sort_rows, url_with, with_rows)
from .negotiation import (HTML, RDF_REPRESENTATIONS, Representation, choose,
                          serialize_graph)
from .queries import rebase_query
from .search import SearchIndex, SearchQueryError, parse_query
from .uris import bind_prefixes

QUERIES = Path(__file__).resolve().parent / "sparql" / "lists"
CSV = Representation("text/csv", "csv", "csv")
JSON = Representation("application/json", "json", "json")
LIST_REPRESENTATIONS = [HTML, CSV, *RDF_REPRESENTATIONS]
SEARCH_REPRESENTATIONS = [HTML, JSON]
SEARCH_PER_PAGE = 20
FORMAT_LABELS = {"csv": "CSV", "turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML",
                 "nt": "N-Triples"}

explore = Blueprint("explore", __name__)


# --- Values read from query results ------------------------------------------------------

def python(term: Node | None) -> Any:
    """A literal as a Python value (numbers as int, dates as date), anything else as is."""
    if isinstance(term, Literal):
        value = term.toPython()
        return value if value is not term else str(term)
    return term


def text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def number(term: Node | None) -> int | None:
    value = python(term)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def key_text(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


# --- The lists ---------------------------------------------------------------------------

BOROUGH = FilterSpec("borough", "borough", "bocu", "Borough")
YEAR = FilterSpec("year", "year", "year", "Programme year")
THEME = FilterSpec("theme", "theme", "theme", "Theme")
INSPECTION_STATUS = FilterSpec("status", "inspection-status", "status", "Inspection status")
OUTCOME_STATUS = FilterSpec("status", "outcome-status", "status", "Outcome status")
REVISIT_STATUS = FilterSpec("status", "revisit-status", "status", "Revisit status")

BY_BOROUGH = SortSpec("borough", "Borough", lambda row: key_text(row["bocu"].label))
BY_YEAR = SortSpec("year", "Programme year", lambda row: row["year"].value if row["year"] else None)


@dataclass(frozen=True)
class Column:
    """One CSV column: its header and how a row gives its value."""

    header: str
    value: Callable[[Mapping[str, Any]], Any]


@dataclass
class ListView:
    name: str                 # the path and the template's name
    title: str
    singular: str
    plural: str
    intro: str
    filters: tuple[FilterSpec, ...]
    sorts: tuple[SortSpec, ...]
    default_sort: str
    tiebreak: Callable[[Mapping[str, Any]], Any]
    columns: tuple[Column, ...]
    rows: Callable[["Explorer", list[dict]], list[dict]] = field(repr=False)
    # Columns that depend on the data, such as one for each programme year.
    more_columns: Callable[["Explorer"], tuple[Column, ...]] = field(default=lambda ex: (), repr=False)

    def all_columns(self, explorer: "Explorer") -> tuple[Column, ...]:
        return (*self.columns, *self.more_columns(explorer))

    @property
    def path(self) -> str:
        return f"/{self.name}"

    @property
    def template(self) -> str:
        return f"lists/{self.name}.html"


def _choice_value(choice: Choice | None) -> str:
    return choice.value if choice else ""


def _choice_uri(choice: Choice | None) -> str:
    return str(choice.term) if choice else ""


# The CSV columns of the unit and programme year a row belongs to (see _listed below).
UNIT_AND_YEAR = (Column("borough", lambda r: _choice_value(r["bocu"])),
                 Column("bocu", lambda r: _choice_uri(r["bocu"])),
                 Column("year", lambda r: _choice_value(r["year"])))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(value) -> str:
    """2003-05-12 as 12 May 2003."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def month_label(value: str | None) -> str | None:
    """A gYearMonth such as 2005-01 as January 2005."""
    if not value or len(value) != 7 or not value[5:].isdigit() or not 1 <= int(value[5:]) <= 12:
        return value
    return f"{MONTHS[int(value[5:]) - 1]} {value[:4]}"


def _date(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else (value or "")


def _ordinal(row, *keys) -> tuple:
    return tuple((row[k] is None, row[k] if row[k] is not None else 0) for k in keys)


# The rows of each list, from its query's solutions.

def bocu_rows(explorer: "Explorer", solutions: list[dict]) -> list[dict]:
    rows: dict[str, dict] = {}
    for s in solutions:
        row = rows.setdefault(str(s["bocu"]), {
            "uri": str(s["bocu"]),
            "doc": explorer.doc(s["bocu"]),
            "bocu": explorer.catalogue.of(s["bocu"]) or Choice(s["bocu"], text(s["slug"]), text(s["label"])),
            "label": text(s["label"]),
            "borough": text(s["borough"]),
            "borough_label": text(s["boroughLabel"]),
            "gss_code": text(s["gssCode"]),
            "recommendations": number(s["recommendations"]) or 0,
            "by_year": {},
        })
        if s["inspection"] is not None:
            year = explorer.catalogue.of(s["inspectionYear"])
            row["by_year"][year.value if year else str(s["inspectionYear"])] = {
                "inspection": str(s["inspection"]),
                "doc": explorer.doc(s["inspection"]),
                "status": explorer.catalogue.of(s["inspectionStatus"]),
                "planned_month": text(s["plannedMonth"]),
                "planned_label": month_label(text(s["plannedMonth"])),
            }
    for row in rows.values():
        years = sorted(row["by_year"])
        row["first_year"] = years[0] if years else None
        row["year"] = explorer.catalogue.get("year", years[0]) if years else None
    return list(rows.values())


def per_year_status_columns(explorer: "Explorer") -> tuple[Column, ...]:
    """For the BOCUs list: the inspection status in each programme year, and the month an
    arranged inspection is arranged for."""
    def status(year: str, row) -> str:
        held = row["by_year"].get(year)
        return held["status"].value if held and held["status"] else ""

    def month(year: str, row) -> str:
        held = row["by_year"].get(year)
        return held["planned_month"] or "" if held else ""

    columns = []
    for year in explorer.catalogue.choices("year"):
        columns.append(Column(f"status_{year.value}", lambda r, y=year.value: status(y, r)))
        columns.append(Column(f"planned_month_{year.value}", lambda r, y=year.value: month(y, r)))
    return tuple(columns)


def _listed(explorer: "Explorer", s: dict, subject: str) -> dict:
    """What a row of every list but the BOCUs' holds: the listed resource (the solution's
    `subject`) and its page, its label, and the unit and programme year it belongs to."""
    return {"uri": str(s[subject]), "doc": explorer.doc(s[subject]), "label": text(s["label"]),
            "bocu": explorer.choice(s["bocu"]), "bocu_doc": explorer.doc(s["bocu"]),
            "year": explorer.choice(s["year"])}


def inspection_rows(explorer: "Explorer", solutions: list[dict]) -> list[dict]:
    of = explorer.catalogue.of
    return [{
        **_listed(explorer, s, "inspection"),
        "status": of(s["status"]),
        "planned_month": text(s["plannedMonth"]),
        "planned_label": month_label(text(s["plannedMonth"])),
        "start": python(s["start"]),
        "published": python(s["published"]),
        "recommendations": number(s["recommendations"]) or 0,
        "good_practice": number(s["goodPractice"]) or 0,
        "outcome": of(s["outcome"]),
        "revisit": of(s["revisit"]),
    } for s in solutions]


def _themes(explorer: "Explorer", joined: Node | None) -> list[Choice]:
    themes = [explorer.catalogue.of(URIRef(uri)) for uri in str(joined or "").split()]
    return sorted((t for t in themes if t is not None), key=lambda t: t.label.casefold())


def recommendation_rows(explorer: "Explorer", solutions: list[dict]) -> list[dict]:
    return [{
        **_listed(explorer, s, "recommendation"),
        "number": number(s["number"]),
        "text": text(s["text"]),
        "inspection": str(s["inspection"]),
        "inspection_doc": explorer.doc(s["inspection"]),
        "themes": _themes(explorer, s["themes"]),
        "outcome": explorer.catalogue.of(s["outcome"]),
    } for s in solutions]


def action_rows(explorer: "Explorer", solutions: list[dict]) -> list[dict]:
    return [{
        **_listed(explorer, s, "action"),
        "position": number(s["position"]),
        "text": text(s["text"]),
        "reported_on": python(s["reportedOn"]),
        "recommendation": str(s["recommendation"]),
        "recommendation_doc": explorer.doc(s["recommendation"]),
        "number": number(s["number"]),
        "themes": _themes(explorer, s["themes"]),
        "points": number(s["points"]) or 0,
        "revisit": explorer.catalogue.of(s["revisit"]),
    } for s in solutions]


def good_practice_rows(explorer: "Explorer", solutions: list[dict]) -> list[dict]:
    return [{
        **_listed(explorer, s, "practice"),
        "position": number(s["position"]),
        "text": text(s["text"]),
        "potential": python(s["potential"]) is True,
        "inspection": str(s["inspection"]),
        "inspection_doc": explorer.doc(s["inspection"]),
        "outcome": explorer.catalogue.of(s["outcome"]),
    } for s in solutions]


def _by_borough_then(*keys):
    return lambda row: (key_text(row["bocu"].label), *_ordinal(row, *keys))


def _by_year_borough(*keys):
    return lambda row: (row["year"].value if row["year"] else "", key_text(row["bocu"].label),
                        *_ordinal(row, *keys))


LISTS: dict[str, ListView] = {view.name: view for view in [
    ListView(
        "bocus", "Borough operational command units", "BOCU", "BOCUs",
        "Every borough operational command unit (BOCU) of the Metropolitan Police Service, "
        "with the status of its Going Local inspection in each programme year the data covers.",
        (BOROUGH, YEAR, THEME, INSPECTION_STATUS),
        (BY_BOROUGH,
         SortSpec("year", "Year first inspected", lambda row: row["first_year"]),
         SortSpec("recommendations", "Recommendations", lambda row: row["recommendations"])),
        "borough",
        lambda row: key_text(row["bocu"].label),
        (Column("bocu", lambda r: r["uri"]),
         Column("borough", lambda r: r["bocu"].value),
         Column("label", lambda r: r["label"]),
         Column("borough_uri", lambda r: r["borough"] or ""),
         Column("borough_name", lambda r: r["borough_label"] or ""),
         Column("gss_code", lambda r: r["gss_code"] or ""),
         Column("recommendations", lambda r: r["recommendations"])),
        bocu_rows,
        per_year_status_columns),
    ListView(
        "inspections", "Inspections", "inspection", "inspections",
        "Every inspection in the Going Local programme timetable: done, arranged for a month, "
        "or planned.",
        (BOROUGH, YEAR, THEME, INSPECTION_STATUS),
        (BY_YEAR, BY_BOROUGH,
         SortSpec("date", "Inspection began", lambda row: row["start"]),
         SortSpec("published", "Report published", lambda row: row["published"]),
         SortSpec("recommendations", "Recommendations", lambda row: row["recommendations"]),
         SortSpec("good-practice", "Good practice", lambda row: row["good_practice"])),
        "year",
        _by_year_borough(),
        (Column("inspection", lambda r: r["uri"]),
         *UNIT_AND_YEAR,
         Column("inspection_status", lambda r: _choice_value(r["status"])),
         Column("planned_month", lambda r: r["planned_month"] or ""),
         Column("began", lambda r: _date(r["start"])),
         Column("report_published", lambda r: _date(r["published"])),
         Column("recommendations", lambda r: r["recommendations"]),
         Column("good_practice", lambda r: r["good_practice"]),
         Column("outcome_status", lambda r: _choice_value(r["outcome"])),
         Column("revisit_status", lambda r: _choice_value(r["revisit"]))),
        inspection_rows),
    ListView(
        "recommendations", "Recommendations", "recommendation", "recommendations",
        "Every recommendation for improvement an inspection made, with the themes the editors "
        "judged it to concern and the outcome its inspection's conclusion reports.",
        (BOROUGH, YEAR, THEME, OUTCOME_STATUS),
        (BY_YEAR, BY_BOROUGH,
         SortSpec("number", "Number", lambda row: row["number"]),
         SortSpec("theme", "Theme", lambda row: key_text(row["themes"][0].label)
                  if row["themes"] else None)),
        "year",
        _by_year_borough("number"),
        (Column("recommendation", lambda r: r["uri"]),
         *UNIT_AND_YEAR,
         Column("number", lambda r: r["number"]),
         Column("themes", lambda r: " ".join(t.value for t in r["themes"])),
         Column("outcome_status", lambda r: _choice_value(r["outcome"])),
         Column("text", lambda r: r["text"])),
        recommendation_rows),
    ListView(
        "actions", "Actions taken", "progress update", "progress updates",
        "Every progress update reporting the action taken on a recommendation, with where "
        "HMIC's revisit of the inspection stands.",
        (BOROUGH, YEAR, THEME, REVISIT_STATUS),
        (BY_YEAR, BY_BOROUGH,
         SortSpec("number", "Recommendation number", lambda row: (row["number"], row["position"])),
         SortSpec("date", "Reported on", lambda row: row["reported_on"])),
        "year",
        _by_year_borough("number", "position"),
        (Column("action", lambda r: r["uri"]),
         Column("recommendation", lambda r: r["recommendation"]),
         *UNIT_AND_YEAR,
         Column("recommendation_number", lambda r: r["number"]),
         Column("position", lambda r: r["position"]),
         Column("reported_on", lambda r: _date(r["reported_on"])),
         Column("themes", lambda r: " ".join(t.value for t in r["themes"])),
         Column("points", lambda r: r["points"]),
         Column("revisit_status", lambda r: _choice_value(r["revisit"])),
         Column("text", lambda r: r["text"])),
        action_rows),
    ListView(
        "good-practice", "Good practice", "piece of good practice", "pieces of good practice",
        "Every piece of good practice, or potential good practice, that an inspection team "
        "acknowledged.",
        (BOROUGH, YEAR, OUTCOME_STATUS),
        (BY_YEAR, BY_BOROUGH,
         SortSpec("number", "Number", lambda row: row["position"])),
        "year",
        _by_year_borough("position"),
        (Column("good_practice", lambda r: r["uri"]),
         *UNIT_AND_YEAR,
         Column("number", lambda r: r["position"]),
         Column("potential", lambda r: "true" if r["potential"] else "false"),
         Column("outcome_status", lambda r: _choice_value(r["outcome"])),
         Column("text", lambda r: r["text"])),
        good_practice_rows),
]}


# --- What is made once -------------------------------------------------------------------

class Explorer:
    """The lists' queries, the catalogue of filter values and the search index."""

    def __init__(self, service):
        self.service = service
        self.vocab = service.vocab
        self.queries = {path.stem: rebase_query(path.read_text(encoding="utf-8"), service.settings.base)
                        for path in sorted(QUERIES.glob("*.rq"))}
        self._catalogue_made: Catalogue | None = None

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue_made is None:
            self._catalogue_made = self._catalogue()
        return self._catalogue_made

    @property
    def search_index(self) -> SearchIndex:
        """Built when first searched (or by `going-local build`): server/precomputed.py."""
        return self.service.facts.search_index()

    def _catalogue(self) -> Catalogue:
        vocab = self.vocab
        kinds = {str(vocab.theme_scheme): "theme",
                 str(vocab.ISTATUS)[:-1]: "inspection-status",
                 str(vocab.OUTCOME)[:-1]: "outcome-status",
                 str(vocab.REVISIT)[:-1]: "revisit-status"}
        found: dict[str, list[Choice]] = {k: [] for k in
                                          ("borough", "year", *kinds.values())}
        for kind, term, notation, label in self.service.store.select(self.queries["filter-values"]).rows:
            name = kinds.get(str(kind), str(kind))
            if name in found:
                # A year reads best as its notation, 2003-04, not "Going Local 2003-04".
                shown = notation if name == "year" or label is None else label
                found[name].append(Choice(term, str(notation), str(shown)))
        return Catalogue(found)

    def choice(self, term: Node | None) -> Choice | None:
        """The catalogue's choice for a unit or year; one made up from the IRI for a term
        the catalogue does not hold (a unit of another force, say)."""
        if term is None:
            return None
        return self.catalogue.of(term) or Choice(term, str(term).rstrip("/").rsplit("/", 1)[-1],
                                                 str(term))

    def doc(self, uri) -> str | None:
        return self.vocab.document_path(uri) if uri is not None else None

    def solutions(self, view: ListView, bindings: dict[str, Node]) -> list[dict]:
        result = self.service.store.select(self.queries[view.name], bindings)
        return [dict(zip(result.variables, row)) for row in result.rows]

    def rows(self, view: ListView, query: ListQuery) -> list[dict]:
        rows = view.rows(self, self.solutions(view, query.bindings()))
        return sort_rows(rows, query.sort, query.descending, view.tiebreak)

    def triples(self, uris: list[str]):
        text = with_rows(self.queries["resources"], "resource", [URIRef(u) for u in uris])
        graph = self.service.store.construct(text)
        bind_prefixes(graph, self.vocab)
        return graph


@explore.record_once
def _set_up(state) -> None:
    state.app.extensions["going_local_explore"] = Explorer(state.app.extensions["going_local"])


def explorer() -> Explorer:
    return current_app.extensions["going_local_explore"]


# --- The list pages ----------------------------------------------------------------------

def _negotiated(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def list_page(name: str):
    view = LISTS[name]
    ex = explorer()
    representation = choose(request, LIST_REPRESENTATIONS)
    query = parse_list_query(request.args, view.filters, view.sorts, view.default_sort,
                             ex.catalogue)
    rows = ex.rows(view, query)
    if representation is HTML or query.paging_asked:
        page = paginate(rows, query.page, query.per_page)
        items = page.items
    else:  # a download without page or per_page holds the whole list
        page, items = None, rows
    if representation is CSV:
        return _negotiated(csv_response(view.all_columns(ex), view.name, items))
    if representation is not HTML:
        graph = ex.triples([row["uri"] for row in items])
        return _negotiated(Response(serialize_graph(graph, representation),
                                    content_type=f"{representation.media_type}; charset=utf-8"))
    return _negotiated(Response(render_template(
        view.template, view=view, page=page, **list_context(view, query, ex))))


def csv_response(columns: tuple[Column, ...], name: str, rows: list[dict]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow([column.value(row) for column in columns])
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    return response


def list_context(view: ListView, query: ListQuery, ex: Explorer) -> dict:
    """What every list template reads besides the page: the filters in force with links
    that remove each, the form's options, sort links and the download links."""
    args, path = request.args, view.path
    active = [{"spec": spec, "choice": choice,
               "remove": url_with(path, args, **{spec.param: None, "page": None})}
              for spec, choice in query.filters]
    chosen = {spec.param: choice.value for spec, choice in query.filters}
    form = [{"spec": spec, "choices": ex.catalogue.choices(spec.kind),
             "selected": chosen.get(spec.param, "")} for spec in view.filters]

    def sort_link(name: str) -> dict:
        current = query.sort.name == name
        order = "asc" if not current or query.descending else "desc"
        return {"url": url_with(path, args, sort=name, order=order, page=None),
                "current": current,
                "aria": ("descending" if query.descending else "ascending") if current else None}

    downloads = [{"label": FORMAT_LABELS[r.name], "media_type": r.media_type,
                  "url": url_with(path, args, format=r.name, page=None, per_page=None)}
                 for r in LIST_REPRESENTATIONS if r is not HTML]

    def page_link(number: int) -> str:
        return url_with(path, args, page=number if number > 1 else None)

    return {"active": active, "form": form, "query": query, "long_date": long_date,
            "theme_link": lambda value: url_with(path, args, theme=value, page=None),
            "sort_link": sort_link, "downloads": downloads, "page_link": page_link,
            "clear_url": path if active else None, "years": ex.catalogue.choices("year")}


def _register_lists() -> None:
    for name in LISTS:
        explore.add_url_rule(f"/{name}", endpoint=name.replace("-", "_"),
                             view_func=lambda name=name: list_page(name), methods=["GET"])


_register_lists()


# --- Search ------------------------------------------------------------------------------

@explore.get("/search")
def search():
    representation = choose(request, SEARCH_REPRESENTATIONS)
    q = request.args.get("q", "")
    page, per_page, _ = parse_paging(request.args, SEARCH_PER_PAGE)
    if not q.strip():
        if representation is JSON:
            raise BadRequest("q: give one or more words to search for")
        return _negotiated(Response(render_template("lists/search.html", q="", results=None,
                                                    message=None, page=None)))
    try:
        parsed = parse_query(q)
        results = explorer().search_index.search(parsed, per_page, (page - 1) * per_page)
    except SearchQueryError as error:
        if representation is JSON:
            raise BadRequest(str(error)) from None
        return _negotiated(Response(render_template("lists/search.html", q=q, results=None,
                                                    message=str(error), page=None), status=400))
    check_page(page, per_page, results.total)
    if representation is JSON:
        body = {"query": q, "terms": list(parsed.terms), "total": results.total, "page": page,
                "per_page": per_page, "pages": max(1, -(-results.total // per_page)),
                "results": [{"uri": hit.uri, "label": hit.label,
                             "document": explorer().doc(hit.uri),
                             "snippet": hit.snippet_text,
                             "snippet_html": str(hit.snippet_html)} for hit in results.hits]}
        return _negotiated(Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                                    content_type="application/json; charset=utf-8"))
    shown = Page(results.hits, page, per_page, results.total)
    return _negotiated(Response(render_template(
        "lists/search.html", q=q, results=results, message=None, page=shown,
        doc=explorer().doc,
        page_link=lambda n: url_with("/search", request.args, page=n if n > 1 else None),
        json_url=url_with("/search", request.args, format="json"))))
