"""OSMAC's second step over row blocks: exact-size importance sampling that
never needs every row's score at once.

The pilot model scores every row; the second step draws ``n_keep - r0`` more
rows, row ``i`` with probability ``pi'_i = min(1, c * (alpha h_i + beta))``
(its hardness ``h_i`` mixed with uniform, ``c`` fixed by the count), and
the kept rows carry the probability of the union of the two draws. Everything
the draw needs from a block of rows is small:

- to find ``c``: the block's summed hardness and its largest hardness values
  (only rows among the ``n_keep`` largest can be certain; a block hands on as
  many as its share of the count, and a block whose list turns out too short
  is asked again);
- to draw: the block's share of the systematic sample's interval, from the
  same summary.

So the draw is one scoring pass that returns summaries and one selection pass
that returns the kept rows, whatever holds the blocks (one array, a memmap's
row blocks, a dask array's chunks on a cluster), and it keeps the same rows
for the same seed however the rows are blocked. The selection is randomized
systematic sampling (Madow 1949) in row order: exact inclusion
probabilities and an exact count, like the in-memory rule of
:func:`~skprune._row_selection.systematic_sample`.
"""

from dataclasses import dataclass

import numpy as np

from ._row_selection import CERTAIN, largest, scale_from_ranked, systematic_picks

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
    (``fill``), as :func:`~skprune._row_selection.inclusion_probabilities`
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
