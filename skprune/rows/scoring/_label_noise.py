"""Confident learning (Northcutt, Jiang & Chuang 2021) on out-of-fold
probabilities: which given labels look wrong, and how noisy each class is."""

from dataclasses import dataclass

import numpy as np

from ...utils._arrays import top_k_indices


@dataclass
class LabelIssues:
    """What confident learning found.

    ``flagged`` marks the rows whose given label looks wrong; ``joint`` is the
    calibrated confident joint, ``joint[i, j]`` the estimated number of rows
    labelled ``i`` whose true class is ``j`` (rows sum to the class counts).
    """

    flagged: np.ndarray
    joint: np.ndarray

    def class_weights(self):
        """``1 / P(given = k | true = k)`` per class, as cleanlab's
        ``CleanLearning`` weights the rows it keeps (so that every class keeps
        the weight of its true size after its wrong labels are removed)."""
        true_counts = self.joint.sum(axis=0)
        stay = np.divide(
            np.diag(self.joint),
            true_counts,
            out=np.ones(len(self.joint)),
            where=true_counts > 0,
        )
        return 1.0 / np.maximum(stay, 1e-3)


def _round_preserving_row_sums(matrix):
    """Round every row to integers summing to the row's rounded total (the
    largest fractional parts round up)."""
    floors = np.floor(matrix)
    missing = np.round(matrix.sum(axis=1)) - floors.sum(axis=1)
    order = np.argsort(-(matrix - floors), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    return (floors + (ranks < missing[:, np.newaxis])).astype(int)


def class_thresholds(proba, y_codes):
    """Each class's threshold: the mean probability of the class over the
    rows labelled with it (1 for a class no row has)."""
    n_classes = proba.shape[1]
    counts = np.bincount(y_codes, minlength=n_classes)
    return np.array(
        [proba[y_codes == k, k].mean() if counts[k] else 1.0 for k in range(n_classes)]
    )


def _confident_class(proba, thresholds):
    """``(best, confident)``: for every row, the class of largest
    probability among those reaching their threshold, and whether any does."""
    above = proba >= thresholds - 1e-6
    return np.where(above, proba, -np.inf).argmax(axis=1), above.any(axis=1)


def flag_by_thresholds(proba, y_codes, thresholds):
    """Rows whose label looks wrong by confident learning's per-row rule
    (cleanlab's ``filter_by="confident_learning"``): the class confidently
    predicted (:func:`_confident_class`) is another than the given label,
    and so is the most probable class. A rule of the row alone, given the
    ``thresholds``, so it judges rows a block at a time."""
    best, confident = _confident_class(proba, thresholds)
    return confident & (best != y_codes) & (proba.argmax(axis=1) != y_codes)


def confident_joint(proba, y_codes):
    """The calibrated confident joint of out-of-fold probabilities ``proba``
    and given labels ``y_codes``.

    Class thresholds are the mean probability of each class over the rows
    labelled with it. A row labelled ``i`` counts in cell ``(i, j)`` when
    ``p_j`` reaches class ``j``'s threshold (the largest such ``p_j`` wins);
    each row of the joint is then scaled to the class's row count.
    """
    n_classes = proba.shape[1]
    counts = np.bincount(y_codes, minlength=n_classes)
    best, confident = _confident_class(proba, class_thresholds(proba, y_codes))
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (y_codes[confident], best[confident]), 1.0)
    row_sums = joint.sum(axis=1, keepdims=True)
    return np.divide(
        joint * counts[:, np.newaxis],
        row_sums,
        out=np.zeros_like(joint),
        where=row_sums > 0,
    )


def find_label_issues(proba, y_codes):
    """Rows whose given label is likely wrong, as cleanlab's
    ``prune_by_noise_rate``: for every off-diagonal cell ``(i, j)`` of the
    calibrated confident joint, the ``n_ij`` rows labelled ``i`` with the
    largest ``p_j - p_i`` are flagged, except rows the model predicts as their
    given label. Returns a :class:`LabelIssues`."""
    joint = confident_joint(proba, y_codes)
    to_flag = _round_preserving_row_sums(joint)
    n_classes = proba.shape[1]
    flagged = np.zeros(len(y_codes), dtype=bool)
    for i in range(n_classes):
        rows = np.flatnonzero(y_codes == i)
        for j in range(n_classes):
            if i != j and to_flag[i, j] > 0:
                margin = proba[rows, j] - proba[rows, i]
                flagged[rows[top_k_indices(margin, to_flag[i, j])]] = True
    flagged &= proba.argmax(axis=1) != y_codes
    return LabelIssues(flagged=flagged, joint=joint)


def label_quality(proba, y_codes):
    """The normalized margin ``p_y - max_{k != y} p_k`` of every row, in
    [-1, 1]: higher means the given label looks more right."""
    rows = np.arange(len(y_codes))
    true = proba[rows, y_codes]
    others = proba.copy()
    others[rows, y_codes] = -np.inf
    return true - others.max(axis=1)
