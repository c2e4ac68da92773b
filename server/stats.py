"""Counts that describe the dataset: instances per class, and what each BOCU has."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .config import load_settings
from .queries import rebase_query


def internal_query(name: str) -> str:
    """The text of server/sparql/NAME.rq, moved to the configured base like the data."""
    text = resources.files("server").joinpath("sparql", f"{name}.rq").read_text(encoding="utf-8")
    return rebase_query(text, load_settings().base)


def label(node: Node, *graphs: Graph) -> str | None:
    """An English (or untagged) skos:prefLabel or rdfs:label, from the first graph that has one."""
    from .precomputed import LABEL_PREDICATES, choose_label

    for graph in graphs:
        found = choose_label([(p, o) for p in LABEL_PREDICATES[:2] for o in graph.objects(node, p)])
        if found is not None:
            return found
    return None


def _int(term: Node | None) -> int:
    return int(term.toPython()) if isinstance(term, Literal) else 0


@dataclass(frozen=True)
class ClassCount:
    cls: URIRef
    label: str | None
    instances: int


@dataclass(frozen=True)
class BocuCount:
    bocu: URIRef
    label: str | None
    inspections: int
    recommendations: int
    progress_updates: int
    good_practice: int
    revisits: int


def class_counts(data: Graph, model: Graph) -> list[ClassCount]:
    """Instances per class in `data`, named by the class labels in `model`."""
    rows = data.query(internal_query("class-counts"))
    return [ClassCount(row[0], label(row[0], model, data), _int(row[1])) for row in rows]


def bocu_counts(data: Graph, model: Graph) -> list[BocuCount]:
    rows = data.query(internal_query("bocu-counts"))
    counts = [BocuCount(row[0], label(row[0], data, model), *(_int(v) for v in row[1:])) for row in rows]
    return sorted(counts, key=lambda c: ((c.label or str(c.bocu)).lower(), str(c.bocu)))


def render_class_counts(counts: list[ClassCount], shorten) -> str:
    if not counts:
        return "  (no typed resources)\n"
    width = max(len(str(c.instances)) for c in counts)
    lines = [f"  {c.instances:>{width}}  {c.label or shorten(str(c.cls))}"
             + (f"  ({shorten(str(c.cls))})" if c.label else "") for c in counts]
    return "\n".join(lines) + "\n"


BOCU_COLUMNS = ("inspections", "recommendations", "progress_updates", "good_practice", "revisits")
BOCU_HEADINGS = ("inspections", "recommendations", "progress updates", "good practice", "revisits")


def render_bocu_counts(counts: list[BocuCount], shorten) -> str:
    if not counts:
        return "  (no inspected BOCUs)\n"
    names = [c.label or shorten(str(c.bocu)) for c in counts]
    first = max(len("BOCU"), *(len(n) for n in names))
    header = "  " + "BOCU".ljust(first) + "".join(f"  {h:>{len(h)}}" for h in BOCU_HEADINGS)
    lines = [header]
    for name, count in zip(names, counts):
        lines.append("  " + name.ljust(first) + "".join(
            f"  {getattr(count, col):>{len(h)}}" for col, h in zip(BOCU_COLUMNS, BOCU_HEADINGS)))
    totals = ["  " + "total".ljust(first) + "".join(
        f"  {sum(getattr(c, col) for c in counts):>{len(h)}}" for col, h in zip(BOCU_COLUMNS, BOCU_HEADINGS))]
    return "\n".join(lines + totals) + "\n"
