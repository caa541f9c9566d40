"""A storm of writers on SQLite: what 50 clients voting on one feature at once get.

    .venv/bin/python -m bench.sqlite_storm [--clients 50] [--votes 45]

The forum runs on a fresh SQLite file in WAL mode behind a threaded WSGI server on a free port; each
client signs in, then votes for, against and withdraws on the same feature as fast as it can. The
script prints how the answers split (303 = the vote counted, 503 = "busy, retry", 500 = a bug),
the latency of a vote, and whether the stored tallies equal the last vote of every client. The
floor, in the same run: the same number of one-row write transactions through Python's sqlite3 with
BEGIN IMMEDIATE, without the web stack.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

VALUES = ("up", "down", "clear")


def _setup(db_path: Path, clients: int):
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    from forum import create_app
    from forum.extensions import db
    from forum.models import Membership, Organization, User
    from forum.services import concepts, passwords, schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_PARALLELISM": 1, "SITE_URL": "http://127.0.0.1"})
    with app.app_context():
        db.create_all()
        schema.create_extras(db.engine)
        hashed = passwords.hash_password("storm password 1")
        owner = User(username="owner", username_key="owner", email="owner@example.test", password_hash=hashed)
        db.session.add(owner)
        db.session.flush()
        org = Organization(name="Storm Co", slug="storm-co", created_by_id=owner.id)
        org.memberships.append(Membership(user_id=owner.id, role="owner"))
        db.session.add(org)
        for i in range(clients):
            db.session.add(User(username=f"voter{i}", username_key=f"voter{i}", email=f"v{i}@example.test",
                                password_hash=hashed))
        db.session.commit()
        concept = concepts.create(owner, org, "Storm kettle", "A kettle", "It boils.")
        feature = concepts.add_feature(owner, concept, "Timer", "")
        return app, concept.slug, feature.id


def _client(base: str, username: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    _post(opener, f"{base}/login", {"login": username, "password": "storm password 1"})
    return opener


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def _post(opener, url: str, data: dict[str, str]) -> int:
    body = urllib.parse.urlencode(data).encode()
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def storm(clients: int, votes: int) -> None:
    from werkzeug.serving import make_server

    tmp = Path(tempfile.mkdtemp(prefix="sb-storm-"))
    app, slug, feature_id = _setup(tmp / "storm.db", clients)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    url = f"{base}/concepts/{slug}/features/{feature_id}/vote"
    openers = [_client(base, f"voter{i}") for i in range(clients)]
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    last: dict[int, str] = {}
    lock = threading.Lock()
    start_line = threading.Barrier(clients)

    def run(i: int) -> None:
        start_line.wait()
        for n in range(votes):
            value = VALUES[(i + n) % 3]
            began = time.perf_counter()
            status = _post(openers[i], url, {"value": value})
            took = time.perf_counter() - began
            with lock:
                statuses[status] += 1
                latencies.append(took)
                if status == 303:
                    last[i] = value

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    server.shutdown()

    with app.app_context():
        from forum.extensions import db
        from forum.models import FeatureVote

        stored = {v.user_id: v.value for v in db.session.query(FeatureVote).filter_by(feature_id=feature_id)}
        ups = sum(1 for v in stored.values() if v == 1)
        downs = sum(1 for v in stored.values() if v == -1)
    expected_up = sum(1 for v in last.values() if v == "up")
    expected_down = sum(1 for v in last.values() if v == "down")
    total = clients * votes
    print(f"{clients} clients x {votes} votes = {total} writes in {wall:.1f} s ({total / wall:.0f} writes/s)")
    for status, count in sorted(statuses.items()):
        meaning = {303: "counted", 503: "busy: retry (Retry-After)", 500: "SERVER ERROR"}.get(status, "")
        print(f"  {status}: {count:5d}  {meaning}")
    q = statistics.quantiles(latencies, n=100)
    print(f"  vote latency: p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"  tallies: {ups} for, {downs} against stored; the clients' last counted votes say "
          f"{expected_up} for, {expected_down} against -> {'equal' if (ups, downs) == (expected_up, expected_down) else 'DIFFERENT'}")
    _floor(tmp / "floor.db", clients, votes)


def _floor(path: Path, clients: int, votes: int) -> None:
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE votes (user_id INTEGER PRIMARY KEY, value INTEGER)")
    setup.commit()
    setup.close()
    errors = Counter()

    def run(i: int) -> None:
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        for n in range(votes):
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT OR REPLACE INTO votes VALUES (?, ?)", (i, n % 3 - 1))
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                errors[str(exc)] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    total = clients * votes
    print(f"floor, sqlite3 alone: {total} one-row write transactions in {wall:.2f} s "
          f"({total / wall:.0f}/s), errors: {dict(errors) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--votes", type=int, default=45)
    args = parser.parse_args()
    storm(args.clients, args.votes)


if __name__ == "__main__":
    main()
