"""The pruning path of a logistic regression: levels, schedule and engine.

``prune_logistic`` runs the pruning engine (:func:`skprune.coefficients._pruning.prune`)
with the exact logistic refit; :func:`logistic_pruning_path` and both
logistic estimators call it. The parameters they share are validated
(``PRUNING_PARAMETERS``) and documented (``PRUNING_PARAMETERS_DOC``, then
``RUN_PARAMETERS_DOC``) here, once.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_X_y

from ...coefficients._criteria import LOGISTIC_CRITERIA
from ...coefficients._masks import GRANULARITIES, count_prunable
from ...coefficients._pruning import prune
from ...utils._arrays import n_keep_from_ratio
from ...utils._constraints import N_ITER
from ...utils._docstrings import CRITERIA, substitute
from ...utils._threads import blas_threads
from ...utils._validation import fold_class_weight
from ._loss import n_coef_rows
from ._refit import LogisticRefit


def path_schedule(n_total, levels, n_iter):
    """Rounds of a path, largest first: every level, plus geometric rounds
    where two neighbouring levels (or the dense model and the first level)
    are further apart than the share one of ``n_iter`` geometric rounds from
    ``n_total`` to the smallest level removes. Levels finer than that cost
    no extra round.

    >>> path_schedule(100, [50, 40], 2)  # 100 -> 40 in 2 rounds removes 37 %
    [63, 50, 40]
    >>> path_schedule(100, [100, 10], 1)
    [100, 10]
    """
    ratio = (min(levels) / n_total) ** (1 / n_iter)
    rounds, previous = [], n_total
    for level in sorted(levels, reverse=True):
        while level < round(previous * ratio) < previous:
            previous = round(previous * ratio)
            rounds.append(previous)
        rounds.append(level)
        previous = level
    return rounds


def prune_logistic(
    X,
    y,
    y_codes,
    classes,
    *,
    schedule,
    record=(),
    criterion,
    granularity,
    refit,
    swap=False,
    C,
    fit_intercept,
    sample_weight,
    max_iter,
    tol,
    random_state,
    coef_init=None,
    intercept_init=None,
    verbose=0,
):
    """Fit densely, then run the pruning engine with the exact logistic refit.

    Pure function of its arrays (see :func:`skprune.coefficients._pruning.prune`).
    """
    if swap == "auto":
        swap = "auto" if refit else False
    elif swap and not refit:
        raise ValueError("swap=True exchanges items by refitting; it needs refit=True.")
    refitter = LogisticRefit(
        X,
        y_codes,
        classes,
        C=C,
        fit_intercept=fit_intercept,
        sample_weight=sample_weight,
        max_iter=max_iter,
        tol=tol,
    )
    with blas_threads(X, refitter.n_rows):
        return prune(
            refitter,
            refitter.dense(coef_init, intercept_init),
            X,
            y,
            schedule=schedule,
            record=record,
            criterion=criterion,
            granularity=granularity,
            refit=refit,
            swap=swap,
            random_state=random_state,
            verbose=verbose,
        )


def encode_target(y, sample_weight, class_weight, X):
    """Classes, class codes and sample weights with ``class_weight`` folded in."""
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    classes = encoder.classes_
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )
    # the smallest integer type holding them: a fit keeps one code per row
    y_codes = encoder.transform(y).astype(np.min_scalar_type(len(classes) - 1))
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    sample_weight = fold_class_weight(class_weight, classes, y, sample_weight)
    return classes, y_codes, sample_weight


def levels_from(n_keeps, prune_ratios, n_total, item_name):
    """Distinct kept counts, largest first, from ``n_keeps`` or ``prune_ratios``.

    Raises a ``ValueError`` naming the problem for empty, unsorted or too
    large levels.
    """
    if n_keeps is not None and prune_ratios is not None:
        raise ValueError("Give n_keeps or prune_ratios, not both.")
    if n_keeps is None and prune_ratios is None:
        grid = np.geomspace(n_total, 1, num=min(n_total, 20))
        return sorted({max(1, round(k)) for k in grid}, reverse=True)
    name = "n_keeps" if n_keeps is not None else "prune_ratios"
    values = np.asarray(list(n_keeps if n_keeps is not None else prune_ratios))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got {values!r}.")
    steps = np.diff(values)
    if not (np.all(steps > 0) or np.all(steps < 0)):
        raise ValueError(
            f"{name} must be sorted (strictly increasing or strictly decreasing) "
            "without repeats."
        )
    if n_keeps is not None:
        if not np.issubdtype(values.dtype, np.integer) or values.min() < 1:
            raise ValueError(f"n_keeps must be integers >= 1, got {values.tolist()}.")
        if values.max() > n_total:
            raise ValueError(
                f"n_keeps has {values.max()}, more than the number of {item_name} "
                f"({n_total})."
            )
        counts = values.tolist()
    else:
        if values.min() < 0 or values.max() >= 1:
            raise ValueError(f"prune_ratios must lie in [0, 1), got {values.tolist()}.")
        counts = [n_keep_from_ratio(n_total, r) for r in values]
    return sorted({int(k) for k in counts}, reverse=True)


PRUNING_PARAMETERS = {
    "criterion": [StrOptions(set(LOGISTIC_CRITERIA)), callable],
    "granularity": [StrOptions(set(GRANULARITIES))],
    "n_iter": N_ITER,
    "refit": ["boolean"],
    "swap": ["boolean", StrOptions({"auto"})],
    "C": [Interval(Real, 0, None, closed="neither")],
    "fit_intercept": ["boolean"],
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def logistic_pruning_path(
    X,
    y,
    *,
    n_keeps=None,
    prune_ratios=None,
    criterion="magnitude",
    granularity="weight",
    n_iter=10,
    refit=True,
    swap=False,
    C=1.0,
    fit_intercept=True,
    class_weight=None,
    sample_weight=None,
    max_iter=100,
    tol=1e-4,
    random_state=None,
    verbose=0,
):
    """Prune a logistic regression through many sizes in one warm-started pass.

    Fits densely, then prunes level by level (largest kept count first); every
    level is refit on its support, warm-started from the level before, and its
    support lies inside the previous level's. ``n_iter`` geometric rounds from
    the dense model down to the smallest level are merged with the levels, so
    that no single round removes too much at once.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data (float64 or float32; sparse is converted to CSR, never
        densified).
    y : array-like of shape (n_samples,)
        Class labels, at least two classes.
    n_keeps : sequence of int, default=None
        Kept counts (coefficients or features, per ``granularity``), sorted
        either way, each in ``[1, n_total]``.
    prune_ratios : sequence of float in [0, 1), default=None
        Levels as fractions removed instead of counts. With neither given,
        20 geometrically spaced counts from ``n_total`` down to 1.
    criterion : {"magnitude", "scaled_magnitude", "gradient", \
"gradient_misclassified", "obd", "obs", "random"} or callable, \
default="magnitude"
        How coefficients are scored, as in :class:`PrunedLogisticRegression`.
    granularity : {"weight", "feature"}, default="weight"
        Prune single coefficients or whole features, as in
        :class:`PrunedLogisticRegression`.
    n_iter : int >= 1, default=10
        Geometric rounds from the dense model down to the smallest level,
        merged with the levels.
    refit : bool, default=True
        Refit the kept coefficients after every round, as in
        :class:`PrunedLogisticRegression`.
    swap : bool or "auto", default=False
        As in :class:`PrunedLogisticRegression`, except that it defaults to
        False here: swapping every level of a long path multiplies its cost,
        and the path is the fast way to a whole curve. Pass ``swap=True`` (or
        ``"auto"``) for refined levels.
    C : float, default=1.0
        Inverse of L2 regularisation strength, as in
        :class:`PrunedLogisticRegression`.
    fit_intercept : bool, default=True
        Whether to fit an intercept (never pruned, never penalised).
    class_weight : dict or "balanced", default=None
        Weights per class, as in ``LogisticRegression``.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights per sample (multiplied by ``class_weight``'s); None weighs
        every sample 1.
    max_iter : int, default=100
        Maximum L-BFGS iterations per fit (the dense fit and each refit).
    tol : float, default=1e-4
        Stop a fit when the largest gradient entry is below ``tol``.
    random_state : int, RandomState instance or None, default=None
        Seeds ``criterion="random"``.
    verbose : int, default=0
        Print one line per pruning round when positive.

    Returns
    -------
    n_keeps : ndarray of int of shape (n_levels,)
        The levels, largest first (the path's order).
    coefs : ndarray of shape (n_levels, n_rows, n_features)
        Coefficients at each level (``n_rows`` is 1 for two classes, else the
        number of classes); exact zeros off the support.
    intercepts : ndarray of shape (n_levels, n_rows)
        Intercepts at each level (zeros when ``fit_intercept=False``).
    n_iters : ndarray of int of shape (n_levels,)
        Solver iterations spent reaching each level from the one before (the
        first level includes the dense fit).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from skprune import logistic_pruning_path
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> n_keeps, coefs, intercepts, n_iters = logistic_pruning_path(
    ...     scale(X), y, n_keeps=[20, 10, 5, 2])
    >>> n_keeps.tolist(), coefs.shape
    ([20, 10, 5, 2], (4, 1, 30))
    >>> [int((c != 0).sum()) for c in coefs]
    [20, 10, 5, 2]
    """
    X, y = check_X_y(X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
    classes, y_codes, sample_weight = encode_target(y, sample_weight, class_weight, X)
    n_total, item_name = count_prunable(
        (n_coef_rows(len(classes)), X.shape[1]), granularity
    )
    levels = levels_from(n_keeps, prune_ratios, n_total, item_name)
    result = prune_logistic(
        X,
        y,
        y_codes,
        classes,
        schedule=path_schedule(n_total, levels, n_iter),
        record=set(levels),
        criterion=criterion,
        granularity=granularity,
        refit=refit,
        swap=swap,
        C=C,
        fit_intercept=fit_intercept,
        sample_weight=sample_weight,
        max_iter=max_iter,
        tol=tol,
        random_state=random_state,
        verbose=verbose,
    )
    n_kept, fits, n_iters = zip(*result.levels, strict=True)
    n_iters = np.asarray(n_iters)
    n_iters[0] += result.dense.n_iter
    return (
        np.asarray(n_kept),
        np.stack([fit.coef for fit in fits]),
        np.stack([fit.intercept for fit in fits]),
        n_iters,
    )


PRUNING_PARAMETERS_DOC = substitute(
    """\
criterion : {"magnitude", "scaled_magnitude", "gradient", \
"gradient_misclassified", "obd", "obs", "random"} or callable, \
default="magnitude"
        How coefficients are scored (higher is kept):

        %(criteria)s
        - a callable ``criterion(model, X, y)`` returning scores of the shape
          of ``coef_``; ``model`` has ``coef_``, ``intercept_`` and
          ``classes_`` of the current round.

        Magnitude is the default because, with refits between rounds, the
        second-order criteria's edge in a single round does not survive the
        schedule, and it costs nothing beyond the fit (measured at equal size
        in :doc:`/benchmarks`).

    granularity : {"weight", "feature"}, default="weight"
        ``"weight"`` ranks single coefficients across classes, ``"feature"``
        ranks a feature's whole column by the norm of its scores.

    n_iter : int >= 1, default=10
        Prune -> refit rounds on a geometric schedule; each round removes the
        same share of what is still alive and masks nest; each round is a
        warm-started refit on a shrinking problem. For a path, these rounds
        run from the dense model down to the smallest level, merged with the
        levels themselves. Accuracy at equal size for 1, 5 and 10 rounds is
        measured in :doc:`/benchmarks`. Pruning sparse ``X`` to one size
        below 5 % of its items, where a round above that share would pass
        over every stored value, the first round prunes straight to 5 % and
        the other ``n_iter - 1`` go geometrically from there, on a copy of
        the live columns: the rounds cost about one refit on the survivors.

    refit : bool, default=True
        Refit the kept coefficients after every round, warm-started, to the
        masked optimum. ``False`` only zeroes the pruned ones.

    swap : bool or "auto", default="auto"
        Refine the final support (and, for a path, every level's) by exchanges
        at a fixed size: the least useful live items (exact OBS saliency) are
        swapped for the most promising pruned ones (exact score test), and an
        exchange is kept only when the exact refit lowers the training
        objective, until none does. Brings back items nested pruning dropped
        (abess's splicing with exact scores). ``"auto"`` swaps when
        ``refit=True`` and the kept model has at most 100 parameters (where
        refits are Newton steps and a swap round costs little; on a large
        problem pruned to hundreds of features swaps multiply the fit time);
        ``True`` swaps up to 1000 parameters and needs ``refit=True``. With
        swaps, a path's supports need not nest. In
        :class:`PrunedLogisticRegressionCV`, ``"auto"`` swaps every level of
        every fold's path for a binary model (so that the folds score the
        refined supports) and only the final model for a multinomial one
        (swapping every level of every fold multiplies the time with the
        classes); ``True`` swaps every level.

        On by default because it paid where it was measured, in accuracy and
        log-loss at equal size for a moderate rise in fit time and in the
        support recovered on abess's simulation (measured in
        :doc:`/benchmarks`).

    C : float, default=1.0
        Inverse of L2 regularisation strength, as in ``LogisticRegression``
        (the objective is scikit-learn's: ``C * sum of losses + ||w||^2 / 2``,
        intercept not penalised).

    fit_intercept : bool, default=True
        Whether to fit an intercept (never pruned, never penalised).

    class_weight : dict or "balanced", default=None
        Weights per class, as in ``LogisticRegression``.

    max_iter : int, default=100
        Maximum L-BFGS iterations per fit (the dense fit and each refit).

    tol : float, default=1e-4
        Stop a fit when the largest gradient entry is below ``tol``.""",
    criteria=CRITERIA,
)

# The parameters that follow the shared ones (after ``warm_start`` in
# PrunedLogisticRegression's signature).
RUN_PARAMETERS_DOC = """\
random_state : int, RandomState instance or None, default=None
        Seeds ``criterion="random"``.

    verbose : int, default=0
        Print one line per pruning round when positive (for the CV estimator:
        the plan, each finished fold, the choice, then the final rounds)."""
