"""MaxDiff: the design's balance, counts, and logit shares known in closed form."""
from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from forum.analytics.maxdiff import design, estimate, log_likelihood, scores, set_size, sets_needed, shares

ROOT = Path(__file__).resolve().parents[2]


def _pairs(n: int, sets: list[tuple[int, ...]]) -> list[int]:
    counts = Counter(pair for members in sets for pair in combinations(sorted(members), 2))
    return [counts.get(pair, 0) for pair in combinations(range(n), 2)]


def test_set_size_and_number_of_sets() -> None:
    assert [set_size(n) for n in (5, 7, 8, 30)] == [3, 3, 4, 4]
    # each feature the same number of times, at least twice: 12 features -> 6 sets of 4 (twice);
    # 9 -> 9 sets (four times: 9 * t divisible by 4); 5 -> 5 sets of 3 (three times)
    assert [sets_needed(n) for n in (12, 9, 5, 30)] == [6, 9, 5, 15]


@pytest.mark.parametrize("n", range(5, 31))
def test_every_feature_is_shown_equally_often_and_pairs_evenly(n: int) -> None:
    sets = design(n, random.Random(n))
    size = set_size(n)
    assert all(len(set(members)) == size for members in sets)
    shown = Counter(item for members in sets for item in members)
    assert set(shown) == set(range(n))
    assert len(set(shown.values())) == 1  # equally often
    pairs = _pairs(n, sets)
    assert max(pairs) - min(pairs) <= 2


@pytest.mark.parametrize("n", [6, 10, 12, 14, 16, 20, 30])
def test_twice_shown_designs_never_repeat_a_pair(n: int) -> None:
    # n/2 sets of 4 (or 4 sets of 3 for 6): a feature meets 6 (4) others, and no pair twice
    sets = design(n, random.Random(1))
    assert max(_pairs(n, sets)) == 1


def test_seven_features_make_the_fano_plane() -> None:
    # 7 sets of 3 over 7 features: every pair exactly once (the 2-(7,3,1) design)
    sets = design(7, random.Random(3))
    assert len(sets) == 7 and _pairs(7, sets) == [1] * 21


def test_a_fixed_number_of_sets_differs_by_at_most_one_showing() -> None:
    sets = design(12, random.Random(5), n_sets=8)  # 32 showings over 12 features: 2 or 3 each
    shown = Counter(item for members in sets for item in members)
    assert sorted(set(shown.values())) == [2, 3]


def test_the_same_seed_gives_the_same_design() -> None:
    assert design(12, random.Random("7:42")) == design(12, random.Random("7:42"))


def test_two_features_with_known_counts() -> None:
    """With two features P(a best) = e^(u_a-u_b) / (e^(u_a-u_b) + e^(u_b-u_a)), so the estimate is
    u_a - u_b = ln(9/1) / 2 and share_a = 3 / (3 + 1) = 75 %."""
    assert shares(2, [9, 1], [1, 9], {(0, 1): 10}) == pytest.approx([75.0, 25.0], abs=1e-6)
    shown, fit = estimate(2, [9, 1], [1, 9], {(0, 1): 10})
    assert shown == [0, 1] and fit.converged
    assert fit.utilities[1] == pytest.approx(-math.log(9) / 2, abs=1e-7)  # u_a fixed at 0


def test_three_pairs_consistent_with_utilities_ln4_ln2_0() -> None:
    """Pair sets answered in the model's exact proportions: {a,b} 4:1, {b,c} 4:1, {a,c} 16:1
    (e^(2 Δu)).  The data fit exactly, so shares are 4/7, 2/7, 1/7."""
    best, worst = [4 + 16, 1 + 4, 1 + 1], [1 + 1, 4 + 1, 4 + 16]
    got = shares(3, best, worst, {(0, 1): 5, (1, 2): 5, (0, 2): 17})
    assert got == pytest.approx([400 / 7, 200 / 7, 100 / 7], abs=1e-5)


def test_a_set_of_four_with_one_feature_twice_as_good() -> None:
    """One set {a,b,c,d}, u = (ln 2, 0, 0, 0): P(a best, x worst) : P(x best, a worst) :
    P(x best, y worst) = 2 : 1/2 : 1, i.e. counts 4 : 1 : 2 -- 12 + 3 + 12 = 27 answers.
    Shares 2/5, 1/5, 1/5, 1/5."""
    result = scores(4, [12, 5, 5, 5], [3, 8, 8, 8], {(0, 1, 2, 3): 27})
    assert [s.share for s in result] == pytest.approx([40.0, 20.0, 20.0, 20.0], abs=1e-6)
    assert [s.shown for s in result] == [27] * 4
    assert result[0].count_score == pytest.approx(9 / 27)
    assert result[1].count_score == pytest.approx(-3 / 27)


def test_shares_maximise_the_likelihood_and_sum_to_100() -> None:
    rng = random.Random(11)
    best, worst, sets = [0] * 6, [0] * 6, Counter()
    for _ in range(300):
        members = tuple(sorted(rng.sample(range(6), 3)))
        b, w = rng.sample(members, 2)
        best[b] += 1
        worst[w] += 1
        sets[members] += 1
    got = shares(6, best, worst, sets)
    assert sum(got) == pytest.approx(100.0)
    u = [math.log(s) for s in got]
    top = log_likelihood(u, best, worst, sets)
    for i in range(6):  # moving any one utility lowers the likelihood
        for step in (-0.01, 0.01):
            nudged = [x + (step if j == i else 0) for j, x in enumerate(u)]
            assert log_likelihood(nudged, best, worst, sets) < top


def test_never_shown_features_have_no_share_and_always_worst_go_to_zero() -> None:
    # feature 0 is the worst in all 10 sets it was in: its utility has no finite estimate, its
    # share is (within the optimiser's tolerance) the limit, 0
    result = scores(4, [0, 6, 4, 0], [10, 0, 0, 0], {(0, 1, 2): 10})
    assert result[3].shown == 0 and result[3].share is None and result[3].count_score is None
    assert result[0].share < 1e-4
    assert sum(s.share for s in result[:3]) == pytest.approx(100.0)
    # never best but not always worst: a finite, smaller share than the others
    finite = scores(3, [0, 5, 5], [5, 3, 2], {(0, 1, 2): 10})
    assert 1 < finite[0].share < min(finite[1].share, finite[2].share)
    assert shares(3, [0, 0, 0], [0, 0, 0], {}) == [None, None, None]


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        scores(2, [5, 0], [0, 0], {(0, 1): 3})  # best 5 times in 3 sets
    with pytest.raises(ValueError):
        scores(2, [0, 0], [0, 0], {(0, 0): 1})


def test_a_started_app_has_not_loaded_numpy_or_scipy_until_a_maxdiff_is_fitted(tmp_path) -> None:
    """numpy and SciPy (about 50 MB resident) load only for the logit: an app that serves pages and
    exports starts without them, which is what keeps an export under 150 MB (README, bench/aggregate)."""
    script = (
        "import sys\n"
        "from forum import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/a.db', 'TESTING': True}})\n"
        "before = sorted(m for m in ('numpy', 'scipy') if m in sys.modules)\n"
        "from forum.analytics.maxdiff import shares\n"
        "shares(3, [2, 1, 0], [0, 1, 2], {(0, 1, 2): 3})\n"
        "print(before, 'scipy' in sys.modules)\n")
    env = {**os.environ, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["[]", "True"]
