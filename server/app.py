"""The Flask application factory: loads and validates the dataset once, then serves it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, jsonify

from .config import Settings, load_settings
from .errors import GoingLocalError
from .http_errors import register_error_handlers
from .loading import LoadedGraph
from .store import Store, open_store
from .synthetic import check_data_folder
from .uris import Vocabulary


class InvalidData(GoingLocalError):
    """The data does not conform to the shapes; `report` is the readable report."""

    def __init__(self, report: str):
        super().__init__("the data does not conform to the shapes; not starting")
        self.report = report


@dataclass
class Service:
    """What every blueprint reads: the settings, the vocabulary, the store and the facts
    the pages need without a query each (server/precomputed.py).

    `dataset` is the loaded dataset: its rdflib graph is made only when something asks
    for it (some commands and tests do); serving never does. `built` is the build this
    service serves (server/build.py), if any; `report` the validation report it started
    with."""

    settings: Settings
    vocab: Vocabulary
    dataset: LoadedGraph | None
    store: Store
    facts: object = None
    built: object = None
    report: object = None
    source: object = None  # served.LineSource: the served triples as N-Triples

    def __post_init__(self):
        if self.source is None and self.dataset is not None:
            loaded = getattr(self.dataset, "_loaded", None)
            self.source = loaded.source if loaded is not None else _GraphLines(self.dataset)
        if self.facts is None:
            from .precomputed import Facts

            self.facts = Facts(self.source or (lambda: iter(())), self.vocab, self.store)


class _GraphLines:
    """The N-Triples lines of an rdflib graph given to a Service (as tests give one)."""

    def __init__(self, dataset: LoadedGraph):
        self.dataset = dataset
        self._lines: list[str] | None = None
        self.path = None

    def fileno(self):
        return None

    def read_bytes(self) -> bytes:
        return ("\n".join(self()) + "\n").encode("utf-8")

    def __call__(self):
        if self._lines is None:
            text = self.dataset.graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
            self._lines = [line for line in text.split("\n") if line]
        return iter(self._lines)


def load_service(settings: Settings, store: Store | None = None) -> Service:
    """Load the data and model, validate them against the shapes, and fill the store.

    Invalid data refuses to start: InvalidData carries the validation report. Validation
    runs before the move to the configured base, because the SPARQL in the shapes names
    the canonical IRIs. The files are read by pyoxigraph and validated in parts
    (server/served.py); no rdflib graph of everything is made.

    The store is the one the settings name (server.store.open_store), or `store`. The
    local files are loaded and validated whatever the store: they give the dataset
    description and its counts. A remote store must hold the same number of triples in
    the dataset's graph, or the service does not start (the data was not loaded there, or
    another version was).
    """
    from .served import LazyLoadedGraph, load_validated

    # Synthetic data is served on its own and under its own base, never as published data.
    check_data_folder(settings.data_dir, settings.base)
    loaded = load_validated(settings)
    dataset = LazyLoadedGraph(loaded)
    store = store or open_store(settings, loaded)
    if getattr(store, "remote", False):
        check_remote(store, loaded.triples)
    return Service(settings, Vocabulary(settings.base), dataset, store, report=loaded.report,
                   source=loaded.source)


def validated_dataset(settings: Settings) -> LoadedGraph:
    """The data, ontology and concept schemes, validated at the canonical base (InvalidData
    if they do not conform), then moved to the configured base: what is served, and what
    `going-local load` sends to a remote store."""
    from .served import LazyLoadedGraph, load_validated

    return LazyLoadedGraph(load_validated(settings))


def check_remote(store, expected: int) -> None:
    """Refuse a remote store whose graph does not hold the dataset's triples."""
    from .http_errors import ServiceError

    where = getattr(store, "endpoint", "the store")
    graph = getattr(store, "graph", None)
    try:
        found = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])
    except ServiceError as error:
        raise GoingLocalError(f"{where}: {error.message}") from None
    except GoingLocalError as error:
        raise GoingLocalError(f"{where}: {error.message}") from None
    if found != expected:
        in_graph = f" in <{graph}>" if graph else ""
        raise GoingLocalError(
            f"{where} holds {found} triples{in_graph}, the dataset {expected}: load the "
            "dataset there first (see `going-local load --help`)")


def create_app(settings: Settings | None = None, service: Service | None = None) -> Flask:
    settings = settings or load_settings()
    service = service or load_service(settings)
    app = Flask(__name__)
    app.extensions["going_local"] = service
    register_error_handlers(app)
    from .linked_data import blueprint as linked_data; app.register_blueprint(linked_data)  # noqa: E702
    from .explore import explore; app.register_blueprint(explore)  # noqa: E702
    from .endpoint import blueprint as sparql; app.register_blueprint(sparql)  # noqa: E702
    from .pages import blueprint as pages; app.register_blueprint(pages)  # noqa: E702
    from .paper_views import blueprint as paper; app.register_blueprint(paper)  # noqa: E702
    from .glance import blueprint as glance; app.register_blueprint(glance)  # noqa: E702

    @app.get("/health")
    def health():
        return jsonify(status="ready", triples=len(service.store), base=settings.base)

    from .page_cache import install
    install(app)

    return app


def service_of(app: Flask) -> Service:
    return app.extensions["going_local"]
