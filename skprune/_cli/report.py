"""How one kind's rows read: its text tables (:func:`pruning_tables`,
:func:`compress_tables`) and its plot panel (:func:`plot_pruning_curves`,
:func:`plot_compression`). Every table function takes
``(rows, heading, scoring, fractions, references)`` and every panel function
``(ax, curves, scorer, level_name)``, so that a kind in
:data:`~skprune._cli.kinds.KINDS` names the pair it uses."""

import numpy as np

from .._plot import PruningCurveDisplay
from .experiments import DENSE, MAJORITY, PRUNED, QUANTIZATIONS

# the markers of a panel's curves, in turn
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def format_table(rows, fractions, title, scorer="accuracy", *, references):
    """The rows of one kind as a text table of one scorer: a line per method,
    a column per kept fraction, then the rows of the ``references`` methods
    (the same value in every column)."""
    curves = [r for r in rows if r["method"] not in references]
    reference_rows = [r for r in rows if r["method"] in references]
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
    for r in reference_rows:
        lines.append(f"{r['method']:<{width}}" + f"{r[scorer]:>8.3f}" * len(fractions))
    return "\n".join(lines)


def pruning_tables(rows, heading, scoring, fractions, references):
    """A :func:`format_table` per scorer, titled ``heading`` and the scorer."""
    return [
        format_table(
            rows, fractions, f"{heading}, mean test {s}", s, references=references
        )
        for s in scoring
    ]


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


def compress_tables(rows, heading, scoring, fractions, references):
    """The one :func:`format_compress_table`, a column per scorer (the
    fractions and references are in its rows)."""
    return [format_compress_table(rows, f"{heading}, mean test scores", scoring)]


def plot_pruning_curves(ax, curves, scorer, level_name):
    """Score against the kept fraction: a curve per method."""
    methods = dict.fromkeys(r["method"] for r in curves)
    for i, method in enumerate(methods):
        sel = [r for r in curves if r["method"] == method]
        # hollow markers of different shapes and sizes, half transparent
        # lines: curves that coincide stay visible
        PruningCurveDisplay.from_path(
            [r["fraction"] for r in sel],
            [r[scorer] for r in sel],
            level_name=level_name,
            score_name=f"test {scorer} (CV mean)",
            name=method,
            ax=ax,
            marker=MARKERS[i % len(MARKERS)],
            markersize=max(4.0, 10.0 - 1.5 * i),
            markerfacecolor="none",
            alpha=0.7,
        )


def plot_compression(ax, curves, scorer, level_name):
    """Score against bytes: from each unpruned model (dense float64, 8-bit,
    4-bit) a curve through its pruned versions, smallest fraction last."""
    families = {"float64 (dense, then pruned)": (DENSE, PRUNED)}
    families.update({q: (q, f"pruned + {q}") for q in QUANTIZATIONS})
    for i, (label, (unpruned, pruned)) in enumerate(families.items()):
        sel = [r for r in curves if r["method"] == unpruned]
        sel += sorted(
            (r for r in curves if r["method"] == pruned), key=lambda r: -r["fraction"]
        )
        ax.plot(
            [r["bytes"] for r in sel],
            [r[scorer] for r in sel],
            marker=MARKERS[i % len(MARKERS)],
            markerfacecolor="none",
            alpha=0.8,
            label=label,
        )
    ax.set_xscale("log")
    ax.set_xlabel(level_name)
    ax.set_ylabel(f"test {scorer} (CV mean)")
