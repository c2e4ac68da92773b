"""The "at a glance" pages: each chart is well-formed, accessible SVG showing the exact
figures of the paper; the data-quality page lists every erratum and what validation finds,
and checks the paper's claims so that changed data makes them fail; and the layout
arithmetic in server/charts.py.

Services are built from the data and ontology without validation, as in test_pages.py,
so a modified graph can be served; the quality page validates what it serves itself.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from server import charts
from server.errors import GoingLocalError
from server.glance import CLAIMS_FILE, load_claims, query_file
from server.queries import run_local
from server.store import OxigraphStore
from test_pages import build_service, close, make_app, parse, squash

SVG = "{http://www.w3.org/2000/svg}"
PAGES = ["/glance", "/glance/timeline", "/glance/themes", "/glance/programme", "/glance/quality"]


# --- Fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service():
    from server.config import load_settings
    return build_service(load_settings())


@pytest.fixture(scope="module")
def app(service):
    app = make_app(service)
    yield app
    close(app)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def html_of(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, (path, response.status_code, response.data[:400])
    return response.get_data(as_text=True)


def svgs(body: str) -> list[ET.Element]:
    """Every inline <svg> of a page, parsed as XML (which fails on anything unescaped)."""
    found = re.findall(r"<svg\b.*?</svg>", body, flags=re.S)
    return [ET.fromstring(text) for text in found]


def the_svg(body: str) -> ET.Element:
    found = svgs(body)
    assert len(found) == 1, f"expected one chart, found {len(found)}"
    return found[0]


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(SVG + tag) if cls in (e.get("class") or "").split()]


def text_of(element: ET.Element) -> str:
    return squash("".join(element.itertext()))


def links(root: ET.Element) -> list[str]:
    return [a.get("href") for a in root.iter(SVG + "a")]


# --- Every page ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_each_page_answers_with_html_in_the_sites_layout(client, path):
    body = html_of(client, path)
    doc = parse(body)  # balanced markup
    assert doc.find("main") is not None
    assert doc.find("h1").text().strip()
    assert 'href="/static/glance.css"' in body
    nav = doc.find("nav", **{"aria-label": "Site"})
    assert any(a.attrs.get("href") == "/glance" and a.text() == "At a glance" for a in nav.iter("a"))


@pytest.mark.parametrize("path", PAGES[1:4])
def test_each_chart_is_accessible_svg_with_a_table_of_its_data(client, path):
    body = html_of(client, path)
    svg = the_svg(body)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text.strip() and desc.text.strip()
    viewbox = [float(n) for n in svg.get("viewBox").split()]
    assert viewbox[:2] == [0, 0] and viewbox[2] > 0 and viewbox[3] > 0
    assert float(svg.get("width")) == viewbox[2] and float(svg.get("height")) == viewbox[3]
    doc = parse(body)
    table = doc.find("table", class_="chart-data")
    assert table is not None and table.find("caption") is not None
    assert "<script" not in body.split("</head>", 1)[1]  # no script: the pictures need none


def test_the_index_links_each_picture(client):
    doc = parse(html_of(client, "/glance"))
    hrefs = [a.attrs["href"] for a in doc.find("ul", class_="glance-index").iter("a")]
    assert hrefs == ["/glance/timeline", "/glance/themes", "/glance/programme", "/glance/quality"]
    for href in hrefs:
        html_of(client, href)


def test_the_home_page_links_to_the_glance_pages(client):
    doc = parse(html_of(client, "/"))
    assert any(a.attrs.get("href") == "/glance" for a in doc.iter("a"))


# --- The timeline ------------------------------------------------------------------------------

def test_timeline_has_the_six_2003_04_inspections_and_their_seven_visits(client):
    svg = the_svg(html_of(client, "/glance/timeline"))
    years = by_class(svg, "g", "timeline-year")
    assert [g.get("data-year") for g in years] == ["2003-04"]
    rows = by_class(years[0], "g", "timeline-row")
    assert [r.get("data-bocu") for r in rows] == [
        "harrow", "newham", "kensington-and-chelsea", "wandsworth", "hillingdon", "westminster"]
    visits = {r.get("data-bocu"): by_class(r, "rect", "visit") for r in rows}
    assert sum(len(v) for v in visits.values()) == 7
    assert {slug: len(v) for slug, v in visits.items() if len(v) != 1} == {"newham": 2}
    newham = sorted(visits["newham"], key=lambda v: float(v.get("x")))
    assert [(v.get("data-start"), v.get("data-end")) for v in newham] == [
        ("2003-06-23", "2003-06-25"), ("2003-06-30", "2003-07-01")]
    first, second = newham
    assert float(first.get("x")) + float(first.get("width")) < float(second.get("x"))  # a gap shows
    for bars in visits.values():
        for bar in bars:
            assert float(bar.get("width")) >= 3 and float(bar.get("height")) > 0


def test_timeline_marks_reports_and_each_kind_of_revisit(client):
    svg = the_svg(html_of(client, "/glance/timeline"))
    rows = {r.get("data-bocu"): r for r in by_class(svg, "g", "timeline-row")}

    def dates(slug, cls):
        return sorted(e.get("data-date") for tag in ("path", "circle") for e in by_class(rows[slug], tag, cls))

    assert dates("harrow", "report") == ["2003-07-28"]
    assert {s: dates(s, "revisit-report") for s in rows if dates(s, "revisit-report")} == {
        "harrow": ["2004-08-23"], "newham": ["2004-12-03"], "hillingdon": ["2004-12-03"]}
    assert dates("kensington-and-chelsea", "revisit-held") == ["2004-11-22"]
    assert dates("wandsworth", "revisit-scheduled") == ["2004-12-07"]
    month = by_class(rows["westminster"], "rect", "revisit-month")
    assert len(month) == 1 and "March 2005" in text_of(month[0])


def test_timeline_axis_labels_months_and_places_the_papers_date(client):
    svg = the_svg(html_of(client, "/glance/timeline"))
    labels = [text_of(t) for t in by_class(svg, "text", "month-label")]
    assert labels[0] == "May" and labels[-1] == "Mar" and len(labels) == 23  # May 2003 - March 2005
    assert [text_of(t) for t in by_class(svg, "text", "year-label")] == ["2003", "2004", "2005"]
    reference = by_class(svg, "g", "reference")
    assert len(reference) == 1 and reference[0].get("data-date") == "2005-01-19"
    line = reference[0].find(f"{SVG}line")
    x = float(line.get("x1"))
    assert line.get("x2") == line.get("x1") and float(line.get("y2")) > float(line.get("y1"))
    # Between the gridlines of January and February 2005, 18.5 days of 31 into January.
    gridlines = sorted({float(g.get("x1")) for g in by_class(svg, "line", "gridline")})
    january, february = gridlines[20], gridlines[21]
    assert x == pytest.approx(january + (february - january) * 18.5 / 31, abs=0.2)
    assert "19 January 2005" in text_of(reference[0])
    legend = [e.get("data-kind") for e in by_class(svg, "g", "legend-entry")]
    assert legend == ["visit", "report", "revisit-held", "revisit-scheduled", "revisit-month",
                      "revisit-report", "reference"]


def test_timeline_table_gives_the_same_dates(client):
    doc = parse(html_of(client, "/glance/timeline"))
    rows = [[squash(c.text(hidden=False)) for c in tr.children if hasattr(c, "tag")]
            for tr in doc.find("table", class_="chart-data").find("tbody").iter("tr")]
    assert len(rows) == 6
    newham = next(r for r in rows if r[0] == "Newham BOCU")
    assert newham[2] == "23–25 June 2003 and 30 June – 1 July 2003"
    wandsworth = next(r for r in rows if r[0] == "Wandsworth BOCU")
    assert "due on 7 December 2004" in wandsworth[4] and "before the paper's date" in wandsworth[4]


# --- The heat map -----------------------------------------------------------------------------

def test_heat_map_totals_match_the_papers_findings(client):
    svg = the_svg(html_of(client, "/glance/themes"))
    totals = {t.get("data-theme"): text_of(t) for t in by_class(svg, "text", "column-total")}
    stated = {t.get("data-theme"): text_of(t) for t in by_class(svg, "text", "stated-total")
              if t.get("data-theme")}
    assert totals["performance-management"] == "6 of 6"
    assert totals["demand-management"] == "4 of 6"
    assert stated == {"performance-management": "6 of 6", "demand-management": "4 of 6"}
    assert [text_of(t) for t in by_class(svg, "text", "verdict-mark")] == ["agrees", "agrees"]


def test_heat_map_cells_print_counts_shade_them_and_link_to_the_theme_for_the_bocu(client):
    svg = the_svg(html_of(client, "/glance/themes"))
    rows = by_class(svg, "g", "heatmap-row")
    assert len(rows) == 6
    cells = [c for r in rows for c in by_class(r, "g", "cell")]
    assert len(cells) == 6 * 8
    fills = {}
    for cell in cells:
        count = int(cell.get("data-count"))
        assert text_of(cell.find(f"{SVG}text")) == str(count)
        fills.setdefault(count, set()).add(cell.find(f"{SVG}rect").get("fill"))
    assert len(fills[0]) == 1 and len(fills[1]) == 1 and fills[0] != fills[1]
    harrow = next(r for r in rows if r.get("data-bocu") == "harrow")
    hrefs = links(harrow)
    assert "/def/theme/demand-management?bocu=harrow" in hrefs
    assert sum(1 for c in by_class(harrow, "g", "cell") if c.get("data-count") != "0") == \
        sum(1 for h in hrefs if "?bocu=harrow" in h)


def test_heat_map_links_lead_to_the_filtered_theme_page(client):
    svg = the_svg(html_of(client, "/glance/themes"))
    href = next(h for h in links(svg) if h.endswith("demand-management?bocu=westminster"))
    parts = urlsplit(href)
    assert parse_qs(parts.query) == {"bocu": ["westminster"]}
    body = html_of(client, href)
    assert "Westminster BOCU" in body and "integrated demand management strategy" in body


def test_heat_map_of_an_unknown_or_malformed_year(client):
    html_of(client, "/glance/themes?year=1999-00", status=404)
    html_of(client, "/glance/themes?year=nonsense", status=400)


# --- The programme ----------------------------------------------------------------------------

def test_programme_counts_each_category(client):
    body = html_of(client, "/glance/programme")
    svg = the_svg(body)
    tiles = by_class(svg, "g", "tile")
    assert len(tiles) == 32
    counts = {}
    for tile in tiles:
        counts[tile.get("data-category")] = counts.get(tile.get("data-category"), 0) + 1
    assert counts == {"inspected-2003-04": 6, "inspected-2004-05": 5, "arranged-2004-05": 2,
                      "planned-2005-06": 8, "not-scheduled": 11}
    legend = [text_of(e) for e in by_class(svg, "g", "legend-entry")]
    assert legend == ["Inspected 2003-04 (6)", "Inspected 2004-05 (5)", "Arranged 2004-05 (2)",
                      "Planned 2005-06 (8)", "Not yet scheduled (11)"]
    doc = parse(body)
    shown = {squash(d.find("dt").text()): squash(d.find("dd").text())
             for d in doc.find("dl", class_="programme-counts").iter("div")}
    assert shown == {"Inspected 2003-04": "6", "Inspected 2004-05": "5", "Arranged 2004-05": "2",
                     "Planned 2005-06": "8", "Not yet scheduled": "11"}


def test_programme_tiles_are_in_borough_order_and_link_to_each_bocu(client):
    svg = the_svg(html_of(client, "/glance/programme"))
    names = [text_of(t) for t in by_class(svg, "text", "tile-name")]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Barking and Dagenham" and names[-1] == "Westminster"
    tiles = by_class(svg, "g", "tile")
    hrefs = links(svg)
    assert hrefs == [f"/doc/bocu/{t.get('data-bocu')}" for t in tiles]
    status = {t.get("data-bocu"): text_of(by_class(t, "text", "tile-status")[0]) for t in tiles}
    assert status["enfield"] == "Arranged for January 2005"
    assert status["islington"] == "Arranged for February 2005"
    assert status["harrow"] == "Inspected 2003-04"
    assert status["brent"] == "Not yet scheduled"
    # Solid tiles for done inspections, dashed edges for the rest.
    dashed = {t.get("data-bocu"): "dashed" in t.find(f"{SVG}rect").get("class") for t in tiles}
    assert not dashed["harrow"] and not dashed["bromley"] and dashed["enfield"] and dashed["bexley"]


# --- Data quality -------------------------------------------------------------------------------

def test_quality_lists_every_erratum_with_its_place_in_the_source(client):
    doc = parse(html_of(client, "/glance/quality"))
    rows = list(doc.find("table", class_="errata-table").find("tbody").iter("tr"))
    assert len(rows) == 8
    source = html_of(client, "/source")
    for row in rows:
        anchors = [a.attrs["href"] for a in row.iter("a")]
        place = next(h for h in anchors if h.startswith("/source#char-"))
        assert f'id="{place.split("#", 1)[1]}"' in source, place
        assert any(h.startswith("/doc/") for h in anchors)
    printed_meant = {(squash(row.find("q").text()), squash(list(row.iter("td"))[1].text())) for row in rows}
    assert ("now complaint with MPS policy", "now compliant with MPS policy") in printed_meant
    assert ("the inspection of Harrow BOCU", "the inspection of Hillingdon BOCU") in printed_meant


def test_quality_shows_what_validation_warns_of_and_notes(client):
    doc = parse(html_of(client, "/glance/quality"))
    results = list(doc.find("ul", class_="validation-results").iter("li"))
    kinds = [squash(li.find("strong").text()) for li in results]
    assert kinds == ["Warning", "Note"]
    warning = squash(results[0].text())
    assert "Wandsworth BOCU 2003-04 revisit 1" in warning and "overdue at the report date" in warning
    assert "18 areas of good practice" in squash(results[1].text())
    counts = {d.attrs.get("data-count"): squash(d.text()).split()[0]
              for d in doc.find("dl", class_="quality-counts").iter("dd")}
    assert counts == {"errata": "8", "warnings": "1", "infos": "1", "agrees": "9"}


def test_every_claim_of_the_paper_agrees_with_the_data(client):
    doc = parse(html_of(client, "/glance/quality"))
    claims = list(doc.find("ol", class_="claims").find_all("li", class_="claim"))
    assert [c.attrs["id"] for c in claims] == [f"claim-{c.id}" for c in load_claims()]
    assert len(claims) == 9
    for claim in claims:
        verdict = squash(claim.find("strong", class_="verdict").text())
        assert verdict == "agrees", (claim.attrs["id"], squash(claim.text()))
        quote = claim.find("blockquote")
        assert quote.attrs["cite"].startswith("/source#char-")
    computed = {c.attrs["id"]: squash(c.find("dd", class_="computed").text()) for c in claims}
    assert computed["claim-performance-management"].startswith("6 of the 6 BOCUs")
    assert computed["claim-demand-management"].startswith("4 of the 6 BOCUs")
    assert computed["claim-revisit-reports-published"].endswith("Harrow BOCU; Hillingdon BOCU; Newham BOCU")
    assert computed["claim-revisits-conclude"].endswith("is in March 2005")
    assert computed["claim-arranged-2004-05"].endswith(
        "Enfield BOCU in January 2005; Islington BOCU in February 2005")


def test_each_claim_quotes_the_paper_verbatim_from_the_data(service):
    for claim in load_claims():
        source = service.vocab.id(*claim.source.split("/"))
        texts = [str(o) for o in service.dataset.graph.objects(source, service.vocab.INSP.text)]
        assert len(texts) == 1, claim.id
        assert claim.quote in texts[0], claim.id


def test_each_claims_query_gives_the_same_rows_on_rdflib_and_oxigraph(service):
    """The check queries follow queries/README.md: bound as initBindings or as a VALUES
    block, they answer the same."""
    from server.glance import bind_claim

    store = OxigraphStore(service.dataset.graph)
    for claim in load_claims():
        query = query_file(claim.query)
        bindings = bind_claim(query, claim.params, service.vocab.base)
        local = run_local(query, service.dataset.graph, bindings)
        oxigraph = store.select(query.text, bindings)
        assert local.variables == oxigraph.variables, claim.id
        assert sorted(map(repr, local.rows)) == sorted(map(repr, oxigraph.rows)), claim.id
        assert local.rows, claim.id


def test_under_another_base_the_checks_and_validation_still_hold():
    """Served at another base, the data, the claims' queries and parameters and the shapes
    all move with it: the same verdicts and the same validation results."""
    from server.config import Settings

    app = make_app(build_service(Settings(base="http://127.0.0.1:5000")))
    try:
        body = html_of(app.test_client(), "/glance/quality")
    finally:
        close(app)
    doc = parse(body)
    verdicts = {squash(v.text()) for v in doc.find("ol", class_="claims").find_all("strong", class_="verdict")}
    assert verdicts == {"agrees"}
    counts = {d.attrs.get("data-count"): squash(d.text()).split()[0]
              for d in doc.find("dl", class_="quality-counts").iter("dd")}
    assert counts == {"errata": "8", "warnings": "1", "infos": "1", "agrees": "9"}
    assert "https://w3id.org/going-local/id/" not in body


# --- When the data changes, the checks fail ---------------------------------------------------------

def modified_client(settings, change):
    copy = Graph()
    copy += build_service(settings).dataset.graph
    change(copy)
    app = make_app(build_service(settings, copy))
    return app


@pytest.fixture(scope="module")
def changed(service):
    """The Westminster recommendation on demand management loses that theme, and Harrow's
    revisit report is not yet published."""
    vocab = service.vocab
    insp = vocab.INSP

    def change(graph):
        recommendation = vocab.id("inspection", "2003-04", "westminster", "recommendation", "2")
        graph.remove((recommendation, insp.theme, vocab.THEME["demand-management"]))
        revisit = vocab.id("inspection", "2003-04", "harrow", "revisit", "1")
        graph.set((revisit, insp.revisitStatus, vocab.REVISIT["held-report-awaited"]))
        graph.set((vocab.id("bocu", "harrow"), RDFS.label, Literal('Harrow <b>&amp;</b> "BOCU"', lang="en")))

    app = modified_client(service.settings, change)
    yield app.test_client()
    close(app)


def test_a_changed_figure_flips_its_verdict_to_disagrees(changed):
    doc = parse(html_of(changed, "/glance/quality"))
    verdicts = {c.attrs["id"]: squash(c.find("strong", class_="verdict").text())
                for c in doc.find("ol", class_="claims").find_all("li", class_="claim")}
    assert verdicts.pop("claim-demand-management") == "disagrees"
    assert verdicts.pop("claim-revisit-reports-published") == "disagrees"
    assert set(verdicts.values()) == {"agrees"}
    claim = doc.find("li", id="claim-demand-management")
    assert squash(claim.find("dd", class_="computed").text()).startswith("3 of the 6 BOCUs")
    failed = [squash(li.text()) for li in claim.find_all("li", class_="failed")]
    assert failed == ["Disagrees: units is 3, the paper's figure is 4"]


def test_a_changed_figure_shows_on_the_heat_map(changed):
    svg = the_svg(html_of(changed, "/glance/themes"))
    totals = {t.get("data-theme"): text_of(t) for t in by_class(svg, "text", "column-total")}
    assert totals["demand-management"] == "3 of 6"
    assert [text_of(t) for t in by_class(svg, "text", "verdict-mark")] == ["agrees", "differs"]


@pytest.mark.parametrize("path", PAGES[1:4])
def test_every_literal_is_escaped_in_the_charts(changed, path):
    body = html_of(changed, path)
    assert "<b>" not in body
    svg = the_svg(body)  # still well-formed XML
    assert any('Harrow <b>&amp;</b> "BOCU"' in text_of(t) for t in svg.iter(SVG + "text")) or \
        any('Harrow <b>&amp;</b> "BOCU"' in (t.text or "") for t in svg.iter(SVG + "title"))


# --- The claims file --------------------------------------------------------------------------------

def test_the_shipped_claims_file_reads(tmp_path):
    claims = load_claims(CLAIMS_FILE)
    assert len({c.id for c in claims}) == len(claims) == 9
    assert all(c.expect for c in claims)


@pytest.mark.parametrize("text, message", [
    ("claims: nothing", "expected a list under 'claims'"),
    ("claims:\n  - {id: a}\n", "missing keys"),
    ("claims:\n  - {id: a, source: s, quote: q, stated: s, query: check-units-with-theme, "
     "expect: [{column: units}], figure: f}\n", "each test is a column and one of"),
    ("claims:\n  - {id: a, source: s, quote: q, stated: s, query: no-such-query, "
     "expect: [{column: units, equals: 1}], figure: f}\n", "no such query file"),
    ("claims:\n  - {id: a, source: s, quote: q, stated: s, query: check-units-with-theme, "
     "expect: [{column: units, equals: 1}], figure: f, colour: red}\n", "unknown keys"),
])
def test_a_malformed_claims_file_is_an_error_naming_the_claim(tmp_path, text, message):
    path = tmp_path / "claims.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoingLocalError, match=re.escape(message)):
        load_claims(path)


# --- charts.py ---------------------------------------------------------------------------------------

def test_time_scale_covers_whole_months_and_maps_days_linearly():
    scale = charts.time_scale([dt.date(2003, 5, 12), dt.date(2005, 3, 1)], 100, 790)
    assert scale.start == dt.date(2003, 5, 1) and scale.end == dt.date(2005, 4, 1)
    assert scale.x(scale.start) == 100 and scale.x(scale.end) == 790
    assert scale.days == 701
    assert scale.x(scale.start + dt.timedelta(days=350)) == pytest.approx(100 + 350 * 690 / 701, abs=0.05)
    assert scale.x_mid(dt.date(2003, 5, 1)) == pytest.approx(100 + scale.day_width / 2, abs=0.1)
    with pytest.raises(ValueError):
        charts.time_scale([], 0, 10)
    with pytest.raises(ValueError):
        charts.time_scale([dt.date(2003, 1, 1)], 10, 10)


def test_days_span_includes_both_days_and_keeps_a_minimum_width():
    scale = charts.TimeScale(dt.date(2003, 1, 1), dt.date(2003, 1, 11), 0, 100)  # 10 per day
    assert scale.days_span(dt.date(2003, 1, 2), dt.date(2003, 1, 4)) == charts.Span(10, 30)
    assert scale.days_span(dt.date(2003, 1, 5), dt.date(2003, 1, 5), min_width=16) == charts.Span(37, 16)
    assert scale.month_span(dt.date(2003, 1, 20)) == charts.Span(0, 310)
    with pytest.raises(ValueError):
        scale.days_span(dt.date(2003, 1, 5), dt.date(2003, 1, 4))


def test_month_ticks_name_each_month_and_the_year_where_it_starts():
    scale = charts.time_scale([dt.date(2003, 11, 3), dt.date(2004, 2, 2)], 0, 121)
    ticks = charts.month_ticks(scale)
    assert [(t.label, t.year) for t in ticks] == [
        ("Nov", "2003"), ("Dec", None), ("Jan", "2004"), ("Feb", None)]
    assert [t.x for t in ticks] == [0, 30, 61, 92]
    assert ticks[-1].x_end == 121 and ticks[0].middle == 15


def test_month_helpers():
    assert charts.next_month(dt.date(2004, 12, 7)) == dt.date(2005, 1, 1)
    assert charts.month_floor(dt.date(2004, 12, 7)) == dt.date(2004, 12, 1)
    assert charts.parse_year_month("2005-03") == dt.date(2005, 3, 1)
    for bad in ("2005-13", "2005-3", "March 2005"):
        with pytest.raises(ValueError):
            charts.parse_year_month(bad)


def test_stack_grid_and_flow_place_things_without_overlap():
    bands = charts.stack([20, 30, 10], top=5, gap=2)
    assert [(b.top, b.bottom, b.middle) for b in bands] == [(5, 25, 15), (27, 57, 42), (59, 69, 64)]
    cells = charts.grid(5, 2, 100, 40, gap_x=10, gap_y=5, left=8, top=20)
    assert [(c.row, c.column, c.x, c.y) for c in cells] == [
        (0, 0, 8, 20), (0, 1, 118, 20), (1, 0, 8, 65), (1, 1, 118, 65), (2, 0, 8, 110)]
    assert charts.grid_size(5, 2, 100, 40, 10, 5) == (210, 130)
    assert charts.grid_size(0, 2, 100, 40) == (0, 0)
    with pytest.raises(ValueError):
        charts.grid(3, 0, 10, 10)
    assert charts.flow([50, 50, 50], max_width=120, gap=10, line_height=20) == [(0, 0), (60, 0), (0, 20)]
    assert charts.flow_lines([50, 50, 50], 120, gap=10) == 2
    assert charts.flow_lines([], 120) == 0


def test_text_width_and_wrapping():
    assert charts.text_width("", 13) == 0
    assert charts.text_width("Kensington and Chelsea BOCU", 13) > charts.text_width("Harrow BOCU", 13)
    assert charts.text_width("Harrow", 13, bold=True) > charts.text_width("Harrow", 13)
    assert charts.wrap("National Intelligence Model (NIM)", 13) == ["National", "Intelligence", "Model (NIM)"]
    assert charts.wrap("", 10) == [""]
    lines = charts.wrap_to_width("Crime recording standards (NCRS)", 88, 12, bold=True)
    assert lines == ["Crime", "recording", "standards", "(NCRS)"]
    assert charts.wrap_to_width("Quality of life", 90, 12, bold=True) == ["Quality of life"]
    assert charts.wrap_to_width("Quality of life", 64, 12, bold=True) == ["Quality of", "life"]


def test_marks_paths():
    assert charts.diamond(10, 20, 5) == "M10 15 L15 20 L10 25 L5 20 Z"
    assert charts.triangle(10, 20, 5) == "M10 15 L15 24 L5 24 Z"
    assert charts.diamond(10.04, 20.25, 6.5) == "M10 13.8 L16.5 20.2 L10 26.8 L3.5 20.2 Z"


def test_shades_get_darker_with_the_count_and_keep_their_text_readable():
    none, one, two, three = (charts.shade(n, 3) for n in range(4))
    assert none.level == 0 and none.fill == charts.HEAT_EMPTY
    assert one.fill == charts.HEAT_LIGHT and three.fill == charts.HEAT_DARK
    assert charts.luminance(one.fill) > charts.luminance(two.fill) > charts.luminance(three.fill)
    for tone in (none, one, two, three):
        assert charts.contrast(tone.fill, tone.ink) >= 4.5, tone
    assert charts.shade(1, 1).fill == charts.HEAT_DARK  # only ones: each is the darkest
    assert charts.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert charts.mix("#000000", "#ffffff", 0.5) == "#808080"
    with pytest.raises(ValueError):
        charts.hex_rgb("blue")


def test_programme_styles_differ_by_year_and_by_whether_done():
    done, arranged = charts.programme_style(1, True), charts.programme_style(1, False)
    assert done.edge == arranged.edge and done.fill != arranged.fill
    assert not done.dashed and arranged.dashed
    assert charts.programme_style(0, True).fill != done.fill
    unscheduled = charts.programme_style(None, False)
    assert unscheduled.fill == "#ffffff" and unscheduled.dashed
    for style in (done, arranged, unscheduled, charts.programme_style(2, True)):
        assert charts.contrast(style.fill, style.ink) >= 4.5
