"""What merging two leaves or dropping a tree costs, by criterion.

A criterion sees every node's statistics (:class:`LeafStats`) and prices
the operations ``granularity="leaf"`` and ``"tree"`` choose from:

- ``"magnitude"``: the squared leaf values (Ren et al., CVPR 2015, merge the
  sibling pair with the smallest values); a tree by the mean square of what
  it adds to a row's prediction;
- ``"obd"``: the increase of the loss to second order. The leaf columns of
  one tree never overlap, so the Hessian block of a tree is diagonal, and
  merging leaves ``l`` and ``r`` into their curvature-weighted mean costs
  exactly ``1/2 h_l h_r / (h_l + h_r) (beta_l - beta_r)^2`` to that order; a
  tree dropped, the intercept taking its weighted mean, costs
  ``1/2 (sum h beta^2 - (sum h beta)^2 / sum h)``. Both are losses, so merges
  and drops compete on one scale;
- ``"random"`` and a callable: a score per leaf (a pair costs the sum of
  its two, a tree the sum over its leaves).
"""

from dataclasses import dataclass

import numpy as np

FOREST_CRITERIA = ("magnitude", "obd", "random")


@dataclass
class LeafStats:
    """What a criterion knows of every node: its values (``beta``,
    ``(n_rows, n_nodes)``), curvature (``h``, same shape: the loss's second
    derivative summed over the rows reaching the node) and a score (``s``,
    per node: a callable's or a random draw) and the row weight reaching it
    (``n``), all meaningful at the live leaves."""

    beta: np.ndarray
    h: np.ndarray
    s: np.ndarray
    n: np.ndarray
    criterion: str


def merge_cost(stats, left, right):
    """What merging leaves ``left`` into their siblings ``right`` costs."""
    bl, br = stats.beta[:, left], stats.beta[:, right]
    if stats.criterion == "magnitude":
        return np.sum(bl**2 + br**2, axis=0)
    if stats.criterion == "obd":
        hl, hr = stats.h[:, left], stats.h[:, right]
        harmonic = hl * hr / np.maximum(hl + hr, np.finfo(float).tiny)
        return 0.5 * np.sum(harmonic * (bl - br) ** 2, axis=0)
    return stats.s[left] + stats.s[right]


def merge_into(stats, parent, left, right, rng):
    """The merged node's statistics: values averaged by curvature (the
    second-order optimum), curvatures and scores added."""
    hl, hr = stats.h[:, left], stats.h[:, right]
    total = hl + hr
    weight = np.where(total > 0, hl / np.where(total > 0, total, 1.0), 0.5)
    stats.beta[:, parent] = (
        weight * stats.beta[:, left] + (1 - weight) * stats.beta[:, right]
    )
    stats.h[:, parent] = total
    if stats.criterion == "random":
        stats.s[parent] = rng.random_sample(len(parent))
    else:
        stats.s[parent] = stats.s[left] + stats.s[right]


def tree_cost(stats, leaves, tree_of, n_trees):
    """What dropping each tree costs (its live ``leaves``' values), the
    intercept taking its mean: under ``"obd"`` to second order, under
    ``"magnitude"`` the row-weighted spread of what the tree adds to a
    prediction, else the sum of its leaves' scores."""
    owner = tree_of[leaves]
    if stats.criterion == "obd":
        return centered_tree_cost(stats, leaves, owner, n_trees)
    if stats.criterion == "magnitude":
        weighted = LeafStats(
            stats.beta,
            np.broadcast_to(stats.n, stats.h.shape),
            stats.s,
            stats.n,
            stats.criterion,
        )
        return 2 * centered_tree_cost(weighted, leaves, owner, n_trees)
    return np.bincount(owner, weights=stats.s[leaves], minlength=n_trees)


def centered_tree_cost(stats, leaves, owner, n_trees):
    """OBD's cost of dropping each tree, the intercept taking its weighted mean:
    ``1/2 sum h (beta - mean)^2`` per model row (each tree's curvature-weighted
    mean, subtracted before squaring), summed."""
    h, beta = stats.h[:, leaves], stats.beta[:, leaves]
    total = np.zeros(n_trees)
    for k in range(h.shape[0]):
        hs = np.bincount(owner, weights=h[k], minlength=n_trees)
        hb = np.bincount(owner, weights=h[k] * beta[k], minlength=n_trees)
        mean = hb / np.where(hs > 0, hs, 1.0)
        spread = h[k] * (beta[k] - mean[owner]) ** 2
        total += 0.5 * np.bincount(owner, weights=spread, minlength=n_trees)
    return total
