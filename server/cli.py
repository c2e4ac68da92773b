"""The `going-local` command: validate, query, export, stats, summary, curate, add, release,
serve, site and paper.

Exit status: 0 all well; 1 the data does not conform to the shapes; 2 unusable input (a
missing file, bad Turtle, a bad parameter, an endpoint that does not answer); 3 a bug.
Every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from .atomic import write_atomically
from .config import PROJECT_ROOT, load_settings
from .errors import GoingLocalError
from .store_cli import COMMANDS as STORE_COMMANDS
from .store_cli import add_commands as add_store_commands
from .store_cli import add_store_options, settings_with_store
from .synthetic import synthetic_environment

DEFAULT_OUT = PROJECT_ROOT / "build" / "store"  # server.build.DEFAULT_OUT, without importing it


def display_path(path: Path) -> str:
    from .loading import display_path as shown

    return shown(path)

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error."""

    def error(self, message: str):
        raise GoingLocalError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="going-local",
        description="The Going Local knowledge graph of HMIC inspections: check it, query it, "
                    "export it, count it.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    commands.required = True

    def data_option(p):
        p.add_argument("--data", action="append", metavar="PATH",
                       help="Turtle file or folder of data (repeatable; default: the data folder)")

    p = commands.add_parser("validate", help="check Turtle data against the SHACL shapes",
                            description="Check data (with the ontology and concept schemes) "
                                        "against every shapes/*.ttl. Exit 0 conforms, 1 violations, "
                                        "2 unusable input.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="Turtle files or folders (default: the data folder)")
    p.add_argument("--shapes", metavar="DIR", help="folder of SHACL shapes (default: shapes/)")
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    p.add_argument("--changed", action="store_true",
                   help="validate only what changed since `going-local build`: the parts of the "
                        "data (an inspection, a committee paper, the shared resources) that the "
                        "files named (by default every file that differs from the build's) touch; "
                        "the report is still of the whole data")
    p.add_argument("--store-dir", metavar="STORE_DIR",
                   help=f"with --changed: the build (default: {display_path(DEFAULT_OUT)})")

    p = commands.add_parser("query", help="run a SPARQL query here or on an endpoint",
                            description="Run a query file, or a named query from queries/ by its "
                                        "name, on the dataset or on a SPARQL endpoint.")
    p.add_argument("query", metavar="FILE.rq", help="a query file, or the name of one in queries/")
    p.add_argument("--endpoint", metavar="URL", help="run on this SPARQL endpoint instead")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a value for one of the query's parameters (repeatable)")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                   help="local query engine: oxigraph (fast, the default) or rdflib "
                        "(parameters bound with initBindings)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="how long to wait for an endpoint (default: 60)")
    p.add_argument("--store", choices=("sparql", "virtuoso"), default="sparql",
                   help="with --endpoint: any SPARQL 1.1 endpoint (the default), or Virtuoso "
                        "(its ways handled; the dataset's graph is named in each request)")
    p.add_argument("--graph", metavar="IRI",
                   help="with --endpoint: the dataset's graph there (default: none for sparql, "
                        "the dataset's IRI for virtuoso)")
    p.add_argument("--store-dir", metavar="STORE_DIR",
                   help="run on the data of the build in STORE_DIR (`going-local build`), loaded "
                        "into memory, instead of reading the data files")
    data_option(p)

    p = commands.add_parser("export", help="write the dataset as dumps with a VoID description",
                            description="Write the data, ontology and concept schemes as Turtle, "
                                        "N-Triples, JSON-LD and RDF/XML, and void.ttl, into DIR "
                                        "(replaced as a whole, or left untouched on failure).")
    p.add_argument("--out", required=True, metavar="DIR")
    data_option(p)

    p = commands.add_parser("stats", help="count instances per class and what each BOCU has")
    data_option(p)

    p = commands.add_parser("summary", help="validate the data and summarise it")
    data_option(p)
    p.add_argument("--shapes", metavar="DIR", help="folder of SHACL shapes (default: shapes/)")

    p = commands.add_parser("curate", help="compile the curation records into data/",
                            description="Compile curation/*.yaml into data/*.ttl; with --check, "
                                        "only report whether data/ matches them (exit 1 if not).")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if data/ is out of date")

    p = commands.add_parser("add", help="add or update a steward's record, validated with the whole graph",
                            description="Compile a curation record (an inspection, or a later "
                                        "committee paper) with every other record, check that an "
                                        "update keeps every earlier dated fact, validate the whole "
                                        "graph against the shapes, and only then write the compiled "
                                        "Turtle under data/ and the record under curation/. Exit 0 "
                                        "added, 1 refused by validation, 2 unusable input.")
    p.add_argument("record", metavar="FILE.yaml", help="the record, written from curation/TEMPLATE.yaml")
    p.add_argument("--source-file", action="append", default=[], metavar="PATH",
                   help="a source text the record quotes, copied into data/sources/ under its own "
                        "name; the record names it by that name without the suffix (repeatable)")

    p = commands.add_parser("release", help="record a release: version, snapshot and changelog",
                            description="Record a release of the data as it is now: a snapshot "
                                        "(releases/X.Y.Z.nt), the machine-readable release with "
                                        "what was added, changed and removed since the last one "
                                        "(releases/X.Y.Z.ttl), and CHANGELOG.md, regenerated. "
                                        "Exit 0 released, 1 the data does not conform or is not "
                                        "what curation/ compiles to, 2 unusable input.")
    p.add_argument("--version", required=True, metavar="X.Y.Z", help="the new version, after the last")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the release date")

    p = commands.add_parser("serve", help="serve the dataset over HTTP (pages, dumps, SPARQL)",
                            description="Load and validate the dataset once, then serve it; or "
                                        "serve what `going-local build` wrote, which is neither "
                                        "parsed nor validated again.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    add_store_options(p)
    p.add_argument("--data", metavar="DIR",
                   help="serve this data folder instead of the data folder; a synthetic one "
                        "(with a synthetic.json) under its own base")
    p.add_argument("--store-dir", metavar="STORE_DIR",
                   help="serve the build in STORE_DIR (`going-local build --out`); it must have "
                        "been built from the data being served (by default the data it was built from)")
    p.add_argument("--built", action="store_true",
                   help=f"serve the build in the default place, {display_path(DEFAULT_OUT)}")

    p = commands.add_parser("build", help="validate once and write a store the server opens at once",
                            description="Read and validate the dataset (in parts, in worker "
                                        "processes when it is large), then write a persistent "
                                        "store, the facts pages need, the search index, the "
                                        "dumps, a validation index and a manifest into STORE_DIR, "
                                        "replaced whole. `serve --store-dir STORE_DIR` serves it "
                                        "without parsing or validating. Exit 0 built, 1 the data "
                                        "does not conform, 2 unusable input.")
    p.add_argument("--data", metavar="DIR", help="the data folder to build (default: the data folder)")
    p.add_argument("--out", metavar="STORE_DIR",
                   help=f"where to write the build (default: {display_path(DEFAULT_OUT)})")
    p.add_argument("--workers", type=int, metavar="N",
                   help="validation worker processes (default: 2 for large data, else none)")

    p = commands.add_parser("site", help="publish the site as static files with an nginx config",
                            description="Render every document (in every format), page, dump and "
                                        "the VoID description through the web service into DIR, "
                                        "as files any web server or CDN can serve, and write "
                                        "DIR/nginx.conf to serve them as the service does. DIR is "
                                        "replaced as a whole, or left untouched on failure.")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--root-url", required=True, metavar="URL",
                   help="where the site will be served, scheme://host[:port]: the sitemap, "
                        "robots.txt and the Link and Location headers name it")
    p.add_argument("--listen", default="80", metavar="[ADDRESS:]PORT",
                   help="nginx's listen directive (default: 80)")
    p.add_argument("--app-server", metavar="HOST:PORT",
                   help="pass what has no file (SPARQL, search, the query page, anything with a "
                        "query string) to `going-local serve` there; without it nginx answers 404")
    p.add_argument("--config-only", action="store_true",
                   help="only write DIR/nginx.conf again, for the site already published in DIR "
                        "(another --listen or --app-server); the files are left as they are")
    add_store_options(p)

    p = commands.add_parser("synth", help="write a synthetic dataset of N triples, for benchmarks",
                            description="Write an invented, national-scale dataset shaped like the "
                                        "real one (43 synthetic forces, their units, inspections, "
                                        "recommendations, provenance down to a synthetic source "
                                        "text) into DIR, under a base of its own: synthetic, not "
                                        "real data, never written into data/. The same N and seed "
                                        "give the same bytes.")
    p.add_argument("--triples", required=True, type=int, metavar="N",
                   help="how many triples to write (to within 1%%; at least 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder to write (replaced whole if it holds an earlier synthetic dataset)")
    p.add_argument("--base", metavar="IRI",
                   help="base of the synthetic IRIs (default: http://synthetic.going-local.test/seed-S)")

    p = commands.add_parser("paper", help="render a year's committee paper from the graph",
                            description="Render the committee paper on a programme year (its "
                                        "common themes and Appendix 1) from the graph alone, as "
                                        "it stood on a date, as HTML or Markdown.")
    p.add_argument("--year", required=True, metavar="YEAR", help="the programme year, e.g. 2003-04")
    p.add_argument("--as-of", metavar="DATE",
                   help="show only what had been reported by this day, YYYY-MM-DD (default: today)")
    p.add_argument("--format", required=True, choices=("html", "markdown"))
    p.add_argument("--out", metavar="FILE", help="write to FILE (replaced whole) instead of stdout")
    data_option(p)
    add_store_commands(commands)
    return parser


# --- Commands ------------------------------------------------------------------------------

def cmd_validate(args) -> int:
    from .validation import render, validate_paths

    if args.changed:
        from .build import validate_change

        if args.shapes:
            raise GoingLocalError("--changed validates against the shapes the build was checked "
                                  "against: leave --shapes out")
        checked = validate_change(load_settings(), Path(args.store_dir) if args.store_dir else None,
                                  [Path(p) for p in args.paths] if args.paths else None)
        change = checked.change
        print(f"validated again: {len(change.owners)} part(s), {change.own_lines} triples and "
              f"{change.context_lines} of context, in {change.seconds:.2f} s "
              f"({', '.join(checked.files) or 'nothing changed'})", file=sys.stderr)
        sys.stdout.write(render(checked.report, args.format))
        return EXIT_OK if checked.report.conforms else EXIT_INVALID
    if args.store_dir:
        raise GoingLocalError("--store-dir goes with --changed")
    report = validate_paths(args.paths or None, args.shapes)
    sys.stdout.write(render(report, args.format))
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_query(args) -> int:
    from .names import Shortener
    from .queries import (bind_params, declared_prefixes, find_query, parse_assignments, run_local,
                          run_remote)
    from .results import render

    query = find_query(args.query)
    bindings = bind_params(query, parse_assignments(args.param))
    # The query's own prefixes first: they are the names its author chose.
    known = list(declared_prefixes(query.text).items())
    if args.endpoint:
        if args.data:
            raise GoingLocalError("--data and --endpoint do not go together: the endpoint has its own data")
        graph = args.graph
        if args.store == "virtuoso" and not graph:
            from .store import default_graph_iri

            graph = default_graph_iri(load_settings().base)
        result = run_remote(query, args.endpoint, bindings, timeout=args.timeout,
                            store=args.store, graph=graph)
    elif args.store_dir:
        from .build import Built
        from .queries import run_on_store
        from .store import OxigraphStore

        if args.data:
            raise GoingLocalError("--data and --store-dir do not go together: a build has its own data")
        built = Built(Path(args.store_dir))
        store = OxigraphStore.from_ntriples(str(built.dataset_nt), size=built.manifest["triples"])
        result = run_on_store(query, store, bindings)
        for prefixes in built.manifest.get("prefixes", []):
            known.extend(prefixes.items())
    elif args.engine == "oxigraph":
        # Read by pyoxigraph into its store, with no rdflib graph: seconds, not minutes, for
        # a million triples.
        from .loading import turtle_files
        from .queries import run_on_store
        from .rdfio import parse_files, rebase_lines, rebase_prefixes
        from .served import model_paths
        from .store import OxigraphStore

        settings = load_settings()
        parsed = parse_files([*turtle_files(args.data or [settings.data_dir]), *model_paths(settings)])
        lines = [line for part in parsed for line in rebase_lines(part.lines, settings.base)]
        store = OxigraphStore.from_ntriples(("\n".join(lines) + "\n").encode("utf-8"))
        result = run_on_store(query, store, bindings)
        for part in parsed:
            known.extend(rebase_prefixes(part.prefixes, settings.base).items())
    else:
        from .loading import load_dataset

        dataset = load_dataset(args.data).graph
        result = run_local(query, dataset, bindings)
        known.extend((p, str(n)) for p, n in dataset.namespaces())
    shortener = Shortener.from_pairs(known)
    sys.stdout.write(render(result, args.format, shortener.iri))
    return EXIT_OK


def cmd_export(args) -> int:
    from .export import export
    from .loading import display_path, load_dataset

    dataset = load_dataset(args.data)
    written = export(dataset.graph, args.out)
    print(f"Wrote {len(dataset.graph)} triples to {display_path(Path(args.out))}/: "
          + ", ".join(p.name for p in written))
    return EXIT_OK


def cmd_stats(args) -> int:
    from .loading import load_data, load_model
    from .names import Shortener
    from .stats import bocu_counts, class_counts, render_bocu_counts, render_class_counts

    data, model = load_data(args.data), load_model()
    shorten = Shortener.of(data.graph, model.graph).iri
    print(f"Instances per class ({len(data.graph)} triples of data):")
    sys.stdout.write(render_class_counts(class_counts(data.graph, model.graph), shorten))
    print()
    print("Per inspected BOCU:")
    sys.stdout.write(render_bocu_counts(bocu_counts(data.graph, model.graph), shorten))
    return EXIT_OK


def cmd_summary(args) -> int:
    from .loading import load_data, load_model
    from .names import Shortener
    from .stats import class_counts, render_class_counts
    from .validation import load_shapes, validate

    data, model = load_data(args.data), load_model()
    shapes = load_shapes(args.shapes)
    report = validate(data, model, shapes)
    shorten = Shortener.of(data.graph, model.graph).iri
    print("Going Local knowledge graph")
    print(f"  validation: {report.summary_line()}")
    if not report.conforms:
        print("  (run `going-local validate` for the details)")
    print(f"  triples:    {report.triples} (data: {len(data.graph)} in "
          f"{len(data.files)} files; ontology and concept schemes: {len(model.graph)} in "
          f"{len(model.files)} files)")
    print("Instances per class in the data:")
    sys.stdout.write(render_class_counts(class_counts(data.graph, model.graph), shorten))
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_curate(args) -> int:
    from .curation.command import curate
    from .curation.errors import CurationError

    try:
        return curate(load_settings(), check=args.check)
    except CurationError as error:  # it names the record file, line and field
        raise GoingLocalError(str(error)) from None


def cmd_add(args) -> int:
    from .curation.add import Refused, add_record, describe_added
    from .curation.errors import CurationError

    settings = load_settings()
    try:
        added = add_record(settings, Path(args.record), [Path(p) for p in args.source_file])
    except CurationError as error:  # it names the record file, line and field
        raise GoingLocalError(str(error)) from None
    except Refused as refused:
        for line in refused.lines:
            print(line, file=sys.stderr)
        print(refused.summary, file=sys.stderr)
        return EXIT_INVALID
    for line in added.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(describe_added(added, settings.root))
    return EXIT_OK


def cmd_release(args) -> int:
    from .curation.errors import CurationError
    from .release import NotReleased, make_release

    settings = load_settings()
    try:
        released = make_release(settings, args.version, args.date)
    except CurationError as error:
        raise GoingLocalError(str(error)) from None
    except NotReleased as refused:
        for line in refused.lines:
            print(line, file=sys.stderr)
        print(refused.summary, file=sys.stderr)
        return EXIT_INVALID
    changes = released.changes
    print(f"released {released.version} of {released.date}: {len(changes.added)} added, "
          f"{len(changes.changed)} changed, {len(changes.removed)} removed; wrote "
          + ", ".join(str(p.relative_to(settings.root)) if p.is_relative_to(settings.root) else str(p)
                      for p in released.written))
    return EXIT_OK


def cmd_build(args) -> int:
    from .app import InvalidData
    from .build import build

    try:
        build(load_settings(), Path(args.out) if args.out else None, args.workers,
              log=lambda message: print(message, file=sys.stderr, flush=True))
    except InvalidData as error:
        sys.stdout.write(error.report)
        print(error.message.replace("not starting", "not built"), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_serve(args) -> int:
    from .app import InvalidData
    from .serving import serve

    store_dir = Path(args.store_dir) if args.store_dir else (DEFAULT_OUT if args.built else None)
    if store_dir is not None and args.store and args.store != "oxigraph":
        raise GoingLocalError("--store-dir serves a build's own store; leave --store out")
    try:
        serve(settings_with_store(load_settings(), args), args.host, args.port, store_dir)
    except InvalidData as error:
        # The server will not start on invalid data; the report says why.
        sys.stdout.write(error.report)
        print(error.message, file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_synth(args) -> int:
    from .loading import display_path
    from .synth import synthesize

    summary = synthesize(args.triples, args.seed, args.out, base=args.base)
    years = f"{summary.years} programme year{'s' if summary.years != 1 else ''}"
    print(f"Wrote {summary.triples} triples of synthetic data ({summary.inspections} inspections, "
          f"{summary.forces} forces, {years}; {summary.files} files, {summary.bytes / 1e6:.1f} MB) "
          f"under {summary.base} to {display_path(summary.out)}/ in {summary.seconds:.1f} s")
    return EXIT_OK


def cmd_site(args) -> int:
    from .app import InvalidData, create_app, load_service
    from .loading import display_path
    from .static_site import (DOCUMENT_FORMATS, build_site, check_app_server, check_listen,
                              check_root_url, write_config)

    if args.config_only:
        written = write_config(args.out, args.root_url, listen=args.listen, app_server=args.app_server)
        print(f"Wrote {display_path(written)}")
        return EXIT_OK
    check_root_url(args.root_url)  # before the minute of loading and rendering
    check_app_server(args.app_server)
    check_listen(args.listen)
    settings = settings_with_store(load_settings(), args)  # rendered by the server as configured
    try:
        service = load_service(settings)
    except InvalidData as error:
        sys.stdout.write(error.report)
        print("the data does not conform to the shapes; not publishing", file=sys.stderr)
        return EXIT_INVALID
    report = build_site(create_app(settings, service), args.out, args.root_url,
                        listen=args.listen, app_server=args.app_server)
    site = report.site
    print(f"Wrote {len(site.files)} files ({site.size / 1e6:.1f} MB: {len(site.documents)} documents "
          f"in {len(DOCUMENT_FORMATS)} formats, {len(site.pages)} pages and "
          f"files) to {display_path(report.folder)}/ for {site.root_url} in {report.seconds:.0f} s; "
          f"nginx server block: {display_path(report.folder / 'nginx.conf')}")
    for line in site.not_published:
        print(f"  not published: {line}")
    return EXIT_OK


def cmd_paper(args) -> int:
    import datetime as dt

    from .loading import display_path, load_dataset
    from .paper import gather_paper, parse_as_of
    from .paper_render import render
    from .store import OxigraphStore

    as_of = parse_as_of(args.as_of) if args.as_of is not None else dt.date.today()
    if args.out is not None:
        out = Path(args.out)
        if not out.absolute().parent.is_dir():
            raise GoingLocalError(f"{display_path(out)}: no such folder to write into")
        if out.is_dir():
            raise GoingLocalError(f"{display_path(out)}: is a folder, not a file")
    store = OxigraphStore(load_dataset(args.data).graph)
    text = render(gather_paper(store, load_settings().base, args.year, as_of), args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomically(out, text)
        print(f"Wrote the {args.year} paper as of {as_of.isoformat()} ({args.format}) "
              f"to {display_path(out)}")
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "query": cmd_query, "export": cmd_export,
            "stats": cmd_stats, "summary": cmd_summary, "curate": cmd_curate, "add": cmd_add,
            "release": cmd_release, "serve": cmd_serve, "build": cmd_build,
            "site": cmd_site, "paper": cmd_paper, "synth": cmd_synth}
COMMANDS.update(STORE_COMMANDS)  # load, virtuoso


def run(argv: list[str] | None = None) -> int:
    """The command without the safety net: tests call this to see real exceptions."""
    args = build_parser().parse_args(argv)
    with synthetic_environment(*data_paths(args)):
        return COMMANDS[args.command](args)


def data_paths(args) -> tuple[list[str] | None, str | None]:
    """The data a command reads (None: none) and, for serve --data, the data folder: a
    synthetic folder is read under its own base, and never mixed with other data."""
    if args.command == "synth":
        return None, None
    if args.command == "serve" and args.data:
        return [args.data], args.data
    if args.command == "serve" and (args.store_dir or args.built):
        # A build is served from the data it was built from, unless --data names it.
        from .build import DEFAULT_OUT, Built

        folder = Built(Path(args.store_dir) if args.store_dir else DEFAULT_OUT)
        data_dir = folder.manifest.get("data_dir")
        return ([data_dir], data_dir) if data_dir else (None, None)
    if args.command == "query" and getattr(args, "store_dir", None):
        from .build import Built

        data_dir = Built(Path(args.store_dir)).manifest.get("data_dir")
        return ([data_dir] if data_dir else None), None
    if args.command == "build":
        data = args.data or str(load_settings().data_dir)
        return [data], data
    if args.command == "validate" and args.changed:
        from .build import DEFAULT_OUT, Built

        data_dir = Built(Path(args.store_dir) if args.store_dir else DEFAULT_OUT).manifest.get("data_dir")
        return ([data_dir], data_dir) if data_dir else (None, None)
    named = getattr(args, "paths", None) if args.command == "validate" else getattr(args, "data", None)
    if isinstance(named, str):
        named = [named]
    return (list(named) if named else [str(load_settings().data_dir)]), None


# --- One line per message, never a traceback --------------------------------------------------

class OneLineFormatter(logging.Formatter):
    """Library log records (rdflib warns about ill-typed literals with a whole traceback)
    as a single line each."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines() or [""]
        return f"{record.levelname.lower()}: {lines[0]}"


def quiet_libraries() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)

    def one_line_warning(message, category, filename, lineno, file=None, line=None):
        text = str(message).strip().splitlines() or [""]
        print(f"warning: {text[0]}", file=sys.stderr)

    warnings.showwarning = one_line_warning


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()
    try:
        return run(argv)
    except GoingLocalError as error:
        print(error.message, file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"{where}{error.strerror or error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: one line, not a traceback
        from .http_errors import ServiceError

        if isinstance(error, ServiceError):  # a store past its limits, or not answering
            print(error.message, file=sys.stderr)
            return EXIT_UNUSABLE
        detail = " ".join(str(error).split())
        print(f"going-local: internal error ({type(error).__name__}: {detail}); "
              "please report it with the command that caused it", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
