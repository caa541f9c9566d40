"""Production serving: one JSON log line per request, static files under content-hashed names.

- Every request writes one line to the `forum.access` logger (stderr under gunicorn):
  {"method": "GET", "route": "/t/<int:topic_id>", "status": 200, "ms": 3.1}. The route is the URL
  rule, never the path with its ids, query string, address, user or cookie: no personal data.
- `url_for('static', filename='css/app.css')` gives `/static/css/app.<hash>.css`. A hashed name is
  served with a year-long, immutable cache lifetime: a changed file gets a new name, so a browser or
  proxy never holds a stale copy. The plain name still works, with a short lifetime.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_from_directory
from werkzeug.exceptions import NotFound

ACCESS_LOGGER = "forum.access"
YEAR = 365 * 24 * 3600
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")


# --- the access log -----------------------------------------------------------------------------

class JsonLineFormatter(logging.Formatter):
    """The record's dict message as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        data = record.msg if isinstance(record.msg, dict) else {"message": record.getMessage()}
        return json.dumps({"ts": round(record.created, 3), **data}, separators=(",", ":"))


def _access_logger() -> logging.Logger:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def register_access_log(app: Flask) -> None:
    _access_logger()

    @app.before_request
    def _start_clock() -> None:
        request.environ["forum.started"] = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        if app.config.get("ACCESS_LOG", True):
            started = request.environ.get("forum.started")
            took = (time.perf_counter() - started) * 1000 if started else None
            rule = request.url_rule.rule if request.url_rule is not None else None
            access_line(request.method, rule or "(no route)", response.status_code, took)
        return response


def access_line(method: str, route: str, status: int, ms: float | None) -> None:
    """One request's JSON log line (also written by the page cache's fast path)."""
    _access_logger().info({"method": method, "route": route, "status": status,
                           "ms": round(ms, 2) if ms is not None else None})


# --- static files under hashed names ------------------------------------------------------------

class StaticFiles:
    """Digests of the files under the static folder, computed once (lazily for a file added later)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._digests: dict[str, str] = {}

    def digest(self, filename: str) -> str | None:
        if filename not in self._digests:
            path = (self.folder / filename).resolve()
            try:
                path.relative_to(self.folder.resolve())
                data = path.read_bytes()
            except (ValueError, OSError):
                return None
            self._digests[filename] = hashlib.sha256(data).hexdigest()[:10]
        return self._digests[filename]

    def hashed_name(self, filename: str) -> str:
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, ext = os.path.splitext(filename)
        return f"{stem}.{digest}{ext}"

    def warm(self) -> None:
        for path in self.folder.rglob("*"):
            if path.is_file():
                self.digest(path.relative_to(self.folder).as_posix())


def register_static(app: Flask) -> None:
    if not app.static_folder:
        return
    files = StaticFiles(app.static_folder)
    files.warm()
    app.extensions["static_files"] = files
    folder = app.static_folder

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.hashed_name(values["filename"])

    def static(filename: str) -> Response:
        match = _HASHED.match(filename)
        if match:
            plain = match["stem"] + match["ext"]
            if files.digest(plain) == match["digest"]:
                response = send_from_directory(folder, plain, max_age=YEAR)
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
                return response
            if files.digest(plain) is not None:
                raise NotFound()  # an old version: never serve other bytes under a hashed name
        response = send_from_directory(folder, filename, max_age=300)
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    app.view_functions["static"] = static
