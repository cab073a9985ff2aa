"""Scores to the kept rows, one room per rule: ``_weighted`` (importance
sampling, with a pilot OSMAC's union design, block by block), ``_coverage``
(CCS), ``_top_k`` (easy or hard), ``_greedy`` (k-center, herding);
``_choose`` routes scored rows to their rule within the class quotas."""
