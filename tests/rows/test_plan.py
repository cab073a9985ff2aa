"""Which model scores a SampleSubsetter's rows (skprune.rows.scoring._plan)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier

from skprune import SampleSubsetter
from skprune.rows.scoring._plan import RowScoring
from skprune.rows.scoring._scorers import OutOfFold, Pilot


def _scoring(estimator=None, **params):
    return RowScoring.of(SampleSubsetter(estimator or LogisticRegression(), **params))


@pytest.mark.parametrize(
    "params, weights_ok, plan",
    [
        # the weighted rule: OSMAC's pilot; the cheap check decides what
        # is set aside
        ({"strategy": "grand"}, True, (True, "check")),
        ({"strategy": "grand", "clean_labels": False}, True, (True, False)),
        # the default for a linear model is the weighted rule
        ({}, True, (True, "check")),
        # no weights: coverage, out of fold, CCS's cleaning on ("auto")
        ({"strategy": "grand"}, False, (False, "auto")),
        ({"strategy": "margin"}, True, (False, "auto")),
        # a pilot asked for: no cleaning, which needs out-of-fold models
        ({"strategy": "margin", "score_by": "pilot"}, True, (True, False)),
        # wrong labels are looked for out of fold
        ({"strategy": "noise"}, True, (False, False)),
        ({"strategy": "grand", "clean_labels": True}, True, (False, True)),
        # no model reads the rows
        ({"strategy": "random"}, True, (False, False)),
        # the default for other learners: uniform rows, checked
        ({"estimator": KNeighborsClassifier()}, True, (False, "check")),
        (
            {"estimator": KNeighborsClassifier(), "clean_labels": True},
            True,
            (False, "checked"),
        ),
        ({"estimator": Ridge()}, True, (False, False)),
    ],
)
def test_plan_says_which_models_score_and_whether_labels_are_cleaned(
    params, weights_ok, plan
):
    assert _scoring(**params).plan(weights_ok) == plan


def test_scorer_is_the_estimator_when_it_predicts_else_a_logistic_regression():
    class NoScores(KNeighborsClassifier):
        predict_proba = property()  # hasattr is False

    scoring = _scoring(NoScores())
    scorer, fit_params = scoring.scorer({"sample_weight": np.ones(3)})
    assert isinstance(scorer, LogisticRegression) and fit_params == {}
    estimator = LogisticRegression()
    scorer, fit_params = _scoring(estimator).scorer({"sample_weight": 1})
    assert scorer is estimator and fit_params == {"sample_weight": 1}


def test_predictions_are_out_of_fold_or_a_pilot_that_holds_every_class():
    X, y = load_iris(return_X_y=True)
    scoring = _scoring(strategy="grand", random_state=0)
    assert isinstance(scoring.predictions(X, y, {}), OutOfFold)
    pilot = scoring.predictions(X, y, {}, n_keep=30, pilot=True)
    assert isinstance(pilot, Pilot)
    assert set(y[pilot.rows]) == {0, 1, 2} and pilot.rows.sum() <= 15


def test_check_names_the_parameter_that_does_not_fit():
    with pytest.raises(ValueError, match="needs a classifier; with the regressor"):
        _scoring(Ridge(), strategy="margin").check(None)
    with pytest.raises(ValueError, match='needs strategy="noise"'):
        _scoring(prune_ratio="auto").check(None)
    X = np.array([[0.0, np.nan], [1.0, 2.0]])
    with pytest.raises(ValueError, match="contains NaN"):
        _scoring(strategy="grand").check(X)
    _scoring(strategy="margin").check(X)  # scores by a model: NaN is its own affair
