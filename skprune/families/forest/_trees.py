"""Trees as flat arrays: the one layout skprune reads, prunes and predicts.

A :class:`TreeArrays` holds every node of every tree of an ensemble in
concatenated arrays with global node ids: ``left``/``right`` (-1 at a leaf),
``feature``, ``threshold``, ``missing_left`` (where a missing value goes) and
``roots`` (each tree's first node). A row goes left when its value is
``<= threshold``, or is missing and ``missing_left`` says so: scikit-learn's
rule for its trees and for ``HistGradientBoosting*``, so that the same
arrays route every row as the ensemble they were read from. Values are
compared at ``input_dtype`` (float32 for scikit-learn's trees, which cast
``X``, float64 for histogram boosting).

:func:`apply` routes rows to leaves, vectorized over all trees at once in
row blocks, on :class:`CompactTrees`, the form a deployment stores;
:meth:`TreeArrays.compact` keeps the nodes above a frontier and numbers them
compactly, which is how a pruned tree becomes small for real.
"""

import numpy as np
from scipy import sparse

# a routing block holds at most this many (row, tree) pairs or values of X
BLOCK_VALUES = 2**21


class TreeArrays:
    """Every node of an ensemble's trees (see the module docstring)."""

    def __init__(self, left, right, feature, threshold, missing_left, roots, dtype):
        self.left = np.asarray(left, dtype=np.int32)
        self.right = np.asarray(right, dtype=np.int32)
        self.feature = np.asarray(feature, dtype=np.int32)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self.roots = np.asarray(roots, dtype=np.int32)
        self.input_dtype = np.dtype(dtype)

    @classmethod
    def concatenate(cls, parts, dtype):
        """One :class:`TreeArrays` from per-tree dicts of local arrays
        (``left``, ``right``, ``feature``, ``threshold``, ``missing_left``)."""
        sizes = np.array([len(p["left"]) for p in parts], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

        def children(key):
            return (
                np.concatenate(
                    [
                        np.where(p[key] >= 0, p[key] + o, -1)
                        for p, o in zip(parts, offsets, strict=True)
                    ]
                )
                if parts
                else np.zeros(0, dtype=np.int64)
            )

        def field(key, kind):
            if not parts:
                return np.zeros(0, dtype=kind)
            return np.concatenate([np.asarray(p[key], dtype=kind) for p in parts])

        return cls(
            children("left"),
            children("right"),
            field("feature", np.int64),
            field("threshold", np.float64),
            field("missing_left", bool),
            offsets,
            dtype,
        )

    # derived structure -----------------------------------------------------

    @property
    def n_nodes(self):
        return len(self.left)

    @property
    def n_trees(self):
        return len(self.roots)

    @property
    def is_leaf(self):
        return self.left < 0

    @property
    def tree_of(self):
        """The tree of every node."""
        if not hasattr(self, "_tree_of"):
            tree_of = np.zeros(self.n_nodes, dtype=np.int32)
            tree_of[self.roots[1:]] = 1
            self._tree_of = np.cumsum(tree_of, dtype=np.int32)
        return self._tree_of

    @property
    def parent(self):
        """The parent of every node, -1 at a root."""
        if not hasattr(self, "_parent"):
            parent = np.full(self.n_nodes, -1, dtype=np.int32)
            internal = np.flatnonzero(~self.is_leaf)
            parent[self.left[internal]] = internal
            parent[self.right[internal]] = internal
            self._parent = parent
        return self._parent

    @property
    def levels(self):
        """Node ids grouped by depth, roots first: parents always come in an
        earlier group than their children."""
        if not hasattr(self, "_levels"):
            levels, current = [], self.roots
            while len(current):
                levels.append(current)
                inner = current[self.left[current] >= 0]
                current = np.concatenate([self.left[inner], self.right[inner]])
            self._levels = levels
        return self._levels

    def below(self, cut):
        """Nodes strictly below a node of ``cut`` (bool per node)."""
        below = np.zeros(self.n_nodes, dtype=bool)
        for level in self.levels[1:]:
            parent = self.parent[level]
            below[level] = below[parent] | cut[parent]
        return below

    def ancestor_in(self, cut):
        """For every node at or below ``cut``, the node of ``cut`` on its path
        from the root (itself when it is in ``cut``); -1 elsewhere."""
        owner = np.where(cut, np.arange(self.n_nodes, dtype=np.int32), -1)
        for level in self.levels[1:]:
            inherit = owner[level] < 0
            owner[level[inherit]] = owner[self.parent[level[inherit]]]
        return owner

    # compact form ----------------------------------------------------------

    def compact(self, leaves=None, trees=None):
        """The trees of ``trees`` (bool per tree; all by default) cut at
        ``leaves`` (bool per node, a frontier of each kept tree; the trees'
        own leaves by default), as :class:`CompactTrees`, and the node id of
        each of its leaves (numbered in node order)."""
        leaves = self.is_leaf if leaves is None else leaves
        trees = np.ones(self.n_trees, dtype=bool) if trees is None else trees
        keep = ~self.below(leaves) & trees[self.tree_of]
        inner_old = np.flatnonzero(keep & ~leaves)
        leaf_old = np.flatnonzero(keep & leaves).astype(np.int32)
        code = np.zeros(self.n_nodes, dtype=np.int32)
        code[inner_old] = np.arange(len(inner_old), dtype=np.int32)
        code[leaf_old] = ~np.arange(len(leaf_old), dtype=np.int32)
        compact = CompactTrees(
            code[self.left[inner_old]],
            code[self.right[inner_old]],
            self.feature[inner_old],
            self.threshold[inner_old],
            self.missing_left[inner_old],
            code[self.roots[trees]],
            self.input_dtype,
        )
        return compact, leaf_old


class CompactTrees:
    """Trees as a deployment stores them: arrays over the internal nodes only
    (``left``, ``right``, ``feature``, ``threshold``, ``missing_left``), a
    child or a root coded ``~k`` (negative) when it is leaf ``k``. Leaves
    carry no structure: their values live with the model.

    Each array takes the smallest type that holds it: 16-bit node and feature
    numbers while they fit, and float32 thresholds for trees that compare
    float32 values (scikit-learn's), rounded down, which decides every
    float32 ``x <= t`` exactly as the float64 threshold does."""

    def __init__(self, left, right, feature, threshold, missing_left, roots, dtype):
        codes = np.concatenate([np.ravel(left), np.ravel(right), np.ravel(roots)])
        index = _smallest_int(codes)
        self.left = np.asarray(left, dtype=index)
        self.right = np.asarray(right, dtype=index)
        self.feature = np.asarray(feature, dtype=_smallest_int(np.ravel(feature)))
        self.input_dtype = np.dtype(dtype)
        threshold = np.asarray(threshold, dtype=np.float64)
        if self.input_dtype == np.float32:
            threshold = float32_down(threshold)
        self.threshold = threshold
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self.roots = np.asarray(roots, dtype=index)

    @property
    def n_trees(self):
        return len(self.roots)

    @property
    def n_internal(self):
        return len(self.left)

    @property
    def n_leaves(self):
        """Leaves: a tree has one more leaf than internal nodes."""
        return self.n_internal + self.n_trees

    @property
    def n_bytes(self):
        """Bytes of the structure arrays."""
        return sum(
            a.nbytes
            for a in (
                self.left,
                self.right,
                self.feature,
                self.threshold,
                self.missing_left,
                self.roots,
            )
        )

    def used_features(self):
        return np.unique(self.feature)

    def depth(self):
        """The longest root-to-leaf path (edges)."""
        depth, current = 0, self.roots[self.roots >= 0]
        while len(current):
            depth += 1
            children = np.concatenate([self.left[current], self.right[current]])
            current = children[children >= 0]
        return depth


def _smallest_int(values):
    """int16 when every value fits, else int32."""
    if values.size == 0 or (values.min() >= -(2**15) and values.max() < 2**15):
        return np.int16
    return np.int32


def float32_down(values):
    """The largest float32 at most each value."""
    values = np.asarray(values, dtype=np.float64)
    rounded = values.astype(np.float32)
    above = rounded.astype(np.float64) > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def apply(trees, X):
    """The leaf each row of ``X`` reaches in every tree of ``trees``
    (:class:`CompactTrees`), ``(n_samples, n_trees)`` int32 leaf numbers.

    Vectorized over all trees at once, in row blocks; a sparse ``X`` has only
    the block's columns the trees split on made dense."""
    n, n_trees = X.shape[0], trees.n_trees
    out = np.empty((n, n_trees), dtype=np.int32)
    if n_trees == 0 or n == 0:
        return out
    columns = trees.used_features()
    feature = np.searchsorted(columns, trees.feature).astype(np.int64)
    block = max(1, BLOCK_VALUES // max(n_trees, len(columns), 1))
    is_sparse = sparse.issparse(X)
    for start in range(0, n, block):
        stop = min(n, start + block)
        if is_sparse:
            rows = X[start:stop][:, columns].toarray()
        else:
            rows = np.asarray(X[start:stop])[:, columns]
        rows = np.ascontiguousarray(rows, dtype=trees.input_dtype)
        out[start:stop] = _route(trees, feature, rows)
    return out


def _route(trees, feature, rows):
    m, n_trees = rows.shape[0], trees.n_trees
    node = np.tile(trees.roots, m)
    active = np.flatnonzero(node >= 0)
    flat_rows = rows.ravel()
    width = rows.shape[1]
    while len(active):
        at = node[active]
        x = flat_rows[(active // n_trees) * width + feature[at]]
        go_left = np.where(
            np.isnan(x), trees.missing_left[at], x <= trees.threshold[at]
        )
        step = np.where(go_left, trees.left[at], trees.right[at])
        node[active] = step
        active = active[step >= 0]
    return (~node).reshape(m, n_trees)
