"""The command's data: bundled data sets, CSV files and their problems
(skprune._cli.data)."""

import numpy as np
import pytest

from skprune._cli import encode_labels, load_data

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


def test_non_numeric_column_is_named(tmp_path, capsys, run_cli):
    path = tmp_path / "bad.csv"
    path.write_text("size,colour,label\n1.0,red,a\n2.0,blue,b\n")
    code, _, err = run_cli(["--data", str(path), "--target", "label"], capsys)
    assert code == 2
    assert err.strip() == (
        "skprune: error: column 'colour' is not numeric (line 2: 'red'); "
        "skprune's demo needs numeric features"
    )


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
    name, edit, extra, message, tmp_path, capsys, no_experiment, run_cli
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


def test_tsv_with_an_id_column_runs(tmp_path, capsys, run_cli):
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
