"""The list pages and search (the "explore" blueprint), through Flask's test client.

Counts are the committee paper's own (data/sources/mpa-pprc-2005-01-19-report-8.txt):
six BOCUs inspected in 2003-04 with 4, 5, 2, 2, 4 and 2 recommendations (19), four of
them with a recommendation on demand management (Harrow 4, Newham 4, Hillingdon 3,
Westminster 2), 21 progress updates, 19 pieces of good practice (Harrow 4, Kensington &
Chelsea 5, Wandsworth 3, Hillingdon 2, Westminster 5 of its eighteen), and the timetable's
seven BOCUs of 2004-05 (two arranged, for January and February 2005) and eight of 2005-06.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from server.app import Service, create_app
from server.config import Settings
from server.listing import MAX_PER_PAGE, with_rows
from server.loading import load_data, load_model, merge
from server.search import SearchIndex, SearchQueryError, mark, parse_query
from server.store import OxigraphStore
from server.uris import Vocabulary

BASE = "https://w3id.org/going-local"
INSP = f"{BASE}/def/inspection/"


def make_app(settings: Settings):
    """The app on the shipped data. The shapes are checked by the validation tests; these
    tests are about the lists, so the service is loaded without validating again."""
    data = load_data([settings.data_dir], base=settings.base)
    model = load_model(base=settings.base, ontology_dir=settings.ontology_dir)
    dataset = merge(data, model)
    service = Service(settings, Vocabulary(settings.base), dataset, OxigraphStore(dataset.graph))
    return create_app(settings, service)


@pytest.fixture(scope="module")
def app():
    return make_app(Settings())


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get_csv(client, url: str, **headers) -> list[dict]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def bad_request(client, url: str) -> str:
    """The one-line message of a 400 answer, as plain text (or, where ?format=json asked
    for JSON, the JSON error's title and message on one line)."""
    if "format=" not in url:
        url += ("&" if "?" in url else "?") + "format=csv"
    response = client.get(url, headers={"Accept": "text/plain"})
    assert response.status_code == 400, (url, response.status_code)
    if response.is_json:
        return f"{response.json['error']}: {response.json['message']}"
    body = response.get_data(as_text=True).strip()
    assert "\n" not in body
    return body


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def tally(rows, key="borough") -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[key]] = counts.get(row[key], 0) + 1
    return counts


# --- Exact counts from the source ----------------------------------------------------------

def test_demand_management_recommendations_in_2003_04(client):
    rows = get_csv(client, "/recommendations?theme=demand-management&year=2003-04&format=csv")
    assert sorted((r["borough"], int(r["number"])) for r in rows) == [
        ("harrow", 4), ("hillingdon", 3), ("newham", 4), ("westminster", 2)]
    assert all("demand-management" in r["themes"].split() for r in rows)


def test_recommendations_per_bocu(client):
    rows = get_csv(client, "/recommendations?format=csv")
    assert len(rows) == 19
    assert tally(rows) == {"harrow": 4, "newham": 5, "kensington-and-chelsea": 2,
                           "wandsworth": 2, "hillingdon": 4, "westminster": 2}
    # Each unit's recommendations are numbered 1, 2, ... as printed.
    for borough, count in tally(rows).items():
        assert sorted(int(r["number"]) for r in rows if r["borough"] == borough) == \
            list(range(1, count + 1))


def test_four_of_six_bocus_had_a_demand_management_recommendation(client):
    # "Four out of the six BOCUs inspected had a recommendation linked to demand management."
    rows = get_csv(client, "/bocus?theme=demand-management&format=csv")
    assert [r["borough"] for r in rows] == ["harrow", "hillingdon", "newham", "westminster"]
    # "All six Going Local reports referred to the need for BOCUs to review and/or develop
    # their performance management systems."
    assert len(get_csv(client, "/bocus?theme=performance-management&format=csv")) == 6


def test_good_practice(client):
    rows = get_csv(client, "/good-practice?format=csv")
    assert len(rows) == 19
    assert tally(rows) == {"harrow": 4, "kensington-and-chelsea": 5, "wandsworth": 3,
                           "hillingdon": 2, "westminster": 5}
    # Hillingdon's and Westminster's are "areas of potential good practice".
    potential = {r["borough"] for r in rows if r["potential"] == "true"}
    assert potential == {"hillingdon", "westminster"}


def test_actions_are_the_21_progress_updates(client):
    rows = get_csv(client, "/actions?format=csv")
    assert len(rows) == 21
    assert tally(rows) == {"harrow": 4, "newham": 5, "kensington-and-chelsea": 3,
                           "wandsworth": 3, "hillingdon": 4, "westminster": 2}
    # Kensington & Chelsea's update on recommendation 2 lists its initiatives as 5 points.
    points = {(r["borough"], r["recommendation_number"], r["position"]): int(r["points"])
              for r in rows}
    assert points[("kensington-and-chelsea", "2", "1")] == 5
    assert sum(points.values()) == 5


def test_status_filters_fit_each_list(client):
    # Revisit reports published for Harrow, Newham and Hillingdon only.
    assert len(get_csv(client, "/actions?status=report-published&format=csv")) == 4 + 5 + 4
    assert tally(get_csv(client, "/actions?status=scheduled&format=csv")) == \
        {"wandsworth": 3, "westminster": 2}
    assert tally(get_csv(client, "/actions?status=held-report-awaited&format=csv")) == \
        {"kensington-and-chelsea": 3}
    assert len(get_csv(client, "/recommendations?status=accepted-and-acted-upon&format=csv")) == 13
    assert len(get_csv(
        client, "/recommendations?status=action-plan-forwarded-revisit-outstanding&format=csv")) == 6
    assert tally(get_csv(client, "/good-practice?status=accepted-and-acted-upon&format=csv")) == \
        {"harrow": 4, "hillingdon": 2}


def test_inspections(client):
    rows = get_csv(client, "/inspections?format=csv")
    assert len(rows) == 21
    assert tally(rows, "year") == {"2003-04": 6, "2004-05": 7, "2005-06": 8}
    arranged = get_csv(client, "/inspections?status=arranged&format=csv")
    assert [(r["borough"], r["planned_month"]) for r in arranged] == \
        [("enfield", "2005-01"), ("islington", "2005-02")]
    harrow = next(r for r in rows if r["borough"] == "harrow")
    assert (harrow["began"], harrow["report_published"], harrow["recommendations"],
            harrow["good_practice"], harrow["outcome_status"], harrow["revisit_status"]) == \
        ("2003-05-12", "2003-07-28", "4", "4", "accepted-and-acted-upon", "report-published")
    assert len(get_csv(client, "/inspections?theme=demand-management&format=csv")) == 4


def test_bocus_lists_all_32_with_status_per_year(client):
    rows = get_csv(client, "/bocus?format=csv")
    assert len(rows) == 32
    assert len({r["bocu"] for r in rows}) == 32
    by = {r["borough"]: r for r in rows}
    assert by["harrow"]["status_2003-04"] == "inspected"
    assert (by["enfield"]["status_2004-05"], by["enfield"]["planned_month_2004-05"]) == \
        ("arranged", "2005-01")
    assert by["bexley"]["status_2005-06"] == "planned"
    assert by["camden"]["status_2003-04"] == by["camden"]["status_2004-05"] == \
        by["camden"]["status_2005-06"] == ""
    assert by["harrow"]["gss_code"] == "E09000015"
    assert len(get_csv(client, "/bocus?year=2004-05&format=csv")) == 7
    assert len(get_csv(client, "/bocus?year=2005-06&status=planned&format=csv")) == 8
    assert get_csv(client, "/bocus?year=2003-04&status=planned&format=csv") == []
    page = html(client, "/bocus?per_page=100")
    assert page.count('<th scope="row">') == 32
    assert "Arranged</a> <span class=\"muted\">for January 2005</span>" in page


def test_borough_filter(client):
    rows = get_csv(client, "/actions?borough=newham&format=csv")
    assert [(r["recommendation_number"], r["position"]) for r in rows] == \
        [(str(n), "1") for n in range(1, 6)]


# --- Sorting and paging --------------------------------------------------------------------

def test_sort_and_order(client):
    rows = get_csv(client, "/recommendations?sort=number&order=desc&format=csv")
    assert [int(r["number"]) for r in rows][:2] == [5, 4]
    assert [r["borough"] for r in rows][0] == "newham"  # Newham alone has a fifth
    rows = get_csv(client, "/recommendations?sort=borough&format=csv")
    names = [r["borough"] for r in rows]
    assert names == sorted(names)
    rows = get_csv(client, "/recommendations?sort=borough&order=desc&format=csv")
    assert [r["borough"] for r in rows] == sorted(names, reverse=True)
    # Within a borough the numbers still run upwards.
    assert [int(r["number"]) for r in rows if r["borough"] == "harrow"] == [1, 2, 3, 4]
    rows = get_csv(client, "/inspections?sort=date&format=csv")
    dated = [r["began"] for r in rows if r["began"]]
    assert dated == sorted(dated) and len(dated) == 6
    assert all(r["began"] == "" for r in rows[6:])  # undated ones last


def test_paging(client):
    pages = [get_csv(client, f"/good-practice?per_page=5&page={n}&format=csv") for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [5, 5, 5, 4]
    every = [r["good_practice"] for p in pages for r in p]
    assert every == [r["good_practice"] for r in get_csv(client, "/good-practice?format=csv")]
    assert len(set(every)) == 19
    page = html(client, "/good-practice?per_page=5&page=2")
    assert "19 pieces of good practice" in page and "showing 6–10 (page 2 of 4)" in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert 'aria-current="page"' in page


@pytest.mark.parametrize("query, parameter", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"),
    ("page=5&per_page=5", "page"), ("page=2", "page"),
    ("per_page=0", "per_page"), (f"per_page={MAX_PER_PAGE + 1}", "per_page"),
    ("per_page=ten", "per_page"), ("page=1&page=2", "page"),
    ("sort=colour", "sort"), ("order=up", "order"),
    ("theme=nonsense", "theme"), ("borough=atlantis", "borough"), ("year=2003", "year"),
    ("status=inspected", "status"),  # an inspection status, not an outcome status
    ("theme=demand-management&theme=leadership", "theme"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, query, parameter):
    message = bad_request(client, f"/recommendations?{query}")
    assert message.startswith(f"Bad request: {parameter}: ")


def test_unknown_filter_value_lists_the_known_values(client):
    message = bad_request(client, "/recommendations?theme=nonsense")
    assert "unknown value 'nonsense'" in message
    for notation in ("demand-management", "performance-management", "workforce-planning"):
        assert notation in message
    message = bad_request(client, "/actions?status=accepted-and-acted-upon")
    assert "known values: held-report-awaited, report-published, scheduled" in message
    message = bad_request(client, "/good-practice?theme=leadership")
    assert "cannot be filtered by theme" in message


def test_filter_values_are_never_query_text(client):
    # A value that would change the query if it were pasted in is just an unknown value.
    for value in ['x" } UNION { ?s ?p ?o', "<http://example.org/>", "?theme", "demand-management "]:
        response = client.get("/recommendations", query_string={"theme": value, "format": "csv"},
                              headers={"Accept": "text/plain"})
        if value.strip() == "demand-management":
            assert response.status_code == 200
        else:
            assert response.status_code == 400
            assert "unknown value" in response.get_data(as_text=True)


def test_with_rows_binds_terms_written_by_rdflib():
    text = with_rows("CONSTRUCT { ?r ?p ?o } WHERE { ?r ?p ?o }", "r",
                     [URIRef("http://example.org/a"), URIRef("http://example.org/b")])
    assert "VALUES (?r) { (<http://example.org/a>) (<http://example.org/b>) }" in text
    assert text.index("VALUES") > text.index("WHERE")


# --- Representations -----------------------------------------------------------------------

def test_csv_by_accept_header(client):
    rows = get_csv(client, "/good-practice?borough=harrow", Accept="text/csv")
    assert [r["number"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["text"].startswith("The ‘Sanctuary Project’")


@pytest.mark.parametrize("fmt, media_type, rdflib_format", [
    ("turtle", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
    ("nt", "application/n-triples", "nt"), ("rdfxml", "application/rdf+xml", "xml"),
])
def test_rdf_holds_the_listed_resources_triples(client, fmt, media_type, rdflib_format):
    url = "/recommendations?theme=demand-management&year=2003-04"
    response = client.get(f"{url}&format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = Graph().parse(data=response.get_data(as_text=True), format=rdflib_format)
    listed = {URIRef(r["recommendation"]) for r in get_csv(client, f"{url}&format=csv")}
    assert set(graph.subjects()) == listed
    for uri in listed:
        assert (uri, RDF.type, URIRef(INSP + "Recommendation")) in graph
        assert (uri, URIRef(INSP + "theme"), URIRef(f"{BASE}/def/theme/demand-management")) in graph


def test_rdf_by_accept_header_and_paged(client):
    response = client.get("/actions?per_page=3&page=2", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Accept" in response.headers.get("Vary", "")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    page = get_csv(client, "/actions?per_page=3&page=2&format=csv")
    assert set(graph.subjects()) == {URIRef(r["action"]) for r in page}
    assert len(page) == 3


def test_an_empty_list_is_an_empty_graph_and_a_header_only_csv(client):
    url = "/recommendations?borough=camden"
    assert get_csv(client, f"{url}&format=csv") == []
    response = client.get(f"{url}&format=turtle")
    assert response.status_code == 200
    assert len(Graph().parse(data=response.get_data(as_text=True), format="turtle")) == 0
    assert "No recommendations match these filters." in html(client, url)


def test_unoffered_format_is_406(client):
    assert client.get("/recommendations?format=xlsx").status_code == 406


# --- The HTML pages --------------------------------------------------------------------------

def test_active_filters_and_counts_with_links_that_remove_each(client):
    page = html(client, "/recommendations?theme=demand-management&year=2003-04")
    assert "4 recommendations match these filters" in page
    assert "Theme: <strong>Demand management</strong>" in page
    assert "Programme year: <strong>2003-04</strong>" in page
    assert 'href="/recommendations?year=2003-04"' in page          # removes the theme
    assert 'href="/recommendations?theme=demand-management"' in page  # removes the year
    assert 'href="/recommendations">Remove all filters' in page
    # The form shows what is chosen, and works without scripts: a GET form with labels.
    assert '<form method="get" action="/recommendations"' in page
    assert '<option value="demand-management" selected>' in page
    for param in ("borough", "year", "theme", "status"):
        assert f'<label for="filter-{param}">' in page
    assert "<script" not in page
    assert page.count('<a href="/doc/inspection/2003-04/') >= 8  # number and text link


def test_every_list_page_renders(client):
    for name, heading in [("bocus", "Borough operational command units"),
                          ("inspections", "Inspections"), ("recommendations", "Recommendations"),
                          ("actions", "Actions taken"), ("good-practice", "Good practice")]:
        page = html(client, f"/{name}")
        assert f"<h1>{heading}</h1>" in page
        assert "<caption id=\"list-caption\">" in page and 'scope="col"' in page
        assert 'format=csv' in page and 'format=turtle' in page


def test_literals_are_escaped(client):
    # "Crime & Disorder" is in the data; it must reach the page as &amp;.
    page = html(client, "/actions?borough=kensington-and-chelsea")
    assert "&amp;" in page
    assert "Crime & Disorder" not in page


# --- Search ----------------------------------------------------------------------------------

def search_json(client, q: str, **params) -> dict:
    response = client.get("/search", query_string={"q": q, "format": "json", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def test_search_ranks_and_links(client):
    found = search_json(client, "demand management")
    assert found["total"] >= 10
    uris = [r["uri"] for r in found["results"]]
    # Short labels that name the theme come first: the theme itself and the four theme
    # assignments, then the longer texts; best first means bm25's order.
    assert f"{BASE}/def/theme/demand-management" in uris[:5]
    assert all(uri.endswith("/demand-management") for uri in uris[:5])
    assert f"{BASE}/id/inspection/2003-04/newham/recommendation/4" in uris
    for result in found["results"]:
        assert result["document"].startswith(("/doc/", "/def/"))
        assert "<mark>" in result["snippet_html"]
        assert "\x02" not in result["snippet"] and "<mark>" not in result["snippet"]


def test_search_html_marks_the_match_and_links_to_doc_pages(client):
    page = html(client, "/search?q=sanctuary")
    assert '<a href="/doc/inspection/2003-04/harrow/good-practice/1">' in page
    assert "<mark>Sanctuary</mark>" in page
    assert "1 result for sanctuary" in page


def test_search_escapes_then_marks(client):
    found = search_json(client, "disorder")
    kc = [r for r in found["results"] if "kensington-and-chelsea" in r["uri"]]
    assert kc and "Crime &amp; <mark>Disorder</mark>" in kc[0]["snippet_html"]
    assert "Crime & Disorder" in kc[0]["snippet"]


def test_snippet_markers_cannot_inject_html():
    index = SearchIndex([
        (URIRef("http://example.org/a"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
         "<b>bold</b> & <script>alert(1)</script> \x02evil\x03 demand"),
    ])
    results = index.search(parse_query("demand"), 10)
    html_text = str(results.hits[0].snippet_html)
    assert "<script>" not in html_text and "<b>" not in html_text
    assert "&lt;script&gt;" in html_text and "&amp;" in html_text
    assert html_text.count("<mark>") == 1 and "<mark>demand</mark>" in html_text
    assert str(mark("a \x02<i>\x03")) == "a <mark>&lt;i&gt;</mark>"


def test_search_prefix_and_all_words(client):
    assert search_json(client, "sanctu*")["total"] == search_json(client, "sanctuary")["total"] == 1
    assert search_json(client, "sanctu")["total"] == 0
    both = search_json(client, "workforce deployment")["total"]
    assert 0 < both < search_json(client, "deployment")["total"]


@pytest.mark.parametrize("q", ['"', "*", "()", "   ", "-", "“”", "'", "(("])
def test_search_without_words_is_400(client, q):
    response = client.get("/search", query_string={"q": q, "format": "json"},
                          headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert response.is_json and response.json["message"].startswith("q: ")
    page = client.get("/search", query_string={"q": q})
    if q.strip():  # the page says what is wrong, beside the form to try again
        assert page.status_code == 400
        assert "no words to search for" in page.get_data(as_text=True)
        assert 'aria-invalid="true"' in page.get_data(as_text=True)
    else:  # a blank query is just the empty form
        assert page.status_code == 200


@pytest.mark.parametrize("q", ["NEAR(", "a OR", "AND", "NOT demand", "demand OR", 'x"y',
                               "demand:management", "^demand", "{demand}", "demand AND (",
                               "NEAR(demand management, 2)", "col:term", "\x00demand"])
def test_hostile_search_input_is_searched_as_words(client, q):
    found = search_json(client, q)
    assert found["total"] >= 0
    assert all(re.fullmatch(r"[\w'’-]+\*?", term) for term in found["terms"])


def test_search_limits(client):
    message = bad_request(client, "/search?format=json&q=" + "a" * 300)
    assert message.startswith("Bad request: q: the query is too long")
    message = bad_request(client, "/search?format=json&q=" + "+".join(["w"] * 13))
    assert message.startswith("Bad request: q: too many words")
    with pytest.raises(SearchQueryError):
        parse_query('"')


def test_search_page_without_query_is_the_form(client):
    page = html(client, "/search")
    assert '<form method="get" action="/search" role="search">' in page
    assert '<label for="q">' in page


def test_search_paging(client):
    first = search_json(client, "BOCU", per_page=5)
    second = search_json(client, "BOCU", per_page=5, page=2)
    assert first["total"] == second["total"] > 10
    assert len(first["results"]) == len(second["results"]) == 5
    assert not {r["uri"] for r in first["results"]} & {r["uri"] for r in second["results"]}
    last = first["pages"]
    assert bad_request(client, f"/search?q=BOCU&format=json&per_page=5&page={last + 1}") \
        .startswith("Bad request: page: ")
    assert bad_request(client, "/search?q=BOCU&per_page=500&format=json").startswith("Bad request: per_page: ")


def test_lists_and_search_under_another_base():
    other = "http://example.org/going-local"
    client = make_app(Settings(base=other)).test_client()
    rows = get_csv(client, "/recommendations?theme=demand-management&year=2003-04&format=csv")
    assert len(rows) == 4 and all(r["recommendation"].startswith(f"{other}/id/") for r in rows)
    assert len(get_csv(client, "/actions?status=scheduled&format=csv")) == 5
    assert len(get_csv(client, "/bocus?format=csv")) == 32
    found = search_json(client, "sanctuary")
    assert found["results"][0]["uri"] == f"{other}/id/inspection/2003-04/harrow/good-practice/1"
    assert found["results"][0]["document"] == "/doc/inspection/2003-04/harrow/good-practice/1"


def test_search_errors_answer_in_json_when_json_is_asked_for(client):
    response = client.get("/search", query_string={"q": '"', "format": "json"},
                          headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.is_json
    assert response.json["status"] == 400 and response.json["message"]
