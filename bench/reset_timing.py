"""How long `POST /reset-password` takes to answer for an address with an account and for one without,
against the production server (gunicorn + gevent, gunicorn.conf.py, SQLite).

    .venv/bin/python -m bench.reset_timing [--repeat 15]

The answer must not tell them apart (issue 22: 2.1 ms against 1.5 ms before the mail was queued after
the answer). Requests alternate between the two addresses; the figures are medians, and the ratio
is known over unknown (the floor).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import requests

from tests.servers import Server, prepare_database

KNOWN, UNKNOWN = "carol@example.com", "nobody@example.com"


def ask(url: str, address: str) -> float:
    """Seconds to the answer, on a connection of its own (nothing left over from the one before);
    then a moment for the work after the answer, so it does not weigh on the next request."""
    start = time.perf_counter()
    response = requests.post(url + "/reset-password", data={"email": address}, allow_redirects=False,
                             headers={"Connection": "close"}, timeout=30)
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.text[:200]
    time.sleep(0.05)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="sb-bench-reset-")
    env = {"INSTANCE_PATH": instance, "RATELIMIT_ENABLED": "0", "ACCESS_LOG": "0", "MAIL_BACKGROUND": "0"}
    prepare_database(env, seed=False, then=f"""
        from forum.extensions import db
        from forum.models import User, utcnow
        db.session.add(User(username="carol", username_key="carol", email={KNOWN!r}, display_name="Carol",
                            password_hash="x", email_verified_at=utcnow()))
        db.session.commit()
    """)
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    with Server(env, log_dir=instance) as server:
        for address in (KNOWN, UNKNOWN) * 3:  # warm up
            ask(server.url, address)
        for _ in range(args.repeat):
            for address in (KNOWN, UNKNOWN):
                times[address].append(ask(server.url, address))
    known, unknown = statistics.median(times[KNOWN]), statistics.median(times[UNKNOWN])
    print(f"{'POST /reset-password':32} {'median ms':>10}  (of {args.repeat})")
    print(f"{'address with an account':32} {known * 1000:10.2f}")
    print(f"{'address without one (floor)':32} {unknown * 1000:10.2f}")
    print(f"\nratio known / unknown: {known / unknown:.2f}x (aim: 1.0x, within the noise)")


if __name__ == "__main__":
    main()
