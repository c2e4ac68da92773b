"""The London boroughs, their police forces and the MPS's BOCUs, from the reference CSV.

Each borough is named by its statistics.data.gov.uk URI (not re-minted), with its
GSS code; each MPS borough gets a BOCU. Every resource cites its CSV row.
"""

from __future__ import annotations

import csv
import io

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, PROV, SKOS

from ..uris import slugify
from .context import Context, add_label, add_types
from .errors import CurationError
from .passages import SourceText

COLUMNS = ["gss_code", "name", "policed_by", "statistics_uri"]
MPS = "Metropolitan Police Service"


def compile_reference(source: SourceText, ctx: Context) -> Graph:
    graph = Graph()
    insp = ctx.vocab.INSP
    source.describe(graph)
    ctx.described.add(source.slug)
    rows = list(csv.DictReader(io.StringIO(source.text)))
    header = source.text.split("\n", 1)[0].split(",")
    if header != COLUMNS:
        raise CurationError(f"columns must be {','.join(COLUMNS)}", source.path.name, 1)
    lines = source.text.split("\n")
    for number, row in enumerate(rows, start=2):
        span = source.locate(lines[number - 1], what=f"row {number}")
        force = ctx.vocab.id("force", slugify(row["policed_by"]))
        add_types(graph, force, insp.PoliceForce, ORG.FormalOrganization)
        add_label(graph, force, row["policed_by"])
        graph.add((force, PROV.wasDerivedFrom, source.uri))

        borough = URIRef(row["statistics_uri"])
        add_types(graph, borough, insp.Borough)
        add_label(graph, borough, row["name"])
        graph.add((borough, insp.gssCode, Literal(row["gss_code"])))
        graph.add((borough, insp.policedBy, force))
        source.cite(graph, borough, span)

        if row["policed_by"] == MPS:
            slug = slugify(row["name"])
            bocu = ctx.vocab.id("bocu", slug)
            ctx.bocus[slug] = row["name"]
            add_types(graph, bocu, insp.BoroughOperationalCommandUnit, insp.BasicCommandUnit)
            add_label(graph, bocu, f"{row['name']} BOCU")
            graph.add((bocu, SKOS.notation, Literal(slug)))
            graph.add((bocu, insp.force, force))
            graph.add((bocu, insp.coversBorough, borough))
            source.cite(graph, bocu, span)
    return graph
