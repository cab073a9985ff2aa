"""The weighted rule scored by a pilot, in one read of ``X``: OSMAC's two
steps (Wang, Zhu & Ma 2018) drawn from a first phase that needs no model.

1. **The first phase** (:func:`first_phase_in_memory` here, one pass over
   the chunks in ``rows._dask``): every row ``i`` has a uniform ``u_i``, a
   function of the seed and its index alone
   (:func:`~skprune.rows.selection._weighted.row_uniforms`); the rows with
   ``u_i < q`` are gathered, about ``FIRST_PHASE_FACTOR`` times the rows kept
   (Poisson sampling: each row with probability ``q``, whatever the order of
   the rows), with every class's count and, for a class with no row there,
   its row of smallest ``u``. This is the only read of ``X``.
2. **The pilot** (OSMAC's first step): each class's smallest-``u`` rows of
   the first phase, in proportion to the classes (at least one each): a
   uniform stratified sample of the rows, sorted or not. The scorer is fit on
   them and scores the other first-phase rows, in memory.
3. **The second step**: the rest of the count is drawn from the other
   first-phase rows, in memory, with OSMAC's importance ``(1 - s) h_i /
   mean(h) + s`` (the mean, the normaliser, over those rows): inclusion
   probabilities ``pi_i`` proportional to it, capped at one, summing to the
   count, and randomized systematic sampling in row order
   (:func:`~skprune.rows.selection._weighted.systematic_sample`): exactly the
   count kept, each row with probability exactly ``pi_i``.

The kept rows' weights make two estimates of the objective over every row,
each without bias, and mix them (``lam`` and ``1 - lam``, by their precision
as uniform samples of their sizes would have it; about the pilot's share of
the kept rows):

- the pilot alone, a uniform sample of each class: ``n_k / r_k`` on its rows
  (``r_k`` of the class's ``n_k``);
- the two phases: the first phase's rows over ``q`` estimate the sum over
  every row (Poisson sampling), and given the first phase, the second step's
  rows over ``pi_i`` estimate the sum over its rows outside the pilot
  (Horvitz-Thompson); so ``1 / q`` on a pilot row of the first phase and
  ``1 / (q pi_i)`` on a row of the second step.

``tests/rows/test_one_read.py`` checks the mean of the estimate over draws.
The weights are then scaled by ``n_keep / n`` (they average about one over
the kept rows).

Everything after the first phase runs on the gathered rows in memory, in row
order, so an array, a memmap and a dask array over any chunking keep the
same rows and the same weights for a seed.
"""

from dataclasses import dataclass

import numpy as np

from ...utils._arrays import allocate, row_block_views
from ...utils._validation import take_rows
from ..scoring._scorers import PilotScorer
from ._weighted import (
    FIRST_PHASE_FACTOR,
    SET_ASIDE_WEIGHT,
    WEIGHTED_UNIFORM_SHARE,
    check_count,
    check_kept,
    first_phase_rate,
    inclusion_probabilities,
    pilot_positions,
    row_uniforms,
    second_step_importance,
    systematic_sample,
)

# rows whose uniforms are drawn at a time, in memory
BLOCK_ROWS = 1 << 20


@dataclass
class FirstPhase:
    """The rows gathered in one read: their indices in the whole array
    (``index``, sorted), ``X``, ``y`` and ``sample_weight`` (or ``None``) at
    those rows, their uniforms ``u`` and the ``rate`` ``q`` (``u < q``: in the
    first phase; the others are classes' rows from outside it); ``n_rows``,
    the sorted ``classes`` (``None`` for a regression) and ``counts``, every
    class's rows in the whole array (``[n_rows]`` for a regression)."""

    index: np.ndarray
    X: object
    y: np.ndarray
    sample_weight: object
    u: np.ndarray
    rate: float
    n_rows: int
    classes: object
    counts: np.ndarray

    @property
    def codes(self):
        if self.classes is None:
            return np.zeros(len(self.y), dtype=np.intp)
        return np.searchsorted(self.classes, self.y)


def gathered_at_rate(n_rows, n_keep, gather, count, factor=FIRST_PHASE_FACTOR):
    """``(q, gather(q))``: the first phase's rate, :func:`first_phase_rate`,
    doubled and the rows gathered again while fewer than ``n_keep`` fall
    below it (a probability under 1e-15); ``count`` reads how many did off
    what ``gather`` returned. The same rate for any holder of the rows."""
    rate = first_phase_rate(n_rows, n_keep, factor)
    while True:
        gathered = gather(rate)
        if rate >= 1.0 or count(gathered) >= n_keep:
            return rate, gathered
        rate = min(1.0, 2.0 * rate)


def first_phase_in_memory(
    X, y, y_codes, classes, sample_weight, n_keep, seed, factor=FIRST_PHASE_FACTOR
):
    """The :class:`FirstPhase` of rows held in memory (an array, a sparse
    matrix or a memmap, which gives only the rows gathered); ``factor``
    :func:`first_phase_rate`'s."""
    n = X.shape[0]

    def below(rate):
        """The rows whose uniform is below ``rate``, and their uniforms."""
        rows, uniforms = [np.empty(0, dtype=np.intp)], [np.empty(0)]
        for start in range(0, n, BLOCK_ROWS):
            block = np.arange(start, min(n, start + BLOCK_ROWS))
            u = row_uniforms(seed, block)
            rows.append(block[u < rate])
            uniforms.append(u[u < rate])
        return np.concatenate(rows), np.concatenate(uniforms)

    rate, (inside, u) = gathered_at_rate(
        n, n_keep, below, lambda got: len(got[0]), factor
    )
    if classes is None:
        counts = np.array([n])
    else:
        counts = np.bincount(y_codes, minlength=len(classes))
        missing = np.setdiff1d(np.flatnonzero(counts), y_codes[inside])
        extra = []
        for k in missing:  # a class without a first-phase row: its smallest u
            members = np.flatnonzero(y_codes == k)
            extra.append(members[np.argmin(row_uniforms(seed, members))])
        if extra:
            inside = np.union1d(inside, np.asarray(extra, dtype=inside.dtype))
            u = row_uniforms(seed, inside)
    return FirstPhase(
        index=inside,
        X=X[inside],
        y=y[inside],
        sample_weight=None if sample_weight is None else sample_weight[inside],
        u=u,
        rate=rate,
        n_rows=n,
        classes=classes,
        counts=counts,
    )


@dataclass
class Drawn:
    """What the two steps keep of a :class:`FirstPhase`: the kept rows
    (``kept``, positions among the gathered rows, sorted), their ``weights``
    (``(n_keep / n) / pi``), the ``pilot`` rows (positions) and every
    gathered row's cost (``hardness``)."""

    kept: np.ndarray
    weights: np.ndarray
    pilot: np.ndarray
    hardness: np.ndarray


def draw_by_pilot(
    phase,
    n_keep,
    plan,
    scorer_params,
    set_aside=None,
    uniform_share=WEIGHTED_UNIFORM_SHARE,
):
    """OSMAC's two steps on the gathered rows (see the module's docstring):
    ``plan`` a :class:`~skprune.rows.scoring._scorers.PilotPlan`;
    ``scorer_params`` the pilot model's fit parameters (row-aligned numpy
    ones over every row, taken at the pilot rows; ``sample_weight`` the
    gathered rows' own); ``set_aside`` (boolean over the gathered rows, or
    ``None``) the rows the label check flags: they cost nothing (only the
    uniform share draws them) and count at ``SET_ASIDE_WEIGHT``;
    ``uniform_share`` the importance's (``benchmarks/bench_data_efficiency.py
    --study`` tries others)."""
    codes = phase.codes
    in_phase = phase.u < phase.rate
    n_groups = len(phase.counts)
    quotas = allocate(phase.counts, min(plan.pilot_rows(n_groups), phase.n_rows))
    pilot = pilot_positions(phase.u, codes, in_phase, quotas)
    check_count(n_keep, len(pilot))
    params = {
        key: take_rows(value, phase.index[pilot], phase.n_rows)
        for key, value in scorer_params.items()
        if key != "sample_weight"
    }
    if "sample_weight" in scorer_params and phase.sample_weight is not None:
        params["sample_weight"] = phase.sample_weight[pilot]
    scorer = PilotScorer.fit(
        plan.strategy,
        plan.scorer,
        phase.X[pilot],
        phase.y[pilot],
        phase.classes,
        params,
    )
    hardness = np.concatenate(
        [
            scorer.hardness(block, phase.y[rows])
            for rows, block in row_block_views(phase.X, n_groups)
        ]
        or [np.empty(0)]
    )
    cost = hardness if set_aside is None else np.where(set_aside, 0.0, hardness)
    rest = np.setdiff1d(np.flatnonzero(in_phase), pilot)
    importance = second_step_importance(cost[rest], uniform_share)
    # the second step: systematic sampling in row order with probabilities
    # proportional to the importance, capped at one (exact, in memory)
    probabilities = inclusion_probabilities(importance, n_keep - len(pilot))
    drawn = systematic_sample(probabilities, n_keep - len(pilot), plan.rng())
    kept = np.union1d(pilot, rest[drawn])
    check_kept(len(kept), n_keep)
    weights = _weights(phase, codes, in_phase, pilot, rest[drawn], probabilities[drawn])
    weights = weights[kept] * (n_keep / phase.n_rows)
    if set_aside is not None:
        weights = np.where(set_aside[kept], SET_ASIDE_WEIGHT * weights, weights)
    return Drawn(kept=kept, weights=weights, pilot=pilot, hardness=hardness)


def _weights(phase, codes, in_phase, pilot, drawn, probabilities):
    """Every gathered row's weight (zero off the kept rows): ``lam`` times the
    pilot's alone (a uniform sample of each class: ``n_k / r_k``) plus ``1 -
    lam`` times the two phases' (a pilot row of the first phase ``1 / q``, a
    row of the second step ``1 / (q pi_i)``, a class's row from outside the
    first phase nothing), each an estimate of the sum over every row without
    bias. ``lam`` weighs them by their precision as
    uniform samples would have it: ``1 / r - 1 / n`` for the pilot's ``r``
    rows, ``1 / n_keep - 1 / n`` for the two phases' (nothing from the pilot
    alone when every row is kept)."""
    n_pilot, n = len(pilot), phase.n_rows
    alone, both = 1.0 / n_pilot - 1.0 / n, 1.0 / (n_pilot + len(drawn)) - 1.0 / n
    lam = both / (alone + both) if alone + both > 0 else 0.0
    weights = np.zeros(len(codes))
    in_pilot = np.bincount(codes[pilot], minlength=len(phase.counts))
    weights[pilot] = lam * phase.counts[codes[pilot]] / in_pilot[codes[pilot]]
    weights[pilot] += (1.0 - lam) * in_phase[pilot] / phase.rate
    weights[drawn] = (1.0 - lam) / (phase.rate * probabilities)
    return weights
