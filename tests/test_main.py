import math
import re
import subprocess
import sys

import pytest

from skprune.__main__ import KEPT_FRACTIONS, main, run_demo


def test_demo_rows_have_exact_feature_counts_and_valid_accuracies():
    rows = run_demo()
    assert [r[0] for r in rows] == list(KEPT_FRACTIONS)
    for fraction, n_features, dense, pruned, refit in rows:
        assert n_features == 30 - math.floor((1 - fraction) * 30 + 1e-9)
        assert all(0.5 < a <= 1.0 for a in (dense, pruned, refit))


def test_main_prints_the_table(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "breast_cancer" in out
    assert "no refit" in out
    table = [line for line in out.splitlines() if re.match(r"\s*\d+%\s", line)]
    assert len(table) == len(KEPT_FRACTIONS)


def test_bad_argument_exits_non_zero():
    with pytest.raises(SystemExit) as excinfo:
        main(["--seed", "x"])
    assert excinfo.value.code == 2


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "skprune", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip()
