"""Synthetic data folders: recognising them, and keeping them apart from the published data.

`going-local synth` (server/synth.py) writes a folder of invented data for benchmarks and
marks it with a synthetic.json naming the folder's own base, which is never under the
canonical one. Such a folder is read, validated and served only on its own and only under
that base: its /id/ IRIs are minted there, and the ontology's canonical IRIs are moved to
it as the files load, like any other base. Nothing here lets synthetic files into the
published data: a data folder with a synthetic folder inside it is refused.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from .config import CANONICAL_BASE
from .errors import GoingLocalError

MARKER = "synthetic.json"


def is_under_canonical(iri: str) -> bool:
    return iri == CANONICAL_BASE or iri.startswith((CANONICAL_BASE + "/", CANONICAL_BASE + "#"))


def check_base(base: str, where: str) -> str:
    """A synthetic base as given, without its trailing slash; an error if it is unusable."""
    if not isinstance(base, str) or not base.startswith(("http://", "https://")) \
            or any(c in base for c in ' <>"{}|^`\\'):
        raise GoingLocalError(f"{where}: the base must be an http(s) IRI, not {base!r}")
    base = base.rstrip("/")
    if is_under_canonical(base) or CANONICAL_BASE.startswith(base + "/"):
        raise GoingLocalError(f"{where}: the base {base} overlaps the canonical base "
                              f"{CANONICAL_BASE}; synthetic data needs a base of its own")
    return base


def read_marker(folder: str | os.PathLike) -> dict | None:
    """The description in `folder`'s synthetic.json, or None when there is none."""
    marker = Path(folder) / MARKER
    if not marker.is_file():
        return None
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GoingLocalError(f"{marker}: not a synthetic dataset description ({error})") from None
    if not isinstance(info, dict) or "base" not in info:
        raise GoingLocalError(f"{marker}: not a synthetic dataset description (no base)")
    info["base"] = check_base(info["base"], str(marker))
    return info


def synthetic_base(folder: str | os.PathLike) -> str | None:
    """The base of the synthetic dataset in `folder`, or None for any other folder."""
    info = read_marker(folder)
    return info["base"] if info else None


def synthetic_folder_of(path: str | os.PathLike) -> Path | None:
    """The synthetic dataset folder that `path` is, or is inside of."""
    path = Path(path).absolute()
    for folder in [path, *path.parents] if path.is_dir() else list(path.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def synthetic_inside(folder: str | os.PathLike) -> Path | None:
    """A synthetic dataset folder below `folder` (the first in sorted order), if any."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = sorted(p.parent for p in folder.rglob(MARKER) if p.is_file() and p.parent != folder)
    return found[0] if found else None


def base_for_paths(paths: Iterable[str | os.PathLike]) -> str | None:
    """The base data at `paths` must be read under: a synthetic folder's own base, or None
    for ordinary data. Synthetic data is never mixed with other data, nor with another
    synthetic dataset."""
    paths = [Path(p) for p in paths]
    bases: dict[str, Path] = {}
    ordinary: list[Path] = []
    for path in paths:
        folder = synthetic_folder_of(path)
        if folder is None:
            inside = synthetic_inside(path)
            if inside is not None:
                raise GoingLocalError(
                    f"{path}: holds synthetic data in {inside}; synthetic data is never mixed "
                    "with other data: name its folder on its own (--data)")
            ordinary.append(path)
        else:
            bases.setdefault(synthetic_base(folder), folder)
    if not bases:
        return None
    if ordinary or len(bases) > 1:
        names = ", ".join(str(p) for p in [*bases.values(), *ordinary])
        raise GoingLocalError(f"synthetic data is never mixed with other data: {names}")
    return next(iter(bases))


def check_data_folder(data_dir: str | os.PathLike, base: str) -> None:
    """Refuse to load a data folder for serving that mixes in synthetic data, or synthetic
    data under any base but its own (the published base above all)."""
    own = synthetic_base(data_dir)
    if own is None:
        inside = synthetic_inside(data_dir)
        if inside is not None:
            raise GoingLocalError(
                f"{data_dir}: holds synthetic data in {inside}; the published data never "
                "includes it: serve that folder on its own (--data)")
    elif base.rstrip("/") != own:
        raise GoingLocalError(
            f"{data_dir}: is synthetic data with the base {own}; it is served only under "
            f"that base, never under {base}")


@contextmanager
def synthetic_environment(paths: Iterable[str | os.PathLike] | None,
                          data_dir: str | os.PathLike | None = None) -> Iterator[str | None]:
    """While a command runs: the data folder to use (GOING_LOCAL_DATA, when `data_dir` is
    given) and, when the data at `paths` is synthetic, its base (GOING_LOCAL_BASE), so that
    everything that reads the settings follows it. The environment is restored after."""
    names = ("GOING_LOCAL_BASE", "GOING_LOCAL_DATA")
    saved = {name: os.environ.get(name) for name in names}
    try:
        if data_dir is not None:
            os.environ["GOING_LOCAL_DATA"] = str(Path(data_dir).absolute())
        base = base_for_paths(paths) if paths is not None else None
        if base is not None:
            os.environ["GOING_LOCAL_BASE"] = base
        yield base
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
