"""CoefficientPruner: prune the coefficients of any linear model, then refit."""

from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..families.network._family import SCOPES
from ..utils._arrays import resolve_n_keep
from ..utils._constraints import N_ITER, N_KEEP, PRUNE_RATIO, WRAPPED_ESTIMATOR
from ..utils._docstrings import CRITERIA, FIT_DATA_PARAMETERS, Substitution
from ..utils._metaestimator import (
    DelegatingPredictorMixin,
    route_fit_params,
    share_feature_names,
    validate_fit_data,
)
from ._families import FAMILIES, family_of
from ._pruning import prune


@Substitution(criteria=CRITERIA)
class CoefficientPruner(
    DelegatingPredictorMixin, SelectorMixin, MetaEstimatorMixin, BaseEstimator
):
    """Prune the coefficients of a linear model, the weights of a neural
    network or the leaves of a tree ensemble, then refit the survivors.

    Fits a clone of ``estimator``, scores its coefficients, keeps the best
    (single weights, whole features, or a network's hidden units) and refits
    the kept ones with the pruned ones held at exactly zero. With
    ``n_iter > 1`` it repeats score -> prune -> refit on a geometric schedule,
    each round removing the same share of what is still alive. It is also a
    feature selector: ``transform`` keeps the columns with a surviving weight
    (a kept split, for trees), so it can sit in the middle of a ``Pipeline``.

    A tree ensemble is a linear model over its leaves (a row reaches one leaf
    per tree; the prediction is an intercept plus the reached leaves'
    values): the leaf values are refit jointly, sibling leaves merge into
    their parent (``granularity="leaf"``) or whole trees go (``"tree"``), and
    ``estimator_`` is a genuinely smaller model,
    :class:`~skprune.PrunedTreeEnsembleClassifier` or
    :class:`~skprune.PrunedTreeEnsembleRegressor`: nodes are removed, not
    zeroed. See :doc:`/user_guide/forests`.

    Parameters
    ----------
    estimator : object
        An estimator exposing ``coef_`` after ``fit``: a classifier
        (``LogisticRegression``, ``LinearSVC``, ``SGDClassifier``,
        ``RidgeClassifier``, ``Perceptron``, ...) or a regressor
        (``LinearRegression``, ``Ridge``, ``Lasso``, ``ElasticNet``, ...); or
        an ``MLPClassifier`` / ``MLPRegressor`` (its ``coefs_``, one weight
        matrix per layer; ``early_stopping=False``); or a tree ensemble,
        ``RandomForestClassifier`` / ``Regressor``, ``ExtraTrees*``,
        ``GradientBoosting*`` (log loss or squared error, ``init`` None or
        ``"zero"``) or ``HistGradientBoosting*`` (the same losses, no
        categorical splits), fit on one output.

    prune_ratio : float in [0, 1), default=0.5
        Fraction of the coefficients (``granularity="weight"``), features
        (``"feature"``), hidden units (``"neuron"``), leaves (``"leaf"``) or
        trees (``"tree"``) removed:
        ``floor(prune_ratio * n_total)``, leaving at least one. ``0.0`` keeps
        everything.

    n_keep : int >= 1, default=None
        Exact number of coefficients, features, hidden units, leaves or trees
        kept; overrides ``prune_ratio``.

    criterion : {"auto", "magnitude", "scaled_magnitude", "gradient", \
"gradient_misclassified", "obd", "obs", "random"} or callable, \
default="auto"
        How coefficients are scored (higher is kept). ``"auto"`` is
        ``"magnitude"`` for a linear model or a network and ``"obd"`` for a
        tree ensemble (measured best, :doc:`/user_guide/forests`):

        %(criteria)s
        - a callable ``criterion(estimator, X, y)`` returning scores of the
          shape of ``estimator.coef_`` (for a network: a list of arrays of the
          shapes of ``coefs_``).

        ``"scaled_magnitude"``, ``"obd"`` and ``"obs"`` apply to linear
        models only, the two Hessian criteria only around a
        ``LogisticRegression`` whose objective the masked solver reproduces
        (see ``refit``), a clear error otherwise. Intercepts and biases are
        never pruned (except with their hidden unit).

        A tree ensemble takes ``"magnitude"`` (merge the sibling leaves with
        the smallest squared values, as Ren et al., CVPR 2015; drop the tree
        that adds least to the predictions), ``"obd"`` (the loss increase of
        a merge to second order, exact within a tree, whose leaf columns
        never overlap; whole trees compete with merges on that same scale),
        ``"random"``, or a callable ``criterion(model, X, y)`` given the
        current :class:`~skprune.PrunedTreeEnsembleClassifier` /
        ``Regressor`` and returning one score per leaf (a pair scores the sum
        of its two, a tree the sum of its leaves).

    granularity : {"weight", "feature", "neuron", "leaf", "tree"}, \
default="weight"
        ``"weight"`` ranks single coefficients (across classes, and across
        layers as ``scope`` says); ``"feature"`` ranks features by the
        Euclidean norm of their scores (a column of ``coef_``, or a row of a
        network's first layer) and keeps or drops them whole; ``"neuron"``
        (networks only) ranks hidden units by the root mean square of the
        scores of their incoming and outgoing weights and removes a unit with
        its incoming weights, bias and outgoing weights: ``estimator_`` is
        then a genuinely smaller network (its ``hidden_layer_sizes`` and
        ``coefs_`` shrink), every hidden layer keeping at least one unit.
        ``"leaf"`` (tree ensembles; ``"weight"`` means the same there, a
        leaf value being a single coefficient) merges sibling leaves into
        their parent, which becomes a leaf, until ``n_keep`` leaves are left;
        ``"tree"`` keeps ``n_keep`` whole trees.

    scope : {"auto", "global", "layer"}, default="auto"
        For a network: ``"global"`` ranks weights or units across all layers
        (``torch.nn.utils.prune.global_unstructured``), ``"layer"`` keeps the
        same share of every layer (``l1_unstructured`` layer by layer; counts
        split by largest remainder, the total exact). ``"auto"`` is
        ``"global"`` for weights and ``"layer"`` for units, since ranked
        globally the wide first layer's units lose (measured in
        :doc:`/user_guide/networks`). A linear model has one layer, so the
        three are the same.

    n_iter : int >= 1 or "auto", default="auto"
        Number of prune -> refit rounds (geometric schedule). Masks are nested:
        a coefficient pruned in one round never comes back. ``"auto"`` is 1
        for a linear model or a network and 10 for a tree ensemble, whose
        merges are priced best from refit values (measured in
        :doc:`/user_guide/forests`).

    refit : bool, default=True
        Refit the kept coefficients after each pruning round. ``False`` only
        zeroes the pruned ones (for a tree ensemble: a merged leaf takes its
        children's weighted mean value, a dropped tree's mean goes to the
        intercept).

        A network is fine-tuned under the mask with its own solver, loss,
        activation, ``alpha``, batches, learning-rate schedule, stopping rule
        (``tol``, ``n_iter_no_change``, ``max_iter`` epochs) and
        ``random_state``: ``sgd`` and ``adam`` through scikit-learn's
        ``partial_fit`` with a masked optimizer (the pruned weights' gradients
        are zero and the weights are exactly zero after every step), ``lbfgs``
        by L-BFGS over the kept weights and the biases only. Hidden units are
        removed before fine-tuning, so a smaller network is trained.

        How the refit is done:

        - ``LogisticRegression`` with an L2 penalty (or none) and a solver
          other than ``"liblinear"``: skprune's masked solver minimises the
          estimator's own objective (same ``C``, ``class_weight``, ``tol``,
          ``max_iter``) over the kept coefficients only, warm-started from the
          pruned ones, and warns with a ``ConvergenceWarning`` when it misses
          ``tol``. Exact for any granularity and any number of classes.
        - A tree ensemble: the leaf values are refit jointly on the rows
          ``fit`` is given (for a boosted model, a uniform sample of 20,000
          of them, drawn with ``random_state``, when there are more), by the
          L2 logistic objective (one logit for two
          classes, a softmax otherwise; a boosting tree grown for a class
          keeps feeding that class only) or the squared error, with a penalty
          on their change from where the round started (the ensemble's own
          values; a merged leaf starts at its children's weighted mean):
          trees grown on those very rows fit them too well to be refit
          freely.
        - Any other estimator: a clone is fit on the columns of the kept
          features and its coefficients are scattered back to full width.
          This is exact when ``coef_`` has one row or ``granularity="feature"``.
          With several rows and ``granularity="weight"`` a feature can be kept
          for some rows and pruned for others; the clone is fit with the
          feature present in every row and the pruned weights are then set to
          zero, so the kept weights are a refit that is close to, not exactly,
          the optimum under the mask.

    rewind : bool, default=False
        Networks only: every fine-tune restarts the surviving weights and the
        biases from the values ``fit`` initialised them to, as in the
        lottery-ticket experiments (with ``n_iter > 1``: iterative magnitude
        pruning with rewinding). ``False`` fine-tunes from the trained
        weights. The initial weights are recreated from the network's
        ``random_state`` (with ``prefit=True`` it must be an integer). It
        pays on noisy labels, where fine-tuning starts from weights fit to
        the noise (measured in :doc:`/user_guide/networks`).

    prefit : bool, default=False
        ``estimator`` is already fitted: prune it instead of fitting a clone.
        The given estimator is never modified; ``estimator_`` is a copy, or a
        refit clone when ``refit=True``.

    random_state : int, RandomState instance or None, default=None
        Seeds ``criterion="random"``. Same seed, same mask. It also seeds a
        network or a tree ensemble whose own ``random_state`` is None
        (initial weights, batches, fine-tuning; a forest's bootstrap), and
        draws the rows a boosted model's refit sees when there are more than
        20,000, so that one seed fixes the whole run.

    Attributes
    ----------
    estimator_ : estimator
        The pruned (and refit) estimator; its ``coef_`` (a network's
        ``coefs_``) has full width with exact zeros where pruned, except under
        ``granularity="neuron"``, where the network is smaller; a tree
        ensemble's is a :class:`~skprune.PrunedTreeEnsembleClassifier` or
        ``Regressor``. Fit on a DataFrame, it has the DataFrame's
        ``feature_names_in_``.

    coef_mask_ : ndarray of bool of the shape of ``coef_``, or list of ndarray
        True for the kept coefficients. For a network, a list with one boolean
        array per layer, of the shapes of the dense network's ``coefs_``. For
        a tree ensemble, one boolean per node of the fitted ensemble (its
        trees' nodes one after the other): True for the nodes that are the
        pruned model's leaves.

    support_ : ndarray of bool of shape (``n_features_in_``,)
        True for the features with at least one kept coefficient.

    n_nonzero_ : int
        Number of kept coefficients (leaves, for a tree ensemble).

    n_leaves_, n_nodes_, n_bytes_ : int
        Tree ensembles only: the leaves and nodes ``estimator_`` stores and
        the bytes of the arrays its predictions read (what a deployment
        stores; its pickle is that and a fixed overhead).

    dense_coef_ : ndarray of the shape of ``coef_``, or list of ndarray
        Coefficients of the first, unpruned fit (a network's ``coefs_``; a
        tree ensemble's leaf values, ``(n_outputs, n_nodes)``, zero at
        internal nodes).

    history_ : list of dict
        One entry per round, round 0 being the dense fit: ``round``,
        ``n_nonzero`` (kept coefficients), ``n_features`` (features with a kept
        coefficient), ``n_iter`` (solver iterations of the round's fit; epochs
        for an ``sgd``/``adam`` network, L-BFGS iterations for ``lbfgs``),
        ``train_loss`` (the training objective with the exact logistic refit
        or a network, None otherwise) and ``train_score`` (the
        score on the training data, None when the estimator has no ``score``).

    coef_, intercept_, classes_
        Those of ``estimator_``, where it has them.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : Keep features above a threshold
        of importance, without refitting the model under the mask.
    sklearn.feature_selection.RFE : Recursive feature elimination.

    Notes
    -----
    Kept counts are exact: scores are ranked with a stable sort and ties are
    broken by position, never by a threshold.

    The dense fit does not depend on ``prune_ratio`` or ``n_keep``: when its
    result is reproducible (every ``random_state`` inside ``estimator`` an
    integer, or unused at its settings), it is kept in memory, keyed on a
    digest of the data and of every parameter, and a later fit on the same
    data and parameters starts from a copy of it. A ``GridSearchCV`` over
    ``prune_ratio`` thus fits the dense model once per split
    (:doc:`/user_guide/choosing_the_size`).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skprune import CoefficientPruner
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = (X - X.mean(axis=0)) / X.std(axis=0)
    >>> pruner = CoefficientPruner(LogisticRegression(), n_keep=5,
    ...                            granularity="feature").fit(X, y)
    >>> int(pruner.support_.sum()), pruner.n_nonzero_
    (5, 5)
    >>> pruner.transform(X).shape
    (569, 5)
    >>> round(pruner.score(X, y), 2)
    0.94
    """

    _parameter_constraints: dict = {
        "estimator": WRAPPED_ESTIMATOR,
        "prune_ratio": PRUNE_RATIO,
        "n_keep": N_KEEP,
        "criterion": [
            StrOptions({"auto", *(name for f in FAMILIES for name in f.criteria)}),
            callable,
        ],
        "granularity": [
            StrOptions({name for f in FAMILIES for name in f.granularities})
        ],
        "scope": [StrOptions({"auto", *SCOPES})],
        "n_iter": [*N_ITER, StrOptions({"auto"})],
        "refit": ["boolean"],
        "rewind": ["boolean"],
        "prefit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        prune_ratio=0.5,
        n_keep=None,
        criterion="auto",
        granularity="weight",
        scope="auto",
        n_iter="auto",
        refit=True,
        rewind=False,
        prefit=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.prune_ratio = prune_ratio
        self.n_keep = n_keep
        self.criterion = criterion
        self.granularity = granularity
        self.scope = scope
        self.n_iter = n_iter
        self.refit = refit
        self.rewind = rewind
        self.prefit = prefit
        self.random_state = random_state

    @Substitution(fit_data_parameters=FIT_DATA_PARAMETERS)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator, prune its coefficients and refit the survivors.

        Parameters
        ----------
        %(fit_data_parameters)s
        **fit_params : dict
            Passed to every fit of the inner estimator (``sample_weight``
            among them, which the masked logistic refit honours too); with
            scikit-learn's metadata routing enabled, those the estimator
            requested.

        Returns
        -------
        self : object
            Fitted pruner.
        """
        fit_params = route_fit_params(self, fit_params)
        X, y = validate_fit_data(self, X, y)
        family = family_of(self.estimator)
        criterion = (
            family.default_criterion if self.criterion == "auto" else (self.criterion)
        )
        n_iter = family.default_n_iter if self.n_iter == "auto" else self.n_iter
        # the family validates what its models allow and fits the dense model
        refitter, dense = family.refit_object(self, X, y, fit_params, criterion)
        n_total, item_name = refitter.count_prunable(self.granularity)
        n_final = resolve_n_keep(
            n_total,
            prune_ratio=self.prune_ratio,
            n_keep=self.n_keep,
            item_name=item_name,
            n_features=X.shape[1]
            if item_name in ("features", "coefficients")
            else None,
        )
        refitter.check_n_keep(n_final, self)
        with refitter.threads():
            result = prune(
                refitter,
                dense,
                X,
                y,
                schedule=refitter.schedule(n_total, n_final, n_iter),
                criterion=criterion,
                granularity=self.granularity,
                refit=self.refit,
                random_state=self.random_state,
            )
        for name, value in refitter.fitted_attributes(result).items():
            setattr(self, name, value)
        self.history_ = result.history
        share_feature_names(self, self.estimator_)
        return self

    @property
    def coef_(self):
        """``coef_`` of the pruned estimator (exact zeros where pruned)."""
        return self.estimator_.coef_

    @property
    def intercept_(self):
        """``intercept_`` of the pruned estimator."""
        return self.estimator_.intercept_

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not family_of(self.estimator).multi_output:
            tags.target_tags.multi_output = False
            if tags.classifier_tags is not None:
                tags.classifier_tags.multi_label = False
        # Removing inputs by design may cost accuracy (RFE says the same).
        prunes = self.n_keep is not None or self.prune_ratio > 0
        for predictor_tags in (tags.classifier_tags, tags.regressor_tags):
            if predictor_tags is not None:
                predictor_tags.poor_score = predictor_tags.poor_score or prunes
        return tags
