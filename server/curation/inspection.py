"""Compiling one inspection record into RDF: visits, report, revisits, recommendations
with their themes and progress updates, good practice, the conclusions and errata.

A record is kept up to date by adding to it: a later action report on a recommendation
is a further entry under its `actions`, a later conclusion a further entry under
`conclusion`, each with its own `reported` (the paper, date and reporter) and, when it is
quoted from another document, its own `source` and `section`. Every URI minted is
remembered with the field that made it (see blame.py).
"""

from __future__ import annotations

import datetime as dt

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from .blame import Blame
from .context import Context, add_label, add_types, ensure
from .errors import CurationError
from .errata import compile_errata
from .paper import status_report
from .passages import SourceText, Span
from .records import Field

GOOD_PRACTICE_KINDS = ["good-practice", "potential-good-practice"]


class InspectionCompiler:
    def __init__(self, record: Field, ctx: Context):
        self.record, self.ctx = record, ctx
        self.vocab, self.insp = ctx.vocab, ctx.vocab.INSP
        self.graph = Graph()
        self.blame = Blame(root=record)
        self.used: dict[str, SourceText] = {}
        self.source: SourceText = self.use(ctx.source(record.get("source")))
        self.section = self.find_section(self.source, record.get("section"))
        self.report_published: tuple[dt.date, Field] | None = None

    # -- helpers -----------------------------------------------------------

    def use(self, source: SourceText) -> SourceText:
        self.used.setdefault(source.slug, source)
        return source

    @staticmethod
    def find_section(source: SourceText, section: Field) -> Span:
        try:
            return source.section(section.get("heading").text(), [section.get("ends_before").text()])
        except CurationError as error:  # raised without a place: give it one
            raise section.error(error.reason) from None

    def place(self, *entries: Field | None) -> tuple[SourceText, Span]:
        """Where an entry's quotes are: in its own `source` (within its `section`, if it
        gives one) when it names one, else in the record's source and section."""
        for entry in entries:
            if entry is not None and entry.has("source"):
                source = self.use(self.ctx.source(entry.get("source")))
                if entry.has("section"):
                    return source, self.find_section(source, entry.get("section"))
                return source, Span(0, len(source.text))
        return self.source, self.section

    def cite(self, subject: URIRef, quote: Field,
             where: tuple[SourceText, Span] | None = None) -> Span:
        source, section = where or (self.source, self.section)
        try:
            span = source.locate(quote.text(), section)
        except CurationError as error:
            raise quote.error(error.reason) from None
        passage = source.cite(self.graph, subject, span)
        for uri in (passage, URIRef(f"{passage}/quote"), URIRef(f"{passage}/position")):
            self.blame.mint(uri, quote)
        return span

    def verbatim(self, subject: URIRef, text: Field,
                 where: tuple[SourceText, Span] | None = None) -> Span:
        """The text, as printed, and the passage it is printed in."""
        span = self.cite(subject, text, where)
        self.graph.add((subject, self.insp.text, Literal(text.text(), lang="en")))
        self.blame.state(subject, self.insp.text, text)
        return span

    def mint(self, uri: URIRef, entry: Field, key: Field | None = None) -> URIRef:
        self.blame.mint(uri, entry, key)
        return uri

    def reported(self, subject: URIRef, entry: Field | None = None) -> tuple[dt.date, Field]:
        """Who reported it, in which paper and as at which date: the entry's own
        `reported` where it has one, else the record's. The date, and the field to blame
        for it."""
        own = entry is not None and entry.has("reported")
        reported = entry.get("reported") if own else self.record.get("reported")
        insp, g = self.insp, self.graph
        for key, prop in (("in", insp.reportedIn), ("by", insp.reportedBy)):
            value = reported.get(key)
            g.add((subject, prop, self.ctx.ref(value)))
            self.blame.state(subject, prop, value)
        on = reported.get("on")
        g.add((subject, insp.reportedOn, Literal(on.date())))
        self.blame.state(subject, insp.reportedOn, on)
        return on.date(), (on if own else entry or on)

    def not_before_report(self, day: dt.date, blamed: Field, what: str) -> None:
        """`what` happened on `day`: no earlier than the inspection report."""
        if self.report_published is None:
            return
        published, field = self.report_published
        ensure(day >= published, blamed,
               f"{what} ({day}) comes before the inspection report was published "
               f"({published}, {field.name})")

    # -- the record ---------------------------------------------------------

    def compile(self) -> Graph:
        insp, g = self.insp, self.graph
        about = self.record.get("inspection")
        year = about.get("year").text()
        bocu = self.ctx.bocu(about.get("bocu"))
        name = self.ctx.bocu_name(bocu)
        self.uri = uri = self.mint(
            self.vocab.id("inspection", year, str(bocu).rsplit("/", 1)[1]), about)
        self.title = f"{name} BOCU {year}"
        add_types(g, uri, insp.Inspection, PROV.Activity)
        add_label(g, uri, f"Inspection of {name} BOCU, {year}")
        g.add((uri, insp.inspectedUnit, bocu))
        self.blame.state(uri, insp.inspectedUnit, about.get("bocu"))
        heading = self.record.get("section").get("heading").text()
        if heading != f"{name} BOCU":  # the source's own name for the unit, e.g. City of Westminster
            g.add((bocu, SKOS.altLabel, Literal(heading, lang="en")))
        g.add((uri, insp.programmeYear, self.vocab.id("programme-year", year)))
        self.blame.state(uri, insp.programmeYear, about.get("year"))
        g.add((uri, PROV.wasAssociatedWith, self.vocab.id("organisation", "hmic")))
        dates = about.get("dates_quote")
        self.cite(uri, dates)
        self.status(about, dates)
        g.add((uri, insp.asStated, Literal(dates.text(), lang="en")))
        self.blame.state(uri, insp.asStated, dates)
        last_end: tuple[dt.date, Field] | None = None
        for number, visit in enumerate(about.items("visits"), start=1):
            end = self.visit(number, visit)
            if last_end is None or end.date() > last_end[0]:
                last_end = (end.date(), end)
        report = about.get("report")
        self.report(uri, report, f"{self.title} inspection report")
        published = report.get("published")
        if last_end is not None:
            ensure(published.date() >= last_end[0], published,
                   f"the report is published ({published.date()}) before the last visit ends "
                   f"({last_end[0]}, {last_end[1].name})")
        self.report_published = (published.date(), published)
        for number, revisit in enumerate(about.items("revisits", required=False), start=1):
            self.revisit(number, revisit)
        for recommendation in self.record.items("recommendations"):
            self.recommendation(recommendation)
        if self.record.has("good_practice"):
            self.good_practice(self.record.get("good_practice"))
        self.conclusions(self.record.get("conclusion"))
        compile_errata(self.graph, self.record.items("errata", required=False), self.ctx,
                       self.source, self.section, base=uri)
        for slug, source in self.used.items():
            if slug not in self.ctx.described:  # no paper describes it: this record does
                source.describe(g)
                self.blame.mint(source.uri, self.record.get("source"))
        return g

    def status(self, about: Field, dates: Field) -> None:
        """The status, as the record's paper reports it on its date: a dated statement
        beside any earlier one (such as the first paper's timetable), never replacing it."""
        reported = self.record.get("reported")
        status = about.get("status")
        paper, on = self.ctx.ref(reported.get("in")), reported.get("on")
        uri = status_report(self.ctx, self.graph, self.uri, self.title, status, paper, on.date())
        self.mint(uri, status)
        self.blame.state(uri, self.insp.inspectionStatus, status)
        self.blame.state(uri, self.insp.reportedIn, reported.get("in"))
        self.blame.state(uri, self.insp.reportedOn, on)
        self.cite(uri, dates)

    def visit(self, number: int, visit: Field) -> Field:
        """The visit; returns its end-date field."""
        insp, g = self.insp, self.graph
        uri = self.mint(URIRef(f"{self.uri}/visit/{number}"), visit)
        add_types(g, uri, insp.InspectionVisit, PROV.Activity)
        add_label(g, uri, f"{self.title} inspection visit {number}")
        g.add((uri, insp.visitOf, self.uri))
        g.add((uri, insp.position, Literal(number, datatype=XSD.positiveInteger)))
        start, end = visit.get("start"), visit.get("end")
        g.add((uri, insp.startDate, Literal(start.date())))
        g.add((uri, insp.endDate, Literal(end.date())))
        self.blame.state(uri, insp.startDate, start)
        self.blame.state(uri, insp.endDate, end)
        ensure(start.date() <= end.date(), end,
               f"the visit ends ({end.date()}) before it starts ({start.date()})")
        quote = visit.get("quote")
        self.cite(uri, quote)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))
        return end

    def report(self, activity: URIRef, report: Field, label: str, path: str = "report",
               where: tuple[SourceText, Span] | None = None) -> URIRef:
        insp, g = self.insp, self.graph
        uri = self.mint(URIRef(f"{activity}/{path}"), report)
        add_types(g, uri, insp.Report, PROV.Entity)
        add_label(g, uri, label)
        g.add((uri, PROV.wasGeneratedBy, activity))
        g.add((uri, DCTERMS.publisher, self.vocab.id("organisation", "hmic")))
        g.add((uri, DCTERMS.issued, Literal(report.get("published").date())))
        self.blame.state(uri, DCTERMS.issued, report.get("published"))
        quote = report.get("quote")
        self.cite(uri, quote, where)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))
        return uri

    def revisit(self, number: int, revisit: Field) -> None:
        insp, g = self.insp, self.graph
        uri = self.mint(URIRef(f"{self.uri}/revisit/{number}"), revisit)
        where = self.place(revisit)
        add_types(g, uri, insp.Revisit, PROV.Activity)
        add_label(g, uri, f"{self.title} revisit {number}")
        g.add((uri, insp.revisitOf, self.uri))
        g.add((uri, PROV.wasAssociatedWith, self.vocab.id("organisation", "hmic")))
        g.add((uri, insp.revisitStatus, self.ctx.concept(
            revisit.get("status"), URIRef(f"{self.vocab.base}/def/revisit-status"), "revisit status")))
        self.blame.state(uri, insp.revisitStatus, revisit.get("status"))
        quote = revisit.get("quote")
        self.cite(uri, quote, where)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))
        for also in revisit.items("also_quoted", required=False):
            self.cite(uri, also, where)
        if revisit.has("scheduled_date"):
            scheduled = revisit.get("scheduled_date")
            g.add((uri, insp.scheduledDate, Literal(scheduled.date())))
            self.blame.state(uri, insp.scheduledDate, scheduled)
            self.not_before_report(scheduled.date(), scheduled, "the revisit's scheduled day")
        if revisit.has("scheduled_month"):
            g.add((uri, insp.scheduledMonth,
                   Literal(revisit.get("scheduled_month").month(), datatype=XSD.gYearMonth)))
            self.blame.state(uri, insp.scheduledMonth, revisit.get("scheduled_month"))
        held = revisit.get("held_on") if revisit.has("held_on") else None
        if held is not None:
            g.add((uri, insp.heldOn, Literal(held.date())))
            self.blame.state(uri, insp.heldOn, held)
            self.not_before_report(held.date(), held, "the day the revisit was held")
        if revisit.has("reported"):
            day, blamed = self.reported(uri, revisit)
            if held is not None:
                ensure(day >= held.date(), blamed,
                       f"the revisit is reported on {day}, before it was held ({held.date()})")
        if revisit.has("report"):
            report = revisit.get("report")
            report_uri = self.report(uri, report, f"{self.title} revisit {number} report",
                                     where=self.place(report, revisit))
            published = report.get("published")
            self.not_before_report(published.date(), published, "the revisit report's publication")
            if held is not None:
                ensure(published.date() >= held.date(), published,
                       f"the revisit report is published ({published.date()}) before the revisit "
                       f"was held ({held.date()}, {held.name})")
            if report.has("reported"):
                day, blamed = self.reported(report_uri, report)
                ensure(day >= published.date(), blamed,
                       f"the revisit report is reported on {day}, before it was published "
                       f"({published.date()})")

    def recommendation(self, recommendation: Field) -> None:
        insp, g = self.insp, self.graph
        number_field = recommendation.get("number")
        number = number_field.integer()
        uri = self.mint(URIRef(f"{self.uri}/recommendation/{number}"), recommendation, number_field)
        self.number_field = number_field
        self.blame.state(uri, insp.recommendationNumber, number_field)
        add_types(g, uri, insp.Recommendation, PROV.Entity)
        add_label(g, uri, f"{self.title} recommendation {number}")
        g.add((uri, insp.recommendationOf, self.uri))
        g.add((uri, insp.recommendationNumber, Literal(number, datatype=XSD.positiveInteger)))
        text = recommendation.get("text")
        self.verbatim(uri, text)
        passage = self.source.passage_uri(self.source.locate(text.text(), self.section))
        themes = recommendation.items("themes")
        ensure(bool(themes), recommendation, "a recommendation needs at least one theme")
        for theme_field in themes:
            theme = self.ctx.concept(theme_field, self.vocab.theme_scheme, "theme")
            g.add((uri, insp.theme, theme))
            self.blame.state(uri, insp.theme, theme_field)
            self.theme_assignment(uri, theme, passage, theme_field)
        previous: tuple[dt.date, Field] | None = None
        for position, action in enumerate(recommendation.items("actions", required=False), start=1):
            day = self.progress_update(uri, number, position, action)
            if previous is not None:
                ensure(day >= previous[0], action,
                       f"this action is reported on {day}, before the one listed above it "
                       f"({previous[1].name}, reported on {previous[0]}): list a recommendation's "
                       "actions in the order they were reported, earlier ones first")
            previous = (day, action)

    def theme_assignment(self, recommendation: URIRef, theme: URIRef, passage: URIRef,
                         theme_field: Field) -> None:
        """The theme is the editors' reading of the recommendation: say so, and on what."""
        insp, g = self.insp, self.graph
        notation = str(theme).rsplit("/", 1)[1]
        uri = self.mint(URIRef(f"{recommendation}/theme/{notation}"), theme_field, self.number_field)
        add_types(g, uri, insp.ThemeAssignment, PROV.Entity)
        label = self.ctx.model.value(theme, SKOS.prefLabel)
        add_label(g, uri, f"{self.title} recommendation {str(recommendation).rsplit('/', 1)[1]}"
                          f" concerns {label}")
        g.add((uri, insp.assignedTo, recommendation))
        g.add((uri, insp.assignedTheme, theme))
        g.add((uri, PROV.wasAttributedTo, self.vocab.editors()))
        g.add((uri, PROV.wasDerivedFrom, passage))

    def progress_update(self, recommendation: URIRef, number: int, position: int,
                        action: Field) -> dt.date:
        """The update; returns the date it was reported on."""
        insp, g = self.insp, self.graph
        uri = self.mint(URIRef(f"{recommendation}/action/{position}"), action, self.number_field)
        where = self.place(action)
        add_types(g, uri, insp.ProgressUpdate, PROV.Entity)
        add_label(g, uri, f"{self.title} recommendation {number}, action {position}")
        g.add((uri, insp.progressOn, recommendation))
        g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
        self.verbatim(uri, action.get("text"), where)
        day, blamed = self.reported(uri, action)
        self.not_before_report(day, blamed, "this action's report date")
        if action.has("further_update_expected"):
            g.add((uri, insp.furtherUpdateExpected,
                   Literal(action.get("further_update_expected").boolean())))
            self.blame.state(uri, insp.furtherUpdateExpected, action.get("further_update_expected"))
        for index, point in enumerate(action.items("points", required=False), start=1):
            point_uri = self.mint(URIRef(f"{uri}/point/{index}"), point, self.number_field)
            add_types(g, point_uri, insp.ActionPoint, PROV.Entity)
            add_label(g, point_uri, f"{self.title} recommendation {number}, action {position}, point {index}")
            g.add((point_uri, insp.pointOf, uri))
            g.add((point_uri, insp.position, Literal(index, datatype=XSD.positiveInteger)))
            self.verbatim(point_uri, point, where)
        return day

    def good_practice(self, practice: Field) -> None:
        insp, g = self.insp, self.graph
        kind = practice.get("kind").choice(GOOD_PRACTICE_KINDS, "kind of good practice")
        intro = practice.get("intro")
        self.cite(self.uri, intro)
        if practice.has("stated_total"):
            total = practice.get("stated_total")
            g.add((self.uri, insp.statedGoodPracticeCount,
                   Literal(total.integer(), datatype=XSD.nonNegativeInteger)))
            self.blame.state(self.uri, insp.statedGoodPracticeCount, total)
            ensure(total.integer() >= len(practice.items("items")), total,
                   f"the stated total ({total.integer()}) is less than the "
                   f"{len(practice.items('items'))} items listed")
        for position, item in enumerate(practice.items("items"), start=1):
            uri = self.mint(URIRef(f"{self.uri}/good-practice/{position}"), item)
            add_types(g, uri, insp.GoodPractice, PROV.Entity)
            if kind == "potential-good-practice":
                add_types(g, uri, insp.PotentialGoodPractice)
            add_label(g, uri, f"{self.title} {kind.replace('-', ' ')} {position}")
            g.add((uri, insp.goodPracticeOf, self.uri))
            g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
            self.verbatim(uri, item)

    def conclusions(self, conclusion: Field) -> None:
        """One conclusion (a mapping), or a list of them in the order they were reported:
        the first is .../conclusion, later ones .../conclusion/2, .../conclusion/3."""
        if isinstance(conclusion.value, list):
            entries = self.record.items("conclusion")
            ensure(bool(entries), conclusion, "give at least one conclusion")
        else:
            entries = [conclusion]
        previous: tuple[dt.date, Field] | None = None
        for number, entry in enumerate(entries, start=1):
            day = self.conclusion(number, entry)
            if previous is not None:
                ensure(day >= previous[0], entry,
                       f"this conclusion is reported on {day}, before the one listed above it "
                       f"({previous[1].name}, reported on {previous[0]}): list conclusions in the "
                       "order they were reported, earlier ones first")
            previous = (day, entry)

    def conclusion(self, number: int, conclusion: Field) -> dt.date:
        insp, g = self.insp, self.graph
        suffix = "" if number == 1 else f"/{number}"
        uri = self.mint(URIRef(f"{self.uri}/conclusion{suffix}"), conclusion)
        add_types(g, uri, insp.Conclusion, PROV.Entity)
        add_label(g, uri, f"{self.title} conclusion" + ("" if number == 1 else f" {number}"))
        g.add((uri, insp.conclusionOf, self.uri))
        g.add((uri, insp.outcomeStatus, self.ctx.concept(
            conclusion.get("status"), URIRef(f"{self.vocab.base}/def/outcome-status"), "outcome status")))
        self.blame.state(uri, insp.outcomeStatus, conclusion.get("status"))
        self.verbatim(uri, conclusion.get("text"), self.place(conclusion))
        day, blamed = self.reported(uri, conclusion)
        self.not_before_report(day, blamed, "this conclusion's report date")
        return day


def compile_inspection(record: Field, ctx: Context) -> tuple[URIRef, Graph]:
    uri, graph, _ = compile_inspection_blamed(record, ctx)
    return uri, graph


def compile_inspection_blamed(record: Field, ctx: Context) -> tuple[URIRef, Graph, Blame]:
    """The inspection's URI, its graph, and which field made each resource in it."""
    compiler = InspectionCompiler(record, ctx)
    graph = compiler.compile()
    return compiler.uri, graph, compiler.blame
