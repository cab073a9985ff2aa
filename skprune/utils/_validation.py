"""Checks and small accessors shared by the estimators."""

import inspect
from numbers import Integral

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

# scikit-learn 1.7 added ``sample_weight`` to compute_class_weight (it weighs
# the "balanced" class counts); reproduce whatever the installed version does,
# so that skprune's refits solve the same problem as LogisticRegression.
_CLASS_WEIGHT_TAKES_SAMPLE_WEIGHT = (
    "sample_weight" in inspect.signature(compute_class_weight).parameters
)


def fold_class_weight(class_weight, classes, y, sample_weight):
    """``sample_weight`` times the weight of each row's class, computed as
    scikit-learn's ``LogisticRegression`` does. Never modifies its input; with
    no ``class_weight`` it returns ``sample_weight`` itself (as float64)."""
    if class_weight is None:
        return np.asarray(sample_weight, dtype=np.float64)
    kwargs = (
        {"sample_weight": sample_weight} if _CLASS_WEIGHT_TAKES_SAMPLE_WEIGHT else {}
    )
    weights = compute_class_weight(class_weight, classes=classes, y=y, **kwargs)
    return sample_weight * weights[np.searchsorted(classes, y)]


def coef_as_2d(estimator, *, name="estimator"):
    """The fitted ``coef_`` of ``estimator`` as a float 2-D array (a copy).

    Raises a ``TypeError`` naming the estimator when it has no ``coef_``.
    """
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        raise TypeError(
            f"The {name} {type(estimator).__name__} does not expose a coef_ "
            "attribute after fit; coefficient pruning needs a linear model "
            "(for example LogisticRegression, LinearSVC, Ridge or Lasso)."
        )
    coef = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef)
    if coef.ndim not in (1, 2):
        raise TypeError(
            f"The {name}'s coef_ has {coef.ndim} dimensions; expected 1 or 2."
        )
    return np.atleast_2d(coef).astype(np.float64, copy=True)


def is_softmax_logistic(model, n_classes):
    """Whether ``model`` is a ``LogisticRegression`` whose ``predict_proba``
    on ``n_classes`` classes is the sigmoid (softmax) of its decision values:
    one model over the classes, not one-vs-rest (``multi_class="ovr"``, or
    ``"liblinear"`` on more than two classes, in the scikit-learn versions
    that have them)."""
    return (
        type(model) is LogisticRegression
        and getattr(model, "multi_class", "auto") != "ovr"
        and (n_classes == 2 or getattr(model, "solver", None) != "liblinear")
    )


def estimator_has(attr):
    """``available_if`` check: the fitted or else the unfitted inner estimator
    has ``attr``."""

    def check(self):
        inner = getattr(self, "estimator_", self.estimator)
        getattr(inner, attr)  # raises AttributeError, which available_if expects
        return True

    return check


def take_rows(value, rows, n_samples):
    """``value[rows]`` for a row-aligned fit parameter (an array-like of length
    ``n_samples``); any other value is returned untouched."""
    if isinstance(value, str | dict) or not hasattr(value, "__len__"):
        return value
    if len(value) != n_samples:
        return value
    return value[rows] if hasattr(value, "shape") else np.asarray(value)[rows]


def display_label(label):
    """A class label as a user wrote it (``0``, not ``np.int64(0)``)."""
    return label.item() if isinstance(label, np.generic) else label


def check_cv_fits_classes(cv, y_codes, classes):
    """Raise a ``ValueError`` when an integer ``cv`` would train a fold without
    one of the classes: fewer rows than folds, or a class with a single row
    (the fold that holds it out never sees it). A class with fewer rows than
    folds but at least two still reaches every training fold of a stratified
    split; scikit-learn warns about it and so do we, through it."""
    if not isinstance(cv, Integral):
        return
    if len(y_codes) < cv:
        raise ValueError(
            f"cv={cv} folds need at least {cv} rows; got n_samples={len(y_codes)}."
        )
    counts = np.bincount(y_codes, minlength=len(classes))
    if counts.min() < 2:
        rarest = display_label(classes[counts.argmin()])
        raise ValueError(
            f"Class {rarest!r} has a single row: the cv={cv} fold that holds it "
            "out would train without it; give more rows of that class or drop it."
        )


def is_one_vs_all(y):
    """Whether ``y`` is a one-vs-all label indicator: 2-D, 0/1, one 1 a row."""
    if not hasattr(y, "shape") or len(y.shape) != 2 or y.shape[1] < 2:
        return False
    values = np.asarray(y)
    return bool(np.isin(values, (0, 1)).all() and (values.sum(axis=1) == 1).all())


def is_frame(X):
    """Whether ``X`` is a pandas DataFrame (without importing pandas)."""
    return hasattr(X, "iloc") and hasattr(X, "columns")


def take_like(given, validated, mask):
    """The kept rows in the container the user gave: a DataFrame or Series
    (rows by position, columns, names and dtypes kept), a list, else the
    validated array or sparse matrix."""
    if hasattr(given, "iloc"):
        return given.iloc[np.flatnonzero(mask)]
    if isinstance(given, list):
        return validated[mask].tolist()
    return validated[mask]
