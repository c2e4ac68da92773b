"""What every record is compiled against: the vocabulary, the sources, and the known names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..uris import Vocabulary
from .errors import CurationError
from .passages import SourceText
from .records import Field


@dataclass
class Context:
    vocab: Vocabulary
    sources_dir: Path
    model: Graph  # the ontology and concept schemes
    bocus: dict[str, str] = field(default_factory=dict)  # slug -> borough name
    # Source texts not yet in sources_dir (a steward's new file, before it is copied there).
    extra_sources: dict[str, Path] = field(default_factory=dict)
    # Sources a paper or reference record describes; an inspection record describes any
    # other source it quotes in its own file.
    described: set[str] = field(default_factory=set)
    _sources: dict[str, SourceText] = field(default_factory=dict)

    def source(self, slug_field: Field) -> SourceText:
        slug = slug_field.text()
        if slug not in self._sources:
            matches = ([self.extra_sources[slug]] if slug in self.extra_sources
                       else sorted(self.sources_dir.glob(f"{slug}.*")))
            if not matches:
                known = sorted({p.stem for p in self.sources_dir.iterdir() if p.is_file()}
                               | set(self.extra_sources))
                raise slug_field.error(
                    f"no source text named '{slug}' in data/sources; the known sources are: "
                    f"{', '.join(known)}")
            self._sources[slug] = SourceText(matches[0], slug, self.vocab)
        return self._sources[slug]

    def concepts(self, scheme: URIRef) -> dict[str, URIRef]:
        """notation -> concept for every concept in a scheme."""
        return {str(notation): concept
                for concept in self.model.subjects(SKOS.inScheme, scheme)
                for notation in self.model.objects(concept, SKOS.notation)}

    def concept(self, value: Field, scheme: URIRef, what: str) -> URIRef:
        known = self.concepts(scheme)
        return known[value.choice(sorted(known), what)]

    def bocu(self, value: Field) -> URIRef:
        slug = value.choice(sorted(self.bocus), "BOCU")
        return self.vocab.id("bocu", slug)

    def bocu_name(self, bocu: URIRef) -> str:
        return self.bocus[str(bocu).rsplit("/", 1)[1]]

    def ref(self, value: Field) -> URIRef:
        """An id path such as 'organisation/hmic', relative to {base}/id/."""
        path = value.text()
        if path.startswith(("http:", "https:", "/")) or " " in path:
            raise value.error(f"must be an id path such as 'organisation/hmic', not {path!r}")
        return self.vocab.id(*path.split("/"))


def add_label(graph: Graph, subject: URIRef, label: str) -> None:
    graph.add((subject, RDFS.label, Literal(label, lang="en")))


def add_types(graph: Graph, subject: URIRef, *classes: URIRef) -> None:
    for cls in classes:
        graph.add((subject, RDF.type, cls))


def ensure(condition: bool, value: Field, message: str) -> None:
    if not condition:
        raise value.error(message)


__all__ = ["Context", "CurationError", "add_label", "add_types", "ensure"]
