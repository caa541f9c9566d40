"""The demand summary and the exports at a million answers, beside their floor.

    .venv/bin/python -m bench.aggregate                       # SQLite (a file in a temporary folder)
    .venv/bin/python -m bench.aggregate --postgres            # a new PostgreSQL database, dropped after
    .venv/bin/python -m bench.aggregate --rows 100000         # smaller
    .venv/bin/python -m bench.aggregate [--postgres] --keep --fill-only   # fill once (prints the database) ...
    .venv/bin/python -m bench.aggregate --reuse <file or postgresql URL>  # ... and measure it again and again

Fills one concept with N price answers (N people, whole-euro prices around 27 EUR, two thirds with
purchase intents, a few out of order) and N feature votes (the same N people, one vote each over 8
features), then prints, in one run (and then bench/research.py's figures: 100,000 Gabor-Granger and
100,000 MaxDiff respondents, `--research 0` skips them):

* the floor: the plain SQL aggregate of the votes (GROUP BY feature) plus reading each of the four
  price columns sorted by the database (ORDER BY, every row fetched), with no application code;
* a stricter floor: the same data counted by the database alone (votes by feature and value, price
  answers by their six values, distinct voters and participants), only the counts fetched;
* the time to compute the whole summary (forum.services.demand: the snapshot in one database
  snapshot, and participation: participants, ranking,
  Kano, Van Westendorp with Newton-Miller-Smith), and its ratio to the floor;
* for each export (prices.csv, votes.csv, posts.csv, kano.csv, export.xlsx, summary.json) fetched
  through the real /api/v1 route with a token, in a fresh child process: the time to the first byte,
  the total time, the bytes, and the child's peak RSS beside its RSS before the request (the app
  alone).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SLUG = "bench-concept"
EXPORTS = ["export/prices.csv", "export/votes.csv", "export/kano.csv", "export/posts.csv", "export.xlsx",
           "export/summary.json"]


def _app(url: str):  # noqa: ANN202
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="sb-bench-instance-"))
    from forum import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "TESTING": True})


USER_COLUMNS = ("id", "username", "username_key", "email", "password_hash", "display_name", "bio", "role",
                "trust_level", "trust_level_locked", "warning_pending", "session_token", "created_at",
                "credit_by_name", "profile_public", "email_notifications", "email_decisions", "email_digest")
PRICE_COLUMNS = ("concept_id", "user_id", "too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap",
                 "intent_expensive", "created_at", "updated_at")
VOTE_COLUMNS = ("feature_id", "user_id", "value", "created_at", "updated_at")


def _bulk(raw, postgres: bool, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:  # noqa: ANN001
    """Insert rows on the raw driver connection, inside the open transaction: COPY on PostgreSQL, one
    executemany of a prepared INSERT on SQLite (the ORM's bulk insert took 50 minutes for a million
    people on the loaded machine; this takes a few)."""
    if postgres:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def _people(rng: random.Random, first: int, start: int, size: int, concept_id: int, feature_ids: list[int],
            joined: object, now: object) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """`size` established people (trust level 1: past the new-account wait) from number `start`, ids from
    `first`, each with a price answer and a vote; the same draws, in the same order, as every run."""
    people, prices, votes = [], [], []
    for i in range(size):
        n, uid = start + i, first + start + i
        people.append((uid, f"p{n:07d}", f"p{n:07d}", f"p{n:07d}@example.test", "x", "", "", "consumer", 1,
                       False, False, f"bench-session-{n:020d}", joined, False, True, True, True, False))
        centre = rng.lognormvariate(3.3, 0.25)
        tc, c, e, te = (max(1, round(centre * f + rng.uniform(-1, 1))) for f in (0.5, 0.8, 1.2, 1.6))
        if rng.random() < 0.03:  # a few answers out of order
            tc, c = c, tc
        intents = (rng.randint(2, 5), rng.randint(1, 4)) if rng.random() < 0.66 else (None, None)
        prices.append((concept_id, uid, tc, c, e, te, intents[0], intents[1], now, now))
        votes.append((feature_ids[n % 8], uid, 1 if rng.random() < 0.3 + 0.05 * (n % 8) else -1, now, now))
    return people, prices, votes


def fill(url: str, rows: int) -> str:
    """The schema, one organization and concept, `rows` people with a price answer and a vote each, in
    one transaction on the raw driver connection (whole-euro prices as integers: what the Numeric
    column holds for them on both engines)."""
    from forum.extensions import db
    from forum.models import Concept, Feature, Membership, Organization, User, utcnow
    from forum.services import api_tokens, schema

    app = _app(url)
    rng = random.Random(9)
    with app.app_context():
        db.create_all()
        schema.create_extras(db.engine)
        now = utcnow()
        owner = User(username="owner", username_key="owner", email="owner@example.test", password_hash="x")
        db.session.add(owner)
        db.session.flush()
        org = Organization(name="Bench Co", slug="bench-co", created_by_id=owner.id, verified_at=now)
        org.memberships.append(Membership(user_id=owner.id, role="owner"))
        concept = Concept(organization=org, slug=SLUG, title="Bench concept", currency="EUR",
                          price_question_enabled=True, kano_enabled=True)
        features = [Feature(concept=concept, title=f"Feature {i}", position=i) for i in range(8)]
        db.session.add_all([org, concept, *features])
        db.session.commit()
        feature_ids, concept_id, first = [f.id for f in features], concept.id, owner.id + 1
        postgres = db.engine.dialect.name == "postgresql"
        # established accounts: trust level 1, signed up a month ago, answered now
        joined, answered = now - timedelta(days=30), now
        if not postgres:  # SQLAlchemy's text for a DateTime on SQLite
            joined, answered = (moment.strftime("%Y-%m-%d %H:%M:%S.%f") for moment in (joined, answered))
        started = time.perf_counter()
        with db.engine.begin() as conn:
            raw = conn.connection.driver_connection
            if not postgres:
                raw.execute("PRAGMA cache_size=-262144")  # 256 MB: the unique indexes stay in memory
            for start in range(0, rows, 50_000):
                people, prices, votes = _people(rng, first, start, min(50_000, rows - start), concept_id,
                                                feature_ids, joined, answered)
                _bulk(raw, postgres, "users", USER_COLUMNS, people)
                _bulk(raw, postgres, "price_responses", PRICE_COLUMNS, prices)
                _bulk(raw, postgres, "feature_votes", VOTE_COLUMNS, votes)
            if postgres:  # the ids were given: the sequence continues after them
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users")
        if not postgres:  # the write-ahead log into the database file, as a server that ran a while has it
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"filled {rows:,} price answers and {rows:,} votes in {time.perf_counter() - started:.0f} s",
              flush=True)
        if postgres:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        _token, raw_token = api_tokens.create_for_cli("bench-co", "bench")
        return raw_token


def _median(fn, repeat: int) -> float:  # noqa: ANN001
    return _medians([fn], repeat)[0]


def _medians(fns: list, repeat: int) -> list[float]:  # noqa: ANN001
    """Each function's median time over `repeat` rounds, the functions taking turns within a round (on
    a shared machine a change of load then moves them alike, not one of them)."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, times in zip(fns, runs, strict=True):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in runs]


def measure_summary(url: str, repeat: int) -> None:
    from sqlalchemy import case, func, select, union

    from forum.extensions import db
    from forum.models import Concept, Feature, FeatureVote, PriceResponse
    from forum.services import demand

    app = _app(url)
    with app.app_context():
        concept = db.session.scalar(select(Concept).where(Concept.slug == SLUG))

        def floor() -> None:
            db.session.execute(
                select(FeatureVote.feature_id, func.sum(case((FeatureVote.value > 0, 1), else_=0)),
                       func.sum(case((FeatureVote.value < 0, 1), else_=0)))
                .join(Feature, Feature.id == FeatureVote.feature_id)
                .where(Feature.concept_id == concept.id).group_by(FeatureVote.feature_id)).all()
            for column in ("too_cheap", "cheap", "expensive", "too_expensive"):
                db.session.connection().exec_driver_sql(
                    f"SELECT {column} FROM price_responses WHERE concept_id = {concept.id} "
                    f"ORDER BY {column}").fetchall()
            db.session.rollback()

        def counted_in_sql() -> None:
            # a stricter floor: the same data counted by the database alone, nothing shipped but the
            # counts (no rule of whose answer counts, no analysis): votes by feature and value, the
            # price answers by their six values, who voted and who took part (distinct people)
            votes = (select(FeatureVote.user_id).join(Feature, Feature.id == FeatureVote.feature_id)
                     .where(Feature.concept_id == concept.id))
            prices = select(PriceResponse.user_id).where(PriceResponse.concept_id == concept.id)
            answer = (PriceResponse.too_cheap, PriceResponse.cheap, PriceResponse.expensive,
                      PriceResponse.too_expensive, PriceResponse.intent_cheap, PriceResponse.intent_expensive)
            db.session.execute(votes.with_only_columns(FeatureVote.feature_id, FeatureVote.value, func.count())
                               .group_by(FeatureVote.feature_id, FeatureVote.value)).all()
            db.session.execute(prices.with_only_columns(*answer, func.count()).group_by(*answer)).all()
            db.session.scalar(votes.with_only_columns(func.count(func.distinct(FeatureVote.user_id))))
            db.session.scalar(select(func.count()).select_from(union(votes, prices).subquery()))
            db.session.rollback()

        def whole() -> None:
            # what runs when the inputs change: the stored summary (tallies, ranking, Kano, price with
            # NMS) and the participation counts; nothing cached
            demand.forget()
            demand.snapshot.refresh(concept)  # one snapshot, stored best-effort
            db.session.rollback()

        def read() -> None:
            demand.summary(concept)  # what a request for /summary costs once it is stored
            db.session.rollback()

        def price_only() -> None:
            demand.prices.analysis(concept)
            db.session.rollback()

        floor()  # warm the cache: both sides read a warm database
        floor_time, strict_time, summary_time, price_time = _medians([floor, counted_in_sql, whole, price_only],
                                                                     repeat)
        result = demand.summary(concept)
        read_time = _median(read, repeat)
        print(f"{'floor: SQL vote aggregate + 4 sorted price columns':<54}{floor_time:>8.2f} s")
        print(f"{'stricter floor: the same data counted in SQL alone':<54}{strict_time:>8.2f} s")
        print(f"{'summary computed (participants, ranking, Kano, NMS)':<54}{summary_time:>8.2f} s"
              f"   {summary_time / floor_time:.2f}x floor, {summary_time / strict_time:.2f}x the stricter one")
        print(f"{'  of which the Van Westendorp + NMS part':<54}{price_time:>8.2f} s"
              f"   {price_time / floor_time:.2f}x floor")
        print(f"{'summary read once stored (GET .../summary)':<54}{read_time:>8.3f} s")
        price = result["price"]
        print(f"  n={price['n']:,} invalid={price['invalid']:,} PMC={price['pmc']} PME={price['pme']} "
              f"IPP={price['ipp']} OPP={price['opp']} reach={price['reach_optimal_price']} "
              f"revenue={price['revenue_optimal_price']} participants={result['participants']:,}")


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's ru_maxrss, not inherited from
    the parent across fork and exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def child_export(url: str, path: str, token: str) -> None:
    """In a fresh process: fetch one export through the route, print JSON with the figures."""
    app = _app(url)
    client = app.test_client()
    before = _rss_mb()
    started = time.perf_counter()
    response = client.get(f"/api/v1/concepts/{SLUG}/{path}", headers={"Authorization": f"Bearer {token}"},
                          buffered=False)
    size, first = 0, None
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
    response.close()
    total = time.perf_counter() - started
    print(json.dumps({"status": response.status_code, "first": first or total, "total": total, "bytes": size,
                      "rss_before": before, "rss_peak": _rss_mb()}))


def measure_exports(url: str, token: str) -> None:
    print(f"{'export':<22}{'first byte':>11}{'total':>9}{'size':>10}{'RSS before':>11}{'peak RSS':>10}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for path in EXPORTS:
        out = subprocess.run([sys.executable, "-m", "bench.aggregate", "--child", path, "--url", url,
                              "--token", token], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        try:
            figures = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            print(f"{path}: failed\n{out.stderr[-2000:]}")
            continue
        print(f"{path:<22}{figures['first']:>10.2f}s{figures['total']:>8.1f}s{figures['bytes'] / 1e6:>8.1f}MB"
              f"{figures['rss_before']:>9.0f}MB{figures['rss_peak']:>8.0f}MB"
              + ("" if figures["status"] == 200 else f"  (status {figures['status']})"))


def _measure_reused(reuse: str, repeat: int, summary: bool = True) -> None:
    """Measure a database filled by an earlier run: tables and indexes added since are created first."""
    url = reuse if reuse.startswith("postgresql") else f"sqlite:///{reuse}"
    app = _app(url)
    with app.app_context():
        from forum.extensions import db
        from forum.services import api_tokens

        db.create_all()  # tables added since the database was filled
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)  # and indexes added to its tables
        token = api_tokens.create_for_cli("bench-co", "bench")[1]
        engine = "PostgreSQL" if db.engine.dialect.name == "postgresql" else "SQLite"
    print(f"engine: {engine}, reusing {reuse}", flush=True)
    if summary:
        measure_summary(url, repeat)
    measure_exports(url, token)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--research", type=int, default=100_000,
                        help="people for the research figures (bench/research.py); 0 skips them")
    parser.add_argument("--reuse", help="measure an already filled database (a SQLite file or a PostgreSQL URL "
                                        "printed by an earlier run with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the filled database (for --reuse)")
    parser.add_argument("--fill-only", action="store_true", help="fill (with --keep) and measure nothing")
    parser.add_argument("--exports-only", action="store_true", help="with --reuse: measure the exports alone")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--token")
    args = parser.parse_args()
    if args.child:
        child_export(args.url, args.child, args.token)
        return
    name = None
    if args.reuse:
        _measure_reused(args.reuse, args.repeat, summary=not args.exports_only)
        return
    if args.postgres:
        import psycopg

        name = f"sb_bench_{uuid.uuid4().hex[:10]}"
        admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        folder = tempfile.mkdtemp(prefix="sb-bench-")
        url = f"sqlite:///{folder}/bench.db"
    try:
        print(f"engine: {'PostgreSQL' if args.postgres else 'SQLite'}, {args.rows:,} rows each", flush=True)
        token = fill(url, args.rows)
        if args.keep:
            print(f"kept: .venv/bin/python -m bench.aggregate --reuse {url.split(':///', 1)[-1] if not name else url}",
                  flush=True)
        if args.fill_only:
            return
        measure_summary(url, args.repeat)
        measure_exports(url, token)
        if args.research:
            # here, not at the top: research imports numpy, which the export children (the app
            # alone, as it serves) must not carry
            from bench import research

            research.fill(url, args.research)
            research.measure(url, args.repeat)
    finally:
        if name and not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
