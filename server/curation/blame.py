"""Which entry of a record made each resource: so that a problem found later, in the
compiled graph (a SHACL violation, an earlier dated fact an update lost), can name the
record's file, line and field instead of a URI the steward never wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.term import Node

from .records import Field


@dataclass
class Blame:
    """Every URI a record's compilation minted, with the fields that minted it; and, for
    some statements, the field that gave the value (a number, a date, a status)."""

    resources: dict[URIRef, list[Field]] = field(default_factory=dict)
    statements: dict[tuple[URIRef, URIRef], Field] = field(default_factory=dict)
    root: Field | None = None  # the whole record

    def entry(self, key: str) -> Field | None:
        """A top-level field of the record (such as its `conclusion`), or the record."""
        if self.root is None:
            return None
        return self.root.get(key, required=False) or self.root

    # For a URI made from a value (a recommendation's number), the field giving it: what
    # to correct when two entries make the same URI.
    keys: dict[URIRef, Field] = field(default_factory=dict)

    def mint(self, uri: URIRef, made_by: Field, key: Field | None = None) -> None:
        fields = self.resources.setdefault(uri, [])
        if all(f.name != made_by.name for f in fields):
            fields.append(made_by)
        if key is not None:
            self.keys[uri] = key

    def state(self, uri: URIRef, predicate: URIRef, given_by: Field) -> None:
        self.statements[(uri, predicate)] = given_by

    def __contains__(self, node: Node) -> bool:
        return node in self.resources

    def field_of(self, focus: Node, path: Node | None = None) -> Field | None:
        """The field to blame for a statement about `focus` (by `path` where known)."""
        if isinstance(path, URIRef) and (focus, path) in self.statements:
            return self.statements[(focus, path)]
        fields = self.resources.get(focus)
        return fields[-1] if fields else None

    def makers(self, node: Node) -> list[Field]:
        """Every field that minted `node`: more than one when two entries made the same
        resource (two recommendations with one number, say)."""
        return list(self.resources.get(node, []))
