"""The command's --out folder: checked first, the figure of every kind, one
results file for all kinds (skprune._cli.outputs)."""

import csv
import inspect
import json

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

import skprune._cli as cli


def test_plot_has_reference_lines_markers_and_axis_labels():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for kind, methods in (("coef", ["p", "q", "r"]), ("samples", ["s", "t"])):
        for method in methods:
            for fraction, kept in ((0.5, 2), (0.25, 1)):
                # identical curves: each must stay visible
                rows.append(
                    dict(
                        kind=kind,
                        method=method,
                        fraction=fraction,
                        kept=kept,
                        accuracy=0.9,
                        f1=0.8,
                    )
                )
        rows.append(
            dict(
                kind=kind,
                method="majority class",
                fraction=None,
                kept=None,
                accuracy=0.4,
                f1=0.0,
            )
        )
        rows.append(
            dict(
                kind=kind,
                method=cli.FULL[kind, "logistic"],
                fraction=1.0,
                kept=4,
                accuracy=0.95,
                f1=0.9,
            )
        )
    fig = cli.plot_curves(rows, "toy")
    try:
        axes = np.array(fig.axes).reshape(2, 2)
        for scorer_axes, scorer in zip(axes, ["accuracy", "f1"], strict=True):
            for ax, kind in zip(scorer_axes, ["coef", "samples"], strict=True):
                assert ax.get_xlabel() == cli.LEVEL_NAMES[kind]
                assert scorer in ax.get_ylabel()
                dotted = [
                    line for line in ax.get_lines() if line.get_linestyle() == ":"
                ]
                assert sorted(line.get_label().split(" (")[0] for line in dotted) == (
                    sorted(["majority class", cli.FULL[kind, "logistic"]])
                )
                # horizontal, at the reference's value
                assert all(len(set(line.get_ydata())) == 1 for line in dotted)
                curves = [line for line in ax.get_lines() if line not in dotted]
                markers = [
                    (line.get_marker(), line.get_markersize()) for line in curves
                ]
                assert all(m[0] not in (None, "None", "") for m in markers)
                assert len(set(markers)) == len(curves)
        assert axes[0, 0].get_xlabel() == "fraction of features kept"
        assert axes[0, 1].get_xlabel() == "fraction of training rows kept"
    finally:
        plt.close(fig)


def test_compression_plot_puts_bytes_on_a_log_axis():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def row(method, fraction, n_bytes, accuracy):
        return dict(
            kind="compress",
            method=method,
            fraction=fraction,
            kept=1,
            bytes=n_bytes,
            ratio=None,
            accuracy=accuracy,
        )

    rows = [
        row("dense float64", 1.0, 400, 0.9),
        row("8-bit uniform", 1.0, 100, 0.9),
        row("4-bit k-means", 1.0, 80, 0.89),
        row("pruned (float64, sparse)", 0.5, 200, 0.88),
        row("pruned (float64, sparse)", 0.25, 120, 0.8),
        row("pruned + 8-bit uniform", 0.5, 50, 0.88),
        row("pruned + 8-bit uniform", 0.25, 30, 0.8),
        row("pruned + 4-bit k-means", 0.5, 45, 0.87),
        row("pruned + 4-bit k-means", 0.25, 28, 0.79),
        row("majority class", None, None, 0.5),
    ]
    fig = cli.plot_curves(rows, "toy")
    try:
        (ax,) = fig.axes
        assert ax.get_xscale() == "log" and ax.get_xlabel() == "bytes (log scale)"
        lines = {line.get_label(): line for line in ax.get_lines()}
        # each family runs from the unpruned model down through its prunings
        assert list(lines["float64 (dense, then pruned)"].get_xdata()) == [
            400,
            200,
            120,
        ]
        assert list(lines["8-bit uniform"].get_ydata()) == [0.9, 0.88, 0.8]
        assert list(lines["4-bit k-means"].get_xdata()) == [80, 45, 28]
        assert lines["majority class (0.500)"].get_linestyle() == ":"
    finally:
        plt.close(fig)


def test_out_naming_a_file_fails_before_the_experiment(
    tmp_path, capsys, no_experiment, run_cli
):
    existing = tmp_path / "results.txt"
    existing.write_text("not a folder")
    code, out, err = run_cli(["--data", "iris", "--out", str(existing)], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"skprune: error: --out {existing} is an existing file; --out names a "
        "folder (new or existing) for the results"
    )
    assert existing.read_text() == "not a folder"


def test_all_kinds_with_the_network_in_one_file(tmp_path, capsys, run_cli):
    pytest.importorskip("matplotlib")
    code, out, _ = run_cli(
        [
            *("--data", "iris", "--kind", "all", "--model", "mlp", "--cv", "2"),
            *("--fractions", "0.5", "--scoring", "accuracy", "f1_macro"),
            *("--out", str(tmp_path)),
        ],
        capsys,
    )
    assert code == 0
    assert "compression (MLPClassifier (64,)), mean test scores" in out
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    # every kind's columns, the non-score ones first; a kind's missing ones empty
    assert list(rows[0]) == [
        *("kind", "method", "fraction", "kept", "bytes", "ratio"),
        *("accuracy", "f1_macro"),
    ]
    assert [r["kind"] for r in rows] == sorted(
        (r["kind"] for r in rows), key=["coef", "samples", "forest", "compress"].index
    )
    assert all(r["bytes"] == "" for r in rows if r["kind"] != "compress")
    assert all(r["bytes"] for r in rows if r["kind"] == "compress" and r["kept"])
    # the row says which rule keep="auto" applied to the network: importance
    # sampling when MLPClassifier.fit takes sample_weight (scikit-learn 1.7+)
    takes_weights = "sample_weight" in inspect.signature(MLPClassifier.fit).parameters
    methods = {r["method"] for r in rows if r["kind"] == "samples"}
    rule = "weighted" if takes_weights else "coverage"
    assert {f"grand ({rule})", f"loss ({rule})", "margin (coverage)"} <= methods
    assert {"random", "herding"} <= methods
    payload = json.loads((tmp_path / "results.json").read_text())
    fig_rows = payload["rows"]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = cli.plot_curves(fig_rows, "iris", model="mlp")
    try:
        axes = np.array(fig.axes).reshape(2, 4)
        assert [ax.get_xlabel() for ax in axes[0]] == [
            "fraction of weights kept",
            "fraction of training rows kept",
            "fraction of leaves kept",
            "bytes (log scale)",
        ]
    finally:
        plt.close(fig)
