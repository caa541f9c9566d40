"""The floor for bench/fanout.py: a bare python-socketio server, no Flask, no database.

`subscribe` joins one room; `POST /post` broadcasts the payload it is given to that room, the way the
forum publishes a post.added event. Served like the forum: gunicorn -k gevent -w 1 bench.bare_socketio:app
"""
from __future__ import annotations

import json
from typing import Any

import socketio

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None)
ROOM = "topic:1"
_seq = {"n": 0}


@sio.on("subscribe")
def subscribe(sid: str, message: Any = None) -> dict[str, Any]:
    sio.enter_room(sid, ROOM)
    return {"ok": True, "room": ROOM, "seq": _seq["n"], "here": 0, "staff": False}


def http_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/post" and environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
        _seq["n"] += 1
        message = {"room": ROOM, "seq": _seq["n"], "kind": "post.added", "data": payload,
                   "at": "2026-01-01T00:00:00Z"}
        sio.emit("event", message, to=[ROOM, ROOM + "#staff"])
        body = json.dumps({"id": _seq["n"]}).encode()
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


app = socketio.WSGIApp(sio, http_app)
