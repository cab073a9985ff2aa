"""``python -m skprune`` (also the ``skprune`` command): see pruning on your data.

Runs, on a bundled data set or a CSV file, an accuracy-vs-kept-fraction
experiment (cross-validated) for

- coefficient pruning: skprune's pruned logistic regression (default
  schedule, and one-shot without refit) against ``RFE`` and an L1 path, at
  equal feature counts;
- sample pruning: ``SampleSubsetter`` strategies against random rows, at
  equal row counts;

prints the tables, and with ``--out`` (default ``skprune_results``) writes them
as CSV and JSON plus a PNG of the curves when matplotlib is installed.
"""

import argparse
import csv
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from . import PrunedLogisticRegression, SampleSubsetter, __version__

BUILTIN = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}
DEFAULT_FRACTIONS = (0.5, 0.25, 0.1, 0.05)
# each with keep="auto": importance sampling for the costs (grand, loss),
# coverage for margin, the greedy coreset for herding
SAMPLE_STRATEGIES = ("grand", "loss", "margin", "herding")


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


def load_data(data, target=None):
    """``(X, y, description)`` for a bundled data set name or a CSV path."""
    if data in BUILTIN:
        X, y = BUILTIN[data](return_X_y=True)
        return X, y, f"{data} ({X.shape[0]} rows, {X.shape[1]} features)"
    if not data.lower().endswith(".csv"):
        raise CommandError(
            f"--data must be one of {', '.join(BUILTIN)} or a .csv file, got {data!r}"
        )
    if target is None:
        raise CommandError("--target COLUMN is required with a CSV file")
    try:
        with open(data, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as error:
        raise CommandError(f"cannot read {data}: {error.strerror}") from None
    if len(rows) < 2:
        raise CommandError(f"{data} needs a header row and at least one data row")
    header, body = rows[0], rows[1:]
    if target not in header:
        raise CommandError(f"no column {target!r} in {data}; columns: {header}")
    t = header.index(target)
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise CommandError(
                f"line {i} of {data} has {len(row)} fields, the header {len(header)}"
            )
    y = np.array([row[t] for row in body])
    columns = [c for c in range(len(header)) if c != t]
    X = np.empty((len(body), len(columns)))
    for j, c in enumerate(columns):
        for i, row in enumerate(body):
            try:
                X[i, j] = float(row[c])
            except ValueError:
                raise CommandError(
                    f"column {header[c]!r} is not numeric (line {i + 2}: "
                    f"{row[c]!r}); skprune's demo needs numeric features"
                ) from None
        if not np.all(np.isfinite(X[:, j])):
            raise CommandError(f"column {header[c]!r} has missing or infinite values")
    return X, y, f"{os.path.basename(data)} ({X.shape[0]} rows, {X.shape[1]} features)"


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


def _l1_accuracies(X, y, X_test, y_test, counts):
    """Accuracy of the L1 path's model with the most features <= each count."""
    binary = len(np.unique(y)) == 2
    model = LogisticRegression(
        l1_ratio=1.0,
        solver="liblinear" if binary else "saga",
        warm_start=not binary,
        max_iter=500,
        tol=1e-3,
    )
    path = []
    for C in np.logspace(-2.5, 1, 12):
        model.set_params(C=C).fit(X, y)
        path.append(
            (int(np.any(model.coef_ != 0, axis=0).sum()), model.score(X_test, y_test))
        )
    out = []
    for k in counts:
        feasible = [point for point in path if 0 < point[0] <= k]
        out.append(max(feasible)[1] if feasible else np.nan)
    return out


def coefficient_experiment(X, y, fractions, cv, seed, progress):
    """Rows ``{kind, method, fraction, kept, accuracy}``: mean CV accuracy."""
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
    scores = {name: np.zeros(len(counts)) for name in [*methods, "L1 path"]}
    total, done = cv * (len(methods) * len(counts) + 1), 0
    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        for name, make in methods.items():
            for i, k in enumerate(counts):
                scores[name][i] += make(k).fit(X_tr, y_tr).score(X_te, y_te) / cv
                done += 1
                progress.step(done, total, f"{name}, {k} features")
        scores["L1 path"] += np.array(_l1_accuracies(X_tr, y_tr, X_te, y_te, counts))
        done += 1
        progress.step(done, total, "L1 path")
    scores["L1 path"] /= cv
    return [
        {"kind": "coef", "method": name, "fraction": f, "kept": k, "accuracy": float(a)}
        for name, values in scores.items()
        for f, k, a in zip(fractions, counts, values, strict=True)
    ]


def sample_experiment(X, y, fractions, cv, seed, progress):
    """Rows ``{kind, method, fraction, kept, accuracy}``: mean CV accuracy of a
    logistic regression fit on the kept training rows."""
    names = ["random", *SAMPLE_STRATEGIES]
    scores = {name: np.zeros(len(fractions)) for name in names}
    kept = [0] * len(fractions)
    total, done = cv * len(names) * len(fractions), 0
    for X_tr, y_tr, X_te, y_te in _folds(X, y, cv, seed):
        class_sizes = np.unique(y_tr, return_counts=True)[1]
        inner_cv = max(2, min(3, int(class_sizes.min())))
        for name in names:
            for i, f in enumerate(fractions):
                n_keep = max(len(class_sizes), round(f * len(y_tr)))
                kept[i] = n_keep
                repeats = 3 if name == "random" else 1
                for r in range(repeats):
                    model = SampleSubsetter(
                        LogisticRegression(max_iter=1000),
                        n_keep=n_keep,
                        strategy=name,
                        keep="auto",
                        cv=inner_cv,
                        random_state=seed + r,
                    ).fit(X_tr, y_tr)
                    scores[name][i] += model.score(X_te, y_te) / (cv * repeats)
                done += 1
                progress.step(done, total, f"{name}, {f:.0%} of rows")
    return [
        {
            "kind": "samples",
            "method": name,
            "fraction": f,
            "kept": k,
            "accuracy": float(a),
        }
        for name, values in scores.items()
        for f, k, a in zip(fractions, kept, values, strict=True)
    ]


def format_table(rows, fractions, title):
    """The rows of one kind as a text table: a line per method, a column per
    kept fraction."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    width = max(len(m) for m in methods) + 2
    lines = [title, f"{'':<{width}}" + "".join(f"{f:>8.0%}" for f in fractions)]
    kept = {r["fraction"]: r["kept"] for r in rows}
    lines.append(f"{'(kept)':<{width}}" + "".join(f"{kept[f]:>8d}" for f in fractions))
    for method in methods:
        values = {r["fraction"]: r["accuracy"] for r in rows if r["method"] == method}
        cells = "".join(
            f"{'-':>8}" if np.isnan(values[f]) else f"{values[f]:>8.3f}"
            for f in fractions
        )
        lines.append(f"{method:<{width}}" + cells)
    return "\n".join(lines)


def write_outputs(rows, out, description):
    """CSV, JSON and (with matplotlib) a PNG of the curves; returns the paths."""
    os.makedirs(out, exist_ok=True)
    paths = [os.path.join(out, "results.csv"), os.path.join(out, "results.json")]
    with open(paths[0], "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(paths[1], "w") as f:
        json.dump({"data": description, "rows": rows}, f, indent=2)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return paths
    from ._plot import PruningCurveDisplay

    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    fig, axes = plt.subplots(
        1, len(kinds), figsize=(6 * len(kinds), 4.5), squeeze=False
    )
    titles = {"coef": "coefficient pruning", "samples": "sample pruning"}
    for ax, kind in zip(axes[0], kinds, strict=True):
        for method in dict.fromkeys(r["method"] for r in rows if r["kind"] == kind):
            sel = [r for r in rows if r["kind"] == kind and r["method"] == method]
            PruningCurveDisplay.from_path(
                [r["fraction"] for r in sel],
                [r["accuracy"] for r in sel],
                level_name="fraction kept",
                score_name="test accuracy (CV)",
                name=method,
                ax=ax,
            )
        ax.set_title(f"{description}: {titles[kind]}")
    fig.tight_layout()
    paths.append(os.path.join(out, "pruning_curves.png"))
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
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


def build_parser():
    parser = _Parser(
        prog="skprune",
        description="Show what pruning does on a data set: accuracy against the "
        "fraction of features (coefficient pruning) or rows (sample pruning) "
        "kept, skprune against RFE, an L1 path and random rows.",
    )
    parser.add_argument(
        "--data",
        default="breast_cancer",
        help=f"{' | '.join(BUILTIN)} | PATH.csv (default: breast_cancer)",
    )
    parser.add_argument("--target", help="the label column of a CSV file")
    parser.add_argument(
        "--kind",
        choices=("coef", "samples", "both"),
        default="both",
        help="which pruning to run (default: both)",
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
    X, y, description = load_data(args.data, args.target)
    rows = []
    kinds = ("coef", "samples") if args.kind == "both" else (args.kind,)
    experiments = {"coef": coefficient_experiment, "samples": sample_experiment}
    labels = {
        "coef": "coefficient pruning (features kept; logistic regression)",
        "samples": "sample pruning (training rows kept; logistic regression)",
    }
    for kind in kinds:
        start = time.perf_counter()
        progress.stage(f"{labels[kind]}, {args.cv}-fold CV ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            new = experiments[kind](X, y, args.fractions, args.cv, args.seed, progress)
        progress.stage(f"done in {time.perf_counter() - start:.1f} s")
        rows += new
        if not args.quiet:
            title = f"\n{description}: {labels[kind]}, mean test accuracy"
            print(format_table(new, args.fractions, title), file=stdout)
    paths = write_outputs(rows, args.out, description)
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
