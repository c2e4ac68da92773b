"""`going-local curate`: compile the curation records into data/, or check they match."""

from __future__ import annotations

import sys

from ..config import Settings
from .compiler import compile_all, stale_outputs, write_outputs


def curate(settings: Settings, check: bool = False) -> int:
    """Exit status: 0 written (or up to date), 1 when --check finds data/ out of date.

    Raises CurationError, which names the record file, line and field, on a bad record.
    """
    outputs = compile_all(settings)
    if check:
        stale = stale_outputs(outputs, settings.data_dir)
        for path in stale:
            print(f"{path}: differs from what the curation records compile to", file=sys.stderr)
        if not stale:
            print(f"data/ matches the curation records ({len(outputs)} files)")
        return 1 if stale else 0
    for path in write_outputs(outputs, settings.data_dir):
        print(f"wrote {path.relative_to(settings.root) if path.is_relative_to(settings.root) else path}")
    return 0
