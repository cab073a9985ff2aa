import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skprune.coefficients._masks import geometric_schedule, select_mask, top_k_mask
from skprune.utils._arrays import n_keep_from_ratio, resolve_n_keep


@pytest.mark.parametrize(
    "n_total, ratio, expected",
    [(10, 0.0, 10), (10, 0.5, 5), (10, 0.99, 1), (100, 0.29, 71), (7, 0.5, 4)],
)
def test_n_keep_from_ratio_floors_the_removed_count(n_total, ratio, expected):
    assert n_keep_from_ratio(n_total, ratio) == expected


def test_resolve_n_keep_rejects_more_than_available():
    with pytest.raises(
        ValueError,
        match=r"n_keep=11 is larger than the number of "
        r"features \(10\)",
    ):
        resolve_n_keep(10, prune_ratio=0.5, n_keep=11, item_name="features")
    assert resolve_n_keep(10, prune_ratio=0.5, n_keep=3) == 3


@given(
    scores=arrays(np.float64, st.integers(1, 40), elements=st.integers(-3, 3)),
    data=st.data(),
)
def test_top_k_mask_is_exact_and_keeps_the_best(scores, data):
    k = data.draw(st.integers(0, scores.size))
    mask = top_k_mask(scores, k)
    assert mask.sum() == k
    if 0 < k < scores.size:
        assert scores[mask].min() >= scores[~mask].max()
    # ties go to the earlier position
    kept = np.flatnonzero(mask)
    for i in np.flatnonzero(~mask):
        assert not np.any((scores[kept] == scores[i]) & (kept > i))


def test_top_k_mask_respects_alive_and_rejects_nan():
    scores = np.array([5.0, 4.0, 3.0, 2.0])
    alive = np.array([False, True, True, True])
    np.testing.assert_array_equal(
        top_k_mask(scores, 2, alive), [False, True, True, False]
    )
    with pytest.raises(ValueError, match="Cannot keep 4 of 3 live items"):
        top_k_mask(scores, 4, alive)
    with pytest.raises(ValueError, match="NaN"):
        top_k_mask(np.array([1.0, np.nan]), 1)


@given(n_total=st.integers(1, 500), data=st.data(), n_iter=st.integers(1, 12))
def test_geometric_schedule_is_monotone_and_ends_exactly(n_total, data, n_iter):
    n_final = data.draw(st.integers(1, n_total))
    counts = geometric_schedule(n_total, n_final, n_iter)
    assert len(counts) == n_iter
    assert counts[-1] == n_final
    assert all(a >= b for a, b in zip([n_total, *counts], counts, strict=False))


def test_geometric_schedule_removes_an_equal_share_each_round():
    counts = geometric_schedule(1000, 10, 2)
    assert counts == [100, 10]
    assert math.isclose(counts[0] / 1000, counts[1] / counts[0])


def test_feature_granularity_keeps_whole_columns_by_norm():
    scores = np.array([[3.0, 0.0, 1.0], [0.0, 2.5, 1.0]])
    mask = select_mask(scores, 2, "feature")
    # column norms: 3, 2.5, sqrt(2)
    np.testing.assert_array_equal(mask, [[True, True, False], [True, True, False]])
    weight_mask = select_mask(scores, 2, "weight")
    np.testing.assert_array_equal(
        weight_mask, [[True, False, False], [False, True, False]]
    )


@given(
    scores=arrays(
        np.float64,
        st.integers(1, 60),
        elements=st.sampled_from([-np.inf, np.inf, -1.0, 0.0, 0.5, 2.0]),
    ),
    data=st.data(),
)
def test_top_k_indices_is_a_stable_sort_with_infinite_scores(scores, data):
    # infinities (a swap's out-of-the-running items) take a path of their own
    from skprune.utils._arrays import top_k_indices

    k = data.draw(st.integers(0, scores.size + 1))
    np.testing.assert_array_equal(
        top_k_indices(scores, k), np.argsort(-scores, kind="stable")[:k]
    )
