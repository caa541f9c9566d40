"""What /healthz checks: the database answers a query; every Redis the app is configured to use
answers PING. Each check has a short timeout, so a monitor learns of a dead dependency in about a
second instead of hanging."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import text

from forum.extensions import db

TIMEOUT = 1.0


def redis_urls(config: Any) -> dict[str, str]:
    """{purpose: url} of the Redis servers the configuration names."""
    urls = {}
    for purpose, key in (("socketio", "SOCKETIO_MESSAGE_QUEUE"), ("ratelimit", "RATELIMIT_STORAGE_URI"),
                         ("cache", "CACHE_REDIS_URL")):
        url = config.get(key) or ""
        if url.startswith(("redis://", "rediss://", "unix://")):
            urls[purpose] = url
    return urls


def _client(url: str) -> Any:
    import redis  # only with a Redis URL configured: a one-machine install never loads it

    clients = current_app.extensions.setdefault("health_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    return clients[url]


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        db.session.rollback()
        current_app.logger.warning("healthz: database check failed: %s", type(exc).__name__)
        return "unreachable"


def check_redis() -> str:
    urls = redis_urls(current_app.config)
    if not urls:
        return "not configured"
    for purpose, url in urls.items():
        try:
            _client(url).ping()
        except Exception as exc:  # noqa: BLE001
            current_app.logger.warning("healthz: redis (%s) check failed: %s", purpose, type(exc).__name__)
            return f"unreachable ({purpose})"
    return "ok"


def check_all() -> dict[str, str]:
    return {"database": check_database(), "redis": check_redis()}
