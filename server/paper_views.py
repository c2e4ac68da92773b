"""The "paper" blueprint: the committee paper on a programme year as a printable page.

/paper/<year>            the paper (its common themes and Appendix 1), gathered from the
                         graph; ?as-of=YYYY-MM-DD shows only what had been reported by then
                         (default: today). 400 for a bad date, 404 for an unknown year.
/paper/paper.css         its stylesheet, print rules (A4, a page per unit) included.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, render_template, request

from .http_errors import BadRequest, NotFound
from .paper import BadDate, UnknownYear, gather_paper, parse_as_of

blueprint = Blueprint("paper", __name__)


@blueprint.get("/paper/paper.css")
def stylesheet():
    css = render_template("paper/paper.css")
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})


@blueprint.get("/paper/<year>")
def paper(year: str):
    service = current_app.extensions["going_local"]
    raw = request.args.get("as-of")
    try:
        as_of = parse_as_of(raw) if raw else dt.date.today()
    except BadDate as error:
        raise BadRequest(error.message) from None
    try:
        gathered = gather_paper(service.store, service.settings.base, year, as_of)
    except UnknownYear as error:
        raise NotFound(error.message) from None
    return render_template("paper/page.html", paper=gathered)
