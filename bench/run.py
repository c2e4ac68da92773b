"""The scale benchmarks, in one command: the service from thousands to millions of triples,
beside Oxigraph's own server and rdflib-endpoint.

    python bench/run.py --sizes 10k,100k,1M [--peers oxigraph-server,rdflib-endpoint]
                        [--requests 20] [--concurrency 4] [--work DIR] [--out bench/results]

For each size, synthetic data (`going-local synth --seed 1`) in a temporary folder (never
data/), then:

- the build (`going-local build`): time, peak memory of its processes, size on disk, and
  the full SHACL validation's time (in parts, in worker processes);
- a cold start (`serve --data`: parse and validate) and a start from the build
  (`serve --store-dir`): seconds until /health answers, and until /sparql answers (its
  workers load the build's dataset.nt);
- p50/p99 of every query in queries/ through /sparql, and of the home page, a BOCU page, a
  recommendation page and a /doc/ Turtle document: as served (the page cache on, repeated
  requests) and uncached (the cache off, each request for another resource);
- requests per second under concurrency on loopback (keep-alive clients, one thread each)
  for the queries and for the pages; the server's peak memory (its processes' summed RSS);
- SHACL validation of one changed inspection (`validate --changed`);
- the same queries, the same way, on Oxigraph's server (`oxigraph load` + `oxigraph serve`
  over the same N-Triples) and on rdflib-endpoint serving the same file.

Every process is started here and stopped by its PID; all traffic is to 127.0.0.1; every
loop is bounded (a request has a timeout, a peer a time budget). Results: a markdown table,
a CSV and an SVG chart in --out (bench/results/ by default). Needs the `bench` extra
(rdflib-endpoint) for that peer, and the `oxigraph` command (test extra) for the other.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.charts import number, text_width  # noqa: E402
from server.queries import bind_params, named_queries, rebase_query, with_values  # noqa: E402

SEED = 1
REQUEST_TIMEOUT = 60.0


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def label_of(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1_000}k"


# --- Processes -------------------------------------------------------------------------------

def env(**extra) -> dict:
    found = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}
    found["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), found.get("PYTHONPATH")]))
    found.update(extra)
    return found


def going_local(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


def tree_sum(pid: int, value_of) -> int:
    """The sum of value_of(the fields of /proc/PID/stat after the name) over a process and
    its descendants."""
    children: dict[int, list[int]] = {}
    values: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            values[int(entry)] = value_of(fields)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += values.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def tree_rss(pid: int) -> int:
    """The summed resident memory (bytes) of a process and its descendants."""
    return tree_sum(pid, lambda fields: int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))


def tree_cpu_ticks(pid: int) -> int:
    """The CPU time (clock ticks, user + system) of a process and its descendants."""
    return tree_sum(pid, lambda fields: int(fields[11]) + int(fields[12]))


def wait_until_idle(pid: int, timeout: float, busy: float = 0.1) -> float:
    """When a process tree first uses less than `busy` of one CPU over half a second (or
    the timeout passes): the time.perf_counter() of then."""
    deadline = time.perf_counter() + timeout
    per_second = os.sysconf("SC_CLK_TCK")
    before = tree_cpu_ticks(pid)
    while time.perf_counter() < deadline:
        time.sleep(0.5)
        now = tree_cpu_ticks(pid)
        if (now - before) / per_second < busy * 0.5:
            return time.perf_counter()
        before = now
    return time.perf_counter()


class Sampler:
    """Samples a process tree's memory every 0.2 s, keeping the peak."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_measured(command: list[str], timeout: float, **kwargs) -> tuple[float, int, str, str]:
    """Run to the end: (seconds, peak memory of its processes, stdout, stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, **kwargs)
    sampler = Sampler(process.pid)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        sampler.stop()
        raise
    peak = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}... exited {process.returncode}: {err.strip()[-500:]}")
    return time.perf_counter() - started, peak, out, err


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on a loopback port, stopped by its PID."""

    def __init__(self, command: list[str], port: int, ready_path: str, timeout: float, **kwargs):
        self.port = port
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True, cwd=ROOT, **kwargs)
        self.sampler = Sampler(self.process.pid)
        self.ready_seconds = self._wait(ready_path, timeout)

    def _wait(self, path: str, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read()[-500:]}")
            try:
                status, _, _ = get(self.port, path, timeout=5)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"not ready within {timeout:.0f} s")

    def wait_for(self, path: str, timeout: float) -> float:
        return self._wait(path, timeout)

    def stop(self) -> int:
        peak = self.sampler.stop()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return peak


# --- HTTP ---------------------------------------------------------------------------------------

def get(port: int, path: str, accept: str = "*/*", timeout: float = REQUEST_TIMEOUT,
        connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes, float]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        if own:
            connection.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Timing:
    p50: float = float("nan")
    p99: float = float("nan")
    errors: int = 0
    note: str = ""


def timings(port: int, paths: list[str], accept: str, requests: int, budget: float | None = None) -> Timing:
    """p50/p99 (ms) of `requests` requests, cycling over `paths`, one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    found, errors, note, stopped = [], 0, "", ""
    started = time.perf_counter()
    try:
        for n in range(requests):
            if budget is not None and time.perf_counter() - started > budget:
                stopped = f"stopped after {n} requests ({budget:.0f} s budget)"
                break
            try:
                status, _, seconds = get(port, paths[n % len(paths)], accept, connection=connection)
            except (OSError, http.client.HTTPException) as error:
                errors += 1
                note = f"{type(error).__name__}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                continue
            if status != 200:
                errors += 1
                note = f"HTTP {status}"
            found.append(seconds * 1000)
    finally:
        connection.close()
    if errors:
        note = f"{errors} failed ({note})" + (f"; {stopped}" if stopped else "")
    elif stopped:
        note = stopped
    return Timing(percentile(found, 50), percentile(found, 99), errors, note)


def throughput(port: int, paths: list[str], accept: str, total: int, concurrency: int,
               budget: float = 120.0) -> tuple[float, int]:
    """Requests per second with `concurrency` keep-alive clients sharing `total` requests
    (or as many as the budget allows); and the errors."""
    counter = iter(range(total))
    lock = threading.Lock()
    done, errors = [0], [0]
    deadline = time.perf_counter() + budget

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            try:
                status, _, _ = get(port, paths[n % len(paths)], accept, connection=connection)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            with lock:
                done[0] += 1
                errors[0] += 0 if ok else 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - started), errors[0]


# --- What is asked ------------------------------------------------------------------------------

def query_texts(base: str, store_select) -> dict[str, str]:
    """Every named query with values the synthetic data has (a year it inspected, a
    recommendation it holds), rebased to the data's base, parameters as a VALUES block."""
    years = ("SELECT ?n WHERE { ?y a <%s/def/inspection/ProgrammeYear> ; "
             "<http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY %s(?n) LIMIT 1")
    year, first_year = store_select(years % (base, "DESC")), store_select(years % (base, "ASC"))
    recommendation = store_select("SELECT ?r WHERE { ?r a <%s/def/inspection/Recommendation> } LIMIT 1" % base)
    force = store_select("SELECT ?f WHERE { ?u a <%s/def/inspection/BasicCommandUnit> ; "
                         "<%s/def/inspection/force> ?f } ORDER BY ?f LIMIT 1" % (base, base))
    # The units of a force not inspected in the first year: most of them, a real answer.
    params = {"bocus-per-theme": {"year": year}, "theme-findings": {"year": year},
              "bocus-not-yet-inspected": {"year": first_year, "force": f"<{force}>"},
              "provenance-of-a-resource": {"resource": f"<{recommendation}>"}}
    texts = {}
    for name, query in sorted(named_queries(ROOT / "queries").items()):
        bound = bind_params(query, params.get(name, {}))
        texts[name] = with_values(rebase_query(query.text, base), bound)
    return texts


def row_count(port: int, endpoint: str, text: str) -> float:
    """How many rows a query answers: the same on every system, or a figure is not comparable."""
    try:
        status, body, _ = get(port, sparql_path(endpoint, text), "application/sparql-results+json")
        return float(len(json.loads(body)["results"]["bindings"])) if status == 200 else float("nan")
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        return float("nan")


def sparql_path(endpoint: str, text: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': text})}"


def select_one(port: int, endpoint: str):
    def run(text: str) -> str:
        status, body, _ = get(port, sparql_path(endpoint, text), "application/sparql-results+json")
        rows = json.loads(body)["results"]["bindings"]
        return next(iter(rows[0].values()))["value"] if rows else ""
    return run


def page_paths(port: int, base: str, many: int) -> dict[str, list[str]]:
    """The pages measured: the home page, BOCU pages, recommendation pages and /doc/
    Turtle documents of BOCUs (`many` of each, for the uncached figures)."""
    def paths(cls: str) -> list[str]:
        text = (f"SELECT ?x WHERE {{ ?x a <{base}/def/inspection/{cls}> }} ORDER BY ?x LIMIT {many}")
        status, body, _ = get(port, sparql_path("/sparql", text), "application/sparql-results+json")
        return ["/doc/" + b["x"]["value"][len(base) + len("/id/"):] for b in json.loads(body)["results"]["bindings"]]
    bocus, recommendations = paths("BasicCommandUnit"), paths("Recommendation")
    return {"home page": ["/"], "BOCU page": bocus, "recommendation page": recommendations,
            "/doc/ Turtle": [p + ".ttl" for p in bocus]}


# --- One size -----------------------------------------------------------------------------------

@dataclass
class Row:
    size: str
    system: str
    metric: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)

    def add(self, size, system, metric, value, unit, note=""):
        self.rows.append(Row(size, system, metric, value, unit, note))
        shown = f"{value:.3g}" if isinstance(value, float) else value
        print(f"  {size:>5} {system:<16} {metric:<44} {shown} {unit} {note}", flush=True)


def bench_size(size: int, args, work: Path, results: Results) -> None:
    label = label_of(size)
    data, store = work / f"synth-{label}", work / f"store-{label}"
    print(f"== {label} triples", flush=True)
    subprocess.run(going_local("synth", "--triples", str(size), "--seed", str(SEED), "--out", str(data)),
                   check=True, cwd=ROOT, env=env(), capture_output=True)
    base = json.loads((data / "synthetic.json").read_text())["base"]
    us = "going-local"

    # The build, with the full validation.
    seconds, peak, _, err = run_measured(going_local("build", "--data", str(data), "--out", str(store)),
                                         timeout=3600, env=env())
    manifest = json.loads((store / "manifest.json").read_text())
    results.add(label, us, "build (read, validate, write)", seconds, "s")
    results.add(label, us, "build peak memory", peak / 2**20, "MiB")
    results.add(label, us, "SHACL full validation (in parts, 2 workers)",
                manifest["timings"]["read_and_validate"], "s", "includes reading the files")
    results.add(label, us, "store size on disk (RocksDB)", du(store / "store") / 2**20, "MiB")
    results.add(label, us, "build size on disk (all files)", manifest["bytes"] / 2**20, "MiB")
    results.add(label, us, "store bulk load (from N-Triples)", manifest["timings"]["store"], "s")

    # A cold start: parse and validate.
    port = free_port()
    try:
        cold = Server(going_local("serve", "--data", str(data), "--port", str(port)), port, "/health",
                      timeout=args.cold_budget, env=env())
    except RuntimeError as error:
        results.add(label, us, "cold start (parse + validate) to /health", float("nan"), "s", str(error)[:80])
    else:
        results.add(label, us, "cold start (parse + validate) to /health", cold.ready_seconds, "s")
        results.add(label, us, "cold start peak memory", cold.stop() / 2**20, "MiB")

    # From the build: as served, then uncached.
    for cached in (True, False):
        port = free_port()
        extra = {} if cached else {"GOING_LOCAL_PAGE_CACHE": "0"}
        server = Server(going_local("serve", "--store-dir", str(store), "--port", str(port)), port,
                        "/health", timeout=600, env=env(**extra))
        mode = "cached" if cached else "uncached"
        try:
            if cached:
                results.add(label, us, "start from the build to /health", server.ready_seconds, "s")
            sparql_ready = server.wait_for(sparql_path("/sparql", "ASK {}"), 600)
            # The workers answer from the on-disk store at once and load the data into memory
            # beside it: measure once that is done, not while it takes both cores.
            settled = wait_until_idle(server.process.pid, 300) - server.started
            if cached:
                results.add(label, us, "start from the build to /sparql answering", sparql_ready, "s")
                results.add(label, us, "start from the build until idle (workers loaded)", settled, "s")
                texts = query_texts(base, select_one(port, "/sparql"))
                for name, text in texts.items():
                    t = timings(port, [sparql_path("/sparql", text)], "application/sparql-results+json",
                                args.requests)
                    results.add(label, us, f"query {name} p50", t.p50, "ms", t.note)
                    results.add(label, us, f"query {name} p99", t.p99, "ms")
                    results.add(label, us, f"query {name} rows", row_count(port, "/sparql", text), "rows")
                rps, errors = throughput(port, [sparql_path("/sparql", t) for t in texts.values()],
                                         "application/sparql-results+json",
                                         args.requests * len(texts), args.concurrency)
                results.add(label, us, f"/sparql queries per second (concurrency {args.concurrency})",
                            rps, "req/s", f"{errors} errors" if errors else "")
            pages = page_paths(port, base, args.requests)
            if get(port, "/", "text/html")[0] != 200:
                # The home page shows the 2003-04 programme year, which small synthetic sets lack.
                results.add(label, us, f"home page p50 ({mode})", float("nan"), "ms",
                            "no 2003-04 programme year in this data")
                del pages["home page"]
            for name, paths in pages.items():
                accept = "text/turtle" if name.endswith("Turtle") else "text/html"
                t = timings(port, paths[:1] if cached else paths, accept, args.requests)
                results.add(label, us, f"{name} p50 ({mode})", t.p50, "ms", t.note)
                results.add(label, us, f"{name} p99 ({mode})", t.p99, "ms")
            if cached:
                mix = [paths[0] for paths in pages.values()]
                rps, errors = throughput(port, mix, "text/html", args.requests * 8, args.concurrency)
                results.add(label, us, f"pages per second (concurrency {args.concurrency})", rps,
                            "req/s", f"{errors} errors" if errors else "")
        finally:
            peak = server.stop()
        if cached:
            results.add(label, us, "server peak memory (server + query workers)", peak / 2**20, "MiB")

    # One changed inspection, validated alone.
    results_inc = incremental(data, store)
    if results_inc:
        wall, inside, note = results_inc
        results.add(label, us, "SHACL one changed inspection (in the process)", inside, "s", note)
        results.add(label, us, "SHACL one changed inspection (command, wall)", wall, "s")

    peers(label, args, work, store, base, results)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def incremental(data: Path, store: Path):
    """Change one inspection's label, validate the change, put the file back."""
    files = sorted((data / "inspections").glob("*.ttl"))
    if not files:
        return None
    target = files[len(files) // 2]
    original = target.read_bytes()
    lines = original.decode("utf-8").split("\n")
    for i, line in enumerate(lines):
        if "/def/inspection/Inspection>" in line and "rdf-syntax-ns#type" in line:
            subject = line.split(" ", 1)[0]
            for j, other in enumerate(lines):
                if other.startswith(subject + " <http://www.w3.org/2000/01/rdf-schema#label>"):
                    lines[j] = other.replace('"@en', ' (changed)"@en')
                    break
            break
    try:
        target.write_text("\n".join(lines), encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(going_local("validate", "--changed", "--store-dir", str(store)),
                              cwd=ROOT, env=env(), capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
    finally:
        target.write_bytes(original)
    line = done.stderr.strip().splitlines()[0] if done.stderr.strip() else ""
    try:
        inside = float(line.split(" in ")[1].split(" s")[0])
    except (IndexError, ValueError):
        inside = float("nan")
    return wall, inside, line.split(" (")[0]


def peer_command(name: str) -> str | None:
    """A peer's command: the one installed beside this Python (the bench and test extras),
    else the first on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def peers(label: str, args, work: Path, store: Path, base: str, results: Results) -> None:
    dataset = store / "dataset.nt"
    oxigraph, rdflib_endpoint = peer_command("oxigraph"), peer_command("rdflib-endpoint")
    for wanted, found in (("oxigraph-server", oxigraph), ("rdflib-endpoint", rdflib_endpoint)):
        if wanted in args.peers and found is None:
            results.add(label, wanted, "not measured", float("nan"), "", "command not installed")
    if "oxigraph-server" in args.peers and oxigraph:
        location = work / f"oxigraph-{label}"
        shutil.rmtree(location, ignore_errors=True)
        seconds, peak, _, _ = run_measured([oxigraph, "load", "--location", str(location),
                                            "--file", str(dataset)], timeout=3600)
        results.add(label, "oxigraph-server", "load (oxigraph load)", seconds, "s")
        results.add(label, "oxigraph-server", "store size on disk", du(location) / 2**20, "MiB")
        port = free_port()
        server = Server([oxigraph, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                        port, "/query?query=ASK%7B%7D", timeout=600)
        try:
            results.add(label, "oxigraph-server", "start to answering", server.ready_seconds, "s")
            peer_queries(label, "oxigraph-server", port, "/query", base, args, results)
        finally:
            results.add(label, "oxigraph-server", "server peak memory", server.stop() / 2**20, "MiB")
        shutil.rmtree(location, ignore_errors=True)
    if "rdflib-endpoint" in args.peers and rdflib_endpoint:
        port = free_port()
        try:
            # Its command-line endpoint answers at the root path.
            server = Server([rdflib_endpoint, "serve", str(dataset), "--host", "127.0.0.1",
                             "--port", str(port)], port, "/?query=ASK%7B%7D", timeout=1800)
        except RuntimeError as error:
            results.add(label, "rdflib-endpoint", "start to answering", float("nan"), "s", str(error)[:80])
            return
        try:
            results.add(label, "rdflib-endpoint", "start to answering (parse)", server.ready_seconds, "s")
            peer_queries(label, "rdflib-endpoint", port, "/", base, args, results,
                         requests=max(2, args.requests // 5), budget=args.peer_budget)
        finally:
            results.add(label, "rdflib-endpoint", "server peak memory", server.stop() / 2**20, "MiB")


def peer_queries(label, system, port, endpoint, base, args, results, requests=None, budget=None):
    requests = requests or args.requests
    texts = query_texts(base, select_one(port, endpoint))
    started = time.perf_counter()
    per_query = budget / len(texts) if budget else None
    for name, text in texts.items():
        t = timings(port, [sparql_path(endpoint, text)], "application/sparql-results+json", requests,
                    budget=per_query)
        results.add(label, system, f"query {name} p50", t.p50, "ms", t.note)
        results.add(label, system, f"query {name} p99", t.p99, "ms")
        results.add(label, system, f"query {name} rows", row_count(port, endpoint, text), "rows")
    remaining = None if budget is None else max(30.0, budget - (time.perf_counter() - started))
    rps, errors = throughput(port, [sparql_path(endpoint, t) for t in texts.values()],
                             "application/sparql-results+json", requests * len(texts), args.concurrency,
                             budget=remaining or 120.0)
    results.add(label, system, f"/sparql queries per second (concurrency {args.concurrency})", rps,
                "req/s", f"{errors} errors" if errors else "")


# --- Writing the results ------------------------------------------------------------------------

def write(results: Results, out: Path, args, commit: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scale.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["size", "system", "metric", "value", "unit", "note"])
        for r in results.rows:
            writer.writerow([r.size, r.system, r.metric, f"{r.value:.4g}", r.unit, r.note])
    sizes = list(dict.fromkeys(r.size for r in results.rows))
    keys = list(dict.fromkeys((r.system, r.metric, r.unit) for r in results.rows))
    table = {(r.size, r.system, r.metric): r for r in results.rows}
    lines = ["# Scale benchmark", "",
             f"Commit {commit}; {time.strftime('%Y-%m-%d')}; {os.cpu_count()} CPUs; synthetic data "
             f"(seed {SEED}); {args.requests} requests per figure, concurrency {args.concurrency}; "
             "loopback. One run. `python bench/run.py --sizes " + args.sizes + "`.", "",
             "| system | metric | unit | " + " | ".join(sizes) + " |",
             "|---|---|---|" + "---|" * len(sizes)]
    for system, metric, unit in keys:
        cells = []
        for size in sizes:
            row = table.get((size, system, metric))
            if row is None:
                cells.append("")
            else:
                value = "n/a" if row.value != row.value else number_text(row.value)
                cells.append(value + (f" ({row.note})" if row.note else ""))
        lines.append(f"| {system} | {metric} | {unit} | " + " | ".join(cells) + " |")
    (out / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "scale.svg").write_text(chart(results, sizes), encoding="utf-8")


def number_text(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


COLOURS = {"going-local": "#1b6ca8", "oxigraph-server": "#e08a1e", "rdflib-endpoint": "#7a7a7a"}


def chart(results: Results, sizes: list[str]) -> str:
    """Two panels: /sparql requests per second per size and system (log scale), and each
    query's p50 at the largest size per system (log scale)."""
    import math

    width, panel, pad, bar = 920, 300, 60, 14
    systems = [s for s in COLOURS if any(r.system == s for r in results.rows)]
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {2 * panel + 120}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="{pad}" y="20" font-size="14" font-weight="bold">/sparql requests per second '
           f'(log scale)</text>']

    def scale(value: float, low: float, high: float, length: float) -> float:
        value = max(value, low)
        return length * (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))

    rps = {(r.size, r.system): r.value for r in results.rows if r.metric.startswith("/sparql queries per second")}
    top = 30
    high = max([v for v in rps.values() if v == v] + [10])
    low = 0.01
    group = (width - 2 * pad) / max(1, len(sizes))
    for i, size in enumerate(sizes):
        x0 = pad + i * group
        svg.append(f'<text x="{x0 + group / 2:.1f}" y="{top + panel - 10}" text-anchor="middle">{size}</text>')
        for j, system in enumerate(systems):
            value = rps.get((size, system))
            if value is None or value != value:
                continue
            h = scale(value, low, high * 2, panel - 60)
            x = x0 + group / 2 - len(systems) * bar / 2 + j * bar
            y = top + panel - 25 - h
            svg.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2}" height="{h:.1f}" '
                       f'fill="{COLOURS[system]}"><title>{system} {size}: {value:.3g} req/s</title></rect>')
            svg.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                       f'font-size="9">{number(round(value, 1))}</text>')
    # Each query's p50 at the largest size.
    largest = sizes[-1] if sizes else ""
    top2 = top + panel + 40
    svg.append(f'<text x="{pad}" y="{top2 - 10}" font-size="14" font-weight="bold">Query p50 at {largest} '
               f'triples, ms (log scale)</text>')
    p50 = {(r.system, r.metric[len("query "):-len(" p50")]): r.value for r in results.rows
           if r.size == largest and r.metric.startswith("query ") and r.metric.endswith(" p50")}
    names = sorted({name for _, name in p50})
    high2 = max([v for v in p50.values() if v == v] + [10])
    group2 = (width - 2 * pad) / max(1, len(names))
    for i, name in enumerate(names):
        x0 = pad + i * group2
        for j, system in enumerate(systems):
            value = p50.get((system, name))
            if value is None or value != value:
                continue
            h = scale(value, 0.1, high2 * 2, panel - 80)
            x = x0 + group2 / 2 - len(systems) * 8 / 2 + j * 8
            y = top2 + panel - 70 - h
            svg.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="7" height="{h:.1f}" fill="{COLOURS[system]}">'
                       f'<title>{system} {name}: {value:.3g} ms</title></rect>')
        short = name if text_width(name, 9) < group2 * 1.8 else name[:18] + "…"
        svg.append(f'<text transform="translate({x0 + group2 / 2:.1f},{top2 + panel - 62}) rotate(35)" '
                   f'font-size="9">{short}</text>')
    for k, system in enumerate(systems):
        svg.append(f'<rect x="{pad + k * 170}" y="{2 * panel + 95}" width="12" height="12" fill="{COLOURS[system]}"/>'
                   f'<text x="{pad + k * 170 + 18}" y="{2 * panel + 105}">{system}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="triples, e.g. 10k,100k,1M (default 10k,100k)")
    parser.add_argument("--peers", default="oxigraph-server,rdflib-endpoint",
                        help="peers to compare with: oxigraph-server, rdflib-endpoint (comma-separated, or none)")
    parser.add_argument("--requests", type=int, default=20, help="requests per figure (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients for the throughput figures")
    parser.add_argument("--peer-budget", type=float, default=600.0,
                        help="seconds rdflib-endpoint may take for all its queries at one size (default 600)")
    parser.add_argument("--cold-budget", type=float, default=900.0,
                        help="seconds a cold start (parse + validate) may take before it is stopped (default 900)")
    parser.add_argument("--work", help="folder for the data, builds and peers' stores (default: a temporary one)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where the results go")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="going-local-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    results = Results()
    try:
        for size in sizes:
            bench_size(size, args, work, results)
            write(results, Path(args.out), args, commit)
    finally:
        write(results, Path(args.out), args, commit)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}/scale.md, scale.csv and scale.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
