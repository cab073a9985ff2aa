"""README.md's python code blocks run as written, top to bottom.

Every ```python block is executed in README order in one fresh namespace, as a
user pasting them into one session would (a block may use names an earlier
one defined). A block holding ``if __name__ == "__main__":`` is a script: it
runs on its own, in a subprocess, as a user would save and run it.

Printed output shown in the README is checked too: a whole-line comment right
after a one-line ``print(...)`` is the line that print writes, e.g.

    print(search.best_params_, pruner.support_.sum(), "features kept")
    # {'coefficientpruner__prune_ratio': 0.7} 9 features kept

Everything runs in a temporary directory, so the files the snippets write
(model.skops, curves.png) do not land in the repository, with one BLAS/OpenMP
thread: the snippets' arrays are small, and on a busy machine (other test
processes) idle-spinning BLAS threads made them 5-10x slower.
"""

import ast
import contextlib
import io
import itertools
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
SCRIPT_GUARD = re.compile(r"^if __name__ == [\"']__main__[\"']:", re.MULTILINE)


def python_blocks():
    """``(number, README line, code)`` of every python block, in order."""
    text = README.read_text(encoding="utf-8")
    return [
        (number, text.count("\n", 0, match.start()) + 2, match.group(1))
        for number, match in enumerate(FENCE.finditer(text), start=1)
    ]


def is_script(code):
    return SCRIPT_GUARD.search(code) is not None


def label(number, line, code):
    first = code.strip().splitlines()[0]
    return f"README python block {number} (README.md line {line}: {first!r})"


def expected_output(code):
    """The lines the block says it prints (see the module docstring)."""
    lines = code.splitlines()
    return [
        after.strip()[1:].strip()
        for before, after in itertools.pairwise(lines)
        if before.strip().startswith("print(") and after.strip().startswith("#")
    ]


def imported_modules(code):
    """Top-level names of the modules a block imports."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def check_output(where, code, stdout):
    printed = [line.rstrip() for line in stdout.splitlines()]
    for line in expected_output(code):
        if line not in printed:
            pytest.fail(
                f"{where} should print {line!r}; it printed:\n{stdout}",
                pytrace=False,
            )


SESSION = [block for block in python_blocks() if not is_script(block[2])]
SCRIPTS = [block for block in python_blocks() if is_script(block[2])]


def test_readme_has_python_blocks_and_shows_the_quickstart_output():
    assert SESSION, "README.md has no python blocks"
    quickstart = SESSION[0][2]
    assert any("features kept" in line for line in expected_output(quickstart))


def test_readme_blocks_run_in_order_in_one_session(tmp_path, monkeypatch):
    for module in sorted(set().union(*(imported_modules(b[2]) for b in SESSION))):
        pytest.importorskip(module)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    with threadpool_limits(limits=1), contextlib.ExitStack() as cleanup:
        cleanup.callback(plt.close, "all")
        for number, line, code in SESSION:
            where = label(number, line, code)
            check_output(where, code, run_in(namespace, where, code))


def run_in(namespace, where, code):
    """Execute ``code`` in ``namespace``; what it printed."""
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            exec(compile(code, f"<{where}>", "exec"), namespace)
    except Exception:
        pytest.fail(
            f"{where} failed:\n{traceback.format_exc()}"
            f"\nIt printed:\n{stdout.getvalue()}",
            pytrace=False,
        )
    return stdout.getvalue()


@pytest.mark.parametrize(
    "number, line, code", SCRIPTS, ids=[f"block{block[0]}" for block in SCRIPTS]
)
def test_readme_script_runs(number, line, code, tmp_path, monkeypatch):
    for module in sorted(imported_modules(code)):
        pytest.importorskip(module)
    if "dask" in imported_modules(code):
        pytest.importorskip("distributed")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "1")
    where = label(number, line, code)
    script = tmp_path / f"readme_block_{number}.py"
    script.write_text(code, encoding="utf-8")
    try:
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{where} did not finish within 120 s", pytrace=False)
    if result.returncode != 0:
        pytest.fail(
            f"{where} exited with {result.returncode}:\n{result.stderr}",
            pytrace=False,
        )
    check_output(where, code, result.stdout)
