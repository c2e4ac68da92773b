"""How long loading (parsing the ontology and the data) and validating (pyshacl) take.

    python bench/bench_load_validate.py [RUNS]

Prints each run's load and validation time and the triple count, then the minimum and
median of each over the runs (default 5). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout

from server.errors import GoingLocalError  # noqa: E402
from server.loading import load_data, load_model  # noqa: E402
from server.validation import load_shapes, validate  # noqa: E402


def one_run() -> tuple[float, float, int, bool]:
    start = time.perf_counter()
    data, model = load_data(), load_model()
    loaded = time.perf_counter()
    report = validate(data, model, load_shapes())
    validated = time.perf_counter()
    return loaded - start, validated - loaded, len(report.data.graph), report.conforms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=5, help="how many runs (default: 5)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("RUNS must be at least 1")
    loads, validations = [], []
    try:
        for run in range(1, args.runs + 1):
            load, validation, triples, conforms = one_run()
            loads.append(load)
            validations.append(validation)
            print(f"run {run}: load {load:.3f} s, validation {validation:.3f} s, "
                  f"{triples} triples, {'conforms' if conforms else 'DOES NOT CONFORM'}", flush=True)
    except GoingLocalError as error:
        print(error.message, file=sys.stderr)
        return 2
    for name, times in (("load", loads), ("validation", validations)):
        print(f"{name:<10}  min {min(times):.3f} s  median {statistics.median(times):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
