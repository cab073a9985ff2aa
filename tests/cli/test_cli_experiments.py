"""The command's experiments: exact kept counts, the L1 path, the network,
compression's bytes (skprune._cli.experiments)."""

import csv
import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import skprune._cli as cli
from skprune._cli import experiments

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


def test_coefficient_table_files_and_exact_counts(tmp_path, capsys, run_cli):
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
    # every method, the L1 path included, has a score at every count, and
    # two of iris's four features (half) take each near the full model
    accuracy = {(r["method"], r["fraction"]): float(r["accuracy"]) for r in rows}
    methods = {r["method"] for r in curves}
    assert all(np.isfinite(accuracy[m, f]) for m in methods for f in ("0.5", "0.25"))
    assert all(accuracy[m, "0.5"] > 0.9 for m in methods)
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["data"].startswith("iris") and len(payload["rows"]) == len(rows)
    assert (tmp_path / "pruning_curves.png").stat().st_size > 1000


def test_sample_pruning_on_a_csv_file(tmp_path, capsys, run_cli):
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


def test_l1_penalty_keyword_gives_a_sparse_model():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = LogisticRegression(
        **experiments._l1_penalty(), solver="liblinear", C=0.02, random_state=0
    ).fit(X, y)
    # an L2 penalty (the wrong keyword) keeps all 30
    assert 0 < np.count_nonzero(model.coef_) < 10

    class Old:  # scikit-learn <= 1.7: l1_ratio alone is no L1 penalty
        def __init__(self, penalty="l2", l1_ratio=None):
            pass

    class New:  # scikit-learn >= 1.8
        def __init__(self, penalty="deprecated", l1_ratio=0.0):
            pass

    assert experiments._l1_penalty(Old) == {"penalty": "l1"}
    assert experiments._l1_penalty(New) == {"l1_ratio": 1.0}


@pytest.mark.parametrize("loader", [load_wine, load_breast_cancer])
def test_l1_path_selects_exactly_k_features_with_the_seed(loader, monkeypatch):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    seeds = []

    class Spy(LogisticRegression):
        def fit(self, X, y):
            seeds.append(self.random_state)
            return super().fit(X, y)

    monkeypatch.setattr(experiments, "LogisticRegression", Spy)
    counts = [X.shape[1], 8, 3, 1]
    selections = experiments._l1_selections(X, y, counts, seed=7)
    assert seeds and set(seeds) == {7}
    assert [len(cols) for cols in selections] == counts
    assert all(len(set(cols)) == len(cols) for cols in selections)
    again = experiments._l1_selections(X, y, counts, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(selections, again, strict=True))


def test_mlp_model_prunes_weights_with_and_without_fine_tuning(
    tmp_path, capsys, run_cli
):
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


def test_compress_reports_bytes_and_every_scorer_on_a_csv(tmp_path, capsys, run_cli):
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
    # every model, pruned and quantized ones too, beats the majority class
    majority = by["majority class", ""]
    for r in rows:
        if r is not majority:
            assert float(r["accuracy"]) > float(majority["accuracy"])
            assert float(r["f1"]) > 0.5
    # the majority class never predicts the rare positive class
    assert float(by["majority class", ""]["f1"]) == 0.0
    assert float(by["dense float64", "1.0"]["f1"]) > 0.5
    assert (out_dir / "pruning_curves.png").stat().st_size > 1000
