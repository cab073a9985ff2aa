"""Scores to exact boolean masks.

Everything here is a pure function of arrays. Counts are exact: ranking uses a
stable sort, so ties are broken by position (the lower flat index survives) and
never by a ``>=`` threshold that could let extra items through.
"""

import numpy as np

from ..utils._arrays import top_k_indices

GRANULARITIES = ("weight", "feature")


def geometric_schedule(n_total, n_final, n_iter):
    """Kept counts for ``n_iter`` prune rounds going from ``n_total`` to ``n_final``.

    Round ``r`` keeps ``n_total * (n_final / n_total) ** (r / n_iter)`` items
    (rounded), so every round removes the same share of what is still alive.
    The counts never increase and the last one is exactly ``n_final``.

    >>> geometric_schedule(100, 10, 3)
    [46, 22, 10]
    >>> geometric_schedule(5, 5, 2)
    [5, 5]
    """
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}.")
    if not 1 <= n_final <= n_total:
        raise ValueError(f"n_final must be in [1, {n_total}], got {n_final}.")
    ratio = n_final / n_total
    counts = []
    previous = n_total
    for r in range(1, n_iter + 1):
        target = round(n_total * ratio ** (r / n_iter))
        previous = min(previous, max(n_final, target))
        counts.append(previous)
    counts[-1] = n_final
    return counts


def top_k_mask(scores, k, alive=None):
    """Boolean mask of the ``k`` highest ``scores``, exactly ``k`` True.

    Ties are broken by flat position: the earlier item is kept. Items where
    ``alive`` is False are never kept, so masks from successive rounds nest.

    >>> top_k_mask(np.array([1.0, 3.0, 3.0, 2.0]), 2)
    array([False,  True,  True, False])
    >>> top_k_mask(np.array([1.0, 1.0, 1.0]), 2)
    array([ True,  True, False])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if np.isnan(scores).any():
        raise ValueError("Importance scores contain NaN; cannot rank them.")
    flat = scores.ravel()
    n_alive = flat.size if alive is None else int(np.count_nonzero(alive))
    if not 0 <= k <= n_alive:
        raise ValueError(f"Cannot keep {k} of {n_alive} live items.")
    if alive is not None:
        flat = np.where(np.asarray(alive).ravel(), flat, -np.inf)
    # Live items all have finite or +inf scores, so the k best are all alive.
    mask = np.zeros(flat.size, dtype=bool)
    mask[top_k_indices(flat, k)] = True
    return mask.reshape(scores.shape)


def feature_scores(scores):
    """Score of each feature: the Euclidean norm of its column across rows.

    ``scores`` has the shape of a 2-D ``coef_``, ``(n_rows, n_features)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[0] == 1:
        return np.abs(scores[0])
    return np.sqrt(np.einsum("ij,ij->j", scores, scores))


def select_mask(scores, k, granularity, alive=None):
    """Exact mask of the shape of ``scores`` (2-D, like ``coef_``).

    ``granularity="weight"`` keeps the ``k`` best single coefficients ranked
    globally across rows. ``granularity="feature"`` keeps the ``k`` best
    features, ranked by the norm of their column, and keeps or drops each
    column whole.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if granularity == "weight":
        return top_k_mask(scores, k, alive)
    if granularity == "feature":
        alive_features = None if alive is None else np.asarray(alive).all(axis=0)
        keep = top_k_mask(feature_scores(scores), k, alive_features)
        return np.broadcast_to(keep, scores.shape).copy()
    raise ValueError(
        f"granularity must be one of {GRANULARITIES}, got {granularity!r}."
    )


def count_prunable(coef_shape, granularity):
    """How many items ``granularity`` ranks for a 2-D ``coef_`` of this shape,
    and what they are called in messages ("features" or "coefficients")."""
    n_rows, n_features = coef_shape
    if granularity == "feature":
        return n_features, "features"
    return n_rows * n_features, "coefficients"


def count_alive(mask, granularity):
    """Live items of a 2-D ``mask`` at ``granularity``: True entries, or
    columns with a True entry."""
    if granularity == "feature":
        return int(np.count_nonzero(np.asarray(mask).any(axis=0)))
    return int(np.count_nonzero(mask))
