"""The registry of ``--kind``: one :class:`Kind` per experiment in
:data:`KINDS`, holding its runner and how its results are named, printed and
plotted. The parser's choices, :func:`~skprune._cli.command.run`, the tables
and the figure all read it, so a new kind is one entry (and its runner)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .experiments import (
    ALL_FEATURES,
    ALL_LEAVES,
    ALL_ROWS,
    ALL_WEIGHTS,
    MAJORITY,
    MODEL_NAMES,
    coefficient_experiment,
    compress_experiment,
    forest_experiment,
    sample_experiment,
)
from .report import (
    compress_tables,
    plot_compression,
    plot_pruning_curves,
    pruning_tables,
)


@dataclass(frozen=True)
class Kind:
    """One kind of experiment.

    ``run(X, y, fractions, cv, seed, progress, scoring, model)`` returns its
    rows (see :mod:`~skprune._cli.experiments`); ``help`` says what it does
    in ``--help``; ``title`` names its plot panels; ``label`` (the heading of
    its tables and progress) and ``level_name`` (its plot's x axis) are
    templates of ``{model}``, the model's name, and ``{units}``, what
    ``units[model]`` says is kept; ``tables`` and ``plot`` are a table and a
    panel function of :mod:`~skprune._cli.report`; ``full[model]`` names
    the reference fit on everything (none: only the majority class).
    """

    run: Callable
    help: str
    title: str
    label: str
    level_name: str
    tables: Callable
    plot: Callable
    units: dict = field(default_factory=dict)
    full: dict = field(default_factory=dict)

    def label_for(self, model):
        """The heading of its tables and progress for ``--model model``."""
        return self.label.format(model=MODEL_NAMES[model], units=self.units.get(model))

    def level_name_for(self, model):
        """Its plot's x axis for ``--model model``."""
        return self.level_name.format(units=self.units.get(model))

    def references(self):
        """The methods of its reference rows: the majority class, the full
        models."""
        return (MAJORITY, *dict.fromkeys(self.full.values()))


KINDS = {
    "coef": Kind(
        run=coefficient_experiment,
        help="pruning the model's coefficients (features for a logistic "
        "regression, weights for a network)",
        title="coefficient pruning",
        label="coefficient pruning ({units} kept; {model})",
        level_name="fraction of {units} kept",
        tables=pruning_tables,
        plot=plot_pruning_curves,
        units={"logistic": "features", "mlp": "weights"},
        full={"logistic": ALL_FEATURES, "mlp": ALL_WEIGHTS},
    ),
    "samples": Kind(
        run=sample_experiment,
        help="pruning training rows",
        title="sample pruning",
        label="sample pruning (training rows kept; {model})",
        level_name="fraction of training rows kept",
        tables=pruning_tables,
        plot=plot_pruning_curves,
        full={"logistic": ALL_ROWS, "mlp": ALL_ROWS},
    ),
    "forest": Kind(
        run=forest_experiment,
        help="pruning a random forest (200 trees) to a fraction of its leaves: "
        "leaves merged and refit, whole trees dropped, the first trees "
        "(--model does not apply)",
        title="random forest pruning",
        label="random forest pruning (leaves kept)",
        level_name="fraction of leaves kept",
        tables=pruning_tables,
        plot=plot_pruning_curves,
        units={"logistic": "leaves", "mlp": "leaves"},
        full={"logistic": ALL_LEAVES, "mlp": ALL_LEAVES},
    ),
    "compress": Kind(
        run=compress_experiment,
        help="bytes against score for the model dense, quantized to 8 and 4 "
        "bits, pruned to each --fractions of its weights, and pruned + quantized",
        title="compression",
        label="compression ({model})",
        level_name="bytes (log scale)",
        tables=compress_tables,
        plot=plot_compression,
    ),
}
# --kind both runs these
BOTH = ("coef", "samples")


def aliases():
    """The ``--kind`` names of several kinds: ``both`` and ``all`` (every
    kind in :data:`KINDS`)."""
    return {"both": BOTH, "all": tuple(KINDS)}


# views of the registry for readers of the rows (the command asks each kind):
# the reference fit on everything per (kind, model), the methods of every
# reference row, each kind's x axis for the default model
FULL = {
    (name, model): full
    for name, kind in KINDS.items()
    for model, full in kind.full.items()
}
REFERENCES = (MAJORITY, *FULL.values())
LEVEL_NAMES = {name: kind.level_name_for("logistic") for name, kind in KINDS.items()}
