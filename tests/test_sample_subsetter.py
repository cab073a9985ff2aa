import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skprune import SampleSubsetter
from skprune._sample_subsetter import allocate

CLASSIFICATION = [
    "random",
    "margin",
    "loss",
    "el2n",
    "grand",
    "forgetting",
    "noise",
    "kcenter",
    "herding",
    "prototype",
]
REGRESSION = ["random", "loss", "kcenter", "herding"]


def flip_labels(y, fraction, n_classes, seed=0):
    rng = np.random.RandomState(seed)
    flipped = rng.rand(len(y)) < fraction
    noisy = y.copy()
    noisy[flipped] = (y[flipped] + rng.randint(1, n_classes, flipped.sum())) % n_classes
    return noisy, flipped


@given(counts=st.lists(st.integers(1, 200), min_size=1, max_size=8), data=st.data())
def test_allocate_is_exact_proportional_and_keeps_every_class(counts, data):
    counts = np.array(counts)
    n_keep = data.draw(st.integers(len(counts), counts.sum()))
    alloc = allocate(counts, n_keep)
    assert alloc.sum() == n_keep
    assert np.all(alloc >= 1) and np.all(alloc <= counts)
    # proportional: moving one row from a class that can spare it to one that
    # can take it never brings both closer to their shares
    share = n_keep * counts / counts.sum()
    over = alloc - share
    for i in range(len(counts)):
        for j in range(len(counts)):
            if i != j and alloc[i] > 1 and alloc[j] < counts[j]:
                assert over[i] - over[j] <= 1 + 1e-9


@pytest.mark.parametrize("strategy", CLASSIFICATION)
@pytest.mark.parametrize("keep", ["easy", "hard"])
def test_exact_counts_and_every_class_survives(iris, strategy, keep):
    X, y = iris
    for n_keep in (3, 40, 149):
        model = SampleSubsetter(
            LogisticRegression(),
            n_keep=n_keep,
            strategy=strategy,
            keep=keep,
            random_state=0,
            cv=3,
        ).fit(X, y)
        assert model.sample_mask_.sum() == n_keep
        np.testing.assert_array_equal(
            model.sample_indices_, np.flatnonzero(model.sample_mask_)
        )
        assert model.sample_scores_.shape == (150,)
        assert set(y[model.sample_mask_]) == {0, 1, 2}
        if n_keep == 40:  # 50/50/50 rows: an exact proportional split
            assert np.bincount(y[model.sample_mask_]).tolist() == [14, 13, 13]


@pytest.mark.parametrize("strategy", REGRESSION)
@pytest.mark.parametrize("keep", ["easy", "hard"])
def test_regression_strategies(strategy, keep):
    X, y = make_regression(120, 5, noise=5.0, random_state=0)
    model = SampleSubsetter(
        Ridge(), prune_ratio=0.75, strategy=strategy, keep=keep, random_state=0
    ).fit(X, y)
    assert model.sample_mask_.sum() == 30
    assert model.predict(X).shape == (120,)


def test_easy_keeps_high_scores_and_hard_keeps_low(cancer):
    X, y = cancer
    easy = SampleSubsetter(
        LogisticRegression(), n_keep=100, strategy="margin", stratify=False
    ).fit(X, y)
    hard = SampleSubsetter(
        LogisticRegression(), n_keep=100, strategy="margin", keep="hard", stratify=False
    ).fit(X, y)
    scores = easy.sample_scores_
    np.testing.assert_array_equal(scores, hard.sample_scores_)
    assert scores[easy.sample_mask_].min() >= scores[~easy.sample_mask_].max()
    assert scores[hard.sample_mask_].max() <= scores[~hard.sample_mask_].min()


def test_scores_are_out_of_fold(iris):
    # a 1-nearest-neighbour scorer is perfect on every row it has seen: scored
    # in-sample, every row would get probability 1 for its label
    X, y = iris
    noisy, flipped = flip_labels(y, 0.15, 3)
    model = SampleSubsetter(
        KNeighborsClassifier(n_neighbors=1),
        strategy="loss",
        prune_ratio=0.2,
        random_state=0,
    ).fit(X, noisy)
    scores = model.sample_scores_
    assert np.mean(scores[flipped] < -1.0) > 0.8
    assert np.mean(scores[~flipped] == 0.0) > 0.7
    assert not np.all(scores == 0.0)


def test_margin_loss_el2n_grand_match_their_formulas(cancer):
    X, y = cancer
    scorer = LogisticRegression()
    proba = cross_val_predict(scorer, X, y, cv=5, method="predict_proba")
    decision = cross_val_predict(scorer, X, y, cv=5, method="decision_function")
    expected = {
        "margin": np.where(y == 1, decision, -decision),
        "loss": np.log(proba[np.arange(len(y)), y]),
        "el2n": -np.sqrt(2) * np.abs(proba[:, 1] - y),
        # gradient of the log-loss w.r.t. (w, b) for one row: (p - y) * (x, 1)
        "grand": -np.abs(proba[:, 1] - y) * np.sqrt(2) * np.sqrt((X**2).sum(1) + 1),
    }
    for strategy, scores in expected.items():
        model = SampleSubsetter(LogisticRegression(), strategy=strategy).fit(X, y)
        np.testing.assert_allclose(model.sample_scores_, scores, rtol=1e-8, atol=1e-12)


def test_same_seed_same_rows(cancer):
    X, y = cancer
    for strategy in ("random", "forgetting"):

        def rows(seed, strategy=strategy):
            return (
                SampleSubsetter(
                    LogisticRegression(), strategy=strategy, random_state=seed
                )
                .fit(X, y)
                .sample_indices_
            )

        np.testing.assert_array_equal(rows(3), rows(3))
    assert not np.array_equal(rows(3), rows(4))


def test_sample_weight_and_row_aligned_params_are_subset(cancer):
    X, y = cancer
    sw = np.random.RandomState(0).uniform(0.5, 3.0, len(y))
    model = SampleSubsetter(
        LogisticRegression(), prune_ratio=0.6, strategy="margin", random_state=0
    ).fit(X, y, sample_weight=sw)
    mask = model.sample_mask_
    ref = LogisticRegression().fit(X[mask], y[mask], sample_weight=sw[mask])
    np.testing.assert_allclose(model.estimator_.coef_, ref.coef_)
    # the weights also reach the out-of-fold scoring fits
    unweighted = SampleSubsetter(
        LogisticRegression(), prune_ratio=0.6, strategy="margin"
    ).fit(X, y)
    assert not np.allclose(unweighted.sample_scores_, model.sample_scores_)


def test_fit_resample_in_an_imblearn_pipeline(cancer):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X, y = cancer
    sampler = SampleSubsetter(LogisticRegression(), n_keep=200, strategy="noise")
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (200, 30) and y_res.shape == (200,)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    assert not hasattr(sampler, "estimator_")
    pipe = imblearn_pipeline.make_pipeline(
        SampleSubsetter(LogisticRegression(), n_keep=200, strategy="noise"),
        LogisticRegression(),
    ).fit(X, y)
    ref = LogisticRegression().fit(X_res, y_res)
    np.testing.assert_allclose(pipe[-1].coef_, ref.coef_)
    assert pipe.predict(X).shape == (569,)  # samplers are skipped at predict


def test_grid_search_over_prune_ratio(cancer):
    X, y = cancer
    search = GridSearchCV(
        SampleSubsetter(LogisticRegression(), strategy="noise", random_state=0),
        {"prune_ratio": [0.0, 0.1, 0.95]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["prune_ratio"] in (0.0, 0.1)
    scores = search.cv_results_["mean_test_score"]
    assert scores[2] < max(scores[0], scores[1])


@pytest.mark.parametrize(
    "strategy", ["margin", "grand", "loss", "kcenter", "herding", "prototype", "noise"]
)
def test_sparse_equals_dense(cancer, strategy):
    X, y = cancer
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    params = dict(prune_ratio=0.5, strategy=strategy, random_state=0)
    dense = SampleSubsetter(LogisticRegression(tol=1e-10, max_iter=5000), **params).fit(
        X, y
    )
    sparse = SampleSubsetter(
        LogisticRegression(tol=1e-10, max_iter=5000), **params
    ).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(sparse.sample_mask_, dense.sample_mask_)
    np.testing.assert_allclose(
        sparse.sample_scores_, dense.sample_scores_, rtol=1e-6, atol=1e-8
    )


def test_kcenter_covers_and_herding_matches_the_mean(digits):
    X = np.arange(11, dtype=float)[:, np.newaxis]
    y = np.zeros(11)
    model = SampleSubsetter(LinearRegression(), n_keep=3, strategy="kcenter").fit(X, y)
    np.testing.assert_array_equal(model.sample_indices_, [0, 5, 10])
    X, y = digits
    herding = SampleSubsetter(
        LogisticRegression(), n_keep=100, strategy="herding", stratify=False
    ).fit(X, y)
    gap = np.linalg.norm(X[herding.sample_mask_].mean(0) - X.mean(0))
    random_gaps = [
        np.linalg.norm(
            X[np.random.RandomState(s).choice(len(X), 100, False)].mean(0) - X.mean(0)
        )
        for s in range(20)
    ]
    assert gap < min(random_gaps) / 3


def test_greedy_selection_never_builds_an_n_by_n_matrix():
    rng = np.random.RandomState(0)
    X = rng.randn(6000, 8)
    y = rng.randint(0, 2, 6000)
    for strategy in ("kcenter", "herding"):
        tracemalloc.start()
        SampleSubsetter(LogisticRegression(), n_keep=40, strategy=strategy).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 6000 * 6000 * 8 / 20  # an n x n float matrix is 288 MB


def test_noise_auto_finds_flipped_labels(cancer):
    X, y = cancer
    noisy, flipped = flip_labels(y, 0.2, 2, seed=1)
    model = SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto"
    ).fit(X, noisy)
    removed = ~model.sample_mask_
    precision = (removed & flipped).sum() / removed.sum()
    recall = (removed & flipped).sum() / flipped.sum()
    assert precision > 0.8 and recall > 0.7
    assert abs(removed.sum() - flipped.sum()) < 0.3 * flipped.sum()
    clean = SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto"
    ).fit(X, y)
    assert (~clean.sample_mask_).sum() < removed.sum() / 3


def test_keep_auto_follows_the_data_size(digits):
    X, y = digits  # 64 features
    scarce = dict(n_keep=100, strategy="margin")  # 1.6 rows per feature: easy
    auto = SampleSubsetter(LogisticRegression(), keep="auto", **scarce).fit(X, y)
    easy = SampleSubsetter(LogisticRegression(), keep="easy", **scarce).fit(X, y)
    np.testing.assert_array_equal(auto.sample_mask_, easy.sample_mask_)
    abundant = dict(n_keep=130, strategy="margin")  # 2.03 rows per feature: hard
    auto = SampleSubsetter(LogisticRegression(), keep="auto", **abundant).fit(X, y)
    hard = SampleSubsetter(LogisticRegression(), keep="hard", **abundant).fit(X, y)
    np.testing.assert_array_equal(auto.sample_mask_, hard.sample_mask_)


def test_callable_strategy_and_default_scorer(cancer):
    X, y = cancer

    def first_feature(X, y):
        return X[:, 0]

    model = SampleSubsetter(
        LogisticRegression(), n_keep=300, strategy=first_feature, stratify=False
    ).fit(X, y)
    np.testing.assert_array_equal(
        model.sample_indices_, np.sort(np.argsort(-X[:, 0], kind="stable")[:300])
    )
    # LinearSVC has decision values only: margin works, probabilities come from a
    # softmax of them
    svc = SampleSubsetter(LinearSVC(), strategy="el2n", n_keep=100).fit(X, y)
    assert svc.sample_mask_.sum() == 100


def test_delegation(cancer):
    X, y = cancer
    model = SampleSubsetter(LogisticRegression(), strategy="margin").fit(X, y)
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert model.predict_proba(X).shape == (569, 2)
    assert model.predict_log_proba(X).shape == (569, 2)
    assert model.decision_function(X).shape == (569,)
    assert model.score(X, y) > 0.9
    assert not hasattr(SampleSubsetter(Ridge()), "predict_proba")


def test_bad_input_gets_clear_errors(cancer):
    X, y = cancer
    with pytest.raises(
        ValueError,
        match=r"n_keep=600 is larger than the number of "
        r"rows \(569\)",
    ):
        SampleSubsetter(LogisticRegression(), n_keep=600).fit(X, y)
    with pytest.raises(ValueError, match=r'prune_ratio="auto".*needs strategy="noise"'):
        SampleSubsetter(
            LogisticRegression(), prune_ratio="auto", strategy="margin"
        ).fit(X, y)
    y_rare = np.zeros(len(y), dtype=int)
    y_rare[:3] = 1
    with pytest.raises(ValueError, match="cv=5 folds is more than the 3 rows"):
        SampleSubsetter(LogisticRegression(), strategy="loss").fit(X, y_rare)
    with pytest.raises(InvalidParameterError, match="strategy"):
        SampleSubsetter(LogisticRegression(), strategy="hardest").fit(X, y)
    with pytest.raises(ValueError, match="strategy='margin' needs a classifier"):
        SampleSubsetter(Ridge(), strategy="margin").fit(X, y.astype(float))
    with pytest.raises(ValueError, match="finite scores of shape"):
        SampleSubsetter(LogisticRegression(), strategy=lambda X, y: X).fit(X, y)
    with pytest.raises(ValueError, match="each of the 2 classes keeps at least one"):
        SampleSubsetter(LogisticRegression(), n_keep=1).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SampleSubsetter(LogisticRegression()).fit(X_nan, y)


def test_inputs_are_not_modified(cancer):
    X, y = cancer
    X_sparse = sp.csr_matrix(np.where(np.abs(X) < 1, 0, X))
    saved = X.copy(), X_sparse.copy(), y.copy()
    sw = np.ones(len(y))
    for strategy in ("grand", "kcenter", "herding", "forgetting"):
        SampleSubsetter(LogisticRegression(), strategy=strategy).fit(
            X, y, sample_weight=sw
        )
        SampleSubsetter(LogisticRegression(), strategy=strategy).fit(X_sparse, y)
    np.testing.assert_array_equal(X, saved[0])
    assert (X_sparse != saved[1]).nnz == 0
    np.testing.assert_array_equal(y, saved[2])
    np.testing.assert_array_equal(sw, 1.0)


def test_in_a_pipeline_with_grid_search_and_pandas(cancer):
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    pipe = make_pipeline(
        StandardScaler(), SampleSubsetter(LogisticRegression(), strategy="el2n")
    )
    pipe.fit(data.data, data.target)
    assert isinstance(data.data, pd.DataFrame)
    assert pipe.score(data.data, data.target) > 0.9


@pytest.mark.parametrize("scorer", [LogisticRegression(), LinearSVC()])
def test_one_pass_linear_scores_equal_per_fold_predictions(iris, scorer):
    from skprune._sample_scores import ScoringContext

    X, y = iris
    for X_ in (X, sp.csr_matrix(X)):
        context = ScoringContext(
            X=X_,
            y_codes=y,
            classes=np.arange(3),
            scorer=scorer,
            cv=5,
            random_state=0,
            n_jobs=None,
            groups=None,
            n_select=None,
            fit_params={},
        )
        fast = context._linear_oof_decision()
        np.testing.assert_allclose(
            fast, context._oof("decision_function"), rtol=1e-10, atol=1e-12
        )
        if hasattr(scorer, "predict_proba"):
            np.testing.assert_allclose(
                context.oof_proba, context._oof("predict_proba"), atol=1e-12
            )


def test_scoring_estimator_is_the_model_that_scores(iris):
    X, y = iris
    knn = KNeighborsClassifier(n_neighbors=1)
    model = SampleSubsetter(
        LogisticRegression(), strategy="loss", scoring_estimator=knn
    ).fit(X, y)
    proba = cross_val_predict(knn, X, y, cv=5, method="predict_proba")
    expected = np.log(np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0))
    np.testing.assert_allclose(model.sample_scores_, expected)
    assert isinstance(model.estimator_, LogisticRegression)
