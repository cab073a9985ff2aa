"""SampleSubsetter: drop the least useful training rows, fit on the rest."""

from dataclasses import dataclass
from numbers import Integral

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
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    _check_n_features,
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ._dask import is_dask_collection
from ._masks import resolve_n_keep
from ._oof import OutOfFold
from ._osmac import pilot_weighted_rows
from ._pilot import Pilot, PilotPlan, draw_pilot, pilot_size, weighted_by_pilot
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
    MODEL_STRATEGIES,
    REGRESSION_STRATEGIES,
    STRATEGIES,
    STRATEGY_NAMES,
)
from .utils._constraints import N_JOBS, N_KEEP, PRUNE_RATIO, WRAPPED_ESTIMATOR
from .utils._metaestimator import DelegatingPredictorMixin, route_fit_params
from .utils._threads import fit_blas_threads
from .utils._validation import take_rows

# keep="weighted": share of the inclusion probability spread uniformly (the
# rest follows the hardness), which bounds the inverse-probability weights.
# Chosen in benchmarks/bench_data_efficiency.py.
WEIGHTED_UNIFORM_SHARE = 0.2

# keep="coverage": equal-width score bins, as in the CCS repository.
COVERAGE_BINS = 50

KEEP_RULES = ("auto", "easy", "hard", "weighted", "coverage")
# the costs a pilot model scores (the weighted rule's strategies)
PILOT_COSTS = tuple(s for s in MODEL_STRATEGIES if s in COST_STRATEGIES)
# the strategies that measure distances or norms on X, which NaN breaks
NEEDS_FINITE_X = ("grand", "mmse", "prototype", "kcenter", "herding")


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
    - a cost (``"loss"``, ``"el2n"``, ``"grand"``, ``"mmse"``,
      ``"prototype"``, or a callable whose scores are never positive) is
      importance-sampled (``"weighted"``) when the kept rows can carry
      weights (``weights_ok``), else sampled across score bins like any
      other ranking (``"coverage"``).
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
    clean_labels=False,
    uniform_share=WEIGHTED_UNIFORM_SHARE,
):
    """Score the rows of ``X`` and pick exactly the kept ones.

    ``oof`` is the :class:`~skprune._oof.OutOfFold` of the scorer, or the
    :class:`~skprune._pilot.Pilot` (read only when the strategy or the rule
    needs it; a pilot's rows are kept by the weighted rule, which counts them
    in its design); ``n_keep`` the exact count, or ``None`` to remove exactly
    the flagged rows (``strategy="noise"``). Pure apart from ``oof``'s cached
    predictions, which lets one set of fold models serve many counts and
    rules. ``weights_ok`` says whether the kept rows can carry weights (what
    ``keep="auto"`` may choose); ``clean_labels`` sets the rows confident
    learning flags aside before either sampling rule draws (``"auto"``: for
    ``"coverage"`` only).
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
    every_class = None
    if rule == "weighted":
        # importance sampling spreads the rows over the classes by their cost
        # (OSMAC: the rare class's rows are the informative ones), so the
        # classes get no quotas; stratify still keeps a row of each
        every_class = groups if quotas is not None else None
        quotas = None
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
        if clean_labels == "auto":
            clean_labels = rule == "coverage" and classifier
        if clean_labels:
            issues = oof.label_issues.flagged
        # the weighted rules' weights are scaled by one constant, so that they
        # average one over the kept rows in expectation: a penalty then weighs
        # as much as on n_keep unweighted rows (the Horvitz-Thompson weights
        # sum to the number of rows drawn from, n / n_keep times more)
        if rule == "weighted" and isinstance(oof, Pilot):
            # OSMAC's union design; the stratified pilot keeps every class
            mask, weights = pilot_weighted_rows(
                -scores,
                n_keep,
                pilot=oof.rows,
                pilot_share=oof.share,
                uniform_share=uniform_share,
                rng=rng,
            )
            weights *= n_keep / n_samples
        elif rule == "weighted":
            mask, weights = weighted_rows(
                -scores,
                n_keep,
                uniform_share=uniform_share,
                rng=rng,
                groups=groups,
                quotas=quotas,
                exclude=issues,
                every_class=every_class,
            )
            weights *= n_keep / _rows_drawn_from(n_samples, issues, n_keep)
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
          al. 2021); for two classes this is OSMAC's ``mVc`` cost
          ``|y - p| ||x||`` (Wang, Zhu & Ma 2018);
        - ``"mmse"``: minus OSMAC's ``mMSE`` cost, the same gradient after the
          scorer's inverse Hessian ``||M^-1 g_i||`` (at most 2048 parameters);
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

        - ``"weighted"``: importance sampling (OSMAC, Wang, Zhu & Ma 2018).
          Rows are drawn without replacement, exactly ``n_keep`` of them
          (randomized systematic sampling, which meets every inclusion
          probability exactly), with inclusion probability ``pi_i``
          proportional to the cost (minus the score) mixed with uniform (a
          fifth of it spread evenly, which bounds the weights), and the
          estimator gets ``sample_weight = (n_keep / n) / pi_i`` (times any
          ``sample_weight`` you pass; ``n`` counts the rows drawn from, less
          any ``clean_labels`` set aside). Nothing is set aside: the weighted
          kept rows estimate the training objective over **every** row
          without bias, scaled so that the weights average one (a penalty
          then weighs as much as on ``n_keep`` unweighted rows). With a
          pilot (``score_by``), the pilot rows are kept and the rest drawn
          from the other rows; each row's ``pi_i`` is that of the union of
          the two draws. The rows are not split over the classes in
          proportion: the cost decides where they go (the rare class is
          where the information is). Needs a cost: ``"loss"``, ``"el2n"``,
          ``"grand"``, ``"mmse"``, ``"prototype"`` or a callable whose
          scores are never positive, and an estimator whose ``fit`` takes
          ``sample_weight``;
        - ``"coverage"``: coverage-centric selection (CCS, Zheng et al. 2023):
          the kept rows are spread evenly over 50 equal-width score bins
          (sparse bins kept whole, dense ones subsampled at random), after
          setting aside the likely-wrong labels (``clean_labels="auto"``);
        - ``"easy"``: the highest scores; ``"hard"``: the lowest;
        - ``"auto"``: ``"weighted"`` for a cost, ``"coverage"`` for any
          other ranking (``"margin"``, ``"forgetting"``, a callable with
          positive scores) and for a cost when the rows cannot
          carry weights (an estimator without ``sample_weight``, or
          ``fit_resample``), uniform rows for ``"random"``, the likely-wrong
          labels out first for ``"noise"``; k-center and herding take only
          ``"auto"``.

        What each rule buys against random rows of the same size, in
        accuracy and in test log-loss, clean and with flipped labels, is
        measured by ``benchmarks/bench_data_efficiency.py`` (see the
        README's table).

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
        Model whose predictions score the rows (and flag likely wrong
        labels). ``None`` uses a clone of ``estimator`` when it gives
        probabilities or decision values (classifiers) or predictions
        (regressors), else ``LogisticRegression``. Probability-based
        strategies use ``predict_proba`` when present, otherwise a softmax of
        ``decision_function``.

    score_by : {"auto", "pilot", "out_of_fold"}, default="auto"
        Which model scores the rows, for the strategies that read a model's
        predictions (``"margin"``, ``"loss"``, ``"el2n"``, ``"grand"``,
        ``"mmse"``, ``"noise"``):

        - ``"pilot"``: OSMAC's two steps. The scorer is fit once on a uniform
          pilot sample of ``pilot_size`` rows (stratified by class, so it
          holds every class), then scores every row in one pass over ``X`` (row
          blocks; O(nnz) for a linear scorer). The weighted rule keeps the
          pilot rows (see ``keep``). Costs one small fit and one prediction
          pass;
        - ``"out_of_fold"``: every row is scored by a model fit on the other
          folds of ``cv`` (``cv`` fits on most of the data);
        - ``"auto"``: a pilot for the weighted rule, out of fold for the
          rankings (a pilot would rank its own rows in-sample) and wherever
          wrong labels are looked for (``strategy="noise"``,
          ``clean_labels``).

    pilot_size : int >= 2 or "auto", default="auto"
        Rows of the pilot (``score_by``). ``"auto"``: ``max(1000, 10 *
        n_features)``, at most half the kept rows, at least one per class.
        An explicit size is capped at the kept rows, which include it.

    clean_labels : bool or "auto", default="auto"
        Classification: set aside the rows confident learning flags as
        likely mislabelled (the flags of ``strategy="noise"``, from
        out-of-fold models) before a sampling rule draws, taking back the
        least hard of them only when the count needs them. ``"auto"``: for
        ``keep="coverage"`` (as CCS drops the hardest rows) when the rows are
        scored out of fold (not with ``score_by="pilot"``), never for
        ``keep="weighted"``, whose weights estimate the whole objective.
        ``True`` needs one of the two sampling rules. It
        buys accuracy under label noise and costs calibration: on clean
        labels the kept set looks separable and the probabilities become
        overconfident (``benchmarks/bench_data_efficiency.py``, README).

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
        herding, which select without scoring, and for a fit on a dask array
        (a float per row is what such a fit keeps out of memory).

    sample_weight_ : ndarray of shape (n_keep,) or None
        The weights the selection gave the kept rows (in the order of
        ``sample_indices_``; the estimator got them times any
        ``sample_weight`` you passed): ``(n_keep / n) / pi_i`` for the
        weighted rule (``n`` the rows drawn from); ``None`` for unweighted
        rules.

    pilot_indices_ : ndarray of int or None
        The pilot rows, sorted, when a pilot scored the rows; ``None``
        otherwise.

    label_issues_ : ndarray of bool of shape (n_samples,) or None
        The rows confident learning flagged as likely mislabelled, when the
        strategy or ``clean_labels`` used them.

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
    Model-based scores come from a pilot model or from out-of-fold models
    (``score_by``): a row is never judged by a model that saw it, except the
    pilot rows by the pilot model. k-center and herding never build an
    ``n x n`` distance matrix (one distance vector, updated per pick); scores
    on CSR ``X`` stay
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
        "estimator": WRAPPED_ESTIMATOR,
        "prune_ratio": [*PRUNE_RATIO, StrOptions({"auto"})],
        "n_keep": N_KEEP,
        "strategy": [StrOptions(set(STRATEGY_NAMES)), callable],
        "keep": [StrOptions(set(KEEP_RULES))],
        "stratify": ["boolean"],
        "reweight": ["boolean"],
        "scoring_estimator": [HasMethods(["fit"]), None],
        "score_by": [StrOptions({"auto", "pilot", "out_of_fold"})],
        "pilot_size": [
            Interval(Integral, 2, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "clean_labels": ["boolean", StrOptions({"auto"})],
        "cv": ["cv_object"],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS,
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
        score_by="auto",
        pilot_size="auto",
        clean_labels="auto",
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
        self.score_by = score_by
        self.pilot_size = pilot_size
        self.clean_labels = clean_labels
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
        if name in NEEDS_FINITE_X and X is not None and _has_nan(X):
            raise ValueError(
                f"strategy={name!r} measures distances or norms on X, which "
                "contains NaN; impute X first or use a strategy that scores "
                'rows by a model ("margin", "loss", "el2n", "noise").'
            )
        if self.clean_labels != "auto" and self.clean_labels and not classifier:
            raise ValueError(
                "clean_labels=True sets aside rows whose class label looks "
                "wrong, so it needs a classifier; got the regressor "
                f"{type(self.estimator).__name__}."
            )
        cleaning = self.clean_labels != "auto" and bool(self.clean_labels)
        if self.score_by == "pilot" and (name == "noise" or cleaning):
            what = 'strategy="noise"' if name == "noise" else "clean_labels=True"
            raise ValueError(
                f"{what} finds wrong labels, which needs every row judged by a "
                'model that did not see it; use score_by="out_of_fold" (or '
                '"auto").'
            )
        rule = resolve_keep(self.keep, strategy)  # rules that cannot apply: early error
        if cleaning and rule not in ("weighted", "coverage", "auto"):
            raise ValueError(
                "clean_labels=True sets rows aside before a sampling rule draws "
                f'(keep="weighted" or "coverage"); strategy={name!r} with '
                f'keep={self.keep!r} applies {rule!r}. Use strategy="noise" to '
                "remove wrong labels by themselves."
            )
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

    def _scoring_plan(self, weights_ok):
        """``(pilot, clean_labels)``: whether a pilot model scores the rows
        (else out-of-fold models, fit only if something reads them), and
        what ``clean_labels`` means here.

        ``score_by="auto"`` scores by a pilot for the weighted rule (OSMAC's
        two steps; in ``benchmarks/bench_data_efficiency.py`` as accurate as
        out-of-fold scores and better calibrated, at a fraction of the cost)
        and out of fold for the rankings (a pilot would rank its own rows
        in-sample) and wherever wrong labels are looked for.
        """
        name = self.strategy if isinstance(self.strategy, str) else "callable"
        rule = self._rule(weights_ok)
        clean = self.clean_labels
        if clean != "auto":
            clean = bool(clean)
        else:
            # CCS sets the hardest (likely mislabelled) rows aside before its
            # bins; the weighted rule sets nothing aside
            clean = (
                self.score_by != "pilot"
                and is_classifier(self.estimator)
                and (rule == "coverage" or (rule is None and self.keep != "weighted"))
            )
        needs_oof = name == "noise" or clean
        pilot = name in MODEL_STRATEGIES and (
            self.score_by == "pilot"
            or (self.score_by == "auto" and rule == "weighted" and not needs_oof)
        )
        return pilot, "auto" if self.clean_labels == "auto" and clean else clean

    def _scorer(self, fit_params):
        """The model that scores the rows (see ``scoring_estimator``) and the
        fit parameters its fits get (the user's are for their estimator)."""
        classifier = is_classifier(self.estimator)
        scorer = self.scoring_estimator
        if scorer is None:
            usable = (
                hasattr(self.estimator, "predict_proba")
                or hasattr(self.estimator, "decision_function")
                if classifier
                else hasattr(self.estimator, "predict")
            )
            scorer = self.estimator if usable else LogisticRegression(max_iter=1000)
        if scorer is not self.estimator:
            fit_params = {}
        return scorer, fit_params

    def _out_of_fold(self, X, y, fit_params, *, n_keep=None, pilot=False):
        """The scorer's predictions of every row: an
        :class:`~skprune._oof.OutOfFold`, or with ``pilot`` a
        :class:`~skprune._pilot.Pilot` sized for ``n_keep`` kept rows."""
        classes, y_codes, y = _encode(self.estimator, y)
        scorer, fit_params = self._scorer(fit_params)
        shared = dict(
            X=X,
            y=y,
            y_codes=y_codes,
            classes=classes,
            scorer=clone(scorer),
            fit_params=fit_params,
        )
        if pilot:
            n_classes = 1 if classes is None else len(classes)
            plan = self._pilot_plan(n_keep, X.shape[1], scorer)
            rows = draw_pilot(
                y_codes, X.shape[0], plan.pilot_rows(n_classes), plan.pilot_seed
            )
            return Pilot(**shared, rows=rows)
        return OutOfFold(
            **shared, cv=self.cv, random_state=self.random_state, n_jobs=self.n_jobs
        )

    def _pilot_plan(self, n_keep, n_features, scorer):
        """The :class:`~skprune._pilot.PilotPlan` of this fit: the pilot's
        size (``pilot_size``; the pilot rows are kept, every class gets one)
        and its own seed, apart from the stream the sampling rules draw from
        (seeded as ``choose_rows`` seeds it)."""
        size = self.pilot_size
        if size == "auto":  # the classes' floor is the plan's (pilot_rows)
            size = pilot_size(n_keep, n_features)
        # the first seed is the one choose_rows draws its stream from
        sampling_seed, pilot_seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=2
        )
        return PilotPlan(
            strategy=self.strategy,
            scorer=scorer,
            n_keep=n_keep,
            size=size,
            uniform_share=WEIGHTED_UNIFORM_SHARE,
            pilot_seed=pilot_seed,
            sampling_seed=sampling_seed,
        )

    def _select(self, X, y, fit_params, *, weights_ok):
        """Score the rows and set the selection attributes."""
        self._check_params(X)
        auto_count = self.n_keep is None and self.prune_ratio == "auto"
        n_keep = None
        if not auto_count:
            n_keep = resolve_n_keep(
                X.shape[0],
                prune_ratio=self.prune_ratio,
                n_keep=self.n_keep,
                item_name="rows",
            )
        pilot, clean_labels = self._scoring_plan(weights_ok)
        if pilot and self._rule(weights_ok) == "weighted":
            selection, pilot_rows = self._weighted_by_pilot(X, y, fit_params, n_keep)
        else:
            oof = self._out_of_fold(X, y, fit_params, n_keep=n_keep, pilot=pilot)
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
                clean_labels=clean_labels,
            )
            pilot_rows = oof.rows if pilot else None
        mask = selection.mask
        self._record_selection(
            mask,
            np.flatnonzero(mask),
            scores=selection.scores,
            weights=None if selection.weights is None else selection.weights[mask],
            rule=selection.rule,
            label_issues=selection.label_issues,
            pilot_indices=None if pilot_rows is None else np.flatnonzero(pilot_rows),
        )
        return selection

    def _record_selection(
        self, mask, indices, *, scores, weights, rule, label_issues, pilot_indices
    ):
        """The selection's fitted attributes (``weights`` on the kept rows)."""
        self.sample_mask_ = mask
        self.sample_indices_ = indices
        self.sample_scores_ = scores
        self.sample_weight_ = weights
        self.label_issues_ = label_issues
        self.keep_ = rule
        self.pilot_indices_ = pilot_indices

    def _fit_kept(self, X_kept, y_kept, kept_params):
        """Fit a clone of the estimator on the kept rows, their
        ``sample_weight`` (when given) times the selection's weights."""
        if self.sample_weight_ is not None:
            weights = self.sample_weight_
            given = kept_params.get("sample_weight")
            if given is not None:
                weights = weights * np.asarray(given, dtype=np.float64)
            kept_params = {**kept_params, "sample_weight": weights}
        self.estimator_ = clone(self.estimator).fit(X_kept, y_kept, **kept_params)

    def _rule(self, weights_ok):
        """The rule ``keep`` resolves to, ``None`` while a callable's scores
        are unknown."""
        if callable(self.strategy):
            return None
        return resolve_keep(self.keep, self.strategy, weights_ok=weights_ok)

    def _weighted_by_pilot(self, X, y, fit_params, n_keep):
        """OSMAC's two steps on rows in memory (blockwise, so a memmap is read
        block by block): ``(selection, pilot rows)``."""
        classes, y_codes, y = _encode(self.estimator, y)
        scorer, fit_params = self._scorer(fit_params)
        plan = self._pilot_plan(n_keep, X.shape[1], scorer)
        pilot, kept, weights, hardness = weighted_by_pilot(
            X, y, y_codes, classes, fit_params, plan=plan
        )
        weights *= n_keep / X.shape[0]
        selection = RowSelection(
            mask=kept,
            weights=weights,
            scores=-hardness,
            rule="weighted",
            label_issues=None,
        )
        return selection, pilot

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
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array (or a numpy memmap) is scored chunk by chunk where
            its chunks live and only the kept rows come into memory; it takes
            uniform rows (``strategy="random"``: the same distribution as in
            memory, drawn by rank, not the same rows) or the weighted rule
            scored by a pilot (``"grand"``, ``"mmse"``, ``"loss"``,
            ``"el2n"``: the same rows and weights as the array in memory for
            the same seed).
        y : array-like or dask array of shape (n_samples,)
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
        if is_dask_collection(X):
            return self._fit_dask(X, y, fit_params)
        for name, value in (
            ("y", y),
            ("sample_weight", fit_params.get("sample_weight")),
        ):
            if is_dask_collection(value):
                raise TypeError(
                    f"{name} is a dask collection but X is not: pass X as a dask "
                    f"array too, or compute {name}."
                )
        X_given = X
        X, y = self._validate(X, y)
        if fit_params.get("sample_weight") is not None:
            fit_params = {
                **fit_params,
                "sample_weight": _check_sample_weight(
                    fit_params["sample_weight"], X, ensure_non_negative=True
                ),
            }
        with fit_blas_threads(X, y, self.estimator):
            self._fit(X, y, fit_params, X_given)
        return self

    def _fit(self, X, y, fit_params, X_given):
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
        # a DataFrame reaches the estimator as the user gave it (its column
        # names become the estimator's feature_names_in_)
        X_kept = X_given.iloc[self.sample_indices_] if _is_frame(X_given) else X[mask]
        self._fit_kept(X_kept, y[mask], kept_params)

    def _fit_dask(self, X, y, fit_params):
        """``fit`` on a dask array: uniform rows or OSMAC's two steps, block
        by block where the chunks live; only the kept rows come into
        memory."""
        from ._dask import as_row_chunks, uniform_rows, weighted_by_pilot

        sample_weight = fit_params.get("sample_weight")
        rule = self._check_dask(fit_params)
        X, y, sample_weight = as_row_chunks(X, y, sample_weight)
        _check_n_features(self, X, reset=True)
        _check_feature_names(self, X, reset=True)
        n_samples = X.shape[0]
        n_keep = resolve_n_keep(
            n_samples,
            prune_ratio=self.prune_ratio,
            n_keep=self.n_keep,
            item_name="rows",
        )
        classifier = is_classifier(self.estimator)
        weights = pilot_index = None
        if rule == "easy":  # strategy="random"
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            indices, X_kept, y_kept, given = uniform_rows(
                X,
                y,
                sample_weight,
                stratify=classifier and self.stratify,
                n_keep=n_keep,
                seed=seed,
                finite=not get_tags(self.estimator).input_tags.allow_nan,
            )
        else:
            scorer, scorer_params = self._scorer(fit_params)
            plan = self._pilot_plan(n_keep, X.shape[1], scorer)
            indices, X_kept, y_kept, given, weights, pilot_index = weighted_by_pilot(
                X,
                y,
                sample_weight,
                classifier=classifier,
                plan=plan,
                scorer_params=scorer_params,
                finite=self.strategy in NEEDS_FINITE_X
                or not get_tags(plan.scorer).input_tags.allow_nan,
            )
            weights *= n_keep / n_samples
        mask = np.zeros(n_samples, dtype=bool)
        mask[indices] = True
        self._record_selection(
            mask,
            indices,
            scores=None,
            weights=weights,
            rule=rule,
            label_issues=None,
            pilot_indices=pilot_index,
        )
        kept_params = {
            key: take_rows(value, mask, n_samples)
            for key, value in fit_params.items()
            if key != "sample_weight"
        }
        if given is not None:  # the kept rows' own sample_weight
            kept_params["sample_weight"] = given
        self._fit_kept(X_kept, y_kept, kept_params)
        return self

    def _check_dask(self, fit_params):
        """The rule a fit on a dask array applies, or the error that says why
        it cannot: uniform rows (``strategy="random"``) and the weighted rule
        scored by a pilot are the ones that run block by block."""
        self._check_params(None)
        name = self.strategy if isinstance(self.strategy, str) else "callable"
        weights_ok = has_fit_parameter(self.estimator, "sample_weight")
        rule = self._rule(weights_ok)
        by_pilot = self._scoring_plan(weights_ok)[0]
        if name == "random":
            if self.keep not in ("auto", "easy"):
                raise ValueError(
                    'On a dask array, strategy="random" keeps uniform rows '
                    f'(keep="auto"); keep={self.keep!r} ranks random scores, '
                    "which is the same draw: use the default."
                )
        elif self.score_by == "out_of_fold":
            raise ValueError(
                'score_by="out_of_fold" fits a model on most of the rows for '
                "every fold, which a dask array does not fit in memory for; "
                'use score_by="pilot" (or "auto"): a model fit on a small '
                "uniform sample scores every chunk where it lives."
            )
        elif not (by_pilot and rule == "weighted"):
            if rule == "coverage" and not weights_ok:
                why = (
                    f"{type(self.estimator).__name__}.fit takes no sample_weight, "
                    "which the importance-sampled rows need"
                )
            else:
                why = f"strategy={name!r} with keep={self.keep!r} applies {rule!r}"
            raise ValueError(
                "On a dask array, SampleSubsetter keeps uniform rows "
                '(strategy="random") or importance-samples the rows by a pilot '
                f'model (strategy in {list(PILOT_COSTS)}, keep="weighted" or '
                f'"auto"); {why}. Compute X (or a sample of it) for the other '
                "rules."
            )
        for key, value in fit_params.items():
            if key != "sample_weight" and is_dask_collection(value):
                raise TypeError(
                    f"The fit parameter {key!r} is a dask collection; on a dask X "
                    "only sample_weight may be one (pass the others as numpy)."
                )
        return rule

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
        if is_dask_collection(X) or is_dask_collection(y):
            raise TypeError(
                "fit_resample returns the kept rows themselves; on a dask array "
                "use fit, whose sample_indices_ say which rows were kept."
            )
        given_X, given_y = X, y
        one_vs_all = is_classifier(self.estimator) and _is_one_vs_all(y)
        if one_vs_all:  # a label-indicator target, as imbalanced-learn takes
            y = np.asarray(y).argmax(axis=1)
        X, y = self._validate(X, y)
        if self.keep == "weighted" or self.reweight:
            what = "reweight=True" if self.reweight else 'keep="weighted"'
            raise ValueError(
                f"fit_resample returns rows without weights, but {what} weights "
                "the kept rows and dropping them would bias the model; use "
                'fit(), or keep="coverage" / keep="easy".'
            )
        # weights_ok=False: "auto" resolves to an unweighted rule
        with fit_blas_threads(X, y, self.estimator):
            mask = self._select(X, y, {}, weights_ok=False).mask
        # a one-vs-all target comes back as given (rows of the indicator)
        y_rows = np.asarray(given_y) if one_vs_all else y
        return _take_like(given_X, X, mask), _take_like(given_y, y_rows, mask)

    def get_feature_names_out(self, input_features=None):
        """The columns of what ``fit_resample`` returns: the input's own
        (rows are dropped, never columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "sample_mask_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        # class counts and out-of-fold scores are per label: one target only
        if is_classifier(self.estimator):
            tags.target_tags.multi_output = False
        return tags


def _encode(estimator, y):
    """``(classes, y_codes, y)`` of a classifier's labels (checked), or
    ``(None, None, y as float)`` for a regressor."""
    if is_classifier(estimator):
        check_classification_targets(y)
        classes, y_codes = np.unique(y, return_inverse=True)
        return classes, y_codes, y
    return None, None, np.asarray(y, dtype=np.float64)


def _rows_drawn_from(n_samples, exclude, n_keep):
    """How many rows the weighted rule drew from: all, less the rows set
    aside that the count did not need back."""
    if exclude is None:
        return n_samples
    return n_samples - min(int(exclude.sum()), n_samples - n_keep)


def _is_one_vs_all(y):
    """Whether ``y`` is a one-vs-all label indicator: 2-D, 0/1, one 1 a row."""
    if not hasattr(y, "shape") or len(y.shape) != 2 or y.shape[1] < 2:
        return False
    values = np.asarray(y)
    return bool(np.isin(values, (0, 1)).all() and (values.sum(axis=1) == 1).all())


def _is_frame(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _take_like(given, validated, mask):
    """The kept rows in the container the user gave: a DataFrame or Series
    (rows by position, columns, names and dtypes kept), a list, else the
    validated array or sparse matrix."""
    if hasattr(given, "iloc"):
        return given.iloc[np.flatnonzero(mask)]
    if isinstance(given, list):
        return validated[mask].tolist()
    return validated[mask]


def _has_nan(X):
    data = X.data if sparse.issparse(X) else X
    if data.dtype.kind != "f" or np.isfinite(data.sum()):
        return False  # a NaN anywhere makes the sum NaN: no n x d mask
    return bool(np.isnan(data).any())
