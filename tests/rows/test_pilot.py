"""Pilot scoring, the weighted rule's design and its weights, pandas in and
out, and the checks on sample_weight."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.extmath import row_norms

from skprune import SampleSubsetter
from skprune.rows.scoring._scorers import OutOfFold, pilot_size
from skprune.rows.scoring._strategies import mmse_scores
from skprune.rows.selection._weighted import weighted_rows
from skprune.utils._arrays import allocate


def test_weights_estimate_a_linear_total_without_bias():
    # Horvitz-Thompson: sum(weights * f) over the kept rows has the mean
    # sum(f) over every row (the pilot's two-phase design is
    # test_one_read.py's)
    rng = np.random.RandomState(0)
    n, n_keep = 400, 40
    hardness = rng.exponential(size=n) ** 2
    f = 3.0 + hardness + rng.normal(size=n)  # correlated with the cost
    estimates = []
    for seed in range(3000):
        mask, weights = weighted_rows(
            hardness, n_keep, uniform_share=0.3, rng=np.random.RandomState(seed)
        )
        assert mask.sum() == n_keep
        estimates.append(weights @ f)
    estimates = np.asarray(estimates)
    error = abs(estimates.mean() - f.sum())
    assert error < 3 * estimates.std() / np.sqrt(len(estimates)) + 0.002 * f.sum()
    # and the sampling is not uniform: dropping the weights is biased
    kept_unweighted = np.mean(
        [
            f[
                weighted_rows(
                    hardness, n_keep, uniform_share=0.3, rng=np.random.RandomState(s)
                )[0]
            ].sum()
            for s in range(200)
        ]
    )
    assert n / n_keep * kept_unweighted > 1.2 * f.sum()


def test_every_class_keeps_a_row_it_was_allowed_to_draw():
    # a rare class whose rows were all set aside still keeps one, drawn with
    # a real probability and a positive weight
    hardness = np.r_[np.full(95, 0.1), np.full(5, 5.0)]
    exclude = np.zeros(100, dtype=bool)
    exclude[95:] = True
    classes = [np.arange(95), np.arange(95, 100)]
    for seed in range(20):
        mask, weights = weighted_rows(
            hardness,
            10,
            uniform_share=0.2,
            rng=np.random.RandomState(seed),
            exclude=exclude,
            every_class=classes,
        )
        assert mask.sum() == 10 and mask[95:].sum() == 1
        assert np.all(weights[mask] > 0) and np.all(weights[~mask] == 0)
        # the least hard of the rare rows was the one let back in
        assert mask[95 + np.argmin(hardness[95:])]


def test_systematic_sampling_takes_the_certain_rows_and_refuses_a_wrong_total():
    from skprune.rows.selection._weighted import systematic_sample

    pi = np.array([1.0, 1.0 - 1e-13, 0.5, 0.5, 0.5, 0.5])
    for seed in range(50):
        mask = systematic_sample(pi, 4, np.random.RandomState(seed))
        assert mask.sum() == 4 and mask[:2].all()
    with pytest.raises(ValueError, match="sum to"):
        systematic_sample(np.full(6, 0.5), 4, np.random.RandomState(0))


def test_inclusion_probabilities_when_few_rows_carry_importance():
    from skprune.rows.selection._weighted import inclusion_probabilities

    pi = inclusion_probabilities(np.r_[3.0, 1.0, np.zeros(8)], 4)
    np.testing.assert_allclose(pi, np.r_[1.0, 1.0, np.full(8, 0.25)])
    assert np.isclose(pi.sum(), 4)


def test_estimator_weights_are_the_inverse_probabilities_scaled_to_the_kept_rows(
    cancer,
):
    X, y = cancer
    model = SampleSubsetter(
        LogisticRegression(),
        strategy="grand",
        n_keep=100,
        score_by="out_of_fold",
        random_state=0,
    ).fit(X, y)
    assert model.label_issues_ is None and model.pilot_indices_ is None
    # n_keep / n times 1 / pi: over the kept rows, the weights estimate n_keep
    w = model.sample_weight_
    assert w.shape == (100,) and np.all(w > 0)
    assert 0.7 < w.mean() < 1.3


def test_pilot_rows_are_kept_and_score_the_first_phase(cancer):
    from skprune.rows.selection._weighted import (
        first_phase_rate,
        inclusion_probabilities,
        row_uniforms,
        systematic_sample,
    )

    X, y = cancer
    n, n_keep = len(y), 60
    model = SampleSubsetter(
        LogisticRegression(),
        strategy="grand",
        n_keep=n_keep,
        score_by="pilot",
        pilot_size=20,
        random_state=0,
        clean_labels=False,
    ).fit(X, y)
    pilot = model.pilot_indices_
    assert len(pilot) == 20 and np.all(np.diff(pilot) > 0)
    assert np.isin(pilot, model.sample_indices_).all()
    # the first phase: the rows whose uniform is below the rate, and the
    # pilot its rows of smallest uniform, in proportion to the classes
    sampling_seed, pilot_seed = np.random.RandomState(0).randint(
        np.iinfo(np.int32).max, size=2
    )
    rate = first_phase_rate(n, n_keep)
    assert rate < 1
    u = row_uniforms(pilot_seed, np.arange(n))
    phase = np.flatnonzero(u < rate)
    assert np.isin(model.sample_indices_, phase).all()
    for k, quota in zip((0, 1), allocate(np.bincount(y), 20), strict=True):
        members = phase[y[phase] == k]
        expected = np.sort(members[np.argsort(u[members])[:quota]])
        np.testing.assert_array_equal(pilot[y[pilot] == k], expected)
    # the first phase's rows are scored by the one model fit on the pilot
    # rows; the others are not scored at all
    scorer = LogisticRegression().fit(X[pilot], y[pilot])
    p = scorer.predict_proba(X[phase])[:, 1]
    expected = -np.sqrt(2) * np.abs(y[phase] - p)
    expected *= np.sqrt(row_norms(X[phase], squared=True) + 1)
    np.testing.assert_allclose(
        model.sample_scores_[phase], expected, rtol=1e-6, atol=1e-12
    )
    assert np.isnan(np.delete(model.sample_scores_, phase)).all()
    # the second step: probabilities proportional to OSMAC's cost over its
    # mean on the first phase's other rows, a fifth uniform, capped at one,
    # drawn systematically in row order; the weights (n_keep / n) times lam *
    # the pilot's alone (n_k / r_k) + (1 - lam) * the two phases' (1 / q on a
    # pilot row, 1 / (q pi) on a drawn one)
    rest = np.setdiff1d(phase, pilot)
    cost = -model.sample_scores_[rest]
    pi = inclusion_probabilities(0.8 * cost / cost.mean() + 0.2, n_keep - 20)
    drawn = systematic_sample(pi, n_keep - 20, np.random.RandomState(sampling_seed))
    np.testing.assert_array_equal(model.sample_indices_, np.union1d(pilot, rest[drawn]))
    alone, both = 1 / 20 - 1 / n, 1 / n_keep - 1 / n
    lam = both / (alone + both)
    weight = np.zeros(n)
    weight[rest] = (1 - lam) / rate / pi
    counts = np.bincount(y)
    weight[pilot] = lam * counts[y[pilot]] / np.bincount(y[pilot])[y[pilot]]
    weight[pilot] += (1 - lam) / rate
    np.testing.assert_allclose(
        model.sample_weight_, n_keep / n * weight[model.sample_indices_]
    )
    assert model.estimator_.coef_.shape == (1, X.shape[1])


def test_pilot_unless_wrong_labels_are_looked_for(cancer):
    X, y = cancer
    make = dict(prune_ratio=0.8, random_state=0)
    weighted = SampleSubsetter(LogisticRegression(), strategy="grand", **make).fit(X, y)
    assert weighted.keep_ == "weighted" and weighted.pilot_indices_ is not None
    assert weighted.label_issues_ is None  # nothing set aside
    # coverage sets the likely-wrong labels aside first (CCS), which needs
    # every row judged out of fold
    coverage = SampleSubsetter(LogisticRegression(), strategy="margin", **make).fit(
        X, y
    )
    assert coverage.keep_ == "coverage" and coverage.pilot_indices_ is None
    assert coverage.label_issues_ is not None
    assert not coverage.sample_mask_[coverage.label_issues_].any()
    cleaned = SampleSubsetter(
        LogisticRegression(), strategy="grand", clean_labels=True, **make
    ).fit(X, y)
    assert cleaned.pilot_indices_ is None and cleaned.label_issues_ is not None
    out_of_fold = SampleSubsetter(
        LogisticRegression(), strategy="grand", score_by="out_of_fold", **make
    ).fit(X, y)
    assert out_of_fold.pilot_indices_ is None
    assert not np.array_equal(out_of_fold.sample_scores_, weighted.sample_scores_)


def test_pilot_on_sparse_equals_dense(cancer):
    X, y = cancer
    make = dict(strategy="mmse", n_keep=150, score_by="pilot", random_state=3)
    dense = SampleSubsetter(LogisticRegression(), **make).fit(X, y)
    csr = SampleSubsetter(LogisticRegression(), **make).fit(sparse.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.sample_indices_, csr.sample_indices_)
    np.testing.assert_allclose(dense.sample_weight_, csr.sample_weight_)


def test_pilot_for_a_regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.standard_t(2, size=500)
    model = SampleSubsetter(
        Ridge(), strategy="loss", n_keep=100, score_by="pilot", random_state=0
    ).fit(X, y)
    assert model.keep_ == "weighted" and len(model.pilot_indices_) == 50
    residual = np.abs(
        y - Ridge().fit(X[model.pilot_indices_], y[model.pilot_indices_]).predict(X)
    )
    np.testing.assert_allclose(model.sample_scores_, -residual)


def test_mmse_is_the_gradient_after_the_inverse_hessian(iris, cancer):
    for X, y in (cancer, iris):
        classes, codes = np.unique(y, return_inverse=True)
        oof = OutOfFold(
            X=X,
            y=y,
            y_codes=codes,
            classes=classes,
            scorer=LogisticRegression(),
            cv=3,
            random_state=0,
            n_jobs=None,
            fit_params={},
        )
        p = oof.proba
        Xt = np.hstack([X, np.ones((len(X), 1))])
        if p.shape[1] == 2:
            hessian = (Xt * (p[:, 1] * p[:, 0])[:, None]).T @ Xt / len(X)
            gradients = (p[:, 1] - codes)[:, None] * Xt
        else:
            hessian = sum(
                np.kron(np.diag(p[i]) - np.outer(p[i], p[i]), np.outer(Xt[i], Xt[i]))
                for i in range(len(X))
            ) / len(X)
            r = p.copy()
            r[np.arange(len(X)), codes] -= 1
            gradients = np.stack([np.kron(r[i], Xt[i]) for i in range(len(X))])
        expected = np.linalg.norm(gradients @ np.linalg.pinv(hessian), axis=1)
        np.testing.assert_allclose(-mmse_scores(X, y, oof), expected, rtol=1e-6)
        # not the mVc cost: the Hessian reweights the directions
        assert not np.allclose(
            -mmse_scores(X, y, oof) / expected.max(),
            np.linalg.norm(gradients, axis=1) / expected.max(),
        )


def test_osmac_design_beats_uniform_rows_on_an_imbalanced_design():
    # the paper's nzNormal design (about 90 % ones): the rare class is where
    # the information is, which importance sampling finds and uniform rows
    # do not (benchmarks/bench_osmac.py runs the full design)
    errors = {"uniform": [], "weighted": []}
    beta0 = np.full(7, 0.5)
    sigma = np.full((7, 7), 0.5) + 0.5 * np.eye(7)
    mle = LogisticRegression(C=np.inf, fit_intercept=False, max_iter=1000)
    for rep in range(8):
        rng = np.random.RandomState(rep)
        X = rng.multivariate_normal(np.full(7, 1.5), sigma, size=5000)
        y = (rng.random_sample(5000) < expit(X @ beta0)).astype(int)
        rows = rng.choice(5000, 500, replace=False)
        errors["uniform"].append(np.sum((mle.fit(X[rows], y[rows]).coef_ - beta0) ** 2))
        sub = SampleSubsetter(
            mle,
            strategy="grand",
            keep="weighted",
            n_keep=500,
            score_by="pilot",
            pilot_size=200,
            random_state=rep,
        )
        errors["weighted"].append(np.sum((sub.fit(X, y).estimator_.coef_ - beta0) ** 2))
    assert np.mean(errors["weighted"]) < 0.7 * np.mean(errors["uniform"])


def test_sample_weight_is_checked_whatever_rows_are_kept(cancer):
    X, y = cancer
    for strategy in ("random", "grand"):
        for bad, message in ((np.nan, "NaN"), (-1.0, "(?i)negative")):
            sw = np.ones(len(y))
            sw[0] = bad
            with pytest.raises(ValueError, match=message):
                SampleSubsetter(
                    LogisticRegression(), strategy=strategy, n_keep=10, random_state=0
                ).fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError, match="sample_weight"):
        SampleSubsetter(LogisticRegression()).fit(X, y, sample_weight=np.ones(3))


def test_bad_pilot_settings_get_clear_errors(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="out_of_fold"):
        SampleSubsetter(LogisticRegression(), strategy="noise", score_by="pilot").fit(
            X, y
        )
    with pytest.raises(ValueError, match="out_of_fold"):
        SampleSubsetter(
            LogisticRegression(), strategy="grand", clean_labels=True, score_by="pilot"
        ).fit(X, y)
    # a pilot larger than the kept rows is capped at them (they include it)
    capped = SampleSubsetter(
        LogisticRegression(),
        strategy="grand",
        n_keep=100,
        score_by="pilot",
        pilot_size=300,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(capped.pilot_indices_, capped.sample_indices_)
    with pytest.raises(ValueError, match="needs a classifier"):
        SampleSubsetter(Ridge(), strategy="loss", clean_labels=True).fit(X, y)
    with pytest.raises(ValueError, match="sampling rule"):
        SampleSubsetter(
            LogisticRegression(), strategy="margin", keep="easy", clean_labels=True
        ).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    from sklearn.ensemble import HistGradientBoostingClassifier

    with pytest.raises(ValueError, match="NaN"):
        SampleSubsetter(HistGradientBoostingClassifier(), strategy="mmse").fit(X_nan, y)
    wide = np.random.RandomState(0).normal(size=(60, 3000))
    with pytest.raises(ValueError, match='strategy="grand"'):
        SampleSubsetter(LogisticRegression(), strategy="mmse", cv=3).fit(wide, y[:60])


def test_pilot_size_auto():
    assert pilot_size(10_000, 30) == 1000
    assert pilot_size(100_000, 500) == 5000
    assert pilot_size(300, 7) == 150
    assert pilot_size(3, 2, n_classes=3) == 3


def test_pandas_in_pandas_out(cancer):
    X, y = cancer
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    target = pd.Series(y, name="malignant")
    sampler = SampleSubsetter(
        LogisticRegression(), strategy="margin", n_keep=50, random_state=0
    )
    X_res, y_res = sampler.fit_resample(frame, target)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(
        frame.columns
    )
    assert isinstance(y_res, pd.Series) and y_res.name == "malignant"
    np.testing.assert_array_equal(X_res.to_numpy(), X[sampler.sample_mask_])
    np.testing.assert_array_equal(y_res.to_numpy(), y[sampler.sample_mask_])
    # a one-vs-all target in a frame comes back as a frame of its rows
    onehot = pd.DataFrame(np.eye(2, dtype=int)[y], columns=["benign", "malignant"])
    _, y_onehot = sampler.fit_resample(frame, onehot)
    assert isinstance(y_onehot, pd.DataFrame) and list(y_onehot.columns) == [
        "benign",
        "malignant",
    ]
    np.testing.assert_array_equal(y_onehot.to_numpy().argmax(axis=1), y_res.to_numpy())
    X_list, y_list = sampler.fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_list, list) and isinstance(y_list, list) and len(y_list) == 50
    # the wrapped estimator sees the user's frame, in fit and in predict
    model = SampleSubsetter(
        LogisticRegression(), strategy="grand", n_keep=100, random_state=0
    ).fit(frame, target)
    assert list(model.estimator_.feature_names_in_) == list(frame.columns)
    with warnings_as_errors():
        proba = model.predict_proba(frame)
    np.testing.assert_allclose(proba, model.estimator_.predict_proba(frame))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[frame.columns[::-1]])


def warnings_as_errors():
    import warnings

    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error")

    class _Exit:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            context.__exit__(*exc)

    return _Exit()


# imbalanced-learn's sampler checks that cannot apply, and why
SAMPLER_CHECKS_EXEMPT = {
    # tests imbalanced-learn's own sampling_strategy parameter
    "check_samplers_fit": "sampling_strategy_",
    # needs imbalanced-learn's own Tags class (sampler_tags), which
    # scikit-learn's slotted Tags cannot carry without imbalanced-learn
    "check_samplers_sample_indices": "sampler_tags",
    # a model scores the rows: strings cannot be scored (a model-free
    # RandomUnderSampler can pass them through)
    "check_samplers_string": "strings",
}


def _sampler_checks():
    from imblearn.utils import estimator_checks

    return [
        name
        for name in dir(estimator_checks)
        if name.startswith("check_sampler") and name not in SAMPLER_CHECKS_EXEMPT
    ]


@pytest.mark.parametrize("strategy", ["margin", "random", "auto"])
@pytest.mark.parametrize("check", _sampler_checks())
def test_imbalanced_learn_sampler_checks(check, strategy):
    from imblearn.utils import estimator_checks
    from sklearn.ensemble import HistGradientBoostingClassifier

    sampler = SampleSubsetter(LogisticRegression(), strategy=strategy, random_state=0)
    if check == "check_samplers_nan":  # NaN needs a scorer that takes it
        sampler = SampleSubsetter(
            HistGradientBoostingClassifier(max_iter=10), strategy=strategy, cv=3
        )
    getattr(estimator_checks, check)("SampleSubsetter", sampler)
