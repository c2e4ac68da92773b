"""Compiling one inspection record into RDF: visits, report, revisits, recommendations
with their themes and progress updates, good practice, the conclusion and errata."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

from .context import Context, add_label, add_types, ensure
from .errors import CurationError
from .errata import compile_errata
from .passages import SourceText, Span
from .records import Field

GOOD_PRACTICE_KINDS = ["good-practice", "potential-good-practice"]


class InspectionCompiler:
    def __init__(self, record: Field, ctx: Context):
        self.record, self.ctx = record, ctx
        self.vocab, self.insp = ctx.vocab, ctx.vocab.INSP
        self.graph = Graph()
        self.source: SourceText = ctx.source(record.get("source"))
        section = record.get("section")
        try:
            self.section = self.source.section(
                section.get("heading").text(), [section.get("ends_before").text()])
        except CurationError as error:  # raised without a place: give it one
            raise section.error(error.reason) from None

    # -- helpers -----------------------------------------------------------

    def cite(self, subject: URIRef, quote: Field) -> Span:
        try:
            span = self.source.locate(quote.text(), self.section)
        except CurationError as error:
            raise quote.error(error.reason) from None
        self.source.cite(self.graph, subject, span)
        return span

    def verbatim(self, subject: URIRef, text: Field) -> None:
        """The text, as printed, and the passage it is printed in."""
        self.cite(subject, text)
        self.graph.add((subject, self.insp.text, Literal(text.text(), lang="en")))

    def reported(self, subject: URIRef) -> None:
        reported = self.record.get("reported")
        self.graph.add((subject, self.insp.reportedIn, self.ctx.ref(reported.get("in"))))
        self.graph.add((subject, self.insp.reportedOn, Literal(reported.get("on").date())))
        self.graph.add((subject, self.insp.reportedBy, self.ctx.ref(reported.get("by"))))

    # -- the record ---------------------------------------------------------

    def compile(self) -> Graph:
        insp, g = self.insp, self.graph
        about = self.record.get("inspection")
        year = about.get("year").text()
        bocu = self.ctx.bocu(about.get("bocu"))
        name = self.ctx.bocu_name(bocu)
        self.uri = uri = self.vocab.id("inspection", year, str(bocu).rsplit("/", 1)[1])
        self.title = f"{name} BOCU {year}"
        add_types(g, uri, insp.Inspection, PROV.Activity)
        add_label(g, uri, f"Inspection of {name} BOCU, {year}")
        g.add((uri, insp.inspectedUnit, bocu))
        heading = self.record.get("section").get("heading").text()
        if heading != f"{name} BOCU":  # the source's own name for the unit, e.g. City of Westminster
            g.add((bocu, SKOS.altLabel, Literal(heading, lang="en")))
        g.add((uri, insp.programmeYear, self.vocab.id("programme-year", year)))
        g.add((uri, PROV.wasAssociatedWith, self.vocab.id("organisation", "hmic")))
        g.add((uri, insp.inspectionStatus, self.ctx.concept(
            about.get("status"), URIRef(f"{self.vocab.base}/def/inspection-status"), "inspection status")))
        dates = about.get("dates_quote")
        self.cite(uri, dates)
        g.add((uri, insp.asStated, Literal(dates.text(), lang="en")))
        for number, visit in enumerate(about.items("visits"), start=1):
            self.visit(number, visit)
        self.report(uri, about.get("report"), f"{self.title} inspection report")
        for number, revisit in enumerate(about.items("revisits", required=False), start=1):
            self.revisit(number, revisit)
        for recommendation in self.record.items("recommendations"):
            self.recommendation(recommendation)
        if self.record.has("good_practice"):
            self.good_practice(self.record.get("good_practice"))
        self.conclusion(self.record.get("conclusion"))
        compile_errata(self.graph, self.record.items("errata", required=False), self.ctx,
                       self.source, self.section, base=uri)
        return g

    def visit(self, number: int, visit: Field) -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{self.uri}/visit/{number}")
        add_types(g, uri, insp.InspectionVisit, PROV.Activity)
        add_label(g, uri, f"{self.title} inspection visit {number}")
        g.add((uri, insp.visitOf, self.uri))
        g.add((uri, insp.position, Literal(number, datatype=XSD.positiveInteger)))
        start, end = visit.get("start"), visit.get("end")
        g.add((uri, insp.startDate, Literal(start.date())))
        g.add((uri, insp.endDate, Literal(end.date())))
        ensure(start.date() <= end.date(), end,
               f"the visit ends ({end.date()}) before it starts ({start.date()})")
        quote = visit.get("quote")
        self.cite(uri, quote)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))

    def report(self, activity: URIRef, report: Field, label: str, path: str = "report") -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{activity}/{path}")
        add_types(g, uri, insp.Report, PROV.Entity)
        add_label(g, uri, label)
        g.add((uri, PROV.wasGeneratedBy, activity))
        g.add((uri, DCTERMS.publisher, self.vocab.id("organisation", "hmic")))
        g.add((uri, DCTERMS.issued, Literal(report.get("published").date())))
        quote = report.get("quote")
        self.cite(uri, quote)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))

    def revisit(self, number: int, revisit: Field) -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{self.uri}/revisit/{number}")
        add_types(g, uri, insp.Revisit, PROV.Activity)
        add_label(g, uri, f"{self.title} revisit {number}")
        g.add((uri, insp.revisitOf, self.uri))
        g.add((uri, PROV.wasAssociatedWith, self.vocab.id("organisation", "hmic")))
        g.add((uri, insp.revisitStatus, self.ctx.concept(
            revisit.get("status"), URIRef(f"{self.vocab.base}/def/revisit-status"), "revisit status")))
        quote = revisit.get("quote")
        self.cite(uri, quote)
        g.add((uri, insp.asStated, Literal(quote.text(), lang="en")))
        for also in revisit.items("also_quoted", required=False):
            self.cite(uri, also)
        if revisit.has("scheduled_date"):
            g.add((uri, insp.scheduledDate, Literal(revisit.get("scheduled_date").date())))
        if revisit.has("scheduled_month"):
            g.add((uri, insp.scheduledMonth,
                   Literal(revisit.get("scheduled_month").month(), datatype=XSD.gYearMonth)))
        if revisit.has("held_on"):
            g.add((uri, insp.heldOn, Literal(revisit.get("held_on").date())))
        if revisit.has("report"):
            self.report(uri, revisit.get("report"), f"{self.title} revisit {number} report")

    def recommendation(self, recommendation: Field) -> None:
        insp, g = self.insp, self.graph
        number = recommendation.get("number").integer()
        uri = URIRef(f"{self.uri}/recommendation/{number}")
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
            self.theme_assignment(uri, theme, passage)
        for position, action in enumerate(recommendation.items("actions", required=False), start=1):
            self.progress_update(uri, number, position, action)

    def theme_assignment(self, recommendation: URIRef, theme: URIRef, passage: URIRef) -> None:
        """The theme is the editors' reading of the recommendation: say so, and on what."""
        insp, g = self.insp, self.graph
        notation = str(theme).rsplit("/", 1)[1]
        uri = URIRef(f"{recommendation}/theme/{notation}")
        add_types(g, uri, insp.ThemeAssignment, PROV.Entity)
        label = self.ctx.model.value(theme, SKOS.prefLabel)
        add_label(g, uri, f"{self.title} recommendation {str(recommendation).rsplit('/', 1)[1]}"
                          f" concerns {label}")
        g.add((uri, insp.assignedTo, recommendation))
        g.add((uri, insp.assignedTheme, theme))
        g.add((uri, PROV.wasAttributedTo, self.vocab.editors()))
        g.add((uri, PROV.wasDerivedFrom, passage))

    def progress_update(self, recommendation: URIRef, number: int, position: int,
                        action: Field) -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{recommendation}/action/{position}")
        add_types(g, uri, insp.ProgressUpdate, PROV.Entity)
        add_label(g, uri, f"{self.title} recommendation {number}, action {position}")
        g.add((uri, insp.progressOn, recommendation))
        g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
        self.verbatim(uri, action.get("text"))
        self.reported(uri)
        if action.has("further_update_expected"):
            g.add((uri, insp.furtherUpdateExpected,
                   Literal(action.get("further_update_expected").boolean())))
        for index, point in enumerate(action.items("points", required=False), start=1):
            point_uri = URIRef(f"{uri}/point/{index}")
            add_types(g, point_uri, insp.ActionPoint, PROV.Entity)
            add_label(g, point_uri, f"{self.title} recommendation {number}, action {position}, point {index}")
            g.add((point_uri, insp.pointOf, uri))
            g.add((point_uri, insp.position, Literal(index, datatype=XSD.positiveInteger)))
            self.verbatim(point_uri, point)

    def good_practice(self, practice: Field) -> None:
        insp, g = self.insp, self.graph
        kind = practice.get("kind").choice(GOOD_PRACTICE_KINDS, "kind of good practice")
        intro = practice.get("intro")
        self.cite(self.uri, intro)
        if practice.has("stated_total"):
            total = practice.get("stated_total")
            g.add((self.uri, insp.statedGoodPracticeCount,
                   Literal(total.integer(), datatype=XSD.nonNegativeInteger)))
            ensure(total.integer() >= len(practice.items("items")), total,
                   f"the stated total ({total.integer()}) is less than the "
                   f"{len(practice.items('items'))} items listed")
        for position, item in enumerate(practice.items("items"), start=1):
            uri = URIRef(f"{self.uri}/good-practice/{position}")
            add_types(g, uri, insp.GoodPractice, PROV.Entity)
            if kind == "potential-good-practice":
                add_types(g, uri, insp.PotentialGoodPractice)
            add_label(g, uri, f"{self.title} {kind.replace('-', ' ')} {position}")
            g.add((uri, insp.goodPracticeOf, self.uri))
            g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
            self.verbatim(uri, item)

    def conclusion(self, conclusion: Field) -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{self.uri}/conclusion")
        add_types(g, uri, insp.Conclusion, PROV.Entity)
        add_label(g, uri, f"{self.title} conclusion")
        g.add((uri, insp.conclusionOf, self.uri))
        g.add((uri, insp.outcomeStatus, self.ctx.concept(
            conclusion.get("status"), URIRef(f"{self.vocab.base}/def/outcome-status"), "outcome status")))
        self.verbatim(uri, conclusion.get("text"))
        self.reported(uri)


def compile_inspection(record: Field, ctx: Context) -> tuple[URIRef, Graph]:
    compiler = InspectionCompiler(record, ctx)
    graph = compiler.compile()
    return compiler.uri, graph
