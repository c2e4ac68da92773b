"""Dereferenceable linked data: the server answers for the paths of the dataset's base URI.

A request for /id/bocu/harrow, on whatever host and port the server runs, is about
{base}/id/bocu/harrow:

- /id/...  a thing (a unit, an inspection, a recommendation): 303 See Other to its
  document /doc/... when the dataset describes it, 404 when it does not.
- /doc/... the document about the thing, negotiated among HTML, Turtle, JSON-LD, RDF/XML
  and N-Triples by the Accept header, or chosen by extension (/doc/bocu/harrow.ttl).
- /def/... the ontology, its terms, the concept schemes and their concepts. These are
  served directly, with no 303: a /def/ IRI names a definition, which is itself a document,
  and uris.Vocabulary.document_path says so for the whole project. /def/inspection and
  /def/theme are each the whole ontology or scheme in one document.
- /void (and /.well-known/void) the VoID and DCAT description; /dumps/ the whole dataset
  in each format; /sitemap.xml and /robots.txt for crawlers.

Every representation carries a strong ETag (a digest of its body) and a Last-Modified
fixed at start-up (the newest of the data, ontology and server files), and answers
conditional requests with 304.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.wsgi import wrap_file
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS, VOID

from .dataset_description import DUMPS_PATH, DatasetDescription
from .documents import Documents, serialize, strong_etag
from .http_errors import NotFound
from .names import Shortener
from .negotiation import (HTML, JSONLD, NTRIPLES, RDF_REPRESENTATIONS, RDFXML, TURTLE,
                          Representation, by_extension, choose)
from .stats import label as label_of
from .uris import OA

blueprint = Blueprint("linked_data", __name__, template_folder="templates")

DOCUMENT_REPRESENTATIONS = [HTML, TURTLE, JSONLD, RDFXML, NTRIPLES]  # HTML when nothing is asked
VOID_REPRESENTATIONS = [TURTLE, JSONLD, RDFXML, NTRIPLES, HTML]      # Turtle when nothing is asked
DOCUMENT_MAX_AGE = 3600
DUMP_MAX_AGE = 86400
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

# Hooks: another blueprint's views render the HTML of documents when they are registered.
RESOURCE_PAGE = "pages.resource_page"
DEFINITION_PAGE = "pages.definition_page"
DATASET_PAGE = "pages.dataset_page"

# Paths of the application that are services rather than pages, left out of the sitemap.
NOT_PAGES = {"/health", "/sparql", "/robots.txt", "/sitemap.xml"}


@dataclass
class LinkedData:
    """What the blueprint keeps per application, made once at start-up."""

    service: object
    documents: Documents
    description: DatasetDescription
    last_modified: datetime

    @property
    def vocab(self):
        return self.service.vocab


def newest_mtime(settings) -> datetime:
    """When the data, ontology or the server's own files (code, queries, templates) last
    changed: every representation the server gives depends on nothing else."""
    here = Path(__file__).resolve().parent
    files = [*Path(settings.data_dir).rglob("*.ttl"), *Path(settings.ontology_dir).glob("*.ttl"),
             *here.glob("*.py"), *here.glob("sparql/**/*.rq"), *here.glob("templates/*.html")]
    times = [os.stat(f).st_mtime for f in files if f.is_file()]
    stamp = max(times) if times else datetime.now(timezone.utc).timestamp()
    return datetime.fromtimestamp(int(stamp), timezone.utc)


@blueprint.record
def _set_up(state) -> None:
    service = state.app.extensions["going_local"]
    modified = newest_mtime(service.settings)
    state.app.extensions["linked_data"] = LinkedData(
        service, Documents(service), DatasetDescription(service, modified), modified)


def ld() -> LinkedData:
    return current_app.extensions["linked_data"]


# --- Responses ---------------------------------------------------------------------------

def root() -> str:
    """The serving host's root, e.g. http://127.0.0.1:5000 (with any script root)."""
    return request.root_url.rstrip("/")


def link_header(links: list[tuple[str, str, str | None]]) -> str:
    parts = []
    for target, rel, media_type in links:
        part = f'<{target}>; rel="{rel}"'
        if media_type:
            part += f'; type="{media_type}"'
        parts.append(part)
    return ", ".join(parts)


def alternates(path: str) -> list[tuple[str, str, str]]:
    """rel="alternate" links to each representation of the document at `path`."""
    return [(f"{root()}{quote(path)}.{r.extension}", "alternate", r.media_type)
            for r in DOCUMENT_REPRESENTATIONS]


def finish(response: Response, *, negotiated: bool, links=(), content_location: str | None = None,
           max_age: int = DOCUMENT_MAX_AGE, etag: str | None = None) -> Response:
    """Caching and linking headers, then a 304 if the client's copy is current."""
    if negotiated:
        response.vary.add("Accept")
    if links:  # after any links the page's own view gave
        given = response.headers.get("Link")
        response.headers["Link"] = ", ".join(filter(None, [given, link_header(list(links))]))
    if content_location:
        response.headers["Content-Location"] = content_location
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Link, ETag, Content-Location, Vary"
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.last_modified = ld().last_modified
    if etag:
        response.set_etag(etag)
    elif not response.is_streamed and not response.get_etag()[0]:
        response.set_etag(strong_etag(response.get_data()))
    return response.make_conditional(request)


def rdf_response(body: bytes, representation: Representation, status: int = 200) -> Response:
    return Response(body, status=status, content_type=f"{representation.media_type}; charset=utf-8")


def html_response(rv) -> Response:
    response = current_app.make_response(rv)
    if response.mimetype == "text/html" and "charset" not in response.content_type:
        response.content_type = "text/html; charset=utf-8"
    return response


def not_found(message: str, representation: Representation | None = None):
    """404 as an empty RDF document in the format asked for (by extension or Accept), or
    else as the error page (HTML, JSON or text, as the Accept header asks)."""
    if representation is None or representation == HTML:
        offered = [HTML, *RDF_REPRESENTATIONS, "text/plain", "application/json"]
        types = [r if isinstance(r, str) else r.media_type for r in offered]
        best = request.accept_mimetypes.best_match(types) if request.accept_mimetypes else None
        representation = next((r for r in RDF_REPRESENTATIONS if r.media_type == best), None)
    if representation is None or representation == HTML:
        raise NotFound(message)
    response = rdf_response(empty_rdf(message, representation), representation, status=404)
    response.vary.add("Accept")
    return response


def empty_rdf(message: str, representation: Representation) -> bytes:
    """An RDF document with no triples, saying why in a comment where the format has them."""
    one_line = message.replace("\n", " ").replace("--", "- -")
    if representation in (TURTLE, NTRIPLES):
        return f"# Not found: {one_line}\n".encode()
    if representation == RDFXML:
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- Not found: {escape(one_line)} -->\n'
                f'<rdf:RDF xmlns:rdf="{RDF}"/>\n').encode()
    return b'{"@graph": []}\n'


# --- /id/ --------------------------------------------------------------------------------

@blueprint.get("/id/<path:tail>")
def thing(tail: str):
    """303 See Other from a thing to its document; 404 for a thing the dataset lacks."""
    state = ld()
    iri = state.vocab.uri_of_path(f"/id/{tail}")
    target = None
    if state.documents.described(iri):
        target = f"/doc/{tail}"
    elif iri == state.description.dataset:
        target = "/void"
    else:
        stem, _, extension = tail.rpartition(".")
        if stem and by_extension(DOCUMENT_REPRESENTATIONS, extension) and \
                state.documents.described(state.vocab.uri_of_path(f"/id/{stem}")):
            target = f"/doc/{tail}"  # /id/x.ttl: the Turtle document about /id/x
    if target is None:
        return not_found(f"the dataset has nothing about {iri}")
    location = f"{root()}{quote(target)}"
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = redirect(location, code=303)
    response.vary.add("Accept")
    response.headers["Link"] = link_header([(location, "describedby", None)])
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = DOCUMENT_MAX_AGE
    return response


# --- /doc/ and /def/ ---------------------------------------------------------------------

def resolve(path: str) -> tuple[URIRef, str, Representation | None] | None:
    """(the IRI a document is about, the document's path without extension, the
    representation its extension asks for) for a /doc/ or /def/ path; None if unknown.

    The whole path is tried first, so a name with a dot in it still resolves."""
    state = ld()
    candidates = [(path, None)]
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension:
        representation = by_extension(DOCUMENT_REPRESENTATIONS, extension)
        if representation:
            candidates.append((stem, representation))
    for doc_path, representation in candidates:
        if doc_path.startswith("/doc/"):
            iri = state.vocab.uri_of_path("/id/" + doc_path[len("/doc/"):])
        else:
            iri = state.vocab.uri_of_path(doc_path)
        if state.documents.described(iri):
            return iri, doc_path, representation
    return None


def serve_document(path: str):
    state = ld()
    resolved = resolve(path)
    if resolved is None:
        stem, _, extension = path.rpartition(".")
        return not_found(f"the dataset has no document at {path}",
                         by_extension(RDF_REPRESENTATIONS, extension) if stem else None)
    iri, doc_path, representation = resolved
    negotiated = representation is None
    if negotiated:
        representation = choose(request, DOCUMENT_REPRESENTATIONS)
    links = alternates(doc_path)
    document_iri = state.vocab.uri_of_path(doc_path)
    if document_iri != iri:
        links.append((str(iri), "about", None))
    location = f"{root()}{quote(doc_path)}.{representation.extension}" if negotiated else None

    if representation == HTML:
        response = html_response(html_page(iri, doc_path))
        return finish(response, negotiated=negotiated, links=links, content_location=location)
    rendered = state.documents.rendered(iri, representation)
    return finish(rdf_response(rendered.body, representation), negotiated=negotiated,
                  links=links, content_location=location, etag=rendered.etag)


@blueprint.get("/doc/<path:tail>")
def document(tail: str):
    return serve_document(f"/doc/{tail}")


@blueprint.get("/def/<path:tail>")
def definition(tail: str):
    state = ld()
    path = f"/def/{tail}"
    if path.endswith("/"):  # a namespace, e.g. /def/inspection/: see its vocabulary
        namespace_owner = state.vocab.uri_of_path(path.rstrip("/"))
        if state.documents.is_vocabulary(namespace_owner):
            response = redirect(f"{root()}{quote(path.rstrip('/'))}", code=303)
            response.vary.add("Accept")
            return response
    return serve_document(path)


def html_page(iri: URIRef, doc_path: str):
    """The HTML of a document: the pages blueprint's view when it is there, else a plain
    table of the document's triples."""
    is_definition = doc_path.startswith("/def/")
    view = current_app.view_functions.get(DEFINITION_PAGE if is_definition else RESOURCE_PAGE)
    if view is not None:
        return view(iri)
    return render_template("resource.html", **page_context(iri, doc_path))


# --- The plain HTML page -----------------------------------------------------------------

def page_context(iri: URIRef, doc_path: str) -> dict:
    state = ld()
    document = state.documents.document(iri)
    graph = document.graph
    vocab = state.vocab

    shortener = Shortener.of(graph)

    def name(term) -> str:
        found = label_of(term, graph) or state.service.facts.label(term)
        return found if found else shortener.iri(str(term)).strip("<>")

    def cell(term) -> dict:
        if isinstance(term, URIRef):
            path = vocab.path_of(term)
            return {"href": quote(path) if path else str(term), "text": name(term), "iri": str(term)}
        if isinstance(term, Literal):
            note = f"@{term.language}" if term.language else (
                vocab_short(term.datatype) if term.datatype else "")
            return {"text": str(term), "note": note}
        return {"text": str(term)}

    def rows(triples):
        grouped: dict = {}
        for p, o in triples:
            grouped.setdefault(p, []).append(o)
        return [{"property": cell(p), "objects": [cell(o) for o in sorted(values, key=sort_key)]}
                for p, values in sorted(grouped.items(), key=lambda kv: name(kv[0]).lower())]

    outgoing = rows(graph.predicate_objects(iri))
    incoming = [{"subject": cell(s), "property": cell(p)}
                for s, p in sorted(graph.subject_predicates(iri), key=lambda sp: (name(sp[1]), name(sp[0])))]
    quotes = []
    for passage in sorted(set(graph.subjects(RDF.type, OA.SpecificResource))):
        for selector in graph.objects(passage, OA.hasSelector):
            exact = graph.value(selector, OA.exact)
            if exact is not None:
                quotes.append({"passage": cell(passage), "exact": str(exact)})
    terms = []
    if state.documents.is_vocabulary(iri):
        members = {s for s in graph.subjects() if isinstance(s, URIRef) and s != iri
                   and str(s).startswith(f"{iri}/")}
        for member in sorted(members, key=lambda m: name(m).lower()):
            kinds = sorted(name(t) for t in graph.objects(member, RDF.type))
            definition = graph.value(member, SKOS.definition)
            terms.append({"term": cell(member), "kinds": ", ".join(kinds),
                          "definition": str(definition) if definition else ""})
    formats = [{"name": r.name, "media_type": r.media_type,
                "href": f"{quote(doc_path)}.{r.extension}"} for r in DOCUMENT_REPRESENTATIONS if r != HTML]
    return {"title": name(iri), "iri": str(iri), "document": doc_path, "outgoing": outgoing,
            "incoming": incoming, "quotes": quotes, "terms": terms, "formats": formats}


def vocab_short(datatype) -> str:
    text = str(datatype)
    return "xsd:" + text.rsplit("#", 1)[1] if text.startswith("http://www.w3.org/2001/XMLSchema#") else text


def sort_key(term):
    return (0 if isinstance(term, URIRef) else 1, str(term))


# --- /void -------------------------------------------------------------------------------

@blueprint.get("/void")
@blueprint.get("/.well-known/void")
def void():
    return serve_void(choose(request, VOID_REPRESENTATIONS), negotiated=True)


@blueprint.get("/void.<extension>")
def void_by_extension(extension: str):
    representation = by_extension(VOID_REPRESENTATIONS, extension)
    if representation is None:
        return not_found(f"no description in the format .{extension}")
    return serve_void(representation, negotiated=False)


def serve_void(representation: Representation, negotiated: bool):
    state = ld()
    description = state.description
    links = [(f"{root()}/void.{r.extension}", "alternate", r.media_type) for r in VOID_REPRESENTATIONS]
    links.append((str(description.dataset), "about", None))
    location = f"{root()}/void.{representation.extension}" if negotiated else None
    if representation == HTML:
        view = current_app.view_functions.get(DATASET_PAGE)
        page = view() if view is not None else render_template("void.html", **void_context())
        return finish(html_response(page), negotiated=negotiated, links=links, content_location=location)
    body = serialize(description.void(), representation)
    return finish(rdf_response(body, representation), negotiated=negotiated, links=links,
                  content_location=location, etag=strong_etag(body))


def void_context() -> dict:
    state = ld()
    d = state.description.void()
    dataset = state.description.dataset

    def value(p):
        v = d.value(dataset, p)
        return str(v) if v is not None else ""

    facts = state.service.facts
    classes = []
    for partition in d.objects(dataset, VOID.classPartition):
        cls = d.value(partition, VOID["class"])
        count = d.value(partition, VOID.entities)
        path = state.vocab.path_of(cls)
        classes.append({"href": quote(path) if path else str(cls),
                        "text": facts.label(cls) or str(cls), "count": int(count)})
    classes.sort(key=lambda c: (-c["count"], c["text"]))
    dumps = [{"href": str(u), "path": state.vocab.path_of(u)} for u in d.objects(dataset, VOID.dataDump)]
    examples = [{"href": quote(state.vocab.path_of(e) or str(e)), "text": facts.label(e) or str(e)}
                for e in sorted(d.objects(dataset, VOID.exampleResource))]
    return {"title": value(DCTERMS.title), "description": value(DCTERMS.description),
            "license": value(DCTERMS.license), "triples": value(VOID.triples),
            "entities": value(VOID.entities), "sparql": value(VOID.sparqlEndpoint),
            "classes": classes, "dumps": sorted(dumps, key=lambda x: x["href"]),
            "examples": examples, "dataset": str(dataset),
            "formats": [{"name": r.name, "href": f"/void.{r.extension}"}
                        for r in VOID_REPRESENTATIONS if r != HTML],
            "distributions": len(list(d.objects(dataset, DCAT.distribution)))}


# --- /dumps/ -----------------------------------------------------------------------------

@blueprint.get(DUMPS_PATH)
def dumps_listing():
    dumps = ld().description.dumps()
    files = [{"name": f.filename, "media_type": f.dump.media_type, "title": f.dump.title,
              "bytes": f.size} for f in dumps.values()]
    return finish(html_response(render_template("dumps.html", files=files)), negotiated=False)


@blueprint.get(f"{DUMPS_PATH}<name>")
def dump(name: str):
    dump_file = ld().description.dump(name)
    if dump_file is None:
        raise NotFound(f"no dump called {name}; see {DUMPS_PATH}")
    # Sent from the file (a dump of a large dataset is hundreds of megabytes), its ETag
    # the digest of its bytes, made once.
    response = Response(wrap_file(request.environ, open(dump_file.path, "rb")),
                        content_type=f"{dump_file.dump.media_type}; charset=utf-8",
                        direct_passthrough=True)
    response.content_length = dump_file.size
    response.headers["Content-Disposition"] = f'attachment; filename="{dump_file.filename}"'
    return finish(response, negotiated=False, max_age=DUMP_MAX_AGE, etag=dump_etag(dump_file))


_dump_etags: dict = {}


def dump_etag(dump_file) -> str:
    key = (str(dump_file.path), dump_file.size)
    if key not in _dump_etags:
        import hashlib

        digest = hashlib.sha256()
        with open(dump_file.path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _dump_etags[key] = digest.hexdigest()[:32]
    return _dump_etags[key]


@blueprint.get("/dump/<name>")
def old_dump_path(name: str):
    """export.describe's own path for the dumps (in void.ttl files written by `export`)."""
    return redirect(f"{root()}{DUMPS_PATH}{quote(name)}", code=301)


# --- Crawlers ----------------------------------------------------------------------------
# The sitemap's URLs are on the serving host, not the canonical base: sitemaps.org only
# accepts URLs on the sitemap's own host, and these are where the pages actually are.

def sitemap_paths() -> list[str]:
    state = ld()
    pages = set()
    for rule in current_app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        last = rule.rule.rstrip("/").rsplit("/", 1)[-1]
        if rule.rule in NOT_PAGES or "." in last or rule.rule.startswith(DUMPS_PATH):
            continue
        if rule.endpoint.startswith("linked_data.") and rule.rule != "/void":
            continue
        pages.add(rule.rule)
    return sorted(pages) + list(state.service.facts.document_paths())


@blueprint.get("/sitemap.xml")
def sitemap():
    paths = sitemap_paths()
    if len(paths) <= SITEMAP_LIMIT:
        return sitemap_response(urlset(paths))
    parts = (len(paths) + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT
    lastmod = ld().last_modified.strftime("%Y-%m-%d")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    lines += [f"  <sitemap><loc>{escape(root())}/sitemap-{n}.xml</loc><lastmod>{lastmod}</lastmod></sitemap>"
              for n in range(1, parts + 1)]
    lines.append("</sitemapindex>")
    return sitemap_response("\n".join(lines) + "\n")


@blueprint.get("/sitemap-<int:part>.xml")
def sitemap_part(part: int):
    paths = sitemap_paths()
    chunk = paths[(part - 1) * SITEMAP_LIMIT: part * SITEMAP_LIMIT] if part >= 1 else []
    if not chunk or len(paths) <= SITEMAP_LIMIT:
        raise NotFound(f"there is no sitemap part {part}; see /sitemap.xml")
    return sitemap_response(urlset(chunk))


def urlset(paths: list[str]) -> str:
    lastmod = ld().last_modified.strftime("%Y-%m-%d")
    base = escape(root())
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines += [f"  <url><loc>{base}{escape(quote(p))}</loc><lastmod>{lastmod}</lastmod></url>"
              for p in paths]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def sitemap_response(text: str):
    response = Response(text.encode("utf-8"), content_type="application/xml; charset=utf-8")
    return finish(response, negotiated=False)


@blueprint.get("/robots.txt")
def robots():
    text = f"User-agent: *\nDisallow: /sparql\n\nSitemap: {root()}/sitemap.xml\n"
    return finish(Response(text, content_type="text/plain; charset=utf-8"), negotiated=False)
