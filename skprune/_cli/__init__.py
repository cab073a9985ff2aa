"""The command line, ``python -m skprune`` (see :mod:`skprune.__main__` for
what it does), one module per concept:

- :mod:`.console`: the one-line error and the progress line;
- :mod:`.data`: bundled data sets and CSV files, the labels encoded;
- :mod:`.scorers`: ``--scoring`` checked, scores averaged over the folds;
- :mod:`.folds`: the one fold runner of every experiment;
- :mod:`.experiments`: the runners, one per kind;
- :mod:`.report`: a kind's text tables and plot panel;
- :mod:`.kinds`: the registry of ``--kind`` (runner, names, table, panel);
- :mod:`.outputs`: ``--out``: the CSV, JSON and figure files;
- :mod:`.parser`: the arguments;
- :mod:`.command`: :func:`run` and :func:`main`.
"""

from .command import main, run
from .console import CommandError, Progress
from .data import encode_labels, load_data
from .experiments import (
    coefficient_experiment,
    compress_experiment,
    make_model,
    sample_experiment,
)
from .kinds import FULL, KINDS, LEVEL_NAMES, REFERENCES, Kind
from .outputs import check_out, plot_curves, write_outputs
from .parser import build_parser
from .report import format_compress_table, format_table
from .scorers import check_scorers, scoring_names

__all__ = [
    "FULL",
    "KINDS",
    "LEVEL_NAMES",
    "REFERENCES",
    "CommandError",
    "Kind",
    "Progress",
    "build_parser",
    "check_out",
    "check_scorers",
    "coefficient_experiment",
    "compress_experiment",
    "encode_labels",
    "format_compress_table",
    "format_table",
    "load_data",
    "main",
    "make_model",
    "plot_curves",
    "run",
    "sample_experiment",
    "scoring_names",
    "write_outputs",
]
