"""Logistic regression: the loss (``_loss``), the exact masked refit
(``_refit``) and its swaps (``_swaps``), the path through many sizes
(``_path``), the choice of the level (``_level_choice``) and the two
estimators (``_pruned_logistic``, ``_pruned_logistic_cv``)."""
