"""Every RDF representation comes out byte for byte the same in every process, whatever
Python's string hashing: ETags, caches and static copies depend on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
import hashlib, sys
from rdflib import Graph
from server.negotiation import RDF_REPRESENTATIONS, serialize_graph
graph = Graph().parse("data/inspections/2003-04/kensington-and-chelsea.ttl")
for representation in RDF_REPRESENTATIONS:
    print(representation.name, hashlib.sha256(serialize_graph(graph, representation)).hexdigest())
"""


def digests(seed: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
    return done.stdout


def test_the_same_bytes_under_any_hash_seed():
    first = digests("1")
    assert len(first.splitlines()) == 4
    assert digests("2") == first
    assert digests("12345") == first


@pytest.mark.parametrize("name", ["turtle", "jsonld", "rdfxml", "nt"])
def test_each_representation_parses_back_to_the_same_graph(name):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from server.negotiation import RDF_REPRESENTATIONS, RDFLIB_FORMATS, serialize_graph

    graph = Graph().parse(ROOT / "data/inspections/2003-04/kensington-and-chelsea.ttl")
    representation = next(r for r in RDF_REPRESENTATIONS if r.name == name)
    again = Graph().parse(data=serialize_graph(graph, representation),
                          format=RDFLIB_FORMATS[representation])
    assert isomorphic(graph, again)
