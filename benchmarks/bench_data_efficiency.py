"""Target 2 of SampleSubsetter: test accuracy against the fraction of rows kept.

digits and breast_cancer, standardized on a stratified 70/30 split (several
seeds). For every strategy (keep="easy" and keep="hard") and kept fractions
10%..90%, a ``LogisticRegression(max_iter=1000)`` is fit on the kept training
rows and scored on the test rows; compared with random subsets (mean over the
seeds) and with imbalanced-learn's ``InstanceHardnessThreshold`` asked for the
same per-class counts.

Scores that do not depend on the kept count are computed once per split and
passed back as a callable strategy; k-center and herding run per count.

    python benchmarks/bench_data_efficiency.py [--quick] [--repeats SEEDS] [--out F]
"""

import warnings

import numpy as np
from _harness import parse_args, print_table, write_json
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skprune import SampleSubsetter
from skprune._sample_subsetter import allocate

STRATEGIES = [
    "margin",
    "loss",
    "el2n",
    "grand",
    "forgetting",
    "noise",
    "kcenter",
    "herding",
    "prototype",
]
FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer}


def model():
    return LogisticRegression(max_iter=1000)


def iht_accuracy(X, y, X_te, y_te, n_keep, seed):
    from imblearn.under_sampling import InstanceHardnessThreshold

    classes, counts = np.unique(y, return_counts=True)
    wanted = dict(zip(classes, allocate(counts, n_keep), strict=True))
    sampler = InstanceHardnessThreshold(
        estimator=model(), sampling_strategy=wanted, random_state=seed, cv=5
    )
    try:
        X_res, y_res = sampler.fit_resample(X, y)
    except ValueError:
        return np.nan, 0
    return float(model().fit(X_res, y_res).score(X_te, y_te)), len(y_res)


def main():
    args = parse_args(__doc__)
    warnings.filterwarnings("ignore")
    seeds = range(args.repeats or (1 if args.quick else 3))
    datasets = {"breast_cancer": load_breast_cancer} if args.quick else DATASETS
    fractions = (0.1, 0.5) if args.quick else FRACTIONS
    strategies = ["margin", "kcenter"] if args.quick else STRATEGIES
    rows = []
    for data_name, loader in datasets.items():
        X_all, y_all = loader(return_X_y=True)
        for seed in seeds:
            X, X_te, y, y_te = train_test_split(
                X_all, y_all, test_size=0.3, stratify=y_all, random_state=seed
            )
            scaler = StandardScaler().fit(X)
            X, X_te = scaler.transform(X), scaler.transform(X_te)
            cached = {}
            for fraction in fractions:
                n_keep = round(fraction * len(y))

                def record(
                    method,
                    accuracy,
                    kept,
                    fraction=fraction,
                    data_name=data_name,
                    seed=seed,
                ):
                    rows.append(
                        {
                            "data": data_name,
                            "seed": seed,
                            "fraction": fraction,
                            "method": method,
                            "test_acc": accuracy,
                            "kept": kept,
                        }
                    )

                for r in range(5):  # random: several draws per split
                    sub = SampleSubsetter(
                        model(),
                        n_keep=n_keep,
                        strategy="random",
                        random_state=100 * seed + r,
                    ).fit(X, y)
                    record(f"random#{r}", float(sub.score(X_te, y_te)), n_keep)
                for strategy in strategies:
                    for keep in ("easy", "hard"):
                        if strategy in ("kcenter", "herding"):
                            chosen = strategy
                        else:
                            if strategy not in cached:
                                scout = SampleSubsetter(
                                    model(), strategy=strategy, random_state=seed
                                ).fit(X, y)
                                cached[strategy] = scout.sample_scores_

                            def chosen(X, y, s=cached[strategy]):
                                return s

                        sub = SampleSubsetter(
                            model(),
                            n_keep=n_keep,
                            strategy=chosen,
                            keep=keep,
                            random_state=seed,
                        ).fit(X, y)
                        record(
                            f"{strategy} ({keep})", float(sub.score(X_te, y_te)), n_keep
                        )
                accuracy, kept = iht_accuracy(X, y, X_te, y_te, n_keep, seed)
                record("InstanceHardnessThreshold", accuracy, kept)
    # random: mean over its draws first, then over seeds like every method
    for row in rows:
        if row["method"].startswith("random#"):
            row["method"] = "random"
    table = []
    for data_name in datasets:
        methods = sorted(
            {r["method"] for r in rows if r["data"] == data_name},
            key=lambda m: (m != "random", m),
        )
        for method in methods:
            entry = {"data": data_name, "method": method}
            for fraction in fractions:
                sel = [
                    r["test_acc"]
                    for r in rows
                    if r["data"] == data_name
                    and r["method"] == method
                    and r["fraction"] == fraction
                ]
                entry[f"{fraction:.0%}"] = float(np.nanmean(sel))
            table.append(entry)
    columns = ["data", "method", *[f"{f:.0%}" for f in fractions]]
    print(f"seeds={list(seeds)}; mean test accuracy (random: 5 draws per seed)\n")
    print_table(table, columns)
    print("\nstrategies beating random (mean accuracy above random's), per fraction:")
    for data_name in datasets:
        base = next(
            t for t in table if t["data"] == data_name and t["method"] == "random"
        )
        for fraction in fractions:
            key = f"{fraction:.0%}"
            winners = [
                t["method"]
                for t in table
                if t["data"] == data_name
                and t["method"] != "random"
                and t[key] > base[key]
            ]
            print(f"  {data_name} {key}: {', '.join(winners) or '(none)'}")
    write_json(args.out, {"seeds": list(seeds), "rows": rows, "summary": table})


if __name__ == "__main__":
    main()
