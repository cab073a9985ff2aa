"""The rows half: :class:`~skprune.SampleSubsetter`, one straight line
*plan -> score -> choose -> fit*.

- ``scoring``: the plan (``_plan``: which rule, how many rows, which model
  scores them), who scores (``_scorers``: out-of-fold models or a pilot),
  what a row costs (``_strategies``, ``_label_noise``);
- ``selection``: how scores become the kept rows, one room per rule
  (``_weighted``, ``_coverage``, ``_top_k``, ``_greedy``; ``_choose`` routes a
  scored set of rows to its rule);
- ``_dask``: the same line on a dask array, chunk by chunk;
- ``_sample_subsetter``: the estimator, which validates, asks each room in
  turn and stores what it chose.
"""
