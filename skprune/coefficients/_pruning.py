"""The pruning engine: score -> exact mask -> refit, once per round.

There is one loop, :func:`prune`. What differs between model families lives in
a *refit object*, which knows how to fit the model under a mask and what a
criterion sees of it:

- ``families.logistic._refit.LogisticRefit``: the exact masked refit of the L2
  logistic objective (``PrunedLogisticRegression``, its path and CV
  estimator, and ``CoefficientPruner`` around a ``LogisticRegression`` whose
  objective it reproduces); second-order criteria and swaps are available;
- ``families._linear.ColumnRefit``: a clone of any linear model fit on the kept
  columns;
- ``families.network._family.MLPRefit``: a masked fine-tune of an ``MLPClassifier`` or
  ``MLPRegressor``, whose weights and masks are lists, one per layer.

A refit object also owns the *layout* of what is pruned: the full mask, how
many items are alive at a granularity, and how scores become an exact mask.
The linear refit objects share :class:`MatrixRefit`'s (one 2-D ``coef``).

A refit object returns :class:`MaskedFit` values. The loop never touches an
estimator. Each model family builds its refit object from the user's
estimator, with the validation and the errors
(``families._linear.LinearFamily``,
``families.network._family.NetworkFamily``); the estimator classes call
:func:`prune` and store what the refit object makes of its result.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from ..utils._threads import blas_threads
from ..utils._validation import coef_as_2d
from ._criteria import CRITERIA, score_coefficients
from ._masks import count_alive, count_prunable, geometric_schedule, select_mask


@dataclass
class MaskedFit:
    """A model at one mask: full-width ``coef`` (2-D for a linear model, a
    list of weight matrices for a network), ``intercept``, the solver
    iterations spent reaching it, the training objective (None when the
    refit object has none) and whatever criteria receive as the model."""

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    loss: object
    model: object = field(repr=False)


@dataclass
class PruneResult:
    """Outcome of one pruning run (see :func:`prune`)."""

    final: MaskedFit
    mask: np.ndarray
    dense: MaskedFit
    history: list
    levels: list  # (n_kept, MaskedFit, solver iterations since the previous level)
    n_iter: int
    # each recorded level's mask, rounds run and iterations spent up to it
    stops: dict = field(default_factory=dict, repr=False)

    @property
    def coef(self):
        return self.final.coef

    def at(self, n_keep):
        """The run as it stood at the recorded level ``n_keep``: what a run
        whose schedule and records stop there returns (rounds go largest
        first, so nothing after that level changes anything before it)."""
        mask, n_rounds, n_iter = self.stops[n_keep]
        levels = [level for level in self.levels if level[0] >= n_keep]
        return PruneResult(
            levels[-1][1],
            mask,
            self.dense,
            self.history[: n_rounds + 1],
            levels,
            n_iter,
            {k: stop for k, stop in self.stops.items() if k >= n_keep},
        )

    @property
    def intercept(self):
        return self.final.intercept


def prune(
    refitter,
    dense,
    X,
    y,
    *,
    schedule,
    criterion,
    granularity,
    refit=True,
    record=(),
    swap=False,
    random_state=None,
    verbose=0,
):
    """Score -> mask -> refit once per count in ``schedule``, from ``dense``.

    Pure function of its arrays and the refit object. Masks nest round to
    round; every refit is warm-started from the previous round's model
    (unless the refit object rewinds, as ``MLPRefit`` can). The
    models after the rounds whose count is in ``record`` are kept in
    ``levels``. A count that removes nothing costs no round (and no refit).
    With ``swap``, each recorded level and the final one are refined by
    exchanges (``refitter.swap``), and masks nest only between swaps.
    ``history`` has one entry per round, round 0 being ``dense``,
    with the same keys for every refit object: ``round``, ``n_nonzero``,
    ``n_features``, ``n_iter``, ``train_loss`` (None without an objective)
    and ``train_score`` (the model's training score, None without one).
    """
    rng = check_random_state(random_state)
    current = dense
    mask = refitter.full_mask(dense)
    history = [_history_entry(0, mask, current, refitter, verbose)]
    levels, total_iter, since_level = [], dense.n_iter, 0
    stops = {}
    round_ = 0
    for n_keep in schedule:
        if n_keep == refitter.count_alive(mask, granularity):
            # nothing to remove: no round, the model stands as it is
            if n_keep in record:
                levels.append((n_keep, current, since_level))
                stops[n_keep] = (mask, round_, total_iter)
                since_level = 0
            continue
        round_ += 1
        scores = refitter.scores(criterion, current, n_keep, granularity, X, y, rng)
        mask = refitter.select(scores, n_keep, granularity, alive=mask)
        current = (
            refitter.refit(current, mask)
            if refit
            else refitter.zero_pruned(current, mask)
        )
        if swap and (n_keep in record or n_keep == schedule[-1]):
            n_iter = current.n_iter
            current, mask = refitter.swap(
                current, mask, granularity, auto=swap == "auto"
            )
            current.n_iter += n_iter
        total_iter += current.n_iter
        since_level += current.n_iter
        history.append(_history_entry(round_, mask, current, refitter, verbose))
        if n_keep in record:
            levels.append((n_keep, current, since_level))
            stops[n_keep] = (mask, round_, total_iter)
            since_level = 0
    return PruneResult(current, mask, dense, history, levels, total_iter, stops)


def _history_entry(round_, mask, fit, refitter, verbose):
    entry = {
        "round": round_,
        "n_nonzero": refitter.n_nonzero(mask),
        "n_features": refitter.n_features(mask),
        "n_iter": int(fit.n_iter),
        "train_loss": None if fit.loss is None else float(fit.loss),
        "train_score": refitter.train_score(fit),
    }
    if verbose:
        loss = "" if fit.loss is None else f", loss {fit.loss:.6g}"
        print(
            f"[skprune] round {round_}: {entry['n_nonzero']} coefficients on "
            f"{entry['n_features']} features{loss}, {fit.n_iter} iterations",
            flush=True,
        )
    return entry


class GeometricRounds:
    """The kept count of each round, for a refit object whose rounds cost
    alike whatever is alive: geometric (``LogisticRefit`` overrides it)."""

    @staticmethod
    def schedule(n_total, n_final, n_iter):
        """The kept count of each round (``geometric_schedule``)."""
        return geometric_schedule(n_total, n_final, n_iter)


class MatrixRefit(GeometricRounds):
    """The layout shared by the linear refit objects: one 2-D ``coef`` of
    shape ``(n_rows, n_features)``, a mask of that shape, single weights or
    whole columns (``_masks``)."""

    criteria = CRITERIA

    def full_mask(self, fit):
        return np.ones(fit.coef.shape, dtype=bool)

    @staticmethod
    def count_alive(mask, granularity):
        return count_alive(mask, granularity)

    @staticmethod
    def select(scores, n_keep, granularity, alive):
        return select_mask(scores, n_keep, granularity, alive=alive)

    @staticmethod
    def n_nonzero(mask):
        return int(np.count_nonzero(mask))

    @staticmethod
    def n_features(mask):
        return int(np.count_nonzero(np.asarray(mask).any(axis=0)))

    def scores(self, criterion, fit, n_keep, granularity, X, y, rng):
        """Scores of the shape of ``fit.coef`` (higher is kept)."""
        model = self.criterion_model(fit, n_keep, granularity)
        return score_coefficients(
            criterion, fit.coef, X, y, model, rng, criteria=self.criteria
        )

    # what CoefficientPruner asks (``fitted``, ``prefit``, ``X`` set by
    # ``families._linear.LinearFamily``) ---------------------------------------

    def count_prunable(self, granularity):
        """``(n_items, item_name)`` of the dense model at ``granularity``."""
        return count_prunable(coef_as_2d(self.fitted).shape, granularity)

    def check_n_keep(self, n_keep, pruner):
        """Any count ``resolve_n_keep`` accepts suits a linear model."""

    def threads(self):
        """One BLAS thread for a small problem (``blas_threads``)."""
        return blas_threads(self.X, coef_as_2d(self.fitted).shape[0])

    def fitted_attributes(self, result):
        """The pruner's fitted attributes from the engine's ``result``:
        masks and dense coefficients in the shape of the estimator's
        ``coef_``."""
        coef_shape = np.shape(self.fitted.coef_)
        return {
            "estimator_": self.pruned_estimator(result),
            "dense_coef_": self.dense_coef.reshape(coef_shape),
            "coef_mask_": result.mask.reshape(coef_shape),
            "support_": result.mask.any(axis=0),
            "n_nonzero_": int(np.count_nonzero(result.mask)),
        }
