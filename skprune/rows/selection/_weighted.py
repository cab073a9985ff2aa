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
- with a pilot, OSMAC's union design: the pilot rows are kept and the
  second step draws ``n_keep - r0`` more, row ``i`` with probability
  ``pi'_i = min(1, c * (alpha h_i + beta))``; a kept row carries the
  probability of the union of the two draws (:func:`union_probabilities`).
  Everything the second step needs of a block of rows is small (its summed
  cost and its costliest rows, :class:`BlockSummary`; then its share of the
  systematic sample's interval), so the draw runs block by block whatever
  holds the blocks (one array, a memmap's row blocks, a dask array's chunks
  on a cluster) and keeps the same rows for the same seed however the rows
  are blocked (:func:`pilot_weighted_rows` in memory, ``rows._dask`` on
  chunks).
"""

from dataclasses import dataclass

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


# a block hands on at least this many of its largest hardness values
MIN_TOP = 256


@dataclass
class BlockSummary:
    """What the second step needs of one block of rows: ``total``, the
    hardness summed over all of them; ``count``, the rows outside the pilot;
    ``top``, the largest hardness values outside the pilot, descending;
    ``rest``, the others' hardness summed; ``complete``, whether ``top``
    holds every row outside the pilot; ``positive``, how many of those have
    a positive hardness."""

    total: float
    count: int
    top: np.ndarray
    rest: float
    complete: bool
    positive: int


def summarize_block(hardness, pilot, n_top):
    """The :class:`BlockSummary` of a block (``pilot`` boolean), with at most
    ``n_top`` (at least one) of its largest values."""
    free = hardness[~pilot]
    n_top = max(int(n_top), 1)
    top, rest = largest(free, n_top)
    complete = n_top >= len(free)
    positive = int(np.count_nonzero(free > 0))
    return BlockSummary(hardness.sum(), len(free), top, rest, complete, positive)


def top_share(count, n_rest, n_second):
    """How many of its largest values a block of ``count`` rows outside the
    pilot hands on: its share of the second step's count (so the shares add
    up to at least the count), at least ``MIN_TOP``."""
    return int(min(count, max(MIN_TOP, np.ceil(n_second * count / max(n_rest, 1)))))


@dataclass
class SecondStep:
    """``pi'_i = min(1, scale * (alpha * h_i + beta))``: the second step's
    inclusion probability of a row of hardness ``h_i`` (``alpha h + beta``
    is OSMAC's importance, ``(1 - s) h / sum(h) + s / n``). With no uniform
    share (``beta = 0``) and no more positive costs than the count, the rows
    of positive cost are certain and the others share what is left
    (``fill``), as :func:`inclusion_probabilities`
    has it."""

    alpha: float
    beta: float
    scale: float
    fill: float = None

    def probabilities(self, hardness):
        if self.fill is not None:
            return np.where(hardness > 0, 1.0, self.fill)
        if np.isinf(self.scale):
            return np.ones(len(hardness))
        return np.minimum(self.scale * (self.alpha * hardness + self.beta), 1.0)

    def free_mass(self, summary):
        """``(certain, mass)`` of a block: its rows outside the pilot that the
        step takes with certainty, and the probabilities of the others
        summed (its share of the systematic sample's interval)."""
        if self.fill is not None:
            if self.fill >= CERTAIN:
                return summary.count, 0.0
            return summary.positive, self.fill * (summary.count - summary.positive)
        certain = int(np.count_nonzero(self.probabilities(summary.top) >= CERTAIN))
        if certain == summary.count:
            return certain, 0.0
        hardness = summary.top[certain:].sum() + summary.rest
        mass = self.scale * (
            self.alpha * hardness + self.beta * (summary.count - certain)
        )
        return certain, max(float(mass), 0.0)


def plan_second_step(summaries, n_rows, n_second, uniform_share):
    """The :class:`SecondStep` that draws ``n_second`` rows outside the pilot
    of ``n_rows`` rows, and the blocks whose summaries were too short to be
    sure of it (rows they did not list could be certain): ask those again
    with more values."""
    if not 0.0 <= uniform_share <= 1.0:
        raise ValueError(f"uniform_share must be in [0, 1]; got {uniform_share}.")
    total = sum(s.total for s in summaries)
    if total > 0:
        alpha, beta = (1.0 - uniform_share) / total, uniform_share / n_rows
    else:
        alpha, beta = 0.0, 1.0 / n_rows
    n_rest = sum(s.count for s in summaries)
    if n_second <= 0:
        return SecondStep(alpha, beta, 0.0), []
    if n_second >= n_rest:
        return SecondStep(alpha, beta, np.inf), []
    n_positive = sum(s.positive for s in summaries)
    if beta == 0 and n_positive <= n_second:
        fill = (n_second - n_positive) / max(n_rest - n_positive, 1)
        return SecondStep(alpha, beta, np.inf, fill=min(fill, 1.0)), []
    top = np.concatenate([s.top for s in summaries])
    outside = alpha * sum(s.rest for s in summaries) + beta * (n_rest - len(top))
    ranked = np.sort(alpha * top + beta)[::-1]
    step = SecondStep(alpha, beta, scale_from_ranked(ranked, outside, n_second))
    short = [
        b
        for b, s in enumerate(summaries)
        if not s.complete and step.probabilities(s.top[-1:])[0] >= CERTAIN
    ]
    return step, short


def intervals(masses, n_points):
    """Each block's interval ``[lo, hi)`` of the systematic sample's
    ``[0, n_points)``, in proportion to its mass (exact at the end)."""
    bounds = np.concatenate([[0.0], np.cumsum(masses)])
    if bounds[-1] > 0:
        bounds *= n_points / bounds[-1]
    bounds[-1] = n_points
    return bounds[:-1], bounds[1:]


def select_block(hardness, pilot, step, lo, hi, start, n_points):
    """The rows of a block the union design keeps (boolean) and every row's
    second-step probability: the pilot rows, the certain rows, and the rows
    whose intervals hold the systematic points ``start + j`` in ``[lo, hi)``
    (``j < n_points``)."""
    later = step.probabilities(hardness)
    certain = ~pilot & (later >= CERTAIN)
    kept = pilot | certain
    free = np.flatnonzero(~kept)
    first = max(int(np.ceil(lo - start)), 0)
    last = min(int(np.ceil(hi - start)), n_points)
    if last > first and len(free):
        picks = systematic_picks(later[free], lo, hi, start + np.arange(first, last))
        kept[free[picks]] = True
    return kept, later


def union_probabilities(later, pilot_share):
    """A kept row's probability of being in either draw: the pilot's
    ``a_i``, or the second step's ``pi'_i`` when not in the pilot."""
    return pilot_share + (1.0 - pilot_share) * later


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


def pilot_weighted_rows(hardness, n_keep, *, pilot, pilot_share, uniform_share, rng):
    """The union design on rows held in memory (one block): exactly
    ``n_keep`` rows, the ``pilot`` ones (boolean) and ``n_keep - r0`` more
    drawn by the second step, and ``1 / pi`` on the kept rows (``pi`` the
    union's probability, with ``pilot_share`` each row's ``a_i``), zero
    elsewhere. Draws one uniform from ``rng``."""
    hardness = np.asarray(hardness, dtype=np.float64)
    n_pilot = int(pilot.sum())
    check_count(n_keep, n_pilot)
    summary = summarize_block(hardness, pilot, len(hardness))
    step, _ = plan_second_step(
        [summary], len(hardness), n_keep - n_pilot, uniform_share
    )
    certain, _ = step.free_mass(summary)
    n_points = n_keep - n_pilot - certain
    start = rng.random_sample()
    kept, later = select_block(hardness, pilot, step, 0.0, n_points, start, n_points)
    check_kept(int(kept.sum()), n_keep)
    weights = np.zeros(len(hardness))
    weights[kept] = 1.0 / union_probabilities(later[kept], pilot_share[kept])
    return kept, weights


def class_shares(pilot_codes, sizes):
    """The stratified pilot's share of each class: its rows of the class
    (``pilot_codes``, their class codes) over the class's ``sizes``; a row's
    probability of being in the pilot is its class's share."""
    return np.bincount(pilot_codes, minlength=len(sizes)) / sizes


def pilot_share(y_codes, pilot):
    """Every row's probability of being in the pilot: its class's share
    (:func:`class_shares`), or the pilot's share of all rows (``y_codes``
    ``None``, a regression)."""
    if y_codes is None:
        return np.full(len(pilot), pilot.mean())
    return class_shares(y_codes[pilot], np.bincount(y_codes))[y_codes]


def weighted_union(hardness, n_keep, *, pilot, y_codes, uniform_share, rng):
    """OSMAC's union design on rows held in memory, the weights scaled to
    average one over the kept rows: :func:`pilot_weighted_rows` with each
    row's probability of being in the stratified pilot
    (:func:`pilot_share`). Returns ``(mask, weights)``, the weights zero off
    the kept rows."""
    mask, weights = pilot_weighted_rows(
        hardness,
        n_keep,
        pilot=pilot,
        pilot_share=pilot_share(y_codes, pilot),
        uniform_share=uniform_share,
        rng=rng,
    )
    # one constant, so that the weights average one over the kept rows in
    # expectation: a penalty then weighs as much as on n_keep unweighted rows
    # (the Horvitz-Thompson weights sum to the n rows drawn from)
    weights *= n_keep / len(hardness)
    return mask, weights


# weighted_union_of: the weight of the rows set aside in the objective the
# kept rows estimate (the uniform share's fifth)
SET_ASIDE_WEIGHT = WEIGHTED_UNIFORM_SHARE


def weighted_union_of(
    hardness,
    n_keep,
    *,
    pilot,
    y_codes,
    set_aside,
    rng,
    uniform_share=WEIGHTED_UNIFORM_SHARE,
):
    """The weighted rule's union design (:func:`weighted_union`, with
    ``uniform_share``), the rows ``set_aside`` (boolean, or ``None``)
    counted at ``SET_ASIDE_WEIGHT``.

    A row set aside costs nothing: only the uniform share of the inclusion
    probabilities draws it (a pilot row is kept as any pilot row), and its
    weight is scaled by ``SET_ASIDE_WEIGHT``. The kept rows then estimate,
    without bias, the objective in which the rows set aside count a fifth:
    the likely-wrong labels barely pull the model, and it still sees that
    rows like them exist, which keeps its probabilities from the
    overconfidence of a fit where they are gone (the test log-loss of a
    logistic regression fit without them was worse than uniform rows' on
    data whose labels are noisy by nature, a weak logistic signal,
    ``benchmarks/bench_rows_scale.py``).
    """
    if set_aside is not None:
        hardness = np.where(set_aside, 0.0, hardness)
    mask, weights = weighted_union(
        hardness,
        n_keep,
        pilot=pilot,
        y_codes=y_codes,
        uniform_share=uniform_share,
        rng=rng,
    )
    if set_aside is not None:
        weights = np.where(set_aside, SET_ASIDE_WEIGHT * weights, weights)
    return mask, weights
