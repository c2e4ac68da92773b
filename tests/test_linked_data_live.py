"""Linked data over real HTTP: `going-local serve` on a loopback port, asked with urllib
(redirects not followed, so the 303s are seen) and every answer parsed back with rdflib."""

from __future__ import annotations

import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS, VOID

from live import live_server
from server.config import Settings
from server.loading import load_data, load_model, merge

BASE = "https://w3id.org/going-local"
OTHER_BASE = "http://example.org/gl"
INSP = Namespace(f"{BASE}/def/inspection/")
OA = Namespace("http://www.w3.org/ns/oa#")
RECOMMENDATION = URIRef(f"{BASE}/id/inspection/2003-04/harrow/recommendation/2")
STARTUP = 600.0  # seconds: the server loads and validates everything before it answers

FORMATS = {  # extension: (media type, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back as an HTTPError, to be looked at


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects)


def get(url: str, **headers):
    """(status, headers, body) of a GET, whatever the status."""
    request = urllib.request.Request(url, headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def parse(body: bytes, fmt: str) -> Graph:
    return Graph().parse(data=body, format=FORMATS[fmt][1])


@pytest.fixture(scope="module")
def server():
    with live_server(env={"GOING_LOCAL_BASE": BASE}, timeout=STARTUP) as root:
        yield root


@pytest.fixture(scope="module")
def dataset() -> Graph:
    settings = Settings()
    return merge(load_data([settings.data_dir], base=BASE),
                 load_model(base=BASE, ontology_dir=settings.ontology_dir)).graph


@pytest.mark.parametrize("tail", ["bocu/harrow", "inspection/2003-04/harrow/recommendation/2"])
def test_see_other(server, tail):
    status, headers, _ = get(f"{server}/id/{tail}", Accept="text/turtle")
    assert status == 303
    assert headers["Location"] == f"{server}/doc/{tail}"
    assert "Accept" in headers["Vary"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_by_accept_and_by_extension(server, dataset, fmt):
    tail = "inspection/2003-04/harrow/recommendation/2"
    by_accept = get(f"{server}/doc/{tail}", Accept=FORMATS[fmt][0])
    by_extension = get(f"{server}/doc/{tail}.{fmt}")
    for status, headers, body in (by_accept, by_extension):
        assert status == 200
        assert headers["Content-Type"] == f"{FORMATS[fmt][0]}; charset=utf-8"
        g = parse(body, fmt)
        assert set(dataset.triples((RECOMMENDATION, None, None))) <= set(g)
        inspection = g.value(RECOMMENDATION, INSP.recommendationOf)
        assert g.value(inspection, RDFS.label) is not None
        theme = g.value(RECOMMENDATION, INSP.theme)
        assert g.value(theme, SKOS.prefLabel) is not None
        passage = g.value(RECOMMENDATION, INSP.sourcePassage)
        kinds = {g.value(s, RDF.type) for s in g.objects(passage, OA.hasSelector)}
        assert kinds == {OA.TextQuoteSelector, OA.TextPositionSelector}
        assert (URIRef(f"{BASE}/doc/{tail}"), FOAF.primaryTopic, RECOMMENDATION) in g
    assert by_accept[2] == by_extension[2]


def test_caching_headers_and_conditional_requests(server):
    url = f"{server}/doc/bocu/harrow"
    status, headers, _ = get(url, Accept="text/turtle")
    assert status == 200
    assert "Accept" in headers["Vary"]
    assert f'<{server}/doc/bocu/harrow.jsonld>; rel="alternate"; type="application/ld+json"' in headers["Link"]
    assert f'<{BASE}/id/bocu/harrow>; rel="about"' in headers["Link"]
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and parsedate_to_datetime(modified)
    assert get(url, Accept="text/turtle", If_None_Match=etag)[0] == 304
    assert get(url, Accept="text/turtle", If_Modified_Since=modified)[0] == 304
    assert get(url, Accept="application/n-triples", If_None_Match=etag)[0] == 200


def test_void_counts_the_dumps_triples(server, dataset):
    status, headers, body = get(f"{server}/void")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    void = parse(body, "ttl")
    dataset_iri = URIRef(f"{BASE}/id/dataset/going-local")
    assert void.value(dataset_iri, VOID.triples).toPython() == len(dataset)
    for dump in void.objects(dataset_iri, VOID.dataDump):
        fmt = str(dump).rsplit(".", 1)[1]
        status, headers, body = get(f"{server}{str(dump)[len(BASE):]}")
        assert status == 200
        assert "attachment" in headers["Content-Disposition"]
        assert len(parse(body, fmt)) == len(dataset)


def test_sitemap_and_robots(server):
    import xml.etree.ElementTree as ET

    status, _, body = get(f"{server}/sitemap.xml")
    assert status == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {u.findtext("s:loc", namespaces=ns) for u in ET.fromstring(body).findall("s:url", ns)}
    assert f"{server}/doc/bocu/harrow" in locs
    _, _, robots = get(f"{server}/robots.txt")
    assert f"Sitemap: {server}/sitemap.xml" in robots.decode()


def test_unknown_is_404_in_html_and_in_rdf(server):
    status, headers, body = get(f"{server}/id/bocu/nowhere", Accept="text/html")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    status, headers, body = get(f"{server}/id/bocu/nowhere", Accept="text/turtle")
    assert status == 404 and headers["Content-Type"].startswith("text/turtle")
    assert len(parse(body, "ttl")) == 0


def test_another_base_is_used_throughout():
    with live_server(env={"GOING_LOCAL_BASE": OTHER_BASE}, timeout=STARTUP) as root:
        status, headers, _ = get(f"{root}/id/bocu/harrow")
        assert status == 303 and headers["Location"] == f"{root}/doc/bocu/harrow"
        status, headers, body = get(f"{root}/doc/bocu/harrow.ttl")
        assert status == 200
        g = parse(body, "ttl")
        harrow = URIRef(f"{OTHER_BASE}/id/bocu/harrow")
        assert (URIRef(f"{OTHER_BASE}/doc/bocu/harrow"), FOAF.primaryTopic, harrow) in g
        assert (harrow, RDF.type, URIRef(f"{OTHER_BASE}/def/inspection/BoroughOperationalCommandUnit")) in g
        assert not [term for triple in g for term in triple if str(term).startswith(BASE)]
        assert f'<{OTHER_BASE}/id/bocu/harrow>; rel="about"' in headers["Link"]
