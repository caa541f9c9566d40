"""Prints how long the pure analytics take for growing numbers of respondents.

    .venv/bin/python -m bench.bench_analytics
"""
from __future__ import annotations

import random
import statistics
import time

from forum.analytics import pricing, ranking


def respondents(n: int, rng: random.Random) -> tuple[list[float], ...]:
    too_cheap, cheap, expensive, too_expensive, ic, ie = [], [], [], [], [], []
    for _ in range(n):
        centre = rng.lognormvariate(3.3, 0.3)  # around 27 (e.g. EUR per month)
        prices = sorted(round(centre * f + rng.uniform(-1, 1), 0) for f in (0.5, 0.8, 1.2, 1.6))
        too_cheap.append(prices[0])
        cheap.append(prices[1])
        expensive.append(prices[2])
        too_expensive.append(prices[3])
        ic.append(rng.randint(2, 5))
        ie.append(rng.randint(1, 4))
    return too_cheap, cheap, expensive, too_expensive, ic, ie


def timed(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    rng = random.Random(7)
    print("Van Westendorp with Newton-Miller-Smith (median of 3 runs)")
    print(f"{'respondents':>12} {'grid':>6} {'classic':>10} {'with NMS':>10}")
    for n in (30, 300, 1000, 3000):
        tc, c, e, te, ic, ie = respondents(n, rng)
        result = pricing.van_westendorp(tc, c, e, te)
        classic = timed(lambda: pricing.van_westendorp(tc, c, e, te))  # noqa: B023
        nms = timed(lambda: pricing.van_westendorp(tc, c, e, te, ic, ie))  # noqa: B023
        print(f"{n:>12} {len(result.curves):>6} {classic * 1000:>8.1f}ms {nms * 1000:>8.1f}ms")
    tallies = [(i, rng.randint(0, 500), rng.randint(0, 500)) for i in range(10_000)]
    print(f"Wilson ranking of 10,000 features: {timed(lambda: ranking.rank(tallies)) * 1000:.1f}ms")


if __name__ == "__main__":
    main()
