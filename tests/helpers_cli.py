"""Shared helpers for the command-line tests: run the real command, start a test endpoint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "cli"
SHAPES = FIXTURES / "shapes"


def command() -> list[str]:
    """The installed console script when there is one beside this Python, else the module:
    both run the same main()."""
    script = Path(sys.executable).parent / "going-local"
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment without the caller's GOING_LOCAL_* settings, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOING_LOCAL_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(overrides)
    return env


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `going-local ARGS...`. Whatever happens, it must never print a traceback."""
    done = subprocess.run([*command(), *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout, done.stdout
    return done


def one_line(stderr: str) -> str:
    """The single line an error must be; fails if there is more (or nothing)."""
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Endpoint:
    url: str
    log: Path

    def received(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@contextmanager
def sparql_endpoint(tmp_path: Path, *data: Path):
    """A real SPARQL endpoint (tests/sparql_endpoint.py) on 127.0.0.1 serving `data`,
    stopped by its PID afterwards."""
    log = tmp_path / "received.jsonl"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "sparql_endpoint.py"), "--log", str(log),
         *map(str, data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the test endpoint did not start: {process.stderr.read()}")
        yield Endpoint(url, log)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        process.stdout.close()
        process.stderr.close()


@contextmanager
def silent_endpoint():
    """A loopback port that accepts connections and never answers, for timeouts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()
