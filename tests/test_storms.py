"""Correct under load, against real gunicorn + gevent processes (bounded in time and count).

- A voting storm: 50 people voting and changing their votes on the same features at once, through
  two processes, on SQLite (one file, two writers) and on PostgreSQL: no error (a busy SQLite may
  answer 503 with Retry-After, and the client retries; never a 500), no lost or doubled vote, and the
  tallies (in the database, in the stored summary, on the cached page) equal the final votes exactly.
- A demand storm, price-heavy: 50 people answering the price questions, voting and replying (JSON)
  through two processes while 4 readers loop over the published summary (page and API), summary.json
  and the price page, on SQLite and on PostgreSQL: no 500 anywhere, a reader never waits for a
  writer (every read answers 200), the run ends in bounded time, and the summary equals the answers.
- A posting storm in one topic through two processes sharing Redis: every post stored once, and
  every open page (a Socket.IO client on either process) receives every post, in order.
- The same storm with one process killed half-way: its pages reconnect to the other and miss nothing.
- Two processes on Redis share rate limits and the page cache.
"""
from __future__ import annotations

import json
import os
import random
import re
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ADMIN_URL, REDIS_URL, create_pg_database, drop_pg_database, need_service
from tests.servers import Server, prepare_database

# The suite runs twice (scripts/test.sh): the storms that start their own PostgreSQL database run in
# the PostgreSQL pass, the SQLite storm in the SQLite pass, so each runs once.
PG_PASS = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
in_pg_pass = pytest.mark.skipif(not PG_PASS, reason="runs in the PostgreSQL pass (TEST_DATABASE_URL=postgresql...)")
in_sqlite_pass = pytest.mark.skipif(PG_PASS, reason="runs in the SQLite pass")
PASSWORD = "storm passphrase 1"
VOTERS = 50
ROUNDS = 6
TIMEOUT = 30

SETUP = """
import json
from forum.extensions import db
from forum.models import Membership, Organization, Topic, User, utcnow
from forum.services import api_tokens, concepts, passwords
from sqlalchemy import select
digest = passwords.hash_password(PASSWORD)
def person(name):
    # Established members (trust level 1): a brand-new account's vote waits before it counts.
    user = User(username=name, username_key=name, email=name + "@example.test", password_hash=digest,
                display_name=name.title(), trust_level=1)
    db.session.add(user)
    return user
owner = person("owner")
people = [person("p%d" % i) for i in range(PEOPLE)]
db.session.flush()
org = Organization(name="Storm Co", slug="storm-co", created_by_id=owner.id, verified_at=utcnow())
org.memberships.append(Membership(user_id=owner.id, role="owner"))
db.session.add(org)
db.session.commit()
concept = concepts.create(owner, org, "Storm concept", "Weathering it", "Text", "idea", "", "EUR", True,
                          False, True)
features = [concepts.add_feature(owner, concept, "Feature " + name, "") for name in "ABC"]
topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
org.publish_price_summary = True
db.session.commit()
token = api_tokens.create_for_cli("storm-co", "storm")[1]
print(json.dumps({"slug": concept.slug, "features": [f.id for f in features], "topic": topic.id, "token": token}))
"""


def _setup(env: dict[str, str], people: int) -> dict:
    out = prepare_database(env, seed=False, then=SETUP.replace("PASSWORD", repr(PASSWORD))
                           .replace("PEOPLE", str(people)))
    return json.loads(out.strip().splitlines()[-1])


def _server_env(env: dict[str, str]) -> dict[str, str]:
    # Fifty people sign in from one address here; production keeps its per-address login limit.
    return {**env, "RATELIMIT_LOGIN_ADDRESS": "1000 per minute", "RATELIMIT_API": "100000 per minute",
            "ACCESS_LOG": os.environ.get("STORM_ACCESS_LOG", "0")}


def _login(base: str, name: str) -> requests.Session:
    session = requests.Session()
    response = session.post(base + "/login", data={"login": name, "password": PASSWORD},
                            allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, (name, response.status_code, response.text[:300])
    return session


class Outcome:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.busy = 0
        self.server_errors = 0  # answers of 500 or more (a busy 503 with Retry-After is retried)

    def error(self, message: str, status: int = 0) -> None:
        with self.lock:
            self.errors.append(message)
            self.server_errors += status >= 500


def _post(session: requests.Session, url: str, data: dict, outcome: Outcome, **kwargs) -> requests.Response | None:
    """POST; a 503 with Retry-After (a busy database) is retried as a browser user would."""
    for _ in range(100):
        response = session.post(url, data=data, allow_redirects=False, timeout=TIMEOUT, **kwargs)
        if response.status_code == 503 and "Retry-After" in response.headers:
            with outcome.lock:
                outcome.busy += 1
            time.sleep(min(float(response.headers["Retry-After"]), 1.0) * random.random() + 0.01)
            continue
        if response.status_code >= 400:
            outcome.error(f"{url}: {response.status_code} {response.text[:200]}", response.status_code)
            return None
        return response
    outcome.error(f"{url}: still busy after 100 tries")
    return None


def _engine(env: dict[str, str]):
    if env.get("DATABASE_URL"):
        return create_engine(env["DATABASE_URL"])
    return create_engine(f"sqlite:///{env['INSTANCE_PATH']}/forum.db")


@pytest.fixture
def pg_url():
    """A PostgreSQL database of its own for the storm (skipped without the service), dropped after."""
    try:
        url, name = create_pg_database(POSTGRES_ADMIN_URL)
    except Exception as exc:  # noqa: BLE001
        need_service("PostgreSQL", str(exc))
    try:
        yield url
    finally:
        drop_pg_database(name, POSTGRES_ADMIN_URL)


# --- the voting storm ---------------------------------------------------------------------------

def _voting_storm(env: dict[str, str]) -> None:
    setup = _setup(env, VOTERS)
    slug, features = setup["slug"], setup["features"]
    servers = [Server(_server_env(env)).start() for _ in range(2)]
    try:
        outcome = Outcome()
        sessions = [_login(servers[i % 2].url, f"p{i}") for i in range(VOTERS)]
        start = threading.Barrier(VOTERS)
        finals: dict[tuple[str, int], str] = {}

        def vote(i: int) -> None:
            rng = random.Random(i)
            base = servers[i % 2].url
            start.wait(timeout=TIMEOUT)
            for _ in range(ROUNDS):
                feature, value = rng.choice(features), rng.choice(["up", "down", "clear", "up"])
                response = _post(sessions[i], f"{base}/concepts/{slug}/features/{feature}/vote",
                                 {"value": value}, outcome, headers={"Accept": "application/json"})
                if response is not None:
                    finals[f"p{i}", feature] = value

        with ThreadPoolExecutor(VOTERS) as pool:
            for future in [pool.submit(vote, i) for i in range(VOTERS)]:
                future.result(timeout=180)
        assert outcome.errors == [], outcome.errors[:5]

        expected = {f: [0, 0] for f in features}
        for (_, feature), value in finals.items():
            if value != "clear":
                expected[feature][0 if value == "up" else 1] += 1
        engine = _engine(env)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT u.username, v.feature_id, v.value FROM feature_votes v JOIN users u ON u.id = v.user_id"
            )).all()
        engine.dispose()
        stored = {(name, feature): ("up" if value > 0 else "down") for name, feature, value in rows}
        wanted = {key: value for key, value in finals.items() if value != "clear"}
        assert stored == wanted  # no vote lost, none doubled, none left over
        # What the page shows (served from the cache, from the stored summary) on both processes.
        for server in servers:
            page = requests.get(f"{server.url}/concepts/{slug}", timeout=TIMEOUT).text
            for feature in features:
                row = page[page.index(f'id="fb-feature-{feature}"'):]
                up = int(re.search(r'data-count="up">(\d+) for', row)[1])
                down = int(re.search(r'data-count="down">(\d+) against', row)[1])
                assert [up, down] == expected[feature], (server.url, feature)
    finally:
        for server in servers:
            server.stop()


@in_sqlite_pass
def test_voting_storm_on_sqlite_through_two_processes():
    env = {"INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-storm-"), "SECRET_KEY": uuid.uuid4().hex}
    _voting_storm(env)


@pytest.mark.postgres
@in_pg_pass
def test_voting_storm_on_postgresql_through_two_processes(pg_url):
    _voting_storm({"DATABASE_URL": pg_url, "INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-storm-"),
                   "SECRET_KEY": uuid.uuid4().hex})


# --- the demand storm: price-heavy writers and readers ----------------------------------------------

DEMAND_DEADLINE = 240  # seconds for the whole storm on a busy 2-core machine (before: 308 s and 500s)


def _prices(rng: random.Random) -> dict[str, str]:
    low = rng.randint(5, 20)
    return {"too_cheap": str(low), "cheap": str(low + rng.randint(1, 9)), "expensive": str(low + rng.randint(10, 19)),
            "too_expensive": str(low + rng.randint(20, 40)), "intent_cheap": str(rng.randint(1, 5)),
            "intent_expensive": str(rng.randint(1, 5))}


def _demand_writer(i: int, base: str, session: requests.Session, setup: dict, outcome: Outcome,
                   answered: dict, start: threading.Barrier) -> None:
    rng = random.Random(i)
    slug, json_accept = setup["slug"], {"Accept": "application/json"}
    start.wait(timeout=TIMEOUT)
    deadline = time.monotonic() + DEMAND_DEADLINE
    for _ in range(ROUNDS):
        if time.monotonic() > deadline:
            outcome.error(f"p{i}: past the storm's deadline")
            return
        kind = rng.choice(["price", "price", "price", "vote", "vote", "reply"])
        if kind == "price":
            prices = _prices(rng)
            if _post(session, f"{base}/concepts/{slug}/price", prices, outcome, headers=json_accept) is not None:
                answered[f"p{i}"] = prices
        elif kind == "vote":
            feature = rng.choice(setup["features"])
            _post(session, f"{base}/concepts/{slug}/features/{feature}/vote", {"value": "up"}, outcome,
                  headers=json_accept)
        else:
            _post(session, f"{base}/t/{setup['topic']}/reply", {"body": f"Storm reply {i}"}, outcome)


def _demand_reader(k: int, servers: list, setup: dict, reader: requests.Session, outcome: Outcome,
                   done: threading.Event, reads: list) -> None:
    slug, token = setup["slug"], {"Authorization": f"Bearer {setup['token']}"}
    paths = [(f"/api/v1/concepts/{slug}/summary", None), (f"/api/v1/concepts/{slug}/export/summary.json", token),
             (f"/concepts/{slug}/results", None), (f"/concepts/{slug}/price", "session")]
    n = 0
    while not done.is_set():
        path, how = paths[n % len(paths)]
        base = servers[(n + k) % 2].url
        getter = reader if how == "session" else requests
        response = getter.get(base + path, headers=how if isinstance(how, dict) else None, timeout=TIMEOUT)
        if response.status_code != 200:
            outcome.error(f"reader {path}: {response.status_code} {response.text[:200]}", response.status_code)
        n += 1
    reads.append(n)


def _demand_storm(env: dict[str, str]) -> None:
    setup = _setup(env, VOTERS + 1)
    servers = [Server(_server_env(env)).start() for _ in range(2)]
    try:
        outcome = Outcome()
        sessions = [_login(servers[i % 2].url, f"p{i}") for i in range(VOTERS)]
        readers = [_login(servers[k % 2].url, f"p{VOTERS}") for k in range(4)]
        answered: dict[str, dict] = {}
        start, done, reads = threading.Barrier(VOTERS), threading.Event(), []
        began = time.monotonic()
        with ThreadPoolExecutor(VOTERS + 4) as pool:
            watchers = [pool.submit(_demand_reader, k, servers, setup, readers[k], outcome, done, reads)
                        for k in range(4)]
            writers = [pool.submit(_demand_writer, i, servers[i % 2].url, sessions[i], setup, outcome, answered,
                                   start) for i in range(VOTERS)]
            try:
                for future in writers:
                    future.result(timeout=max(1, DEMAND_DEADLINE - (time.monotonic() - began)))
            finally:
                done.set()  # the readers stop, whatever happened to the writers
            for future in watchers:
                future.result(timeout=TIMEOUT)
        took = time.monotonic() - began
        engine = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
        print(f"\ndemand storm on {engine}: {took:.0f} s, {outcome.server_errors} x 5xx, {outcome.busy} busy "
              f"answers retried, {sum(reads)} reads, {len(outcome.errors)} errors")
        logs = "".join(line for server in servers for line in server.log().splitlines(True)
                       if not line.startswith('{"ts"'))
        assert outcome.errors == [], (outcome.errors[:5], logs[-3000:])
        assert took < DEMAND_DEADLINE, f"the storm took {took:.0f} s"
        assert sum(reads) >= 8, reads  # the readers did read while the writers wrote
        summary = requests.get(f"{servers[0].url}/api/v1/concepts/{setup['slug']}/summary", timeout=TIMEOUT).json()
        assert summary["price"]["n"] + summary["price"]["invalid"] == len(answered)
        assert summary["participation"]["price"] == len(answered)
    finally:
        for server in servers:
            server.stop()


@in_sqlite_pass
def test_demand_storm_with_readers_on_sqlite_through_two_processes():
    env = {"INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-demand-"), "SECRET_KEY": uuid.uuid4().hex}
    _demand_storm(env)


@pytest.mark.postgres
@in_pg_pass
def test_demand_storm_with_readers_on_postgresql_through_two_processes(pg_url):
    _demand_storm({"DATABASE_URL": pg_url, "INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-demand-"),
                   "SECRET_KEY": uuid.uuid4().hex})


# --- the posting storm --------------------------------------------------------------------------

@pytest.fixture
def redis_env(redis_client):
    prefix = f"sbtest-{uuid.uuid4().hex[:10]}:"
    yield {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL, "CACHE_REDIS_URL": REDIS_URL,
           "RATELIMIT_KEY_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix + "page:",
           "LIVE_KEY_PREFIX": prefix + "live:", "SOCKETIO_CHANNEL": prefix + "socketio"}
    for key in redis_client.scan_iter(f"*{prefix}*"):
        redis_client.delete(key)


class Listener:
    """An open topic page: a Socket.IO client that applies events in sequence order and, when its
    server goes away, reconnects (to the other one) from the last number it applied."""

    def __init__(self, topic_id: int) -> None:
        self.room = f"topic:{topic_id}"
        self.topic_id = topic_id
        self.lock = threading.Lock()
        self.events: dict[int, dict] = {}
        self.arrivals = 0
        self.sio = None
        self.asked = 0.0

    def applied(self) -> int:
        with self.lock:
            n = 0
            while n + 1 in self.events:
                n += 1
            return n

    def _on_event(self, message: dict) -> None:
        if message.get("room") == self.room:
            with self.lock:
                self.arrivals += 1
                self.events.setdefault(message["seq"], message)

    def connect(self, base: str) -> None:
        import socketio

        sio = socketio.Client(reconnection=False)
        sio.on("event", self._on_event)
        sio.connect(base, wait_timeout=TIMEOUT)
        answer = sio.call("subscribe", {"topic": self.topic_id, "after": self.applied()}, timeout=TIMEOUT)
        assert answer.get("ok") and not answer.get("reload"), answer
        self.sio = sio

    def catch_up(self) -> None:
        """What the page does (static/js/live.js): when a later number has arrived and an earlier one
        has not for 1.5 s, it subscribes again after the last number it applied, and the server
        sends what is missing from the database. (A post committed by a process killed before it
        pushed the post's event is such a hole, seen when the next number arrives.)"""
        applied = self.applied()
        with self.lock:
            waiting = any(seq > applied for seq in self.events)
        if waiting and self.connected and time.monotonic() - self.asked >= 1.5:
            self.asked = time.monotonic()
            self.sio.call("subscribe", {"topic": self.topic_id, "after": applied}, timeout=TIMEOUT)

    @property
    def connected(self) -> bool:
        return bool(self.sio and self.sio.connected)

    def close(self) -> None:
        if self.sio is not None:
            try:
                self.sio.disconnect()
            except Exception:  # noqa: BLE001
                pass


def _posting_storm(redis_env: dict[str, str], pg_url: str, kill_one: bool) -> None:
    posters, per_poster, listeners_per_server = 12, 5, 4
    env = {"DATABASE_URL": pg_url, "INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-posts-"),
           "SECRET_KEY": uuid.uuid4().hex, **redis_env}
    servers: list[Server] = []
    listeners: list[Listener] = []
    try:
        setup = _setup(env, posters)
        topic_id = setup["topic"]
        servers = [Server(_server_env(env)).start() for _ in range(2)]
        for i in range(2 * listeners_per_server):
            listener = Listener(topic_id)
            listener.connect(servers[i % 2].url)
            listeners.append(listener)
        sessions = [[_login(server.url, f"p{i}") for server in servers] for i in range(posters)]
        outcome = Outcome()
        marks = [f"storm-{uuid.uuid4().hex[:8]}-{i}-{k}" for i in range(posters) for k in range(per_poster)]
        sent = threading.Semaphore(0)
        engine = _engine(env)
        reconnected: list[Listener] = []

        def stored(mark: str) -> int:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM posts WHERE body_source = :m"), {"m": mark}).scalar()

        def post(i: int) -> None:
            for k in range(per_poster):
                mark = marks[i * per_poster + k]
                for attempt in range(2):
                    which = (i + k) % 2 if attempt == 0 and servers[(i + k) % 2].process.poll() is None else 1
                    try:
                        _post(sessions[i][which], f"{servers[which].url}/t/{topic_id}/reply", {"body": mark}, outcome)
                        break
                    except requests.ConnectionError:
                        # The process died under the request: a careful client looks before it resends.
                        if stored(mark):
                            break
                sent.release()

        def killer() -> None:
            for _ in range(len(marks) // 2):
                sent.acquire(timeout=120)
            servers[0].kill()

        with ThreadPoolExecutor(posters + 1) as pool:
            futures = [pool.submit(post, i) for i in range(posters)]
            if kill_one:
                futures.append(pool.submit(killer))
            deadline = time.monotonic() + 180
            while not all(f.done() for f in futures) and time.monotonic() < deadline:
                for listener in listeners:  # pages whose server is gone reconnect to the other one
                    if kill_one and servers[0].process.poll() is not None and not listener.connected:
                        listener.close()
                        listener.connect(servers[1].url)
                        reconnected.append(listener)
                time.sleep(0.1)
            for future in futures:
                future.result(timeout=5)
        if kill_one:
            # The killed process may have committed a post and died before pushing its event: open
            # pages see that hole when the next number arrives. One more post makes that next number.
            _post(sessions[0][1], f"{servers[1].url}/t/{topic_id}/reply", {"body": "after the storm"}, outcome)
        assert outcome.errors == [], outcome.errors[:5]
        if kill_one:
            assert servers[0].process.poll() is not None, "the first process was killed mid-storm"
            assert reconnected, "pages of the killed process reconnected to the other one"
        with engine.connect() as conn:
            counts = dict(conn.execute(text(
                "SELECT body_source, count(*) FROM posts WHERE body_source LIKE 'storm-%' GROUP BY body_source")).all())
            room_events = conn.execute(text(
                "SELECT seq, kind, payload FROM events WHERE room = :r ORDER BY seq"), {"r": f"topic:{topic_id}"}).all()
        engine.dispose()
        assert counts == {mark: 1 for mark in marks}  # every post stored, once
        last = room_events[-1][0]
        assert [row[0] for row in room_events] == list(range(1, last + 1))
        deadline = time.monotonic() + 60
        for listener in listeners:
            if kill_one and not listener.connected:
                listener.close()
                listener.connect(servers[1].url)
            while listener.applied() < last and time.monotonic() < deadline:
                listener.catch_up()
                time.sleep(0.1)
        for listener in listeners:
            assert listener.applied() == last, f"a page applied {listener.applied()} of {last} events"
            got = [(seq, listener.events[seq]["kind"]) for seq in range(1, last + 1)]
            assert got == [(row[0], row[1]) for row in room_events]  # every event, in order, once each
    finally:
        for listener in listeners:
            listener.close()
        for server in servers:
            server.stop()


@pytest.mark.postgres
@pytest.mark.redis
@in_pg_pass
def test_posting_storm_through_two_processes_reaches_every_open_page(redis_env, pg_url):
    _posting_storm(redis_env, pg_url, kill_one=False)


@pytest.mark.postgres
@pytest.mark.redis
@in_pg_pass
def test_a_process_killed_mid_storm_loses_nothing(redis_env, pg_url):
    _posting_storm(redis_env, pg_url, kill_one=True)


# --- two processes share rate limits and the cache ----------------------------------------------

@pytest.mark.redis
@in_sqlite_pass
def test_two_processes_on_redis_share_rate_limits_and_the_page_cache(redis_env):
    env = {"INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-shared-"), "SECRET_KEY": uuid.uuid4().hex, **redis_env}
    setup = _setup(env, 2)
    one, two = Server(env).start(), Server(env).start()
    try:
        page = f"/concepts/{setup['slug']}"
        assert requests.get(one.url + page, timeout=TIMEOUT).headers["X-Page-Cache"] == "miss"
        assert requests.get(two.url + page, timeout=TIMEOUT).headers["X-Page-Cache"] == "hit"
        guesser = requests.Session()
        for server in (one, two, one, two, one):
            response = guesser.post(server.url + "/login", data={"login": "p0", "password": "wrong guess!"},
                                    allow_redirects=False, timeout=TIMEOUT)
            assert response.status_code == 401
        # Five failures spread over two processes lock the account on both, right password or not.
        for server in (one, two):
            response = requests.post(server.url + "/login", data={"login": "p0", "password": PASSWORD},
                                     allow_redirects=False, timeout=TIMEOUT)
            assert response.status_code == 429
    finally:
        one.stop()
        two.stop()
