"""The network family: how skprune prunes and quantizes an ``MLPClassifier``
or ``MLPRegressor``.

Everything that is particular to a network lives here: what a pruner's
parameters mean for it and the errors when they do not apply
(:class:`NetworkFamily`), its criteria (``NETWORK_CRITERIA``), its refit
object for the pruning engine (:class:`MLPRefit`: per-layer masks and
granularities, masked fine-tunes) and what the quantizer needs (its weight
matrices, the refit of the stored values). The training mechanics are in
``families.network._training``.
"""

import copy
import itertools
from contextlib import nullcontext
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import _check_sample_weight

from ...coefficients._criteria import MISCLASSIFIED_NEEDS_CLASSIFIER, taylor_scores
from ...coefficients._masks import top_k_mask
from ...coefficients._pruning import GeometricRounds, MaskedFit
from ...utils._arrays import apportion, as_float32
from ...utils._metaestimator import check_n_inputs, fit_or_copy
from ._training import (
    backprop,
    drop_training_copies,
    encoded_target,
    initial_weights,
    is_mlp,
    masked_fine_tune,
    masked_lbfgs,
    minimize_network,
    remove_hidden_units,
    widen,
)

SCOPES = ("global", "layer")


# -- criteria: (network, X, y, Y, random_state) -> one score array per layer --


def network_magnitude(network, X, y, Y, random_state):
    """``|w|`` of every weight."""
    return [np.abs(c) for c in network.coefs_]


def network_random(network, X, y, Y, random_state):
    """Uniform random scores from ``random_state``: the baseline."""
    return [random_state.random_sample(c.shape) for c in network.coefs_]


def network_gradient(network, X, y, Y, random_state):
    """First-order Taylor scores of every layer, accumulated in absolute
    value row by row over the rows of ``X`` (``Y`` their encoded targets),
    with the network's own loss
    (:func:`skprune.coefficients._criteria.taylor_scores`)."""
    _, _, _, activations, deltas = backprop(copy.copy(network), X, Y)
    return [
        taylor_scores(coef, inputs, delta)
        for coef, inputs, delta in zip(
            network.coefs_, activations[:-1], deltas, strict=True
        )
    ]


def network_gradient_misclassified(network, X, y, Y, random_state):
    """:func:`network_gradient` on the rows the network misclassifies (all
    rows when none is); classifiers only."""
    if not is_classifier(network):
        raise ValueError(MISCLASSIFIED_NEEDS_CLASSIFIER)
    n = X.shape[0]
    predicted = np.asarray(network.predict(X)).reshape(n, -1)
    wrong = (predicted != np.asarray(y).reshape(n, -1)).any(axis=1)
    if wrong.any():
        rows = np.flatnonzero(wrong)
        X, Y = X[rows], Y[rows]
    return network_gradient(network, X, y, Y, random_state)


NETWORK_CRITERIA = {
    "magnitude": network_magnitude,
    "random": network_random,
    "gradient": network_gradient,
    "gradient_misclassified": network_gradient_misclassified,
}


# -- layout -----------------------------------------------------------------


def count_items(coefs, granularity):
    """How many items ``granularity`` ranks in a network whose weight
    matrices have these shapes (or are these arrays)."""
    shapes = [np.shape(c) for c in coefs]
    if granularity == "weight":
        return sum(a * b for a, b in shapes)
    if granularity == "neuron":
        return sum(b for _, b in shapes[:-1])
    return shapes[0][0]


def hidden_units_alive(mask):
    """One boolean array per hidden layer: units with a live outgoing weight
    (the only way a unit reaches the output)."""
    return [m.any(axis=1) for m in mask[1:]]


ITEM_NAMES = {"weight": "weights", "neuron": "hidden units", "feature": "features"}


class MLPRefit(GeometricRounds):
    """Masked fine-tunes of an ``MLPClassifier`` / ``MLPRegressor``.

    Weights, scores and masks are lists with one array per layer (the shapes
    of ``coefs_``); biases are never scored. Granularities: single weights
    (``"weight"``), hidden units (``"neuron"``: a unit's incoming weights,
    bias and outgoing weights) and input features (``"feature"``: rows of
    the first layer). ``scope="global"`` ranks weights or units across all
    layers, ``"layer"`` keeps the same share of every layer.

    A refit trains the network under the mask with its own solver and
    settings: the masked optimizer of :func:`masked_fine_tune` for ``sgd``
    and ``adam``, :func:`masked_lbfgs` for ``lbfgs``. Under neuron
    granularity the network is first made genuinely smaller
    (:func:`remove_hidden_units`) and trained at that size, then written
    back at full width with zeros. With ``initial`` (the weights and biases
    ``fit`` started from) every refit restarts the survivors from them: the
    rewinding of the lottery-ticket experiments.

    ``MaskedFit.model`` is the network at full width, pruned weights exactly zero.
    """

    criteria = NETWORK_CRITERIA

    def __init__(
        self, X, y, *, sample_weight, granularity, scope="global", initial=None
    ):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.granularity = granularity
        self.scope = scope
        self.initial = initial

    def dense(self, fitted):
        self.Y = encoded_target(fitted, self.y)
        return self._masked_fit(fitted, int(fitted.n_iter_))

    # layout ------------------------------------------------------------------

    def full_mask(self, fit):
        return [np.ones(c.shape, dtype=bool) for c in fit.coef]

    @staticmethod
    def count_alive(mask, granularity):
        if granularity == "weight":
            return sum(int(np.count_nonzero(m)) for m in mask)
        if granularity == "neuron":
            return sum(int(np.count_nonzero(u)) for u in hidden_units_alive(mask))
        return int(np.count_nonzero(mask[0].any(axis=1)))

    @staticmethod
    def n_nonzero(mask):
        return sum(int(np.count_nonzero(m)) for m in mask)

    @staticmethod
    def n_features(mask):
        return int(np.count_nonzero(mask[0].any(axis=1)))

    def select(self, scores, n_keep, granularity, alive):
        """Exact mask keeping ``n_keep`` items (stable ranking, ties by
        position; nested in ``alive``)."""
        if granularity == "weight":
            groups = [np.ravel(s) for s in scores]
            alive_groups = [np.ravel(m) for m in alive]
            low = [0] * len(groups)
        elif granularity == "neuron":
            # root mean square over the unit's live weights, so that units
            # of layers with different (or pruned) fan-in and fan-out compare
            groups = [
                np.sqrt(
                    (
                        np.sum(np.where(a_in, s_in, 0.0) ** 2, axis=0)
                        + np.sum(np.where(a_out, s_out, 0.0) ** 2, axis=1)
                    )
                    / np.maximum(a_in.sum(axis=0) + a_out.sum(axis=1), 1)
                )
                for (s_in, s_out), (a_in, a_out) in zip(
                    itertools.pairwise(scores), itertools.pairwise(alive), strict=True
                )
            ]
            alive_groups = hidden_units_alive(alive)
            low = [1] * len(groups)  # a layer with no unit cuts the network
        else:
            groups = [np.sqrt(np.sum(np.asarray(scores[0]) ** 2, axis=1))]
            alive_groups = [alive[0].any(axis=1)]
            low = [1]
        keep = self._keep(groups, alive_groups, n_keep, low)
        if granularity == "weight":
            return [k.reshape(m.shape) for k, m in zip(keep, alive, strict=True)]
        mask = [m.copy() for m in alive]
        if granularity == "neuron":
            for layer, units in enumerate(keep):
                mask[layer][:, ~units] = False
                mask[layer + 1][~units, :] = False
        else:
            mask[0][~keep[0], :] = False
        return mask

    def _keep(self, groups, alive_groups, n_keep, low):
        sizes = [g.size for g in groups]
        n_alive = [int(np.count_nonzero(a)) for a in alive_groups]
        if self.scope == "layer" and len(groups) > 1:
            counts = apportion(n_keep, sizes, low, n_alive)
            return [
                top_k_mask(g, int(k), a)
                for g, k, a in zip(groups, counts, alive_groups, strict=True)
            ]
        flat = np.concatenate(groups).astype(np.float64)
        if any(low):
            # the best live item of each group stays whatever the ranking
            start = 0
            for g, a in zip(groups, alive_groups, strict=True):
                flat[start + np.argmax(np.where(a, g, -np.inf))] = np.inf
                start += g.size
        keep = top_k_mask(flat, n_keep, np.concatenate(alive_groups))
        return np.split(keep, np.cumsum(sizes)[:-1])

    # criteria ----------------------------------------------------------------

    def scores(self, criterion, fit, n_keep, granularity, X, y, rng):
        """Scores with the shapes of ``coefs_`` (higher is kept): a name of
        ``NETWORK_CRITERIA`` or a callable ``criterion(network, X, y)``."""
        model = fit.model
        if not callable(criterion):
            return self.criteria[criterion](model, X, y, self.Y, rng)
        scores = criterion(model, X, y)
        shapes = [c.shape for c in model.coefs_]
        if (
            not isinstance(scores, (list, tuple))
            or [np.shape(s) for s in scores] != shapes
        ):
            raise ValueError(
                "For a network the criterion callable must return a list "
                f"of arrays of the shapes of coefs_, {shapes}."
            )
        scores = [np.asarray(s, dtype=np.float64) for s in scores]
        if not all(np.all(np.isfinite(s) | (s == np.inf)) for s in scores):
            raise ValueError("The criterion returned NaN or -inf scores.")
        return scores

    # refits ------------------------------------------------------------------

    def refit(self, previous, mask):
        model = copy.deepcopy(previous.model)
        if self.initial is not None:
            model.coefs_ = [c.copy() for c in self.initial[0]]
            model.intercepts_ = [b.copy() for b in self.initial[1]]
        self._apply(model, mask)
        if self.granularity == "neuron":
            units = hidden_units_alive(mask)
            small = remove_hidden_units(model, units)
            self._train(small, [np.ones(c.shape, dtype=bool) for c in small.coefs_])
            model = widen(small, units, model)
        else:
            self._train(model, mask)
        return self._masked_fit(model, int(model.n_iter_))

    def zero_pruned(self, previous, mask):
        model = copy.deepcopy(previous.model)
        self._apply(model, mask)
        return self._masked_fit(model, 0)

    def train_score(self, fit):
        return float(fit.model.score(self.X, self.y))

    def _apply(self, model, mask):
        """Zero the pruned weights (and the biases of removed units)."""
        for coef, m in zip(model.coefs_, mask, strict=True):
            coef[~m] = 0.0
        if self.granularity == "neuron":
            units = hidden_units_alive(mask)
            for b, alive in zip(model.intercepts_[:-1], units, strict=True):
                b[~alive] = 0.0

    def _train(self, model, mask):
        if model.solver == "lbfgs":
            masked_lbfgs(model, self.X, self.Y, mask, sample_weight=self.sample_weight)
        else:
            masked_fine_tune(
                model, self.X, self.y, mask, sample_weight=self.sample_weight
            )
        if hasattr(model, "_optimizer"):
            del model._optimizer

    def _masked_fit(self, model, n_iter):
        loss = backprop(copy.copy(model), self.X, self.Y, self.sample_weight)[0]
        return MaskedFit(
            [c.copy() for c in model.coefs_],
            [b.copy() for b in model.intercepts_],
            n_iter,
            float(loss),
            model,
        )

    # what CoefficientPruner asks ---------------------------------------------

    def count_prunable(self, granularity):
        """``(n_items, item_name)`` of the dense network at ``granularity``."""
        return count_items(self.fitted.coefs_, granularity), ITEM_NAMES[granularity]

    def check_n_keep(self, n_keep, pruner):
        """Neuron pruning keeps a unit in every hidden layer."""
        n_hidden_layers = len(self.fitted.coefs_) - 1
        if self.granularity == "neuron" and n_keep < n_hidden_layers:
            asked = (
                f"n_keep={pruner.n_keep}"
                if pruner.n_keep is not None
                else f"prune_ratio={pruner.prune_ratio} (keeping {n_keep})"
            )
            raise ValueError(
                f"{asked} cannot leave a hidden unit in each of the network's "
                f"{n_hidden_layers} hidden layers."
            )

    def threads(self):
        """No BLAS-thread limit: a network's products are large."""
        return nullcontext()

    def fitted_attributes(self, result):
        """The pruner's fitted attributes from the engine's ``result``."""
        network = result.final.model
        if self.granularity == "neuron":
            network = remove_hidden_units(network, hidden_units_alive(result.mask))
        drop_training_copies(network)
        return {
            "estimator_": network,
            "dense_coef_": [c.copy() for c in self.fitted.coefs_],
            "coef_mask_": result.mask,
            "support_": result.mask[0].any(axis=1),
            "n_nonzero_": self.n_nonzero(result.mask),
        }


def _random_state_copy(random_state):
    """A ``RandomState`` in the state ``check_random_state(random_state)``
    is in now, without advancing that one."""
    if isinstance(random_state, Integral):
        return np.random.RandomState(random_state)
    source = np.random.mtrand._rand if random_state is None else random_state
    copy_ = np.random.RandomState()
    copy_.set_state(source.get_state())
    return copy_


def _check_prefit_network(network, X, y):
    """A fitted network must match ``X``'s width and ``y``'s labels."""
    check_n_inputs(network.coefs_[0].shape[0], X, model="network")
    classes = getattr(network, "classes_", None)
    if classes is not None and np.ndim(y) == 1 and not np.isin(y, classes).all():
        raise ValueError(
            "y has labels the prefit network was not fitted on; its classes_ "
            f"are {np.asarray(classes).tolist()}."
        )


class NetworkFamily:
    """``MLPClassifier`` / ``MLPRegressor``: weights are a list of matrices
    (``coefs_``), one per layer, of shape ``(n_inputs, n_outputs)``."""

    granularities = ("weight", "neuron", "feature")
    multi_output = True
    criteria = NETWORK_CRITERIA
    # the quantizer's groups: a unit's incoming weights are a column
    row_axis = 1
    default_share = "layer"

    @staticmethod
    def accepts(estimator):
        return is_mlp(estimator)

    # pruning -----------------------------------------------------------------

    default_criterion = "magnitude"
    default_n_iter = 1

    @staticmethod
    def refit_object(pruner, X, y, fit_params, criterion):
        """The validated :class:`MLPRefit` for ``pruner`` (a
        ``CoefficientPruner``), with the dense network fit (or copied,
        ``prefit=True``) as ``fitted``."""
        if pruner.granularity not in NetworkFamily.granularities:
            raise ValueError(
                f"granularity={pruner.granularity!r} does not apply to a network; "
                f"use granularity in {NetworkFamily.granularities}."
            )
        if not callable(criterion) and criterion not in NETWORK_CRITERIA:
            raise ValueError(
                f"criterion={criterion!r} is for linear models; a network "
                f"is pruned with one of {tuple(NETWORK_CRITERIA)} or a callable."
            )
        if pruner.estimator.early_stopping:
            raise ValueError(
                "The network has early_stopping=True; masked fine-tuning trains "
                "on all the rows it is given. Set early_stopping=False (hold "
                "out a validation set outside the pruner)."
            )
        if pruner.rewind and not pruner.refit:
            raise ValueError(
                "rewind=True restarts the fine-tune from the initial weights; "
                "it needs refit=True."
            )
        if fit_params.get("sample_weight") is not None:
            fit_params = {
                **fit_params,
                "sample_weight": _check_sample_weight(fit_params["sample_weight"], X),
            }
        starts = []  # rewind=True: the random state the network's fit starts from

        def remember_start(network):
            # the initial weights are scikit-learn's first draws from it
            starts.append(_random_state_copy(network.random_state))

        network = fit_or_copy(
            pruner.estimator,
            X,
            y,
            fit_params,
            prefit=pruner.prefit,
            random_state=pruner.random_state,
            deep=False,
            before_fit=remember_start if pruner.rewind else None,
        )
        if pruner.prefit:
            _check_prefit_network(network, X, y)
            seed = pruner.estimator.random_state
            if pruner.rewind and not isinstance(seed, Integral):
                raise ValueError(
                    "rewind=True with prefit=True needs the network's initial "
                    "weights: give it an integer random_state (got "
                    f"{seed!r}), or let the pruner fit it (prefit=False)."
                )
            if pruner.rewind:
                starts.append(np.random.RandomState(seed))
        if pruner.granularity == "neuron" and len(network.coefs_) == 1:
            raise ValueError(
                "granularity='neuron' removes hidden units; this network has "
                "no hidden layer."
            )
        scope = pruner.scope
        if scope == "auto":
            scope = "layer" if pruner.granularity == "neuron" else "global"
        refitter = MLPRefit(
            X,
            y,
            sample_weight=fit_params.get("sample_weight"),
            granularity=pruner.granularity,
            scope=scope,
            initial=initial_weights(network, starts[0]) if pruner.rewind else None,
        )
        refitter.fitted = network
        return refitter, refitter.dense(network)

    # quantization ------------------------------------------------------------

    @staticmethod
    def weights(network):
        """The weight matrices as float64."""
        return [np.asarray(W, dtype=np.float64) for W in network.coefs_]

    @staticmethod
    def n_inputs(weights, model=None):
        return weights[0].shape[0]

    @staticmethod
    def n_intercepts(network):
        return sum(np.size(b) for b in network.intercepts_)

    @staticmethod
    def matrix_shapes(coefs):
        """Shapes of the weight matrices in ``coefs`` (``coefs_``-like)."""
        return [np.shape(W) for W in coefs]

    @staticmethod
    def dense_size(shapes, network):
        """Weights and biases of a network whose matrices have ``shapes``."""
        return sum(a * b + b for a, b in shapes)

    @staticmethod
    def refit_stored_values(model, network, quantized, X, y, fit_params):
        """L-BFGS on the network's training objective over every layer's
        stored parameters and the biases, codes fixed (``w = design @ params``);
        ``network`` (a copy of the model that predicts) is changed in place."""
        network.coefs_ = [np.zeros(q.shape) for q in quantized]
        theta = np.concatenate(
            [q.flat_params() for q in quantized]
            + [b.ravel() for b in network.intercepts_]
        )
        result = minimize_network(
            network,
            X,
            encoded_target(network, y),
            [q.mask for q in quantized],
            [q.design() for q in quantized],
            theta,
            {"maxiter": network.max_iter, "gtol": network.tol},
            sample_weight=fit_params.get("sample_weight"),
        )
        start = 0
        for q in quantized:
            q.set_params(result.x[start : start + q.n_params])
            start += q.n_params
        for b in network.intercepts_:
            b[:] = as_float32(result.x[start : start + b.size])
            start += b.size

    @staticmethod
    def store(network, dequantized, like):
        """Give ``network`` its dequantized weights and float32-rounded
        biases; returns the biases (what the quantizer counts as stored
        floats)."""
        network.coefs_ = dequantized
        network.intercepts_ = [as_float32(b) for b in network.intercepts_]
        drop_training_copies(network)
        return network.intercepts_
