"""Scores -> kept rows: the selection rules of ``SampleSubsetter``.

Every rule is a pure function that takes the number of rows to keep and
returns exactly that many (per group when the selection is stratified). Scores
mean "higher is easier" throughout. The rules:

- ``top_k_rows``: the highest (``"easy"``) or lowest (``"hard"``) scores;
- ``weighted_rows``: importance sampling without replacement, inclusion
  probabilities proportional to a hardness mixed with uniform, exact size
  (randomized systematic sampling, exact probabilities), inverse-probability
  weights for ``sample_weight``;
- ``coverage_rows``: coverage-centric selection (CCS): set rows aside (the
  caller's likely-wrong labels), then sample evenly across equal-width score
  bins (water-filling);
- ``greedy_rows`` with ``kcenter_order`` / ``herding_order``: greedy coresets
  that pick the count they are given.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import row_norms, safe_sparse_dot

from .utils._arrays import apportion, top_k_indices


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


def _groups_and_quotas(n_samples, n_keep, groups, quotas):
    if groups is None:
        return [np.arange(n_samples)], [n_keep]
    return groups, quotas


def top_k_rows(
    scores, n_keep, *, keep="easy", groups=None, quotas=None, drop_first=None
):
    """Exact boolean mask of the ``n_keep`` highest (``keep="easy"``) or lowest
    (``"hard"``) scores, per group when ``groups``/``quotas`` are given.

    ``drop_first`` (boolean, optional) marks rows that are left out before any
    other row, whatever their score (the likely-wrong labels of the noise
    strategy). Ties go to the earlier row.
    """
    scores = np.asarray(scores, dtype=np.float64)
    best = scores if keep == "easy" else -scores
    mask = np.zeros(len(scores), dtype=bool)
    for rows, quota in zip(
        *_groups_and_quotas(len(scores), n_keep, groups, quotas), strict=True
    ):
        parts = [rows]
        if drop_first is not None:  # the flagged rows after all the others
            parts = [rows[~drop_first[rows]], rows[drop_first[rows]]]
        for part in parts:
            kept = part[top_k_indices(best[part], quota)]
            mask[kept] = True
            quota -= len(kept)
    return mask


# a probability this close to one is a certain row
CERTAIN = 1.0 - 1e-12


def inclusion_scale(importance, n_keep):
    """The factor ``c`` of the inclusion probabilities ``min(1, c *
    importance_i)`` that sum to ``n_keep``: ``inf`` when every row is kept or
    when no more than ``n_keep`` importances are positive (see
    :func:`inclusion_probabilities`).

    >>> float(inclusion_scale(np.array([8.0, 1.0, 1.0, 1.0, 1.0]), 3))
    0.5
    """
    importance = np.asarray(importance, dtype=np.float64)
    n = len(importance)
    if n_keep <= 0:
        return 0.0
    if n_keep >= n or np.count_nonzero(importance > 0) <= n_keep:
        return np.inf
    # only the n_keep largest can be certain
    return scale_from_ranked(*largest(importance, n_keep), n_keep)


def largest(values, k):
    """The ``k`` largest ``values``, descending, and the sum of the others
    (a partition, not a full sort; every value when there are no more than
    ``k``).

    >>> top, rest = largest(np.array([3.0, 1.0, 4.0, 1.0, 5.0]), 2)
    >>> top.tolist(), float(rest)
    ([5.0, 4.0], 5.0)
    """
    if k >= len(values):
        return np.sort(values)[::-1], 0.0
    parts = np.partition(values, len(values) - k)
    return np.sort(parts[len(values) - k :])[::-1], parts[: len(values) - k].sum()


def scale_from_ranked(ranked, outside, n_keep):
    """:func:`inclusion_scale` from the largest importances, descending
    (at least ``n_keep`` of them, or every row), and ``outside``, the sum of
    all the others: the rows too important to leave out are taken with
    certainty, the rest share what is left (the first ``m`` with
    ``ranked[m] * scale <= 1``)."""
    extra = ranked[n_keep:].sum()
    ranked = ranked[:n_keep]
    # tails[m]: the sum of all but the m largest, summed from the small end
    tails = outside + extra + np.cumsum(ranked[::-1])[::-1]
    scales = (n_keep - np.arange(len(ranked))) / tails
    fits = ranked * scales <= 1.0
    return scales[np.argmax(fits)] if fits.any() else scales[-1]


def inclusion_probabilities(importance, n_keep):
    """Inclusion probabilities ``pi_i = min(1, c * importance_i)`` summing to
    ``n_keep`` (rows too important to leave out are taken with certainty and
    the rest share what is left). When no more than ``n_keep`` importances
    are positive, those rows are certain and the others share the rest
    evenly.

    >>> inclusion_probabilities(np.array([8.0, 1.0, 1.0, 1.0, 1.0]), 3).tolist()
    [1.0, 0.5, 0.5, 0.5, 0.5]
    >>> inclusion_probabilities(np.array([2.0, 0.0, 0.0, 0.0, 0.0]), 3).tolist()
    [1.0, 0.5, 0.5, 0.5, 0.5]
    """
    importance = np.asarray(importance, dtype=np.float64)
    n = len(importance)
    scale = inclusion_scale(importance, n_keep)
    if not np.isinf(scale):
        return np.minimum(importance * scale, 1.0)
    positive = importance > 0
    n_zero = n - int(positive.sum())
    fill = 1.0 if n_keep >= n else (n_keep - positive.sum()) / max(n_zero, 1)
    return np.where(positive, 1.0, min(fill, 1.0))


def systematic_sample(probabilities, n_keep, rng):
    """Exactly ``n_keep`` rows drawn without replacement, row ``i`` with
    inclusion probability exactly ``probabilities[i]`` (which sum to
    ``n_keep``, each at most one): randomized systematic sampling (Madow
    1949). Rows with probability one are taken; each other row owns an
    interval of its probability's length, in row order, and one uniform
    start ``u`` picks the rows whose intervals hold ``u, u + 1, ...``. Any
    fixed order gives the exact probabilities; row order lets the draw run
    block by block (``_osmac``) and spreads the kept rows over the rows like
    a stratified sample. Draws one uniform from ``rng``. Returns a boolean
    mask."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    mask = probabilities >= CERTAIN
    left = n_keep - int(mask.sum())
    if left <= 0:
        if left < 0:
            raise ValueError(
                f"{int(mask.sum())} rows are certain, more than the {n_keep} kept."
            )
        return mask
    free = np.flatnonzero(~mask)
    total = probabilities[free].sum()
    if not np.isclose(total, left, rtol=1e-6, atol=1e-9):
        raise ValueError(
            f"The inclusion probabilities sum to {total + n_keep - left:.6g}, "
            f"not to the {n_keep} rows kept."
        )
    points = rng.random_sample() + np.arange(left)
    mask[free[systematic_picks(probabilities[free], 0.0, left, points)]] = True
    return mask


def systematic_picks(probabilities, lo, hi, points):
    """The rows (positions in ``probabilities``, each below one) whose
    intervals hold ``points``, the intervals laid end to end in row order and
    stretched to tile ``[lo, hi)`` exactly; every point in ``[lo, hi)``. An
    interval shorter than one holds at most one point, so the rows are
    distinct."""
    ends = np.cumsum(probabilities)
    ends = lo + (hi - lo) * (ends / ends[-1])
    picks = np.searchsorted(ends, points, side="right")
    return np.minimum(picks, len(probabilities) - 1)


def weighted_rows(
    hardness,
    n_keep,
    *,
    uniform_share,
    rng,
    groups=None,
    quotas=None,
    exclude=None,
    every_class=None,
):
    """Importance sampling: exactly ``n_keep`` rows (per group: its quota),
    drawn without replacement with inclusion probabilities proportional to
    ``(1 - uniform_share) * hardness / sum(hardness) + uniform_share / n``
    (OSMAC, Wang, Zhu & Ma 2018, with hardness ``|y - p| * ||x||``), capped at
    one. Nothing is set aside unless the caller says so: rows in ``exclude``
    (boolean) are not drawn (the hardest of them stay out when the quota needs
    some back) and the group's probability is spread over the others. (With
    a pilot sample, the union design is ``_osmac``'s.)

    ``every_class`` (a list of row arrays, without ``groups``): the rows
    are drawn together, no class is set aside whole (its least hard row
    stays in the draw), and a class the draw left empty gets its most
    probable row in place of the least probable kept row of a class that
    keeps several.

    Returns ``(mask, weights)``: ``weights`` are ``1 / pi`` on the kept rows
    (Horvitz-Thompson: a weighted sum over the kept rows estimates the sum over
    the group's rows that were not set aside, without bias) and zero
    elsewhere.
    """
    hardness = np.asarray(hardness, dtype=np.float64)
    if exclude is not None and every_class is not None:  # no class set aside whole
        exclude = exclude.copy()
        for members in every_class:
            if len(members) and exclude[members].all():
                exclude[members[np.argmin(hardness[members])]] = False
    mask = np.zeros(len(hardness), dtype=bool)
    weights = np.zeros(len(hardness))
    for rows, quota in zip(
        *_groups_and_quotas(len(hardness), n_keep, groups, quotas), strict=True
    ):
        if quota == 0:
            continue
        if exclude is not None:
            # the hardest excluded rows stay out; as many come back as the
            # quota needs
            left_out = rows[exclude[rows]]
            n_out = min(len(left_out), len(rows) - int(quota))
            hardest = left_out[top_k_indices(hardness[left_out], n_out)]
            rows = np.setdiff1d(rows, hardest)
        h = hardness[rows]
        total = h.sum()
        share = h / total if total > 0 else np.full(len(rows), 1.0 / len(rows))
        importance = (1.0 - uniform_share) * share + uniform_share / len(rows)
        probabilities = inclusion_probabilities(importance, int(quota))
        mask[rows[systematic_sample(probabilities, int(quota), rng)]] = True
        weights[rows] = 1.0 / np.maximum(probabilities, 1e-300)
    if every_class is not None:
        _keep_one_of_each(mask, weights, every_class)
    weights[~mask] = 0.0
    return mask, weights


def _keep_one_of_each(mask, inverse, classes):
    """Swap rows so that every class keeps one: a class left empty takes its
    most probable row (smallest ``inverse`` probability) in place of the least
    probable kept row of a class that keeps several."""
    owner = np.empty(len(mask), dtype=int)
    for k, rows in enumerate(classes):
        owner[rows] = k
    for rows in classes:
        if len(rows) == 0 or mask[rows].any():
            continue
        counts = np.bincount(owner[mask], minlength=len(classes))
        candidates = np.flatnonzero(mask & (counts[owner] > 1))
        rows = rows[inverse[rows] > 0]  # rows that were in the draw
        if len(candidates) == 0 or len(rows) == 0:
            continue
        mask[candidates[np.argmax(inverse[candidates])]] = False
        mask[rows[np.argmin(inverse[rows])]] = True


def _water_fill(counts, budget):
    """Per-bin counts summing to ``budget``: every bin gets the same level,
    bins smaller than the level are kept whole (CCS's water-filling).

    The level is fractional when the budget does not divide evenly; the
    leftover rows go to bins spread evenly over the score range (every
    non-full bin has the same remainder), never to the first bins: with fewer
    rows than bins, a budget of 10 over 50 bins takes one row from every
    fifth bin, not the 10 lowest-scored bins.

    >>> _water_fill(np.full(10, 5), 3).tolist()
    [0, 1, 0, 0, 0, 1, 0, 0, 1, 0]
    >>> _water_fill(np.array([1, 8, 8, 8]), 10).tolist()
    [1, 3, 3, 3]
    """
    counts = np.asarray(counts)
    level_counts = np.sort(counts)
    remaining, left = float(budget), len(counts)
    level = 0.0
    for c in level_counts:
        if c * left >= remaining:
            level = remaining / left
            break
        remaining -= c
        left -= 1
    else:
        return counts.copy()
    alloc = np.minimum(counts, np.floor(level).astype(int))
    missing = int(budget - alloc.sum())
    # the bins above the level, each with the same fractional remainder
    room = np.flatnonzero(alloc < counts)
    if missing:
        # evenly spaced over them, from the middle of each stride
        picks = ((np.arange(missing) + 0.5) * len(room) / missing).astype(int)
        alloc[room[picks]] += 1
    return alloc


def coverage_rows(
    scores, n_keep, *, n_bins, rng, groups=None, quotas=None, exclude=None
):
    """Coverage-centric selection (CCS, Zheng et al. ICLR 2023), exact count.

    Per group: set aside the rows in ``exclude`` (CCS drops the hardest share
    as likely mislabelled; here the caller says which rows, fewer if the quota
    needs them back, hardest last), cut the remaining scores into ``n_bins``
    equal-width bins, give every bin the same budget (bins with fewer rows are
    kept whole and pass what is left to the others: water-filling) and draw
    each bin's rows at random.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if exclude is None:
        exclude = np.zeros(len(scores), dtype=bool)
    mask = np.zeros(len(scores), dtype=bool)
    for rows, quota in zip(
        *_groups_and_quotas(len(scores), n_keep, groups, quotas), strict=True
    ):
        if quota == 0:
            continue
        # excluded rows first, each part hardest first
        ranked = rows[np.lexsort((scores[rows], ~exclude[rows]))]
        n_drop = min(int(exclude[rows].sum()), len(rows) - int(quota))
        pool = ranked[n_drop:]
        values = scores[pool]
        low, high = values.min(), values.max()
        if high > low:
            bins = np.minimum(
                ((values - low) / (high - low) * n_bins).astype(int), n_bins - 1
            )
        else:
            bins = np.zeros(len(pool), dtype=int)
        counts = np.bincount(bins, minlength=n_bins)
        for b, take in enumerate(_water_fill(counts, quota)):
            if take:
                members = pool[bins == b]
                mask[rng.choice(members, size=take, replace=False)] = True
    return mask


def _row(X, i):
    # ``X[[i]]``, a 1 x n slice: scipy before 1.11 cannot take a 1-d row of a
    # sparse *array* (``X[i]`` raises there)
    row = X[[i]]
    return row.toarray().ravel() if sparse.issparse(row) else np.asarray(row).ravel()


def squared_distances_to(X, sq_norms, point, point_sq_norm):
    """``||x_i - point||^2`` for every row, without an n x n matrix."""
    cross = np.asarray(safe_sparse_dot(X, point)).ravel()
    return np.maximum(sq_norms - 2.0 * cross + point_sq_norm, 0.0)


def kcenter_order(X, n_select):
    """Greedy k-center (Sener & Savarese 2018): start at the row nearest the
    mean, then repeatedly take the row farthest from everything taken. Returns
    the ``n_select`` picked row indices in order. O(n_select * nnz(X)) time,
    O(n) memory: one distance vector, updated per pick."""
    if n_select == 0:
        return np.array([], dtype=int)
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    nearest = squared_distances_to(X, sq_norms, mean, mean @ mean)
    order = [int(np.argmin(nearest))]
    center = _row(X, order[0])
    closest = squared_distances_to(X, sq_norms, center, center @ center)
    for _ in range(1, n_select):
        closest[order[-1]] = -1.0
        pick = int(np.argmax(closest))
        order.append(pick)
        center = _row(X, pick)
        closest = np.minimum(
            closest, squared_distances_to(X, sq_norms, center, center @ center)
        )
        closest[order] = -1.0
    return np.asarray(order)


def herding_order(X, n_select):
    """Herding (Welling 2009, as in iCaRL): repeatedly take the row that brings
    the mean of the taken rows closest to the mean of all rows. Returns the
    ``n_select`` picked row indices in order. O(n) memory."""
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    total = np.zeros_like(mean)
    taken = np.zeros(X.shape[0], dtype=bool)
    order = []
    for t in range(1, n_select + 1):
        # || (total + x_i) / t - mean ||^2, expanded: a = total / t - mean
        a = total / t - mean
        cost = a @ a + 2.0 * np.asarray(safe_sparse_dot(X, a)).ravel() / t
        cost += sq_norms / t**2
        cost[taken] = np.inf
        pick = int(np.argmin(cost))
        order.append(pick)
        taken[pick] = True
        total += _row(X, pick)
    return np.asarray(order, dtype=int)


def greedy_rows(X, n_keep, order, *, groups=None, quotas=None):
    """Exact mask of the rows a greedy coreset ``order(X_group, count)`` picks,
    within each group."""
    mask = np.zeros(X.shape[0], dtype=bool)
    for rows, quota in zip(
        *_groups_and_quotas(X.shape[0], n_keep, groups, quotas), strict=True
    ):
        mask[rows[order(X[rows], int(quota))]] = True
    return mask


SELECTORS = {"kcenter": kcenter_order, "herding": herding_order}
