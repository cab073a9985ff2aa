"""An intersphinx inventory of scikit-learn's public API, written from the
installed scikit-learn, so that the documentation links to scikit-learn's
pages without downloading their ``objects.inv`` (no build step may need a
network).

Every public class and function of the installed version is listed under the
address scikit-learn's site gives it: ``modules/generated/<name>.html``, the
page its own autosummary writes.
"""

import importlib
import zlib
from pathlib import Path

import sklearn
from sklearn.utils.discovery import all_displays, all_estimators, all_functions


def public_objects():
    """``(full dotted name, role)`` of every public scikit-learn object."""
    seen = {}
    for name, cls in (*all_estimators(), *all_displays()):
        seen[f"{_public_module(cls)}.{name}"] = "class"
    for name, func in all_functions():
        seen[f"{_public_module(func)}.{name}"] = "function"
    return sorted(seen.items())


def _public_module(obj):
    """``sklearn.linear_model`` for ``sklearn.linear_model._logistic``: the
    module before the first private part, where scikit-learn documents it."""
    public = []
    for part in obj.__module__.split("."):
        if part.startswith("_"):
            break
        public.append(part)
    module = ".".join(public)
    if hasattr(importlib.import_module(module), obj.__name__):
        return module
    return obj.__module__


def write_inventory(path):
    """Write the inventory (format version 2) to ``path``; return ``path``."""
    objects = public_objects()
    lines = [
        f"{name} py:{role} 1 modules/generated/{name}.html#$ -"
        for name, role in objects
    ]
    lines += [
        f"{module} py:module 1 api/{module}.html#module-$ -"
        for module in sorted({name.rsplit(".", 1)[0] for name, _ in objects})
    ]
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: scikit-learn\n"
        f"# Version: {sklearn.__version__}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = zlib.compress(("\n".join(lines) + "\n").encode("utf-8"))
    path.write_bytes(header.encode("utf-8") + body)
    return path
