"""The documented production set-up under load: deploy/nginx.conf in front of two gunicorn + gevent
processes sharing Redis, on SQLite and then on PostgreSQL, measured with wrk beside its floors.

    .venv/bin/python -m bench.deploy                  # SQLite, then a temporary PostgreSQL database
    .venv/bin/python -m bench.deploy --engines sqlite # one engine only

In the same run, through the same nginx (tests/nginx.py generates its configuration from
deploy/nginx.conf, with free ports and this checkout's paths) and with the same wrk settings, for
each page and reader:

* static: nginx serving the same page bytes as a static file (from disk, gzip on the fly);
* bare: a bare Flask app (bench/ceiling.py, two gunicorn + gevent processes) returning those bytes,
  proxied by the same nginx;
* floor (signed-in rows): the same bytes from a Flask app that first does what any signed-in request
  does in this stack (bench/ceiling.py's `signed_in`: Flask's session cookie, Flask-Login loading
  the person with the forum's one SQLAlchemy statement), two processes behind the same nginx: what
  the forum's own work per signed-in request adds is the distance from this floor;
* the page itself: the topic page, concept page, concept list and summary page (bench/pages.py's
  launch-day concept: 200 posts, 10 features, 5,000 votes, 2,000 price answers), for a visitor (no
  cookie: nginx's cache) and for a signed-in consumer (the session cookie: the app every time), and
  a signed-in reload (If-None-Match: the app's 304 from the key check).

Every request asks for gzip, as browsers do; the table shows the bytes on the wire per response.
Beside requests a second, the CPU time each side spent per request during the same wrk run (user +
system, read from /proc for the process groups of the answering gunicorn processes and of nginx):
the app's microseconds per request, the one figure that hardly moves with the machine's load. With
--rounds N every measurement is taken N times, the rounds interleaved (static, bare, floor, page,
reload, then again), and the table shows the medians.
Aims (issue 17): visitor pages at least 50% of the static file, signed-in pages at least 50% of the
bare Flask app, p99 under 10x the floor's, no errors, compressed bytes on the wire. The machine is
shared: compare the ratios of one run, not absolute figures across runs. bench/pages.py remains
the single-process bench.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import SEED, USER_AGENT, login_cookie  # noqa: E402
from tests.nginx import Nginx  # noqa: E402
from tests.servers import Server, free_port, prepare_database  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379"
AIM = 0.5
MAX_P99_RATIO = 10
PAGES = ("topic page", "concept page", "concept list", "summary page")


def wrk(url: str, duration: int, connections: int, threads: int, headers: dict[str, str],
        groups: tuple[list[int], list[int]] = ([], [])) -> dict:
    """One wrk run; `groups`: the process groups of the answering app and of nginx, whose CPU time
    per request is measured over the run."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **headers}.items():
        command += ["-H", f"{name}: {value}"]
    before = [group_cpu(group) for group in groups]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60).stdout
    spent = [group_cpu(group) - start for group, start in zip(groups, before, strict=True)]

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]] if match else float("nan")

    def size(text: str) -> float:
        match = re.match(r"([\d.]+)([KMG]?B)", text)
        return float(match[1]) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[match[2]] if match else 0.0

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    transfer = re.search(r"Transfer/sec:\s+(\S+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx[1]) if non2xx else 0) + (sum(int(x) for x in socket.groups()) if socket else 0)
    rate = float(rps[1]) if rps else 0.0
    total = re.search(r"(\d+) requests in", out)
    count = int(total[1]) if total else 0
    return {"rps": rate, "p50": latency("50"), "p99": latency("99"), "errors": errors,
            "wire": size(transfer[1]) / rate if transfer and rate else 0.0,
            "app_us": spent[0] / count * 1e6 if count and groups[0] else float("nan"),
            "nginx_us": spent[1] / count * 1e6 if count and groups[1] else float("nan")}


def group_cpu(groups: list[int]) -> float:
    """CPU seconds (user + system) spent so far by the live processes of these process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) in groups:  # pgrp; utime and stime follow as fields 14 and 15 of stat(5)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _extra(captured: Path, bare_ports: list[int], floor_ports: list[int]) -> tuple[str, str]:
    """The floors, in the same server as the site: the page bytes as static files, and the bare and
    signed-in Flask apps' two processes each behind an upstream of their own (headers as the site's)."""
    http, locations = "", f"""
    location /bench-static/ {{
        alias {captured}/;
        default_type text/html;
    }}
"""
    for name, ports in (("bare", bare_ports), ("signed", floor_ports)):
        servers = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
        http += f"upstream bench_{name} {{\n    least_conn;\n{servers}\n    keepalive 32;\n}}\n"
        locations += f"""
    location /bench-{name}/ {{
        proxy_pass http://bench_{name}/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Accept-Encoding "";
    }}
"""
    return http, locations


def _capture(base: str, pages: dict[str, str], cookie: str, captured: Path) -> dict[tuple[str, str], dict]:
    """Each page as each reader gets it (warm), saved for the floors; and that nginx compresses it."""
    results = {}
    for who, headers in (("visitor", {}), ("signed in", {"Cookie": cookie})):
        for name, path in pages.items():
            headers = {**headers, "User-Agent": USER_AGENT}
            for _ in range(3):
                response = requests.get(base + path, headers=headers, timeout=60)
            assert response.status_code == 200, (path, who, response.status_code)
            assert ("Log out" in response.text) == (who == "signed in"), (path, who)
            slug = f"{name.replace(' ', '-')}-{who.replace(' ', '-')}.html"
            (captured / slug).write_bytes(response.content)
            gz = requests.get(base + path, headers={**headers, "Accept-Encoding": "gzip"}, timeout=60)
            assert gz.headers.get("Content-Encoding") == "gzip", (path, who, gz.headers)
            results[name, who] = {"path": path, "slug": slug, "bytes": len(response.content),
                                  "etag": response.headers.get("ETag"), "headers": headers,
                                  "cache": requests.get(base + path, headers=headers, timeout=60)
                                  .headers.get("X-Cache-Status")}
    return results


def run_engine(engine: str, args: argparse.Namespace) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix=f"sb-bench-deploy-{engine}-"))
    prefix = f"sbbench-{uuid.uuid4().hex[:8]}"
    env = {"INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": uuid.uuid4().hex, "WTF_CSRF_ENABLED": "1",
           "RATELIMIT_LOGIN_ADDRESS": "1000 per minute", "PROXY_FIX_HOPS": "1", "ACCESS_LOG": "0",
           "SOCKETIO_MESSAGE_QUEUE": f"{REDIS_URL}/0", "SOCKETIO_CHANNEL": prefix, "LIVE_KEY_PREFIX": f"{prefix}:live:",
           "RATELIMIT_STORAGE_URI": f"{REDIS_URL}/1", "RATELIMIT_KEY_PREFIX": prefix,
           "CACHE_REDIS_URL": f"{REDIS_URL}/2", "CACHE_KEY_PREFIX": f"{prefix}:page:"}
    pg_name = None
    if engine == "postgresql":
        from tests.conftest import POSTGRES_ADMIN_URL, create_pg_database

        env["DATABASE_URL"], pg_name = create_pg_database(POSTGRES_ADMIN_URL)
    processes: list = []
    try:
        print(f"[{engine}] seeding the demo data and the launch-day concept...", flush=True)
        seeded = json.loads(prepare_database(env, seed=True, then=SEED).strip().splitlines()[-1])
        pages = {"topic page": f"/t/{seeded['topic']}", "concept page": f"/concepts/{seeded['concept']}",
                 "concept list": "/concepts/", "summary page": f"/concepts/{seeded['concept']}/results"}
        captured = work / "pages"
        captured.mkdir()
        app_servers = [Server(env, log_dir=str(work)) for _ in range(2)]
        bare_servers = [Server({**env, "CEILING_DIR": str(captured)}, port=free_port(), log_dir=str(work),
                               app="bench.ceiling:app") for _ in range(2)]
        floor_servers = [Server({**env, "CEILING_DIR": str(captured), "CEILING_SIGNED_IN": "1"}, port=free_port(),
                                log_dir=str(work), app="bench.ceiling:signed_in") for _ in range(2)]
        http, locations = _extra(captured, [s.port for s in bare_servers], [s.port for s in floor_servers])
        proxy = Nginx([s.port for s in app_servers], extra_http=http, extra_locations=locations, workers=2)
        processes += app_servers
        for server in app_servers:
            server.start()
        proxy.start()
        processes.append(proxy)
        results = _capture(proxy.url, pages, login_cookie(proxy.url), captured)
        processes += bare_servers + floor_servers
        for server in bare_servers + floor_servers:  # after the capture: they read the page files at start
            server.start()
        groups = {"site": [s.process.pid for s in app_servers], "bare": [s.process.pid for s in bare_servers],
                  "floor": [s.process.pid for s in floor_servers], "nginx": [proxy.process.pid]}
        return _measure(engine, proxy.url, results, args, groups)
    finally:
        for process in reversed(processes):
            process.stop()
        if pg_name:
            from tests.conftest import POSTGRES_ADMIN_URL, drop_pg_database

            drop_pg_database(pg_name, POSTGRES_ADMIN_URL)
        _forget_redis(prefix)
        shutil.rmtree(work, ignore_errors=True)


def _measure(engine: str, base: str, results: dict, args: argparse.Namespace,
             groups: dict[str, list[int]]) -> list[dict]:
    rows = []
    load = (args.duration, args.connections, args.threads)
    for (name, who), r in results.items():
        slug = r["slug"].removesuffix(".html")
        # Each page right beside its floors, round after round, so that the machine's load weighs on all alike.
        plan = {"static": (f"{base}/bench-static/{r['slug']}", {}, []), "bare": (f"{base}/bench-bare/{slug}", {},
                                                                                  groups["bare"])}
        if who == "signed in":
            plan["floor"] = (f"{base}/bench-signed/{slug}", r["headers"], groups["floor"])
        plan["page"] = (base + r["path"], r["headers"], groups["site"])
        if who == "signed in" and r["etag"]:
            plan["reload"] = (base + r["path"], {**r["headers"], "If-None-Match": r["etag"]}, groups["site"])
        runs: dict[str, list[dict]] = {}
        for _ in range(args.rounds):
            for kind, (url, headers, app) in plan.items():
                runs.setdefault(kind, []).append(wrk(url, *load, headers, (app, groups["nginx"])))
        m = {kind: _median(samples) for kind, samples in runs.items()}
        floors = {kind: m[kind] for kind in ("static", "bare", "floor") if kind in m}
        rows.append({"engine": engine, "page": name, "who": who, **m["page"], **floors, "bytes": r["bytes"],
                     "cache": r["cache"]})
        print(f"  [{engine}] {name:<13} {who:<9} {m['page']['rps']:>8.0f} req/s; static "
              f"{floors['static']['rps']:>7.0f}, bare {floors['bare']['rps']:>6.0f}", flush=True)
        if "reload" in m:
            rows.append({"engine": engine, "page": name, "who": "reload", **m["reload"], **floors, "bytes": 0,
                         "cache": r["cache"]})
    return rows


def _median(samples: list[dict]) -> dict:
    """The median of each figure over the rounds; errors are added up."""
    return {key: sum(s[key] for s in samples) if key == "errors" else statistics.median(s[key] for s in samples)
            for key in samples[0]}


def _forget_redis(prefix: str) -> None:
    import redis

    for db in (0, 1, 2):
        client = redis.Redis.from_url(f"{REDIS_URL}/{db}")
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def print_table(rows: list[dict], args: argparse.Namespace) -> None:
    print()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, Accept-Encoding: gzip; nginx "
          "(deploy/nginx.conf, 2 workers) in front of two gunicorn + gevent processes, Redis"
          + (f"; medians of {args.rounds} interleaved rounds" if args.rounds > 1 else ""))
    print("app us: the answering gunicorn processes' CPU time per request (page / bare / floor); nginx us: nginx's")
    header = (f"{'engine':<10} {'page':<13} {'who':<9} {'req/s':>7} {'p99 ms':>7} {'static':>7} {'bare':>6} "
              f"{'vs static':>9} {'vs bare':>7} {'floor':>6} {'vs floor':>8} {'p99 x':>6} {'errors':>6} "
              f"{'wire KiB':>8} {'nginx':>6} {'app us':>6} {'bare us':>7} {'floor us':>8} {'nginx us':>8}  aim")
    print(header)
    print("-" * len(header))
    for r in rows:
        static, bare = r["static"], r["bare"]
        floor = static if r["who"] == "visitor" else bare
        share = r["rps"] / floor["rps"] if floor["rps"] else 0.0
        ratio = r["p99"] / floor["p99"] if floor["p99"] else float("inf")
        compressed = r["who"] == "reload" or (0 < r["wire"] < r["bytes"] / 2)
        met = (share >= AIM and ratio < MAX_P99_RATIO and r["errors"] == 0 and static["errors"] == 0
               and bare["errors"] == 0 and compressed)
        aim = f">= 50% of {'static' if r['who'] == 'visitor' else 'bare'}"
        print(f"{r['engine']:<10} {r['page']:<13} {r['who']:<9} {r['rps']:>7.0f} {r['p99']:>7.2f} "
              f"{static['rps']:>7.0f} {bare['rps']:>6.0f} {r['rps'] / static['rps'] if static['rps'] else 0:>9.0%} "
              f"{r['rps'] / bare['rps'] if bare['rps'] else 0:>7.0%} {_floor(r)} {ratio:>6.1f} {r['errors']:>6} "
              f"{r['wire'] / 1024:>8.1f} {(r['cache'] if r['who'] == 'visitor' else '-'):>6} {r['app_us']:>6.0f} "
              f"{bare['app_us']:>7.0f} {r.get('floor', {}).get('app_us', float('nan')):>8.0f} {r['nginx_us']:>8.0f}  "
              f"{aim}: {'met' if met else 'NOT met'}")


def _floor(row: dict) -> str:
    """The signed-in floor's req/s and the page's share of it ("-" for a visitor's row)."""
    floor = row.get("floor")
    if not floor:
        return f"{'-':>6} {'-':>8}"
    return f"{floor['rps']:>6.0f} {row['rps'] / floor['rps'] if floor['rps'] else 0:>8.0%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per measurement (default 5)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; the table shows medians (default 1)")
    args = parser.parse_args()
    for tool in ("wrk", "/usr/sbin/nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install -y wrk nginx")
    rows = []
    for engine in args.engines.split(","):
        rows += run_engine(engine.strip(), args)
    print_table(rows, args)


if __name__ == "__main__":
    main()
