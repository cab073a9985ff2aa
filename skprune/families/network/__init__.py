"""Multi-layer perceptrons: the family (``_family``: refit, criteria, checks)
and the masked training of a pruned network (``_training``)."""
