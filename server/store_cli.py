"""The command line's part of the stores: choosing one for `serve` and `query`, loading the
dataset into a remote one (`load`), and a Virtuoso instance of one's own (`virtuoso`).

    going-local serve --store virtuoso --endpoint http://127.0.0.1:8890/sparql
    going-local load --endpoint http://127.0.0.1:7878/store --graph https://w3id.org/going-local/id/dataset/going-local
    going-local virtuoso start --dir /var/tmp/going-local-virtuoso --http-port 8890
    going-local virtuoso stop --dir /var/tmp/going-local-virtuoso
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from .errors import GoingLocalError

STORE_KINDS = ("oxigraph", "sparql", "virtuoso")  # server.store.STORE_KINDS, without its imports

PASSWORD_VARIABLE = "GOING_LOCAL_STORE_PASSWORD"


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """--store, --endpoint and --graph, for `serve` (they override GOING_LOCAL_STORE,
    GOING_LOCAL_ENDPOINT and GOING_LOCAL_GRAPH)."""
    parser.add_argument("--store", choices=STORE_KINDS,
                        help="where queries are answered: oxigraph (embedded, the default), "
                             "sparql (any SPARQL 1.1 endpoint) or virtuoso")
    parser.add_argument("--endpoint", metavar="URL",
                        help="the SPARQL endpoint of a sparql or virtuoso store")
    parser.add_argument("--graph", metavar="IRI",
                        help="the dataset's graph on that store (virtuoso: default the "
                             "dataset's IRI; sparql: default none, the endpoint's default graph)")


def settings_with_store(settings, args):
    """The settings, with the store the command line chose, if it chose one."""
    changes = {name: getattr(args, name) for name in ("store", "endpoint", "graph")
               if getattr(args, name, None)}
    if changes.get("endpoint") and not changes.get("store") and settings.store == "oxigraph":
        changes["store"] = "sparql"
    return dataclasses.replace(settings, **changes)


def add_commands(commands) -> None:
    p = commands.add_parser(
        "load", help="load the dataset into a graph store (SPARQL 1.1 Graph Store Protocol)",
        description="Validate the dataset, then send it as Turtle to a Graph Store Protocol "
                    "endpoint: PUT replaces the graph, --add POSTs to it. With --user, HTTP "
                    f"Basic or Digest authentication, the password from {PASSWORD_VARIABLE}. "
                    "Oxigraph server: http://HOST:PORT/store; Virtuoso: "
                    "http://HOST:PORT/sparql-graph-crud-auth (user dba).")
    p.add_argument("--endpoint", required=True, metavar="URL", help="the graph store endpoint")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--graph", metavar="IRI", help="the graph to load into")
    target.add_argument("--default-graph", action="store_true", help="load into the default graph")
    p.add_argument("--add", action="store_true", help="add to the graph instead of replacing it")
    p.add_argument("--user", metavar="NAME", help="user for HTTP authentication")
    p.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                   help="how long to wait for the graph store (default: 300)")

    p = commands.add_parser(
        "virtuoso", help="run a Virtuoso 7 instance of its own, loaded with the dataset",
        description="Start a Virtuoso Open Source 7 instance in DIR (made, with its own "
                    "virtuoso.ini, the first time), listening on 127.0.0.1 only, and load the "
                    "validated dataset into its graph; or stop it by its PID. Needs Debian's "
                    "virtuoso-opensource-7-bin.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    start = actions.add_parser("start", help="start (and create) the instance, load the dataset")
    start.add_argument("--dir", required=True, metavar="DIR", help="the instance's folder")
    start.add_argument("--http-port", type=int, metavar="PORT",
                       help="port of /sparql (default: a free one, the first time)")
    start.add_argument("--sql-port", type=int, metavar="PORT",
                       help="port of the SQL server (default: a free one, the first time)")
    start.add_argument("--graph", metavar="IRI", help="the graph to load (default: the dataset's IRI)")
    start.add_argument("--max-seconds", type=int, default=30, metavar="S",
                       help="Virtuoso's limit on one query's run time (default: 30)")
    stop = actions.add_parser("stop", help="stop the instance by its PID")
    stop.add_argument("--dir", required=True, metavar="DIR", help="the instance's folder")


def cmd_load(args) -> int:
    from .app import validated_dataset
    from .backends.sparql import load_graph
    from .config import load_settings

    dataset = validated_dataset(load_settings())
    turtle = dataset.graph.serialize(format="turtle", encoding="utf-8")
    password = os.environ.get(PASSWORD_VARIABLE) if args.user else None
    graph = None if args.default_graph else args.graph
    status = load_graph(args.endpoint, turtle, graph, replace=not args.add,
                        timeout=args.timeout, user=args.user, password=password)
    where = "the default graph" if graph is None else f"<{graph}>"
    print(f"{'Added' if args.add else 'Loaded'} {len(dataset.graph)} triples into {where} at "
          f"{args.endpoint} (HTTP {status})")
    return 0


def cmd_virtuoso(args) -> int:
    from .virtuoso import VirtuosoInstance

    if args.action == "stop":
        instance = VirtuosoInstance.of(args.dir)
        pid = instance.pid
        if pid is None:
            print(f"Virtuoso is not running in {args.dir}")
            return 0
        instance.stop()
        print(f"Stopped Virtuoso (PID {pid})")
        return 0

    from .app import validated_dataset
    from .config import load_settings
    from .store import default_graph_iri

    settings = load_settings()
    graph = args.graph or default_graph_iri(settings.base)
    dataset = validated_dataset(settings)  # before anything starts: invalid data goes nowhere
    if os.path.exists(os.path.join(args.dir, "virtuoso.ini")):
        instance = VirtuosoInstance.of(args.dir)
        if args.http_port and args.http_port != instance.http_port or \
                args.sql_port and args.sql_port != instance.sql_port:
            raise GoingLocalError(f"{args.dir} already holds an instance on ports "
                                  f"{instance.sql_port} (SQL) and {instance.http_port} (HTTP)")
    else:
        instance = VirtuosoInstance.create(args.dir, sql_port=args.sql_port,
                                           http_port=args.http_port, max_seconds=args.max_seconds)
    if instance.pid is None:
        instance.start(detach=True)
    instance.load(dataset.graph.serialize(format="nt", encoding="utf-8"), graph,
                  name="going-local.nt")
    count = instance.count(graph)
    print(f"Virtuoso (PID {instance.pid}) holds {count} triples in <{graph}>; SPARQL at "
          f"{instance.endpoint}")
    print(f"Serve it: GOING_LOCAL_STORE=virtuoso GOING_LOCAL_ENDPOINT={instance.endpoint}"
          + (f" GOING_LOCAL_GRAPH={graph}" if args.graph else "") + " going-local serve",
          file=sys.stderr)
    return 0


COMMANDS = {"load": cmd_load, "virtuoso": cmd_virtuoso}
