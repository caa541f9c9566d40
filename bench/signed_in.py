"""The cost of a signed-in request in one process, in CPU time, beside two floors measured in the same
run: what the forum's own work per signed-in page adds, with the machine's load taken out.

    .venv/bin/python -m bench.signed_in               # SQLite in a temporary folder
    .venv/bin/python -m bench.signed_in --postgres    # a temporary PostgreSQL database (dropped after)

bench/pages.py's launch-day concept and demo consumer, signed in through the login form (CSRF on);
the topic page, concept page, concept list and summary page, each asked for whole (200) and as a
reload with its ETag (304), through Flask's test client with the headers nginx sets (PROXY_FIX_HOPS=1,
the page cache in Redis as bench/deploy.py runs it). Beside them, in the same process and the same
rounds: a bare Flask app returning the page's bytes (bare), and a Flask app that only opens the session
cookie and has Flask-Login load the person with the forum's one SQLAlchemy statement (floor, as
bench/ceiling.py's `signed_in`). CPU time (time.process_time) of batches of 20 requests, interleaved,
the median over the rounds: wrk's requests a second on this shared 2-core machine swing by 2x between
runs, CPU time per request hardly at all. Ratios: bare's time / the page's time (the share of the bare
app's throughput a process busy with this page would reach) and floor's time / the page's time.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import CONSUMER, SEED, USER_AGENT  # noqa: E402
from tests.servers import prepare_database  # noqa: E402

HEADERS = {"HTTP_USER_AGENT": USER_AGENT, "HTTP_X_FORWARDED_FOR": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "http",
           "HTTP_X_FORWARDED_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1"}
REDIS_URL = "redis://127.0.0.1:6379"


def _environment(work: Path, postgres: bool) -> tuple[dict[str, str], str | None]:
    prefix = f"sbsigned-{uuid.uuid4().hex[:8]}"
    env = {"INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": uuid.uuid4().hex, "SITE_URL": "http://127.0.0.1",
           "PROXY_FIX_HOPS": "1", "ACCESS_LOG": "0", "WTF_CSRF_ENABLED": "1", "MAIL_BACKGROUND": "0",
           "RATELIMIT_LOGIN_ADDRESS": "1000 per minute", "RATELIMIT_STORAGE_URI": f"{REDIS_URL}/1",
           "RATELIMIT_KEY_PREFIX": prefix, "CACHE_REDIS_URL": f"{REDIS_URL}/2", "CACHE_KEY_PREFIX": f"{prefix}:page:"}
    name = None
    if postgres:
        from tests.conftest import POSTGRES_ADMIN_URL, create_pg_database

        env["DATABASE_URL"], name = create_pg_database(POSTGRES_ADMIN_URL)
    return env, name


def _signed_in_client(app):  # noqa: ANN001, ANN202
    from forum.demo import DEMO_PASSWORD

    client = app.test_client()
    client.environ_base.update(HEADERS)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)[1]
    response = client.post("/login", data={"login": CONSUMER, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    client.get(response.headers["Location"])  # the welcome message, shown once
    return client


def _floors(pages: dict[str, bytes], url: str, secret: str):  # noqa: ANN202
    """The bare app and the signed-in floor, as Flask apps in this process."""
    from flask import Flask, Response, abort
    from flask_login import LoginManager, current_user
    from sqlalchemy import bindparam, select

    from forum.extensions import db
    from forum.models import User

    bare = Flask("bench_bare")
    bare.add_url_rule("/<name>", "page", lambda name: Response(pages[name], mimetype="text/html"))
    floor = Flask("bench_floor")
    floor.config.update(SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI=url)
    db.init_app(floor)
    logins = LoginManager(floor)
    logins.session_protection = "basic"
    by_token = select(User).where(User.session_token == bindparam("token"))
    logins.user_loader(lambda token: db.session.scalar(by_token, {"token": token}))

    def signed(name: str) -> Response:
        if not current_user.is_authenticated:
            abort(403)
        return Response(pages[name], mimetype="text/html")

    floor.add_url_rule("/<name>", "page", signed)
    return bare, floor


def measure(env: dict[str, str], seeded: dict, rounds: int) -> list[dict]:
    os.environ.update(env)
    from forum import create_app

    url = env.get("DATABASE_URL") or f"sqlite:///{env['INSTANCE_PATH']}/forum.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    client = _signed_in_client(app)
    paths = {"topic page": f"/t/{seeded['topic']}", "concept page": f"/concepts/{seeded['concept']}",
             "concept list": "/concepts/", "summary page": f"/concepts/{seeded['concept']}/results"}
    pages, etags = {}, {}
    for name, path in paths.items():
        for _ in range(3):
            response = client.get(path)
        assert response.status_code == 200 and b"Log out" in response.data, (name, response.status_code)
        pages[name], etags[name] = response.data, response.headers["ETag"]
    bare, floor = _floors(pages, app.config["SQLALCHEMY_DATABASE_URI"], app.config["SECRET_KEY"])
    bare_client, floor_client = bare.test_client(), floor.test_client()
    bare_client.environ_base.update(HEADERS)
    floor_client.environ_base.update(HEADERS)
    floor_client.set_cookie("session", client.get_cookie("session").value)
    rows = []
    for name, path in paths.items():
        calls = {"bare": lambda n=name: bare_client.get(f"/{n}"), "floor": lambda n=name: floor_client.get(f"/{n}"),
                 "200": lambda p=path: client.get(p),
                 "304": lambda p=path, e=etags[name]: client.get(p, headers={"If-None-Match": e})}
        statuses = {kind: call().status_code for kind, call in calls.items()}
        assert statuses == {"bare": 200, "floor": 200, "200": 200, "304": 304}, (name, statuses)
        samples = [{kind: _batch(call) for kind, call in calls.items()} for _ in range(rounds)]
        rows.append({"page": name, **{kind: statistics.median(s[kind] for s in samples) for kind in calls},
                     **{f"{kind} vs {floor_name}": statistics.median(s[floor_name] / s[kind] for s in samples)
                        for kind in ("200", "304", "floor") for floor_name in ("bare", "floor") if kind != floor_name}})
    return rows


def _batch(call, size: int = 20) -> float:  # noqa: ANN001
    started = time.process_time()
    for _ in range(size):
        call()
    return (time.process_time() - started) / size * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="run on a temporary PostgreSQL database")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds of 20 requests each (default 30)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sb-bench-signed-"))
    env, pg_name = _environment(work, args.postgres)
    try:
        print("seeding the demo data and the launch-day concept...", flush=True)
        seeded = json.loads(prepare_database(env, seed=True, then=SEED).strip().splitlines()[-1])
        rows = measure(env, seeded, args.rounds)
    finally:
        if pg_name:
            from tests.conftest import POSTGRES_ADMIN_URL, drop_pg_database

            drop_pg_database(pg_name, POSTGRES_ADMIN_URL)
    print(f"\nCPU time per request in one process, median of {args.rounds} interleaved rounds; "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}")
    header = (f"{'page':<13} {'bare us':>8} {'floor us':>9} {'200 us':>7} {'304 us':>7} {'floor/bare':>10} "
              f"{'200 vs bare':>11} {'304 vs bare':>11} {'200 vs floor':>12} {'304 vs floor':>12}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['page']:<13} {r['bare']:>8.0f} {r['floor']:>9.0f} {r['200']:>7.0f} {r['304']:>7.0f} "
              f"{r['floor vs bare']:>10.0%} {r['200 vs bare']:>11.0%} {r['304 vs bare']:>11.0%} "
              f"{r['200 vs floor']:>12.0%} {r['304 vs floor']:>12.0%}")


if __name__ == "__main__":
    main()
