"""The greedy coresets: k-center (Sener & Savarese 2018) and herding (Welling
2009), which pick the count they are given (no scores).

Neither builds an ``n x n`` distance matrix: one distance vector, updated per
pick, O(n_select * nnz(X)) time.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import row_norms, safe_sparse_dot

from ...utils._arrays import groups_and_quotas, squared_distances_to


def _row(X, i):
    # ``X[[i]]``, a 1 x n slice: scipy before 1.11 cannot take a 1-d row of a
    # sparse *array* (``X[i]`` raises there)
    row = X[[i]]
    return row.toarray().ravel() if sparse.issparse(row) else np.asarray(row).ravel()


def kcenter_order(X, n_select):
    """Greedy k-center (Sener & Savarese 2018): start at the row nearest the
    mean, then repeatedly take the row farthest from everything taken. Returns
    the ``n_select`` picked row indices in order. O(n_select * nnz(X)) time,
    O(n) memory: one distance vector, updated per pick."""
    if n_select == 0:
        return np.array([], dtype=int)
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    nearest = squared_distances_to(X, sq_norms, mean, mean @ mean)
    order = [int(np.argmin(nearest))]
    center = _row(X, order[0])
    closest = squared_distances_to(X, sq_norms, center, center @ center)
    for _ in range(1, n_select):
        closest[order[-1]] = -1.0
        pick = int(np.argmax(closest))
        order.append(pick)
        center = _row(X, pick)
        closest = np.minimum(
            closest, squared_distances_to(X, sq_norms, center, center @ center)
        )
        closest[order] = -1.0
    return np.asarray(order)


def herding_order(X, n_select):
    """Herding (Welling 2009, as in iCaRL): repeatedly take the row that brings
    the mean of the taken rows closest to the mean of all rows. Returns the
    ``n_select`` picked row indices in order. O(n) memory."""
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    total = np.zeros_like(mean)
    taken = np.zeros(X.shape[0], dtype=bool)
    order = []
    for t in range(1, n_select + 1):
        # || (total + x_i) / t - mean ||^2, expanded: a = total / t - mean
        a = total / t - mean
        cost = a @ a + 2.0 * np.asarray(safe_sparse_dot(X, a)).ravel() / t
        cost += sq_norms / t**2
        cost[taken] = np.inf
        pick = int(np.argmin(cost))
        order.append(pick)
        taken[pick] = True
        total += _row(X, pick)
    return np.asarray(order, dtype=int)


def greedy_rows(X, n_keep, order, *, groups=None, quotas=None):
    """Exact mask of the rows a greedy coreset ``order(X_group, count)`` picks,
    within each group."""
    mask = np.zeros(X.shape[0], dtype=bool)
    for rows, quota in zip(
        *groups_and_quotas(X.shape[0], n_keep, groups, quotas), strict=True
    ):
        mask[rows[order(X[rows], int(quota))]] = True
    return mask


# by strategy name (skprune.rows.scoring._strategies.SELECTOR_NAMES)
SELECTORS = {"kcenter": kcenter_order, "herding": herding_order}
