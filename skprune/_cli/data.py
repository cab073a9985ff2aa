"""The data of an experiment: a bundled scikit-learn data set or a CSV file
read into ``(X, y)`` (:func:`load_data`), and the labels encoded
``0..K-1`` (:func:`encode_labels`)."""

import csv
import io
import os

import numpy as np
from sklearn import datasets

from .console import CommandError

BUILTIN = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}
SUFFIXES = (".csv", ".tsv", ".txt")
# a numeric target with more distinct values than this looks continuous
MAX_NUMERIC_CLASSES = 20
# cells read as missing values rather than as non-numeric text
MISSING_TOKENS = {"na", "n/a", "nan", "null", "none", "?"}


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
