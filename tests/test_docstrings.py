"""numpydoc's validation of every public docstring, with the checks the
documentation build runs (``docs/conf.py``: scikit-learn's own selection),
so a missing parameter or a section out of order fails the test suite too."""

import importlib
import inspect
import re
from pathlib import Path

import pytest
from sklearn.utils._available_if import _AvailableIfDescriptor

import skprune

validate = pytest.importorskip("numpydoc.validate")

CONF = Path(__file__).resolve().parents[1] / "docs" / "conf.py"


def ignored_checks():
    """The codes ``docs/conf.py`` leaves out (``NUMPYDOC_IGNORED``)."""
    match = re.search(r"^NUMPYDOC_IGNORED = \((.*?)\)", CONF.read_text(), re.M)
    return set(re.findall(r'"(\w+)"', match.group(1)))


def public_names():
    """Dotted names of every public object and of its own public methods."""
    names = []
    modules = [("skprune", skprune.__all__)]
    if importlib.util.find_spec("skl2onnx") is not None:
        modules.append(("skprune.onnx", ["to_onnx"]))
    for module_name, members in modules:
        module = importlib.import_module(module_name)
        for name in members:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            names.append(f"{module_name}.{name}")
            if inspect.isclass(obj):
                names += [f"{module_name}.{name}.{attr}" for attr in own_members(obj)]
    return names


def own_members(cls):
    """Public methods and properties ``cls`` has from skprune's code (its own
    or a private skprune base class's), which the API reference renders; what
    scikit-learn's base classes give it is documented by scikit-learn."""
    for attr in sorted(dir(cls)):
        if attr.startswith("_"):
            continue
        owner = next(base for base in cls.__mro__ if attr in vars(base))
        member = vars(owner)[attr]
        # available_if wraps a method the estimator has only when its inner
        # estimator does (predict_proba, decision_function, ...)
        documented = inspect.isfunction(member) or isinstance(
            member, (property, classmethod, staticmethod, _AvailableIfDescriptor)
        )
        if documented and owner.__module__.startswith("skprune"):
            yield attr


def test_public_names_are_found():
    names = public_names()
    assert "skprune.CoefficientPruner.fit" in names
    assert "skprune.PruningCurveDisplay.from_estimator" in names
    # a method a private skprune base class defines
    assert "skprune.PrunedLogisticRegression.predict_proba" in names


@pytest.mark.parametrize("name", public_names())
def test_docstring_passes_numpydoc_validation(name):
    ignored = ignored_checks()
    errors = [
        f"{code}: {message}"
        for code, message in validate.validate(name)["errors"]
        if code not in ignored
    ]
    assert not errors, f"{name}:\n" + "\n".join(errors)
