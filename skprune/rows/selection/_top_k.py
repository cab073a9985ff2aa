"""The top-k rules: the highest scores (``keep="easy"``) or the lowest
(``"hard"``), exact counts, ties to the earlier row.
"""

import numpy as np

from ...utils._arrays import groups_and_quotas, top_k_indices


def top_k_rows(
    scores, n_keep, *, keep="easy", groups=None, quotas=None, drop_first=None
):
    """Exact boolean mask of the ``n_keep`` highest (``keep="easy"``) or lowest
    (``"hard"``) scores, per group when ``groups``/``quotas`` are given.

    ``drop_first`` (boolean, optional) marks rows that are left out before any
    other row, whatever their score (the likely-wrong labels of the noise
    strategy). Ties go to the earlier row.
    """
    scores = np.asarray(scores, dtype=np.float64)
    best = scores if keep == "easy" else -scores
    mask = np.zeros(len(scores), dtype=bool)
    for rows, quota in zip(
        *groups_and_quotas(len(scores), n_keep, groups, quotas), strict=True
    ):
        parts = [rows]
        if drop_first is not None:  # the flagged rows after all the others
            parts = [rows[~drop_first[rows]], rows[drop_first[rows]]]
        for part in parts:
            kept = part[top_k_indices(best[part], quota)]
            mask[kept] = True
            quota -= len(kept)
    return mask
