"""Replacing a file, or a whole output folder, at once: it is written beside its
destination, then renamed into place, so that readers see the old one or the new one, and
a failure leaves the old one as it was. A file: write_atomically. A folder:

    staging = folder_beside(out)
    try:
        ...write into staging...
        swap_into_place(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when all went well
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def folder_beside(out: Path) -> Path:
    """A new empty folder next to out (a hidden name ending .tmp), with the usual
    permissions rather than the private ones mkdtemp gives it."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.absolute().parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    return staging


def swap_into_place(staging: Path, out: Path) -> None:
    """Rename staging to out; an existing out is moved aside first, put back should the
    rename fail, and removed once it has succeeded."""
    if not out.exists():
        os.rename(staging, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.absolute().parent))
    os.rmdir(aside)  # only its unique name is wanted
    os.rename(out, aside)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(aside, out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place: readers
    see the old file or the new one, never half of one. Readable by all, as a file
    written in place would be (mkstemp's are private)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.absolute().parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
