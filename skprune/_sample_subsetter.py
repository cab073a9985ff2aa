"""SampleSubsetter: drop the least useful training rows, fit on the rest."""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import has_fit_parameter, validate_data

from ._oof import OutOfFold
from ._pruning import blas_threads
from ._row_selection import (
    SELECTORS,
    allocate,
    coverage_rows,
    greedy_rows,
    top_k_rows,
    weighted_rows,
)
from ._sample_scores import (
    COST_STRATEGIES,
    REGRESSION_STRATEGIES,
    STRATEGIES,
    STRATEGY_NAMES,
)
from ._selection import resolve_n_keep
from .utils._metaestimator import DelegatingPredictorMixin, route_fit_params
from .utils._validation import take_rows

# keep="weighted": share of the inclusion probability spread uniformly (the
# rest follows the hardness), which bounds the inverse-probability weights.
# Chosen in benchmarks/bench_data_efficiency.py.
WEIGHTED_UNIFORM_SHARE = 0.5

# keep="coverage": equal-width score bins, as in the CCS repository.
COVERAGE_BINS = 50

KEEP_RULES = ("auto", "easy", "hard", "weighted", "coverage")
# the strategies that measure distances or norms on X, which NaN breaks
NEEDS_FINITE_X = ("grand", "prototype", "kcenter", "herding")


@dataclass
class RowSelection:
    """The outcome of :func:`choose_rows`: the kept rows, the weights the
    estimator must get on them (``None`` when unweighted), every row's score
    (``None`` for a greedy selector), the rule that was applied and, when the
    rule used them, the rows confident learning flagged."""

    mask: np.ndarray
    weights: np.ndarray
    scores: np.ndarray
    rule: str
    label_issues: np.ndarray


def resolve_keep(keep, strategy, scores=None, *, weights_ok=True):
    """The selection rule ``keep="auto"`` stands for, and the checks that make
    a rule that cannot apply a clear error instead of a silent choice.

    - ``"random"`` keeps uniformly random rows (the scores are random);
    - ``"noise"`` removes the likely-wrong labels first (``"easy"``);
    - k-center and herding pick their rows themselves;
    - a cost (``"loss"``, ``"el2n"``, ``"grand"``, ``"prototype"``, or a
      callable whose scores are never positive) is importance-sampled
      (``"weighted"``) when the kept rows can carry weights (``weights_ok``),
      else sampled across score bins like any other ranking (``"coverage"``).
    """
    name = strategy if isinstance(strategy, str) else "callable"
    if name in SELECTORS:
        if keep != "auto":
            raise ValueError(
                f"strategy={name!r} picks its rows itself (a greedy coreset); "
                f'keep must be "auto", got keep={keep!r}.'
            )
        return name
    if name == "noise":
        if keep not in ("auto", "easy"):
            raise ValueError(
                'strategy="noise" removes the rows whose labels look wrong; '
                f'keep={keep!r} would keep them. Use keep="easy" (or "auto").'
            )
        return "easy"
    is_cost = name in COST_STRATEGIES or (
        name == "callable" and scores is not None and np.all(scores <= 0)
    )
    unknown = name == "callable" and scores is None  # checked once scored
    if keep == "weighted" and not is_cost and not unknown:
        raise ValueError(
            'keep="weighted" samples rows in proportion to a cost (minus the '
            "score), so it needs a strategy whose scores are never positive: "
            f"one of {list(COST_STRATEGIES)} or such a callable; got "
            f"strategy={name!r}."
        )
    if keep != "auto":
        return keep
    if name == "random":
        return "easy"
    return "weighted" if is_cost and weights_ok else "coverage"


def keep_every_class(quotas):
    """``quotas`` with every empty class given one row, taken from the classes
    that keep the most.

    >>> keep_every_class(np.array([5, 0, 3, 0])).tolist()
    [3, 1, 3, 1]
    """
    quotas = np.array(quotas)
    for k in np.flatnonzero(quotas == 0):
        quotas[np.argmax(quotas)] -= 1
        quotas[k] = 1
    return quotas


def choose_rows(
    X,
    y,
    oof,
    *,
    strategy,
    keep,
    n_keep,
    stratify,
    reweight,
    random_state,
    weights_ok=True,
):
    """Score the rows of ``X`` and pick exactly the kept ones.

    ``oof`` is the :class:`~skprune._oof.OutOfFold` of the scorer (read only
    when the strategy or the rule needs it); ``n_keep`` the exact count, or
    ``None`` to remove exactly the flagged rows (``strategy="noise"``). Pure
    apart from ``oof``'s cached predictions, which lets one set of fold models
    serve many counts and rules. ``weights_ok`` says whether the kept rows can
    carry weights (what ``keep="auto"`` may choose).
    """
    classifier = oof.is_classifier
    n_samples = X.shape[0]
    # the sampling rules draw from their own stream, not the one the random
    # strategy's scores came from
    rng = np.random.RandomState(
        check_random_state(random_state).randint(np.iinfo(np.int32).max)
    )
    if classifier:
        groups = [np.flatnonzero(oof.y_codes == k) for k in range(len(oof.classes))]
        sizes = np.array([len(g) for g in groups])
    else:
        groups = sizes = None

    if callable(strategy):
        scores = np.asarray(strategy(X, y), dtype=np.float64)
        if scores.shape != (n_samples,) or not np.all(np.isfinite(scores)):
            raise ValueError(
                "The strategy callable must return finite scores of shape "
                f"({n_samples},); got shape {scores.shape}."
            )
    elif strategy in SELECTORS:
        scores = None
    else:
        scores = STRATEGIES[strategy](X, y, oof)
    rule = resolve_keep(keep, strategy, scores, weights_ok=weights_ok)

    issues = None
    if strategy == "noise":
        issues = oof.label_issues.flagged
        per_class = np.bincount(oof.y_codes[issues], minlength=len(sizes))
        if n_keep is None:  # prune_ratio="auto": exactly the flagged rows go
            quotas = sizes - np.minimum(per_class, sizes - 1)
            n_keep = int(quotas.sum())
        elif not stratify:
            quotas = None  # all rows ranked together
        else:
            allocate(sizes, n_keep)  # the error when a class cannot keep one
            clean = sizes - per_class
            if n_keep >= clean.sum():
                # only flagged rows go: where the noise is (label noise is not
                # proportional to class sizes), every class keeping a row
                together = top_k_rows(scores, n_keep, drop_first=issues)
                quotas = keep_every_class(
                    np.bincount(oof.y_codes[together], minlength=len(sizes))
                )
            else:
                # every flagged row goes, and the rest in proportion to what
                # is left of each class, so the classes keep their balance
                quotas = allocate(np.maximum(clean, 1), n_keep)
    else:
        quotas = allocate(sizes, n_keep) if classifier and stratify else None
    if quotas is None:
        groups = None

    weights = None
    if rule in SELECTORS:
        mask = greedy_rows(X, n_keep, SELECTORS[rule], groups=groups, quotas=quotas)
    elif rule in ("easy", "hard"):
        mask = top_k_rows(
            scores, n_keep, keep=rule, groups=groups, quotas=quotas, drop_first=issues
        )
    else:
        # both sampling rules set the likely-wrong labels aside first
        if classifier:
            issues = oof.label_issues.flagged
        if rule == "weighted":
            mask, weights = weighted_rows(
                -scores,
                n_keep,
                uniform_share=WEIGHTED_UNIFORM_SHARE,
                rng=rng,
                groups=groups,
                quotas=quotas,
                exclude=issues,
            )
        else:
            mask = coverage_rows(
                scores,
                n_keep,
                n_bins=COVERAGE_BINS,
                rng=rng,
                groups=groups,
                quotas=quotas,
                exclude=issues,
            )
    if reweight:
        weights = oof.label_issues.class_weights()[oof.y_codes] * mask
    return RowSelection(
        mask=mask, weights=weights, scores=scores, rule=rule, label_issues=issues
    )


class SampleSubsetter(DelegatingPredictorMixin, MetaEstimatorMixin, BaseEstimator):
    """Drop the least useful training rows, then fit the estimator on the rest.

    A meta-estimator (scikit-learn pipelines cannot drop rows in a transformer):
    ``fit`` scores every row, keeps an exact number of them, subsets ``X``,
    ``y`` and every row-aligned fit parameter (``sample_weight`` among them),
    and fits a clone of ``estimator`` on the kept rows, with the weights the
    selection rule gives them. It also speaks imbalanced-learn's sampler
    protocol: ``fit_resample(X, y)`` returns the kept rows (for the unweighted
    rules), so it can be a step of ``imblearn.pipeline.Pipeline``.

    Parameters
    ----------
    estimator : object
        The estimator fit on the kept rows (classifier or regressor).

    prune_ratio : float in [0, 1) or "auto", default=0.5
        Fraction of the rows removed: ``floor(prune_ratio * n_samples)``,
        leaving at least one. ``"auto"`` (``strategy="noise"`` only) removes
        exactly the rows whose labels look wrong (confident learning:
        per-class thresholds on out-of-fold probabilities, a calibrated
        confident joint, then cleanlab's ``prune_by_noise_rate`` rule); each
        class then loses its own flagged rows (at least one row survives), so
        ``stratify`` changes nothing there.

    n_keep : int >= 1, default=None
        Exact number of rows kept; overrides ``prune_ratio`` (``"auto"``
        included).

    strategy : str or callable, default="random"
        How rows are scored (classification-only unless noted); every score
        means "higher is easier":

        - ``"random"``: uniform random (classification and regression);
        - ``"margin"``: the signed out-of-fold margin of the given label;
        - ``"loss"``: minus the out-of-fold log-loss of the given label, or
          minus the absolute residual for regressors (classification and
          regression);
        - ``"el2n"``: minus ``||p(x) - onehot(y)||_2`` (Paul et al. 2021);
        - ``"grand"``: minus the per-row gradient norm of the log-loss of a
          linear model, ``||p - onehot(y)|| * sqrt(||x||^2 + 1)`` (Paul et
          al. 2021); for two classes this is OSMAC's optimal subsampling
          score ``|y - p| ||x||`` (Wang, Zhu & Ma 2018);
        - ``"forgetting"``: minus how often a row flips from right to wrong
          across ``partial_fit`` epochs of an SGD scorer (Toneva et al. 2019);
        - ``"noise"``: label quality, the out-of-fold normalized margin
          ``p_y - max_{k != y} p_k``; the rows confident learning flags as
          likely wrong go first, then the lowest quality. With an explicit
          count, the flagged rows go where they are (label noise is not
          proportional to class sizes); rows removed beyond them go in
          proportion to what is left of each class with ``stratify=True``,
          by quality alone with ``stratify=False``;
        - ``"prototype"``: minus the distance to the class centroid (Sorscher
          et al. 2022);
        - ``"kcenter"``: greedy k-center coreset (Sener & Savarese 2018),
          classification and regression: picks the count itself;
        - ``"herding"``: herding (Welling 2009), classification and
          regression: picks the count itself;
        - a callable ``strategy(X, y) -> scores`` of shape (n_samples,).

    keep : {"auto", "easy", "hard", "weighted", "coverage"}, default="auto"
        How scores become the kept rows:

        - ``"weighted"``: importance sampling. Rows are drawn without
          replacement, exactly ``n_keep`` of them (Pareto sampling), with
          inclusion probability ``pi_i`` proportional to the cost (minus the
          score) mixed half and half with uniform, and the estimator gets
          ``sample_weight = 1 / pi_i`` (times any ``sample_weight`` you pass),
          so the weighted kept rows estimate the training objective over the
          rows not set aside (OSMAC, Wang, Zhu & Ma 2018; Pareto sampling
          meets the ``pi_i`` closely, not exactly). Needs a cost:
          ``"loss"``, ``"el2n"``, ``"grand"``, ``"prototype"`` or a callable
          whose scores are never positive, and an estimator whose ``fit``
          takes ``sample_weight``;
        - ``"coverage"``: coverage-centric selection (CCS, Zheng et al. 2023):
          the kept rows are spread evenly over 50 equal-width score bins
          (sparse bins kept whole, dense ones subsampled at random);
        - ``"easy"``: the highest scores; ``"hard"``: the lowest;
        - ``"auto"``: ``"weighted"`` for a cost, ``"coverage"`` for any
          other ranking (``"margin"``, ``"forgetting"``, a callable with
          positive scores) and for a cost when the rows cannot
          carry weights (an estimator without ``sample_weight``, or
          ``fit_resample``), uniform rows for ``"random"``, the likely-wrong
          labels out first for ``"noise"``; k-center and herding take only
          ``"auto"``.

        For classifiers, both sampling rules first set aside the rows
        confident learning flags as likely mislabelled (as CCS drops the
        hardest rows; the flags are those of ``strategy="noise"``), taking
        back the least hard of them only when the count needs them. In
        ``benchmarks/bench_data_efficiency.py`` (real data sets, clean and
        with 10 % / 20 % flipped labels) this is what beats random rows;
        ``"easy"`` and ``"hard"`` lose to random rows there at most fractions
        (see the README's table).

    stratify : bool, default=True
        Classification: split the kept count over classes in proportion to
        their sizes, at least one row per class, the total exact (every rule
        then selects within each class). For ``strategy="noise"`` the flagged
        rows go first wherever they are (see there). Ignored for regression.

    reweight : bool, default=False
        ``strategy="noise"`` only: weight each kept row of class ``k`` by
        ``1 / P(given = k | true = k)`` from the estimated noise matrix, as
        cleanlab's ``CleanLearning`` does, so each class keeps the weight of
        its estimated true size after its wrong labels are removed.

    scoring_estimator : object, default=None
        Model whose out-of-fold predictions score the rows (and flag likely
        wrong labels). ``None`` uses a clone of ``estimator`` when it gives
        probabilities or decision values (classifiers) or predictions
        (regressors), else ``LogisticRegression``. Probability-based
        strategies use ``predict_proba`` when present, otherwise a softmax of
        ``decision_function``.

    cv : int, cross-validation generator or iterable, default=5
        Folds of the out-of-fold scoring; an int gives ``StratifiedKFold``
        for classifiers.

    random_state : int, RandomState instance or None, default=None
        Seeds ``"random"``, ``"forgetting"``, the sampling rules and the
        default forgetting scorer. Same seed, same rows and weights.

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

    sample_scores_ : ndarray of shape (n_samples,) or None
        Every row's score (higher is easier); ``None`` for k-center and
        herding, which select without scoring.

    sample_weight_ : ndarray of shape (n_keep,) or None
        The weights the selection gave the kept rows (in the order of
        ``sample_indices_``; the estimator got them times any
        ``sample_weight`` you passed); ``None`` for unweighted rules.

    label_issues_ : ndarray of bool of shape (n_samples,) or None
        The rows confident learning flagged as likely mislabelled, when the
        strategy or rule used them.

    keep_ : str
        The rule that was applied (what ``keep="auto"`` resolved to).

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
    O(nnz). ``X`` may hold NaN when the estimator accepts it, except for the
    strategies that measure distances or norms on ``X`` (``"grand"``,
    ``"prototype"``, ``"kcenter"``, ``"herding"``).

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
    ...                     strategy="grand", random_state=0),
    ... ).fit(X, y)
    >>> subsetter = model[-1]
    >>> subsetter.keep_, len(subsetter.sample_indices_)
    ('weighted', 171)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "prune_ratio": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "n_keep": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions(set(STRATEGY_NAMES)), callable],
        "keep": [StrOptions(set(KEEP_RULES))],
        "stratify": ["boolean"],
        "reweight": ["boolean"],
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
        keep="auto",
        stratify=True,
        reweight=False,
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
        self.reweight = reweight
        self.scoring_estimator = scoring_estimator
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self, X):
        classifier = is_classifier(self.estimator)
        strategy = self.strategy
        name = strategy if isinstance(strategy, str) else "callable"
        if not classifier and name not in (*REGRESSION_STRATEGIES, "callable"):
            raise ValueError(
                f"strategy={strategy!r} needs a classifier; with the "
                f"regressor {type(self.estimator).__name__} use one of "
                f"{list(REGRESSION_STRATEGIES)} or a callable."
            )
        if self.prune_ratio == "auto" and name != "noise":
            raise ValueError(
                'prune_ratio="auto" estimates the number of wrong labels, so it '
                f'needs strategy="noise"; got strategy={strategy!r}.'
            )
        if self.reweight and name != "noise":
            raise ValueError(
                "reweight=True weights the rows kept after removing wrong "
                f'labels, so it needs strategy="noise"; got strategy={strategy!r}.'
            )
        if name in NEEDS_FINITE_X and _has_nan(X):
            raise ValueError(
                f"strategy={name!r} measures distances or norms on X, which "
                "contains NaN; impute X first or use a strategy that scores "
                'rows by a model ("margin", "loss", "el2n", "noise").'
            )
        resolve_keep(self.keep, strategy)  # rules that cannot apply: early error
        takes_weights = has_fit_parameter(self.estimator, "sample_weight")
        if (self.keep == "weighted" or self.reweight) and not takes_weights:
            what = "reweight=True" if self.reweight else 'keep="weighted"'
            raise ValueError(
                f"{what} gives the kept rows weights, but "
                f"{type(self.estimator).__name__}.fit takes no sample_weight; "
                + (
                    "use reweight=False."
                    if self.reweight
                    else 'use keep="coverage" or keep="easy".'
                )
            )

    def _out_of_fold(self, X, y, fit_params):
        classifier = is_classifier(self.estimator)
        if classifier:
            check_classification_targets(y)
            classes, y_codes = np.unique(y, return_inverse=True)
        else:
            classes, y_codes = None, None
            y = np.asarray(y, dtype=np.float64)
        scorer = self.scoring_estimator
        if scorer is None:
            usable = (
                hasattr(self.estimator, "predict_proba")
                or hasattr(self.estimator, "decision_function")
                if classifier
                else hasattr(self.estimator, "predict")
            )
            scorer = self.estimator if usable else LogisticRegression(max_iter=1000)
        if scorer is not self.estimator:  # the user's fit params are for theirs
            fit_params = {}
        return OutOfFold(
            X=X,
            y=y,
            y_codes=y_codes,
            classes=classes,
            scorer=clone(scorer),
            cv=self.cv,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            fit_params=fit_params,
        )

    def _select(self, X, y, fit_params, *, weights_ok):
        """Score the rows and set the selection attributes."""
        self._check_params(X)
        oof = self._out_of_fold(X, y, fit_params)
        auto_count = self.n_keep is None and self.prune_ratio == "auto"
        n_keep = None
        if not auto_count:
            n_keep = resolve_n_keep(
                X.shape[0],
                prune_ratio=self.prune_ratio,
                n_keep=self.n_keep,
                what="rows",
            )
        selection = choose_rows(
            X,
            oof.y,
            oof,
            strategy=self.strategy,
            keep=self.keep,
            n_keep=n_keep,
            stratify=self.stratify,
            reweight=self.reweight,
            random_state=self.random_state,
            weights_ok=weights_ok,
        )
        mask = selection.mask
        self.sample_mask_ = mask
        self.sample_indices_ = np.flatnonzero(mask)
        self.sample_scores_ = selection.scores
        self.sample_weight_ = (
            None if selection.weights is None else selection.weights[mask]
        )
        self.label_issues_ = selection.label_issues
        self.keep_ = selection.rule
        return selection

    def _validate(self, X, y):
        allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=self.__sklearn_tags__().target_tags.multi_output,
            ensure_min_samples=1,
            ensure_all_finite="allow-nan" if allow_nan else True,
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
            rows; a ``sample_weight`` is multiplied by the selection's weights.
            Also passed to the out-of-fold scoring fits when the scorer is the
            estimator itself. With scikit-learn's metadata routing enabled,
            only those the estimator requested.

        Returns
        -------
        self : object
        """
        fit_params = route_fit_params(self, fit_params)
        X, y = self._validate(X, y)
        with _blas_threads(X, y, self.estimator):
            self._fit(X, y, fit_params)
        return self

    def _fit(self, X, y, fit_params):
        selection = self._select(
            X,
            y,
            fit_params,
            weights_ok=has_fit_parameter(self.estimator, "sample_weight"),
        )
        mask = selection.mask
        kept_params = {
            key: take_rows(value, mask, X.shape[0]) for key, value in fit_params.items()
        }
        if selection.weights is not None:
            given = kept_params.get("sample_weight")
            weights = self.sample_weight_
            if given is not None:
                weights = weights * np.asarray(given, dtype=np.float64)
            kept_params["sample_weight"] = weights
        self.estimator_ = clone(self.estimator).fit(X[mask], y[mask], **kept_params)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Score the rows and return the kept ones (imbalanced-learn's sampler
        protocol; ``estimator`` only scores here, it is not fit on the rows).

        The protocol returns rows without weights: ``keep="auto"`` picks an
        unweighted rule here (``"coverage"`` for a cost strategy), and a rule
        that weights the kept rows (``keep="weighted"``, ``reweight=True``)
        raises a ``ValueError`` rather than drop its weights: use ``fit``.

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
        if self.keep == "weighted" or self.reweight:
            what = "reweight=True" if self.reweight else 'keep="weighted"'
            raise ValueError(
                f"fit_resample returns rows without weights, but {what} weights "
                "the kept rows and dropping them would bias the model; use "
                'fit(), or keep="coverage" / keep="easy".'
            )
        # weights_ok=False: "auto" resolves to an unweighted rule
        with _blas_threads(X, y, self.estimator):
            mask = self._select(X, y, {}, weights_ok=False).mask
        return X[mask], y[mask]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        # class counts and out-of-fold scores are per label: one target only
        if is_classifier(self.estimator):
            tags.target_tags.multi_output = False
        return tags


def _has_nan(X):
    data = X.data if sparse.issparse(X) else X
    return data.dtype.kind == "f" and bool(np.isnan(data).any())


def _blas_threads(X, y, estimator):
    """One BLAS thread while the rows are scored and the estimator is fit on a
    small problem, as the pruners do: the out-of-fold fits' matrix products
    are too small for BLAS threads to pay off (digits, ``strategy="grand"``
    with a logistic regression: 0.18 s against 1.8 s with two threads)."""
    n_outputs = len(np.unique(y)) if is_classifier(estimator) else 1
    return blas_threads(X, n_outputs)
