"""User queries run in worker processes, so that a query past its time limit can be stopped.

pyoxigraph cannot cancel a running query from Python, and a thread cannot be killed, so
every query from the open internet runs in one of a few worker processes. Each worker
holds its own in-memory pyoxigraph Store, loaded once at its start from an N-Triples dump
of the dataset, and answers one query at a time over a socket pair. The web thread waits
until the deadline; past it, the worker is killed by its PID, reaped, and replaced.

Workers are started as `python -m server.query_workers`, a fresh interpreter (never a
fork of the threaded web server). That is the 'spawn' start method, done with subprocess
rather than multiprocessing: multiprocessing's spawn also starts a resource-tracker
process that Python 3.11 never reaps, and where PID 1 does not reap orphans (as in many
containers) it is left as a zombie. Here every process is ours, by PID, and reaped.

Nothing is left behind: the dump is an unnamed temporary file (TemporaryFile: unlinked at
once) whose descriptor the workers inherit, so there is no name on disk to leak even if
the server is killed; workers leave when their socket closes (the pool's close(), run at
exit) and are killed by the kernel if the server dies (PR_SET_PDEATHSIG, on Linux).

A worker also refuses, before anything runs, every query that uses SERVICE (see
service_refusal), and on Linux it cannot open a network socket at all (deny_network): the
endpoint never fetches anything, whatever a query says.

Messages on the socket: an 8-byte header (the lengths of a JSON object and of a body),
the JSON object, then the body (the serialized result). No pickle: the worker's replies
are data, not code.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import itertools
import json
import os
import platform
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from queue import Empty, Queue

FRAME = struct.Struct(">II")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


# --- Messages ------------------------------------------------------------------------------

def send_message(sock: socket.socket, header: dict, body: bytes = b"") -> None:
    data = json.dumps(header).encode("utf-8")
    sock.sendall(FRAME.pack(len(data), len(body)) + data)
    if body:
        sock.sendall(body)


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        n = sock.recv_into(view[got:], min(size - got, 1 << 20))
        if n == 0:
            raise EOFError("the other end closed the connection")
        got += n
    return bytes(buffer)


def recv_message(sock: socket.socket, deadline: float | None = None) -> tuple[dict, bytes]:
    """One message; TimeoutError past the deadline (time.monotonic()), EOFError if closed."""
    header_size, body_size = FRAME.unpack(_read_exactly(sock, FRAME.size, deadline))
    header = json.loads(_read_exactly(sock, header_size, deadline))
    body = _read_exactly(sock, body_size, deadline) if body_size else b""
    return header, body


# --- Refusing SERVICE -------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def service_refusal(text: str) -> str | None:
    """Why the query may not run, if it uses or may use SERVICE; None if it certainly does not.

    Why this cannot be fooled:
    1. pyoxigraph does no \\u escape processing outside strings and IRIs (`\\u0053ERVICE` is
       a syntax error to it; a test pins this), and it matches keywords by ASCII letters, so
       a query it would run SERVICE for contains the seven letters of the word itself. A
       text without them, in any case (upper() also maps look-alikes such as the long s
       to S), is safe, with no parsing at all. That is every ordinary query, at no cost.
    2. A text with them is parsed by a complete SPARQL 1.1 grammar (rdflib's), and refused
       if the parse tree holds a SERVICE pattern anywhere (in EXISTS, sub-queries, ...) or
       if the grammar cannot read the text. Two things make rdflib read the text as
       pyoxigraph does: the grammar is called directly, without rdflib's \\u expansion
       (which pyoxigraph does not do); and CR is turned into LF for it, because the SPARQL
       grammar and pyoxigraph end a comment at CR while pyparsing's rest_of_line does
       not (`# x<CR>SERVICE ...` would otherwise hide SERVICE from rdflib).
    A mere token scan was not used because it can be fooled: the project's own scanner
    takes `ex:a\\#` (a legal prefixed name) for the start of a comment, and pyoxigraph
    reads `1SERVICE` as two tokens. Behind all this, on Linux the worker cannot open a
    network socket at all (deny_network), so even a parser disagreement fetches nothing.
    """
    if "SERVICE" not in text.upper() and "service" not in text.lower():
        return None
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import Query
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = Query.parse_string(text.replace("\r", "\n"), parse_all=True)
    except Exception as error:  # noqa: BLE001 - ParseException, RecursionError, ValueError...
        detail = " ".join(str(error).split())[:300]
        return ("the query mentions SERVICE, which this endpoint does not allow, and the "
                f"checker cannot read it to be sure it does not use it ({detail})")
    stack: list = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return ("SERVICE (federated query) is not allowed: this endpoint answers "
                        "only from its own data and never fetches anything")
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)
    return None


# --- The worker process -----------------------------------------------------------------------

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 38, 22, 2
# (audit architecture, socket(2) number) for the architectures the filter knows.
SECCOMP_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
IO_URING_SETUP = 425  # the same number on both
AF_UNIX = 1


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]
    return libc


def die_with_parent(parent_pid: int) -> None:
    """Be killed by the kernel when the server dies, however it dies (Linux)."""
    if sys.platform.startswith("linux"):
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the server died before the line above
        os._exit(0)


def deny_network() -> bool:
    """Forbid this process, for good, to create any socket but a local (AF_UNIX) one.

    A seccomp filter (Linux, x86-64 and arm64): socket(2) with any other family, and
    io_uring (which can create sockets too), fail with EACCES, and so does every system
    call of another ABI (x32, 32-bit). No privilege is needed, only no_new_privs. Returns
    whether the filter is in place; elsewhere the SERVICE check alone stands.
    """
    arch = SECCOMP_ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        return False
    audit_arch, socket_nr = arch
    ld_abs, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|EACCES

    def op(code, k, jt=0, jf=0):
        return struct.pack("=HBBI", code, jt, jf, k)

    program = b"".join([
        op(ld_abs, 4),                  # 0: A = seccomp_data.arch
        op(jeq, audit_arch, 1, 0),      # 1: our ABI? go to 3
        op(ret, deny),                  # 2: another ABI: refuse
        op(ld_abs, 0),                  # 3: A = seccomp_data.nr
        op(jge, 0x40000000, 7, 0),      # 4: x32 system calls: refuse (12)
        op(jeq, socket_nr, 2, 0),       # 5: socket(): look at its family (8)
        op(jeq, IO_URING_SETUP, 5, 0),  # 6: io_uring: refuse (12)
        op(ret, allow),                 # 7: anything else
        op(ld_abs, 16),                 # 8: A = args[0], the address family (low half)
        op(jeq, AF_UNIX, 0, 2),         # 9: AF_UNIX? allow (10), else refuse (12)
        op(ret, allow),                 # 10
        op(ret, deny),                  # 11 (not reached)
        op(ret, deny),                  # 12
    ])

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    prog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) == 0


def limit_memory(megabytes: int) -> None:
    """Cap the worker's address space at what it holds once its store is loaded plus
    `megabytes`, so one query cannot take the machine's memory: past it, an allocation
    fails, the worker aborts, and the query is answered 503."""
    if megabytes > 0:
        import resource

        limit = address_space() + megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def address_space() -> int:
    """This process's address space in bytes (VmSize), 0 where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def read_dump(fd: int) -> bytes:
    size, parts, offset = os.fstat(fd).st_size, [], 0
    while offset < size:  # pread: the file offset is shared with the other workers
        chunk = os.pread(fd, min(size - offset, 1 << 22), offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def answer(store, request: dict) -> tuple[dict, bytes]:
    """Run one query: (reply header, body). The body is the result in the format asked for."""
    import pyoxigraph as ox

    from .sparql_results import CannotWrite, write_boolean, write_graph, write_solutions

    text = request["query"]
    refusal = service_refusal(text)
    if refusal:
        return {"status": "bad-request", "message": refusal}, b""
    try:
        # The dataset is always the store's default graph: FROM and FROM NAMED (refused
        # before this, in the endpoint) could never name anything else, or fetch anything.
        result = store.query(text, default_graph=ox.DefaultGraph(), named_graphs=[])
    except SyntaxError as error:
        return {"status": "bad-request", "message": f"SPARQL syntax error: {error}"}, b""
    max_rows = request["max_rows"]
    try:
        if isinstance(result, ox.QueryBoolean):
            name = request.get("results")
            if name is None:
                return {"status": "not-acceptable", "message": request["results_refusal"]}, b""
            return {"status": "ok", "kind": "boolean", "format": name, "rows": 1,
                    "truncated": False}, write_boolean(result, name)
        if isinstance(result, ox.QuerySolutions):
            name = request.get("results")
            if name is None:
                return {"status": "not-acceptable", "message": request["results_refusal"]}, b""
            body, rows, truncated = write_solutions(result, name, max_rows)
            return ({"status": "ok", "kind": "solutions", "format": name, "rows": rows,
                     "truncated": truncated}, body)
        name = request.get("graph")
        if name is None:
            return {"status": "not-acceptable", "message": request["graph_refusal"]}, b""
        triples: dict = {}  # CONSTRUCT may give a triple more than once; a graph has it once
        for triple in result:
            triples[triple] = None
            if len(triples) > max_rows:
                break
        truncated = len(triples) > max_rows
        kept = list(itertools.islice(triples, max_rows))
        try:
            body = write_graph(name, kept, request.get("prefixes"))
        except CannotWrite as error:
            return {"status": "not-acceptable", "message": str(error)}, b""
        return ({"status": "ok", "kind": "graph", "format": name, "rows": len(kept),
                 "truncated": truncated}, body)
    except (OSError, RuntimeError, ValueError) as error:
        return {"status": "failed", "message": f"the query failed: {error}"}, b""


class StoreHolder:
    """The store a worker answers from, which may be replaced once, between two queries:
    a build's on-disk store answers at once while the same data loads into memory beside
    it (pyoxigraph's load releases the GIL), and the faster in-memory copy takes over
    when complete."""

    def __init__(self, store):
        self.store = store
        self._loader: threading.Thread | None = None

    def load_into_memory(self, ntriples_path: str) -> None:
        def load():
            import pyoxigraph as ox

            memory = ox.Store()
            try:
                memory.bulk_load(path=ntriples_path, format=ox.RdfFormat.N_TRIPLES, lenient=True)
            except (OSError, MemoryError, ValueError, SyntaxError) as error:
                # The on-disk store keeps answering: slower, never wrong.
                print(f"query worker: staying on the on-disk store ({error})", file=sys.stderr)
                return
            self.store = memory

        self._loader = threading.Thread(target=load, name="load-into-memory", daemon=True)
        self._loader.start()


def open_worker_store(mode: str, value: str):
    """The worker's store: in memory from N-Triples (an inherited file descriptor), a
    build's on-disk store opened read-only, or ("built", the on-disk store and dataset.nt
    as a JSON pair) the on-disk store until dataset.nt is loaded into memory beside it
    (StoreHolder)."""
    import pyoxigraph as ox

    if mode == "store":
        return ox.Store.read_only(value)
    if mode == "built":
        return ox.Store.read_only(json.loads(value)[0])
    store = ox.Store()
    fd = int(value)
    store.bulk_load(read_dump(fd), ox.RdfFormat.N_TRIPLES, lenient=True)
    os.close(fd)
    return store


def worker_main(argv: list[str]) -> int:
    sock_fd, mode, value, parent_pid, memory_mb = argv
    sock_fd, parent_pid, memory_mb = int(sock_fd), int(parent_pid), int(memory_mb)
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us

    sock = socket.socket(fileno=sock_fd)
    holder = StoreHolder(open_worker_store(mode, value))
    limit_memory(memory_mb)
    sandboxed = deny_network()
    if mode == "built":  # after the sandbox, which the loading thread inherits
        holder.load_into_memory(json.loads(value)[1])
    try:
        send_message(sock, {"status": "ready", "pid": os.getpid(), "triples": len(holder.store),
                            "sandboxed": sandboxed})
    except OSError:  # the pool closed while this worker was starting
        return 0
    while True:
        try:
            request, _ = recv_message(sock)
        except (EOFError, ConnectionError):
            return 0
        try:
            header, body = answer(holder.store, request)
        except Exception as error:  # noqa: BLE001 - reply, and stay up for the next query
            header, body = {"status": "failed", "message": f"the query failed: {error}"}, b""
        try:
            send_message(sock, header, body)
        except OSError:  # the pool closed, or gave up on this query
            return 0


# --- The pool, in the web server --------------------------------------------------------------

class QueryTimeout(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"the query ran longer than {seconds:g} s and was stopped")


class WorkersBusy(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"every query worker stayed busy for {seconds:g} s; try again shortly")


class WorkerFailed(Exception):
    pass


class Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, source: tuple[str, str], memory_mb: int):
        mode, value = source
        dump_fd = int(value) if mode == "nt-fd" else None
        parent_end, child_end = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.query_workers", str(child_end.fileno()),
                 mode, value, str(os.getpid()), str(memory_mb)],
                pass_fds=(child_end.fileno(),) + ((dump_fd,) if dump_fd is not None else ()),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, cwd=PACKAGE_ROOT, env=env)
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        self.pid = self.process.pid
        self.sock = parent_end
        self.ready: dict | None = None

    def ensure_ready(self, timeout: float) -> None:
        if self.ready is None:
            header, _ = recv_message(self.sock, time.monotonic() + timeout)
            if header.get("status") != "ready":
                raise WorkerFailed(f"the query worker did not start: {header}")
            self.ready = header

    def ask(self, request: dict, timeout: float) -> tuple[dict, bytes]:
        self.sock.settimeout(timeout)
        send_message(self.sock, request)
        return recv_message(self.sock, time.monotonic() + timeout)

    def kill(self) -> int:
        """Kill the process by its PID and reap it; its exit status."""
        if self.process.returncode is None:  # not reaped yet, so the PID is still its own
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        returncode = self.process.wait()
        self.sock.close()
        return returncode

    def stop(self, grace: float = 2.0) -> None:
        """Close its socket (it leaves at once when idle); kill it if it does not."""
        self.sock.close()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM end the process as Ctrl-C does, by an exception, so that atexit runs
    and the workers are stopped and reaped by us. By default SIGTERM ends the process at
    once: the workers, orphaned, die (PR_SET_PDEATHSIG) but are reaped only if PID 1 reaps
    orphans, which in many containers it does not, leaving zombies. (waitress stops
    serving on SystemExit, and `serve` then returns.) Only from the main thread, and only
    if nothing else has claimed SIGTERM."""
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


_pools: "weakref.WeakSet[WorkerPool]" = weakref.WeakSet()


@atexit.register
def _close_all_pools() -> None:
    for pool in list(_pools):
        pool.close()


class WorkerPool:
    """A few worker processes over one copy of the dataset; run() answers one query.

    The workers load it from `ntriples` (written to an unnamed temporary file they
    inherit), or from `source`: ("nt-fd", an inheritable file descriptor of N-Triples),
    ("built", a build's on-disk store and dataset.nt: see StoreHolder) or ("store", a
    build's on-disk store, opened read-only in each worker rather than loaded)."""

    def __init__(self, ntriples: bytes | None = None, size: int = 2, memory_mb: int = 0,
                 startup_timeout: float = 120.0, source: tuple[str, str] | None = None):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size, self.memory_mb, self.startup_timeout = size, memory_mb, startup_timeout
        self._dump = None
        if source is None:
            self._dump = tempfile.TemporaryFile(prefix="going-local-sparql-")  # no name on disk
            self._dump.write(ntriples or b"")
            self._dump.flush()
            source = ("nt-fd", str(self._dump.fileno()))
        self.source = source
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()
        self._idle: Queue[Worker | None] = Queue()
        self._closed = False
        _pools.add(self)
        try:
            for _ in range(size):
                self._start_worker()
        except BaseException:
            self.close()
            raise

    def _start_worker(self) -> None:
        with self._lock:
            if self._closed:
                return
            worker = Worker(self.source, self.memory_mb)
            self._workers.add(worker)
        self._idle.put(worker)

    def _retire(self, worker: Worker) -> int:
        """Kill a worker by PID, reap it, and start its replacement; its exit status."""
        with self._lock:
            self._workers.discard(worker)
        returncode = worker.kill()
        self._start_worker()
        return returncode

    def run(self, request: dict, timeout: float) -> tuple[dict, bytes]:
        """The worker's reply to one query, within `timeout` seconds of running it.

        QueryTimeout past it (the worker is killed and replaced), WorkersBusy if no worker
        comes free within it, WorkerFailed if the worker died (e.g. out of memory)."""
        try:
            worker = self._idle.get(timeout=timeout)
        except Empty:
            raise WorkersBusy(timeout) from None
        if worker is None:  # closed
            self._idle.put(None)
            raise WorkerFailed("the query workers have been shut down")
        try:
            worker.ensure_ready(self.startup_timeout)
        except (TimeoutError, EOFError, OSError, ValueError, WorkerFailed) as error:
            self._retire(worker)
            why = str(error) or type(error).__name__
            raise WorkerFailed(f"a query worker could not start ({why})") from None
        try:
            reply = worker.ask(request, timeout)
        except TimeoutError:
            self._retire(worker)
            raise QueryTimeout(timeout) from None
        except (EOFError, OSError, ValueError):
            returncode = self._retire(worker)
            if returncode == -signal.SIGABRT:
                # What an allocation failure past limit_memory() looks like from here.
                raise WorkerFailed("the query needed more memory than this endpoint allows "
                                   "and was stopped") from None
            raise WorkerFailed(f"the query worker failed (exit status {returncode})") from None
        except BaseException:
            self._retire(worker)
            raise
        self._idle.put(worker)
        return reply

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._workers)

    def close(self) -> None:
        """Stop every worker (killing any still running a query), reap them, drop the dump."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:  # idle workers leave at once when their socket closes
            worker.sock.close()
        deadline = time.monotonic() + 2.0
        for worker in workers:  # one still running a query is killed
            worker.stop(grace=max(0.0, deadline - time.monotonic()))
        self._idle.put(None)  # wakes a request waiting for a worker
        if self._dump is not None:
            self._dump.close()
        _pools.discard(self)


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
