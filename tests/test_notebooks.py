"""Every notebook runs top to bottom (in the documentation build, and here as
a slow test), so none can rot, and is stored executed,
with its outputs and plots, so a reader on GitHub sees what it shows."""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

# a backend forced in the notebook (Agg) shows no plot; a private module is
# not an API a reader can rely on
FORBIDDEN = re.compile(
    r"matplotlib\.use\(|\b(?:from|import)\s+skprune(?:\.[A-Za-z0-9]\w*)*\._"
)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


# the documentation build executes every notebook (myst-nb, errors fail the
# build), and CI runs that build; here it is a slow test, for a run by hand
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    # errors are collected, not raised, so the failure names every one
    nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    errors = [
        f"{output['ename']}: {output['evalue']}"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_stored_executed(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "no code cells"
    # run once, top to bottom, in one kernel: counts 1, 2, ..., n in order
    counts = [cell.get("execution_count") for cell in code]
    assert counts == list(range(1, len(code) + 1)), counts
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [f"{o['ename']}: {o['evalue']}" for o in errors]
    # an output's own execution_count (display results) is its cell's
    for cell in code:
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                assert output["execution_count"] == cell.execution_count
    assert any("image/png" in o.get("data", {}) for o in outputs), "no plot stored"
    for cell in code:
        found = FORBIDDEN.search(cell.source)
        assert found is None, f"{found.group()!r} in a code cell: {cell.source!r}"
