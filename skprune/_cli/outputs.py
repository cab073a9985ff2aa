"""What the command writes to ``--out``: the folder checked before any work
(:func:`check_out`), then ``results.csv``, ``results.json`` and, with
matplotlib, ``pruning_curves.png``, the figure of every kind's rows
(:func:`plot_curves`)."""

import csv
import json
import os

from .console import CommandError
from .experiments import MAJORITY
from .kinds import KINDS

NON_SCORE_COLUMNS = ("kind", "method", "fraction", "kept", "bytes", "ratio")


def _scorer_columns(rows):
    return [key for key in rows[0] if key not in NON_SCORE_COLUMNS]


def plot_curves(rows, description, model="logistic"):
    """A matplotlib figure of the rows: a row of panels per scorer, a column
    per kind (its ``plot`` panel: score against the kept fraction, or for
    compression against the bytes on a log axis); the references as
    horizontal dotted lines."""
    import matplotlib.pyplot as plt

    scoring = _scorer_columns(rows)
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    fig, axes = plt.subplots(
        len(scoring),
        len(kinds),
        figsize=(6 * len(kinds), 4.5 * len(scoring)),
        squeeze=False,
    )
    for row_axes, scorer in zip(axes, scoring, strict=True):
        for ax, name in zip(row_axes, kinds, strict=True):
            kind = KINDS[name]
            references = kind.references()
            own = [r for r in rows if r["kind"] == name]
            curves = [r for r in own if r["method"] not in references]
            kind.plot(ax, curves, scorer, kind.level_name_for(model))
            for r in own:
                if r["method"] in references:
                    ax.axhline(
                        r[scorer],
                        linestyle=":",
                        linewidth=1.5,
                        color="0.55" if r["method"] == MAJORITY else "black",
                        label=f"{r['method']} ({r[scorer]:.3f})",
                    )
            ax.set_title(f"{kind.title}: {scorer}")
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
