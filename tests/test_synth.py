"""The synthetic dataset (`going-local synth`): the same bytes for the same seed, the size
asked for, conforming to the shapes, every passage at its offsets, minted under a base of
its own, never written into data/, never mixed with the published data, and served like
data/ by `going-local serve --data DIR`."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from helpers_cli import ROOT, clean_env, one_line, run_cli
from live import live_server
from server.app import load_service
from server.config import CANONICAL_BASE, Settings
from server.errors import GoingLocalError
from server.synth import default_base, english, string, synthesize
from server.synthetic import MARKER, base_for_paths, synthetic_base
from server.validation import render_text, validate_paths

N = 10_000
INSP = f"{CANONICAL_BASE}/def/inspection/"


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def turtle_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ttl"))


def store_of(folder: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for path in turtle_files(folder):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "seed-1"
    synthesize(N, 1, out)
    return out


# --- Deterministic ---------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(synthetic, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    synthesize(N, 1, again)
    synthesize(N, 2, other)
    assert files_of(again) == files_of(synthetic)
    different = files_of(other)
    assert different.keys() >= {"dataset.ttl", "programme.ttl", MARKER}
    assert different["inspections/2001-02.ttl"] != files_of(synthetic)["inspections/2001-02.ttl"]
    assert different["sources/synthetic-source.txt"] != files_of(synthetic)["sources/synthetic-source.txt"]


def test_an_earlier_synthetic_dataset_is_replaced_whole(tmp_path):
    out = tmp_path / "synthetic"
    synthesize(2000, 3, out)
    (out / "forces" / "stray.ttl").write_text("# left over\n", encoding="utf-8")
    synthesize(N, 3, out)
    assert not (out / "forces" / "stray.ttl").exists()
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["requested_triples"] == N


# --- Its size -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_the_triple_count_is_within_two_percent_of_what_was_asked(synthetic, tmp_path, seed):
    folder = synthetic if seed == 1 else tmp_path / "other"
    if seed != 1:
        synthesize(N, seed, folder)
    store = store_of(folder)
    statements = sum(1 for path in turtle_files(folder)
                     for line in path.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith("#"))
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    assert len(store) == statements == marker["triples"], "one triple a line, none repeated"
    assert abs(len(store) - N) <= 0.02 * N
    assert marker["requested_triples"] == N and marker["seed"] == seed


def test_every_file_is_marked_synthetic_and_the_folder_describes_itself(synthetic):
    for path in turtle_files(synthetic):
        assert path.read_text(encoding="utf-8").startswith("# SYNTHETIC DATA, NOT REAL"), path
    dataset = Graph().parse(synthetic / "dataset.ttl", format="turtle")
    title = f"Synthetic Going Local dataset (seed 1, {N} triples)"
    rows = list(dataset.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?title ?description ?space WHERE {
            ?d a dcat:Dataset ; dcterms:title ?title ; dcterms:description ?description ;
               void:uriSpace ?space }"""))
    assert len(rows) == 1
    assert str(rows[0].title) == title
    assert "SYNTHETIC, NOT REAL DATA" in str(rows[0].description)
    assert str(rows[0].space) == default_base(1) + "/"


# --- Conforms to the shapes ---------------------------------------------------------------------

def test_it_conforms_to_the_shapes_at_the_canonical_base_and_at_its_own(synthetic):
    for base in (CANONICAL_BASE, default_base(1)):
        report = validate_paths([synthetic], base=base)
        assert report.conforms, render_text(report)
        assert report.violations == 0


def test_the_shapes_sparql_still_fires_under_the_synthetic_base(synthetic, tmp_path):
    """A theme stated without its theme assignment breaks a SPARQL-only rule; at the
    synthetic base the shapes' SPARQL must have moved with the data to see it."""
    broken = tmp_path / "broken"
    shutil.copytree(synthetic, broken)
    recommendation = next(line.split()[0] for line in
                          (broken / "inspections" / "2001-02.ttl").read_text(encoding="utf-8").splitlines()
                          if f"<{INSP}Recommendation>" in line)
    with open(broken / "inspections" / "2001-02.ttl", "a", encoding="utf-8") as stream:
        stream.write(f"{recommendation} <{INSP}theme> <{CANONICAL_BASE}/def/theme/leadership> .\n"
                     f"{recommendation} <{INSP}theme> <{CANONICAL_BASE}/def/theme/diversity> .\n")
    report = validate_paths([broken], base=default_base(1))
    assert not report.conforms
    assert {str(r.shape).rsplit("/", 1)[-1] for r in report.results
            if "Violation" in str(r.severity)} == {"RecommendationThemesAssigned"}


def test_it_has_every_status_and_kind_of_resource(synthetic):
    store = store_of(synthetic)

    def values(predicate: str) -> set[str]:
        return {row[0].value.rsplit("/", 1)[-1] for row in
                store.query(f"SELECT DISTINCT ?o WHERE {{ ?s <{INSP}{predicate}> ?o }}")}

    assert values("inspectionStatus") == {"inspected", "arranged", "planned"}
    assert values("revisitStatus") == {"scheduled", "held-report-awaited", "report-published"}
    assert values("outcomeStatus") == {"accepted-and-acted-upon",
                                       "action-plan-forwarded-revisit-outstanding"}
    classes = {row[0].value.rsplit("/", 1)[-1] for row in
               store.query("SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    assert classes >= {"InspectionVisit", "Report", "Revisit", "Recommendation", "ThemeAssignment",
                       "ProgressUpdate", "ActionPoint", "GoodPractice", "PotentialGoodPractice",
                       "Conclusion", "CommitteePaper", "BasicCommandUnit", "Borough", "PoliceForce",
                       "SourcePassage", "SourceText"}
    themes = {row[0].value for row in store.query(f"SELECT DISTINCT ?t WHERE {{ ?r <{INSP}theme> ?t }}")}
    assert themes and all(t.startswith(f"{CANONICAL_BASE}/def/theme/") for t in themes)
    for predicate in ("scheduledDate", "scheduledMonth", "heldOn", "plannedMonth",
                      "furtherUpdateExpected", "statedGoodPracticeCount"):
        assert values(predicate), predicate
    names = {row[0].value for row in store.query(
        f"SELECT ?n WHERE {{ ?f a <{INSP}PoliceForce> ; <http://www.w3.org/2000/01/rdf-schema#label> ?n }}")}
    assert names and all(name.startswith("Synthetic force ") for name in names)


# --- Provenance -----------------------------------------------------------------------------------

def test_every_passage_quotes_its_source_at_its_code_point_offsets(synthetic):
    store = store_of(synthetic)
    texts = {}
    for row in store.query(f"""
            SELECT ?source ?name ?digest WHERE {{
                ?source <{INSP}sha256> ?digest ; <http://purl.org/dc/terms/identifier> ?name }}"""):
        raw = (synthetic / "sources" / row[1].value).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == row[2].value
        texts[row[0].value] = raw.decode("utf-8")
    assert any(ord(c) > 127 for text in texts.values() for c in text), "offsets count code points"
    rows = list(store.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?source ?start ?end ?exact ?prefix ?suffix WHERE {
            ?passage oa:hasSource ?source ; oa:hasSelector ?quote , ?position .
            ?quote oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
            ?position oa:start ?start ; oa:end ?end }"""))
    passages = {row[0] for row in store.query(
        f"SELECT ?p WHERE {{ ?p a <{INSP}SourcePassage> }}")}
    assert len(rows) == len(passages) > 100
    for source, start, end, exact, prefix, suffix in rows:
        text, start, end = texts[source.value], int(start.value), int(end.value)
        assert text[start:end] == exact.value
        assert text[max(0, start - 32):start] == prefix.value
        assert text[end:end + 32] == suffix.value


def test_literals_are_escaped():
    assert string('a "b" \\ c\nd\te\r') == '"a \\"b\\" \\\\ c\\nd\\te\\r"'
    assert english("‘x’") == '"‘x’"@en'
    value = 'q"\\n' + chr(1)
    line = "<http://example.org/s> <http://example.org/p> " + string(value) + " .\n"
    assert str(next(iter(Graph().parse(data=line, format="turtle")))[2]) == value
    assert next(iter(pyoxigraph.parse(line.encode(), pyoxigraph.RdfFormat.N_TRIPLES))).object.value == value


# --- Its own base; never in data/ ---------------------------------------------------------------------

def test_it_is_minted_under_its_own_base_not_the_canonical_one(synthetic):
    base = synthetic_base(synthetic)
    assert base == default_base(1)
    assert not base.startswith(CANONICAL_BASE)
    store = store_of(synthetic)
    minted = {term.value for quad in store for term in (quad.subject, quad.object)
              if isinstance(term, pyoxigraph.NamedNode) and "/id/" in term.value}
    assert minted
    assert all(iri.startswith(base + "/id/") or iri.startswith("http://statistics.data.gov.uk/")
               for iri in minted)
    assert not any(iri.startswith(CANONICAL_BASE + "/id/") for iri in minted)


def test_it_refuses_to_write_into_the_data_folder():
    before = files_of(ROOT / "data")
    for target in ("data/synthetic", "data", "data/inspections/synthetic"):
        done = run_cli("synth", "--triples", str(N), "--seed", "1", "--out", target)
        assert done.returncode == 2
        assert "data folder" in one_line(done.stderr)
    assert files_of(ROOT / "data") == before
    assert not (ROOT / "data" / "synthetic").exists()


def test_it_refuses_to_replace_a_folder_that_is_not_synthetic(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")
    done = run_cli("synth", "--triples", str(N), "--out", str(tmp_path))
    assert done.returncode == 2
    assert "not a synthetic dataset folder" in one_line(done.stderr)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


def test_a_base_under_the_canonical_one_is_refused(tmp_path):
    done = run_cli("synth", "--triples", str(N), "--out", str(tmp_path / "s"),
                   "--base", f"{CANONICAL_BASE}/synthetic")
    assert done.returncode == 2
    assert "canonical" in one_line(done.stderr)
    assert not (tmp_path / "s").exists()


def test_synthetic_data_is_never_mixed_with_the_published_data(synthetic, tmp_path):
    with pytest.raises(GoingLocalError, match="never mixed"):
        base_for_paths([synthetic, ROOT / "data"])
    done = run_cli("validate", str(synthetic), "data")
    assert done.returncode == 2 and "never mixed" in one_line(done.stderr)
    # A data folder holding a synthetic folder is refused by the server...
    published = tmp_path / "data"
    shutil.copytree(ROOT / "data", published)
    shutil.copytree(synthetic, published / "synthetic")
    with pytest.raises(GoingLocalError, match="holds synthetic data"):
        load_service(Settings(data_dir=published))
    # ...and synthetic data is never served under the published base.
    with pytest.raises(GoingLocalError, match="served only under"):
        load_service(Settings(data_dir=synthetic))


# --- Served like data/ -----------------------------------------------------------------------------------

def test_validate_names_a_synthetic_folder_and_follows_its_base(synthetic):
    done = run_cli("validate", str(synthetic))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("Conforms: 0 violations")


def test_serve_data_serves_a_synthetic_folder_under_its_base(synthetic):
    base = default_base(1)
    inspections = sum(line.count(f"<{INSP}Inspection> .")
                      for path in turtle_files(synthetic)
                      for line in path.read_text(encoding="utf-8").splitlines())
    unit = next(line.split()[0][1:-1] for line in
                (synthetic / "forces" / "synthetic-force-01.ttl").read_text(encoding="utf-8").splitlines()
                if f"<{INSP}BasicCommandUnit> ." in line)
    assert unit == f"{base}/id/bocu/synthetic-bcu-01-01"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with live_server(env=clean_env(), args=("--data", str(synthetic))) as root:
        with urllib.request.urlopen(f"{root}/health", timeout=10) as response:
            assert json.load(response)["base"] == base
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"{root}/id/bocu/synthetic-bcu-01-01", timeout=10)
        assert answer.value.code == 303
        assert answer.value.headers["Location"].endswith("/doc/bocu/synthetic-bcu-01-01")
        query = f"SELECT (COUNT(?i) AS ?n) WHERE {{ ?i a <{base}/def/inspection/Inspection> }}"
        request = urllib.request.Request(
            f"{root}/sparql?{urllib.parse.urlencode({'query': query})}",
            headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            count = int(json.load(response)["results"]["bindings"][0]["n"]["value"])
        assert count == inspections > 0
        # With no 2003-04, the paper's year, the home page shows the latest year inspected.
        with urllib.request.urlopen(f"{root}/", timeout=30) as response:
            home = response.read().decode("utf-8")
        latest = max(line.split('"')[1] for path in turtle_files(synthetic)
                     for line in path.read_text(encoding="utf-8").splitlines()
                     if "/id/programme-year/" in line.split(" ", 1)[0]
                     and "skos/core#notation>" in line)
        assert f"{latest}" in home
