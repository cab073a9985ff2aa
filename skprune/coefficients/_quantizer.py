"""CoefficientQuantizer: store a (pruned) model's weights in a few bits each.

Pruning's companion in "deep compression" (Han, Mao & Dally 2016): the
surviving weights of a linear model or an MLP are replaced by a few shared
values -- an affine grid (``method="uniform"``) or a k-means codebook
(``method="kmeans"``) -- and each weight stores only the index of its value.
Pruned (zero) weights are never quantized: the zero pattern is stored as a
sparse index and costs no code. The byte counts are what a deployment would
store, and a test recomputes them by hand.
"""

import math
from copy import deepcopy
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._arrays import as_float32
from ..utils._constraints import WRAPPED_ESTIMATOR
from ..utils._docstrings import FIT_DATA_PARAMETERS, Substitution
from ..utils._metaestimator import (
    DelegatingPredictorMixin,
    check_n_inputs,
    fit_or_copy,
    route_fit_params,
    share_feature_names,
    validate_fit_data,
)
from ._coefficient_pruner import CoefficientPruner
from ._families import family_of

METHODS = ("uniform", "kmeans")
SHARES = ("auto", "layer", "row")
# shared values, grid parameters, intercepts and biases are stored as float32
# (the model predicts with the float32-rounded values)
FLOAT_BYTES = 4
DENSE_FLOAT_BYTES = 8  # the dense model it is compared with: float64
KMEANS_MAX_ITER = 300


def kmeans_1d(values, k):
    """Lloyd's k-means on a line, from a linear initialisation over
    ``[min, max]`` (Han et al.: it keeps the rare large weights represented).
    Deterministic; returns ``(codes, centroids)``."""
    centroids = np.linspace(values.min(), values.max(), k)
    codes = None
    for _ in range(KMEANS_MAX_ITER):
        order = np.argsort(centroids)
        centroids = centroids[order]
        boundaries = (centroids[1:] + centroids[:-1]) / 2
        new_codes = np.searchsorted(boundaries, values)
        if codes is not None and np.array_equal(new_codes, codes):
            break
        codes = new_codes
        counts = np.bincount(codes, minlength=k)
        sums = np.bincount(codes, weights=values, minlength=k)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled]
    return codes, centroids


def quantize_values(values, n_bits, method):
    """Codes and stored parameters for a 1-D array of (non-zero) weights.

    Returns ``(codes, params)``. ``"uniform"``: ``params = [offset, step]``,
    the weight is ``offset + step * code``; ``"kmeans"``: ``params`` is the
    codebook, the weight is ``params[code]``. Parameters are rounded to
    float32, the precision they are stored in.
    """
    n_levels = 2**n_bits
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0 if method == "kmeans" else 2)
    if method == "kmeans":
        unique = np.unique(values)
        if unique.size <= n_levels:
            codes, params = np.searchsorted(unique, values), unique
        else:
            codes, params = kmeans_1d(values, n_levels)
    else:
        low, high = float(values.min()), float(values.max())
        step = (high - low) / (n_levels - 1)
        params = np.array([low, step])
        codes = np.zeros(values.size, dtype=np.int64)
        if step > 0:
            codes = np.rint((values - low) / step).astype(np.int64)
    return codes, as_float32(params)


def int_bytes(largest):
    """Bytes of the smallest unsigned integer type holding ``largest``."""
    for n_bytes in (1, 2, 4):
        if largest < 2 ** (8 * n_bytes):
            return n_bytes
    return 8


def index_layout(mask):
    """How the zero pattern of a 2-D ``mask`` is stored, and its bytes:
    ``("none", 0)`` when every entry is kept, else the smaller of a bitmap
    (``"bitmap"``) and a CSR index (``"csr"``: column indices and row
    pointers, each in its smallest unsigned integer type)."""
    n_kept = int(np.count_nonzero(mask))
    if n_kept == mask.size:
        return "none", 0
    n_rows, n_cols = mask.shape
    bitmap = math.ceil(mask.size / 8)
    csr = n_kept * int_bytes(n_cols - 1) + (n_rows + 1) * int_bytes(n_kept)
    return ("bitmap", bitmap) if bitmap <= csr else ("csr", csr)


def index_bytes(mask):
    """Bytes to store which entries of a 2-D ``mask`` are kept
    (:func:`index_layout`)."""
    return index_layout(mask)[1]


class QuantizedMatrix:
    """One weight matrix, quantized: the kept mask, each kept weight's code
    and group, and each group's stored parameters.

    Groups are the whole matrix (``share="layer"``) or its rows along
    ``axis`` (``share="row"``: a class's coefficients, or a unit's incoming
    weights in a network). The kept weights are linear in the parameters,
    ``w = design @ params``, which is what a refit of the shared values uses.
    """

    def __init__(self, W, n_bits, method, share, axis):
        self.shape = W.shape
        self.n_bits = n_bits
        self.method = method
        self.mask = W != 0
        values = W[self.mask]
        if share == "row":
            self.groups = np.nonzero(self.mask)[axis]
            n_groups = W.shape[axis]
        else:
            self.groups = np.zeros(values.size, dtype=np.int64)
            n_groups = 1
        self.codes = np.zeros(values.size, dtype=np.int64)
        self.params = []
        for g in range(n_groups):
            members = self.groups == g
            codes, params = quantize_values(values[members], n_bits, method)
            self.codes[members] = codes
            self.params.append(params)

    @property
    def n_params(self):
        return sum(p.size for p in self.params)

    def design(self):
        """Sparse ``(n_kept, n_params)`` matrix with ``w = design @ params``:
        a one in the code's column (k-means), or ones in the group's offset
        column and the code in its step column (uniform)."""
        offsets = np.concatenate([[0], np.cumsum([p.size for p in self.params])])
        rows = np.arange(self.codes.size)
        start = offsets[self.groups]
        if self.method == "kmeans":
            entries = (np.ones(rows.size), (rows, start + self.codes))
        else:
            entries = (
                np.concatenate([np.ones(rows.size), self.codes.astype(np.float64)]),
                (np.concatenate([rows, rows]), np.concatenate([start, start + 1])),
            )
        return sparse.csr_matrix(entries, shape=(rows.size, self.n_params))

    def flat_params(self):
        return np.concatenate([[], *self.params])

    def set_params(self, values):
        """New parameters (a refit), rounded to float32 as stored."""
        values = as_float32(values)
        sizes = np.cumsum([p.size for p in self.params])[:-1]
        self.params = np.split(values, sizes)

    def shared_values(self):
        """Each group's shared values: what its codes index."""
        if self.method == "kmeans":
            return [p.copy() for p in self.params]
        levels = np.arange(2**self.n_bits)
        return [p[0] + p[1] * levels for p in self.params]

    def dequantize(self):
        W = np.zeros(self.shape)
        W[self.mask] = self.design() @ self.flat_params()
        return W

    def code_matrix(self):
        """Codes in the matrix's shape, -1 where the weight is zero, in the
        smallest signed integer type that holds them (int8 up to 7 bits)."""
        dtype = (
            np.int8 if self.n_bits < 8 else np.int16 if self.n_bits < 16 else np.int32
        )
        codes = np.full(self.shape, -1, dtype=dtype)
        codes[self.mask] = self.codes
        return codes

    def n_bytes(self):
        return {
            "codes": math.ceil(self.codes.size * self.n_bits / 8),
            "index": index_bytes(self.mask),
            "shared": self.n_params * FLOAT_BYTES,
        }


class CoefficientQuantizer(DelegatingPredictorMixin, MetaEstimatorMixin, BaseEstimator):
    """Quantize the weights of a linear model or an MLP, pruned or not.

    Fits (or takes, with ``prefit=True``) ``estimator``, replaces each of its
    non-zero weights by one of ``2**n_bits`` shared values and predicts with
    those dequantized weights. Zero weights -- the ones a pruner removed --
    stay exactly zero and cost no code: they are stored as a sparse index.
    The few floats that remain -- grid parameters or codebooks, intercepts
    and biases -- are stored as float32, and the model predicts with those
    rounded values. Quantizing a fitted
    :class:`CoefficientPruner` or :class:`PrunedLogisticRegression` gives
    prune-then-quantize, the "deep compression" pipeline.

    Parameters
    ----------
    estimator : object
        A linear model (``coef_``), an ``MLPClassifier`` / ``MLPRegressor``
        (``coefs_``), a :class:`CoefficientPruner` around either or around a
        tree ensemble (its leaf values are quantized, one column per output;
        ``n_bytes_`` adds the trees' arrays, stored as they are), or a
        :class:`PrunedLogisticRegression`.

    n_bits : int in [1, 16], default=8
        Bits per stored code: ``2**n_bits`` shared values per group.

    method : {"uniform", "kmeans"}, default="uniform"
        ``"uniform"``: an affine grid of ``2**n_bits`` values from the group's
        smallest to its largest weight, each weight rounded to the nearest;
        two floats (offset and step) are stored per group. ``"kmeans"``:
        weight sharing (Han et al. 2016), a codebook of ``2**n_bits`` values
        (fewer when the group has fewer distinct weights) from one-dimensional
        k-means with a linear initialisation; the codebook is stored.

    share : {"auto", "layer", "row"}, default="auto"
        Which weights share a grid or codebook: a whole weight matrix, or
        each of its rows (a class's coefficients in a linear model, a unit's
        incoming weights in a network). ``"auto"``: rows for a linear model
        (a few floats more buy accuracy at 4 bits), the matrix for a network
        (on clean labels a grid per unit costs more bytes than it buys); pass
        ``"row"`` for a network trained on noisy labels when 4-bit accuracy
        matters more than size (measured in :doc:`/user_guide/quantization`).

    refit : bool, default=False
        With the codes fixed, refit the stored parameters (the codebook, or
        the grid's offset and step) and the intercepts or biases on the
        training data; the storage does not change. The kept weights are
        linear in those parameters, so for a linear model with one row of
        ``coef_`` (binary classification or one target) the refit is exact
        and cheap: a clone of the estimator fit on the aggregated features
        ``X[:, kept] @ design`` (for k-means, ``X @ onehot(codes)``), with its
        own solver and penalty on the parameters (a ``LogisticRegression`` of
        the same ``C`` for a ``PrunedLogisticRegression``). For a network it
        is L-BFGS on scikit-learn's training objective over the parameters
        and biases. A linear model with several rows of ``coef_``, and a
        pruned tree ensemble (whose leaf values the pruner refit), get a
        clear error.

    prefit : bool, default=False
        ``estimator`` is already fitted; it is never modified.

    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` inside ``estimator`` that is None (a
        network's initial weights and batches, a pruner's random criterion),
        so that one seed fixes the whole fit. The quantization itself is
        deterministic.

    Attributes
    ----------
    estimator_ : estimator
        The model that predicts: the (inner, pruned) estimator with its
        weights dequantized (and, fit on a DataFrame, its column names as
        ``feature_names_in_``). ``skprune.onnx`` exports the stored codes
        instead, in a file of about ``n_bytes_``.

    codes_ : list of ndarray of int
        One per weight matrix (``coef_`` as 2-D, or each of ``coefs_``): each
        weight's code, the index of its value among its group's shared
        values, -1 where the weight is zero; int8 up to 7 bits, int16 up to
        15, int32 at 16.

    codebooks_ : list of list of ndarray
        One list per weight matrix, one array per group (the matrix, or each
        row): the shared values the codes index.

    n_bytes_ : int
        Bytes a deployment stores: the codes at ``n_bits`` each, the sparse
        index of the zeros (bitmap or CSR in the smallest integer types,
        whichever is smaller; none for a matrix without zeros), the grids or
        codebooks and the intercepts / biases (float32).

    bytes_ : dict
        ``n_bytes_`` by part: ``"codes"``, ``"index"``, ``"shared"``,
        ``"intercepts"``, and ``"structure"`` for a pruned tree ensemble.

    dense_n_bytes_ : int
        Bytes of the dense float64 model before pruning and quantization:
        every weight of the original shapes and every intercept / bias (for
        a tree ensemble: the pruned model with float64 leaf values, its
        structure included).

    compression_ratio_ : float
        ``dense_n_bytes_ / n_bytes_``.

    n_features_in_, feature_names_in_, classes_
        As usual.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import scale
    >>> from skprune import CoefficientQuantizer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> q = CoefficientQuantizer(LogisticRegression(), n_bits=4).fit(scale(X), y)
    >>> q.bytes_
    {'codes': 15, 'index': 0, 'shared': 8, 'intercepts': 4}
    >>> round(q.compression_ratio_, 1)
    9.2
    """

    _parameter_constraints: dict = {
        "estimator": WRAPPED_ESTIMATOR,
        "n_bits": [Interval(Integral, 1, 16, closed="both")],
        "method": [StrOptions(set(METHODS))],
        "share": [StrOptions(set(SHARES))],
        "refit": ["boolean"],
        "prefit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        n_bits=8,
        method="uniform",
        share="auto",
        refit=False,
        prefit=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_bits = n_bits
        self.method = method
        self.share = share
        self.refit = refit
        self.prefit = prefit
        self.random_state = random_state

    @Substitution(fit_data_parameters=FIT_DATA_PARAMETERS)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator (unless ``prefit``), then quantize its weights.

        Parameters
        ----------
        %(fit_data_parameters)s
        **fit_params : dict
            Passed to the estimator's ``fit``; with scikit-learn's metadata
            routing enabled, those it requested.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        fit_params = route_fit_params(self, fit_params)
        X, y = validate_fit_data(self, X, y)
        model = fit_or_copy(
            self.estimator,
            X,
            y,
            fit_params,
            prefit=self.prefit,
            random_state=self.random_state,
        )
        inner, weights = model_weights(model)
        family = family_of(inner)
        check_n_inputs(family.n_inputs(weights, inner), X)
        share = family.default_share if self.share == "auto" else self.share
        quantized = [
            QuantizedMatrix(W, self.n_bits, self.method, share, family.row_axis)
            for W in weights
        ]
        estimator = deepcopy(inner)
        if self.refit:
            family.refit_stored_values(model, estimator, quantized, X, y, fit_params)
        dequantized = [q.dequantize() for q in quantized]
        intercepts = family.store(estimator, dequantized, inner)
        share_feature_names(self, estimator)
        self.estimator_ = estimator
        self.codes_ = [q.code_matrix() for q in quantized]
        self.codebooks_ = [q.shared_values() for q in quantized]
        # what a deployment stores for each group (skprune.onnx writes them)
        self._stored_params = [list(q.params) for q in quantized]
        parts = [q.n_bytes() for q in quantized]
        self.bytes_ = {
            key: sum(p[key] for p in parts) for key in ("codes", "index", "shared")
        }
        self.bytes_["intercepts"] = FLOAT_BYTES * sum(np.size(b) for b in intercepts)
        structure = _structure_bytes(family, inner)
        if structure:
            self.bytes_["structure"] = structure
        self.n_bytes_ = sum(self.bytes_.values())
        self.dense_n_bytes_ = (
            DENSE_FLOAT_BYTES * _dense_size(model, inner, weights) + structure
        )
        self.compression_ratio_ = self.dense_n_bytes_ / self.n_bytes_
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # a few bits per weight may cost accuracy by design
        for predictor_tags in (tags.classifier_tags, tags.regressor_tags):
            if predictor_tags is not None:
                predictor_tags.poor_score = True
        return tags


def model_weights(model):
    """``(inner, weights)``: the fitted model that predicts (a pruner's
    ``estimator_``) and its weight matrices as float64 (a network's
    ``coefs_``, or a linear model's ``coef_`` as 2-D)."""
    inner = model.estimator_ if isinstance(model, CoefficientPruner) else model
    return inner, family_of(inner).weights(inner)


def float_bytes(model, *, sparse=True):
    """Bytes of a fitted model stored unquantized, every value a float64.

    ``sparse=True`` (a pruned model): the non-zero weights, the intercepts
    and biases, and the zero pattern as :class:`CoefficientQuantizer` stores
    it (:func:`index_bytes`). ``sparse=False`` (a dense model): the dense
    model the quantizer compares with, its ``dense_n_bytes_``: every weight,
    zero or not (of the shapes before pruning, for a pruner), and the
    intercepts and biases.
    """
    inner, weights = model_weights(model)
    if not sparse:
        return DENSE_FLOAT_BYTES * _dense_size(model, inner, weights)
    n_values = sum(int(np.count_nonzero(W)) for W in weights)
    n_values += family_of(inner).n_intercepts(inner)
    return DENSE_FLOAT_BYTES * n_values + sum(index_bytes(W != 0) for W in weights)


def _structure_bytes(family, inner):
    """What a model stores beyond its weights and intercepts, as it is (a
    pruned tree ensemble's trees); 0 for a linear model or a network."""
    structure = getattr(family, "structure_bytes", None)
    return 0 if structure is None else int(structure(inner))


def _dense_size(model, inner, weights):
    """Weights and intercepts of the dense model before pruning: the pruner's
    dense shapes (a neuron-pruned network shrank), else the model's own (a
    pruned tree ensemble's, whose structure the quantizer keeps)."""
    family = family_of(inner)
    shapes = [W.shape for W in weights]
    if isinstance(model, CoefficientPruner) and getattr(
        family, "counts_pruned_shapes", True
    ):
        shapes = family.matrix_shapes(model.dense_coef_)
    return family.dense_size(shapes, inner)
