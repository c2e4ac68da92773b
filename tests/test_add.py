"""`going-local add`: a steward's record lands in the data only when it compiles, keeps
every earlier dated fact and the whole graph conforms to the shapes; otherwise it is
refused with the record's file, line and field, and data/ and curation/ are left byte for
byte as they were.

Every record and source text used here is a FICTITIOUS test fixture
(tests/fixtures/steward/, see its README), added only to a temporary copy of the project.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from server import cli
from server.config import PROJECT_ROOT, Settings
from server.curation.add import add_record
from server.curation.command import curate
from server.loading import load_data, load_model
from server.paper import gather_paper
from server.queries import bind_params, read_query, run_oxigraph
from server.store import OxigraphStore
from server.validation import load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "steward"
SOURCE_1 = FIXTURES / "test-fictitious-paper-2005-03-16.txt"
SOURCE_2 = FIXTURES / "test-fictitious-paper-2005-09-21.txt"
SOURCE_3 = FIXTURES / "test-fictitious-paper-2005-04-20.txt"
ID = "https://w3id.org/going-local/id/"
INSP = "https://w3id.org/going-local/def/inspection/"
HAVERING = ID + "inspection/2004-05/havering"
ENFIELD = ID + "inspection/2004-05/enfield"


def _copy_project(folder: Path) -> Settings:
    for name in ("ontology", "curation", "data", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / name, folder / name)
    return Settings(root=folder, data_dir=folder / "data")


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """Copies of the project made once for the module: as shipped; with the first
    fictitious paper added; and with the fictitious inspection and the later paper too."""
    made = {}
    shipped = _copy_project(tmp_path_factory.mktemp("shipped"))
    made["shipped"] = shipped.root
    paper = _copy_project(tmp_path_factory.mktemp("paper"))
    add_record(paper, FIXTURES / "paper-2005-03-16.yaml", [SOURCE_1])
    made["paper"] = paper.root
    inspected = tmp_path_factory.mktemp("inspected")
    shutil.copytree(paper.root, inspected, dirs_exist_ok=True)
    inspected_settings = Settings(root=inspected, data_dir=inspected / "data")
    add_record(inspected_settings, FIXTURES / "havering.yaml")
    add_record(inspected_settings, FIXTURES / "paper-2005-09-21.yaml", [SOURCE_2])
    made["inspected"] = inspected
    later = _copy_project(tmp_path_factory.mktemp("later"))
    add_record(later, FIXTURES / "paper-2005-04-20.yaml", [SOURCE_3])
    made["later"] = later.root
    return made


def _workspace(bases, name: str, tmp_path: Path, monkeypatch) -> Settings:
    root = tmp_path / "project"
    shutil.copytree(bases[name], root)
    settings = Settings(root=root, data_dir=root / "data")
    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    return settings


@pytest.fixture
def workspace(bases, tmp_path, monkeypatch) -> Settings:
    """A copy of the project's records, sources, model, shapes, queries and data, which
    the command line works on."""
    return _workspace(bases, "shipped", tmp_path, monkeypatch)


@pytest.fixture
def with_paper(bases, tmp_path, monkeypatch) -> Settings:
    """The copy with the first fictitious paper (16 March 2005) added."""
    return _workspace(bases, "paper", tmp_path, monkeypatch)


@pytest.fixture
def with_inspection(bases, tmp_path, monkeypatch) -> Settings:
    """The copy with both fictitious papers and the Havering record as first reported."""
    return _workspace(bases, "inspected", tmp_path, monkeypatch)


@pytest.fixture
def with_later_paper(bases, tmp_path, monkeypatch) -> Settings:
    """The copy with a fictitious paper of 20 April 2005 added, which reports the Enfield
    inspection (arranged for January 2005 in the paper of 19 January 2005) as done."""
    return _workspace(bases, "later", tmp_path, monkeypatch)


def snapshot(settings: Settings) -> dict[str, bytes]:
    """Every file under data/ and curation/, byte for byte."""
    return {str(p.relative_to(settings.root)): p.read_bytes()
            for folder in (settings.data_dir, settings.curation_dir)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def going_local(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["add", *args])
    out, err = capsys.readouterr()
    return status, out, err


def copy_fixture(name: str, tmp_path: Path, *edits: tuple[str, str]) -> tuple[Path, list[int]]:
    """A fixture record copied beside the workspace, with each (old, new) replacement
    made once; and the 1-based line each replacement is on."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    lines = []
    for old, new in edits:
        assert text.count(old) == 1, old
        lines.append(text[: text.index(old)].count("\n") + 1)
        text = text.replace(old, new)
    path = tmp_path / "steward" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, lines


def whole_graph(settings: Settings) -> Graph:
    graph = Graph()
    graph += load_data([settings.data_dir]).graph
    graph += load_model(ontology_dir=settings.ontology_dir).graph
    return graph


# --- A record lands -------------------------------------------------------------------------

def test_a_new_inspection_lands_with_its_paper_and_source(workspace, capsys):
    status, out, err = going_local(capsys, str(FIXTURES / "paper-2005-03-16.yaml"),
                                   "--source-file", str(SOURCE_1))
    assert (status, err) == (0, "")
    assert out.startswith("added papers/test-2005-03-16-report-91: ")
    # The source is copied as it is; the paper's record filed under its id.
    assert (workspace.data_dir / "sources" / SOURCE_1.name).read_bytes() == SOURCE_1.read_bytes()
    assert (workspace.curation_dir / "papers/test-2005-03-16-report-91.yaml").read_bytes() == \
        (FIXTURES / "paper-2005-03-16.yaml").read_bytes()

    status, out, err = going_local(capsys, str(FIXTURES / "havering.yaml"))
    assert (status, err) == (0, "")
    assert out == ("added inspections/2004-05/havering: data/inspections/2004-05/havering.ttl, "
                   "curation/inspections/2004-05/havering.yaml\n")
    filed = workspace.curation_dir / "inspections/2004-05/havering.yaml"
    assert filed.read_bytes() == (FIXTURES / "havering.yaml").read_bytes()
    assert curate(workspace, check=True) == 0  # data/ is what the records compile to

    data = Graph().parse(workspace.data_dir / "inspections/2004-05/havering.ttl")
    action = URIRef(HAVERING + "/recommendation/1/action/1")
    assert data.value(action, URIRef(INSP + "reportedOn")) == Literal(dt.date(2005, 3, 16))
    assert data.value(action, URIRef(INSP + "text")) == Literal(
        "The BOCU has set up a fictitious test partnership board.", lang="en")
    assert (URIRef(HAVERING + "/recommendation/1"), URIRef(INSP + "theme"),
            URIRef("https://w3id.org/going-local/def/theme/partnerships")) in data
    # The new source text is described where it is first quoted.
    source = URIRef(ID + "source-text/test-fictitious-paper-2005-03-16")
    assert (source, URIRef(INSP + "sha256"), None) in whole_graph(workspace)

    # And the whole graph, as written, conforms.
    report = validate(load_data([workspace.data_dir]), load_model(ontology_dir=workspace.ontology_dir),
                      load_shapes(workspace.shapes_dir))
    assert report.conforms, [r.message for r in report.results]


def test_the_shapes_really_run_on_an_added_record(with_paper, capsys, tmp_path):
    """With the shapes' constraints removed, the duplicate number the shapes refuse below
    is let through: the refusal comes from SHACL, over the whole graph."""
    workspace = with_paper
    record, _ = copy_fixture("havering.yaml", tmp_path, ("- number: 2\n", "- number: 1\n"))
    before = snapshot(workspace)
    assert going_local(capsys, str(record))[0] == 1
    assert snapshot(workspace) == before
    for shapes in workspace.shapes_dir.glob("*.ttl"):
        shapes.unlink()
    assert going_local(capsys, str(record))[0] == 0


# --- Broken records are refused, naming file, line and field ---------------------------------

def refused(workspace, capsys, record: Path, status: int, *more: str) -> list[str]:
    before = snapshot(workspace)
    got, out, err = going_local(capsys, str(record), *more)
    assert got == status, err
    assert out == ""
    assert "Traceback" not in err
    assert snapshot(workspace) == before, "a refused record must leave data/ and curation/ as they were"
    return err.splitlines()


def test_an_unknown_theme_lists_the_known_ones(with_paper, capsys, tmp_path):
    workspace = with_paper
    record, (line,) = copy_fixture("havering.yaml", tmp_path, ("  - partnerships\n", "  - partnership\n"))
    (message,) = refused(workspace, capsys, record, 2)
    assert message.startswith(f"{record}:{line}: recommendations[1].themes[1]: unknown theme "
                              "'partnership'; the known themes are: community-policing, ")
    assert "partnerships, performance-management" in message


@pytest.mark.parametrize("edit,field,words", [
    # The report before the last day of the visits.
    (("    published: 2004-11-15\n", "    published: 2004-09-08\n"), "inspection.report.published",
     "the report is published (2004-09-08) before the last visit ends (2004-09-10, "
     "inspection.visits[1].end)"),
    # A visit that ends before it starts.
    (("    end: 2004-09-10\n", "    end: 2004-09-01\n"), "inspection.visits[1].end",
     "the visit ends (2004-09-01) before it starts (2004-09-06)"),
    # An action reported before the inspection's report: the paper is dated 2005-03-16.
    (("    published: 2004-11-15\n", "    published: 2005-04-01\n"), "recommendations[1].actions[1]",
     "this action's report date (2005-03-16) comes before the inspection report was published "
     "(2005-04-01, inspection.report.published)"),
])
def test_a_date_out_of_order_names_both_dates(with_paper, capsys, tmp_path, edit, field, words):
    workspace = with_paper
    record, (line,) = copy_fixture("havering.yaml", tmp_path, edit)
    text = record.read_text(encoding="utf-8").splitlines()
    (message,) = refused(workspace, capsys, record, 2)
    where = line if field.startswith("inspection") else \
        next(i for i, t in enumerate(text, 1) if "The BOCU has set up" in t)
    assert message == f"{record}:{where}: {field}: {words}"


def test_a_revisit_held_before_the_report_names_both_dates(with_paper, capsys, tmp_path):
    workspace = with_paper
    record, (line,) = copy_fixture(
        "havering.yaml", tmp_path,
        ("    scheduled_month: 2005-06\n", "    scheduled_date: 2004-10-01\n"))
    (message,) = refused(workspace, capsys, record, 2)
    assert message == (f"{record}:{line}: inspection.revisits[1].scheduled_date: the revisit's "
                       "scheduled day (2004-10-01) comes before the inspection report was published "
                       "(2004-11-15, inspection.report.published)")


def test_a_quote_not_in_the_source_is_refused(with_paper, capsys, tmp_path):
    workspace = with_paper
    record, (line,) = copy_fixture(
        "havering.yaml", tmp_path,
        ("  - text: The BOCU has set up a fictitious test partnership board.",
         "  - text: The BOCU set up a fictitious test partnership board."))
    (message,) = refused(workspace, capsys, record, 2)
    assert message.startswith(f"{record}:{line}: recommendations[1].actions[1].text: the quote "
                              "'The BOCU set up a fictitious test partnership board.' is not in "
                              "test-fictitious-paper-2005-03-16.txt")
    assert message.endswith("it must be copied verbatim")


def test_a_duplicate_recommendation_number_is_a_shacl_violation_blamed_on_the_number(
        with_paper, capsys, tmp_path):
    workspace = with_paper
    record, (line,) = copy_fixture("havering.yaml", tmp_path, ("- number: 2\n", "- number: 1\n"))
    lines = refused(workspace, capsys, record, 1)
    first = next(i for i, t in enumerate(record.read_text().splitlines(), 1) if t == "- number: 1")
    assert lines[0] == (
        f"{record}:{line}: recommendations[2].number: recommendations[2] makes "
        f"inspection/2004-05/havering/recommendation/1 again, as recommendations[1] (line {first}) "
        "does, so both are merged into one resource, which breaks the shapes (A recommendation "
        "must have exactly one insp:text: its wording as printed in the source, tagged @en. Add "
        "the text (or remove the extra one).)")
    assert re.match(r"refused: \d+ SHACL violations?; nothing was written$", lines[-1])
    assert len(lines) == 2  # one mistake, one line


def test_a_report_date_not_the_papers_is_blamed_on_reported_on(with_paper, capsys, tmp_path):
    """Only the shapes know the paper's date: the violation on each progress update, on
    the conclusion and on the status report is traced back to the one field that gave
    their date."""
    workspace = with_paper
    record, (line,) = copy_fixture("havering.yaml", tmp_path, ("  'on': 2005-03-16\n", "  'on': 2005-03-17\n"))
    lines = refused(workspace, capsys, record, 1)
    assert lines[-1] == "refused: 4 SHACL violations; nothing was written"
    assert len(lines) == 5
    for message in lines[:-1]:
        assert message.startswith(f"{record}:{line}: reported.on: inspection/2004-05/havering/")
        assert message.endswith("is reported on 2005-03-17, but the paper it is reported in, "
                                "committee-paper/test-2005-03-16-report-91, is dated 2005-03-16. "
                                "insp:reportedOn is the date of the paper that reports it: make them agree.")


def test_a_paper_not_in_the_data_is_refused(workspace, capsys):
    """Without its paper, the record's reports name a paper the graph does not have."""
    lines = refused(workspace, capsys, FIXTURES / "havering.yaml", 1, "--source-file", str(SOURCE_1))
    assert not (workspace.data_dir / "sources" / SOURCE_1.name).exists()
    assert any(": reported.in: This must name exactly one insp:CommitteePaper" in m for m in lines)


def test_unusable_files_are_refused_with_status_2(with_paper, capsys, tmp_path):
    workspace = with_paper
    before = snapshot(workspace)
    assert going_local(capsys, str(tmp_path / "nowhere.yaml"))[0] == 2
    # A source text is never replaced by another with the same name.
    other = tmp_path / SOURCE_1.name
    other.write_text("FICTITIOUS TEST FIXTURE: another text.\n", encoding="utf-8")
    status, _, err = going_local(capsys, str(FIXTURES / "havering.yaml"), "--source-file", str(other))
    assert status == 2
    assert "a source text is never replaced" in err
    # A bare on: key, which YAML reads as true, is explained.
    record, _ = copy_fixture("havering.yaml", tmp_path, ("  'on': 2005-03-16\n", "  on: 2005-03-16\n"))
    status, _, err = going_local(capsys, str(record))
    assert status == 2
    assert "reported: the field 'on' is missing: write it in quotes, 'on':" in err
    assert snapshot(workspace) == before


def test_a_failure_while_writing_puts_everything_back(with_paper, capsys, monkeypatch):
    workspace = with_paper
    before = snapshot(workspace)
    real_replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 2:  # the Turtle is in place, then the record fails
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        add_record(workspace, FIXTURES / "havering.yaml")
    assert len(calls) == 2
    assert snapshot(workspace) == before
    assert not (workspace.data_dir / "inspections/2004-05").exists()
    assert not list(workspace.root.rglob(".*.tmp"))


# --- Updates are dated, never destructive -----------------------------------------------------

def query_rows(settings: Settings, graph: Graph, name: str, **values: str) -> list[dict]:
    query = read_query(settings.queries_dir / f"{name}.rq")
    result = run_oxigraph(query, graph, bind_params(query, values))
    return [{v: (None if t is None else str(t)) for v, t in zip(result.variables, row)}
            for row in result.rows]


def havering_rows(settings: Settings, graph: Graph, as_of: str) -> list[tuple]:
    rows = query_rows(settings, graph, "recommendations-with-actions", asOf=as_of)
    return [(r["number"], r["updateText"], r["reportedOn"], r["outcome"])
            for r in rows if r["bocu"] == ID + "bocu/havering"]


EARLIER = [
    ("1", "The BOCU has set up a fictitious test partnership board.", "2005-03-16",
     "action-plan-forwarded-revisit-outstanding"),
    ("2", "A fictitious review of demand management is under way.", "2005-03-16",
     "action-plan-forwarded-revisit-outstanding"),
]


def test_an_update_adds_a_later_report_and_keeps_the_earlier_one(with_inspection, capsys):
    workspace = with_inspection
    earlier = Graph().parse(workspace.data_dir / "inspections/2004-05/havering.ttl")
    status, out, err = going_local(capsys, str(FIXTURES / "havering-update.yaml"))
    assert (status, err) == (0, "")
    assert out.startswith("updated inspections/2004-05/havering: ")
    assert curate(workspace, check=True) == 0
    later = Graph().parse(workspace.data_dir / "inspections/2004-05/havering.ttl")

    # Every earlier progress update and conclusion is still there, word for word, date for date.
    for uri in ("/recommendation/1/action/1", "/recommendation/2/action/1", "/conclusion"):
        subject = URIRef(HAVERING + uri)
        assert set(later.predicate_objects(subject)) >= {
            (p, o) for p, o in earlier.predicate_objects(subject)
            if str(p) != INSP + "sourcePassage"}
    # The later ones beside them, with their own dates; the first conclusion keeps its URI.
    reported_on = URIRef(INSP + "reportedOn")
    assert later.value(URIRef(HAVERING + "/recommendation/1/action/2"), reported_on) == \
        Literal(dt.date(2005, 9, 21))
    assert later.value(URIRef(HAVERING + "/conclusion/2"), reported_on) == Literal(dt.date(2005, 9, 21))
    assert later.value(URIRef(HAVERING + "/conclusion"), reported_on) == Literal(dt.date(2005, 3, 16))

    # The state as of a date, before and after the later paper.
    graph = whole_graph(workspace)
    assert havering_rows(workspace, graph, "2005-03-15") == [("1", None, None, None), ("2", None, None, None)]
    assert havering_rows(workspace, graph, "2005-06-01") == EARLIER
    assert havering_rows(workspace, graph, "2005-10-01") == [
        ("1", EARLIER[0][1], "2005-03-16", "accepted-and-acted-upon"),
        ("1", "The fictitious test partnership board now meets every month.", "2005-09-21",
         "accepted-and-acted-upon"),
        ("2", EARLIER[1][1], "2005-03-16", "accepted-and-acted-upon"),
    ]
    assert havering_rows(workspace, graph, "today") == havering_rows(workspace, graph, "2005-10-01")

    # The revisit: outstanding in June 2005 (held on the 14th, report not yet out), not in September.
    def outstanding(as_of):
        return [(r["status"], r["heldOn"], r["revisitReportIssued"])
                for r in query_rows(workspace, graph, "revisits-outstanding", asOf=as_of)
                if r["bocu"] == ID + "bocu/havering"]
    assert outstanding("2005-06-20") == [("report-published", "2005-06-14", "2005-08-01")]
    assert outstanding("2005-09-01") == []

    # The generated paper picks the latest conclusion as of its date.
    store = OxigraphStore(graph)

    def conclusion(as_of):
        paper = gather_paper(store, "https://w3id.org/going-local", "2004-05", as_of)
        return next(s.conclusion for s in paper.sections if s.slug == "havering")
    assert conclusion(dt.date(2005, 3, 1)) is None
    assert conclusion(dt.date(2005, 6, 1)).startswith("In this fictitious test, an action plan")
    assert conclusion(dt.date(2005, 10, 1)).startswith("In this fictitious test, HMIC is satisfied")


def test_an_update_dropping_an_earlier_update_is_refused(with_inspection, capsys):
    workspace = with_inspection
    record = FIXTURES / "havering-drops-update.yaml"
    line = next(i for i, t in enumerate(record.read_text().splitlines(), 1) if t == "- number: 2")
    lines = refused(workspace, capsys, record, 1)
    assert lines == [
        f"{record}:{line}: recommendations[2]: this update drops the earlier action 1 on "
        "recommendation 2, reported on 2005-03-16 ‘A fictitious review of demand management is "
        "under way.’ (the earlier record has it at "
        f"{workspace.curation_dir / 'inspections/2004-05/havering.yaml'}:40: "
        "recommendations[2].actions[1]). Updates are dated, never destructive: keep every "
        "earlier entry as it was, in its place, and add the new one after it",
        "refused: the update loses 1 earlier dated fact; nothing was written",
    ]


def test_an_update_altering_an_earlier_conclusion_is_refused(with_inspection, capsys, tmp_path):
    workspace = with_inspection
    record, (line,) = copy_fixture(
        "havering-update.yaml", tmp_path,
        ("- status: action-plan-forwarded-revisit-outstanding\n", "- status: accepted-and-acted-upon\n"))
    (message, summary) = refused(workspace, capsys, record, 1)
    assert message.startswith(f"{record}:{line}: conclusion[1]: this changes its outcome status of "
                              "the earlier conclusion 1, reported on 2005-03-16")
    assert summary == "refused: the update loses 1 earlier dated fact; nothing was written"


# --- A timetabled inspection added later ------------------------------------------------------

def timetable(settings: Settings, graph: Graph, as_of: str | None = None) -> dict[str, tuple]:
    """The programme-timetable query's 2004-05 rows as of a date: BOCU -> (status, month)."""
    rows = query_rows(settings, graph, "programme-timetable", **({"asOf": as_of} if as_of else {}))
    return {r["bocuLabel"].removesuffix(" BOCU"): (r["status"], r["plannedMonth"])
            for r in rows if r["programmeYear"] == "2004-05"}


def test_a_timetabled_inspection_is_added_later_beside_its_earlier_status(with_later_paper, capsys):
    workspace = with_later_paper
    paper_data = (workspace.data_dir / "committee-paper.ttl").read_bytes()
    status, out, err = going_local(capsys, str(FIXTURES / "enfield.yaml"))
    assert (status, err) == (0, "")
    assert out == ("added inspections/2004-05/enfield: data/inspections/2004-05/enfield.ttl, "
                   "curation/inspections/2004-05/enfield.yaml\n")
    assert curate(workspace, check=True) == 0
    # The status of 19 January 2005 is kept as the paper of that day reported it...
    assert (workspace.data_dir / "committee-paper.ttl").read_bytes() == paper_data
    graph = whole_graph(workspace)
    status_of, month = URIRef(INSP + "inspectionStatus"), URIRef(INSP + "plannedMonth")
    earlier, later = URIRef(ENFIELD + "/status/2005-01-19"), URIRef(ENFIELD + "/status/2005-04-20")
    istatus = "https://w3id.org/going-local/def/inspection-status/"
    assert graph.value(earlier, status_of) == URIRef(istatus + "arranged")
    assert str(graph.value(earlier, month)) == "2005-01"
    # ...and the later paper's beside it, with its own date and passage.
    assert graph.value(later, status_of) == URIRef(istatus + "inspected")
    assert graph.value(later, URIRef(INSP + "reportedOn")) == Literal(dt.date(2005, 4, 20))
    assert graph.value(later, URIRef(INSP + "reportedIn")) == URIRef(
        ID + "committee-paper/test-2005-04-20-report-93")
    assert graph.value(later, month) is None
    assert set(graph.subjects(URIRef(INSP + "statusOf"), URIRef(ENFIELD))) == {earlier, later}

    # The timetable as of a date: nothing reported before the first paper, arranged on
    # its date, inspected from the later paper's; the latest by default.
    assert timetable(workspace, graph, "2005-01-18") == {}
    assert timetable(workspace, graph, "2005-01-19")["Enfield"] == ("arranged", "2005-01")
    assert timetable(workspace, graph, "2005-04-19")["Enfield"] == ("arranged", "2005-01")
    assert timetable(workspace, graph, "2005-04-20")["Enfield"] == ("inspected", None)
    assert timetable(workspace, graph)["Enfield"] == ("inspected", None)
    assert timetable(workspace, graph)["Islington"] == ("arranged", "2005-02")
    not_yet = {r["bocuLabel"] for r in query_rows(workspace, graph, "bocus-not-yet-inspected")}
    assert "Islington BOCU" in not_yet and "Enfield BOCU" not in not_yet

    # The paper on 2004-05: as of 19 January 2005 Enfield is still arranged, not in
    # Appendix 1; as of the later paper it is, with what that paper reported.
    store = OxigraphStore(graph)
    then = gather_paper(store, "https://w3id.org/going-local", "2004-05", dt.date(2005, 1, 19))
    assert "enfield" not in {s.slug for s in then.sections}
    assert [(n.slug, n.status_notation, n.planned_month) for n in then.not_yet_inspected] == [
        ("enfield", "arranged", "2005-01"), ("islington", "arranged", "2005-02")]
    now = gather_paper(store, "https://w3id.org/going-local", "2004-05", dt.date(2005, 4, 20))
    enfield = next(s for s in now.sections if s.slug == "enfield")
    assert enfield.date_lines == ["Date of inspection: 10–14 January 2005",
                                  "Report published: 14 March 2005"]
    assert enfield.conclusion == "In this fictitious test, an action plan has been forwarded to HMIC."
    assert [n.slug for n in now.not_yet_inspected] == ["islington"]

    def paper(*as_of: str) -> str:
        assert cli.main(["paper", "--year", "2004-05", "--format", "markdown",
                         "--data", str(workspace.data_dir), *as_of]) == 0
        return capsys.readouterr().out
    on_the_day = paper("--as-of", "2005-01-19")
    assert "- Enfield BOCU: arranged for January 2005" in on_the_day
    assert "### Enfield BOCU" not in on_the_day
    today = paper()
    assert "### Enfield BOCU" in today and "- Enfield BOCU: arranged" not in today
    assert "- Islington BOCU: arranged for February 2005" in today


def test_a_record_changing_the_status_of_19_january_2005_is_refused(with_later_paper, capsys, tmp_path):
    """The paper of 19 January 2005 reports Enfield arranged on that day: a record that
    says it was inspected as of that same day would change that report, not add one."""
    workspace = with_later_paper
    record, _ = copy_fixture(
        "enfield.yaml", tmp_path,
        ("  in: committee-paper/test-2005-04-20-report-93\n", "  in: committee-paper/2005-01-19-report-8\n"),
        ("  'on': 2005-04-20\n", "  'on': 2005-01-19\n"),
        ("    published: 2005-03-14\n", "    published: 2005-01-19\n"))
    line = next(i for i, t in enumerate(record.read_text().splitlines(), 1) if t == "  status: inspected")
    (message,) = refused(workspace, capsys, record, 2)
    assert message.startswith(
        f"{record}:{line}: inspection.status: the status of inspection/2004-05/enfield on "
        "2005-01-19 is already reported as arranged for 2005-01 (")
    assert "committee-paper.yaml:" in message and ": timetable[2].inspections[6])" in message
    assert message.endswith("a reported status is never changed: report the new status from "
                            "the later paper that gives it, with that paper's id and date under "
                            "'reported'")


def test_an_update_changing_an_earlier_status_is_refused(with_later_paper, capsys, tmp_path):
    workspace = with_later_paper
    assert going_local(capsys, str(FIXTURES / "enfield.yaml"))[0] == 0
    record, (line,) = copy_fixture("enfield.yaml", tmp_path,
                                   ("  status: inspected\n", "  status: arranged\n"))
    (message, summary) = refused(workspace, capsys, record, 1)
    assert message.startswith(f"{record}:{line}: inspection.status: this changes its inspection "
                              "status of the earlier status reported on 2005-04-20 (inspected)")
    assert summary == "refused: the update loses 1 earlier dated fact; nothing was written"


def test_the_template_documents_every_field_the_compiler_reads():
    """curation/TEMPLATE.yaml names every field an inspection record may have."""
    template = (PROJECT_ROOT / "curation" / "TEMPLATE.yaml").read_text(encoding="utf-8")
    code = (PROJECT_ROOT / "server" / "curation" / "inspection.py").read_text(encoding="utf-8")
    code += (PROJECT_ROOT / "server" / "curation" / "errata.py").read_text(encoding="utf-8")
    fields = set(re.findall(r"""\.(?:get|has|items)\("([a-z_]+)"(?:, required=False)?\)""", code))
    assert {"reported", "source", "section", "actions", "conclusion", "held_on", "points"} <= fields
    missing = sorted(f for f in fields if not re.search(rf"(^|[\s{{,'-]){f}'?:", template, re.M))
    assert missing == []
