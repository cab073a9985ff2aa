"""How PrunedLogisticRegressionCV picks its level
(skprune.families.logistic._level_choice)."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import comb

from skprune.families.logistic._level_choice import choose_level, information_criterion


def test_best_is_the_sparsest_top_mean_and_one_se_the_sparsest_within_one_se():
    # levels by ascending kept count; fold means 0.70, 0.89, 0.90, 0.90
    table = np.array([[0.70, 0.88, 0.92, 0.90], [0.70, 0.90, 0.88, 0.90]])
    assert choose_level(table, "best") == 2  # the sparser of the two 0.90s
    # one standard error of level 2: std([0.92, 0.88]) / sqrt(2) = 0.0141
    assert choose_level(table, "one_se") == 1
    # a narrower spread leaves level 1 outside
    table[:, 2] = [0.905, 0.895]
    assert choose_level(table, "one_se") == 2


@pytest.mark.parametrize("name", ["ebic", "gic"])
def test_information_criteria_are_the_published_formulas(name):
    coef = np.array([[1.5, 0.0, -0.5, 0.0]])
    fit = SimpleNamespace(coef=coef, intercept=np.array([0.25]))
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4))
    y_codes = (rng.uniform(size=40) < 0.5).astype(int)
    weights = rng.uniform(0.5, 2.0, size=40)
    p = 1 / (1 + np.exp(-(X @ coef[0] + 0.25)))
    ll = weights @ np.where(y_codes == 1, np.log(p), np.log(1 - p))
    n, k, P = 40, 2, 4
    if name == "ebic":
        expected = -2 * ll + k * np.log(n) + 2 * np.log(comb(P, k))
    else:
        expected = -2 * ll + k * np.log(P) * np.log(np.log(n))
    value = information_criterion(name, fit, X, y_codes, weights)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
