"""The SPARQL 1.1 Service Description of /sparql (https://www.w3.org/TR/sparql11-service-description/),
as an rdflib graph: what a GET of the endpoint with no query answers."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

# The W3C's IRIs for the formats the endpoint writes, by media type.
FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
}


def service_description(endpoint: str, triples: int, limits, representations) -> Graph:
    """The description of the endpoint at `endpoint` (its absolute URL) over a dataset of
    `triples` triples, with the limits it applies and the formats it writes.

    None of the five features the Service Description vocabulary names applies (no
    federation, no URI dereferencing, no named graphs), so the features stated are this
    endpoint's own, named under its URL: it is read-only, and has a time limit and a cap
    on rows."""
    g = Graph()
    for prefix, namespace in (("sd", SD), ("formats", FORMATS), ("void", VOID),
                              ("dcterms", DCTERMS), ("rdfs", RDFS), ("ent", ENTAILMENT)):
        g.bind(prefix, namespace)
    service = URIRef(f"{endpoint}#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, DCTERMS.title, Literal("Going Local inspections: SPARQL endpoint", lang="en")))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    for rep in representations:
        if rep.media_type in FORMAT_IRIS:
            g.add((service, SD.resultFormat, FORMAT_IRIS[rep.media_type]))

    features = [
        ("read-only", "Read-only",
         "Only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) are answered; SPARQL Update, SERVICE, "
         "FROM and FROM NAMED are refused, and nothing is ever fetched.", None),
        ("time-limit", "Time limit",
         f"A query still running after {limits.timeout:g} s is stopped and answered with "
         "HTTP 503.", Literal(limits.timeout, datatype=XSD.decimal)),
        ("row-limit", "Row limit",
         f"At most {limits.max_rows} rows (or triples) are returned; a result cut there "
         "has the header X-Result-Truncated: true.", Literal(limits.max_rows)),
    ]
    for fragment, label, comment, value in features:
        feature = URIRef(f"{endpoint}#{fragment}")
        g.add((service, SD.feature, feature))
        g.add((feature, RDF.type, SD.Feature))
        g.add((feature, RDFS.label, Literal(label, lang="en")))
        g.add((feature, RDFS.comment, Literal(comment, lang="en")))
        if value is not None:
            g.add((feature, RDF.value, value))

    dataset, graph = BNode("defaultDataset"), BNode("defaultGraph")  # fixed labels: stable bytes
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, graph))
    g.add((graph, RDF.type, SD.Graph))
    g.add((graph, VOID.triples, Literal(triples)))
    return g
