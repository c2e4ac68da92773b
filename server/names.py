"""Writing IRIs short for people to read: prefixed names where a known prefix fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node


@dataclass
class Shortener:
    """Writes IRIs as prefixed names where a known prefix fits, as <iri> where none does.

    rdflib's own n3(namespace_manager) would invent ns1: prefixes for unknown namespaces,
    which tell a reader nothing, so only the prefixes the files declare are used."""

    namespaces: list[tuple[str, str]]

    @classmethod
    def of(cls, *graphs: Graph, extra: Iterable[tuple[str, str]] = ()) -> "Shortener":
        pairs = list(extra)
        for graph in graphs:
            pairs.extend((p, str(n)) for p, n in graph.namespaces())
        return cls.from_pairs(pairs)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> "Shortener":
        seen: dict[str, str] = {}
        for prefix, namespace in pairs:
            if prefix and prefix not in seen and namespace not in seen.values():
                seen[prefix] = namespace
        # Longest namespace first, so that the most specific prefix wins.
        return cls(sorted(seen.items(), key=lambda pn: (-len(pn[1]), pn[0])))

    def iri(self, iri: str) -> str:
        for prefix, namespace in self.namespaces:
            if iri.startswith(namespace):
                local = iri[len(namespace):]
                if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return f"<{iri}>"

    def term(self, term: Node | None) -> str:
        if term is None:
            return ""
        if isinstance(term, URIRef):
            return self.iri(str(term))
        if isinstance(term, Literal):
            if term.datatype is not None:
                return f"{Literal(str(term)).n3()}^^{self.iri(str(term.datatype))}"
            return term.n3()
        return f"_:{term}"
