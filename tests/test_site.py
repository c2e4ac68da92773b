"""`going-local site`: the static site, served by nginx, answers as the application does.

The site is published into a temporary folder and served by Debian's nginx, run as this
test's own process (`nginx -c CONF -p PREFIX -g 'daemon off;'`) on a free loopback port
with a configuration that includes the site's nginx.conf, and stopped by its PID. The live
application runs beside it (tests/live.py). A sample of paths, in every format and with
different Accept headers, is asked of both, redirects not followed: the status, the
Content-Type, the body byte for byte and the headers the site promises (Link, Vary,
Content-Location, ...) must be the same, and a redirect's Location the same path.

Host-dependent content: the application names its serving host in the sitemap, robots.txt
and the Link, Location and Content-Location headers. The site is published for its own
root (http://127.0.0.1:NGINX_PORT, as --root-url), so the application's answers are
compared with the live root written as the site's root, and only in HOST_DEPENDENT bodies
and those headers; every other body must be identical as it is, and must not name the
live root at all.

nginx missing is a failure, not a skip: .ci/run installs it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rdflib import Graph
from rdflib.compare import isomorphic

from helpers_cli import ROOT, one_line, run_cli
from live import free_port, live_server
from server import static_site
from server.errors import GoingLocalError
from server.static_site import REPEATED_HEADERS, Site, build_site

HOST_DEPENDENT = {"/sitemap.xml", "/robots.txt"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json",
             "rdf": "application/rdf+xml", "nt": "application/n-triples"}
EXTENSIONS = ["html", *RDF_TYPES]
RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml", "application/n-triples": "nt"}
VOID_PATHS = {"/void", "/.well-known/void", *(f"/void.{e}" for e in RDF_TYPES)}

DOCUMENTS = ["/doc/bocu/harrow", "/doc/inspection/2003-04/harrow",
             "/doc/inspection/2003-04/harrow/recommendation/2",
             "/doc/committee-paper/2005-01-19-report-8"]
DEFINITIONS = ["/def/inspection", "/def/inspection/Recommendation", "/def/theme",
               "/def/theme/partnerships"]


def sample() -> list[tuple[str, str | None]]:
    """(path, Accept header) pairs asked of both servers."""
    asked: list[tuple[str, str | None]] = []
    for path in DOCUMENTS + DEFINITIONS:
        asked += [(f"{path}.{extension}", None) for extension in EXTENSIONS]
        asked += [(path, None), (path, BROWSER), (path, "*/*")]
        asked += [(path, media_type) for media_type in RDF_TYPES.values()]
        asked.append((path, "application/rdf+xml, text/turtle;q=0.5"))
    asked += [("/id/bocu/harrow", None), ("/id/bocu/harrow", "text/turtle"),
              ("/id/bocu/harrow?page=2", None), ("/id/inspection/2003-04/harrow.ttl", None),
              ("/id/dataset/going-local", None), ("/def/theme/", None), ("/def/inspection/", None)]
    asked += [("/void", None), ("/void", BROWSER), ("/void", "application/ld+json"),
              ("/.well-known/void", None), ("/.well-known/void", "application/n-triples")]
    asked += [(f"/void.{extension}", None) for extension in EXTENSIONS]
    asked += [("/", None), ("/", BROWSER), ("/bocus", None), ("/recommendations", BROWSER),
              ("/source", None), ("/paper/2003-04", None), ("/paper/paper.css", None),
              ("/static/site.css", None), ("/dumps/", None), ("/dumps", None),
              ("/dumps/going-local.ttl", None), ("/dumps/going-local.nt", None),
              ("/dump/going-local.ttl", None), ("/sitemap.xml", None), ("/robots.txt", None)]
    asked += [("/no-such-page", None), ("/no-such-page", BROWSER),
              ("/no-such-page", "application/json"), ("/static/no-such.css", BROWSER)]
    return asked


# Paths whose 404 message names the path asked for: nginx's is the generic one, so only
# the status and Content-Type are compared.
NAMED_MISSES = [("/doc/no-such-thing", BROWSER), ("/doc/no-such-thing", None),
                ("/doc/no-such-thing.ttl", None), ("/doc/no-such-thing.jsonld", None),
                ("/doc/no-such-thing", "text/turtle"), ("/def/inspection/NoSuchTerm.nt", None),
                ("/id/no-such-thing", None), ("/id/no-such-thing", BROWSER),
                ("/def/inspection/Recommendation/", None)]

# Answered only by the application server: 404 from the static site alone, and the
# application's own answer through the site's nginx when it names the server.
SERVER_ONLY = ["/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/search?q=harrow",
               "/bocus?borough=harrow", "/recommendations?theme=partnerships&page=2",
               "/query", "/health", "/doc/bocu/harrow?format=turtle"]


# --- HTTP without following redirects ------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")


def fetch(root: str, path: str, accept: str | None = None) -> Answer:
    where = urlsplit(root)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": accept} if accept is not None else {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


# --- nginx as this test's own process ---------------------------------------------------------

def find_nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail("nginx is not installed: the static site is tested by serving it with nginx. "
                    "Install Debian's nginx (apt-get install nginx; .ci/run does) and run again.")
    return found


def nginx_main_config(prefix: Path, site_conf: Path) -> str:
    """nginx's main configuration for a test: everything in `prefix`, the site's block included."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private folders
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site_conf};
}}
"""


@contextmanager
def running_nginx(nginx: str, prefix: Path, site_conf: Path, port: int):
    prefix.mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_main_config(prefix, site_conf), encoding="utf-8")
    command = [nginx, "-c", str(conf), "-p", str(prefix), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        pytest.fail(f"nginx refuses the site's configuration:\n{checked.stderr}")
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"nginx exited: {process.stderr.read()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not start listening")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        process.stderr.close()


# --- The site, the application and nginx, once for the module ----------------------------------

# Different hash seeds for the application and the command that publishes the site: the
# bytes of every representation must not depend on Python's string hashing.
HASH_SEED, PUBLISH_HASH_SEED = "1", "2"


@dataclass
class Servers:
    live: str      # the application
    static: str    # nginx with the site alone
    proxied: str   # nginx with the site, passing the rest to the application
    folder: Path
    site: Site
    published: str  # what the command printed


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    nginx = find_nginx()
    work = tmp_path_factory.mktemp("site")
    out = work / "public"
    static_port, proxy_port = free_port(), free_port()
    root = f"http://127.0.0.1:{static_port}"
    env = {**os.environ, "PYTHONHASHSEED": PUBLISH_HASH_SEED,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with live_server(env={"PYTHONHASHSEED": HASH_SEED}) as live:
        # Published after the application started, so both read the same files' times.
        done = run_cli("site", "--out", str(out), "--root-url", root,
                       "--listen", f"127.0.0.1:{static_port}", env=env, timeout=1800)
        assert done.returncode == 0, done.stderr
        static_conf = work / "static.conf"
        shutil.copy(out / "nginx.conf", static_conf)
        again = run_cli("site", "--out", str(out), "--root-url", root, "--config-only",
                        "--listen", f"127.0.0.1:{proxy_port}", "--app-server", urlsplit(live).netloc,
                        env=env)
        assert again.returncode == 0, again.stderr
        with running_nginx(nginx, work / "nginx-static", static_conf, static_port) as static, \
                running_nginx(nginx, work / "nginx-proxied", out / "nginx.conf", proxy_port) as proxied:
            yield Servers(live, static, proxied, out, Site.load(out), done.stdout)


def as_site(servers: Servers, text: str) -> str:
    """The application's host-dependent text as the site writes it: the site's root."""
    return text.replace(servers.live, servers.static)


def assert_same(servers: Servers, path: str, accept: str | None, body: bool = True,
                site: str | None = None) -> None:
    live = fetch(servers.live, path, accept)
    static = fetch(site or servers.static, path, accept)
    asked = f"GET {path} (Accept: {accept})"
    assert static.status == live.status, f"{asked}: site {static.status}, application {live.status}"
    if live.status not in (301, 302):  # nginx never gives a charset to its 301 and 302 pages
        assert static.content_type == live.content_type, f"{asked}: Content-Type differs"
    if live.status in (301, 302, 303, 307, 308):
        want, got = urlsplit(live.headers["Location"]), urlsplit(static.headers["Location"])
        assert (got.path, got.query) == (want.path, want.query), f"{asked}: Location differs"
    if live.status < 400:
        for name in REPEATED_HEADERS:
            assert static.headers.get(name) == (
                as_site(servers, live.headers[name]) if name in live.headers else None), \
                f"{asked}: {name} differs"
    if body and live.status < 300:
        if path in HOST_DEPENDENT:
            assert servers.live.encode() in live.body  # the reason for the exception
            assert static.body == as_site(servers, live.body.decode()).encode(), f"{asked}: body differs"
        elif path.split("?")[0] in VOID_PATHS and live.content_type.split(";")[0] in RDF_FORMATS:
            # The description's class partitions are blank nodes, which rdflib labels afresh
            # in each process: the same graph, but not the same bytes.
            parse = RDF_FORMATS[live.content_type.split(";")[0]]
            assert isomorphic(Graph().parse(data=static.body, format=parse),
                              Graph().parse(data=live.body, format=parse)), f"{asked}: graph differs"
        else:
            assert servers.live.encode() not in live.body, f"{asked}: the application names its host"
            assert static.body == live.body, f"{asked}: body differs"
    elif body and live.status >= 400:
        assert static.body == live.body, f"{asked}: the error body differs"


@pytest.mark.parametrize("path,accept", sample(), ids=lambda v: str(v))
def test_the_site_answers_as_the_application(servers, path, accept):
    assert_same(servers, path, accept)


@pytest.mark.parametrize("path,accept", NAMED_MISSES, ids=lambda v: str(v))
def test_a_missing_document_is_404_in_the_same_format(servers, path, accept):
    assert_same(servers, path, accept, body=False)


@pytest.mark.parametrize("path", SERVER_ONLY)
def test_server_only_requests_are_404_without_an_application_server(servers, path):
    answer = fetch(servers.static, path, BROWSER)
    assert answer.status == 404, f"{path}: {answer.status}"
    assert answer.body == fetch(servers.live, "/no-such-page", BROWSER).body


@pytest.mark.parametrize("path", SERVER_ONLY)
def test_server_only_requests_reach_the_named_application_server(servers, path):
    live, proxied = fetch(servers.live, path, BROWSER), fetch(servers.proxied, path, BROWSER)
    assert (proxied.status, proxied.content_type) == (live.status, live.content_type), path
    # The application names the host it was asked on (the query page's service description);
    # through nginx that is nginx's.
    assert proxied.body == live.body.replace(servers.live.encode(), servers.proxied.encode()), path


def test_the_proxied_site_serves_the_same_files(servers):
    assert_same(servers, "/doc/bocu/harrow.ttl", None, site=servers.proxied)


def test_every_sitemap_url_is_served(servers):
    sitemap = fetch(servers.static, "/sitemap.xml").body.decode()
    urls = [line.split("<loc>")[1].split("</loc>")[0] for line in sitemap.splitlines() if "<loc>" in line]
    assert len(urls) > 900
    missing = []
    for url in urls:
        assert url.startswith(servers.static + "/"), url
        path = url[len(servers.static):]
        expected = 404 if path in ("/search", "/query") else 200  # server-only pages
        if fetch(servers.static, path).status != expected:
            missing.append(path)
    assert not missing, f"not served as expected: {missing[:10]}"


def test_every_document_is_a_file_in_every_format(servers):
    site = servers.site
    assert len(site.documents) > 900
    for path in site.documents:
        for extension in EXTENSIONS:
            file = servers.folder / f"{path.lstrip('/')}.{extension}"
            assert file.is_file() and file.stat().st_size > 0, file


def test_files_carry_the_application_last_modified(servers):
    live = fetch(servers.live, "/doc/bocu/harrow.ttl")
    static = fetch(servers.static, "/doc/bocu/harrow.ttl")
    assert static.headers["Last-Modified"] == live.headers["Last-Modified"], (
        "the site was published from other files than the application read: was the tree "
        "changed while the test ran?")


def test_nothing_private_is_served(servers):
    for path in ("/nginx.conf", "/_site/404.html", "/source.html", "/index.html"):
        assert fetch(servers.static, path).status == 404, path


# --- Writing: all or nothing -------------------------------------------------------------------

def test_a_failure_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "public"
    out.mkdir()
    (out / "keep.txt").write_text("the previous site\n")

    class Broken:  # writes half the site, then fails as a page the application cannot give
        def __init__(self, app, root_url, folder):
            self.folder = folder

        def publish(self):
            (self.folder / "index.html").write_text("half a site")
            raise GoingLocalError("/source: the application answered 500, so the site cannot be published")

    monkeypatch.setattr(static_site, "Publisher", Broken)
    with pytest.raises(GoingLocalError):
        build_site(object(), out, "https://example.org")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # no temporary folder left


@pytest.mark.parametrize("root", ["example.org", "https://example.org/going-local", "ftp://example.org"])
def test_a_root_url_with_a_path_or_no_scheme_is_refused_in_one_line(tmp_path, root):
    done = run_cli("site", "--out", str(tmp_path / "public"), "--root-url", root)
    assert done.returncode == 2
    assert "--root-url" in one_line(done.stderr)
    assert not (tmp_path / "public").exists()
