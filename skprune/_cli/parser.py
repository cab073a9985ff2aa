"""The command's arguments: :func:`build_parser`, whose ``--kind`` choices and
help are those of the registry (:data:`~skprune._cli.kinds.KINDS`), and the
types that check ``--fractions``, ``--cv`` and ``--sep``."""

import argparse

from .. import __version__
from .data import BUILTIN
from .experiments import MODEL_NAMES
from .kinds import BOTH, KINDS, aliases
from .scorers import DEFAULT_SCORING

DEFAULT_FRACTIONS = (0.5, 0.25, 0.1, 0.05)
# "all: the three"
COUNT_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


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
    """The parser of the command's arguments."""
    parser = _Parser(
        prog="skprune",
        description="Show what pruning does on a data set: a score (accuracy by "
        "default) against the fraction of features or weights (coefficient "
        "pruning) or training rows (sample pruning) kept, skprune against RFE, "
        "an L1 path and random rows, with the majority class and the model on "
        "everything as references; (--kind forest) a random forest pruned to "
        "a fraction of its leaves; and (--kind compress) the score against "
        "the bytes of the model dense, quantized, pruned, and pruned + "
        "quantized.",
    )
    _add_data_options(parser)
    _add_experiment_options(parser)
    _add_output_options(parser)
    return parser


def _kind_help():
    """Each kind's help, then the aliases'."""
    kinds = [f"{name}: {kind.help}" for name, kind in KINDS.items()]
    n_kinds = COUNT_WORDS[len(KINDS)] if len(KINDS) < len(COUNT_WORDS) else len(KINDS)
    both = f"both: {' and '.join(BOTH)} (default)"
    return "; ".join([*kinds, both, f"all: the {n_kinds}"])


def _add_data_options(parser):
    """--data and what reads a CSV file: --target, --sep, --drop."""
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


def _add_experiment_options(parser):
    """What is run: --kind, --model, --scoring, --fractions, --cv."""
    parser.add_argument(
        "--kind",
        choices=(*KINDS, *aliases()),
        default="both",
        help=_kind_help(),
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


def _add_output_options(parser):
    """--out, --seed, --quiet, --version."""
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
