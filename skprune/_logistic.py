"""Logistic regression that prunes itself: estimator, path and CV."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit, gammaln, log_softmax, softmax
from sklearn.base import BaseEstimator, _fit_context
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_X_y,
    validate_data,
)

from ._criteria import LOGISTIC_CRITERIA
from ._logistic_loss import n_coef_rows
from ._logistic_refit import LogisticRefit
from ._masks import (
    GRANULARITIES,
    count_prunable,
    geometric_schedule,
    n_keep_from_ratio,
    resolve_n_keep,
)
from ._pruning import prune
from .utils._constraints import N_ITER, N_JOBS, N_KEEP, PRUNE_RATIO
from .utils._threads import blas_threads
from .utils._validation import check_cv_fits_classes, fold_class_weight


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

    Pure function of its arrays (see :func:`skprune._pruning.prune`).
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


def _encode_target(y, sample_weight, class_weight, X):
    """Classes, class codes and sample weights with ``class_weight`` folded in."""
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    classes = encoder.classes_
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )
    y_codes = encoder.transform(y)
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    sample_weight = fold_class_weight(class_weight, classes, y, sample_weight)
    return classes, y_codes, sample_weight


def _levels_from(n_keeps, prune_ratios, n_total, item_name):
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


_PRUNING_PARAMETERS = {
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
    y : array-like of shape (n_samples,)
    n_keeps : sequence of int, default=None
        Kept counts (coefficients or features, per ``granularity``), sorted
        either way, each in ``[1, n_total]``.
    prune_ratios : sequence of float in [0, 1), default=None
        Levels as fractions removed instead of counts. With neither given,
        20 geometrically spaced counts from ``n_total`` down to 1.
    criterion, granularity, n_iter, refit, swap, C, fit_intercept, \
class_weight, max_iter, tol, random_state, verbose
        As in :class:`PrunedLogisticRegression`, except that ``swap``
        defaults to False here: swapping every level of a long path
        multiplies its cost, and the path is the fast way to a whole curve.
        Pass ``swap=True`` (or ``"auto"``) for refined levels.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    n_keeps : ndarray of int of shape (n_levels,)
        The levels, largest first (the path's order).
    coefs : ndarray of shape (n_levels, n_rows, n_features)
        Coefficients at each level (``n_rows`` is 1 for two classes, else the
        number of classes); exact zeros off the support.
    intercepts : ndarray of shape (n_levels, n_rows)
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
    classes, y_codes, sample_weight = _encode_target(y, sample_weight, class_weight, X)
    n_total, item_name = count_prunable(
        (n_coef_rows(len(classes)), X.shape[1]), granularity
    )
    levels = _levels_from(n_keeps, prune_ratios, n_total, item_name)
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


class _LogisticProbaMixin:
    """Probabilities of a fitted logistic model: sigmoid for two classes,
    softmax otherwise. ``decision_function``, ``predict``, ``sparsify`` and
    ``densify`` come from scikit-learn's ``LinearClassifierMixin`` and
    ``SparseCoefMixin``."""

    def predict_proba(self, X):
        """Class probabilities (sigmoid for two classes, softmax otherwise).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Log of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)

    def _validate_fit_input(self, X, y, sample_weight):
        """Validated ``X``, ``y``, the classes, class codes and sample weights
        with ``class_weight`` folded in."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        classes, y_codes, sample_weight = _encode_target(
            y, sample_weight, self.class_weight, X
        )
        return X, y, classes, y_codes, sample_weight

    def _pruning_kwargs(self):
        """The estimator's parameters that ``prune_logistic`` takes as they are."""
        names = ("criterion", "granularity", "refit", "swap", "C", "fit_intercept")
        return {name: getattr(self, name) for name in (*names, "max_iter", "tol")}

    def _set_fitted(self, result, classes):
        self.classes_ = classes
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.coef_mask_ = result.mask
        self.support_ = result.mask.any(axis=0)
        self.n_nonzero_ = int(np.count_nonzero(result.mask))
        self.dense_coef_ = result.dense.coef
        self.dense_intercept_ = result.dense.intercept
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        self.history_ = result.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Removing inputs by design may cost accuracy.
        tags.classifier_tags.poor_score = True
        return tags


_COMMON_DOC = """
    criterion : {"magnitude", "scaled_magnitude", "gradient", \
"gradient_misclassified", "obd", "obs", "random"} or callable, \
default="magnitude"
        How coefficients are scored (higher is kept):

        - ``"magnitude"``: ``|w|``;
        - ``"scaled_magnitude"``: ``|w_j| * std(x_j)``, for unscaled features;
        - ``"gradient"``: first-order Taylor accumulated row by row,
          ``|w_j| * mean_i |p_i - y_i| |x_ij|`` (the summed gradient would be
          ``-lambda * w`` at the optimum, which ranks as magnitude; see
          :class:`CoefficientPruner`); ``"gradient_misclassified"``: the same
          on the misclassified rows only;
        - ``"obd"``: Optimal Brain Damage, ``w_j**2 * H_jj / 2`` with the exact
          diagonal of the logistic Hessian ``X^T D X + lambda I``: the loss
          increase of removing one weight;
        - ``"obs"``: Optimal Brain Surgeon, greedy removal by
          ``w_q**2 / (2 [H^-1]_qq)`` with the weight-compensation update and an
          inverse Hessian downdated per removal (grouped per column for
          ``granularity="feature"``). The dense ``H^-1`` is formed only while the
          live problem has at most 1000 free parameters; above that OBS ranks
          by OBD, so early rounds of a large problem use OBD and OBS takes over
          as the live set shrinks;
        - ``"random"``: uniform scores from ``random_state`` (a baseline);
        - a callable ``criterion(model, X, y)`` returning scores of the shape
          of ``coef_``; ``model`` has ``coef_``, ``intercept_`` and
          ``classes_`` of the current round.

        The default is magnitude: with refits between rounds, it matched or
        beat OBD and OBS at equal size on every data set of
        ``benchmarks/bench_logistic_accuracy.py`` (the second-order criteria
        win single rounds, but the refit schedule erases that edge), and it
        costs nothing beyond the fit.

    granularity : {"weight", "feature"}, default="weight"
        ``"weight"`` ranks single coefficients across classes, ``"feature"``
        ranks a feature's whole column by the norm of its scores.

    n_iter : int >= 1, default=10
        Prune -> refit rounds on a geometric schedule; each round removes the
        same share of what is still alive and masks nest. In the benchmarks,
        accuracy at equal size rises from 1 to 10 rounds and flattens after
        (20 rounds or one feature per round, as ``RFE(step=1)``, add little);
        each round is a warm-started refit on a shrinking problem. For a
        path, these rounds run from the dense model down to the smallest
        level, merged with the levels themselves.

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

        On by default because it paid where it was measured: accuracy and
        log-loss at equal size on 25 real data sets for a moderate rise in
        fit time (``benchmarks/bench_swaps_accuracy.py``), and the recovered
        support on abess's simulation
        (``benchmarks/bench_support_recovery.py``).

    C : float, default=1.0
        Inverse of L2 regularisation strength, as in ``LogisticRegression``
        (the objective is scikit-learn's: ``C * sum of losses + ||w||^2 / 2``,
        intercept not penalised).

    fit_intercept : bool, default=True

    class_weight : dict or "balanced", default=None
        Weights per class, as in ``LogisticRegression``.

    max_iter : int, default=100
        Maximum L-BFGS iterations per fit (the dense fit and each refit).

    tol : float, default=1e-4
        Stop a fit when the largest gradient entry is below ``tol``.

    random_state : int, RandomState instance or None, default=None
        Seeds ``criterion="random"``.

    verbose : int, default=0
        Print one line per pruning round when positive (for the CV estimator:
        the plan, each finished fold, the choice, then the final rounds).
"""


class PrunedLogisticRegression(
    _LogisticProbaMixin, LinearClassifierMixin, SparseCoefMixin, BaseEstimator
):
    __doc__ = (
        """Logistic regression that prunes itself to an exact size and refits.

    Fits an L2-regularised logistic regression (binary, or multinomial with
    one coefficient row per class), then removes coefficients or whole
    features in ``n_iter`` rounds, each followed by an exact refit of the
    survivors with the pruned coefficients held at zero.

    Parameters
    ----------
    prune_ratio : float in [0, 1), default=0.5
        Fraction of coefficients (or features) removed:
        ``floor(prune_ratio * n_total)``, leaving at least one.

    n_keep : int >= 1, default=None
        Exact count kept; overrides ``prune_ratio``.
"""
        + _COMMON_DOC
        + """
    warm_start : bool, default=False
        Start the dense fit from the previous call's dense solution.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Exact zeros where pruned.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    coef_mask_ : ndarray of bool of the shape of ``coef_``
    support_ : ndarray of bool of shape (n_features_in_,)
        Features with at least one kept coefficient.
    n_nonzero_ : int
        Number of kept coefficients.
    dense_coef_, dense_intercept_ : ndarray
        The unpruned fit.
    n_iter_ : ndarray of shape (1,)
        Solver iterations over all fits (dense fit and every refit).
    history_ : list of dict
        Per round (0 is the dense fit): ``round``, ``n_nonzero``,
        ``n_features``, ``n_iter`` (solver iterations), ``train_loss`` (the
        objective) and ``train_score`` (training accuracy); the same keys as
        :class:`CoefficientPruner`'s.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string column names.

    See Also
    --------
    PrunedLogisticRegressionCV : Chooses the kept count by cross-validation.
    logistic_pruning_path : Every level of pruning in one pass.
    CoefficientPruner : The same pruning around any linear model.

    Notes
    -----
    Sparse ``X`` is never densified and no ``n x n`` or ``p x p`` matrix is
    built (except OBS's inverse Hessian, bounded as described). Kept counts
    are exact; ties go to the lower index.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from skprune import PrunedLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = PrunedLogisticRegression(n_keep=5).fit(scale(X), y)
    >>> model.n_nonzero_, int((model.coef_ != 0).sum())
    (5, 5)
    >>> model.score(scale(X), y) > 0.95
    True
    """
    )

    _parameter_constraints: dict = {
        "prune_ratio": PRUNE_RATIO,
        "n_keep": N_KEEP,
        "warm_start": ["boolean"],
        **_PRUNING_PARAMETERS,
    }

    def __init__(
        self,
        *,
        prune_ratio=0.5,
        n_keep=None,
        criterion="magnitude",
        granularity="weight",
        n_iter=10,
        refit=True,
        swap="auto",
        C=1.0,
        fit_intercept=True,
        class_weight=None,
        max_iter=100,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.prune_ratio = prune_ratio
        self.n_keep = n_keep
        self.criterion = criterion
        self.granularity = granularity
        self.n_iter = n_iter
        self.refit = refit
        self.swap = swap
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit, prune and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X, y, classes, y_codes, sample_weight = self._validate_fit_input(
            X, y, sample_weight
        )
        n_rows = n_coef_rows(len(classes))
        n_total, item_name = count_prunable((n_rows, X.shape[1]), self.granularity)
        n_keep = resolve_n_keep(
            n_total,
            prune_ratio=self.prune_ratio,
            n_keep=self.n_keep,
            item_name=item_name,
            n_features=X.shape[1],
        )
        coef_init = intercept_init = None
        if (
            self.warm_start
            and hasattr(self, "dense_coef_")
            and self.dense_coef_.shape == (n_rows, X.shape[1])
        ):
            coef_init, intercept_init = self.dense_coef_, self.dense_intercept_
        result = prune_logistic(
            X,
            y,
            y_codes,
            classes,
            schedule=geometric_schedule(n_total, n_keep, self.n_iter),
            sample_weight=sample_weight,
            random_state=self.random_state,
            coef_init=coef_init,
            intercept_init=intercept_init,
            verbose=self.verbose,
            **self._pruning_kwargs(),
        )
        self._set_fitted(result, classes)
        return self


def choose_level(table, selection):
    """Index of the chosen level from ``table`` (folds x levels, levels by
    ascending kept count): the sparsest level with the best mean score
    (``"best"``), or the sparsest whose mean is within one standard error of
    the best mean (``"one_se"``; the standard error of the best level's mean
    over folds, ``std / sqrt(n_folds)``, as glmnet's ``lambda.1se``).

    >>> table = np.array([[0.80, 0.91, 0.90], [0.82, 0.91, 0.96]])
    >>> int(choose_level(table, "best")), int(choose_level(table, "one_se"))
    (2, 1)
    """
    mean = table.mean(axis=0)
    best = int(np.argmax(mean))  # first = sparsest among ties
    if selection == "best":
        return best
    std_error = table[:, best].std() / np.sqrt(table.shape[0])
    return int(np.flatnonzero(mean >= mean[best] - std_error)[0])


INFORMATION_CRITERIA = ("ebic", "gic")


def information_criterion(name, fit, X, y_codes, sample_weight):
    """EBIC or GIC of one level's model on its training data (lower is better).

    With ``ll`` the (sample-weighted) log-likelihood, ``k`` the nonzero
    coefficients, ``P`` all coefficients and ``n`` the rows:

    - ``"ebic"`` (Chen & Chen 2008, gamma = 1):
      ``-2 ll + k log(n) + 2 log(binomial(P, k))``;
    - ``"gic"`` (Fan & Tang 2013, as abess's ``ic_type="gic"``):
      ``-2 ll + k log(P) log(log(n))``.
    """
    scores = np.asarray(safe_sparse_dot(X, fit.coef.T, dense_output=True))
    scores = scores + fit.intercept
    if scores.shape[1] == 1:
        scores = np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    log_proba = log_softmax(scores, axis=1)[np.arange(len(y_codes)), y_codes]
    log_likelihood = float(sample_weight @ log_proba)
    n = len(y_codes)
    k, P = int(np.count_nonzero(fit.coef)), fit.coef.size
    if name == "ebic":
        log_binomial = gammaln(P + 1) - gammaln(k + 1) - gammaln(P - k + 1)
        penalty = k * np.log(n) + 2.0 * log_binomial
    else:
        penalty = k * np.log(P) * np.log(np.log(max(n, 3)))
    return -2.0 * log_likelihood + penalty


def _mean_log_likelihood(coef, intercept, X, y_codes):
    """Mean log-probability of the true class: ``-log_loss``, computed straight
    from the decision values (what ``"neg_log_loss"`` gives, without the
    scorer's per-call validation, which dominates on small folds)."""
    scores = np.asarray(safe_sparse_dot(X, coef.T, dense_output=True)) + intercept
    if scores.shape[1] == 1:
        scores = np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    log_proba = log_softmax(scores, axis=1)
    return float(np.mean(log_proba[np.arange(len(y_codes)), y_codes]))


def _score_fold(
    X, y, y_codes, classes, sample_weight, train, test, schedule, levels, params, scorer
):
    """Path on the training rows; every level scored on the held-out rows.

    ``scorer=None`` is the default ``neg_log_loss``, computed directly.
    """
    result = prune_logistic(
        X[train],
        y[train],
        y_codes[train],
        classes,
        schedule=schedule,
        record=set(levels),
        sample_weight=sample_weight[train],
        **params,
    )
    if scorer is None:
        return {
            n_keep: _mean_log_likelihood(
                fit.coef, fit.intercept, X[test], y_codes[test]
            )
            for n_keep, fit, _ in result.levels
        }
    model = PrunedLogisticRegression()  # carries one level's coefficients
    model.classes_, model.n_features_in_ = classes, X.shape[1]
    scores = {}
    for n_keep, fit, _ in result.levels:
        model.coef_, model.intercept_ = fit.coef, fit.intercept
        scores[n_keep] = scorer(model, X[test], y[test])
    return scores


class PrunedLogisticRegressionCV(
    _LogisticProbaMixin, LinearClassifierMixin, SparseCoefMixin, BaseEstimator
):
    __doc__ = (
        """Pruned logistic regression with the kept count chosen by cross-validation.

    For each fold, one warm-started pruning path (see
    :func:`logistic_pruning_path`) is computed on the training rows and every
    level is scored on the held-out rows; folds run in parallel. The level
    with the best mean score wins (ties go to the sparser level), and the path
    is then run on all the data down to that level. Much cheaper than
    ``GridSearchCV`` over ``n_keep``, which refits from scratch per level.

    Parameters
    ----------
    n_keeps : sequence of int, default=None
        Candidate kept counts, sorted either way, each in ``[1, n_total]``.
        Stored as given (scikit-learn's convention): a ``range`` stays a
        ``range``, which skops then asks you to trust as
        ``builtins.range``; pass a list to persist the model with skops.

    prune_ratios : sequence of float in [0, 1), default=None
        Candidate levels as fractions removed. With neither given, 20
        geometrically spaced counts from ``n_total`` down to 1.

    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn; an int gives ``StratifiedKFold``.

    scoring : str or callable, default=None
        How a level is scored on held-out rows. ``None`` uses
        ``"neg_log_loss"`` (a proper scoring rule that separates levels where
        accuracy ties; scikit-learn's ``LogisticRegressionCV`` moves to the
        same default).

    selection : {"best", "one_se", "ebic", "gic"}, default="best"
        ``"best"``: the level with the best mean score (ties go to the
        sparser). ``"one_se"``: the one-standard-error rule, the sparsest
        level whose mean score is within one standard error (over folds) of
        the best, which trades a difference the folds cannot resolve for a
        smaller model. ``"ebic"`` / ``"gic"``: no folds at all; one path on
        all the data and the level with the lowest extended BIC
        (``-2 ll + k log n + 2 log C(P, k)``) or generalised information
        criterion (``-2 ll + k log P log log n``), ``k`` the nonzero
        coefficients of ``P``; for a user who cannot afford ``cv`` paths
        (``cv`` and ``scoring`` are then unused).

    n_jobs : int, default=None
        Folds computed in parallel (joblib).
"""
        + _COMMON_DOC
        + """
    Attributes
    ----------
    n_keep_ : int
        The chosen kept count.
    cv_results_ : dict of ndarray
        ``n_keeps`` (ascending), ``mean_test_score``, ``std_test_score`` and
        ``split{i}_test_score`` for each fold, as in ``RFECV``. With an
        information criterion: ``n_keeps``, the criterion's values under its
        name (``"ebic"`` or ``"gic"``), ``mean_test_score`` = minus those
        values and ``std_test_score`` = zeros.
    coef_, intercept_, classes_, coef_mask_, support_, n_nonzero_, \
dense_coef_, dense_intercept_, n_iter_, history_, n_features_in_, \
feature_names_in_
        As in :class:`PrunedLogisticRegression`, for the final model.

    See Also
    --------
    PrunedLogisticRegression : A fixed kept count.
    sklearn.feature_selection.RFECV : Recursive elimination with CV.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from skprune import PrunedLogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = PrunedLogisticRegressionCV(n_keeps=[1, 2, 4, 8, 16], cv=3)
    >>> model = model.fit(scale(X), y)
    >>> model.n_keep_ in (1, 2, 4, 8, 16), model.n_nonzero_ == model.n_keep_
    (True, True)
    >>> model.cv_results_["n_keeps"].tolist()
    [1, 2, 4, 8, 16]
    """
    )

    _parameter_constraints: dict = {
        "n_keeps": ["array-like", None],
        "prune_ratios": ["array-like", None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "selection": [StrOptions({"best", "one_se", *INFORMATION_CRITERIA})],
        "n_jobs": N_JOBS,
        **_PRUNING_PARAMETERS,
    }

    def __init__(
        self,
        *,
        n_keeps=None,
        prune_ratios=None,
        cv=5,
        scoring=None,
        selection="best",
        n_jobs=None,
        criterion="magnitude",
        granularity="weight",
        n_iter=10,
        refit=True,
        swap="auto",
        C=1.0,
        fit_intercept=True,
        class_weight=None,
        max_iter=100,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.n_keeps = n_keeps
        self.prune_ratios = prune_ratios
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.n_jobs = n_jobs
        self.criterion = criterion
        self.granularity = granularity
        self.n_iter = n_iter
        self.refit = refit
        self.swap = swap
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _cross_validate(
        self, X, y, y_codes, classes, sample_weight, levels, schedule, params
    ):
        """Score every level on held-out folds; sets ``n_keep_`` and
        ``cv_results_``."""
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)
        if self.verbose:
            print(
                f"[skprune] {len(splits)} folds x {len(schedule)} pruning rounds "
                f"({len(levels)} scored levels)",
                flush=True,
            )
        # joblib reports each finished fold when verbose
        fold_scores = Parallel(n_jobs=self.n_jobs, verbose=10 * self.verbose)(
            delayed(_score_fold)(
                X,
                y,
                y_codes,
                classes,
                sample_weight,
                train,
                test,
                schedule,
                levels,
                params,
                scorer,
            )
            for train, test in splits
        )
        ascending = np.array(sorted(levels))
        table = np.array([[fold[k] for k in ascending] for fold in fold_scores])
        self.n_keep_ = int(ascending[choose_level(table, self.selection)])
        self.cv_results_ = {
            "n_keeps": ascending,
            "mean_test_score": table.mean(axis=0),
            "std_test_score": table.std(axis=0),
            **{f"split{i}_test_score": row for i, row in enumerate(table)},
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Cross-validate the pruning path, pick the level, refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X, y, classes, y_codes, sample_weight = self._validate_fit_input(
            X, y, sample_weight
        )
        if self.selection not in INFORMATION_CRITERIA:
            check_cv_fits_classes(self.cv, y_codes, classes)
        n_total, item_name = count_prunable(
            (n_coef_rows(len(classes)), X.shape[1]), self.granularity
        )
        levels = _levels_from(self.n_keeps, self.prune_ratios, n_total, item_name)
        schedule = path_schedule(n_total, levels, self.n_iter)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        params = {**self._pruning_kwargs(), "random_state": seed}
        # "auto" swaps every level of every path for a binary model (it is
        # what lets the folds see the better supports) but only the final
        # model of a multinomial one (every level of every fold cost 10x on
        # ten-class digits)
        final_params = params
        per_level = self.swap is True or (
            self.swap == "auto" and n_coef_rows(len(classes)) == 1
        )
        if not per_level:
            params = {**params, "swap": False}
        ascending = np.array(sorted(levels))
        if self.selection in INFORMATION_CRITERIA:
            result = prune_logistic(
                X,
                y,
                y_codes,
                classes,
                schedule=schedule,
                record=set(levels),
                sample_weight=sample_weight,
                **params,
            )
            by_level = {k: fit for k, fit, _ in result.levels}
            values = np.array(
                [
                    information_criterion(
                        self.selection, by_level[k], X, y_codes, sample_weight
                    )
                    for k in ascending
                ]
            )
            self.n_keep_ = int(ascending[np.argmin(values)])  # sparsest of ties
            self.cv_results_ = {
                "n_keeps": ascending,
                self.selection: values,
                "mean_test_score": -values,
                "std_test_score": np.zeros(values.size),
            }
        else:
            self._cross_validate(
                X, y, y_codes, classes, sample_weight, levels, schedule, params
            )
        if self.verbose:
            print(
                f"[skprune] selection={self.selection!r} chose n_keep="
                f"{self.n_keep_}; refitting on all the data",
                flush=True,
            )
        result = prune_logistic(
            X,
            y,
            y_codes,
            classes,
            schedule=[k for k in schedule if k >= self.n_keep_],
            # with swap=True the levels above the chosen one are passed as in
            # the scored paths, so swaps refine the same levels
            record={k for k in levels if k >= self.n_keep_} if per_level else (),
            sample_weight=sample_weight,
            verbose=self.verbose,
            **final_params,
        )
        self._set_fitted(result, classes)
        return self
