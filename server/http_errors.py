"""Errors as values with a kind, each mapped once to a status code and a page.

Blueprints raise these; one handler renders them as HTML, JSON or plain text as
the request asks. Messages are one line, fit to show to the user as they are.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    status = 500
    title = "Something went wrong"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(ServiceError):
    status, title = 400, "Bad request"


class NotFound(ServiceError):
    status, title = 404, "Not found"


class NotAcceptable(ServiceError):
    status, title = 406, "Not acceptable"


class PayloadTooLarge(ServiceError):
    status, title = 413, "Request too large"


class UnsupportedMediaType(ServiceError):
    status, title = 415, "Unsupported media type"


class TooExpensive(ServiceError):
    """A query that ran past its time limit or result cap."""
    status, title = 503, "Query too expensive"


def _render(status: int, title: str, message: str):
    """The error as the request asks: `?format=json` (links to JSON answers), else by Accept."""
    accept = request.accept_mimetypes
    if request.args.get("format") == "json" or (
            accept.best_match(["application/json", "text/plain"]) == "application/json"
            and accept["application/json"] > max(accept["text/plain"], accept["text/html"])):
        return jsonify(status=status, error=title, message=message), status
    if accept.best_match(["text/html", "text/plain"]) == "text/html" and \
            accept["text/html"] > accept["text/plain"]:
        body = render_template("error.html", status=status, title=title, message=message)
        return body, status, {"Content-Type": "text/html; charset=utf-8"}
    return f"{title}: {message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return _render(error.status, error.title, error.message)

    @app.errorhandler(HTTPException)
    def http_exception(error: HTTPException):
        if error.code and error.code < 400:
            return error
        return _render(error.code or 500, error.name, error.description or error.name)
