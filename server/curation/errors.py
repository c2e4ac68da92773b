"""The one error type curation raises: it names the record file, line and field."""

from __future__ import annotations


class CurationError(Exception):
    """A record that cannot be compiled, with where and why in words a steward understands."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.path, self.line, self.field, self.reason = path, line, field, message
        where = ":".join(str(part) for part in (path, line) if part is not None)
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}" if where else f"{what}{message}")
