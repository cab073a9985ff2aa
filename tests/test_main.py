import contextlib
import csv
import inspect
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import skprune.__main__ as cli
from skprune.__main__ import encode_labels, load_data, main

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


def run_cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_coefficient_table_files_and_exact_counts(tmp_path, capsys):
    code, out, err = run_cli(
        ["--data", "iris", "--kind", "coef", "--out", str(tmp_path), *FAST], capsys
    )
    assert code == 0
    assert "iris (150 rows, 4 features): coefficient pruning" in out
    assert "RFE(step=1)" in out and "L1 path (select k, refit)" in out
    assert "[skprune] coefficient pruning" in err and "done in" in err
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["kind"] for r in rows} == {"coef"}
    assert list(rows[0]) == ["kind", "method", "fraction", "kept", "accuracy"]
    curves = [r for r in rows if r["method"] not in cli.REFERENCES]
    # 4 features: half is 2, a quarter is 1
    assert sorted({(r["fraction"], r["kept"]) for r in curves}) == [
        ("0.25", "1"),
        ("0.5", "2"),
    ]
    # every method, the L1 path included, has a score at every count
    assert all(0.3 < float(r["accuracy"]) <= 1.0 for r in rows)
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["data"].startswith("iris") and len(payload["rows"]) == len(rows)
    assert (tmp_path / "pruning_curves.png").stat().st_size > 1000


def test_sample_pruning_on_a_csv_file(tmp_path, capsys):
    rng = np.random.RandomState(0)
    X = rng.randn(90, 3)
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "label", "b", "c"])
        for x, label in zip(X, labels, strict=True):
            writer.writerow([x[0], label, x[1], x[2]])
    code, out, _ = run_cli(
        [
            "--data",
            str(path),
            "--target",
            "label",
            "--kind",
            "samples",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
            *FAST,
        ],
        capsys,
    )
    assert code == 0 and out == ""
    with open(tmp_path / "out" / "results.csv") as f:
        rows = list(csv.DictReader(f))
    # each strategy named with the rule keep="auto" applied to it
    assert {r["method"] for r in rows} == {
        "random",
        "grand (weighted)",
        "loss (weighted)",
        "margin (coverage)",
        "herding",
        "majority class",
        "all rows",
    }
    # 3-fold CV of 90 rows: 60 training rows, half and a quarter of them
    curves = [r for r in rows if r["method"] not in cli.REFERENCES]
    assert {r["kept"] for r in curves} == {"30", "15"}
    reference = {r["method"]: r for r in rows if r["method"] in cli.REFERENCES}
    assert (reference["all rows"]["fraction"], reference["all rows"]["kept"]) == (
        "1.0",
        "60",
    )
    assert reference["majority class"]["fraction"] == ""
    assert float(reference["all rows"]["accuracy"]) > 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "nope"], "--data must be one of iris, wine, breast_cancer"),
        (["--data", "x.csv"], "--target COLUMN is required"),
        (["--data", "missing.csv", "--target", "y"], "cannot read missing.csv"),
        (["--fractions", "0.5,1.5"], "--fractions must lie in (0, 1]"),
        (["--fractions", "half"], "--fractions must be comma-separated numbers"),
        (["--cv", "1"], "--cv must be an integer >= 2"),
        (["--kind", "rows"], "argument --kind: invalid choice"),
        (["--model", "svm"], "argument --model: invalid choice: 'svm'"),
        (
            ["--scoring", "accuracy", "f2"],
            "unknown scorer 'f2'; valid names: accuracy, adjusted_mutual_info_score",
        ),
        (["--scoring", "accuracy,nope"], "unknown scorer 'nope'"),
        (["--sep", ";;"], "--sep must be one character (or tab)"),
        (["--data", "iris", "--drop", "x"], "--drop and --sep apply to a CSV file"),
    ],
)
def test_bad_arguments_give_one_line_and_no_traceback(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        code = main(args)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_non_numeric_column_is_named(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("size,colour,label\n1.0,red,a\n2.0,blue,b\n")
    code, _, err = run_cli(["--data", str(path), "--target", "label"], capsys)
    assert code == 2
    assert err.strip() == (
        "skprune: error: column 'colour' is not numeric (line 2: 'red'); "
        "skprune's demo needs numeric features"
    )


def test_module_and_console_script_entry_points():
    result = subprocess.run(
        [sys.executable, "-m", "skprune", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip()
    script = shutil.which("skprune")
    if script is None:
        pytest.skip("the skprune console script is not installed")
    result = subprocess.run([script, "--data", "nope"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("skprune: error: --data must be one of")


def test_seed_changes_the_folds(tmp_path, capsys):
    results = []
    for seed in (0, 1):
        out = tmp_path / str(seed)
        code, _, _ = run_cli(
            [
                "--data",
                "wine",
                "--kind",
                "samples",
                "--quiet",
                "--seed",
                str(seed),
                "--out",
                str(out),
                *FAST,
            ],
            capsys,
        )
        assert code == 0
        results.append((out / "results.csv").read_text())
    assert results[0] != results[1]


@pytest.fixture
def no_experiment(monkeypatch):
    """Fail the test if an experiment starts: errors must come before."""

    def started(*args, **kwargs):
        raise AssertionError("the experiment started before the error")

    monkeypatch.setattr(cli, "coefficient_experiment", started)
    monkeypatch.setattr(cli, "sample_experiment", started)
    monkeypatch.setattr(cli, "compress_experiment", started)


def png_size(path):
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.fixture(scope="module")
def iris_scored(tmp_path_factory):
    """One coefficient run on iris with three scorers: (stdout, rows, out)."""
    out = tmp_path_factory.mktemp("iris_scored")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        code = main(
            [
                "--data",
                "iris",
                "--kind",
                "coef",
                "--out",
                str(out),
                "--scoring",
                "accuracy",
                "f1_macro,roc_auc_ovr",
                *FAST,
            ]
        )
    assert code == 0
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    return stdout.getvalue(), rows, out


def test_scoring_reports_every_scorer(iris_scored):
    out, rows, folder = iris_scored
    scorers = ["accuracy", "f1_macro", "roc_auc_ovr"]
    # a table per scorer
    for scorer in scorers:
        assert (
            f"coefficient pruning (features kept; logistic regression), mean "
            f"test {scorer}\n" in out
        )
    assert out.count("(kept)") == 3
    # a column per scorer in results.csv and in each row of results.json
    assert list(rows[0]) == ["kind", "method", "fraction", "kept", *scorers]
    payload = json.loads((folder / "results.json").read_text())
    assert payload["scoring"] == scorers
    assert all(set(scorers) <= set(row) for row in payload["rows"])
    for row in rows:
        values = [float(row[s]) for s in scorers]
        assert all(0 < v <= 1 for v in values)
        if row["method"] == "majority class":
            assert float(row["roc_auc_ovr"]) == 0.5
            assert float(row["f1_macro"]) < float(row["accuracy"])
    # a row of plot panels per scorer: 6 x (3 * 4.5) inches
    width, height = png_size(folder / "pruning_curves.png")
    assert height > 2 * width


@pytest.mark.parametrize(
    "scorer, message",
    [
        (
            "f1",
            "--scoring f1 is for a binary target and this one has 3 classes; use "
            "the averaged variant f1_macro",
        ),
        (
            "roc_auc",
            "--scoring roc_auc is for a binary target and this one has 3 classes; "
            "use the averaged variant roc_auc_ovr",
        ),
        ("recall_samples", "--scoring recall_samples is for multilabel targets"),
    ],
)
def test_scorer_that_cannot_work_fails_before_the_experiment(
    scorer, message, tmp_path, capsys, no_experiment
):
    code, out, err = run_cli(
        ["--data", "iris", "--scoring", "accuracy", scorer, "--out", str(tmp_path)],
        capsys,
    )
    assert code == 2 and out == ""
    assert err.startswith(f"skprune: error: {message}")
    assert len(err.strip().splitlines()) == 1


def test_labels_are_encoded_with_the_rarer_class_positive():
    codes, classes = encode_labels(np.array(["b", "a", "a"]))
    assert classes.tolist() == ["a", "b"] and codes.tolist() == [1, 0, 0]
    # the rarer class is positive even when it sorts first
    codes, classes = encode_labels(np.array(["a", "b", "b"]))
    assert classes.tolist() == ["b", "a"] and codes.tolist() == [1, 0, 0]
    # a tie: the second label in sorted order
    codes, classes = encode_labels(np.array(["y", "x"]))
    assert classes.tolist() == ["x", "y"] and codes.tolist() == [1, 0]
    codes, classes = encode_labels(np.array([5, 3, 9, 3]))
    assert classes.tolist() == [3, 5, 9] and codes.tolist() == [1, 0, 2, 0]


def test_string_labels_with_recall_and_f1(tmp_path, capsys):
    # "ill" is the rarer class and sorts first: it must be the positive one
    rng = np.random.RandomState(0)
    X = rng.randn(90, 3)
    labels = np.where(X[:, 0] > 0.6, "ill", "well")
    path = tmp_path / "patients.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "status"])
        for x, label in zip(X, labels, strict=True):
            writer.writerow([*x, label])
    code, out, _ = run_cli(
        [
            "--data",
            str(path),
            "--target",
            "status",
            "--kind",
            "coef",
            "--scoring",
            "recall,f1",
            "--out",
            str(tmp_path / "out"),
            *FAST,
        ],
        capsys,
    )
    assert code == 0
    n_ill = int(np.sum(labels == "ill"))
    assert 0 < n_ill < 45
    assert f"positive class (1) 'ill' ({n_ill} of 90 rows, the rarer)" in out
    payload = json.loads((tmp_path / "out" / "results.json").read_text())
    assert payload["positive_class"] == "ill"
    reference = {r["method"]: r for r in payload["rows"]}
    # the majority class never predicts the rarer, positive class
    assert reference["majority class"]["recall"] == 0.0
    assert reference["all features"]["recall"] > 0.6
    assert reference["all features"]["f1"] > 0.6


def test_l1_penalty_keyword_gives_a_sparse_model():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = LogisticRegression(
        **cli._l1_penalty(), solver="liblinear", C=0.02, random_state=0
    ).fit(X, y)
    # an L2 penalty (the wrong keyword) keeps all 30
    assert 0 < np.count_nonzero(model.coef_) < 10

    class Old:  # scikit-learn <= 1.7: l1_ratio alone is no L1 penalty
        def __init__(self, penalty="l2", l1_ratio=None):
            pass

    class New:  # scikit-learn >= 1.8
        def __init__(self, penalty="deprecated", l1_ratio=0.0):
            pass

    assert cli._l1_penalty(Old) == {"penalty": "l1"}
    assert cli._l1_penalty(New) == {"l1_ratio": 1.0}


@pytest.mark.parametrize("loader", [load_wine, load_breast_cancer])
def test_l1_path_selects_exactly_k_features_with_the_seed(loader, monkeypatch):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    seeds = []

    class Spy(LogisticRegression):
        def fit(self, X, y):
            seeds.append(self.random_state)
            return super().fit(X, y)

    monkeypatch.setattr(cli, "LogisticRegression", Spy)
    counts = [X.shape[1], 8, 3, 1]
    selections = cli._l1_selections(X, y, counts, seed=7)
    assert seeds and set(seeds) == {7}
    assert [len(cols) for cols in selections] == counts
    assert all(len(set(cols)) == len(cols) for cols in selections)
    again = cli._l1_selections(X, y, counts, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(selections, again, strict=True))


def test_reference_rows_in_tables_and_files(iris_scored):
    out, rows, _ = iris_scored
    for table in out.split("\n\n"):
        if "(kept)" in table:
            lines = table.splitlines()
            assert lines[-2].startswith("majority class")
            assert lines[-1].startswith("all features")
    reference = {r["method"]: r for r in rows if r["method"] in cli.REFERENCES}
    assert set(reference) == {"majority class", "all features"}
    # stratified 3-fold CV of iris: the majority class is right a third of
    # the time, give or take a row
    assert 0.3 < float(reference["majority class"]["accuracy"]) < 0.35
    assert float(reference["all features"]["accuracy"]) > 0.9
    assert (
        reference["all features"]["fraction"],
        reference["all features"]["kept"],
    ) == (
        "1.0",
        "4",
    )


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


def write_lines(path, lines, encoding="utf-8", end="\n"):
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(end.join(lines) + end)


def table(sep=","):
    rng = np.random.RandomState(1)
    X = rng.randn(40, 2).round(3)
    lines = [sep.join(["id", "a", "label", "b"])]
    for i, (a, b) in enumerate(X):
        lines.append(sep.join([f"p{i}", str(a), "yes" if a + b > 0 else "no", str(b)]))
    return lines


@pytest.mark.parametrize(
    "name, edit, extra, message",
    [
        (
            "empty.csv",
            lambda lines: [*lines[:6], "p5,,no,0.5", *lines[7:]],
            ["--drop", "id"],
            "column 'a' has an empty cell on line 7",
        ),
        (
            "nolabel.csv",
            lambda lines: [*lines[:3], "p2,0.1,,0.5", *lines[4:]],
            ["--drop", "id"],
            "the target 'label' is empty on line 4",
        ),
        (
            "continuous.csv",
            lambda lines: (
                ["a,b,label"]
                + [f"{i / 7:.3f},{i % 3},{i * 1.5:.2f}" for i in range(40)]
            ),
            [],
            "the target 'label' looks continuous (40 distinct numeric values, e.g. "
            "'1.50' on line 3); skprune's demo classifies",
        ),
        (
            "semicolons.csv",
            lambda lines: [line.replace(",", ";") for line in lines],
            [],
            "the header of semicolons.csv is one column 'id;a;label;b' with no ',' "
            "but ';' in it; try --sep ';'",
        ),
        (
            "ids.csv",
            lambda lines: lines,
            ["--drop", "id", "--drop", "a,ID"],
            "--drop: no column 'ID' in ids.csv; columns: ['id', 'a', 'label', 'b']",
        ),
        (
            "ids.csv",
            lambda lines: lines,
            [],
            "column 'id' is not numeric (line 2: 'p0')",
        ),
        (
            "data.json",
            lambda lines: lines,
            [],
            "--data must be one of iris, wine, breast_cancer, digits or a .csv, "
            ".tsv or .txt file",
        ),
    ],
)
def test_csv_problems_are_one_line_errors_before_any_work(
    name, edit, extra, message, tmp_path, capsys, no_experiment
):
    path = tmp_path / name
    write_lines(path, edit(table()))
    code, out, err = run_cli(
        [
            "--data",
            str(path),
            "--target",
            "label",
            "--out",
            str(tmp_path / "out"),
            *extra,
        ],
        capsys,
    )
    assert code == 2 and out == ""
    message = message.replace(f" {name}", f" {path}")  # as given to --data
    assert err.startswith(f"skprune: error: {message}"), err
    assert len(err.strip().splitlines()) == 1


def test_csv_variants_that_load(tmp_path):
    expected = load_data_lines(tmp_path, table(), "plain.csv", drop=["id"])
    # a UTF-8 BOM, Windows line ends and trailing blank lines
    path = tmp_path / "excel.csv"
    write_lines(path, [*table(), "", ""], encoding="utf-8-sig", end="\r\n")
    X, y, description = load_data(str(path), "label", drop=["id"])
    assert np.array_equal(X, expected[0]) and np.array_equal(y, expected[1])
    assert description == "excel.csv (40 rows, 2 features)"
    # tabs in a .tsv and a .txt, ";" with --sep, --drop comma-separated
    for name, sep, option in (
        ("data.tsv", "\t", None),
        ("data.txt", "\t", None),
        ("data.txt", ";", ";"),
        ("semi.csv", ";", ";"),
    ):
        path = tmp_path / name
        write_lines(path, table(sep))
        X, y, _ = load_data(str(path), "label", sep=option, drop=["id"])
        assert np.array_equal(X, expected[0]) and np.array_equal(y, expected[1])
    X, _, _ = load_data(str(tmp_path / "semi.csv"), "label", sep=";", drop=["id,b"])
    assert np.array_equal(X, expected[0][:, :1])
    # integer labels are classes, in numeric order
    path = tmp_path / "ints.csv"
    write_lines(path, ["a,label"] + [f"{i},{i % 12}" for i in range(40)])
    _, y, _ = load_data(str(path), "label")
    assert y.dtype.kind == "i" and sorted(set(y.tolist())) == list(range(12))


def load_data_lines(tmp_path, lines, name, **kwargs):
    path = tmp_path / name
    write_lines(path, lines)
    X, y, _ = load_data(str(path), "label", **kwargs)
    assert X.shape == (40, 2) and set(y.tolist()) == {"yes", "no"}
    return X, y


def test_tsv_with_an_id_column_runs(tmp_path, capsys):
    path = tmp_path / "data.tsv"
    write_lines(path, table("\t"))
    code, out, _ = run_cli(
        [
            "--data",
            str(path),
            "--target",
            "label",
            "--drop",
            "id",
            "--kind",
            "coef",
            "--out",
            str(tmp_path / "out"),
            *FAST,
        ],
        capsys,
    )
    assert code == 0
    assert "data.tsv (40 rows, 2 features): coefficient pruning" in out


def test_out_naming_a_file_fails_before_the_experiment(tmp_path, capsys, no_experiment):
    existing = tmp_path / "results.txt"
    existing.write_text("not a folder")
    code, out, err = run_cli(["--data", "iris", "--out", str(existing)], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"skprune: error: --out {existing} is an existing file; --out names a "
        "folder (new or existing) for the results"
    )
    assert existing.read_text() == "not a folder"


def test_mlp_model_prunes_weights_with_and_without_fine_tuning(tmp_path, capsys):
    args = ["--data", "iris", "--kind", "coef", "--model", "mlp", "--cv", "3"]
    code, out, _ = run_cli(
        [*args, "--fractions", "0.1", "--out", str(tmp_path), "--scoring", "f1_macro"],
        capsys,
    )
    assert code == 0
    assert "coefficient pruning (weights kept; MLPClassifier (64,))" in out
    with open(tmp_path / "results.csv") as f:
        rows = {r["method"]: r for r in csv.DictReader(f)}
    # 4 inputs -> 64 units -> 3 classes: 448 weights, 10 % of them kept
    assert rows["all weights"]["kept"] == "448"
    tuned = rows["magnitude, fine-tuned"]
    zeroed = rows["magnitude, no fine-tune"]
    assert tuned["kept"] == zeroed["kept"] == "45"
    # fine-tuning the 45 survivors recovers what zeroing alone loses
    assert float(tuned["f1_macro"]) > float(zeroed["f1_macro"]) + 0.2
    assert float(tuned["f1_macro"]) > 0.8
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["model"] == "mlp"


def small_binary_csv(path, n=120, seed=0):
    """Four numeric features, a rare (25 %) 'yes' class."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    y = np.where(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.randn(n) > 0.67, "yes", "no")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "d", "label"])
        writer.writerows([*x, label] for x, label in zip(X, y, strict=True))
    return path


def test_compress_reports_bytes_and_every_scorer_on_a_csv(tmp_path, capsys):
    path = small_binary_csv(tmp_path / "data.csv")
    out_dir = tmp_path / "out"
    code, out, _ = run_cli(
        [
            *("--data", str(path), "--target", "label", "--kind", "compress"),
            *("--scoring", "accuracy", "f1", "--out", str(out_dir), *FAST),
        ],
        capsys,
    )
    assert code == 0
    assert "compression (logistic regression), mean test scores" in out
    header = next(line for line in out.splitlines() if "bytes" in line)
    assert header.split() == ["weights", "bytes", "smaller", "accuracy", "f1"]
    with open(out_dir / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        *("kind", "method", "fraction", "kept", "bytes", "ratio", "accuracy", "f1")
    ]
    by = {(r["method"], r["fraction"]): r for r in rows}
    assert set(by) == {
        ("dense float64", "1.0"),
        ("8-bit uniform", "1.0"),
        ("4-bit k-means", "1.0"),
        *(
            (m, f)
            for m in (
                "pruned (float64, sparse)",
                "pruned + 8-bit uniform",
                "pruned + 4-bit k-means",
            )
            for f in ("0.5", "0.25")
        ),
        ("majority class", ""),
    }
    # by hand, a binary logistic regression on 4 features (one row of coef_):
    # dense: 4 weights + 1 intercept as float64
    assert by["dense float64", "1.0"]["bytes"] == str(8 * 5)
    assert float(by["dense float64", "1.0"]["ratio"]) == 1.0
    # 8 bits: 4 one-byte codes, no index, offset and step and the intercept
    # as float32
    assert by["8-bit uniform", "1.0"]["bytes"] == str(4 + 0 + 2 * 4 + 4)
    # half the weights pruned, float64: 2 weights + intercept, and the
    # zeros' index: a 1-byte bitmap (smaller than CSR's 2 + 2 bytes)
    pruned = by["pruned (float64, sparse)", "0.5"]
    assert (pruned["kept"], pruned["bytes"]) == ("2", str(8 * 3 + 1))
    assert float(pruned["ratio"]) == pytest.approx(40 / 25)
    # a quarter: 1 weight; pruned + 8-bit: 1 code, bitmap, 2 params, intercept
    assert by["pruned + 8-bit uniform", "0.25"]["bytes"] == str(1 + 1 + 8 + 4)
    for r in rows:
        assert 0 <= float(r["f1"]) <= 1 and 0.5 <= float(r["accuracy"]) <= 1
    # the majority class never predicts the rare positive class
    assert float(by["majority class", ""]["f1"]) == 0.0
    assert float(by["dense float64", "1.0"]["f1"]) > 0.5
    assert (out_dir / "pruning_curves.png").stat().st_size > 1000


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


README = Path(__file__).parent.parent / "README.md"


def readme_output_blocks():
    """The README's unlabelled code blocks that show what the command prints."""
    blocks, block, language = [], None, None
    for line in README.read_text().splitlines():
        if line.startswith("```") and block is None:
            block, language = [], line[3:].strip()
        elif line.startswith("```"):
            if not language:
                blocks.append("\n".join(block))
            block = None
        elif block is not None:
            block.append(line)
    return [b for b in blocks if b.startswith("breast_cancer (569 rows")]


def same_table(printed, shown, tolerance=0.01):
    """The same lines, words and counts; scores within ``tolerance`` (another
    scikit-learn or BLAS may move a third decimal)."""
    printed, shown = printed.strip().splitlines(), shown.strip().splitlines()
    assert len(printed) == len(shown), (printed, shown)
    for got, want in zip(printed, shown, strict=True):
        got_words, want_words = got.split(), want.split()
        assert len(got_words) == len(want_words), (got, want)
        for a, b in zip(got_words, want_words, strict=True):
            if re.fullmatch(r"\d\.\d{3}", b):
                assert abs(float(a) - float(b)) <= tolerance, (got, want)
            else:
                assert a == b, (got, want)


@pytest.mark.parametrize(
    "args",
    [[], ["--kind", "compress", "--scoring", "accuracy", "f1"]],
    ids=["demo", "compress"],
)
def test_readme_shows_what_the_command_prints(args, tmp_path, capsys):
    shown = [b for b in readme_output_blocks() if ("compression" in b) == bool(args)]
    assert len(shown) == 1
    code, out, _ = run_cli([*args, "--out", str(tmp_path)], capsys)
    assert code == 0
    printed = out.split("\nwrote ")[0]
    same_table(printed, shown[0])


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    "kind, model",
    [
        ("coef", "logistic"),
        ("coef", "mlp"),
        ("samples", "logistic"),
        ("compress", "mlp"),
    ],
)
def test_progress_on_a_terminal_counts_every_step(kind, model, tmp_path):
    err = Terminal()
    args = ["--data", "iris", "--kind", kind, "--model", model, "--cv", "2"]
    args += ["--fractions", "0.5", "--out", str(tmp_path), "--seed", "1"]
    cli.run(cli.build_parser().parse_args(args), stdout=io.StringIO(), stderr=err)
    steps = re.findall(r"\[skprune\]\s+(\d+)/(\d+) ", err.getvalue())
    done = [int(d) for d, _ in steps]
    assert done == list(range(1, len(done) + 1))
    assert {int(t) for _, t in steps} == {len(done)}


def test_all_kinds_with_the_network_in_one_file(tmp_path, capsys):
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
        (r["kind"] for r in rows), key=["coef", "samples", "compress"].index
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
        axes = np.array(fig.axes).reshape(2, 3)
        assert [ax.get_xlabel() for ax in axes[0]] == [
            "fraction of weights kept",
            "fraction of training rows kept",
            "bytes (log scale)",
        ]
    finally:
        plt.close(fig)
