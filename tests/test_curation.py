"""The curation records compile to exactly the shipped data, and bad records are
refused with an error naming the file, line and field, leaving data/ untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.config import PROJECT_ROOT, Settings
from server.curation.command import curate
from server.curation.compiler import compile_all, stale_outputs
from server.curation.errors import CurationError


def test_shipped_data_is_what_the_records_compile_to():
    settings = Settings()
    outputs = compile_all(settings)
    assert [str(o.path) for o in outputs][:2] == ["reference/boroughs.ttl", "committee-paper.ttl"]
    assert len(outputs) == 8
    assert stale_outputs(outputs, settings.data_dir) == []


@pytest.fixture
def workspace(tmp_path) -> Settings:
    """A copy of the project's records, sources, model and data to break freely."""
    for folder in ("ontology", "curation", "data"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return Settings(root=tmp_path, data_dir=tmp_path / "data")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> int:
    """Replace one occurrence and return the 1-based line it is on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def refuse(settings: Settings) -> str:
    before = snapshot(settings.data_dir)
    with pytest.raises(CurationError) as caught:
        curate(settings)
    assert snapshot(settings.data_dir) == before, "a refused record must leave data/ as it was"
    return str(caught.value)


def test_unknown_theme_lists_the_known_ones(workspace):
    record = workspace.curation_dir / "inspections/2003-04/harrow.yaml"
    line = edit(record, "  - partnerships\n", "  - partnership\n")
    message = refuse(workspace)
    assert message.startswith(f"{record}:{line}: recommendations[1].themes[1]: unknown theme 'partnership'")
    assert "the known themes are: community-policing, crime-recording-standards, demand-management" in message


def test_a_quote_not_in_the_source_is_refused(workspace):
    record = workspace.curation_dir / "inspections/2003-04/newham.yaml"
    line = edit(record, "Newham BOCU is now compliant with the NIM.", "Newham BOCU is now compliant with NIM.")
    message = refuse(workspace)
    assert message.startswith(f"{record}:{line}: recommendations[3].actions[1].text: the quote ")
    assert "it must be copied verbatim" in message


def test_a_visit_ending_before_it_starts_names_both_dates(workspace):
    record = workspace.curation_dir / "inspections/2003-04/harrow.yaml"
    line = edit(record, "    end: 2003-05-16\n", "    end: 2003-05-02\n")
    message = refuse(workspace)
    assert message == (f"{record}:{line}: inspection.visits[1].end: "
                       "the visit ends (2003-05-02) before it starts (2003-05-12)")


def test_a_date_in_the_wrong_form(workspace):
    record = workspace.curation_dir / "inspections/2003-04/wandsworth.yaml"
    line = edit(record, "    published: 2004-04-08\n", "    published: 8 April 2004\n")
    assert refuse(workspace) == (f"{record}:{line}: inspection.report.published: "
                                 "must be a date written YYYY-MM-DD, not '8 April 2004'")


def test_a_missing_field(workspace):
    record = workspace.curation_dir / "inspections/2003-04/hillingdon.yaml"
    edit(record, "  status: accepted-and-acted-upon\n", "")
    message = refuse(workspace)
    assert message.startswith(f"{record}:")
    assert message.endswith("conclusion: the field 'status' is missing")


def test_a_yaml_syntax_error_names_its_line(workspace):
    record = workspace.curation_dir / "committee-paper.yaml"
    line = edit(record, "  number: 8\n", "  number: [8\n")
    message = refuse(workspace)
    assert message.startswith(f"{record}:")
    assert "not valid YAML" in message
    assert int(message.split(":")[1]) >= line


def test_an_unknown_bocu(workspace):
    record = workspace.curation_dir / "committee-paper.yaml"
    line = edit(record, "  - bocu: bromley\n", "  - bocu: bromly\n")
    message = refuse(workspace)
    assert message.startswith(f"{record}:{line}: timetable[2].inspections[1].bocu: unknown BOCU 'bromly'")


def test_check_reports_data_out_of_date(workspace, capsys):
    target = workspace.data_dir / "inspections/2003-04/harrow.ttl"
    target.write_text("@prefix ex: <http://example.org/> . ex:a ex:b ex:c .\n", encoding="utf-8")
    assert curate(workspace, check=True) == 1
    assert f"{target}: differs" in capsys.readouterr().err
    assert curate(workspace) == 0
    assert curate(workspace, check=True) == 0


def test_curated_files_are_readable_by_all(workspace):
    """Written by rename from a temporary file, which is private until made readable: a
    server running as another user must still read the data."""
    target = workspace.data_dir / "inspections/2003-04/harrow.ttl"
    target.unlink()
    assert curate(workspace) == 0
    assert target.stat().st_mode & 0o777 == 0o644
