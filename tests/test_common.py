"""Every public estimator through scikit-learn's own estimator checks."""

from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skprune import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
    PrunedLogisticRegressionCV,
    SampleSubsetter,
)

ESTIMATORS = [
    CoefficientPruner(LogisticRegression()),
    CoefficientPruner(LogisticRegression(), granularity="feature"),
    CoefficientPruner(LogisticRegression(), n_iter=3, criterion="scaled_magnitude"),
    CoefficientPruner(LinearSVC()),
    CoefficientPruner(Ridge()),
    CoefficientPruner(LinearRegression(), granularity="feature", n_iter=2),
    CoefficientQuantizer(LogisticRegression()),
    CoefficientQuantizer(Ridge(), method="kmeans", n_bits=4, share="layer"),
    CoefficientQuantizer(CoefficientPruner(LogisticRegression()), n_bits=4),
    # trained to clear margins, so that a few bits cannot flip a check's
    # predictions by chance
    CoefficientQuantizer(
        MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01),
        method="kmeans",
    ),
    CoefficientQuantizer(
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=60), n_bits=4, refit=True
    ),
    PrunedLogisticRegression(),
    PrunedLogisticRegression(granularity="feature", criterion="obs", n_iter=2),
    PrunedLogisticRegression(criterion="magnitude", refit=False),
    PrunedLogisticRegression(n_keep=2),
    PrunedLogisticRegression(swap=True),
    PrunedLogisticRegression(swap=True, granularity="feature", n_keep=2),
    CoefficientPruner(LogisticRegression(), criterion="obd"),
    CoefficientPruner(LogisticRegression(), n_keep=2),
    CoefficientPruner(LogisticRegression(), criterion="gradient"),
    CoefficientPruner(Ridge(), criterion="gradient", granularity="feature"),
    # small networks, so that the checks' many fits stay quick
    CoefficientPruner(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=60, learning_rate_init=0.01)
    ),
    CoefficientPruner(
        MLPClassifier(hidden_layer_sizes=(8, 4), max_iter=60, learning_rate_init=0.01),
        granularity="neuron",
        criterion="gradient",
    ),
    CoefficientPruner(
        MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50),
        granularity="feature",
        n_iter=2,
        rewind=True,
    ),
    CoefficientPruner(MLPRegressor(hidden_layer_sizes=(8,), max_iter=60)),
    CoefficientPruner(
        MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50),
        granularity="neuron",
        scope="global",
    ),
    # tree ensembles: leaves merged (the default), trees dropped, every family
    CoefficientPruner(RandomForestClassifier(n_estimators=5)),
    CoefficientPruner(RandomForestClassifier(n_estimators=5), granularity="tree"),
    CoefficientPruner(ExtraTreesRegressor(n_estimators=5), criterion="magnitude"),
    CoefficientPruner(GradientBoostingClassifier(n_estimators=5), n_iter=2),
    CoefficientPruner(
        GradientBoostingRegressor(n_estimators=5), granularity="tree", refit=False
    ),
    CoefficientPruner(HistGradientBoostingClassifier(max_iter=5), n_keep=4),
    CoefficientPruner(HistGradientBoostingRegressor(max_iter=5), criterion="random"),
    CoefficientQuantizer(
        CoefficientPruner(RandomForestClassifier(n_estimators=5)), n_bits=4
    ),
    PrunedLogisticRegressionCV(cv=2),
    PrunedLogisticRegressionCV(cv=2, granularity="feature", prune_ratios=[0.0, 0.5]),
    PrunedLogisticRegressionCV(cv=2, swap=True),
    SampleSubsetter(LogisticRegression()),
    SampleSubsetter(LogisticRegression(), strategy="random"),
    SampleSubsetter(HistGradientBoostingClassifier(max_iter=10)),
    SampleSubsetter(DecisionTreeClassifier(random_state=0), clean_labels=True),
    SampleSubsetter(Ridge()),
    SampleSubsetter(LogisticRegression(), strategy="grand", cv=3),
    SampleSubsetter(LogisticRegression(), strategy="margin", cv=3),
    SampleSubsetter(LogisticRegression(), strategy="el2n", keep="easy", cv=3),
    SampleSubsetter(Ridge(), strategy="loss", cv=3),
    SampleSubsetter(
        LogisticRegression(), strategy="noise", prune_ratio="auto", reweight=True, cv=3
    ),
    SampleSubsetter(LogisticRegression(), strategy="grand", score_by="pilot"),
    SampleSubsetter(Ridge(), strategy="loss", score_by="pilot", pilot_size=2),
    SampleSubsetter(LogisticRegression(), strategy="mmse", cv=3),
    SampleSubsetter(LogisticRegression(), strategy="grand", clean_labels=True, cv=3),
    SampleSubsetter(LogisticRegression(), strategy="kcenter"),
    SampleSubsetter(Ridge(), strategy="herding", prune_ratio=0.3),
    SampleSubsetter(
        HistGradientBoostingClassifier(max_iter=10), strategy="margin", cv=3
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
