"""From row scores to kept rows (skprune.rows.selection._choose): the keep rule, the
class quotas and the draw, on hand-made scores and flags."""

from types import SimpleNamespace

import numpy as np
import pytest

from skprune.rows.selection._choose import choose_rows, class_quotas, resolve_keep


def _predictions(y_codes, flagged=None):
    """What choose_rows reads of out-of-fold predictions: the classes, the
    codes and confident learning's flags."""
    y_codes = np.asarray(y_codes)
    flagged = np.zeros(len(y_codes), bool) if flagged is None else flagged
    return SimpleNamespace(
        is_classifier=True,
        y_codes=y_codes,
        classes=np.unique(y_codes),
        label_issues=SimpleNamespace(flagged=flagged),
    )


def _choose(oof, scores, keep, n_keep, **options):
    """choose_rows with ``scores`` as the strategy, stratified, unweighted."""
    n_samples = len(oof.y_codes)
    return choose_rows(
        np.zeros((n_samples, 1)),
        None,
        oof,
        strategy=lambda X, y: scores,
        keep=keep,
        n_keep=n_keep,
        stratify=True,
        reweight=False,
        random_state=0,
        **options,
    )


@pytest.mark.parametrize(
    "strategy, weights_ok, rule",
    [
        ("random", True, "easy"),
        ("noise", True, "easy"),
        ("grand", True, "weighted"),
        ("grand", False, "coverage"),
        ("margin", True, "coverage"),
        ("kcenter", True, "kcenter"),
    ],
)
def test_auto_resolves_to_the_rule_the_strategy_needs(strategy, weights_ok, rule):
    assert resolve_keep("auto", strategy, weights_ok=weights_ok) == rule


@pytest.mark.parametrize(
    "keep, strategy, message",
    [
        ("easy", "kcenter", "picks its rows itself"),
        ("hard", "noise", "would keep them"),
        ("weighted", "margin", "scores are never positive"),
    ],
)
def test_a_rule_that_cannot_apply_is_an_error(keep, strategy, message):
    with pytest.raises(ValueError, match=message):
        resolve_keep(keep, strategy)


def test_a_callable_cost_is_weighted_once_its_scores_are_known():
    assert resolve_keep("auto", len, np.array([-1.0, -2.0])) == "weighted"
    assert resolve_keep("auto", len, np.array([1.0, -2.0])) == "coverage"


def test_auto_count_removes_exactly_the_flagged_rows_of_each_class():
    flagged = np.zeros(10, bool)
    flagged[[0, 1, 7]] = True  # two rows of class 0, one of class 1
    oof = _predictions([0] * 6 + [1] * 4, flagged)
    quotas, n_keep, issues = class_quotas(oof, "noise", np.zeros(10), None, True)
    assert quotas.tolist() == [4, 3] and n_keep == 7
    np.testing.assert_array_equal(issues, flagged)


def test_quotas_split_the_count_by_class_size_only_when_stratified():
    oof = _predictions([0] * 6 + [1] * 4)
    assert class_quotas(oof, "margin", None, 5, True)[0].tolist() == [3, 2]
    assert class_quotas(oof, "margin", None, 5, False)[0] is None


def test_noise_quotas_follow_the_flags_not_the_class_sizes():
    flagged = np.zeros(10, bool)
    flagged[[6, 7, 8]] = True  # every flagged row in class 1
    oof = _predictions([0] * 6 + [1] * 4, flagged)
    scores = np.arange(10.0)  # the flagged rows score best: flags still go first
    # only flagged rows go: class 1 loses its three, class 0 none (in
    # proportion to the sizes it would be 4 and 3)
    quotas, _, _ = class_quotas(oof, "noise", scores, 7, True)
    assert quotas.tolist() == [6, 1]
    # beyond the flagged rows, the rest go in proportion to what is left
    quotas, _, _ = class_quotas(oof, "noise", scores, 5, True)
    assert quotas.tolist() == [4, 1]


@pytest.mark.parametrize("clean_labels", [True, False])
def test_clean_labels_sets_the_flagged_rows_aside_before_coverage_draws(clean_labels):
    rng = np.random.RandomState(0)
    flagged = np.zeros(200, bool)
    flagged[rng.choice(200, 40, replace=False)] = True
    oof = _predictions(np.arange(200) % 2, flagged)
    selection = _choose(
        oof, np.linspace(0, 1, 200), "coverage", 100, clean_labels=clean_labels
    )
    assert selection.mask.sum() == 100
    kept_flagged = int((selection.mask & flagged).sum())
    if clean_labels:
        assert kept_flagged == 0
        np.testing.assert_array_equal(selection.label_issues, flagged)
    else:
        assert kept_flagged > 0 and selection.label_issues is None


def test_weighted_rows_carry_inverse_probability_weights_averaging_one():
    # equal costs: every row has the same inclusion probability n_keep / n, so
    # every kept row weighs (n_keep / n) / (n_keep / n) = 1
    oof = _predictions(np.arange(100) % 2)
    selection = _choose(oof, -np.ones(100), "weighted", 30)
    assert selection.rule == "weighted" and selection.mask.sum() == 30
    np.testing.assert_allclose(selection.weights[selection.mask], 1.0)
    # a row twice as costly is drawn more often and weighs less
    costs = np.where(np.arange(100) < 50, -1.0, -3.0)
    selection = _choose(oof, costs, "weighted", 30)
    kept = selection.weights[selection.mask]
    cheap = selection.mask[:50].sum()
    assert cheap < 15
    assert kept[:cheap].min() > kept[cheap:].max()


def test_a_callable_must_give_one_finite_score_per_row():
    with pytest.raises(ValueError, match=r"finite scores of shape \(4,\)"):
        _choose(_predictions([0, 0, 1, 1]), np.ones(3), "easy", 2)
