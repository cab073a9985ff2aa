"""SampleSubsetter: drop the least useful training rows, fit on the rest."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._sample_scores import (
    GREEDY,
    REGRESSION_STRATEGIES,
    STRATEGIES,
    ScoringContext,
)
from ._selection import n_keep_from_ratio
from .utils._metaestimator import DelegatingPredictorMixin
from .utils._validation import take_rows

# keep="auto" keeps hard rows once the kept set has at least this many rows per
# feature (data abundant), easy rows below it (data scarce). Chosen from
# benchmarks/bench_data_efficiency.py: with a logistic regression, hard rows beat
# random ones from about 2 kept rows per feature up (digits from 20% kept,
# breast_cancer from 20%), and lose badly below (digits at 10%).
AUTO_HARD_ROWS_PER_FEATURE = 2


def allocate(counts, n_keep):
    """Split ``n_keep`` over groups of sizes ``counts`` in proportion, at least
    one per group, never more than a group has, the total exact (largest
    remainders first, ties to the earlier group).

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
    quota = n_keep * counts / counts.sum()
    alloc = np.clip(np.floor(quota).astype(int), 1, counts)
    while alloc.sum() != n_keep:
        if alloc.sum() < n_keep:
            room = np.where(alloc < counts, quota - alloc, -np.inf)
            alloc[np.argmax(room)] += 1
        else:
            excess = np.where(alloc > 1, alloc - quota, -np.inf)
            alloc[np.argmax(excess)] -= 1
    return alloc


def select_rows(scores, n_keep, keep, groups=None, quotas=None):
    """Exact boolean mask of the kept rows: the top (``keep="easy"``) or bottom
    (``"hard"``) scores, per group when ``groups``/``quotas`` are given. Ties go
    to the earlier row."""
    signed = -np.asarray(scores) if keep == "easy" else np.asarray(scores)
    mask = np.zeros(len(signed), dtype=bool)
    if groups is None:
        groups, quotas = [np.arange(len(signed))], [n_keep]
    for rows, quota in zip(groups, quotas, strict=True):
        order = rows[np.argsort(signed[rows], kind="stable")]
        mask[order[:quota]] = True
    return mask


class SampleSubsetter(DelegatingPredictorMixin, MetaEstimatorMixin, BaseEstimator):
    """Drop the least useful training rows, then fit the estimator on the rest.

    A meta-estimator (scikit-learn pipelines cannot drop rows in a transformer):
    ``fit`` scores every row, keeps an exact number of them, subsets ``X``,
    ``y`` and every row-aligned fit parameter (``sample_weight`` among them),
    and fits a clone of ``estimator`` on the kept rows. It also speaks
    imbalanced-learn's sampler protocol: ``fit_resample(X, y)`` returns the
    kept rows, so it can be a step of ``imblearn.pipeline.Pipeline``.

    Parameters
    ----------
    estimator : object
        The estimator fit on the kept rows (classifier or regressor).

    prune_ratio : float in [0, 1) or "auto", default=0.5
        Fraction of the rows removed: ``floor(prune_ratio * n_samples)``,
        leaving at least one. ``"auto"`` (``strategy="noise"`` only) removes
        the rows whose labels look wrong (confident learning: per-class
        thresholds on out-of-fold probabilities, a calibrated confident joint,
        then cleanlab's ``prune_by_noise_rate`` rule).

    n_keep : int >= 1, default=None
        Exact number of rows kept; overrides ``prune_ratio``.

    strategy : str or callable, default="random"
        How rows are scored (classification-only unless noted):

        - ``"random"``: uniform random (classification and regression);
        - ``"margin"``: the signed out-of-fold margin of the given label;
        - ``"loss"``: out-of-fold log-loss of the given label, or absolute
          residual for regressors (classification and regression);
        - ``"el2n"``: ``||p(x) - onehot(y)||_2`` (Paul et al. 2021);
        - ``"grand"``: the per-row gradient norm of the log-loss of a linear
          model, ``||p - onehot(y)|| * sqrt(||x||^2 + 1)`` (Paul et al. 2021);
        - ``"forgetting"``: how often a row flips from right to wrong across
          ``partial_fit`` epochs of an SGD scorer (Toneva et al. 2019);
        - ``"noise"``: label quality, the out-of-fold normalized margin
          ``p_y - max_{k != y} p_k``, lowered by 3 for the rows confident
          learning flags as likely wrong; with ``keep="easy"`` those go
          first. Label noise
          is rarely proportional to class sizes: with an explicit count,
          ``stratify=False`` ranks all rows together and usually finds more
          of them;
        - ``"kcenter"``: greedy k-center coreset (Sener & Savarese 2018),
          classification and regression;
        - ``"herding"``: herding (Welling 2009), classification and
          regression;
        - ``"prototype"``: distance to the class centroid (Sorscher et al.
          2022);
        - a callable ``strategy(X, y) -> scores`` of shape (n_samples,).

        Every score means "higher is easier".

    keep : {"easy", "hard", "auto"}, default="easy"
        ``"easy"`` keeps the highest scores (typical, confidently right rows),
        ``"hard"`` the lowest (rows near the boundary). ``"auto"`` follows
        Sorscher et al. (2022): keep easy rows when data is scarce and hard
        ones when it is abundant; here "abundant" means the kept set has at
        least 2 rows per feature (the cut-off where hard rows started to beat
        random ones in ``benchmarks/bench_data_efficiency.py``). For k-center
        and herding, the greedy selection order is the score: ``"easy"``
        keeps the rows picked first, ``"hard"`` those a greedy selection of
        the complement leaves out.

    stratify : bool, default=True
        Classification: split the kept count over classes in proportion to
        their sizes, at least one row per class, the total exact (k-center and
        herding then select within each class). Ignored for regression.

    scoring_estimator : object, default=None
        Model whose out-of-fold predictions score the rows. ``None`` uses a
        clone of ``estimator`` when it gives probabilities or decision values
        (classifiers) or predictions (regressors), else ``LogisticRegression``.
        Probability-based strategies use ``predict_proba`` when present,
        otherwise a softmax of ``decision_function``.

    cv : int, cross-validation generator or iterable, default=5
        Folds of the out-of-fold scoring; an int gives ``StratifiedKFold``
        for classifiers.

    random_state : int, RandomState instance or None, default=None
        Seeds ``"random"``, ``"forgetting"`` and the default forgetting scorer.
        Same seed, same rows.

    n_jobs : int, default=None
        Folds of the out-of-fold scoring fit in parallel (joblib).

    Attributes
    ----------
    estimator_ : estimator
        The clone of ``estimator`` fit on the kept rows.

    sample_mask_ : ndarray of bool of shape (n_samples,)
        True for the kept rows.

    sample_indices_ : ndarray of int of shape (n_keep,)
        Indices of the kept rows, sorted.

    sample_scores_ : ndarray of shape (n_samples,)
        Every row's score (higher is easier).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string column names.

    See Also
    --------
    imblearn.under_sampling.InstanceHardnessThreshold : Drops hard rows by
        out-of-fold probability.

    Notes
    -----
    Model-based scores are out of fold: each row is scored by a model fit on
    the other folds. k-center and herding never build an ``n x n`` distance
    matrix (one distance vector, updated per pick); scores on CSR ``X`` stay
    O(nnz).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skprune import SampleSubsetter
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     SampleSubsetter(LogisticRegression(), prune_ratio=0.7,
    ...                     strategy="margin", random_state=0),
    ... ).fit(X, y)
    >>> subsetter = model[-1]
    >>> len(subsetter.sample_indices_), int(subsetter.sample_mask_.sum())
    (171, 171)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "prune_ratio": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "n_keep": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions(set(STRATEGIES)), callable],
        "keep": [StrOptions({"easy", "hard", "auto"})],
        "stratify": ["boolean"],
        "scoring_estimator": [HasMethods(["fit"]), None],
        "cv": ["cv_object"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator,
        *,
        prune_ratio=0.5,
        n_keep=None,
        strategy="random",
        keep="easy",
        stratify=True,
        scoring_estimator=None,
        cv=5,
        random_state=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.prune_ratio = prune_ratio
        self.n_keep = n_keep
        self.strategy = strategy
        self.keep = keep
        self.stratify = stratify
        self.scoring_estimator = scoring_estimator
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _select(self, X, y, fit_params):
        """Score the rows and set the selection attributes; returns the mask."""
        classifier = is_classifier(self.estimator)
        strategy = self.strategy
        if isinstance(strategy, str) and not classifier:
            if strategy not in REGRESSION_STRATEGIES:
                raise ValueError(
                    f"strategy={strategy!r} needs a classifier; with the "
                    f"regressor {type(self.estimator).__name__} use one of "
                    f"{list(REGRESSION_STRATEGIES)} or a callable."
                )
        if self.prune_ratio == "auto" and strategy != "noise":
            raise ValueError(
                'prune_ratio="auto" estimates the number of wrong labels, so it '
                f'needs strategy="noise"; got strategy={strategy!r}.'
            )
        n_samples = X.shape[0]
        if classifier:
            check_classification_targets(y)
            classes, y_codes = np.unique(y, return_inverse=True)
            groups = [np.flatnonzero(y_codes == k) for k in range(len(classes))]
        else:
            classes, y_codes, groups = None, np.asarray(y, dtype=np.float64), None
        context = None
        if not callable(strategy):
            context = self._context(X, y_codes, classes, fit_params)

        sizes = None if groups is None else np.array([len(g) for g in groups])
        if self.prune_ratio == "auto":
            flagged = context.label_issues
            issues = np.bincount(y_codes[flagged], minlength=len(classes))
            quotas = np.maximum(sizes - issues, 1)
            n_keep = int(quotas.sum())
        else:
            n_keep = self._n_keep(n_samples)
            stratified = classifier and self.stratify
            quotas = allocate(sizes, n_keep) if stratified else None
        keep = self._keep_rule(n_keep, X.shape[1])

        if callable(strategy):
            scores = np.asarray(strategy(X, y), dtype=np.float64)
            if scores.shape != (n_samples,) or not np.all(np.isfinite(scores)):
                raise ValueError(
                    "The strategy callable must return finite scores of shape "
                    f"({n_samples},); got shape {scores.shape}."
                )
        else:
            if strategy in GREEDY:
                # a greedy strategy picks the kept rows (easy) or the rows to
                # leave out (hard), within each class when stratified
                context.groups = (
                    groups if quotas is not None else [np.arange(n_samples)]
                )
                wanted = quotas if quotas is not None else [n_keep]
                context.n_select = [
                    int(q) if keep == "easy" else len(rows) - int(q)
                    for q, rows in zip(wanted, context.groups, strict=True)
                ]
            scores = STRATEGIES[strategy](X, y, context)

        mask = select_rows(
            scores, n_keep, keep, groups if quotas is not None else None, quotas
        )
        self.sample_mask_ = mask
        self.sample_indices_ = np.flatnonzero(mask)
        self.sample_scores_ = scores
        return mask

    def _context(self, X, y_codes, classes, fit_params):
        scorer = self.scoring_estimator
        if scorer is None:
            usable = (
                hasattr(self.estimator, "predict_proba")
                or hasattr(self.estimator, "decision_function")
                if is_classifier(self.estimator)
                else hasattr(self.estimator, "predict")
            )
            scorer = self.estimator if usable else LogisticRegression(max_iter=1000)
        return ScoringContext(
            X=X,
            y_codes=y_codes,
            classes=classes,
            scorer=clone(scorer),
            cv=self.cv,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            groups=None,
            n_select=None,
            fit_params=fit_params,
        )

    def _n_keep(self, n_samples):
        if self.n_keep is not None:
            if self.n_keep > n_samples:
                raise ValueError(
                    f"n_keep={self.n_keep} is larger than the number of rows "
                    f"({n_samples})."
                )
            return int(self.n_keep)
        return n_keep_from_ratio(n_samples, self.prune_ratio)

    def _keep_rule(self, n_keep, n_features):
        if self.keep != "auto":
            return self.keep
        abundant = n_keep >= AUTO_HARD_ROWS_PER_FEATURE * n_features
        return "hard" if abundant else "easy"

    def _validate(self, X, y):
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=get_tags(self.estimator).target_tags.multi_output,
            ensure_min_samples=1,
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Score the rows, keep the best, fit a clone of the estimator on them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Passed to the estimator's ``fit``, row-aligned ones (arrays of
            length ``n_samples``, ``sample_weight`` among them) subset with the
            rows. Also passed to the out-of-fold scoring fits when the scorer
            is the estimator itself.

        Returns
        -------
        self : object
        """
        X, y = self._validate(X, y)
        scoring_params = fit_params if self.scoring_estimator is None else {}
        mask = self._select(X, y, scoring_params)
        kept_params = {
            key: take_rows(value, mask, X.shape[0]) for key, value in fit_params.items()
        }
        self.estimator_ = clone(self.estimator).fit(X[mask], y[mask], **kept_params)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Score the rows and return the kept ones (imbalanced-learn's sampler
        protocol; ``estimator`` only scores here, it is not fit on the rows).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        X_resampled : {ndarray, sparse matrix} of shape (n_keep, n_features)
        y_resampled : ndarray of shape (n_keep,)
        """
        X, y = self._validate(X, y)
        mask = self._select(X, y, {})
        return X[mask], y[mask]
