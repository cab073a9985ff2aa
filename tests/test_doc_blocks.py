"""The python code blocks of README.md and of the user guide (``docs/``) run
as written, top to bottom.

Every ```python block of a page is executed in the page's order in one fresh
namespace per page, as a user pasting them into one session would (a block
may use names an earlier one defined). A block holding
``if __name__ == "__main__":`` is a script: it runs on its own, in a
subprocess, as a user would save and run it.

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

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# the pages whose python blocks run: the README, then the guide's pages
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
PAGES = [p for p in PAGES if "_build" not in p.parts]
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
SCRIPT_GUARD = re.compile(r"^if __name__ == [\"']__main__[\"']:", re.MULTILINE)


def python_blocks(page=README):
    """``(number, line, code)`` of every python block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    return [
        (number, text.count("\n", 0, match.start()) + 2, match.group(1))
        for number, match in enumerate(FENCE.finditer(text), start=1)
    ]


def page_name(page):
    return page.relative_to(ROOT).as_posix()


def is_script(code):
    return SCRIPT_GUARD.search(code) is not None


def label(number, line, code, page=README):
    first = code.strip().splitlines()[0]
    return f"python block {number} ({page_name(page)} line {line}: {first!r})"


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
SCRIPTS = [
    (page, *block)
    for page in PAGES
    for block in python_blocks(page)
    if is_script(block[2])
]
SESSION_PAGES = [
    page
    for page in PAGES
    if any(not is_script(block[2]) for block in python_blocks(page))
]


def test_readme_has_python_blocks_and_shows_the_quickstart_output():
    assert SESSION, "README.md has no python blocks"
    quickstart = SESSION[0][2]
    assert any("features kept" in line for line in expected_output(quickstart))


def test_the_user_guide_pages_are_run():
    names = {page_name(page) for page in SESSION_PAGES}
    assert "docs/user_guide/coefficient_pruning.md" in names
    assert "docs/user_guide/deployment.md" in names


@pytest.mark.parametrize("page", SESSION_PAGES, ids=page_name)
def test_page_blocks_run_in_order_in_one_session(page, tmp_path, monkeypatch):
    session = [b for b in python_blocks(page) if not is_script(b[2])]
    for module in sorted(set().union(*(imported_modules(b[2]) for b in session))):
        pytest.importorskip(module)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    with threadpool_limits(limits=1), contextlib.ExitStack() as cleanup:
        cleanup.callback(plt.close, "all")
        for number, line, code in session:
            where = label(number, line, code, page)
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
    "page, number, line, code",
    SCRIPTS,
    ids=[f"{page_name(block[0])}-block{block[1]}" for block in SCRIPTS],
)
def test_script_runs(page, number, line, code, tmp_path, monkeypatch):
    for module in sorted(imported_modules(code)):
        pytest.importorskip(module)
    if "dask" in imported_modules(code):
        pytest.importorskip("distributed")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "1")
    where = label(number, line, code, page)
    script = tmp_path / f"block_{number}.py"
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
