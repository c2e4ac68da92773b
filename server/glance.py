"""The "glance" blueprint: the programme at a glance, as server-drawn SVG, and the data's
quality.

- /glance             an index of the pictures below
- /glance/timeline    every dated inspection on one time axis: visit periods as bars, the
                      report, and each revisit (held, due on a day or in a month, reported
                      on), a row per unit, the paper's date as a reference line
- /glance/themes      the unit-by-theme matrix of a programme year as a heat map (?year=)
- /glance/programme   the force's borough units, each a tile coloured by where it stands in
                      the programme: inspected, arranged, planned, or not yet scheduled
- /glance/quality     the source's own errors (the errata), what SHACL validation warns of
                      or notes in the data, and each claim of the paper checked against the
                      data with a query (the claims are server/glance_claims.yaml)

The queries are server/sparql/glance/*.rq; their parameters are bound as terms, never
pasted in. The layout arithmetic is server/charts.py; the drawing is the templates under
templates/glance/, autoescaped, with no script. Every chart is followed by a table of the
same data.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from flask import Blueprint, current_app, request, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import charts
from .app import service_of
from .errors import GoingLocalError
from .http_errors import BadRequest, NotFound
from .loading import LoadedGraph, rebase_iri
from .page_data import PageData, first, grouped, is_safe_iri, plain
from .pages import HOME_YEAR, built_page, data as page_data, local_href, long_date, month_name, render
from .queries import NamedQuery, declared_prefixes, read_query, rebase_query, to_term
from .source_marks import anchor_id
from .validation import load_shapes, validate

blueprint = Blueprint("glance", __name__)

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "sparql" / "glance"
CLAIMS_FILE = HERE / "glance_claims.yaml"
CACHE_KEY = "going_local_glance"
YEAR = re.compile(r"^\d{4}-\d{2}$")

PAGES = (
    ("glance.timeline", "Timeline of the inspections",
     "Every inspection's visits, report and revisits on one time line, with the date of the paper."),
    ("glance.themes", "Recommendations by BOCU and theme",
     "A heat map of how many of each unit's recommendations concern each theme, with the paper's counts."),
    ("glance.programme", "The programme across the boroughs",
     "The 32 borough units: inspected, arranged, planned or not yet scheduled."),
    ("glance.quality", "Data quality",
     "The paper's own errors, what validation warns of, and each of the paper's claims checked "
     "against the data."),
)


# --- Running the glance queries ----------------------------------------------------------

@lru_cache(maxsize=None)
def query_file(name: str) -> NamedQuery:
    """server/sparql/glance/NAME.rq with its header read."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise GoingLocalError(f"{name!r} is not the name of a query in server/sparql/glance/")
    return read_query(QUERY_DIR / f"{name}.rq")


def rows(service, name: str, **bindings: Node | None) -> list[SimpleNamespace]:
    """A glance query's answer as rows of plain values (IRIs stay URIRefs)."""
    bound = {k: v for k, v in bindings.items() if v is not None}
    text = rebase_query(query_file(name).text, service.vocab.base)
    result = service.store.select(text, bound)
    return [SimpleNamespace(**{v: plain(t) for v, t in zip(result.variables, row)})
            for row in result.rows]


def cache() -> dict:
    return current_app.extensions.setdefault(CACHE_KEY, {})


# --- Navigation --------------------------------------------------------------------------

@blueprint.app_context_processor
def glance_navigation() -> dict:
    """The link base.html adds to the site's navigation."""
    return {"glance_href": url_for("glance.index")}


# --- The index ---------------------------------------------------------------------------

@blueprint.get("/glance")
def index():
    pages = page_data()
    items = [{"href": url_for(endpoint), "title": title, "text": text} for endpoint, title, text in PAGES]
    return render("glance/index.html", pages, None, items=items, paper=pages.latest_paper())


# --- The timeline ------------------------------------------------------------------------

TIMELINE_WIDTH = 960
ROW_HEIGHT = 30
GROUP_HEIGHT = 26
LABEL_SIZE = 13
MARK_KINDS = {
    "visit": "Inspection visit",
    "report": "Inspection report published",
    "revisit-held": "Revisit held, report awaited",
    "revisit-scheduled": "Revisit due on a day",
    "revisit-month": "Revisit due in a month",
    "revisit-report": "Revisit report published",
}


@dataclass
class TimelineRow:
    inspection: URIRef
    bocu: URIRef
    label: str
    slug: str
    year: str
    visits: list[SimpleNamespace] = field(default_factory=list)
    reports: list[SimpleNamespace] = field(default_factory=list)
    revisits: dict[URIRef, SimpleNamespace] = field(default_factory=dict)

    @property
    def first_day(self) -> dt.date:
        return min(v.day for v in self.visits)


def timeline_rows(found: list[SimpleNamespace]) -> list[TimelineRow]:
    """The query's events gathered per inspection; only inspections with a dated visit."""
    by_inspection: dict[URIRef, TimelineRow] = {}
    for event in found:
        row = by_inspection.get(event.inspection)
        if row is None:
            row = by_inspection[event.inspection] = TimelineRow(
                event.inspection, event.bocu, event.bocuLabel, event.slug, event.yearNotation)
        if event.kind == "visit" and isinstance(event.day, dt.date):
            last = event.lastDay if isinstance(event.lastDay, dt.date) else event.day
            row.visits.append(SimpleNamespace(uri=event.event, day=event.day, last=last,
                                              position=event.position, asStated=event.asStated,
                                              startDate=event.day, endDate=last))
        elif event.kind == "report" and isinstance(event.day, dt.date):
            row.reports.append(SimpleNamespace(uri=event.event, day=event.day, asStated=event.asStated))
        elif event.kind.startswith("revisit") and event.revisit is not None:
            revisit = row.revisits.setdefault(event.revisit, SimpleNamespace(
                uri=event.revisit, statusNotation=event.statusNotation, statusLabel=event.statusLabel,
                asStated=event.asStated, heldOn=None, scheduledDate=None, scheduledMonth=None,
                reportIssued=None))
            if event.kind == "revisit-held":
                revisit.heldOn = event.day
            elif event.kind == "revisit-scheduled":
                revisit.scheduledDate = event.day
            elif event.kind == "revisit-month":
                revisit.scheduledMonth = event.month
            elif event.kind == "revisit-report":
                revisit.reportIssued = event.day
    dated = [row for row in by_inspection.values() if row.visits]
    for row in dated:
        row.visits.sort(key=lambda v: (v.position or 0, v.day))
    dated.sort(key=lambda row: (row.year, row.first_day, row.label))
    return dated


def revisit_marks(revisit: SimpleNamespace) -> list[tuple[str, Any]]:
    """(kind, date) of what a revisit has to show: held, due, reported on."""
    marks: list[tuple[str, Any]] = []
    if isinstance(revisit.heldOn, dt.date):
        marks.append(("revisit-held", revisit.heldOn))
    if isinstance(revisit.scheduledDate, dt.date):
        marks.append(("revisit-scheduled", revisit.scheduledDate))
    if revisit.scheduledMonth:
        try:
            marks.append(("revisit-month", charts.parse_year_month(revisit.scheduledMonth)))
        except ValueError:
            pass
    if isinstance(revisit.reportIssued, dt.date):
        marks.append(("revisit-report", revisit.reportIssued))
    return marks


def timeline_chart(found: list[TimelineRow], paper_date: dt.date | None) -> SimpleNamespace | None:
    """Every mark of the timeline, placed."""
    if not found:
        return None
    days: list[dt.date] = []
    for row in found:
        days += [d for v in row.visits for d in (v.day, v.last)]
        days += [r.day for r in row.reports]
        for revisit in row.revisits.values():
            for kind, day in revisit_marks(revisit):
                days.append(day)
                if kind == "revisit-month":
                    days.append(charts.next_month(day) - dt.timedelta(days=1))
    if isinstance(paper_date, dt.date):
        days.append(paper_date)

    label_width = max(charts.text_width(row.label, LABEL_SIZE) for row in found) + 16
    x0, x1 = max(label_width, 120.0), TIMELINE_WIDTH - 16
    scale = charts.time_scale(days, x0, x1)
    ticks = charts.month_ticks(scale)
    axis_top, plot_top = 40.0, 60.0

    groups, y = [], plot_top
    for year, year_rows in grouped(found, lambda row: row.year).items():
        header = charts.Band(y, GROUP_HEIGHT)
        bands = charts.stack([ROW_HEIGHT] * len(year_rows), top=header.bottom)
        placed = [placed_row(row, band, scale) for row, band in zip(year_rows, bands)]
        groups.append(SimpleNamespace(year=year, header=header, rows=placed,
                                      label_y=charts.r1(header.middle + 5)))
        y = bands[-1].bottom
    plot_bottom = charts.r1(y + 8)

    present = {"visit"} | {m.kind for g in groups for r in g.rows for m in r.marks}
    legend_items = [(kind, text) for kind, text in MARK_KINDS.items() if kind in present]
    if isinstance(paper_date, dt.date):
        legend_items.append(("reference", f"Date of the paper, {long_date(paper_date)}"))
    legend = legend_layout(legend_items, top=plot_bottom + 22, width=TIMELINE_WIDTH - 32, left=16)
    height = charts.r1(legend.bottom + 10)
    reference = None
    if isinstance(paper_date, dt.date):
        x = scale.x_mid(paper_date)
        reference = SimpleNamespace(x=x, y1=charts.r1(axis_top + 4), y2=plot_bottom, date=paper_date,
                                    label_x=charts.r1(x - 6), label_y=charts.r1(plot_top - 6))
    return SimpleNamespace(
        width=TIMELINE_WIDTH, height=height, scale=scale, ticks=ticks, groups=groups,
        year_labels=[SimpleNamespace(x=charts.r1(t.x + 3), text=t.year) for t in ticks if t.year],
        axis_top=axis_top, plot_top=plot_top, plot_bottom=plot_bottom, label_x=8,
        x0=scale.x0, x1=scale.x1, reference=reference, legend=legend,
        rows=[row for g in groups for row in g.rows])


def placed_row(row: TimelineRow, band: charts.Band, scale: charts.TimeScale) -> SimpleNamespace:
    middle = band.middle
    bars = []
    for visit in row.visits:
        span = scale.days_span(visit.day, visit.last, min_width=3.0)
        bars.append(SimpleNamespace(x=span.x, width=span.width, y=charts.r1(middle - 7), height=14,
                                    visit=visit))
    marks = []
    for report in row.reports:
        x = scale.x_mid(report.day)
        marks.append(SimpleNamespace(kind="report", day=report.day, x=x, y=middle,
                                     path=charts.diamond(x, middle, 6.5)))
    for revisit in row.revisits.values():
        for kind, day in revisit_marks(revisit):
            if kind == "revisit-month":
                span = scale.month_span(day)
                marks.append(SimpleNamespace(kind=kind, day=day, month=revisit.scheduledMonth,
                                             x=span.x, width=span.width, y=charts.r1(middle - 7),
                                             height=14, revisit=revisit))
                continue
            x = scale.x_mid(day)
            path = charts.triangle(x, middle, 7) if kind == "revisit-scheduled" else None
            marks.append(SimpleNamespace(kind=kind, day=day, x=x, y=middle, revisit=revisit, path=path))
    ends = [b.x for b in bars] + [m.x + getattr(m, "width", 0) for m in marks]
    track = SimpleNamespace(x1=min(ends), x2=charts.r1(max(ends)), y=middle)
    return SimpleNamespace(row=row, band=band, middle=middle, bars=bars, marks=marks, track=track,
                           label_y=charts.r1(middle + 4.5))


def legend_layout(items: list[tuple[str, str]], top: float, width: float, left: float) -> SimpleNamespace:
    """Legend entries, a swatch and its words each, flowing onto as many lines as needed."""
    swatch, gap, line = 22.0, 20.0, 22.0
    widths = [swatch + 6 + charts.text_width(text, 12) for _, text in items]
    places = charts.flow(widths, width, gap=gap, line_height=line, left=left, top=top)
    entries = [SimpleNamespace(kind=kind, text=text, x=x, y=y, text_x=charts.r1(x + swatch + 6),
                               text_y=charts.r1(y + 12),
                               mark=swatch_mark(kind, x, charts.r1(y + 8), swatch))
               for (kind, text), (x, y) in zip(items, places)]
    lines = charts.flow_lines(widths, width, gap=gap)
    return SimpleNamespace(entries=entries, top=top, bottom=charts.r1(top + lines * line))


def swatch_mark(kind: str, x: float, middle: float, swatch: float) -> SimpleNamespace:
    """The legend's sample of a kind of mark, in a swatch-wide box at x, centred on middle."""
    centre = charts.r1(x + swatch / 2)
    return SimpleNamespace(
        x=charts.r1(x + (4 if kind == "visit" else 0)), y=charts.r1(middle - 6),
        width=charts.r1(14 if kind == "visit" else swatch), height=12, cx=centre, cy=middle,
        y1=charts.r1(middle - 9), y2=charts.r1(middle + 9),
        path=(charts.diamond(centre, middle, 6.5) if kind == "report"
              else charts.triangle(centre, middle, 7) if kind == "revisit-scheduled" else None))


@blueprint.get("/glance/timeline")
def timeline():
    service, pages = service_of(current_app), page_data()
    found = timeline_rows(rows(service, "timeline"))
    paper = pages.latest_paper()
    chart = timeline_chart(found, paper.date if paper else None)
    pages.show(*(row.inspection for row in found))
    return render("glance/timeline.html", pages, None, chart=chart, paper=paper,
                  years=list(dict.fromkeys(row.year for row in found)))


# --- The heat map ------------------------------------------------------------------------

CELL_WIDTH = 96
CELL_HEIGHT = 36
HEADER_SIZE = 12


def heatmap_chart(overview: SimpleNamespace) -> SimpleNamespace | None:
    """The unit-by-theme matrix of the home page (PageData.home) as placed, shaded cells."""
    if not overview.columns:
        return None
    counts = [cell.count for row in overview.rows for cell in row.cells]
    maximum = max(counts + [1])
    label_width = max(charts.text_width(r.inspection.bocuLabel, LABEL_SIZE) for r in overview.rows) + 20
    left = max(label_width, 140.0)
    header_lines = [charts.wrap_to_width(c.theme.label, CELL_WIDTH - 8, HEADER_SIZE, bold=True)
                    for c in overview.columns]
    header_height = max(len(lines) for lines in header_lines) * 15 + 14
    top = header_height
    bands = charts.stack([CELL_HEIGHT] * len(overview.rows), top=top)
    grid_bottom = bands[-1].bottom
    totals = charts.Band(charts.r1(grid_bottom + 6), 28)
    stated = charts.Band(totals.bottom, 40)
    width = charts.r1(left + CELL_WIDTH * len(overview.columns) + 12)
    columns = []
    for index, (column, lines) in enumerate(zip(overview.columns, header_lines)):
        x = charts.r1(left + index * CELL_WIDTH)
        columns.append(SimpleNamespace(
            column=column, x=x, middle=charts.r1(x + CELL_WIDTH / 2),
            lines=[SimpleNamespace(text=t, y=charts.r1(header_height - 10 - (len(lines) - 1 - i) * 15))
                   for i, t in enumerate(lines)]))
    for index, col in enumerate(columns):
        col.units_with = [SimpleNamespace(label=row.inspection.bocuLabel, count=row.cells[index].count,
                                          href=f"{local_href(col.column.theme.uri)}?bocu={row.inspection.slug}")
                          for row in overview.rows if row.cells[index].count]
    grid_rows = []
    for row, band in zip(overview.rows, bands):
        cells = []
        for cell, col in zip(row.cells, columns):
            tone = charts.shade(cell.count, maximum)
            cells.append(SimpleNamespace(
                cell=cell, x=charts.r1(col.x + 1.5), y=charts.r1(band.top + 1.5),
                width=CELL_WIDTH - 3, height=CELL_HEIGHT - 3, tone=tone,
                text_x=col.middle, text_y=charts.r1(band.middle + 5),
                href=f"{local_href(cell.theme.uri)}?bocu={row.inspection.slug}" if cell.count else None))
        grid_rows.append(SimpleNamespace(row=row, band=band, cells=cells, label_y=charts.r1(band.middle + 4.5)))
    legend_items = [(n, f"{n} recommendation{'s' if n != 1 else ''}" if n else "None")
                    for n in range(0, maximum + 1)]
    legend_top = charts.r1(stated.bottom + 18)
    swatches = []
    x = left
    for n, text in legend_items:
        tone = charts.shade(n, maximum)
        swatches.append(SimpleNamespace(count=n, text=text, tone=tone, x=charts.r1(x), y=legend_top,
                                        text_x=charts.r1(x + 24), text_y=charts.r1(legend_top + 14)))
        x += 24 + charts.text_width(text, 12) + 22
    height = charts.r1(legend_top + 28)
    width = max(width, charts.r1(x))
    return SimpleNamespace(width=width, height=height, left=left, columns=columns, rows=grid_rows,
                           totals=totals, stated=stated, grid_top=top, grid_bottom=grid_bottom,
                           legend=swatches, legend_top=legend_top, maximum=maximum,
                           row_label_x=charts.r1(left - 10),
                           rule_x2=charts.r1(left + CELL_WIDTH * len(columns)),
                           totals_y=charts.r1(totals.middle + 5), stated_y=charts.r1(stated.top + 17),
                           verdict_y=charts.r1(stated.top + 33))


@blueprint.get("/glance/themes")
def themes():
    year = request.args.get("year", HOME_YEAR)
    if not YEAR.match(year):
        raise BadRequest(f"year={year!r} is not a programme year (expected one like {HOME_YEAR})")
    if year == HOME_YEAR:  # the paper's year, rendered by the build when serving one
        built = built_page("/glance/themes")
        if built is not None:
            return built
    pages = page_data()
    overview = pages.home(year)
    if overview is None:
        raise NotFound(f"the dataset has no inspections done in {year}")
    return render("glance/themes.html", pages, None, o=overview, chart=heatmap_chart(overview),
                  paper=pages.latest_paper())


# --- The programme -----------------------------------------------------------------------

TILE_COLUMNS = 4
TILE_WIDTH = 220
TILE_HEIGHT = 56
TILE_GAP = 8
STATUS_ORDER = {"inspected": 0, "arranged": 1, "planned": 2}


def programme_units(found: list[SimpleNamespace]) -> list[SimpleNamespace]:
    """Each unit once, by borough name, with the inspection that places it in the
    programme: its earliest one."""
    units = []
    for bocu, unit_rows in grouped(found, lambda r: r.bocu).items():
        row = unit_rows[0]
        inspections = sorted((r for r in unit_rows if r.inspection is not None),
                             key=lambda r: (r.yearNotation, STATUS_ORDER.get(r.statusNotation, 9)))
        units.append(SimpleNamespace(
            uri=bocu, label=row.label, slug=row.slug,
            name=row.boroughLabel or re.sub(r"\s+BOCU$", "", row.label),
            entry=first(inspections), inspections=inspections))
    units.sort(key=lambda u: (u.name.casefold(), u.label.casefold()))
    return units


def programme_chart(units: list[SimpleNamespace]) -> SimpleNamespace:
    years = sorted({u.entry.yearNotation for u in units if u.entry is not None})
    categories: dict[Any, SimpleNamespace] = {}
    for unit in units:
        entry = unit.entry
        key = (entry.yearNotation, entry.statusNotation) if entry else None
        if key not in categories:
            if entry is None:
                style = charts.programme_style(None, done=False)
                categories[key] = SimpleNamespace(key="not-scheduled", label="Not yet scheduled",
                                                  style=style, units=[], order=(len(years), 9))
            else:
                style = charts.programme_style(years.index(entry.yearNotation),
                                               done=entry.statusNotation == "inspected")
                categories[key] = SimpleNamespace(
                    key=f"{entry.statusNotation}-{entry.yearNotation}",
                    label=f"{entry.statusLabel} {entry.yearNotation}", style=style, units=[],
                    order=(years.index(entry.yearNotation), STATUS_ORDER.get(entry.statusNotation, 9)))
        category = categories[key]
        category.units.append(unit)
        unit.category = category
        if entry is not None and entry.statusNotation == "arranged" and entry.plannedMonth:
            unit.status_text = f"{entry.statusLabel} for {month_name(entry.plannedMonth)}"
        else:
            unit.status_text = category.label
    ordered = sorted(categories.values(), key=lambda c: c.order)

    legend_items = [f"{c.label} ({len(c.units)})" for c in ordered]
    widths = [22 + 6 + charts.text_width(t, 12) for t in legend_items]
    tile_width = max([TILE_WIDTH] + [charts.text_width(u.name, 14, bold=True) + 24 for u in units])
    total_width, _ = charts.grid_size(len(units), TILE_COLUMNS, tile_width, TILE_HEIGHT, TILE_GAP, TILE_GAP)
    width = charts.r1(max(total_width, 400) + 16)
    places = charts.flow(widths, width - 16, gap=22, line_height=24, left=8, top=8)
    lines = charts.flow_lines(widths, width - 16, gap=22)
    legend = [SimpleNamespace(category=c, text=t, x=x, y=y, text_x=charts.r1(x + 28), text_y=charts.r1(y + 14))
              for c, t, (x, y) in zip(ordered, legend_items, places)]
    grid_top = charts.r1(8 + lines * 24 + 14)
    cells = charts.grid(len(units), TILE_COLUMNS, tile_width, TILE_HEIGHT, TILE_GAP, TILE_GAP,
                        left=8, top=grid_top)
    tiles = [SimpleNamespace(unit=u, cell=c, href=local_href(u.uri),
                             name_y=charts.r1(c.y + 23), status_y=charts.r1(c.y + 43),
                             text_x=charts.r1(c.x + 12))
             for u, c in zip(units, cells)]
    _, grid_height = charts.grid_size(len(units), TILE_COLUMNS, tile_width, TILE_HEIGHT, TILE_GAP, TILE_GAP)
    return SimpleNamespace(width=width, height=charts.r1(grid_top + grid_height + 8), legend=legend,
                           tiles=tiles, categories=ordered, units=units)


@blueprint.get("/glance/programme")
def programme():
    service, pages = service_of(current_app), page_data()
    units = programme_units(rows(service, "programme"))
    if not units:
        raise NotFound("the dataset has no borough units")
    pages.show(*(u.uri for u in units))
    return render("glance/programme.html", pages, None, chart=programme_chart(units),
                  timetable=pages.timetable(), paper=pages.latest_paper())


# --- Data quality: validation ------------------------------------------------------------

_validation_lock = threading.Lock()


def validation_of(app) -> SimpleNamespace:
    """The SHACL validation of the data this app serves: run once, at the first request
    that needs it (it takes a few seconds), and kept."""
    store = app.extensions.setdefault(CACHE_KEY, {})
    with _validation_lock:
        if "validation" not in store:
            store["validation"] = run_validation(service_of(app))
    return store["validation"]


def run_validation(service) -> SimpleNamespace:
    """The served dataset (data, ontology and concept schemes, at the served base) against
    the shapes, moved to the same base. A build was validated when it was built: its
    report is read from the build's validation index (a second validation of a large
    build here would take minutes and more memory than the server has), and moved to the
    served base."""
    base = service.vocab.base
    try:
        if service.built is not None:
            report = service.built.validation_report(base)
        else:
            shapes = load_shapes(service.settings.shapes_dir, base=base)
            report = validate(service.dataset, LoadedGraph(Graph()), shapes)
    except GoingLocalError as error:
        return SimpleNamespace(error=error.message, results=[], conforms=None, summary=None)
    results = [SimpleNamespace(
        severity=r.severity_name, focus=r.focus, message=r.message,
        path=report.path_text(r.path) if r.path is not None else None,
        value=report.shortener.term(r.value) if r.value is not None else None,
        shape=report.shortener.term(r.shape) if isinstance(r.shape, URIRef) else None,
        files=r.files) for r in report.results]
    order = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
    results.sort(key=lambda r: (order.get(SH[r.severity], 3), str(r.focus), r.message))
    return SimpleNamespace(error=None, results=results, conforms=report.conforms,
                           summary=report.summary_line(),
                           counts={name: sum(1 for r in results if r.severity == name)
                                   for name in ("Violation", "Warning", "Info")})


# --- Data quality: the paper's claims ----------------------------------------------------

CLAIM_KEYS = {"id", "source", "quote", "stated", "query", "params", "expect", "figure", "summary"}
TESTS = ("equals", "at-most", "set", "count")


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    quote: str
    stated: str
    query: str
    params: dict[str, str]
    expect: list[dict]
    figure: str
    summary: str = "{rows}"


def load_claims(path: Path = CLAIMS_FILE) -> list[Claim]:
    """The claims file, checked: a malformed claim is a GoingLocalError naming it."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise GoingLocalError(f"{path.name}: cannot be read: {error}") from None
    entries = document.get("claims") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise GoingLocalError(f"{path.name}: expected a list under 'claims'")
    claims, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}, claim {number}"
        if not isinstance(entry, dict):
            raise GoingLocalError(f"{where}: expected a mapping")
        unknown = set(entry) - CLAIM_KEYS
        missing = {"id", "source", "quote", "stated", "query", "expect", "figure"} - set(entry)
        if unknown or missing:
            raise GoingLocalError(f"{where}: " + "; ".join(
                ([f"unknown keys {sorted(unknown)}"] if unknown else []) +
                ([f"missing keys {sorted(missing)}"] if missing else [])))
        claim_id = str(entry["id"])
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", claim_id) or claim_id in seen:
            raise GoingLocalError(f"{where}: id {claim_id!r} must be unique, in lower case words "
                                  "joined by hyphens")
        seen.add(claim_id)
        expect = entry["expect"]
        if not isinstance(expect, list) or not expect:
            raise GoingLocalError(f"{where} ({claim_id}): 'expect' must list at least one test")
        for test in expect:
            kinds = [k for k in TESTS if isinstance(test, dict) and k in test]
            if not isinstance(test, dict) or "column" not in test or len(kinds) != 1 \
                    or set(test) - {"column", *TESTS}:
                raise GoingLocalError(f"{where} ({claim_id}): each test is a column and one of "
                                      f"{', '.join(TESTS)}")
            if kinds[0] == "set" and not isinstance(test["set"], list):
                raise GoingLocalError(f"{where} ({claim_id}): 'set' takes a list")
        params = entry.get("params") or {}
        if not isinstance(params, dict):
            raise GoingLocalError(f"{where} ({claim_id}): 'params' must be a mapping")
        query_file(str(entry["query"]))  # an unknown query is the file's error, found now
        claims.append(Claim(claim_id, str(entry["source"]), str(entry["quote"]), str(entry["stated"]),
                            str(entry["query"]), {str(k): str(v) for k, v in params.items()},
                            expect, str(entry["figure"]), str(entry.get("summary") or "{rows}")))
    return claims


def claims_of(app) -> list[Claim]:
    store = app.extensions.setdefault(CACHE_KEY, {})
    if "claims" not in store:
        store["claims"] = load_claims(store.get("claims_file", CLAIMS_FILE))
    return store["claims"]


def bind_claim(query: NamedQuery, values: dict[str, str], base: str) -> dict[str, Node]:
    """The claim's parameter values as terms, by the query's declared types; IRIs (or the
    query's prefixed names) are moved to the served base, like the data."""
    prefixes = declared_prefixes(query.text)
    bound: dict[str, Node] = {}
    for name in values:
        query.param(name)
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None:
            continue
        if param.type == "iri":
            text = raw.strip()
            if text.startswith("<") and text.endswith(">"):
                text = text[1:-1]
            elif ":" in text and text.split(":", 1)[0] in prefixes:
                prefix, local = text.split(":", 1)
                text = prefixes[prefix] + local
            if not is_safe_iri(text) or ":" not in text:
                raise GoingLocalError(f"parameter '{param.name}': {raw!r} is not an IRI")
            bound[param.name] = URIRef(rebase_iri(text, base))
        else:
            bound[param.name] = to_term(param, raw, prefixes)
    return bound


def shown_value(value, form: str | None = None) -> str:
    """A value as a figure shows it: days in full; with the form "month", a YYYY-MM value
    as its month's name."""
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return long_date(value)
    if form == "month":
        return month_name(value)
    return str(value)


def fill(template: str, values: dict) -> str:
    """{name} (or {name:month}) replaced by the value of that name; nothing else in the
    template is interpreted."""
    def value(match: re.Match) -> str:
        name, form = match.group(1), match.group(2)
        return shown_value(values.get(name), form) if name in values else match.group(0)
    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(month))?\}", value, template)


def comparable(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def run_test(test: dict, answer: list[SimpleNamespace]) -> SimpleNamespace:
    column = str(test["column"])
    kind = next(k for k in TESTS if k in test)
    expected = test[kind]
    values = [getattr(row, column, None) for row in answer]
    if kind in ("equals", "at-most"):
        if len(answer) != 1:
            return SimpleNamespace(column=column, kind=kind, expected=expected, actual=f"{len(answer)} rows",
                                   passed=False)
        actual = comparable(values[0])
        wanted = comparable(expected)
        if isinstance(wanted, (int, float)) and not isinstance(actual, (int, float)):
            passed = False
        elif kind == "equals":
            passed = actual == wanted if isinstance(wanted, (int, float)) else str(actual) == str(wanted)
        else:
            passed = actual is not None and (actual <= wanted if isinstance(wanted, (int, float))
                                             else str(actual) <= str(wanted))
        return SimpleNamespace(column=column, kind=kind, expected=shown_value(expected),
                               actual=shown_value(values[0]), passed=passed)
    present = [str(v) for v in values if v is not None]
    if kind == "set":
        wanted = sorted({str(v) for v in expected})
        got = sorted(set(present))
        return SimpleNamespace(column=column, kind=kind, expected=", ".join(wanted),
                               actual=", ".join(got) or "none", passed=got == wanted)
    got_count = len(set(present))
    return SimpleNamespace(column=column, kind=kind, expected=str(expected), actual=str(got_count),
                           passed=got_count == int(expected))


def check_claim(claim: Claim, service, pages: PageData) -> SimpleNamespace:
    """The claim's words found in the data, its query run, and the verdict."""
    source = service.vocab.id(*claim.source.strip("/").split("/"))
    statement = rows(service, "statement", resource=source)
    text = statement[0].text if statement else None
    passage = first(s for s in statement if s.start is not None)
    pages.show(source)
    checked = SimpleNamespace(
        claim=claim, source=source, source_label=statement[0].label if statement else None,
        source_href=local_href(source), text=text, quote_found=bool(text) and claim.quote in text,
        passage_href=(url_for("pages.source_page", _anchor=anchor_id(passage.start, passage.end))
                      if passage else None),
        query=None, query_text=None, bindings={}, answer=[], tests=[], computed=None,
        verdict="cannot check", error=None)
    try:
        query = query_file(claim.query)
        checked.query = query
        bindings = bind_claim(query, claim.params, service.vocab.base)
        checked.bindings = {name: term.n3() for name, term in bindings.items()}
        checked.query_text = rebase_query(query.text, service.vocab.base)
        result = service.store.select(checked.query_text, bindings)
        answer = [SimpleNamespace(**{v: plain(t) for v, t in zip(result.variables, row)})
                  for row in result.rows]
    except GoingLocalError as error:
        checked.error = error.message
        return checked
    checked.answer = answer
    figures = [fill(claim.figure, vars(row)) for row in answer]
    summary_values = {**(vars(answer[0]) if answer else {}), "n": len(answer)}
    checked.computed = fill(claim.summary, summary_values).replace("{rows}", "; ".join(figures) or "none")
    checked.tests = [run_test(test, answer) for test in claim.expect]
    if not checked.quote_found:
        checked.error = ("the quotation is not in the data: the resource's text does not contain it"
                         if text else "the resource is not in the data, or has no text")
    else:
        checked.verdict = "agrees" if all(t.passed for t in checked.tests) else "disagrees"
    return checked


@blueprint.get("/glance/quality")
def quality():
    app = current_app._get_current_object()
    service, pages = service_of(app), page_data()
    errata = []
    for erratum in pages.errata():
        errata.append(SimpleNamespace(
            **vars(erratum), concerns_label=pages.label(erratum.concerns) if erratum.concerns else None,
            concerns_href=local_href(erratum.concerns) if erratum.concerns else None,
            source_href=(url_for("pages.source_page", _anchor=anchor_id(erratum.start, erratum.end))
                         if erratum.start is not None else None)))
        pages.show(erratum.erratum)
    validation = validation_of(app)
    findings = [SimpleNamespace(**vars(r), label=pages.label(r.focus) if isinstance(r.focus, URIRef) else None,
                                href=local_href(r.focus) if isinstance(r.focus, URIRef) else None)
                for r in validation.results]
    claims_error, checked = None, []
    try:
        checked = [check_claim(claim, service, pages) for claim in claims_of(app)]
    except GoingLocalError as error:
        claims_error = error.message
    verdicts = {v: sum(1 for c in checked if c.verdict == v) for v in ("agrees", "disagrees", "cannot check")}
    return render("glance/quality.html", pages, None, errata=errata, validation=validation,
                  findings=findings, claims=checked, claims_error=claims_error, verdicts=verdicts,
                  paper=pages.latest_paper())
