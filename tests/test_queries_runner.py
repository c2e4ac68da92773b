"""Named queries: headers, typed parameters, the WHERE-group scanner, and running them."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from helpers_cli import FIXTURES, ROOT
from server.errors import GoingLocalError
from server.loading import load_dataset
from server.queries import (
    NamedQuery, Param, bind_params, declared_prefixes, find_query, parse_header, query_form,
    read_query, rebase_query, run_file, run_local, run_oxigraph, to_term, where_group_start,
    with_values,
)
from server.results import QueryResult, result_from_json, result_to_json, term_from_json

EX = "http://example.org/"
GOOD = FIXTURES / "good.ttl"


# --- Headers -------------------------------------------------------------------------------

def test_header_with_continued_description_and_params():
    text = (
        "# title: Recommendations per unit\n"
        "# description: The recommendations each unit got,\n"
        "#   with their text; note: this line has no key.\n"
        "# param: unit (iri, default bocu:harrow) The unit to list\n"
        "# param: since (xsd:date) Only those reported since; all when not given\n"
        "# param: label (xsd:string, default \"Harrow BOCU\") Its label\n"
        "#\n"
        "# author: someone\n"
        "#   and more about the author, not part of the description\n"
        "PREFIX bocu: <https://w3id.org/going-local/id/bocu/>\n"
        "# description: not in the header any more\n"
        "SELECT * WHERE { ?s ?p ?o }\n")
    title, description, params = parse_header(text, "q.rq")
    assert title == "Recommendations per unit"
    assert description == "The recommendations each unit got, with their text; note: this line has no key."
    assert params == [
        Param("unit", "iri", "bocu:harrow", "The unit to list"),
        Param("since", "xsd:date", None, "Only those reported since; all when not given"),
        Param("label", "xsd:string", "Harrow BOCU", "Its label"),
    ]


@pytest.mark.parametrize("line, message", [
    ("# param: when (xsd:dateTime) A time", "q.rq:2: parameter 'when' has unknown type 'xsd:dateTime' "
                                             "(known: xsd:date, xsd:gYearMonth, xsd:string, xsd:integer, iri)"),
    ("# param: when xsd:date A time", "q.rq:2: cannot read the parameter 'when xsd:date A time' "
                                      "(expected: NAME (TYPE, default VALUE) description)"),
])
def test_bad_param_lines_name_file_and_line(line, message):
    with pytest.raises(GoingLocalError) as error:
        parse_header(f"# title: T\n{line}\nSELECT * {{}}\n", "q.rq")
    assert error.value.message == message


def test_a_param_declared_twice_is_an_error():
    with pytest.raises(GoingLocalError, match="parameter 'a' is declared twice"):
        parse_header("# param: a (xsd:string) x\n# param: a (xsd:integer) y\n", "q.rq")


def test_read_query_without_header_is_named_by_its_file(tmp_path):
    path = tmp_path / "plain-query.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o }\n")
    query = read_query(path)
    assert (query.name, query.title, query.description, query.params) == ("plain-query", "plain-query", "", [])


def test_read_query_missing_file():
    with pytest.raises(GoingLocalError, match=r"^nowhere\.rq: no such query file$"):
        read_query("nowhere.rq")


def test_find_query_by_name_in_a_queries_folder():
    assert find_query("recommendations", FIXTURES / "queries").title == "Recommendations of a unit's inspections"
    with pytest.raises(GoingLocalError, match="named queries: recommendations, reported-since"):
        find_query("nothing-like-it", FIXTURES / "queries")


# --- Parameter values ----------------------------------------------------------------------

def p(type_: str) -> Param:
    return Param("x", type_)


@pytest.mark.parametrize("type_, value, term", [
    ("xsd:date", "2004-02-29", Literal("2004-02-29", datatype=XSD.date)),
    ("xsd:gYearMonth", "2004-05", Literal("2004-05", datatype=XSD.gYearMonth)),
    ("xsd:integer", "-12", Literal(-12, datatype=XSD.integer)),
    ("xsd:string", 'Harrow "BOCU" {x}', Literal('Harrow "BOCU" {x}')),
    ("iri", "https://w3id.org/going-local/id/bocu/harrow", URIRef("https://w3id.org/going-local/id/bocu/harrow")),
    ("iri", "<urn:x:y>", URIRef("urn:x:y")),
    ("iri", "ex:thing", URIRef(EX + "thing")),
])
def test_values_become_typed_terms(type_, value, term):
    made = to_term(p(type_), value, {"ex": EX})
    assert made == term and type(made) is type(term)
    if isinstance(term, Literal):
        assert made.datatype == term.datatype


@pytest.mark.parametrize("type_, value, why", [
    ("xsd:date", "2004-2-1", "is not an xsd:date (expected YYYY-MM-DD)"),
    ("xsd:date", "2003-02-29", "is not a real date"),
    ("xsd:date", "2004-01-01T00:00:00", "is not an xsd:date (expected YYYY-MM-DD)"),
    ("xsd:gYearMonth", "2004-13", "is not an xsd:gYearMonth (expected YYYY-MM, month 01-12)"),
    ("xsd:gYearMonth", "May 2004", "is not an xsd:gYearMonth (expected YYYY-MM, month 01-12)"),
    ("xsd:integer", "3.5", "is not an xsd:integer (expected digits, e.g. 3)"),
    ("xsd:integer", "", "is not an xsd:integer (expected digits, e.g. 3)"),
    ("iri", "harrow", "is not an IRI (expected an absolute IRI such as https://... "
                      "or a prefixed name with one of the query's prefixes (ex:))"),
    ("iri", "http://x/a b", "is not an IRI (expected an absolute IRI such as https://... "
                            "or a prefixed name with one of the query's prefixes (ex:))"),
    ("iri", "<http://x/>\" . ?s ?p ?o", "is not an IRI (expected an absolute IRI such as https://... "
                                        "or a prefixed name with one of the query's prefixes (ex:))"),
])
def test_bad_values_name_the_parameter_and_the_problem(type_, value, why):
    with pytest.raises(GoingLocalError) as error:
        to_term(p(type_), value, {"ex": EX})
    assert error.value.message == f"parameter 'x': {value!r} {why}"


def test_bind_params_uses_defaults_leaves_the_rest_unbound_and_refuses_unknown_names():
    query = read_query(FIXTURES / "queries" / "recommendations.rq")
    assert bind_params(query, {}) == {
        "unit": URIRef("https://w3id.org/going-local/id/bocu/harrow"),
        "minimum": Literal(1, datatype=XSD.integer)}
    assert bind_params(query, {"minimum": "4"})["minimum"] == Literal(4, datatype=XSD.integer)
    since = read_query(FIXTURES / "queries" / "reported-since.rq")
    assert bind_params(since, {}) == {}
    with pytest.raises(GoingLocalError, match="has no parameter 'nope'"):
        bind_params(query, {"nope": "1"})


# --- The scanner ---------------------------------------------------------------------------

TRICKY = [
    # Braces and WHERE inside comments, strings of all four kinds, and IRIs come first.
    ('PREFIX ex: <http://example.org/a{b}#>  # { WHERE {\n'
     'SELECT ?s # WHERE {\n'
     'WHERE # {\n'
     '{ ?s ex:p "}{ WHERE {" , \'{\' , """{\n"}""" , \'\'\'}\'\'\' , "\\"{" . }',
     "WHERE # {\n{"),
    # A variable or prefixed name called where is not the keyword.
    ("PREFIX where: <http://example.org/>\nSELECT ?where where:x WHERE { ?where ?p where:y }", "WHERE {"),
    # CONSTRUCT's template is not its WHERE group.
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WHERE {"),
    # WHERE is optional in SELECT and ASK.
    ("SELECT * { ?s ?p ?o }", "* {"),
    ("ASK{?s ?p ?o}", "ASK{"),
    # A sub-select's WHERE is inside the outer group, which is the one wanted.
    ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", "WHERE {"),
    # < as an operator, not an IRI.
    ("SELECT ?s WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }", "WHERE {"),
    # Lower case, with no space before the brace.
    ("select ?s where{ ?s ?p ?o }", "where{"),
]


@pytest.mark.parametrize("text, before", TRICKY)
def test_where_group_is_found_past_comments_strings_and_iris(text, before):
    assert where_group_start(text) == text.index(before) + len(before) - 1


def test_tricky_text_still_parses_and_answers_the_same_with_values():
    graph = Graph()
    graph.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal("}{ WHERE {")))
    graph.add((URIRef(EX + "b"), URIRef(EX + "p"), Literal("other")))
    text = ('PREFIX ex: <http://example.org/>  # a { in a comment\n'
            'SELECT ?s ?o WHERE # {\n'
            '{ ?s ex:p ?o . FILTER(?o != "}" && ?o != \'\'\'{\'\'\') }')
    bound = {"s": URIRef(EX + "a")}
    query = NamedQuery("t", "t", "", [], text)
    local = run_local(query, graph, bound)
    via_values = graph.query(with_values(text, bound))
    assert local.rows == [tuple(row) for row in via_values] == [(URIRef(EX + "a"), Literal("}{ WHERE {"))]


def test_values_block_holds_the_terms_as_n3():
    text = "SELECT * WHERE { ?s ?p ?o }"
    out = with_values(text, {"o": Literal('say "hi"\n', lang="en"), "n": Literal(3, datatype=XSD.integer)})
    assert out == ('SELECT * WHERE {\n  VALUES (?o ?n) { ("""say "hi"\n"""@en '
                   '"3"^^<http://www.w3.org/2001/XMLSchema#integer>) }\n ?s ?p ?o }')
    graph = Graph()
    graph.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal('say "hi"\n', lang="en")))
    assert len(graph.query(out)) == 1  # the block is SPARQL that finds the very literal
    assert with_values(text, {}) == text


def test_unterminated_string_and_missing_group_are_errors():
    with pytest.raises(GoingLocalError, match="line 2: unterminated string"):
        where_group_start('SELECT *\n"oops WHERE { ?s ?p ?o }')
    with pytest.raises(GoingLocalError, match="cannot find the query's WHERE group"):
        where_group_start("DESCRIBE <http://example.org/a>")
    with pytest.raises(GoingLocalError, match="cannot find the query's WHERE group"):
        where_group_start("CONSTRUCT { ?s ?p ?o }")


def test_query_form_and_declared_prefixes():
    text = 'PREFIX a: <http://a/> prefix b:<http://b/>\n# SELECT\nCONSTRUCT { ?s a:p "ASK" } WHERE { ?s ?p ?o }'
    assert query_form(text) == "CONSTRUCT"
    assert declared_prefixes(text) == {"a": "http://a/", "b": "http://b/"}


def test_rebase_query_moves_only_canonical_iris():
    text = ('PREFIX insp: <https://w3id.org/going-local/def/inspection/>\n'
            'SELECT * WHERE { ?s ?p <https://w3id.org/going-localish/x> , "https://w3id.org/going-local/id/" }')
    moved = rebase_query(text, "http://localhost:8000")
    assert moved == text.replace("<https://w3id.org/going-local/def/", "<http://localhost:8000/def/")
    assert rebase_query(text, "https://w3id.org/going-local") == text


# --- Results -------------------------------------------------------------------------------

def test_sparql_json_becomes_rdflib_terms():
    data = {
        "head": {"vars": ["a", "b", "c", "d", "e", "f"]},
        "results": {"bindings": [{
            "a": {"type": "uri", "value": "http://example.org/x"},
            "b": {"type": "literal", "value": "Harrow", "xml:lang": "en"},
            "c": {"type": "literal", "value": "2004-05", "datatype": str(XSD.gYearMonth)},
            "d": {"type": "bnode", "value": "b0"},
            "e": {"type": "typed-literal", "value": "3", "datatype": str(XSD.string)},
        }]},
    }
    result = result_from_json(data)
    assert result.variables == ["a", "b", "c", "d", "e", "f"]
    row = result.rows[0]
    assert row == (URIRef("http://example.org/x"), Literal("Harrow", lang="en"),
                   Literal("2004-05", datatype=XSD.gYearMonth), BNode("b0"), Literal("3"), None)
    assert row[1].language == "en" and row[2].datatype == XSD.gYearMonth
    assert result_from_json(result_to_json(result)) == result


def test_ask_answers_and_bad_json():
    assert result_from_json({"head": {}, "boolean": True}) == QueryResult.of_boolean(True)
    with pytest.raises(GoingLocalError, match="not SPARQL JSON results"):
        result_from_json({"head": {"vars": ["a"]}})
    with pytest.raises(GoingLocalError, match="unknown type 'triple'"):
        term_from_json({"type": "triple", "value": "x"})


# --- Running -------------------------------------------------------------------------------

def test_run_a_query_file_from_anywhere(tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("# title: Count\n# param: cls (iri) A class\n"
                    "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ?cls }\n")
    graph = load_dataset([GOOD]).graph
    result = run_file(path, graph, {"cls": "https://w3id.org/going-local/def/inspection/Recommendation"})
    assert result.rows == [(Literal(2, datatype=XSD.integer),)]


def test_ask_and_construct_run_locally(tmp_path):
    graph = load_dataset([GOOD]).graph
    ask = tmp_path / "ask.rq"
    ask.write_text("ASK { ?s a <https://w3id.org/going-local/def/inspection/Revisit> }")
    assert run_file(ask, graph).boolean is True
    construct = tmp_path / "construct.rq"
    construct.write_text("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c . "
                         "FILTER(?c = <https://w3id.org/going-local/def/inspection/Revisit>) }")
    result = run_file(construct, graph)
    assert result.variables == ["subject", "predicate", "object"] and len(result.rows) == 1


# --- The shipped named queries -------------------------------------------------------------

SHIPPED = sorted((ROOT / "queries").glob("*.rq"))


def test_there_are_shipped_queries():
    assert SHIPPED, "queries/ has no *.rq files"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_query_has_a_header_and_runs_on_the_shipped_data(path, shipped_dataset):
    query = read_query(path)
    assert query.title != query.name, "no '# title:' line"
    assert query.description, "no '# description:' line"
    # Oxigraph, as the command line and the web service run them: rdflib's evaluator
    # takes minutes over some of these joins.
    result = run_oxigraph(query, shipped_dataset, bind_params(query, {}))
    assert result.variables


@pytest.mark.parametrize("params", [{}, {"minimum": "2"}, {"unit": "bocu:newham"}])
def test_rdflib_and_oxigraph_agree(params):
    query = read_query(FIXTURES / "queries" / "recommendations.rq")
    graph = load_dataset([GOOD]).graph
    bound = bind_params(query, params)
    assert run_local(query, graph, bound) == run_oxigraph(query, graph, bound)


@pytest.fixture(scope="module")
def shipped_dataset():
    return load_dataset().graph
