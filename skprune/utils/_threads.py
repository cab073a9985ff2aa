"""How many BLAS threads a computation gets."""

from contextlib import nullcontext
from functools import cache

import numpy as np
from sklearn.base import is_classifier
from threadpoolctl import ThreadpoolController

from ._arrays import stored_values

# Below this many stored values of X (times coefficient rows), the solver's
# matrix products are too small for BLAS threads to pay for their start-up:
# a run is pinned to one BLAS thread (much faster on digits with two threads
# available; see the engine issue's note).
ONE_THREAD_BELOW = 4_000_000


@cache
def _controller():
    """One ThreadpoolController for the process: making one costs
    milliseconds, more than a small fit."""
    return ThreadpoolController()


def blas_threads(X, n_rows=1):
    """One BLAS thread for a small problem (see ``ONE_THREAD_BELOW``), the
    caller's setting otherwise; use as a context manager around a run."""
    if stored_values(X) * n_rows < ONE_THREAD_BELOW:
        return _controller().limit(limits=1, user_api="blas")
    return nullcontext()


def fit_blas_threads(X, y, estimator):
    """:func:`blas_threads` while rows of ``X`` are scored and ``estimator``
    is fit on them, before any coefficient exists (one output per class of a
    classifier): the out-of-fold fits' matrix products are too small for BLAS
    threads to pay off (digits, ``strategy="grand"`` with a logistic
    regression is much faster on one thread than on two)."""
    n_outputs = len(np.unique(y)) if is_classifier(estimator) else 1
    return blas_threads(X, n_outputs)
