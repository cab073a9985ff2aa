"""The shape of the code (docs/contributing/layout.md): every module at most
600 lines, and every import going down the floors, never up."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skprune"
MAX_LINES = 600

# lowest first; a module may import from its own floor and the ones below.
# Within a floor, modules may import each other (no cycles: Python says so).
FLOORS = [
    ("ground floor", ["skprune.utils"]),
    (
        "engines",
        [
            "skprune.coefficients._criteria",
            "skprune.coefficients._masks",
            "skprune.coefficients._pruning",
            "skprune.rows.scoring",
        ],
    ),
    (
        "families and selection rules",
        ["skprune.families", "skprune.rows.selection", "skprune.rows._select"],
    ),
    (
        "estimators",
        [
            "skprune.coefficients",
            "skprune.rows._sample_subsetter",
            "skprune.rows._dask",
        ],
    ),
    ("deployment and plotting", ["skprune.onnx", "skprune._plot"]),
    ("front doors", ["skprune._cli", "skprune.__main__", "skprune"]),
]


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def floor_of(module):
    """The floor of the longest prefix that names ``module`` or a package
    holding it."""
    best = None
    for level, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    if best is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS")
    return best[0]


def imported_modules(path, module):
    """The skprune modules ``path`` imports (relative imports resolved)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "skprune" or target.startswith("skprune."):
                # ``from . import name`` may name a submodule
                yield target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("skprune"):
                    yield alias.name


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_module_is_at_most_600_lines(path):
    n_lines = len(path.read_text().splitlines())
    assert n_lines <= MAX_LINES, f"{module_name(path)} has {n_lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_down_the_floors(path):
    module = module_name(path)
    own = floor_of(module)
    for target in imported_modules(path, module):
        assert floor_of(target) <= own, (
            f"{module} ({FLOORS[own][0]}) imports {target} "
            f"({FLOORS[floor_of(target)][0]}), a floor above it"
        )


def test_the_ground_floor_imports_nothing_of_skprune_above_it():
    for path in (PACKAGE / "utils").rglob("*.py"):
        module = module_name(path)
        for target in imported_modules(path, module):
            assert target.startswith("skprune.utils"), (module, target)


def test_an_upward_import_is_caught(tmp_path):
    """The floor check can fail: a ground-floor module importing an
    estimator is reported."""
    fake = PACKAGE / "utils" / "_fake.py"
    assert floor_of("skprune.utils._fake") < floor_of("skprune.rows._sample_subsetter")
    source = tmp_path / "skprune" / "utils" / "_fake.py"
    source.parent.mkdir(parents=True)
    source.write_text("from ..rows._sample_subsetter import SampleSubsetter\n")
    targets = list(imported_modules(source, module_name(fake)))
    assert targets == ["skprune.rows._sample_subsetter"]
