"""What each HTML page shows, read from the store with the queries in server/sparql/pages/.

Every value a request brings is bound as an rdflib term (the store writes it as a VALUES
block); nothing is pasted into query text. Rows come back as namespaces of plain Python
values (IRIs stay URIRefs, so templates can link them). Each builder also records the
resources its page shows, so the page can embed exactly their triples as JSON-LD.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from .names import Shortener
from .queries import rebase_query, with_value_rows
from .source_marks import Span, anchor_id, segments
from .uris import PREFIXES, Vocabulary, bind_prefixes

QUERY_DIR = Path(__file__).resolve().parent / "sparql" / "pages"

# An IRI that can be written as <...> in SPARQL and Turtle: what every bound IRI must be.
SAFE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]*$')
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

INTEGER_TYPES = {XSD.integer, XSD.positiveInteger, XSD.nonNegativeInteger, XSD.int,
                 XSD.long, XSD.short, XSD.negativeInteger, XSD.nonPositiveInteger}


@lru_cache(maxsize=None)
def query_text(name: str, base: str) -> str:
    """server/sparql/pages/NAME.rq, its IRIs moved to the served base like the data."""
    return rebase_query((QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8"), base)


def plain(term: Node | None) -> Any:
    """A term as a template uses it: IRIs stay URIRefs; numbers, booleans and dates become
    Python values; other literals their text; gYearMonth stays 'YYYY-MM'."""
    if term is None or isinstance(term, URIRef):
        return term
    if isinstance(term, Literal):
        if term.datatype in INTEGER_TYPES:
            try:
                return int(str(term))
            except ValueError:
                return str(term)
        if term.datatype == XSD.boolean:
            return str(term).strip() in ("true", "1")
        if term.datatype == XSD.date:
            try:
                return dt.date.fromisoformat(str(term))
            except ValueError:
                return str(term)
        return str(term)
    return str(term)


def is_safe_iri(value) -> bool:
    return isinstance(value, str) and bool(SAFE_IRI.match(str(value)))


def grouped(rows: Iterable, key: Callable) -> dict:
    """Rows grouped by key, keys in first-seen order."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def first(values: Iterable, default=None):
    return next(iter(values), default)


def distinct(values: Iterable) -> list:
    return [v for v in dict.fromkeys(v for v in values if v is not None)]


@dataclass
class Passage:
    uri: URIRef
    source: URIRef
    start: int
    end: int
    exact: str | None
    uses: list[SimpleNamespace] = field(default_factory=list)  # resource, label, erratum

    @property
    def anchor(self) -> str:
        return anchor_id(self.start, self.end)


@dataclass
class TermView:
    """One RDF term as a table cell shows it."""
    kind: str                 # "iri", "literal" or "blank"
    text: str                 # the label, lexical form, or short IRI
    iri: str | None = None
    href: str | None = None   # a local path or an external http(s) IRI
    short: str | None = None  # the IRI written short, shown beside a label
    datatype: str | None = None
    language: str | None = None


class PageData:
    """The queries and groupings behind the pages, over one service's store."""

    def __init__(self, service, cache: dict):
        self.service = service
        self.vocab: Vocabulary = service.vocab
        self.store = service.store
        self.facts = service.facts
        self.cache = cache
        self.shown: list[Node] = []

    # --- running queries -----------------------------------------------------------------

    def raw(self, name: str, **bindings: Node | None):
        bound = {k: v for k, v in bindings.items() if v is not None}
        for value in bound.values():
            if isinstance(value, URIRef) and not is_safe_iri(value):
                raise ValueError(f"not an IRI that can be bound: {value!r}")
        return self.store.select(query_text(name, self.vocab.base), bound)

    def rows(self, name: str, **bindings: Node | None) -> list[SimpleNamespace]:
        result = self.raw(name, **bindings)
        return [SimpleNamespace(**{v: plain(t) for v, t in zip(result.variables, row)})
                for row in result.rows]

    def ask(self, name: str, **bindings: Node | None) -> bool:
        bound = {k: v for k, v in bindings.items() if v is not None}
        return self.store.ask(query_text(name, self.vocab.base), bound)

    def show(self, *nodes) -> None:
        """Record resources the page shows, for its JSON-LD."""
        for node in nodes:
            if isinstance(node, (URIRef, BNode)):
                self.shown.append(node)

    def _cached(self, key: str, build: Callable):
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    # --- things many pages need ----------------------------------------------------------

    def types(self, uri: URIRef) -> set[URIRef]:
        return {row.type for row in self.rows("resource-types", resource=uri)}

    def exists(self, uri: URIRef) -> bool:
        return self.ask("resource-exists", resource=uri)

    def label(self, node: Node) -> str | None:
        """An English or untagged skos:prefLabel, rdfs:label or dcterms:title: a look-up in
        the labels known without a query (server/precomputed.py)."""
        return self.facts.label(node, (SKOS.prefLabel, RDFS.label, DCTERMS_TITLE))

    def values(self, node: Node, predicate: URIRef) -> list[Node]:
        """The values of one property of a resource, in a fixed order."""
        result = self.store.select("SELECT ?value WHERE { ?resource ?property ?value }",
                                   {"resource": node, "property": predicate})
        return sorted((row[0] for row in result.rows), key=lambda t: (type(t).__name__, t.n3()))

    def shortener(self) -> Shortener:
        def build():
            pairs = [(p, str(n)) for p, n in PREFIXES.items()]
            pairs += [("insp", str(self.vocab.INSP)), ("theme", str(self.vocab.THEME)),
                      ("outcome", str(self.vocab.OUTCOME)), ("revisit", str(self.vocab.REVISIT)),
                      ("istatus", str(self.vocab.ISTATUS)),
                      ("gss", "http://statistics.data.gov.uk/id/statistical-geography/")]
            return Shortener.from_pairs(pairs)
        return self._cached("shortener", build)

    def term_view(self, term: Node | None, link: str = "doc") -> TermView | None:
        """A term for a table: IRIs with a label where the dataset has one, linked to their
        local page (`link`="doc") or /id/ path (`link`="id"); literals with their type."""
        if term is None:
            return None
        if isinstance(term, URIRef):
            local = self.vocab.path_of(term)
            if local is not None:
                href = self.vocab.document_path(term) if link == "doc" else local
            else:
                href = str(term) if str(term).startswith(("http://", "https://")) else None
            short = self.shortener().iri(str(term))
            label = self.label(term)
            return TermView("iri", label or short, str(term), href, short if label else None)
        if isinstance(term, Literal):
            datatype = self.shortener().iri(str(term.datatype)) if term.datatype else None
            return TermView("literal", str(term), datatype=datatype, language=term.language)
        return TermView("blank", f"_:{term}")

    def themes(self) -> dict[URIRef, SimpleNamespace]:
        """The theme scheme's concepts, each with its labels, definition and a short label."""
        def build():
            themes: dict[URIRef, SimpleNamespace] = {}
            for uri, rows in grouped(self.rows("concepts", scheme=self.vocab.theme_scheme),
                                     lambda r: r.concept).items():
                row = rows[0]
                alts = distinct(r.altLabel for r in rows)
                shortest = min(alts, key=len) if alts else None
                themes[uri] = SimpleNamespace(
                    uri=uri, label=row.label, notation=row.notation, alt_labels=alts,
                    short=shortest if shortest and len(shortest) < len(row.label) else row.label,
                    definition=row.definition, scope_note=row.scopeNote)
            return themes
        return self._cached("themes", build)

    def theme_by_notation(self, notation: str) -> SimpleNamespace | None:
        return next((t for t in self.themes().values() if t.notation == notation), None)

    def passages(self, source: URIRef | None = None, passage: URIRef | None = None) -> dict[URIRef, Passage]:
        """The source passages of one source text (or the one passage named), each with
        the resources made from it. (Every passage of a large dataset is too many to read
        for one page.)"""
        def build():
            found: dict[URIRef, Passage] = {}
            for row in self.rows("passages", source=source, passage=passage):
                entry = found.get(row.passage)
                if entry is None:
                    entry = found[row.passage] = Passage(
                        row.passage, row.source, int(row.start), int(row.end), row.exact)
                if row.resource is not None and all(u.resource != row.resource for u in entry.uses):
                    entry.uses.append(SimpleNamespace(
                        resource=row.resource, label=row.resourceLabel, erratum=bool(row.erratum)))
            return found
        if source is None and passage is None:
            return self._cached("passages", build)
        return build()

    def passages_of(self, resource: URIRef) -> list[Passage]:
        """The passages a resource was made from, in the order they are printed."""
        known = getattr(self, "_passages_of", {})
        if resource in known:
            return known[resource]
        return self._read_passages(self.rows("resource-passages", resource=resource)).get(resource, [])

    def prefetch_passages(self, *resources) -> None:
        """Read the passages of many resources in one query, for passages_of."""
        wanted = [r for r in dict.fromkeys(resources) if isinstance(r, URIRef) and is_safe_iri(r)]
        known = self.__dict__.setdefault("_passages_of", {})
        wanted = [r for r in wanted if r not in known]
        for start in range(0, len(wanted), 200):
            chunk = wanted[start:start + 200]
            result = self.store.select(with_value_rows(query_text("resource-passages", self.vocab.base),
                                                       "resource", chunk))
            rows = [SimpleNamespace(**{v: plain(t) for v, t in zip(result.variables, row)})
                    for row in result.rows]
            found = self._read_passages(rows)
            for resource in chunk:
                known[resource] = found.get(resource, [])

    @staticmethod
    def _read_passages(rows) -> dict[URIRef, list[Passage]]:
        by_resource: dict[URIRef, dict[URIRef, Passage]] = {}
        for row in rows:
            found = by_resource.setdefault(row.resource, {})
            if row.passage not in found:
                found[row.passage] = Passage(row.passage, row.source, int(row.start), int(row.end),
                                             row.exact)
        return {r: sorted(found.values(), key=lambda p: (p.start, p.end))
                for r, found in by_resource.items()}

    def errata(self) -> list[SimpleNamespace]:
        return self._cached("errata", lambda: self.rows("errata"))

    def errata_of(self, *resources: URIRef) -> list[SimpleNamespace]:
        wanted = set(resources)
        found = [e for e in self.errata() if e.concerns in wanted]
        self.show(*(e.erratum for e in found))
        return found

    # --- the committee paper and the programme -------------------------------------------

    def papers(self) -> list[SimpleNamespace]:
        """Committee papers, newest first, one row each."""
        def build():
            papers = []
            for uri, rows in grouped(self.rows("committee-paper"), lambda r: r.paper).items():
                papers.append(self._paper_of(rows))
            papers.sort(key=lambda p: (p.date or dt.date.min), reverse=True)
            return papers
        return self._cached("papers", build)

    def _paper_of(self, rows: list[SimpleNamespace]) -> SimpleNamespace:
        row = rows[0]
        return SimpleNamespace(
            uri=row.paper, label=row.label, title=row.title or row.label, date=row.date,
            report_number=row.reportNumber,
            committee=row.committee, committee_label=row.committeeLabel,
            creator=row.creator, creator_label=row.creatorLabel,
            contributors=distinct((r.contributor, r.contributorLabel) for r in rows if r.contributor),
            publisher=row.publisher, publisher_label=row.publisherLabel,
            authoring_unit=row.authoringUnit, authoring_unit_label=row.authoringUnitLabel,
            source_text=row.sourceText)

    def latest_paper(self) -> SimpleNamespace | None:
        return first(self.papers())

    def year_uri(self, notation: str) -> URIRef:
        return self.vocab.id("programme-year", notation)

    # --- inspections ---------------------------------------------------------------------

    def inspection_detail(self, inspection: SimpleNamespace) -> SimpleNamespace:
        """Everything the paper says about one inspection, grouped for the page."""
        uri = inspection.inspection
        visits = self.rows("visits", inspection=uri)
        reports = self.rows("reports", inspection=uri)
        recommendations = self.rows("recommendations", inspection=uri)
        themes = grouped(self.rows("recommendation-themes", inspection=uri), lambda r: r.recommendation)
        updates = self.progress_updates(inspection=uri)
        practice = self.rows("good-practice", inspection=uri)
        conclusions = self.rows("conclusions", inspection=uri)
        revisits = self.rows("revisits", inspection=uri)
        counts = first(self.inspection_counts(inspection=uri))
        self.prefetch_passages(uri, *(r.recommendation for r in recommendations),
                               *(p.practice for p in practice), *(c.conclusion for c in conclusions))
        for rec in recommendations:
            rec.themes = themes.get(rec.recommendation, [])
            rec.updates = updates.get(rec.recommendation, [])
            rec.passage = first(self.passages_of(rec.recommendation))
            rec.errata = self.errata_of(rec.recommendation, *(u.uri for u in rec.updates))
        for item in practice:
            item.passage = first(self.passages_of(item.practice))
            item.errata = self.errata_of(item.practice)
        for conclusion in conclusions:
            conclusion.passage = first(self.passages_of(conclusion.conclusion))
            conclusion.errata = self.errata_of(conclusion.conclusion)
        self.show(uri, *(v.visit for v in visits), *(r.report for r in reports),
                  *(r.recommendation for r in recommendations),
                  *(a.assignment for rows in themes.values() for a in rows),
                  *(u.uri for rows in updates.values() for u in rows),
                  *(p.uri for rows in updates.values() for u in rows for p in u.points),
                  *(p.practice for p in practice), *(c.conclusion for c in conclusions),
                  *(r.revisit for r in revisits))
        listed = len(practice)
        stated = inspection.statedGoodPracticeCount
        return SimpleNamespace(
            **vars(inspection), visits=visits, reports=reports,
            inspection_report=first(r for r in reports if r.kind == "inspection"),
            recommendations=recommendations, good_practice=practice,
            good_practice_listed=listed, good_practice_stated=stated,
            all_potential=bool(practice) and all(p.potential for p in practice),
            some_potential=any(p.potential for p in practice),
            conclusion=first(conclusions), revisits=revisits, counts=counts,
            passage=first(self.passages_of(uri)))

    COUNTED = ("recommendations", "progressUpdates", "goodPractice", "potentialGoodPractice", "revisits")

    def inspection_counts(self, **bindings) -> list[SimpleNamespace]:
        """What each inspection has (inspection-counts.rq), a count of none as None, as the
        pages have always read it."""
        rows = self.rows("inspection-counts", **bindings)
        for row in rows:
            for name in self.COUNTED:
                if getattr(row, name) == 0:
                    setattr(row, name, None)
        return rows

    def progress_updates(self, **bindings) -> dict[URIRef, list[SimpleNamespace]]:
        """Progress updates per recommendation, each with its points, in printed order."""
        by_recommendation: dict[URIRef, list[SimpleNamespace]] = {}
        found = self.rows("progress-updates", **bindings)
        self.prefetch_passages(*(r.progressUpdate for r in found), *(r.point for r in found))
        for uri, rows in grouped(found, lambda r: r.progressUpdate).items():
            row = rows[0]
            points = [SimpleNamespace(uri=r.point, position=r.pointPosition, text=r.pointText,
                                      passage=first(self.passages_of(r.point)))
                      for r in rows if r.point is not None]
            by_recommendation.setdefault(row.recommendation, []).append(SimpleNamespace(
                uri=uri, recommendation=row.recommendation, inspection=row.inspection,
                position=row.position, text=row.text, reported_on=row.reportedOn,
                further_update_expected=row.furtherUpdateExpected,
                reporter=row.reporter, reporter_label=row.reporterLabel, points=points,
                passage=first(self.passages_of(uri))))
        for updates in by_recommendation.values():
            updates.sort(key=lambda u: u.position or 0)
        return by_recommendation

    def status_reports(self, **bindings) -> dict[URIRef, list[SimpleNamespace]]:
        """Every status report on the inspections bound (?inspection or ?bocu), oldest
        first for each inspection, with the paper it was reported in and its passage."""
        found = self.rows("status-reports", **bindings)
        self.prefetch_passages(*(r.statusReport for r in found))
        by_inspection: dict[URIRef, list[SimpleNamespace]] = {}
        for row in found:
            reports = by_inspection.setdefault(row.inspection, [])
            if any(r.uri == row.statusReport for r in reports):
                continue
            reports.append(SimpleNamespace(
                uri=row.statusReport, inspection=row.inspection, status=row.status,
                status_label=row.statusLabel, status_notation=row.statusNotation,
                planned_month=row.plannedMonth, reported_on=row.reportedOn,
                paper=row.paper, paper_label=row.paperLabel, paper_number=row.paperNumber,
                committee_label=row.committeeLabel,
                passage=first(self.passages_of(row.statusReport))))
        return by_inspection

    def _with_status_reports(self, inspections: list[SimpleNamespace],
                             reports: dict[URIRef, list[SimpleNamespace]]) -> None:
        """Each inspection's status reports, oldest first, and the latest of them."""
        for inspection in inspections:
            inspection.status_reports = reports.get(inspection.inspection, [])
            inspection.latest_report = (inspection.status_reports[-1]
                                        if inspection.status_reports else None)

    # --- the pages -----------------------------------------------------------------------

    def home(self, year_notation: str) -> SimpleNamespace | None:
        year = self.year_uri(year_notation)
        inspections = [i for i in self.rows("inspections", year=year) if i.statusNotation == "inspected"]
        if not inspections:
            return None
        paper = self.latest_paper()
        themes = self.themes()
        counts_by = {c.inspection: c for c in self.inspection_counts(year=year)}
        matrix = {(r.bocu, r.theme): r.recommendations for r in self.rows("theme-matrix", year=year)}
        findings = [f for f in self.rows("findings") if f.theme is not None]
        stated = {f.theme: f for f in findings if f.statedCount is not None}
        units = len(inspections)
        columns = []
        for uri, theme in themes.items():
            per_unit = [matrix.get((i.bocu, uri), 0) for i in inspections]
            with_any = sum(1 for n in per_unit if n)
            if not with_any:
                continue
            claim = stated.get(uri)
            columns.append(SimpleNamespace(
                theme=theme, units=with_any, of=units, recommendations=sum(per_unit),
                stated=claim, agrees=(claim is None or
                                      (claim.statedCount == with_any and claim.statedOutOf == units))))
        columns.sort(key=lambda c: (-c.units, -c.recommendations, c.theme.label))
        rows = []
        for inspection in inspections:
            cells = [SimpleNamespace(theme=c.theme, count=matrix.get((inspection.bocu, c.theme.uri), 0))
                     for c in columns]
            rows.append(SimpleNamespace(inspection=inspection, cells=cells,
                                        counts=counts_by.get(inspection.inspection)))
        totals = SimpleNamespace(
            inspections=units,
            recommendations=sum((c.recommendations or 0) for c in counts_by.values()),
            progress_updates=sum((c.progressUpdates or 0) for c in counts_by.values()),
            good_practice=sum((c.goodPractice or 0) for c in counts_by.values()),
            potential_good_practice=sum((c.potentialGoodPractice or 0) for c in counts_by.values()),
            good_practice_acknowledged=sum(max(c.goodPractice or 0, c.statedGoodPracticeCount or 0)
                                           for c in counts_by.values()),
            revisits=sum((c.revisits or 0) for c in counts_by.values()))
        revisits = self.rows("revisits", year=year)
        reported = [r for r in revisits if r.statusNotation == "report-published"]
        outstanding = [r for r in revisits if r.statusNotation != "report-published"]
        recommendations = {r.recommendation: r for r in self.rows("recommendations", year=year)}
        expected = [recommendations[rec] for rec, updates in self.progress_updates().items()
                    if rec in recommendations and any(u.further_update_expected for u in updates)]
        timetable = self.timetable(year=year)
        theme_findings = grouped(findings, lambda f: f.theme)
        common = [SimpleNamespace(theme=themes[t], findings=fs, stated=stated.get(t),
                                  column=next((c for c in columns if c.theme.uri == t), None))
                  for t, fs in theme_findings.items() if t in themes]
        self.show(year, *(i.inspection for i in inspections), *(i.bocu for i in inspections),
                  *(r.revisit for r in revisits), *(f.finding for f in findings))
        return SimpleNamespace(
            year=year, year_notation=year_notation, year_label=inspections[0].yearLabel,
            paper=paper, columns=columns, rows=rows, totals=totals, units=units,
            reported=reported, outstanding=outstanding, expected=expected,
            timetable=timetable, common=common,
            upcoming=[i for i in self.rows("inspections") if i.statusNotation == "arranged"])

    def timetable(self, **bindings) -> list[SimpleNamespace]:
        entries = []
        for uri, rows in grouped(self.rows("timetable", **bindings), lambda r: r.entry).items():
            row = rows[0]
            entries.append(SimpleNamespace(
                uri=uri, paper=row.paper, position=row.position, text=row.text, year=row.year,
                year_label=row.yearLabel, year_notation=row.yearNotation,
                revisits_conclude_by=row.revisitsConcludeBy,
                further_paper_not_before=row.furtherPaperNotBefore,
                revisit_reports_not_before=row.revisitReportsNotBefore,
                units=[SimpleNamespace(uri=r.unit, label=r.unitLabel, slug=r.unitSlug)
                       for r in rows if r.unit is not None],
                passage=first(self.passages_of(uri))))
            self.show(uri)
        return entries

    def bocu(self, uri: URIRef) -> SimpleNamespace | None:
        rows = self.rows("bocu", bocu=uri)
        if not rows:
            return None
        row = rows[0]
        inspections = self.rows("inspections", bocu=uri)
        timetables = {e.year: e for e in self.timetable()}
        for inspection in inspections:
            inspection.timetable = timetables.get(inspection.year)
        self._with_status_reports(inspections, self.status_reports(bocu=uri))
        self.show(*(i.latest_report.uri for i in inspections if i.latest_report))
        details = [self.inspection_detail(i) for i in inspections if i.statusNotation == "inspected"]
        not_yet = [i for i in inspections if i.statusNotation != "inspected"]
        findings = self.rows("unit-findings", unit=uri)
        self.show(uri, row.borough, *(i.inspection for i in inspections), *(f.finding for f in findings))
        return SimpleNamespace(
            uri=uri, label=row.label, alt_labels=distinct(r.altLabel for r in rows), slug=row.slug,
            borough=row.borough, borough_label=row.boroughLabel, gss_code=row.gssCode,
            force=row.force, force_label=row.forceLabel, inspections=inspections,
            details=details, not_yet=not_yet, findings=findings, paper=self.latest_paper())

    def inspection(self, uri: URIRef) -> SimpleNamespace | None:
        row = first(self.rows("inspections", inspection=uri))
        if row is None:
            return None
        timetables = {e.year: e for e in self.timetable(year=row.year)}
        row.timetable = timetables.get(row.year)
        self._with_status_reports([row], self.status_reports(inspection=uri))
        self.show(*(r.uri for r in row.status_reports))
        detail = self.inspection_detail(row) if row.statusNotation == "inspected" else None
        self.show(uri)
        return SimpleNamespace(inspection=row, detail=detail, paper=self.latest_paper())

    def recommendation(self, uri: URIRef) -> SimpleNamespace | None:
        row = first(self.rows("recommendations", recommendation=uri))
        if row is None:
            return None
        themes = self.rows("recommendation-themes", recommendation=uri)
        updates = self.progress_updates(recommendation=uri).get(uri, [])
        siblings = self.rows("recommendations", inspection=row.inspection)
        numbers = [s.number for s in siblings]
        at = numbers.index(row.number) if row.number in numbers else -1
        conclusion = first(self.rows("conclusions", inspection=row.inspection))
        self.show(uri, *(t.assignment for t in themes), *(u.uri for u in updates),
                  *(p.uri for u in updates for p in u.points))
        return SimpleNamespace(
            recommendation=row, themes=themes, updates=updates,
            passages=self.passages_of(uri),
            assignment_passages={t.assignment: self.passages_of(t.assignment) for t in themes},
            errata=self.errata_of(uri, *(u.uri for u in updates)),
            previous=siblings[at - 1] if at > 0 else None,
            next=siblings[at + 1] if 0 <= at < len(siblings) - 1 else None,
            siblings=len(siblings), conclusion=conclusion,
            paper=self.latest_paper())

    def theme(self, uri: URIRef, bocu: URIRef | None = None) -> SimpleNamespace | None:
        theme = self.themes().get(uri)
        if theme is None:
            return None
        everywhere = self.rows("theme-recommendations", theme=uri)
        shown = [r for r in everywhere if bocu is None or r.bocu == bocu]
        for rec in shown:
            rec.passage = first(self.passages_of(rec.recommendation))
        findings = self.rows("theme-findings", theme=uri)
        for finding in findings:
            finding.passage = first(self.passages_of(finding.finding))
            finding.errata = self.errata_of(finding.finding)
        by_year = []
        for year, rows in grouped(everywhere, lambda r: r.yearNotation).items():
            inspected = [i for i in self.rows("inspections", year=self.year_uri(year))
                         if i.statusNotation == "inspected"]
            by_year.append(SimpleNamespace(year=year, units=len({r.bocu for r in rows}),
                                           of=len(inspected), recommendations=len(rows)))
        self.show(uri, *(r.recommendation for r in shown), *(f.finding for f in findings))
        return SimpleNamespace(theme=theme, scheme=self.vocab.theme_scheme,
                               scheme_label=self.label(self.vocab.theme_scheme),
                               recommendations=shown, total=len(everywhere),
                               findings=findings, by_year=by_year, paper=self.latest_paper())

    def programme_year(self, uri: URIRef) -> SimpleNamespace | None:
        row = first(self.rows("programme-years", year=uri))
        if row is None:
            return None
        inspections = self.rows("inspections", year=uri)
        counts = {c.inspection: c for c in self.inspection_counts(year=uri)}
        for inspection in inspections:
            inspection.counts = counts.get(inspection.inspection)
        by_status = grouped(inspections, lambda i: i.statusNotation)
        revisits = {r.inspection: r for r in self.rows("revisits", year=uri)}
        for inspection in inspections:
            inspection.revisit = revisits.get(inspection.inspection)
        timetable = self.timetable(year=uri)
        self.show(uri, row.programme, *(i.inspection for i in inspections),
                  *(r.revisit for r in revisits.values()))
        return SimpleNamespace(
            year=row, inspected=by_status.get("inspected", []),
            arranged=sorted(by_status.get("arranged", []), key=lambda i: (i.plannedMonth or "", i.bocuLabel)),
            planned=by_status.get("planned", []), timetable=timetable,
            years=self.rows("programme-years"), paper=self.latest_paper(),
            has_recommendations=any((c.recommendations or 0) for c in counts.values()))

    def committee_paper(self, uri: URIRef) -> SimpleNamespace | None:
        rows = self.rows("committee-paper", paper=uri)
        if not rows:
            return None
        paper = self._paper_of(rows)
        recommendations = self.rows("committee-recommendations", paper=uri)
        findings = self.rows("findings", paper=uri)
        for finding in findings:
            finding.passage = first(self.passages_of(finding.finding))
            finding.errata = self.errata_of(finding.finding)
        contacts = self.rows("contact-points", paper=uri)
        contacts = list({c.contact: c for c in contacts}.values())
        timetable = self.timetable(paper=uri)
        # Appendix 1 gives each inspection it covers a "Date of inspection" line.
        appendix = [i for i in self.rows("inspections")
                    if i.statusNotation == "inspected" and i.asStated]
        self.show(uri, paper.committee, paper.creator, paper.authoring_unit,
                  *(c for c, _ in paper.contributors), *(r.recommendation for r in recommendations),
                  *(f.finding for f in findings), *(c.contact for c in contacts))
        return SimpleNamespace(paper=paper, recommendations=recommendations,
                               sections=finding_sections(findings), contacts=contacts,
                               timetable=timetable, appendix=appendix,
                               errata=[e for e in self.errata()],
                               passages=self.passages_of(uri))

    def source(self, path: Path) -> SimpleNamespace:
        """The source text cut into segments, each marked with the passages covering it."""
        text = path.read_text(encoding="utf-8")
        source = self.vocab.id("source-text", path.stem)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        recorded = first(self.values(source, self.vocab.INSP.sha256))
        passages = {p.uri: p for p in self.passages(source=source).values() if p.source == source}
        errata_by_passage = grouped(self.errata(), lambda e: e.passage)
        spans = [Span(p.start, p.end, p.uri) for p in passages.values()]
        cut = segments(text, spans)
        # The passages with their offsets (not their quotations: the text is the page).
        self.show(source, *passages, *(row.selector for row in self.rows("position-selectors", source=source)
                                       if row.passage in passages))
        return SimpleNamespace(
            uri=source, segments=cut, passages=passages, errata=errata_by_passage,
            digest=digest, recorded_digest=str(recorded) if recorded is not None else None,
            file_name=path.name, paper=self.latest_paper(),
            erratum_count=sum(1 for p in passages if p in errata_by_passage))

    # --- definitions and anything else ---------------------------------------------------

    def description(self, uri: URIRef) -> SimpleNamespace:
        """Every property of a resource with its values, and what points at it."""
        properties: dict[URIRef, SimpleNamespace] = {}
        statements = dict.fromkeys((p, v) for p, _, v, _ in self.raw("properties", resource=uri).rows)
        for prop, value in statements:
            entry = properties.setdefault(prop, SimpleNamespace(
                uri=prop, property=self.term_view(prop), values=[]))
            entry.values.append(self.term_view(value))
        pointers = dict.fromkeys((s, p) for s, _, p, _ in self.raw("inbound", resource=uri).rows)
        inbound = [SimpleNamespace(subject=self.term_view(s), property=self.term_view(p))
                   for s, p in pointers]
        types = [self.term_view(t) for t in sorted(self.types(uri))]
        self.show(uri)
        return SimpleNamespace(
            uri=uri, label=self.label(uri), types=types,
            properties=sorted(properties.values(), key=lambda e: (e.uri != RDF.type, e.property.text.lower())),
            inbound=inbound, definition=self._literal(uri, SKOS.definition),
            passages=self.passages_of(uri))

    def _literal(self, uri: URIRef, predicate: URIRef) -> str | None:
        values = [o for o in self.values(uri, predicate) if isinstance(o, Literal)]
        english = [o for o in values if o.language in ("en", None)]
        return str((english or values)[0]) if values else None

    def term(self, uri: URIRef) -> SimpleNamespace:
        """A class or property of the ontology: its relations and how much it is used."""
        described = self.description(uri)
        relations = grouped(self.rows("term-relations", term=uri), lambda r: r.relation)
        instances = self.rows("class-instances", **{"class": uri})
        usage = first(self.rows("property-usage", property=uri))
        return SimpleNamespace(
            **vars(described),
            relations={k: [self.term_view(r.other) for r in v] for k, v in relations.items()},
            instance_count=instances[0].instances if instances else 0,
            instances=[self.term_view(i.instance) for i in instances],
            statements=usage.statements if usage else 0,
            alt_labels=[str(o) for o in self.values(uri, SKOS.altLabel)])

    def ontology(self, uri: URIRef) -> SimpleNamespace:
        described = self.description(uri)
        terms = self.rows("ontology-terms", namespace=Literal(str(self.vocab.INSP)))
        kinds = grouped(terms, lambda t: t.kind)
        schemes = sorted(row[0] for row in self.store.select(
            "SELECT DISTINCT ?scheme WHERE { ?scheme a ?class }", {"class": SKOS.ConceptScheme}).rows)
        self.show(*(t.term for t in terms))
        return SimpleNamespace(
            **vars(described),
            classes=kinds.get(OWL.Class, []),
            object_properties=kinds.get(OWL.ObjectProperty, []),
            datatype_properties=kinds.get(OWL.DatatypeProperty, []),
            schemes=[self.term_view(s) for s in schemes],
            description_text=self._literal(uri, DCTERMS_DESCRIPTION),
            title=self._literal(uri, DCTERMS_TITLE))

    def scheme(self, uri: URIRef) -> SimpleNamespace:
        described = self.description(uri)
        concepts = []
        for concept, rows in grouped(self.rows("concepts", scheme=uri), lambda r: r.concept).items():
            concepts.append(SimpleNamespace(uri=concept, label=rows[0].label, notation=rows[0].notation,
                                            definition=rows[0].definition,
                                            alt_labels=distinct(r.altLabel for r in rows)))
        self.show(*(c.uri for c in concepts))
        return SimpleNamespace(**vars(described), concepts=concepts,
                               is_themes=(uri == self.vocab.theme_scheme))

    def concept(self, uri: URIRef) -> SimpleNamespace:
        described = self.description(uri)
        rows = self.rows("concepts", concept=uri)
        scheme = rows[0].scheme if rows else None
        return SimpleNamespace(**vars(described), scheme=self.term_view(scheme) if scheme else None,
                               alt_labels=distinct(r.altLabel for r in rows),
                               scope_note=rows[0].scopeNote if rows else None)

    # --- JSON-LD -------------------------------------------------------------------------

    def jsonld_graph(self, *extra: Node) -> Graph:
        """The triples of every resource the page shows, each literal as the data writes it."""
        graph = Graph()
        bind_prefixes(graph, self.vocab)
        subjects = [s for s in dict.fromkeys([*self.shown, *extra]) if isinstance(s, URIRef) and is_safe_iri(s)]
        for start in range(0, len(subjects), 200):
            chunk = subjects[start:start + 200]
            values = " ".join(f"<{s}>" for s in chunk)
            found = self.store.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
            graph += found
        return self.facts.faithful(graph)


DCTERMS_TITLE = URIRef("http://purl.org/dc/terms/title")
OA_HAS_SELECTOR = URIRef("http://www.w3.org/ns/oa#hasSelector")
OA_POSITION = URIRef("http://www.w3.org/ns/oa#TextPositionSelector")
DCTERMS_DESCRIPTION = URIRef("http://purl.org/dc/terms/description")


def finding_sections(findings: list[SimpleNamespace]) -> list[SimpleNamespace]:
    """Findings under the headings they are printed under.

    A titled finding without a theme opens a section; a titled finding with a theme opens a
    subsection of the current section (the common themes under "Corporate issues"); an
    untitled finding continues its theme's subsection when it has that theme, and otherwise
    goes back to the section itself."""
    sections: list[SimpleNamespace] = []
    current: SimpleNamespace | None = None
    sub: SimpleNamespace | None = None
    for finding in findings:
        if finding.title and finding.theme is None:
            current = SimpleNamespace(title=finding.title, blocks=[], id=heading_id(finding.title))
            sections.append(current)
            sub = None
            current.blocks.append(SimpleNamespace(kind="finding", finding=finding))
            continue
        if current is None:
            current = SimpleNamespace(title=None, blocks=[], id="findings")
            sections.append(current)
        if finding.title and finding.theme is not None:
            sub = SimpleNamespace(kind="subsection", title=finding.title, theme=finding.theme,
                                  findings=[finding], id=heading_id(finding.title))
            current.blocks.append(sub)
        elif sub is not None and finding.theme is not None and finding.theme == sub.theme:
            sub.findings.append(finding)
        else:
            sub = None
            current.blocks.append(SimpleNamespace(kind="finding", finding=finding))
    return sections


def heading_id(title: str) -> str:
    return "section-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "untitled")
