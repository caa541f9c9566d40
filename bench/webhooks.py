"""What webhooks cost: a vote with subscribed endpoints beside the same vote with none, and the
sender's deliveries per second to a local receiver beside bare signed POSTs over http.client.

    .venv/bin/python -m bench.webhooks [--votes 300] [--endpoints 3] [--deliveries 300]

The vote is `feedback.cast_vote` (the tally, the event, the commit) on SQLite in a temporary file;
with endpoints subscribed to `summary.changed` every vote also writes the outbox (the first delivery
of the minute) or looks for a waiting one. The sender figure is `webhook_sender.deliver_due` (claim,
sign, POST, record) against a receiver in another process that answers 200; its floor is the same number of
signed POSTs sent straight with http.client, nothing recorded. Each figure is the median of three runs.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(ready) -> None:  # noqa: ANN001
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    ready.put(server.server_address[1])
    server.serve_forever()


def _app(db_path: Path):
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    from forum import create_app
    from forum.extensions import db
    from forum.services import schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "RATELIMIT_ENABLED": False,
                      "WEBHOOKS_BACKGROUND": False, "WEBHOOKS_ALLOW_PRIVATE": True, "MAIL_BACKGROUND": False,
                      "ACCESS_LOG": False})
    with app.app_context():
        db.create_all()
        schema.create_extras(db.engine)
    return app


def _people(votes: int):
    from forum.extensions import db
    from forum.models import Membership, Organization, User
    from forum.services import concepts

    owner = User(username="owner", username_key="owner", email="owner@example.test", password_hash="x")
    db.session.add(owner)
    db.session.flush()
    org = Organization(name="Bench Co", slug="bench-co", created_by_id=owner.id)
    org.memberships.append(Membership(user_id=owner.id, role="owner"))
    voters = [User(username=f"v{i}", username_key=f"v{i}", email=f"v{i}@example.test", password_hash="x",
                   trust_level=2) for i in range(votes)]
    db.session.add_all([org, *voters])
    db.session.commit()
    concept = concepts.create(owner, org, "Bench kettle", "A kettle", "It boils.")
    return owner, org, concepts.add_feature(owner, concept, "Timer", ""), voters


def _votes(votes: int, endpoints: int, url: str) -> float:
    from forum.extensions import db
    from forum.services import feedback, webhooks

    owner, org, feature, voters = _people(votes)
    for _ in range(endpoints):
        webhooks.create(owner, org, url, ["summary.changed", "decision.added"])
    started = time.perf_counter()
    for voter in voters:
        feedback.cast_vote(voter, feature, "up")
    elapsed = time.perf_counter() - started
    db.session.remove()
    return elapsed / votes


def _sender(deliveries: int, url: str) -> tuple[float, float]:
    from forum.extensions import db
    from forum.models import WebhookDelivery, utcnow
    from forum.services import webhook_sender, webhooks

    owner, org, _feature, _voters = _people(0)
    endpoint, secret = webhooks.create(owner, org, url, ["concept.created"])
    now = utcnow()
    bodies = [webhooks.body(f"evt_{i}", "concept.created", now, {"n": i}) for i in range(deliveries)]
    db.session.add_all([WebhookDelivery(endpoint_id=endpoint.id, event_id=f"evt_{i}", event_type="concept.created",
                                        body=body, next_attempt_at=now) for i, body in enumerate(bodies)])
    db.session.commit()
    started = time.perf_counter()
    sent = 0
    while True:
        batch, _failed = webhook_sender.deliver_due()
        sent += batch
        if not batch:
            break
    ours = time.perf_counter() - started
    assert sent == deliveries, sent
    started = time.perf_counter()
    for body in bodies:
        webhook_sender.post(url, body, {"Content-Type": "application/json", "X-SoundingBoard-Signature":
                                        webhook_sender.signature(secret, body, int(time.time()))})
    floor = time.perf_counter() - started
    db.session.remove()
    return deliveries / ours, deliveries / floor


def _fresh(run, *args):  # noqa: ANN001, ANN002, ANN202
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp) / "bench.db")
        with app.app_context():
            return run(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=300)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=300)
    args = parser.parse_args()
    ready = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_serve, args=(ready,), daemon=True)  # another process, as in life
    receiver.start()
    url = f"http://127.0.0.1:{ready.get(timeout=30)}/hooks"
    bare = statistics.median(_fresh(_votes, args.votes, 0, url) for _ in range(3))
    hooked = statistics.median(_fresh(_votes, args.votes, args.endpoints, url) for _ in range(3))
    runs = [_fresh(_sender, args.deliveries, url) for _ in range(3)]
    ours, floor = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print("| figure | ours | floor | ratio |\n| --- | --- | --- | --- |")
    print(f"| a vote (SQLite), {args.endpoints} endpoints on summary.changed vs none | {hooked * 1000:.2f} ms "
          f"| {bare * 1000:.2f} ms | {hooked / bare:.2f}x |")
    print(f"| deliveries per second to a local receiver vs bare signed POSTs | {ours:.0f}/s | {floor:.0f}/s "
          f"| {floor / ours:.2f}x the floor's time |")
    receiver.terminate()


if __name__ == "__main__":
    main()
