"""Compiling the committee-paper record: the paper, the bodies and people it names,
the programme and its years, its findings, its timetable and the inspections that
timetable lists."""

from __future__ import annotations

import datetime as dt

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, SKOS, XSD

from ..uris import VCARD
from .context import Context, add_label, add_types
from .errata import compile_errata
from .errors import CurationError
from .passages import Span
from .records import Field

ORGANISATION_TYPES = {
    "Inspectorate": ("Inspectorate", ORG.FormalOrganization),
    "PoliceAuthority": ("PoliceAuthority", ORG.FormalOrganization),
    "Committee": ("Committee", ORG.OrganizationalUnit),
    "OrganisationalUnit": ("OrganisationalUnit", ORG.OrganizationalUnit),
    "Post": ("Post", ORG.Post),
}


class PaperCompiler:
    def __init__(self, record: Field, ctx: Context, complete: bool = True):
        self.record, self.ctx, self.complete = record, ctx, complete
        self.vocab, self.insp = ctx.vocab, ctx.vocab.INSP
        self.graph = Graph()
        self.source = ctx.source(record.get("source"))
        self.made: dict[URIRef, Field] = {}  # resources an entry below the paper made

    def locate(self, quote: Field, within: Span | None = None) -> Span:
        try:
            return self.source.locate(quote.text(), within)
        except CurationError as error:
            raise quote.error(error.reason) from None

    def cite(self, subject: URIRef, quote: Field, within: Span | None = None) -> Span:
        span = self.locate(quote, within)
        self.source.cite(self.graph, subject, span)
        return span

    def verbatim(self, subject: URIRef, text: Field, within: Span | None = None) -> Span:
        span = self.cite(subject, text, within)
        self.graph.add((subject, self.insp.text, Literal(text.text(), lang="en")))
        return span

    def reported(self, subject: URIRef) -> None:
        self.graph.add((subject, self.insp.reportedIn, self.paper))
        self.graph.add((subject, self.insp.reportedOn, Literal(self.date)))

    def compile(self) -> Graph:
        """The paper and what it states. The first paper's record states everything; a
        later paper's record (curation/papers/) may give only the paper itself, for the
        inspection records whose later updates it reports."""
        self.source.describe(self.graph)
        self.ctx.described.add(self.source.slug)
        first = self.complete
        for organisation in self.record.items("organisations", required=first):
            self.organisation(organisation)
        for person in self.record.items("people", required=first):
            self.person(person)
        self.committee_paper(self.record.get("paper"))
        for recommendation in self.record.items("recommendations_to_members", required=first):
            self.recommendation_to_members(recommendation)
        if first or self.record.has("programme"):
            self.programme(self.record.get("programme"))
        for position, finding in enumerate(self.record.items("findings", required=first), start=1):
            self.finding(position, finding)
        for position, entry in enumerate(self.record.items("timetable", required=first), start=1):
            self.timetable_entry(position, entry)
        compile_errata(self.graph, self.record.items("errata", required=False), self.ctx,
                       self.source, Span(0, len(self.source.text)), base=self.paper)
        return self.graph

    def organisation(self, organisation: Field) -> None:
        insp, g = self.insp, self.graph
        uri = self.ctx.ref(organisation.get("id"))
        kind = organisation.get("type").choice(sorted(ORGANISATION_TYPES), "organisation type")
        own_class, org_class = ORGANISATION_TYPES[kind]
        add_types(g, uri, insp[own_class], org_class)
        add_label(g, uri, organisation.get("label").text())
        if organisation.has("alt_label"):
            g.add((uri, SKOS.altLabel, Literal(organisation.get("alt_label").text(), lang="en")))
        if organisation.has("part_of"):
            parent = self.ctx.ref(organisation.get("part_of"))
            g.add((uri, ORG.unitOf, parent))
            g.add((uri, ORG.subOrganizationOf, parent))
        if organisation.has("post_in"):
            g.add((uri, ORG.postIn, self.ctx.ref(organisation.get("post_in"))))
        if organisation.has("replaced_by"):
            g.add((uri, DCTERMS.isReplacedBy, self.ctx.ref(organisation.get("replaced_by"))))
        self.cite(uri, organisation.get("quote"))

    def person(self, person: Field) -> None:
        g = self.graph
        uri = self.ctx.ref(person.get("id"))
        add_types(g, uri, FOAF.Person, PROV.Person)
        name = person.get("name").text()
        add_label(g, uri, name)
        g.add((uri, FOAF.name, Literal(name)))
        g.add((uri, ORG.memberOf, self.ctx.ref(person.get("member_of"))))
        self.cite(uri, person.get("quote"))

    def committee_paper(self, paper: Field) -> None:
        insp, g = self.insp, self.graph
        self.paper = uri = self.ctx.ref(paper.get("id"))
        self.date = paper.get("date").date()
        add_types(g, uri, insp.CommitteePaper, FOAF.Document, PROV.Entity)
        title = paper.get("title")
        add_label(g, uri, f"{title.text()} (Report {paper.get('number').integer()}, {self.date:%-d %B %Y})")
        g.add((uri, DCTERMS.title, Literal(title.text(), lang="en")))
        self.cite(uri, title)
        g.add((uri, insp.reportNumber, Literal(paper.get("number").integer(), datatype=XSD.positiveInteger)))
        self.cite(uri, paper.get("number_quote"))
        g.add((uri, DCTERMS.date, Literal(self.date)))
        self.cite(uri, paper.get("date_quote"))
        g.add((uri, DCTERMS.creator, self.ctx.ref(paper.get("by"))))
        g.add((uri, insp.presentedTo, self.ctx.ref(paper.get("presented_to"))))
        if paper.has("authoring_unit"):
            g.add((uri, insp.authoringUnit, self.ctx.ref(paper.get("authoring_unit"))))
        for author in ([paper.get("author")] if paper.has("author") else []):
            g.add((uri, DCTERMS.contributor, self.ctx.ref(author)))
        g.add((uri, DCTERMS.publisher, self.vocab.id("organisation", "metropolitan-police-authority")))
        text = self.ctx.source(paper.get("source_text"))
        g.add((text.uri, insp.textOf, uri))
        for contact in paper.items("contact_points", required=False):
            contact_uri = URIRef(f"{uri}/contact/{contact.get('id').text()}")
            add_types(g, contact_uri, VCARD.Kind)
            add_label(g, contact_uri, contact.get("label").text())
            g.add((contact_uri, VCARD.fn, Literal(contact.get("label").text(), lang="en")))
            g.add((contact_uri, insp.telephone, Literal(contact.get("telephone").text())))
            g.add((uri, DCAT.contactPoint, contact_uri))
            self.cite(contact_uri, contact.get("quote"))

    def recommendation_to_members(self, recommendation: Field) -> None:
        insp, g = self.insp, self.graph
        number = recommendation.get("number").integer()
        uri = URIRef(f"{self.paper}/recommendation/{number}")
        add_types(g, uri, insp.CommitteeRecommendation, PROV.Entity)
        add_label(g, uri, f"Recommendation {number} to members")
        g.add((uri, insp.recommendationToMembersOf, self.paper))
        g.add((uri, insp.recommendationNumber, Literal(number, datatype=XSD.positiveInteger)))
        self.verbatim(uri, recommendation.get("text"))

    def programme(self, programme: Field) -> None:
        insp, g = self.insp, self.graph
        uri = self.ctx.ref(programme.get("id"))
        add_types(g, uri, insp.InspectionProgramme, PROV.Activity)
        title = programme.get("title").text()
        add_label(g, uri, title)
        g.add((uri, DCTERMS.title, Literal(title, lang="en")))
        g.add((uri, insp.began, Literal(programme.get("began").month(), datatype=XSD.gYearMonth)))
        g.add((uri, insp.plannedDuration, Literal(programme.get("duration").text(), datatype=XSD.duration)))
        g.add((uri, insp.scope, Literal(programme.get("scope").text(), lang="en")))
        g.add((uri, PROV.wasAssociatedWith, self.ctx.ref(programme.get("inspectorate"))))
        span = self.cite(uri, programme.get("quote"))
        self.locate(programme.get("scope"), span)  # the scope must be the passage's own words
        for year_field in programme.items("years"):
            year = year_field.text()
            year_uri = self.vocab.id("programme-year", year)
            add_types(g, year_uri, insp.ProgrammeYear)
            add_label(g, year_uri, f"{title} {year}")
            g.add((year_uri, SKOS.notation, Literal(year)))
            g.add((year_uri, insp.programme, uri))

    def finding(self, position: int, finding: Field) -> None:
        insp, g = self.insp, self.graph
        uri = URIRef(f"{self.paper}/finding/{finding.get('id').text()}")
        add_types(g, uri, insp.Finding, PROV.Entity)
        heading = finding.get("heading").text() if finding.has("heading") else None
        add_label(g, uri, f"Finding {position}" + (f": {heading}" if heading else ""))
        if heading:
            g.add((uri, DCTERMS.title, Literal(heading, lang="en")))
        g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
        self.verbatim(uri, finding.get("text"))
        self.reported(uri)
        for theme in finding.items("themes", required=False):
            g.add((uri, insp.theme, self.ctx.concept(theme, self.vocab.theme_scheme, "theme")))
        for unit in finding.items("concerns_units", required=False):
            g.add((uri, insp.concernsUnit, self.ctx.bocu(unit)))
        for about in finding.items("about", required=False):
            g.add((uri, insp.about, self.ctx.ref(about)))
        for key, prop in (("stated_count", insp.statedCount), ("stated_out_of", insp.statedOutOf)):
            if finding.has(key):
                g.add((uri, prop, Literal(finding.get(key).integer(0), datatype=XSD.nonNegativeInteger)))

    def timetable_entry(self, position: int, entry: Field) -> None:
        insp, g = self.insp, self.graph
        year = entry.get("year").text()
        uri = URIRef(f"{self.paper}/timetable/{year}")
        add_types(g, uri, insp.TimetableEntry, PROV.Entity)
        add_label(g, uri, f"Timetable entry for {year}")
        g.add((uri, insp.programmeYear, self.vocab.id("programme-year", year)))
        g.add((uri, insp.position, Literal(position, datatype=XSD.positiveInteger)))
        span = self.verbatim(uri, entry.get("text"))
        self.reported(uri)
        for key, prop in (("revisits_conclude_by", insp.revisitsConcludeBy),
                          ("further_paper_not_before", insp.furtherPaperNotBefore),
                          ("revisit_reports_not_before", insp.revisitReportsNotBefore)):
            if entry.has(key):
                g.add((uri, prop, Literal(entry.get(key).month(), datatype=XSD.gYearMonth)))
        for unit in entry.items("concerns_units", required=False):
            g.add((uri, insp.concernsUnit, self.ctx.bocu(unit)))
        for inspection in entry.items("inspections", required=False):
            self.timetabled_inspection(year, inspection, span)

    def timetabled_inspection(self, year: str, inspection: Field, within: Span) -> None:
        """An inspection the timetable names, and what the paper reports its status to be
        on its date: done, arranged for a month, or planned."""
        insp, g = self.insp, self.graph
        bocu = self.ctx.bocu(inspection.get("bocu"))
        slug = str(bocu).rsplit("/", 1)[1]
        uri = self.vocab.id("inspection", year, slug)
        add_types(g, uri, insp.Inspection, PROV.Activity)
        add_label(g, uri, f"Inspection of {self.ctx.bocu_name(bocu)} BOCU, {year}")
        g.add((uri, insp.inspectedUnit, bocu))
        g.add((uri, insp.programmeYear, self.vocab.id("programme-year", year)))
        g.add((uri, PROV.wasAssociatedWith, self.vocab.id("organisation", "hmic")))
        quote = inspection.get("quote")
        self.cite(uri, quote, within)
        status = status_report(self.ctx, g, uri, f"{self.ctx.bocu_name(bocu)} BOCU {year}",
                               inspection.get("status"), self.paper, self.date)
        self.made[status] = inspection
        if inspection.has("planned_month"):
            g.add((status, insp.plannedMonth,
                   Literal(inspection.get("planned_month").month(), datatype=XSD.gYearMonth)))
        self.cite(status, quote, within)
        printed_name = quote.text().split(" in ")[0]
        if printed_name != self.ctx.bocu_name(bocu):  # the source's own name, e.g. Richmond
            g.add((bocu, SKOS.altLabel, Literal(f"{printed_name} BOCU", lang="en")))


def status_report(ctx: Context, graph: Graph, inspection: URIRef, title: str, status: Field,
                  paper: URIRef, day: dt.date) -> URIRef:
    """What `paper` reports the inspection's status to be on its date `day`: a dated
    statement of its own, {inspection}/status/{day}, so that a later paper's report is
    added beside it rather than replacing it."""
    insp = ctx.vocab.INSP
    concept = ctx.concept(status, URIRef(f"{ctx.vocab.base}/def/inspection-status"),
                          "inspection status")
    uri = URIRef(f"{inspection}/status/{day.isoformat()}")
    add_types(graph, uri, insp.StatusReport, PROV.Entity)
    add_label(graph, uri, f"{title} status reported on {day.isoformat()}")
    graph.add((uri, insp.statusOf, inspection))
    graph.add((uri, insp.inspectionStatus, concept))
    graph.add((uri, insp.reportedIn, paper))
    graph.add((uri, insp.reportedOn, Literal(day)))
    return uri


def compile_paper(record: Field, ctx: Context, complete: bool = True) -> Graph:
    """complete: the record must state the organisations, people, programme, findings and
    timetable too (committee-paper.yaml); a later paper's record need give only the paper."""
    return PaperCompiler(record, ctx, complete).compile()
