"""The SHACL shapes in shapes/: the shipped data conforms, with exactly the warning
and the note expected of it; each broken fixture fails with the expected messages on
the expected resources; and the shapes themselves cover every class used in the data
and explain every constraint.

Validation runs as `going-local validate` runs it: pyshacl over data/**/*.ttl merged
with ontology/*.ttl, against shapes/*.ttl, without inference, with SHACL-SPARQL.
A broken fixture (tests/fixtures/broken/*.ttl) is a copy of one shipped data file
with one change; its header names the file it replaces (`# replaces: data/...`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "broken"

INSP = Namespace("https://w3id.org/going-local/def/inspection/")
SHAPE = Namespace("https://w3id.org/going-local/def/shapes/")
OA = Namespace("http://www.w3.org/ns/oa#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ID = "https://w3id.org/going-local/id/"
GSS = "http://statistics.data.gov.uk/id/statistical-geography/"
PAPER8 = ID + "source-text/mpa-pprc-2005-01-19-report-8"


# --- Validating --------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    severity: URIRef
    focus: Node
    path: Node | None
    value: Node | None
    message: str
    shape: Node | None


def data_files() -> list[Path]:
    """What `going-local validate` checks: the data and the ontology with its schemes."""
    return sorted((ROOT / "data").rglob("*.ttl")) + sorted((ROOT / "ontology").glob("*.ttl"))


def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def validate(replacements: dict[Path, Path] | None = None) -> list[Result]:
    """Validate the shipped data, with any file in `replacements` swapped for another."""
    replacements = replacements or {}
    data = Graph()
    for path in data_files():
        data.parse(replacements.get(path, path), format="turtle")
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True,
        allow_warnings=True, inplace=True)
    # Results nested under another (sh:detail) explain it; they are not results of their own.
    nested = set(report.objects(None, SH.detail))
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        if node in nested:
            continue
        results.append(Result(
            severity=report.value(node, SH.resultSeverity),
            focus=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            message="; ".join(sorted(str(m) for m in report.objects(node, SH.resultMessage))),
            shape=report.value(node, SH.sourceShape),
        ))
    return results


def of_severity(results: list[Result], severity: URIRef) -> list[Result]:
    return [r for r in results if r.severity == severity]


def listing(results: list[Result]) -> str:
    return "\n".join(f"{r.focus}\n    {r.message}" for r in results) or "(none)"


_shipped: list[Result] | None = None


def shipped_results() -> list[Result]:
    global _shipped
    if _shipped is None:
        _shipped = validate()
    return _shipped


# --- The shipped data --------------------------------------------------------------------

def test_shipped_data_conforms():
    violations = of_severity(shipped_results(), SH.Violation)
    assert violations == [], "the shipped data breaks the shapes:\n" + listing(violations)


def test_wandsworth_revisit_is_overdue_at_the_report_date():
    """The paper of 19 January 2005 still gives Wandsworth's revisit as due on
    7 December 2004: consistent data, but stale, so a warning and nothing else."""
    revisit = URIRef(ID + "inspection/2003-04/wandsworth/revisit/1")
    conclusion = ID + "inspection/2003-04/wandsworth/conclusion"
    assert of_severity(shipped_results(), SH.Warning) == [Result(
        severity=SH.Warning,
        focus=revisit,
        path=INSP.scheduledDate,
        value=Literal("2004-12-07", datatype=XSD.date),
        message=(f"{revisit} was scheduled for 2004-12-07, but the conclusion {conclusion} "
                 "reported on 2005-01-19 still gives it as scheduled: it was overdue at the "
                 "report date. Check whether it took place (then give insp:heldOn and the status "
                 "revisit:held-report-awaited) or was put back (then give the new date)."),
        shape=SHAPE.RevisitOverdue,
    )]


def test_westminster_good_practice_counted_but_not_all_listed():
    """Westminster acknowledged "eighteen areas of potential good practice including" five:
    worth a note, no more."""
    westminster = URIRef(ID + "inspection/2003-04/westminster")
    assert of_severity(shipped_results(), SH.Info) == [Result(
        severity=SH.Info,
        focus=westminster,
        path=INSP.statedGoodPracticeCount,
        value=Literal("18", datatype=XSD.nonNegativeInteger),
        message=(f"The source says 18 areas of good practice were acknowledged in {westminster}, "
                 "but lists only 5 of them; the others are not in the data."),
        shape=SHAPE.GoodPracticeNotAllListed,
    )]


# --- Broken fixtures ---------------------------------------------------------------------

HARROW = ID + "inspection/2003-04/harrow"
WANDSWORTH = ID + "inspection/2003-04/wandsworth"
HARROW_BOROUGH = URIRef(GSS + "E09000015")
HARROW_CONCLUSION = ("HMIC is satisfied that all of the recommendations made during the inspection "
                     "of Harrow BOCU have been accepted and acted upon. Action has led to "
                     "demonstrable improvements and no problems have arisen that are likely to "
                     "affect performance or merit further scrutiny by HMIC’s inspection team.")
OUTCOME_ACCEPTED = URIRef("https://w3id.org/going-local/def/outcome-status/accepted-and-acted-upon")


def number_gap(recommendation: str, number: int) -> str:
    return (f"The recommendation {HARROW}/recommendation/{recommendation} is numbered {number}, "
            f"but no recommendation of {HARROW} is numbered {number - 1}. An inspection's "
            "recommendations are numbered from 1 without gaps: add the missing recommendation "
            "or correct the numbers.")


def same_number(this: str, other: str) -> str:
    return (f"The recommendations {HARROW}/recommendation/{this} and {HARROW}/recommendation/{other} "
            f"of {HARROW} are both numbered 2. Each recommendation of an inspection has its own "
            "number, as printed: correct insp:recommendationNumber.")


def uri_of_code(code: str) -> str:
    return (f"{HARROW_BOROUGH} has the GSS code \"{code}\", so its URI must be {GSS}{code}, the "
            "statistics.data.gov.uk statistical-geography URI for that code. Correct the code "
            "or the URI (and the insp:coversBorough that points to it).")


def number(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.positiveInteger)


# For each fixture, every violation it must cause and no other: (focus, path, value, message).
EXPECTED: dict[str, set[tuple[Node, Node | None, Node | None, str]]] = {
    "recommendation-without-text.ttl": {
        (URIRef(f"{HARROW}/recommendation/2"), INSP.text, None,
         "A recommendation must have exactly one insp:text: its wording as printed in the "
         "source, tagged @en. Add the text (or remove the extra one)."),
    },
    "text-not-verbatim.ttl": {
        (URIRef(f"{HARROW}/conclusion"), INSP.text, Literal(HARROW_CONCLUSION.replace(
            "demonstrable improvements", "clear improvements"), lang="en"),
         f"The insp:text of {HARROW}/conclusion is not the quotation (oa:exact) of any of its "
         "source passages. The text is kept verbatim, errors included: copy it exactly from the "
         "passage, or point insp:sourcePassage to the passage it comes from."),
    },
    "stated-line-not-quoted.ttl": {
        (URIRef(f"{HARROW}/report"), INSP.asStated, Literal("Report published: 29 July 2003", lang="en"),
         f"The insp:asStated line \"Report published: 29 July 2003\" of {HARROW}/report is not "
         "part of the quotation of any of its source passages. It must be copied verbatim from "
         "the source: correct it, or add the passage it comes from."),
    },
    "report-before-visit.ttl": {
        (URIRef(f"{HARROW}/report"), DCTERMS.issued, Literal("2003-05-01", datatype=XSD.date),
         f"The report {HARROW}/report was issued on 2003-05-01, before the inspection visit "
         f"{HARROW}/visit/1 ended on 2003-05-16. A report cannot be published before the "
         "inspection it reports on: check dcterms:issued and the visit dates against the source."),
    },
    "duplicate-recommendation-number.ttl": {
        (URIRef(f"{HARROW}/recommendation/2"), INSP.recommendationNumber, number(2), same_number("2", "3")),
        (URIRef(f"{HARROW}/recommendation/3"), INSP.recommendationNumber, number(2), same_number("3", "2")),
        # With two recommendations numbered 2, none is numbered 3: recommendation 4 follows a gap.
        (URIRef(f"{HARROW}/recommendation/4"), INSP.recommendationNumber, number(4), number_gap("4", 4)),
    },
    "recommendation-number-gap.ttl": {
        (URIRef(f"{HARROW}/recommendation/4"), INSP.recommendationNumber, number(5), number_gap("4", 5)),
    },
    "theme-outside-scheme.ttl": {
        (URIRef(f"{WANDSWORTH}/recommendation/2"), INSP.theme, OUTCOME_ACCEPTED,
         f"{WANDSWORTH}/recommendation/2 is given the theme {OUTCOME_ACCEPTED}, which is not in "
         "the theme scheme <https://w3id.org/going-local/def/theme> (it has no skos:inScheme of "
         "that scheme). Use one of the themes in ontology/schemes.ttl, or add the new theme to "
         "that scheme."),
        # The one change also parts the recommendation from its theme assignment, both ways.
        (URIRef(f"{WANDSWORTH}/recommendation/2"), INSP.theme, OUTCOME_ACCEPTED,
         f"{WANDSWORTH}/recommendation/2 has the theme {OUTCOME_ACCEPTED}, but no "
         "insp:ThemeAssignment records that judgement. Add one (insp:assignedTo the "
         "recommendation, insp:assignedTheme the theme, with who made it and the passage it "
         "rests on), or remove the theme."),
        (URIRef(f"{WANDSWORTH}/recommendation/2/theme/national-intelligence-model"), INSP.assignedTheme,
         URIRef("https://w3id.org/going-local/def/theme/national-intelligence-model"),
         f"{WANDSWORTH}/recommendation/2/theme/national-intelligence-model assigns the theme "
         "https://w3id.org/going-local/def/theme/national-intelligence-model to "
         f"{WANDSWORTH}/recommendation/2, but the recommendation does not have that insp:theme. "
         "Add the theme to the recommendation, or remove the assignment."),
    },
    "bad-gss-code.ttl": {
        (HARROW_BOROUGH, INSP.gssCode, Literal("E0900015"),
         "This insp:gssCode is not a GSS code: a GSS code is a plain string of a country letter "
         "(E, W, S or N) and eight digits, such as \"E09000015\". Copy the code from the ONS "
         "register (data/sources/london-boroughs.csv)."),
        (HARROW_BOROUGH, INSP.gssCode, Literal("E0900015"), uri_of_code("E0900015")),
    },
    "non-london-gss-code.ttl": {
        (HARROW_BOROUGH, INSP.gssCode, Literal("W06000015"),
         f"{HARROW_BOROUGH} is policed by the London force {ID}force/metropolitan-police-service, "
         "but its GSS code \"W06000015\" is not a London borough code (E09 and six digits, such "
         "as \"E09000015\"). Correct the code from data/sources/london-boroughs.csv."),
        (HARROW_BOROUGH, INSP.gssCode, Literal("W06000015"), uri_of_code("W06000015")),
    },
    "passage-without-position-selector.ttl": {
        (URIRef(f"{PAPER8}/passage/17444-17474"), OA.hasSelector, None,
         "A source passage must have exactly one oa:TextPositionSelector (oa:hasSelector), "
         "giving its oa:start and oa:end offsets in the source text: add the missing selector, "
         "or remove the extra one."),
    },
    "revisit-status-outside-list.ttl": {
        (URIRef(ID + "inspection/2003-04/kensington-and-chelsea/revisit/1"), INSP.revisitStatus,
         URIRef("https://w3id.org/going-local/def/revisit-status/postponed"),
         "This insp:revisitStatus is not one of the revisit statuses. Use revisit:scheduled (due, "
         "not yet held), revisit:held-report-awaited (held, report not yet out) or "
         "revisit:report-published."),
    },
    "arranged-status-without-month.ttl": {
        (URIRef(ID + "inspection/2004-05/enfield/status/2005-01-19"), None,
         URIRef(ID + "inspection/2004-05/enfield/status/2005-01-19"),
         f"{ID}inspection/2004-05/enfield/status/2005-01-19 says its inspection is arranged, but "
         "no month is given. Give the month it is arranged for as insp:plannedMonth, or, if the "
         "source gives none, make its status istatus:planned."),
    },
    "planned-month-not-arranged.ttl": {
        (URIRef(ID + "inspection/2005-06/bexley/status/2005-01-19"), INSP.plannedMonth,
         Literal("2005-09", datatype=XSD.gYearMonth),
         f"{ID}inspection/2005-06/bexley/status/2005-01-19 gives the month 2005-09, but its "
         "status is https://w3id.org/going-local/def/inspection-status/planned, not "
         "istatus:arranged. A planned month belongs to an arranged inspection: correct the "
         "status or remove insp:plannedMonth."),
    },
    "missing-label.ttl": {
        (URIRef(ID + "inspection/2003-04/hillingdon/conclusion"), RDFS.label, None,
         "This resource must have exactly one rdfs:label, a short English name a person can "
         "recognise it by: add the missing label, or keep one label and remove the others."),
    },
    "wrong-language-tag.ttl": {
        (URIRef(ID + "inspection/2003-04/newham/recommendation/1"), INSP.text,
         Literal("That the BOCU views and develops the performance management framework and "
                 "ensures that staff are held to account for delivering performance improvement.",
                 lang="fr"),
         "A recommendation's insp:text must carry the language tag @en: the source is in "
         "English. Correct the tag."),
    },
}


def fixture_header(path: Path) -> tuple[list[str], list[str]]:
    """The fixture's leading comment lines, and the rest of its lines."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = 0
    while n < len(lines) and (lines[n].startswith("#") or not lines[n].strip()):
        n += 1
    return lines[:n], lines[n:]


def replaced_file(path: Path) -> Path:
    header, _ = fixture_header(path)
    names = [line.split(":", 1)[1].strip() for line in header if line.startswith("# replaces:")]
    assert len(names) == 1, f"{path.name}: its header must name one file it replaces (# replaces: data/...)"
    target = ROOT / names[0]
    assert target in data_files(), f"{path.name} replaces {names[0]}, which is not a shipped data file"
    return target


FIXTURES = sorted(p.name for p in FIXTURES_DIR.glob("*.ttl"))


def test_every_fixture_has_its_expected_violations():
    assert FIXTURES == sorted(EXPECTED)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_one_change_to_a_shipped_file(name):
    """A fixture must stay a copy of its shipped file with one change, so that it tests
    that change alone; when the data is recompiled, copy the file anew and redo the change."""
    fixture = FIXTURES_DIR / name
    header, body = fixture_header(fixture)
    assert any(line.startswith("# broken:") for line in header), f"{name}: say what is broken (# broken: ...)"
    shipped = replaced_file(fixture).read_text(encoding="utf-8").splitlines(keepends=True)
    changes = [op for op in difflib.SequenceMatcher(None, shipped, body, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    assert len(changes) == 1, f"{name}: {len(changes)} changes to {replaced_file(fixture).name}, not one"


@pytest.mark.parametrize("name", FIXTURES)
def test_broken_fixture_fails_with_expected_messages(name):
    fixture = FIXTURES_DIR / name
    results = validate({replaced_file(fixture): fixture})
    violations = {(r.focus, r.path, r.value, r.message) for r in of_severity(results, SH.Violation)}
    assert violations == EXPECTED[name], "violations:\n" + listing(of_severity(results, SH.Violation))
    if name == "passage-without-position-selector.ttl":
        # The selector left behind is no longer used by any passage.
        orphans = [r for r in of_severity(results, SH.Warning) if r.shape is not None
                   and r.focus == URIRef(f"{PAPER8}/passage/17444-17474/position")]
        assert [r.message for r in orphans] == [
            "No passage uses this text position selector (oa:hasSelector). Attach it to its "
            "insp:SourcePassage, or remove it."]


# --- The shapes themselves ---------------------------------------------------------------

def test_every_typed_resource_is_the_target_of_a_class_shape():
    """No resource escapes the shapes: each has a type some shape targets. (Generic types
    such as prov:Entity are stated too, for queries without inference; the resources that
    have them are checked through their own classes.)"""
    shapes = shapes_graph()
    targeted = set(shapes.objects(None, SH.targetClass))
    data = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        data.parse(path, format="turtle")
    untargeted = sorted(str(s) for s in set(data.subjects(RDF.type, None))
                        if not set(data.objects(s, RDF.type)) & targeted)
    assert untargeted == []
    classes = set(data.objects(None, RDF.type))
    generic = {URIRef(c) for c in (
        "http://www.w3.org/ns/prov#Entity", "http://www.w3.org/ns/prov#Activity",
        "http://www.w3.org/ns/prov#Person", "http://www.w3.org/ns/org#FormalOrganization",
        "http://www.w3.org/ns/org#OrganizationalUnit", "http://www.w3.org/ns/org#Post",
        "http://xmlns.com/foaf/0.1/Document", "http://www.w3.org/ns/oa#SpecificResource",
        "http://www.w3.org/ns/oa#Annotation")}
    assert sorted(str(c) for c in classes - targeted - generic) == []
    # Every class of the inspection ontology that the data uses has a shape of its own.
    assert sorted(str(c) for c in classes if c.startswith(str(INSP)) and c not in targeted) == []


def _constraint_parameters(shapes: Graph, shape: Node) -> set[URIRef]:
    """The constraint parameters a shape has itself (not through its property shapes)."""
    own = {p for p in shapes.predicates(shape, None) if p.startswith(str(SH))}
    return own - {SH.property, SH.path, SH.targetClass, SH.target, SH.targetNode,
                  SH.targetObjectsOf, SH.targetSubjectsOf, SH.message, SH.severity,
                  SH.name, SH.description, SH.order, SH.group, SH.deactivated,
                  SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.prefixes, SH.declare}


def test_every_shape_is_documented_and_every_constraint_explained():
    shapes = shapes_graph()
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.objects(None, SH.property))
    problems = []
    for shape in sorted(node_shapes, key=str):
        if not isinstance(shape, URIRef) or not shape.startswith(str(SHAPE)):
            problems.append(f"node shape {shape} is not named in the shape: namespace")
        for predicate in (RDFS.label, RDFS.comment):
            if shapes.value(shape, predicate) is None:
                problems.append(f"{shape} has no {predicate}")
        own = _constraint_parameters(shapes, shape) - {SH.sparql}
        if own and shapes.value(shape, SH.message) is None:
            problems.append(f"{shape} has constraints of its own but no sh:message")
        if shapes.value(shape, SH.message) is not None and (SH.sparql in set(shapes.predicates(shape, None))):
            problems.append(f"{shape} has sh:message and sh:sparql: its message would join every SPARQL result")
    for shape in sorted(property_shapes, key=str):
        where = f"property shape on {shapes.value(shape, SH.path)}"
        if shapes.value(shape, RDFS.label) is None:
            problems.append(f"{where} has no rdfs:label")
        if shapes.value(shape, SH.message) is None:
            problems.append(f"{where} has no sh:message")
    for constraint in sorted(set(shapes.objects(None, SH.sparql)), key=str):
        if shapes.value(constraint, SH.message) is None:
            problems.append(f"SPARQL constraint {shapes.value(constraint, RDFS.label)} has no sh:message")
        if shapes.value(constraint, RDFS.label) is None:
            problems.append(f"a SPARQL constraint has no rdfs:label")
    for message in shapes.objects(None, SH.message):
        if message.language != "en":
            problems.append(f"message not tagged @en: {message}")
    assert problems == []


def test_shapes_use_only_terms_the_ontology_defines():
    """A misspelt insp: term in a shape would make its constraint silently check nothing."""
    ontology = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(path, format="turtle")
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty))
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    concepts = set(ontology.subjects(RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#Concept")))
    schemes = set(ontology.subjects(RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#ConceptScheme")))
    shapes = shapes_graph()
    unknown = set()
    for predicate, known in ((SH.path, properties), (SH.inversePath, properties),
                             (SH.lessThan, properties), (SH.lessThanOrEquals, properties),
                             (SH.targetClass, classes), (SH["class"], classes),
                             (SH.hasValue, classes | concepts | schemes)):
        for term in shapes.objects(None, predicate):
            if isinstance(term, URIRef) and term.startswith("https://w3id.org/going-local/def/"):
                if term not in known:
                    unknown.add(f"{predicate.split('#')[-1]} {term}")
    for members in shapes.objects(None, SH["in"]):
        for term in shapes.items(members):
            if term not in concepts:
                unknown.add(f"in {term}")
    assert sorted(unknown) == []
