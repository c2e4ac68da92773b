"""`going-local build` and serving what it wrote.

- The build serves the same bytes as the service that loads and validates the data at
  start-up: pages, documents in every format, lists, search, VoID, dumps, sitemap, /sparql.
- It refuses, with one line and exit 2, to serve a build that does not match the data,
  shapes, base or code, and builds nothing from data that does not conform (exit 1).
- Validating a change since the build (`validate --changed`) gives the same report as
  validating everything, on every broken fixture, and validates again only the parts the
  change touches.
- The data read by pyoxigraph (server/rdfio.py) is the data rdflib reads, and the
  validation in parts gives pyshacl's report.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from helpers_cli import ROOT, clean_env, one_line, run_cli
from server import partitions, rdfio, shacl_engine
from server.app import create_app, load_service
from server.build import PRECOMPUTED_PAGES, Built, build, open_built, validate_change
from server.config import CANONICAL_BASE, Settings
from server.errors import GoingLocalError
from server.validation import load_shapes, render_json, render_text, validate_files, validate_paths

BROKEN = ROOT / "tests" / "fixtures" / "broken"
HARROW = "/doc/bocu/harrow"

PATHS = [
    "/", HARROW, HARROW + ".ttl", HARROW + ".jsonld", HARROW + ".nt", HARROW + ".rdf",
    "/doc/inspection/2003-04/harrow", "/doc/inspection/2003-04/harrow/recommendation/2",
    "/doc/inspection/2003-04/harrow/recommendation/2.ttl", "/doc/committee-paper/2005-01-19-report-8",
    "/doc/programme-year/2003-04", "/doc/source-text/mpa-pprc-2005-01-19-report-8",
    "/def/inspection", "/def/inspection.ttl", "/def/theme", "/def/theme.jsonld",
    "/def/theme/partnerships", "/def/inspection/Recommendation", "/void", "/void.html", "/void.ttl",
    "/dumps/", "/dumps/going-local.ttl", "/dumps/going-local.nt", "/dumps/going-local.jsonld",
    "/dumps/going-local.rdf", "/sitemap.xml", "/robots.txt", "/source", "/bocus", "/inspections",
    "/recommendations?theme=partnerships", "/actions", "/good-practice", "/search?q=partnership",
    "/search?q=harrow&format=json", "/glance/timeline", "/glance/themes", "/glance/programme",
    "/glance/quality", "/glance/themes?year=2003-04",
    "/paper/2003-04", "/id/bocu/harrow", "/id/nothing-here", "/doc/nothing-here.ttl",
]


def copy_data(folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(ROOT / "data", data)
    return data


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory) -> Path:
    return copy_data(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="module")
def built(data_copy) -> tuple[Settings, Path]:
    settings = Settings(data_dir=data_copy)
    out = data_copy.parent / "store"
    build(settings, out)
    return settings, out


# --- Serving a build -----------------------------------------------------------------------

def test_a_build_is_served_as_the_data_is_served_when_loaded(built):
    settings, out = built
    loaded = create_app(settings, load_service(settings)).test_client()
    opened = create_app(settings, open_built(settings, out)).test_client()
    for path in PATHS:
        a, b = loaded.get(path), opened.get(path)
        assert (a.status_code, a.content_type) == (b.status_code, b.content_type), path
        assert a.data == b.data, path
        for header in ("ETag", "Link", "Location", "Content-Location", "Vary"):
            assert a.headers.get(header) == b.headers.get(header), (path, header)


def test_a_build_answers_sparql_as_the_loaded_data_does(built):
    settings, out = built
    query = ("PREFIX insp: <https://w3id.org/going-local/def/inspection/> "
             "SELECT ?r ?n WHERE { ?r insp:recommendationNumber ?n } ORDER BY ?r")
    answers = []
    for service in (load_service(settings), open_built(settings, out)):
        app = create_app(settings, service)
        try:
            response = app.test_client().get("/sparql", query_string={"query": query},
                                             headers={"Accept": "text/csv"})
            assert response.status_code == 200
            answers.append(response.data)
        finally:
            from server.endpoint import close_workers
            close_workers(app)
    assert answers[0] == answers[1] and answers[0].count(b"\n") > 20


def test_the_build_holds_what_the_manifest_says(built):
    settings, out = built
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"] == CANONICAL_BASE
    assert manifest["triples"] == len(load_service(settings).store)
    assert {e["kind"] for e in manifest["files"]} == {"data", "ontology", "shapes"}
    for name in ("store", "dataset.nt", "facts.sqlite", "search.sqlite", "dumps", "validation.sqlite"):
        assert (out / name).exists(), name
    served = Built(out).service(settings)
    assert len(served.store) == manifest["triples"]
    for path in PRECOMPUTED_PAGES:  # the home page and the themes at a glance, rendered at build time
        assert served.facts.page(path).startswith(b"<!doctype html>"), path
    # And every unit's and inspection's page, served as test_a_build_is_served_as... checks.
    units = {str(r[0]) for r in served.store.select(
        "SELECT ?u WHERE { ?u a <https://w3id.org/going-local/def/inspection/BasicCommandUnit> }").rows}
    inspections = {str(r[0]) for r in served.store.select(
        "SELECT ?i WHERE { ?i a <https://w3id.org/going-local/def/inspection/Inspection> }").rows}
    assert len(units) == 32 and len(inspections) == 21
    assert manifest["pages"] == len(PRECOMPUTED_PAGES) + len(units) + len(inspections)
    for iri in units | inspections:
        assert served.facts.page(iri).startswith(b"<!doctype html>"), iri


def test_serving_a_build_neither_parses_nor_validates(built, monkeypatch):
    settings, out = built

    def refuse(*args, **kwargs):
        raise AssertionError("a build must not be read or validated again")

    monkeypatch.setattr(rdfio, "parse_file", refuse)
    monkeypatch.setattr(partitions, "validate_batches", refuse)
    monkeypatch.setattr(pyshacl, "validate", refuse)
    client = create_app(settings, open_built(settings, out)).test_client()
    assert client.get(HARROW).status_code == 200


# --- Refusing a build that is not of the data ------------------------------------------------------

def test_serve_refuses_a_build_of_other_data_in_one_line(tmp_path):
    data = copy_data(tmp_path)
    out = tmp_path / "store"
    settings = Settings(data_dir=data)
    build(settings, out)
    open_built(settings, out)  # as built: accepted

    harrow = data / "inspections" / "2003-04" / "harrow.ttl"
    original = harrow.read_bytes()
    harrow.write_text(harrow.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    with pytest.raises(GoingLocalError, match="built from another version of .*harrow.ttl"):
        open_built(settings, out)
    done = run_cli("serve", "--store-dir", str(out), "--port", "9", timeout=60)
    assert done.returncode == 2
    assert "harrow.ttl" in one_line(done.stderr) and "build again" in one_line(done.stderr)

    harrow.write_bytes(original)  # the same bytes again (a newer time): accepted
    open_built(settings, out)
    (data / "reference" / "extra.ttl").write_text("", encoding="utf-8")
    with pytest.raises(GoingLocalError, match="built before .*extra.ttl was added"):
        open_built(settings, out)


def test_serve_refuses_a_build_for_another_base(built):
    settings, out = built
    other = Settings(data_dir=settings.data_dir, base="http://127.0.0.1:5000")
    with pytest.raises(GoingLocalError, match="built for the base"):
        open_built(other, out)


def test_serve_refuses_a_folder_that_is_not_a_build(tmp_path):
    done = run_cli("serve", "--store-dir", str(tmp_path), "--port", "9")
    assert done.returncode == 2
    assert "not a build" in one_line(done.stderr)


def test_build_refuses_data_that_does_not_conform(tmp_path):
    data = copy_data(tmp_path)
    shutil.copy(BROKEN / "report-before-visit.ttl", data / "inspections" / "2003-04" / "harrow.ttl")
    done = run_cli("build", "--data", str(data), "--out", str(tmp_path / "store"),
                   env=clean_env(), timeout=120)
    assert done.returncode == 1
    assert "Does not conform" in done.stdout
    assert not (tmp_path / "store").exists()


# --- Validating a change ----------------------------------------------------------------------

def blanks_masked(text: str) -> str:
    return re.sub(r'"_:[A-Za-z0-9]+"', '"_:b"', text)


def replaced(fixture: Path) -> str:
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# replaces:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{fixture.name} names no file it replaces")


@pytest.mark.parametrize("fixture", sorted(BROKEN.glob("*.ttl")), ids=lambda p: p.stem)
def test_validating_a_change_gives_the_report_of_validating_everything(built, fixture, monkeypatch):
    settings, out = built
    data = settings.data_dir
    target = data / Path(replaced(fixture)).relative_to("data")
    original = target.read_bytes()
    monkeypatch.chdir(ROOT)
    try:
        shutil.copy(fixture, target)
        whole = validate_paths([data])
        changed = validate_change(settings, out)
        assert not whole.conforms
        assert render_text(changed.report) == render_text(whole)
        # Blank-node shapes are labelled afresh each time the shapes are read.
        assert blanks_masked(render_json(changed.report)) == blanks_masked(render_json(whole))
        if "inspections" in target.parts:  # one inspection changed: its part alone
            assert len(changed.change.owners) == 1
    finally:
        target.write_bytes(original)
    assert validate_change(settings, out).report.conforms


def test_validate_changed_on_the_command_line(built, tmp_path):
    settings, out = built
    target = settings.data_dir / "inspections" / "2003-04" / "harrow.ttl"
    original = target.read_bytes()
    try:
        shutil.copy(BROKEN / "report-before-visit.ttl", target)
        done = run_cli("validate", "--changed", "--store-dir", str(out))
        assert done.returncode == 1, done.stderr
        assert "validated again: 1 part(s)" in done.stderr
        assert "was issued on 2003-05-01" in done.stdout
    finally:
        target.write_bytes(original)
    done = run_cli("validate", "--changed", "--store-dir", str(out))
    assert done.returncode == 0 and "Conforms" in done.stdout


# --- Reading and validating in parts ----------------------------------------------------------------

def test_pyoxigraph_reads_the_files_as_rdflib_does():
    files = sorted((ROOT / "data").rglob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl"))
    for path in files:
        ours = rdfio.graph_of(rdfio.parse_file(path).lines)
        theirs = Graph().parse(path, format="turtle")
        assert set(ours) == set(theirs), path.name


def pyshacl_results(files: list[Path]) -> set:
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    shapes = load_shapes(ROOT / "shapes", base=CANONICAL_BASE).graph
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True, inplace=True)
    nested = set(report.objects(None, SH.detail))
    return {result_row(report.value(r, SH.resultSeverity), report.value(r, SH.focusNode),
                       report.value(r, SH.resultPath), report.value(r, SH.value),
                       str(report.value(r, SH.resultMessage)), report.value(r, SH.sourceShape),
                       report.value(r, SH.sourceConstraintComponent))
            for r in report.subjects(RDF.type, SH.ValidationResult) if r not in nested}


def result_row(severity, focus, path, value, message, shape, component) -> tuple:
    """A result as a row, with blank nodes (a shape or path written inline) as one marker."""
    def named(node):
        return "[]" if isinstance(node, BNode) else node
    return severity, named(focus), named(path), value, message, named(shape), component


@pytest.mark.parametrize("fixture", [None, *sorted(BROKEN.glob("*.ttl"))],
                         ids=lambda p: p.stem if p else "shipped")
def test_validation_in_parts_gives_pyshacls_report(fixture, monkeypatch):
    """Every inspection and paper in a batch of its own, in two worker processes."""
    data = sorted((ROOT / "data").rglob("*.ttl"))
    if fixture is not None:
        data = [fixture if p == ROOT / replaced(fixture) else p for p in data]
    model = sorted((ROOT / "ontology").glob("*.ttl"))
    monkeypatch.setattr(partitions, "BATCH_LINES", 1)
    report, parted, done = validate_files(rdfio.parse_files(data), rdfio.parse_files(model),
                                          load_shapes(ROOT / "shapes", base=CANONICAL_BASE),
                                          workers=2 if fixture is None else 0)
    assert len(done) == len(parted.parts) > 20
    ours = {result_row(r.severity, r.focus, r.path, r.value, r.message, r.shape, r.component)
            for r in report.results}
    assert ours == pyshacl_results(data + model)


@pytest.mark.parametrize("fixture", [None, *sorted(BROKEN.glob("*.ttl"))],
                         ids=lambda p: p.stem if p else "shipped")
def test_pyshacl_as_run_here_gives_pyshacls_report_graph(fixture):
    """The whole graph at once, its focus nodes found first and pyshacl tuned
    (server/shacl_engine.py): the report graph is pyshacl's own, triple for triple."""
    data = sorted((ROOT / "data").rglob("*.ttl"))
    if fixture is not None:
        data = [fixture if p == ROOT / replaced(fixture) else p for p in data]
    files = data + sorted((ROOT / "ontology").glob("*.ttl"))
    shapes = load_shapes(ROOT / "shapes", base=CANONICAL_BASE).graph
    graphs = []
    for _ in range(2):
        graph = Graph()
        for path in files:
            graph.parse(path, format="turtle")
        graphs.append(graph)
    ours = shacl_engine.validate_graph(graphs[0], shapes)
    _, theirs, _ = pyshacl.validate(graphs[1], shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True, inplace=True)
    assert isomorphic(without_targets(ours), without_targets(theirs))


def without_targets(report: Graph) -> Graph:
    """A report graph without the target statements of the shapes it copies (blank-node
    shapes are copied into the report whole; ours are given their focus nodes as targets)."""
    kept = Graph()
    kept += ((s, p, o) for s, p, o in report if p not in shacl_engine.TARGET_PREDICATES)
    return kept
