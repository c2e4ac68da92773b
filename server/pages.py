"""The server-rendered HTML pages: the "pages" blueprint.

- /        the 2003-04 programme at a glance: the unit-by-theme matrix, the paper's
           common-theme findings beside it, the counts, and what is still outstanding.
- /source  the committee paper's text with every cited passage marked and linked.
- /query   a SPARQL form over the store, with every named query in queries/ one click away.

The linked-data blueprint answers /doc/... and /def/... and, for HTML, calls
`pages.resource_page(iri)` or `pages.definition_page(iri)` (found through
app.view_functions, where this blueprint puts them); they dispatch on the resource's
rdf:type to a page, or to a generic list of its properties. The SPARQL endpoint shows
`pages.query_page` to browsers. /void as HTML is `pages.dataset_page`.

Data comes from page_data (queries in server/sparql/pages/); HTML only from the
templates under templates/pages/, autoescaped. Each page embeds its resources' triples
as JSON-LD (Flask's |tojson escapes <, > and & inside the script) and links its RDF
alternates.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .app import service_of
from .errors import GoingLocalError
from .http_errors import BadRequest, NotFound, ServiceError
from .negotiation import RDF_REPRESENTATIONS, jsonld_bytes
from .page_data import SLUG, PageData, is_safe_iri
from .queries import bind_params, named_queries, query_form, rebase_query, with_values
from .results import QueryResult
from .source_marks import anchor_id
from .uris import PREFIXES

blueprint = Blueprint("pages", __name__)

HOME_YEAR = "2003-04"          # the programme year the committee paper reports on
RESULT_ROWS_SHOWN = 1000       # rows of a query result shown on the page (downloads have all)
CACHE_KEY = "going_local_pages"

PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                  OWL.FunctionalProperty, RDF.Property}
CLASS_TYPES = {OWL.Class, RDFS.Class}


def data() -> PageData:
    return PageData(service_of(current_app), current_app.extensions.setdefault(CACHE_KEY, {}))


@blueprint.record_once
def _hooks(state) -> None:
    """Make the two dispatchers findable as views, as the linked-data blueprint looks
    them up, though they take an IRI rather than a URL rule's arguments."""
    state.app.view_functions.setdefault("pages.resource_page", resource_page)
    state.app.view_functions.setdefault("pages.definition_page", definition_page)


# --- Rendering ---------------------------------------------------------------------------

def jsonld_context() -> dict:
    vocab = service_of(current_app).vocab
    context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    context.update(insp=str(vocab.INSP), theme=str(vocab.THEME), outcome=str(vocab.OUTCOME),
                   revisit=str(vocab.REVISIT), istatus=str(vocab.ISTATUS))
    return context


def alternates_of(uri: URIRef | None) -> list[dict]:
    """rel="alternate" links to the RDF documents about `uri`, when it has local ones."""
    if uri is None:
        return []
    path = service_of(current_app).vocab.document_path(uri)
    if path is None:
        return []
    return [{"media_type": r.media_type, "name": FORMAT_NAMES.get(r.name, r.name),
             "href": f"{quote(path)}.{r.extension}"} for r in RDF_REPRESENTATIONS]


FORMAT_NAMES = {"turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "nt": "N-Triples"}


def render(template: str, pages: PageData, about: URIRef | None, status: int = 200,
           jsonld: dict | None = None, **context) -> Response:
    """A page with its JSON-LD (the triples of what it shows) and its alternates."""
    if jsonld is None:
        graph = pages.jsonld_graph(*([about] if about is not None else []))
        jsonld = json.loads(jsonld_bytes(graph, jsonld_context())) if len(graph) else None
    html = render_template(template, jsonld=jsonld, alternates=alternates_of(about),
                           about=about, **context)
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def local_href(uri) -> str:
    """Where a resource's page is: its document path under this server, or the IRI itself."""
    vocab = service_of(current_app).vocab
    path = vocab.document_path(uri) if uri is not None else None
    return quote(path) if path else str(uri)


@blueprint.app_template_filter("doc_href")
def doc_href_filter(uri) -> str:
    return local_href(uri)


@blueprint.app_template_filter("long_date")
def long_date(value) -> str:
    """2003-05-12 as 12 May 2003; anything else as it is."""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, Literal):
        value = value.toPython()
        return long_date(value)
    return "" if value is None else str(value)


@blueprint.app_template_filter("month_name")
def month_name(value) -> str:
    """2005-03 as March 2005; anything else as it is."""
    text = "" if value is None else str(value)
    try:
        return dt.date.fromisoformat(f"{text}-01").strftime("%B %Y")
    except ValueError:
        return text


@blueprint.app_template_filter("day_range")
def day_range(visit) -> str:
    """A visit's days: 12–16 May 2003, 30 June – 1 July 2003, or 15 March 2004."""
    start, end = getattr(visit, "startDate", None), getattr(visit, "endDate", None)
    if not isinstance(start, dt.date):
        return getattr(visit, "asStated", None) or ""
    if not isinstance(end, dt.date) or end == start:
        return long_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{long_date(start)} – {long_date(end)}"


NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


@blueprint.app_template_filter("number_word")
def number_word(value) -> str:
    """18 as eighteen, as the paper writes counts; numbers past twenty as digits."""
    return NUMBER_WORDS[value] if isinstance(value, int) and 0 <= value < len(NUMBER_WORDS) else str(value)


@blueprint.app_template_filter("source_href")
def source_href(passage) -> str:
    """The place of a passage on the source page; a passage of another source text (a later
    paper's), which that page does not show, is linked to its own page, which quotes it."""
    service = service_of(current_app)
    source = getattr(passage, "source", None)
    uri = getattr(passage, "uri", None)
    if (source is not None and uri is not None
            and source != service.vocab.id("source-text", service.settings.source_text.stem)):
        return local_href(uri)
    return url_for("pages.source_page", _anchor=anchor_id(passage.start, passage.end))


@blueprint.app_context_processor
def site_navigation() -> dict:
    """The site's main navigation, for base.html: only links that lead somewhere here."""
    if "going_local" not in current_app.extensions:
        return {}
    vocab = service_of(current_app).vocab
    functions = current_app.view_functions
    items = [("Overview", url_for("pages.home"))]
    if "linked_data.document" in functions:
        paper = data().latest_paper()
        if paper is not None:
            items.append(("The paper", local_href(paper.uri)))
        items += [("Timetable", local_href(vocab.id("programme-year", HOME_YEAR))),
                  ("Themes", local_href(vocab.theme_scheme))]
    for endpoint, text in (("explore.bocus", "BOCUs"), ("explore.recommendations", "Recommendations"),
                           ("explore.search", "Search")):
        if endpoint in functions:
            items.append((text, url_for(endpoint)))
    if "paper.paper" in functions:
        items.append(("Printable paper", url_for("paper.paper", year=HOME_YEAR)))
    items += [("Source text", url_for("pages.source_page")), ("Query", url_for("pages.query_page"))]
    if "linked_data.void" in functions:
        items.append(("About the data", "/void"))
    return {"site_nav": [{"text": t, "href": h} for t, h in items]}


# --- The home page -----------------------------------------------------------------------

def built_page(key: str) -> Response | None:
    """The page `going-local build` rendered under `key` (a path, or a resource's IRI), over
    the same data and code; None when not serving a build or it rendered none."""
    built = service_of(current_app).facts.page(key)
    if built is None:
        return None
    return Response(built, status=200, content_type="text/html; charset=utf-8")


@blueprint.get("/")
def home():
    built = built_page("/")
    if built is not None:
        return built
    pages = data()
    # The paper's year; on other data (a synthetic set), its latest year with inspections.
    years = [HOME_YEAR, *reversed([y.notation for y in pages.rows("programme-years")])]
    overview = next(filter(None, map(pages.home, dict.fromkeys(years))), None)
    if overview is None:
        raise NotFound("the dataset has no inspections")
    return render("pages/home.html", pages, overview.year, o=overview)


# --- Documents of things: /doc/... -------------------------------------------------------

def _iri(uri) -> URIRef:
    if not is_safe_iri(str(uri)):
        raise NotFound("no such resource")
    return URIRef(str(uri))


def _where(uri: URIRef) -> str:
    return service_of(current_app).vocab.path_of(uri) or str(uri)


def resource_page(uri):
    """The HTML page of a thing named under /id/: chosen by its rdf:type."""
    uri = _iri(uri)
    built = built_page(str(uri))
    if built is not None:
        return built
    pages = data()
    if not pages.exists(uri):
        raise NotFound(f"the dataset has nothing about {_where(uri)}")
    types = pages.types(uri)
    insp = pages.vocab.INSP
    if types & {insp.BoroughOperationalCommandUnit, insp.BasicCommandUnit}:
        found = pages.bocu(uri)
        if found is not None:
            return render("pages/bocu.html", pages, uri, b=found)
    if insp.Inspection in types:
        found = pages.inspection(uri)
        if found is not None:
            return render("pages/inspection.html", pages, uri, i=found)
    if insp.Recommendation in types:
        found = pages.recommendation(uri)
        if found is not None:
            return render("pages/recommendation.html", pages, uri, r=found)
    if insp.ProgrammeYear in types:
        found = pages.programme_year(uri)
        if found is not None:
            return render("pages/programme_year.html", pages, uri, y=found)
    if insp.CommitteePaper in types:
        found = pages.committee_paper(uri)
        if found is not None:
            return render("pages/committee_paper.html", pages, uri, p=found)
    return generic_page(pages, uri)


def generic_page(pages: PageData, uri: URIRef) -> Response:
    described = pages.description(uri)
    is_source = pages.vocab.INSP.SourceText in pages.types(uri)
    is_passage = pages.vocab.INSP.SourcePassage in pages.types(uri)
    passage = pages.passages(passage=uri).get(uri) if is_passage else None
    return render("pages/resource.html", pages, uri, d=described, is_source=is_source,
                  passage=passage, paper=pages.latest_paper())


# --- Definitions: /def/... ---------------------------------------------------------------

def definition_page(uri):
    """The HTML page of the ontology, a class, a property, a concept scheme or a concept."""
    uri = _iri(uri)
    pages = data()
    if not pages.exists(uri):
        raise NotFound(f"the dataset has no definition at {_where(uri)}")
    types = pages.types(uri)
    if OWL.Ontology in types:
        return render("pages/ontology.html", pages, uri, d=pages.ontology(uri))
    if SKOS.ConceptScheme in types:
        return render("pages/scheme.html", pages, uri, d=pages.scheme(uri))
    if SKOS.Concept in types:
        if uri in pages.themes():
            return theme_page(pages, uri)
        return render("pages/concept.html", pages, uri, d=pages.concept(uri))
    if types & CLASS_TYPES:
        return render("pages/term.html", pages, uri, d=pages.term(uri), kind="class",
                      ontology_href=local_href(pages.vocab.ontology))
    if types & PROPERTY_TYPES:
        return render("pages/term.html", pages, uri, d=pages.term(uri), kind="property",
                      ontology_href=local_href(pages.vocab.ontology))
    return generic_page(pages, uri)


def theme_page(pages: PageData, uri: URIRef) -> Response:
    """A theme: its recommendations across units and years (?bocu=SLUG keeps one unit's)
    and what the paper finds about it."""
    slug = request.args.get("bocu")
    bocu = None
    if slug:
        if not SLUG.match(slug):
            raise BadRequest(f"bocu={slug!r} is not a unit's name in the form used in its "
                             "address (lower case, words joined by hyphens, e.g. harrow)")
        bocu = pages.vocab.id("bocu", slug)
        if not pages.exists(bocu):
            raise NotFound(f"the dataset has no BOCU '{slug}'")
    found = pages.theme(uri, bocu)
    return render("pages/theme.html", pages, uri, t=found, bocu=bocu,
                  bocu_label=pages.label(bocu) if bocu else None)


# --- The source document -----------------------------------------------------------------

@blueprint.get("/source")
def source_page():
    pages = data()
    path = service_of(current_app).settings.source_text
    if not path.exists():
        raise NotFound("the source text is not on this server")
    found = pages.source(path)
    return render("pages/source.html", pages, found.uri, s=found)


# --- The query page ----------------------------------------------------------------------

@blueprint.get("/query")
def query_page():
    """The SPARQL form. It reads request.args itself, so the SPARQL endpoint can show it to
    browsers that GET /sparql: `query` (the text), `name` (a named query to start from)
    and `param.NAME` (that query's parameters)."""
    service = service_of(current_app)
    pages = data()
    args = request.args
    catalogue, catalogue_error = {}, None
    try:
        catalogue = named_queries(service.settings.queries_dir)
    except GoingLocalError as error:  # one bad file should not take the form away
        catalogue_error = error.message
    name = args.get("name") or None
    chosen = catalogue.get(name) if name else None
    if name and chosen is None:
        raise NotFound(f"there is no named query '{name}'")
    text = args.get("query")
    if text is None and chosen is not None:
        text = rebase_query(chosen.text, service.vocab.base)
    values = {p.name: args.get(f"param.{p.name}", p.default or "") for p in chosen.params} if chosen else {}
    context = dict(catalogue=list(catalogue.values()), catalogue_error=catalogue_error,
                   chosen=chosen, text=text or "", values=values, result=None, error=None,
                   form=None, downloads=[], ran=None, truncated=False, capped=False)
    status = 200
    if "query" in args and (text or "").strip():
        try:
            final = text
            if chosen is not None:
                given = {k: v for k, v in values.items() if v != ""}
                final = with_values(text, bind_params(chosen, given))
            form = query_form(final)
            result = run_query(final)
        except GoingLocalError as error:
            context["error"] = error.message
            status = 400
        except ServiceError as error:  # the endpoint's refusals: 400, 503 past the time limit
            context["error"] = error.message
            status = error.status
        else:
            shown = result.rows[:RESULT_ROWS_SHOWN]
            context.update(
                form=form, ran=final, total=len(result.rows),
                truncated=len(result.rows) > len(shown), capped=bool(getattr(result, "truncated", False)),
                result=result, table=[[pages.term_view(term, link="id") for term in row] for row in shown],
                downloads=downloads(final, form))
    elif "query" in args:
        context["error"] = "The query is empty: write one, or start from a named query."
        status = 400
    about = None
    jsonld = {"@context": {"sd": "http://www.w3.org/ns/sparql-service-description#"},
              "@id": request.url_root.rstrip("/") + "/sparql", "@type": "sd:Service",
              "sd:endpoint": {"@id": request.url_root.rstrip("/") + "/sparql"},
              "sd:supportedLanguage": {"@id": "sd:SPARQL11Query"}}
    return render("pages/query.html", pages, about, status=status, jsonld=jsonld, **context)


def run_query(text: str) -> QueryResult:
    """The query run the way /sparql runs it: in a worker process, with the endpoint's
    checks (no updates, no SERVICE), time limit and row cap. Its refusals are
    http_errors kinds, which the page shows with their status."""
    from .endpoint import run_query as run_in_worker

    return run_in_worker(current_app._get_current_object(), text)


RESULT_FORMATS = [("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV")]
GRAPH_FORMATS = [("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML"), ("nt", "N-Triples")]


def downloads(text: str, form: str) -> list[dict]:
    formats = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS
    return [{"name": label, "href": "/sparql?" + urlencode({"query": text, "format": name})}
            for name, label in formats]
