"""The dense fits a search over pruning levels shares (utils._fit_cache)."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skprune import CoefficientPruner
from skprune.utils import _fit_cache
from skprune.utils._fit_cache import cached_fit, clear_fit_cache, is_reproducible


class CountingLogisticRegression(LogisticRegression):
    """A LogisticRegression that counts its fits (a cache hit does not fit)."""

    n_fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).n_fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(autouse=True)
def empty_cache():
    clear_fit_cache()
    CountingLogisticRegression.n_fits = 0
    yield
    clear_fit_cache()


@pytest.fixture
def data():
    X, y = make_classification(n_samples=300, n_features=12, random_state=0)
    return StandardScaler().fit_transform(X), y


def counting(**params):
    # a subclass is not known to ignore random_state: seed it
    return CountingLogisticRegression(random_state=0, **params)


def test_grid_search_over_prune_ratio_fits_the_dense_model_once_per_split(data):
    X, y = data
    GridSearchCV(
        CoefficientPruner(counting(), refit=False),
        {"prune_ratio": [0.0, 0.3, 0.6, 0.9]},
        cv=3,
    ).fit(X, y)
    # one per split and one for the refit on every row, not one per candidate
    assert CountingLogisticRegression.n_fits == 3 + 1


def test_a_hit_is_the_same_model_as_a_fresh_fit(data):
    X, y = data
    first = CoefficientPruner(LogisticRegression(), prune_ratio=0.5).fit(X, y)
    fits_before = len(_fit_cache._entries)
    second = CoefficientPruner(LogisticRegression(), prune_ratio=0.5).fit(X, y)
    assert len(_fit_cache._entries) == fits_before == 1
    np.testing.assert_array_equal(first.coef_, second.coef_)
    np.testing.assert_array_equal(first.dense_coef_, second.dense_coef_)
    clear_fit_cache()
    fresh = CoefficientPruner(LogisticRegression(), prune_ratio=0.5).fit(X, y)
    np.testing.assert_allclose(fresh.coef_, second.coef_, rtol=1e-12, atol=1e-12)


def test_the_dense_fit_is_reused_across_levels(data):
    X, y = data
    for ratio in (0.0, 0.5, 0.8):
        CoefficientPruner(counting(), prune_ratio=ratio, refit=False).fit(X, y)
    assert CountingLogisticRegression.n_fits == 1


@pytest.mark.parametrize(
    "change",
    [
        "X in place",
        "y",
        "sample_weight",
        "C",
        "dtype",
        "sparse",
    ],
)
def test_anything_a_fit_depends_on_misses(data, change):
    X, y = data
    X = X.copy()
    CoefficientPruner(counting(), refit=False).fit(X, y)
    params, fit_params = {}, {}
    if change == "X in place":
        X[0, 0] += 1e-9
    elif change == "y":
        y = y.copy()
        y[0] = 1 - y[0]
    elif change == "sample_weight":
        fit_params["sample_weight"] = np.ones(len(y))
    elif change == "C":
        params["C"] = 0.5
    elif change == "dtype":
        X = X.astype(np.float32)
    else:
        X = sparse.csr_matrix(X)
    CoefficientPruner(counting(**params), refit=False).fit(X, y, **fit_params)
    assert CountingLogisticRegression.n_fits == 2


def test_a_hit_is_a_copy(data):
    X, y = data
    model = cached_fit(LogisticRegression(), X, y, {})
    coef = model.coef_.copy()
    model.coef_[:] = 0.0
    again = cached_fit(LogisticRegression(), X, y, {})
    assert again is not model
    np.testing.assert_array_equal(again.coef_, coef)


@pytest.mark.parametrize(
    "estimator, reproducible",
    [
        (LogisticRegression(), True),
        (LogisticRegression(solver="saga"), False),
        (LogisticRegression(solver="saga", random_state=3), True),
        (SGDClassifier(), False),
        (SGDClassifier(random_state=np.random.RandomState(0)), False),
        (SGDClassifier(random_state=0), True),
        (make_pipeline(StandardScaler(), SGDClassifier()), False),
        (make_pipeline(StandardScaler(), LogisticRegression()), True),
    ],
)
def test_only_reproducible_fits_are_cached(data, estimator, reproducible):
    X, y = data
    assert is_reproducible(estimator) is reproducible
    cached_fit(estimator, X, y, {})
    assert len(_fit_cache._entries) == int(reproducible)


def test_an_unseeded_random_fit_is_fitted_every_time(data):
    X, y = data
    pruners = [
        CoefficientPruner(SGDClassifier(), prune_ratio=0.5).fit(X, y) for _ in range(2)
    ]
    assert not _fit_cache._entries
    assert not np.array_equal(pruners[0].dense_coef_, pruners[1].dense_coef_)


def test_the_cache_is_bounded(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(_fit_cache, "MAX_ENTRIES", 3)
    for C in (0.1, 0.2, 0.3, 0.4, 0.5):
        cached_fit(LogisticRegression(C=C), X, y, {})
    kept = list(_fit_cache._entries)
    assert len(kept) == 3
    assert kept[-1] == _fit_cache.fit_key(LogisticRegression(C=0.5), X, y, {})
    # a model over MAX_MODEL_BYTES is fitted and returned, never kept
    monkeypatch.setattr(_fit_cache, "MAX_MODEL_BYTES", 10)
    model = cached_fit(LogisticRegression(C=0.6), X, y, {})
    assert hasattr(model, "coef_") and list(_fit_cache._entries) == kept
    # the total: two models' bytes hold two
    monkeypatch.setattr(_fit_cache, "MAX_MODEL_BYTES", 2**26)
    size = len(next(iter(_fit_cache._entries.values())))
    monkeypatch.setattr(_fit_cache, "MAX_BYTES", 2 * size + size // 2)
    cached_fit(LogisticRegression(C=0.7), X, y, {})
    assert len(_fit_cache._entries) == 2


class NamesakeLogisticRegression(LogisticRegression):
    """Named like scikit-learn's, not scikit-learn's: its random_state counts."""


NamesakeLogisticRegression.__name__ = "LogisticRegression"


class ForgetfulFit(LogisticRegression):
    """A fit that does not return self."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "estimator, reproducible",
    [
        (FunctionTransformer(np.log1p), True),
        (make_pipeline(FunctionTransformer(lambda X: -X), LogisticRegression()), False),
        (CalibratedClassifierCV(LogisticRegression(), cv=KFold(shuffle=True)), False),
        (
            CalibratedClassifierCV(
                LogisticRegression(), cv=KFold(shuffle=True, random_state=0)
            ),
            True,
        ),
        (NamesakeLogisticRegression(), False),
        (NamesakeLogisticRegression(random_state=0), True),
    ],
)
def test_what_a_digest_cannot_read_is_not_cached(estimator, reproducible):
    # a function is named by a digest, not read (a redefined one would hit);
    # a shuffling splitter draws like an unseeded random_state
    assert is_reproducible(estimator) is reproducible


def test_a_fit_that_returns_nothing_still_gives_the_model(data):
    X, y = data
    for model in (ForgetfulFit(), ForgetfulFit(random_state=0)):
        assert cached_fit(model, X, y, {}) is model
        assert hasattr(model, "coef_")


def test_a_class_redefined_is_another_class(data):
    # as in a notebook: the same module and name, another class
    X, y = data
    keys = []
    for _ in range(2):
        globals()["Redefined"] = type(
            "Redefined", (LogisticRegression,), {"__module__": __name__}
        )
        keys.append(_fit_cache.fit_key(Redefined(random_state=0), X, y, {}))  # noqa: F821
    assert keys[0] != keys[1]


def test_dates_and_strings_among_the_fit_parameters_are_digested(data):
    X, y = data
    dates = np.arange(len(y)).astype("datetime64[D]")
    key = _fit_cache.fit_key(LogisticRegression(), X, y, {"when": dates})
    assert key != _fit_cache.fit_key(LogisticRegression(), X, y, {"when": dates + 1})
    names = np.array(["a", "b"])[y]
    assert _fit_cache.fit_key(LogisticRegression(), X, names, {}) != (
        _fit_cache.fit_key(LogisticRegression(), X, names[::-1], {})
    )


def test_a_strided_view_hashes_as_its_copy(data):
    X, y = data
    wide = np.hstack([X, X])
    view = wide[:, ::2]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    key = _fit_cache.fit_key(LogisticRegression(), view, y, {})
    assert key == _fit_cache.fit_key(LogisticRegression(), view.copy(), y, {})
