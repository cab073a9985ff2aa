"""The weighted rule: importance sampling of an exact number of rows, with all
of its maths in one place.

Rows are drawn without replacement with inclusion probabilities ``pi_i``
proportional to a cost mixed with uniform (OSMAC, Wang, Zhu & Ma 2018), and
the kept rows carry ``1 / pi_i`` (Horvitz-Thompson), so that the weighted kept
rows estimate the objective over every row without bias:

- the inclusion probabilities (:func:`inclusion_probabilities`: capped at one,
  summing to the count) and the draw (:func:`systematic_sample`, randomized
  systematic sampling, Madow 1949: exact probabilities, an exact count);
- :func:`weighted_rows`, the rule on rows scored out of fold (per group,
  rows set aside, every class kept);
- with a pilot, OSMAC's two steps drawn from a first phase that needs no
  model, so that the whole rule reads ``X`` once: uniforms that are a
  function of the seed and the row's index (:func:`row_uniforms`), the first
  phase's rate (:func:`first_phase_rate`), the pilot among its rows
  (:func:`pilot_positions`) and the second step's importance
  (:func:`second_step_importance`, drawn by :func:`systematic_sample`);
  :mod:`skprune.rows.selection._one_read` puts them together.
"""

import numpy as np

from ...utils._arrays import groups_and_quotas, top_k_indices

# keep="weighted": share of the inclusion probability spread uniformly (the
# rest follows the hardness), which bounds the inverse-probability weights.
# Chosen in benchmarks/bench_data_efficiency.py.
WEIGHTED_UNIFORM_SHARE = 0.2

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
    block by block (:func:`pilot_weighted_rows`) and spreads the kept rows
    over the rows like a stratified sample. Draws one uniform from ``rng``.
    Returns a boolean
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
    a pilot sample, the union design is :func:`pilot_weighted_rows`.)

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
        *groups_and_quotas(len(hardness), n_keep, groups, quotas), strict=True
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


def check_kept(n_kept, n_keep):
    """The design is exact: a different count is a bug, never a result."""
    if n_kept != n_keep:
        raise RuntimeError(f"The draw kept {n_kept} rows instead of {n_keep}.")


def check_count(n_keep, n_pilot):
    if n_keep < n_pilot:
        raise ValueError(
            f"{n_pilot} pilot rows (at least one per class) cannot be kept "
            f"within the {n_keep} rows kept; keep more rows or use a smaller "
            "pilot."
        )


# The weighted rule scored by a pilot: two phases, one read of X
# (skprune.rows.selection._one_read gathers the rows and fits the pilot).

# the first phase holds about this many times the rows kept (the pilot's and
# the second step's rows are drawn from it): the memory of a dask fit.
# benchmarks/bench_data_efficiency.py --study found 2, 4, 8 and every row
# alike within the seeds' noise; 4 is the middle of memory and precision
FIRST_PHASE_FACTOR = 4

# the weight of the rows set aside by the label check in the objective the
# kept rows estimate (the uniform share's fifth)
SET_ASIDE_WEIGHT = WEIGHTED_UNIFORM_SHARE

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z):
    """splitmix64's finaliser (Steele, Lea & Flood 2014), elementwise on
    uint64 (the products wrap, as they must)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def row_uniforms(seed, rows):
    """One uniform in (0, 1) for each row index in ``rows``, a function of
    ``(seed, index)`` alone: the same row gets the same number however the
    rows are held or blocked (an array, a memmap, a dask array's chunks on
    any worker), and the numbers of different rows are independent for every
    purpose here (splitmix64 of the index, 53 bits).

    >>> u = row_uniforms(7, np.arange(5))
    >>> bool(np.all((u > 0) & (u < 1)))
    True
    >>> bool(np.array_equal(u[3:], row_uniforms(7, [3, 4])))
    True
    """
    key = _mix(np.array([seed], dtype=np.uint64))[0]
    z = _mix(np.asarray(rows, dtype=np.uint64) * _GOLDEN + key)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def first_phase_rate(n_rows, n_keep, factor=FIRST_PHASE_FACTOR):
    """``q``: the first phase takes every row whose uniform is below ``q``
    (Poisson sampling, each row with probability ``q``), about ``factor *
    n_keep`` of them and more than ``n_keep`` but with a probability below
    1e-15 (eight standard deviations of room); one when that is every row."""
    if n_keep >= n_rows:
        return 1.0
    m = factor * n_keep
    return min(1.0, (m + 8.0 * np.sqrt(m) + 16.0) / n_rows)


def pilot_positions(u, codes, in_phase, quotas):
    """The pilot among the rows gathered (positions): for each group ``k``
    (``codes``, a class; all zero for a regression), its ``quotas[k]``
    first-phase rows of smallest uniform ``u``, or its gathered row outside
    the first phase when it has none there (a class's row of smallest
    uniform: at least one row of each class). The first-phase rows of a class
    are a uniform sample of it whatever order the rows are in, and so are
    their ``quota`` smallest."""
    chosen = []
    for k, quota in enumerate(quotas):
        members = np.flatnonzero(codes == k)
        inside = members[in_phase[members]]
        if len(inside) == 0:
            chosen.append(members[np.argsort(u[members], kind="stable")[:1]])
            continue
        order = np.argsort(u[inside], kind="stable")
        chosen.append(inside[order[: max(int(quota), 1)]])
    return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=int)


def second_step_importance(hardness, uniform_share):
    """OSMAC's importance mixed with uniform, up to a constant:
    ``(1 - s) h_i / mean(h) + s`` (every row alike when no row costs)."""
    mean = hardness.mean() if len(hardness) else 0.0
    if mean <= 0:
        return np.ones(len(hardness))
    return (1.0 - uniform_share) * hardness / mean + uniform_share
