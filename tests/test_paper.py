"""The committee paper generated from the graph: `going-local paper` and /paper/<year>.

The proof: Appendix 1 of the 2003-04 paper as of the paper's own date (19 January 2005),
rendered as Markdown and as HTML and read back as text, is line for line the source's
Appendix 1 (data/sources/mpa-pprc-2005-01-19-report-8.txt, from "Appendix 1:" to "Send an
e-mail linking to this page") once whitespace and list markers are normalised: every date
line, recommendation, action, action point, good-practice item and conclusion, in the
source's order. The common themes carry the source's headings and paragraphs, and counts
computed from the recommendations: all six units had one on performance management (the
paper says all six), four of six on demand management (the paper says four).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from helpers_cli import ROOT, one_line, run_cli
from server.app import Service, create_app
from server.config import Settings
from server.loading import load_data, load_model, merge
from server.paper import (BadDate, ThemeCount, UnknownYear, gather_paper, number_words,
                          parse_as_of, theme_phrase, year_span)
from server.paper_render import markdown_escape, render_html, render_markdown
from server.store import OxigraphStore
from server.uris import Vocabulary

BASE = "https://w3id.org/going-local"
INSP = f"{BASE}/def/inspection/"
THEME = f"{BASE}/def/theme/"
SOURCE = ROOT / "data" / "sources" / "mpa-pprc-2005-01-19-report-8.txt"
PAPER_DATE = dt.date(2005, 1, 19)


# --- Reading text back ------------------------------------------------------------------

LIST_MARKER = re.compile(r"^(?:[•*+-]|\d+[.)])\s+")
MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|#+=.)-])")


def normalise(lines) -> list[str]:
    """Lines without indentation, list markers, heading and quotation marks or runs of
    white space; empty lines dropped."""
    out = []
    for line in lines:
        line = " ".join(line.split())
        line = re.sub(r"^(?:#+|>)\s+", "", line)  # a Markdown heading or quotation
        line = LIST_MARKER.sub("", line)
        if line:
            out.append(line)
    return out


def source_appendix() -> list[str]:
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index("Appendix 1:")
    end = text.index("Send an e-mail linking to this page")
    return normalise(text[start:end].splitlines())


def source_common_themes() -> list[str]:
    """The source's common-themes section: from its heading to paragraph 4, which is no
    longer about a theme."""
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index("Corporate issues")
    end = text.index("4. It has been noted")
    return normalise(text[start:end].splitlines())


def markdown_lines(lines: list[str]) -> list[str]:
    return normalise(MARKDOWN_ESCAPE.sub(r"\1", line) for line in lines)


def markdown_section(markdown: str, heading: str, until: str | None = None) -> list[str]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    stop = next((i for i, line in enumerate(lines) if until and i > start
                 and line.startswith(until)), len(lines))
    return markdown_lines(lines[start:stop])


class BlockText(HTMLParser):
    """The text inside the element with id `within`, one line per block element."""

    BLOCKS = {"p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "div",
              "aside", "header", "article", "br", "dt", "dd", "table", "tr"}
    VOID = {"br", "img", "input", "link", "meta", "hr"}

    def __init__(self, within: str):
        super().__init__(convert_charrefs=True)
        self.within, self.depth, self.lines, self.current = within, 0, [], []

    def _break(self):
        if self.current:
            self.lines.append("".join(self.current))
            self.current = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0 and dict(attrs).get("id") == self.within:
            self.depth = 1
            return
        if self.depth:
            if tag not in self.VOID:
                self.depth += 1
            if tag in self.BLOCKS:
                self._break()

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            if tag in self.BLOCKS:
                self._break()
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)

    def text_lines(self) -> list[str]:
        self._break()
        return self.lines


def html_section(html: str, element_id: str) -> list[str]:
    parser = BlockText(element_id)
    parser.feed(html)
    lines = parser.text_lines()
    assert lines, f"no element with id {element_id!r} in the page"
    return normalise(lines)


def same_lines(generated: list[str], expected: list[str]) -> None:
    """Fail with a readable diff where the generated lines differ from the source's."""
    if generated != expected:
        diff = "\n".join(difflib.unified_diff(expected, generated, "source", "generated",
                                              lineterm="", n=1))
        pytest.fail(f"the generated text differs from the source:\n{diff}")


# --- Fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dataset():
    settings = Settings()
    data = load_data([settings.data_dir], base=settings.base)
    model = load_model(base=settings.base, ontology_dir=settings.ontology_dir)
    return merge(data, model)


@pytest.fixture(scope="module")
def store(dataset):
    return OxigraphStore(dataset.graph)


@pytest.fixture(scope="module")
def paper(store):
    return gather_paper(store, BASE, "2003-04", PAPER_DATE)


@pytest.fixture(scope="module")
def markdown(paper):
    return render_markdown(paper)


@pytest.fixture(scope="module")
def html(paper):
    return render_html(paper)


def changed_store(dataset, remove=(), add=()) -> OxigraphStore:
    """A store on a copy of the dataset with some triples taken out and others put in."""
    graph = Graph()
    graph += dataset.graph
    for triple in remove:
        assert triple in graph, f"not in the data: {triple}"
        graph.remove(triple)
    for triple in add:
        graph.add(triple)
    return OxigraphStore(graph)


# --- The source itself: the comparison has something to compare ------------------------

def test_the_source_appendix_has_every_kind_of_item():
    lines = source_appendix()
    assert lines[0] == "Appendix 1: HMIC Going Local Inspections in the MPS 2003 - 2004"
    assert sum(line.startswith("That ") for line in lines) == 19  # recommendations
    assert sum(line.startswith("Conclusion: ") for line in lines) == 6
    assert sum(line.startswith("Date of inspection: ") for line in lines) == 6
    assert "the introduction of a NIM compliant product into the Borough Co-ordination " \
           "and Tasking Group (BCTG);" in lines  # an action point
    assert len(lines) > 100


# --- Appendix 1 as of the paper's date is the source's ----------------------------------

def test_markdown_appendix_is_the_source_appendix(markdown):
    same_lines(markdown_section(markdown, "## Appendix 1:"), source_appendix())


def test_html_appendix_is_the_source_appendix(html):
    same_lines(html_section(html, "appendix-1"), source_appendix())


def test_units_come_in_inspection_order_under_the_sources_names(paper):
    assert [unit.heading for unit in paper.sections] == [
        "Harrow BOCU", "Newham BOCU", "Kensington & Chelsea BOCU", "Wandsworth BOCU",
        "Hillingdon BOCU", "City of Westminster BOCU"]


def test_the_items_are_the_graphs_not_the_templates(dataset, store):
    """Swap the printed positions of two pieces of Harrow's good practice, and drop one
    action point, in the graph: the generated appendix follows, and no longer matches."""
    harrow = f"{BASE}/id/inspection/2003-04/harrow/good-practice/"
    point = URIRef(f"{BASE}/id/inspection/2003-04/kensington-and-chelsea/recommendation/2/"
                   "action/1/point/3")
    position = URIRef(INSP + "position")
    one, two = URIRef(harrow + "1"), URIRef(harrow + "2")
    p1 = Literal("1", datatype=XSD.positiveInteger)
    p2 = Literal("2", datatype=XSD.positiveInteger)
    changed = changed_store(
        dataset,
        remove=[(one, position, p1), (two, position, p2),
                (point, URIRef(INSP + "pointOf"), URIRef(str(point).rsplit("/point/", 1)[0]))],
        add=[(one, position, p2), (two, position, p1)])
    generated = markdown_section(render_markdown(gather_paper(changed, BASE, "2003-04", PAPER_DATE)),
                                 "## Appendix 1:")
    expected = source_appendix()
    assert generated != expected
    sanctuary = next(i for i, line in enumerate(generated) if line.startswith("The ‘Sanctuary"))
    tri_signs = next(i for i, line in enumerate(generated) if line.startswith("The deployment of tri-signs"))
    assert tri_signs < sanctuary
    assert not any("NIM compliant product" in line for line in generated)


def test_good_practice_intros_say_what_the_source_says(paper):
    by_unit = {unit.slug: unit.good_practice for unit in paper.sections}
    assert not by_unit["harrow"].potential and by_unit["harrow"].stated_total is None
    assert by_unit["hillingdon"].potential and by_unit["hillingdon"].stated_total is None
    assert by_unit["westminster"].potential and by_unit["westminster"].stated_total == 18
    assert by_unit["westminster"].stated_total_words == "eighteen"
    assert by_unit["newham"].items == []


# --- Common themes ----------------------------------------------------------------------

def test_common_themes_carry_the_sources_headings_and_paragraphs(markdown, html):
    counted = "Counted from the recommendations:"
    generated = [line for line in markdown_section(markdown, "## Corporate issues", "## Appendix 1")
                 if not line.startswith(counted)]
    expected = [re.sub(r"^3\. ", "", line) for line in source_common_themes()]
    same_lines(generated, normalise(expected))
    generated_html = [line for line in html_section(html, "common-themes")
                      if not line.startswith(counted)]
    same_lines(generated_html, normalise(expected))


def test_theme_counts_are_computed_and_checked_against_the_papers(paper, markdown, html):
    themes = {theme.slug: theme for theme in paper.themes}
    assert list(themes) == ["performance-management", "demand-management",
                            "crime-recording-standards", "partnerships", "leadership"]
    assert themes["performance-management"].count == ThemeCount(6, 6, 6, 6)
    assert themes["demand-management"].count == ThemeCount(4, 6, 4, 6)
    assert themes["partnerships"].count == ThemeCount(1, 6)  # Harrow's first
    assert themes["leadership"].count == ThemeCount(0, 6)
    assert themes["performance-management"].count.agrees is True
    assert themes["leadership"].count.agrees is None
    for text in (markdown, " ".join(html_section(html, "common-themes"))):
        text = " ".join(text.split())
        assert "Six out of the six BOCUs inspected had a recommendation linked to " \
               "performance management. The paper states six out of six: the counts agree." in text
        assert "Four out of the six BOCUs inspected had a recommendation linked to " \
               "demand management. The paper states four out of six: the counts agree." in text
        assert "None of the six BOCUs inspected had a recommendation linked to leadership." in text
        assert "the counts differ" not in text


def test_a_count_follows_the_recommendations_and_a_disagreement_shows(dataset):
    """Westminster's second recommendation without its demand-management theme: three
    units, not the four the paper states."""
    recommendation = URIRef(f"{BASE}/id/inspection/2003-04/westminster/recommendation/2")
    changed = changed_store(dataset, remove=[
        (recommendation, URIRef(INSP + "theme"), URIRef(THEME + "demand-management"))])
    paper = gather_paper(changed, BASE, "2003-04", PAPER_DATE)
    demand = next(theme for theme in paper.themes if theme.slug == "demand-management")
    assert demand.count == ThemeCount(3, 6, 4, 6)
    assert demand.count.agrees is False
    text = " ".join(render_markdown(paper).split())
    assert "Three out of the six BOCUs inspected had a recommendation linked to demand " \
           "management. The paper states four out of six: the counts differ." in text


def test_number_words_and_phrases():
    assert [number_words(n) for n in (0, 1, 6, 18, 20, 21)] == \
        ["none", "one", "six", "eighteen", "twenty", "21"]
    assert theme_phrase("Demand management") == "demand management"
    assert theme_phrase("Crime recording standards (NCRS)") == "crime recording standards (NCRS)"
    assert theme_phrase("National Intelligence Model (NIM)") == "National Intelligence Model (NIM)"
    assert year_span("2003-04") == "2003 - 2004"
    assert year_span("1999-00") == "1999 - 2000"


def test_markdown_escaping_keeps_text_as_text():
    assert markdown_escape("1. not a list") == "1\\. not a list"
    assert markdown_escape("# not a heading") == "\\# not a heading"
    assert markdown_escape("a *b* [c](d) <e>") == "a \\*b\\* \\[c\\](d) \\<e\\>"
    assert markdown_escape("senior/middle, 91% & ‘quoted’") == "senior/middle, 91% & ‘quoted’"


# --- As of a date -----------------------------------------------------------------------

def test_as_of_before_the_paper_nothing_it_reported_is_shown(store):
    paper = gather_paper(store, BASE, "2003-04", dt.date(2004, 12, 31))
    assert all(not rec.updates for unit in paper.sections for rec in unit.recommendations)
    assert all(unit.conclusion is None for unit in paper.sections)
    assert paper.themes == [] and paper.themes_heading is None
    text = " ".join(render_markdown(paper).split())
    assert text.count("No progress reported as of 31 December 2004.") == 19
    assert text.count("No conclusion reported as of 31 December 2004.") == 6
    assert "Conclusion:" not in text
    assert "No common themes reported as of 31 December 2004." in text
    # Revisit lines: reports published by then are shown, the paper's own statements not.
    assert "Revisit report published: 23 August 2004" in text
    assert "Revisit report: 3 December 2004" in text
    assert "Revisit report: Awaited" in text  # held on 22 November 2004
    assert "To take place on 7 December 2004" not in text
    assert "Due in March 2005" not in text
    assert text.count("No revisit reported as of 31 December 2004.") == 2
    # What the inspections themselves made is there whatever the date.
    assert text.count("The inspection team made the following recommendations:") == 6
    html_text = " ".join(" ".join(html_section(render_html(paper), "appendix-1")).split())
    assert html_text.count("No progress reported as of 31 December 2004.") == 19


def test_as_of_follows_each_revisits_own_date(store):
    paper = gather_paper(store, BASE, "2003-04", dt.date(2004, 9, 1))
    revisits = {unit.slug: unit.revisit_lines for unit in paper.sections}
    assert revisits["harrow"] == ["Revisit report published: 23 August 2004"]
    assert revisits["newham"] == [] and revisits["hillingdon"] == []
    assert revisits["kensington-and-chelsea"] == []


def test_as_of_is_inclusive_of_its_day(store, paper):
    before = gather_paper(store, BASE, "2003-04", dt.date(2005, 1, 18))
    assert sum(len(rec.updates) for unit in before.sections for rec in unit.recommendations) == 0
    on = paper  # as of 2005-01-19
    assert sum(len(rec.updates) for unit in on.sections for rec in unit.recommendations) == 21
    assert sum(unit.conclusion is not None for unit in on.sections) == 6
    assert sum(len(theme.paragraphs) for theme in on.themes) == 9


def test_dates_and_years_are_checked(store):
    assert parse_as_of("2005-01-19") == PAPER_DATE
    for bad in ("2005-02-30", "19/01/2005", "2005-1-19", "", "today"):
        with pytest.raises(BadDate):
            parse_as_of(bad)
    with pytest.raises(UnknownYear, match="2003-04"):  # the message names the known years
        gather_paper(store, BASE, "1999-00", PAPER_DATE)


# --- The command ------------------------------------------------------------------------

def test_command_writes_the_markdown_to_stdout(markdown):
    done = run_cli("paper", "--year", "2003-04", "--as-of", "2005-01-19", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout == markdown
    assert done.stderr == ""


def test_command_writes_html_to_a_file_atomically(tmp_path, html):
    out = tmp_path / "paper.html"
    out.write_text("an older paper", encoding="utf-8")
    done = run_cli("paper", "--year", "2003-04", "--as-of", "2005-01-19", "--format", "html",
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = out.read_text(encoding="utf-8")
    assert written == html
    assert "@media print" in written and "size: A4" in written  # its stylesheet goes with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.html"]  # no temporary left


def test_command_defaults_to_today(markdown):
    done = run_cli("paper", "--year", "2003-04", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    today = dt.date.today()
    assert f"As of {today.day} {today:%B} {today.year}:" in done.stdout
    assert markdown_section(done.stdout, "## Appendix 1:") == source_appendix()


@pytest.mark.parametrize("args, expected", [
    (["--year", "1999-00", "--format", "html"], "1999-00"),
    (["--year", "2003", "--format", "markdown"], "2003"),
    (["--year", "2003-04", "--as-of", "2005-02-30", "--format", "html"], "2005-02-30"),
    (["--year", "2003-04", "--as-of", "19 January 2005", "--format", "html"], "19 January 2005"),
    (["--year", "2003-04", "--format", "pdf"], "pdf"),
    (["--format", "html"], "--year"),
])
def test_command_refuses_bad_input_in_one_line(args, expected):
    done = run_cli("paper", *args)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert expected in one_line(done.stderr)
    assert done.stdout == ""


def test_command_refuses_a_folder_that_does_not_exist(tmp_path):
    out = tmp_path / "missing" / "paper.md"
    done = run_cli("paper", "--year", "2003-04", "--format", "markdown", "--out", str(out))
    assert done.returncode == 2
    assert "missing" in one_line(done.stderr)
    assert not out.parent.exists()


# --- The page ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(dataset, store):
    settings = Settings()
    service = Service(settings, Vocabulary(settings.base), dataset, store)
    return create_app(settings, service).test_client()


def test_page_is_the_paper_with_its_print_stylesheet(client):
    response = client.get("/paper/2003-04?as-of=2005-01-19")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    link = re.search(r'<link rel="stylesheet" href="([^"]*paper[^"]*\.css)"', page)
    assert link, "the paper's stylesheet is not linked"
    same_lines(html_section(page, "appendix-1"), source_appendix())
    assert page.count('class="unit"') == 6

    css = client.get(link.group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    stylesheet = css.get_data(as_text=True)
    assert "@media print" in stylesheet
    assert re.search(r"@page\s*{[^}]*size:\s*A4", stylesheet)
    assert re.search(r"\.unit\s*{[^}]*break-before:\s*page", stylesheet)


def test_page_as_of_a_date(client):
    page = client.get("/paper/2003-04?as-of=2004-12-31").get_data(as_text=True)
    text = " ".join(" ".join(html_section(page, "appendix-1")).split())
    assert text.count("No progress reported as of 31 December 2004.") == 19
    assert "Conclusion:" not in text


def test_page_defaults_to_today(client):
    page = client.get("/paper/2003-04").get_data(as_text=True)
    assert f'datetime="{dt.date.today().isoformat()}"' in page
    assert "Conclusion: HMIC is satisfied" in " ".join(html_section(page, "appendix-1"))


@pytest.mark.parametrize("url, status", [
    ("/paper/2003-04?as-of=2005-13-01", 400),
    ("/paper/2003-04?as-of=yesterday", 400),
    ("/paper/1999-00", 404),
    ("/paper/2003", 404),
])
def test_page_refuses_bad_dates_and_unknown_years(client, url, status):
    response = client.get(url, headers={"Accept": "text/plain"})
    assert response.status_code == status
    assert "\n" not in response.get_data(as_text=True).strip()
