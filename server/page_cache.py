"""Rendered responses kept, per process: the data do not change while the server runs.

A GET answered 200 is kept in a bounded LRU, by the host it was asked on, its path and
query string, and the Accept header (which chooses the representation: HTML, Turtle, ...);
the next identical request gets the same bytes and headers without a query or a
template, and still gets 304 when its If-None-Match or If-Modified-Since says its copy is
current. Not kept: /sparql (queries run in their own workers), /dumps/ (large files
sent from disk), /health, streamed responses and bodies over MAX_BODY bytes.

GOING_LOCAL_PAGE_CACHE sets how many responses are kept (default 1024; 0 turns it off).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from flask import Flask, Response, request

MAX_BODY = 1 << 20          # bytes of one response kept
MAX_TOTAL = 128 << 20       # bytes of all responses kept
UNCACHED = ("/sparql", "/dumps/", "/health", "/dump/")


class PageCache:
    def __init__(self, entries: int):
        self.entries = entries
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key, item) -> None:
        size = len(item[0])
        with self._lock:
            if key in self._items:
                return
            self._items[key] = item
            self._bytes += size
            while len(self._items) > self.entries or self._bytes > MAX_TOTAL:
                _, (body, _, _) = self._items.popitem(last=False)
                self._bytes -= len(body)


def _key():
    if request.method != "GET" or request.path.startswith(UNCACHED):
        return None
    return (request.root_url, request.path, request.query_string, request.headers.get("Accept", ""))


def install(app: Flask) -> None:
    raw = os.environ.get("GOING_LOCAL_PAGE_CACHE", "").strip()
    entries = int(raw) if raw.isdigit() else 1024
    if entries <= 0:
        return
    cache = PageCache(entries)
    app.extensions["page_cache"] = cache

    @app.before_request
    def from_cache():
        key = _key()
        if key is None:
            return None
        item = cache.get(key)
        if item is None:
            return None
        body, status, headers = item
        response = Response(body, status=status, headers=headers)
        response.direct_passthrough = False
        return response.make_conditional(request)

    @app.after_request
    def keep(response: Response) -> Response:
        key = _key()
        if key is None or response.status_code != 200 or response.is_streamed \
                or response.direct_passthrough:
            return response
        body = response.get_data()
        if len(body) <= MAX_BODY:
            cache.put(key, (body, response.status_code, list(response.headers.items())))
        return response
