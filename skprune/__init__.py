"""skprune: exact, refit-aware model pruning for scikit-learn.

Coefficient pruning removes the least useful weights or features of a linear
model and refits the survivors; training-sample pruning drops the least useful
rows before fitting.
"""

from ._plot import PruningCurveDisplay
from .coefficients._coefficient_pruner import CoefficientPruner
from .coefficients._quantizer import CoefficientQuantizer
from .families.forest._model import (
    PrunedTreeEnsembleClassifier,
    PrunedTreeEnsembleRegressor,
)
from .families.logistic._path import logistic_pruning_path
from .families.logistic._pruned_logistic import PrunedLogisticRegression
from .families.logistic._pruned_logistic_cv import PrunedLogisticRegressionCV
from .rows._sample_subsetter import SampleSubsetter

__version__ = "0.1.0.dev0"

__all__ = [
    "CoefficientPruner",
    "CoefficientQuantizer",
    "PrunedLogisticRegression",
    "PrunedLogisticRegressionCV",
    "PrunedTreeEnsembleClassifier",
    "PrunedTreeEnsembleRegressor",
    "PruningCurveDisplay",
    "SampleSubsetter",
    "__version__",
    "logistic_pruning_path",
]
