"""The named queries in queries/*.rq.

Their headers are checked, then their answers: each expected answer below was read by
hand from the committee paper, data/sources/mpa-pprc-2005-01-19-report-8.txt. Every
query is also run on Oxigraph as well as rdflib, with its parameters bound each way the
tools bind them (rdflib's initBindings, Oxigraph's substitutions, and a VALUES block at
the start of the outermost WHERE group on either engine), and must give the same rows
in the same order every time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from server.queries import bind_params, read_query, run_local, with_values

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
SOURCE = ROOT / "data" / "sources" / "mpa-pprc-2005-01-19-report-8.txt"
TURTLE = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl"))

ID = "https://w3id.org/going-local/id/"
THEME = "https://w3id.org/going-local/def/theme/"

EXPECTED_QUERIES = {
    "bocu-timeline", "bocus-not-yet-inspected", "bocus-per-theme", "errata",
    "good-practice-per-bocu", "programme-timetable", "provenance-of-a-resource",
    "recommendations-per-theme-per-bocu", "recommendations-with-actions",
    "revisits-outstanding", "theme-findings",
}
INTEGER_TYPES = {str(XSD[t]) for t in (
    "integer", "positiveInteger", "nonNegativeInteger", "negativeInteger",
    "nonPositiveInteger", "long", "int", "short", "byte",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


# --- Loading and running ---------------------------------------------------------------

@pytest.fixture(scope="module")
def graph() -> Graph:
    loaded = Graph()
    for path in TURTLE:
        loaded.parse(path, format="turtle")
    return loaded


@pytest.fixture(scope="module")
def store() -> ox.Store:
    loaded = ox.Store()
    for path in TURTLE:
        loaded.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return loaded


@pytest.fixture(scope="module")
def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def value(term):
    """An rdflib or Oxigraph term as a plain Python value, the same from either engine:
    an IRI as its string, an integer or boolean as a number or bool, any other literal
    (dates, months, strings with or without a language) as its lexical form."""
    if term is None:
        return None
    if isinstance(term, (URIRef, ox.NamedNode)):
        return term.value if isinstance(term, ox.NamedNode) else str(term)
    if isinstance(term, (BNode, ox.BlankNode)):
        raise AssertionError(f"a query answered a blank node: {term}")
    if isinstance(term, ox.Literal):
        lexical, datatype = term.value, term.datatype.value
    else:
        lexical, datatype = str(term), str(term.datatype or XSD.string)
    if datatype in INTEGER_TYPES:
        return int(lexical)
    if datatype == str(XSD.decimal):
        return Decimal(lexical)
    if datatype == str(XSD.boolean):
        return lexical in ("true", "1")
    return lexical


def to_oxigraph(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


ENGINES = ("rdflib", "rdflib-values", "oxigraph", "oxigraph-values")


def run(name: str, graph: Graph, store: ox.Store, engine: str = "rdflib", **values: str):
    """(variables, rows of plain values) of a named query, its parameters bound from
    `values` or their header defaults, as the tools bind them on `engine`."""
    query = read_query(QUERIES / f"{name}.rq")
    bindings = bind_params(query, values)
    if engine == "rdflib":  # the local runner: initBindings
        result = run_local(query, graph, bindings)
        return result.variables, [tuple(value(t) for t in row) for row in result.rows]
    if engine == "rdflib-values":
        result = graph.query(with_values(query.text, bindings))
        return [str(v) for v in result.vars], [tuple(value(t) for t in row) for row in result]
    if engine == "oxigraph":
        if "substitutions" not in (ox.Store.query.__text_signature__ or ""):
            pytest.skip(f"pyoxigraph {ox.__version__} has no Store.query substitutions")
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        solutions = store.query(query.text, substitutions=substitutions)
    elif engine == "oxigraph-values":
        solutions = store.query(with_values(query.text, bindings))
    else:
        raise ValueError(engine)
    variables = [v.value for v in solutions.variables]
    return variables, [tuple(value(s[i]) for i in range(len(variables))) for s in solutions]


def records(name: str, graph: Graph, store: ox.Store, **values: str) -> list[dict]:
    """The rows of a query on rdflib, as the local runner binds them, as dicts."""
    variables, rows = run(name, graph, store, **values)
    return [dict(zip(variables, row)) for row in rows]


def short(iri: str) -> str:
    return iri[len(ID):] if iri.startswith(ID) else iri


# --- Headers ----------------------------------------------------------------------------

def query_files() -> list[Path]:
    return sorted(QUERIES.glob("*.rq"))


def query_body(text: str) -> str:
    """The query without its leading comment header and without comment lines."""
    lines = text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def test_every_query_asked_for_is_there():
    assert EXPECTED_QUERIES <= {p.stem for p in query_files()}


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_header_has_a_title_and_a_description(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert re.match(r"^# title: \S", lines[0]), "the first line is '# title: ...'"
    assert re.match(r"^# description: \S", lines[1]), "the second line is '# description: ...'"
    query = read_query(path)
    assert query.title and query.title != path.stem
    assert len(query.description) > 20


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_every_declared_parameter_is_used_and_projected(path):
    text = path.read_text(encoding="utf-8")
    body = query_body(text)
    select = body[re.search(r"\bSELECT\b", body).end():re.search(r"\bWHERE\b", body).start()]
    for param in read_query(path).params:
        assert re.search(rf"\?{param.name}\b", body), f"?{param.name} is not used in the query"
        # Oxigraph substitutes only variables its SELECT projects.
        assert re.search(rf"(?<![(\w])\?{param.name}\b(?!\s*\))", select), \
            f"?{param.name} is not projected"
        # Oxigraph's substitutions leave BOUND() false for a substituted variable.
        assert not re.search(rf"BOUND\s*\(\s*\?{param.name}\s*\)", body, re.I)


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_query_form_and_conventions(path):
    body = query_body(path.read_text(encoding="utf-8"))
    assert re.match(r"^\s*PREFIX\s", body), "PREFIX declarations come first"
    assert re.search(r"^SELECT\b", body, re.M), "a SELECT query"
    assert re.search(r"^ORDER BY\b", body, re.M), "ordered, for deterministic output"
    # FILTER NOT EXISTS grew quadratically on large data; MINUS or OPTIONAL do not.
    assert not re.search(r"NOT\s+EXISTS", body, re.I)
    # Values are bound from outside, never written into the text.
    assert "VALUES" not in body.upper().split()


def test_parameter_defaults():
    params = {p.stem: {q.name: (q.type, q.default) for q in read_query(p).params}
              for p in query_files()}
    assert params["bocus-per-theme"] == {"year": ("xsd:string", "2003-04")}
    assert params["theme-findings"] == {"year": ("xsd:string", "2003-04")}
    assert params["bocus-not-yet-inspected"] == {
        "year": ("xsd:string", "2004-05"),
        "force": ("iri", "https://w3id.org/going-local/id/force/metropolitan-police-service")}
    assert params["revisits-outstanding"] == {"asOf": ("xsd:date", "2005-01-19")}
    assert params["recommendations-with-actions"] == {"theme": ("xsd:string", None),
                                                      "asOf": ("xsd:date", "today")}
    assert params["provenance-of-a-resource"] == {"resource": (
        "iri", ID + "inspection/2003-04/kensington-and-chelsea/revisit/1")}


# --- Portability: the same answers on rdflib and Oxigraph, however bound ----------------

CASES = [(p.stem, {}) for p in query_files()] + [
    ("bocus-per-theme", {"year": "2004-05"}),
    ("bocus-per-theme", {"year": "2005-06"}),
    ("theme-findings", {"year": "2004-05"}),
    ("recommendations-with-actions", {"theme": "demand-management"}),
    ("recommendations-with-actions", {"theme": "quality-of-life"}),
    ("recommendations-with-actions", {"asOf": "2004-12-31"}),
    ("recommendations-with-actions", {"theme": "demand-management", "asOf": "2005-01-19"}),
    ("revisits-outstanding", {"asOf": "2004-08-01"}),
    ("revisits-outstanding", {"asOf": "2004-12-01"}),
    ("revisits-outstanding", {"asOf": "2005-04-01"}),
    ("bocus-not-yet-inspected", {"year": "2003-04"}),
    ("provenance-of-a-resource", {"resource": ID + "inspection/2003-04/kensington-and-chelsea/"
                                              "recommendation/2/theme/quality-of-life"}),
]


@pytest.mark.parametrize("engine", ENGINES[1:])
@pytest.mark.parametrize("name,values", CASES,
                         ids=[f"{n}[{','.join(f'{k}={v}' for k, v in vs.items())}]"
                              for n, vs in CASES])
def test_same_answer_on_every_engine_and_binding(graph, store, name, values, engine):
    expected = run(name, graph, store, "rdflib", **values)
    assert expected[1], "the case should have rows to compare"
    assert run(name, graph, store, engine, **values) == expected


# --- Answers, checked against the paper --------------------------------------------------

SIX_2003_04 = ["Harrow BOCU", "Hillingdon BOCU", "Kensington and Chelsea BOCU",
               "Newham BOCU", "Wandsworth BOCU", "Westminster BOCU"]


def test_recommendations_per_theme_per_bocu(graph, store):
    rows = records("recommendations-per-theme-per-bocu", graph, store)
    counts = {(r["themeNotation"], r["bocuLabel"]): r["recommendations"] for r in rows}
    assert counts == {
        ("community-policing", "Newham BOCU"): 1,
        ("demand-management", "Harrow BOCU"): 1,
        ("demand-management", "Hillingdon BOCU"): 1,
        ("demand-management", "Newham BOCU"): 1,
        ("demand-management", "Westminster BOCU"): 1,
        ("diversity", "Newham BOCU"): 1,
        ("national-intelligence-model", "Harrow BOCU"): 1,
        ("national-intelligence-model", "Hillingdon BOCU"): 1,
        ("national-intelligence-model", "Kensington and Chelsea BOCU"): 1,
        ("national-intelligence-model", "Newham BOCU"): 1,
        ("national-intelligence-model", "Wandsworth BOCU"): 1,
        ("partnerships", "Harrow BOCU"): 1,
        ("performance-management", "Harrow BOCU"): 1,
        ("performance-management", "Hillingdon BOCU"): 1,
        ("performance-management", "Kensington and Chelsea BOCU"): 1,
        ("performance-management", "Newham BOCU"): 1,
        ("performance-management", "Wandsworth BOCU"): 1,
        ("performance-management", "Westminster BOCU"): 1,
        ("quality-of-life", "Kensington and Chelsea BOCU"): 1,
        ("workforce-planning", "Hillingdon BOCU"): 1,
    }
    # 19 recommendations; Kensington & Chelsea's second is on two themes.
    assert sum(counts.values()) == 20
    assert [(r["themeNotation"], r["bocuLabel"]) for r in rows] == sorted(counts)
    assert {r["programmeYear"] for r in rows} == {"2003-04"}


def test_bocus_per_theme_reproduces_the_papers_findings(graph, store):
    rows = records("bocus-per-theme", graph, store)
    counts = {r["themeNotation"]: (r["bocusWithRecommendation"], r["bocusInspected"]) for r in rows}
    # "All six Going Local reports referred to the need ... performance management"
    assert counts["performance-management"] == (6, 6)
    # "Four out of the six BOCUs inspected had a recommendation linked to demand management."
    assert counts["demand-management"] == (4, 6)
    assert counts == {
        "performance-management": (6, 6),
        "national-intelligence-model": (5, 6),
        "demand-management": (4, 6),
        "community-policing": (1, 6),
        "diversity": (1, 6),
        "partnerships": (1, 6),
        "quality-of-life": (1, 6),
        "workforce-planning": (1, 6),
        "crime-recording-standards": (0, 6),
        "leadership": (0, 6),
    }
    assert [r["themeNotation"] for r in rows][:3] == [
        "performance-management", "national-intelligence-model", "demand-management"]
    assert {r["year"] for r in rows} == {"2003-04"}


def test_bocus_per_theme_in_a_year_with_no_recommendations_recorded(graph, store):
    # 2004-05: five BOCUs inspected, none of their recommendations in this paper.
    rows = records("bocus-per-theme", graph, store, year="2004-05")
    assert len(rows) == 10
    assert {(r["bocusWithRecommendation"], r["bocusInspected"]) for r in rows} == {(0, 5)}
    # 2005-06: only planned.
    rows = records("bocus-per-theme", graph, store, year="2005-06")
    assert {(r["bocusWithRecommendation"], r["bocusInspected"]) for r in rows} == {(0, 0)}


def test_recommendations_with_actions(graph, store, source_text):
    rows = records("recommendations-with-actions", graph, store)
    assert len(rows) == 21  # one per progress update
    recommendations = {}
    for r in rows:
        recommendations.setdefault(r["recommendation"], r)
    assert len(recommendations) == 19
    per_bocu = {}
    for r in recommendations.values():
        per_bocu[r["bocuLabel"]] = per_bocu.get(r["bocuLabel"], 0) + 1
    assert per_bocu == {"Harrow BOCU": 4, "Hillingdon BOCU": 4, "Kensington and Chelsea BOCU": 2,
                        "Newham BOCU": 5, "Wandsworth BOCU": 2, "Westminster BOCU": 2}
    # Two recommendations have two bullet points of action each.
    updates = [(short(r["recommendation"]), r["updatePosition"]) for r in rows]
    assert ("inspection/2003-04/kensington-and-chelsea/recommendation/1", 2) in updates
    assert ("inspection/2003-04/wandsworth/recommendation/1", 2) in updates
    assert sum(1 for _, position in updates if position == 2) == 2
    # Every text is the paper's, verbatim.
    for r in rows:
        assert r["recommendationText"] in source_text
        assert r["updateText"] in source_text
        assert r["conclusionText"] in source_text
        assert r["reportedOn"] == "2005-01-19"
    outcomes = {r["bocuLabel"]: r["outcome"] for r in rows}
    assert outcomes == {
        "Harrow BOCU": "accepted-and-acted-upon",
        "Newham BOCU": "accepted-and-acted-upon",
        "Hillingdon BOCU": "accepted-and-acted-upon",
        "Kensington and Chelsea BOCU": "action-plan-forwarded-revisit-outstanding",
        "Wandsworth BOCU": "action-plan-forwarded-revisit-outstanding",
        "Westminster BOCU": "action-plan-forwarded-revisit-outstanding",
    }
    themes = {short(r["recommendation"]): r["themes"] for r in rows}
    assert themes["inspection/2003-04/kensington-and-chelsea/recommendation/2"] == \
        "National Intelligence Model (NIM); Quality of life"
    assert themes["inspection/2003-04/harrow/recommendation/1"] == "Partnerships"
    # "A number of other matters are still being addressed and an update is expected"
    expected_later = {(short(r["recommendation"]), r["updatePosition"])
                      for r in rows if r["furtherUpdateExpected"]}
    assert expected_later == {("inspection/2003-04/kensington-and-chelsea/recommendation/1", 2),
                              ("inspection/2003-04/kensington-and-chelsea/recommendation/2", 1)}
    # The paper prints Harrow's name in Hillingdon's conclusion; the text is kept as printed.
    hillingdon = next(r for r in rows if r["bocuLabel"] == "Hillingdon BOCU")
    assert "the inspection of Harrow BOCU" in hillingdon["conclusionText"]
    assert {r["theme"] for r in rows} == {None}


def test_recommendations_with_actions_as_of_a_date(graph, store):
    # Today (the default) and the paper's date: every update and conclusion, reported then.
    today = records("recommendations-with-actions", graph, store)
    assert records("recommendations-with-actions", graph, store, asOf="2005-01-19") == [
        {**r, "asOf": "2005-01-19"} for r in today]
    assert {r["asOf"] for r in today} == {dt.date.today().isoformat()}
    # The day before: the recommendations, but nothing reported on them yet.
    before = records("recommendations-with-actions", graph, store, asOf="2005-01-18")
    assert len(before) == 19
    assert {(r["updateText"], r["reportedOn"], r["conclusionText"], r["outcome"]) for r in before} \
        == {(None, None, None, None)}


def test_which_boroughs_got_a_demand_management_recommendation(graph, store):
    rows = records("recommendations-with-actions", graph, store, theme="demand-management")
    assert [(r["bocuLabel"], r["number"], r["updatePosition"]) for r in rows] == [
        ("Harrow BOCU", 4, 1), ("Hillingdon BOCU", 3, 1),
        ("Newham BOCU", 4, 1), ("Westminster BOCU", 2, 1)]
    assert {r["theme"] for r in rows} == {"demand-management"}
    newham = rows[2]
    assert newham["recommendationText"] == (
        "That the BOCU undertakes an analysis of demand and develops a demand management strategy.")
    assert "the BOCU has yet to produce a demand management strategy" in newham["updateText"]
    assert rows[3]["updateText"].startswith("A number of actions have been undertaken")
    assert rows[3]["outcome"] == "action-plan-forwarded-revisit-outstanding"
    # A theme on one recommendation only, which has another theme as well.
    rows = records("recommendations-with-actions", graph, store, theme="quality-of-life")
    assert [(r["bocuLabel"], r["number"], r["themes"]) for r in rows] == [
        ("Kensington and Chelsea BOCU", 2, "National Intelligence Model (NIM); Quality of life")]


REVISIT_COLUMNS = ("bocuLabel", "status", "scheduledDate", "scheduledMonth", "heldOn",
                   "revisitReportIssued", "overdue")


def revisits(graph, store, **values):
    rows = records("revisits-outstanding", graph, store, **values)
    return [tuple(r[c] for c in REVISIT_COLUMNS) for r in rows], rows


def test_revisits_outstanding_at_the_papers_date(graph, store):
    answer, rows = revisits(graph, store)
    assert answer == [
        # "HMIC undertook their follow-up visit to Kensington & Chelsea on 22 November 2004.
        # Their comments on the progress made are still outstanding."
        ("Kensington and Chelsea BOCU", "held-report-awaited", None, None, "2004-11-22", None, False),
        # "Revisit: To take place on 7 December 2004" - six weeks past by 19 January 2005.
        ("Wandsworth BOCU", "scheduled", "2004-12-07", None, None, None, True),
        # "Revisit: Due in March 2005"
        ("Westminster BOCU", "scheduled", None, "2005-03", None, None, False),
    ]
    assert {r["asOf"] for r in rows} == {"2005-01-19"}


def test_revisits_outstanding_at_other_dates(graph, store):
    # Before 3 December 2004 the Newham and Hillingdon revisit reports were not out,
    # and Wandsworth's revisit was not yet due.
    answer, _ = revisits(graph, store, asOf="2004-12-01")
    assert [(bocu, issued, overdue) for bocu, _, _, _, _, issued, overdue in answer] == [
        ("Hillingdon BOCU", "2004-12-03", False),
        ("Kensington and Chelsea BOCU", None, False),
        ("Newham BOCU", "2004-12-03", False),
        ("Wandsworth BOCU", None, False),
        ("Westminster BOCU", None, False),
    ]
    # Harrow's revisit report was published on 23 August 2004.
    answer, _ = revisits(graph, store, asOf="2004-08-01")
    assert [a[0] for a in answer] == ["Harrow BOCU", "Hillingdon BOCU",
                                      "Kensington and Chelsea BOCU", "Newham BOCU",
                                      "Wandsworth BOCU", "Westminster BOCU"]
    # Once March 2005 is over, Westminster's revisit is overdue too.
    answer, _ = revisits(graph, store, asOf="2005-04-01")
    assert [(a[0], a[-1]) for a in answer] == [
        ("Kensington and Chelsea BOCU", False), ("Wandsworth BOCU", True),
        ("Westminster BOCU", True)]


def test_bocu_timeline(graph, store):
    rows = records("bocu-timeline", graph, store)
    columns = ("bocuLabel", "visitStart", "visitEnd", "reportPublished", "daysInspectionToReport",
               "revisitStatus", "revisitHeldOn", "revisitScheduledDate", "revisitScheduledMonth",
               "revisitReportPublished", "daysReportToRevisitReport")
    assert [tuple(r[c] for c in columns) for r in rows] == [
        # Date of inspection: 12-16 May 2003; report 28 July 2003; revisit report 23 August 2004
        ("Harrow BOCU", "2003-05-12", "2003-05-16", "2003-07-28", 73,
         "report-published", None, None, None, "2004-08-23", 392),
        # 23-25 June & 30 June-1 July 2003; 23 September 2003; revisit report 3 December 2004
        ("Newham BOCU", "2003-06-23", "2003-07-01", "2003-09-23", 84,
         "report-published", None, None, None, "2004-12-03", 437),
        # 13-18 July 2003; 30 January 2004; revisit held 22 November 2004, report awaited
        ("Kensington and Chelsea BOCU", "2003-07-13", "2003-07-18", "2004-01-30", 196,
         "held-report-awaited", "2004-11-22", None, None, None, None),
        # 22-26 September 2003; 8 April 2004; revisit to take place 7 December 2004
        ("Wandsworth BOCU", "2003-09-22", "2003-09-26", "2004-04-08", 195,
         "scheduled", None, "2004-12-07", None, None, None),
        # 17-21 November 2003; 5 February 2004; revisit report 3 December 2004
        ("Hillingdon BOCU", "2003-11-17", "2003-11-21", "2004-02-05", 76,
         "report-published", None, None, None, "2004-12-03", 302),
        # 15 March 2004; 26 August 2004; revisit due in March 2005
        ("Westminster BOCU", "2004-03-15", "2004-03-15", "2004-08-26", 164,
         "scheduled", None, None, "2005-03", None, None),
    ]
    # The day counts agree with Python's own calendar arithmetic.
    day = dt.date.fromisoformat
    for r in rows:
        assert r["daysInspectionToReport"] == (day(r["reportPublished"]) - day(r["visitEnd"])).days
        if r["revisitReportPublished"]:
            assert r["daysReportToRevisitReport"] == (
                day(r["revisitReportPublished"]) - day(r["reportPublished"])).days


def test_good_practice_per_bocu(graph, store, source_text):
    rows = records("good-practice-per-bocu", graph, store)
    assert len(rows) == 19
    summary = {}
    for r in rows:
        summary.setdefault(r["bocuLabel"], []).append((r["position"], r["potential"]))
        assert r["text"] in source_text
    assert summary == {
        "Harrow BOCU": [(1, False), (2, False), (3, False), (4, False)],
        # "the following areas of potential good practice"
        "Hillingdon BOCU": [(1, True), (2, True)],
        "Kensington and Chelsea BOCU": [(i, False) for i in range(1, 6)],
        "Wandsworth BOCU": [(1, False), (2, False), (3, False)],
        # "eighteen areas of potential good practice including" five listed
        "Westminster BOCU": [(i, True) for i in range(1, 6)],
    }  # Newham: the paper lists no good practice.
    totals = {(r["bocuLabel"], r["listed"], r["statedTotal"]) for r in rows}
    assert totals == {("Harrow BOCU", 4, None), ("Hillingdon BOCU", 2, None),
                      ("Kensington and Chelsea BOCU", 5, None), ("Wandsworth BOCU", 3, None),
                      ("Westminster BOCU", 5, 18)}
    assert rows[0]["text"].startswith("The ‘Sanctuary Project’")


def test_programme_timetable(graph, store):
    rows = records("programme-timetable", graph, store)
    answer = [(r["programmeYear"], r["bocuLabel"], r["status"], r["plannedMonth"]) for r in rows]
    assert answer == (
        [("2003-04", bocu, "inspected", None) for bocu in SIX_2003_04]
        # "BOCUs already inspected are Bromley, Hackney, Richmond, Barking & Dagenham and
        # Barnet. Other inspections arranged for this financial year are Enfield in
        # January 2005, and Islington in February 2005."
        + [("2004-05", "Barking and Dagenham BOCU", "inspected", None),
           ("2004-05", "Barnet BOCU", "inspected", None),
           ("2004-05", "Bromley BOCU", "inspected", None),
           ("2004-05", "Enfield BOCU", "arranged", "2005-01"),
           ("2004-05", "Hackney BOCU", "inspected", None),
           ("2004-05", "Islington BOCU", "arranged", "2005-02"),
           ("2004-05", "Richmond upon Thames BOCU", "inspected", None)]
        # "Bexley, Merton, Sutton, Croydon, Hounslow, Hammersmith & Fulham, Waltham Forest,
        # and Kingston-upon-Thames"
        + [("2005-06", f"{bocu} BOCU", "planned", None) for bocu in (
            "Bexley", "Croydon", "Hammersmith and Fulham", "Hounslow", "Kingston upon Thames",
            "Merton", "Sutton", "Waltham Forest")])
    by_year = {r["programmeYear"]: (r["revisitsConcludeBy"], r["revisitReportsNotBefore"],
                                    r["furtherPaperNotBefore"]) for r in rows}
    assert by_year == {
        # "HMIC revisits for 2003/04 will conclude in March 2005 ... a further paper ...
        # after March 2005"
        "2003-04": ("2005-03", None, "2005-03"),
        # "HMIC revisit reports will not be available until June 2005 at the earliest."
        "2004-05": (None, "2005-06", None),
        "2005-06": (None, None, None),
    }


ALL_32 = [
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "Croydon",
    "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey",
    "Harrow", "Havering", "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea",
    "Kingston upon Thames", "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge",
    "Richmond upon Thames", "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest",
    "Wandsworth", "Westminster"]
INSPECTED_2004_05 = ["Bromley", "Hackney", "Richmond upon Thames", "Barking and Dagenham",
                     "Barnet"]


def test_bocus_not_yet_inspected_by_2004_05(graph, store):
    rows = records("bocus-not-yet-inspected", graph, store)
    inspected = {b.removesuffix(" BOCU") for b in SIX_2003_04} | set(INSPECTED_2004_05)
    expected = [f"{b} BOCU" for b in ALL_32 if b not in inspected]
    assert len(ALL_32) == 32 and len(expected) == 32 - 6 - 5 == 21
    assert [r["bocuLabel"] for r in rows] == expected
    later = {r["bocuLabel"]: (r["programmeYear"], r["status"], r["plannedMonth"])
             for r in rows if r["status"]}
    assert later == {
        "Enfield BOCU": ("2004-05", "arranged", "2005-01"),  # arranged, not yet inspected
        "Islington BOCU": ("2004-05", "arranged", "2005-02"),
        **{f"{b} BOCU": ("2005-06", "planned", None) for b in (
            "Bexley", "Croydon", "Hammersmith and Fulham", "Hounslow", "Kingston upon Thames",
            "Merton", "Sutton", "Waltham Forest")},
    }
    assert {r["year"] for r in rows} == {"2004-05"}
    assert all(r["bocu"].startswith(ID + "bocu/") for r in rows)


def test_bocus_not_yet_inspected_by_other_years(graph, store):
    rows = records("bocus-not-yet-inspected", graph, store, year="2003-04")
    assert len(rows) == 32 - 6
    assert {r["bocuLabel"] for r in rows if r["status"] == "inspected"} == {
        f"{b} BOCU" for b in INSPECTED_2004_05}
    # Nothing of 2005-06 had been inspected when the paper was written.
    assert len(records("bocus-not-yet-inspected", graph, store, year="2005-06")) == 21


def test_bocus_not_yet_inspected_of_a_force(graph, store):
    """The force is a parameter: the MPS by default, any other force's units when given."""
    met = records("bocus-not-yet-inspected", graph, store)
    assert {r["force"] for r in met} == {ID + "force/metropolitan-police-service"}
    assert records("bocus-not-yet-inspected", graph, store,
                   force=ID + "force/metropolitan-police-service") == met
    assert records("bocus-not-yet-inspected", graph, store, force=ID + "force/no-such-force") == []


def test_theme_findings(graph, store, source_text):
    rows = records("theme-findings", graph, store)
    answer = [(r["position"], r["theme"].removeprefix(THEME), r["statedCount"], r["statedOutOf"],
               r["computedCount"], r["computedOutOf"], r["statedMatches"]) for r in rows]
    assert answer == [
        (5, "performance-management", 6, 6, 6, 6, True),
        (6, "performance-management", None, None, 6, 6, None),
        (7, "performance-management", None, None, 6, 6, None),
        (8, "demand-management", 4, 6, 4, 6, True),
        (9, "demand-management", None, None, 4, 6, None),
        (10, "crime-recording-standards", None, None, 0, 6, None),
        (11, "partnerships", None, None, 1, 6, None),
        (12, "leadership", None, None, 0, 6, None),
        (13, "leadership", None, None, 0, 6, None),
    ]
    assert rows[3]["findingText"].startswith(
        "Four out of the six BOCUs inspected had a recommendation linked to demand management.")
    assert rows[0]["heading"] == "Performance management"
    for r in rows:
        assert r["findingText"] in source_text


def test_errata(graph, store, source_text):
    rows = records("errata", graph, store)
    answer = [(r["quote"], r["correction"], short(r["concerns"])) for r in rows]
    assert answer == [
        ("National Crime Reporting Standards (NCRS)", "National Crime Recording Standard (NCRS)",
         "committee-paper/2005-01-19-report-8/finding/crime-recording-standards-1"),
        ("That the BOCU views and develops", "That the BOCU reviews and develops",
         "inspection/2003-04/newham/recommendation/1"),
        ("now complaint with MPS policy", "now compliant with MPS policy",
         "inspection/2003-04/newham/recommendation/2/action/1"),
        ("are expected to improved staff awareness", "are expected to improve staff awareness",
         "inspection/2003-04/kensington-and-chelsea/recommendation/1/action/2"),
        ("Changes have now bee implemented", "Changes have now been implemented",
         "inspection/2003-04/hillingdon/recommendation/2/action/1"),
        ("the inspection of Harrow BOCU", "the inspection of Hillingdon BOCU",
         "inspection/2003-04/hillingdon/conclusion"),
        ("The use of ABSOs", "The use of ASBOs", "inspection/2003-04/westminster/good-practice/2"),
        ("Westminster County Council", "Westminster City Council",
         "inspection/2003-04/westminster/good-practice/3"),
    ]
    for r in rows:
        assert source_text[r["start"]:r["end"]] == r["quote"]
        assert r["note"] and r["concernsLabel"]


def test_provenance_of_a_resource(graph, store, source_text):
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    rows = records("provenance-of-a-resource", graph, store)
    assert [(r["start"], r["end"], r["quote"]) for r in rows] == [
        (12758, 12781, "Revisit report: Awaited"),
        (17236, 17316, "HMIC undertook their follow-up visit to Kensington & Chelsea on "
                       "22 November 2004"),
        (17318, 17376, "Their comments on the progress made are still outstanding."),
    ]
    for r in rows:
        assert r["resource"] == ID + "inspection/2003-04/kensington-and-chelsea/revisit/1"
        assert r["sourceFile"] == SOURCE.name
        assert r["sha256"] == digest
        assert source_text[r["start"]:r["end"]] == r["quote"]
    # A theme assignment rests on its passage through prov:wasDerivedFrom.
    assignment = ID + "inspection/2003-04/kensington-and-chelsea/recommendation/2/theme/quality-of-life"
    rows = records("provenance-of-a-resource", graph, store, resource=assignment)
    assert [(r["start"], r["end"]) for r in rows] == [(13968, 14221)]
    assert rows[0]["quote"].startswith("That the BOCU ensures quality of life issues")
    # A term of the ontology has no passage.
    rows = records("provenance-of-a-resource", graph, store,
                   resource="https://w3id.org/going-local/def/inspection/Recommendation")
    assert rows == []
