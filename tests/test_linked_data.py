"""Dereferenceable linked data (the linked_data blueprint), through Flask's test client:
303s from things to their documents, content negotiation and extensions, the documents'
contents, caching headers and conditional requests, /def/ terms and concepts, the VoID
description, the dumps, the sitemap, and 404s in HTML and RDF."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import format_datetime

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, VOID, XSD

from server.app import Service, create_app
from server.config import Settings
from server.loading import load_data, load_model, merge
from server.store import OxigraphStore
from server.uris import OGL, Vocabulary

BASE = "https://w3id.org/going-local"
INSP = Namespace(f"{BASE}/def/inspection/")
OA = Namespace("http://www.w3.org/ns/oa#")
HARROW = URIRef(f"{BASE}/id/bocu/harrow")
RECOMMENDATION = URIRef(f"{BASE}/id/inspection/2003-04/harrow/recommendation/2")
INSPECTION = URIRef(f"{BASE}/id/inspection/2003-04/harrow")
PERFORMANCE = URIRef(f"{BASE}/def/theme/performance-management")
DATASET = URIRef(f"{BASE}/id/dataset/going-local")

FORMATS = {  # extension: (media type, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}


def make_app(base: str = BASE):
    """The app on the shipped data. The shapes are checked by the validation tests; these
    are about serving, so the service is loaded without validating again."""
    settings = Settings(base=base)
    dataset = merge(load_data([settings.data_dir], base=settings.base),
                    load_model(base=settings.base, ontology_dir=settings.ontology_dir))
    service = Service(settings, Vocabulary(settings.base), dataset, OxigraphStore(dataset.graph))
    return create_app(settings, service)


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def dataset(app) -> Graph:
    return app.extensions["going_local"].dataset.graph


def parsed(response, fmt: str) -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    media_type, parser = FORMATS[fmt]
    assert response.mimetype == media_type
    assert response.mimetype_params.get("charset") == "utf-8"
    return Graph().parse(data=response.data, format=parser)


def own_triples(dataset: Graph, iri: URIRef) -> set:
    return set(dataset.triples((iri, None, None)))


# --- /id/: 303 See Other ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/id/bocu/harrow", "/id/inspection/2003-04/harrow/recommendation/2"])
def test_a_thing_redirects_to_its_document(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    doc = path.replace("/id/", "/doc/", 1)
    assert response.headers["Location"] == f"http://localhost{doc}"
    assert "Accept" in response.vary
    assert f'<http://localhost{doc}>; rel="describedby"' in response.headers["Link"]


def test_the_redirect_keeps_the_query_and_an_extension(client):
    assert client.get("/id/bocu/harrow?format=turtle").headers["Location"] == \
        "http://localhost/doc/bocu/harrow?format=turtle"
    response = client.get("/id/bocu/harrow.ttl")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/doc/bocu/harrow.ttl"


def test_the_dataset_redirects_to_its_description(client):
    response = client.get("/id/dataset/going-local")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/void"


# --- Unknown resources: 404 in the form asked for -----------------------------------------

@pytest.mark.parametrize("path", ["/id/bocu/nowhere", "/doc/bocu/nowhere", "/def/inspection/Nothing"])
def test_unknown_is_404_as_html(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["/id/bocu/nowhere", "/doc/bocu/nowhere"])
def test_unknown_is_404_as_an_empty_rdf_document(client, path, fmt):
    media_type, parser = FORMATS[fmt]
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 404
    assert response.mimetype == media_type
    assert len(Graph().parse(data=response.data, format=parser)) == 0


@pytest.mark.parametrize("path", ["/id/a%20b", "/doc/x%22y.ttl", "/doc/x%3E%20%3Fp%20%3Fo", "/def/%7B%7D"])
def test_a_path_that_makes_no_iri_is_404(client, path):
    assert client.get(path).status_code == 404


def test_unknown_by_extension_is_404_in_that_format(client):
    response = client.get("/doc/bocu/nowhere.ttl", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/turtle"
    assert response.get_data(as_text=True).startswith("# Not found:")


def test_unknown_as_plain_text(client):
    response = client.get("/id/bocu/nowhere", headers={"Accept": "text/plain"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "nowhere" in response.get_data(as_text=True)


def test_a_format_not_offered_is_406(client):
    assert client.get("/doc/bocu/harrow", headers={"Accept": "image/png"}).status_code == 406


# --- /doc/: the documents ------------------------------------------------------------------

@pytest.mark.parametrize("how", ["accept", "extension"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_document_in_every_format(client, dataset, fmt, how):
    tail = "inspection/2003-04/harrow/recommendation/2"
    if how == "accept":
        response = client.get(f"/doc/{tail}", headers={"Accept": FORMATS[fmt][0]})
    else:
        response = client.get(f"/doc/{tail}.{fmt}", headers={"Accept": "text/html"})
    g = parsed(response, fmt)
    doc = URIRef(f"{BASE}/doc/{tail}")

    # Its own triples, every one as the data has it (literals keep their datatypes).
    assert own_triples(dataset, RECOMMENDATION) <= set(g)
    assert (RECOMMENDATION, INSP.recommendationNumber, Literal("2", datatype=XSD.positiveInteger)) in g
    # Incoming links, for navigation.
    update = URIRef(f"{RECOMMENDATION}/action/1")
    assert (update, INSP.progressOn, RECOMMENDATION) in g
    # Labels of the neighbours, both ways, and of the properties used.
    assert (INSPECTION, RDFS.label, Literal("Inspection of Harrow BOCU, 2003-04", lang="en")) in g
    assert (PERFORMANCE, SKOS.prefLabel, Literal("Performance management", lang="en")) in g
    assert g.value(update, RDFS.label) is not None
    assert g.value(INSP.recommendationOf, RDFS.label) is not None
    # Provenance: the passage, its selectors and the source text's digest.
    passage = g.value(RECOMMENDATION, INSP.sourcePassage)
    assert passage is not None and (passage, RDF.type, INSP.SourcePassage) in g
    selectors = set(g.objects(passage, OA.hasSelector))
    assert len(selectors) == 2
    quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in g)
    assert str(g.value(quote, OA.exact)).startswith("That the BOCU reviews and refines")
    position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in g)
    assert g.value(position, OA.start) == Literal("7752", datatype=XSD.nonNegativeInteger)
    source = g.value(passage, OA.hasSource)
    assert g.value(source, INSP.sha256) == dataset.value(source, INSP.sha256) is not None
    # The document's own metadata.
    assert (doc, FOAF.primaryTopic, RECOMMENDATION) in g
    assert (doc, DCTERMS.license, OGL) in g
    assert (doc, VOID.inDataset, DATASET) in g
    # Nothing about unrelated resources.
    assert (HARROW, None, None) not in g


def test_every_format_holds_the_same_triples(client):
    graphs = [parsed(client.get(f"/doc/bocu/harrow.{fmt}"), fmt) for fmt in FORMATS]
    assert all(len(g) == len(graphs[0]) > 10 for g in graphs)
    assert all(g.isomorphic(graphs[0]) for g in graphs[1:])


def test_a_bocu_document_has_its_links_both_ways(client, dataset):
    g = parsed(client.get("/doc/bocu/harrow.ttl"), "ttl")
    assert own_triples(dataset, HARROW) <= set(g)
    assert (INSPECTION, INSP.inspectedUnit, HARROW) in g
    borough = g.value(HARROW, INSP.coversBorough)
    assert g.value(borough, RDFS.label) == Literal("Harrow", lang="en")
    # rdf:type links to a thing are not incoming links worth a document: a class's
    # document would list all its instances.
    assert not list(g.subjects(RDF.type, HARROW))


def test_with_no_accept_header_the_document_is_html(client):
    response = client.get("/doc/bocu/harrow")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.mimetype_params.get("charset") == "utf-8"


def test_format_parameter_chooses_too(client):
    response = client.get("/doc/bocu/harrow?format=nt", headers={"Accept": "text/html"})
    assert response.mimetype == "application/n-triples"


# --- Headers and conditional requests ------------------------------------------------------

def test_negotiated_document_headers(client):
    response = client.get("/doc/bocu/harrow", headers={"Accept": "text/turtle"})
    assert "Accept" in response.vary
    assert response.headers["Content-Location"] == "http://localhost/doc/bocu/harrow.ttl"
    link = response.headers["Link"]
    for ext, (media_type, _) in {**FORMATS, "html": ("text/html", None)}.items():
        assert f'<http://localhost/doc/bocu/harrow.{ext}>; rel="alternate"; type="{media_type}"' in link
    assert f'<{HARROW}>; rel="about"' in link
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.last_modified is not None
    assert response.cache_control.max_age > 0


def test_a_document_by_extension_does_not_vary(client):
    response = client.get("/doc/bocu/harrow.ttl")
    assert "Accept" not in response.vary
    assert "Content-Location" not in response.headers


def test_each_representation_has_its_own_etag(client):
    etags = {client.get(f"/doc/bocu/harrow.{fmt}").get_etag()[0] for fmt in FORMATS}
    assert len(etags) == len(FORMATS)


@pytest.mark.parametrize("path", ["/doc/bocu/harrow.ttl", "/doc/bocu/harrow.html", "/def/inspection.ttl",
                                  "/void", "/dumps/going-local.nt", "/sitemap.xml"])
def test_conditional_requests_answer_304(client, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    since = format_datetime(first.last_modified, usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": since}).status_code == 304
    older = format_datetime(first.last_modified.replace(year=first.last_modified.year - 1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": older}).status_code == 200


# --- The HTML page ---------------------------------------------------------------------------

def test_the_plain_page_when_no_pages_blueprint_renders_html(app):
    """Without the pages blueprint's views the blueprint's own table is served: every
    literal escaped, links to the local /id/ and /def/ paths."""
    views = app.view_functions
    saved = {k: views.pop(k) for k in ("pages.resource_page", "pages.definition_page") if k in views}
    try:
        client = app.test_client()
        page = client.get("/doc/committee-paper/2005-01-19-report-8/finding/b1-inspections-2003-04",
                          headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "Kensington &amp; Chelsea" in page and "Kensington & Chelsea" not in page
        assert 'href="/id/bocu/harrow"' in page
        assert 'href="/def/inspection/concernsUnit"' in page
        term = client.get("/def/inspection/Recommendation", headers={"Accept": "text/html"})
        assert term.status_code == 200 and "recommendation" in term.get_data(as_text=True)
        ontology = client.get("/def/inspection.html").get_data(as_text=True)
        assert 'href="/def/inspection/Recommendation"' in ontology
    finally:
        views.update(saved)


# --- /def/: the ontology and the concept schemes ---------------------------------------------

def test_a_term_documents_itself(client, dataset):
    response = client.get("/def/inspection/Recommendation", headers={"Accept": "text/turtle"})
    g = parsed(response, "ttl")
    term = INSP.Recommendation
    assert own_triples(dataset, term) <= set(g)
    assert g.value(term, SKOS.definition) is not None
    assert (term, DCTERMS.license, OGL) in g and (term, VOID.inDataset, DATASET) in g
    assert not list(g.objects(None, FOAF.primaryTopic))
    assert "about" not in response.headers["Link"]


def test_a_concept_documents_itself(client, dataset):
    g = parsed(client.get("/def/theme/performance-management.ttl"), "ttl")
    assert own_triples(dataset, PERFORMANCE) <= set(g)
    assert (URIRef(f"{BASE}/def/theme"), SKOS.hasTopConcept, PERFORMANCE) in g
    # Navigation: the recommendations' theme assignments that point at it.
    assert list(g.subjects(INSP.assignedTheme, PERFORMANCE))


@pytest.mark.parametrize("name", ["inspection", "theme", "outcome-status", "revisit-status", "inspection-status"])
def test_a_whole_vocabulary_is_one_document(client, dataset, name):
    iri = URIRef(f"{BASE}/def/{name}")
    expected = {t for t in dataset if t[0] == iri or str(t[0]).startswith(f"{iri}/")}
    assert len(expected) > 5
    for fmt in FORMATS:
        g = parsed(client.get(f"/def/{name}.{fmt}"), fmt)
        assert expected <= set(g)
    negotiated = client.get(f"/def/{name}", headers={"Accept": "text/turtle"})
    assert negotiated.status_code == 200  # served directly: no 303 for /def/
    assert "Accept" in negotiated.vary


def test_the_namespace_leads_to_its_ontology(client):
    response = client.get("/def/inspection/")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/def/inspection"


def test_every_class_property_and_concept_has_an_html_page(client, dataset):
    defs = sorted({s for s in dataset.subjects() if str(s).startswith(f"{BASE}/def/")})
    assert len(defs) > 100
    for iri in defs:
        response = client.get(iri[len(BASE):], headers={"Accept": "text/html"})
        assert response.status_code == 200, iri
        assert response.mimetype == "text/html"


# --- /void -----------------------------------------------------------------------------------

def void_graph(client, path="/void", fmt="ttl", **headers) -> Graph:
    return parsed(client.get(path, headers=headers), fmt)


def test_void_is_turtle_by_default_and_counts_the_real_triples(client, dataset):
    response = client.get("/void")
    assert response.mimetype == "text/turtle"
    g = Graph().parse(data=response.data, format="turtle")
    assert g.value(DATASET, VOID.triples).toPython() == len(dataset)
    assert (DATASET, RDF.type, VOID.Dataset) in g
    assert (DATASET, DCTERMS.license, OGL) in g
    assert g.value(DATASET, DCTERMS.title) is not None
    assert g.value(DATASET, DCTERMS.publisher) is not None
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef(f"{BASE}/sparql")
    assert (DATASET, VOID.exampleResource, HARROW) in g
    dumps = {str(d) for d in g.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"{BASE}/dumps/going-local.{ext}" for ext in FORMATS}
    counts = {g.value(p, VOID["class"]): g.value(p, VOID.entities).toPython()
              for p in g.objects(DATASET, VOID.classPartition)}
    assert counts[INSP.Recommendation] == len(set(dataset.subjects(RDF.type, INSP.Recommendation))) == 19


@pytest.mark.parametrize("fmt", FORMATS)
def test_void_in_every_format(client, dataset, fmt):
    for g in (void_graph(client, fmt=fmt, Accept=FORMATS[fmt][0]), void_graph(client, f"/void.{fmt}", fmt)):
        assert g.value(DATASET, VOID.triples).toPython() == len(dataset)


def test_well_known_void(client):
    assert client.get("/.well-known/void").data == client.get("/void").data
    page = client.get("/void", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and page.status_code == 200


# --- /dumps/ ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_dumps_hold_the_whole_dataset(client, dataset, fmt):
    response = client.get(f"/dumps/going-local.{fmt}")
    g = parsed(response, fmt)
    assert len(g) == len(dataset)
    assert response.headers["Content-Disposition"] == f'attachment; filename="going-local.{fmt}"'
    assert response.cache_control.max_age >= 3600 and response.headers["ETag"]


def test_dumps_listing_and_old_paths(client):
    listing = client.get("/dumps/").get_data(as_text=True)
    for fmt in FORMATS:
        assert f'href="going-local.{fmt}"' in listing
    moved = client.get("/dump/going-local.ttl")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/dumps/going-local.ttl")
    assert client.get("/dumps/going-local.xls").status_code == 404


# --- Crawlers --------------------------------------------------------------------------------

def test_sitemap_lists_every_document_on_the_serving_host(client, dataset):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert all(u.findtext("s:lastmod", namespaces=ns) for u in root.findall("s:url", ns))
    assert "http://localhost/doc/bocu/harrow" in locs
    assert "http://localhost/def/theme/performance-management" in locs
    assert all(loc.startswith("http://localhost/") for loc in locs)
    assert len(locs) == len(set(locs))
    things = {s for s in dataset.subjects() if str(s).startswith(f"{BASE}/id/")}
    assert sum(loc.startswith("http://localhost/doc/") for loc in locs) == len(things)
    # The application's own pages, read from its URL map, are there too.
    if "/" in {rule.rule for rule in client.application.url_map.iter_rules()}:
        assert "http://localhost/" in locs


def test_robots_points_to_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text.splitlines()


# --- Another base ---------------------------------------------------------------------------

def test_documents_follow_the_configured_base():
    client = make_app("http://example.org/gl").test_client()
    response = client.get("/id/bocu/harrow")
    assert response.status_code == 303
    g = parsed(client.get("/doc/bocu/harrow.ttl"), "ttl")
    harrow = URIRef("http://example.org/gl/id/bocu/harrow")
    assert (URIRef("http://example.org/gl/doc/bocu/harrow"), FOAF.primaryTopic, harrow) in g
    assert (harrow, RDF.type, URIRef("http://example.org/gl/def/inspection/BoroughOperationalCommandUnit")) in g
    assert not [t for t in g for term in t if str(term).startswith(BASE)]
