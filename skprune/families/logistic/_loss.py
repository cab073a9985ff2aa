"""Masked L2-regularised logistic loss, its gradient and Hessian products.

The objective is scikit-learn's ``LogisticRegression`` objective divided by the
total sample weight ``S`` (same optimum, better-scaled gradients)::

    f(W, b) = (1 / S) * sum_i s_i * loss(y_i, x_i W^T + b) + ||W||^2 / (2 C S)

with the binomial loss for two classes (one coefficient row) and the
multinomial loss for more (one row per class). The intercept ``b`` is never
penalised and never masked. Only the coefficients where ``mask`` is True are
free; the others stay at exactly zero. ``X`` may be dense or sparse (CSR/CSC)
and is never densified: columns that carry no free coefficient are dropped
once, up front, so a heavily pruned problem is also a small one.
"""

import copy

import numpy as np
from scipy import linalg, optimize, sparse
from scipy.special import logsumexp
from sklearn.utils.extmath import safe_sparse_dot

from ...utils._arrays import stored_values
from ...utils._docstrings import Substitution

SOLVERS = ("auto", "lbfgs", "newton")

# Live columns are copied into a smaller X only when at most this share of the
# columns of the current X is live. Above it, the problem works on that X with
# dead columns masked: no copy, at the price of touching every stored value per
# iteration. Copies nest (a restriction slices its parent's copy, not the
# original X), so a pruning run holds at most one parent and one child copy,
# each at most this share of the one before. A sparse copy is held by columns
# (CSC). The user's CSR X gets the lower share: on a 200,000 x 20,000 CSR
# problem its products were not the bottleneck (the per-row loss is), and 0.5
# took much more extra memory per fit than 0.1 or 0.05, for the same time; a
# CSC copy is cut at the dense share, its columns being cheap to take.
SLICE_BELOW = 0.5
SLICE_BELOW_SPARSE = 0.05

# "auto" uses Newton's method on the exact Hessian up to this many free
# parameters (a Hessian costs n * n_params**2 flops, a handful of steps
# converge from a warm start) and L-BFGS above.
NEWTON_MAX_PARAMS = 100
# ... and, for multiclass problems, while its per-class curvature weights
# (n_samples x n_params floats) stay below this many (256 MB).
NEWTON_MAX_WEIGHTS = 2**25


# the data of a masked logistic problem, as the loss and its solver take it
DATA_PARAMETERS = """X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class codes in ``range(n_classes)``.
    n_classes : int
        At least 2."""


def n_coef_rows(n_classes):
    """Rows of ``coef_`` for ``n_classes``: one for binary, one per class else."""
    return 1 if n_classes == 2 else n_classes


@Substitution(data_parameters=DATA_PARAMETERS)
class MaskedLogisticLoss:
    """The objective above on a fixed mask, over a flat parameter vector.

    The parameter vector holds the free coefficients (row-major order of the
    mask) followed by the intercepts when ``fit_intercept``.

    Parameters
    ----------
    %(data_parameters)s
    mask : ndarray of bool, shape (n_coef_rows(n_classes), n_features)
    alpha : float
        ``1 / C``; ``0`` for no penalty.
    sample_weight : ndarray of shape (n_samples,)
    fit_intercept : bool
    """

    def __init__(self, X, y, n_classes, *, mask, alpha, sample_weight, fit_intercept):
        self.n_rows = n_coef_rows(n_classes)
        self.n_features = X.shape[1]
        self.full_X = X.tocsr() if sparse.issparse(X) else np.asarray(X)
        self.alpha = float(alpha)
        self.fit_intercept = fit_intercept
        self.sample_weight = sample_weight
        self.weight_sum = float(sample_weight.sum())
        # a fixed term added to every decision value (n_samples, n_rows): the
        # tree-ensemble refit anchors its leaf values with it
        self.offset = None
        if self.n_rows == 1:
            self.weighted_target = sample_weight * (y == 1)
        else:
            self.target = np.zeros((y.shape[0], n_classes))
            self.target[np.arange(y.shape[0]), y] = 1.0
        self._set_mask(mask)

    def _set_mask(self, mask, parent_X=None, parent_columns=None):
        mask = np.asarray(mask, dtype=bool)
        live = mask.any(axis=0)
        outside = np.ones(live.size, dtype=bool)
        if parent_X is not None:
            outside[parent_columns] = False
        if parent_X is None or live[outside].any():
            parent_X, parent_columns = self.full_X, np.arange(live.size)
        # Copy the live columns out only when that makes the problem much
        # smaller; otherwise work on the parent's X (no copy) with dead columns
        # masked.
        n_live = np.count_nonzero(live)
        by_rows = sparse.issparse(parent_X) and parent_X.format == "csr"
        share = SLICE_BELOW_SPARSE if by_rows else SLICE_BELOW
        if n_live == parent_columns.size:
            self.columns, self.X = parent_columns, parent_X
        elif n_live <= share * parent_columns.size:
            self.columns = np.flatnonzero(live)
            self.X = parent_X[:, np.flatnonzero(live[parent_columns])]
            if sparse.issparse(self.X):
                # by columns: few columns of many rows multiply in O(nnz), not
                # O(n_samples), and a copy's columns are cut in O(their nnz)
                self.X = self.X.tocsc()
        else:
            self.columns, self.X = parent_columns, parent_X
        self.mask = mask[:, self.columns]
        self.dense_mask = bool(self.mask.all())
        self.n_free = int(np.count_nonzero(self.mask))
        self._cache_theta = None
        self._cache_proba = None
        self._cache_result = None
        self._design = None

    def restrict(self, mask):
        """The same objective on another mask, sharing ``X``, targets and
        weights with this one (no copies but the live columns, when cut).

        When the new mask lives inside this problem's columns, its columns are
        cut from this problem's (possibly already cut) ``X``.
        """
        restricted = copy.copy(self)
        restricted._set_mask(mask, self.X, self.columns)
        return restricted

    # -- packing -----------------------------------------------------------
    def pack(self, coef, intercept):
        """Flat parameter vector from a full-width ``coef`` and ``intercept``."""
        free = np.asarray(coef, dtype=np.float64)[:, self.columns][self.mask]
        if self.fit_intercept:
            return np.concatenate([free, np.asarray(intercept, dtype=np.float64)])
        return free

    def _unpack_active(self, theta):
        if self.dense_mask:
            coef = theta[: self.n_free].reshape(self.n_rows, -1)
        else:
            coef = np.zeros(self.mask.shape)
            coef[self.mask] = theta[: self.n_free]
        intercept = (
            theta[self.n_free :] if self.fit_intercept else np.zeros(self.n_rows)
        )
        return coef, intercept

    def unpack(self, theta):
        """Full-width ``coef`` of shape (n_rows, n_features) and ``intercept``.

        Softmax is invariant to shifting every intercept by one constant: the
        multinomial intercepts are returned centred (summing to zero), as
        scikit-learn's are, so that any solver gives the same numbers.
        """
        active, intercept = self._unpack_active(theta)
        coef = np.zeros((self.n_rows, self.n_features))
        coef[:, self.columns] = active
        intercept = np.array(intercept, dtype=np.float64)
        if self.fit_intercept and self.n_rows > 1:
            intercept -= intercept.mean()
        return coef, intercept

    def _flatten(self, grad_coef, grad_intercept):
        free = grad_coef.ravel() if self.dense_mask else grad_coef[self.mask]
        if self.fit_intercept:
            return np.concatenate([free, grad_intercept])
        return free

    # -- objective -----------------------------------------------------------
    def _decision(self, coef, intercept):
        decision = np.asarray(safe_sparse_dot(self.X, coef.T, dense_output=True))
        decision += intercept
        return decision

    def loss_gradient(self, theta):
        """Objective value and gradient at ``theta``."""
        if self._cache_theta is not None and np.array_equal(theta, self._cache_theta):
            return self._cache_result
        # a new point: the previous one's probabilities are let go first
        self._cache_theta = self._cache_proba = self._cache_result = None
        coef, intercept = self._unpack_active(theta)
        z = self._decision(coef, intercept)
        if self.offset is not None:
            z += self.offset
        sw = self.sample_weight
        if self.n_rows == 1:
            # log(1 + e^z) = log(1 + e^-|z|) + max(z, 0): one exp serves the loss
            # and the probability; buffers are reused in place so that an
            # evaluation holds three vectors of length n at a time (z, e^-|z|
            # and the probabilities, the residual written over e^-|z|)
            z = z[:, 0]
            e = np.abs(z)
            np.negative(e, out=e)
            np.exp(e, out=e)
            value = -float(self.weighted_target @ z)
            proba = np.where(z < 0.0, e, 1.0)
            np.maximum(z, 0.0, out=z)
            value += float(sw @ z)
            one_plus = np.add(e, 1.0, out=z)
            proba /= one_plus
            value += float(sw @ np.log(one_plus, out=one_plus))
            del z, one_plus
            residual = np.multiply(proba, sw, out=e)
            residual -= self.weighted_target
            residual = residual[:, np.newaxis]
        else:
            lse = logsumexp(z, axis=1)
            value = float(sw @ (lse - np.einsum("ij,ij->i", z, self.target)))
            proba = np.exp(z - lse[:, np.newaxis])
            residual = sw[:, np.newaxis] * (proba - self.target)
        grad_coef = safe_sparse_dot(self.X.T, residual).T + self.alpha * coef
        value += 0.5 * self.alpha * float(np.sum(coef * coef))
        grad = self._flatten(grad_coef, residual.sum(axis=0))
        self._cache_theta = theta.copy()
        self._cache_proba = proba
        self._cache_result = (value / self.weight_sum, grad / self.weight_sum)
        return self._cache_result

    def _proba(self, theta):
        self.loss_gradient(theta)
        return self._cache_proba

    def hessp(self, theta, vector):
        """Hessian of the objective at ``theta`` times ``vector``."""
        proba = self._proba(theta)
        v_coef, v_intercept = self._unpack_active(vector)
        dz = self._decision(v_coef, v_intercept)
        sw = self.sample_weight
        if self.n_rows == 1:
            h = (sw * proba * (1.0 - proba))[:, np.newaxis] * dz
        else:
            pdz = proba * dz
            h = sw[:, np.newaxis] * (pdz - proba * pdz.sum(axis=1, keepdims=True))
        h_coef = safe_sparse_dot(self.X.T, h).T + self.alpha * v_coef
        return self._flatten(h_coef, h.sum(axis=0)) / self.weight_sum

    def _curvature(self, proba):
        """Per-sample curvature weights: (n,) for binary, (n, K, K) blocks else."""
        sw = self.sample_weight
        if self.n_rows == 1:
            return sw * proba * (1.0 - proba)
        blocks = -proba[:, :, np.newaxis] * proba[:, np.newaxis, :]
        blocks[:, np.arange(proba.shape[1]), np.arange(proba.shape[1])] += proba
        return sw[:, np.newaxis, np.newaxis] * blocks

    def hessian_diagonal(self, theta):
        """Diagonal of the Hessian for every coefficient of the active columns.

        Returns an array of shape (n_rows, n_features), zero on dropped
        columns. ``X`` is squared block by block of rows, so the extra memory
        is a small block, never a squared copy of ``X`` (a by-column copy of
        few live columns is squared whole).
        """
        proba = self._proba(theta)
        sw = self.sample_weight
        if self.n_rows == 1:
            weights = (sw * proba * (1.0 - proba))[:, np.newaxis]
        else:
            weights = sw[:, np.newaxis] * proba * (1.0 - proba)
        active = np.zeros((self.X.shape[1], weights.shape[1]))
        if sparse.issparse(self.X) and self.X.format == "csc":
            # a copy of few columns: squared whole (rows of a CSC are slow)
            squared = self.X.copy()
            squared.data **= 2
            active += safe_sparse_dot(squared.T, weights, dense_output=True)
        else:
            for rows in row_blocks(self.X):
                block = self.X[rows]
                if sparse.issparse(block):
                    squared = block.multiply(block)
                else:
                    squared = block**2
                active += safe_sparse_dot(squared.T, weights[rows], dense_output=True)
        diagonal = np.zeros((self.n_rows, self.n_features))
        diagonal[:, self.columns] = (active.T + self.alpha) / self.weight_sum
        return diagonal

    def _hessian_design(self):
        """The class row of each parameter and the design ``A`` of
        :meth:`hessian`, made once per mask (Newton's steps share them)."""
        if self._design is None:
            rows, cols = np.nonzero(self.mask)  # row-major: the packing order
            design = self.X[:, cols]
            if self.fit_intercept:
                ones = np.ones((self.X.shape[0], self.n_rows))
                if sparse.issparse(design):
                    design = sparse.hstack([design, ones], format="csr")
                else:
                    design = np.hstack([design, ones])
                rows = np.concatenate([rows, np.arange(self.n_rows)])
            self._design = rows, design
        return self._design

    def hessian(self, theta):
        """Dense Hessian over the parameter vector (free coefficients, then
        intercepts), of size ``n_params ** 2``: call it on small problems only.

        Each parameter is a column of a design ``A`` (its feature's column of
        ``X``, or ones for an intercept) and a class row; the entry for
        parameters ``p``, ``q`` is ``sum_i A_ip A_iq c_i[row p, row q]``. One
        product per class row builds it, ``n * n_params**2`` flops in all,
        whatever the number of classes.
        """
        curvature = self._curvature(self._proba(theta))
        if self.n_rows == 1:
            curvature = curvature[:, np.newaxis, np.newaxis]
        rows, design = self._hessian_design()
        hessian = np.empty((rows.size, rows.size))
        for m in range(self.n_rows):
            in_row = np.flatnonzero(rows == m)
            if in_row.size == 0:
                continue
            if self.n_rows == 1:
                weights = curvature[:, 0, :1]  # (n, 1), broadcast
            else:
                weights = curvature[:, rows, m]  # (n, n_params)
            if sparse.issparse(design):
                weighted = design.multiply(weights).tocsr()
            else:
                weighted = design * weights
            hessian[:, in_row] = safe_sparse_dot(
                weighted.T, design[:, in_row], dense_output=True
            )
        hessian /= self.weight_sum
        diagonal = np.arange(self.n_free)
        hessian[diagonal, diagonal] += self.alpha / self.weight_sum
        return hessian


def row_blocks(X, target_values=2**18):
    """Slices of rows holding about ``target_values`` stored values each."""
    n_rows = X.shape[0]
    stored = stored_values(X)
    step = max(1, int(target_values * n_rows / max(stored, 1)))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def logistic_problem(X, y, n_classes, mask, C, sample_weight, fit_intercept):
    """``MaskedLogisticLoss`` with scikit-learn's conventions: ``C`` (``np.inf``
    for no penalty), ``mask=None`` for all free, ``sample_weight=None`` for 1."""
    n_rows = n_coef_rows(n_classes)
    if mask is None:
        mask = np.ones((n_rows, X.shape[1]), dtype=bool)
    if sample_weight is None:
        sample_weight = np.ones(X.shape[0])
    alpha = 0.0 if np.isinf(C) else 1.0 / C
    return MaskedLogisticLoss(
        X,
        np.asarray(y),
        n_classes,
        mask=mask,
        alpha=alpha,
        sample_weight=np.asarray(sample_weight, dtype=np.float64),
        fit_intercept=fit_intercept,
    )


def logistic_objective(
    X, y, n_classes, coef, intercept, *, C=1.0, sample_weight=None, fit_intercept=True
):
    """Value of the objective at a full-width ``coef`` (2-D) and ``intercept``."""
    mask = np.ones_like(np.asarray(coef), dtype=bool)
    problem = logistic_problem(X, y, n_classes, mask, C, sample_weight, fit_intercept)
    return problem.loss_gradient(problem.pack(coef, intercept))[0]


@Substitution(data_parameters=DATA_PARAMETERS)
def fit_masked_logistic(
    X,
    y,
    n_classes,
    *,
    mask=None,
    C=1.0,
    fit_intercept=True,
    sample_weight=None,
    coef_init=None,
    intercept_init=None,
    max_iter=1000,
    tol=1e-6,
    solver="auto",
):
    """Minimise the masked logistic objective.

    Parameters
    ----------
    %(data_parameters)s
    mask : ndarray of bool of shape (n_rows, n_features), default=None
        Free coefficients; ``None`` frees all. ``n_rows`` is 1 for binary
        problems and ``n_classes`` otherwise.
    C : float, default=1.0
        Inverse regularisation strength, as in ``LogisticRegression``;
        ``np.inf`` for no penalty.
    fit_intercept : bool, default=True
    sample_weight : ndarray of shape (n_samples,), default=None
    coef_init, intercept_init : ndarray, default=None
        Warm start. Masked-out entries of ``coef_init`` are ignored.
    max_iter : int, default=1000
    tol : float, default=1e-6
        Stop when the largest gradient entry falls below ``tol``.
    solver : {"auto", "lbfgs", "newton"}, default="auto"
        L-BFGS, Newton's method on the exact Hessian, or Newton while the
        problem has at most ``NEWTON_MAX_PARAMS`` parameters.

    Returns
    -------
    coef : ndarray of shape (n_rows, n_features)
        Exactly zero where ``mask`` is False.
    intercept : ndarray of shape (n_rows,)
    n_iter : int
    """
    problem = logistic_problem(X, y, n_classes, mask, C, sample_weight, fit_intercept)
    n_rows = problem.n_rows
    coef0 = np.zeros((n_rows, X.shape[1])) if coef_init is None else coef_init
    intercept0 = np.zeros(n_rows) if intercept_init is None else intercept_init
    theta0 = problem.pack(np.reshape(coef0, (n_rows, -1)), np.ravel(intercept0))
    theta, _, n_iter, _ = minimize_logistic(problem, theta0, max_iter, tol, solver)
    coef, intercept = problem.unpack(theta)
    return coef, intercept, n_iter


def minimize_logistic(problem, theta0, max_iter, tol, solver="auto"):
    """Minimise ``problem`` from ``theta0``.

    ``solver="auto"`` takes Newton's method while the problem has at most
    ``NEWTON_MAX_PARAMS`` parameters and L-BFGS above. Returns the optimum,
    the objective there, the number of iterations and whether ``tol`` was met.
    """
    if solver == "auto":
        # Newton's per-class weights are n x n_params: bounded for multiclass
        n_weights = problem.X.shape[0] * theta0.size * (problem.n_rows > 1)
        small = theta0.size <= NEWTON_MAX_PARAMS and n_weights <= NEWTON_MAX_WEIGHTS
        solver = "newton" if small else "lbfgs"
    if solver == "newton":
        return _newton(problem, theta0, max_iter, tol)
    if solver != "lbfgs":
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}.")
    result = optimize.minimize(
        problem.loss_gradient,
        theta0,
        method="L-BFGS-B",
        jac=True,
        options={
            "maxiter": max_iter,
            "maxls": 50,
            "gtol": tol,
            "ftol": 64 * np.finfo(float).eps,
        },
    )
    converged = bool(result.success) and result.nit < max_iter
    return result.x, float(result.fun), int(result.nit), converged


def _newton(problem, theta, max_iter, tol):
    """Damped Newton: exact Hessian, Cholesky solve, Armijo backtracking.

    Stops when the largest gradient entry is at most ``tol`` (L-BFGS's test)
    or when a full step no longer changes the objective in floating point.
    The softmax intercepts are shift invariant, so the Hessian gets a relative
    jitter of ``1e-12``; the gradient has no component along that direction.
    """
    value, grad = problem.loss_gradient(theta)
    for n_iter in range(max_iter):
        if np.max(np.abs(grad), initial=0.0) <= tol:
            return theta, value, n_iter, True
        hessian = problem.hessian(theta)
        jitter = 1e-12 * max(float(np.max(np.diag(hessian))), 1.0)
        hessian[np.diag_indices_from(hessian)] += jitter
        step = -linalg.cho_solve(linalg.cho_factor(hessian), grad)
        slope = float(grad @ step)
        size = 1.0
        while True:
            candidate = theta + size * step
            new_value, new_grad = problem.loss_gradient(candidate)
            if new_value <= value + 1e-4 * size * slope or size < 1e-10:
                break
            size *= 0.5
        stalled = value - new_value <= 64 * np.finfo(float).eps * abs(value)
        theta, value, grad = candidate, new_value, new_grad
        if stalled:
            break
    converged = np.max(np.abs(grad), initial=0.0) <= tol or stalled
    return theta, value, n_iter + 1, bool(converged)
