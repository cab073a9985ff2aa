"""The scorers of ``--scoring``: their names checked
(:func:`scoring_names`), tried on the data before any work
(:func:`check_scorers`), and each method's scores averaged over the folds
(:class:`MeanScores`)."""

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer, get_scorer_names

from .console import CommandError
from .folds import standardized_folds

DEFAULT_SCORING = ("accuracy",)
# binary-only scorers and their averaged variants for a multiclass target
AVERAGED = {
    "f1": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "jaccard": "jaccard_macro",
    "roc_auc": "roc_auc_ovr",
}


def scoring_names(values):
    """The scorer names of ``--scoring`` (space- or comma-separated), checked
    against ``sklearn.metrics.get_scorer_names()``."""
    if isinstance(values, str):
        values = [values]
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    if not names:
        raise CommandError("--scoring needs at least one scorer name")
    valid = get_scorer_names()
    for name in names:
        if name not in valid:
            raise CommandError(
                f"--scoring: unknown scorer {name!r}; valid names: {', '.join(valid)}"
            )
    return list(dict.fromkeys(names))


def _scorer_problem(name, error, n_classes):
    """A one-line message for a scorer that failed on the data."""
    variants = [
        n
        for n in get_scorer_names()
        if n.startswith(name + "_") and not n.endswith("_samples")
    ]
    if n_classes > 2 and name in AVERAGED:
        others = [n for n in variants if n != AVERAGED[name]]
        return (
            f"--scoring {name} is for a binary target and this one has "
            f"{n_classes} classes; use the averaged variant {AVERAGED[name]}"
            + (f" (or {', '.join(others)})" if others else "")
        )
    if name.endswith("_samples"):
        return (
            f"--scoring {name} is for multilabel targets; use "
            f"{name[: -len('_samples')]}_macro"
        )
    detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"--scoring {name} cannot score this data ({n_classes} classes): {detail}"


def check_scorers(X, y, cv, seed, scoring):
    """Try each scorer on a quick logistic regression fit on the first fold,
    so a scorer that cannot work on the data fails before the experiment."""
    X_tr, y_tr, X_te, y_te = next(standardized_folds(X, y, cv, seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(max_iter=200).fit(X_tr, y_tr)
        for name in scoring:
            try:
                get_scorer(name)(model, X_te, y_te)
            except Exception as error:
                raise CommandError(
                    _scorer_problem(name, error, len(np.unique(y)))
                ) from None


def _scores(model, X, y, scoring, method):
    """Each scorer's value for a fitted ``model`` on ``(X, y)``."""
    out = np.empty(len(scoring))
    for i, name in enumerate(scoring):
        try:
            out[i] = get_scorer(name)(model, X, y)
        except Exception as error:
            detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(
                f"--scoring {name} failed on {method}: {detail}"
            ) from None
    return out


class MeanScores:
    """Each method's scores averaged over the ``cv`` folds, per level (a kept
    fraction, or None): ``means[method, level]``, an array of one value per
    scorer, in the order first scored."""

    def __init__(self, scoring, cv):
        self.scoring, self.cv = list(scoring), cv
        self.means = {}

    def add(self, method, level, model, X, y, repeats=1):
        """Add a fold's share of the scores of the fitted ``model`` on
        ``(X, y)``: a ``1 / (cv * repeats)``-th, ``repeats`` being how many
        models of the method the fold scores at the level."""
        values = _scores(model, X, y, self.scoring, method)
        key = (method, level)
        self.means[key] = self.means.get(key, 0.0) + values / (self.cv * repeats)
