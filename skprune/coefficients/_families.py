"""Which model family a user's estimator belongs to.

A family (``families._linear.LinearFamily``,
``families.network._family.NetworkFamily``,
``families.forest._family.ForestFamily``) owns everything particular to its
models: how ``CoefficientPruner`` builds its refit object
from the estimator (with the validation and the errors) and what
``CoefficientQuantizer`` needs of its weights. The estimators ask the family
and hold no model-specific branch themselves.
"""

from ..families._linear import LinearFamily
from ..families.forest._family import ForestFamily
from ..families.forest._quantize import PrunedEnsembleFamily
from ..families.network._family import NetworkFamily

# the first family that accepts an estimator is its family; linear takes the rest
FAMILIES = (NetworkFamily, ForestFamily, PrunedEnsembleFamily, LinearFamily)


def family_of(estimator):
    """The family of ``estimator`` (an unfitted or fitted model)."""
    return next(family for family in FAMILIES if family.accepts(estimator))
