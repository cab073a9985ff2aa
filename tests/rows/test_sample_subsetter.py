import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, make_blobs, make_regression
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skprune import SampleSubsetter
from skprune.rows.scoring._label_noise import find_label_issues
from skprune.rows.scoring._plan import RowScoring
from skprune.rows.scoring._scorers import OutOfFold

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


RULES = {
    "random": ["auto", "easy", "coverage"],
    "margin": ["auto", "easy", "hard", "coverage"],
    "loss": ["auto", "easy", "hard", "coverage", "weighted"],
    "el2n": ["weighted", "coverage"],
    "grand": ["auto", "weighted"],
    "forgetting": ["easy", "hard", "coverage"],
    "noise": ["auto", "easy"],
    "kcenter": ["auto"],
    "herding": ["auto"],
    "prototype": ["easy", "hard", "coverage", "weighted"],
}
CASES = [(strategy, keep) for strategy, rules in RULES.items() for keep in rules]


@pytest.mark.parametrize(("strategy", "keep"), CASES)
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
        if strategy in ("kcenter", "herding"):
            assert model.sample_scores_ is None
        else:
            assert model.sample_scores_.shape == (150,)
        assert set(y[model.sample_mask_]) == {0, 1, 2}
        proportional = strategy != "noise" and model.keep_ != "weighted"
        if n_keep == 40 and proportional:  # 50/50/50: exact proportions
            assert np.bincount(y[model.sample_mask_]).tolist() == [14, 13, 13]
        if model.keep_ == "weighted":
            assert model.sample_weight_.shape == (n_keep,)
        else:
            assert model.sample_weight_ is None


@pytest.mark.parametrize(
    ("strategy", "keep"),
    [
        ("random", "auto"),
        ("loss", "easy"),
        ("loss", "hard"),
        ("loss", "weighted"),
        ("loss", "coverage"),
        ("kcenter", "auto"),
        ("herding", "auto"),
    ],
)
def test_regression_strategies(strategy, keep):
    X, y = make_regression(120, 5, noise=5.0, random_state=0)
    model = SampleSubsetter(
        Ridge(), prune_ratio=0.75, strategy=strategy, keep=keep, random_state=0
    ).fit(X, y)
    assert model.sample_mask_.sum() == 30
    assert model.predict(X).shape == (120,)
    assert model.label_issues_ is None


def test_easy_keeps_high_scores_and_hard_keeps_low(cancer):
    X, y = cancer
    easy = SampleSubsetter(
        LogisticRegression(), n_keep=100, strategy="margin", keep="easy", stratify=False
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
        model = SampleSubsetter(
            LogisticRegression(), strategy=strategy, score_by="out_of_fold"
        ).fit(X, y)
        np.testing.assert_allclose(model.sample_scores_, scores, rtol=1e-8, atol=1e-12)


def test_same_seed_same_rows_and_weights(cancer):
    X, y = cancer
    for strategy, keep in [
        ("random", "auto"),
        ("forgetting", "easy"),
        ("grand", "weighted"),
        ("margin", "coverage"),
    ]:

        def fit(seed, strategy=strategy, keep=keep):
            return SampleSubsetter(
                LogisticRegression(),
                strategy=strategy,
                keep=keep,
                prune_ratio=0.8,
                random_state=seed,
            ).fit(X, y)

        first, again = fit(3), fit(3)
        np.testing.assert_array_equal(first.sample_indices_, again.sample_indices_)
        if keep == "weighted":
            np.testing.assert_array_equal(first.sample_weight_, again.sample_weight_)
        np.testing.assert_array_equal(first.estimator_.coef_, again.estimator_.coef_)
        assert not np.array_equal(first.sample_indices_, fit(4).sample_indices_)


def test_selection_weights_reach_the_estimator(cancer):
    X, y = cancer
    sw = np.random.RandomState(0).uniform(0.5, 3.0, len(y))
    model = SampleSubsetter(
        LogisticRegression(), strategy="grand", prune_ratio=0.8, random_state=0
    ).fit(X, y, sample_weight=sw)
    assert model.keep_ == "weighted"
    mask = model.sample_mask_
    # inverse probabilities scaled to average one over the kept rows
    assert abs(model.sample_weight_.mean() - 1.0) < 0.3
    assert model.sample_weight_.std() > 0
    ref = LogisticRegression().fit(
        X[mask], y[mask], sample_weight=sw[mask] * model.sample_weight_
    )
    np.testing.assert_allclose(model.estimator_.coef_, ref.coef_)
    unweighted = LogisticRegression().fit(X[mask], y[mask], sample_weight=sw[mask])
    assert not np.allclose(model.estimator_.coef_, unweighted.coef_)


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
    # a weighted selection cannot pass through the protocol: refused, not dropped
    for params in (
        dict(strategy="loss", keep="weighted"),
        dict(strategy="noise", prune_ratio="auto", reweight=True),
    ):
        with pytest.raises(ValueError, match="fit_resample returns rows without"):
            SampleSubsetter(LogisticRegression(), **params).fit_resample(X, y)
    # "auto" picks an unweighted rule for the protocol
    sampler = SampleSubsetter(LogisticRegression(), strategy="grand", n_keep=100)
    X_cov, _ = sampler.fit_resample(X, y)
    assert X_cov.shape == (100, 30) and sampler.keep_ == "coverage"
    assert sampler.sample_weight_ is None


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
    if dense.sample_scores_ is not None:
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


def test_keep_auto_resolves_to_what_the_benchmark_supports(cancer):
    X, y = cancer
    expected = {
        "random": "easy",
        "margin": "coverage",
        "loss": "weighted",
        "el2n": "weighted",
        "grand": "weighted",
        "forgetting": "coverage",
        "prototype": "weighted",
        "noise": "easy",
        "kcenter": "kcenter",
        "herding": "herding",
    }
    for strategy, rule in expected.items():
        model = SampleSubsetter(
            LogisticRegression(), strategy=strategy, prune_ratio=0.8, random_state=0
        ).fit(X, y)
        assert model.keep_ == rule, strategy
    # a callable that returns minus a cost is importance-sampled
    cost = SampleSubsetter(
        LogisticRegression(), strategy=lambda X, y: -np.abs(X[:, 0]), random_state=0
    ).fit(X, y)
    assert cost.keep_ == "weighted"


def test_clean_labels_never_keeps_flipped_labels_it_can_spare(digits):
    X, y = digits
    noisy, flipped = flip_labels(y, 0.1, 10, seed=3)
    for strategy in ("margin", "loss", "el2n", "grand", "prototype", "noise"):
        model = SampleSubsetter(
            LogisticRegression(max_iter=1000),
            strategy=strategy,
            prune_ratio=0.7,
            clean_labels=strategy != "noise",
            random_state=0,
        ).fit(X, noisy)
        kept_noise = flipped[model.sample_mask_].mean()
        # random rows would keep 10 % flipped labels
        assert kept_noise < 0.04, (strategy, kept_noise)
        assert not model.sample_mask_[model.label_issues_].any()
        # with clean_labels=False, the weighted rule sets nothing aside: the
        # wrong labels are kept in their share (their rows cost more); with
        # "auto", the cheap check finds the labels noisy, and the rows it
        # flags are drawn by the uniform share only and count a fifth
        if strategy in ("loss", "grand"):
            plain, checked = (
                SampleSubsetter(
                    LogisticRegression(max_iter=1000),
                    strategy=strategy,
                    prune_ratio=0.7,
                    clean_labels=clean,
                    random_state=0,
                ).fit(X, noisy)
                for clean in (False, "auto")
            )
            assert plain.label_issues_ is None and plain.noise_rate_ is None
            assert flipped[plain.sample_mask_].mean() > 0.1
            # fewer than random rows keep (the check's pilot models judge
            # the rows: less sure than out-of-fold models on every row)
            assert checked.noise_rate_ >= 0.1

            def weight_of_flipped(model):
                weights = model.sample_weight_
                return weights[flipped[model.sample_mask_]].sum() / weights.sum()

            # the weights estimate the share of every row, 10 % flipped
            # (0.094 and 0.111 here); the check's flags count a fifth
            assert weight_of_flipped(plain) > 0.08
            assert weight_of_flipped(checked) < 0.06


def test_hard_rows_of_noisy_data_are_the_flipped_labels(digits):
    # why the default never keeps "the hardest rows": on noisy data they are
    # mostly wrong labels
    X, y = digits
    noisy, flipped = flip_labels(y, 0.1, 10, seed=3)
    hard = SampleSubsetter(
        LogisticRegression(max_iter=1000), strategy="margin", keep="hard", n_keep=150
    ).fit(X, noisy)
    assert flipped[hard.sample_mask_].mean() > 0.7  # 10 % of all rows


@pytest.mark.parametrize(
    "strategy", ["margin", "loss", "el2n", "grand", "forgetting", "noise", "prototype"]
)
def test_higher_scores_mean_easier_rows(strategy):
    # wrong labels are harder than right ones, for every model-based strategy;
    # rows far from their class centre are harder for the prototype strategy
    X, y = make_blobs(400, centers=[[-2, 0], [2, 0]], cluster_std=1.0, random_state=0)
    noisy, flipped = flip_labels(y, 0.15, 2, seed=1)
    model = SampleSubsetter(
        LogisticRegression(), strategy=strategy, random_state=0
    ).fit(X, noisy)
    scores = model.sample_scores_
    if strategy == "prototype":
        centre = np.array([X[noisy == k].mean(0) for k in (0, 1)])[noisy]
        far = np.linalg.norm(X - centre, axis=1)
        assert np.corrcoef(far, scores)[0, 1] < -0.95
    else:
        assert np.median(scores[flipped]) < np.percentile(scores[~flipped], 10)
    # and "easy" keeps the high ones
    easy = SampleSubsetter(
        LogisticRegression(),
        strategy=strategy,
        keep="easy",
        n_keep=200,
        stratify=False,
        random_state=0,
    ).fit(X, noisy)
    assert scores[easy.sample_mask_].mean() > scores[~easy.sample_mask_].mean()


def test_callable_strategy_and_default_scorer(cancer):
    X, y = cancer

    def first_feature(X, y):
        return X[:, 0]

    model = SampleSubsetter(
        LogisticRegression(),
        n_keep=300,
        strategy=first_feature,
        keep="easy",
        stratify=False,
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
    y_rare[:1] = 1
    with pytest.raises(ValueError, match="Class 1 has a single row"):
        SampleSubsetter(
            LogisticRegression(), strategy="loss", score_by="out_of_fold"
        ).fit(X, y_rare)
    with pytest.raises(InvalidParameterError, match="strategy"):
        SampleSubsetter(LogisticRegression(), strategy="hardest").fit(X, y)
    with pytest.raises(ValueError, match="strategy='margin' needs a classifier"):
        SampleSubsetter(Ridge(), strategy="margin").fit(X, y.astype(float))
    with pytest.raises(ValueError, match="finite scores of shape"):
        SampleSubsetter(LogisticRegression(), strategy=lambda X, y: X).fit(X, y)
    with pytest.raises(ValueError, match="each of the 2 classes keeps at least one"):
        SampleSubsetter(LogisticRegression(), strategy="random", n_keep=1).fit(X, y)
    with pytest.raises(ValueError, match="cannot be kept within the 1 rows kept"):
        SampleSubsetter(LogisticRegression(), n_keep=1).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SampleSubsetter(LogisticRegression()).fit(X_nan, y)
    with pytest.raises(ValueError, match='keep="weighted" samples rows in proportion'):
        SampleSubsetter(LogisticRegression(), strategy="margin", keep="weighted").fit(
            X, y
        )
    with pytest.raises(ValueError, match="keep='hard' would keep them"):
        SampleSubsetter(LogisticRegression(), strategy="noise", keep="hard").fit(X, y)
    with pytest.raises(ValueError, match="picks its rows itself"):
        SampleSubsetter(LogisticRegression(), strategy="kcenter", keep="easy").fit(X, y)
    with pytest.raises(ValueError, match=r'reweight=True .* needs strategy="noise"'):
        SampleSubsetter(LogisticRegression(), strategy="loss", reweight=True).fit(X, y)
    with pytest.raises(ValueError, match=r"KNeighborsClassifier\.fit takes no"):
        SampleSubsetter(KNeighborsClassifier(), strategy="grand", keep="weighted").fit(
            X, y
        )
    # "auto" falls back to an unweighted rule for such an estimator
    knn = SampleSubsetter(KNeighborsClassifier(), strategy="grand").fit(X, y)
    assert knn.keep_ == "coverage" and knn.sample_weight_ is None


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


def test_in_a_pipeline_with_pandas_output(cancer):
    pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"),
        SampleSubsetter(LogisticRegression(), strategy="el2n", random_state=0),
    )
    pipe.fit(data.data, data.target)
    subsetter = pipe[-1]
    # the frame's column names reach the subsetter, which checks them later
    np.testing.assert_array_equal(subsetter.feature_names_in_, data.data.columns)
    assert pipe.score(data.data, data.target) > 0.9
    with pytest.raises(ValueError, match="feature names"):
        subsetter.predict(data.data.iloc[:, ::-1])


@pytest.mark.parametrize("scorer", [LogisticRegression(), LinearSVC()])
def test_one_pass_linear_scores_equal_per_fold_predictions(iris, scorer):
    X, y = iris
    for X_ in (X, sp.csr_matrix(X)):
        context = OutOfFold(
            X=X_,
            y=y,
            y_codes=y,
            classes=np.arange(3),
            scorer=scorer,
            cv=5,
            random_state=0,
            n_jobs=None,
            fit_params={},
        )
        fast = context._linear_oof_decision()
        np.testing.assert_allclose(
            fast, context._oof("decision_function"), rtol=1e-10, atol=1e-12
        )
        if hasattr(scorer, "predict_proba"):
            np.testing.assert_allclose(
                context.proba, context._oof("predict_proba"), atol=1e-12
            )


def test_scoring_estimator_is_the_model_that_scores(iris):
    X, y = iris
    knn = KNeighborsClassifier(n_neighbors=1)
    model = SampleSubsetter(
        LogisticRegression(),
        strategy="loss",
        scoring_estimator=knn,
        score_by="out_of_fold",
    ).fit(X, y)
    proba = cross_val_predict(knn, X, y, cv=5, method="predict_proba")
    expected = np.log(np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0))
    np.testing.assert_allclose(model.sample_scores_, expected)
    # the scorer only scores: the model that predicts is a LogisticRegression
    # fit on the kept rows with their weights
    expected_model = LogisticRegression().fit(
        X[model.sample_indices_],
        y[model.sample_indices_],
        sample_weight=model.sample_weight_,
    )
    np.testing.assert_allclose(model.estimator_.coef_, expected_model.coef_)


def test_class_weight_keyed_by_the_users_labels(cancer):
    X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    weights = {"benign": 1.0, "malignant": 5.0}
    model = SampleSubsetter(
        LogisticRegression(class_weight=weights), strategy="margin", random_state=0
    ).fit(X, labels)
    np.testing.assert_array_equal(model.classes_, ["benign", "malignant"])
    # the fold models saw the class weights: scores differ from unweighted ones
    plain = SampleSubsetter(LogisticRegression(), strategy="margin").fit(X, labels)
    assert not np.allclose(model.sample_scores_, plain.sample_scores_)
    numeric = SampleSubsetter(
        LogisticRegression(class_weight={10: 1.0, 20: 5.0}), strategy="loss"
    ).fit(X, np.where(y == 1, 10, 20))
    assert numeric.score(X, np.where(y == 1, 10, 20)) > 0.9


def test_nan_passes_through_to_an_estimator_that_accepts_it(cancer):
    X, y = cancer
    X = X.copy()
    X[::7, 3] = np.nan
    model = SampleSubsetter(
        HistGradientBoostingClassifier(max_iter=20),
        strategy="margin",
        prune_ratio=0.5,
        random_state=0,
    ).fit(X, y)
    assert model.sample_mask_.sum() == 285 and model.score(X, y) > 0.9
    assert model.__sklearn_tags__().input_tags.allow_nan
    assert (
        not SampleSubsetter(LogisticRegression())
        .__sklearn_tags__()
        .input_tags.allow_nan
    )
    with pytest.raises(ValueError, match="strategy='grand' measures distances"):
        SampleSubsetter(HistGradientBoostingClassifier(), strategy="grand").fit(X, y)


def test_noise_with_a_count_removes_rows_where_the_noise_is(digits):
    # every wrong label is a 0, 1 or 2: a count split by class size would
    # remove clean rows of classes 3-9, a split by flagged rows does not
    X, y = digits
    rng = np.random.RandomState(0)
    flipped = ~np.isin(y, [0, 1, 2]) & (rng.rand(len(y)) < 0.1)
    noisy = y.copy()
    noisy[flipped] = rng.randint(0, 3, flipped.sum())
    n_remove = int(flipped.sum())

    def f1(removed):
        hits = (removed & flipped).sum()
        return 2 * hits / (removed.sum() + flipped.sum())

    scores = {}
    for stratify in (True, False):
        model = SampleSubsetter(
            LogisticRegression(max_iter=1000),
            strategy="noise",
            n_keep=len(y) - n_remove,
            stratify=stratify,
        ).fit(X, noisy)
        assert model.sample_mask_.sum() == len(y) - n_remove
        scores[stratify] = f1(~model.sample_mask_)
    # class-size proportional removal (the old behaviour) for comparison
    proportional = SampleSubsetter(
        LogisticRegression(max_iter=1000),
        strategy="el2n",
        keep="easy",
        n_keep=len(y) - n_remove,
    ).fit(X, noisy)
    # every class keeps plenty of rows here, so stratify changes nothing
    assert scores[True] == scores[False] > 0.65
    assert scores[True] > f1(~proportional.sample_mask_) + 0.25


def test_noise_auto_count_and_explicit_count(cancer):
    X, y = cancer
    noisy, _ = flip_labels(y, 0.1, 2, seed=2)
    auto = SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto"
    ).fit(X, noisy)
    n_flagged = int(auto.label_issues_.sum())
    assert (~auto.sample_mask_).sum() == n_flagged
    np.testing.assert_array_equal(~auto.sample_mask_, auto.label_issues_)
    # n_keep overrides "auto", as everywhere
    explicit = SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto", n_keep=400
    ).fit(X, noisy)
    assert explicit.sample_mask_.sum() == 400
    assert not explicit.sample_mask_[explicit.label_issues_].any()


def test_reweight_as_cleanlab_weights_each_class_by_its_noise_rate(iris):
    X, y = iris
    noisy, _ = flip_labels(y, 0.2, 3, seed=0)
    model = SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto", reweight=True
    ).fit(X, noisy)
    oof = RowScoring.of(SampleSubsetter(LogisticRegression())).predictions(X, noisy, {})
    issues = find_label_issues(oof.proba, noisy)
    joint = issues.joint
    stay = np.diag(joint) / joint.sum(axis=0)  # P(given = k | true = k)
    kept = noisy[model.sample_mask_]
    np.testing.assert_allclose(model.sample_weight_, 1 / stay[kept])
    assert model.sample_weight_.max() > 1.05
    ref = LogisticRegression().fit(
        X[model.sample_mask_], kept, sample_weight=1 / stay[kept]
    )
    np.testing.assert_allclose(model.estimator_.coef_, ref.coef_)


def test_weighted_favours_hard_rows_and_coverage_keeps_the_hard_tail(cancer):
    X, y = cancer
    weighted = SampleSubsetter(
        LogisticRegression(), strategy="grand", prune_ratio=0.8, random_state=0
    ).fit(X, y)
    kept_scores = weighted.sample_scores_[weighted.sample_indices_]
    # harder rows (lower scores) were likelier to be drawn by the second
    # step (the pilot's rows are a uniform sample): smaller weights
    drawn = ~np.isin(weighted.sample_indices_, weighted.pilot_indices_)
    assert np.corrcoef(weighted.sample_weight_[drawn], kept_scores[drawn])[0, 1] > 0.5
    assert kept_scores.mean() < weighted.sample_scores_.mean()
    coverage = SampleSubsetter(
        LogisticRegression(), strategy="margin", prune_ratio=0.8, random_state=0
    ).fit(X, y)
    scores = coverage.sample_scores_
    usable = ~coverage.label_issues_
    uniform = SampleSubsetter(
        LogisticRegression(), strategy="random", prune_ratio=0.8, random_state=0
    ).fit(X, y)
    # most rows are far from the boundary; even-width bins keep the sparse
    # tails, hard and easy: the kept scores spread wider than their class's,
    # and wider than uniformly random rows' (0.8-1.25 times over seeds 0-4)
    for k in (0, 1):
        spread = scores[usable & (y == k)].std()
        kept = scores[coverage.sample_mask_ & (y == k)]
        assert kept.std() > 1.3 * spread
        assert kept.std() > scores[uniform.sample_mask_ & (y == k)].std()


def test_a_callable_cost_is_importance_sampled(cancer):
    X, y = cancer
    model = SampleSubsetter(
        LogisticRegression(),
        strategy=lambda X, y: -np.abs(X[:, 0]),
        keep="weighted",
        n_keep=100,
        random_state=0,
    ).fit(X, y)
    assert model.keep_ == "weighted" and model.sample_weight_.shape == (100,)
    with pytest.raises(ValueError, match="never positive"):
        SampleSubsetter(
            LogisticRegression(), strategy=lambda X, y: X[:, 0], keep="weighted"
        ).fit(X, y)


def test_one_vs_one_svc_scores_are_not_read_as_one_row_per_class(iris):
    from sklearn.svm import SVC

    X, y = iris
    model = SampleSubsetter(SVC(kernel="linear"), strategy="margin").fit(X, y)
    oof = RowScoring.of(model).predictions(X, y, {})
    assert oof._linear_oof_decision() is None
    expected = oof._oof("decision_function")
    rows = np.arange(len(y))
    others = expected.copy()
    others[rows, y] = -np.inf
    np.testing.assert_allclose(
        model.sample_scores_, expected[rows, y] - others.max(axis=1)
    )


def test_folds_without_a_class_and_two_dimensional_labels_are_refused(iris):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import KFold

    X, y = iris  # sorted by class: unshuffled 3-fold leaves a class out
    with pytest.raises(ValueError, match="no row of class 0"):
        SampleSubsetter(LogisticRegression(), strategy="margin", cv=KFold(3)).fit(X, y)
    # imbalanced-learn's samplers' message, from fit and fit_resample alike
    for method in ("fit", "fit_resample"):
        with pytest.raises(ValueError, match="Multilabel and multioutput targets"):
            getattr(SampleSubsetter(RandomForestClassifier(n_estimators=5)), method)(
                X, np.column_stack([y, y])
            )
    uniform = SampleSubsetter(RandomForestClassifier(), strategy="random")
    for method in ("fit", "fit_resample"):
        with pytest.raises(ValueError, match="only one class is present"):
            getattr(uniform, method)(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match=r"reweight=True gives .* use reweight=False"):
        SampleSubsetter(
            KNeighborsClassifier(), strategy="noise", prune_ratio="auto", reweight=True
        ).fit(X, y)


def test_noise_beyond_the_flagged_rows_keeps_the_class_balance(digits):
    X, y = digits
    model = SampleSubsetter(
        LogisticRegression(max_iter=1000), strategy="noise", n_keep=180
    ).fit(X, y)
    assert not model.sample_mask_[model.label_issues_].any()
    kept = np.bincount(y[model.sample_mask_], minlength=10)
    assert kept.sum() == 180 and kept.min() >= 16 and kept.max() <= 20
    ranked = SampleSubsetter(
        LogisticRegression(max_iter=1000),
        strategy="noise",
        n_keep=180,
        stratify=False,
    ).fit(X, y)
    # ranked by quality alone, the easiest classes take most of the rows
    assert np.bincount(y[ranked.sample_mask_], minlength=10).max() > 25


class ThreadRecorder(LogisticRegression):
    """A logistic regression that records its BLAS thread count at each fit."""

    def fit(self, X, y, sample_weight=None):
        from threadpoolctl import threadpool_info

        threads = [
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
        ]
        ThreadRecorder.seen.append(max(threads, default=1))
        return super().fit(X, y, sample_weight=sample_weight)


def test_a_small_problem_runs_on_one_blas_thread(cancer):
    from threadpoolctl import threadpool_info, threadpool_limits

    X, y = cancer
    with threadpool_limits(limits=2, user_api="blas"):
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        if not blas or max(i["num_threads"] for i in blas) < 2:
            pytest.skip("a single BLAS thread here: nothing to limit")
        ThreadRecorder.seen = []
        model = SampleSubsetter(
            ThreadRecorder(),
            strategy="grand",
            prune_ratio=0.5,
            score_by="out_of_fold",
        )
        model.fit(X, y)
        # the out-of-fold scoring fits and the final fit
        assert len(ThreadRecorder.seen) == 6
        assert set(ThreadRecorder.seen) == {1}
        ThreadRecorder.seen = []
        SampleSubsetter(ThreadRecorder(), strategy="margin").fit_resample(X, y)
        assert set(ThreadRecorder.seen) == {1}
        # the caller's setting is back afterwards
        after = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert max(after) == 2
