"""Exporting the whole dataset as downloadable dumps, with a VoID and DCAT description."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from .atomic import folder_beside, swap_into_place
from .config import load_settings
from .errors import GoingLocalError
from .loading import display_path
from .negotiation import BY_RDFLIB_FORMAT, JSONLD, serialize_graph
from .release import DCAT_VERSION, latest_release

OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
FORMATS = URIRef("http://www.w3.org/ns/formats/")
IANA = "http://www.iana.org/assignments/media-types/"

# The path under the base where the dumps are published for download (the server serves
# them there too).
DUMP_PATH = "/dumps/"
STEM = "going-local"

TITLE = "Going Local: HMIC inspections of Metropolitan Police borough command units, 2003-04"
DESCRIPTION = (
    "A linked-data knowledge graph of Her Majesty's Inspectorate of Constabulary's Going Local "
    "inspections of the Metropolitan Police Service's borough operational command units in "
    "2003-04, taken from report 8 to the Metropolitan Police Authority's Planning, Performance "
    "and Review Committee of 19 January 2005: the inspections, their recommendations and the "
    "action taken on them, good practice, revisits and the paper's findings, each statement "
    "pointing to the passage it was taken from; with the ontology and concept schemes it uses."
)


@dataclass(frozen=True)
class Dump:
    """One serialization of the dataset."""

    suffix: str
    rdflib_format: str
    media_type: str
    w3c_format: str  # the name under http://www.w3.org/ns/formats/
    title: str

    @property
    def filename(self) -> str:
        return f"{STEM}.{self.suffix}"


DUMPS = (
    Dump("ttl", "turtle", "text/turtle", "Turtle", "Turtle"),
    Dump("nt", "nt", "application/n-triples", "N-Triples", "N-Triples"),
    Dump("jsonld", "json-ld", "application/ld+json", "JSON-LD", "JSON-LD"),
    Dump("rdf", "xml", "application/rdf+xml", "RDF_XML", "RDF/XML"),
)


def dataset_iri(base: str) -> URIRef:
    return URIRef(f"{base}/id/dataset/{STEM}")


def describe(graph: Graph, base: str, sizes: dict[str, int],
             releases: Path | None = None) -> Graph:
    """The VoID and DCAT description of `graph` as published under `base`, its dumps
    being the files named in `sizes` (file name -> bytes); its version is that of the
    latest release recorded in `releases` (default: the project's releases/)."""
    from .precomputed import counts_of
    from .rdfio import to_nt

    lines = (f"{to_nt(s)} {to_nt(p)} {to_nt(o)} ." for s, p, o in graph)
    return describe_counts(counts_of(lines, base), base, sizes, releases)


def describe_counts(counts, base: str, sizes: dict[str, int], releases: Path | None = None) -> Graph:
    """The description, from the dataset's counts (precomputed.Counts)."""
    base = base.rstrip("/")
    uri_space = f"{base}/id/"
    dataset = dataset_iri(base)
    publisher = URIRef(f"{base}/id/agent/editors")
    d = Graph()
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("xsd", XSD)):
        d.bind(prefix, namespace)

    d.add((dataset, RDF.type, VOID.Dataset))
    d.add((dataset, RDF.type, DCAT.Dataset))
    d.add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    d.add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    d.add((dataset, DCTERMS.license, OGL))
    d.add((dataset, DCTERMS.publisher, publisher))
    d.add((dataset, VOID.uriSpace, Literal(uri_space)))
    d.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    d.add((dataset, VOID.vocabulary, URIRef(f"{base}/def/inspection/")))
    latest = latest_release(releases if releases is not None else load_settings().root / "releases")
    if latest is not None:
        d.add((dataset, DCAT_VERSION, Literal(latest.version)))
        d.add((dataset, DCTERMS.hasVersion, URIRef(f"{dataset}/release/{latest.version}")))

    d.add((dataset, VOID.triples, Literal(counts.triples, datatype=XSD.integer)))
    d.add((dataset, VOID.entities, Literal(counts.entities, datatype=XSD.integer)))
    d.add((dataset, VOID.distinctSubjects, Literal(counts.subjects, datatype=XSD.integer)))
    d.add((dataset, VOID.properties, Literal(counts.properties, datatype=XSD.integer)))
    if counts.example is not None:
        d.add((dataset, VOID.exampleResource, URIRef(counts.example)))

    d.add((dataset, VOID.classes, Literal(len(counts.classes), datatype=XSD.integer)))
    for index, cls in enumerate(sorted(counts.classes), start=1):
        partition = BNode(f"classPartition{index}")  # a fixed label: the same bytes every time
        d.add((dataset, VOID.classPartition, partition))
        d.add((partition, VOID["class"], URIRef(cls)))
        d.add((partition, VOID.entities, Literal(counts.classes[cls], datatype=XSD.integer)))

    for dump in DUMPS:
        if dump.filename not in sizes:
            continue
        download = URIRef(f"{base}{DUMP_PATH}{dump.filename}")
        distribution = URIRef(f"{dataset}/distribution/{dump.suffix}")
        d.add((dataset, VOID.dataDump, download))
        d.add((dataset, DCAT.distribution, distribution))
        d.add((distribution, RDF.type, DCAT.Distribution))
        d.add((distribution, DCTERMS.title, Literal(f"{TITLE} ({dump.title})", lang="en")))
        d.add((distribution, DCAT.downloadURL, download))
        d.add((distribution, DCAT.accessURL, download))
        d.add((distribution, DCAT.mediaType, URIRef(IANA + dump.media_type)))
        d.add((distribution, DCTERMS["format"], URIRef(str(FORMATS) + dump.w3c_format)))
        d.add((distribution, DCAT.byteSize, Literal(sizes[dump.filename], datatype=XSD.nonNegativeInteger)))
        d.add((distribution, DCTERMS.license, OGL))
    return d


def used_prefixes(graph: Graph) -> dict[str, str]:
    """The graph's prefixes that some IRI in it uses: the JSON-LD context, without the
    dozens of namespaces rdflib binds by default."""
    iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    iris |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    namespaces = {str(ns): prefix for prefix, ns in graph.namespaces() if prefix}
    used = {}
    for namespace, prefix in namespaces.items():
        if any(iri.startswith(namespace) and iri != namespace for iri in iris):
            used[prefix] = namespace
    return dict(sorted(used.items()))


def write_dumps(graph: Graph, folder: Path, base: str) -> list[Path]:
    """Every dump and void.ttl into `folder`, which must exist."""
    written = []
    sizes: dict[str, int] = {}
    for dump in DUMPS:
        path = folder / dump.filename
        representation = BY_RDFLIB_FORMAT[dump.rdflib_format]
        context = used_prefixes(graph) if representation == JSONLD else None
        try:
            text = serialize_graph(graph, representation, context)
        except ValueError as error:  # e.g. RDF/XML cannot write a predicate it cannot split
            raise GoingLocalError(f"cannot write {dump.title}: {error}") from None
        path.write_bytes(text)
        sizes[dump.filename] = path.stat().st_size
        written.append(path)
    void = folder / "void.ttl"
    void.write_bytes(describe(graph, base, sizes).serialize(format="turtle", encoding="utf-8"))
    written.append(void)
    return written


def export(graph: Graph, out_dir: str | Path, base: str | None = None) -> list[Path]:
    """Write the dumps and void.ttl to out_dir all at once: into a temporary folder next to
    it first, then renamed into place, so that a failure leaves out_dir as it was."""
    base = (base or load_settings().base).rstrip("/")
    out = Path(out_dir)
    where = display_path(out)
    if out.exists() and not out.is_dir():
        raise GoingLocalError(f"{where}: exists and is not a folder")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise GoingLocalError(f"{where}: cannot export there, {display_path(parent)} is not a folder")
    try:
        staging = folder_beside(out)
    except OSError as error:
        raise GoingLocalError(f"{where}: cannot export there ({error.strerror or error})") from None
    try:
        written = write_dumps(graph, staging, base)
        swap_into_place(staging, out)
    except OSError as error:
        raise GoingLocalError(f"{where}: export failed, nothing changed ({error.strerror or error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when all went well
    return [out / path.name for path in written]
