"""With several processes, Redis carries the rate-limit counters between them."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from forum import create_app
from forum.extensions import db, limiter
from tests.conftest import PASSWORD, REDIS_URL, TEST_CONFIG, make_user

pytestmark = pytest.mark.redis


def test_login_lockout_is_shared_between_processes(app, database_url, redis_client):
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}"
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
              "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    other = create_app(config)
    limiter.enabled = True
    try:
        with other.app_context():
            make_user("shared_lock")
            client = other.test_client()
            for _ in range(5):
                response = client.post("/login", data={"login": "shared_lock", "password": "bad guess!"})
                assert response.status_code == 401
            assert any(prefix in key.decode() for key in redis_client.scan_iter(f"*{prefix}*"))
            # A second process, another app instance on the same Redis, refuses the right password.
            script = textwrap.dedent(f"""
                from forum import create_app
                from forum.extensions import limiter
                app = create_app({config!r})
                limiter.enabled = True
                response = app.test_client().post("/login", data={{"login": "shared_lock", "password": {PASSWORD!r}}})
                print(response.status_code)
            """)
            result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                                    cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    env={**os.environ, "PYTHONPATH": "."})
            assert result.stdout.strip().splitlines()[-1] == "429", result.stderr[-2000:]
    finally:
        limiter.enabled = False
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        with other.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # back to the session app's in-memory counters
