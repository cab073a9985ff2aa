"""The command's --scoring: scorers that cannot work fail first, the positive
class of a binary target (skprune._cli.scorers)."""

import csv
import json

import numpy as np
import pytest

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


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
    scorer, message, tmp_path, capsys, no_experiment, run_cli
):
    code, out, err = run_cli(
        ["--data", "iris", "--scoring", "accuracy", scorer, "--out", str(tmp_path)],
        capsys,
    )
    assert code == 2 and out == ""
    assert err.startswith(f"skprune: error: {message}")
    assert len(err.strip().splitlines()) == 1


def test_string_labels_with_recall_and_f1(tmp_path, capsys, run_cli):
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
