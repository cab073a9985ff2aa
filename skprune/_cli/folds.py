"""The one fold runner of every experiment: the stratified, standardized
cross-validation folds, and the progress line counting the work done in
them."""

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from .console import CommandError


def standardized_folds(X, y, cv, seed):
    """``(X_train, y_train, X_test, y_test)`` of each of the ``cv`` shuffled
    stratified folds, both standardized with the training rows' scaler; an
    error when the target cannot be split so."""
    counts = np.unique(y, return_counts=True)[1]
    if len(counts) < 2:
        raise CommandError("the target has a single class; nothing to classify")
    if cv > counts.min():
        raise CommandError(
            f"--cv {cv} is more than the {counts.min()} rows of the rarest class"
        )
    splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
    for train, test in splitter.split(X, y):
        scaler = StandardScaler().fit(X[train])
        yield scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


class Folds:
    """The folds of an experiment (see :func:`standardized_folds`) and its
    progress: an experiment does ``steps`` units of work per fold and calls
    :meth:`step` after each, shown as ``done/total`` of ``cv * steps``.

    Iterating yields ``(X_train, y_train, X_test, y_test)`` per fold.
    """

    def __init__(self, X, y, cv, seed, progress, steps):
        self.X, self.y, self.cv, self.seed = X, y, cv, seed
        self.progress = progress
        self.total, self.done = cv * steps, 0

    def __iter__(self):
        return standardized_folds(self.X, self.y, self.cv, self.seed)

    def step(self, text):
        """One unit of work done; ``text`` says which."""
        self.done += 1
        self.progress.step(self.done, self.total, text)
