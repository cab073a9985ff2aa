"""The model families, one room each: how a user's model is built into a
refit object for the pruning loop, its refit, its criteria, its checks.

- ``_linear``: any linear model with ``coef_``;
- ``logistic``: the exact L2 logistic loss, its masked refit and swaps, the
  pruning path, the choice of the level, and the two estimators;
- ``network``: ``MLPClassifier`` / ``MLPRegressor``, the masked training of a
  pruned network.
"""
