"""The maxdiff logit's numerical part: the maximum-likelihood fit with numpy and SciPy.

Kept apart from forum.analytics.maxdiff so that numpy and SciPy (about 40 MB of resident memory and
a second of start-up) load only when a MaxDiff is fitted, not in every process that imports the
analytics (the web workers, the CLI, an export): forum.analytics.maxdiff imports this module inside
``estimate``. The model, its log-likelihood and its sources are in forum.analytics.maxdiff's docstring.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize

__all__ = ["fit", "groups"]


def groups(set_counts: Mapping[tuple[int, ...], int], index: dict[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Answered sets grouped by size: (members as model indices [sets, k], times answered [sets])."""
    by_size: dict[int, tuple[list[list[int]], list[int]]] = {}
    for members, count in set_counts.items():
        if count:
            rows, counts = by_size.setdefault(len(members), ([], []))
            rows.append([index[i] for i in members])
            counts.append(count)
    return [(np.array(rows, dtype=np.intp), np.array(counts, dtype=float)) for rows, counts in by_size.values()]



def fit(n: int, net: Sequence[float], groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, bool, int]:
    """Maximum-likelihood utilities (the first fixed at 0), whether the optimiser converged, and its
    iterations; see forum.analytics.maxdiff's docstring.

    The mathematics reads best in one piece: the value, gradient and Hessian share their
    intermediate arrays (splitting them would compute them three times). The optimiser sees the
    mean log-likelihood per answered set, so its tolerance is relative to the number of answers."""
    net = np.array(net, dtype=float)

    def parts(free: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        u = np.concatenate(([0.0], free))
        value = float(net @ u)
        grad = net.copy()
        hess = np.zeros((n, n))
        for members, counts in groups:
            k = members.shape[1]
            up, down = np.exp(u[members]), np.exp(-u[members])  # [sets, k]
            a, b = up.sum(axis=1), down.sum(axis=1)
            d = a * b - k
            value -= float(counts @ np.log(d))
            p_best = (up * b[:, None] - 1) / d[:, None]
            p_worst = (down * a[:, None] - 1) / d[:, None]
            mean = p_best - p_worst  # E[1{best} - 1{worst}] per member
            np.add.at(grad, members, -counts[:, None] * mean)
            pair = up[:, :, None] * down[:, None, :] / d[:, None, None]  # P(i best, j worst)
            idx = np.arange(k)
            pair[:, idx, idx] = 0.0
            cov = -(pair + pair.transpose(0, 2, 1)) - mean[:, :, None] * mean[:, None, :]
            cov[:, idx, idx] += p_best + p_worst
            rows = np.broadcast_to(members[:, :, None], cov.shape)
            cols = np.broadcast_to(members[:, None, :], cov.shape)
            np.add.at(hess, (rows, cols), -counts[:, None, None] * cov)
        return value, grad, hess

    scale = 1.0 / max(1.0, sum(float(counts.sum()) for _members, counts in groups))

    def negative(free: np.ndarray) -> float:
        return -parts(free)[0] * scale

    def gradient(free: np.ndarray) -> np.ndarray:
        return -parts(free)[1][1:] * scale

    def hessian(free: np.ndarray) -> np.ndarray:
        return -parts(free)[2][1:, 1:] * scale

    if n == 1:
        return np.zeros(1), True, 0
    result = minimize(negative, np.zeros(n - 1), jac=gradient, hess=hessian, method="trust-exact",
                      options={"gtol": 1e-10, "maxiter": 200})
    return np.concatenate(([0.0], result.x)), bool(result.success), int(result.nit)
