"""Best-worst scaling (MaxDiff) of features: a balanced design, counts, and the maxdiff logit.

Sources:

* J. J. Louviere, T. N. Flynn, A. A. J. Marley (2015), *Best-Worst Scaling: Theory, Methods and
  Applications*, Cambridge University Press -- chapter 1 (counts, ``(best - worst) / shown``) and
  chapter 2 (the maxdiff model below).
* A. A. J. Marley, J. J. Louviere (2005), "Some probabilistic models of best, worst, and best-worst
  choices", *Journal of Mathematical Psychology* 49(6), 464-480.

Design.  A respondent sees ``sets`` sets of ``size`` features (4; 3 when there are fewer than 8
features).  Every feature is shown equally often across the respondent's sets: by default the
fewest sets in which each feature appears the same number of times, and at least twice; when the
caller fixes the number of sets, the times differ by at most one.  Pairs of features appear
together as evenly as possible: the sets are filled greedily (least-shown features first, then
those least often seen with the set's other features) and improved by swapping features between
sets while the sum of squared pair counts falls (swaps keep every feature's count).

Model (the *maxdiff* model).  In a set ``S`` the respondent picks ``i`` as best and ``j != i`` as
worst with probability::

    P(i best, j worst | S) = exp(u_i - u_j) / sum over a != b in S of exp(u_a - u_b)

The utilities ``u`` are estimated by maximum likelihood over all answered sets (one aggregate
model), with the utility of one feature fixed at 0.  With ``A = sum exp(u)`` and
``B = sum exp(-u)`` over ``S`` (``k`` features) the denominator is ``A * B - k``, so the
log-likelihood is ``sum_i u_i (best_i - worst_i) - sum_S n_S log(A_S B_S - k_S)``: the best and
worst counts and the number of times each set was answered (``n_S``) are all the data it needs.
It is concave; SciPy's trust-region Newton method (``trust-exact``) maximises it with the exact
gradient and Hessian.  A feature picked as worst in every set it was in has no finite estimate (its
utility runs off to minus infinity; one always picked as best, to plus infinity); the optimiser
stops where the gradient vanishes to its tolerance, so its share is within a millionth of a percent
of the limit (0, or 100).  A feature never picked as best but not always worst has a finite one.

Share of preference: ``share_i = 100 * exp(u_i) / sum exp(u)``, in percent, summing to 100 over the
features that were shown at least once (a feature never shown has no share: ``None``).
"""
from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FEATURES_MAX",
    "FEATURES_MIN",
    "Estimate",
    "ItemScore",
    "design",
    "estimate",
    "log_likelihood",
    "set_size",
    "sets_needed",
    "scores",
    "shares",
]

FEATURES_MIN = 5
FEATURES_MAX = 30
SWAP_ROUNDS = 60  # tries per set


@dataclass(frozen=True)
class ItemScore:
    shown: int
    best: int
    worst: int
    count_score: float | None  # (best - worst) / shown; None when never shown
    share: float | None  # percent, from the logit; None when never shown


def set_size(n_items: int) -> int:
    """Features per set: 4, or 3 when there are fewer than 8."""
    return 3 if n_items < 8 else 4


def sets_needed(n_items: int, size: int | None = None) -> int:
    """The fewest sets in which every feature is shown equally often, at least twice."""
    size = size or set_size(n_items)
    times = 2
    while times * n_items % size:
        times += 1
    return times * n_items // size


def _pair_cost(pairs: dict[tuple[int, int], int], members: Sequence[int], item: int) -> int:
    return sum(pairs.get((min(item, other), max(item, other)), 0) for other in members)


def _fill(n_items: int, n_sets: int, size: int, rng: random.Random) -> list[list[int]]:
    shown = [0] * n_items
    pairs: dict[tuple[int, int], int] = {}
    sets = []
    for _ in range(n_sets):
        members: list[int] = []
        for _ in range(size):
            free = [i for i in range(n_items) if i not in members]
            least = min(shown[i] for i in free)
            free = [i for i in free if shown[i] == least]
            cost = {i: _pair_cost(pairs, members, i) for i in free}
            lowest = min(cost.values())
            item = rng.choice([i for i in free if cost[i] == lowest])
            for other in members:
                key = (min(item, other), max(item, other))
                pairs[key] = pairs.get(key, 0) + 1
            members.append(item)
            shown[item] += 1
        sets.append(members)
    return sets


def _swap_changes(s: list[int], a: int, t: list[int], b: int) -> dict[tuple[int, int], int]:
    """How each pair count moves when a (in s) and b (in t) change places."""
    changes: dict[tuple[int, int], int] = {}
    for members, out, into in ((s, a, b), (t, b, a)):
        for x in members:
            if x != out:
                for key, step in (((min(out, x), max(out, x)), -1), ((min(into, x), max(into, x)), 1)):
                    changes[key] = changes.get(key, 0) + step
    return changes


def _improve(sets: list[list[int]], rng: random.Random) -> list[list[int]]:
    """Swap features between sets: always when pairs get more even, sometimes (less and less
    often) when a little less even, to leave a local optimum; the most even design seen wins."""
    pairs: dict[tuple[int, int], int] = {}
    for members in sets:
        for x, y in combinations(sorted(members), 2):
            pairs[x, y] = pairs.get((x, y), 0) + 1
    cost = best_cost = sum(v * v for v in pairs.values())
    best = [list(members) for members in sets]
    rounds = SWAP_ROUNDS * len(sets) if len(sets) > 1 else 0
    for step in range(rounds):
        s, t = rng.sample(range(len(sets)), 2)
        a, b = rng.choice(sets[s]), rng.choice(sets[t])
        if b in sets[s] or a in sets[t]:
            continue  # a feature would be twice in one set
        changes = _swap_changes(sets[s], a, sets[t], b)
        gain = sum(pairs.get(k, 0) ** 2 - (pairs.get(k, 0) + d) ** 2 for k, d in changes.items())
        heat = 0.5 * (1 - step / rounds)
        if gain < 0 and rng.random() >= math.exp(gain / heat):
            continue
        for key, change in changes.items():
            pairs[key] = pairs.get(key, 0) + change
        sets[s][sets[s].index(a)], sets[t][sets[t].index(b)] = b, a
        cost -= gain
        if cost < best_cost:
            best_cost, best = cost, [list(members) for members in sets]
    return best


def design(n_items: int, rng: random.Random, n_sets: int | None = None,
           size: int | None = None) -> list[tuple[int, ...]]:
    """One respondent's sets: tuples of feature indices (0 .. n_items - 1), in the order shown."""
    size = size or set_size(n_items)
    if n_items < size:
        raise ValueError(f"{n_items} features cannot fill sets of {size}")
    n_sets = sets_needed(n_items, size) if n_sets is None else n_sets
    sets = _improve(_fill(n_items, n_sets, size, rng), rng)
    for members in sets:
        rng.shuffle(members)
    rng.shuffle(sets)
    return [tuple(members) for members in sets]


# --- estimation -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    utilities: np.ndarray  # of the features shown, in index order; the first is fixed at 0
    converged: bool
    iterations: int


def estimate(n_items: int, best: Sequence[int], worst: Sequence[int],
             set_counts: Mapping[tuple[int, ...], int]) -> tuple[list[int], Estimate | None]:
    """The features shown at least once, and the maximum-likelihood fit over them (None: no sets)."""
    shown = sorted({i for members, count in set_counts.items() if count for i in members})
    if not shown:
        return shown, None
    # numpy and SciPy load here, the first time a MaxDiff is fitted: a heavy optional dependency
    # that every other process importing the analytics (web workers, exports) does without
    from forum.analytics import maxdiff_logit

    index = {item: place for place, item in enumerate(shown)}
    net = [float(best[i] - worst[i]) for i in shown]
    return shown, Estimate(*maxdiff_logit.fit(len(shown), net, maxdiff_logit.groups(set_counts, index)))


def shares(n_items: int, best: Sequence[int], worst: Sequence[int],
           set_counts: Mapping[tuple[int, ...], int]) -> list[float | None]:
    """Shares of preference in percent (None for a feature never shown), from the maxdiff logit.

    ``set_counts`` maps each answered set (a tuple of feature indices, any order) to how many times
    it was answered; ``best`` / ``worst`` count each feature's picks."""
    shown, fit = estimate(n_items, best, worst, set_counts)
    if fit is None:
        return [None] * n_items
    top = float(fit.utilities.max())
    weights = [math.exp(float(u) - top) for u in fit.utilities]
    total = sum(weights)
    out: list[float | None] = [None] * n_items
    for item, weight in zip(shown, weights, strict=True):
        out[item] = 100.0 * weight / total
    return out


def scores(n_items: int, best: Sequence[int], worst: Sequence[int],
           set_counts: Mapping[tuple[int, ...], int]) -> list[ItemScore]:
    """Per feature: times shown, best and worst picks, count score and logit share."""
    if len(best) != n_items or len(worst) != n_items:
        raise ValueError("best and worst need one count per feature")
    shown = [0] * n_items
    for members, count in set_counts.items():
        if len(set(members)) != len(members) or len(members) < 2:
            raise ValueError(f"a set needs two or more different features: {members}")
        for item in members:
            shown[item] += count
    for i in range(n_items):
        if best[i] + worst[i] > shown[i]:
            raise ValueError(f"feature {i} was picked more often than shown")
    share = shares(n_items, best, worst, set_counts)
    return [ItemScore(shown[i], best[i], worst[i],
                      (best[i] - worst[i]) / shown[i] if shown[i] else None, share[i])
            for i in range(n_items)]


def log_likelihood(utilities: Sequence[float], best: Sequence[int], worst: Sequence[int],
                   set_counts: Mapping[tuple[int, ...], int]) -> float:
    """The model's log-likelihood at given utilities (for checking an estimate)."""
    u = list(utilities)
    total = sum(u[i] * (best[i] - worst[i]) for i in range(len(u)))
    for members, count in set_counts.items():
        a = sum(math.exp(u[i]) for i in members)
        b = sum(math.exp(-u[i]) for i in members)
        total -= count * math.log(a * b - len(members))
    return total
