"""The selection rules: scores -> exactly the kept rows (and their weights)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skprune.rows.selection._coverage import coverage_rows
from skprune.rows.selection._greedy import greedy_rows, herding_order, kcenter_order
from skprune.rows.selection._top_k import top_k_rows
from skprune.rows.selection._weighted import (
    inclusion_probabilities,
    systematic_sample,
    weighted_rows,
)
from skprune.utils._arrays import allocate


@given(counts=st.lists(st.integers(1, 200), min_size=1, max_size=8), data=st.data())
def test_allocate_is_exact_proportional_and_keeps_every_class(counts, data):
    counts = np.array(counts)
    n_keep = data.draw(st.integers(len(counts), counts.sum()))
    alloc = allocate(counts, n_keep)
    assert alloc.sum() == n_keep
    assert np.all(alloc >= 1) and np.all(alloc <= counts)
    # proportional: moving one row from a class that can spare it to one that
    # can take it never brings both closer to their shares
    share = n_keep * counts / counts.sum()
    over = alloc - share
    for i in range(len(counts)):
        for j in range(len(counts)):
            if i != j and alloc[i] > 1 and alloc[j] < counts[j]:
                assert over[i] - over[j] <= 1 + 1e-9


def test_top_k_keeps_the_highest_or_lowest_and_drops_flagged_rows_first():
    scores = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 3.0])
    assert top_k_rows(scores, 2, keep="easy").tolist() == [1, 0, 1, 0, 0, 0]
    assert top_k_rows(scores, 2, keep="hard").tolist() == [0, 1, 0, 1, 0, 0]
    # ties go to the earlier row
    assert np.flatnonzero(top_k_rows(scores, 3, keep="easy")).tolist() == [0, 2, 4]
    flagged = np.array([True, False, False, False, False, False])
    kept = top_k_rows(scores, 2, keep="easy", drop_first=flagged)
    assert np.flatnonzero(kept).tolist() == [2, 4]


@given(
    importance=st.lists(st.floats(0.01, 100), min_size=2, max_size=60),
    data=st.data(),
)
def test_inclusion_probabilities_sum_to_the_count_capped_at_one(importance, data):
    importance = np.array(importance)
    n_keep = data.draw(st.integers(1, len(importance)))
    pi = inclusion_probabilities(importance, n_keep)
    assert pi.sum() == pytest.approx(n_keep)
    assert np.all(pi > 0) and np.all(pi <= 1 + 1e-12)
    free = pi < 1 - 1e-9
    if free.sum() >= 2:  # below the cap, proportional to the importance
        ratio = pi[free] / importance[free]
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
        # every capped row is at least as important as every free one
        if (~free).any():
            assert importance[~free].min() >= importance[free].max() * (1 - 1e-9)


def test_systematic_sampling_is_exact_and_hits_the_inclusion_probabilities():
    rng = np.random.RandomState(0)
    pi = inclusion_probabilities(np.array([1.0, 1, 1, 2, 2, 4, 8, 40.0]), 4)
    assert pi[-1] == 1.0
    counts = np.zeros(len(pi))
    for _ in range(20000):
        mask = systematic_sample(pi, 4, rng)
        assert mask.sum() == 4
        counts += mask
    # exact probabilities: only the Monte Carlo error is left (sd <= 0.0036)
    np.testing.assert_allclose(counts / 20000, pi, atol=0.012)


def test_weighted_rows_are_exact_reproducible_and_weighted_by_inverse_pi():
    rng = np.random.RandomState(0)
    hardness = rng.exponential(size=300)
    y = rng.randint(0, 3, 300)
    groups = [np.flatnonzero(y == k) for k in range(3)]
    quotas = allocate(np.array([len(g) for g in groups]), 60)

    def draw(seed):
        return weighted_rows(
            hardness,
            60,
            uniform_share=0.5,
            rng=np.random.RandomState(seed),
            groups=groups,
            quotas=quotas,
        )

    mask, weights = draw(7)
    assert mask.sum() == 60
    assert np.bincount(y[mask], minlength=3).tolist() == quotas.tolist()
    assert np.all(weights[~mask] == 0) and np.all(weights[mask] >= 1)
    again_mask, again_weights = draw(7)
    np.testing.assert_array_equal(mask, again_mask)
    np.testing.assert_array_equal(weights, again_weights)
    assert not np.array_equal(mask, draw(8)[0])
    # weights are 1 / pi of the group's inclusion probabilities
    g = groups[0]
    share = hardness[g] / hardness[g].sum()
    pi = inclusion_probabilities(0.5 * share + 0.5 / len(g), quotas[0])
    kept = mask[g]
    np.testing.assert_allclose(weights[g][kept], 1 / pi[kept])
    # harder rows are drawn more often
    picks = sum(draw(s)[0] for s in range(200))
    hard, easy = (
        hardness > np.quantile(hardness, 0.8),
        hardness < np.quantile(hardness, 0.2),
    )
    assert picks[hard].mean() > 1.5 * picks[easy].mean()


def test_inverse_probability_weights_estimate_totals_without_bias():
    # Horvitz-Thompson: the weighted sum over the kept rows estimates the sum
    # over all rows, whatever the (unequal) inclusion probabilities
    rng = np.random.RandomState(1)
    n = 400
    hardness = rng.gamma(0.5, size=n)
    x = rng.normal(3.0, 1.0, n) + 2 * hardness  # correlated with the hardness
    totals, counts = [], []
    for seed in range(400):
        mask, w = weighted_rows(
            hardness, 40, uniform_share=0.5, rng=np.random.RandomState(seed)
        )
        totals.append((w * x)[mask].sum())
        counts.append(w[mask].sum())
    assert np.mean(counts) == pytest.approx(n, rel=0.02)
    assert np.mean(totals) == pytest.approx(x.sum(), rel=0.02)
    # an unweighted scaled sum of the same rows is biased towards hard rows
    biased = []
    for seed in range(100):
        mask, _ = weighted_rows(
            hardness, 40, uniform_share=0.5, rng=np.random.RandomState(seed)
        )
        biased.append(x[mask].sum() * n / 40)
    assert np.mean(biased) > 1.1 * x.sum()


def test_weighted_rows_leave_excluded_rows_out_unless_the_count_needs_them():
    hardness = np.arange(1.0, 11.0)
    exclude = np.zeros(10, dtype=bool)
    exclude[[7, 8, 9]] = True  # the hardest three
    for seed in range(20):
        mask, _ = weighted_rows(
            hardness,
            5,
            uniform_share=0.5,
            rng=np.random.RandomState(seed),
            exclude=exclude,
        )
        assert mask.sum() == 5 and not mask[exclude].any()
    # 8 of 10 kept: one excluded row must come back, the least hard of them
    mask, _ = weighted_rows(
        hardness, 8, uniform_share=0.5, rng=np.random.RandomState(0), exclude=exclude
    )
    assert mask.sum() == 8 and mask[7] and not mask[8] and not mask[9]


def test_coverage_spreads_rows_over_score_bins():
    rng = np.random.RandomState(0)
    # 900 easy rows packed near 1, 100 harder rows spread over [-1, 0.5]
    scores = np.concatenate([rng.uniform(0.9, 1.0, 900), rng.uniform(-1, 0.5, 100)])
    mask = coverage_rows(scores, 200, n_bins=10, rng=rng)
    assert mask.sum() == 200
    # random rows would keep ~20 hard rows; even coverage keeps most of them
    assert mask[900:].sum() > 60
    hist = np.histogram(scores[mask], bins=10, range=(-1, 1))[0]
    assert hist.max() < 0.6 * 200
    # excluded rows go out first
    exclude = scores < -0.5
    mask = coverage_rows(scores, 200, n_bins=10, rng=rng, exclude=exclude)
    assert mask.sum() == 200 and not mask[exclude].any()
    # one bin gets everything when all scores are equal
    assert coverage_rows(np.ones(50), 7, n_bins=10, rng=rng).sum() == 7


def test_coverage_with_fewer_rows_than_bins_spans_the_score_range():
    # 10 rows kept over 50 bins: one from every fifth bin, not the 10 lowest
    scores = np.linspace(0, 1, 1000)
    mask = coverage_rows(scores, 10, n_bins=50, rng=np.random.RandomState(0))
    kept = scores[mask]
    assert mask.sum() == 10
    assert np.histogram(kept, bins=5, range=(0, 1))[0].tolist() == [2] * 5
    # 60 rows: 1 per bin and the 10 leftovers spread, 12 per fifth of the range
    mask = coverage_rows(scores, 60, n_bins=50, rng=np.random.RandomState(0))
    assert np.histogram(scores[mask], bins=5, range=(0, 1))[0].tolist() == [12] * 5


@settings(max_examples=50, deadline=None)
@given(n=st.integers(2, 80), data=st.data())
def test_coverage_and_weighted_counts_are_exact_per_class(n, data):
    seed = data.draw(st.integers(0, 1000))
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    y[:2] = [0, 1]
    groups = [np.flatnonzero(y == k) for k in range(2)]
    sizes = np.array([len(g) for g in groups])
    n_keep = data.draw(st.integers(2, n))
    quotas = allocate(sizes, n_keep)
    scores = -rng.exponential(size=n)
    exclude = rng.rand(n) < 0.3
    kwargs = dict(groups=groups, quotas=quotas, exclude=exclude)
    for mask in (
        coverage_rows(scores, n_keep, n_bins=5, rng=rng, **kwargs),
        weighted_rows(-scores, n_keep, uniform_share=0.5, rng=rng, **kwargs)[0],
    ):
        assert np.bincount(y[mask], minlength=2).tolist() == quotas.tolist()
        # an excluded row is kept only when its class has no other row left
        for g, q in zip(groups, quotas, strict=True):
            if q <= (~exclude[g]).sum():
                assert not mask[g][exclude[g]].any()


def test_greedy_selectors_take_the_count():
    X = np.arange(11, dtype=float)[:, np.newaxis]
    assert sorted(kcenter_order(X, 3).tolist()) == [0, 5, 10]
    assert len(herding_order(X, 4)) == 4
    groups = [np.arange(6), np.arange(6, 11)]
    mask = greedy_rows(X, 5, kcenter_order, groups=groups, quotas=[3, 2])
    assert mask[:6].sum() == 3 and mask[6:].sum() == 2
