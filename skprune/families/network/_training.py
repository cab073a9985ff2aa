"""Masked training of scikit-learn's ``MLPClassifier`` / ``MLPRegressor``.

The mechanics the network's refit object (``_family``) and the quantizer's
refit are built on: a stochastic fine-tune that never moves pruned weights,
an L-BFGS fine-tune over the kept weights only, the network's objective and
per-row deltas from scikit-learn's own backpropagation, the initial weights
``fit`` draws, and removing hidden units.

scikit-learn's stochastic MLP training has no mask hook, and re-zeroing the
pruned weights once per epoch lets them grow back inside the epoch. Here a
masked optimizer takes the place of the estimator's own: every step sees the
pruned weights' gradients as zero and leaves those weights at exactly zero.
Training is driven epoch by epoch through ``partial_fit`` with the
estimator's own stopping rule, so everything else -- loss, activation,
``alpha``, batches, shuffling from ``random_state``, the learning-rate
schedule -- is scikit-learn's own code.

It relies on private names of scikit-learn's MLP, present in every version
skprune supports: the modules ``sklearn.neural_network._multilayer_perceptron``
(``BaseMultilayerPerceptron``) and ``sklearn.neural_network._stochastic_optimizers``
(``SGDOptimizer``, ``AdamOptimizer``); the methods and attributes
``_backprop``, ``_optimizer``, ``_no_improvement_count`` and
``_label_binarizer`` of a fitted network, and ``_best_coefs`` /
``_best_intercepts``, which a pruned network drops.
"""

import copy
import inspect
import warnings
from numbers import Integral

import numpy as np
import scipy.optimize
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._multilayer_perceptron import BaseMultilayerPerceptron
from sklearn.neural_network._stochastic_optimizers import (
    AdamOptimizer,
    SGDOptimizer,
)

STOCHASTIC_SOLVERS = ("sgd", "adam")


class MaskedOptimizer:
    """A scikit-learn MLP optimizer whose steps never move pruned weights.

    Parameters
    ----------
    optimizer : SGDOptimizer or AdamOptimizer
    masks : list of ndarray of bool
        One per layer, of the shape of ``coefs_[i]``; True for kept weights.
        Intercepts (biases) are never masked.
    """

    def __init__(self, optimizer, masks):
        self.optimizer = optimizer
        self.masks = masks

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    def update_params(self, params, grads):
        n_layers = len(self.masks)
        grads = [
            *(
                grad * mask
                for grad, mask in zip(grads[:n_layers], self.masks, strict=True)
            ),
            *grads[n_layers:],
        ]
        self.optimizer.update_params(params, grads)
        for param, mask in zip(params[:n_layers], self.masks, strict=True):
            param[~mask] = 0.0

    def iteration_ends(self, time_step):
        return self.optimizer.iteration_ends(time_step)

    def trigger_stopping(self, msg, verbose):
        return self.optimizer.trigger_stopping(msg, verbose)


def fresh_optimizer(estimator):
    """The optimizer ``estimator.fit`` would start with, on its current
    parameters (as scikit-learn's ``_fit_stochastic`` builds it)."""
    params = estimator.coefs_ + estimator.intercepts_
    if estimator.solver == "sgd":
        return SGDOptimizer(
            params,
            estimator.learning_rate_init,
            estimator.learning_rate,
            estimator.momentum,
            estimator.nesterovs_momentum,
            estimator.power_t,
        )
    return AdamOptimizer(
        params,
        estimator.learning_rate_init,
        estimator.beta_1,
        estimator.beta_2,
        estimator.epsilon,
    )


def masked_fine_tune(estimator, X, y, masks, *, sample_weight=None, max_iter=None):
    """Train a fitted stochastic MLP further, in place, under ``masks``.

    The pruned weights are set to zero first and stay exactly zero after
    every optimizer step. A fresh optimizer (as ``fit`` would build) runs
    epochs of ``partial_fit`` until the estimator's own rule stops it (no
    improvement of the training loss by ``tol`` for ``n_iter_no_change``
    epochs, or ``max_iter`` epochs, default the estimator's).

    Returns the estimator, with ``n_iter_`` the epochs run and
    ``loss_curve_`` their losses.
    """
    if estimator.solver not in STOCHASTIC_SOLVERS:
        raise ValueError(
            f"Masked fine-tuning runs scikit-learn's stochastic solvers "
            f"{STOCHASTIC_SOLVERS}; this network has solver={estimator.solver!r}."
        )
    if estimator.early_stopping:
        raise ValueError(
            "Masked fine-tuning trains on all the rows it is given; set "
            "early_stopping=False on the network."
        )
    masks = [np.asarray(mask, dtype=bool) for mask in masks]
    shapes = [coef.shape for coef in estimator.coefs_]
    if [mask.shape for mask in masks] != shapes:
        raise ValueError(
            f"masks have shapes {[m.shape for m in masks]}; the network's "
            f"coefs_ have shapes {shapes}."
        )
    for coef, mask in zip(estimator.coefs_, masks, strict=True):
        coef[~mask] = 0.0
    estimator._optimizer = MaskedOptimizer(fresh_optimizer(estimator), masks)
    estimator.loss_curve_ = []
    estimator.best_loss_ = np.inf
    estimator._no_improvement_count = 0
    estimator.t_ = 0
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    n_epochs, max_epochs = 0, estimator.max_iter if max_iter is None else max_iter
    seed = estimator.random_state
    if isinstance(seed, Integral):
        # partial_fit recreates RandomState(seed) at every call, which would
        # shuffle every epoch alike; fit draws one stream for all epochs
        estimator.random_state = np.random.RandomState(seed)
    try:
        for _ in range(max_epochs):
            estimator.partial_fit(X, y, **fit_params)
            n_epochs += 1
            # partial_fit applied the optimizer's stopping rule to this epoch
            if estimator._no_improvement_count > estimator.n_iter_no_change:
                break
        else:
            warnings.warn(
                f"The masked fine-tune ran max_iter={max_epochs} epochs without "
                "meeting the network's stopping rule; increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
    finally:
        estimator.random_state = seed
    estimator.n_iter_ = n_epochs
    return estimator


def remove_hidden_units(estimator, keep):
    """A copy of a fitted MLP with only the hidden units in ``keep``.

    ``keep`` holds one boolean array per hidden layer. A removed unit takes
    its incoming weights, its bias and its outgoing weights with it, so the
    copy is a genuinely smaller network (``hidden_layer_sizes`` and the
    shapes of ``coefs_`` shrink) whose predictions equal those of the dense
    network with those weights and biases set to zero. The optimizer state
    of the original does not fit the new shapes and is dropped.
    """
    n_hidden = len(estimator.coefs_) - 1
    keep = [np.asarray(k, dtype=bool) for k in keep]
    sizes = [coef.shape[1] for coef in estimator.coefs_[:-1]]
    if len(keep) != n_hidden or [k.size for k in keep] != sizes:
        raise ValueError(
            f"keep needs one boolean array per hidden layer, of sizes {sizes}; "
            f"got sizes {[k.size for k in keep]}."
        )
    if not all(k.any() for k in keep):
        raise ValueError("Every hidden layer must keep at least one unit.")
    smaller = copy.deepcopy(estimator)
    coefs = [coef.copy() for coef in estimator.coefs_]
    intercepts = [b.copy() for b in estimator.intercepts_]
    for layer, units in enumerate(keep):
        coefs[layer] = coefs[layer][:, units]
        intercepts[layer] = intercepts[layer][units]
        coefs[layer + 1] = coefs[layer + 1][units, :]
    smaller.coefs_, smaller.intercepts_ = coefs, intercepts
    smaller.hidden_layer_sizes = tuple(int(k.sum()) for k in keep)
    if hasattr(smaller, "_optimizer"):
        del smaller._optimizer
    return smaller


# -- the objective, through scikit-learn's own backpropagation ----------------

# scikit-learn 1.7 added sample_weight to the MLPs (and to ``_backprop``).
_BACKPROP_TAKES_SAMPLE_WEIGHT = (
    "sample_weight" in inspect.signature(BaseMultilayerPerceptron._backprop).parameters
)


def encoded_target(estimator, y):
    """``y`` as the fitted network trains on it: the label-binarized matrix
    of a classifier, a 2-D float array for a regressor."""
    if is_classifier(estimator):
        return estimator._label_binarizer.transform(y).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    return y.reshape(y.shape[0], -1)


def backprop(estimator, X, Y, sample_weight=None):
    """scikit-learn's training objective of ``estimator`` at its current
    weights, with its gradients and the per-row quantities behind them.

    Returns ``(loss, coef_grads, intercept_grads, activations, deltas)``:
    the mean loss plus ``alpha / 2 * sum ||W||^2 / n``, its gradients, the
    layers' activations (``activations[0]`` is ``X``) and the per-row
    derivatives of the loss with respect to each layer's pre-activations
    (``deltas[i]`` for layer ``i + 1``), all from the estimator's own
    ``_backprop``.
    """
    n_layers = len(estimator.coefs_) + 1
    activations = [X] + [None] * (n_layers - 1)
    deltas = [None] * (n_layers - 1)
    coef_grads = [np.empty_like(coef) for coef in estimator.coefs_]
    intercept_grads = [np.empty_like(b) for b in estimator.intercepts_]
    args = (activations, deltas, coef_grads, intercept_grads)
    if _BACKPROP_TAKES_SAMPLE_WEIGHT:
        loss, coef_grads, intercept_grads = estimator._backprop(
            X, Y, sample_weight, *args
        )
    elif sample_weight is not None:
        raise ValueError(
            "This scikit-learn's MLPs take no sample_weight (it came in 1.7)."
        )
    else:
        loss, coef_grads, intercept_grads = estimator._backprop(X, Y, *args)
    return loss, coef_grads, intercept_grads, activations, deltas


def initial_weights(estimator, random_state):
    """The weights and biases ``estimator.fit`` starts from when its random
    state is ``random_state`` (a ``RandomState`` positioned where ``fit``
    will find it): scikit-learn's Glorot-uniform draws, layer by layer,
    weights then biases, bound ``sqrt(6 / (fan_in + fan_out))`` (2 instead
    of 6 for the logistic activation)."""
    factor = 2.0 if estimator.activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for coef in estimator.coefs_:
        fan_in, fan_out = coef.shape
        bound = np.sqrt(factor / (fan_in + fan_out))
        draws = random_state.uniform(-bound, bound, (fan_in, fan_out))
        coefs.append(draws.astype(coef.dtype, copy=False))
        draws = random_state.uniform(-bound, bound, fan_out)
        intercepts.append(draws.astype(coef.dtype, copy=False))
    return coefs, intercepts


def minimize_network(
    estimator, X, Y, masks, designs, theta, options, *, sample_weight=None
):
    """scikit-learn's objective of ``estimator`` minimised with scipy's
    L-BFGS-B over ``theta``: the kept weights of layer ``i`` are
    ``designs[i] @ theta_i`` (the kept weights themselves when
    ``designs[i]`` is None), followed by all biases. Pruned weights are not
    variables. The estimator is left at the optimum; returns scipy's result.
    """
    sizes = [
        int(np.count_nonzero(mask)) if design is None else design.shape[1]
        for mask, design in zip(masks, designs, strict=True)
    ]

    def unpack(theta):
        start = 0
        for coef, mask, design, size in zip(
            estimator.coefs_, masks, designs, sizes, strict=True
        ):
            part = theta[start : start + size]
            coef[mask] = part if design is None else design @ part
            start += size
        for b in estimator.intercepts_:
            b[:] = theta[start : start + b.size]
            start += b.size

    def loss_grad(theta):
        unpack(theta)
        loss, coef_grads, intercept_grads, _, _ = backprop(
            estimator, X, Y, sample_weight
        )
        grads = [
            g[mask] if design is None else design.T @ g[mask]
            for g, mask, design in zip(coef_grads, masks, designs, strict=True)
        ]
        return loss, np.concatenate(grads + [g.ravel() for g in intercept_grads])

    result = scipy.optimize.minimize(
        loss_grad, theta, method="L-BFGS-B", jac=True, options=options
    )
    unpack(result.x)
    return result


def masked_lbfgs(estimator, X, Y, masks, *, sample_weight=None):
    """Train a fitted L-BFGS network further, in place, under ``masks``.

    scikit-learn's objective is minimised with scipy's L-BFGS-B and the
    estimator's ``max_iter``, ``max_fun`` and ``tol`` over the kept weights
    and all biases only: the pruned weights are not variables, so they stay
    exactly zero. Returns the estimator, with ``n_iter_`` and ``loss_``.
    """
    masks = [np.asarray(mask, dtype=bool) for mask in masks]
    for coef, mask in zip(estimator.coefs_, masks, strict=True):
        coef[~mask] = 0.0
    theta = np.concatenate(
        [c[m] for c, m in zip(estimator.coefs_, masks, strict=True)]
        + [b.ravel() for b in estimator.intercepts_]
    )
    options = {
        "maxfun": estimator.max_fun,
        "maxiter": estimator.max_iter,
        "gtol": estimator.tol,
    }
    result = minimize_network(
        estimator,
        X,
        Y,
        masks,
        [None] * len(masks),
        theta,
        options,
        sample_weight=sample_weight,
    )
    estimator.n_iter_ = int(result.nit)
    estimator.loss_ = float(result.fun)
    if result.status == 1:
        warnings.warn(
            f"The masked L-BFGS fine-tune stopped at max_iter={estimator.max_iter} "
            "or max_fun before converging; increase them on the network.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return estimator


def widen(small, units, like):
    """``small`` (a network with only ``units`` of ``like``'s hidden layers)
    written back at ``like``'s width, with zeros for the removed units."""
    wide = copy.deepcopy(small)
    keep = [None, *units, None]  # None: every input or output
    coefs, intercepts = [], []
    for layer, (coef, b) in enumerate(zip(like.coefs_, like.intercepts_, strict=True)):
        rows = np.arange(coef.shape[0]) if keep[layer] is None else keep[layer]
        cols = np.arange(coef.shape[1]) if keep[layer + 1] is None else keep[layer + 1]
        full = np.zeros_like(coef)
        full[np.ix_(_index(rows), _index(cols))] = small.coefs_[layer]
        bias = np.zeros_like(b)
        bias[_index(cols)] = small.intercepts_[layer]
        coefs.append(full)
        intercepts.append(bias)
    wide.coefs_, wide.intercepts_ = coefs, intercepts
    wide.hidden_layer_sizes = like.hidden_layer_sizes
    return wide


def _index(selector):
    selector = np.asarray(selector)
    return np.flatnonzero(selector) if selector.dtype == bool else selector


def drop_training_copies(network):
    """Drop what scikit-learn keeps only for early stopping: ``_best_coefs``
    and ``_best_intercepts``, a copy of every weight (the initial ones when
    ``early_stopping=False``, which skprune's networks have; scikit-learn
    reads them only with early stopping). A saved pruned network is then
    its weights once, not twice."""
    if not network.early_stopping:
        for name in ("_best_coefs", "_best_intercepts"):
            network.__dict__.pop(name, None)


def is_mlp(estimator):
    """Whether ``estimator`` is one of scikit-learn's MLPs."""
    return isinstance(estimator, BaseMultilayerPerceptron)
