"""The dense fits a search over pruning levels shares.

``GridSearchCV`` over ``CoefficientPruner``'s ``prune_ratio`` fits, for every
candidate on a split, the very same dense model: same data, same estimator,
same parameters; only what is pruned afterwards differs. This cache keeps the
fitted dense models of the last few fits in the process, keyed on a digest
of the data and of every parameter, so the search pays one dense fit per
split instead of one per candidate and split.

A model is cached only when its fit is reproducible, so a hit returns what a
fresh fit would: every ``random_state`` among its (nested) parameters, and
on any other object among them (a cross-validation splitter), is an
integer, or the estimator does not draw from it at its settings (a
``LogisticRegression`` with a solver other than ``"sag"``, ``"saga"`` or
``"liblinear"``, for instance); and no parameter is a function (which a
digest names, not reads). An estimator whose fit draws from a
``RandomState`` instance or from numpy's global generator through its
``random_state`` is fitted every time, as before; one that draws from the
global generator without saying so in a parameter cannot be told apart.

A hit is a copy (unpickled from the stored bytes): the caller may change
it freely. The cache holds at most ``MAX_ENTRIES`` models and
``MAX_BYTES`` of them; a model larger than ``MAX_MODEL_BYTES`` is never
stored. :func:`clear_fit_cache` empties it.
"""

import functools
import hashlib
import inspect
import pickle
import threading
from collections import OrderedDict
from numbers import Integral

import joblib
import numpy as np
from scipy import sparse
from sklearn import get_config
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LogisticRegression,
    MultiTaskElasticNet,
    MultiTaskLasso,
    Ridge,
    RidgeClassifier,
)

# GridSearchCV runs every split for one candidate before the next candidate:
# the cache must hold every fit of every split (cv=10 is common; a
# SampleSubsetter's fit makes four: its label check's three and its pilot's)
# to hit at all.
MAX_ENTRIES = 64
MAX_BYTES = 2**28  # 256 MB
MAX_MODEL_BYTES = 2**26  # 64 MB

# Estimators whose fit ignores ``random_state`` at some settings (their
# documentation says when it is used): the predicate says whether this one
# ignores it. Exactly these classes, not subclasses or namesakes.
_IGNORES_RANDOM_STATE = {
    LogisticRegression: lambda e: e.solver not in ("sag", "saga", "liblinear"),
    Ridge: lambda e: e.solver not in ("sag", "saga"),
    RidgeClassifier: lambda e: e.solver not in ("sag", "saga"),
    Lasso: lambda e: e.selection == "cyclic",
    ElasticNet: lambda e: e.selection == "cyclic",
    MultiTaskLasso: lambda e: e.selection == "cyclic",
    MultiTaskElasticNet: lambda e: e.selection == "cyclic",
}

_UNPICKLABLE = (pickle.PicklingError, TypeError, AttributeError)

_lock = threading.Lock()
_entries = OrderedDict()  # key -> pickled fitted model


def is_reproducible(estimator):
    """True when fitting ``estimator`` twice on the same data gives the same
    model, as far as its parameters tell: each ``random_state`` among them
    (and its nested estimators'), and the ``random_state`` of any other
    object among them, is an integer, or is None where the estimator does not
    use it at its settings; and no parameter is a function."""
    params = estimator.get_params(deep=True)
    for name, value in params.items():
        if inspect.isroutine(value) or isinstance(value, functools.partial):
            return False
        if not hasattr(value, "get_params") and hasattr(value, "random_state"):
            if not isinstance(value.random_state, Integral):
                return False  # a shuffling splitter, for one
        if not (name == "random_state" or name.endswith("__random_state")):
            continue
        if isinstance(value, Integral):
            continue
        owner = params[name.rsplit("__", 1)[0]] if "__" in name else estimator
        ignores = _IGNORES_RANDOM_STATE.get(type(owner))
        if value is None and ignores is not None and ignores(owner):
            continue
        return False
    return True


def fit_key(estimator, X, y, fit_params):
    """The digest of a fit: the estimator's class and parameters (the
    classes themselves, not only their names: a class redefined in a
    notebook is another class), scikit-learn's configuration, ``X``, ``y``
    and the fit parameters, byte for byte."""
    params = estimator.get_params()
    classes = [type(estimator)] + [
        type(value) for value in params.values() if hasattr(value, "get_params")
    ]
    digest = hashlib.sha1()
    digest.update(repr([id(c) for c in classes]).encode())
    digest.update(joblib.hash((type(estimator), params, get_config())).encode())
    for value in (X, y):
        _update(digest, value)
    for name in sorted(fit_params):
        digest.update(name.encode())
        _update(digest, fit_params[name])
    return digest.hexdigest()


def _update(digest, value):
    if sparse.issparse(value):
        digest.update(f"{value.format}{value.shape}".encode())
        for part in (value.data, value.indices, value.indptr):
            _update(digest, part)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        digest.update(f"{value.dtype.str}{value.shape}".encode())
        if value.flags.c_contiguous:
            digest.update(memoryview(value).cast("B"))
        elif value.flags.f_contiguous:
            digest.update(b"F")
            digest.update(memoryview(value.T).cast("B"))
        else:
            # a strided view: hashed a block of rows at a time, never copied whole
            step = max(1, 2**20 // max(value[:1].nbytes, 1))
            for start in range(0, value.shape[0], step):
                block = np.ascontiguousarray(value[start : start + step])
                digest.update(memoryview(block).cast("B"))
    else:  # objects, strings, dates: pickled by joblib
        digest.update(joblib.hash(value).encode())


class _TooLarge(Exception):
    """A model larger than ``MAX_MODEL_BYTES``: not cached."""


class _CappedBuffer:
    """The bytes pickle writes, up to a limit (past it, ``_TooLarge``)."""

    def __init__(self, limit):
        self.chunks, self.size, self.limit = [], 0, limit

    def write(self, data):
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge
        self.chunks.append(bytes(data))


def cached_fit(model, X, y, fit_params):
    """``model`` fit on ``X``, ``y``, or a copy of the same fit made before.

    ``model`` is an unfitted clone; it is fitted in place when the cache
    misses (or the fit is not reproducible). Returns the fitted model.
    """
    key = None
    if MAX_ENTRIES and is_reproducible(model):
        try:
            key = fit_key(model, X, y, fit_params)
        except _UNPICKLABLE:
            pass  # parameters pickle cannot read: fitted, not cached
    if key is not None:
        with _lock:
            stored = _entries.get(key)
            if stored is not None:
                _entries.move_to_end(key)
        if stored is not None:
            return pickle.loads(stored)
    model.fit(X, y, **fit_params)
    if key is None:
        return model
    buffer = _CappedBuffer(MAX_MODEL_BYTES)
    try:
        pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(model)
    except (_TooLarge, *_UNPICKLABLE):
        return model  # too large, or a model pickle cannot copy: not cached
    stored = b"".join(buffer.chunks)
    with _lock:
        _entries[key] = stored
        while len(_entries) > MAX_ENTRIES or (
            sum(map(len, _entries.values())) > MAX_BYTES
        ):
            _entries.popitem(last=False)
    return model


def clear_fit_cache():
    """Forget every cached fit."""
    with _lock:
        _entries.clear()
