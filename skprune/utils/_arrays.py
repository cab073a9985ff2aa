"""Counting, splitting and ranking on arrays: the exact counts everything
kept by skprune rests on."""

import numpy as np
from scipy import sparse


def stored_values(X):
    """Values ``X`` stores: ``nnz`` when sparse, ``size`` when dense."""
    return X.nnz if sparse.issparse(X) else np.size(X)


def apportion(total, sizes, low, high):
    """Split ``total`` over groups in proportion to ``sizes``, each count
    within ``[low[g], high[g]]`` (scalars or one bound per group), the sum
    exact: the largest-remainder method.

    The floors of the ideal shares are clipped to the bounds; then one at a
    time a unit goes to the group with the largest remainder that has room
    (or leaves the one with the largest excess above its share), ties to the
    earlier group.

    >>> apportion(10, [50, 30, 20], low=1, high=[50, 30, 20]).tolist()
    [5, 3, 2]
    >>> apportion(7, [3, 3, 3], low=0, high=3).tolist()
    [3, 2, 2]
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    ideal = total * sizes / sizes.sum()
    counts = np.clip(np.floor(ideal).astype(int), low, high)
    while counts.sum() < total:
        room = np.where(counts < high, ideal - counts, -np.inf)
        counts[np.argmax(room)] += 1
    while counts.sum() > total:
        excess = np.where(counts > low, counts - ideal, -np.inf)
        counts[np.argmax(excess)] -= 1
    return counts


def top_k_indices(scores, k):
    """Positions of the ``k`` highest ``scores``, best first; ties go to the
    earlier position and NaN ranks below every number.

    Exactly the first ``k`` of a stable sort of ``-scores``, found with a
    partition and a stable sort of the few at or above the ``k``-th score.

    >>> top_k_indices(np.array([1.0, 3.0, 2.0, 3.0]), 3).tolist()
    [1, 3, 2]
    """
    scores = np.asarray(scores)
    n = scores.size
    if 0 < k < n and not (scores.dtype.kind == "f" and np.isnan(scores).any()):
        kth = np.partition(scores, n - k)[n - k]
        chosen = np.flatnonzero(scores >= kth)
        return chosen[np.argsort(-scores[chosen], kind="stable")[:k]]
    return np.argsort(-scores, kind="stable")[:k]


def as_float32(values):
    """``values`` rounded to float32 and back: the values a model stored in
    float32 predicts with."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)
