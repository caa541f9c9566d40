"""The floor the page bench compares against: a bare Flask app that returns pre-rendered pages.

`gunicorn --config gunicorn.conf.py bench.ceiling:app` with CEILING_DIR set to a folder of .html
files serves each at /<name>, the same bytes the forum sent, through the same server and worker:
what the framework and the server cost with nothing of the forum around them.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort

app = Flask(__name__)
PAGES = {path.stem: path.read_bytes() for path in Path(os.environ.get("CEILING_DIR", ".")).glob("*.html")}


@app.get("/<name>")
def page(name: str) -> Response:
    body = PAGES.get(name)
    if body is None:
        abort(404)
    return Response(body, mimetype="text/html")
