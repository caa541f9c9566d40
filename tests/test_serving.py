"""Production serving: /healthz, the JSON request log, hashed static files, cookie-free visitor pages,
and sessions and rate limits that survive a restart of a real gunicorn process."""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
import uuid

import psycopg
import pytest
import requests
from sqlalchemy import select

from forum.extensions import db
from forum.models import Topic
from forum.services import concepts as concept_service
from forum.services import posting
from forum.serving import ACCESS_LOGGER, JsonLineFormatter
from tests.conftest import POSTGRES_ADMIN_URL, create_pg_database, drop_pg_database, make_user, need_service
from tests.servers import Server, prepare_database

# --- /healthz -----------------------------------------------------------------------------------


def test_healthz_answers_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_a_configured_redis_is_down(app, client):
    app.config["CACHE_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.config["CACHE_REDIS_URL"] = None
    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("unreachable")
    assert response.get_json()["database"] == "ok"


@pytest.mark.postgres
@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="runs once, in the SQLite pass (it starts its own PostgreSQL database)")
def test_healthz_answers_503_when_the_database_goes_away():
    try:
        url, name = create_pg_database(POSTGRES_ADMIN_URL)
    except Exception as exc:  # noqa: BLE001
        need_service("PostgreSQL", str(exc))
    instance = tempfile.mkdtemp(prefix="sb-health-")
    env = {"DATABASE_URL": url, "INSTANCE_PATH": instance}
    dropped = False
    try:
        prepare_database(env, seed=False)
        with Server(env) as server:
            assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
            drop_pg_database(name, POSTGRES_ADMIN_URL)
            dropped = True
            response = requests.get(server.url + "/healthz", timeout=10)
            assert response.status_code == 503, server.log()[-2000:]
            assert response.json()["database"] == "unreachable"
    finally:
        if not dropped:
            drop_pg_database(name, POSTGRES_ADMIN_URL)


@pytest.mark.postgres
@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="runs once, in the SQLite pass (it starts its own PostgreSQL database)")
def test_a_page_loads_after_postgresql_dropped_the_idle_connections():
    """Connections idle past DATABASE_PING_AFTER_IDLE are pinged before use: one the server ended
    (a restart, an idle timeout) is replaced, and the reader never sees an error."""
    try:
        url, name = create_pg_database(POSTGRES_ADMIN_URL)
    except Exception as exc:  # noqa: BLE001
        need_service("PostgreSQL", str(exc))
    env = {"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(prefix="sb-ping-"), "DATABASE_PING_AFTER_IDLE": "0.5"}
    try:
        prepare_database(env, seed=False)
        with Server(env) as server:
            assert requests.get(server.url + "/concepts/", timeout=10).status_code == 200
            with psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as admin:
                ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()[0]
            assert ended >= 1
            time.sleep(1)
            response = requests.get(server.url + "/concepts/", timeout=10)
            assert response.status_code == 200, server.log()[-2000:]
    finally:
        drop_pg_database(name, POSTGRES_ADMIN_URL)


# --- one JSON line per request ------------------------------------------------------------------

class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_each_request_writes_one_json_line_without_personal_data(app, client):
    user = make_user("loggy", display_name="Lola Secret")
    handler = _Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.disabled = False  # alembic's fileConfig (tests/test_migrations.py) disables existing loggers
    logger.addHandler(handler)
    app.config["ACCESS_LOG"] = True
    try:
        client.post("/login", data={"login": "loggy", "password": "correct horse battery staple"})
        client.get(f"/u/{user.username}?q=private-words")
        client.get("/no-such-page")
    finally:
        logger.removeHandler(handler)
    lines = [JsonLineFormatter().format(r) for r in handler.records]
    assert len(lines) == 3
    entries = [json.loads(line) for line in lines]
    assert [(e["method"], e["route"], e["status"]) for e in entries] == [
        ("POST", "/login", 302), ("GET", "/u/<username>", 200), ("GET", "(no route)", 404)]
    assert all(isinstance(e["ms"], float | int) and e["ms"] >= 0 for e in entries)
    text = "\n".join(lines)
    for secret in ("loggy", "Lola", "private-words", "127.0.0.1", "session"):
        assert secret not in text


# --- static files -------------------------------------------------------------------------------

def test_static_files_have_hashed_names_and_a_year_long_lifetime(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.([0-9a-f]{10})\.css)"', page)
    js = re.search(r'src="(/static/js/app\.[0-9a-f]{10}\.js)"', page)
    assert css and js, "the page names its stylesheet and script by content hash"
    for url in (css[1], js[1]):
        response = client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
        response.close()
    stale = css[1].replace(css[2], "0000000000")
    assert client.get(stale).status_code == 404  # never other bytes under a hashed name
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]
    plain.close()


# --- visitors get no cookie ---------------------------------------------------------------------

def test_visitor_pages_set_no_session_cookie(app, people):

    concept = concept_service.create(people["owner"], people["org"], "Cookie-free concept", "Summary",
                                     "Some **description**.", "idea", "", "EUR", True, False, True)
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    posting.reply(people["consumer"], topic, "A first reply", None)
    topic_id = topic.id
    for url in ("/", "/concepts/", f"/concepts/{concept.slug}", f"/t/{topic_id}", "/boards", "/healthz"):
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, f"{url} set {response.headers.get('Set-Cookie')}"


# --- a restart keeps sessions and rate limits ---------------------------------------------------

def _login(session: requests.Session, url: str, username: str, password: str) -> int:
    return session.post(url + "/login", data={"login": username, "password": password},
                        allow_redirects=False, timeout=10).status_code


def test_sessions_and_rate_limits_survive_a_restart():
    from forum.demo import DEMO_PASSWORD

    instance = tempfile.mkdtemp(prefix="sb-restart-")
    env = {"INSTANCE_PATH": instance, "SECRET_KEY": uuid.uuid4().hex}
    prepare_database(env, seed=True)
    reader = requests.Session()
    guesser = requests.Session()
    server = Server(env).start()
    try:
        assert _login(reader, server.url, "sofia", DEMO_PASSWORD) == 302
        assert reader.get(server.url + "/settings", allow_redirects=False, timeout=10).status_code == 200
        for _ in range(5):
            assert _login(guesser, server.url, "liam", "not the password") == 401
        server.stop()
        server = Server(env, port=server.port).start()
        # Still signed in after the restart ...
        assert reader.get(server.url + "/settings", allow_redirects=False, timeout=10).status_code == 200
        # ... and the account is still locked against the guesser, even with the right password.
        assert _login(guesser, server.url, "liam", DEMO_PASSWORD) == 429
    finally:
        server.stop()
