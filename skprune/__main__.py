"""``python -m skprune`` (also the ``skprune`` command): see pruning on your data.

Runs, on a bundled data set or a CSV file, a score-vs-kept-fraction experiment
(cross-validated) for

- coefficient pruning (``--kind coef``): with ``--model logistic`` (default)
  skprune's pruned logistic regression (default schedule, and one-shot
  without refit) against ``RFE`` and an L1 path (the first model along the
  path with at least ``k`` features, its ``k`` largest kept and refit), at
  equal feature counts; with ``--model mlp`` an ``MLPClassifier``'s weights
  pruned by magnitude, with and without fine-tuning the survivors, at equal
  weight counts;
- sample pruning (``--kind samples``): ``SampleSubsetter`` strategies against
  random rows, at equal row counts, the model fit on the kept rows;
- compression (``--kind compress``): bytes against score for the dense
  model, the model quantized to 8 bits (uniform) and 4 bits (k-means), and
  pruned to each fraction of its weights, unquantized and quantized;

each against the majority class and (pruning) the model on all features,
weights or rows. Every model is scored with each ``--scoring`` name
(scikit-learn scorers, accuracy by default) on the test folds; the labels are
encoded ``0..K-1``, and for a binary target the positive class (1) is the
rarer one. It prints a table per pruning kind and scorer (one table with a
column per scorer for compression), and with ``--out`` (default
``skprune_results``) writes them as CSV and JSON (a column per scorer) plus a
PNG of the curves (a row of panels per scorer) when matplotlib is installed.

A CSV (or ``.tsv``, ``.txt``) file needs a header row, numeric feature columns
and a class-label ``--target`` column; ``--sep`` sets the separator and
``--drop`` removes columns such as IDs. Problems with the arguments or the
file are reported on one line (exit code 2) before any work starts.
"""

import argparse
import csv
import inspect
import io
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from . import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
    SampleSubsetter,
    __version__,
)
from ._quantizer import float_bytes, model_weights

BUILTIN = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}
DEFAULT_FRACTIONS = (0.5, 0.25, 0.1, 0.05)
DEFAULT_SCORING = ("accuracy",)
# each with keep="auto": importance sampling for the costs (grand, loss),
# coverage for margin, the greedy coreset for herding
SAMPLE_STRATEGIES = ("grand", "loss", "margin", "herding")
L1_METHOD = "L1 path (select k, refit)"
MAJORITY = "majority class"
# the reference fit on everything, per kind and model
FULL = {
    ("coef", "logistic"): "all features",
    ("coef", "mlp"): "all weights",
    ("samples", "logistic"): "all rows",
    ("samples", "mlp"): "all rows",
}
REFERENCES = (MAJORITY, *FULL.values())
LEVEL_NAMES = {
    "coef": "fraction of features kept",
    "coef-mlp": "fraction of weights kept",
    "samples": "fraction of training rows kept",
    "compress": "bytes (log scale)",
}
MODEL_NAMES = {"logistic": "logistic regression", "mlp": "MLPClassifier (64,)"}
# compression: the quantizations of the dense and of the pruned models
QUANTIZATIONS = {
    "8-bit uniform": {"n_bits": 8, "method": "uniform"},
    "4-bit k-means": {"n_bits": 4, "method": "kmeans"},
}
DENSE = "dense float64"
PRUNED = "pruned (float64, sparse)"
SUFFIXES = (".csv", ".tsv", ".txt")
# a numeric target with more distinct values than this looks continuous
MAX_NUMERIC_CLASSES = 20
# cells read as missing values rather than as non-numeric text
MISSING_TOKENS = {"na", "n/a", "nan", "null", "none", "?"}
# binary-only scorers and their averaged variants for a multiclass target
AVERAGED = {
    "f1": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "jaccard": "jaccard_macro",
    "roc_auc": "roc_auc_ovr",
}


class CommandError(Exception):
    """A problem with the user's arguments or data: one line, no traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class Progress:
    """One status line on stderr: rewritten in place on a terminal, a line per
    stage otherwise; silent with ``quiet``."""

    def __init__(self, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def stage(self, text):
        if not self.quiet:
            end = "\n" if not self.tty else "\r\n"
            self.stream.write(f"[skprune] {text}{end}")
            self.stream.flush()

    def step(self, done, total, text):
        if not self.quiet and self.tty:
            self.stream.write(f"\r[skprune]   {done}/{total} {text:<50}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()


def _sep_name(sep):
    return "tab" if sep == "\t" else repr(sep)


def _read_rows(data, sep):
    """``(sep, [(line number, cells), ...])`` of a text file, blank rows
    skipped; ``sep=None`` picks the default of the file's suffix."""
    try:
        with open(data, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as error:
        raise CommandError(f"cannot read {data}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{data} is not UTF-8 text (byte {error.object[error.start]:#04x} at "
            f"offset {error.start}); save it as UTF-8"
        ) from None
    if sep is None:
        suffix = os.path.splitext(data)[1].lower()
        first = next((line for line in text.splitlines() if line.strip()), "")
        tabbed = suffix == ".tsv" or (
            suffix == ".txt" and "\t" in first and "," not in first
        )
        sep = "\t" if tabbed else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise CommandError(
            f"cannot parse line {reader.line_num} of {data}: {error}"
        ) from None
    return sep, rows


def _drop_names(drop, header):
    """The ``--drop`` names: each option value is a column name or a
    comma-separated list of them."""
    names = []
    for item in drop or ():
        if item in header:
            names.append(item)
        else:
            names += [name.strip() for name in item.split(",") if name.strip()]
    return list(dict.fromkeys(names))


def _feature_column(name, body, c):
    """Column ``c`` as floats, or the error naming its first bad cell."""
    cells = [row[c] for _, row in body]
    try:
        values = np.array(cells, dtype=float)
        if np.all(np.isfinite(values)):
            return values
    except ValueError:
        pass
    values = np.empty(len(cells))
    for i, (line, row) in enumerate(body):
        cell = row[c].strip()
        if not cell:
            raise CommandError(
                f"column {name!r} has an empty cell on line {line} (missing "
                f"values are not supported: fill them, remove the rows or "
                f"--drop the column)"
            )
        try:
            values[i] = float(cell)
        except ValueError:
            if cell.lower() in MISSING_TOKENS:
                values[i] = np.nan
            else:
                raise CommandError(
                    f"column {name!r} is not numeric (line {line}: {cell!r}); "
                    "skprune's demo needs numeric features"
                ) from None
        if not np.isfinite(values[i]):
            what = "a missing" if np.isnan(values[i]) else "an infinite"
            raise CommandError(
                f"column {name!r} has {what} value ({cell!r}) on line {line}"
            )
    return values


def _labels(target, body, t):
    """The target column: integers when every label is an integer number,
    else strings; an error when it looks continuous."""
    labels = []
    for line, row in body:
        label = row[t].strip()
        if not label:
            raise CommandError(f"the target {target!r} is empty on line {line}")
        labels.append(label)
    try:
        numbers = np.array(labels, dtype=float)
    except ValueError:
        return np.array(labels)
    if not np.all(np.isfinite(numbers)):
        return np.array(labels)
    fractional = np.flatnonzero(numbers != np.round(numbers))
    distinct = len(np.unique(numbers))
    if len(fractional) or distinct > MAX_NUMERIC_CLASSES:
        i = fractional[0] if len(fractional) else 0
        raise CommandError(
            f"the target {target!r} looks continuous ({distinct} distinct numeric "
            f"values, e.g. {labels[i]!r} on line {body[i][0]}); skprune's demo "
            "classifies: --target must name a column of class labels"
        )
    return numbers.astype(np.int64) if np.abs(numbers).max() < 2**53 else numbers


def load_data(data, target=None, sep=None, drop=None):
    """``(X, y, description)`` for a bundled data set name or a CSV path.

    A CSV (``.csv``, ``.tsv`` or ``.txt``; UTF-8, with or without a BOM) needs
    a header row, numeric feature columns and a ``target`` column of class
    labels; blank lines are skipped, ``sep`` is the separator (default: tab
    for ``.tsv``, comma for ``.csv``, and for ``.txt`` tab when the header has
    tabs and no comma), ``drop`` names columns to leave out. Every problem is
    a :class:`CommandError` naming it.
    """
    if data in BUILTIN:
        if drop or sep is not None:
            raise CommandError("--drop and --sep apply to a CSV file, not to --data")
        bunch = BUILTIN[data]()
        X, y = bunch.data, bunch.target_names[bunch.target]
        return X, y, f"{data} ({X.shape[0]} rows, {X.shape[1]} features)"
    if not data.lower().endswith(SUFFIXES):
        raise CommandError(
            f"--data must be one of {', '.join(BUILTIN)} or a .csv, .tsv or .txt "
            f"file, got {data!r}"
        )
    if target is None:
        raise CommandError("--target COLUMN is required with a CSV file")
    sep, rows = _read_rows(data, sep)
    if len(rows) < 2:
        raise CommandError(f"{data} needs a header row and at least one data row")
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    if len(header) == 1:
        for other in (";", "\t", ",", "|"):
            if other != sep and other in header[0]:
                shown = "tab" if other == "\t" else f"'{other}'"
                raise CommandError(
                    f"the header of {data} is one column {header[0]!r} with no "
                    f"{_sep_name(sep)} but {_sep_name(other)} in it; try --sep "
                    f"{shown}"
                )
    if target not in header:
        raise CommandError(f"no column {target!r} in {data}; columns: {header}")
    names = _drop_names(drop, header)
    unknown = [name for name in names if name not in header]
    if unknown:
        raise CommandError(
            f"--drop: no column {unknown[0]!r} in {data}; columns: {header}"
        )
    if target in names:
        raise CommandError(f"--drop {target!r} is the --target column")
    for name in (target, *names):
        if header.count(name) > 1:
            raise CommandError(
                f"column {name!r} appears {header.count(name)} times in the "
                f"header of {data}"
            )
    for line, row in body:
        if len(row) != len(header):
            raise CommandError(
                f"line {line} of {data} has {len(row)} fields, the header "
                f"{len(header)} (separator: {_sep_name(sep)})"
            )
    t = header.index(target)
    y = _labels(target, body, t)
    columns = [c for c in range(len(header)) if c != t and header[c] not in names]
    if not columns:
        raise CommandError(f"{data} has no feature column besides the target")
    X = np.empty((len(body), len(columns)))
    for j, c in enumerate(columns):
        X[:, j] = _feature_column(header[c], body, c)
    return X, y, f"{os.path.basename(data)} ({X.shape[0]} rows, {X.shape[1]} features)"


def encode_labels(y):
    """``(codes, classes)``: ``y`` as ``0..K-1`` with ``classes[code]`` the
    original label; for two classes the positive one (1) is the rarer (on a
    tie, the second in sorted order)."""
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    if len(classes) == 2 and counts[0] < counts[1]:
        classes, codes = classes[::-1], 1 - codes
    return codes, classes


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
    X_tr, y_tr, X_te, y_te = next(_folds(X, y, cv, seed))
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


def _folds(X, y, cv, seed):
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


def make_model(model, seed):
    """A fresh estimator for ``--model``: a logistic regression, or a
    one-hidden-layer network (64 units, adam, up to 300 epochs, seeded)."""
    if model == "mlp":
        return MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=seed)
    return LogisticRegression(max_iter=1000)


class References:
    """The references' mean scores over the folds: the majority class and,
    unless ``full`` is None, the full model (all features, weights or rows)."""

    def __init__(self, full, scoring, cv):
        self.full, self.scoring, self.cv = full, scoring, cv
        names = (MAJORITY,) if full is None else (MAJORITY, full)
        self.scores = dict.fromkeys(names, 0.0)

    def add(self, X, y, X_test, y_test, model=None):
        """Score a fold: the majority class fit on ``(X, y)`` and the full
        ``model``, already fit on them."""
        fitted = {MAJORITY: DummyClassifier(strategy="most_frequent").fit(X, y)}
        if self.full is not None:
            fitted[self.full] = model
        for name, estimator in fitted.items():
            values = _scores(estimator, X_test, y_test, self.scoring, name)
            self.scores[name] = self.scores[name] + values / self.cv


def _l1_penalty(estimator=LogisticRegression):
    """The keyword of an L1 penalty: ``penalty="l1"`` up to scikit-learn 1.7
    (where ``l1_ratio`` alone does nothing), ``l1_ratio=1`` once ``penalty``
    is deprecated (1.8+)."""
    param = inspect.signature(estimator).parameters.get("penalty")
    if param is None or param.default == "deprecated":
        return {"l1_ratio": 1.0}
    return {"penalty": "l1"}


def _l1_selections(X, y, counts, seed):
    """For each count ``k``, the ``k`` columns with the largest coefficient
    norms of the first model along the increasing-C L1 path with at least
    ``k`` non-zero features (the largest model when none has)."""
    binary = len(np.unique(y)) == 2
    model = LogisticRegression(
        **_l1_penalty(),
        solver="liblinear" if binary else "saga",
        warm_start=not binary,
        max_iter=500,
        tol=1e-3,
        random_state=seed,
    )
    path = []
    for C in np.logspace(-2.5, 1, 12):
        model.set_params(C=C).fit(X, y)
        norms = np.linalg.norm(model.coef_, axis=0)
        path.append((int(np.count_nonzero(norms)), norms))
        if path[-1][0] >= max(counts):
            break
    largest = max(path, key=lambda point: point[0])
    out = []
    for k in counts:
        norms = next((n for size, n in path if size >= k), largest[1])
        out.append(np.sort(np.argsort(-norms, kind="stable")[:k]))
    return out


def _rows(kind, scores, fractions, kept, scoring, references, full_kept):
    rows = [
        {
            "kind": kind,
            "method": name,
            "fraction": f,
            "kept": int(k),
            **{s: float(v) for s, v in zip(scoring, values, strict=True)},
        }
        for name, table in scores.items()
        for f, k, values in zip(fractions, kept, table, strict=True)
    ]
    for name, values in references.items():
        level = (None, None) if name == MAJORITY else (1.0, int(full_kept))
        rows.append(
            {
                "kind": kind,
                "method": name,
                "fraction": level[0],
                "kept": level[1],
                **{s: float(v) for s, v in zip(scoring, values, strict=True)},
            }
        )
    return rows


def coefficient_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, <scorer>...}``: mean CV scores,
    then the references (``fraction`` None for the majority class, 1 for the
    full model)."""
    scoring = list(scoring)
    if model == "mlp":
        return _mlp_coefficient_experiment(X, y, fractions, cv, seed, progress, scoring)
    n_features = X.shape[1]
    counts = [max(1, round(f * n_features)) for f in fractions]
    methods = {
        "skprune (10 rounds, refit)": lambda k: PrunedLogisticRegression(
            n_keep=k, granularity="feature"
        ),
        "skprune one-shot, no refit": lambda k: PrunedLogisticRegression(
            n_keep=k, granularity="feature", n_iter=1, refit=False
        ),
        "RFE(step=1)": lambda k: RFE(
            LogisticRegression(max_iter=1000), n_features_to_select=k
        ),
    }
    shape = (len(counts), len(scoring))
    scores = {name: np.zeros(shape) for name in [*methods, L1_METHOD]}
    references = References(FULL["coef", "logistic"], scoring, cv)
    total, done = cv * (len(methods) * len(counts) + 2), 0
    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        for name, make in methods.items():
            for i, k in enumerate(counts):
                fitted = make(k).fit(X_tr, y_tr)
                scores[name][i] += _scores(fitted, X_te, y_te, scoring, name) / cv
                done += 1
                progress.step(done, total, f"{name}, {k} features")
        for i, cols in enumerate(_l1_selections(X_tr, y_tr, counts, seed)):
            fitted = LogisticRegression(max_iter=1000).fit(X_tr[:, cols], y_tr)
            scores[L1_METHOD][i] += (
                _scores(fitted, X_te[:, cols], y_te, scoring, L1_METHOD) / cv
            )
        done += 1
        progress.step(done, total, "L1 path")
        references.add(
            X_tr, y_tr, X_te, y_te, make_model("logistic", seed).fit(X_tr, y_tr)
        )
        done += 1
        progress.step(done, total, "references")
    return _rows(
        "coef", scores, fractions, counts, scoring, references.scores, n_features
    )


def _mlp_coefficient_experiment(X, y, fractions, cv, seed, progress, scoring):
    """The network's weights pruned by magnitude (globally across its two
    layers) to each fraction, fine-tuned under the mask with the network's
    own solver or only zeroed; one dense network per fold, pruned by both."""
    methods = {"magnitude, fine-tuned": True, "magnitude, no fine-tune": False}
    shape = (len(fractions), len(scoring))
    scores = {name: np.zeros(shape) for name in methods}
    references = References(FULL["coef", "mlp"], scoring, cv)
    counts, n_weights = [], 0
    total, done = cv * (len(methods) * len(fractions) + 1), 0
    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        dense = make_model("mlp", seed).fit(X_tr, y_tr)
        n_weights = sum(W.size for W in dense.coefs_)
        counts = [max(1, round(f * n_weights)) for f in fractions]
        references.add(X_tr, y_tr, X_te, y_te, dense)
        done += 1
        progress.step(done, total, "dense network, references")
        for name, refit in methods.items():
            for i, k in enumerate(counts):
                pruned = CoefficientPruner(
                    dense, n_keep=k, refit=refit, prefit=True, random_state=seed
                ).fit(X_tr, y_tr)
                scores[name][i] += _scores(pruned, X_te, y_te, scoring, name) / cv
                done += 1
                progress.step(done, total, f"{name}, {k} weights")
    return _rows(
        "coef", scores, fractions, counts, scoring, references.scores, n_weights
    )


def sample_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, <scorer>...}``: mean CV scores of
    the model (``--model``) fit on the kept training rows, then the
    references (``fraction`` None for the majority class, 1 for all rows).
    The rows are scored with a logistic regression (a cheap proxy when the
    model is a network)."""
    scoring = list(scoring)
    names = ["random", *SAMPLE_STRATEGIES]
    scores = {name: np.zeros((len(fractions), len(scoring))) for name in names}
    rules = {name: set() for name in names}
    references = References(FULL["samples", model], scoring, cv)
    kept = [0] * len(fractions)
    n_train = 0
    total, done = cv * (len(names) * len(fractions) + 1), 0
    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        n_train = len(y_tr)
        class_sizes = np.unique(y_tr, return_counts=True)[1]
        inner_cv = max(2, min(3, int(class_sizes.min())))
        for name in names:
            for i, f in enumerate(fractions):
                n_keep = max(len(class_sizes), round(f * len(y_tr)))
                kept[i] = n_keep
                repeats = 3 if name == "random" else 1
                for r in range(repeats):
                    fitted = SampleSubsetter(
                        make_model(model, seed),
                        n_keep=n_keep,
                        strategy=name,
                        keep="auto",
                        cv=inner_cv,
                        scoring_estimator=LogisticRegression(max_iter=1000),
                        random_state=seed + r,
                    ).fit(X_tr, y_tr)
                    rules[name].add(fitted.keep_)
                    scores[name][i] += _scores(fitted, X_te, y_te, scoring, name) / (
                        cv * repeats
                    )
                done += 1
                progress.step(done, total, f"{name}, {f:.0%} of rows")
        references.add(X_tr, y_tr, X_te, y_te, make_model(model, seed).fit(X_tr, y_tr))
        done += 1
        progress.step(done, total, "references")
    # each strategy under the rule keep="auto" applied: it depends on the
    # model (importance sampling needs a fit that takes sample_weight, which
    # MLPClassifier has from scikit-learn 1.7 on)
    labels = {
        name: name
        if name == "random" or rules[name] == {name}
        else f"{name} ({'/'.join(sorted(rules[name]))})"
        for name in names
    }
    scores = {labels[name]: table for name, table in scores.items()}
    return _rows(
        "samples", scores, fractions, kept, scoring, references.scores, n_train
    )


def _prune_for_compression(model, dense, k, X, y, seed):
    """The model pruned to ``k`` weights and refit: a network is the fitted
    ``dense`` one pruned and fine-tuned; a logistic regression is skprune's
    pruned logistic regression fit on ``(X, y)`` (default schedule: ten
    rounds of pruning and refitting from the same dense start)."""
    if model == "mlp":
        return CoefficientPruner(dense, n_keep=k, prefit=True, random_state=seed).fit(
            X, y
        )
    return PrunedLogisticRegression(n_keep=k, max_iter=1000).fit(X, y)


def compress_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, bytes, ratio, <scorer>...}``:
    the dense model, it quantized, the model pruned to each fraction of its
    weights (see :func:`_prune_for_compression`), and the pruned models
    quantized, with their mean stored bytes (quantized: see
    :class:`~skprune.CoefficientQuantizer`; unquantized: every weight as a
    float64, a pruned model's zeros stored as its index) and ``ratio``
    (dense bytes / bytes); then the majority class (the one reference)."""
    scoring = list(scoring)
    fractions = [f for f in fractions if f < 1]
    names = [DENSE, *QUANTIZATIONS, PRUNED, *(f"pruned + {q}" for q in QUANTIZATIONS)]
    table = {}  # (method, fraction) -> [kept, bytes, scores], summed over folds
    majority = References(None, scoring, cv)
    per_fold = 1 + len(QUANTIZATIONS) * (1 + len(fractions))
    total, done = cv * (per_fold + len(fractions)), 0

    def add(name, fraction, fitted, X_te, y_te, kept, n_bytes):
        entry = table.setdefault((name, fraction), [0, 0.0, 0.0])
        entry[0] = kept
        entry[1] += n_bytes / cv
        entry[2] = entry[2] + _scores(fitted, X_te, y_te, scoring, name) / cv

    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        dense = make_model(model, seed).fit(X_tr, y_tr)
        n_weights = sum(W.size for W in model_weights(dense)[1])
        majority.add(X_tr, y_tr, X_te, y_te)
        done += 1
        progress.step(done, total, "dense model, references")
        models = [(DENSE, "", 1.0, dense)]
        add(DENSE, 1.0, dense, X_te, y_te, n_weights, float_bytes(dense, sparse=False))
        for f in fractions:
            k = max(1, round(f * n_weights))
            pruned = _prune_for_compression(model, dense, k, X_tr, y_tr, seed)
            add(PRUNED, f, pruned, X_te, y_te, k, float_bytes(pruned))
            models.append((PRUNED, "pruned + ", f, pruned))
            done += 1
            progress.step(done, total, f"pruned to {k} weights")
        for _, prefix, f, fitted in models:
            for name, params in QUANTIZATIONS.items():
                quantizer = CoefficientQuantizer(
                    fitted, prefit=True, random_state=seed, **params
                ).fit(X_tr, y_tr)
                kept = table[(PRUNED if prefix else DENSE, f)][0]
                add(prefix + name, f, quantizer, X_te, y_te, kept, quantizer.n_bytes_)
                done += 1
                progress.step(done, total, f"{prefix}{name}")
    dense_bytes = table[(DENSE, 1.0)][1]
    rows = []
    for name in names:
        for (method, f), (kept, n_bytes, values) in table.items():
            if method == name:
                rows.append(
                    {
                        "kind": "compress",
                        "method": method,
                        "fraction": f,
                        "kept": int(kept),
                        "bytes": round(n_bytes),
                        "ratio": dense_bytes / n_bytes,
                        **{s: float(v) for s, v in zip(scoring, values, strict=True)},
                    }
                )
    values = majority.scores[MAJORITY]
    rows.append(
        {
            "kind": "compress",
            "method": MAJORITY,
            "fraction": None,
            "kept": None,
            "bytes": None,
            "ratio": None,
            **{s: float(v) for s, v in zip(scoring, values, strict=True)},
        }
    )
    return rows


def format_table(rows, fractions, title, scorer="accuracy"):
    """The rows of one kind as a text table of one scorer: a line per method,
    a column per kept fraction, then the references (the same value in every
    column)."""
    curves = [r for r in rows if r["method"] not in REFERENCES]
    references = [r for r in rows if r["method"] in REFERENCES]
    methods = list(dict.fromkeys(r["method"] for r in curves))
    width = max(len(r["method"]) for r in rows) + 2
    lines = [title, f"{'':<{width}}" + "".join(f"{f:>8.0%}" for f in fractions)]
    kept = {r["fraction"]: r["kept"] for r in curves}
    lines.append(f"{'(kept)':<{width}}" + "".join(f"{kept[f]:>8d}" for f in fractions))
    for method in methods:
        values = {r["fraction"]: r[scorer] for r in curves if r["method"] == method}
        cells = "".join(
            f"{'-':>8}" if np.isnan(values[f]) else f"{values[f]:>8.3f}"
            for f in fractions
        )
        lines.append(f"{method:<{width}}" + cells)
    for r in references:
        lines.append(f"{r['method']:<{width}}" + f"{r[scorer]:>8.3f}" * len(fractions))
    return "\n".join(lines)


def format_compress_table(rows, title, scoring):
    """The compression rows as a text table: a line per model (method and
    kept fraction of the weights), its mean bytes, how many times smaller
    than the dense float64 model, and a column per scorer."""
    width = max(len(r["method"]) for r in rows) + 2
    head = f"{'':<{width}}{'weights':>14}{'bytes':>9}{'smaller':>9}"
    lines = [title, head + "".join(f"{s:>{max(10, len(s) + 2)}}" for s in scoring)]
    for r in rows:
        if r["method"] == MAJORITY:
            cells = f"{'':>14}{'':>9}{'':>9}"
        else:
            kept = f"{r['fraction']:.0%} ({r['kept']})"
            cells = f"{kept:>14}{r['bytes']:>9d}{r['ratio']:>8.1f}x"
        values = "".join(f"{r[s]:>{max(10, len(s) + 2)}.3f}" for s in scoring)
        lines.append(f"{r['method']:<{width}}{cells}{values}")
    return "\n".join(lines)


NON_SCORE_COLUMNS = ("kind", "method", "fraction", "kept", "bytes", "ratio")


def _scorer_columns(rows):
    return [key for key in rows[0] if key not in NON_SCORE_COLUMNS]


def _plot_compression(ax, rows, scorer, markers):
    """Score against bytes: from each unpruned model (dense float64, 8-bit,
    4-bit) a curve through its pruned versions, smallest fraction last."""
    families = {"float64 (dense, then pruned)": (DENSE, PRUNED)}
    families.update({q: (q, f"pruned + {q}") for q in QUANTIZATIONS})
    for i, (label, (unpruned, pruned)) in enumerate(families.items()):
        sel = [r for r in rows if r["method"] == unpruned]
        sel += sorted(
            (r for r in rows if r["method"] == pruned), key=lambda r: -r["fraction"]
        )
        ax.plot(
            [r["bytes"] for r in sel],
            [r[scorer] for r in sel],
            marker=markers[i % len(markers)],
            markerfacecolor="none",
            alpha=0.8,
            label=label,
        )
    ax.set_xscale("log")
    ax.set_xlabel(LEVEL_NAMES["compress"])
    ax.set_ylabel(f"test {scorer} (CV mean)")


def plot_curves(rows, description, model="logistic"):
    """A matplotlib figure of the rows: a row of panels per scorer, a column
    per kind (score against the kept fraction, or for compression against
    the bytes on a log axis); the references as horizontal dotted lines."""
    import matplotlib.pyplot as plt

    from ._plot import PruningCurveDisplay

    scoring = _scorer_columns(rows)
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    fig, axes = plt.subplots(
        len(scoring),
        len(kinds),
        figsize=(6 * len(kinds), 4.5 * len(scoring)),
        squeeze=False,
    )
    titles = {
        "coef": "coefficient pruning",
        "samples": "sample pruning",
        "compress": "compression",
    }
    level_names = dict(LEVEL_NAMES)
    if model == "mlp":
        level_names["coef"] = LEVEL_NAMES["coef-mlp"]
    markers = ("o", "s", "^", "D", "v", "P", "X")
    for row_axes, scorer in zip(axes, scoring, strict=True):
        for ax, kind in zip(row_axes, kinds, strict=True):
            own = [r for r in rows if r["kind"] == kind]
            curves = [r for r in own if r["method"] not in REFERENCES]
            methods = dict.fromkeys(r["method"] for r in curves)
            if kind == "compress":
                _plot_compression(ax, curves, scorer, markers)
                methods = {}
            for i, method in enumerate(methods):
                sel = [r for r in curves if r["method"] == method]
                # hollow markers of different shapes and sizes, half
                # transparent lines: curves that coincide stay visible
                PruningCurveDisplay.from_path(
                    [r["fraction"] for r in sel],
                    [r[scorer] for r in sel],
                    level_name=level_names[kind],
                    score_name=f"test {scorer} (CV mean)",
                    name=method,
                    ax=ax,
                    marker=markers[i % len(markers)],
                    markersize=max(4.0, 10.0 - 1.5 * i),
                    markerfacecolor="none",
                    alpha=0.7,
                )
            for r in own:
                if r["method"] in REFERENCES:
                    ax.axhline(
                        r[scorer],
                        linestyle=":",
                        linewidth=1.5,
                        color="0.55" if r["method"] == MAJORITY else "black",
                        label=f"{r['method']} ({r[scorer]:.3f})",
                    )
            ax.set_title(f"{titles[kind]}: {scorer}")
            ax.legend(loc="best", fontsize="small")
    fig.suptitle(description)
    fig.tight_layout()
    return fig


def check_out(out):
    """An error, before any work, when ``--out`` cannot be the folder."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise CommandError(
            f"--out {out} is an existing file; --out names a folder (new or "
            "existing) for the results"
        )
    parent = os.path.abspath(out)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise CommandError(f"--out {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(f"--out {out}: cannot write in {parent}")


def write_outputs(rows, out, description, **info):
    """CSV, JSON (``info`` added to it) and (with matplotlib) a PNG of the
    curves; returns the paths."""
    try:
        os.makedirs(out, exist_ok=True)
        paths = [os.path.join(out, "results.csv"), os.path.join(out, "results.json")]
        with open(paths[0], "w", newline="") as f:
            # the union of the kinds' columns; a kind's missing ones are empty
            keys = dict.fromkeys(key for row in rows for key in row)
            columns = [c for c in NON_SCORE_COLUMNS if c in keys]
            columns += [c for c in keys if c not in NON_SCORE_COLUMNS]
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        with open(paths[1], "w") as f:
            payload = {"data": description, **info, "rows": rows}
            json.dump(payload, f, indent=2)
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return paths
        fig = plot_curves(rows, description, info.get("model", "logistic"))
        paths.append(os.path.join(out, "pruning_curves.png"))
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    except OSError as error:
        raise CommandError(
            f"cannot write the results to {out}: {error.strerror}"
        ) from None
    return paths


def _fractions(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fractions must be comma-separated numbers, got {text!r}"
        ) from None
    if not values or not all(0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"--fractions must lie in (0, 1], got {text!r}"
        )
    return sorted(set(values), reverse=True)


def _positive_cv(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(f"--cv must be an integer >= 2, got {text!r}")
    return value


def _separator(text):
    sep = "\t" if text in ("tab", "\\t", "\t") else text
    if len(sep) != 1 or sep in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"--sep must be one character (or tab), got {text!r}"
        )
    return sep


def build_parser():
    parser = _Parser(
        prog="skprune",
        description="Show what pruning does on a data set: a score (accuracy by "
        "default) against the fraction of features or weights (coefficient "
        "pruning) or training rows (sample pruning) kept, skprune against RFE, "
        "an L1 path and random rows, with the majority class and the model on "
        "everything as references; and (--kind compress) the score against "
        "the bytes of the model dense, quantized, pruned, and pruned + "
        "quantized.",
    )
    parser.add_argument(
        "--data",
        default="breast_cancer",
        help=f"{' | '.join(BUILTIN)} | PATH.csv | PATH.tsv | PATH.txt (default: "
        "breast_cancer); a file needs a header row, numeric features and a "
        "class-label target column, UTF-8 (a BOM is fine)",
    )
    parser.add_argument("--target", help="the label column of a CSV file")
    parser.add_argument(
        "--sep",
        type=_separator,
        help="the separator of a CSV file, one character or 'tab' (default: tab "
        "for .tsv, ',' for .csv, for .txt tab when the header has tabs and no "
        "comma)",
    )
    parser.add_argument(
        "--drop",
        action="append",
        metavar="COLUMN",
        help="a column of a CSV file to leave out, e.g. an ID (repeatable, or "
        "comma-separated)",
    )
    parser.add_argument(
        "--kind",
        choices=("coef", "samples", "compress", "both", "all"),
        default="both",
        help="coef: pruning the model's coefficients (features for a logistic "
        "regression, weights for a network); samples: pruning training rows; "
        "compress: bytes against score for the model dense, quantized to 8 "
        "and 4 bits, pruned to each --fractions of its weights, and pruned + "
        "quantized; both: coef and samples (default); all: the three",
    )
    parser.add_argument(
        "--model",
        choices=tuple(MODEL_NAMES),
        default="logistic",
        help="the model pruned: a logistic regression (default) or an "
        "MLPClassifier with one hidden layer of 64 units (adam, up to 300 "
        "epochs); rows for --kind samples are scored with a logistic "
        "regression either way, and a strategy's row label names the rule "
        "keep='auto' applied when it is not the usual one (an MLP takes "
        "sample_weight only from scikit-learn 1.7, so below that importance "
        "sampling becomes coverage)",
    )
    parser.add_argument(
        "--scoring",
        nargs="+",
        default=list(DEFAULT_SCORING),
        metavar="NAME",
        help="one or more scikit-learn scorer names, space- or comma-separated "
        "(default: accuracy), e.g. --scoring accuracy f1 roc_auc; see "
        "sklearn.metrics.get_scorer_names(). Labels are encoded 0..K-1; for a "
        "binary target the positive class (1) of f1, precision, recall, ... is "
        "the rarer class (on a tie, the second label in sorted order). A "
        "multiclass target needs the averaged variants (f1_macro, "
        "roc_auc_ovr, ...).",
    )
    parser.add_argument(
        "--fractions",
        type=_fractions,
        default=list(DEFAULT_FRACTIONS),
        help="kept fractions, comma-separated (default: 0.5,0.25,0.1,0.05)",
    )
    parser.add_argument(
        "--cv", type=_positive_cv, default=5, help="cross-validation folds (default: 5)"
    )
    parser.add_argument(
        "--out",
        default="skprune_results",
        help="folder for results.csv, results.json and pruning_curves.png "
        "(default: skprune_results)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress, no tables: files only"
    )
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def run(args, stdout=None, stderr=None):
    """Run the experiment described by parsed ``args``; returns the rows."""
    stdout = sys.stdout if stdout is None else stdout
    progress = Progress(args.quiet, stderr)
    scoring = scoring_names(args.scoring)
    check_out(args.out)
    X, y, description = load_data(args.data, args.target, args.sep, args.drop)
    y, classes = encode_labels(y)
    check_scorers(X, y, args.cv, args.seed, scoring)
    info = {"scoring": scoring, "classes": classes.tolist(), "positive_class": None}
    if len(classes) == 2:
        info["positive_class"] = classes.tolist()[1]
        if not args.quiet and scoring != ["accuracy"]:
            n_positive = int(np.sum(y == 1))
            why = "the rarer" if 2 * n_positive < len(y) else "a tie: the second"
            print(
                f"\n{description}: positive class (1) {info['positive_class']!r} "
                f"({n_positive} of {len(y)} rows, {why})",
                file=stdout,
            )
    info["model"] = args.model
    rows = []
    kinds = {
        "both": ("coef", "samples"),
        "all": ("coef", "samples", "compress"),
    }.get(args.kind, (args.kind,))
    experiments = {
        "coef": coefficient_experiment,
        "samples": sample_experiment,
        "compress": compress_experiment,
    }
    model_name = MODEL_NAMES[args.model]
    units = "weights" if args.model == "mlp" else "features"
    labels = {
        "coef": f"coefficient pruning ({units} kept; {model_name})",
        "samples": f"sample pruning (training rows kept; {model_name})",
        "compress": f"compression ({model_name})",
    }
    for kind in kinds:
        start = time.perf_counter()
        progress.stage(f"{labels[kind]}, {args.cv}-fold CV ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # precision of a model that never predicts the positive class
            # (the majority class) is 0, not an error
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            new = experiments[kind](
                X, y, args.fractions, args.cv, args.seed, progress, scoring, args.model
            )
        progress.stage(f"done in {time.perf_counter() - start:.1f} s")
        rows += new
        if not args.quiet and kind == "compress":
            title = f"\n{description}: {labels[kind]}, mean test scores"
            print(format_compress_table(new, title, scoring), file=stdout)
        elif not args.quiet:
            for scorer in scoring:
                title = f"\n{description}: {labels[kind]}, mean test {scorer}"
                print(format_table(new, args.fractions, title, scorer), file=stdout)
    paths = write_outputs(rows, args.out, description, **info)
    if not args.quiet:
        print(f"\nwrote {', '.join(paths)}", file=stdout)
        if not any(p.endswith(".png") for p in paths):
            print(
                'install matplotlib (pip install "skprune[plot]") for a plot',
                file=stdout,
            )
    return rows


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except CommandError as error:
        print(f"skprune: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skprune: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
