"""Requests per second and p50/p99 latency of the live server under concurrent load.

Starts `going-local serve` on a loopback port (stopped by PID at the end), warms
each target, then fires a fixed number of requests at it from several client
threads over keep-alive connections. Prints a markdown table and writes it, with
the server's peak memory, to bench/results/server.md (and .csv).

    python bench/bench_server.py [--requests 400] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from live import live_server  # noqa: E402

from server.queries import bind_params, find_query, with_values  # noqa: E402

QUERIES = ["recommendations-per-theme-per-bocu", "revisits-outstanding", "bocu-timeline"]


def targets() -> list[tuple[str, str, str]]:
    """(name, path, Accept) for each measured request."""
    found = [
        ("home page", "/", "text/html"),
        ("BOCU page", "/doc/bocu/harrow", "text/html"),
        ("recommendation page", "/doc/inspection/2003-04/harrow/recommendation/2", "text/html"),
        ("/doc/ Turtle", "/doc/bocu/harrow.ttl", "text/turtle"),
    ]
    for name in QUERIES:
        query = find_query(name)
        text = with_values(query.text, bind_params(query, {}))
        path = "/sparql?" + urllib.parse.urlencode({"query": text})
        found.append((f"query {name}", path, "application/sparql-results+json"))
    return found


def fire(port: int, path: str, accept: str, count: int, latencies: list[float],
         errors: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(f"{response.status} for {path[:60]}")
    connection.close()


def measure(port: int, path: str, accept: str, requests: int, concurrency: int) -> dict:
    fire(port, path, accept, 5, [], [])  # warm caches and workers
    latencies: list[float] = []
    errors: list[str] = []
    per_thread = max(1, requests // concurrency)
    threads = [threading.Thread(target=fire, args=(port, path, accept, per_thread, latencies, errors))
               for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(errors),
    }


def peak_memory_kib(pid: int) -> int:
    """Peak resident memory of the server process and its worker processes."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    rows = []
    with live_server() as root:
        pid = root.pid
        port = int(root.rsplit(":", 1)[1])
        for name, path, accept in targets():
            result = measure(port, path, accept, args.requests, args.concurrency)
            rows.append({"target": name, **result})
            print(f"{name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}", flush=True)
        memory = peak_memory_kib(pid)
    table = ["| target | requests | req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    table += [f"| {r['target']} | {r['requests']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['errors']} |" for r in rows]
    summary = (f"Concurrency {args.concurrency}, loopback, one run. "
               f"Server peak memory (server and workers, VmHWM): {memory / 1024:.0f} MiB.")
    print("\n".join(table) + "\n\n" + summary)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "server.md").write_text("\n".join(table) + "\n\n" + summary + "\n", encoding="utf-8")
    with open(out / "server.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
