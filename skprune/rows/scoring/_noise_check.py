"""The cheap label-noise check behind ``clean_labels="auto"``.

Confident learning (Northcutt, Jiang & Chuang 2021) needs every row judged by
a model that did not see it; out-of-fold models on every row cost several
fits of the learner on most of the data, more than the fit row pruning is
meant to shrink. The check below costs a few pilot-sized fits instead:

1. a uniform pilot, stratified by class (:func:`draw_pilot`), is split into
   ``NOISE_FOLDS`` folds, and the scorer is fit on each fold's complement;
2. the pilot rows' out-of-fold probabilities give each class's threshold
   (its mean self-confidence) and the estimated share of wrong labels
   (:func:`noise_floor`);
3. only when that share says the labels are noisy (at least
   ``NOISE_RATE_THRESHOLD``) is every other row judged, by the mean
   probabilities of the fold models, block by block, against the same
   thresholds (:func:`~skprune.rows.scoring._label_noise.flag_by_thresholds`).

The share is not confident learning's own estimate (the off-diagonal mass of
the confident joint): on clean data whose classes overlap, that mass is the
overlap (0.46 on KEEL's contraceptive, 0.34 on saheart), as large as 20 %
of flipped labels elsewhere. Labels flipped at random are wrong everywhere,
in the regions a model is surest of as much as anywhere, while an overlap
of classes leaves those regions clean: the error of the out-of-fold
predictions on the pilot rows they are surest of measures the flips and
little of the overlap.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from ...utils._arrays import row_block_views
from ...utils._fit_cache import cached_fit
from ...utils._validation import take_rows
from ._label_noise import class_thresholds, flag_by_thresholds, label_quality
from ._scorers import (
    PILOT_ROWS_PER_FEATURE,
    draw_pilot,
    probabilities_from_decision,
    reads_predict_proba,
)

# folds of the pilot's out-of-fold models
NOISE_FOLDS = 3
# the pilot of the check (noise_pilot_size): at least this many rows
NOISE_PILOT_ROWS = 1000
# the estimated share of wrong labels from which flagged rows are set aside
# (chosen on 25 real sets, each clean and with 10 % and 20 % of its labels
# flipped: benchmarks/bench_data_efficiency.py)
NOISE_RATE_THRESHOLD = 0.12
# noise_floor: the share of the pilot rows the models are surest of
SUREST_SHARE = 0.1


@dataclass
class NoiseCheck:
    """What the check found: ``rate``, the estimated share of wrong labels
    (``None`` when the pilot is too small to split into folds that all hold
    every class), each class's ``thresholds``, the pilot ``rows`` (boolean),
    their out-of-fold probabilities ``pilot_proba``, and the fold ``models``
    that judge the other rows."""

    rate: object
    thresholds: np.ndarray
    rows: np.ndarray
    pilot_proba: np.ndarray
    models: list
    classes: np.ndarray

    @property
    def noisy(self):
        """Whether the labels look noisy enough to set rows aside."""
        return self.rate is not None and self.rate >= NOISE_RATE_THRESHOLD

    def proba(self, X):
        """Every row's probabilities: the pilot rows' out of fold, the other
        rows' the mean of the fold models', block by block."""
        n_classes = len(self.classes)
        out = np.empty((X.shape[0], n_classes))
        out[self.rows] = self.pilot_proba  # each judged by the model without it
        for rows, block in row_block_views(X, n_columns=n_classes):
            others = np.flatnonzero(~self.rows[rows])
            if len(others):
                out[rows.start + others] = np.mean(
                    [
                        class_proba(model, block[others], self.classes)
                        for model in self.models
                    ],
                    axis=0,
                )
        return out

    def flags(self, X, y_codes, n_keep):
        """The rows whose label looks wrong: at most ``n_samples - n_keep`` of
        them (the most confidently wrong by their label quality,
        :func:`~skprune.rows.scoring._label_noise.label_quality`, so that the
        count can be met from the others), never every row of a class."""
        proba = self.proba(X)
        flagged = flag_by_thresholds(proba, y_codes, self.thresholds)
        quality = label_quality(proba, y_codes)
        for k in range(len(self.classes)):  # every class keeps a row
            members = np.flatnonzero(y_codes == k)
            if len(members) and flagged[members].all():
                flagged[members[np.argmax(quality[members])]] = False
        room = X.shape[0] - n_keep
        if flagged.sum() > room:
            rows = np.flatnonzero(flagged)
            order = np.argsort(quality[rows], kind="stable")
            flagged[rows[order[room:]]] = False
        return flagged


def class_proba(model, X, classes):
    """Probabilities of the columns ``classes`` (a class the model never saw:
    0): ``predict_proba``, or a sigmoid/softmax of ``decision_function``."""
    if reads_predict_proba(model, len(classes)):
        values = model.predict_proba(X)
    else:
        values = probabilities_from_decision(model.decision_function(X))
    out = np.zeros((X.shape[0], len(classes)))
    out[:, np.searchsorted(classes, model.classes_)] = values
    return out


def noise_floor(proba, y_codes, share=SUREST_SHARE):
    """The estimated share of wrong labels: how often the given label is not
    the predicted class on the ``share`` of the rows whose predicted class is
    most probable (ties to the earlier row), ``proba`` out of fold.

    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    >>> float(noise_floor(proba, np.array([1, 1, 0, 0]), share=0.5))
    0.5
    """
    surest = proba.max(axis=1)
    n_rows = max(1, int(share * len(y_codes)))
    rows = np.argsort(-surest, kind="stable")[:n_rows]
    return float(np.mean(proba[rows].argmax(axis=1) != y_codes[rows]))


def noise_pilot_size(n_samples, n_features):
    """The rows of the check's pilot: ten per feature, at most a quarter of
    the rows, at least ``NOISE_PILOT_ROWS`` (every row, when fewer), and the
    same whatever is kept: the check costs a few fits on a fraction of the
    rows at any ``prune_ratio``, and a search over ``prune_ratio`` fits them
    once per split (the fits are cached).

    >>> noise_pilot_size(1_000_000, 1000), noise_pilot_size(200_000, 20_000)
    (10000, 50000)
    >>> noise_pilot_size(15_000, 10), noise_pilot_size(600, 10)
    (1000, 600)
    """
    wanted = min(PILOT_ROWS_PER_FEATURE * n_features, n_samples // 4)
    return min(n_samples, max(NOISE_PILOT_ROWS, wanted))


def check_label_noise(X, y, y_codes, classes, scorer, fit_params, *, size, seed):
    """The :class:`NoiseCheck` of a pilot of ``size`` rows (drawn with
    ``seed``, stratified) scored by ``NOISE_FOLDS`` out-of-fold clones of
    ``scorer``; ``fit_params`` are the scorer's (row-aligned ones taken at
    each fold's rows)."""
    n_samples = X.shape[0]
    rows = draw_pilot(y_codes, n_samples, min(size, n_samples), seed)
    pilot = np.flatnonzero(rows)
    codes = y_codes[pilot]
    counts = np.bincount(codes, minlength=len(classes))
    n_folds = min(NOISE_FOLDS, int(counts.min()))
    if n_folds < 2:  # a class the folds cannot all hold
        return NoiseCheck(None, None, rows, None, [], classes)
    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    proba = np.empty((len(pilot), len(classes)))
    models = []
    for train, test in splitter.split(pilot, codes):
        params = {
            key: take_rows(value, pilot[train], n_samples)
            for key, value in fit_params.items()
        }
        model = cached_fit(clone(scorer), X[pilot[train]], y[pilot[train]], params)
        proba[test] = class_proba(model, X[pilot[test]], classes)
        models.append(model)
    return NoiseCheck(
        rate=noise_floor(proba, codes),
        thresholds=class_thresholds(proba, codes),
        rows=rows,
        pilot_proba=proba,
        models=models,
        classes=classes,
    )
