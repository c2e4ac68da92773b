"""The `going-local` command, run for real: exit codes, outputs and one-line errors."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH

from helpers_cli import (
    FIXTURES, ROOT, SHAPES, clean_env, free_port, one_line, run_cli, silent_endpoint, sparql_endpoint,
)
from server import cli
from server.loading import load_model, load_turtle
from server.validation import load_shapes, validate

GOOD = FIXTURES / "good.ttl"
BAD = FIXTURES / "bad.ttl"
WARN = FIXTURES / "warn.ttl"
QUERIES = FIXTURES / "queries"
RECOMMENDATIONS = QUERIES / "recommendations.rq"


def rel(path) -> str:
    return str(path.relative_to(ROOT))


# --- validate ----------------------------------------------------------------------------

def test_validate_missing_file_is_unusable_input():
    done = run_cli("validate", "no/such/file.ttl")
    assert done.returncode == 2
    assert one_line(done.stderr) == "no/such/file.ttl: no such file or folder"
    assert done.stdout == ""


def test_validate_malformed_turtle_names_file_and_line():
    done = run_cli("validate", rel(FIXTURES / "malformed.ttl"), "--shapes", rel(SHAPES))
    assert done.returncode == 2
    # Line 4 lacks its final '.', which the parser notices at the start of line 5.
    assert one_line(done.stderr) == (
        "tests/fixtures/cli/malformed.ttl:5: expected '.' or '}' or ']' at end of statement")


def test_validate_conforming_data_exits_0():
    done = run_cli("validate", rel(GOOD), "--shapes", rel(SHAPES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Conforms: 0 violations, 0 warnings, 0 infos;")
    assert "against 1 shapes file" in done.stdout
    assert done.stderr == ""


def test_validate_violations_exit_1_with_a_report_grouped_by_resource():
    done = run_cli("validate", rel(BAD), "--shapes", rel(SHAPES))
    assert done.returncode == 1
    out = done.stdout
    # Each resource once, shortened with the file's prefixes, with its file.
    assert out.count("bocu:sutton  (tests/fixtures/cli/bad.ttl)") == 1
    assert out.count("inspection:2003-04-sutton  (tests/fixtures/cli/bad.ttl)") == 1
    assert "  Violation: A BOCU needs a label" in out
    # The SPARQL-based constraint ran (advanced mode) ...
    assert "  Violation: The inspected unit https://w3id.org/going-local/id/force/mps is not a BOCU" in out
    # ... and the concept schemes were there for the sh:node check on the status.
    assert "  Violation: The inspection status must come from the inspection-status scheme" in out
    assert "    value: theme:leadership" in out
    assert out.rstrip().splitlines()[-1].startswith(
        "Does not conform: 3 violations, 0 warnings, 0 infos (violations on 2 resources);")
    # The messages follow their resource's heading.
    assert out.index("bocu:sutton") < out.index("A BOCU needs a label") < out.index("inspection:2003-04-sutton")


def test_validate_under_another_base_still_runs_the_sparql_constraints():
    done = run_cli("validate", rel(BAD), "--shapes", rel(SHAPES),
                   env=clean_env(GOING_LOCAL_BASE="http://127.0.0.1:8000/gl"))
    assert done.returncode == 1
    # The SPARQL constraint's prefixes and IRIs moved with the data, so it still fires.
    assert "  Violation: The inspected unit http://127.0.0.1:8000/gl/id/force/mps is not a BOCU" in done.stdout
    assert "Does not conform: 3 violations" in done.stdout


def test_shapes_sparql_moves_with_the_data_when_validating_at_another_base():
    base = "http://127.0.0.1:8000/gl"
    report = validate(load_turtle([BAD], base=base), load_model(base=base), load_shapes(SHAPES, base=base))
    assert report.violations == 3
    assert any(r.message == f"The inspected unit {base}/id/force/mps is not a BOCU" for r in report.results)


def test_validate_warnings_are_reported_but_do_not_fail():
    done = run_cli("validate", rel(WARN), "--shapes", rel(SHAPES))
    assert done.returncode == 0
    assert "bocu:merton  (tests/fixtures/cli/warn.ttl)" in done.stdout
    assert "  Warning: A BOCU should have a definition" in done.stdout
    assert "Conforms: 0 violations, 1 warning, 0 infos;" in done.stdout


def test_validate_json_is_a_list_of_results():
    done = run_cli("validate", rel(BAD), rel(WARN), "--shapes", rel(SHAPES), "--format", "json")
    assert done.returncode == 1
    results = json.loads(done.stdout)
    assert sorted(r["severity"] for r in results) == ["Violation"] * 3 + ["Warning"]
    label = next(r for r in results if r["message"] == "A BOCU needs a label")
    assert label == {
        "severity": "Violation",
        "focus": "https://w3id.org/going-local/id/bocu/sutton",
        "path": "<http://www.w3.org/2000/01/rdf-schema#label>",
        "value": None,
        "message": "A BOCU needs a label",
        "shape": label["shape"],  # a blank node: its label is arbitrary
        "component": "http://www.w3.org/ns/shacl#MinCountConstraintComponent",
        "files": ["tests/fixtures/cli/bad.ttl"],
    }


def test_validate_turtle_is_the_shacl_report_graph():
    done = run_cli("validate", rel(BAD), "--shapes", rel(SHAPES), "--format", "turtle")
    assert done.returncode == 1
    report = Graph().parse(data=done.stdout, format="turtle")
    assert (None, SH.conforms, Literal(False)) in report
    results = list(report.objects(None, SH.result))
    assert sorted(report.value(r, SH.resultSeverity) for r in results) == [SH.Violation] * 3


def test_validate_folder_loads_every_ttl_below_it():
    done = run_cli("validate", rel(FIXTURES / "tree"), "--shapes", rel(SHAPES))
    assert done.returncode == 0
    # The data is 3 triples in 2 files (README.txt is not loaded), plus the 2 ontology files.
    assert " from 4 files " in done.stdout


def test_what_rdflib_tolerates_is_a_one_line_warning_naming_the_file(tmp_path):
    path = tmp_path / "ill-typed.ttl"
    path.write_text('<https://w3id.org/going-local/id/x> <http://example.org/n> '
                    '"three"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    done = run_cli("validate", str(path), "--shapes", rel(SHAPES))
    assert done.returncode == 0
    assert one_line(done.stderr).startswith(f"warning: {path}: Failed to convert Literal lexical form")


def test_validate_missing_shapes_folder():
    done = run_cli("validate", rel(GOOD), "--shapes", "no-such-shapes")
    assert done.returncode == 2
    assert one_line(done.stderr) == "no-such-shapes: no such folder of shapes"


def test_validate_malformed_shapes_are_unusable_input(tmp_path):
    (tmp_path / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n[ a sh:NodeShape ;\n")
    done = run_cli("validate", rel(GOOD), "--shapes", str(tmp_path))
    assert done.returncode == 2
    assert re.fullmatch(re.escape(str(tmp_path / "broken.ttl")) + r":\d+: .+", one_line(done.stderr))


# --- the shipped data ----------------------------------------------------------------------

def test_shipped_data_validates():
    done = run_cli("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("Conforms: 0 violations")


def test_summary_of_the_shipped_data():
    done = run_cli("summary")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Going Local knowledge graph"
    assert lines[1].startswith("  validation: Conforms: 0 violations")
    total = int(re.match(r"  triples:\s+(\d+) \(data: (\d+) in (\d+) files", lines[2]).group(1))
    assert total > 1000
    assert lines[3] == "Instances per class in the data:"
    counts = {m.group(2): int(m.group(1))
              for m in (re.match(r"\s+(\d+)  (.*)$", line) for line in lines[4:]) if m}
    # The paper reports on six inspected BOCUs of the 2003-04 programme, among others.
    assert counts["borough operational command unit (BOCU)  (insp:BoroughOperationalCommandUnit)"] >= 6
    assert counts["inspection  (insp:Inspection)"] >= 6


def test_summary_reports_violations_with_exit_1():
    done = run_cli("summary", "--data", rel(BAD), "--shapes", rel(SHAPES))
    assert done.returncode == 1
    assert "  validation: Does not conform: 3 violations" in done.stdout
    assert "  triples:    " in done.stdout


def test_stats_counts_per_bocu():
    done = run_cli("stats", "--data", rel(GOOD))
    assert done.returncode == 0, done.stderr
    rows = {line.split("  ")[1].strip(): line.split()[-5:]
            for line in done.stdout.splitlines() if re.match(r"  \w+ BOCU ", line)}
    # Harrow: 1 inspection, 2 recommendations, 1 update, 1 good practice, 1 revisit.
    # Newham has no inspection, so it is not an inspected BOCU.
    assert rows == {"Harrow BOCU": ["1", "2", "1", "1", "1"]}
    assert "  2  recommendation  (insp:Recommendation)" in done.stdout


# --- query ---------------------------------------------------------------------------------

def test_query_runs_locally_with_defaults_and_params():
    done = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "recommendation,number,text",
        "https://w3id.org/going-local/id/recommendation/2003-04-harrow/1,1,That the BOCU reviews its performance management.",
        "https://w3id.org/going-local/id/recommendation/2003-04-harrow/2,2,That the BOCU develops a demand management strategy.",
    ]
    done = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--param", "minimum=2",
                   "--format", "json")
    bindings = json.loads(done.stdout)["results"]["bindings"]
    assert [b["number"] for b in bindings] == [
        {"type": "literal", "value": "2", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}]
    done = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--param", "unit=bocu:newham")
    assert done.stdout.splitlines()[-1] == "(0 rows)"


def test_query_engines_agree():
    outputs = [run_cli("query", rel(QUERIES / "reported-since.rq"), "--data", rel(GOOD), "--param",
                       "since=2005-01-01", "--format", "json", *engine) for engine in
               ([], ["--engine", "rdflib"], ["--engine", "oxigraph"])]
    assert [o.returncode for o in outputs] == [0, 0, 0]
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    assert len(json.loads(outputs[0].stdout)["results"]["bindings"]) == 1


def test_query_unknown_name():
    done = run_cli("query", "no-such-query")
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("no-such-query: no such query file or named query")


@pytest.mark.parametrize("param, message", [
    ("minimum=two", "parameter 'minimum': 'two' is not an xsd:integer (expected digits, e.g. 3)"),
    ("unit=not an iri", "parameter 'unit': 'not an iri' is not an IRI (expected an absolute IRI "
                        "such as https://... or a prefixed name with one of the query's prefixes "
                        "(bocu:, insp:))"),
    ("colour=red", "query 'recommendations' has no parameter 'colour' (its parameters: unit, minimum)"),
    ("minimum", "--param 'minimum': expected NAME=VALUE"),
])
def test_query_bad_param_is_one_line_exit_2(param, message):
    done = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--param", param)
    assert done.returncode == 2
    assert one_line(done.stderr) == message
    assert done.stdout == ""


def test_query_bad_date_param():
    done = run_cli("query", rel(QUERIES / "reported-since.rq"), "--data", rel(GOOD),
                   "--param", "since=2005-02-30")
    assert done.returncode == 2
    assert one_line(done.stderr) == "parameter 'since': '2005-02-30' is not a real date"


def test_query_with_a_syntax_error(tmp_path):
    query = tmp_path / "broken.rq"
    query.write_text("# title: Broken\nSELECT ?s WHERE {\n  ?s ?p ?o\n")
    done = run_cli("query", str(query), "--data", rel(GOOD))
    assert done.returncode == 2
    assert one_line(done.stderr).startswith(f"{query}:")


def test_query_on_a_remote_endpoint_binds_values_and_reads_results(tmp_path):
    with sparql_endpoint(tmp_path, GOOD) as endpoint:
        done = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", endpoint.url,
                       "--param", "minimum=2", "--format", "json")
        received = endpoint.received()
    assert done.returncode == 0, done.stderr
    assert len(received) == 1
    query = received[0]["query"]
    # The terms reached the endpoint bound in a VALUES block at the start of the WHERE
    # group, typed; the query text is otherwise the file's.
    assert ("WHERE {\n  VALUES (?unit ?minimum) { (<https://w3id.org/going-local/id/bocu/harrow> "
            '"2"^^<http://www.w3.org/2001/XMLSchema#integer>) }\n') in query
    assert query == RECOMMENDATIONS.read_text().replace(
        "WHERE {\n", "WHERE {\n  VALUES (?unit ?minimum) { (<https://w3id.org/going-local/id/bocu/harrow> "
        '"2"^^<http://www.w3.org/2001/XMLSchema#integer>) }\n\n', 1)
    result = json.loads(done.stdout)
    assert [row["recommendation"]["value"] for row in result["results"]["bindings"]] == [
        "https://w3id.org/going-local/id/recommendation/2003-04-harrow/2"]
    assert result["results"]["bindings"][0]["number"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_query_on_a_remote_endpoint_table_matches_the_local_one(tmp_path):
    local = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--format", "csv")
    with sparql_endpoint(tmp_path, GOOD) as endpoint:
        remote = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", endpoint.url, "--format", "csv")
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout


@pytest.mark.parametrize("text", [
    "ASK { ?s a <https://w3id.org/going-local/def/inspection/Revisit> }",
    "CONSTRUCT { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?text } "
    "WHERE { ?r <https://w3id.org/going-local/def/inspection/text> ?text }",
])
def test_ask_and_construct_answer_the_same_here_and_remotely(tmp_path, text):
    query = tmp_path / "q.rq"
    query.write_text(text)
    local = run_cli("query", str(query), "--data", rel(GOOD), "--format", "csv")
    with sparql_endpoint(tmp_path, GOOD) as endpoint:
        remote = run_cli("query", str(query), "--endpoint", endpoint.url, "--format", "csv")
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert len(local.stdout.splitlines()) == 2 if text.startswith("ASK") else 3


def test_query_endpoint_refusing_connections_is_one_line_exit_2():
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    done = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", url)
    assert done.returncode == 2
    assert one_line(done.stderr) == f"{url}: cannot connect (Connection refused)"


def test_query_endpoint_http_error_is_one_line_exit_2(tmp_path):
    with sparql_endpoint(tmp_path, GOOD) as endpoint:
        wrong = endpoint.url.replace("/sparql", "/elsewhere")
        done = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", wrong)
    assert done.returncode == 2
    assert one_line(done.stderr) == f"{wrong}: no SPARQL endpoint there (HTTP 404)"


def test_query_endpoint_that_never_answers_times_out_in_one_line():
    with silent_endpoint() as url:
        done = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", url, "--timeout", "1")
    assert done.returncode == 2
    assert one_line(done.stderr) == f"{url}: no answer within 1 s"


def test_query_endpoint_must_be_http():
    done = run_cli("query", rel(RECOMMENDATIONS), "--endpoint", "localhost:3030/sparql")
    assert done.returncode == 2
    assert one_line(done.stderr) == "localhost:3030/sparql: not an http:// or https:// endpoint URL"


# --- usage and unexpected errors --------------------------------------------------------------

def test_usage_errors_are_one_line_exit_2():
    done = run_cli("validate", "--format", "xml")
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("going-local validate: argument --format: invalid choice: 'xml'")
    done = run_cli()
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("going-local: the following arguments are required: COMMAND")


def test_help_exits_0():
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("validate", "query", "export", "stats", "summary"):
        assert command in done.stdout


def test_a_bug_is_one_line_exit_3_from_main_but_raises_from_run(monkeypatch, capsys):
    def broken(args):
        raise KeyError("oops")

    monkeypatch.setitem(cli.COMMANDS, "stats", broken)
    with pytest.raises(KeyError):
        cli.run(["stats"])
    assert cli.main(["stats"]) == 3
    err = capsys.readouterr().err
    assert one_line(err).startswith("going-local: internal error (KeyError: 'oops')")


def test_base_can_be_moved_with_going_local_base():
    done = run_cli("query", rel(RECOMMENDATIONS), "--data", rel(GOOD), "--format", "csv",
                   env=clean_env(GOING_LOCAL_BASE="http://localhost:8000/gl/"))
    assert done.returncode == 0, done.stderr
    # The data, the query's IRIs and the default parameter all moved together.
    assert done.stdout.splitlines()[1].startswith("http://localhost:8000/gl/id/recommendation/2003-04-harrow/1,1,")
