"""Swap refinement: exchange live and pruned items at a fixed size.

Nested pruning cannot bring back an item it removed. A swap round scores
every live item by how much the loss would rise without it and every pruned
item by how much it would fall with it, both exactly to second order at the
current masked optimum:

- backward, the Optimal Brain Surgeon saliency ``b_G^T ([H^-1]_GG)^-1 b_G / 2``
  (``b_j**2 / (2 [H^-1]_jj)`` for one coefficient), ``H`` the Hessian of the
  live parameters;
- forward, the score test ``g_G^T S_GG^-1 g_G / 2`` with the Schur complement
  ``S_GG = H_GG - H_GA H_AA^-1 H_AG`` (``g_j**2 / (2 (h_jj - h_jA H_AA^-1
  h_Aj))`` for one coefficient): the loss decrease of a Newton step that frees
  the item, the live ones moving with it.

The ``c`` least useful live items are exchanged for the ``c`` most promising
pruned ones, the new support is refit exactly, and the exchange is kept only
when the refit loss drops by more than a small threshold; ``c`` is tried from
``SWAP_MAX`` down to 1 (abess's splicing, with exact scores in place of its
diagonal approximations). Rounds repeat until no exchange is kept.

Items are single coefficients (``granularity="weight"``) or whole columns
(``"feature"``, a group of one coefficient per class row).
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import safe_sparse_dot

from ...utils._arrays import top_k_indices
from ._loss import row_blocks

# Most items exchanged at once, and most swap rounds per size.
SWAP_MAX = 5
SWAP_ROUNDS = 20
# An exchange is kept when the refit objective falls by more than this,
# relative to the objective (floating-point noise cannot cycle the search).
SWAP_MIN_GAIN = 1e-7
# Swaps need the dense inverse Hessian of the live parameters: above this
# many, the size is left as nested pruning made it.
SWAP_MAX_PARAMS = 1000
# swap="auto" swaps only up to this many live parameters (Newton refits).
AUTO_SWAP_MAX_PARAMS = 100
# Most cross-Hessian entries (candidate columns x rows x live parameters)
# formed per swap round: 16 M floats, 128 MB.
SWAP_MAX_CROSS = 2**24
# Pruned columns whose exact forward score is computed per swap round.
SWAP_CANDIDATES = 256


def exchange_scores(problem, theta, full_X, granularity, squared_X=None):
    """Backward scores of the live items and forward scores of the pruned ones.

    Parameters
    ----------
    problem : MaskedLogisticLoss
        The objective on the current mask; ``theta`` is its optimum.
    theta : ndarray
    full_X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    granularity : {"weight", "feature"}
    squared_X : {ndarray, sparse matrix}, default=None
        ``full_X`` squared elementwise, when the caller keeps it; else it is
        squared block by block of rows on each call.

    Returns
    -------
    backward, forward : ndarray of shape (n_rows, n_features)
        ``backward`` is the saliency of each live coefficient (``inf``
        elsewhere); ``forward`` the score test of each pruned coefficient
        (``-inf`` elsewhere). With ``granularity="feature"`` every coefficient
        of a column carries its column's group score.
    """
    n_rows, n_features = problem.n_rows, problem.n_features
    mask = np.zeros((n_rows, n_features), dtype=bool)
    mask[:, problem.columns] = problem.mask
    live = _live_parameters(problem, theta, mask, full_X)
    coef, _ = problem.unpack(theta)
    backward = _backward_scores(coef, live, granularity, mask.shape)
    forward = _forward_scores(problem, theta, full_X, granularity, squared_X, live)
    return backward, forward


@dataclass
class _LiveParameters:
    """The live parameters of a masked logistic problem at its optimum:
    their coefficient positions, their columns of the design (``X``'s live
    columns, then a column of ones per free intercept), the class row of
    each design column, their indices among the problem's parameters and
    the inverse of their Hessian."""

    live_rows: np.ndarray
    live_cols: np.ndarray
    design: object
    rows: np.ndarray
    params: np.ndarray
    inverse: np.ndarray


def _live_parameters(problem, theta, mask, full_X):
    n_rows = problem.n_rows
    # live parameters: free coefficients then intercepts; softmax intercepts
    # are shift invariant, so the last one is fixed to make H invertible
    live_rows, live_cols = np.nonzero(mask)
    hessian = problem.hessian(theta)
    design = full_X[:, live_cols]
    params = np.arange(live_rows.size)
    rows = live_rows
    if problem.fit_intercept:
        n_icpt = n_rows - 1 if n_rows > 1 else 1
        ones = np.ones((full_X.shape[0], n_icpt))
        design = (
            sparse.hstack([design, ones], format="csr")
            if sparse.issparse(design)
            else np.hstack([design, ones])
        )
        rows = np.concatenate([rows, np.arange(n_icpt)])
        params = np.concatenate([params, live_rows.size + np.arange(n_icpt)])
    hessian = hessian[np.ix_(params, params)]
    scale = max(float(np.max(np.abs(np.diag(hessian)), initial=0.0)), 1.0)
    inverse = np.linalg.inv(hessian + 1e-12 * scale * np.eye(params.size))
    return _LiveParameters(live_rows, live_cols, design, rows, params, inverse)


def _backward_scores(coef, live, granularity, shape):
    """OBS saliency of each live item (``inf`` elsewhere)."""
    live_rows, live_cols, inverse = live.live_rows, live.live_cols, live.inverse
    weights = coef[live_rows, live_cols]
    backward = np.full(shape, np.inf)
    if granularity == "feature":
        columns = np.unique(live_cols)
        group = np.searchsorted(columns, live_cols)
        index = np.argsort(group, kind="stable").reshape(columns.size, -1)
        block = inverse[index[:, :, None], index[:, None, :]]
        w = weights[index]
        saliency = 0.5 * np.einsum(
            "gi,gi->g", w, np.linalg.solve(block, w[:, :, None])[..., 0]
        )
        backward[:, columns] = saliency
    else:
        saliency = weights**2 / (2.0 * np.diag(inverse)[: live_rows.size])
        backward[live_rows, live_cols] = saliency
    return backward


def _forward_scores(problem, theta, full_X, granularity, squared_X, live):
    """Score test of each pruned item (``-inf`` elsewhere).

    The cross terms H_jA cost n * R * m flops per column: they are formed
    only for the ``SWAP_CANDIDATES`` columns with the best diagonal score
    test g**2 / (2 h_jj) (a screen in the spirit of strong rules: the exact
    score is at least the diagonal one, and a swap is kept only if its exact
    refit lowers the loss).
    """
    n_rows, n_features = problem.n_rows, problem.n_features
    mask = np.zeros((n_rows, n_features), dtype=bool)
    mask[:, problem.columns] = problem.mask
    proba = problem._proba(theta)
    curvature = problem._curvature(proba)
    if n_rows == 1:
        curvature = curvature[:, np.newaxis, np.newaxis]
        residual = (problem.sample_weight * proba - problem.weighted_target)[:, None]
    else:
        residual = problem.sample_weight[:, np.newaxis] * (proba - problem.target)
    total = problem.weight_sum
    design, rows, params, inverse = live.design, live.rows, live.params, live.inverse
    gradient = np.asarray(safe_sparse_dot(full_X.T, residual)).T / total  # (R, p)
    own = _own_blocks(full_X, curvature, squared_X) / total  # (p, R, R)
    own[:, np.arange(n_rows), np.arange(n_rows)] += problem.alpha / total
    diagonal_test = gradient**2 / np.maximum(
        np.einsum("pii->ip", own), 1e-300
    )  # (R, p)
    diagonal_test[mask] = -np.inf
    candidates = np.flatnonzero(
        ~mask.all(axis=0) if granularity == "weight" else ~mask.any(axis=0)
    )
    budget = min(SWAP_CANDIDATES, max(1, SWAP_MAX_CROSS // (n_rows * params.size)))
    if candidates.size > budget:
        best = diagonal_test[:, candidates].max(axis=0)
        candidates = np.sort(top_k(candidates, best, budget))
    # a copy of the candidate columns only when they are a small share
    X_candidates = full_X[:, candidates] if 2 * candidates.size < n_features else full_X
    cross = np.empty((n_rows, X_candidates.shape[1], params.size))  # H_jA
    for r in range(n_rows):
        # binary: one curvature per row, broadcast (no n x m weights)
        weighted = curvature[:, 0, :1] if n_rows == 1 else curvature[:, r, rows]
        if sparse.issparse(design):
            weighted = design.multiply(weighted).tocsr()
        else:
            weighted = design * weighted
        cross[r] = np.asarray(
            safe_sparse_dot(X_candidates.T, weighted, dense_output=True)
        )
    if X_candidates is full_X:
        cross = cross[:, candidates]
    cross /= total
    own = own[candidates]
    gradient = gradient[:, candidates]
    projected = cross @ inverse  # (R, P, m)
    forward = np.full((n_rows, n_features), -np.inf)
    if granularity == "feature":
        schur = own - np.einsum(
            "pim,pjm->pij",
            projected.transpose(1, 0, 2),
            cross.transpose(1, 0, 2),
        )
        g = gradient.T  # (P, R)
        forward[:, candidates] = 0.5 * np.einsum("pi,pi->p", g, _solve_psd(schur, g))
    else:
        pr, local = np.nonzero(~mask[:, candidates])
        diagonal = own[local, pr, pr]
        schur = diagonal - np.einsum("km,km->k", projected[pr, local], cross[pr, local])
        schur = np.maximum(schur, 1e-12 * np.maximum(diagonal, 1e-300))
        forward[pr, candidates[local]] = gradient[pr, local] ** 2 / (2.0 * schur)
    return forward


def _own_blocks(X, curvature, squared_X=None):
    """``sum_i x_ij**2 c_i`` for every column ``j``: shape (p, R, R)."""
    n_rows = curvature.shape[1]
    flat = curvature.reshape(curvature.shape[0], n_rows * n_rows)
    if squared_X is not None:
        blocks = safe_sparse_dot(squared_X.T, flat, dense_output=True)
        return np.asarray(blocks).reshape(X.shape[1], n_rows, n_rows)
    blocks = np.zeros((X.shape[1], n_rows * n_rows))
    for rows in row_blocks(X):  # never a squared copy of all of X
        part = X[rows]
        squared = part.multiply(part).tocsr() if sparse.issparse(part) else part**2
        blocks += safe_sparse_dot(squared.T, flat[rows], dense_output=True)
    return blocks.reshape(X.shape[1], n_rows, n_rows)


def _solve_psd(blocks, vectors):
    """``blocks[i]^-1 vectors[i]`` for small symmetric blocks, with a jitter
    for blocks that are singular to rounding."""
    size = blocks.shape[-1]
    scale = np.maximum(np.abs(np.einsum("pii->p", blocks)) / size, 1e-300)
    jitter = 1e-12 * scale[:, None, None] * np.eye(size)
    return np.linalg.solve(blocks + jitter, vectors[:, :, None])[..., 0]


def exchange_orders(mask, backward, forward, granularity):
    """The ``SWAP_MAX`` least useful live items and the ``SWAP_MAX`` most
    promising pruned ones, in that order (ties by position), as flat indices
    of the items: columns for ``granularity="feature"``, coefficients
    otherwise."""
    if granularity == "feature":
        live = mask.any(axis=0)
        back, fwd = backward[0], forward[0]
    else:
        live = mask.ravel()
        back, fwd = backward.ravel(), forward.ravel()
    alive, dead = np.flatnonzero(live), np.flatnonzero(~live)
    out = top_k(alive, -back[alive], SWAP_MAX)
    into = top_k(dead, fwd[dead], SWAP_MAX)
    return out, into


def top_k(items, scores, k):
    """The ``k`` items with the highest scores, best first, ties by position
    (:func:`~skprune.utils._arrays.top_k_indices`)."""
    return items[top_k_indices(scores, k)]


def exchange(mask, orders, n_swap, granularity):
    """The mask with the first ``n_swap`` items of each order exchanged."""
    out, into = orders[0][:n_swap], orders[1][:n_swap]
    new = mask.copy()
    if granularity == "feature":
        new[:, out] = False
        new[:, into] = True
        return new
    flat = new.reshape(-1)
    flat[out] = False
    flat[into] = True
    return new
