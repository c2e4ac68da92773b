"""Reading a YAML curation record so that every value knows its line.

Stewards write these records by hand; every error must name the file, the line
and the field, so the loader keeps the line of each mapping key and list item.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import CurationError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Keys YAML 1.1 reads as booleans when they are not quoted ('on': 2005-01-19).
YAML_BOOLEAN_WORDS = {"on", "off", "yes", "no", "y", "n", "true", "false"}


class _LocatedDict(dict):
    lines: dict


class _LocatedList(list):
    lines: list


class _Loader(yaml.SafeLoader):
    """SafeLoader that records the line (1-based) of each key and list item."""

    def construct_mapping(self, node, deep=False):
        mapping = _LocatedDict(super().construct_mapping(node, deep=True))
        mapping.lines = {self.construct_object(key, deep=True): value.start_mark.line + 1
                         for key, value in node.value}
        mapping.lines["__self__"] = node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):
        items = _LocatedList(super().construct_sequence(node, deep=True))
        items.lines = [item.start_mark.line + 1 for item in node.value]
        return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)


class Field:
    """A value in a record, with the file, line and dotted field name to blame."""

    def __init__(self, path: Path, value: Any, name: str, line: int):
        self.path, self.value, self.name, self.line = path, value, name, line

    def error(self, message: str) -> CurationError:
        return CurationError(message, str(self.path), self.line, self.name or None)

    def _child_name(self, key) -> str:
        if isinstance(key, int):
            return f"{self.name}[{key + 1}]"
        return f"{self.name}.{key}" if self.name else str(key)

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def get(self, key: str, required: bool = True) -> "Field | None":
        if not isinstance(self.value, dict):
            raise self.error("must be a mapping of fields")
        if key not in self.value:
            if required and key in YAML_BOOLEAN_WORDS and any(isinstance(k, bool) for k in self.value):
                raise self.error(f"the field '{key}' is missing: write it in quotes, '{key}':, "
                                 f"since YAML reads a bare {key}: as true or false")
            if required:
                raise self.error(f"the field '{key}' is missing")
            return None
        line = getattr(self.value, "lines", {}).get(key, self.line)
        return Field(self.path, self.value[key], self._child_name(key), line)

    def items(self, key: str, required: bool = True) -> list["Field"]:
        field = self.get(key, required)
        if field is None:
            return []
        if not isinstance(field.value, list):
            raise field.error("must be a list")
        lines = getattr(field.value, "lines", [field.line] * len(field.value))
        return [Field(self.path, item, field._child_name(index), lines[index])
                for index, item in enumerate(field.value)]

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.error("must be non-empty text")
        return self.value

    def integer(self, minimum: int = 1) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < minimum:
            raise self.error(f"must be a whole number of at least {minimum}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error("must be true or false")
        return self.value

    def date(self) -> dt.date:
        if isinstance(self.value, dt.date) and not isinstance(self.value, dt.datetime):
            return self.value
        raise self.error(f"must be a date written YYYY-MM-DD, not {self.value!r}")

    def month(self) -> str:
        if isinstance(self.value, str) and MONTH.match(self.value):
            return self.value
        raise self.error(f"must be a month written YYYY-MM, not {self.value!r}")

    def choice(self, known: list[str], what: str) -> str:
        value = self.text()
        if value not in known:
            raise self.error(f"unknown {what} '{value}'; the known {what}s are: {', '.join(known)}")
        return value


def load_record(path: Path) -> Field:
    """The top-level mapping of a record file."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise CurationError(f"not valid YAML: {error.problem or error.context}", str(path), line)
    except OSError as error:
        raise CurationError(f"cannot read the record: {error.strerror}", str(path))
    record = Field(path, value, "", 1)
    if not isinstance(value, dict):
        raise record.error("a record must be a mapping of fields")
    return record
