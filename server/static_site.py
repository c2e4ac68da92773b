"""Static publication: every read-only page and document of the service as files, with an
nginx server block that serves them the way the application does.

`going-local site --out DIR --root-url URL` renders the site through the application
itself (Flask's test client, so each file holds exactly the bytes the server would send
for the same request), then writes `DIR/nginx.conf` from templates/site/nginx.conf.j2.

What is published, all found from the application rather than listed here:

- the sitemap (and its parts, when it is split) and robots.txt, requested on the public
  root URL, because both name the serving host;
- every path the sitemap lists: each /doc/ and /def/ document in every representation
  (PATH.html, .ttl, .jsonld, .rdf, .nt), /void in every representation (void.EXT), and the
  pages (/ as index.html, /source as source.html, ...);
- the dumps (/dumps/ as dumps/index.html, and each file), every file of the static folder,
  and every local page the published HTML links to (the printable paper, its stylesheet,
  the glance pages, ...; the path of a link, its query string being the server's),
  followed until nothing new turns up;
- where a page marks the navigation link to the path it was asked at, the HTML negotiated
  at a document's own path (/doc/committee-paper/...) beside PATH.html, in _site/negotiated/;
- the error pages nginx shows for a path that is not there, in the representations the
  application's error handler chooses between (_site/404.html, .txt, .json), and an empty
  document in each RDF format for a missing /doc/ or /def/ document (_site/404.ttl, ...).

Not published, because they only exist on a running server: the endpoints in SERVER_ONLY
(SPARQL, search, the query page, health), and anything asked with a query string (filtered
or sorted lists, ?format= downloads, the paper as of a date, a theme for one unit). The
nginx block sends those to the application server when one is named (--app-server), and
answers 404 otherwise. /id/ redirects are made by nginx, not files.

Host-dependent content: the application writes the serving host into the sitemap, robots.txt,
the Link, Content-Location and Location headers. The site is rendered as if served at
--root-url, and nginx writes the same root into the headers it makes, so the published
bytes are what the application would serve on that host.

Each file's modification time is the application's Last-Modified, so nginx reports the
same. The tree is built in a temporary folder beside DIR and renamed into place: DIR is
replaced whole, or left as it was if anything fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from flask import Flask
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from werkzeug.exceptions import HTTPException

from .atomic import folder_beside, swap_into_place
from .errors import GoingLocalError
from .loading import display_path
from .linked_data import DOCUMENT_REPRESENTATIONS, VOID_REPRESENTATIONS, empty_rdf
from .negotiation import HTML, JSONLD, NTRIPLES, RDF_REPRESENTATIONS, RDFXML

TEMPLATES = Path(__file__).resolve().parent / "templates" / "site"
MANIFEST = "_site/site.json"  # what was published, for writing nginx.conf again
NEGOTIATED = "/_site/negotiated"  # negotiated HTML where it differs from PATH.html
VOID_PATHS = ("/void", "/.well-known/void")

# Endpoints that answer only on a running server: never files.
SERVER_ONLY = {"sparql.endpoint", "explore.search", "pages.query_page", "health"}
# Endpoints whose answers are redirects, which the nginx block makes itself.
REDIRECTS = {"linked_data.thing", "linked_data.old_dump_path"}
DOCUMENTS = {"linked_data.document", "linked_data.definition"}
VOID = {"linked_data.void", "linked_data.void_by_extension"}
CRAWLER_FILES = {"linked_data.sitemap", "linked_data.sitemap_part", "linked_data.robots"}

# The formats of documents and of /void, in the order the application offers them.
DOCUMENT_FORMATS = DOCUMENT_REPRESENTATIONS
VOID_FORMATS = VOID_REPRESENTATIONS

# What nginx sends for a file, by its extension, and the types it adds "; charset=utf-8" to.
# Every published file is checked against this: its Content-Type as served from a file must
# be the application's.
FILE_TYPES = {r.extension: r.media_type for r in DOCUMENT_FORMATS} | {
    "xml": "application/xml", "txt": "text/plain", "css": "text/css", "js": "text/javascript",
    "json": "application/json", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon",
    "csv": "text/csv"}
CHARSET_TYPES = sorted({t for t in FILE_TYPES.values()
                        if t.startswith("text/") or t in (JSONLD.media_type, RDFXML.media_type,
                                                          NTRIPLES.media_type, "application/xml",
                                                          "image/svg+xml")})

# Response headers the nginx block repeats for a file, as the application sent them. ETag
# and Last-Modified nginx makes from the file (whose time is the application's
# Last-Modified); Content-Type from FILE_TYPES.
REPEATED_HEADERS = ("Vary", "Link", "Content-Location", "Content-Disposition", "Cache-Control",
                    "Access-Control-Allow-Origin", "Access-Control-Expose-Headers")
# The ones every /doc/ and /def/ file shares; Link and Content-Location nginx builds per path.
DOCUMENT_SHARED_HEADERS = ("Cache-Control", "Access-Control-Allow-Origin",
                           "Access-Control-Expose-Headers")
# Requested with no Accept header, the error handler answers in plain text; these are the
# other representations it chooses between.
ERROR_ACCEPT = {"txt": None, "html": "text/html", "json": "application/json"}
NOT_FOUND_PROBE = "/_site/not-found"  # a path no rule matches, for the generic 404 page
LINKS = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"'#?]*)(?:[#?][^"']*)?["']""", re.I)


@dataclass
class File:
    """One published file and the request it answers."""

    path: str            # the URL path, e.g. /source or /doc/bocu/harrow.ttl
    file: str            # where it is under the site folder, e.g. source.html
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    size: int = 0


@dataclass
class Site:
    """What was published, for the nginx template and the report."""

    root_url: str
    base: str
    files: list[File] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)    # /doc/... and /def/... paths
    vocabularies: list[str] = field(default_factory=list)  # /def/ paths also reached with a /
    dataset_path: str = ""                                 # /id/dataset/going-local
    void_headers: list[tuple[str, str]] = field(default_factory=list)
    document_headers: list[tuple[str, str]] = field(default_factory=list)
    redirect_headers: list[tuple[str, str]] = field(default_factory=list)  # of a /id/ 303
    server_only: list[str] = field(default_factory=list)    # the rules of SERVER_ONLY
    not_published: list[str] = field(default_factory=list)  # rules with no file, and why

    @property
    def pages(self) -> list[File]:
        """The files answered at their own exact path (everything but /doc/, /def/ and
        /void's representations, which nginx negotiates)."""
        return [f for f in self.files if not f.path.startswith(("/doc/", "/def/", "/_site/"))]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def save(self, folder: Path) -> None:
        """The manifest, from which the nginx block can be written again (--config-only)."""
        (folder / MANIFEST).write_text(json.dumps(asdict(self), separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Site":
        manifest = folder / MANIFEST
        try:
            fields = json.loads(manifest.read_text(encoding="utf-8"))
            pairs = {name: [tuple(pair) for pair in fields[name]] for name in
                     ("void_headers", "document_headers", "redirect_headers")}
            files = [File(**{**f, "headers": [tuple(pair) for pair in f["headers"]]})
                     for f in fields["files"]]
            return cls(**{**fields, **pairs, "files": files})
        except FileNotFoundError:
            raise GoingLocalError(f"{display_path(manifest)}: not found; is "
                                  f"{display_path(folder)} a site `going-local site` published?") from None
        except (ValueError, KeyError, TypeError) as error:
            raise GoingLocalError(f"{display_path(manifest)}: not a site manifest ({error})") from None


# --- Checking the options ----------------------------------------------------------------

def check_root_url(url: str) -> str:
    """scheme://host[:port], the root the site is served at: it is written into the sitemap
    and the headers. The application always serves at a host's root, so no path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise GoingLocalError(f"--root-url {url!r}: give the site's public root as "
                              "scheme://host[:port], e.g. https://going-local.example.org")
    return f"{parts.scheme}://{parts.netloc}"


def check_app_server(url: str | None) -> str | None:
    """host:port of the application server nginx may pass server-only requests to."""
    if url is None:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise GoingLocalError(f"--app-server {url!r}: give the application server as "
                              "HOST:PORT or http://HOST:PORT, e.g. 127.0.0.1:5000")
    return parts.netloc


def check_listen(listen: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:\[\]_-]+", listen):
        raise GoingLocalError(f"--listen {listen!r}: give a port or address:port, e.g. 80 or 127.0.0.1:8080")
    return listen


# --- Rendering through the application ---------------------------------------------------

class Publisher:
    """Requests every publishable path from the application and writes what it answers."""

    def __init__(self, app: Flask, root_url: str, folder: Path):
        self.app = app
        self.client = app.test_client()
        self.root_url = root_url
        self.folder = folder
        self.service = app.extensions["going_local"]
        self.site = Site(root_url, self.service.vocab.base)
        self.seen: set[str] = set()
        self.listed: set[str] = set()  # the sitemap's paths: each must be published
        self.documents_done: set[str] = set()
        self.queue: deque[str] = deque()
        self.adapter = app.url_map.bind(urlsplit(root_url).netloc, url_scheme=urlsplit(root_url).scheme)

    # -- Requests --

    def get(self, path: str, accept: str | None = None):
        headers = {"Accept": accept} if accept else {}
        return self.client.get(path, base_url=self.root_url, headers=headers)

    def endpoint(self, path: str) -> str | None:
        try:
            endpoint, _ = self.adapter.match(path, method="GET")
        except HTTPException:  # no rule, or a redirect the rule itself makes (a missing /)
            return None
        return endpoint

    # -- Writing --

    def write(self, path: str, file: str, response, status: int = 200) -> File:
        if response.status_code != status:
            raise GoingLocalError(f"{path}: the application answered {response.status_code}, "
                                  "so the site cannot be published")
        body = response.get_data()
        served_type = nginx_type(file)
        expected = response.headers.get("Content-Type", "")
        if served_type != expected:
            raise GoingLocalError(f"{path}: the application sends {expected or 'no type'}, but as "
                                  f"the file {file} nginx would send {served_type or 'no type'}")
        target = self.target(file)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        modified = response.headers.get("Last-Modified")
        if modified:
            stamp = parsedate_to_datetime(modified).timestamp()
            os.utime(target, (stamp, stamp))
        headers = [(name, response.headers[name]) for name in REPEATED_HEADERS
                   if name in response.headers]
        published = File(path, file, served_type, headers, len(body))
        self.site.files.append(published)
        if response.mimetype == "text/html":
            self.follow_links(body.decode("utf-8", "replace"))
        return published

    def target(self, file: str) -> Path:
        """The file's place in the folder; a path that would leave it is refused."""
        parts = PurePosixPath(file).parts
        if not parts or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
            raise GoingLocalError(f"{file}: not a path that can be published")
        return self.folder.joinpath(*parts)

    def follow_links(self, text: str) -> None:
        for href in LINKS.findall(text):
            href = html.unescape(href)
            if href.startswith("/") and not href.startswith("//"):
                self.enqueue(href)

    def enqueue(self, path: str) -> None:
        if path and path not in self.seen:
            self.seen.add(path)
            self.queue.append(path)

    # -- What each kind of path publishes --

    def publish(self) -> Site:
        self.crawler_files()
        self.error_pages()
        for name in sorted(os.listdir(self.app.static_folder)) if self.app.static_folder else []:
            if (Path(self.app.static_folder) / name).is_file():
                self.enqueue(f"{self.app.static_url_path}/{name}")
        self.enqueue("/dumps/")
        for filename in self.app.extensions["linked_data"].description.dumps():
            self.enqueue(f"/dumps/{filename}")
        while self.queue:
            self.publish_path(self.queue.popleft())
        self.account_for_rules()
        self.site.dataset_path = self.service.vocab.path_of(
            self.app.extensions["linked_data"].description.dataset) or ""
        documents = self.app.extensions["linked_data"].documents
        self.site.vocabularies = sorted(self.service.vocab.path_of(v) for v in documents.vocabularies)
        self.redirects()
        self.site.files.sort(key=lambda f: f.path)
        self.site.documents.sort()
        return self.site

    def crawler_files(self) -> None:
        """The sitemap (and its parts) and robots.txt; the sitemap's paths are the site."""
        for path in ("/sitemap.xml", "/robots.txt"):
            self.seen.add(path)
        response = self.get("/sitemap.xml")
        self.write("/sitemap.xml", "sitemap.xml", response)
        text = response.get_data(as_text=True)
        locations = [html.unescape(loc) for loc in re.findall(r"<loc>([^<]*)</loc>", text)]
        if "<sitemapindex" in text:
            parts, locations = locations, []
            for url in parts:
                path = self.local(url)
                self.seen.add(path)
                part = self.get(path)
                self.write(path, path.lstrip("/"), part)
                locations += [html.unescape(loc) for loc in
                              re.findall(r"<loc>([^<]*)</loc>", part.get_data(as_text=True))]
        for url in locations:
            self.listed.add(unquote(self.local(url)))
            self.enqueue(self.local(url))
        self.write("/robots.txt", "robots.txt", self.get("/robots.txt"))

    def local(self, url: str) -> str:
        if not url.startswith(self.root_url + "/"):
            raise GoingLocalError(f"the sitemap lists {url}, which is not under {self.root_url}")
        return url[len(self.root_url):]

    def error_pages(self) -> None:
        """The application's 404 page for a path no rule matches, in each representation its
        error handler gives; and an empty document in each RDF format."""
        for extension, accept in ERROR_ACCEPT.items():
            self.write(f"/_site/404.{extension}", f"_site/404.{extension}",
                       self.get(NOT_FOUND_PROBE, accept), status=404)
        for representation in RDF_REPRESENTATIONS:
            body = empty_rdf("the dataset has no such document", representation)
            target = self.target(f"_site/404.{representation.extension}")
            target.write_bytes(body)
            self.site.files.append(File(f"/_site/404.{representation.extension}",
                                        f"_site/404.{representation.extension}",
                                        nginx_type(target.name), [], len(body)))

    def publish_path(self, path: str) -> None:
        path = unquote(path)
        endpoint = self.endpoint(path)
        if endpoint is None or endpoint in SERVER_ONLY | REDIRECTS | CRAWLER_FILES:
            return
        if endpoint in DOCUMENTS:
            # The sitemap lists every document; a link to one is to one of its
            # representations (x.ttl), published with it, or to nothing.
            if path in self.listed:
                self.publish_document(path)
        elif endpoint in VOID:
            self.publish_void()
        else:
            response = self.get(path)
            if response.status_code != 200 and path not in self.listed:
                return  # a link to something that is not a page (a redirect, a missing one)
            self.write(path, page_file(path, response.mimetype), response)

    def publish_document(self, document: str) -> None:
        """Every representation of the document at `document`, and its negotiated page."""
        if document in self.documents_done:
            return
        self.documents_done.add(document)
        for representation in DOCUMENT_FORMATS:
            response = self.get(f"{document}.{representation.extension}")
            published = self.write(f"{document}.{representation.extension}",
                                   f"{document.lstrip('/')}.{representation.extension}", response)
            self.check_document_headers(document, response)
            published.headers = []  # nginx makes them from the path, as checked
        self.negotiated_page(document, f"{document}.{HTML.extension}", accept=None)
        self.site.documents.append(document)

    def negotiated_page(self, path: str, page: str, accept: str | None) -> None:
        """The HTML the application negotiates at `path`, kept beside the file `page` when it
        differs from it: a page marks the site's navigation link to the path it was asked
        at, so /doc/committee-paper/... is not quite /doc/committee-paper/....html. nginx
        serves _site/negotiated/PATH.html first when it is there. (RDF does not depend on
        the path asked at.)"""
        response = self.get(path, accept)
        if response.status_code != 200 or response.mimetype != HTML.media_type:
            raise GoingLocalError(f"{path}: the application answered {response.status_code} "
                                  f"({response.mimetype}) where HTML was expected")
        if response.get_data() != self.target(page.lstrip("/")).read_bytes():
            published = self.write(f"{NEGOTIATED}{path}", f"{NEGOTIATED.lstrip('/')}{path}.html", response)
            published.headers = []

    def check_document_headers(self, path: str, response) -> None:
        """nginx answers every /doc/ and /def/ path with the same headers, and builds Link
        from the path: check the application's are those."""
        shared = [(name, response.headers[name]) for name in DOCUMENT_SHARED_HEADERS
                  if name in response.headers]
        if not self.site.document_headers:
            self.site.document_headers = shared
        elif shared != self.site.document_headers:
            raise GoingLocalError(f"{path}: its headers {shared} differ from the other documents' "
                                  f"{self.site.document_headers}; the nginx block gives them all the same")
        expected = document_links(self.root_url, self.site.base, path)
        if response.headers.get("Link") != expected:
            raise GoingLocalError(f"{path}: the application links {response.headers.get('Link')!r}, "
                                  f"the nginx block would link {expected!r}")

    def publish_void(self) -> None:
        if self.site.void_headers:
            return
        for representation in VOID_FORMATS:
            path = f"/void.{representation.extension}"
            self.seen.add(path)
            self.write(path, path.lstrip("/"), self.get(path))
        for path in VOID_PATHS:
            self.seen.add(path)
            self.negotiated_page(path, f"/void.{HTML.extension}", accept=HTML.media_type)
        negotiated = self.get("/void")
        self.site.void_headers = [(name, value) for name, value in negotiated.headers.items()
                                  if name in REPEATED_HEADERS and name not in ("Vary", "Content-Location")]

    def redirects(self) -> None:
        """The headers of the application's 303 from a thing to its document, which the nginx
        block repeats (with its own Location), checked to be the same for the dataset's."""
        things = [f"/id/{d[len('/doc/'):]}" for d in self.site.documents if d.startswith("/doc/")]
        for path, target in [*[(t, "/doc/" + t[len("/id/"):]) for t in things[:1]],
                             (self.site.dataset_path, "/void")]:
            response = self.get(path)
            location = f"{self.root_url}{target}"
            if response.status_code != 303 or response.headers.get("Location") != location:
                raise GoingLocalError(f"{path}: the application answered {response.status_code} "
                                      f"to {response.headers.get('Location')}, not 303 to {location}")
            headers = [(name, response.headers[name]) for name in REPEATED_HEADERS
                       if name in response.headers]
            if headers != [(n, f'<{location}>; rel="describedby"' if n == "Link" else v)
                           for n, v in (self.site.redirect_headers or headers)]:
                raise GoingLocalError(f"{path}: the application's headers on its 303, {headers}, "
                                      "are not the ones the nginx block gives")
            self.site.redirect_headers = headers

    def account_for_rules(self) -> None:
        """Say which of the application's rules have no file, and why."""
        published = {self.endpoint(f.path) for f in self.site.files}
        published |= {self.endpoint(p) for p in self.site.documents}
        if self.site.void_headers:  # /void and /.well-known/void are negotiated among its files
            published |= VOID
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in (rule.methods or ()) or rule.endpoint in published:
                continue
            if rule.endpoint in SERVER_ONLY:
                self.site.server_only.append(rule.rule)
                why = "only on the application server"
            elif rule.endpoint in REDIRECTS:
                why = "a redirect the nginx block makes"
            elif rule.endpoint in CRAWLER_FILES:
                why = "the sitemap is not split"
            else:
                why = "no published page links to it"
            self.site.not_published.append(f"{rule.rule} ({why})")


def page_file(path: str, mimetype: str) -> str:
    """Where a page's file goes: / as index.html, /dumps/ as dumps/index.html, /source as
    source.html; a path whose last part has an extension (paper.css) as itself."""
    if path.endswith("/"):
        return f"{path.lstrip('/')}index.html"
    last = path.rsplit("/", 1)[-1]
    if "." in last and FILE_TYPES.get(last.rsplit(".", 1)[-1]) == mimetype:
        return path.lstrip("/")
    return f"{path.lstrip('/')}.html" if mimetype == "text/html" else path.lstrip("/")


def nginx_type(file: str) -> str:
    """The Content-Type nginx sends for `file`, configured as the template says."""
    name = file.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    media_type = FILE_TYPES.get(extension, "application/octet-stream")
    return f"{media_type}; charset=utf-8" if media_type in CHARSET_TYPES else media_type


def document_links(root: str, base: str, path: str) -> str:
    """The Link header of a /doc/ or /def/ document at `path` (no extension): its
    alternates, and for a /doc/ the thing it is about. With nginx variables for `path`
    this is also what the nginx block sends (see nginx_document_links)."""
    links = [f'<{root}{path}.{r.extension}>; rel="alternate"; type="{r.media_type}"'
             for r in DOCUMENT_FORMATS]
    if path.startswith("/doc/"):
        links.append(f'<{base}/id/{path[len("/doc/"):]}>; rel="about"')
    return ", ".join(links)


# --- The nginx block -----------------------------------------------------------------------

def nginx_string(value: str, variables: bool = False) -> str:
    """A value as a double-quoted nginx string. nginx has no escape for $, so a value the
    application sent cannot be written if it has one (none has); the template's own values
    may hold nginx variables (`variables=True`)."""
    if "$" in value and not variables:
        raise GoingLocalError(f"cannot write {value!r} into the nginx configuration: it has a $")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_nginx(site: Site, root_dir: str, listen: str, app_server: str | None) -> str:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                              autoescape=False)
    environment.filters["nginx"] = nginx_string
    environment.filters["regex"] = re.escape
    root_url = site.root_url

    def redirect_headers(target: str) -> list[tuple[str, str]]:
        """The application's headers on a 303 from /id/, its Link pointing at `target`."""
        return [(name, f'<{root_url}{target}>; rel="describedby"' if name == "Link" else value)
                for name, value in site.redirect_headers]

    return environment.get_template("nginx.conf.j2").render(
        site=site, root=root_url, root_dir=root_dir, listen=listen,
        server_name=urlsplit(root_url).hostname, app_server=app_server,
        server_only=", ".join(site.server_only), redirect_headers=redirect_headers,
        file_types=sorted(FILE_TYPES.items()), charset_types=CHARSET_TYPES,
        document_formats=DOCUMENT_FORMATS, void_formats=VOID_FORMATS,
        rdf_formats=RDF_REPRESENTATIONS, negotiated=NEGOTIATED, void_paths=VOID_PATHS,
        doc_links=document_links(root_url, site.base, "/doc/$going_local_path"),
        def_links=document_links(root_url, site.base, "/def/$going_local_path"))


# --- The command ---------------------------------------------------------------------------

@dataclass
class Report:
    site: Site
    seconds: float
    folder: Path


def build_site(app: Flask, out_dir: str | Path, root_url: str, *, listen: str = "80",
               app_server: str | None = None) -> Report:
    """Publish the site of `app` into out_dir as served at root_url, atomically."""
    started = time.monotonic()
    root_url = check_root_url(root_url)
    app_server = check_app_server(app_server)
    check_listen(listen)
    out = Path(out_dir)
    where = display_path(out)
    if out.exists() and not out.is_dir():
        raise GoingLocalError(f"{where}: exists and is not a folder")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise GoingLocalError(f"{where}: cannot publish there, {display_path(parent)} is not a folder")
    try:
        staging = folder_beside(out)
    except OSError as error:
        raise GoingLocalError(f"{where}: cannot publish there ({error.strerror or error})") from None
    try:
        site = Publisher(app, root_url, staging).publish()
        site.save(staging)
        conf = render_nginx(site, str(out.absolute()), listen, app_server)
        (staging / "nginx.conf").write_text(conf, encoding="utf-8")
        swap_into_place(staging, out)
    except OSError as error:
        raise GoingLocalError(f"{where}: publishing failed, nothing changed ({error.strerror or error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when all went well
    return Report(site, time.monotonic() - started, out)


def write_config(out_dir: str | Path, root_url: str, *, listen: str = "80",
                 app_server: str | None = None) -> Path:
    """Write DIR/nginx.conf again for a site already published in DIR (from its manifest),
    with another listen address or application server; the files are not touched."""
    from .atomic import write_atomically

    out = Path(out_dir)
    site = Site.load(out)
    root_url = check_root_url(root_url)
    if root_url != site.root_url:
        raise GoingLocalError(f"{display_path(out)} was published for {site.root_url}, not {root_url}: "
                              "its sitemap and files name that root, so publish it again instead")
    check_listen(listen)
    conf = render_nginx(site, str(out.absolute()), listen, check_app_server(app_server))
    write_atomically(out / "nginx.conf", conf)
    return out / "nginx.conf"
