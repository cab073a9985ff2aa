"""The coefficient half: the pruning engine and the two meta-estimators.

- ``_criteria``: how coefficients are scored (data in, scores out);
- ``_masks``: scores to exact boolean masks, the geometric schedule;
- ``_pruning``: the one prune -> refit loop every family runs through;
- ``_families``: which family (``skprune.families``) a user's model belongs
  to;
- ``_coefficient_pruner``, ``_quantizer``: :class:`~skprune.CoefficientPruner`
  and :class:`~skprune.CoefficientQuantizer`, which ask the family and the
  loop and hold no model-specific branch.
"""
