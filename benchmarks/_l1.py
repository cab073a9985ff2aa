"""The L1 logistic path, the peer of a sparse linear model at k features.

``l1_path`` fits ``LogisticRegression(l1_ratio=1)`` along a grid of C and
records each model's size and test accuracy; ``l1_accuracy_at`` reads off
the accuracy at a kept count, as a user of the path would pick a model.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression


def l1_path(X_tr, y_tr, X_te, y_te, Cs, *, solver="saga", max_iter=1000, refit=False):
    """``(features used, test accuracy)`` for each C of ``Cs``, in order.

    One ``LogisticRegression(l1_ratio=1, solver=solver)``, warm-started from
    the previous C when the solver can (saga; liblinear cannot). A feature is
    used when any class's coefficient on it is nonzero. ``refit``: each point
    also carries the test accuracy of an L2 ``LogisticRegression`` refit on
    those features (NaN when there are none).
    """
    model = LogisticRegression(
        l1_ratio=1.0,
        solver=solver,
        warm_start=solver == "saga",
        max_iter=max_iter,
        tol=1e-4,
    )
    path = []
    for C in Cs:
        model.set_params(C=C).fit(X_tr, y_tr)
        support = np.any(model.coef_ != 0, axis=0)
        point = (int(support.sum()), float(model.score(X_te, y_te)))
        if refit:
            refit_acc = np.nan
            if support.any():
                l2 = LogisticRegression(max_iter=1000).fit(X_tr[:, support], y_tr)
                refit_acc = float(l2.score(X_te[:, support], y_te))
            point += (refit_acc,)
        path.append(point)
    return path


def l1_accuracy_at(path, k, *, refit=False, ties="first"):
    """The accuracy of the path model with the most features <= ``k`` (NaN if
    none has between 1 and ``k``): its L2 refit's with ``refit``.

    Among models of that size, ``ties="first"`` takes the first on the path
    (the smallest C), ``"best"`` the most accurate.
    """
    column = 2 if refit else 1
    feasible = [point for point in path if 0 < point[0] <= k]
    if not feasible:
        return np.nan
    if ties == "first":
        return max(feasible, key=lambda point: point[0])[column]
    if ties == "best":
        return max(feasible, key=lambda point: (point[0], point[column]))[column]
    raise ValueError(f"ties is 'first' or 'best', got {ties!r}")
