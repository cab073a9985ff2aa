"""Masked fine-tuning of scikit-learn's ``MLPClassifier`` / ``MLPRegressor``.

Groundwork for pruning neural networks (the refit object of the MLP issue).
scikit-learn's stochastic MLP training has no mask hook, and re-zeroing the
pruned weights once per epoch lets them grow back inside the epoch. Here a
masked optimizer takes the place of the estimator's own: every step sees the
pruned weights' gradients as zero and leaves those weights at exactly zero.
Training is driven epoch by epoch through ``partial_fit`` with the
estimator's own stopping rule, so everything else -- loss, activation,
``alpha``, batches, shuffling from ``random_state``, the learning-rate
schedule -- is scikit-learn's own code. It relies on two private names of
scikit-learn's MLP (``_optimizer`` and the optimizer classes), present in
every version skprune supports.
"""

import copy

import numpy as np
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
    n_epochs = 0
    for _ in range(estimator.max_iter if max_iter is None else max_iter):
        estimator.partial_fit(X, y, **fit_params)
        n_epochs += 1
        # partial_fit applied the optimizer's stopping rule to this epoch
        if estimator._no_improvement_count > estimator.n_iter_no_change:
            break
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
