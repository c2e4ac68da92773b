"""A tiny real SPARQL endpoint for tests: rdflib behind http.server on 127.0.0.1.

    python tests/sparql_endpoint.py --log QUERIES.jsonl DATA.ttl ...

Binds a free port, prints `http://127.0.0.1:PORT/sparql` on its first line of output
when ready, and answers GET ?query= and POST (form-encoded or application/sparql-query)
with SPARQL JSON results (SELECT, ASK) or Turtle (CONSTRUCT, DESCRIBE). Every query it
receives is appended to the log, so tests can see exactly what reached it.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from rdflib import BNode, Graph, Literal, URIRef


def term_json(term):
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        out["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def make_handler(graph: Graph, log: Path):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_GET(self):
            url = urlparse(self.path)
            self.answer(url.path, parse_qs(url.query).get("query", [None])[0])

        def do_POST(self):
            url = urlparse(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            if self.headers.get("Content-Type", "").startswith("application/sparql-query"):
                query = body
            else:
                query = parse_qs(body).get("query", [None])[0]
            self.answer(url.path, query)

        def send(self, status: int, content_type: str, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def answer(self, path: str, query: str | None):
            if path != "/sparql":
                return self.send(404, "text/plain", b"no endpoint here\n")
            if not query:
                return self.send(400, "text/plain", b"no query\n")
            with log.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"method": self.command, "query": query}) + "\n")
            try:
                result = graph.query(query)
            except Exception as error:  # the client sent something rdflib cannot run
                return self.send(400, "text/plain", f"bad query: {error}\n".encode())
            if result.type in ("CONSTRUCT", "DESCRIBE"):
                return self.send(200, "text/turtle", result.graph.serialize(format="turtle").encode())
            if result.type == "ASK":
                data = {"head": {}, "boolean": bool(result.askAnswer)}
            else:
                names = [str(v) for v in result.vars]
                rows = [{n: term_json(row[i]) for i, n in enumerate(names) if row[i] is not None}
                        for row in result]
                data = {"head": {"vars": names}, "results": {"bindings": rows}}
            self.send(200, "application/sparql-results+json", json.dumps(data).encode())

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True, type=Path)
    parser.add_argument("data", nargs="+", type=Path)
    args = parser.parse_args()
    graph = Graph()
    for path in args.data:
        graph.parse(path, format="turtle")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(graph, args.log))
    print(f"http://127.0.0.1:{server.server_address[1]}/sparql", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
