"""Counting, splitting and ranking on arrays: the exact counts everything
kept by skprune rests on."""

import math

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import safe_sparse_dot


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
    if not 0 < k < n or (scores.dtype.kind == "f" and np.isnan(scores).any()):
        return np.argsort(-scores, kind="stable")[:k]
    if scores.dtype.kind == "f" and np.isinf(scores).any():
        # infinite scores mark items out of the running (a swap's live or
        # pruned side): a partition over many equal keys is slow, so +inf
        # come first, then the finite ones ranked, then -inf, each by position
        top = np.flatnonzero(scores == np.inf)[:k]
        finite = np.flatnonzero(np.isfinite(scores))
        n_ranked = min(k - top.size, finite.size)
        ranked = (
            finite[top_k_indices(scores[finite], n_ranked)] if n_ranked else top[:0]
        )
        bottom = np.flatnonzero(scores == -np.inf)[: k - top.size - n_ranked]
        return np.concatenate([top, ranked, bottom])
    kth = np.partition(scores, n - k)[n - k]
    chosen = np.flatnonzero(scores >= kth)
    return chosen[np.argsort(-scores[chosen], kind="stable")[:k]]


def as_float32(values):
    """``values`` rounded to float32 and back: the values a model stored in
    float32 predicts with."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def allocate(counts, n_keep):
    """Split ``n_keep`` over groups of sizes ``counts`` in proportion, at least
    one per group, never more than a group has, the total exact
    (:func:`~skprune.utils._arrays.apportion`: largest remainders first, ties
    to the earlier group).

    >>> allocate(np.array([50, 30, 20]), 10).tolist()
    [5, 3, 2]
    >>> allocate(np.array([97, 2, 1]), 4).tolist()
    [2, 1, 1]
    """
    counts = np.asarray(counts)
    if n_keep < len(counts):
        raise ValueError(
            f"Cannot keep {n_keep} rows with stratify=True: each of the "
            f"{len(counts)} classes keeps at least one row."
        )
    return apportion(n_keep, counts, low=1, high=counts)


def groups_and_quotas(n_samples, n_keep, groups, quotas):
    if groups is None:
        return [np.arange(n_samples)], [n_keep]
    return groups, quotas


# a row block holds at most this many values of the output (32 MB float64)
BLOCK_VALUES = 2**22


def row_block_views(X, n_columns=1):
    """``(rows, block)`` for consecutive row blocks of ``X`` (``rows`` a
    slice), each small enough that a product with ``n_columns`` columns stays
    under ``BLOCK_VALUES`` values; a CSR block is cut from ``X``'s arrays
    without indexing (scipy copies a cut much smaller than its arrays, so one
    block's values are held twice at a time, never all of ``X``)."""
    step = max(1024, BLOCK_VALUES // max(n_columns, 1))
    for start in range(0, X.shape[0], step):
        rows = slice(start, min(start + step, X.shape[0]))
        yield rows, _row_block(X, rows)


def _row_block(X, rows):
    """Rows ``rows`` (a slice) of ``X``; for CSR cut from its arrays by the
    slice's ``indptr`` range (no row indexing)."""
    if sparse.issparse(X) and X.format == "csr":
        start, stop, _ = rows.indices(X.shape[0])
        begin, end = X.indptr[start], X.indptr[stop]
        return sparse.csr_matrix(
            (
                X.data[begin:end],
                X.indices[begin:end],
                X.indptr[start : stop + 1] - begin,
            ),
            shape=(stop - start, X.shape[1]),
        )
    return X[rows]


# ``prune_ratio * n_total`` is floored; the slack keeps a ratio such as 0.29 of
# 100 items (28.999999999999996 in floating point) at the 29 a user means.
_FLOOR_SLACK = 1e-9


def n_keep_from_ratio(n_total, prune_ratio):
    """Number of items kept when ``prune_ratio`` of ``n_total`` are removed.

    The count removed is ``floor(prune_ratio * n_total)``; at least one item
    always survives.

    >>> n_keep_from_ratio(10, 0.25)
    8
    >>> n_keep_from_ratio(3, 0.99)
    1
    """
    n_removed = math.floor(prune_ratio * n_total + _FLOOR_SLACK)
    return max(1, n_total - n_removed)


def resolve_n_keep(
    n_total, *, prune_ratio, n_keep, item_name="coefficients", n_features=None
):
    """The exact kept count from ``n_keep`` (if given) or ``prune_ratio``.

    Raises a ``ValueError`` naming ``item_name`` (and ``X``'s ``n_features`` when
    given) when ``n_keep`` exceeds ``n_total``.
    """
    if n_keep is None:
        return n_keep_from_ratio(n_total, prune_ratio)
    if n_keep > n_total:
        of_X = "" if n_features is None else f" (X has n_features={n_features})"
        raise ValueError(
            f"n_keep={n_keep} is larger than the number of {item_name} "
            f"({n_total}){of_X}."
        )
    return int(n_keep)


def squared_distances_to(X, sq_norms, point, point_sq_norm):
    """``||x_i - point||^2`` for every row, without an n x n matrix."""
    cross = np.asarray(safe_sparse_dot(X, point)).ravel()
    return np.maximum(sq_norms - 2.0 * cross + point_sq_norm, 0.0)
