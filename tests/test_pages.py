"""The HTML pages: what each shows, that data is escaped, that each embeds its JSON-LD and
links its RDF alternates, and that the markup keeps its accessibility promises.

The service is built here from the data and ontology without the shapes, so these tests
are about the pages alone. Where the linked-data blueprint that serves /doc/ and /def/ is
not in the app, a stand-in route hands those paths to the pages' dispatchers the same way.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from server import pages as pages_module
from server.app import Service, create_app
from server.config import Settings, load_settings
from server.loading import LoadedGraph, load_data, load_model, merge
from server.store import OxigraphStore
from server.uris import Vocabulary

HTML = {"Accept": "text/html"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}


# --- A small DOM, enough to ask about the markup ---------------------------------------------

class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list = []

    def iter(self, tag=None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def text(self, hidden=True) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, Node):
                if hidden or "visually-hidden" not in child.attrs.get("class", ""):
                    parts.append(child.text(hidden))
            else:
                parts.append(child)
        return "".join(parts)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find(self, tag=None, **attrs):
        return next(self.find_all(tag, **attrs), None)

    def find_all(self, tag=None, **attrs):
        for node in self.iter(tag):
            if all((node.attrs.get(k.rstrip("_")) == v) if not k.startswith("class")
                   else v in node.classes() for k, v in attrs.items()):
                yield node


class Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID_TAGS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is None:
            self.errors.append(f"</{tag}> closes nothing")
            return
        if node is not self.current:
            self.errors.append(f"</{tag}> closes <{self.current.tag}> too")
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(body: bytes | str) -> Node:
    builder = Builder()
    builder.feed(body.decode("utf-8") if isinstance(body, bytes) else body)
    builder.close()
    assert builder.errors == [], builder.errors
    return builder.root


# --- The app -----------------------------------------------------------------------------------

def build_service(settings: Settings, graph: Graph | None = None) -> Service:
    dataset = merge(load_data([settings.data_dir], base=settings.base),
                    load_model(base=settings.base, ontology_dir=settings.ontology_dir))
    if graph is not None:
        dataset = LoadedGraph(graph, dataset.files, dataset.sources)
    return Service(settings, Vocabulary(settings.base), dataset, OxigraphStore(dataset.graph))


def make_app(service: Service):
    app = create_app(service.settings, service)
    app.testing = True
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    if "/doc/<path:tail>" not in routes:  # no linked-data blueprint: hand the pages the IRIs
        vocab = service.vocab
        app.add_url_rule("/doc/<path:tail>", "test_doc",
                         lambda tail: pages_module.resource_page(vocab.uri_of_path(f"/id/{tail}")))
        app.add_url_rule("/def/<path:tail>", "test_def",
                         lambda tail: pages_module.definition_page(vocab.uri_of_path(f"/def/{tail}")))
    return app


def close(app) -> None:
    try:
        from server.endpoint import close_workers
    except ImportError:
        return
    close_workers(app)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="module")
def service(settings) -> Service:
    return build_service(settings)


@pytest.fixture(scope="module")
def app(service):
    app = make_app(service)
    yield app
    close(app)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get(client, path: str, status: int = 200):
    response = client.get(path, headers=HTML)
    assert response.status_code == status, (path, response.status_code, response.data[:500])
    if status == 200:
        assert response.mimetype == "text/html"
    return response


def page(client, path: str, status: int = 200) -> Node:
    return parse(get(client, path, status).data)


def main(doc: Node) -> Node:
    found = doc.find("main")
    assert found is not None
    return found


def squash(text: str) -> str:
    return " ".join(text.split())


def facts(dl: Node) -> dict[str, str]:
    """A definition list of facts as {term: description}."""
    return {squash(d.find("dt").text(hidden=False)): squash(d.find("dd").text(hidden=False))
            for d in dl.children if isinstance(d, Node)}


def table_rows(table: Node, section: str) -> list[list[str]]:
    part = table.find(section)
    return [[squash(cell.text(hidden=False)) for cell in row.children if isinstance(cell, Node)]
            for row in part.iter("tr")]


# --- The overview ------------------------------------------------------------------------------

def test_home_matrix_shows_the_papers_common_themes(client):
    doc = page(client, "/")
    matrix = main(doc).find("table", class_="matrix")
    assert matrix is not None
    header = table_rows(matrix, "thead")[0]
    body = table_rows(matrix, "tbody")
    units, stated = table_rows(matrix, "tfoot")
    column = {name: i for i, name in enumerate(header)}

    assert [row[0] for row in body] == ["Harrow BOCU", "Newham BOCU", "Kensington and Chelsea BOCU",
                                        "Wandsworth BOCU", "Hillingdon BOCU", "Westminster BOCU"]
    assert units[column["Performance management"]] == "6 of 6"
    assert units[column["Demand management"]] == "4 of 6"
    assert units[column["National Intelligence Model (NIM)"]] == "5 of 6"
    assert stated[column["Performance management"]].startswith("6 of 6")
    assert stated[column["Demand management"]].startswith("4 of 6")
    assert "differs" not in " ".join(stated)
    # Harrow's row: one recommendation each on four themes, four in all.
    harrow = body[0]
    assert harrow[column["Demand management"]] == "1"
    assert harrow[column["Diversity"]] == "·"  # none
    assert harrow[-1] == "4"


def test_home_matrix_cells_link_to_the_theme_filtered_by_unit(client):
    doc = page(client, "/")
    links = [a.attrs["href"] for a in main(doc).find("table", class_="matrix").iter("a")]
    assert "/def/theme/demand-management?bocu=harrow" in links
    assert "/def/theme/demand-management?bocu=wandsworth" not in links  # Wandsworth has none


def test_home_counts_and_what_is_outstanding(client):
    doc = page(client, "/")
    counts = facts(main(doc).find("dl", class_="counts"))
    assert counts["BOCUs inspected"] == "6"
    assert counts["Recommendations"] == "19"
    assert counts["Progress updates on action taken"] == "21"
    assert counts["Good practice listed"].startswith("19 of 32 acknowledged")
    outstanding = table_rows(main(doc).find("table", class_="outstanding"), "tbody")
    by_unit = {row[0]: row[1] for row in outstanding}
    assert set(by_unit) == {"Kensington and Chelsea BOCU", "Wandsworth BOCU", "Westminster BOCU"}
    assert by_unit["Kensington and Chelsea BOCU"].startswith("Held, report awaited: held on 22 November 2004")
    assert by_unit["Wandsworth BOCU"].startswith("Scheduled: due on 7 December 2004")
    assert by_unit["Westminster BOCU"] == "Scheduled: due in March 2005"


# --- Units -------------------------------------------------------------------------------------

def test_harrow_page(client):
    doc = main(page(client, "/doc/bocu/harrow"))
    assert squash(doc.find("h1").text()) == "Harrow BOCU"
    recommendations = doc.find("ol", class_="recommendations")
    items = [li for li in recommendations.children if isinstance(li, Node)]
    assert [li.attrs["id"] for li in items] == [f"recommendation-{n}" for n in (1, 2, 3, 4)]
    assert "Sanctuary Project" in doc.find("ol", class_="good-practice").text()
    text = squash(doc.text())
    assert "E09000015" in text
    hrefs = [a.attrs.get("href") for a in doc.iter("a")]
    assert "http://statistics.data.gov.uk/id/statistical-geography/E09000015" in hrefs
    assert "/def/theme/partnerships" in hrefs
    assert "Report published: 23 August 2004" in text
    assert "HMIC is satisfied that all of the recommendations" in text


def test_nested_action_points_are_a_nested_list(client):
    doc = main(page(client, "/doc/bocu/kensington-and-chelsea"))
    second = doc.find("li", id="recommendation-2")
    points = second.find("ul", class_="points")
    assert points is not None and points.parent.parent.attrs.get("class") == "updates"
    assert len([li for li in points.children if isinstance(li, Node)]) == 5
    assert "A further update is expected" in second.text()


def test_westminster_good_practice_is_potential_and_counted(client):
    doc = main(page(client, "/doc/bocu/westminster"))
    stated = squash(doc.find("p", class_="stated-count").text())
    assert "eighteen (18) areas of potential good practice" in stated
    assert "the paper lists five of them" in stated
    listed = doc.find("ol", class_="good-practice")
    assert len(list(listed.find_all("span", class_="badge-potential"))) == 5
    assert "City of Westminster BOCU" in doc.text()


def test_hillingdon_conclusion_carries_its_erratum(client):
    doc = main(page(client, "/doc/bocu/hillingdon"))
    notes = [squash(n.text()) for n in doc.find_all("div", class_="erratum-note")]
    assert any("names Harrow BOCU" in n and "the inspection of Hillingdon BOCU" in n for n in notes)
    assert any("“bee” is evidently a misprint" in n for n in notes)


@pytest.mark.parametrize("slug, expected", [
    ("camden", "Not yet scheduled"),
    ("enfield", "Arranged for January 2005"),
    ("islington", "Arranged for February 2005"),
    ("bexley", "Planned during the programme year"),
    ("barnet", "The paper records only that the unit has been inspected in 2004-05"),
])
def test_units_not_inspected_in_2003_04_show_their_timetable(client, slug, expected):
    assert expected in squash(main(page(client, f"/doc/bocu/{slug}")).text(hidden=False))


def test_unknown_unit_is_not_found(client):
    get(client, "/doc/bocu/no-such-borough", status=404)


def test_dispatcher_refuses_an_iri_it_cannot_bind(app):
    from server.http_errors import NotFound
    with app.test_request_context("/doc/x", headers=HTML):
        with pytest.raises(NotFound):
            pages_module.resource_page('https://w3id.org/going-local/id/bocu/x> } <y')


# --- Inspections and recommendations -----------------------------------------------------------

def test_inspection_page(client):
    doc = main(page(client, "/doc/inspection/2003-04/newham"))
    text = squash(doc.text())
    assert "23–25 June 2003 and 30 June – 1 July 2003" in text
    assert len([li for li in doc.find("ol", class_="recommendations").children if isinstance(li, Node)]) == 5
    assert "Arranged for January 2005" in squash(main(page(client, "/doc/inspection/2004-05/enfield")).text())


def status_of(doc: Node) -> Node:
    """The description of the first Status fact in a page's lists of facts."""
    return next(d.find("dd") for dl in doc.find_all("dl", class_="facts") for d in dl.children
                if isinstance(d, Node) and squash(d.find("dt").text()) == "Status")


def test_inspection_page_shows_its_status_report_on_one_line(client):
    doc = main(page(client, "/doc/inspection/2004-05/enfield"))
    status = status_of(doc)
    text = squash(status.text(hidden=False))
    assert text.startswith("Arranged for January 2005, reported 19 January 2005 in report 8")
    assert status.find("ol") is None  # one report: one line, no list
    hrefs = [a.attrs.get("href") for a in status.iter("a")]
    assert hrefs == ["/doc/committee-paper/2005-01-19-report-8", "/source#char-5996-6019"]
    jsonld = jsonld_of(page(client, "/doc/inspection/2004-05/enfield"))
    assert "https://w3id.org/going-local/id/inspection/2004-05/enfield/status/2005-01-19" in ids_in(jsonld)


def test_an_inspected_inspection_shows_its_status_report(client):
    doc = main(page(client, "/doc/inspection/2003-04/harrow"))
    text = squash(status_of(doc).text(hidden=False))
    assert text.startswith("Inspected, reported 19 January 2005 in report 8")
    assert "/doc/committee-paper/2005-01-19-report-8" in [a.attrs.get("href") for a in status_of(doc).iter("a")]
    unit = main(page(client, "/doc/bocu/harrow"))
    assert squash(status_of(unit).text(hidden=False)) == "Inspected, reported 19 January 2005"


@pytest.fixture(scope="module")
def later_client(tmp_path_factory):
    """The pages over a copy of the project with the FICTITIOUS paper of 20 April 2005 and
    the invented Enfield record it reports added (tests/fixtures/steward/)."""
    from server.config import PROJECT_ROOT
    from server.curation.add import add_record
    steward = PROJECT_ROOT / "tests" / "fixtures" / "steward"
    root = tmp_path_factory.mktemp("later")
    for name in ("ontology", "curation", "data", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    later = Settings(root=root, data_dir=root / "data")
    add_record(later, steward / "paper-2005-04-20.yaml", [steward / "test-fictitious-paper-2005-04-20.txt"])
    add_record(later, steward / "enfield.yaml")
    app = make_app(build_service(later))
    yield app.test_client()
    close(app)


def test_a_later_status_report_is_listed_after_the_earlier_one(later_client):
    enfield = "https://w3id.org/going-local/id/inspection/2004-05/enfield"
    doc = page(later_client, "/doc/inspection/2004-05/enfield")
    history = status_of(main(doc)).find("ol", class_="status-history")
    items = [li for li in history.children if isinstance(li, Node)]
    lines = [squash(li.text(hidden=False)) for li in items]
    assert lines[0].startswith("Arranged for January 2005, reported 19 January 2005 in report 8")
    assert lines[1].startswith("Inspected, reported 20 April 2005 in report 93")
    assert lines[1].endswith("(the latest)") and len(lines) == 2
    hrefs = [[a.attrs.get("href") for a in li.iter("a")] for li in items]
    assert hrefs[0] == ["/doc/committee-paper/2005-01-19-report-8", "/source#char-5996-6019"]
    # The later paper's passage is in its own text, which /source does not show: its own page.
    assert hrefs[1][0] == "/doc/committee-paper/test-2005-04-20-report-93"
    assert hrefs[1][1].startswith("/doc/source-text/test-fictitious-paper-2005-04-20/passage/")
    assert get(later_client, hrefs[1][1]).status_code == 200
    assert {enfield + "/status/2005-01-19", enfield + "/status/2005-04-20"} <= ids_in(jsonld_of(doc))
    unit = page(later_client, "/doc/bocu/enfield")
    assert squash(status_of(main(unit)).text(hidden=False)) == "Inspected, reported 20 April 2005"
    assert enfield + "/status/2005-04-20" in ids_in(jsonld_of(unit))


def test_recommendation_quotes_its_passage_and_links_to_the_source(client):
    doc = main(page(client, "/doc/inspection/2003-04/harrow/recommendation/1"))
    quote = doc.find("blockquote", cite="/source#char-7051-7219")
    assert quote is not None
    assert squash(quote.text()) == ("That the BOCU engages with partners to ensure that there is clarity "
                                    "regarding the delivery of and accountability for long-term and "
                                    "sustainable crime and disorder plans.")
    hrefs = [a.attrs.get("href") for a in doc.iter("a")]
    assert "/source#char-7051-7219" in hrefs
    assert "/def/theme/partnerships" in hrefs
    assert "Safer Harrow Management Group" in doc.text()
    assert "/doc/inspection/2003-04/harrow/recommendation/2" in hrefs  # next


def test_recommendation_shows_the_erratum_of_its_action(client):
    doc = main(page(client, "/doc/inspection/2003-04/newham/recommendation/2"))
    assert "“complaint” is evidently a misprint for “compliant”" in doc.text()


# --- Themes ------------------------------------------------------------------------------------

def test_theme_page_lists_recommendations_and_only_its_own_findings(client):
    doc = main(page(client, "/def/theme/demand-management"))
    rows = table_rows(doc.find("table", class_="recommendations-table"), "tbody")
    assert [r[0] for r in rows] == ["Harrow BOCU", "Hillingdon BOCU", "Newham BOCU", "Westminster BOCU"]
    findings = squash(doc.find("section", **{"aria-labelledby": "findings"}).text())
    assert "Four out of the six BOCUs inspected" in findings
    assert "MPS Demand Resolution Strategy" in findings
    assert "In April 2001" not in findings  # another heading's finding
    assert "4 of 6 BOCUs; the recommendations give 4 of 6, which agrees" in findings


def test_theme_page_filtered_by_unit(client):
    doc = main(page(client, "/def/theme/demand-management?bocu=harrow"))
    rows = table_rows(doc.find("table", class_="recommendations-table"), "tbody")
    assert len(rows) == 1 and rows[0][0] == "Harrow BOCU"
    assert "1 of 4" in doc.find("p", class_="filter-note").text()
    get(client, "/def/theme/demand-management?bocu=Harrow%20BOCU", status=400)
    get(client, "/def/theme/demand-management?bocu=atlantis", status=404)


# --- The programme, the paper, the source --------------------------------------------------------

def test_programme_year_timetable(client):
    doc = main(page(client, "/doc/programme-year/2004-05"))
    arranged = squash(doc.find("section", **{"aria-labelledby": "arranged-heading"}).text())
    assert "Enfield BOCU: January 2005" in arranged and "Islington BOCU: February 2005" in arranged
    inspected = table_rows(doc.find("section", **{"aria-labelledby": "inspected-heading"}).find("table"), "tbody")
    assert {r[0] for r in inspected} == {"Barking and Dagenham BOCU", "Barnet BOCU", "Bromley BOCU",
                                         "Hackney BOCU", "Richmond upon Thames BOCU"}
    planned = main(page(client, "/doc/programme-year/2005-06")).find("section", **{"aria-labelledby": "planned-heading"})
    assert len(list(planned.iter("li"))) == 8
    year = main(page(client, "/doc/programme-year/2003-04"))
    assert "12–16 May 2003" in year.text()


def test_committee_paper_page(client):
    doc = main(page(client, "/doc/committee-paper/2005-01-19-report-8"))
    headings = [squash(h.text()) for h in doc.iter("h2")]
    for heading in ("Recommendations to members", "Summary", "Corporate issues",
                    "Timetable for future reports", "Appendix 1: the inspections", "Contact points"):
        assert heading in headings
    corporate = doc.find("section", **{"aria-labelledby": "section-corporate-issues"})
    subheadings = [squash(h.text()) for h in corporate.iter("h3")]
    assert subheadings == ["Performance management", "Demand management",
                           "National Crime Reporting Standards (NCRS)", "Partnerships", "Leadership"]
    assert doc.find("div", id="finding-8") is not None
    text = squash(doc.text())
    assert "members approve the amended timetable for future submission of papers." in text
    assert "020 7202 0202" in text and "Melanie Homer" in text


def strip_annotations(node: Node) -> str:
    """The text of the source page's text block without the links and notes added to it."""
    parts = []
    for child in node.children:
        if isinstance(child, Node):
            if child.classes() & {"cited-by", "erratum-note"}:
                continue
            parts.append(strip_annotations(child))
        else:
            parts.append(child)
    return "".join(parts)


def test_source_page_is_the_text_with_every_passage_marked(client, service):
    doc = main(page(client, "/source"))
    block = doc.find("div", class_="source-text")
    original = service.settings.source_text.read_text(encoding="utf-8")
    assert strip_annotations(block) == original
    marks = list(block.iter("mark"))
    assert all(not list(m.iter("mark")) for m in marks)  # segments, never nested
    ids = [n.attrs["id"] for n in block.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    for anchor in ("char-7051-7219", "char-22971-23260", "char-23033-23062", "char-269-373", "char-324-372"):
        assert anchor in ids
    # Every segment says which passages cover it; a nested one lists both.
    inner = block.find("mark", id="char-23033-23062")
    assert inner.attrs["data-passages"].split() == ["char-22971-23260", "char-23033-23062"]


def test_source_page_marks_the_hillingdon_erratum(client):
    block = main(page(client, "/source")).find("div", class_="source-text")
    mark = block.find("mark", id="char-23033-23062")
    assert "erratum" in mark.classes() and mark.text() == "the inspection of Harrow BOCU"
    siblings = mark.parent.children
    after = siblings[siblings.index(mark) + 1]
    assert "erratum-note" in after.classes()
    assert "the inspection of Hillingdon BOCU" in after.text()
    plain = [m for m in block.iter("mark") if "erratum" not in m.classes()]
    assert plain and len(list(block.find_all("mark", class_="erratum"))) >= 8


def test_source_page_json_ld_has_the_passages_offsets(client):
    data = jsonld_of(page(client, "/source"))
    selectors = [node for node in data["@graph"] if node.get("oa:start") is not None]
    assert len(selectors) == 164
    assert {"@id": "https://w3id.org/going-local/id/source-text/mpa-pprc-2005-01-19-report-8/passage/7051-7219/position",
            "@type": "oa:TextPositionSelector",
            "oa:start": {"@type": "xsd:nonNegativeInteger", "@value": "7051"},
            "oa:end": {"@type": "xsd:nonNegativeInteger", "@value": "7219"}} in selectors


def test_source_page_links_passages_to_what_was_made_of_them(client):
    block = main(page(client, "/source")).find("div", class_="source-text")
    cited = block.find("span", **{"data-passage": "char-7051-7219"})
    hrefs = [a.attrs["href"] for a in cited.iter("a")]
    assert "/doc/inspection/2003-04/harrow/recommendation/1" in hrefs
    assert "/doc/inspection/2003-04/harrow/recommendation/1/theme/partnerships" in hrefs


# --- Definitions and anything else ---------------------------------------------------------------

def test_definition_pages(client):
    ontology = squash(main(page(client, "/def/inspection")).text())
    assert "Going Local inspection ontology" in ontology and "recommendation of" in ontology
    cls = main(page(client, "/def/inspection/Recommendation"))
    text = squash(cls.text(hidden=False))
    assert "19 resources are stated to be of this class" in text
    assert "prov:Entity" in text
    prop = main(page(client, "/def/inspection/recommendationOf"))
    relations = facts(prop.find("section", **{"aria-labelledby": "relations-heading"}).find("dl"))
    assert relations["Domain"] == "recommendation insp:Recommendation"
    assert relations["Range"] == "inspection insp:Inspection"
    assert relations["Subproperty of"] == "dcterms:isPartOf"
    assert "19 statements in the dataset use this property" in squash(prop.text())
    scheme = main(page(client, "/def/theme"))
    assert len(table_rows(scheme.find("table", class_="terms"), "tbody")) == 10
    concept = squash(main(page(client, "/def/revisit-status/scheduled")).text())
    assert "Wandsworth BOCU 2003-04 revisit 1" in concept
    get(client, "/def/inspection/NoSuchTerm", status=404)


def test_generic_page_lists_properties(client):
    doc = main(page(client, "/doc/organisation/hmic"))
    assert squash(doc.find("h1").text()) == "Her Majesty’s Inspectorate of Constabulary"
    assert "HMIC" in doc.find("table", class_="properties").text()


# --- Every page: JSON-LD, alternates, accessibility ------------------------------------------------

PAGES = [
    ("/", "https://w3id.org/going-local/id/programme-year/2003-04"),
    ("/doc/bocu/harrow", "https://w3id.org/going-local/id/bocu/harrow"),
    ("/doc/bocu/camden", "https://w3id.org/going-local/id/bocu/camden"),
    ("/doc/inspection/2003-04/harrow", "https://w3id.org/going-local/id/inspection/2003-04/harrow"),
    ("/doc/inspection/2003-04/harrow/recommendation/1",
     "https://w3id.org/going-local/id/inspection/2003-04/harrow/recommendation/1"),
    ("/doc/programme-year/2005-06", "https://w3id.org/going-local/id/programme-year/2005-06"),
    ("/doc/committee-paper/2005-01-19-report-8",
     "https://w3id.org/going-local/id/committee-paper/2005-01-19-report-8"),
    ("/source", "https://w3id.org/going-local/id/source-text/mpa-pprc-2005-01-19-report-8"),
    ("/def/theme/demand-management", "https://w3id.org/going-local/def/theme/demand-management"),
    ("/def/theme", "https://w3id.org/going-local/def/theme"),
    ("/def/inspection", "https://w3id.org/going-local/def/inspection"),
    ("/def/inspection/Recommendation", "https://w3id.org/going-local/def/inspection/Recommendation"),
    ("/def/outcome-status/accepted-and-acted-upon",
     "https://w3id.org/going-local/def/outcome-status/accepted-and-acted-upon"),
    ("/doc/organisation/hmic", "https://w3id.org/going-local/id/organisation/hmic"),
]


def jsonld_of(doc: Node) -> dict:
    scripts = [s for s in doc.iter("script") if s.attrs.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    return json.loads(scripts[0].text())


def ids_in(data, context=None) -> set[str]:
    """Every @id in a JSON-LD document, compact IRIs expanded with its context."""
    context = context or (data.get("@context", {}) if isinstance(data, dict) else {})
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "@id" and isinstance(value, str):
                prefix, _, rest = value.partition(":")
                found.add(context[prefix] + rest if prefix in context and isinstance(context[prefix], str)
                          and not rest.startswith("//") else value)
            elif key != "@context":
                found |= ids_in(value, context)
    elif isinstance(data, list):
        for item in data:
            found |= ids_in(item, context)
    return found


@pytest.mark.parametrize("path, resource", PAGES)
def test_page_embeds_its_data_and_links_its_alternates(client, path, resource):
    doc = page(client, path)
    assert resource in ids_in(jsonld_of(doc))
    document = "/" + resource.split("/going-local/", 1)[1]
    document = document.replace("/id/", "/doc/", 1) if document.startswith("/id/") else document
    alternates = {link.attrs["type"]: link.attrs["href"] for link in doc.iter("link")
                  if link.attrs.get("rel") == "alternate"}
    assert alternates["text/turtle"] == f"{document}.ttl"
    assert alternates["application/ld+json"] == f"{document}.jsonld"
    assert alternates["application/n-triples"] == f"{document}.nt"


@pytest.mark.parametrize("path", [p for p, _ in PAGES] + ["/query", "/doc/bocu/no-such-borough"])
def test_page_structure_is_accessible(client, path):
    response = client.get(path, headers=HTML)
    doc = parse(response.data)
    assert doc.find("html").attrs.get("lang", "").startswith("en")
    assert doc.find("main") is not None and doc.find("nav") is not None
    assert doc.find("header") is not None and doc.find("footer") is not None
    levels = [int(n.tag[1]) for n in doc.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels  # no level skipped
    for th in doc.iter("th"):
        assert th.attrs.get("scope") in ("col", "row"), squash(th.text())
    for a in doc.iter("a"):
        assert squash(a.text()), a.attrs  # every link has text
    assert doc.find("link", rel="stylesheet").attrs["href"] == "/static/site.css"


def test_stylesheet_has_print_rules(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    print_rules = css[css.index("@media print"):]
    assert "nav" in print_rules and "attr(href)" in print_rules
    assert "@import" not in css and "url(http" not in css  # nothing from elsewhere


# --- Escaping ------------------------------------------------------------------------------------

NASTY = "<script>alert('pwned')</script> & </script><!-- \"quoted\""


@pytest.fixture(scope="module")
def nasty_client(settings):
    base = build_service(settings)
    graph = Graph()
    graph += base.dataset.graph
    harrow = URIRef("https://w3id.org/going-local/id/bocu/harrow")
    recommendation = URIRef("https://w3id.org/going-local/id/inspection/2003-04/harrow/recommendation/1")
    insp_text = URIRef("https://w3id.org/going-local/def/inspection/text")
    graph.set((recommendation, insp_text, Literal(NASTY, lang="en")))
    graph.set((harrow, RDFS.label, Literal(f"Harrow {NASTY}", lang="en")))
    app = make_app(build_service(settings, graph))
    yield app.test_client()
    close(app)


@pytest.mark.parametrize("path", ["/doc/bocu/harrow", "/doc/inspection/2003-04/harrow/recommendation/1",
                                  "/", "/def/theme/partnerships", "/query?query=" + "SELECT%20%3Fx%20WHERE%20%7B%7D%20%23%3C%2Ftextarea%3E%3Cscript%3E"])
def test_markup_in_literals_is_escaped(nasty_client, path):
    body = get(nasty_client, path).get_data(as_text=True)
    assert "<script>alert" not in body
    assert "</textarea><script>" not in body
    doc = parse(body)
    scripts = list(doc.iter("script"))
    assert all(s.attrs.get("type") == "application/ld+json" for s in scripts)
    if "query" not in path:
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; &lt;/script&gt;" in body
        data = jsonld_of(doc)  # the JSON-LD still parses, and holds the literal as it is
        assert NASTY in json.dumps(data, ensure_ascii=False).replace('\\"', '"')


# --- The query page ------------------------------------------------------------------------------

def test_query_page_offers_every_named_query(client, settings):
    from server.queries import named_queries
    doc = main(page(client, "/query"))
    form = doc.find("form")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/query"
    assert form.find("textarea").attrs["name"] == "query"
    catalogue = named_queries(settings.queries_dir)
    links = {parse_qs(urlsplit(a.attrs["href"]).query).get("name", [None])[0]
             for a in doc.find_all("a") if a.attrs.get("href", "").startswith("/query?name=")}
    assert links == set(catalogue)
    for name, query in catalogue.items():
        filled = main(page(client, f"/query?name={name}"))
        assert filled.find("textarea").text().strip() == query.text.strip()
        for param in query.params:
            field = filled.find("input", name=f"param.{param.name}")
            assert field is not None and field.attrs.get("value", "") == (param.default or "")


def test_query_page_runs_a_query_and_links_iris(client):
    text = ("PREFIX insp: <https://w3id.org/going-local/def/inspection/>\n"
            "SELECT ?bocu ?n WHERE { ?bocu a insp:BoroughOperationalCommandUnit ; "
            "<http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n LIMIT 3")
    response = client.get("/query", query_string={"query": text}, headers=HTML)
    assert response.status_code == 200
    doc = main(parse(response.data))
    table = doc.find("table", class_="results")
    assert table_rows(table, "thead")[0] == ["?bocu", "?n"]
    hrefs = [a.attrs["href"] for a in table.iter("a")]
    assert hrefs == ["/id/bocu/barking-and-dagenham", "/id/bocu/barnet", "/id/bocu/bexley"]
    assert "Barking and Dagenham BOCU" in table.text()
    downloads = {parse_qs(urlsplit(a.attrs["href"]).query)["format"][0]: a.attrs["href"]
                 for a in doc.find("p", class_="downloads").iter("a")}
    assert set(downloads) == {"json", "xml", "csv", "tsv"}
    assert all(h.startswith("/sparql?") for h in downloads.values())
    assert parse_qs(urlsplit(downloads["csv"]).query)["query"][0] == text


def test_query_page_shows_a_syntax_error_with_400(client):
    response = client.get("/query", query_string={"query": "SELECT ?x WHERE { ?x ?y"}, headers=HTML)
    assert response.status_code == 400
    doc = main(parse(response.data))
    assert "syntax" in doc.find("div", class_="error-summary").text().lower()
    assert doc.find("textarea").text() == "SELECT ?x WHERE { ?x ?y"


def test_query_page_refuses_what_the_endpoint_refuses(client):
    """The page runs queries through the endpoint's worker path: no SERVICE, no updates."""
    for text in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                 "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"):
        response = client.get("/query", query_string={"query": text}, headers=HTML)
        assert response.status_code == 400, text
        assert main(parse(response.data)).find("div", class_="error-summary") is not None


def test_query_page_is_what_the_endpoint_shows_browsers(app):
    with app.test_request_context("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=HTML):
        response = app.make_response(app.view_functions["pages.query_page"]())
    assert response.status_code == 200
    assert "The answer is <strong>yes</strong>" in response.get_data(as_text=True)


# --- Another base --------------------------------------------------------------------------------

def test_pages_follow_the_configured_base(settings):
    moved = Settings(root=settings.root, base="http://example.org/gl", data_dir=settings.data_dir)
    app = make_app(build_service(moved))
    try:
        client = app.test_client()
        doc = page(client, "/")
        units = table_rows(main(doc).find("table", class_="matrix"), "tfoot")[0]
        assert "4 of 6" in units and "6 of 6" in units
        harrow = page(client, "/doc/bocu/harrow")
        assert "http://example.org/gl/id/bocu/harrow" in ids_in(jsonld_of(harrow))
        assert len(list(main(harrow).find("ol", class_="recommendations").iter("li"))) >= 4
    finally:
        close(app)
