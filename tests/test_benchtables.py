"""The documentation's ``bench-table`` directive (``docs/_ext/benchtables.py``):
how it reads rows from a benchmark's JSON file, pivots them and formats them.
The directive itself runs in every documentation build."""

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import benchtables
from sphinx.errors import ExtensionError


def test_rows_at_a_dotted_key_and_a_dict_of_figures_flattened(tmp_path):
    path = tmp_path / "bench_x.json"
    path.write_text(
        json.dumps(
            {
                "command": "python benchmarks/bench_x.py",
                "summary": {"clean": [{"m": "a", "acc": 0.5}]},
                "results": {"times": {"fit": {"median": 2.0}}, "ratio": 0.25},
            }
        )
    )
    payload, rows = benchtables.load_rows(path, "summary.clean")
    assert payload["command"] == "python benchmarks/bench_x.py"
    assert rows == [{"m": "a", "acc": 0.5}]
    _, rows = benchtables.load_rows(path, "results")
    assert rows == [
        {"name": "times / fit / median", "value": 2.0},
        {"name": "ratio", "value": 0.25},
    ]
    with pytest.raises(ExtensionError, match=r"no 'summary\.noisy'"):
        benchtables.load_rows(path, "summary.noisy")
    with pytest.raises(ExtensionError, match="not a list of rows"):
        benchtables.load_rows(path, "command")


def test_pivot_means_each_cell_in_order_of_appearance():
    rows = [
        {"method": "b", "kept": "10%", "acc": 0.2},
        {"method": "b", "kept": "10%", "acc": 0.4},
        {"method": "a", "kept": "50%", "acc": 0.9},
        {"method": "b", "kept": "50%", "acc": 0.7},
    ]
    table, columns = benchtables.pivot(rows, "method", "kept", "acc")
    assert columns == ["10%", "50%"]
    assert table == [
        {"method": "b", "10%": pytest.approx(0.3), "50%": 0.7},
        {"method": "a", "10%": None, "50%": 0.9},
    ]


def test_cells_and_options_are_read_as_written():
    assert benchtables.format_cell(0.12345, ".2f") == "0.12"
    assert benchtables.format_cell(12345, ".2f") == "12,345"
    assert benchtables.format_cell(float("nan"), ".2f") == "-"
    assert benchtables.format_cell(None, ".2f") == "-"
    assert benchtables.format_cell(True, ".2f") == "yes"
    assert benchtables.parse_columns("a, b=B") == [("a", "a"), ("b", "B")]
    assert benchtables.parse_pairs("acc:.3f; *:.1f", sep=":") == {
        "acc": ".3f",
        "*": ".1f",
    }
    with pytest.raises(ExtensionError, match="not field"):
        benchtables.parse_pairs("acc")
