"""The weighted rule's one-read design (skprune.rows.selection._one_read): the
row uniforms, an exact count, an estimate of the objective without bias, and
a pilot that stays uniform on sorted data."""

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression

from skprune import SampleSubsetter
from skprune.rows.scoring._scorers import PilotPlan
from skprune.rows.selection._one_read import draw_by_pilot, first_phase_in_memory
from skprune.rows.selection._weighted import first_phase_rate, row_uniforms


def test_row_uniforms_are_uniform_and_a_function_of_the_index_alone():
    u = row_uniforms(3, np.arange(200_000))
    assert stats.kstest(u, "uniform").pvalue > 0.01
    # the same numbers however the rows are split, another stream per seed
    np.testing.assert_array_equal(
        u[77_777:80_000], row_uniforms(3, range(77_777, 80_000))
    )
    other = row_uniforms(4, np.arange(200_000))
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.01
    # neighbouring rows are not correlated either
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def _design(n=2000, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_t(3, size=(n, 4))
    p = 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.5, 0.0] - 1.5)))
    y = (rng.random_sample(n) < p).astype(int)
    return X, y


def _draw(X, y, n_keep, seed, set_aside=None, pilot_size=30):
    classes = np.array([0, 1])
    plan = PilotPlan(
        strategy="grand",
        scorer=LogisticRegression(),
        n_keep=n_keep,
        size=pilot_size,
        pilot_seed=seed,
        sampling_seed=seed + 100_000,
    )
    phase = first_phase_in_memory(X, y, y, classes, None, n_keep, plan.pilot_seed)
    aside = None if set_aside is None else set_aside[phase.index]
    drawn = draw_by_pilot(phase, n_keep, plan, {}, set_aside=aside)
    return phase.index[drawn.kept], drawn.weights, phase.index[drawn.pilot]


@pytest.mark.parametrize("with_check", [False, True])
def test_the_kept_rows_estimate_the_objective_without_bias(with_check):
    X, y = _design()
    n, n_keep = len(y), 100
    assert first_phase_rate(n, n_keep) < 0.3  # a real first phase
    # a term correlated with the cost, and one that is not
    f = np.column_stack([1.0 + (X**2).sum(axis=1) + 3 * y, np.ones(n)])
    set_aside = None
    if with_check:  # rows flagged by the label check count a fifth
        set_aside = np.zeros(n, dtype=bool)
        set_aside[np.flatnonzero(y == 1)[:40]] = True
        f_target = np.where(set_aside[:, None], 0.2 * f, f).sum(axis=0)
    else:
        f_target = f.sum(axis=0)
    estimates, unweighted = [], []
    for seed in range(600):
        kept, weights, pilot = _draw(X, y, n_keep, seed, set_aside)
        assert len(kept) == n_keep and np.isin(pilot, kept).all()
        estimates.append(n / n_keep * weights @ f[kept])
        unweighted.append(n / n_keep * f[kept].sum(axis=0))
    estimates = np.array(estimates)
    error = np.abs(estimates.mean(axis=0) - f_target)
    standard_error = estimates.std(axis=0) / np.sqrt(len(estimates))
    assert np.all(error < 4 * standard_error), (error, standard_error)
    # the draw is not uniform: without the weights, the cost-correlated sum
    # is far off
    assert np.mean(unweighted, axis=0)[0] > 1.1 * f_target[0]


@pytest.mark.parametrize("n_keep", [2, 3, 37, 500, 1999, 2000])
def test_an_exact_count_whatever_is_kept(n_keep):
    X, y = _design()
    for seed in range(3):
        kept, weights, pilot = _draw(X, y, n_keep, seed, pilot_size=max(n_keep // 2, 2))
        assert len(kept) == n_keep == len(np.unique(kept)) == len(weights)
        assert np.all(weights > 0) and set(y[pilot]) == {0, 1}
    if n_keep == len(y):
        np.testing.assert_allclose(weights, 1.0)  # every row: weight one


@pytest.mark.parametrize("order", ["label", "feature"])
def test_sorted_rows_still_give_a_uniform_pilot(order):
    # a pilot from a few blocks of rows sorted by label (or by a feature)
    # would be one class (or one end of the feature); the pilot is the rows
    # of smallest uniform, a function of the row's index alone
    X, y = _design(4000, seed=1)
    sort = np.argsort(y, kind="stable") if order == "label" else np.argsort(X[:, 0])
    X, y = X[sort], y[sort]
    positions, means = [], []
    for seed in range(40):
        model = SampleSubsetter(
            LogisticRegression(),
            strategy="grand",
            n_keep=200,
            pilot_size=50,
            clean_labels=False,
            random_state=seed,
        ).fit(X, y)
        pilot = model.pilot_indices_
        # stratified: each class's share, exactly
        assert np.sum(y[pilot] == 1) == round(50 * y.mean())
        for k in (0, 1):
            members = np.flatnonzero(y == k)
            positions.append(
                np.searchsorted(members, pilot[y[pilot] == k]) / len(members)
            )
        means.append(X[pilot, 0].mean())
    # within each class, anywhere in the class's rows alike
    assert stats.kstest(np.concatenate(positions), "uniform").pvalue > 0.01
    # the feature's mean over pilots is the rows' mean (within 4 standard errors)
    spread = X[:, 0].std() / np.sqrt(50 * len(means))
    assert abs(np.mean(means) - X[:, 0].mean()) < 4 * spread
