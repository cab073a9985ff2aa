import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import check_grad
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skprune.families.logistic._loss import (
    MaskedLogisticLoss,
    fit_masked_logistic,
    logistic_objective,
)


@pytest.mark.parametrize("data", ["cancer", "iris"])
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unmasked_optimum_matches_sklearn(request, data, solver, fit_intercept):
    X, y = request.getfixturevalue(data)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    C = 0.3
    ref = LogisticRegression(
        C=C, tol=1e-12, max_iter=10_000, fit_intercept=fit_intercept
    ).fit(X, y, sample_weight=sw)
    n_classes = len(np.unique(y))
    coef, intercept, _ = fit_masked_logistic(
        X,
        y,
        n_classes,
        C=C,
        sample_weight=sw,
        fit_intercept=fit_intercept,
        tol=1e-10,
        solver=solver,
    )
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(intercept, np.atleast_1d(ref.intercept_), atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_gradient_and_hessian_products_are_exact(n_classes):
    X, y = make_classification(
        60, 8, n_informative=5, n_classes=n_classes, random_state=0
    )
    rng = np.random.RandomState(1)
    n_rows = 1 if n_classes == 2 else n_classes
    mask = rng.rand(n_rows, 8) < 0.6
    mask[:, 3] = False  # a dead column is dropped from the problem
    for X_ in (X, sp.csr_matrix(X)):
        loss = MaskedLogisticLoss(
            X_,
            y,
            n_classes,
            mask=mask,
            alpha=0.7,
            sample_weight=rng.uniform(0.5, 2, 60),
            fit_intercept=True,
        )
        theta = rng.randn(loss.n_free + n_rows) * 0.3
        err = check_grad(
            lambda t, loss=loss: loss.loss_gradient(t)[0],
            lambda t, loss=loss: loss.loss_gradient(t)[1],
            theta,
        )
        assert err < 1e-5
        v = rng.randn(theta.size)
        eps = 1e-6
        numeric = (
            loss.loss_gradient(theta + eps * v)[1]
            - loss.loss_gradient(theta - eps * v)[1]
        ) / (2 * eps)
        np.testing.assert_allclose(loss.hessp(theta, v), numeric, atol=1e-6)


def test_masked_fit_keeps_pruned_zero_and_is_optimal_on_its_support(iris):
    X, y = iris
    mask = np.zeros((3, 4), dtype=bool)
    mask[0, 0] = mask[1, 2] = mask[2, 3] = mask[2, 1] = True
    coef, intercept, _ = fit_masked_logistic(X, y, 3, mask=mask, tol=1e-10)
    assert np.all(coef[~mask] == 0.0)
    # gradient vanishes on the free coefficients
    loss = MaskedLogisticLoss(
        X, y, 3, mask=mask, alpha=1.0, sample_weight=np.ones(len(y)), fit_intercept=True
    )
    grad = loss.loss_gradient(loss.pack(coef, intercept))[1]
    assert np.abs(grad).max() < 1e-8


def test_sparse_equals_dense_and_warm_start_agrees(cancer):
    X, y = cancer
    mask = np.zeros((1, 30), dtype=bool)
    mask[0, ::3] = True
    dense = fit_masked_logistic(X, y, 2, mask=mask, tol=1e-10)
    sparse = fit_masked_logistic(sp.csr_matrix(X), y, 2, mask=mask, tol=1e-10)
    np.testing.assert_allclose(sparse[0], dense[0], atol=1e-6)
    warm = fit_masked_logistic(
        X, y, 2, mask=mask, tol=1e-10, coef_init=dense[0], intercept_init=dense[1]
    )
    np.testing.assert_allclose(warm[0], dense[0], atol=1e-6)
    assert warm[2] <= 2  # already at the optimum
    base = logistic_objective(X, y, 2, dense[0], dense[1])
    assert base <= logistic_objective(X, y, 2, dense[0] * 0.9, dense[1])


def test_unknown_solver_is_named(iris):
    X, y = iris
    with pytest.raises(ValueError, match="solver must be one of"):
        fit_masked_logistic(X, y, 3, solver="sgd")


def _loss_and_theta(n_classes, n_features=8, n_samples=60, seed=0, sparse=False):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=min(5, n_features),
        n_classes=n_classes,
        random_state=seed,
    )
    X = X * np.linspace(0.2, 5.0, n_features)  # unequal scales: OBD != magnitude
    if sparse:
        X = sp.csr_matrix(X)
    rng = np.random.RandomState(seed)
    n_rows = 1 if n_classes == 2 else n_classes
    loss = MaskedLogisticLoss(
        X,
        y,
        n_classes,
        mask=np.ones((n_rows, n_features), dtype=bool),
        alpha=0.5,
        sample_weight=rng.uniform(0.5, 2, n_samples),
        fit_intercept=True,
    )
    return loss, rng.randn(loss.n_free + n_rows) * 0.3, X, y


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_hessian_and_its_diagonal_equal_the_hessian_vector_products(n_classes, sparse):
    loss, theta, _, _ = _loss_and_theta(n_classes, sparse=sparse)
    eye = np.eye(theta.size)
    from_products = np.column_stack([loss.hessp(theta, e) for e in eye])
    np.testing.assert_allclose(loss.hessian(theta), from_products, atol=1e-12)
    coef_diag = loss.unpack(np.diag(from_products))[0]
    np.testing.assert_allclose(loss.hessian_diagonal(theta), coef_diag, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_obd_is_half_w_squared_times_the_hessian_diagonal(n_classes):
    from skprune.coefficients._criteria import LogisticState, obd

    loss, theta, X, y = _loss_and_theta(n_classes)
    coef, intercept = loss.unpack(theta)
    state = LogisticState(coef, intercept, np.arange(n_classes), 3, "weight", loss)
    hessian = np.column_stack([loss.hessp(theta, e) for e in np.eye(theta.size)])
    expected = 0.5 * coef**2 * loss.unpack(np.diag(hessian))[0]
    scores = obd(coef, X, y, state, 0)
    np.testing.assert_allclose(scores, expected, rtol=1e-10)
    # on features of unequal scale the OBD order is not the magnitude order
    assert not np.array_equal(
        np.argsort(scores.ravel()), np.argsort(np.abs(coef).ravel())
    )


def test_obs_falls_back_to_obd_above_the_parameter_limit():
    from skprune.coefficients._criteria import OBS_MAX_PARAMS, LogisticState, obd, obs

    for n_features, falls_back in ((40, False), (OBS_MAX_PARAMS + 10, True)):
        loss, theta, X, y = _loss_and_theta(
            2, n_features=n_features, n_samples=80, seed=2
        )
        coef, intercept = loss.unpack(theta)
        state = LogisticState(coef, intercept, np.arange(2), 5, "weight", loss)
        same = np.array_equal(obs(coef, X, y, state, 0), obd(coef, X, y, state, 0))
        assert same == falls_back


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_restricted_sparse_problem_is_the_same_objective(n_classes):
    # 2 of 60 live columns: cut into a CSC copy (below SLICE_BELOW_SPARSE),
    # then cut again from that copy, each equal to the problem on all of X
    X, y = make_classification(
        200, 60, n_informative=5, n_classes=n_classes, random_state=0
    )
    X = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    from skprune.families.logistic._loss import logistic_problem

    sw = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    n_rows = 1 if n_classes == 2 else n_classes
    full = logistic_problem(X, y, n_classes, None, 0.5, sw, True)
    wide = np.zeros((n_rows, 60), dtype=bool)
    wide[:, [3, 17, 40]] = True
    narrow = wide.copy()
    narrow[:, 17] = False
    coef = np.random.RandomState(2).randn(n_rows, 60)
    intercept = np.arange(n_rows, dtype=float)
    problem = full
    for mask in (wide, narrow):
        problem = problem.restrict(mask)
        assert sp.isspmatrix_csc(problem.X)
        assert problem.X.shape[1] <= 3
        fresh = logistic_problem(X, y, n_classes, mask, 0.5, sw, True)
        assert fresh.X.shape[1] == 60 or sp.isspmatrix_csc(fresh.X)
        theta = problem.pack(coef, intercept)
        np.testing.assert_allclose(theta, fresh.pack(coef, intercept))
        value, grad = problem.loss_gradient(theta)
        expected_value, expected_grad = fresh.loss_gradient(theta)
        np.testing.assert_allclose(value, expected_value, rtol=1e-12)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)
        dense = logistic_problem(X.toarray(), y, n_classes, mask, 0.5, sw, True)
        np.testing.assert_allclose(value, dense.loss_gradient(theta)[0], rtol=1e-12)
        np.testing.assert_allclose(  # the free coefficients' entries
            problem.hessian_diagonal(theta)[mask],
            dense.hessian_diagonal(theta)[mask],
            rtol=1e-10,
        )


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_a_sparse_problem_copies_its_live_columns_below_the_sparse_share(container):
    from skprune.families.logistic._loss import SLICE_BELOW_SPARSE, logistic_problem

    X, y = make_classification(100, 100, random_state=0)
    X = container(np.where(np.abs(X) > 1.0, X, 0.0))
    full = logistic_problem(X, y, 2, None, 1.0, None, True)
    wide = np.zeros((1, 100), dtype=bool)
    wide[0, :30] = True  # 30 % live: masked on the whole X, no copy
    assert full.restrict(wide).X.shape[1] == 100
    narrow = np.zeros((1, 100), dtype=bool)
    narrow[0, : int(SLICE_BELOW_SPARSE * 100)] = True
    assert full.restrict(narrow).X.shape[1] == narrow.sum()
