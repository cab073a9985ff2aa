"""The coverage rule: coverage-centric selection (CCS, Zheng et al. 2023).

Set the likely-wrong labels aside, cut the remaining scores into equal-width
bins, and spread the kept rows evenly over the bins (water-filling), each
bin's rows drawn at random.
"""

import numpy as np

from ...utils._arrays import groups_and_quotas


def _water_fill(counts, budget):
    """Per-bin counts summing to ``budget``: every bin gets the same level,
    bins smaller than the level are kept whole (CCS's water-filling).

    The level is fractional when the budget does not divide evenly; the
    leftover rows go to bins spread evenly over the score range (every
    non-full bin has the same remainder), never to the first bins: with fewer
    rows than bins, a budget of 10 over 50 bins takes one row from every
    fifth bin, not the 10 lowest-scored bins.

    >>> _water_fill(np.full(10, 5), 3).tolist()
    [0, 1, 0, 0, 0, 1, 0, 0, 1, 0]
    >>> _water_fill(np.array([1, 8, 8, 8]), 10).tolist()
    [1, 3, 3, 3]
    """
    counts = np.asarray(counts)
    level_counts = np.sort(counts)
    remaining, left = float(budget), len(counts)
    level = 0.0
    for c in level_counts:
        if c * left >= remaining:
            level = remaining / left
            break
        remaining -= c
        left -= 1
    else:
        return counts.copy()
    alloc = np.minimum(counts, np.floor(level).astype(int))
    missing = int(budget - alloc.sum())
    # the bins above the level, each with the same fractional remainder
    room = np.flatnonzero(alloc < counts)
    if missing:
        # evenly spaced over them, from the middle of each stride
        picks = ((np.arange(missing) + 0.5) * len(room) / missing).astype(int)
        alloc[room[picks]] += 1
    return alloc


def coverage_rows(
    scores, n_keep, *, n_bins, rng, groups=None, quotas=None, exclude=None
):
    """Coverage-centric selection (CCS, Zheng et al. ICLR 2023), exact count.

    Per group: set aside the rows in ``exclude`` (CCS drops the hardest share
    as likely mislabelled; here the caller says which rows, fewer if the quota
    needs them back, hardest last), cut the remaining scores into ``n_bins``
    equal-width bins, give every bin the same budget (bins with fewer rows are
    kept whole and pass what is left to the others: water-filling) and draw
    each bin's rows at random.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if exclude is None:
        exclude = np.zeros(len(scores), dtype=bool)
    mask = np.zeros(len(scores), dtype=bool)
    for rows, quota in zip(
        *groups_and_quotas(len(scores), n_keep, groups, quotas), strict=True
    ):
        if quota == 0:
            continue
        # excluded rows first, each part hardest first
        ranked = rows[np.lexsort((scores[rows], ~exclude[rows]))]
        n_drop = min(int(exclude[rows].sum()), len(rows) - int(quota))
        pool = ranked[n_drop:]
        values = scores[pool]
        low, high = values.min(), values.max()
        if high > low:
            bins = np.minimum(
                ((values - low) / (high - low) * n_bins).astype(int), n_bins - 1
            )
        else:
            bins = np.zeros(len(pool), dtype=int)
        counts = np.bincount(bins, minlength=n_bins)
        for b, take in enumerate(_water_fill(counts, quota)):
            if take:
                members = pool[bins == b]
                mask[rng.choice(members, size=take, replace=False)] = True
    return mask
