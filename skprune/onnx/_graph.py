"""What a fitted skprune model is as an ONNX graph: its kept input columns,
its layers (weights stored as they are counted, biases, activations) and its
output head, written node by node into a skl2onnx container.

A model becomes a :class:`Deployable`, built by :func:`deployable`: the kept
columns (``Gather``), one :class:`Layer` per weight matrix over those columns
only, and a head that turns the last layer's output into labels and
probabilities exactly as the estimator's ``predict`` and ``predict_proba``
do. A weight matrix is stored either as plain floats of the graph's type
(:class:`FloatWeights`) or, for a :class:`~skprune.CoefficientQuantizer`, as
what ``n_bytes_`` counts (:class:`QuantizedWeights`): the kept weights' codes
packed at ``n_bits`` each, the zero pattern as a bitmap or a CSR index (the
smaller, as ``n_bytes_`` chooses), the grids or codebooks and the biases as
float32; the graph decodes them once, when a runtime loads it (every decode
node has constant inputs, which onnxruntime folds).

Private: :mod:`skprune.onnx` is the public entry. Needs ``onnx``.
"""

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, numpy_helper
from sklearn.base import is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression, SGDClassifier

from ..coefficients._coefficient_pruner import CoefficientPruner
from ..coefficients._families import family_of
from ..coefficients._quantizer import (
    CoefficientQuantizer,
    index_layout,
    int_bytes,
    model_weights,
)
from ..families.logistic._pruned_logistic import _PrunedLogisticBase
from ..families.network._training import is_mlp
from ..utils._validation import coef_as_2d, is_softmax_logistic

MIN_OPSET = 13  # Softmax over the last axis, ReduceSum's axes as an input
ONNX_FLOAT = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
}
UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


# -- what a model is, as a graph ----------------------------------------------


@dataclass
class FloatWeights:
    """A weight matrix stored as plain floats, rows = the layer's inputs."""

    matrix: np.ndarray  # (n_in, n_out)


@dataclass
class QuantizedWeights:
    """A weight matrix as :class:`~skprune.CoefficientQuantizer` stores it.

    ``codes`` is the quantizer's code matrix (-1 where the weight is zero)
    in the family's orientation (a linear model's ``coef_``: one row per
    class, ``transpose=True``), ``params`` each group's stored float32
    parameters (``[offset, step]`` or a codebook), ``group_axis`` the axis
    whose index is a weight's group when there are several, ``rows`` the
    layer inputs kept (after any transpose).
    """

    codes: np.ndarray
    params: list
    n_bits: int
    method: str
    group_axis: int
    transpose: bool
    rows: np.ndarray


@dataclass
class Layer:
    weights: object  # FloatWeights or QuantizedWeights
    bias: np.ndarray  # (n_out,)
    activation: str  # "identity", "relu", "logistic", "tanh": hidden layers


@dataclass
class Deployable:
    """The graph of a fitted model: ``X[:, columns]`` (of ``n_features``),
    then each layer,
    then ``head`` on the last layer's output ``z``.

    Heads: ``"softmax"``, ``"sigmoid"`` (two classes, ``z`` one column),
    ``"ovr"`` (sigmoids normalised to sum to one), ``"modified_huber"``
    (``SGDClassifier``'s), ``"decision"`` (a classifier without
    probabilities: ``z`` itself, ``[-z, z]`` for two classes), and for a
    regressor ``"identity"`` or ``"exp"`` (a log-link GLM). Labels are
    ``classes[argmax z]``, or ``classes[z > 0]`` for one column.
    """

    columns: np.ndarray
    n_features: int
    layers: list
    head: str
    classes: object = None  # ndarray for a classifier


def deployable(model):
    """The :class:`Deployable` of a fitted :class:`CoefficientPruner`,
    :class:`PrunedLogisticRegression` (or its CV) or
    :class:`CoefficientQuantizer`; a ``TypeError`` naming what cannot be
    converted."""
    if isinstance(model, CoefficientQuantizer):
        return _quantized(model)
    inner = model.estimator_ if isinstance(model, CoefficientPruner) else model
    if is_mlp(inner):
        matrices = [np.asarray(W, dtype=np.float64) for W in inner.coefs_]
        columns = _kept_rows(matrices[0] != 0)
        matrices[0] = matrices[0][columns]
        layers = _network_layers(inner, [FloatWeights(W) for W in matrices])
        n_features = inner.coefs_[0].shape[0]
        head = _network_head(inner)
        return Deployable(columns, n_features, layers, head, _classes(inner))
    coef = _dense(coef_as_2d(inner))
    columns = _kept_rows(coef.T != 0)
    layer = Layer(FloatWeights(coef[:, columns].T), _intercept(inner, coef), "identity")
    head = _linear_head(inner)
    return Deployable(columns, coef.shape[1], [layer], head, _classes(inner))


def _quantized(quantizer):
    inner, _ = model_weights(quantizer.estimator_)
    family = family_of(inner)
    params = getattr(quantizer, "_stored_params", None) or _params_from_codebooks(
        quantizer
    )
    network = is_mlp(inner)
    weights = []
    for i, (codes, groups) in enumerate(zip(quantizer.codes_, params, strict=True)):
        oriented = codes if network else codes.T
        rows = _kept_rows(oriented >= 0) if i == 0 else np.arange(oriented.shape[0])
        weights.append(
            QuantizedWeights(
                codes=codes,
                params=groups,
                n_bits=quantizer.n_bits,
                method=quantizer.method,
                group_axis=family.row_axis,
                transpose=not network,
                rows=rows,
            )
        )
    columns, n_features = weights[0].rows, quantizer.n_features_in_
    model = quantizer.estimator_
    if network:
        layers = _network_layers(model, weights)
        head = _network_head(model)
        return Deployable(columns, n_features, layers, head, _classes(model))
    layer = Layer(weights[0], _intercept(model, quantizer.codes_[0]), "identity")
    head = _linear_head(model)
    return Deployable(columns, n_features, [layer], head, _classes(model))


def _params_from_codebooks(quantizer):
    """Each group's stored parameters, from the shared values (a quantizer
    fitted before it kept them): a k-means codebook as it is, a grid's offset
    and step."""
    if quantizer.method == "kmeans":
        return quantizer.codebooks_
    return [
        [np.float32([v[0], np.float32(v[1] - v[0])]).astype(np.float64) for v in m]
        for m in quantizer.codebooks_
    ]


def _dense(coef):
    return coef.toarray() if hasattr(coef, "toarray") else np.asarray(coef)


def _kept_rows(nonzero):
    """The rows of a boolean ``(n_inputs, n_out)`` pattern with a kept weight
    (at least one, so that the graph has an input)."""
    rows = np.flatnonzero(nonzero.any(axis=1))
    return rows if rows.size else np.zeros(1, dtype=np.int64)


def _intercept(model, coef):
    n_rows = np.shape(coef)[0]
    return np.broadcast_to(
        np.atleast_1d(np.asarray(getattr(model, "intercept_", 0.0), dtype=np.float64)),
        (n_rows,),
    ).copy()


def _network_layers(network, weights):
    n_layers = len(weights)
    return [
        Layer(
            w,
            np.asarray(b, dtype=np.float64),
            network.activation if i < n_layers - 1 else "identity",
        )
        for i, (w, b) in enumerate(zip(weights, network.intercepts_, strict=True))
    ]


def _classes(model):
    if not is_classifier(model):
        return None
    classes = np.asarray(model.classes_)
    if classes.ndim != 1:
        raise TypeError(
            "skprune.onnx converts single-label classifiers; this model has "
            f"classes_ of shape {classes.shape} (multilabel or multi-output)."
        )
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind in "USO" and all(isinstance(c, str) for c in classes):
        return classes.astype(str)
    raise TypeError(
        "skprune.onnx converts classifiers whose classes are integers or "
        f"strings; this one's classes_ have dtype {classes.dtype}."
    )


def _network_head(network):
    if not is_classifier(network):
        return "identity"
    if network.out_activation_ == "softmax":
        return "softmax"
    if network.n_outputs_ == 1:
        return "sigmoid"
    raise TypeError(
        "skprune.onnx converts single-label classifiers; this MLPClassifier "
        f"has {network.n_outputs_} logistic outputs (multilabel)."
    )


def _linear_head(model):
    name = type(model).__name__
    if is_regressor(model):
        link = getattr(getattr(model, "_base_loss", None), "link", None)
        if link is None or type(link).__name__ == "IdentityLink":
            return "identity"
        if type(link).__name__ == "LogLink":
            return "exp"
        raise TypeError(f"skprune.onnx cannot convert {name}'s {type(link).__name__}.")
    if not is_classifier(model):
        raise TypeError(
            f"skprune.onnx converts classifiers and regressors, not {name}."
        )
    n_classes = len(model.classes_)
    if isinstance(model, _PrunedLogisticBase):
        return "sigmoid" if n_classes == 2 else "softmax"
    if isinstance(model, LogisticRegression):
        if n_classes == 2:
            return "sigmoid"
        return "softmax" if is_softmax_logistic(model, n_classes) else "ovr"
    if isinstance(model, SGDClassifier) and model.loss in (
        "log_loss",
        "modified_huber",
    ):
        if model.loss == "modified_huber":
            return "modified_huber"
        return "sigmoid" if n_classes == 2 else "ovr"
    if hasattr(model, "predict_proba"):
        raise TypeError(
            f"skprune.onnx does not know how {name} turns decision values into "
            "probabilities (it knows LogisticRegression, SGDClassifier and the "
            "skprune estimators)."
        )
    return "decision"


# -- writing nodes -------------------------------------------------------------


class GraphWriter:
    """Nodes and initializers into a skl2onnx ``scope`` / ``container``, the
    graph's floats of ``dtype``; constants are written once each."""

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self.float_type = ONNX_FLOAT[self.dtype]
        self._constants = {}

    def const(self, value, dtype=None):
        array = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            name = self.scope.get_unique_variable_name("c")
            if array.dtype.kind == "U":
                self.container.add_initializer(
                    name,
                    TensorProto.STRING,
                    list(array.shape),
                    [s.encode("utf-8") for s in array.ravel()],
                )
            else:
                tensor = numpy_helper.from_array(array, name)
                self.container.add_initializer(name, None, None, tensor)
            self._constants[key] = name
        return self._constants[key]

    def floats(self, value):
        """A float constant of the graph's type."""
        return self.const(value, self.dtype)

    def ints(self, value):
        return self.const(value, np.int64)

    def op(self, op_type, *inputs, out=None, domain="", version=None, **attrs):
        out = out or self.scope.get_unique_variable_name("t")
        self.container.add_node(
            op_type,
            list(inputs),
            [out],
            op_domain=domain,
            op_version=version,
            name=self.scope.get_unique_operator_name("n"),
            **attrs,
        )
        return out

    def columns(self, X, columns, n_features, out=None):
        """The ``columns`` of ``X`` (of ``n_features``), in order: ONNX-ML's
        ``ArrayFeatureExtractor`` (a gather along the last axis; onnxruntime
        runs it several times faster than ``Gather`` on axis 1), nothing
        when every column is kept."""
        if np.array_equal(columns, np.arange(n_features)):
            return self.op("Identity", X, out=out) if out else X
        return self.op(
            "ArrayFeatureExtractor",
            X,
            self.ints(columns),
            out=out,
            domain="ai.onnx.ml",
            version=1,
        )

    def cast(self, name, to):
        return self.op("Cast", name, to=to)


# -- the weights -------------------------------------------------------------


def write_weights(graph, layers):
    """The names of each layer's ``(n_kept_inputs, n_out)`` weight matrix of
    the graph's floats: plain initializers, or decoded from what a
    quantizer stores (every matrix's codes in one packed stream)."""
    quantized = [
        layer.weights for layer in layers if isinstance(layer.weights, QuantizedWeights)
    ]
    decoded = iter(_decode(graph, quantized) if quantized else [])
    return [
        graph.floats(layer.weights.matrix)
        if isinstance(layer.weights, FloatWeights)
        else next(decoded)
        for layer in layers
    ]


def _decode(graph, matrices):
    """The dequantized matrices, computed by the graph from what
    ``n_bytes_`` counts: the kept codes of all of them packed together (in
    row-major order within each, as the quantizer orders them), each one's
    zero pattern, grids or codebooks."""
    kept = [w.codes[w.codes >= 0] for w in matrices]
    codes = _stored_codes(graph, np.concatenate(kept), matrices[0].n_bits)
    names, start = [], 0
    for w, k in zip(matrices, kept, strict=True):
        own = codes
        if len(matrices) > 1:
            own = graph.op(
                "Slice",
                codes,
                graph.ints([start]),
                graph.ints([start + k.size]),
                graph.ints([1]),
            )
        start += k.size
        names.append(_matrix(graph, w, own))
    return names


def _matrix(graph, weights, codes):
    """One matrix from its kept weights' codes (graph floats of shape
    ``(1, n_kept)``, row-major)."""
    n_rows, n_cols = weights.codes.shape
    mask = weights.codes >= 0
    positions = None if mask.all() else _stored_positions(graph, mask)
    groups = None
    if len(weights.params) > 1:
        if positions is None:
            positions = graph.op(
                "Range", graph.ints(0), graph.ints(mask.size), graph.ints(1)
            )
        op_type = "Div" if weights.group_axis == 0 else "Mod"
        groups = graph.op(op_type, positions, graph.ints(n_cols))
    values = _shared_values(graph, weights, codes, groups)
    if not mask.all():
        zeros = graph.op(
            "ConstantOfShape",
            graph.ints([1, mask.size]),
            value=numpy_helper.from_array(np.zeros(1, dtype=graph.dtype)),
        )
        values = graph.op("ScatterElements", zeros, positions, values, axis=1)
    matrix = graph.op("Reshape", values, graph.ints([n_rows, n_cols]))
    if weights.transpose:
        matrix = graph.op("Transpose", matrix, perm=[1, 0])
    n_inputs = n_cols if weights.transpose else n_rows
    if weights.rows.size < n_inputs:
        matrix = graph.op("Gather", matrix, graph.ints(weights.rows), axis=0)
    return matrix


def _shared_values(graph, weights, codes, groups):
    """Each kept weight from its code and its group's stored parameters:
    ``offset + step * code`` on a grid, ``codebook[code]`` for k-means."""
    params = [np.asarray(p, dtype=np.float32) for p in weights.params]
    if weights.method == "kmeans":
        index = graph.cast(codes, TensorProto.INT64)
        if groups is not None:
            starts = np.cumsum([0] + [p.size for p in params[:-1]])
            index = graph.op(
                "Add", index, graph.op("Gather", graph.ints(starts), groups)
            )
        return graph.op("Gather", graph.floats(np.concatenate(params)), index)
    offsets, steps = np.stack(params).T
    if groups is None:
        offset, step = graph.floats(offsets[0]), graph.floats(steps[0])
    else:
        offset = graph.op("Gather", graph.floats(offsets), groups)
        step = graph.op("Gather", graph.floats(steps), groups)
    return graph.op("Add", offset, graph.op("Mul", step, codes))


def pack_bits(values, n_bits):
    """``values`` (non-negative integers) at ``n_bits`` each, in bit planes
    (every value's lowest bit first, then every value's next bit, ...),
    packed little-endian into bytes."""
    values = np.asarray(values, dtype=np.int64)
    planes = (values[None, :] >> np.arange(n_bits)[:, None]) & 1
    return np.packbits(planes.astype(np.uint8).ravel(), bitorder="little")


def _unpack_bits(graph, packed, n_bits):
    """The first ``n_bits`` bits of :func:`pack_bits`'s bytes (uint8, 0 or
    1, in order)."""
    column = graph.const(packed.reshape(-1, 1), np.uint8)
    shifted = graph.op(
        "BitShift", column, graph.const([np.arange(8)], np.uint8), direction="RIGHT"
    )
    bits = graph.op("Mod", shifted, graph.const(2, np.uint8))
    return graph.op(
        "Slice",
        graph.op("Reshape", bits, graph.ints([-1])),
        graph.ints([0]),
        graph.ints([n_bits]),
    )


def _stored_codes(graph, codes, n_bits):
    """The kept weights' codes at ``n_bits`` each, as graph floats of shape
    ``(1, n_codes)`` (exact: at most 16 bits): whole bytes at 8 and 16 bits,
    packed bit planes otherwise."""
    if n_bits in (8, 16):
        stored = graph.const(codes.reshape(1, -1), UINT[n_bits // 8])
        return graph.cast(stored, graph.float_type)
    bits = _unpack_bits(graph, pack_bits(codes, n_bits), codes.size * n_bits)
    planes = graph.op(
        "Reshape", graph.cast(bits, graph.float_type), graph.ints([n_bits, -1])
    )
    return graph.op("MatMul", graph.floats([2.0 ** np.arange(n_bits)]), planes)


def _stored_positions(graph, mask):
    """The flat positions of the kept weights (int64, shape ``(1, n_kept)``,
    row-major), from a bitmap or a CSR index, whichever is smaller (as
    :func:`skprune.coefficients._quantizer.index_layout` chooses; the CSR row pointers
    without their first and last, which are always 0 and ``n_kept``)."""
    n_rows, n_cols = mask.shape
    n_kept = int(np.count_nonzero(mask))
    if index_layout(mask)[0] == "bitmap":
        packed = np.packbits(mask.ravel(), bitorder="little")
        return graph.op("NonZero", _unpack_bits(graph, packed, mask.size))
    rows, cols = np.nonzero(mask)
    stored = graph.const(cols.reshape(1, -1), UINT[int_bytes(n_cols - 1)])
    positions = graph.cast(stored, TensorProto.INT64)
    if n_rows == 1:
        return positions
    row_ends = np.cumsum(np.bincount(rows, minlength=n_rows))[:-1].reshape(-1, 1)
    row_ends = graph.cast(
        graph.const(row_ends, UINT[int_bytes(n_kept)]), TensorProto.INT64
    )
    entries = graph.op("Range", graph.ints(1), graph.ints(n_kept + 1), graph.ints(1))
    # the row of entry k: how many rows end at or before it
    passed = graph.cast(graph.op("Less", row_ends, entries), TensorProto.INT64)
    row = graph.op("ReduceSum", passed, graph.ints([0]), keepdims=1)
    return graph.op("Add", graph.op("Mul", row, graph.ints(n_cols)), positions)


# -- the forward pass and the head ---------------------------------------------


ACTIVATIONS = {"relu": "Relu", "logistic": "Sigmoid", "tanh": "Tanh"}


def write_forward(graph, X, model):
    """``z``, the last layer's output, from the input ``X`` (a float tensor
    of the graph's type)."""
    h = graph.columns(X, model.columns, model.n_features)
    for layer, weights in zip(
        model.layers, write_weights(graph, model.layers), strict=True
    ):
        h = graph.op("MatMul", h, weights)
        h = graph.op("Add", h, graph.floats(layer.bias))
        if layer.activation != "identity":
            h = graph.op(ACTIVATIONS[layer.activation], h)
    return h


def write_head(graph, z, model, outputs):
    """Write the model's outputs (names ``outputs``: the labels and the
    probabilities of a classifier, the predictions of a regressor) from
    ``z``."""
    if model.classes is None:
        if model.head == "exp":
            graph.op("Exp", z, out=outputs[0])
        else:
            graph.op("Identity", z, out=outputs[0])
        return
    n_classes = len(model.classes)
    # classes 0, 1, ... are their own indices: no table to store
    plain = model.classes.dtype.kind == "i" and np.array_equal(
        model.classes, np.arange(n_classes)
    )
    label = outputs[0] if plain else None
    if z_columns(model) == 1:
        index = graph.cast(graph.op("Greater", z, graph.floats(0.0)), TensorProto.INT64)
        index = graph.op("Reshape", index, graph.ints([-1]), out=label)
    else:
        index = graph.op("ArgMax", z, axis=1, keepdims=0, out=label)
    if not plain:
        graph.op("Gather", graph.const(model.classes), index, out=outputs[0])
    _probabilities(graph, z, model.head, n_classes, outputs[1])


def z_columns(model):
    if hasattr(model, "n_outputs"):  # a tree ensemble's TreeGraph
        return model.n_outputs
    last = model.layers[-1].weights
    if isinstance(last, FloatWeights):
        return last.matrix.shape[1]
    return last.codes.shape[0] if last.transpose else last.codes.shape[1]


def _probabilities(graph, z, head, n_classes, out):
    """The probabilities from ``z`` into ``out``."""
    if head == "softmax":
        return graph.op("Softmax", z, axis=1, out=out)
    if head == "decision":
        if n_classes == 2:
            return graph.op("Concat", graph.op("Neg", z), z, axis=1, out=out)
        return graph.op("Identity", z, out=out)
    one = graph.floats(1.0)
    if head == "modified_huber":
        clipped = graph.op("Clip", z, graph.floats(-1.0), one)
        p = graph.op("Div", graph.op("Add", clipped, one), graph.floats(2.0))
    else:  # sigmoid, ovr
        p = graph.op("Sigmoid", z)
    if n_classes == 2:
        return graph.op("Concat", graph.op("Sub", one, p), p, axis=1, out=out)
    total = graph.op("ReduceSum", p, graph.ints([1]), keepdims=1)
    if head != "modified_huber":
        return graph.op("Div", p, total, out=out)
    # scikit-learn: a row whose clipped scores are all zero is uniform
    normalised = graph.op("Div", p, total)
    return graph.op(
        "Where",
        graph.op("Equal", total, graph.floats(0.0)),
        graph.floats(1.0 / n_classes),
        normalised,
        out=out,
    )
