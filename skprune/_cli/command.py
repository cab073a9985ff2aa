"""The command: :func:`run` checks the arguments and the data, runs each
``--kind`` of the registry and prints its tables, then writes the results;
:func:`main` turns a :class:`~skprune._cli.console.CommandError` into one
line and exit code 2."""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning

from .console import CommandError, Progress
from .data import encode_labels, load_data
from .kinds import KINDS, aliases
from .outputs import check_out, write_outputs
from .parser import build_parser
from .scorers import check_scorers, scoring_names


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
    for name in aliases().get(args.kind, (args.kind,)):
        kind = KINDS[name]
        label = kind.label_for(args.model)
        start = time.perf_counter()
        progress.stage(f"{label}, {args.cv}-fold CV ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # precision of a model that never predicts the positive class
            # (the majority class) is 0, not an error
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            new = kind.run(
                X, y, args.fractions, args.cv, args.seed, progress, scoring, args.model
            )
        progress.stage(f"done in {time.perf_counter() - start:.1f} s")
        rows += new
        if not args.quiet:
            heading = f"\n{description}: {label}"
            references = kind.references()
            for table in kind.tables(new, heading, scoring, args.fractions, references):
                print(table, file=stdout)
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
