"""SampleSubsetter's default: strategy="auto" and the cheap label check of
clean_labels="auto" (skprune.rows.scoring._noise_check)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skprune import SampleSubsetter
from skprune.rows.scoring._noise_check import (
    NOISE_RATE_THRESHOLD,
    check_label_noise,
    noise_floor,
)


def _flipped(y, rate, seed):
    """``y`` with ``round(rate * n)`` labels moved to another class."""
    rng = np.random.RandomState(seed)
    rows = rng.choice(len(y), round(rate * len(y)), replace=False)
    n_classes = y.max() + 1
    noisy = y.copy()
    noisy[rows] = (y[rows] + 1 + rng.randint(0, n_classes - 1, len(rows))) % n_classes
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rows] = True
    return noisy, flipped


@pytest.fixture(scope="module")
def separable():
    # classes far apart: every wrong label is a flipped one
    return make_classification(
        4000,
        8,
        n_informative=6,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=3.0,
        flip_y=0,
        random_state=0,
    )


@pytest.mark.parametrize(
    "estimator, strategy, keep",
    [
        (LogisticRegression(), "grand", "weighted"),
        (SGDClassifier(loss="log_loss"), "grand", "weighted"),
        (LinearSVC(), "grand", "weighted"),
        (HistGradientBoostingClassifier(max_iter=10), "random", "easy"),
        (RandomForestClassifier(n_estimators=5), "random", "easy"),
        (SVC(), "random", "easy"),
        (MLPClassifier(max_iter=20), "random", "easy"),
        # a pipeline's norms are not its model's: uniform rows
        (make_pipeline(StandardScaler(), LogisticRegression()), "random", "easy"),
        # no sample_weight to carry the weighted rule's weights
        (KNeighborsClassifier(), "random", "easy"),
        (LinearRegression(), "random", "easy"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_auto_picks_the_rule_of_the_estimators_kind(estimator, strategy, keep):
    X, y = make_classification(600, 5, random_state=0)
    if not hasattr(estimator, "predict_proba") and isinstance(
        estimator, LinearRegression
    ):
        y = X[:, 0] + 0.1 * np.random.RandomState(0).randn(len(y))
    model = SampleSubsetter(estimator, prune_ratio=0.7, random_state=0).fit(X, y)
    assert (model.strategy_, model.keep_) == (strategy, keep)
    assert (model.sample_weight_ is not None) == (keep == "weighted")
    # a regressor's labels are not checked
    assert (model.noise_rate_ is None) == isinstance(estimator, LinearRegression)


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.3])
def test_the_noise_estimate_finds_a_known_flip_rate(separable, rate):
    X, y = separable
    noisy, _ = _flipped(y, rate, seed=1)
    codes = noisy
    check = check_label_noise(
        X,
        noisy,
        codes,
        np.unique(noisy),
        LogisticRegression(),
        {},
        size=2000,
        seed=0,
    )
    assert abs(check.rate - rate) < 0.05, check.rate
    assert check.noisy or rate < 0.2


def test_the_noise_estimate_of_clean_labels_is_small(separable):
    X, y = separable
    check = check_label_noise(
        X, y, y, np.unique(y), LogisticRegression(), {}, size=2000, seed=0
    )
    assert check.rate < 0.02 and not check.noisy


def test_overlapping_classes_are_not_taken_for_noise():
    # clean labels, classes that overlap: the out-of-fold error is large, but
    # not where the models are surest
    X, y = make_classification(
        4000,
        8,
        n_informative=4,
        n_clusters_per_class=1,
        class_sep=0.3,
        flip_y=0,
        random_state=0,
    )
    check = check_label_noise(
        X, y, y, np.unique(y), LogisticRegression(), {}, size=2000, seed=0
    )
    error = np.mean(check.pilot_proba.argmax(axis=1) != y[check.rows])
    assert error > 0.15 and check.rate < NOISE_RATE_THRESHOLD


def test_the_noise_floor_reads_the_surest_rows_only():
    # wrong labels where the model is unsure do not count; on the surest rows
    # they do
    proba = np.array([[0.99, 0.01], [0.98, 0.02], [0.55, 0.45], [0.52, 0.48]])
    y = np.array([0, 0, 1, 1])
    assert noise_floor(proba, y, share=0.5) == 0.0
    assert noise_floor(proba, np.array([1, 0, 0, 0]), share=0.5) == 0.5


def test_clean_labels_leave_the_weighted_rule_unchanged():
    X, y = make_classification(3000, 6, class_sep=2.0, flip_y=0, random_state=0)
    checked = SampleSubsetter(LogisticRegression(), prune_ratio=0.9, random_state=0)
    plain = SampleSubsetter(
        LogisticRegression(), prune_ratio=0.9, clean_labels=False, random_state=0
    )
    checked.fit(X, y)
    plain.fit(X, y)
    assert checked.noise_rate_ < NOISE_RATE_THRESHOLD
    assert checked.label_issues_ is None
    np.testing.assert_array_equal(checked.sample_indices_, plain.sample_indices_)
    np.testing.assert_array_equal(checked.sample_weight_, plain.sample_weight_)
    np.testing.assert_array_equal(checked.pilot_indices_, plain.pilot_indices_)


def test_clean_labels_leave_uniform_rows_unchanged():
    X, y = make_classification(3000, 6, class_sep=2.0, flip_y=0, random_state=0)
    tree = DecisionTreeClassifier(max_depth=5, random_state=0)
    checked = SampleSubsetter(tree, prune_ratio=0.8, random_state=3).fit(X, y)
    uniform = SampleSubsetter(
        tree, prune_ratio=0.8, strategy="random", random_state=3
    ).fit(X, y)
    assert checked.noise_rate_ < NOISE_RATE_THRESHOLD
    np.testing.assert_array_equal(checked.sample_indices_, uniform.sample_indices_)


@pytest.mark.parametrize(
    "estimator",
    [DecisionTreeClassifier(max_depth=4, random_state=0), LogisticRegression()],
    ids=["uniform rows", "weighted rule"],
)
def test_noisy_labels_are_set_aside_and_count_a_fifth(separable, estimator):
    X, y = separable
    noisy, flipped = _flipped(y, 0.2, seed=2)
    n_keep = 800
    model = SampleSubsetter(estimator, n_keep=n_keep, random_state=0).fit(X, noisy)
    assert model.noise_rate_ >= NOISE_RATE_THRESHOLD
    issues = model.label_issues_
    assert issues is not None and len(model.sample_indices_) == n_keep
    # the flagged rows are mostly the flipped ones, and most flipped rows
    # are flagged
    assert flipped[issues].mean() > 0.8 and issues[flipped].mean() > 0.8
    kept_flipped = flipped[model.sample_mask_].mean()
    if model.keep_ == "weighted":
        # the rows set aside are drawn by the uniform share only (and kept
        # in the pilot), and count a fifth of their weight
        # in expectation the rows set aside hold a fifth of their share of
        # the objective (the weights estimate it without bias)
        weights = model.sample_weight_
        share = issues.mean()
        expected = 0.2 * share / (1 - share + 0.2 * share)
        kept_issues = issues[model.sample_mask_]
        assert weights[kept_issues].sum() / weights.sum() < 1.5 * expected
        assert weights[flipped[model.sample_mask_]].sum() / weights.sum() < 0.1
        plain = SampleSubsetter(
            estimator, n_keep=n_keep, clean_labels=False, random_state=0
        ).fit(X, noisy)
        np.testing.assert_array_equal(plain.pilot_indices_, model.pilot_indices_)
        assert flipped[plain.sample_mask_].mean() > kept_flipped
    else:
        # a fifth of the rows are uniform over every row: they hold the
        # flagged rows at about their rate, the rest hold none
        from_all = round(0.2 * n_keep)
        assert model.sample_mask_[issues].sum() <= from_all
        assert 0.01 < kept_flipped < 0.1


def test_a_check_too_small_to_fold_sets_nothing_aside():
    X, y = make_classification(40, 4, weights=[0.95], flip_y=0, random_state=0)
    model = SampleSubsetter(
        DecisionTreeClassifier(random_state=0), n_keep=20, random_state=0
    ).fit(X, y)
    assert np.bincount(y).min() < 2 or model.noise_rate_ is not None
    assert len(model.sample_indices_) == 20


def test_auto_chooses_its_keep_rule():
    X, y = make_classification(200, 4, random_state=0)
    with pytest.raises(ValueError, match='strategy="auto" chooses the keep rule'):
        SampleSubsetter(LogisticRegression(), keep="coverage").fit(X, y)


def test_the_benchmarks_shortcut_with_the_checks_flags_is_what_fit_keeps(separable):
    # the benchmark's shortcut (one check shared by many rules, the weighted
    # rule's two phases called directly) keeps the rows and weights fit
    # keeps, the check's flags included
    from skprune.rows._select import weighted_by_pilot
    from skprune.rows.scoring._plan import RowScoring

    X, y = separable
    noisy, _ = _flipped(y, 0.2, seed=2)
    subsetter = SampleSubsetter(
        LogisticRegression(), strategy="grand", n_keep=600, random_state=0
    )
    fitted = clone(subsetter).fit(X, noisy)
    assert fitted.label_issues_ is not None
    scoring = RowScoring.of(subsetter)
    _, set_aside = scoring.check_noise(X, noisy, {}, 600)
    chosen = weighted_by_pilot(scoring, X, noisy, {}, 600, set_aside, None)
    np.testing.assert_array_equal(chosen.mask, fitted.sample_mask_)
    np.testing.assert_allclose(
        chosen.weights[chosen.mask], fitted.sample_weight_, rtol=1e-12
    )
