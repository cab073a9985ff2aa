"""A pruned tree ensemble as an ONNX-ML ``TreeEnsembleRegressor``.

:func:`tree_graph` reads a :class:`~skprune.CoefficientPruner` whose
``estimator_`` is a pruned tree ensemble; :func:`write_trees` writes its raw
scores: one ``TreeEnsembleRegressor`` (``ai.onnx.ml``, opset 1) summing the
reached leaves' values over the trees onto ``base_values`` (the intercept),
whose output the shared head of ``_graph`` turns into labels and
probabilities (sigmoid for one logit, softmax for several) exactly as the
pruned model's ``predict`` and ``predict_proba`` do. What the file stores is
what ``n_bytes_`` counts: the kept nodes and one value per leaf and output.

Each tree's nodes are numbered from its root (internal nodes in breadth-first
order, then its leaves). Thresholds are stored as float32, rounded down: for
the float32 inputs scikit-learn's trees compare, ``x <= t`` and
``x <= float32_down(t)`` agree for every float32 ``x``. A missing value
follows the tree's recorded direction (``nodes_missing_value_tracks_true``).
"""

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, numpy_helper

from ..families.forest._model import PrunedTreeEnsembleClassifier
from ..families.forest._trees import float32_down


@dataclass
class TreeGraph:
    """What the graph of a pruned ensemble needs (see :func:`tree_graph`)."""

    model: object
    head: str
    classes: object
    n_outputs: int


def is_pruned_ensemble(model):
    from ..families.forest._model import _TreeScores

    return isinstance(model, _TreeScores)


def tree_graph(model):
    """The :class:`TreeGraph` of a pruned ensemble (``estimator_``)."""
    n_outputs = len(model.intercept_)
    if isinstance(model, PrunedTreeEnsembleClassifier):
        head = "sigmoid" if n_outputs == 1 else "softmax"
        return TreeGraph(model, head, model.classes_, n_outputs)
    return TreeGraph(model, "identity", None, n_outputs)


def tree_attributes(model):
    """The ``TreeEnsembleRegressor`` attributes of a pruned ensemble, and the
    float64 values of its float attributes (thresholds, leaf values,
    intercept)."""
    trees = model.trees_
    n_trees, n_inner = trees.n_trees, trees.n_internal
    # the tree of every internal node and leaf, internal nodes breadth-first
    tree_of_inner, tree_of_leaf = _trees_of(trees)
    order, codes = [], trees.roots[trees.roots >= 0]
    while len(codes):
        order.append(codes)
        codes = np.concatenate([trees.left[codes], trees.right[codes]])
        codes = codes[codes >= 0]
    order = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    order = order[np.argsort(tree_of_inner[order], kind="stable")]
    inner_per_tree = np.bincount(tree_of_inner, minlength=n_trees)
    inner_start = np.concatenate([[0], np.cumsum(inner_per_tree)[:-1]])
    local_inner = np.empty(n_inner, dtype=np.int64)
    local_inner[order] = np.arange(n_inner) - inner_start[tree_of_inner[order]]
    leaves = np.arange(trees.n_leaves)
    first_leaf = np.full(n_trees, trees.n_leaves)
    np.minimum.at(first_leaf, tree_of_leaf, leaves)
    local_leaf = inner_per_tree[tree_of_leaf] + leaves - first_leaf[tree_of_leaf]

    def local(code):
        return np.where(
            code >= 0,
            local_inner[np.maximum(code, 0)],
            local_leaf[np.maximum(~code, 0)],
        )

    inner = order  # internal nodes, tree by tree
    zeros = np.zeros(trees.n_leaves, dtype=np.int64)
    attributes = {
        "nodes_treeids": np.concatenate([tree_of_inner[inner], tree_of_leaf]),
        "nodes_nodeids": np.concatenate([local_inner[inner], local_leaf]),
        "nodes_featureids": np.concatenate([trees.feature[inner], zeros]),
        "nodes_values": np.concatenate(
            [float32_down(trees.threshold[inner]), zeros.astype(np.float32)]
        ),
        "nodes_modes": ["BRANCH_LEQ"] * len(inner) + ["LEAF"] * trees.n_leaves,
        "nodes_truenodeids": np.concatenate([local(trees.left[inner]), zeros]),
        "nodes_falsenodeids": np.concatenate([local(trees.right[inner]), zeros]),
        "nodes_missing_value_tracks_true": np.concatenate(
            [trees.missing_left[inner].astype(np.int64), zeros]
        ),
    }
    # nodes listed tree by tree, each tree's by node id
    sort = np.lexsort((attributes["nodes_nodeids"], attributes["nodes_treeids"]))
    for key, value in attributes.items():
        attributes[key] = (
            [value[i] for i in sort] if isinstance(value, list) else value[sort]
        )
    values = np.asarray(model.leaf_values_, dtype=np.float64)
    n_outputs = len(model.intercept_)
    if values.shape[1] == n_outputs:
        target_leaf = np.repeat(leaves, n_outputs)
        target_ids = np.tile(np.arange(n_outputs), trees.n_leaves)
        weights = values.ravel()
    else:  # each tree feeds one output
        target_leaf = leaves
        target_ids = model.output_of_tree_[tree_of_leaf]
        weights = values[:, 0]
    attributes.update(
        target_treeids=tree_of_leaf[target_leaf],
        target_nodeids=local_leaf[target_leaf],
        target_ids=target_ids,
        target_weights=weights.astype(np.float32),
        n_targets=n_outputs,
        base_values=model.intercept_.astype(np.float32),
        aggregate_function="SUM",
        post_transform="NONE",
    )
    exact = {
        "nodes_values": np.concatenate(
            [trees.threshold[inner], np.zeros(trees.n_leaves)]
        )[sort],
        "target_weights": weights,
        "base_values": model.intercept_,
    }
    listed = {
        k: (v.tolist() if isinstance(v, np.ndarray) else v)
        for k, v in attributes.items()
    }
    return listed, exact


def _trees_of(trees):
    """The tree of every internal node and of every leaf."""
    tree_of_inner = np.zeros(trees.n_internal, dtype=np.int64)
    tree_of_leaf = np.zeros(trees.n_leaves, dtype=np.int64)
    codes, owner = trees.roots, np.arange(trees.n_trees)
    while len(codes):
        inner = codes >= 0
        tree_of_leaf[~codes[~inner]] = owner[~inner]
        ids, owner = codes[inner], owner[inner]
        tree_of_inner[ids] = owner
        codes = np.concatenate([trees.left[ids], trees.right[ids]])
        owner = np.concatenate([owner, owner])
    return tree_of_inner, tree_of_leaf


def write_trees(graph, X, tree):
    """The raw scores ``z`` of a :class:`TreeGraph` on ``X`` (a float tensor
    of the graph's type), ``(n_samples, n_outputs)``.

    A float64 graph stores the thresholds, leaf values and intercept as
    float64 tensors (``ai.onnx.ml`` opset 3), so that a float64 input is
    compared as ``HistGradientBoosting*`` compares it (export it from a
    float64 ``X`` sample for the very same routing); scikit-learn's other
    trees compare float32 values, which a float32 graph reproduces. The sum
    comes out as float32 either way (the operator's only output type) and is
    cast to the graph's type.

    ``ai.onnx.ml`` opset 5's ``TreeEnsemble`` would store the pruned model's
    own arrays (no node record per leaf, no mode strings), about the size of
    ``n_bytes_``; skl2onnx (1.20) writes the ``ai.onnx.ml`` domain up to
    opset 3 only, so the file is three to four times ``n_bytes_``.
    """
    attributes, exact = tree_attributes(tree.model)
    version = 1
    if graph.dtype == np.float64:
        version = 3
        for name, value in exact.items():
            del attributes[name]
            attributes[f"{name}_as_tensor"] = numpy_helper.from_array(
                np.asarray(value, dtype=np.float64), name
            )
    z = graph.op(
        "TreeEnsembleRegressor", X, domain="ai.onnx.ml", version=version, **attributes
    )
    if graph.dtype != np.float32:
        z = graph.cast(z, TensorProto.DOUBLE)
    return z
