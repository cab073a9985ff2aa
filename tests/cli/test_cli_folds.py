"""The command's fold runner: seeded folds, a progress step per unit of work
(skprune._cli.folds)."""

import io
import re

import pytest

import skprune._cli as cli

FAST = ["--cv", "3", "--fractions", "0.5,0.25"]


def test_seed_changes_the_folds(tmp_path, capsys, run_cli):
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
