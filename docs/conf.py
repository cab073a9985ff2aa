"""Sphinx configuration of skprune's documentation site.

Built offline (no build step reaches a network): the cross-references to
scikit-learn's documentation resolve through an inventory written here from
the installed scikit-learn (``_ext/sklearn_inventory.py``), the benchmark
tables are read from the JSON files in ``benchmarks/results`` (``_ext/
benchtables.py``) and the example notebooks are executed at build time
(myst-nb).
"""

import os
import sys
from pathlib import Path

# The notebooks' arrays are small: one BLAS thread per kernel. With a thread
# per core, a network's many small products spend their time in thread
# hand-offs (notebook 04 ran several times slower on 2 cores).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

from sklearn_inventory import write_inventory  # noqa: E402

import skprune  # noqa: E402

project = "skprune"
author = "The skprune developers"
copyright = "the skprune developers"
release = skprune.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
    "benchtables",
]

exclude_patterns = ["_build", "_templates", "jupyter_execute", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# every reference must resolve
nitpicky = True
# names numpydoc writes in a docstring's type column are plain text, not links
# (``array-like of shape (n_samples, n_features)`` is not an object)
numpydoc_xref_param_type = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# scikit-learn's own docstring checks: every parameter documented, sections in
# order, summaries that end with a period; optional sections may be absent
NUMPYDOC_IGNORED = ("GL01", "GL02", "ES01", "SA01", "EX01", "RT02", "PR09", "SS06")
numpydoc_validation_checks = {"all", *NUMPYDOC_IGNORED}
# members scikit-learn writes for us (get_params, metadata-routing setters)
# are documented by scikit-learn
numpydoc_validation_exclude = {r"\.set_\w+_request$", r"\.get_metadata_routing$"}

autosummary_generate = True
autodoc_default_options = {
    "members": True,
    # what skprune's private base classes define is shown; what scikit-learn's
    # base classes give every estimator is documented by scikit-learn
    "inherited-members": (
        "BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, "
        "SelectorMixin, MetaEstimatorMixin, _SetOutputMixin"
    ),
}
autodoc_typehints = "none"

intersphinx_mapping = {
    "sklearn": (
        "https://scikit-learn.org/stable/",
        str(write_inventory(HERE / "_build" / "inventories" / "sklearn.inv")),
    ),
}

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# the notebooks are run at every build; an error in one fails the build
# (SKPRUNE_DOCS_EXECUTE=off shows their stored outputs, for a quick look)
nb_execution_mode = os.environ.get("SKPRUNE_DOCS_EXECUTE", "force")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

html_theme = "pydata_sphinx_theme"
html_title = f"skprune {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    # the guide's and the benchmarks' wide tables get the page's whole width
    "secondary_sidebar_items": {
        "user_guide/*": [],
        "benchmarks": [],
    },
}
# an explicit mode: with none, the theme's script logs "Got invalid theme
# mode" to the console on a browser's first visit
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_static_path = ["_static"]
html_logo = "_static/skprune.svg"
html_favicon = "_static/skprune.svg"
html_css_files = ["skprune.css"]


def skip_routing_setters(app, what, name, obj, skip, options):
    """scikit-learn adds ``set_fit_request`` and friends to every estimator;
    their docstrings are scikit-learn's, so they are not repeated here."""
    if name.endswith("_request") and name.startswith("set_"):
        return True
    if name == "get_metadata_routing":
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", skip_routing_setters)
