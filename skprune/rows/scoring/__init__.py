"""Scoring the rows: the plan of a fit (``_plan``), who scores
(``_scorers``: out-of-fold models or a pilot) and what a row costs
(``_strategies``; confident learning in ``_label_noise``)."""
