"""The tree-ensemble family: how skprune prunes a random forest or a
gradient-boosted model.

A fitted ensemble is a linear model over its leaves: row ``i`` reaches one
leaf per tree, so the ensemble's raw prediction is ``intercept + Phi[i] @
beta`` with ``Phi`` the sparse leaf-indicator design (``n_samples x
n_leaves``, one nonzero per tree per row). Pruning it is coefficient pruning
(Ren, Cao, Wei & Sun, "Global refinement of random forest", CVPR 2015):

- the refit (:class:`ForestRefit`) solves the leaf values jointly: the L2
  logistic objective for a classifier (one logit for two classes, a softmax
  otherwise; a gradient-boosted multiclass model's trees each keep feeding
  their own class), an L2 squared loss for a regressor;
- ``granularity="leaf"`` merges the least important sibling leaves into their
  parent, which becomes a leaf whose value the next refit sets; a tree merged
  down to its root is a constant, which the intercept takes over exactly, so
  the tree goes; every merge or drop removes one leaf, so kept counts are
  exact;
- ``granularity="tree"`` drops whole trees by a group score.

Criteria (``_criteria``) price a merge or a drop: the magnitude of the leaf
values (Ren et al.), their second-order cost (OBD, exact to second order
within a tree), random, or a user's callable. The squared-loss solver is in
``_ridge``; the one module that reads scikit-learn's tree internals is
``_sklearn_trees``; the trees as arrays, and their routing, are ``_trees``;
the pruned model is ``_model``.
"""

import warnings
from contextlib import nullcontext

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight

from ...coefficients._pruning import GeometricRounds, MaskedFit
from ...utils._metaestimator import check_n_inputs, fit_or_copy
from ...utils._validation import fold_class_weight
from ..logistic._loss import logistic_problem, minimize_logistic
from ._criteria import (
    FOREST_CRITERIA,
    LeafStats,
    centered_tree_cost,
    merge_cost,
    merge_into,
    tree_cost,
)
from ._model import (
    PrunedTreeEnsembleClassifier,
    PrunedTreeEnsembleRegressor,
    class_codes,
)
from ._ridge import MAX_ITER, TOL, ridge_on_leaves
from ._sklearn_trees import check_supported, is_tree_ensemble, read_ensemble
from ._trees import apply

# a leaf value is a single coefficient of the leaf design: "weight", the
# pruner's default, means "leaf" for a tree ensemble
GRANULARITIES = ("leaf", "tree", "weight")
ITEM_NAMES = {"leaf": "leaves", "tree": "trees", "weight": "leaves"}

# The refit's L2 penalty on the change of the leaf values from where the
# round starts (the ensemble's own values, merged leaves at their children's
# weighted mean), per unit of row weight: a penalty p weighs like p * n rows
# of pseudo-data in every leaf. Measured on real sets
# (benchmarks/bench_forest.py --only refit): a lighter penalty memorises the
# rows the trees were grown on, a heavier one keeps a classifier's merged
# leaves from being refit.
PENALTIES = {"classification": 0.01, "regression": 0.1}
# A boosted model's refit and merge costs see at most this many rows, a
# uniform sample (random_state): its leaves are large, and more rows barely
# move a penalised leaf value. A forest's deep trees have leaves of a few
# rows, which a sample leaves unreached and free to merge: it sees every row
# (measured: benchmarks/bench_forest.py --only speed).
REFIT_ROWS = 20_000


class ForestRefit(GeometricRounds):
    """Refits of a tree ensemble's leaf values over the leaf-indicator design.

    The engine's mask is a boolean per node of the fitted ensemble: the
    leaves of the pruned model (a frontier of each kept tree). ``coef`` of a
    :class:`MaskedFit` holds a value per node and model row, nonzero at the
    mask's nodes only.
    """

    criteria = FOREST_CRITERIA

    def __init__(self, ensemble, X, y, *, classes, sample_weight):
        self.ensemble = ensemble
        self.trees = ensemble.trees
        self.classes = classes
        self.n_features_in = X.shape[1]
        dense, _ = self.trees.compact()
        leaf_nodes = np.flatnonzero(self.trees.is_leaf)
        # the dense leaf (node id) every row reaches in every tree
        self.leaf_of_row = leaf_nodes[apply(dense, X)]
        self.sample_weight = sample_weight
        self.weight_sum = float(sample_weight.sum())
        if classes is not None:
            self.y_codes = np.searchsorted(classes, y)
        else:
            self.y = np.asarray(y, dtype=np.float64)
        self.n_rows = ensemble.n_rows
        self.penalty = PENALTIES["regression" if classes is None else "classification"]

    # the dense model ---------------------------------------------------------

    def dense(self, refit=True):
        """The ensemble as a linear model over its leaves: as fitted when it
        is one (regressors, boosting). A forest classifier's votes average
        class fractions, no logits: its trees' mean log class fractions (the
        geometric mean of their votes), refit unless ``refit=False``."""
        mask = self.trees.is_leaf.copy()
        self._mask = mask
        if self.ensemble.coef is None:
            anchor, intercept = self.ensemble.anchor, np.zeros(self.n_rows)
            if not refit:
                return self._evaluate(mask, anchor, intercept)
            return self._solve(mask, anchor, intercept)
        return self._evaluate(mask, self.ensemble.coef, self.ensemble.intercept)

    # layout ------------------------------------------------------------------

    def full_mask(self, fit):
        return self.trees.is_leaf.copy()

    def live_trees(self, mask):
        return np.bincount(self.trees.tree_of[mask], minlength=self.trees.n_trees) > 0

    def count_alive(self, mask, granularity):
        if granularity == "tree":
            return int(np.count_nonzero(self.live_trees(mask)))
        return int(np.count_nonzero(mask))

    @staticmethod
    def n_nonzero(mask):
        return int(np.count_nonzero(mask))

    def n_features(self, mask):
        return int(np.count_nonzero(self.support(mask)))

    def support(self, mask):
        """Features some kept split reads."""
        kept = ~self.trees.below(mask) & self.live_trees(mask)[self.trees.tree_of]
        inner = kept & ~mask
        support = np.zeros(self.n_features_in, dtype=bool)
        support[self.trees.feature[inner]] = True
        return support

    def count_prunable(self, granularity):
        if granularity == "tree":
            return self.trees.n_trees, ITEM_NAMES[granularity]
        return int(np.count_nonzero(self.trees.is_leaf)), ITEM_NAMES[granularity]

    def check_n_keep(self, n_keep, pruner):
        """Any count up to the ensemble's leaves or trees is reachable."""

    def threads(self):
        return nullcontext()

    # scoring and selection ---------------------------------------------------

    def scores(self, criterion, fit, n_keep, granularity, X, y, rng):
        mask = self._mask
        h = self._curvature(fit, mask)
        s = np.zeros(self.trees.n_nodes)
        if callable(criterion):
            model, leaf_nodes = self._model(fit, mask)
            values = np.asarray(criterion(model, X, y), dtype=np.float64)
            if values.shape != (len(leaf_nodes),):
                raise ValueError(
                    "A criterion for a tree ensemble returns one score per leaf "
                    f"of the model it is given ({len(leaf_nodes)}); got shape "
                    f"{values.shape}."
                )
            s[leaf_nodes] = values
            name = "callable"
        else:
            name = criterion
            if criterion == "random":
                s = rng.random_sample(self.trees.n_nodes)
        self._rng = rng
        return LeafStats(fit.coef.copy(), h, s, self._node_weights(), name)

    def select(self, stats, n_keep, granularity, alive):
        if granularity == "tree":
            return self._drop_trees(stats, n_keep, alive)
        return self._merge(stats, n_keep, alive)

    def _drop_trees(self, stats, n_keep, alive):
        trees = self.trees
        live = self.live_trees(alive)
        cost = tree_cost(stats, np.flatnonzero(alive), trees.tree_of, trees.n_trees)
        order = np.lexsort((np.arange(trees.n_trees), -cost))  # highest kept
        order = order[live[order]]
        keep = np.zeros(trees.n_trees, dtype=bool)
        keep[order[:n_keep]] = True
        return alive & keep[trees.tree_of]

    def _merge(self, stats, n_keep, alive):
        """Merge sibling leaves (and drop trees left as a single leaf), the
        cheapest first, until ``n_keep`` leaves are left; merged nodes become
        candidates in the next pass. Under ``"obd"``, whose costs are all
        increases of the loss, a whole tree is a candidate too, ranked by its
        cost per leaf it removes."""
        trees, mask = self.trees, alive.copy()
        needed = int(np.count_nonzero(mask)) - n_keep
        left, right = trees.left, trees.right
        while needed > 0:
            inner = np.flatnonzero(~trees.is_leaf & ~mask)
            pairs = inner[mask[left[inner]] & mask[right[inner]]]
            stumps = trees.roots[mask[trees.roots]]  # one-leaf trees: constants
            cost = np.concatenate(
                [
                    np.full(len(stumps), -np.inf),
                    merge_cost(stats, left[pairs], right[pairs]),
                ]
            )
            nodes = np.concatenate([stumps, pairs])
            order = np.lexsort((nodes, cost))
            if stats.criterion == "obd":
                take, dropped = self._with_tree_drops(
                    stats, mask, nodes[order], cost[order], needed
                )
            else:
                take, dropped = nodes[order[:needed]], np.zeros(0, dtype=int)
            # a live node taken is a one-leaf tree, a dead one a pair's parent
            drop, merge = take[mask[take]], take[~mask[take]]
            removed = int(np.count_nonzero(mask[np.isin(trees.tree_of, dropped)]))
            mask[np.isin(trees.tree_of, dropped)] = False
            mask[drop] = False
            merge_into(stats, merge, left[merge], right[merge], self._rng)
            mask[left[merge]] = mask[right[merge]] = False
            mask[merge] = True
            needed -= len(take) + removed
        return mask

    def _with_tree_drops(self, stats, mask, nodes, cost, needed):
        """The cheapest operations removing exactly ``needed`` leaves (or all
        there are): single merges or drops (``nodes``, sorted by ``cost``)
        and whole trees (cost per leaf). Returns the nodes taken and the
        trees dropped; no merge falls in a dropped tree."""
        trees = self.trees
        leaves = np.flatnonzero(mask)
        owner = trees.tree_of[leaves]
        n_leaves = np.bincount(owner, minlength=trees.n_trees)
        tree_cost_ = centered_tree_cost(stats, leaves, owner, trees.n_trees)
        if self.ensemble.exchangeable:
            # a forest's trees are alike: the refit has the other live trees
            # make up for a dropped one, leaving about 1 / T of its cost
            # (measured: benchmarks/bench_forest.py)
            tree_cost_ = tree_cost_ / max(np.count_nonzero(n_leaves), 1)
        candidates = np.flatnonzero(n_leaves >= 2)
        unit = tree_cost_[candidates] / n_leaves[candidates]
        candidates = candidates[np.argsort(unit, kind="stable")]
        unit = np.sort(unit, kind="stable")
        node_tree = trees.tree_of[nodes]
        taken, dropped = [], []
        touched = np.zeros(trees.n_trees, dtype=bool)
        gone = np.zeros(trees.n_trees, dtype=bool)
        i = j = 0
        while needed > 0 and (i < len(nodes) or j < len(candidates)):
            if j < len(candidates) and (i >= len(nodes) or unit[j] < cost[i]):
                tree = candidates[j]
                j += 1
                if not touched[tree] and n_leaves[tree] <= needed:
                    gone[tree] = True
                    dropped.append(tree)
                    needed -= n_leaves[tree]
                continue
            tree = node_tree[i]
            if not gone[tree]:
                taken.append(nodes[i])
                touched[tree] = True
                needed -= 1
            i += 1
        return np.asarray(taken, dtype=np.int64), np.asarray(dropped, dtype=np.int64)

    # refits ------------------------------------------------------------------

    def refit(self, previous, mask):
        coef, intercept = self._warm_start(previous, mask)
        fit = self._solve(mask, coef, intercept)
        self._mask = mask
        return fit

    def zero_pruned(self, previous, mask):
        """Merged leaves take their children's weighted mean value, dropped
        trees their mean into the intercept; nothing is refit."""
        coef, intercept = self._warm_start(previous, mask)
        fit = self._evaluate(mask, coef, intercept)
        self._mask = mask
        return fit

    def _warm_start(self, previous, mask):
        """``previous`` carried to ``mask``: a new leaf gets the weighted mean
        of the values of the old leaves under it (weighted by the rows
        reaching them), a dropped tree's weighted mean moves to the
        intercept; predictions change as little as they can."""
        trees, old = self.trees, np.flatnonzero(self._mask)
        counts = self._node_weights()
        owner = trees.ancestor_in(mask)[old]
        coef = np.zeros_like(previous.coef)
        intercept = previous.intercept.copy()
        kept = owner >= 0
        total = np.bincount(
            owner[kept], weights=counts[old[kept]], minlength=trees.n_nodes
        )
        # a node no weighted row reaches takes the plain mean of its old leaves
        number = np.bincount(owner[kept], minlength=trees.n_nodes)
        for k in range(self.n_rows):
            values = previous.coef[k, old[kept]]
            sums = np.bincount(
                owner[kept], weights=counts[old[kept]] * values, minlength=trees.n_nodes
            )
            plain = np.bincount(owner[kept], weights=values, minlength=trees.n_nodes)
            coef[k] = np.where(
                total > 0,
                sums / np.where(total > 0, total, 1),
                plain / np.maximum(number, 1),
            )
            gone = old[~kept]
            tree_totals = np.bincount(
                trees.tree_of[gone], weights=counts[gone], minlength=trees.n_trees
            )
            tree_sums = np.bincount(
                trees.tree_of[gone],
                weights=counts[gone] * previous.coef[k, gone],
                minlength=trees.n_trees,
            )
            live = tree_totals > 0
            intercept[k] += np.sum(tree_sums[live] / tree_totals[live])
        coef[:, ~mask] = 0.0
        return coef, intercept

    def _node_weights(self):
        """The row weight reaching each node of the fitted ensemble."""
        if not hasattr(self, "_weights"):
            trees = self.trees
            weights = np.bincount(
                self.leaf_of_row.ravel(),
                weights=np.repeat(self.sample_weight, trees.n_trees),
                minlength=trees.n_nodes,
            )
            for level in reversed(trees.levels[1:]):
                np.add.at(weights, trees.parent[level], weights[level])
            self._weights = weights
        return self._weights

    def design(self, mask):
        """``Phi`` at ``mask``: the CSR leaf indicators of the live trees, one
        column per leaf of ``mask`` in node order; and those nodes."""
        trees = self.trees
        columns = np.flatnonzero(mask)
        column_of = np.full(trees.n_nodes, -1, dtype=np.int64)
        column_of[columns] = np.arange(len(columns))
        owner = trees.ancestor_in(mask)
        live = self.live_trees(mask)
        indices = column_of[owner[self.leaf_of_row[:, live]]].ravel()
        n = self.leaf_of_row.shape[0]
        n_live = int(np.count_nonzero(live))
        indptr = np.arange(n + 1, dtype=np.int64) * n_live
        data = np.ones(indices.size)
        return sparse.csr_matrix(
            (data, indices, indptr), shape=(n, len(columns))
        ), columns

    def _row_mask(self, columns):
        """Which model rows each column may feed: a boosting tree grown for
        class ``k`` feeds logit ``k`` only."""
        output = self.ensemble.output_of_tree[self.trees.tree_of[columns]]
        if self.n_rows == 1 or np.all(output < 0):
            return np.ones((self.n_rows, len(columns)), dtype=bool)
        return output[None, :] == np.arange(self.n_rows)[:, None]

    def _decision(self, fit, mask):
        Phi, columns = self.design(mask)
        return Phi @ fit.coef[:, columns].T + fit.intercept, Phi, columns

    def _curvature(self, fit, mask):
        """The loss's second derivative summed over the rows reaching each
        live leaf, per model row (the diagonal of the Hessian)."""
        raw, Phi, columns = self._decision(fit, mask)
        if self.classes is None:
            per_row = np.broadcast_to(self.sample_weight[:, None], raw.shape)
        elif self.n_rows == 1:
            p = expit(raw)
            per_row = self.sample_weight[:, None] * p * (1 - p)
        else:
            p = softmax(raw, axis=1)
            per_row = self.sample_weight[:, None] * p * (1 - p)
        h = np.zeros((self.n_rows, self.trees.n_nodes))
        h[:, columns] = np.asarray(Phi.T @ per_row).T * self._row_mask(columns)
        return h

    def _solve(self, mask, coef, intercept):
        """The refit at ``mask``, anchored at ``coef``: the mean loss plus
        ``penalty / 2 * ||beta - coef||^2`` (:data:`PENALTIES`)."""
        Phi, columns = self.design(mask)
        row_mask = self._row_mask(columns)
        anchor = coef[:, columns] * row_mask
        everyone = np.arange(Phi.shape[0])
        solved, intercept, value, n_iter, converged = self._fit_leaves(
            Phi, everyone, row_mask, anchor, intercept, self.penalty
        )
        if not converged:
            warnings.warn(
                f"The leaf refit did not converge in {MAX_ITER} iterations.",
                ConvergenceWarning,
                stacklevel=2,
            )
        full = np.zeros((self.n_rows, self.trees.n_nodes))
        full[:, columns] = solved
        return MaskedFit(full, np.asarray(intercept, dtype=float), n_iter, value, None)

    def _fit_leaves(self, Phi, rows, row_mask, anchor, intercept, penalty):
        """The anchored refit on ``rows``: ``(beta, intercept, objective,
        iterations, converged)``."""
        Phi_rows, weight = Phi[rows], self.sample_weight[rows]
        if self.classes is not None:
            problem = logistic_problem(
                Phi_rows,
                self.y_codes[rows],
                len(self.classes),
                row_mask,
                1.0 / (penalty * weight.sum()),
                weight,
                True,
            )
            problem.offset = np.asarray(Phi_rows @ anchor.T)
            theta, value, n_iter, converged = minimize_logistic(
                problem, problem.pack(np.zeros_like(anchor), intercept), MAX_ITER, TOL
            )
            change, intercept = problem.unpack(theta)
            return anchor + change, intercept, value, n_iter, converged
        solved, intercept, value, n_iter, converged = ridge_on_leaves(
            Phi_rows, self.y[rows], weight, anchor[0], penalty
        )
        return solved[None, :], intercept, value, n_iter, converged

    def _mean_loss(self, raw, rows):
        """The weighted mean loss of decision values ``raw`` on ``rows``."""
        w = self.sample_weight[rows]
        if self.classes is None:
            loss = 0.5 * (self.y[rows] - raw[:, 0]) ** 2
        elif self.n_rows == 1:
            z = np.where(self.y_codes[rows] == 1, raw[:, 0], -raw[:, 0])
            loss = np.logaddexp(0.0, -z)
        else:
            lse = np.logaddexp.reduce(raw, axis=1)
            loss = lse - raw[np.arange(len(raw)), self.y_codes[rows]]
        return float(np.sum(w * loss) / max(w.sum(), np.finfo(float).tiny))

    def _evaluate(self, mask, coef, intercept):
        """``coef`` as it is, with its training loss (at its own anchor: no
        penalty)."""
        fit = MaskedFit(
            np.array(coef, dtype=float), np.array(intercept, dtype=float), 0, None, None
        )
        raw, _, _ = self._decision(fit, mask)
        fit.loss = self._mean_loss(raw, np.arange(raw.shape[0]))
        return fit

    def train_score(self, fit):
        raw, _, _ = self._decision(fit, self._mask)
        if self.classes is None:
            residual = np.sum(self.sample_weight * (self.y - raw[:, 0]) ** 2)
            mean = np.average(self.y, weights=self.sample_weight)
            spread = np.sum(self.sample_weight * (self.y - mean) ** 2)
            return float(1 - residual / spread) if spread > 0 else None
        return float(np.mean(class_codes(raw) == self.y_codes))

    # the pruned model --------------------------------------------------------

    def _model(self, fit, mask):
        """The pruned model at ``mask`` and the node id of each of its leaves."""
        live = self.live_trees(mask)
        compact, leaf_nodes = self.trees.compact(mask, live)
        output_of_tree = self.ensemble.output_of_tree[live]
        if np.all(output_of_tree < 0):
            values = fit.coef[:, leaf_nodes].T
        else:
            rows = self.ensemble.output_of_tree[self.trees.tree_of[leaf_nodes]]
            values = fit.coef[rows, leaf_nodes][:, None]
        args = (compact, values, fit.intercept, output_of_tree, self.n_features_in)
        if self.classes is None:
            return PrunedTreeEnsembleRegressor(*args), leaf_nodes
        return PrunedTreeEnsembleClassifier(*args, self.classes), leaf_nodes

    def fitted_attributes(self, result):
        model, _ = self._model(result.final, result.mask)
        return {
            "estimator_": model,
            "dense_coef_": result.dense.coef,
            "coef_mask_": result.mask,
            "support_": self.support(result.mask),
            "n_nonzero_": int(np.count_nonzero(result.mask)),
            "n_leaves_": model.n_leaves_,
            "n_nodes_": model.n_nodes_,
            "n_bytes_": model.n_bytes_,
        }


class ForestFamily:
    """``RandomForest*``, ``ExtraTrees*``, ``GradientBoosting*`` and
    ``HistGradientBoosting*``: leaves are the coefficients."""

    granularities = GRANULARITIES
    criteria = FOREST_CRITERIA
    multi_output = False  # one ensemble per output

    @staticmethod
    def accepts(estimator):
        return is_tree_ensemble(estimator)

    # measured in benchmarks/bench_forest.py: second-order merge and drop
    # costs, refit between ten rounds of merges
    default_criterion = "obd"
    default_n_iter = 10

    @staticmethod
    def refit_object(pruner, X, y, fit_params, criterion):
        """The :class:`ForestRefit` of ``pruner`` (a ``CoefficientPruner``)
        and the dense model; the ensemble is fit (or copied, ``prefit``) as
        ``fitted``."""
        name = type(pruner.estimator).__name__
        for param, value, allowed in (
            ("granularity", pruner.granularity, GRANULARITIES),
            ("rewind", pruner.rewind, (False,)),
        ):
            if value not in allowed:
                raise ValueError(
                    f"{param}={value!r} does not apply to {name}; a tree "
                    f"ensemble is pruned with {param} in {allowed}."
                )
        if not callable(criterion) and criterion not in FOREST_CRITERIA:
            raise ValueError(
                f"criterion={criterion!r} is for linear models; a tree ensemble "
                f"is pruned with one of {FOREST_CRITERIA} or a callable."
            )
        classifier = is_classifier(pruner.estimator)
        if classifier and len(np.unique(y)) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data; got "
                f"one class, {np.unique(y)[0]!r}: there is nothing to refit."
            )
        check_supported(pruner.estimator)
        sample_weight = _check_sample_weight(fit_params.get("sample_weight"), X)
        fitted = fit_or_copy(
            pruner.estimator,
            X,
            y,
            fit_params,
            prefit=pruner.prefit,
            random_state=pruner.random_state,
            deep=False,
        )
        check_n_inputs(fitted.n_features_in_, X)
        classes = None
        if classifier:
            classes = fitted.classes_
            if pruner.prefit and not np.isin(y, classes).all():
                raise ValueError(
                    f"y has labels the prefit {name} was not fitted on; its "
                    f"classes_ are {classes.tolist()}."
                )
            class_weight = getattr(fitted, "class_weight", None)
            if class_weight == "balanced_subsample":
                class_weight = "balanced"
            sample_weight = fold_class_weight(class_weight, classes, y, sample_weight)
        ensemble = read_ensemble(fitted)
        if X.shape[0] > REFIT_ROWS and not ensemble.exchangeable:
            rows = check_random_state(pruner.random_state).choice(
                X.shape[0], REFIT_ROWS, replace=False
            )
            rows = np.sort(rows)
            X, y, sample_weight = X[rows], np.asarray(y)[rows], sample_weight[rows]
        refitter = ForestRefit(
            ensemble, X, y, classes=classes, sample_weight=sample_weight
        )
        refitter.fitted, refitter.prefit = fitted, pruner.prefit
        return refitter, refitter.dense(pruner.refit)
