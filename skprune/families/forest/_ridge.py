"""The squared-loss refit of leaf values over a sparse leaf design."""

import numpy as np

MAX_ITER = 500
TOL = 1e-5


def ridge_on_leaves(Phi, y, weight, anchor, penalty, max_iter=MAX_ITER, tol=TOL):
    """Minimise ``sum(w (y - b - Phi beta)^2) / (2 sum w)
    + penalty/2 ||beta - anchor||^2`` by conjugate gradients on the normal
    equations, Jacobi-preconditioned, started at ``anchor``; ``b`` is the
    weighted mean residual.

    Returns ``beta, b, objective, iterations, converged``."""
    total = weight.sum()
    mean = np.asarray(Phi.T @ weight).ravel() / total  # column means
    y_mean = weight @ y / total

    def matvec(v):
        return (Phi.T @ (weight * (Phi @ v))) / total - mean * (mean @ v) + penalty * v

    rhs = (Phi.T @ (weight * y)) / total - mean * y_mean + penalty * anchor
    diagonal = np.maximum(mean - mean**2 + penalty, np.finfo(float).tiny)
    beta = np.array(anchor, dtype=float)
    residual = rhs - matvec(beta)
    z = residual / diagonal
    direction = z.copy()
    rz = residual @ z
    scale = max(np.linalg.norm(rhs), np.finfo(float).tiny)
    converged, n_iter = np.linalg.norm(residual) <= tol * scale, 0
    while not converged and n_iter < max_iter:
        n_iter += 1
        product = matvec(direction)
        step = rz / (direction @ product)
        beta += step * direction
        residual -= step * product
        converged = np.linalg.norm(residual) <= tol * scale
        z = residual / diagonal
        rz, rz_old = residual @ z, rz
        direction = z + (rz / rz_old) * direction
    intercept = y_mean - mean @ beta
    raw = Phi @ beta + intercept
    value = 0.5 * weight @ (y - raw) ** 2 / total + 0.5 * penalty * np.sum(
        (beta - anchor) ** 2
    )
    return beta, np.array([intercept]), float(value), n_iter, bool(converged)
