"""The command's tables: a table per scorer, the references last, what the user guide
shows (skprune._cli.report)."""

import contextlib
import csv
import io
import json
import re
from pathlib import Path

import pytest

import skprune._cli as cli
from skprune._cli import main

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


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
    majority = next(row for row in rows if row["method"] == "majority class")
    for row in rows:
        if row is not majority:  # every model beats it on every scorer
            assert all(float(row[s]) > float(majority[s]) for s in scorers)
        if row["method"] == "majority class":
            assert float(row["roc_auc_ovr"]) == 0.5
            assert float(row["f1_macro"]) < float(row["accuracy"])
    # a row of plot panels per scorer: 6 x (3 * 4.5) inches
    width, height = png_size(folder / "pruning_curves.png")
    assert height > 2 * width


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


# the transcripts of the command in the user guide
GUIDE = Path(__file__).parents[2] / "docs" / "user_guide" / "command_line.md"


def guide_output_blocks():
    """The guide's unlabelled code blocks that show what the command prints."""
    blocks, block, language = [], None, None
    for line in GUIDE.read_text().splitlines():
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


def block_kind(block):
    """Which command a transcript shows: the demo, compress or forest."""
    for kind in ("compression", "random forest"):
        if kind in block:
            return kind
    return "demo"


@pytest.mark.parametrize(
    "kind, args",
    [
        ("demo", []),
        ("compression", ["--kind", "compress", "--scoring", "accuracy", "f1"]),
        ("random forest", ["--kind", "forest", "--cv", "3", "--fractions", "0.1,0.02"]),
    ],
    ids=["demo", "compress", "forest"],
)
def test_guide_shows_what_the_command_prints(kind, args, tmp_path, capsys, run_cli):
    shown = [b for b in guide_output_blocks() if block_kind(b) == kind]
    assert len(shown) == 1
    code, out, _ = run_cli([*args, "--out", str(tmp_path)], capsys)
    assert code == 0
    printed = out.split("\nwrote ")[0]
    same_table(printed, shown[0])
