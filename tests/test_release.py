"""`going-local release`: a version, a snapshot and a generated changelog per release.

The changelog lists the resources added, changed and removed since the previous
release, by subject URI, leaving out provenance-passage churn. Every fictitious record
used here is a test fixture (tests/fixtures/steward/), added to temporary copies of the
project only.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF

from server import cli
from server.config import PROJECT_ROOT, Settings
from server.curation.add import add_record
from server.curation.command import curate
from server.export import describe
from server.release import (DCAT_VERSION, PROVENANCE_TYPES, current_graph, known_releases,
                            make_release, past_entries, release_uri, render_changelog)

FIXTURES = Path(__file__).parent / "fixtures" / "steward"
BASE = "https://w3id.org/going-local"
ID = f"{BASE}/id/"
DATASET = URIRef(f"{ID}dataset/going-local")


def _copy_project(folder: Path) -> Settings:
    for name in ("ontology", "curation", "data", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / name, folder / name)
    return Settings(root=folder, data_dir=folder / "data")


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> Path:
    """A copy of the project, as shipped, released as 1.0.0 (made once for the module)."""
    settings = _copy_project(tmp_path_factory.mktemp("released"))
    make_release(settings, "1.0.0", "2026-11-27")
    return settings.root


@pytest.fixture
def released(first_release, tmp_path, monkeypatch) -> Settings:
    root = tmp_path / "project"
    shutil.copytree(first_release, root)
    settings = Settings(root=root, data_dir=root / "data")
    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    return settings


def release(capsys, version: str, date: str) -> tuple[int, str, str]:
    status = cli.main(["release", "--version", version, "--date", date])
    out, err = capsys.readouterr()
    return status, out, err


def record_of(settings: Settings, version: str) -> Graph:
    return Graph().parse(settings.root / "releases" / f"{version}.ttl", format="turtle")


def members(record: Graph, version: str, kind: str) -> set[str]:
    collection = URIRef(f"{release_uri(version)}/{kind}")
    return {str(m)[len(ID):] if str(m).startswith(ID) else str(m)
            for m in record.objects(collection, PROV.hadMember)}


def files(settings: Settings) -> dict[str, bytes]:
    folders = [settings.root / "releases", settings.data_dir, settings.curation_dir]
    found = {str(p.relative_to(settings.root)): p.read_bytes()
             for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}
    changelog = settings.root / "CHANGELOG.md"
    if changelog.exists():
        found["CHANGELOG.md"] = changelog.read_bytes()
    return found


def test_the_first_release_adds_everything(first_release):
    settings = Settings(root=first_release, data_dir=first_release / "data")
    current = current_graph(settings)
    snapshot = first_release / "releases" / "1.0.0.nt"
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(current)
    assert set(Graph().parse(snapshot, format="nt")) == set(current)

    record = record_of(settings, "1.0.0")
    release_iri = release_uri("1.0.0")
    assert record.value(release_iri, DCAT_VERSION) == Literal("1.0.0")
    assert record.value(release_iri, DCTERMS.issued) == Literal(dt.date(2026, 11, 27))
    assert (DATASET, DCTERMS.hasVersion, release_iri) in record
    assert record.value(release_iri, PROV.wasRevisionOf) is None
    ontology = URIRef(f"{BASE}/def/inspection")
    assert record.value(ontology, OWL.versionInfo) == current.value(ontology, OWL.versionInfo)
    assert record.value(release_iri, DCTERMS.conformsTo) == current.value(ontology, OWL.versionIRI)

    provenance = {s for t in PROVENANCE_TYPES for s in current.subjects(RDF.type, t)}
    everything = {s for s in current.subjects() if isinstance(s, URIRef) and s not in provenance}
    added = members(record, "1.0.0", "added")
    assert len(added) == len(everything) > 300
    assert {"inspection/2003-04/harrow/recommendation/2", "bocu/harrow",
            "committee-paper/2005-01-19-report-8", f"{BASE}/def/theme/partnerships"} <= added
    assert not any("/passage/" in m for m in added)
    assert members(record, "1.0.0", "changed") == members(record, "1.0.0", "removed") == set()

    changelog = (first_release / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n")
    assert f"\n## 1.0.0 — 2026-11-27\n\nResources {len(added)} added, 0 changed, 0 removed" in changelog
    assert f"### Added ({len(added)})" in changelog and "### Changed" not in changelog
    assert "- Recommendation (19): `id/inspection/2003-04/harrow/recommendation/1`" in changelog


def test_the_changelog_lists_what_was_added_changed_and_removed(released, capsys):
    settings = released
    # 1.1.0: a fictitious inspection and its paper.
    add_record(settings, FIXTURES / "paper-2005-03-16.yaml", [FIXTURES / "test-fictitious-paper-2005-03-16.txt"])
    add_record(settings, FIXTURES / "havering.yaml")
    status, out, err = release(capsys, "1.1.0", "2026-12-01")
    assert (status, err) == (0, "")
    assert out.startswith("released 1.1.0 of 2026-12-01: 15 added, 0 changed, 0 removed; wrote ")

    # 1.2.0: the later paper and the update (a revisit moves on: changed; a later action,
    # conclusion and revisit report: added), and Harrow's fourth item of good practice
    # taken out of its record: removed.
    add_record(settings, FIXTURES / "paper-2005-09-21.yaml", [FIXTURES / "test-fictitious-paper-2005-09-21.txt"])
    add_record(settings, FIXTURES / "havering-update.yaml")
    harrow = settings.curation_dir / "inspections/2003-04/harrow.yaml"
    text = harrow.read_text(encoding="utf-8")
    item = text[text.index("  - The initiative within the BOCU"):text.index("conclusion:")]
    harrow.write_text(text.replace(item, ""), encoding="utf-8")
    assert curate(settings) == 0
    status, out, err = release(capsys, "1.2.0", "2026-12-02")
    assert (status, err) == (0, "")

    record = record_of(settings, "1.2.0")
    assert members(record, "1.2.0", "added") == {
        "committee-paper/test-2005-09-21-report-92", "inspection/2004-05/havering/conclusion/2",
        "inspection/2004-05/havering/recommendation/1/action/2",
        "inspection/2004-05/havering/revisit/1/report", "source-text/test-fictitious-paper-2005-09-21"}
    assert members(record, "1.2.0", "changed") == {"inspection/2004-05/havering/revisit/1"}
    assert members(record, "1.2.0", "removed") == {"inspection/2003-04/harrow/good-practice/4"}
    assert record.value(release_uri("1.2.0"), PROV.wasRevisionOf) == release_uri("1.1.0")
    assert members(record_of(settings, "1.1.0"), "1.1.0", "added") >= {
        "inspection/2004-05/havering", "inspection/2004-05/havering/recommendation/1/action/1",
        "inspection/2004-05/havering/conclusion", "committee-paper/test-2005-03-16-report-91"}

    changelog = (settings.root / "CHANGELOG.md").read_text(encoding="utf-8")
    # Newest first, each dated.
    assert changelog.index("## 1.2.0 — 2026-12-02") < changelog.index("## 1.1.0 — 2026-12-01") \
        < changelog.index("## 1.0.0 — 2026-11-27")
    entry = changelog[changelog.index("## 1.2.0"):changelog.index("## 1.1.0")]
    assert "Resources 5 added, 1 changed, 1 removed since 1.1.0." in entry
    assert "- Revisit (1): `id/inspection/2004-05/havering/revisit/1` (" in entry
    assert "heldOn" in entry and "revisitStatus" in entry
    assert "### Removed (1)\n\n- GoodPractice (1): `id/inspection/2003-04/harrow/good-practice/4`" in entry
    # The changelog is generated: it is what the release records make of themselves.
    releases = known_releases(settings.root / "releases")
    assert [r.version for r in releases] == ["1.0.0", "1.1.0", "1.2.0"]
    assert render_changelog(list(reversed(past_entries(releases)))) == changelog


def test_a_quote_moving_in_its_source_is_not_a_change(released, capsys):
    """Every passage of the paper moves one character on; only the source text itself
    (its digest) has changed, and the resources quoting it have not."""
    source = released.data_dir / "sources" / "mpa-pprc-2005-01-19-report-8.txt"
    source.write_bytes(b"\n" + source.read_bytes())
    assert curate(released) == 0
    assert release(capsys, "1.0.1", "2026-11-28")[0] == 0
    record = record_of(released, "1.0.1")
    assert members(record, "1.0.1", "changed") == {"source-text/mpa-pprc-2005-01-19-report-8"}
    assert members(record, "1.0.1", "added") == members(record, "1.0.1", "removed") == set()
    # Passages did move: the snapshots differ in far more than the digest.
    old = set((released.root / "releases/1.0.0.nt").read_text().splitlines())
    new = set((released.root / "releases/1.0.1.nt").read_text().splitlines())
    assert len(old ^ new) > 100


@pytest.mark.parametrize("version,date,words", [
    ("1.0.0", "2026-12-01", "--version 1.0.0: must come after the latest release, 1.0.0"),
    ("0.9.0", "2026-12-01", "--version 0.9.0: must come after the latest release, 1.0.0"),
    ("1.1", "2026-12-01", "--version '1.1': give a version as MAJOR.MINOR.PATCH, e.g. 1.0.0"),
    ("1.1.0", "1 December 2026", "--date '1 December 2026': give the release date as YYYY-MM-DD"),
    ("1.1.0", "2026-11-26", "--date 2026-11-26: before the latest release, 1.0.0 of 2026-11-27"),
    ("1.1.0", "2026-12-01", "nothing to release: the data is as it was in release 1.0.0"),
])
def test_a_release_that_does_not_follow_is_refused(released, capsys, version, date, words):
    before = files(released)
    assert release(capsys, version, date) == (2, "", words + "\n")
    assert files(released) == before


def test_data_that_is_not_what_the_records_compile_to_is_not_released(released, capsys):
    target = released.data_dir / "inspections/2003-04/harrow.ttl"
    target.write_text(target.read_text(encoding="utf-8").replace(
        '"Harrow BOCU 2003-04 recommendation 2"@en', '"Harrow, recommendation two"@en'), encoding="utf-8")
    before = files(released)
    status, out, err = release(capsys, "1.1.0", "2026-12-01")
    assert status == 1
    assert err.splitlines() == [
        f"{target}: differs from what the curation records compile to",
        "refused: data/ is not what curation/ compiles to (run going-local curate)"]
    assert files(released) == before


def test_the_void_description_carries_the_latest_version(released):
    graph = current_graph(released)
    void = describe(graph, BASE, {}, releases=released.root / "releases")
    assert void.value(DATASET, DCAT_VERSION) == Literal("1.0.0")
    assert void.value(DATASET, DCTERMS.hasVersion) == release_uri("1.0.0")
    unreleased = describe(graph, BASE, {}, releases=released.root / "no-releases")
    assert unreleased.value(DATASET, DCAT_VERSION) is None


def test_the_shipped_releases_and_changelog():
    """The project's own releases: 1.0.0 of 27 November 2026 first, and CHANGELOG.md is
    exactly what the release records generate."""
    releases = known_releases(PROJECT_ROOT / "releases")
    assert (releases[0].version, releases[0].date) == ("1.0.0", dt.date(2026, 11, 27))
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert render_changelog(list(reversed(past_entries(releases)))) == changelog
    void = describe(Graph(), BASE, {})
    assert void.value(DATASET, DCAT_VERSION) == Literal(releases[-1].version)
