"""Where the project's files are, and the one base URI every resource lives under."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The canonical base of every URI the dataset mints: a permanent identifier that
# redirects to wherever the service is deployed.
CANONICAL_BASE = "https://w3id.org/going-local"


@dataclass(frozen=True)
class Settings:
    root: Path = PROJECT_ROOT
    base: str = CANONICAL_BASE
    data_dir: Path = field(default=PROJECT_ROOT / "data")
    # Where queries are answered (server/store.py): "oxigraph" (embedded, the default),
    # "sparql" (any SPARQL 1.1 endpoint) or "virtuoso", at `endpoint`; `graph` is the
    # dataset's graph there (default: the dataset's IRI for Virtuoso, none otherwise).
    store: str = "oxigraph"
    endpoint: str | None = None
    graph: str | None = None

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def curation_dir(self) -> Path:
        return self.root / "curation"

    @property
    def source_text(self) -> Path:
        return self.root / "data" / "sources" / "mpa-pprc-2005-01-19-report-8.txt"

    @property
    def boroughs_csv(self) -> Path:
        return self.root / "data" / "sources" / "london-boroughs.csv"


def load_settings() -> Settings:
    """Settings from the environment; GOING_LOCAL_BASE moves every URI to another base;
    GOING_LOCAL_STORE, GOING_LOCAL_ENDPOINT and GOING_LOCAL_GRAPH choose the store."""
    base = os.environ.get("GOING_LOCAL_BASE", CANONICAL_BASE).rstrip("/")
    data_dir = Path(os.environ.get("GOING_LOCAL_DATA", PROJECT_ROOT / "data"))
    # A synthetic data folder (server/synthetic.py) is only ever read under its own base.
    from .synthetic import synthetic_base
    base = synthetic_base(data_dir) or base
    return Settings(base=base, data_dir=data_dir,
                    store=os.environ.get("GOING_LOCAL_STORE", "").strip().lower() or "oxigraph",
                    endpoint=os.environ.get("GOING_LOCAL_ENDPOINT", "").strip() or None,
                    graph=os.environ.get("GOING_LOCAL_GRAPH", "").strip() or None)
