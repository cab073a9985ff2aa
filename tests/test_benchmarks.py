"""The benchmark scripts keep running (slow: ``python -m pytest -m slow``)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, expected",
    [
        ("bench_mlp_pruning.py", "mean over data sets"),
        ("bench_quantization.py", "MLPClassifier (128, 64)"),
    ],
)
def test_benchmark_quick_run(script, expected, tmp_path):
    result = subprocess.run(
        [sys.executable, script, "--quick", "--out", str(tmp_path / "out.json")],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout
    assert (tmp_path / "out.json").stat().st_size > 100
