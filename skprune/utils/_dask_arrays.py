"""Dask arrays without importing dask: recognising one, splitting it by rows,
and predicting or scoring a fitted model chunk by chunk.

Nothing here imports dask at module level, and ``import skprune`` never
imports dask: a dask array is recognised without importing dask (whoever
made one has imported it). The row pruning that runs on chunks is
``skprune.rows._dask``.
"""

import sys

import numpy as np


def is_dask_collection(value):
    """Whether ``value`` is a dask collection, without importing dask."""
    if "dask" not in sys.modules:
        return False
    import dask

    return dask.is_dask_collection(value)


def as_row_chunks(X, y, sample_weight=None):
    """``X`` (2-D, one chunk across the columns), ``y`` and ``sample_weight``
    as dask arrays chunked along the rows as ``X`` is (``y`` and
    ``sample_weight`` may be numpy arrays or dask arrays chunked any way);
    clear errors for what cannot be split by rows."""
    import dask.array as da

    X = _dask_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got {X.ndim}-D.")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric; got a dask array of dtype {X.dtype}.")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    row_chunks = X.chunks[0]

    def align(values, name):
        if values is None:
            return None
        if is_dask_collection(values):
            values = _dask_array(values, name)
        else:
            values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(
                f"On a dask X, {name} must be 1-D; got shape {values.shape}."
            )
        if values.shape[0] != X.shape[0]:
            raise ValueError(
                f"{name} has {values.shape[0]} rows, X has {X.shape[0]}: they "
                "must have the same number of rows."
            )
        if not is_dask_collection(values):
            values = da.from_array(values, chunks=(row_chunks,))
        elif values.chunks[0] != row_chunks:
            values = values.rechunk((row_chunks,))
        return values

    return X, align(y, "y"), align(sample_weight, "sample_weight")


def _dask_array(value, name):
    import dask.array as da

    if not isinstance(value, da.Array):
        raise TypeError(
            f"{name} is a {type(value).__name__}; SampleSubsetter takes dask "
            "arrays (for a dask DataFrame: .to_dask_array(lengths=True))."
        )
    if any(np.isnan(size) for size in value.chunks[0]):
        raise ValueError(
            f"{name} has chunks of unknown size; call "
            f"{name}.compute_chunk_sizes() first."
        )
    return value


def predict_blocks(estimator, method, X, n_features):
    """``estimator.method`` of every chunk of the dask array ``X``, as a dask
    array chunked along the rows as ``X`` is (dask-ml's ``ParallelPostFit``)."""
    X = _dask_array(X, "X")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1] if X.ndim == 2 else X.shape} features, but "
            f"the model was fit on {n_features}."
        )
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    try:  # the output's shape and dtype, from one row of zeros ...
        probe = getattr(estimator, method)(np.zeros((1, n_features)))
    except Exception:  # ... or, if the model refuses them, from a real row
        probe = getattr(estimator, method)(np.asarray(X[:1].compute()))
    if probe.ndim == 1:
        return X.map_blocks(_apply, estimator, method, drop_axis=1, dtype=probe.dtype)
    return X.map_blocks(
        _apply,
        estimator,
        method,
        chunks=(X.chunks[0], probe.shape[1:]),
        dtype=probe.dtype,
    )


def _apply(X, estimator, method):
    return getattr(estimator, method)(X)


def score_blocks(estimator, X, y, sample_weight, n_features, classifier):
    """Accuracy (a classifier) or R^2 (a regressor) of ``estimator`` on the
    dask array ``X``, computed blockwise; a float."""
    import dask
    import dask.array as da

    predicted = predict_blocks(estimator, "predict", X, n_features)
    _, y, weight = as_row_chunks(X, y, sample_weight)
    y = y.rechunk((predicted.chunks[0],))
    if weight is None:
        weight = da.ones_like(y, dtype=np.float64)
    else:
        weight = weight.rechunk((predicted.chunks[0],))
    if classifier:
        return float(
            ((predicted == y) * weight).sum().compute() / weight.sum().compute()
        )
    total = weight.sum()
    mean = (weight * y).sum() / total
    residual = (weight * (y - predicted) ** 2).sum()
    spread = (weight * (y - mean) ** 2).sum()
    residual, spread = dask.compute(residual, spread)
    if spread > 0:
        return float(1.0 - residual / spread)
    return 1.0 if residual == 0 else 0.0  # as r2_score has it
