"""A Virtuoso Open Source 7 instance of our own: created in a folder, started, loaded,
stopped by its PID. For tests, CI and small deployments (`going-local virtuoso ...`).

Debian's package virtuoso-opensource-7-bin provides the two programs used here:
virtuoso-t (the server) and isql-vt (its SQL client). The package ships no virtuoso.ini,
so the instance writes its own (Virtuoso reads the keys below; the Debian server package
documents them in /usr/share/virtuoso-opensource-7/virtuoso.ini):

- [Parameters] ServerPort, the SQL port, and [HTTPServer] ServerPort, the HTTP port
  (/sparql), both bound to 127.0.0.1 only;
- [Parameters] DirsAllowed: the folders the server may read files from, here only the
  instance's own `load/` folder, where data is put before it is loaded;
- [SPARQL] ResultSetMaxRows: Virtuoso silently cuts every /sparql result to this many
  rows, so it is set above the store's own row cap (the store then sees a row too many
  and says so, rather than answering with part of the result);
  MaxQueryExecutionTime: seconds a query may run (past it, "Transaction timed out");
  (Virtuoso's default graph, when a query names none, is the union of every graph,
  its own system graphs included: the store names the dataset's graph in each request,
  as default-graph-uri);
- low memory buffers (NumberOfBuffers, MaxDirtyBuffers, MaxQueryMem): the dataset is a
  few thousand triples.

start() runs `virtuoso-t +foreground +configfile INI` as a child of this process, and
waits until the log says "Server online" and /sparql answers (a few seconds). Not `+wait`,
which returns once the server is ready but leaves it as a daemon whose parent is PID 1:
where PID 1 does not reap orphans (as in many containers) the stopped server would stay a
zombie. A child is reaped by us. start(detach=True) does use `+wait`, for a server that
outlives the command that started it; its PID is then read from the lock file.

stop() asks the server to shut down (`isql-vt PORT dba PASSWORD -K`), waits for the
process, and kills it by PID if it has not gone within the time given.

load() loads a Turtle or N-Triples file into a graph with DB.DBA.TTLP_MT through
isql-vt. isql-vt exits 0 even when a statement fails, so its output is read for errors.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GoingLocalError

SERVER = "virtuoso-t"
ISQL = "isql-vt"
PACKAGE = "virtuoso-opensource-7-bin"


class VirtuosoMissing(GoingLocalError):
    pass


class VirtuosoFailed(GoingLocalError):
    pass


def find_programs() -> tuple[str, str]:
    """The paths of virtuoso-t and isql-vt; VirtuosoMissing if either is not installed."""
    server, isql = shutil.which(SERVER), shutil.which(ISQL)
    if not server or not isql:
        missing = " and ".join(n for n, p in ((SERVER, server), (ISQL, isql)) if not p)
        raise VirtuosoMissing(f"{missing} not found: install Debian's {PACKAGE} "
                              f"(apt-get install {PACKAGE})")
    return server, isql


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


INI = """\
; Written by going-local (server/virtuoso.py) for one instance in this folder.
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
O_DIRECT             = 0
CaseMode             = 2
AllowOSCalls         = 0
DirsAllowed          = {load}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty_buffers}
MaxQueryMem          = {query_mem}
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4
VectorSize           = 1000
MaxVectorSize        = 1000000

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {vsp}
MaxClientConnections = 10
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = {result_rows}
MaxQueryExecutionTime      = {max_seconds}
MaxQueryCostEstimationTime = {max_estimate}
"""


@dataclass
class VirtuosoInstance:
    """One instance: its folder (holding virtuoso.ini, db/ and load/) and its ports."""

    directory: Path
    sql_port: int
    http_port: int
    password: str = "dba"  # a new database's; the ports are on 127.0.0.1 only
    process: subprocess.Popen | None = field(default=None, repr=False)
    pid: int | None = None

    @property
    def ini(self) -> Path:
        return self.directory / "virtuoso.ini"

    @property
    def load_dir(self) -> Path:
        return self.directory / "load"

    @property
    def log(self) -> Path:
        return self.directory / "db" / "virtuoso.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store Protocol endpoint, with HTTP Digest authentication (dba)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    # --- creating ------------------------------------------------------------------------

    @classmethod
    def create(cls, directory: str | Path, *, sql_port: int | None = None,
               http_port: int | None = None, max_rows: int = 100_000, max_seconds: int = 30,
               buffers: int = 10_000) -> "VirtuosoInstance":
        """Write virtuoso.ini into `directory` (made if need be). `max_rows` is the most
        rows any client of it will want (the store's row cap): Virtuoso's own cut is set
        one above. `max_seconds` is its limit on a query's run time."""
        find_programs()
        directory = Path(directory).absolute()
        for sub in ("db", "load", "vsp"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        instance = cls(directory, sql_port or free_port(), http_port or free_port())
        instance.ini.write_text(INI.format(
            db=directory / "db", load=instance.load_dir, vsp=directory / "vsp",
            sql_port=instance.sql_port, http_port=instance.http_port, buffers=buffers,
            dirty_buffers=buffers * 3 // 4, query_mem="256M", result_rows=max_rows + 1,
            max_seconds=max_seconds, max_estimate=max(10 * max_seconds, 400)),
            encoding="utf-8")
        return instance

    @classmethod
    def of(cls, directory: str | Path) -> "VirtuosoInstance":
        """The instance a folder holds, as create() wrote it; its PID if it is running."""
        directory = Path(directory).absolute()
        ini = directory / "virtuoso.ini"
        if not ini.exists():
            raise GoingLocalError(f"{directory}: no virtuoso.ini (not an instance folder)")
        ports = {}
        section = None
        for line in ini.read_text(encoding="utf-8").splitlines():
            line = line.split(";", 1)[0].strip()
            if line.startswith("["):
                section = line.strip("[]")
            elif "=" in line and line.split("=", 1)[0].strip() == "ServerPort":
                ports[section] = int(line.split("=", 1)[1].strip().rsplit(":", 1)[-1])
        instance = cls(directory, ports["Parameters"], ports["HTTPServer"])
        instance.pid = instance.running_pid()
        return instance

    # --- starting and stopping ---------------------------------------------------------

    def start(self, *, detach: bool = False, timeout: float = 60.0) -> "VirtuosoInstance":
        server, _ = find_programs()
        if self.running_pid() is not None:
            raise VirtuosoFailed(f"{self.directory}: Virtuoso is already running (PID {self.pid})")
        log_size = self.log.stat().st_size if self.log.exists() else 0
        deadline = time.monotonic() + timeout
        if detach:
            done = subprocess.run([server, "+configfile", str(self.ini), "+wait"],
                                  cwd=self.directory, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=timeout)
            if done.returncode != 0:
                raise VirtuosoFailed(f"virtuoso-t did not start: {self._log_tail(log_size)}")
            self.pid = self.running_pid()
            if self.pid is None:
                raise VirtuosoFailed(f"virtuoso-t did not start: {self._log_tail(log_size)}")
        else:
            with open(self.directory / "virtuoso.out", "ab") as out:
                self.process = subprocess.Popen(
                    [server, "+foreground", "+configfile", str(self.ini)], cwd=self.directory,
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            self.pid = self.process.pid
        try:
            self._wait_ready(deadline, log_size)
        except BaseException:
            self.stop(timeout=10)
            raise
        return self

    def _wait_ready(self, deadline: float, log_size: int) -> None:
        online = False
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise VirtuosoFailed(f"virtuoso-t exited with status {self.process.returncode}: "
                                     f"{self._log_tail(log_size)}")
            if not online:
                online = "Server online at" in self._log_since(log_size)
            if online and self._answers():
                return
            if time.monotonic() > deadline:
                raise VirtuosoFailed(f"virtuoso-t was not ready in time: {self._log_tail(log_size)}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        url = self.endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+xml"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def running_pid(self) -> int | None:
        """The server's PID, from our child or the lock file, if that process is alive and
        is the server of this instance's virtuoso.ini."""
        if self.process is not None:
            return self.process.pid if self.process.poll() is None else None
        lock = self.directory / "db" / "virtuoso.lck"
        try:
            text = lock.read_text()
        except OSError:
            return None
        for part in text.split():
            if part.startswith("VIRT_PID="):
                pid = int(part.split("=", 1)[1])
                if _alive(pid) and str(self.ini) in _cmdline(pid):
                    self.pid = pid
                    return pid
        return None

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the server down, and kill it by PID if it has not gone within `timeout`."""
        pid = self.running_pid()
        if pid is None:
            self._reap()
            return
        try:
            self.isql("", "-K", timeout=min(timeout, 10.0))
        except (GoingLocalError, subprocess.TimeoutExpired):
            pass  # killed below if it is still there
        if not self._wait_gone(pid, timeout):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._wait_gone(pid, 10.0)
        self._reap()
        self.pid = None

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None:
                try:
                    self.process.wait(timeout=0.1)
                    return True
                except subprocess.TimeoutExpired:
                    continue
            if not _alive(pid):
                return True
            time.sleep(0.1)
        return False

    def _reap(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.wait()

    def __enter__(self) -> "VirtuosoInstance":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- SQL and loading ---------------------------------------------------------------

    def isql(self, sql: str, *options: str, timeout: float = 120.0) -> str:
        """Run SQL through isql-vt; its output. isql-vt exits 0 even when a statement
        fails, so the output is read for errors: VirtuosoFailed with the first one."""
        _, isql = find_programs()
        done = subprocess.run([isql, f"127.0.0.1:{self.sql_port}", "dba", self.password, *options],
                              input=sql, capture_output=True, text=True, timeout=timeout,
                              cwd=self.directory)
        output = done.stdout + done.stderr
        for line in output.splitlines():
            if line.startswith("*** Error") or "[Virtuoso Server]" in line:
                raise VirtuosoFailed(f"isql-vt: {line.removeprefix('*** ').strip()}")
        if done.returncode != 0:
            raise VirtuosoFailed(f"isql-vt exited with status {done.returncode}: "
                                 f"{' '.join(output.split())[:300]}")
        return output

    def load(self, source: str | Path | bytes, graph: str, *, replace: bool = True,
             name: str = "data.ttl") -> None:
        """Load Turtle or N-Triples (a file, or bytes) into `graph`, replacing what it held
        (replace=True), then checkpoint. The file is copied into load/ first: the only
        folder the server may read."""
        target = self.load_dir / (Path(source).name if not isinstance(source, bytes) else name)
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
        graph_sql = _sql_string(graph)
        statements = []
        if replace:
            statements.append(f"SPARQL CLEAR GRAPH <{_iri(graph)}>;")
        statements.append(f"DB.DBA.TTLP_MT(file_to_string_output({_sql_string(str(target))}), "
                          f"'', {graph_sql}, 0);")
        statements.append("checkpoint;")
        try:
            self.isql("\n".join(statements) + "\n")
        finally:
            target.unlink(missing_ok=True)

    def count(self, graph: str) -> int:
        output = self.isql(f"SPARQL SELECT COUNT(*) FROM <{_iri(graph)}> WHERE {{ ?s ?p ?o }};\n")
        numbers = [line.strip() for line in output.splitlines() if line.strip().isdigit()]
        if not numbers:
            raise VirtuosoFailed(f"isql-vt: no count in its output: {' '.join(output.split())[:200]}")
        return int(numbers[0])

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log, "rb") as stream:
                stream.seek(offset)
                return stream.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _log_tail(self, offset: int) -> str:
        lines = [line for line in self._log_since(offset).splitlines() if line.strip()]
        out = self.directory / "virtuoso.out"
        if out.exists():
            lines += out.read_text(errors="replace").splitlines()[-3:]
        return " | ".join(" ".join(line.split()) for line in lines[-4:]) or "(nothing logged)"


def _sql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _iri(text: str) -> str:
    if any(c in text for c in '<>"{}|^`\\ \n\t'):
        raise GoingLocalError(f"{text!r} cannot be written as an IRI")
    return text


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (one that has exited, waiting to be
    reaped by its parent)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            state = stream.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as stream:
            return stream.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""
