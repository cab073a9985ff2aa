import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from skprune.__main__ import main

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
    assert "RFE(step=1)" in out and "L1 path" in out
    assert "[skprune] coefficient pruning" in err and "done in" in err
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["kind"] for r in rows} == {"coef"}
    # 4 features: half is 2, a quarter is 1
    assert sorted({(r["fraction"], r["kept"]) for r in rows}) == [
        ("0.25", "1"),
        ("0.5", "2"),
    ]
    assert all(
        0.3 < float(r["accuracy"]) <= 1.0 for r in rows if r["method"] != "L1 path"
    )
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
    assert {r["method"] for r in rows} == {
        "random",
        "grand",
        "loss",
        "margin",
        "herding",
    }
    # 3-fold CV of 90 rows: 60 training rows, half and a quarter of them
    assert {r["kept"] for r in rows} == {"30", "15"}


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
