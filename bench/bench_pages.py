"""Prints server-side time and SQL statements per page on the demo data, plus a 2,000-post thread.

    .venv/bin/python -m bench.bench_pages            # SQLite in a temporary folder
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m bench.bench_pages   # an EMPTY database
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="sb-bench-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from forum import create_app  # noqa: E402
from forum.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.markup import render  # noqa: E402
from forum.models import Post, Topic, User, utcnow  # noqa: E402

REPEAT = 20


def main() -> None:
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    statements: list[str] = []
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        for _ in seed_demo():
            pass
        print(f"seed-demo: {time.perf_counter() - start:.1f}s")
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        topic = db.session.scalar(select(Topic).where(Topic.concept_id.is_not(None)))
        big = Topic(title="A very long thread", board_id=db.session.scalar(select(Topic.board_id).where(
            Topic.board_id.is_not(None))), author_id=topic.author_id, post_count=2000)
        db.session.add(big)
        db.session.flush()
        authors = db.session.scalars(select(User.id).limit(50)).all()
        html = render("A reply with **some** text and a [link](https://example.com).")
        db.session.execute(insert(Post), [
            {"topic_id": big.id, "author_id": authors[i % len(authors)], "body_source": "x", "body_html": html,
             "excerpt": "A reply", "created_at": utcnow()} for i in range(2000)])
        db.session.commit()
        pages = [
            ("front page", "/", None),
            ("concept list", "/concepts/", None),
            ("concept page", "/concepts/sourdough-subscription-box", "sofia"),
            ("demand summary", "/concepts/pulse-one-repairable-earbuds/results", "ravi_pulse"),
            ("concept discussion", f"/t/{topic.id}", "sofia"),
            ("2,000-post thread, page 1", f"/t/{big.id}", "sofia"),
            ("2,000-post thread, last page", f"/t/{big.id}?page=last", "sofia"),
            ("boards", "/boards", None),
            ("search 'bread'", "/search?q=bread", None),
        ]
    print(f"{'page':<32} {'median':>9} {'p90':>9} {'SQL':>5}")
    for name, url, user in pages:
        client = app.test_client()
        if user:
            client.post("/login", data={"login": user, "password": DEMO_PASSWORD})
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(REPEAT):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
        p90 = sorted(times)[int(len(times) * 0.9) - 1]
        print(f"{name:<32} {statistics.median(times) * 1000:>7.1f}ms {p90 * 1000:>7.1f}ms {len(statements):>5}")


if __name__ == "__main__":
    main()
