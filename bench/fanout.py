"""Live fan-out: how fast a post reaches N open pages, beside a bare python-socketio broadcast.

    .venv/bin/python -m bench.fanout                 # N = 100, 500, 1000; M = 30 posts each
    .venv/bin/python -m bench.fanout --clients 100 --posts 10

For each N it starts a real server (gunicorn -k gevent -w 1, SQLite, as the README's run command),
connects N python-socketio clients (asyncio, websocket transport) to one topic, makes M posts over
HTTP one after another (the reply endpoint, JSON answer), and prints the delivery latency from the
start of each POST to each client's receipt (p50, p99), posts per second, and deliveries lost. In the
same run it starts a bare python-socketio server (bench/bare_socketio.py: no Flask, no database)
under the same gunicorn, has the same clients join its room, POSTs the same payload that it
broadcasts, and prints our latencies as a ratio of that floor. Rate limits are off in both servers
(the write limit would otherwise stop the posting at 60 a minute) and CSRF is off (the bench posts
without a form). Clients and servers share this machine's cores: compare ratios, not absolutes.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="sb-fanout-"))

from tests.realtime.servers import ServerProcess, prepare_database  # noqa: E402

PASSWORD = "correct horse battery staple"


def seed(url: str) -> dict[str, Any]:
    from forum import create_app
    from forum.extensions import db
    from forum.models import Board, User
    from forum.services import events, passwords, posting

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_PARALLELISM": 1, "SITE_URL": "http://127.0.0.1"})
    with app.app_context():
        user = User(username="bench", username_key="bench", email="bench@example.test", display_name="Bench",
                    password_hash=passwords.hash_password(PASSWORD), role="consumer")
        board = Board(slug="general", name="General", position=1)
        db.session.add_all([user, board])
        db.session.commit()
        topic = posting.create_topic(user, board, "Fan-out", "The first post")
        data = {"topic": topic.id, "seq": events.current_seq(events.topic_room(topic.id))}
        db.session.remove()
        db.engine.dispose()
    return data


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run_round(url: str, subscribe: dict[str, Any], n: int, m: int, post: Any) -> dict[str, Any]:
    """Connect n clients, subscribe, make m posts with `post(k)`, collect receipts."""
    import socketio

    receipts: list[dict[int, float]] = [dict() for _ in range(n)]
    clients = []
    sent: dict[int, float] = {}
    first_seq: list[int] = []
    done = asyncio.Event()
    expected = n * (m + 1)
    got = {"n": 0}

    def handler(i: int) -> Any:
        def on_event(message: dict[str, Any]) -> None:
            seq = message["seq"]
            if seq in receipts[i]:
                return  # a duplicate would be dropped by the page
            receipts[i][seq] = time.perf_counter()
            got["n"] += 1
            if got["n"] >= expected:
                done.set()
        return on_event

    async def connect(i: int) -> Any:
        client = socketio.AsyncClient(reconnection=False)
        client.on("event", handler(i))
        await client.connect(url, transports=["websocket"], wait_timeout=60)
        answer = await client.call("subscribe", subscribe, timeout=60)
        first_seq.append(answer["seq"])
        return client

    batch = 50
    for start in range(0, n, batch):
        clients += await asyncio.gather(*(connect(i) for i in range(start, min(n, start + batch))))
    await post(0)  # warm-up (first-use imports and caches on the server), not measured
    base = max(first_seq) + 1
    began = time.perf_counter()
    for k in range(1, m + 1):
        sent[base + k] = time.perf_counter()
        await post(k)
    posting_seconds = time.perf_counter() - began
    try:
        await asyncio.wait_for(done.wait(), timeout=60)
    except TimeoutError:
        pass
    latencies = [(at - sent[seq]) * 1000 for r in receipts for seq, at in r.items() if seq in sent]
    if os.environ.get("FANOUT_DEBUG"):
        for seq in sorted(sent):
            got_seq = [(r[seq] - sent[seq]) * 1000 for r in receipts if seq in r]
            print(f"  seq {seq}: first {min(got_seq):.1f}ms last {max(got_seq):.1f}ms", file=sys.stderr)
    lost = n * m - len(latencies)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "lost": lost,
            "posts_per_s": m / posting_seconds, "mean": statistics.fmean(latencies) if latencies else float("nan")}


async def measure(n: int, m: int, ours: ServerProcess, bare: ServerProcess, data: dict[str, Any]) -> tuple[Any, Any]:
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # 127.0.0.1
        async with session.post(f"{ours.url}/login", data={"login": "bench", "password": PASSWORD},
                                allow_redirects=False) as response:
            assert response.status == 302, await response.text()

        async def post_ours(k: int) -> None:
            async with session.post(f"{ours.url}/t/{data['topic']}/reply",
                                    data={"body": f"Fan-out post {k} of {m} for {n} clients", "submit": "1"},
                                    headers={"Accept": "application/json"}) as response:
                assert response.status == 201, await response.text()

        async def post_bare(k: int) -> None:
            payload = {"post_id": 1000 + k, "topic_id": data["topic"], "author_id": 1, "author": "Bench",
                                 "reply_to_id": None, "official": False}
            async with session.post(f"{bare.url}/post", json=payload) as response:
                assert response.status == 201

        ours_result = await run_round(ours.url, {"topic": data["topic"]}, n, m, post_ours)
        bare_result = await run_round(bare.url, {"topic": 1}, n, m, post_bare)
    return ours_result, bare_result


def main() -> None:
    import logging

    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # "packet queue is empty" on each close
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="*", default=[100, 500, 1000])
    parser.add_argument("--posts", type=int, default=30)
    args = parser.parse_args()

    work = Path(os.environ["INSTANCE_PATH"])
    url = f"sqlite:///{work / 'fanout.db'}"
    prepare_database(url)
    data = seed(url)
    connections = max(args.clients) * 2 + 100
    ours = ServerProcess(url, work, secrets.token_hex(16), worker_connections=connections, WTF_CSRF_ENABLED="0")
    bare = ServerProcess(url, work, secrets.token_hex(16), app="bench.bare_socketio:app",
                         worker_connections=connections)
    print(f"Live fan-out: one topic, M = {args.posts} posts over HTTP, one after another; "
          "latency = POST start to a client's receipt")
    print(f"{'N':>5} | {'ours p50':>9} {'ours p99':>9} {'posts/s':>8} {'lost':>5} | "
          f"{'bare p50':>9} {'bare p99':>9} {'posts/s':>8} {'lost':>5} | {'p50 x':>6} {'p99 x':>6}")
    with ours, bare:
        for n in args.clients:
            mine, floor = asyncio.run(measure(n, args.posts, ours, bare, data))
            print(f"{n:>5} | {mine['p50']:>7.1f}ms {mine['p99']:>7.1f}ms {mine['posts_per_s']:>8.1f} {mine['lost']:>5} | "
                  f"{floor['p50']:>7.1f}ms {floor['p99']:>7.1f}ms {floor['posts_per_s']:>8.1f} {floor['lost']:>5} | "
                  f"{mine['p50'] / floor['p50']:>6.2f} {mine['p99'] / floor['p99']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
