"""What the meta-estimators share: the inner estimator fitted or copied and
seeded, its fit parameters, and delegation to the fitted ``estimator_``."""

from copy import deepcopy

from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._dask_arrays import is_dask_collection, predict_blocks, score_blocks
from ._fit_cache import cached_fit
from ._validation import estimator_has


def seed_unseeded(estimator, random_state, *, deep=True):
    """Give every ``random_state`` parameter of ``estimator`` that is None a
    seed drawn from ``random_state``, so that one seed fixes the whole fit;
    nothing when ``random_state`` is None.

    ``deep=True``: those of its nested estimators too (``*__random_state``),
    one draw each in the sorted order of their names; ``deep=False``: its own
    only.
    """
    if random_state is None:
        return
    rng = check_random_state(random_state)
    unseeded = {
        name: int(rng.randint(2**31 - 1))
        for name, value in sorted(estimator.get_params(deep=deep).items())
        if (name == "random_state" or name.endswith("__random_state")) and value is None
    }
    estimator.set_params(**unseeded)


def fit_or_copy(
    estimator,
    X,
    y,
    fit_params,
    *,
    prefit,
    random_state=None,
    deep=True,
    before_fit=None,
):
    """The fitted model a meta-estimator starts from; the user's ``estimator``
    is never modified.

    With ``prefit``, a deep copy of ``estimator``, which must be fitted.
    Otherwise a clone, seeded by :func:`seed_unseeded` (``random_state``,
    ``deep``), handed to ``before_fit`` when given, then fit on ``X``, ``y``
    with ``fit_params``; without ``before_fit``, a reproducible fit made
    before on the same data and parameters is reused (``_fit_cache``: a
    search over pruning levels pays one dense fit per split).
    """
    if prefit:
        check_is_fitted(estimator)
        return deepcopy(estimator)
    model = clone(estimator)
    seed_unseeded(model, random_state, deep=deep)
    if before_fit is None:
        return cached_fit(model, X, y, fit_params)
    before_fit(model)
    model.fit(X, y, **fit_params)
    return model


def share_feature_names(owner, estimator):
    """Give the fitted inner ``estimator`` the column names ``owner.fit``
    saw (a DataFrame's), so that it checks them on a DataFrame at predict
    time and an exported or inspected inner model keeps them. The inner
    linear models and networks are fit on the validated array, which holds
    the same numbers; a model without names (numpy input) keeps what it
    has."""
    names = getattr(owner, "feature_names_in_", None)
    if names is not None and getattr(estimator, "n_features_in_", None) == len(names):
        estimator.feature_names_in_ = names.copy()


def check_n_inputs(n_inputs, X, *, model="estimator", inputs="inputs"):
    """Raise a ``ValueError`` when a fitted model's ``n_inputs`` (its
    ``inputs``, as the message names them) do not match ``X``'s features."""
    if n_inputs != X.shape[1]:
        raise ValueError(
            f"The prefit {model} has {n_inputs} {inputs} but X has "
            f"{X.shape[1]} features."
        )


def route_fit_params(owner, fit_params):
    """The fit parameters for the inner estimator: all of them, or with
    scikit-learn's metadata routing enabled, those it requested."""
    if _routing_enabled():
        return process_routing(owner, "fit", **fit_params).estimator.fit
    return fit_params


def validate_fit_data(owner, X, y):
    """``X`` (dense or CSR/CSC) and ``y`` checked for ``owner.fit``, with a
    2-D ``y`` allowed when ``owner`` takes several outputs or labels, and
    missing values when it takes them (its tags, which follow the wrapped
    estimator's)."""
    tags = get_tags(owner)
    multi_output = tags.target_tags.multi_output or bool(
        tags.classifier_tags and tags.classifier_tags.multi_label
    )
    return validate_data(
        owner,
        X,
        y,
        accept_sparse=["csr", "csc"],
        multi_output=multi_output,
        ensure_all_finite="allow-nan" if tags.input_tags.allow_nan else True,
    )


def _delegated(method, summary, returns, *, dask="computed chunk by chunk"):
    """``method`` of :class:`DelegatingPredictorMixin`: the fitted inner
    estimator's own, present only when the inner estimator has it, with its
    numpydoc docstring (``summary``, ``returns`` as its Returns entry)."""

    def delegate(self, X):
        return self._delegate(method, X)

    delegate.__name__ = method
    delegate.__qualname__ = f"DelegatingPredictorMixin.{method}"
    delegate.__doc__ = f"""{summary}

        Parameters
        ----------
        X : {{array-like, sparse matrix, dask array}} of shape (n_samples, n_features)
            A dask array is {dask} (a dask array back).

        Returns
        -------
        {returns.replace(chr(10), chr(10) + " " * 8)}
        """
    return available_if(estimator_has(method))(delegate)


class DelegatingPredictorMixin:
    """``predict``, ``predict_proba``, ``predict_log_proba``,
    ``decision_function``, ``score`` and ``classes_`` of the fitted
    ``estimator_``, each present only when the inner estimator has it; ``X`` is
    validated against what ``fit`` saw. Tags follow the inner estimator."""

    def _validate_X(self, X):
        """``X`` checked against what ``fit`` saw; a DataFrame is handed on
        as it is when the inner estimator was fit on one (it then checks its
        own column names)."""
        check_is_fitted(self, "estimator_")
        allow_nan = get_tags(self).input_tags.allow_nan
        checked = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            reset=False,
            ensure_all_finite="allow-nan" if allow_nan else True,
        )
        if hasattr(X, "columns") and hasattr(self.estimator_, "feature_names_in_"):
            return X
        return checked

    def _delegate(self, method, X):
        """``method`` of the fitted inner estimator on ``X``; on a dask array
        chunk by chunk, a dask array back."""
        if is_dask_collection(X):
            check_is_fitted(self, "estimator_")
            return predict_blocks(self.estimator_, method, X, self.n_features_in_)
        X = self._validate_X(X)
        return getattr(self.estimator_, method)(X)

    predict = _delegated(
        "predict",
        "Predict with the fitted inner estimator.",
        "y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)\n"
        "    The inner estimator's predictions.",
        dask="predicted chunk by chunk",
    )
    predict_proba = _delegated(
        "predict_proba",
        "Class probabilities from the fitted inner estimator.",
        "proba : ndarray of shape (n_samples, n_classes)\n"
        "    The class probabilities, columns in the order of ``classes_``.",
    )
    predict_log_proba = _delegated(
        "predict_log_proba",
        "Log class probabilities from the fitted inner estimator.",
        "log_proba : ndarray of shape (n_samples, n_classes)\n"
        "    The log class probabilities, columns in the order of ``classes_``.",
    )
    decision_function = _delegated(
        "decision_function",
        "Decision function of the fitted inner estimator.",
        "scores : ndarray of shape (n_samples,) or (n_samples, n_classes)\n"
        "    The inner estimator's decision function values.",
    )

    @available_if(estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the fitted inner estimator (accuracy, R^2, ... as its own).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            On a dask array, accuracy (a classifier) or R^2 (a regressor)
            computed chunk by chunk.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True targets of ``X``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, passed to the inner estimator's ``score`` (or to
            the chunked score of a dask array).

        Returns
        -------
        score : float
            The inner estimator's score of ``X`` against ``y``.
        """
        if is_dask_collection(X):
            check_is_fitted(self, "estimator_")
            return score_blocks(
                self.estimator_,
                X,
                y,
                sample_weight,
                self.n_features_in_,
                classifier=is_classifier(self.estimator_),
            )
        X = self._validate_X(X)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def get_metadata_routing(self):
        """Metadata routing of this object: ``fit``, ``predict`` and ``score``
        go to the inner estimator's, as in ``RFE``.

        Returns
        -------
        routing : MetadataRouter
            A ``MetadataRouter`` encapsulating the routing information.
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="fit")
            .add(caller="predict", callee="predict")
            .add(caller="score", callee="score"),
        )

    @property
    def classes_(self):
        """Class labels of the fitted inner classifier."""
        return self.estimator_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.target_tags.required = True
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags
