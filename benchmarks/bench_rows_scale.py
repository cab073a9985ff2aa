"""Does row pruning pay for itself on large data?

Four measurements, each side by side in one run (timings interleaved, medians
of ``--repeats``; min and max in the JSON):

1. ``dense``: a 1,000,000 x 30 logistic design (correlated, heavy-tailed
   features: a t with 3 degrees of freedom over a constant correlation of
   0.5, coefficients N(0, 0.5^2), an intercept of -1; a test set of 200,000
   rows from the same design), 1 % of the rows kept:
   ``SampleSubsetter(LogisticRegression(), strategy="grand",
   prune_ratio=0.99)`` (the default: pilot scoring, the weighted rule) against
   one ``LogisticRegression().fit`` on every row and against 1 % uniform rows
   (``strategy="random"``): whole-fit time, the scoring pass alone (the
   repeats' pilot models scoring every row afresh, at least 21 times) against
   one ``decision_function`` call on every row, the coefficients' squared error
   against the full-data fit (mean over the repeats' seeds), test accuracy
   and log-loss.
2. ``sparse``: the same on a 1,000,000 x 1,000 CSR matrix with 10 M stored
   values (density 1 %, binary features, 10 % of them informative).
3. ``svc``: the expensive learners. ``SVC()`` and
   ``HistGradientBoostingClassifier()`` on the real magic set (KEEL, 19,020
   rows, 10 features; 15,000 training rows, standardized), with clean
   labels and with 20 % of them flipped: ``SampleSubsetter(learner,
   prune_ratio=0.9)`` at its defaults (uniform rows and the label check:
   three fits on a pilot of 1,500 rows, the prediction pass when it sets
   rows aside, the final fit) against the learner's fit on every row and on
   10 % uniform rows (``strategy="random"``): time, the whole fit's ratio
   to the full fit, test accuracy (and log-loss for boosting).
4. ``grid``: ``GridSearchCV`` over six ``prune_ratio`` values of
   ``SampleSubsetter(LogisticRegression(), strategy="grand")`` with ``cv=5``
   on magic's 15,000 training rows and on spambase (3,447 rows), against the
   same search over six values of ``LogisticRegression``'s ``C``: wall time
   (the fit cache emptied before each search) and each search's best score.

    python benchmarks/bench_rows_scale.py [--quick] [--repeats 5] [--out F]
        [--only dense,sparse,svc,grid]
"""

import copy
import sys
import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from scipy import sparse
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

from skprune import SampleSubsetter
from skprune.rows.scoring._plan import RowScoring
from skprune.rows.scoring._strategies import STRATEGIES
from skprune.utils._fit_cache import clear_fit_cache


def dense_design(n, p, rng):
    shared = rng.standard_normal((n, 1))
    z = np.sqrt(0.5) * rng.standard_normal((n, p)) + np.sqrt(0.5) * shared
    return z / np.sqrt(rng.chisquare(3, size=(n, 1)) / 3)


def sparse_design(n, p, nnz_per_row, rng):
    indices = rng.randint(0, p, size=n * nnz_per_row)
    indptr = np.arange(0, n * nnz_per_row + 1, nnz_per_row)
    X = sparse.csr_matrix((np.ones(n * nnz_per_row), indices, indptr), shape=(n, p))
    X.sum_duplicates()
    X.data[:] = 1.0
    return X


def logistic_data(kind, n, rng):
    if kind == "dense":
        p = 30
        beta = rng.normal(0, 0.5, p)
        make = lambda m: dense_design(m, p, rng)  # noqa: E731
    else:
        p = 1000
        beta = np.where(rng.random_sample(p) < 0.1, rng.normal(0, 1.5, p), 0.0)
        make = lambda m: sparse_design(m, p, 10, rng)  # noqa: E731
    X, X_te = make(n), make(n // 5)

    def labels(M):
        return (rng.random_sample(M.shape[0]) < expit(M @ beta - 1.0)).astype(int)

    return X, labels(X), X_te, labels(X_te)


def scores_of(model, X, y):
    return {
        "accuracy": float(model.score(X, y)),
        "log_loss": float(log_loss(y, model.predict_proba(X))),
    }


# the scoring pass and decision_function are timed this many times at least
# (each takes a few hundredths of a second; their medians are the figure)
PASS_REPEATS = 21


def unscored(pilot):
    """A copy of ``pilot`` sharing its fitted model, with nothing predicted
    yet: every call of the pass predicts every row."""
    fresh = copy.copy(pilot)
    for key in ("decision", "proba", "residual_norm"):
        fresh.__dict__.pop(key, None)
    return fresh


def run_logistic(kind, n, repeats):
    rng = np.random.RandomState(0)
    X, y, X_te, y_te = logistic_data(kind, n, rng)
    print(f"{kind}: X {X.shape}, nnz {getattr(X, 'nnz', X.size):,}", file=sys.stderr)
    fits = harness.run_interleaved(
        {
            "full fit": lambda rep: LogisticRegression().fit(X, y),
            "skprune fit": lambda rep: one_percent(X, y, "grand", rep),
            "uniform fit": lambda rep: one_percent(X, y, "random", rep),
        },
        repeats,
        seeded=True,
    )
    fulls = fits["full fit"]["results"]
    # the scoring pass alone: each repeat's pilot model (fit here, outside the
    # timing) predicts every row and the grand cost follows, against one
    # decision_function call
    pilots = []
    for pruned in fits["skprune fit"]["results"]:
        pilot = RowScoring.of(pruned).predictions(
            X, y, {}, n_keep=len(pruned.sample_indices_), pilot=True
        )
        pilot.model  # noqa: B018 -- fit outside the timing
        pilots.append(pilot)
    # (the values are dropped, not kept for every repeat: each call's arrays
    # come from memory the last one freed, as in a fit)
    passes = harness.run_interleaved(
        {
            "pass": lambda rep: (
                STRATEGIES["grand"](X, y, unscored(pilots[rep % len(pilots)])).shape
            ),
            "decision_function": lambda rep: (
                fulls[rep % len(fulls)].decision_function(X).shape
            ),
        },
        max(repeats, PASS_REPEATS),
        seeded=True,
    )
    errors = {"skprune": [], "uniform": []}
    for rep, full in enumerate(fulls):
        target = np.r_[full.coef_.ravel(), full.intercept_]
        for name in errors:
            fitted = fits[f"{name} fit"]["results"][rep].estimator_
            errors[name].append(
                float(
                    np.sum(
                        (np.r_[fitted.coef_.ravel(), fitted.intercept_] - target) ** 2
                    )
                )
            )
    full, pruned, uniform = (
        fits[name]["result"] for name in ("full fit", "skprune fit", "uniform fit")
    )
    quality = {
        "full": scores_of(full, X_te, y_te),
        "skprune": scores_of(pruned, X_te, y_te),
        "uniform": scores_of(uniform, X_te, y_te),
    }
    times = {name: run["times"] for name, run in {**fits, **passes}.items()}
    med = {k: harness.time_summary(v) for k, v in times.items()}
    return {
        "shape": list(X.shape),
        "nnz": int(getattr(X, "nnz", X.size)),
        "kept": len(pruned.sample_indices_),
        "times": med,
        "fit ratio (skprune / full)": med["skprune fit"]["median"]
        / med["full fit"]["median"],
        "pass ratio (pass / decision_function)": med["pass"]["median"]
        / med["decision_function"]["median"],
        "coef squared error vs full fit": {
            k: float(np.mean(v)) for k, v in errors.items()
        },
        "test": quality,
    }


def magic(seed=0):
    data = load_real_datasets(max_rows=None, names=["magic"])
    X, y = data["magic"]
    return harness.standardized_split(
        X, y, seed, test_size=None, train_size=15_000, drop_constant=False
    )


def run_svc(repeats):
    X, X_te, y_clean, y_te = magic()
    out = {}
    learners = {"SVC": SVC, "HGB": HistGradientBoostingClassifier}
    for noise in (0.0, 0.2):
        y = harness.flip_labels(y_clean, noise, np.random.RandomState(0))
        for name, learner in learners.items():

            def pruned(strategy, learner=learner, y=y):
                params = {} if strategy == "auto" else {"strategy": strategy}
                return lambda rep: SampleSubsetter(
                    learner(), prune_ratio=0.9, random_state=rep, **params
                ).fit(X, y)

            runs = harness.run_interleaved(
                {
                    "full": lambda rep, learner=learner, y=y: learner().fit(X, y),
                    "default": pruned("auto"),
                    "uniform": pruned("random"),
                },
                repeats,
                seeded=True,
            )
            med = {k: harness.time_summary(run["times"]) for k, run in runs.items()}
            key = f"{name}, {noise:.0%} flipped"
            out[key] = {
                "times": med,
                "fit ratio (default / full)": med["default"]["median"]
                / med["full"]["median"],
                "fit ratio (uniform / full)": med["uniform"]["median"]
                / med["full"]["median"],
                "test accuracy": {
                    k: float(np.mean([m.score(X_te, y_te) for m in run["results"]]))
                    for k, run in runs.items()
                },
                "noise_rate_": float(
                    np.mean([m.noise_rate_ for m in runs["default"]["results"]])
                ),
            }
            if hasattr(learner(), "predict_proba"):
                out[key]["test log-loss"] = {
                    k: float(
                        np.mean(
                            [
                                log_loss(y_te, m.predict_proba(X_te))
                                for m in run["results"]
                            ]
                        )
                    )
                    for k, run in runs.items()
                }
    return out


def grid_sets():
    """magic's 15,000 training rows and spambase's 75 %, standardized."""
    X, _, y, _ = magic()
    spam_X, spam_y = load_real_datasets(max_rows=None, names=["spambase"])["spambase"]
    spam, _, spam_y, _ = harness.standardized_split(spam_X, spam_y, 0)
    return {"magic": (X, y), "spambase": (spam, spam_y)}


def run_grid(repeats):
    searches = {
        "prune_ratio": lambda: GridSearchCV(
            SampleSubsetter(LogisticRegression(), strategy="grand", random_state=0),
            {"prune_ratio": [0.0, 0.5, 0.7, 0.8, 0.9, 0.95]},
            cv=5,
        ),
        "C": lambda: GridSearchCV(
            LogisticRegression(), {"C": [0.01, 0.1, 0.3, 1.0, 3.0, 10.0]}, cv=5
        ),
    }
    out = {}
    for name, (X, y) in grid_sets().items():

        def cold(make, X=X, y=y):
            # each search starts as a user's does: no fit cached before it
            clear_fit_cache()
            return make().fit(X, y).best_score_

        runs = harness.run_interleaved(
            {key: (lambda make=make: cold(make)) for key, make in searches.items()},
            repeats,
        )
        med = {k: harness.time_summary(run["times"]) for k, run in runs.items()}
        out[name] = {
            "times": med,
            "ratio (prune_ratio / C)": med["prune_ratio"]["median"]
            / med["C"]["median"],
            "best score": {k: float(run["result"]) for k, run in runs.items()},
        }
    return out


def one_percent(X, y, strategy, seed):
    """A logistic regression fit on 1 % of the rows, kept by ``strategy``."""
    return SampleSubsetter(
        LogisticRegression(), strategy=strategy, prune_ratio=0.99, random_state=seed
    ).fit(X, y)


def figure_rows(part, prefix, result):
    """The printed rows of one result: its times as median [min-max], its
    dicts one row per entry, the rest as they are."""
    rows = []
    lead = f"{prefix}: " if prefix else ""
    for key, value in result.items():
        if key == "times":
            for name, t in value.items():
                rows.append(
                    {
                        "part": part,
                        "figure": f"{lead}{name} (s)",
                        "value": f"{t['median']:.3f} [{t['min']:.3f}-{t['max']:.3f}]",
                    }
                )
        elif isinstance(value, dict):
            for name, v in value.items():
                rows.append(
                    {"part": part, "figure": f"{lead}{key}: {name}", "value": str(v)}
                )
        else:
            rows.append({"part": part, "figure": f"{lead}{key}", "value": str(value)})
    return rows


def main():
    args = harness.parse_args(
        __doc__, options=[("--only", dict(default="dense,sparse,svc,grid"))]
    )
    warnings.filterwarnings("ignore")
    repeats = args.repeats or (1 if args.quick else 5)
    n = 100_000 if args.quick else 1_000_000
    results = {}
    for part in args.only.split(","):
        if part in ("dense", "sparse"):
            results[part] = run_logistic(part, n, repeats)
        elif part == "svc":
            results[part] = run_svc(repeats)
        elif part == "grid":
            results[part] = run_grid(repeats)
    rows = []
    for part, result in results.items():
        # the svc part holds one such result per learner and noise level
        nested = part in ("svc", "grid")
        for prefix, figures in result.items() if nested else [("", result)]:
            rows += figure_rows(part, prefix, figures)
    print(f"medians of {repeats} repeats [min-max]")
    harness.print_table(rows, ["part", "figure", "value"])
    harness.write_json(args.out, {"repeats": repeats, "results": results})


if __name__ == "__main__":
    main()
