"""PrunedLogisticRegressionCV: the pruning level chosen by cross-validation
(one warm-started path per fold, :func:`score_fold`) or by an information
criterion (:mod:`skprune.families.logistic._level_choice`).
"""

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, _fit_context
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions

from ...coefficients._masks import count_prunable
from ...utils._constraints import N_JOBS
from ...utils._docstrings import Substitution
from ...utils._validation import check_cv_fits_classes
from ._level_choice import (
    INFORMATION_CRITERIA,
    choose_level,
    information_criterion,
    mean_log_likelihood,
)
from ._loss import n_coef_rows
from ._path import (
    PRUNING_PARAMETERS,
    PRUNING_PARAMETERS_DOC,
    RUN_PARAMETERS_DOC,
    levels_from,
    path_schedule,
    prune_logistic,
)
from ._pruned_logistic import (
    FIT_PARAMETERS_DOC,
    PrunedLogisticRegression,
    _PrunedLogisticBase,
)


def score_fold(
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
            n_keep: mean_log_likelihood(fit.coef, fit.intercept, X[test], y_codes[test])
            for n_keep, fit, _ in result.levels
        }
    model = PrunedLogisticRegression()  # carries one level's coefficients
    model.classes_, model.n_features_in_ = classes, X.shape[1]
    scores = {}
    for n_keep, fit, _ in result.levels:
        model.coef_, model.intercept_ = fit.coef, fit.intercept
        scores[n_keep] = scorer(model, X[test], y[test])
    return scores


@Substitution(
    pruning_parameters=PRUNING_PARAMETERS_DOC, run_parameters=RUN_PARAMETERS_DOC
)
class PrunedLogisticRegressionCV(
    _PrunedLogisticBase, LinearClassifierMixin, SparseCoefMixin, BaseEstimator
):
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

    %(pruning_parameters)s

    %(run_parameters)s

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

    _parameter_constraints: dict = {
        "n_keeps": ["array-like", None],
        "prune_ratios": ["array-like", None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "selection": [StrOptions({"best", "one_se", *INFORMATION_CRITERIA})],
        "n_jobs": N_JOBS,
        **PRUNING_PARAMETERS,
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
        self,
        X,
        y,
        y_codes,
        classes,
        sample_weight,
        levels,
        schedule,
        params,
        *,
        full_path=False,
    ):
        """Score every level on held-out folds; sets ``n_keep_`` and
        ``cv_results_``. With ``full_path``, the path on all the data, every
        level recorded, runs beside the folds and is returned."""
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)
        if self.verbose:
            print(
                f"[skprune] {len(splits)} folds x {len(schedule)} pruning rounds "
                f"({len(levels)} scored levels)",
                flush=True,
            )
        tasks = [
            delayed(score_fold)(
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
        ]
        if full_path:
            tasks.append(
                delayed(prune_logistic)(
                    X,
                    y,
                    y_codes,
                    classes,
                    schedule=schedule,
                    record=set(levels),
                    sample_weight=sample_weight,
                    verbose=self.verbose,
                    **params,
                )
            )
        # joblib reports each finished fold when verbose
        fold_scores = Parallel(n_jobs=self.n_jobs, verbose=10 * self.verbose)(tasks)
        full = fold_scores.pop() if full_path else None
        ascending = np.array(sorted(levels))
        table = np.array([[fold[k] for k in ascending] for fold in fold_scores])
        self.n_keep_ = int(ascending[choose_level(table, self.selection)])
        self.cv_results_ = {
            "n_keeps": ascending,
            "mean_test_score": table.mean(axis=0),
            "std_test_score": table.std(axis=0),
            **{f"split{i}_test_score": row for i, row in enumerate(table)},
        }
        return full

    def _choose_by_criterion(
        self, X, y, y_codes, classes, sample_weight, levels, schedule, params
    ):
        """One path on all the data, every level scored by the information
        criterion ``selection``; sets ``n_keep_`` and ``cv_results_`` and
        returns the path."""
        ascending = np.array(sorted(levels))
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
        return result

    @Substitution(fit_parameters=FIT_PARAMETERS_DOC)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Cross-validate the pruning path, pick the level, refit on all data.

        %(fit_parameters)s
        """
        X, y, classes, y_codes, sample_weight = self._validate_fit_input(
            X, y, sample_weight
        )
        if self.selection not in INFORMATION_CRITERIA:
            check_cv_fits_classes(self.cv, y_codes, classes)
        n_total, item_name = count_prunable(
            (n_coef_rows(len(classes)), X.shape[1]), self.granularity
        )
        levels = levels_from(self.n_keeps, self.prune_ratios, n_total, item_name)
        schedule = path_schedule(n_total, levels, self.n_iter)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        params = {**self._pruning_kwargs(), "random_state": seed}
        # "auto" swaps every level of every path for a binary model (it is
        # what lets the folds see the better supports) but only the final
        # model of a multinomial one (swapping every level of every fold
        # multiplied the time on ten-class digits)
        final_params = params
        per_level = self.swap is True or (
            self.swap == "auto" and n_coef_rows(len(classes)) == 1
        )
        if not per_level:
            params = {**params, "swap": False}
        # With swaps at every level, the final model is the path on all the
        # data, every level recorded, read at the chosen level (rounds go
        # largest first: what comes after a level changes nothing before
        # it): under cross-validation it runs beside the folds when they run
        # in parallel, under an information criterion it is the path that
        # criterion scores.
        beside = per_level and effective_n_jobs(self.n_jobs) > 1
        if self.selection in INFORMATION_CRITERIA:
            full = self._choose_by_criterion(
                X, y, y_codes, classes, sample_weight, levels, schedule, params
            )
        else:
            full = self._cross_validate(
                X,
                y,
                y_codes,
                classes,
                sample_weight,
                levels,
                schedule,
                params,
                full_path=beside,
            )
        if self.verbose:
            print(
                f"[skprune] selection={self.selection!r} chose n_keep={self.n_keep_}",
                flush=True,
            )
        if per_level and full is not None:
            result = full.at(self.n_keep_)
        else:
            # a path of its own down to the chosen level (swapped at every
            # level above it, or at the final level only)
            result = prune_logistic(
                X,
                y,
                y_codes,
                classes,
                schedule=[k for k in schedule if k >= self.n_keep_],
                record={k for k in levels if k >= self.n_keep_} if per_level else (),
                sample_weight=sample_weight,
                verbose=self.verbose,
                **final_params,
            )
        self._set_fitted(result, classes)
        return self
