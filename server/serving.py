"""Running the application under waitress, a production WSGI server."""

from __future__ import annotations

import sys

from .app import create_app, load_service
from .config import Settings

THREADS = 8


def serve(settings: Settings, host: str, port: int) -> None:
    """Load and validate once, then serve until stopped; the address is printed when ready."""
    import waitress

    app = create_app(settings, load_service(settings))
    print(f"Serving {settings.base} on http://{host}:{port}/ (SPARQL at /sparql)", file=sys.stderr,
          flush=True)
    waitress.serve(app, host=host, port=port, threads=THREADS, ident="going-local",
                   _quiet=True)
