"""Pages under load, beside the framework's ceiling: requests a second, p50/p99 latency and SQL
statements per page, for a visitor and a signed-in consumer.

    .venv/bin/python -m bench.pages                 # SQLite in a temporary folder
    .venv/bin/python -m bench.pages --postgres      # a temporary PostgreSQL database (dropped after)

The forum runs as in production (gunicorn + gevent, gunicorn.conf.py, one process) on the demo data
plus a launch-day concept: 200 posts in its discussion, 10 features, 5,000 votes and 2,000 price
answers. `wrk` (Debian's package: apt-get install wrk) drives it from a separate process. In the
same run a bare Flask app (bench/ceiling.py) returns the very bytes each page sent, through the same
server and worker: the ceiling. Each page's throughput is printed as a share of that ceiling, and its
p99 as a multiple of the ceiling's p99. SQL statements are counted in-process on a warm page.

Aims (issue 12): visitors >= 50% of the ceiling on the topic and concept pages, signed in >= 20%,
no page above 10 statements, p99 under 10x the ceiling's, no errors.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Server, prepare_database  # noqa: E402

SEED = """
import json, random
from decimal import Decimal
from sqlalchemy import insert, select
from forum.extensions import db
from forum.markup import render
from forum.models import FeatureVote, Membership, Organization, Post, PriceResponse, Topic, User, utcnow
from forum.services import concepts, passwords
owner_id, org_id = db.session.execute(select(Membership.user_id, Membership.organization_id)
                                      .where(Membership.role == "owner").order_by(Membership.id)).first()
owner, org = db.session.get(User, owner_id), db.session.get(Organization, org_id)
concept = concepts.create(owner, org, "Launch day smart kettle", "A kettle that knows your tea",
                          "Boils **exactly** as hot as your tea wants, and tells you when.", "prototype",
                          "kitchen, tea", "EUR", True, False, True)
features = [concepts.add_feature(owner, concept, f"Feature {i + 1}", f"What feature {i + 1} does for you")
            for i in range(10)]
org.publish_price_summary = True
digest = passwords.hash_password("bench passphrase 1")
db.session.execute(insert(User), [
    {"username": f"bench{i}", "username_key": f"bench{i}", "email": f"bench{i}@example.test",
     "password_hash": digest, "display_name": f"Bench Reader {i}"} for i in range(2000)])
ids = db.session.scalars(select(User.id).where(User.username_key.like("bench%")).order_by(User.id)).all()
rng = random.Random(12)
now = utcnow()
db.session.execute(insert(FeatureVote), [
    {"feature_id": f.id, "user_id": ids[i], "value": 1 if rng.random() < 0.35 + 0.05 * k else -1,
     "created_at": now, "updated_at": now} for i in range(500) for k, f in enumerate(features)])
prices = []
for i in range(2000):
    base = rng.uniform(18, 45)
    prices.append({"concept_id": concept.id, "user_id": ids[i], "too_cheap": Decimal(f"{base * 0.5:.2f}"),
                   "cheap": Decimal(f"{base * 0.8:.2f}"), "expensive": Decimal(f"{base * 1.2:.2f}"),
                   "too_expensive": Decimal(f"{base * 1.6:.2f}"), "intent_cheap": rng.randint(1, 5),
                   "intent_expensive": rng.randint(1, 5), "created_at": now, "updated_at": now})
db.session.execute(insert(PriceResponse), prices)
topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
posts = []
for n in range(200):
    body = (f"Reply {n + 1}: I would use **feature {n % 10 + 1}** every morning. "
            f"Would it work with [my setup](https://example.com/{n})? Priced around {20 + n % 15} EUR, I'd buy.")
    html = str(render(body))
    posts.append({"topic_id": topic.id, "author_id": ids[n * 7 % 2000], "body_source": body, "body_html": html,
                  "excerpt": body[:140], "created_at": now})
db.session.execute(insert(Post), posts)
topic.post_count = 200
topic.last_post_at = now
db.session.commit()
print(json.dumps({"concept": concept.slug, "topic": topic.id}))
"""

CONSUMER = "sofia"  # a demo consumer
# One browser: the session remembers who signed in from where (Flask-Login's session protection), so
# the signed-in requests carry the same User-Agent as the sign-in did, as a person's browser does.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) sounding-board-bench"
AIMS = {"visitor": 0.5, "consumer": 0.2}
MAX_STATEMENTS = 10
MAX_P99_RATIO = 10


def wrk(url: str, duration: int, connections: int, threads: int, cookie: str | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx[1]) if non2xx else 0) + (sum(int(x) for x in socket.groups()) if socket else 0)
    return {"rps": float(rps[1]) if rps else 0.0, "p50": latency("50"), "p99": latency("99"),
            "errors": errors}


def login_cookie(base: str) -> str:
    import requests

    from forum.demo import DEMO_PASSWORD

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"login": CONSUMER, "password": DEMO_PASSWORD}
    if token:
        data["csrf_token"] = token[1]
    response = session.post(base + "/login", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.status_code
    # Follow the redirect as a browser does: the welcome message is shown once and the session cookie
    # the browser keeps from then on no longer carries it.
    session.get(urljoin(base + "/", response.headers["Location"]), timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def count_statements(env: dict[str, str], pages: dict[str, str]) -> dict[tuple[str, str], int]:
    """SQL statements per warm page, in-process, for a visitor and the signed-in consumer: every
    engine's (tests/statements.py)."""
    from forum import create_app
    from forum.demo import DEMO_PASSWORD
    from forum.extensions import db
    from tests.statements import statements_run

    url = env.get("DATABASE_URL") or f"sqlite:///{env['INSTANCE_PATH']}/forum.db"
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "ACCESS_LOG": False,
                      "SQLALCHEMY_DATABASE_URI": url, "SITE_URL": "http://127.0.0.1"})
    counts = {}
    with app.app_context():
        engine = db.engine
    # Requests outside any pushed app context: each gets its own (its own `g` and session), as served.
    for who in ("visitor", "consumer"):
        client = app.test_client()
        if who == "consumer":
            response = client.post("/login", data={"login": CONSUMER, "password": DEMO_PASSWORD})
            assert response.status_code == 302, f"in-process login: {response.status_code}"
        for name, path in pages.items():
            client.get(path)
            with statements_run(app) as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            assert (b"Log out" in response.data) == (who == "consumer"), (path, who)
            counts[name, who] = len(statements)
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="run on a temporary PostgreSQL database")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per page (default 5)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="sb-bench-pages-"))
    env = {"INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": uuid.uuid4().hex, "WTF_CSRF_ENABLED": "1",
           "RATELIMIT_LOGIN_ADDRESS": "1000 per minute"}
    pg_name = None
    if args.postgres:
        from tests.conftest import POSTGRES_ADMIN_URL, create_pg_database

        env["DATABASE_URL"], pg_name = create_pg_database(POSTGRES_ADMIN_URL)
    try:
        print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; seeding the demo data and the "
              "launch-day concept (200 posts, 10 features, 5,000 votes, 2,000 price answers)...", flush=True)
        seeded = json.loads(prepare_database(env, seed=True, then=SEED).strip().splitlines()[-1])
        pages = {"concept page": f"/concepts/{seeded['concept']}", "topic page": f"/t/{seeded['topic']}",
                 "concept list": "/concepts/", "summary page": f"/concepts/{seeded['concept']}/results"}
        captured = work / "pages"
        captured.mkdir()
        results: dict[tuple[str, str], dict] = {}
        server = Server(env, log_dir=str(work)).start()
        ceiling = None
        try:
            import requests

            cookies = {"visitor": None, "consumer": login_cookie(server.url)}
            for who, cookie in cookies.items():
                for name, path in pages.items():
                    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
                    for _ in range(3):  # warm: the first view computes and caches
                        response = requests.get(server.url + path, headers=headers, timeout=60)
                    assert response.status_code == 200, (path, response.status_code)
                    slug = f"{name.replace(' ', '-')}-{who}"
                    (captured / f"{slug}.html").write_bytes(response.content)
                    results[name, who] = {"bytes": len(response.content), "slug": slug, "path": path,
                                          "cookie": cookie}
            ceiling = Server({**env, "CEILING_DIR": str(captured)}, log_dir=str(work),
                             app="bench.ceiling:app").start()
            # Each page right beside its ceiling, so that the machine's load weighs on both alike.
            for (name, who), result in results.items():
                result.update(wrk(server.url + result["path"], args.duration, args.connections, args.threads,
                                  result["cookie"]))
                result["ceiling"] = wrk(f"{ceiling.url}/{result['slug']}", args.duration, args.connections,
                                        args.threads)
                print(f"  {name:<13} {who:<9} {result['rps']:>8.0f} req/s, ceiling {result['ceiling']['rps']:>6.0f}",
                      flush=True)
        finally:
            server.stop()
            if ceiling is not None:
                ceiling.stop()
        statements = count_statements(env, pages)
    finally:
        if pg_name:
            from tests.conftest import POSTGRES_ADMIN_URL, drop_pg_database

            drop_pg_database(pg_name, POSTGRES_ADMIN_URL)

    print()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; one gunicorn + gevent process each; "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}")
    header = (f"{'page':<13} {'who':<9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ceiling':>8} "
              f"{'ceil p99':>8} {'share':>6} {'p99 x':>6} {'SQL':>4} {'errors':>6} {'KiB':>5}  aim")
    print(header)
    print("-" * len(header))
    for (name, who), r in results.items():
        c = r["ceiling"]
        share = r["rps"] / c["rps"] if c["rps"] else 0.0
        ratio = r["p99"] / c["p99"] if c["p99"] else float("inf")
        sql = statements[name, who]
        aim = AIMS[who] if name in ("concept page", "topic page") else None
        met = (share >= aim if aim else True) and sql <= MAX_STATEMENTS and ratio < MAX_P99_RATIO \
            and r["errors"] == 0 and c["errors"] == 0
        print(f"{name:<13} {who:<9} {r['rps']:>7.0f} {r['p50']:>7.2f} {r['p99']:>7.2f} {c['rps']:>8.0f} "
              f"{c['p99']:>8.2f} {share:>6.0%} {ratio:>6.1f} {sql:>4} {r['errors']:>6} {r['bytes'] / 1024:>5.1f}  "
              f"{('>= ' + format(aim, '.0%') + ', ') if aim else ''}{'met' if met else 'NOT met'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
