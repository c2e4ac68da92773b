"""Running the application under waitress, a production WSGI server."""

from __future__ import annotations

import sys
from pathlib import Path

from .app import create_app, load_service
from .config import Settings

THREADS = 8


def serve(settings: Settings, host: str, port: int, store_dir: Path | None = None) -> None:
    """Load and validate once (or open a build, `store_dir`, which neither parses nor
    validates), then serve until stopped; the address is printed when ready. The /sparql
    workers start loading at once, beside the server."""
    import waitress

    if store_dir is not None:
        from .build import open_built

        service = open_built(settings, store_dir)
    else:
        service = load_service(settings)
    app = create_app(settings, service)
    if not getattr(service.store, "remote", False):
        from .endpoint import worker_pool

        worker_pool(app)
    print(f"Serving {settings.base} on http://{host}:{port}/ (SPARQL at /sparql)", file=sys.stderr,
          flush=True)
    waitress.serve(app, host=host, port=port, threads=THREADS, ident="going-local",
                   _quiet=True)
