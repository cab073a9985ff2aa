"""SampleSubsetter: drop the least useful training rows, fit on the rest."""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ..utils._constraints import N_JOBS, N_KEEP, PRUNE_RATIO, WRAPPED_ESTIMATOR
from ..utils._dask_arrays import is_dask_collection
from ..utils._metaestimator import DelegatingPredictorMixin, route_fit_params
from ..utils._threads import fit_blas_threads
from ..utils._validation import is_frame, is_one_vs_all, take_like, take_rows
from ._dask import fit_on_dask
from ._select import check_class_target, check_two_classes, select_rows
from .scoring._plan import KEEP_RULES
from .scoring._strategies import STRATEGY_NAMES


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

    strategy : str or callable, default="auto"
        How rows are scored (classification-only unless noted); every score
        means "higher is easier":

        - ``"auto"``: the measured best for the estimator's kind
          (:doc:`/user_guide/row_pruning`): ``"grand"``, importance-sampled
          by a pilot, for a linear classifier whose ``fit`` takes
          ``sample_weight`` (``LogisticRegression``, ``SGDClassifier``, ...);
          ``"random"`` for every other learner (boosting, forests, kernels,
          networks, pipelines; the rows a model scores were no better than
          uniform ones for them) and for regressors; for a classifier,
          ``clean_labels="auto"`` then checks the labels for noise. What it
          chose is in ``strategy_`` and ``keep_``; ``keep`` must be "auto";
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
          Exactly ``n_keep`` rows are drawn without replacement
          (randomized systematic sampling: every inclusion probability met
          exactly), ``pi_i`` proportional to the cost (minus the score)
          mixed with uniform (a fifth spread evenly, which bounds the
          weights); the estimator gets ``sample_weight = (n_keep / n) /
          pi_i`` (times any ``sample_weight`` you pass; ``n`` the rows drawn
          from, less any ``clean_labels`` set aside). Unless the labels
          look noisy (``clean_labels``), nothing is set aside: the weighted
          kept rows estimate the training objective over **every** row
          without bias, the weights averaging one (a penalty weighs as on
          ``n_keep`` rows). With a pilot (``score_by``) ``X`` is read once:
          a first phase of about four times the kept rows is drawn
          uniformly (each row with probability ``q``, from its index and the
          seed alone), the pilot rows are kept, the rest drawn from the
          first phase's other rows (``pi_i = q`` times their probability
          there); the pilot rows' weights mix their own uniform estimate
          with the two phases' (both without bias). The rows are not split
          over the classes in proportion: the cost decides where they go
          (the rare class is where the information is). Needs a cost:
          ``"loss"``, ``"el2n"``, ``"grand"``, ``"mmse"``, ``"prototype"``
          or a callable whose scores are never positive, and an estimator
          whose ``fit`` takes ``sample_weight``;
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
        measured in :doc:`/user_guide/row_pruning`.

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
          holds every class, and uniform however the rows are sorted), then
          scores the rows (row blocks; O(nnz) for a linear scorer): for the
          weighted rule the first phase's rows only, gathered in the one
          read of ``X``; for a ranking every row. The weighted rule keeps
          the pilot rows (see ``keep``). Costs one small fit and one
          prediction pass;
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
        Classification: set aside the rows whose labels look wrong before a
        sampling rule draws, taking back the least hard of them only when the
        count needs them. ``True``: the rows confident learning flags on
        out-of-fold models (those of ``strategy="noise"``), for
        ``keep="weighted"`` or ``"coverage"`` (with ``strategy="auto"``'s
        uniform rows: the check's flags below, whatever its estimate).
        ``"auto"``: always for ``keep="coverage"`` scored out of fold (as CCS
        drops the hardest rows); never for ``strategy="random"`` and the
        top-k rules; for the weighted rule scored by a pilot and for
        ``strategy="auto"``'s uniform rows, when a cheap check finds the
        labels noisy: clones of the scorer fit on three folds of a uniform
        pilot (ten rows per feature, between 1000 and a quarter of the rows)
        estimate the share of wrong labels (``noise_rate_``: their error on
        the tenth of the pilot rows they are surest of, where flipped labels
        are as frequent as anywhere and overlapping classes rarely reach);
        from 0.12, every row is judged by the fold models against confident
        learning's per-class thresholds and the flagged rows are set aside
        (at most ``n_samples - n_keep``, every class keeping a row): uniform
        rows draw four fifths of the kept rows from the others, the weighted
        rule draws them by its uniform share only, at a fifth of their
        weight. Not on dask. Setting rows aside buys accuracy under label
        noise and can cost calibration where classes overlap (measured in
        :doc:`/user_guide/row_pruning`).

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
        (a float per row is what such a fit keeps out of memory). The
        weighted rule scored by a pilot scores only its first phase's rows
        (every row when a quarter or more are kept): NaN for the others.

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

    strategy_ : str or callable
        The strategy that scored the rows (what ``strategy="auto"`` resolved
        to).

    noise_rate_ : float or None
        The share of wrong labels the cheap check of ``clean_labels="auto"``
        estimated (see there); ``None`` when no check ran.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Only when ``X`` has string column names.

    See Also
    --------
    CoefficientPruner : Prunes a model's coefficients instead of its rows.

    Notes
    -----
    imbalanced-learn's ``imblearn.under_sampling.InstanceHardnessThreshold``
    likewise drops rows by out-of-fold probability (the hard ones).

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
        "strategy": [StrOptions({"auto", *STRATEGY_NAMES}), callable],
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
        strategy="auto",
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

    def _select(self, X, y, fit_params, *, weights_ok):
        """Score the rows, choose the kept ones (:func:`select_rows`), set
        the selection attributes; the kept rows' mask."""
        chosen = select_rows(self, X, y, fit_params, weights_ok=weights_ok)
        self.strategy_, self.noise_rate_ = chosen.strategy, chosen.noise_rate
        mask, pilot_rows = chosen.mask, chosen.pilot_rows
        self._record_selection(
            mask,
            np.flatnonzero(mask),
            scores=chosen.scores,
            weights=None if chosen.weights is None else chosen.weights[mask],
            rule=chosen.rule,
            label_issues=chosen.label_issues,
            pilot_indices=None if pilot_rows is None else np.flatnonzero(pilot_rows),
        )
        return mask

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

    def _validate(self, X, y):
        inner = get_tags(self.estimator)
        classifier = is_classifier(self.estimator)
        check_class_target(y, classifier)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=_takes_several_targets(self.estimator, inner),
            ensure_min_samples=1,
            ensure_all_finite="allow-nan" if inner.input_tags.allow_nan else True,
        )
        if classifier:
            check_classification_targets(y)
            check_two_classes(y)
        return X, y

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Score the rows, keep the best, fit a clone of the estimator on them.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array (or a numpy memmap) is read once, chunk by chunk
            where its chunks live, and only the rows drawn come into memory;
            it takes uniform rows (``strategy="random"``: the same
            distribution as in memory, drawn by rank, not the same rows) or
            the weighted rule scored by a pilot (``"grand"``, ``"mmse"``,
            ``"loss"``, ``"el2n"``: the same rows and weights as the array
            in memory for the same seed, whatever the chunks).
        y : array-like or dask array of shape (n_samples,)
            Target values (a dask array only with a dask ``X``).
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
            Fitted estimator.
        """
        fit_params = route_fit_params(self, fit_params)
        if is_dask_collection(X):
            return fit_on_dask(self, X, y, fit_params)
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
        mask = self._select(
            X,
            y,
            fit_params,
            weights_ok=has_fit_parameter(self.estimator, "sample_weight"),
        )
        kept_params = {
            key: take_rows(value, mask, X.shape[0]) for key, value in fit_params.items()
        }
        # a DataFrame reaches the estimator as the user gave it (its column
        # names become the estimator's feature_names_in_)
        X_kept = X_given.iloc[self.sample_indices_] if is_frame(X_given) else X[mask]
        self._fit_kept(X_kept, y[mask], kept_params)

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
            Data to resample (a DataFrame or a list comes back as one).
        y : array-like of shape (n_samples,)
            Target values; a one-vs-all label indicator of shape
            (n_samples, n_classes) is taken for a classifier, as
            imbalanced-learn does, and comes back as given.

        Returns
        -------
        X_resampled : {ndarray, sparse matrix} of shape (n_keep, n_features)
            The kept rows of ``X``, in their original order and container.
        y_resampled : ndarray of shape (n_keep,) or (n_keep, n_classes)
            The targets of the kept rows, in the container ``y`` was given in
            (rows of the indicator for a one-vs-all target).
        """
        if is_dask_collection(X) or is_dask_collection(y):
            raise TypeError(
                "fit_resample returns the kept rows themselves; on a dask array "
                "use fit, whose sample_indices_ say which rows were kept."
            )
        given_X, given_y = X, y
        one_vs_all = is_classifier(self.estimator) and is_one_vs_all(y)
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
            mask = self._select(X, y, {}, weights_ok=False)
        # a one-vs-all target comes back as given (rows of the indicator)
        y_rows = np.asarray(given_y) if one_vs_all else y
        return take_like(given_X, X, mask), take_like(given_y, y_rows, mask)

    def get_feature_names_out(self, input_features=None):
        """The columns of what ``fit_resample`` returns: the input's own
        (rows are dropped, never columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. When None, ``feature_names_in_`` if defined,
            else ``["x0", "x1", ..., "x(n_features_in_ - 1)"]``; when given,
            they must match ``feature_names_in_`` if defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input feature names, unchanged.
        """
        check_is_fitted(self, "sample_mask_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        inner = get_tags(self.estimator)
        several_targets = _takes_several_targets(self.estimator, inner)
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = several_targets
        if tags.classifier_tags is not None:  # one class label a row
            tags.classifier_tags.multi_label = False
        return tags


def _takes_several_targets(estimator, inner_tags):
    """Whether ``y`` may have several columns: when the inner regressor takes
    them (``inner_tags`` its tags). A classifier's class counts and
    out-of-fold scores are per label: one target only."""
    return inner_tags.target_tags.multi_output and not is_classifier(estimator)
