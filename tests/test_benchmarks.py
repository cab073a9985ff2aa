"""The benchmark scripts keep running (slow: ``python -m pytest -m slow``)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"

# every script, with a line of its output that only a finished run prints
QUICK_RUNS = {
    "bench_coefficient_pruner.py": "mean test accuracy over data sets and kept",
    "bench_dask_rows.py": "weighted reads per chunk",
    "bench_forest.py": "median compression within tolerance",
    "bench_grid_search.py": "prune_ratio, no dense-fit reuse",
    "bench_data_efficiency.py": "keep='auto' of each strategy minus random",
    "bench_defaults_noise.py": "default minus alternative, test accuracy in points",
    "bench_label_noise.py": "F1 skprune same count",
    "bench_logistic_accuracy.py": "where skprune's default loses to a peer",
    "bench_logistic_path.py": "accuracy per level:",
    "bench_mlp_pruning.py": "mean over data sets",
    "bench_onnx.py": "onnxruntime prediction on",
    "bench_osmac.py": "MSE of beta against the true beta0",
    "bench_quantization.py": "MLPClassifier (128, 64)",
    "bench_rows_scale.py": "coef squared error vs full fit",
    "bench_sample_scores_speed.py": "grand scores",
    "bench_sparse_scale.py": "PrunedLogisticRegression(prune_ratio=0.99)",
    "bench_support_recovery.py": "per seed: size chosen / true features found",
    "bench_swaps_accuracy.py": "swap wins",
}


def test_every_benchmark_has_a_quick_run():
    assert sorted(QUICK_RUNS) == sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, expected", list(QUICK_RUNS.items()), ids=list(QUICK_RUNS)
)
def test_benchmark_quick_run(script, expected, tmp_path):
    out = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, script, "--quick", "--out", str(out)],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout
    assert out.stat().st_size > 100
    assert json.loads(out.read_text())


def test_compare_outputs_sets_only_measured_values_aside(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    row = {"data": "digits", "accuracy": 0.9, "u8_ratio": 7.5, "time_s": 1.0}
    (before / "bench_x.json").write_text(json.dumps({"rows": [row], "x": float("nan")}))
    script = [sys.executable, str(BENCHMARKS / "compare_outputs.py"), before, after]
    for changed, differs in [
        ({"time_s": 2.0}, False),
        ({"accuracy": 0.8}, True),
        ({"u8_ratio": 7.0}, True),  # a compression ratio is a figure, not a timing
    ]:
        document = {"rows": [{**row, **changed}], "x": float("nan")}
        (after / "bench_x.json").write_text(json.dumps(document))
        run = subprocess.run(script, capture_output=True, text=True)
        assert run.returncode == int(differs), run.stdout
