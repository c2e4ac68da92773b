"""Updates are dated, never destructive.

A record added for an inspection that is already in the data is an update. It may add
facts (a later action report, a later conclusion, the day a revisit was held, its
report, a later status) but must keep every dated fact the data already holds: each
status report with its status and date; each progress update
with its text, its points and when, where and by whom it was reported; each conclusion
likewise; the day a revisit was held and the date its report was published. This module
compares the inspection's graph as published with the one the new record compiles to,
and names each earlier fact that the new record drops or alters.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from ..uris import Vocabulary
from ..config import CANONICAL_BASE
from .blame import Blame
from .records import Field

INSP = Vocabulary(CANONICAL_BASE).INSP

# What must stay as it was, for each kind of dated resource.
KEPT = {
    INSP.ProgressUpdate: (INSP.text, INSP.reportedOn, INSP.reportedIn, INSP.reportedBy,
                          INSP.progressOn, INSP.position, INSP.furtherUpdateExpected),
    INSP.ActionPoint: (INSP.text, INSP.pointOf, INSP.position),
    INSP.Conclusion: (INSP.text, INSP.outcomeStatus, INSP.reportedOn, INSP.reportedIn,
                      INSP.reportedBy, INSP.conclusionOf),
    INSP.StatusReport: (INSP.inspectionStatus, INSP.plannedMonth, INSP.reportedOn,
                        INSP.reportedIn, INSP.statusOf),
    INSP.Revisit: (INSP.heldOn,),  # its status and schedule may move on; the day held may not
}
WORDS = {
    INSP.text: "its text", INSP.reportedOn: "the date it was reported", INSP.reportedIn:
    "the paper it was reported in", INSP.reportedBy: "who reported it", INSP.progressOn:
    "the recommendation it is on", INSP.position: "its place in the list",
    INSP.furtherUpdateExpected: "whether a further update is expected", INSP.pointOf:
    "the action it belongs to", INSP.outcomeStatus: "its outcome status", INSP.conclusionOf:
    "the inspection it is on", INSP.heldOn: "the day it was held", DCTERMS.issued:
    "the date it was published", INSP.inspectionStatus: "its inspection status",
    INSP.plannedMonth: "the month it was arranged for", INSP.statusOf: "the inspection it is on",
}


@dataclass
class Lost:
    """An earlier dated fact the new record drops or alters."""

    field: Field  # where in the new record to look
    message: str

    def __str__(self) -> str:
        return f"{self.field.path}:{self.field.line}: {self.field.name or 'record'}: {self.message}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"‘{text if len(text) <= limit else text[: limit - 1] + '…'}’"


def describe(graph: Graph, uri: URIRef) -> str:
    """An earlier fact in words: 'the action 1 on recommendation 2, reported on 2005-01-19
    (‘Harrow now has…’)'."""
    kinds = set(graph.objects(uri, RDF.type))
    text = graph.value(uri, INSP.text)
    day = graph.value(uri, INSP.reportedOn)
    said = f" {_short(str(text))}" if text is not None else ""
    when = f", reported on {day}" if day is not None else ""
    parts = str(uri).rsplit("/", 4)
    if INSP.ProgressUpdate in kinds:
        return f"action {parts[-1]} on recommendation {parts[-3]}{when}{said}"
    if INSP.ActionPoint in kinds:
        update = graph.value(uri, INSP.pointOf)
        return f"point {parts[-1]} of {describe(graph, update) if update else 'an action'}"
    if INSP.Conclusion in kinds:
        number = parts[-1] if parts[-1].isdigit() else "1"
        return f"conclusion {number}{when}{said}"
    if INSP.StatusReport in kinds:
        status = graph.value(uri, INSP.inspectionStatus)
        said = f" ({str(status).rsplit('/', 1)[1]})" if status is not None else ""
        return f"status reported on {parts[-1]}{said}"
    if INSP.Revisit in kinds:
        return f"revisit {parts[-1]}"
    if INSP.Report in kinds:
        activity = graph.value(uri, PROV.wasGeneratedBy)
        return f"the report of {describe(graph, activity) if activity else 'a revisit'}"
    return str(uri)


def lost_facts(old: Graph, new: Graph, new_blame: Blame, old_blame: Blame | None = None,
               old_name: str | None = None) -> list[Lost]:
    """Every earlier dated fact in `old` that `new` drops or alters, blamed on the new
    record's nearest entry, and saying where the earlier record had it."""
    lost: list[Lost] = []

    def where_before(uri: URIRef) -> str:
        field = old_blame.field_of(uri) if old_blame is not None else None
        if field is not None:
            return f" (the earlier record has it at {old_name or field.path}:{field.line}: {field.name})"
        return ""

    def blame_for(uri: URIRef) -> Field:
        """The new record's entry for `uri`, or for what it belongs to."""
        seen = set()
        node: URIRef | None = uri
        while node is not None and node not in seen:
            seen.add(node)
            field = new_blame.field_of(node)
            if field is not None:
                return field
            node = next((old.value(node, p) for p in (INSP.pointOf, INSP.progressOn,
                                                       PROV.wasGeneratedBy)
                         if old.value(node, p) is not None), None)
        kinds = set(old.objects(uri, RDF.type))
        if INSP.Conclusion in kinds:
            return new_blame.entry("conclusion")
        if INSP.StatusReport in kinds:
            about = new_blame.entry("inspection")
            return about.get("status", required=False) or about if about is not None else None
        if kinds & {INSP.ProgressUpdate, INSP.ActionPoint}:
            return new_blame.entry("recommendations")
        return new_blame.entry("inspection")

    for kind, kept in KEPT.items():
        for uri in sorted(set(old.subjects(RDF.type, kind))):
            if (uri, None, None) not in new:
                lost.append(Lost(blame_for(uri), (
                    f"this update drops the earlier {describe(old, uri)}{where_before(uri)}. "
                    "Updates are dated, never destructive: keep every earlier entry as it was, "
                    "in its place, and add the new one after it")))
                continue
            changed = [WORDS.get(p, str(p)) for p in kept
                       if set(old.objects(uri, p)) and set(old.objects(uri, p)) != set(new.objects(uri, p))]
            changed += [WORDS.get(p, str(p)) for p in kept
                        if not set(old.objects(uri, p)) and set(new.objects(uri, p))
                        and kind != INSP.Revisit]
            if changed:
                lost.append(Lost(blame_for(uri), (
                    f"this changes {', '.join(changed)} of the earlier {describe(old, uri)}"
                    f"{where_before(uri)}. Updates are dated, never destructive: keep it as it "
                    "was and add the new report as a further entry, with its own 'reported'")))
    # A revisit's published report stays, with its date.
    for report in sorted(set(old.subjects(RDF.type, INSP.Report))):
        activity = old.value(report, PROV.wasGeneratedBy)
        if activity is None or INSP.Revisit not in set(old.objects(activity, RDF.type)):
            continue
        before, after = old.value(report, DCTERMS.issued), new.value(report, DCTERMS.issued)
        if after != before:
            what = "drops" if after is None else f"changes the publication date ({before} → {after}) of"
            lost.append(Lost(blame_for(report), (
                f"this update {what} {describe(old, report)}, published on {before}"
                f"{where_before(report)}. Updates are dated, never destructive: keep it")))
    return lost
