"""Compiling every curation record into the Turtle files under data/.

Everything is compiled in memory first; only when every record compiles are the
files written, each to a temporary file renamed into place, so a bad record never
leaves data/ half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import DCTERMS, RDF

from ..atomic import write_atomically
from ..config import CANONICAL_BASE, Settings
from ..uris import Vocabulary, bind_prefixes
from .blame import Blame
from .context import Context
from .errors import CurationError
from .inspection import compile_inspection_blamed
from .paper import PaperCompiler
from .passages import SourceText
from .records import Field, load_record

REFERENCE_SOURCE = "london-boroughs"


@dataclass
class Output:
    path: Path  # relative to the data directory
    graph: Graph
    record: Path | None = None  # the record file it was compiled from
    blame: Blame | None = None  # which field of the record made each resource


def model_graph(settings: Settings) -> Graph:
    graph = Graph()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


PAPER_RECORD = "committee-paper.yaml"
PAPERS = "papers"  # later papers: curation/papers/{slug}.yaml -> data/papers/{slug}.ttl
INSPECTIONS = "inspections"  # curation/inspections/{year}/{slug}.yaml -> data/inspections/...


def compile_all(settings: Settings, replace: dict[Path, Path] | None = None,
                extra_sources: dict[str, Path] | None = None) -> list[Output]:
    """Every output graph, in memory; raises CurationError on the first bad record.

    `replace` maps a record's place under curation/ (which need not exist yet) to the file
    to read in its stead, such as a steward's new record; `extra_sources` names source
    texts by slug that are not yet in data/sources/. Errors name the file actually read."""
    from .reference import compile_reference

    replace = {Path(k).absolute(): Path(v) for k, v in (replace or {}).items()}
    vocab = Vocabulary(CANONICAL_BASE)
    sources_dir = settings.root / "data" / "sources"
    ctx = Context(vocab=vocab, sources_dir=sources_dir, model=model_graph(settings),
                  extra_sources=dict(extra_sources or {}))
    csv_path = settings.boroughs_csv
    outputs = [Output(Path("reference/boroughs.ttl"),
                      compile_reference(SourceText(csv_path, REFERENCE_SOURCE, vocab), ctx))]
    paper_record = settings.curation_dir / PAPER_RECORD
    outputs.append(_paper_output(Path("committee-paper.ttl"), paper_record, ctx, complete=True))

    def slots(folder: Path, pattern: str) -> list[Path]:
        found = {p.absolute() for p in folder.glob(pattern)}
        found |= {p for p in replace if p.parent.parent == folder.absolute()
                  or p.parent == folder.absolute()}
        return sorted(p for p in found if p.match(pattern))

    for slot in slots(settings.curation_dir / PAPERS, "*.yaml"):
        output = _paper_output(Path(PAPERS) / f"{slot.stem}.ttl", replace.get(slot, slot), ctx,
                               complete=False)
        paper_slug = _paper_slug(output)
        if paper_slug != slot.stem:
            raise CurationError(f"the record describes the paper committee-paper/{paper_slug}; "
                                f"name it papers/{paper_slug}.yaml", str(output.record))
        outputs.append(output)
    for slot in slots(settings.curation_dir / INSPECTIONS, "*/*.yaml"):
        record_path = replace.get(slot, slot)
        uri, graph, blame = compile_inspection_blamed(load_record(record_path), ctx)
        year, slug = str(uri).rsplit("/", 2)[1:]
        if (year, slug) != (slot.parent.name, slot.stem):
            raise CurationError(
                f"the record describes {year}/{slug}; name it inspections/{year}/{slug}.yaml",
                str(record_path))
        outputs.append(Output(Path(INSPECTIONS) / year / f"{slug}.ttl", graph, record_path, blame))
    check_status_reports(outputs)
    for output in outputs:
        bind_prefixes(output.graph, vocab)
    return outputs


def check_status_reports(outputs: list[Output]) -> None:
    """A status, once reported by a paper on its date, is never changed: a record that
    reports another status (or month) for the same inspection on the same date, where
    another record already gives one, is refused, naming both. A later report belongs to
    the later paper, with its own date."""
    insp = Vocabulary(CANONICAL_BASE).INSP
    first: dict[URIRef, Output] = {}
    for output in outputs:
        for report in sorted(set(output.graph.subjects(RDF.type, insp.StatusReport))):
            said = {p: set(output.graph.objects(report, p))
                    for p in (insp.inspectionStatus, insp.plannedMonth)}
            earlier = first.setdefault(report, output)
            if earlier is output:
                continue
            before = {p: set(earlier.graph.objects(report, p)) for p in said}
            if said == before:
                continue
            field = output.blame.field_of(report, insp.inspectionStatus) if output.blame else None
            where = earlier.blame.field_of(report) if earlier.blame else None
            place = f" ({where.path}:{where.line}: {where.name})" if where is not None else ""
            day = report.rsplit("/", 1)[1]
            was = " and ".join(sorted(str(o).rsplit("/", 1)[1] for o in before[insp.inspectionStatus]))
            if before[insp.plannedMonth]:
                was += " for " + ", ".join(sorted(str(m) for m in before[insp.plannedMonth]))
            message = (f"the status of {_id_path(report.rsplit('/status/', 1)[0])} on {day} "
                       f"is already reported as {was}{place}, and a reported status is never "
                       "changed: report the new status from the later paper that gives it, "
                       "with that paper's id and date under 'reported'")
            if field is not None:
                raise field.error(message)
            raise CurationError(message, str(output.record))


def _id_path(uri: str) -> str:
    return uri.split("/id/", 1)[1] if "/id/" in uri else uri


def _paper_output(path: Path, record_path: Path, ctx: Context, complete: bool) -> Output:
    record = load_record(record_path)
    compiler = PaperCompiler(record, ctx, complete)
    graph = compiler.compile()
    blame = Blame(root=record)
    about = record.get("paper")
    for subject in set(graph.subjects()):
        if isinstance(subject, URIRef) and "/passage/" not in str(subject):
            blame.mint(subject, compiler.made.get(subject, about))
    paper = ctx.ref(about.get("id"))
    blame.state(paper, DCTERMS.date, about.get("date"))
    return Output(path, graph, record_path, blame)


def _paper_slug(output: Output) -> str:
    papers = sorted(output.graph.subjects(RDF.type, Vocabulary(CANONICAL_BASE).INSP.CommitteePaper))
    return str(papers[0]).rsplit("/", 1)[1] if papers else ""


def record_slot(settings: Settings, record: Field) -> Path:
    """Where under curation/ a record belongs, from what it describes: an inspection's
    year and BOCU, or a later paper's id."""
    if record.has("inspection"):
        about = record.get("inspection")
        year, bocu = about.get("year").text(), about.get("bocu").text()
        for part, field in ((year, about.get("year")), (bocu, about.get("bocu"))):
            if "/" in part or part.startswith("."):
                raise field.error(f"must be a plain name, not {part!r}")
        return settings.curation_dir / INSPECTIONS / year / f"{bocu}.yaml"
    if record.has("paper"):
        ident = record.get("paper").get("id")
        kind, _, slug = ident.text().partition("/")
        if kind != "committee-paper" or not slug or "/" in slug or slug.startswith("."):
            raise ident.error(f"must be committee-paper/SLUG, not {ident.text()!r}")
        return settings.curation_dir / PAPERS / f"{slug}.yaml"
    raise record.error("a record describes an inspection (give 'inspection:') or a later "
                       "committee paper (give 'paper:'); see curation/TEMPLATE.yaml")


def write_outputs(outputs: list[Output], data_dir: Path) -> list[Path]:
    """Write each graph as Turtle, atomically: temporary file, then rename."""
    written = []
    rendered = [(data_dir / o.path, o.graph.serialize(format="turtle")) for o in outputs]
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text)
        written.append(target)
    return written


def stale_outputs(outputs: list[Output], data_dir: Path) -> list[Path]:
    """The output files whose content differs from what the records compile to."""
    stale = []
    for output in outputs:
        target = data_dir / output.path
        if not target.exists():
            stale.append(target)
            continue
        on_disk = Graph().parse(target, format="turtle")
        if _has_blank_nodes(on_disk) or _has_blank_nodes(output.graph):
            if to_isomorphic(on_disk) != to_isomorphic(output.graph):
                stale.append(target)
        elif set(on_disk) != set(output.graph):  # the same, much faster, without blank nodes
            stale.append(target)
    return stale


def _has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)
