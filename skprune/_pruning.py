"""The pruning engine: score -> exact mask -> refit, once per round.

There is one loop, :func:`prune`. What differs between model families lives in
a *refit object*, which knows how to fit the model under a mask and what a
criterion sees of it:

- :class:`LogisticRefit`: the exact masked refit of the L2 logistic objective
  (``PrunedLogisticRegression``, its path and CV estimator, and
  ``CoefficientPruner`` around a ``LogisticRegression`` whose objective it
  reproduces); second-order criteria and swaps are available;
- :class:`ColumnRefit`: a clone of any linear model fit on the kept columns;
- :class:`skprune._mlp.MLPRefit`: a masked fine-tune of an ``MLPClassifier``
  or ``MLPRegressor``, whose weights and masks are lists, one per layer.

A refit object also owns the *layout* of what is pruned: the full mask, how
many items are alive at a granularity, and how scores become an exact mask.
The linear refit objects share :class:`MatrixRefit`'s (one 2-D ``coef``).

A refit object returns :class:`Fit` values. The loop never touches an
estimator; the estimator classes validate, pick a refit object, call
:func:`prune` and store what it returns.
"""

import warnings
from copy import deepcopy
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._criteria import (
    CRITERIA,
    LOGISTIC_CRITERIA,
    _LogisticStateLike,
    score_coefficients,
)
from ._logistic_loss import logistic_problem, minimize_logistic, n_coef_rows
from ._selection import count_alive, count_prunable, select_mask
from ._swaps import (
    AUTO_SWAP_MAX_PARAMS,
    SWAP_MAX,
    SWAP_MAX_PARAMS,
    SWAP_MIN_GAIN,
    SWAP_ROUNDS,
    exchange,
    exchange_orders,
    exchange_scores,
)
from .utils._arrays import stored_values
from .utils._validation import coef_as_2d

# Swap rounds keep a squared copy of X up to this many stored values (128 MB).
KEEP_SQUARED_BELOW = 2**24


@dataclass
class Fit:
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

    final: Fit
    mask: np.ndarray
    dense: Fit
    history: list
    levels: list  # (n_kept, Fit, solver iterations since the previous level)
    n_iter: int

    @property
    def coef(self):
        return self.final.coef

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
    round_ = 0
    for n_keep in schedule:
        if n_keep == refitter.count_alive(mask, granularity):
            # nothing to remove: no round, the model stands as it is
            if n_keep in record:
                levels.append((n_keep, current, since_level))
                since_level = 0
            continue
        round_ += 1
        scores = refitter.scores(criterion, current, n_keep, granularity, X, y, rng)
        mask = refitter.select(scores, n_keep, granularity, alive=mask)
        current = (
            refitter.refit(current, mask) if refit else refitter.zero(current, mask)
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
            since_level = 0
    return PruneResult(current, mask, dense, history, levels, total_iter)


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


class MatrixRefit:
    """The layout shared by the linear refit objects: one 2-D ``coef`` of
    shape ``(n_rows, n_features)``, a mask of that shape, single weights or
    whole columns (``_selection``)."""

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


# -- the exact masked logistic refit ------------------------------------------


@dataclass
class LogisticState(_LogisticStateLike):
    """What a criterion sees of the logistic model being pruned.

    It duck-types a fitted ``LogisticRegression`` (``coef_``, ``intercept_``,
    ``classes_``) for callables, and carries the objective on the current
    support (``loss``, ``theta``) for the second-order criteria, plus the
    round's target count ``n_keep`` and ``granularity`` for OBS.
    """

    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray
    n_keep: int
    granularity: str
    loss: object = field(repr=False)

    @cached_property
    def theta(self):
        return self.loss.pack(self.coef_, self.intercept_)


class LogisticRefit(MatrixRefit):
    """Exact refits of the L2 logistic objective under a mask.

    Each refit minimises scikit-learn's objective (same ``C``, sample and
    class weights, intercept unpenalised) over the kept coefficients only,
    warm-started, with the products restricted to the live columns. A solve
    that misses ``tol`` warns with a ``ConvergenceWarning``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y_codes : ndarray of int of shape (n_samples,)
        Class codes in ``range(len(classes))``.
    classes : ndarray
    C, fit_intercept, sample_weight, max_iter, tol
        As in ``LogisticRegression`` (``C=np.inf`` for no penalty).
    """

    criteria = LOGISTIC_CRITERIA

    def __init__(
        self, X, y_codes, classes, *, C, fit_intercept, sample_weight, max_iter, tol
    ):
        self.X = X
        self.y_codes = y_codes
        self.classes = classes
        self.max_iter = max_iter
        self.tol = tol
        self.full_problem = logistic_problem(
            X, y_codes, len(classes), None, C, sample_weight, fit_intercept
        )
        self._problem = self.full_problem

    @property
    def n_rows(self):
        return n_coef_rows(len(self.classes))

    def dense(self, coef=None, intercept=None, *, solve=True):
        """The unpruned model: solved from ``coef``/``intercept`` (zeros when
        None), or taken as it is with ``solve=False``."""
        n_rows, n_features = self.n_rows, self.X.shape[1]
        coef = np.zeros((n_rows, n_features)) if coef is None else coef
        intercept = np.zeros(n_rows) if intercept is None else intercept
        self._problem = self.full_problem
        if solve:
            return self._solve(self.full_problem, coef, intercept)
        return self._evaluate(self.full_problem, coef, intercept)

    def refit(self, previous, mask):
        """The masked optimum, warm-started from ``previous``."""
        # nested masks cut their columns from the previous problem's copy
        self._problem = self._problem.restrict(mask)
        return self._solve(self._problem, previous.coef, previous.intercept)

    def zero(self, previous, mask):
        """``previous`` with the pruned coefficients set to zero, not refit."""
        self._problem = self._problem.restrict(mask)
        coef = np.where(mask, previous.coef, 0.0)
        return self._evaluate(self._problem, coef, previous.intercept)

    def swap(self, fit, mask, granularity, auto=False):
        """Swap refinement at the size of ``mask`` (see ``_swaps``): returns
        the refined fit and mask. Every kept exchange lowered the exactly
        refit objective; the returned fit's ``n_iter`` counts every refit
        tried, kept or not."""
        n_alive = count_alive(mask, granularity)
        n_dead = count_prunable(mask.shape, granularity)[0] - n_alive
        problem, spent = self._problem, 0
        # exchanges keep the size, so the parameter count is checked once
        limit = AUTO_SWAP_MAX_PARAMS if auto else SWAP_MAX_PARAMS
        if problem.n_free + problem.n_rows > limit or n_dead == 0:
            return fit, mask
        for _ in range(SWAP_ROUNDS):
            theta = problem.pack(fit.coef, fit.intercept)
            backward, forward = exchange_scores(
                problem, theta, self.X, granularity, self._squared_X()
            )
            orders = exchange_orders(mask, backward, forward, granularity)
            for n_swap in range(min(SWAP_MAX, n_alive, n_dead), 0, -1):
                new_mask = exchange(mask, orders, n_swap, granularity)
                new_problem = self.full_problem.restrict(new_mask)
                coef = np.where(new_mask, fit.coef, 0.0)
                new_fit = self._solve(new_problem, coef, fit.intercept)
                spent += new_fit.n_iter
                if new_fit.loss < fit.loss - SWAP_MIN_GAIN * abs(fit.loss):
                    fit, mask, problem = new_fit, new_mask, new_problem
                    break
            else:
                break
        self._problem = problem
        fit.n_iter = spent
        return fit, mask

    def _squared_X(self):
        """``X`` squared elementwise, kept for the swap rounds while it is
        small (``KEEP_SQUARED_BELOW`` stored values); None above."""
        if not hasattr(self, "_squared"):
            X = self.X
            self._squared = None
            if stored_values(X) <= KEEP_SQUARED_BELOW:
                self._squared = X.multiply(X).tocsr() if sparse.issparse(X) else X * X
        return self._squared

    def criterion_model(self, fit, n_keep, granularity):
        return LogisticState(
            fit.coef, fit.intercept, self.classes, n_keep, granularity, self._problem
        )

    def train_score(self, fit):
        """Training accuracy (unweighted, as ``LogisticRegression.score``)."""
        # the probabilities of the solver's last evaluation, which is
        # almost always at the fit: no product with X
        problem = self._problem
        proba = problem._proba(problem.pack(fit.coef, fit.intercept))
        if proba.ndim == 1:
            predicted = (proba > 0.5).astype(int)
        else:
            predicted = proba.argmax(axis=1)
        return float(np.mean(predicted == self.y_codes))

    def _solve(self, problem, coef, intercept):
        theta, value, n_iter, converged = minimize_logistic(
            problem, problem.pack(coef, intercept), self.max_iter, self.tol
        )
        if not converged:
            warnings.warn(
                f"The logistic solver did not converge in max_iter={self.max_iter} "
                "iterations; increase max_iter or scale the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        coef, intercept = problem.unpack(theta)
        return Fit(coef, intercept, n_iter, value, None)

    @staticmethod
    def _evaluate(problem, coef, intercept):
        value = problem.loss_gradient(problem.pack(coef, intercept))[0]
        return Fit(
            np.array(coef, dtype=np.float64), np.array(intercept), 0, value, None
        )


# -- any other linear model: refit a clone on the kept columns -----------------


class ColumnRefit(MatrixRefit):
    """Refits of any linear model: a clone of ``estimator`` fit on the kept
    columns, its coefficients scattered back to full width.

    Exact when ``coef_`` has one row or whole features are pruned. With
    several rows and single weights, a feature kept in some rows is present
    in every row of the refit and its pruned weights are zeroed afterwards.
    ``Fit.model`` is the fitted estimator, with full-width ``coef_``.
    """

    def __init__(self, estimator, X, y, fit_params):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.fit_params = fit_params

    def dense(self, fitted):
        """The unpruned model from an already fitted estimator."""
        return self._fit_of(fitted)

    def refit(self, previous, mask):
        columns = np.flatnonzero(mask.any(axis=0))
        estimator = clone(self.estimator).fit(
            self.X[:, columns], self.y, **self.fit_params
        )
        coef = np.zeros(mask.shape)
        coef[:, columns] = coef_as_2d(estimator)
        _set_coef(estimator, np.where(mask, coef, 0.0), previous.model.coef_)
        # The clone saw only the kept columns; it predicts on full-width X.
        estimator.n_features_in_ = self.X.shape[1]
        return self._fit_of(estimator)

    def zero(self, previous, mask):
        estimator = deepcopy(previous.model)
        _set_coef(estimator, np.where(mask, previous.coef, 0.0), estimator.coef_)
        fit = self._fit_of(estimator)
        fit.n_iter = 0
        return fit

    def criterion_model(self, fit, n_keep, granularity):
        return fit.model

    def train_score(self, fit):
        if not hasattr(fit.model, "score"):
            return None
        return float(fit.model.score(self.X, self.y))

    @staticmethod
    def _fit_of(estimator):
        # n_iter_ may be missing, None (Ridge's direct solvers) or per target
        n_iter = getattr(estimator, "n_iter_", None)
        n_iter = 0 if n_iter is None or np.size(n_iter) == 0 else int(np.max(n_iter))
        intercept = np.atleast_1d(getattr(estimator, "intercept_", 0.0))
        return Fit(coef_as_2d(estimator), intercept, n_iter, None, estimator)


def _set_coef(estimator, coef_2d, like):
    """Store a 2-D ``coef_`` on ``estimator`` in the shape of ``like``."""
    estimator.coef_ = coef_2d.reshape(np.shape(like))
