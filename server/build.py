"""`going-local build`: read and validate the dataset once, and write what serving needs.

    going-local build [--data DIR] [--out STORE_DIR] [--workers N]
    going-local serve --store-dir STORE_DIR        (or serve --built: build/store)

The build reads the data, ontology and concept schemes (server/rdfio.py), validates them
in parts (server/partitions.py; it stops, exit 1, if they do not conform), moves them to
the served base and writes, into a folder next to STORE_DIR that then replaces it whole:

| file | what |
|---|---|
| `store/` | the served triples in a pyoxigraph (RocksDB) store, bulk-loaded, opened read-only by the server |
| `dataset.nt` | the same triples as N-Triples, as the data writes each literal: the /sparql workers load it into memory |
| `facts.sqlite` | what pages need without a query each (server/precomputed.py): literals as written, labels, VoID counts, the sitemap's documents, and the home page and every unit's and inspection's page, rendered |
| `search.sqlite` | the full-text search index (server/search.py) |
| `dumps/` | the dumps in Turtle, N-Triples, JSON-LD and RDF/XML |
| `validation.sqlite` | the validated data by part and each part's results, to check a change of one inspection without validating everything again (`going-local validate --changed`) |
| `manifest.json` | the base, the triple count, a digest of every data, ontology and shapes file and of the server's code, and the build's timings |

`serve --store-dir` opens the store and reads the manifest; it neither parses nor
validates. It refuses, with a one-line error (exit 2), to serve a build whose manifest does
not match the data folder, the shapes, the server's code or the base being served: build
again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .atomic import folder_beside, swap_into_place as _swap_into_place
from .config import CANONICAL_BASE, PROJECT_ROOT, Settings
from .errors import GoingLocalError
from .loading import display_path

FORMAT = 1
STORE, DATASET_NT, FACTS, SEARCH, DUMPS, INDEX, MANIFEST = (
    "store", "dataset.nt", "facts.sqlite", "search.sqlite", "dumps", "validation.sqlite", "manifest.json")
DEFAULT_OUT = PROJECT_ROOT / "build" / "store"
SERVER_DIR = Path(__file__).resolve().parent
# The pages rendered at build time (they depend on nothing but the data and the code): these
# paths, and the pages of the resources server/sparql/pages/prerendered.rq names, kept
# under their IRIs.
PRECOMPUTED_PAGES = ("/", "/glance/themes")


def prerendered_resources(service) -> list:
    """The units and inspections under the served base, whose pages the build renders."""
    from .page_data import query_text

    rows = service.store.select(query_text("prerendered", service.vocab.base), {}).rows
    return [row[0] for row in rows if service.vocab.document_path(row[0])]


# --- What a build was made from ------------------------------------------------------------------

def source_files(settings: Settings) -> dict[str, list[Path]]:
    from .loading import turtle_files
    from .served import model_paths
    from .validation import shape_files

    shapes = shape_files(settings.shapes_dir) if Path(settings.shapes_dir).exists() else []
    return {"data": turtle_files([settings.data_dir]), "ontology": model_paths(settings),
            "shapes": shapes}


def code_files() -> list[Path]:
    found = [p for pattern in ("**/*.py", "**/*.rq", "templates/**/*", "static/*", "*.yaml")
             for p in SERVER_DIR.glob(pattern) if p.is_file() and "__pycache__" not in p.parts]
    return sorted(set(found))


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(kind: str, paths: list[Path], root: Path) -> list[dict]:
    entries = []
    for path in paths:
        stat = path.stat()
        entries.append({"kind": kind, "path": os.path.relpath(path, root), "size": stat.st_size,
                        "mtime_ns": stat.st_mtime_ns, "sha256": _sha256(path)})
    return entries


def code_digest() -> str:
    from .rdfio import files_digest

    import pyoxigraph

    return files_digest(code_files(), SERVER_DIR) + f"+pyoxigraph-{pyoxigraph.__version__}"


def _roots(settings: Settings) -> dict[str, Path]:
    return {"data": Path(settings.data_dir).absolute(), "ontology": Path(settings.ontology_dir).absolute(),
            "shapes": Path(settings.shapes_dir).absolute()}


# --- Building ---------------------------------------------------------------------------------

@dataclass
class BuildResult:
    out: Path
    manifest: dict


def build(settings: Settings, out: Path | None = None, workers: int | None = None,
          log=None) -> BuildResult:
    """Read, validate and write the build for `settings` into `out` (replaced whole)."""
    from . import partitions
    from .dataset_description import write_dumps_of
    from .precomputed import add_pages, write_facts
    from .search import SearchIndex
    from .served import LineSource, read_and_validate, served_lines
    from .store import OxigraphStore
    from .synthetic import check_data_folder
    from .uris import Vocabulary

    log = log or (lambda message: None)
    out = Path(out or DEFAULT_OUT)
    check_data_folder(settings.data_dir, settings.base)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sources = source_files(settings)
    roots = _roots(settings)
    entries = [e for kind, paths in sources.items() for e in file_entries(kind, paths, roots[kind])]

    clock = time.perf_counter()
    data, model, report, parted, done = read_and_validate(settings, workers)
    timings["read_and_validate"] = time.perf_counter() - clock
    log(f"validated {report.triples} triples in {timings['read_and_validate']:.1f} s: "
        f"{report.summary_line()}")

    staging = _staging(out)
    try:
        # The served triples, as N-Triples, then the store bulk-loaded from them.
        clock = time.perf_counter()
        dataset_nt = staging / DATASET_NT
        with open(dataset_nt, "w", encoding="utf-8") as handle:
            for line in served_lines([*data, *model], settings.base):
                handle.write(line)
                handle.write("\n")
        import pyoxigraph as ox

        store = ox.Store(str(staging / STORE))
        store.bulk_load(path=str(dataset_nt), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        store.flush()
        store.optimize()
        stored = len(store)
        del store
        timings["store"] = time.perf_counter() - clock
        log(f"wrote the store ({stored} triples) in {timings['store']:.1f} s")

        # The validation index, for checking a change of one part later.
        clock = time.perf_counter()
        by_owner = split_reports(done, parted)
        partitions.write_index(staging / INDEX, parted,
                               {str(p.path.absolute()): p.lines for p in [*data, *model]}, by_owner,
                               {"base": CANONICAL_BASE, "triples": str(report.triples),
                                "prefixes": json.dumps([p.prefixes for p in [*data, *model]])})
        timings["validation_index"] = time.perf_counter() - clock

        # Facts, search index, dumps.
        clock = time.perf_counter()
        vocab = Vocabulary(settings.base)
        lines = LineSource(dataset_nt)
        counts = write_facts(staging / FACTS, lines, vocab)
        timings["facts"] = time.perf_counter() - clock
        clock = time.perf_counter()
        opened = OxigraphStore.open(staging / STORE, size=report.triples)
        from .explore import QUERIES
        from .queries import rebase_query

        search_query = rebase_query((QUERIES / "search-texts.rq").read_text(encoding="utf-8"), settings.base)
        SearchIndex(opened.select(search_query, limits=_no_limits()).rows, path=staging / SEARCH).close()
        timings["search_index"] = time.perf_counter() - clock
        clock = time.perf_counter()
        (staging / DUMPS).mkdir()
        prefixes = [_served_prefixes(p, settings.base) for p in [*data, *model]]
        sizes = write_dumps_of(lines, staging / DUMPS, settings.base, prefixes, report.triples)
        timings["dumps"] = time.perf_counter() - clock

        manifest = {
            "format": FORMAT, "version": _version(), "base": settings.base,
            "data_dir": str(roots["data"]), "triples": report.triples, "stored_triples": stored,
            "files": entries, "code": code_digest(), "validation": report.summary_line(),
            "prefixes": prefixes, "dumps": sizes, "counts": {"subjects": counts.subjects,
                                                            "entities": counts.entities},
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _write_manifest(staging, manifest)
        del opened

        # The pages rendered once, by the application over what was just written.
        clock = time.perf_counter()
        built = Built(staging, manifest)
        service = built.service(settings)
        from .app import create_app

        app = create_app(settings, service)
        client = app.test_client()
        pages = {}
        for page in PRECOMPUTED_PAGES:
            response = client.get(page)
            if response.status_code == 200:
                pages[page] = response.get_data()
        for iri in prerendered_resources(service):
            response = client.get(service.vocab.document_path(iri), headers={"Accept": "text/html"})
            if response.status_code == 200:
                pages[str(iri)] = response.get_data()
        add_pages(staging / FACTS, pages)
        manifest["pages"] = len(pages)
        service.store.store = None
        timings["pages"] = time.perf_counter() - clock
        timings["total"] = time.perf_counter() - started
        manifest["timings"] = {k: round(v, 3) for k, v in timings.items()}
        manifest["bytes"] = _size_of(staging)
        _write_manifest(staging, manifest)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"built {display_path(out)} in {timings['total']:.1f} s")
    return BuildResult(out, manifest)


def _no_limits():
    from .store import QueryLimits

    return QueryLimits(seconds=3600, max_rows=100_000_000)


def _served_prefixes(parsed, base: str) -> dict[str, str]:
    from .rdfio import rebase_prefixes

    return rebase_prefixes(parsed.prefixes, base)


def split_reports(done, parted) -> dict[str, str]:
    """Each part's results, by owner (results on nodes no part owns under "*")."""
    from rdflib.namespace import RDF, SH

    from .partitions import _subgraph
    from .rdfio import graph_of, to_nt
    from rdflib import BNode, Graph, URIRef

    by_owner: dict[str, Graph] = {}
    for _, text in done:
        graph = graph_of(text.splitlines()) if text else Graph()
        for result in graph.subjects(SH.focusNode, None):
            focus = graph.value(result, SH.focusNode)
            key = to_nt(focus) if isinstance(focus, (URIRef, BNode)) else None
            owner = parted.owner.get(key, "*") if key else "*"
            target = by_owner.setdefault(owner, Graph())
            target += _subgraph(graph, result)
            target.add((BNode("report"), RDF.type, SH.ValidationReport))
            target.add((BNode("report"), SH.result, result))
    return {owner: graph.serialize(format="nt") for owner, graph in by_owner.items()}


def _version() -> str:
    try:
        return metadata.version("going-local")
    except metadata.PackageNotFoundError:
        return "0"


def _size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _staging(out: Path) -> Path:
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise GoingLocalError(f"{display_path(out)}: exists and is not a build; choose another --out")
    return folder_beside(out)


# --- Serving a build ----------------------------------------------------------------------------

class Built:
    """A build's folder, as the server reads it."""

    def __init__(self, folder: Path, manifest: dict | None = None):
        self.folder = Path(folder)
        if manifest is None:
            path = self.folder / MANIFEST
            if not path.is_file():
                raise GoingLocalError(f"{display_path(self.folder)}: not a build (no {MANIFEST}); "
                                      "run `going-local build` first")
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise GoingLocalError(f"{display_path(path)}: unreadable ({error})") from None
        self.manifest = manifest
        self.store_dir = self.folder / STORE
        self.dataset_nt = self.folder / DATASET_NT
        self.dumps_dir = self.folder / DUMPS
        self.facts_path = self.folder / FACTS
        self.search_path = self.folder / SEARCH
        self.index_path = self.folder / INDEX

    def check(self, settings: Settings) -> None:
        """A one-line GoingLocalError if this build is not of the data, shapes, code and
        base being served."""
        where = display_path(self.folder)
        manifest = self.manifest
        if manifest.get("format") != FORMAT:
            raise GoingLocalError(f"{where}: made by another version of going-local; build again")
        if manifest.get("base") != settings.base:
            raise GoingLocalError(f"{where}: built for the base {manifest.get('base')}, not "
                                  f"{settings.base}; build again")
        roots = _roots(settings)
        try:
            current = source_files(settings)
        except GoingLocalError as error:
            raise GoingLocalError(f"{where}: cannot check the build against its data: {error.message}") from None
        recorded = {(e["kind"], e["path"]): e for e in manifest.get("files", [])}
        found = {(kind, os.path.relpath(p, roots[kind])): p for kind, paths in current.items() for p in paths}
        for key in sorted(set(recorded) | set(found)):
            kind, path = key
            shown = display_path(roots[kind] / path)
            if key not in found:
                raise GoingLocalError(f"{where}: built from {shown}, which is gone; build again")
            if key not in recorded:
                raise GoingLocalError(f"{where}: built before {shown} was added; build again")
            entry, stat = recorded[key], found[key].stat()
            if (entry["size"], entry["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
                continue
            if entry["size"] != stat.st_size or entry["sha256"] != _sha256(found[key]):
                raise GoingLocalError(f"{where}: built from another version of {shown}; build again")
        if manifest.get("code") != code_digest():
            raise GoingLocalError(f"{where}: built by another version of the server's code; build again")
        for name in (STORE, DATASET_NT, FACTS, SEARCH, DUMPS):
            if not (self.folder / name).exists():
                raise GoingLocalError(f"{where}: incomplete build ({name} is missing); build again")

    def service(self, settings: Settings):
        """The service over this build: its store opened read-only, nothing parsed."""
        from .app import Service
        from .precomputed import BuiltFacts
        from .served import LineSource
        from .store import OxigraphStore, limits_from_env
        from .uris import Vocabulary

        vocab = Vocabulary(settings.base)
        store = OxigraphStore.open(self.store_dir, limits_from_env(), size=self.manifest["triples"])
        facts = BuiltFacts(self.facts_path, self.search_path, vocab)
        source = LineSource(self.dataset_nt)
        return Service(settings, vocab, BuiltDataset(self), store, facts=facts, built=self,
                       source=source)

    def validation_report(self, base: str):
        """The report the build's validation gave, at the served base."""
        from .partitions import ValidationIndex, merge_reports
        from .validation import load_shapes, report_of_parts

        index = ValidationIndex(self.index_path)
        try:
            graph = merge_reports(text for _, text in index.reports())
            files = [e["path"] for e in self.manifest.get("files", []) if e["kind"] != "shapes"]
            shapes = load_shapes(None, base=CANONICAL_BASE)
            report = report_of_parts(graph, shapes, files, lambda n: index.files_of(_nt(n)),
                                     lambda _: {}, [], triples=self.manifest["triples"])
        finally:
            index.close()
        return report if base == CANONICAL_BASE else rebase_report(report, base)


def _nt(node) -> str:
    from .rdfio import to_nt

    return to_nt(node)


def rebase_report(report, base: str):
    """A report made at the canonical base, its IRIs (and the IRIs its messages name)
    moved to `base`."""
    from rdflib import Graph, Literal, URIRef

    from .loading import rebase_iri
    from .validation import _report, _results

    def move(term):
        if isinstance(term, URIRef):
            return URIRef(rebase_iri(str(term), base))
        if isinstance(term, Literal) and term.datatype is None:
            return Literal(str(term).replace(CANONICAL_BASE, base.rstrip("/")), lang=term.language)
        return term

    graph = Graph()
    graph += ((move(s), move(p), move(o)) for s, p, o in report.report_graph)
    files = {r.focus: r.files for r in report.results}
    results = _results(graph, lambda n: files.get(URIRef(str(n).replace(base.rstrip("/"), CANONICAL_BASE, 1))
                                                  if isinstance(n, URIRef) else n, []))
    return _report(results, graph, report.data, report.shapes, report.shortener,
                   triples=report.triples, data_files=report.data_files)


@dataclass
class ChangeReport:
    report: object          # validation.ValidationReport of the whole data as it is now
    change: object          # partitions.Change: the parts validated again
    files: list[str]        # the files that changed since the build


def changed_files(built: Built, settings: Settings) -> dict[Path, bool]:
    """The data and ontology files that differ from the build's (True), or are gone (False)."""
    roots = _roots(settings)
    recorded = {(e["kind"], e["path"]): e for e in built.manifest.get("files", []) if e["kind"] != "shapes"}
    current = source_files(settings)
    found = {(kind, os.path.relpath(p, roots[kind])): p for kind, paths in current.items()
             if kind != "shapes" for p in paths}
    changed: dict[Path, bool] = {}
    for key in sorted(set(recorded) | set(found)):
        kind, rel = key
        path = roots[kind] / rel
        if key not in found:
            changed[path] = False
        elif key not in recorded:
            changed[path] = True
        else:
            entry, stat = recorded[key], found[key].stat()
            if (entry["size"], entry["mtime_ns"]) != (stat.st_size, stat.st_mtime_ns) and \
                    (entry["size"] != stat.st_size or entry["sha256"] != _sha256(found[key])):
                changed[path] = True
    return changed


def validate_change(settings: Settings, folder: Path | None = None,
                    paths: list[Path] | None = None) -> ChangeReport:
    """The validation report of the data as it is now, validating again only the parts of
    it (an inspection, a committee paper, the shared resources) that the files changed
    since the build touch (`paths`, or every data or ontology file that differs from the
    build's); the other parts' results come from the build's validation index."""
    from .partitions import ValidationIndex
    from .partitions import validate_change as validate_parts
    from .rdfio import parse_file
    from .validation import load_shapes, report_of_parts

    built = Built(Path(folder or DEFAULT_OUT))
    shapes_now = source_files(settings)["shapes"]
    recorded_shapes = {e["path"]: e["sha256"] for e in built.manifest.get("files", []) if e["kind"] == "shapes"}
    current_shapes = {os.path.relpath(p, _roots(settings)["shapes"]): _sha256(p) for p in shapes_now}
    if recorded_shapes != current_shapes:
        raise GoingLocalError(f"{display_path(built.folder)}: the shapes changed since the build; "
                              "validate everything (going-local validate) or build again")
    if paths is None:
        found = changed_files(built, settings)
    else:
        found = {Path(p).absolute(): Path(p).exists() for p in paths}
    changed = {str(path.absolute()): (parse_file(path).lines if exists else []) for path, exists in found.items()}
    index = ValidationIndex(built.index_path)
    try:
        shapes = load_shapes(settings.shapes_dir, base=CANONICAL_BASE)
        graph, change, files_of = validate_parts(index, changed, shapes.graph)
        prefixes = json.loads(index.meta("prefixes") or "[]")
        triples = int(index.meta("triples") or 0)
        for where, lines in changed.items():
            triples += len(set(lines)) - len(set(index.file_lines(where)))
        files = sorted({e["path"] for e in built.manifest.get("files", []) if e["kind"] != "shapes"})

        class _Prefixed:
            def __init__(self, prefixes):
                self.prefixes = prefixes

        def shown(node) -> list[str]:
            return [display_path(Path(f)) for f in files_of(_nt(node))]

        report = report_of_parts(graph, shapes, files, shown, lambda _: {},
                                 [_Prefixed(p) for p in prefixes], triples=triples)
    finally:
        index.close()
    return ChangeReport(report, change, [display_path(p) for p in found])


class BuiltDataset:
    """The dataset of a build, for what still asks for one: its files, its size, and (only
    when asked) an rdflib graph made from dataset.nt."""

    def __init__(self, built: Built):
        self._built = built
        self.files = [e["path"] for e in built.manifest.get("files", []) if e["kind"] != "shapes"]
        self._graph = None

    @property
    def graph(self):
        if self._graph is None:
            from rdflib import Graph

            from .rdfio import graph_of
            from .served import LineSource

            graph = Graph()
            for prefixes in self._built.manifest.get("prefixes", []):
                for prefix, namespace in prefixes.items():
                    graph.bind(prefix, namespace, override=False)
            self._graph = graph_of(LineSource(self._built.dataset_nt)(), graph)
        return self._graph

    def files_of(self, node) -> list[str]:
        return []

    def __len__(self) -> int:
        return self._built.manifest["triples"]


def open_built(settings: Settings, folder: Path):
    """The service over the build in `folder`, checked against the data being served."""
    built = Built(folder)
    built.check(settings)
    return built.service(settings)
