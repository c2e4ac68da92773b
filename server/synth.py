"""`going-local synth`: a national-scale synthetic dataset, for benchmarks only.

The 43 territorial police forces of England and Wales, as "Synthetic force 01" to
"Synthetic force 43", each with 4 to 20 basic command units ("Synthetic BCU 07-03"); the
Going Local programme inspecting every unit once in each five-year round (2001-02 to
2005-06, then again from 2006-07 for as long as it takes); for each force and programme
year a committee paper reporting its inspections: visits, reports, revisits in every
status, 2 to 8 recommendations on the real theme scheme's themes, the action taken (some
with action points), good practice (some potential) and a conclusion. Every resource has
the classes, properties, labels and provenance of the published data, down to passages of
a synthetic source text with their quotation and code-point offsets, so the data conforms
to shapes/.

It is marked as synthetic everywhere: its IRIs are minted under a base of its own
(http://synthetic.going-local.test/seed-S by default, never the canonical one; the
ontology's and the concept schemes' IRIs stay canonical, as in the published files), the
folder has a dataset.ttl saying what it is and a synthetic.json naming the base, and every
file starts with a comment saying so. It is refused a place in the project's data/ folder.

The triples are written as they are made, as one-triple-per-line Turtle (N-Triples
syntax): programme.ttl, one file per force (forces/) and one per programme year
(inspections/), never holding more than one committee paper in memory. The number of
inspections grows until the files hold --triples triples (to within 1%; the last
inspection is sized to fit). The same seed and size give the same bytes: one
random.Random(seed) draws everything, in a fixed order.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from .atomic import folder_beside, swap_into_place
from .config import CANONICAL_BASE, PROJECT_ROOT, load_settings
from .errors import GoingLocalError
from .synthetic import MARKER, check_base, read_marker, synthetic_base

MIN_TRIPLES = 1000
CONTEXT_CHARS = 32  # a quotation's prefix and suffix, as the curation writes them

FORCES = 43
WELSH_FORCES = range(40, 44)  # the last four: Welsh area codes
UNITS_PER_FORCE = (4, 20)
FIRST_YEAR = 2001  # 2001-02, the programme's first year
ROUND_YEARS = 5  # every unit is inspected once in each five-year round
LAST_YEAR = 9998

TXT_NAME = "synthetic-source.txt"
CSV_NAME = "synthetic-units.csv"

# --- Terms ---------------------------------------------------------------------------------

DEF = CANONICAL_BASE + "/def"
INSP = DEF + "/inspection/"
XSD = "http://www.w3.org/2001/XMLSchema#"
STATS = "http://statistics.data.gov.uk/id/statistical-geography/"


def _iri(text: str) -> str:
    return f"<{text}>"


def _insp(name: str) -> str:
    return f"<{INSP}{name}>"


A = _iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = _iri("http://www.w3.org/2000/01/rdf-schema#label")
ALT_LABEL = _iri("http://www.w3.org/2004/02/skos/core#altLabel")
NOTATION = _iri("http://www.w3.org/2004/02/skos/core#notation")
TITLE = _iri("http://purl.org/dc/terms/title")
DESCRIPTION = _iri("http://purl.org/dc/terms/description")
DATE = _iri("http://purl.org/dc/terms/date")
ISSUED = _iri("http://purl.org/dc/terms/issued")
PUBLISHER = _iri("http://purl.org/dc/terms/publisher")
CREATOR = _iri("http://purl.org/dc/terms/creator")
IDENTIFIER = _iri("http://purl.org/dc/terms/identifier")
FORMAT = _iri("http://purl.org/dc/terms/format")
DERIVED = _iri("http://www.w3.org/ns/prov#wasDerivedFrom")
ASSOCIATED = _iri("http://www.w3.org/ns/prov#wasAssociatedWith")
GENERATED = _iri("http://www.w3.org/ns/prov#wasGeneratedBy")
ATTRIBUTED = _iri("http://www.w3.org/ns/prov#wasAttributedTo")
UNIT_OF = _iri("http://www.w3.org/ns/org#unitOf")
SUB_ORGANIZATION_OF = _iri("http://www.w3.org/ns/org#subOrganizationOf")
POST_IN = _iri("http://www.w3.org/ns/org#postIn")
HAS_SOURCE = _iri("http://www.w3.org/ns/oa#hasSource")
HAS_SELECTOR = _iri("http://www.w3.org/ns/oa#hasSelector")
EXACT = _iri("http://www.w3.org/ns/oa#exact")
PREFIX = _iri("http://www.w3.org/ns/oa#prefix")
SUFFIX = _iri("http://www.w3.org/ns/oa#suffix")
START = _iri("http://www.w3.org/ns/oa#start")
END = _iri("http://www.w3.org/ns/oa#end")

PROV_ACTIVITY = _iri("http://www.w3.org/ns/prov#Activity")
PROV_ENTITY = _iri("http://www.w3.org/ns/prov#Entity")
FOAF_DOCUMENT = _iri("http://xmlns.com/foaf/0.1/Document")
ORG_FORMAL = _iri("http://www.w3.org/ns/org#FormalOrganization")
ORG_UNIT = _iri("http://www.w3.org/ns/org#OrganizationalUnit")
ORG_POST = _iri("http://www.w3.org/ns/org#Post")
OA_SPECIFIC = _iri("http://www.w3.org/ns/oa#SpecificResource")
OA_QUOTE = _iri("http://www.w3.org/ns/oa#TextQuoteSelector")
OA_POSITION = _iri("http://www.w3.org/ns/oa#TextPositionSelector")


def _status(scheme: str, name: str) -> str:
    return f"<{DEF}/{scheme}/{name}>"


# --- Literals, escaped as N-Triples (and so Turtle) require ---------------------------------

_ESCAPES = {code: f"\\u{code:04X}" for code in range(0x20)}
_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
                 ord("\t"): "\\t", 0x7F: "\\u007F"})


def string(text: str) -> str:
    """A plain string literal."""
    return f'"{text.translate(_ESCAPES)}"'


def english(text: str) -> str:
    return f'"{text.translate(_ESCAPES)}"@en'


def typed(lexical: str, datatype: str) -> str:
    return f'"{lexical.translate(_ESCAPES)}"^^<{XSD}{datatype}>'


def day(value: date) -> str:
    return typed(value.isoformat(), "date")


def positive(number: int) -> str:
    return typed(str(number), "positiveInteger")


def count(number: int) -> str:
    return typed(str(number), "nonNegativeInteger")


def month_literal(year: int, month: int) -> str:
    return typed(f"{year:04d}-{month:02d}", "gYearMonth")


MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                "seventeen", "eighteen", "nineteen", "twenty")


def spoken_date(value: date) -> str:
    return f"{value.day} {MONTHS[value.month]} {value.year}"


def spoken_period(first: date, last: date) -> str:
    """12–16 May 2003, 30 June–1 July 2003, 29 March 2004–2 April 2004, or 15 March 2004."""
    if first == last:
        return spoken_date(first)
    if first.year != last.year:
        return f"{spoken_date(first)}–{spoken_date(last)}"
    if first.month != last.month:
        return f"{first.day} {MONTHS[first.month]}–{last.day} {MONTHS[last.month]} {last.year}"
    return f"{first.day}–{last.day} {MONTHS[first.month]} {first.year}"


def number_words(n: int) -> str:
    if n < len(NUMBER_WORDS):
        return NUMBER_WORDS[n]
    tens = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
    return tens[n // 10] + ("" if n % 10 == 0 else "-" + NUMBER_WORDS[n % 10]) if n < 100 else str(n)


def year_name(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


# --- Texts -----------------------------------------------------------------------------------

RECOMMENDATIONS = {
    "performance-management": (
        "That the BCU reviews and develops its performance management framework, ensuring that it is "
        "applied consistently and that staff are held to account for delivering performance.",
        "That the BCU develops its performance review process so that it is embedded across the "
        "management chain and cascaded to frontline supervisors.",
        "That the BCU refines its performance management system to hold senior and middle managers "
        "and supervisors accountable for the delivery of the BCU’s policing priorities.",
    ),
    "demand-management": (
        "That the BCU undertakes an analysis of demand and develops a demand management strategy.",
        "That the BCU reviews demand management and deployment against its stated aims and "
        "implements a unified demand and deployment strategy.",
        "That the BCU further develops its demand management strategy, setting out clear "
        "accountabilities and action plans.",
    ),
    "national-intelligence-model": (
        "That the BCU fully implements the National Intelligence Model (NIM) by the introduction of "
        "a strategic assessment, control strategy and effective tactical assessments.",
        "That the BCU reviews progress on the implementation of the NIM to ensure the model is "
        "mainstreamed and driving activity.",
        "That the BCU ensures that its tasking and co-ordinating process deploys resources on the "
        "intelligence unit’s analytical products.",
    ),
    "crime-recording-standards": (
        "That the BCU audits its crime recording against the National Crime Recording Standard and "
        "acts on the findings.",
        "That the BCU ensures that every crime reported to it is recorded in compliance with the "
        "National Crime Recording Standard.",
    ),
    "partnerships": (
        "That the BCU engages with partners to ensure that there is clarity regarding the delivery of, "
        "and accountability for, long-term and sustainable crime and disorder plans.",
        "That the BCU agrees with its crime and disorder reduction partnership the roles and "
        "responsibilities of each partner for the shared plan.",
    ),
    "leadership": (
        "That the senior management team increases its visibility and accessibility to staff across "
        "the BCU.",
        "That the BCU commander sets out a clear direction for the workforce and communicates it to "
        "all staff.",
    ),
    "diversity": (
        "That the BCU establishes a clear strategy in relation to diversity and ensures that the senior "
        "management team has effective systems in place to monitor progress.",
        "That the BCU reviews its recruitment and retention of staff from minority communities.",
    ),
    "workforce-planning": (
        "That the BCU reviews the future requirements for the workforce and publishes a workforce "
        "deployment plan setting out clear accountabilities and action plans.",
        "That the BCU reviews its postings and vacancies against a workforce plan.",
    ),
    "community-policing": (
        "That the BCU ensures that the vision in relation to community policing is clarified by the "
        "introduction of a strategic plan.",
        "That the BCU protects the time of its dedicated community officers from abstraction.",
    ),
    "quality-of-life": (
        "That the BCU ensures quality of life issues become an integral part of its analytical "
        "products and of the tasking of its resources.",
        "That the BCU treats anti-social behaviour and public nuisance as priorities in its tasking.",
    ),
}
RECOMMENDATION_ENDINGS = (
    "", "", "", " Progress should be reviewed by the senior management team within six months.",
    " This should be linked to the production of quality management information.",
    " This will benefit the BCU in assessing and providing the context for crime and disorder "
    "hotspots and performance.",
)
THEME_WEIGHTS = {"performance-management": 9, "demand-management": 7,
                 "national-intelligence-model": 6, "partnerships": 4, "diversity": 3,
                 "workforce-planning": 3, "community-policing": 3, "quality-of-life": 2,
                 "crime-recording-standards": 2, "leadership": 2}

UPDATES = (
    "{unit} undertook a number of actions as part of a full review in this area of activity. The "
    "inspectorate found evidence of a stronger culture of accountability during its revisit.",
    "A review has been completed and a new structure was introduced in {month}. Staff interviewed "
    "during the revisit confirmed the change.",
    "The BCU has developed a framework in line with force policy. Activity strands have been "
    "identified and responsibilities have been assigned.",
    "A considerable amount of work has been undertaken by the BCU, which was evidenced during the "
    "inspectorate’s revisit.",
    "{unit} is now compliant with force policy in this area.",
    "Quarterly reviews are now held and their results are published to all supervisors on the BCU.",
    "A governance process has been implemented to monitor and review progress, chaired by the "
    "BCU commander.",
)
FURTHER = (" A number of other matters are still being addressed and an update is expected as "
           "part of the inspectorate’s revisit report.")
POINTS_INTRO = ("A number of initiatives have been introduced as a result of this recommendation. "
                "These include:")
POINTS = (
    "the introduction of a partnership focus desk within the intelligence unit;",
    "the production of analytical products on anti-social behaviour and hate crime;",
    "a monthly review of performance by the senior management team;",
    "the appointment of a diversity co-ordinator;",
    "training for every supervisor in the new process;",
    "a protocol with the local authority on the sharing of information;",
    "the publication of management information on the force intranet;",
)
LAST_POINT = ("A number of other matters are being addressed and an update is expected as part of "
              "the inspectorate’s revisit report.")
GOOD_PRACTICE = (
    "The ‘Safer Homes’ project for victims of domestic violence, which enables victims to remain in "
    "their own homes rather than relocating.",
    "The deployment of mobile crime prevention signs to crime hotspots through the tasking group.",
    "The management and focus of the community safety unit within the BCU.",
    "The initiative to allocate research projects to probationer officers to aid their "
    "understanding of the communities they police.",
    'The "Street Watch" scheme, in which volunteers walk their neighbourhoods with local officers.',
    "The protocol with local hospitals to aid staff in the execution of warrants under mental "
    "health legislation.",
    "The use of custody nurses at the main custody suite.",
    "The practice of recouping the costs of policing private events.",
    "The burglary car, staffed by constables and scenes of crime officers, which gives victims a "
    "one-stop approach to scene investigation.",
    "The ‘Beat Book’ prepared by special constables, describing the routes to every location on "
    "the sector.",
)
QUOTED_PRACTICE = GOOD_PRACTICE[4]  # straight double quotes: escaped in every literal
COMMITTEE_RECOMMENDATIONS = (
    "the report be noted; and",
    "members note the action taken on the inspectorate’s recommendations.",
)

# How far an inspection had got when its committee paper reported it, and how often.
STAGES = ("published", "held", "scheduled-date", "scheduled-month", "awaiting-report",
          "arranged", "planned")
STAGE_WEIGHTS = (35, 15, 16, 9, 7, 10, 8)
# The first inspections take these in turn (where their paper allows), and these features,
# so that even a small dataset has every status and every kind of resource.
FORCED_STAGES = ("published", "held", "scheduled-date", "scheduled-month", "arranged", "planned",
                 "awaiting-report")
FORCED_FEATURES = ("two-visits", "action-points", "further-update", "potential", "stated-count",
                   "two-themes", "quoted-text")
REPORTED_STAGES = ("published", "held", "scheduled-date", "scheduled-month")


# --- The national structure --------------------------------------------------------------

@dataclass
class Unit:
    force: "Force"
    number: int
    slug: str
    name: str
    area: str
    code: str
    csv_start: int = 0
    csv_end: int = 0


@dataclass
class Force:
    number: int
    slug: str
    name: str
    units: list[Unit] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return f"{self.number:02d}"

    @property
    def authority(self) -> str:
        return f"Synthetic police authority {self.tag}"

    @property
    def committee(self) -> str:
        return f"{self.authority} Performance Review Committee"

    @property
    def post(self) -> str:
        return f"Chief Constable of {self.name}"

    @property
    def liaison_unit(self) -> str:
        return f"{self.name} Inspection Liaison Unit"


@dataclass
class PaperPlan:
    force: Force
    year: int
    units: list[Unit]
    date: date
    number: int
    seeds: list[int]

    @property
    def year_name(self) -> str:
        return year_name(self.year)

    @property
    def trailer(self) -> str:
        # At least CONTEXT_CHARS long and quoting nothing: the last quotation's suffix.
        return f"\nEnd of report {self.number} to the {self.force.committee}.\n\n"


@dataclass
class Update:
    text: str
    further: bool = False
    points: list[str] = field(default_factory=list)


@dataclass
class Recommendation:
    themes: list[str]
    text: str
    updates: list[Update] = field(default_factory=list)


@dataclass
class InspectionPlan:
    unit: Unit
    stage: str
    visits: list[tuple[date, date]] = field(default_factory=list)
    report: date | None = None
    held: date | None = None
    revisit_report: date | None = None
    scheduled: date | None = None
    planned_month: tuple[int, int] | None = None
    recommendations: list[Recommendation] = field(default_factory=list)
    potential: bool = False
    good_practice: list[str] = field(default_factory=list)
    stated_count: int | None = None


# --- Source texts ------------------------------------------------------------------------------

class Source:
    """A source text being written: its length in code points, digest and last characters."""

    def __init__(self, path: Path, iri: str, media_type: str):
        self.path, self.iri, self.media_type = path, iri, media_type
        self.ref = _iri(iri)
        self.name = path.name
        self.stream = open(path, "wb")
        self.digest = hashlib.sha256()
        self.length = 0
        self.tail = ""

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.stream.write(data)
        self.digest.update(data)
        self.length += len(text)
        self.tail = (self.tail + text[-CONTEXT_CHARS:])[-CONTEXT_CHARS:]

    def close(self) -> str:
        self.stream.close()
        return self.digest.hexdigest()


def passage_lines(lines: list[str], source: Source, start: int, exact: str, prefix: str,
                  suffix: str | None) -> tuple[str, int | None]:
    """A SourcePassage with its quote and position selectors, as the curation writes them;
    with no suffix yet, the index of the line to put it in."""
    end = start + len(exact)
    passage = f"{source.iri}/passage/{start}-{end}"
    ref, quote, position = f"<{passage}>", f"<{passage}/quote>", f"<{passage}/position>"
    lines += (
        f"{ref} {A} {_insp('SourcePassage')} .\n",
        f"{ref} {A} {OA_SPECIFIC} .\n",
        f"{ref} {LABEL} {english(f'characters {start}-{end} of {source.name}')} .\n",
        f"{ref} {HAS_SOURCE} {source.ref} .\n",
        f"{ref} {HAS_SELECTOR} {quote} .\n",
        f"{ref} {HAS_SELECTOR} {position} .\n",
        f"{quote} {A} {OA_QUOTE} .\n",
        f"{quote} {EXACT} {string(exact)} .\n",
        f"{quote} {PREFIX} {string(prefix)} .\n",
        f"{position} {A} {OA_POSITION} .\n",
        f"{position} {START} {count(start)} .\n",
        f"{position} {END} {count(end)} .\n",
    )
    if suffix is not None:
        lines.append(f"{quote} {SUFFIX} {string(suffix)} .\n")
        return ref, None
    lines.append("")  # filled in when the text after the quotation is known
    return ref, len(lines) - 1


class Section:
    """Text about to be appended to a source, and the passages quoted from it. A quotation's
    suffix is the text after it, so each gets its oa:suffix when the section is closed."""

    def __init__(self, source: Source, start: int, before: str):
        self.source, self.start = source, start
        self.parts: list[str] = []
        self.length = 0
        self.tail = before[-CONTEXT_CHARS:]
        self.pending: list[tuple[list[str], int, str, int]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
        self.tail = (self.tail + text[-CONTEXT_CHARS:])[-CONTEXT_CHARS:]

    def mark(self) -> tuple[int, str]:
        return self.start + self.length, self.tail

    def passage(self, lines: list[str], mark: tuple[int, str], exact: str) -> str:
        """The passage of `exact`, added to the section since `mark`."""
        start, prefix = mark
        ref, index = passage_lines(lines, self.source, start, exact, prefix, None)
        self.pending.append((lines, index, f"<{ref[1:-1]}/quote>", start + len(exact) - self.start))
        return ref

    def quote(self, lines: list[str], text: str) -> str:
        mark = self.mark()
        self.add(text)
        return self.passage(lines, mark, text)

    def checkpoint(self) -> tuple:
        return len(self.parts), self.length, self.tail, len(self.pending)

    def rollback(self, checkpoint: tuple) -> None:
        parts, self.length, self.tail, pending = checkpoint
        del self.parts[parts:]
        del self.pending[pending:]

    def close(self, trailer: str) -> str:
        self.add(trailer)
        text = "".join(self.parts)
        for lines, index, quote, end in self.pending:
            assert end + CONTEXT_CHARS <= len(text), "a section must end with a long enough trailer"
            lines[index] = f"{quote} {SUFFIX} {string(text[end:end + CONTEXT_CHARS])} .\n"
        return text


# --- One committee paper being built -------------------------------------------------------

class PaperBuild:
    """A committee paper's text and triples, kept until the paper is complete: its lines
    (for the year's file) and, for its force's first paper, the force's own lines."""

    def __init__(self, plan: PaperPlan, section: Section, new_force: bool, new_year: bool):
        self.plan, self.section = plan, section
        self.new_force, self.new_year = new_force, new_year
        self.lines: list[str] = []
        self.force_lines: list[str] = []
        self.last: tuple | None = None  # its last inspection: (checkpoint, index, size, plan)

    def cost(self) -> int:
        return len(self.lines) + len(self.force_lines) + (YEAR_TRIPLES if self.new_year else 0)

    def checkpoint(self) -> tuple:
        return self.section.checkpoint(), len(self.lines)

    def rollback(self, checkpoint: tuple) -> None:
        section, lines = checkpoint
        self.section.rollback(section)
        del self.lines[lines:]


YEAR_TRIPLES = 4
SOURCE_TRIPLES = 5
SMALLEST_INSPECTION = 23  # a planned inspection and its passage


# --- The generator ---------------------------------------------------------------------------

def default_base(seed: int) -> str:
    return f"http://synthetic.going-local.test/seed-{seed}"


@dataclass
class Summary:
    out: Path
    base: str
    seed: int
    requested: int
    triples: int
    files: int
    bytes: int
    inspections: int
    forces: int
    years: int
    seconds: float


class Synthesizer:
    def __init__(self, folder: Path, triples: int, seed: int, base: str, ontology_dir: Path):
        self.folder, self.target, self.seed, self.base = folder, triples, seed, base
        self.random = random.Random(seed)
        self.themes = theme_labels(ontology_dir)
        self.theme_names = sorted(self.themes)
        self.theme_weights = [THEME_WEIGHTS.get(name, 1) for name in self.theme_names]
        self.inspectorate = _iri(f"{base}/id/organisation/synthetic-inspectorate")
        self.programme = _iri(f"{base}/id/programme/going-local")
        self.editors = _iri(f"{base}/id/agent/editors")
        self.forced_stages = list(FORCED_STAGES)
        self.forced_features = list(FORCED_FEATURES)
        self.count = 0  # triples written or promised to files still to be written
        self.inspections = 0
        self.forces_used: set[int] = set()
        self.years_used: list[int] = []
        self.year_file = None
        self.year_of_file = None
        self.files: list[Path] = []

    # -- ids --------------------------------------------------------------------------

    def id(self, *segments: str) -> str:
        return "/".join([f"{self.base}/id", *segments])

    def ref(self, *segments: str) -> str:
        return _iri(self.id(*segments))

    # -- the national structure -------------------------------------------------------

    def make_forces(self) -> list[Force]:
        forces = []
        low, high = UNITS_PER_FORCE
        for number in range(1, FORCES + 1):
            force = Force(number, f"synthetic-force-{number:02d}", f"Synthetic force {number:02d}")
            size = max(low, min(high, round(self.random.triangular(low, high, 7))))
            country = "W" if number in WELSH_FORCES else "E"
            for n in range(1, size + 1):
                tag = f"{number:02d}-{n:02d}"
                force.units.append(Unit(force, n, f"synthetic-bcu-{tag}", f"Synthetic BCU {tag}",
                                        f"Synthetic area {tag}", f"{country}99{number:02d}{n:02d}00"))
            forces.append(force)
        return forces

    def units_csv(self, forces: list[Force]) -> str:
        """The table of units and areas every BCU and area is derived from, like
        data/sources/london-boroughs.csv; each unit's line is its passage."""
        parts = ["gss_code,name,policed_by,statistics_uri\n"]
        length = len(parts[0])
        for force in forces:
            for unit in force.units:
                line = f"{unit.code},{unit.area},{force.name},{STATS}{unit.code}"
                unit.csv_start, unit.csv_end = length, length + len(line)
                parts.append(line + "\n")
                length += len(line) + 1
        return "".join(parts)

    def paper_plans(self, forces: list[Force]) -> Iterator[PaperPlan]:
        """Committee papers in order: by programme year, then force; each reports the
        inspections of its force's units in that year. Each round of five years inspects
        every unit once, spread over the years."""
        for round_number in range(0, (LAST_YEAR - FIRST_YEAR) // ROUND_YEARS):
            per_year: dict[int, list[list[Unit]]] = {}
            for force in forces:
                order = list(force.units)
                self.random.shuffle(order)
                shift = self.random.randrange(ROUND_YEARS)
                years: list[list[Unit]] = [[] for _ in range(ROUND_YEARS)]
                for index, unit in enumerate(order):
                    years[(index * ROUND_YEARS // len(order) + shift) % ROUND_YEARS].append(unit)
                per_year[force.number] = [sorted(units, key=lambda u: u.number) for units in years]
            for offset in range(ROUND_YEARS):
                year = FIRST_YEAR + ROUND_YEARS * round_number + offset
                if year > LAST_YEAR:
                    return
                start = date(year, 4, 1)
                for force in forces:
                    units = per_year[force.number][offset]
                    if not units:
                        continue
                    # Dated from mid-January in the year's last quarter to mid-October after
                    # it ends; the very first paper early, so that inspections are still to come.
                    days = self.random.randint(285, 330 if not self.years_used and not
                                               self.forces_used else 560)
                    number = self.random.randint(3, 14)
                    seeds = [self.random.getrandbits(64) for _ in units]
                    yield PaperPlan(force, year, units, start + timedelta(days=days), number, seeds)

    # -- planning one inspection ----------------------------------------------------------

    def choose_stage(self, rng: random.Random, plan: PaperPlan) -> str:
        for stage in self.forced_stages:
            if self.stage_possible(stage, plan):
                self.forced_stages.remove(stage)
                return stage
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        return stage if self.stage_possible(stage, plan) else "scheduled-date"

    @staticmethod
    def stage_possible(stage: str, plan: PaperPlan) -> bool:
        """Arranged and planned inspections are still to come: the paper is dated within
        their programme year."""
        if stage in ("arranged", "planned"):
            return plan.date < date(plan.year + 1, 3, 31)
        return True

    def feature(self, name: str, rng: random.Random, probability: float) -> bool:
        if name in self.forced_features:
            self.forced_features.remove(name)
            return True
        return rng.random() < probability

    def plan_inspection(self, rng: random.Random, plan: PaperPlan, unit: Unit,
                        stage: str | None = None, natural: bool = True,
                        visits: int | None = None) -> InspectionPlan:
        """What is known of one inspection as at its paper's date. `natural` plans draw on
        the forced stages and features; the plans that size the last inspection do not."""
        if stage is None:
            stage = self.choose_stage(rng, plan)
        feature = self.feature if natural else (lambda name, r, p: r.random() < p)
        ins = InspectionPlan(unit, stage)
        year_start, year_end, paper = date(plan.year, 4, 1), date(plan.year + 1, 3, 31), plan.date
        if stage == "planned":
            return ins
        if stage == "arranged":
            first = max(date(plan.year, 4, 1), paper.replace(day=1))
            months = []
            while first <= year_end:
                months.append((first.year, first.month))
                first = (first + timedelta(days=32)).replace(day=1)
            ins.planned_month = rng.choice(months or [(year_end.year, year_end.month)])
            return ins
        if visits is None:
            visits = 1 + feature("two-visits", rng, 0.17) + (rng.random() < 0.03)
        lengths = [rng.randint(0, 4) for _ in range(visits)]
        gaps = [rng.randint(3, 16) for _ in range(visits - 1)]
        span = sum(lengths) + sum(gaps)
        report_after = rng.randint(21, 75)
        revisit_after = rng.randint(90, 170)
        revisit_report_after = rng.randint(14, 45)
        if stage == "awaiting-report":  # visited in the last three months, report to come
            need = span + 1
            earliest = max(year_start, min(paper, year_end) - timedelta(days=90 + span))
        else:
            need = span + report_after
            if stage == "published":
                need += revisit_after + revisit_report_after
            elif stage == "held":
                need += revisit_after
            earliest = year_start
        latest = min(paper - timedelta(days=need), year_end)
        if latest < earliest:  # too little time: the shortest delays, from the year's start
            report_after, revisit_after, revisit_report_after = 21, 60, 14
            latest, earliest = year_start, year_start
        first = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        for length, gap in zip(lengths, [*gaps, 0]):
            ins.visits.append((first, first + timedelta(days=length)))
            first += timedelta(days=length + gap)
        if stage == "awaiting-report":
            return ins
        last_day = ins.visits[-1][1]
        ins.report = min(last_day + timedelta(days=report_after), paper)
        revisit = ins.report + timedelta(days=revisit_after)
        if stage == "published":
            ins.held = min(revisit, paper)
            ins.revisit_report = min(ins.held + timedelta(days=revisit_report_after), paper)
        elif stage == "held":
            ins.held = min(revisit, paper)
        else:
            ins.scheduled = revisit if revisit > paper else paper + timedelta(days=rng.randint(7, 120))
        count_weights = (10, 22, 22, 18, 12, 9, 7)
        for _ in range(rng.choices(range(2, 9), count_weights)[0]):
            ins.recommendations.append(self.plan_recommendation(rng, ins, feature))
        if rng.random() < 0.85 or "potential" in self.forced_features and natural:
            ins.potential = feature("potential", rng, 0.25)
            for _ in range(rng.randint(1, 6)):
                ins.good_practice.append(self.good_practice_text(rng, feature, ins.good_practice))
            if feature("stated-count", rng, 0.05):
                ins.stated_count = len(ins.good_practice) + rng.randint(1, 14)
        return ins

    def plan_recommendation(self, rng: random.Random, ins: InspectionPlan, feature) -> Recommendation:
        themes = [rng.choices(self.theme_names, self.theme_weights)[0]]
        if feature("two-themes", rng, 0.12):
            other = rng.choice([t for t in self.theme_names if t != themes[0]])
            themes.append(other)
        text = rng.choice(RECOMMENDATIONS.get(themes[0], RECOMMENDATIONS["performance-management"]))
        text += rng.choice(RECOMMENDATION_ENDINGS)
        rec = Recommendation(themes, text)
        for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0]):
            rec.updates.append(self.plan_update(rng, ins, feature, rec))
        return rec

    def plan_update(self, rng: random.Random, ins: InspectionPlan, feature,
                    rec: Recommendation) -> Update:
        if feature("action-points", rng, 0.07):
            points = rng.sample(POINTS, rng.randint(2, 5))
            if rng.random() < 0.5:
                points.append(LAST_POINT)
            return Update(POINTS_INTRO, points=points)
        when = ins.report + timedelta(days=rng.randint(20, 200))
        update = Update(self.update_text(rng, ins.unit, rec, f"{MONTHS[when.month]} {when.year}"))
        if ins.stage != "published" and feature("further-update", rng, 0.12):
            update.text += FURTHER
            update.further = True
        return update

    @staticmethod
    def update_text(rng: random.Random, unit: Unit, rec: Recommendation, month: str) -> str:
        """An update on `rec` unlike the others on it."""
        used = {update.text.removesuffix(FURTHER) for update in rec.updates}
        texts = [t.format(unit=unit.name, month=month) for t in UPDATES]
        return rng.choice([t for t in texts if t not in used] or texts)

    def good_practice_text(self, rng: random.Random, feature, listed: list[str]) -> str:
        """An item of good practice not yet listed."""
        if feature("quoted-text", rng, 0.0) and QUOTED_PRACTICE not in listed:
            return QUOTED_PRACTICE
        return rng.choice([t for t in GOOD_PRACTICE if t not in listed] or GOOD_PRACTICE)

    # -- writing one inspection ---------------------------------------------------------

    def write_inspection(self, build: PaperBuild, ins: InspectionPlan) -> None:
        plan, section, lines = build.plan, build.section, build.lines
        unit, year = ins.unit, plan.year_name
        uri = self.id("inspection", year, unit.slug)
        me, title, source = _iri(uri), f"{unit.name} {year}", self.txt.ref
        paper, reporter, reported_on = self.paper_ref(plan), self.liaison_ref(plan.force), day(plan.date)
        add = lines.append

        def triple(s: str, p: str, o: str) -> None:
            add(f"{s} {p} {o} .\n")

        section.add(f"\n{unit.name}\n\n")
        triple(me, A, _insp("Inspection"))
        triple(me, A, PROV_ACTIVITY)
        triple(me, LABEL, english(f"Inspection of {unit.name}, {year}"))
        triple(me, ASSOCIATED, self.inspectorate)
        triple(me, DERIVED, source)
        triple(me, _insp("inspectedUnit"), self.unit_ref(unit))
        triple(me, _insp("programmeYear"), self.ref("programme-year", year))
        def status_report(status: str, quoted: str) -> str:
            """What the paper reports the status to be on its date, as the curation writes it."""
            report = _iri(f"{uri}/status/{plan.date.isoformat()}")
            triple(report, A, _insp("StatusReport"))
            triple(report, A, PROV_ENTITY)
            triple(report, LABEL, english(f"{title} status reported on {plan.date.isoformat()}"))
            triple(report, DERIVED, source)
            triple(report, _insp("statusOf"), me)
            triple(report, _insp("inspectionStatus"), _status("inspection-status", status))
            triple(report, _insp("reportedIn"), paper)
            triple(report, _insp("reportedOn"), reported_on)
            triple(report, _insp("sourcePassage"), quoted)
            return report

        if ins.stage in ("planned", "arranged"):
            status = "planned" if ins.stage == "planned" else "arranged"
            section.add("  • ")
            if ins.planned_month is not None:
                y, m = ins.planned_month
                quoted = section.quote(lines, f"Inspection arranged for {MONTHS[m]} {y}")
                triple(status_report(status, quoted), _insp("plannedMonth"), month_literal(y, m))
            else:
                quoted = section.quote(lines, f"To be inspected during {year}")
                status_report(status, quoted)
            triple(me, _insp("sourcePassage"), quoted)
            section.add("\n")
            return

        # The date lines: the inspection's dates, its visits within them, and the reports.
        section.add("  • ")
        mark = section.mark()
        section.add("Date of inspection: ")
        periods = []
        for position, (first, last) in enumerate(ins.visits, start=1):
            if position > 1:
                section.add(" & ")
            period = spoken_period(first, last)
            periods.append(period)
            visit = _iri(f"{uri}/visit/{position}")
            triple(visit, A, _insp("InspectionVisit"))
            triple(visit, A, PROV_ACTIVITY)
            triple(visit, LABEL, english(f"{title} inspection visit {position}"))
            triple(visit, DERIVED, source)
            triple(visit, _insp("asStated"), english(period))
            triple(visit, _insp("startDate"), day(first))
            triple(visit, _insp("endDate"), day(last))
            triple(visit, _insp("position"), positive(position))
            triple(visit, _insp("sourcePassage"), section.quote(lines, period))
            triple(visit, _insp("visitOf"), me)
        stated = "Date of inspection: " + " & ".join(periods)
        triple(me, _insp("asStated"), english(stated))
        dates_passage = section.passage(lines, mark, stated)
        triple(me, _insp("sourcePassage"), dates_passage)
        status_report("inspected", dates_passage)
        section.add("\n")
        if ins.report is None:
            section.add("  • Report published: Awaited\n")
            return
        self.write_report(section, lines, me, f"{uri}/report", f"{title} inspection report",
                          f"Report published: {spoken_date(ins.report)}", ins.report)
        revisit = _iri(f"{uri}/revisit/1")
        triple(revisit, A, _insp("Revisit"))
        triple(revisit, A, PROV_ACTIVITY)
        triple(revisit, LABEL, english(f"{title} revisit 1"))
        triple(revisit, ASSOCIATED, self.inspectorate)
        triple(revisit, DERIVED, source)
        triple(revisit, _insp("revisitOf"), me)
        if ins.revisit_report is not None:
            triple(revisit, _insp("revisitStatus"), _status("revisit-status", "report-published"))
            line = f"Revisit report published: {spoken_date(ins.revisit_report)}"
            quoted = self.write_report(section, lines, revisit, f"{uri}/revisit/1/report",
                                       f"{title} revisit 1 report", line, ins.revisit_report)
        else:
            section.add("  • ")
            if ins.held is not None:
                triple(revisit, _insp("revisitStatus"), _status("revisit-status", "held-report-awaited"))
                triple(revisit, _insp("heldOn"), day(ins.held))
                line = "Revisit report: Awaited"
            elif ins.stage == "scheduled-month":
                triple(revisit, _insp("revisitStatus"), _status("revisit-status", "scheduled"))
                triple(revisit, _insp("scheduledMonth"),
                       month_literal(ins.scheduled.year, ins.scheduled.month))
                line = f"Revisit: Due in {MONTHS[ins.scheduled.month]} {ins.scheduled.year}"
            else:
                triple(revisit, _insp("revisitStatus"), _status("revisit-status", "scheduled"))
                triple(revisit, _insp("scheduledDate"), day(ins.scheduled))
                line = f"Revisit: To take place on {spoken_date(ins.scheduled)}"
            quoted = section.quote(lines, line)
            section.add("\n")
        triple(revisit, _insp("asStated"), english(line))
        triple(revisit, _insp("sourcePassage"), quoted)

        # Recommendations, their themes and the action taken on them.
        section.add("\nThe inspection team made the following recommendations:\n\n")
        for number, rec in enumerate(ins.recommendations, start=1):
            rec_uri = f"{uri}/recommendation/{number}"
            me_rec = _iri(rec_uri)
            section.add(f"{number}. ")
            quoted = section.quote(lines, rec.text)
            section.add("\n\n")
            triple(me_rec, A, _insp("Recommendation"))
            triple(me_rec, A, PROV_ENTITY)
            triple(me_rec, LABEL, english(f"{title} recommendation {number}"))
            triple(me_rec, DERIVED, source)
            triple(me_rec, _insp("recommendationNumber"), positive(number))
            triple(me_rec, _insp("recommendationOf"), me)
            triple(me_rec, _insp("sourcePassage"), quoted)
            triple(me_rec, _insp("text"), english(rec.text))
            for theme in rec.themes:
                theme_ref = f"<{DEF}/theme/{theme}>"
                triple(me_rec, _insp("theme"), theme_ref)
                assignment = _iri(f"{rec_uri}/theme/{theme}")
                triple(assignment, A, _insp("ThemeAssignment"))
                triple(assignment, A, PROV_ENTITY)
                triple(assignment, LABEL,
                       english(f"{title} recommendation {number} concerns {self.themes[theme]}"))
                triple(assignment, ATTRIBUTED, self.editors)
                triple(assignment, DERIVED, quoted)
                triple(assignment, _insp("assignedTheme"), theme_ref)
                triple(assignment, _insp("assignedTo"), me_rec)
            for position, update in enumerate(rec.updates, start=1):
                action_uri = f"{rec_uri}/action/{position}"
                action = _iri(action_uri)
                section.add("  • ")
                quoted = section.quote(lines, update.text)
                section.add("\n")
                triple(action, A, _insp("ProgressUpdate"))
                triple(action, A, PROV_ENTITY)
                triple(action, LABEL, english(f"{title} recommendation {number}, action {position}"))
                triple(action, DERIVED, source)
                triple(action, _insp("position"), positive(position))
                triple(action, _insp("progressOn"), me_rec)
                triple(action, _insp("reportedBy"), reporter)
                triple(action, _insp("reportedIn"), paper)
                triple(action, _insp("reportedOn"), reported_on)
                triple(action, _insp("sourcePassage"), quoted)
                triple(action, _insp("text"), english(update.text))
                if update.further:
                    triple(action, _insp("furtherUpdateExpected"), typed("true", "boolean"))
                for index, text in enumerate(update.points, start=1):
                    point = _iri(f"{action_uri}/point/{index}")
                    section.add("    • ")
                    quoted = section.quote(lines, text)
                    section.add("\n")
                    triple(point, A, _insp("ActionPoint"))
                    triple(point, A, PROV_ENTITY)
                    triple(point, LABEL, english(
                        f"{title} recommendation {number}, action {position}, point {index}"))
                    triple(point, DERIVED, source)
                    triple(point, _insp("pointOf"), action)
                    triple(point, _insp("position"), positive(index))
                    triple(point, _insp("sourcePassage"), quoted)
                    triple(point, _insp("text"), english(text))
            section.add("\n")

        # Good practice.
        if ins.good_practice:
            kind = "potential good practice" if ins.potential else "good practice"
            if ins.stated_count is not None:
                intro = (f"The inspection team acknowledged {number_words(ins.stated_count)} "
                         f"areas of {kind} including:")
                triple(me, _insp("statedGoodPracticeCount"), count(ins.stated_count))
            elif ins.potential:
                intro = "The inspection team acknowledged the following areas of potential good practice:"
            else:
                intro = "The inspection team acknowledged the following as good practice:"
            triple(me, _insp("sourcePassage"), section.quote(lines, intro))
            section.add("\n\n")
            for position, text in enumerate(ins.good_practice, start=1):
                practice = _iri(f"{uri}/good-practice/{position}")
                section.add(f"  {position}. ")
                quoted = section.quote(lines, text)
                section.add("\n")
                triple(practice, A, _insp("GoodPractice"))
                triple(practice, A, PROV_ENTITY)
                if ins.potential:
                    triple(practice, A, _insp("PotentialGoodPractice"))
                triple(practice, LABEL, english(f"{title} {kind} {position}"))
                triple(practice, DERIVED, source)
                triple(practice, _insp("goodPracticeOf"), me)
                triple(practice, _insp("position"), positive(position))
                triple(practice, _insp("sourcePassage"), quoted)
                triple(practice, _insp("text"), english(text))
            section.add("\n")

        # The conclusion, as at the paper's date.
        conclusion = _iri(f"{uri}/conclusion")
        section.add("Conclusion: ")
        mark = section.mark()
        accepted = (f"{unit.name} has accepted the recommendations contained within the inspection "
                    "report and forwarded their action plan to the inspectorate. ")
        if ins.revisit_report is not None:
            outcome = "accepted-and-acted-upon"
            text = (f"The inspectorate is satisfied that all of the recommendations made during the "
                    f"inspection of {unit.name} have been accepted and acted upon. Action has led to "
                    "demonstrable improvements and no problems have arisen that are likely to affect "
                    "performance or merit further scrutiny by the inspectorate’s inspection team.")
            section.add(text)
        elif ins.held is not None:
            outcome = "action-plan-forwarded-revisit-outstanding"
            visited = (f"The inspectorate undertook their follow-up visit to {unit.name} on "
                       f"{spoken_date(ins.held)}")
            outstanding = "Their comments on the progress made are still outstanding."
            section.add(accepted)
            triple(revisit, _insp("sourcePassage"), section.quote(lines, visited))
            section.add(". ")
            triple(revisit, _insp("sourcePassage"), section.quote(lines, outstanding))
            text = f"{accepted}{visited}. {outstanding}"
        else:
            outcome = "action-plan-forwarded-revisit-outstanding"
            if ins.stage == "scheduled-month":
                due = f"is not due to take place until {MONTHS[ins.scheduled.month]} {ins.scheduled.year}."
            else:
                due = f"is still outstanding and is due to take place on {spoken_date(ins.scheduled)}."
            text = f"{accepted}Their revisit {due}"
            section.add(text)
        triple(conclusion, A, _insp("Conclusion"))
        triple(conclusion, A, PROV_ENTITY)
        triple(conclusion, LABEL, english(f"{title} conclusion"))
        triple(conclusion, DERIVED, source)
        triple(conclusion, _insp("conclusionOf"), me)
        triple(conclusion, _insp("outcomeStatus"), _status("outcome-status", outcome))
        triple(conclusion, _insp("reportedBy"), reporter)
        triple(conclusion, _insp("reportedIn"), paper)
        triple(conclusion, _insp("reportedOn"), reported_on)
        triple(conclusion, _insp("sourcePassage"), section.passage(lines, mark, text))
        triple(conclusion, _insp("text"), english(text))
        section.add("\n")

    def write_report(self, section: Section, lines: list[str], activity: str, uri: str,
                     label: str, line: str, issued: date) -> str:
        me = _iri(uri)
        section.add("  • ")
        quoted = section.quote(lines, line)
        section.add("\n")
        lines += (
            f"{me} {A} {_insp('Report')} .\n",
            f"{me} {A} {PROV_ENTITY} .\n",
            f"{me} {LABEL} {english(label)} .\n",
            f"{me} {ISSUED} {day(issued)} .\n",
            f"{me} {PUBLISHER} {self.inspectorate} .\n",
            f"{me} {DERIVED} {self.txt.ref} .\n",
            f"{me} {GENERATED} {activity} .\n",
            f"{me} {_insp('asStated')} {english(line)} .\n",
            f"{me} {_insp('sourcePassage')} {quoted} .\n",
        )
        return quoted

    # -- writing a paper and its force ------------------------------------------------------

    def paper_ref(self, plan: PaperPlan) -> str:
        return self.ref("committee-paper",
                        f"{plan.date.isoformat()}-{plan.force.slug}-report-{plan.number}")

    def liaison_ref(self, force: Force) -> str:
        return self.ref("organisation", f"{force.slug}-inspection-liaison-unit")

    def authority_ref(self, force: Force) -> str:
        return self.ref("organisation", f"synthetic-police-authority-{force.tag}")

    def committee_ref(self, force: Force) -> str:
        return self.ref("committee", f"synthetic-police-authority-{force.tag}-performance-review")

    def post_ref(self, force: Force) -> str:
        return self.ref("post", f"{force.slug}-chief-constable")

    def unit_ref(self, unit: Unit) -> str:
        return self.ref("bocu", unit.slug)

    def start_paper(self, plan: PaperPlan, start: int, before: str) -> PaperBuild:
        """A paper's header: the paper, its recommendations to members and its summary
        finding; and, for the force's first paper, the force, its authority, committee,
        post, liaison unit, units and areas, the bodies quoting this paper's header."""
        force = plan.force
        build = PaperBuild(plan, Section(self.txt, start, before),
                           force.number not in self.forces_used, plan.year not in self.years_used)
        section, lines, flines = build.section, build.lines, build.force_lines
        first = build.new_force
        source = self.txt.ref

        def triple(target: list[str], s: str, p: str, o: str) -> None:
            target.append(f"{s} {p} {o} .\n")

        def named(text: str, cited: bool) -> str | None:
            if cited:
                return section.quote(flines, text)
            section.add(text)
            return None

        section.add("\n")
        authority_passage = named(force.authority, first)
        section.add("\n")
        committee_passage = named(force.committee, first)
        year_span = f"{plan.year}-{plan.year + 1}"
        meeting = (f"Report {plan.number} of the {spoken_date(plan.date)} meeting of the "
                   f"{force.committee}")
        title = f"Going Local Inspection Programme {year_span}: {force.name}"
        section.add("\n\n")
        meeting_passage = section.quote(lines, meeting)
        section.add("\n\n")
        title_passage = section.quote(lines, title)
        section.add("\n\nReport by: ")
        post_passage = named(force.post, first)
        section.add("\nPrepared by: ")
        unit_passage = named(force.liaison_unit, first)
        section.add("\n\nA. Recommendations\n\nThat\n\n")

        paper = self.paper_ref(plan)
        for s, p, o in (
                (paper, A, PROV_ENTITY), (paper, A, FOAF_DOCUMENT), (paper, A, _insp("CommitteePaper")),
                (paper, LABEL, english(f"{title} (Report {plan.number}, {spoken_date(plan.date)})")),
                (paper, TITLE, english(title)), (paper, DATE, day(plan.date)),
                (paper, _insp("reportNumber"), positive(plan.number)),
                (paper, _insp("presentedTo"), self.committee_ref(force)),
                (paper, PUBLISHER, self.authority_ref(force)), (paper, CREATOR, self.post_ref(force)),
                (paper, _insp("authoringUnit"), self.liaison_ref(force)), (paper, DERIVED, source),
                (paper, _insp("sourcePassage"), meeting_passage),
                (paper, _insp("sourcePassage"), title_passage)):
            triple(lines, s, p, o)
        for number, text in enumerate(COMMITTEE_RECOMMENDATIONS, start=1):
            section.add(f"  {number}. ")
            quoted = section.quote(lines, text)
            section.add("\n")
            me = _iri(f"{paper[1:-1]}/recommendation/{number}")
            for s, p, o in ((me, A, _insp("CommitteeRecommendation")), (me, A, PROV_ENTITY),
                            (me, LABEL, english(f"Recommendation {number} to members")),
                            (me, DERIVED, source), (me, _insp("recommendationNumber"), positive(number)),
                            (me, _insp("recommendationToMembersOf"), paper),
                            (me, _insp("sourcePassage"), quoted), (me, _insp("text"), english(text))):
                triple(lines, s, p, o)
        section.add("\nB. Supporting information\n\nSummary\n\n1. ")
        summary = (f"This report summarises the Going Local inspections of the basic command units of "
                   f"{force.name} in {plan.year_name}, the recommendations made and the action taken "
                   "on them. It is synthetic: the units, dates and texts are invented.")
        quoted = section.quote(lines, summary)
        finding = _iri(f"{paper[1:-1]}/finding/summary")
        for s, p, o in ((finding, A, _insp("Finding")), (finding, A, PROV_ENTITY),
                        (finding, LABEL, english("Finding 1: Summary")), (finding, TITLE, english("Summary")),
                        (finding, DERIVED, source),
                        (finding, _insp("about"), self.ref("programme-year", plan.year_name)),
                        (finding, _insp("position"), positive(1)), (finding, _insp("reportedIn"), paper),
                        (finding, _insp("reportedOn"), day(plan.date)),
                        (finding, _insp("sourcePassage"), quoted),
                        (finding, _insp("text"), english(summary))):
            triple(lines, s, p, o)
        section.add(f"\n\nAppendix 1: Going Local inspections in {force.name} "
                    f"{plan.year} - {plan.year + 1}\n")

        if first:
            self.write_force(flines, force, authority_passage, committee_passage, post_passage,
                             unit_passage)
        return build

    def write_force(self, lines: list[str], force: Force, authority_passage: str,
                    committee_passage: str, post_passage: str, unit_passage: str) -> None:
        me, txt, csv = self.ref("force", force.slug), self.txt.ref, self.csv.ref
        authority, committee = self.authority_ref(force), self.committee_ref(force)
        post, liaison = self.post_ref(force), self.liaison_ref(force)
        triples = [
            (me, A, _insp("PoliceForce")), (me, A, ORG_FORMAL), (me, LABEL, english(force.name)),
            (me, DERIVED, csv),
            (authority, A, _insp("PoliceAuthority")), (authority, A, ORG_FORMAL),
            (authority, LABEL, english(force.authority)),
            (authority, ALT_LABEL, english(f"SPA {force.tag}")), (authority, DERIVED, txt),
            (authority, _insp("sourcePassage"), authority_passage),
            (committee, A, _insp("Committee")), (committee, A, ORG_UNIT),
            (committee, LABEL, english(force.committee)), (committee, UNIT_OF, authority),
            (committee, SUB_ORGANIZATION_OF, authority), (committee, DERIVED, txt),
            (committee, _insp("sourcePassage"), committee_passage),
            (post, A, _insp("Post")), (post, A, ORG_POST), (post, LABEL, english(force.post)),
            (post, POST_IN, me), (post, DERIVED, txt), (post, _insp("sourcePassage"), post_passage),
            (liaison, A, _insp("OrganisationalUnit")), (liaison, A, ORG_UNIT),
            (liaison, LABEL, english(force.liaison_unit)), (liaison, UNIT_OF, me),
            (liaison, SUB_ORGANIZATION_OF, me), (liaison, DERIVED, txt),
            (liaison, _insp("sourcePassage"), unit_passage),
        ]
        lines += (f"{s} {p} {o} .\n" for s, p, o in triples)
        for unit in force.units:
            passage, _ = passage_lines(
                lines, self.csv, unit.csv_start, self.csv_text[unit.csv_start:unit.csv_end],
                self.csv_text[max(0, unit.csv_start - CONTEXT_CHARS):unit.csv_start],
                self.csv_text[unit.csv_end:unit.csv_end + CONTEXT_CHARS])
            bcu, area = self.unit_ref(unit), _iri(STATS + unit.code)
            lines += (f"{s} {p} {o} .\n" for s, p, o in (
                (bcu, A, _insp("BasicCommandUnit")), (bcu, LABEL, english(unit.name)),
                (bcu, NOTATION, string(unit.slug)), (bcu, DERIVED, csv),
                (bcu, _insp("coversBorough"), area), (bcu, _insp("force"), me),
                (bcu, _insp("sourcePassage"), passage),
                (area, A, _insp("Borough")), (area, LABEL, english(unit.area)), (area, DERIVED, csv),
                (area, _insp("gssCode"), string(unit.code)), (area, _insp("policedBy"), me),
                (area, _insp("sourcePassage"), passage)))

    # -- the programme ----------------------------------------------------------------------

    def write_preamble(self) -> list[str]:
        """The source text's opening, quoted by the inspectorate and the programme; and
        programme.ttl's lines, but for the programme years and the digests, known last."""
        lines: list[str] = []
        section = Section(self.txt, 0, "")
        section.add("Synthetic Going Local source text\n\n"
                    f"This text is synthetic, not real: it was written by going-local synth (seed "
                    f"{self.seed}) for benchmarks. The forces, units, people, dates and texts in it "
                    "are invented.\n\n")
        inspectorate_passage = section.quote(lines, "The Synthetic Inspectorate (SI)")
        section.add(" inspects police forces and their units. ")
        scope = "a nationwide, five-year programme to inspect every BCU in England and Wales"
        sentence = f"In April 2001, the Synthetic Inspectorate embarked on {scope}."
        programme_passage = section.quote(lines, sentence)
        text = section.close("\n\nThe rest of this text is a series of synthetic committee papers, one "
                             "for each force and programme year.\n")
        self.txt.write(text)
        me, prog, txt = self.inspectorate, self.programme, self.txt.ref
        lines += (f"{s} {p} {o} .\n" for s, p, o in (
            (me, A, _insp("Inspectorate")), (me, A, ORG_FORMAL),
            (me, LABEL, english("Synthetic Inspectorate")), (me, ALT_LABEL, english("SI")),
            (me, DERIVED, txt), (me, _insp("sourcePassage"), inspectorate_passage),
            (prog, A, _insp("InspectionProgramme")), (prog, A, PROV_ACTIVITY),
            (prog, LABEL, english("Going Local (synthetic)")), (prog, TITLE, english("Going Local")),
            (prog, ASSOCIATED, me), (prog, DERIVED, txt), (prog, _insp("began"), month_literal(2001, 4)),
            (prog, _insp("plannedDuration"), typed("P5Y", "duration")),
            (prog, _insp("scope"), english(scope)),
            (prog, _insp("sourcePassage"), programme_passage)))
        return lines

    def year_lines(self, year: int) -> list[str]:
        me = self.ref("programme-year", year_name(year))
        return [f"{s} {p} {o} .\n" for s, p, o in (
            (me, A, _insp("ProgrammeYear")), (me, LABEL, english(f"Going Local {year_name(year)}")),
            (me, NOTATION, string(year_name(year))), (me, _insp("programme"), self.programme))]

    def source_lines(self, source: Source, digest: str) -> list[str]:
        me = source.ref
        return [f"{s} {p} {o} .\n" for s, p, o in (
            (me, A, _insp("SourceText")), (me, A, FOAF_DOCUMENT), (me, _insp("sha256"), string(digest)),
            (me, IDENTIFIER, string(source.name)), (me, FORMAT, string(source.media_type)))]

    def dataset_lines(self, triples: int) -> list[str]:
        """dataset.ttl: what this folder is, in a few lines of Turtle."""
        title = f"Synthetic Going Local dataset (seed {self.seed}, {self.target} triples)"
        description = (
            "SYNTHETIC, NOT REAL DATA. Invented police forces, units, inspections, recommendations, "
            "dates and texts, written by going-local synth for benchmarks. It is shaped like the "
            "Going Local knowledge graph, and conforms to its shapes, but it describes nothing that "
            "happened. Its IRIs are minted under its own base, never the published one; never mix "
            "it with the published data.")
        me = self.ref("dataset", "synthetic")
        dcat, void = "http://www.w3.org/ns/dcat#", "http://rdfs.org/ns/void#"
        return [f"{s} {p} {o} .\n" for s, p, o in (
            (me, A, _iri(dcat + "Dataset")), (me, A, _iri(void + "Dataset")),
            (me, LABEL, english(title)), (me, TITLE, english(title)),
            (me, DESCRIPTION, english(description)),
            (me, _iri(dcat + "keyword"), english("synthetic")),
            (me, _iri(void + "uriSpace"), string(f"{self.base}/")),
            (me, _iri(void + "triples"), typed(str(triples), "integer")),
            (me, _iri(void + "vocabulary"), _iri(INSP)),
            (me, _iri("http://purl.org/dc/terms/source"), self.txt.ref),
            (me, _iri("http://purl.org/dc/terms/source"), self.csv.ref))]

    # -- the whole run ------------------------------------------------------------------------

    def fit(self, build: PaperBuild, plan: PaperPlan, index: int,
            target: int) -> tuple[InspectionPlan | None, int]:
        """The inspection of plan.units[index] with as many triples as can be up to
        `target`, and that number, measured at the end of `build` (left as it was); None
        when even the smallest is too big. It sizes the last inspection of the dataset."""
        unit, seed = plan.units[index], plan.seeds[index]
        start = build.checkpoint()

        def measure(ins: InspectionPlan) -> int:
            before = len(build.lines)
            self.write_inspection(build, ins)
            size = len(build.lines) - before
            build.rollback(start)
            return size

        best: InspectionPlan | None = None
        best_size = 0
        small = [("planned", 1), ("arranged", 1)] + [("awaiting-report", v) for v in (1, 2, 3, 4)]
        for stage, visits in small:
            ins = self.plan_inspection(random.Random(seed + 1), plan, unit, stage, natural=False,
                                       visits=visits)
            size = measure(ins)
            if best_size < size <= target:
                best, best_size = ins, size
        rng = random.Random(seed + 2)
        # The smallest full inspection: a revisit to come, two recommendations with no
        # action reported yet; grown from there.
        full = self.plan_inspection(rng, plan, unit, "scheduled-date", natural=False)
        full.recommendations = full.recommendations[:2]
        full.good_practice, full.stated_count = [], None
        for rec in full.recommendations:
            rec.themes, rec.updates = rec.themes[:1], []
        size = measure(full)
        if size <= target and size > best_size:
            feature = lambda name, r, p: False  # noqa: E731

            def grow(change, undo) -> bool:
                nonlocal size
                change()
                new = measure(full)
                if new <= target:
                    size = new
                    return True
                undo()
                return False

            steps = [
                lambda: len(full.recommendations) < 8 and grow(
                    lambda: full.recommendations.append(self.plan_recommendation(rng, full, feature)),
                    lambda: full.recommendations.pop()),
                lambda: len(full.good_practice) < 8 and grow(
                    lambda: full.good_practice.append(
                        self.good_practice_text(rng, feature, full.good_practice)),
                    lambda: full.good_practice.pop()),
            ]
            progress = True
            while progress and size < target:
                progress = any(step() for step in steps) or self.grow_details(full, rng, grow)
            best, best_size = full, size
        return best, best_size

    def finish(self, build: PaperBuild, index: int | None, room: int,
               first: bool = False) -> bool:
        """The dataset's last inspection, sized so that the files hold what was asked: the
        inspection of plan.units[index] (None: no such slot) fitted into `room`, or else
        the paper's last inspection grown by `room`, whichever comes closer. With `first`,
        `index` opens a new paper whose header is in `build`, and the other choice is the
        open paper's (self.open). True when the new slot was written."""
        other = self.open if first else build
        header = build.cost() if first else 0
        ins, size = self.fit(build, build.plan, index, room - header) if index is not None and \
            room - header >= SMALLEST_INSPECTION else (None, 0)
        gain = header + size if ins is not None else 0
        if other is not None and other.last is not None:
            checkpoint, last_index, last_size, last_plan = other.last
            other.rollback(checkpoint)
            grown, grown_size = self.fit(other, other.plan, last_index, last_size + room)
            if grown is not None and grown_size - last_size > gain:
                self.write_inspection(other, grown)
                return False
            self.write_inspection(other, last_plan)
        if ins is None:
            return False
        self.write_inspection(build, ins)
        self.inspections += 1
        return True

    def grow_details(self, full: InspectionPlan, rng: random.Random, grow) -> bool:
        """Finer steps for the last few triples: updates, action points, second themes,
        further updates expected and a stated good-practice count."""
        for most in (1, 2, 3):  # an update on every recommendation before a second on any
            for rec in full.recommendations:
                month = f"{MONTHS[full.report.month]} {full.report.year + 1}"
                if len(rec.updates) < most and grow(lambda: rec.updates.append(Update(
                        self.update_text(rng, full.unit, rec, month))), lambda: rec.updates.pop()):
                    return True
        for rec in full.recommendations:
            for update in rec.updates:
                if len(update.points) < 6:
                    old = update.text

                    def add_point(update=update):
                        update.text = POINTS_INTRO
                        update.points.append(POINTS[len(update.points) % len(POINTS)])

                    def remove_point(update=update, old=old):
                        update.points.pop()
                        if not update.points:
                            update.text = old
                    if grow(add_point, remove_point):
                        return True
        for rec in full.recommendations:
            if len(rec.themes) < 2:
                other = next(t for t in self.theme_names if t != rec.themes[0])
                if grow(lambda: rec.themes.append(other), lambda: rec.themes.pop()):
                    return True
        for rec in full.recommendations:
            for update in rec.updates:
                if not update.further and not update.points:
                    def further(update=update):
                        update.further, update.text = True, update.text + FURTHER

                    def not_further(update=update):
                        update.further, update.text = False, update.text[:-len(FURTHER)]
                    if grow(further, not_further):
                        return True
        if full.good_practice and full.stated_count is None:
            if grow(lambda: setattr(full, "stated_count", len(full.good_practice) + 3),
                    lambda: setattr(full, "stated_count", None)):
                return True
        return False

    def place(self, build: PaperBuild, index: int, room: int, finish: bool = False) -> bool:
        """Write the inspection of plan.units[index] as planned if it fits in `room`; if
        not, and `finish`, end the dataset with the last inspection sized to fit. False
        when this is the end."""
        if room < SMALLEST_INSPECTION:
            if finish:
                self.finish(build, None, room)
            return False
        plan = build.plan
        checkpoint = build.checkpoint()
        ins = self.plan_inspection(random.Random(plan.seeds[index]), plan, plan.units[index])
        self.write_inspection(build, ins)
        size = len(build.lines) - checkpoint[1]
        if size <= room:
            build.last = (checkpoint, index, size, ins)
            self.inspections += 1
            return True
        build.rollback(checkpoint)
        if finish:
            self.finish(build, index, room)
        return False

    def open_paper(self, build: PaperBuild) -> None:
        """`build` becomes the paper being filled; the one before it is complete."""
        if self.open is not None:
            self.commit(self.open)
        self.open = build
        if build.new_force:
            self.forces_used.add(build.plan.force.number)
        if build.new_year:
            self.years_used.append(build.plan.year)

    def commit(self, build: PaperBuild) -> None:
        plan = build.plan
        self.txt.write(build.section.close(plan.trailer))
        if plan.year != self.year_of_file:
            if self.year_file is not None:
                self.year_file.close()
            path = self.folder / "inspections" / f"{plan.year_name}.ttl"
            self.year_file = self.open_ttl(path, f"the committee papers and inspections of {plan.year_name}")
            self.year_of_file = plan.year
        self.year_file.writelines(build.lines)
        if build.new_force:
            path = self.folder / "forces" / f"{plan.force.slug}.ttl"
            with self.open_ttl(path, f"{plan.force.name}: its bodies, units and areas") as stream:
                stream.writelines(build.force_lines)
        self.count += build.cost()

    def open_ttl(self, path: Path, what: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(path)
        stream = open(path, "w", encoding="utf-8", newline="\n")
        stream.write(f"# SYNTHETIC DATA, NOT REAL: {what}, written by going-local synth "
                     f"(seed {self.seed}) for benchmarks.\n"
                     "# One triple per line (N-Triples syntax, which is Turtle too).\n")
        return stream

    def run(self) -> int:
        (self.folder / "sources").mkdir(parents=True)
        forces = self.make_forces()
        self.csv_text = self.units_csv(forces)
        self.csv = Source(self.folder / "sources" / CSV_NAME, self.id("source-text", "synthetic-units"),
                          "text/csv")
        self.csv.write(self.csv_text)
        self.txt = Source(self.folder / "sources" / TXT_NAME, self.id("source-text", "synthetic-source"),
                          "text/plain")
        programme = self.write_preamble()
        dataset_size = len(self.dataset_lines(0))
        self.count = len(programme) + 2 * SOURCE_TRIPLES + dataset_size
        if self.count + 200 > self.target:
            raise GoingLocalError(f"--triples {self.target}: too few for even one committee paper; "
                                  f"ask for at least {MIN_TRIPLES}")

        self.open: PaperBuild | None = None  # the paper being filled, not yet written
        for plan in self.paper_plans(forces):
            build = self.open
            if build is None:
                start, before = self.txt.length, self.txt.tail
            else:  # it follows the open paper, once that has its trailer
                start = self.txt.length + build.section.length + len(build.plan.trailer)
                before = build.plan.trailer
            new = self.start_paper(plan, start, before)
            room = self.target - self.count - (build.cost() if build else 0)
            if not self.place(new, 0, room - new.cost()):
                if self.finish(new, 0, room, first=True):
                    self.open_paper(new)
                break
            self.open_paper(new)
            if not all(self.place(new, index, self.target - self.count - new.cost(), finish=True)
                       for index in range(1, len(plan.units))):
                break
        if self.open is not None:
            self.commit(self.open)
        if self.year_file is not None:
            self.year_file.close()

        txt_digest, csv_digest = self.txt.close(), self.csv.close()
        programme += self.source_lines(self.txt, txt_digest) + self.source_lines(self.csv, csv_digest)
        for year in sorted(self.years_used):
            programme += self.year_lines(year)
        with self.open_ttl(self.folder / "programme.ttl",
                           "the inspectorate, the programme, its years and the source texts") as stream:
            stream.writelines(programme)
        total = self.count  # the years were counted with their first paper
        if not self.inspections:
            raise GoingLocalError(f"--triples {self.target}: too few for even one committee paper")
        with self.open_ttl(self.folder / "dataset.ttl", "what this folder is") as stream:
            stream.writelines(self.dataset_lines(total))
        marker = {"base": self.base, "seed": self.seed, "triples": total,
                  "requested_triples": self.target,
                  "description": "Synthetic Going Local data for benchmarks: not real data.",
                  "generator": "going-local synth"}
        (self.folder / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
        return total


def theme_labels(ontology_dir: Path) -> dict[str, str]:
    """Each theme's notation and English preferred label, from the theme scheme."""
    graph = Graph()
    graph.parse(Path(ontology_dir) / "schemes.ttl", format="turtle")
    scheme = URIRef(f"{DEF}/theme")
    labels = {}
    for concept in graph.subjects(SKOS.inScheme, scheme):
        notation = graph.value(concept, SKOS.notation)
        label = next((str(l) for l in graph.objects(concept, SKOS.prefLabel)
                      if getattr(l, "language", None) == "en"), str(notation))
        labels[str(notation)] = label
    if not labels:
        raise GoingLocalError(f"{ontology_dir}/schemes.ttl: no themes in the theme scheme")
    return labels


# --- The command --------------------------------------------------------------------------

def refuse_out(out: Path) -> None:
    """Never write into the project's data folder, the configured data folder, or over a
    folder that is not an earlier synthetic dataset."""
    resolved = out.resolve()
    protected = [(PROJECT_ROOT / "data").resolve()]
    configured = load_settings().data_dir
    if synthetic_base(configured) is None if configured.is_dir() else True:
        protected.append(configured.resolve())
    for folder in protected:
        if resolved == folder or folder in resolved.parents:
            raise GoingLocalError(f"{out}: refusing to write synthetic data into the data folder "
                                  f"{folder}; synthetic data is kept apart from the published data")
        if resolved in folder.parents:
            raise GoingLocalError(f"{out}: refusing to write synthetic data over a folder that "
                                  f"holds the data folder {folder}")
    if out.exists():
        if not out.is_dir():
            raise GoingLocalError(f"{out}: exists and is not a folder")
        if any(out.iterdir()) and read_marker(out) is None:
            raise GoingLocalError(f"{out}: exists and is not a synthetic dataset folder (no "
                                  f"{MARKER}); refusing to replace it")
    if not out.absolute().parent.is_dir():
        raise GoingLocalError(f"{out}: cannot write there, {out.absolute().parent} is not a folder")


def synthesize(triples: int, seed: int, out: str | os.PathLike, base: str | None = None) -> Summary:
    """Write the synthetic dataset into `out`, replaced whole: it is written into a
    temporary folder beside it, then renamed into place."""
    began = time.perf_counter()
    out = Path(out)
    if triples < MIN_TRIPLES:
        raise GoingLocalError(f"--triples {triples}: ask for at least {MIN_TRIPLES}")
    base = check_base(base or default_base(seed), "--base")
    refuse_out(out)
    staging = folder_beside(out)
    try:
        synthesizer = Synthesizer(staging, triples, seed, base, load_settings().ontology_dir)
        total = synthesizer.run()
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in files)
        swap_into_place(staging, out)
    except OSError as error:
        raise GoingLocalError(
            f"{out}: could not write the synthetic data ({error.strerror or error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Summary(out, base, seed, triples, total, len(files), size, synthesizer.inspections,
                   len(synthesizer.forces_used), len(synthesizer.years_used),
                   time.perf_counter() - began)
