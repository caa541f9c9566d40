"""Settings, read from environment variables, with safe defaults.

Every setting a deployment may change is read here and nowhere else.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _pool(url: str) -> dict[str, int]:
    """PostgreSQL: connections per process (DATABASE_POOL_SIZE, default 10, and DATABASE_MAX_OVERFLOW,
    default 20). One gevent worker serves many requests at once, each with one connection; with
    SQLAlchemy's 5 + 10, writers queued on a concept's row locks held every connection and readers
    waited behind them for one."""
    if not url.startswith("postgresql"):
        return {}
    return {"pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "10")),
            "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "20"))}


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        # Written to a private temporary file (0600) and linked into place, so processes that
        # start together agree on one key and none reads a half-written file.
        tmp = INSTANCE_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; SQLAlchemy wants psycopg 3 named.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'forum.db'}"


def _ratelimit_file() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlitefile://{INSTANCE_DIR / 'ratelimits.sqlite'}"


DEV_SITE_URL = "http://127.0.0.1:5000"


def _trusted_hosts(value: str | None, site_url: str) -> list[str] | None:
    if value is not None and value.strip():
        hosts = [h.strip() for h in value.split(",") if h.strip()]
        return None if hosts == ["*"] else hosts
    host = urlsplit(site_url).hostname if site_url else None
    return [host] if host else None


class Config:
    """Built fresh for each app so the environment is read at create_app() time."""

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        # A pooled PostgreSQL connection unused for this many seconds is pinged before a request gets
        # it (a dropped one is replaced); 0 pings at every checkout (SQLAlchemy's pool_pre_ping).
        self.DATABASE_PING_AFTER_IDLE = float(os.environ.get("DATABASE_PING_AFTER_IDLE", "10"))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": self.DATABASE_PING_AFTER_IDLE <= 0,
                                          **_pool(self.SQLALCHEMY_DATABASE_URI)}
        self.SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
        # The Redis channel the processes of one site share (two sites on one Redis: two names).
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "flask-socketio")
        # threading (with simple-websocket) by default; gevent in production (see README).
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
        # Counters survive a restart: a SQLite file under instance/ by default (shared by the
        # processes of one machine), Redis (redis://...) to share them across machines.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or _ratelimit_file()
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # Writes per user (or address, for visitors) and login attempts.
        self.RATELIMIT_WRITES = os.environ.get("RATELIMIT_WRITES", "60 per minute")
        self.RATELIMIT_LOGIN_ADDRESS = os.environ.get("RATELIMIT_LOGIN_ADDRESS", "20 per 15 minutes")
        self.RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "5 per 15 minutes")
        self.RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "10 per hour")
        self.RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per hour")
        # The JSON API and exports (/api/v1), per token (or per user / address).
        self.RATELIMIT_API = os.environ.get("RATELIMIT_API", "300 per minute")
        # Key of the respondent pseudonyms in exports; derived from SECRET_KEY when unset.
        self.PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY") or None
        # Served over HTTPS behind a proxy: trust X-Forwarded-* from this many proxies.
        self.PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
        # Force Secure cookies even when the request does not look like HTTPS.
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
        self.WTF_CSRF_ENABLED = _bool("WTF_CSRF_ENABLED", True)
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        # Flask-WTF's before_request would look up every request's view for an exemption first; the
        # forum's (forum/__init__.py, _protect_writes) calls its protect() for the checked methods only.
        self.WTF_CSRF_CHECK_DEFAULT = False
        # argon2id; argon2-cffi's defaults (t=3, m=64 MiB, p=4) are above OWASP's minimum
        # (m=19 MiB, t=2, p=1). Raising them rehashes each password at its next login.
        self.ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
        self.ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", str(64 * 1024)))
        self.ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "4"))
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024
        # Live threads: events older than this are pruned by `flask prune-events`; a page that was
        # open longer than this without a connection reloads instead of catching up.
        self.EVENTS_RETENTION_DAYS = float(os.environ.get("EVENTS_RETENTION_DAYS", "14"))
        # Per Socket.IO connection: rooms at once, and a message bucket (burst, refill per second).
        self.LIVE_MAX_SUBSCRIPTIONS = int(os.environ.get("LIVE_MAX_SUBSCRIPTIONS", "10"))
        self.LIVE_MESSAGE_BURST = int(os.environ.get("LIVE_MESSAGE_BURST", "20"))
        self.LIVE_MESSAGES_PER_SECOND = float(os.environ.get("LIVE_MESSAGES_PER_SECOND", "2"))
        # A room hears its "N here now" count at most once per this many seconds.
        self.LIVE_PRESENCE_INTERVAL = float(os.environ.get("LIVE_PRESENCE_INTERVAL", "1"))
        # Presence and socket lists in Redis (with SOCKETIO_MESSAGE_QUEUE) live under this prefix.
        self.LIVE_KEY_PREFIX = os.environ.get("LIVE_KEY_PREFIX", "sb:live:")
        self.PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))
        # One JSON line per request on stderr (method, route, status, duration; no personal data).
        self.ACCESS_LOG = _bool("ACCESS_LOG", True)
        # The page cache: in process memory by default; on Redis (shared by every process) when set.
        self.CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or None
        self.PAGE_CACHE = _bool("PAGE_CACHE", True)
        self.PAGE_CACHE_TTL = int(os.environ.get("PAGE_CACHE_TTL", "300"))
        # HTTP caching of visitors' pages by a shared cache (nginx): fresh for PAGE_SHARED_MAX_AGE
        # seconds (s-maxage), then served while one request revalidates (stale-while-revalidate).
        self.PAGE_SHARED_MAX_AGE = int(os.environ.get("PAGE_SHARED_MAX_AGE", "5"))
        self.PAGE_STALE_WHILE_REVALIDATE = int(os.environ.get("PAGE_STALE_WHILE_REVALIDATE", "30"))
        # Compression in the app (Flask-Compress), for when no proxy is in front: gzip for HTML,
        # CSS, JS and JSON. Behind nginx, nginx compresses (deploy/nginx.conf) and this stays idle.
        self.COMPRESS_ALGORITHM = ["gzip"]
        self.COMPRESS_ALGORITHM_STREAMING = ["gzip"]
        self.COMPRESS_LEVEL = int(os.environ.get("COMPRESS_LEVEL", "6"))
        self.COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                                   "application/json", "image/svg+xml", "text/plain"]
        # Key prefixes in a shared Redis (several sites, or test runs, on one server).
        self.CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "sb:page:")
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
        # Email over SMTP. With no MAIL_SERVER, messages are printed to the console (development).
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587" if _bool("MAIL_USE_TLS", False) else "25"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Sounding Board <no-reply@localhost>")
        self.MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
        # Deliver right after the commit in a background thread (off: only `flask send-mail` sends).
        self.MAIL_BACKGROUND = _bool("MAIL_BACKGROUND", True)
        self.MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
        # Webhooks: sent after the commit by a background thread (off: only `flask send-webhooks`);
        # private, loopback and link-local addresses and http:// only with WEBHOOKS_ALLOW_PRIVATE=1.
        self.WEBHOOKS_BACKGROUND = _bool("WEBHOOKS_BACKGROUND", True)
        self.WEBHOOKS_ALLOW_PRIVATE = _bool("WEBHOOKS_ALLOW_PRIVATE", False)
        self.WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
        self.WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
        self.WEBHOOK_RETRY_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SECONDS", "60"))
        self.WEBHOOK_DISABLE_AFTER = int(os.environ.get("WEBHOOK_DISABLE_AFTER", "15"))
        # The site's public address (https://forum.example.com): every link in an email is built on
        # it, never on the request's Host header. Required outside debug and testing (create_app
        # refuses to start without it); development falls back to DEV_SITE_URL.
        self.SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
        # Flask's own Host check: a request for any other host is a 400. Comma-separated; a leading
        # dot allows subdomains. Unset: the host of SITE_URL. "*": no check (not for production).
        self.TRUSTED_HOSTS = _trusted_hosts(os.environ.get("TRUSTED_HOSTS"), self.SITE_URL)
        self.PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", str(60 * 60)))
        self.EMAIL_VERIFY_MAX_AGE = int(os.environ.get("EMAIL_VERIFY_MAX_AGE", str(3 * 24 * 60 * 60)))
        self.SIGNIN_HISTORY_DAYS = int(os.environ.get("SIGNIN_HISTORY_DAYS", "90"))
