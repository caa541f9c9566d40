"""The research figures at 100,000 respondents each, beside their floor (run by bench/aggregate.py,
or on their own):

    .venv/bin/python -m bench.research                 # SQLite (a file in a temporary folder)
    .venv/bin/python -m bench.research --postgres      # a new PostgreSQL database, dropped after
    .venv/bin/python -m bench.research --people 20000  # smaller
    .venv/bin/python -m bench.research --reuse /tmp/sb-bench-.../bench.db   # measure a filled file again

Fills one concept with a 9-price ladder answered by N people (a walk of 1 to 9 answers each), best-worst
sets answered by N people (8 sets of 4 over 12 features each, from the balanced design) and one
profile question answered by everyone, then prints:

* the floor: the plain SQL GROUP BY of the same rows, no application code (Gabor-Granger: people by
  highest accepted price; MaxDiff: sets by features shown, best picks by feature, worst picks by
  feature);
* the Gabor-Granger and MaxDiff summaries as the demand package computes them (the rule of whose
  answer counts, the analysis, the logit, the contract's JSON), and each one's ratio to its floor;
* the logit alone (the maximum-likelihood fit on the grouped sets): its time, iterations and
  whether it converged;
* the summary of one segment (the rule restricted to one answer of the profile question).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SLUG = "bench-research"
LADDER = [Decimal(p) for p in (9, 12, 15, 19, 24, 29, 35, 42, 49)]
FEATURES, SETS, DESIGNS = 12, 8, 500


def _app(url: str):  # noqa: ANN202
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="sb-bench-instance-"))
    from forum import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "TESTING": True})


def _bulk(model, rows: list[dict]) -> None:  # noqa: ANN001
    from bench.aggregate import _bulk as bulk

    bulk(model, rows)


def _next_id(model) -> int:  # noqa: ANN001
    from sqlalchemy import func, select

    from forum.extensions import db

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _concept():  # noqa: ANN202
    """The bench organization (shared with bench/aggregate.py) and a research concept in it."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import (
        Concept,
        Feature,
        Membership,
        Organization,
        SegmentChoice,
        SegmentQuestion,
        User,
        utcnow,
    )

    org = db.session.scalar(select(Organization).where(Organization.slug == "bench-co"))
    if org is None:
        owner = User(username="owner", username_key="owner", email="owner@example.test", password_hash="x")
        db.session.add(owner)
        db.session.flush()
        org = Organization(name="Bench Co", slug="bench-co", created_by_id=owner.id, verified_at=utcnow())
        org.memberships.append(Membership(user_id=owner.id, role="owner"))
        db.session.add(org)
    concept = Concept(organization=org, slug=SLUG, title="Bench research", currency="EUR",
                      price_ladder=",".join(str(p) for p in LADDER), maxdiff_enabled=True)
    features = [Feature(concept=concept, title=f"Feature {i}", position=i) for i in range(FEATURES)]
    db.session.add_all([concept, *features])
    db.session.flush()
    question = SegmentQuestion(concept_id=concept.id, text="How often?", position=1,
                               choices=[SegmentChoice(label=label, position=i)
                                        for i, label in enumerate(("Daily", "Weekly", "Rarely"), start=1)])
    db.session.add(question)
    db.session.commit()
    return concept, features, question


def _people(count: int) -> int:
    """`count` new consumers; returns the first id."""
    from forum.models import User, utcnow

    first = _next_id(User)
    now = utcnow()
    for start in range(0, count, 20_000):
        _bulk(User, [{"id": first + i, "username": f"r{first + i}", "username_key": f"r{first + i}",
                      "email": f"r{first + i}@example.test", "password_hash": "x", "display_name": "", "bio": "",
                      "role": "consumer", "trust_level": 1, "trust_level_locked": False, "warning_pending": False,
                      "session_token": uuid.uuid4().hex, "created_at": now}
                     for i in range(start, min(count, start + 20_000))])
    return first


def _walks(concept, first: int, count: int, rng: random.Random) -> None:  # noqa: ANN001
    from forum.analytics import gabor_granger
    from forum.models import GaborGrangerAnswer, GaborGrangerResponse, utcnow

    now, response_id, answer_id = utcnow(), _next_id(GaborGrangerResponse), _next_id(GaborGrangerAnswer)
    responses, answers = [], []
    for person in range(count):
        limit = Decimal(round(rng.lognormvariate(3.0, 0.45), 2))
        walk, price = [], rng.choice(LADDER)
        while price is not None:
            walk.append((price, price <= limit))
            price = gabor_granger.next_price(LADDER, walk)
        responses.append({"id": response_id, "concept_id": concept.id, "user_id": first + person,
                          "highest_price": gabor_granger.highest_accepted(walk), "created_at": now, "updated_at": now})
        answers += [{"id": answer_id + k, "response_id": response_id, "step": k + 1, "price": p, "accepted": yes,
                     "answered_at": now} for k, (p, yes) in enumerate(walk)]
        response_id, answer_id = response_id + 1, answer_id + len(walk)
    _bulk(GaborGrangerResponse, responses)
    _bulk(GaborGrangerAnswer, answers)


def _sets(concept, features, first: int, count: int, rng: random.Random) -> None:  # noqa: ANN001
    """8 sets of 4 per person from the balanced design (DESIGNS of them, shared round-robin), best
    and worst drawn from the maxdiff model with fixed utilities."""
    from forum.analytics import maxdiff
    from forum.models import MaxDiffAnswer, utcnow

    designs = [maxdiff.design(FEATURES, random.Random(k), n_sets=SETS) for k in range(DESIGNS)]
    utilities = np.linspace(1.5, -1.5, FEATURES)
    ids = [f.id for f in features]
    gen = np.random.default_rng(5)
    now, rows = utcnow(), []
    for person in range(count):
        for number, members in enumerate(designs[person % DESIGNS], start=1):
            u = utilities[list(members)]
            weight = np.exp(u[:, None] - u[None, :])
            np.fill_diagonal(weight, 0.0)
            pick = gen.choice(weight.size, p=(weight / weight.sum()).ravel())
            best, worst = divmod(int(pick), len(members))
            rows.append({"concept_id": concept.id, "user_id": first + person, "set_number": number,
                         "shown": ",".join(str(ids[i]) for i in members), "best_feature_id": ids[members[best]],
                         "worst_feature_id": ids[members[worst]], "answered_at": now})
        if len(rows) >= 50_000:
            _bulk(MaxDiffAnswer, rows)
            rows = []
    if rows:
        _bulk(MaxDiffAnswer, rows)


def fill(url: str, people: int) -> None:
    """The research concept and its answers (a new concept beside bench/aggregate.py's)."""
    from forum.extensions import db
    from forum.models import SegmentAnswer, utcnow
    from forum.services import schema

    app = _app(url)
    rng = random.Random(21)
    with app.app_context():
        db.create_all()
        schema.create_extras(db.engine)
        started = time.perf_counter()
        concept, features, question = _concept()
        first = _people(people)
        _walks(concept, first, people, rng)
        _sets(concept, features, first, people, rng)
        choices = [c.id for c in question.choices]
        _bulk(SegmentAnswer, [{"question_id": question.id, "choice_id": choices[i % 3], "user_id": first + i,
                               "answered_at": utcnow()} for i in range(people)])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("users", "gabor_granger_responses", "gabor_granger_answers"):
                db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                           f"(SELECT max(id) FROM {table}))"))
            db.session.commit()
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        print(f"filled {people:,} Gabor-Granger walks and {people:,} x {SETS} best-worst sets over "
              f"{FEATURES} features in {time.perf_counter() - started:.0f} s", flush=True)


def _median(fn, repeat: int) -> float:  # noqa: ANN001
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def measure(url: str, repeat: int = 3) -> None:
    from sqlalchemy import func, select

    from forum.analytics import maxdiff as analysis
    from forum.extensions import db
    from forum.models import Concept, GaborGrangerResponse, MaxDiffAnswer
    from forum.services.demand import gabor_granger, maxdiff, rule, segments

    app = _app(url)
    with app.app_context():
        concept = db.session.scalar(select(Concept).where(Concept.slug == SLUG))
        GG, MD = GaborGrangerResponse, MaxDiffAnswer

        def gg_floor() -> None:
            db.session.execute(select(GG.highest_price, func.count()).where(GG.concept_id == concept.id)
                               .group_by(GG.highest_price)).all()
            db.session.rollback()

        def md_floor() -> None:
            for column in (MD.shown, MD.best_feature_id, MD.worst_feature_id):
                db.session.execute(select(column, func.count()).where(MD.concept_id == concept.id)
                                   .group_by(column)).all()
            db.session.rollback()

        def gg_summary() -> None:
            gabor_granger.section(concept, gabor_granger.compute(concept))
            db.session.rollback()

        def md_summary() -> None:
            maxdiff.section(concept, maxdiff.compute(concept))
            db.session.rollback()

        gg_floor(), md_floor()  # warm the cache: both sides read a warm database
        figures = [(name, _median(floor, repeat), _median(whole, repeat)) for name, floor, whole in (
            ("Gabor-Granger", gg_floor, gg_summary), ("MaxDiff", md_floor, md_summary))]
        print(f"{'figure':<16}{'floor (GROUP BY)':>18}{'summary':>10}{'ratio':>8}")
        for name, floor, whole in figures:
            print(f"{name:<16}{floor:>17.3f}s{whole:>9.3f}s{whole / floor:>7.2f}x")
        _logit(concept, analysis, maxdiff, repeat)
        _segment(concept, gabor_granger, maxdiff, rule, segments, repeat)
        section = gabor_granger.section(concept, gabor_granger.compute(concept))
        print(f"  Gabor-Granger: n={section['ladder'][0]['n']:,} revenue_optimal_price="
              f"{section['revenue_optimal_price']} elasticities="
              f"{[round(e['elasticity'], 2) for e in section['elasticities'] if e['elasticity'] is not None]}")


def _logit(concept, analysis, maxdiff, repeat: int) -> None:  # noqa: ANN001
    from sqlalchemy import func

    from forum.extensions import db
    from forum.models import MaxDiffAnswer as MD

    features = maxdiff.active_features(concept)
    index = {f.id: i for i, f in enumerate(features)}
    sets: dict[tuple[int, ...], int] = {}
    for shown, n in db.session.execute(maxdiff.rows(concept).add_columns(MD.shown, func.count()).group_by(MD.shown)):
        key = tuple(sorted(index[int(i)] for i in shown.split(",")))
        sets[key] = sets.get(key, 0) + int(n)
    part = maxdiff.compute(concept)
    best = [part["items"][str(f.id)][1] for f in features]
    worst = [part["items"][str(f.id)][2] for f in features]
    fit = analysis.estimate(len(features), best, worst, sets)[1]
    seconds = _median(lambda: analysis.estimate(len(features), best, worst, sets), repeat)
    print(f"{'logit alone':<16}{'':>18}{seconds:>9.3f}s   {sum(sets.values()):,} sets in {len(sets)} groups, "
          f"{fit.iterations} iterations, converged: {fit.converged}")
    shares = [round(item[3], 2) for item in part["items"].values()]
    print(f"  MaxDiff: respondents={part['respondents']:,} shares={shares} (sum {sum(shares):.2f})")


def _segment(concept, gabor_granger, maxdiff, rule, segments, repeat: int) -> None:  # noqa: ANN001
    question = concept.segment_questions[0]
    choice = question.choices[0]

    def one() -> None:
        with rule.only_segment(question.id, choice.id):
            gabor_granger.section(concept, gabor_granger.compute(concept))
            maxdiff.section(concept, maxdiff.compute(concept))

    print(f"{'one segment':<16}{'':>18}{_median(one, repeat):>9.3f}s   (Gabor-Granger and MaxDiff of "
          f"{segments.counts(concept).get(choice.id, 0):,} people)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", help="measure an already filled SQLite file (from an earlier run)")
    args = parser.parse_args()
    if args.reuse:
        print(f"engine: SQLite, reusing {args.reuse}", flush=True)
        measure(f"sqlite:///{args.reuse}", args.repeat)
        return
    name = None
    if args.postgres:
        import psycopg

        name = f"sb_bench_{uuid.uuid4().hex[:10]}"
        admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='sb-bench-')}/bench.db"
    try:
        print(f"engine: {'PostgreSQL' if args.postgres else 'SQLite'}, {args.people:,} people", flush=True)
        fill(url, args.people)
        measure(url, args.repeat)
    finally:
        if name:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
