"""SampleSubsetter's fit on a dask array: the rules that run block by block,
where the chunks live (this process's threads, or the workers of a
dask.distributed cluster); only the kept rows come into memory.

Uniform rows (``strategy="random"``) and OSMAC's two steps (a pilot model fit
on a small uniform sample, then the weighted rule over every chunk) are the
two; every other rule raises a ``ValueError`` that says why. The parameters
are read as in memory (:class:`~skprune.rows.scoring._plan.RowScoring`), and
the maths of the draw is the weighted rule's own
(:mod:`skprune.rows.selection._weighted`).

The weighted fit makes four kinds of block tasks, and only small results come
back:

1. the labels' census (``y`` only): each chunk's classes and counts;
2. the pilot (the one pass that reads ``X`` for it): each chunk's pilot rows,
   found from the census by rank
   (:func:`~skprune.rows.scoring._scorers.pilot_ranks`);
3. the scores: each chunk scored by the pilot model, summarised for the
   second step (:class:`~skprune.rows.selection._weighted.BlockSummary`);
4. the draw: each chunk scored again and its kept rows, with their
   probabilities, sent back.

The draw is the same as on the rows in memory
(:func:`~skprune.rows.selection._weighted.pilot_weighted_rows`): the same
seed keeps the same rows, up to the rounding of sums taken in another order.
"""

import numpy as np
from scipy import sparse
from sklearn.base import is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    has_fit_parameter,
)

from ..utils._dask_arrays import as_row_chunks, is_dask_collection
from ..utils._validation import take_rows
from .scoring._plan import NEEDS_FINITE_X, PILOT_COSTS, RowScoring
from .scoring._scorers import PilotScorer, pilot_ranks, rows_of_ranks
from .selection._weighted import (
    WEIGHTED_UNIFORM_SHARE,
    check_count,
    check_kept,
    class_shares,
    intervals,
    plan_second_step,
    select_block,
    summarize_block,
    top_share,
    union_probabilities,
)

# a summary too short to be sure of the second step is asked again with this
# many times more values
MORE_TOP = 8


def fit_on_dask(subsetter, X, y, fit_params):
    """``subsetter.fit`` on a dask array: uniform rows or OSMAC's two steps,
    block by block where the chunks live; only the kept rows come into
    memory."""
    scoring = RowScoring.of(subsetter)
    sample_weight = fit_params.get("sample_weight")
    rule = check_dask_fit(scoring, fit_params)
    X, y, sample_weight = as_row_chunks(X, y, sample_weight)
    _check_n_features(subsetter, X, reset=True)
    _check_feature_names(subsetter, X, reset=True)
    n_samples = X.shape[0]
    n_keep = scoring.kept_count(n_samples)
    estimator = subsetter.estimator
    classifier = is_classifier(estimator)
    weights = pilot_index = None
    if rule == "easy":  # strategy="random"
        seed = check_random_state(scoring.random_state).randint(np.iinfo(np.int32).max)
        indices, X_kept, y_kept, given = uniform_rows(
            X,
            y,
            sample_weight,
            stratify=classifier and subsetter.stratify,
            n_keep=n_keep,
            seed=seed,
            finite=not get_tags(estimator).input_tags.allow_nan,
        )
    else:
        scorer, scorer_params = scoring.scorer(fit_params)
        plan = scoring.pilot_plan(n_keep, X.shape[1], scorer)
        indices, X_kept, y_kept, given, weights, pilot_index = weighted_by_pilot(
            X,
            y,
            sample_weight,
            classifier=classifier,
            plan=plan,
            scorer_params=scorer_params,
            finite=scoring.strategy in NEEDS_FINITE_X
            or not get_tags(plan.scorer).input_tags.allow_nan,
        )
        weights *= n_keep / n_samples
    mask = np.zeros(n_samples, dtype=bool)
    mask[indices] = True
    # no label-noise check here: its flags would need a pass of their own
    subsetter.strategy_, subsetter.noise_rate_ = scoring.strategy, None
    subsetter._record_selection(
        mask,
        indices,
        scores=None,
        weights=weights,
        rule=rule,
        label_issues=None,
        pilot_indices=pilot_index,
    )
    kept_params = {
        key: take_rows(value, mask, n_samples)
        for key, value in fit_params.items()
        if key != "sample_weight"
    }
    if given is not None:  # the kept rows' own sample_weight
        kept_params["sample_weight"] = given
    subsetter._fit_kept(X_kept, y_kept, kept_params)
    return subsetter


def check_dask_fit(scoring, fit_params):
    """The rule a fit on a dask array applies, or the error that says why
    it cannot: uniform rows (``strategy="random"``) and the weighted rule
    scored by a pilot are the ones that run block by block."""
    scoring.check(None)
    name = scoring.strategy_name
    estimator = scoring.estimator
    weights_ok = has_fit_parameter(estimator, "sample_weight")
    rule = scoring.rule(weights_ok)
    by_pilot = scoring.plan(weights_ok)[0]
    if name == "random":
        if scoring.keep not in ("auto", "easy"):
            raise ValueError(
                'On a dask array, strategy="random" keeps uniform rows '
                f'(keep="auto"); keep={scoring.keep!r} ranks random scores, '
                "which is the same draw: use the default."
            )
    elif scoring.score_by == "out_of_fold":
        raise ValueError(
            'score_by="out_of_fold" fits a model on most of the rows for '
            "every fold, which a dask array does not fit in memory for; "
            'use score_by="pilot" (or "auto"): a model fit on a small '
            "uniform sample scores every chunk where it lives."
        )
    elif not (by_pilot and rule == "weighted"):
        if rule == "coverage" and not weights_ok:
            why = (
                f"{type(estimator).__name__}.fit takes no sample_weight, "
                "which the importance-sampled rows need"
            )
        else:
            why = f"strategy={name!r} with keep={scoring.keep!r} applies {rule!r}"
        raise ValueError(
            "On a dask array, SampleSubsetter keeps uniform rows "
            '(strategy="random") or importance-samples the rows by a pilot '
            f'model (strategy in {list(PILOT_COSTS)}, keep="weighted" or '
            f'"auto"); {why}. Compute X (or a sample of it) for the other '
            "rules."
        )
    for key, value in fit_params.items():
        if key != "sample_weight" and is_dask_collection(value):
            raise TypeError(
                f"The fit parameter {key!r} is a dask collection; on a dask X "
                "only sample_weight may be one (pass the others as numpy)."
            )
    return rule


def _blocks(array):
    """The row chunks of ``array`` as dask delayed objects, one per chunk."""
    return array.to_delayed().ravel().tolist()


def _starts(X):
    return np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)


def census(y, classifier):
    """Every chunk's labels: ``(classes, counts)`` with ``counts`` one row
    per chunk (its rows of each class), or for a regression ``(None,
    counts)`` with the chunks' row counts (``y`` checked finite)."""
    import dask

    count = dask.delayed(_count_labels)
    parts = dask.compute(*[count(b, classifier) for b in _blocks(y)])
    if not classifier:
        return None, np.array(parts)[:, np.newaxis]
    classes = np.unique(np.concatenate([labels for labels, _ in parts]))
    check_classification_targets(classes)
    counts = np.zeros((len(parts), len(classes)), dtype=np.int64)
    for b, (labels, n) in enumerate(parts):
        counts[b, np.searchsorted(classes, labels)] = n
    return classes, counts


def _count_labels(y, classifier):
    if classifier:
        return np.unique(y, return_counts=True)
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinity.")
    return len(y)


def _as_float(X):
    if sparse.issparse(X):
        return X.astype(np.float64) if X.dtype.kind != "f" else X
    return np.asarray(X, dtype=np.float64 if X.dtype.kind != "f" else X.dtype)


def _check_finite(X, start):
    data = X.data if sparse.issparse(X) else X
    if not np.all(np.isfinite(data)):
        raise ValueError(
            f"Input X contains NaN or infinity (in the chunk of rows from "
            f"{start}); the pilot's scores need finite features."
        )


def _pilot_block(X, y, weight, classes, ranks, before, start, finite):
    """A chunk's pilot rows (or uniform rows): ``(positions, X rows, y rows,
    weights)``; with ``finite``, the chunk checked finite on the way (the one
    pass that reads every chunk before the scores)."""
    X = _as_float(X)
    if finite:
        _check_finite(X, start)
    if weight is not None and not np.all(np.isfinite(weight) & (weight >= 0)):
        raise ValueError(
            "sample_weight must be finite and non-negative (in the chunk of rows "
            f"from {start})."
        )
    codes = None if classes is None else np.searchsorted(classes, y)
    rows = rows_of_ranks(codes, X.shape[0], ranks, before)
    return rows, X[rows], y[rows], None if weight is None else weight[rows]


def _scored(X, y, scorer, pilot_rows):
    """A chunk's costs by the pilot model and its pilot rows (boolean)."""
    hardness = scorer.hardness(X, y)
    pilot = np.zeros(len(hardness), dtype=bool)
    pilot[pilot_rows] = True
    return hardness, pilot


def _summary_block(X, y, scorer, pilot_rows, n_top):
    """A chunk scored by the pilot model and summarised for the second step."""
    return summarize_block(*_scored(_as_float(X), y, scorer, pilot_rows), n_top)


def _draw_block(X, y, weight, scorer, pilot_rows, step, lo, hi, start, n_points, share):
    """A chunk's kept rows: ``(positions, X rows, y rows, weights, union
    probabilities)``. ``share`` is the pilot's share of each class (or of all
    rows)."""
    X = _as_float(X)
    hardness, pilot = _scored(X, y, scorer, pilot_rows)
    kept, later = select_block(hardness, pilot, step, lo, hi, start, n_points)
    rows = np.flatnonzero(kept)
    a = share[0] if len(share) == 1 else share[np.searchsorted(scorer.classes, y[rows])]
    return (
        rows,
        X[rows],
        y[rows],
        None if weight is None else weight[rows],
        union_probabilities(later[rows], a),
    )


def _gather(parts, starts):
    """The chunks' ``(positions, X rows, y rows, weights, ...)`` (a list,
    emptied on the way) as one set of rows with their indices in the whole
    array; a dense ``X`` is copied chunk by chunk into its place, so that the
    kept rows are held about once, not twice."""
    indices = np.concatenate(
        [start + p[0] for p, start in zip(parts, starts, strict=True)]
    )
    rest = [
        None if parts[0][k] is None else np.concatenate([p[k] for p in parts])
        for k in range(2, len(parts[0]))
    ]
    first = parts[0][1]
    if sparse.issparse(first):
        X = sparse.vstack([p[1] for p in parts], format="csr")
    else:
        X = np.empty((len(indices), first.shape[1]), dtype=first.dtype)
        at = 0
        for b in range(len(parts)):
            block = parts[b][1]
            X[at : at + len(block)] = block
            at += len(block)
            parts[b] = None
    return indices, X, *rest


def uniform_rows(X, y, sample_weight, *, stratify, n_keep, seed, finite):
    """``n_keep`` uniformly random rows (with ``stratify``, in proportion to
    the classes, every class at least one): ``(indices, X, y,
    sample_weight)`` of the kept rows, gathered in one pass over ``X``
    (checked finite on the way with ``finite``)."""
    if stratify:
        classes, counts = census(y, classifier=True)
    else:
        classes, counts = None, np.asarray(X.chunks[0])[:, np.newaxis]
    ranks = pilot_ranks(counts.sum(axis=0), n_keep, seed)
    return _take_ranks(X, y, sample_weight, classes, counts, ranks, finite)


def _take_ranks(X, y, sample_weight, classes, counts, ranks, finite=True):
    import dask

    before = np.vstack(
        [np.zeros(counts.shape[1], dtype=np.int64), np.cumsum(counts, 0)]
    )
    weights = (
        [None] * X.numblocks[0] if sample_weight is None else _blocks(sample_weight)
    )
    starts = _starts(X)
    take = dask.delayed(_pilot_block)
    parts = list(
        dask.compute(
            *[
                take(xb, yb, wb, classes, ranks, before[b], starts[b], finite)
                for b, (xb, yb, wb) in enumerate(
                    zip(_blocks(X), _blocks(y), weights, strict=True)
                )
            ]
        )
    )
    return _gather(parts, starts)


def weighted_by_pilot(
    X, y, sample_weight, *, classifier, plan, scorer_params, finite=True
):
    """OSMAC's two steps on a dask array (see the module's docstring).

    ``plan`` a :class:`~skprune.rows.scoring._scorers.PilotPlan`;
    ``scorer_params``: the fit
    parameters of the pilot model (row-aligned numpy ones taken at the pilot
    rows, ``sample_weight`` the pilot rows' own); with ``finite`` every chunk
    is checked finite (the pilot's pass). Returns ``(indices, X, y, sample_weight,
    weights, pilot_indices)``: the kept rows in memory, their ``1 / pi``
    (Horvitz-Thompson) weights, and the pilot rows among them.
    """
    import dask

    classes, counts = census(y, classifier)
    if classes is not None and len(classes) < 2:
        raise ValueError(
            f"The pilot needs rows of two classes at least; y holds only {classes}."
        )
    pilot_index, scorer, share = _fit_pilot(
        X, y, sample_weight, classes, counts, plan, scorer_params, finite
    )
    scorer_task = dask.delayed(scorer)
    pilot_rows, step, lows, highs, n_points = _second_step(
        X, y, scorer_task, pilot_index, plan
    )
    start = plan.rng().random_sample()
    x_blocks, y_blocks = _blocks(X), _blocks(y)
    weights = (
        [None] * len(x_blocks) if sample_weight is None else _blocks(sample_weight)
    )
    draw = dask.delayed(_draw_block)
    parts = list(
        dask.compute(
            *[
                draw(
                    x_blocks[b],
                    y_blocks[b],
                    weights[b],
                    scorer_task,
                    pilot_rows[b],
                    step,
                    lows[b],
                    highs[b],
                    start,
                    n_points,
                    share,
                )
                for b in range(len(x_blocks))
            ]
        )
    )
    indices, X_kept, y_kept, w_kept, probabilities = _gather(parts, _starts(X))
    check_kept(len(indices), plan.n_keep)
    return indices, X_kept, y_kept, w_kept, 1.0 / probabilities, pilot_index


def _fit_pilot(X, y, sample_weight, classes, counts, plan, scorer_params, finite):
    """OSMAC's first step: ``(pilot rows, fitted pilot scorer, share)``, the
    pilot drawn by rank from the class counts, brought into memory and fit;
    ``share`` the pilot's share of each class (of all rows for a
    regressor)."""
    n_rows = X.shape[0]
    classifier = classes is not None
    sizes = counts.sum(axis=0)
    size = plan.pilot_rows(len(sizes) if classifier else 1)
    check_count(plan.n_keep, size)
    ranks = pilot_ranks(sizes, size, plan.pilot_seed)
    pilot_index, X_pilot, y_pilot, w_pilot = _take_ranks(
        X, y, sample_weight, classes, counts, ranks, finite
    )
    params = {
        key: take_rows(value, pilot_index, n_rows)
        for key, value in scorer_params.items()
        if key != "sample_weight"
    }
    if "sample_weight" in scorer_params and w_pilot is not None:
        params["sample_weight"] = w_pilot
    scorer = PilotScorer.fit(
        plan.strategy, plan.scorer, X_pilot, y_pilot, classes, params
    )
    if classifier:
        share = class_shares(np.searchsorted(classes, y_pilot), sizes)
    else:
        share = np.array([len(pilot_index) / n_rows])
    return pilot_index, scorer, share


def _second_step(X, y, scorer_task, pilot_index, plan):
    """The plan of OSMAC's second draw from each chunk's summary (its cost
    mass and its costliest rows, asked for more where the plan falls short):
    ``(pilot rows per chunk, step, lows, highs, n_points)``, the systematic
    sample's intervals per chunk and its number of points."""
    import dask

    n_rows = X.shape[0]
    starts = _starts(X)
    stops = starts + np.asarray(X.chunks[0])
    lo_hi = np.searchsorted(pilot_index, np.column_stack([starts, stops]))
    pilot_rows = [
        pilot_index[lo:hi] - s for (lo, hi), s in zip(lo_hi, starts, strict=True)
    ]
    counts_free = np.asarray(X.chunks[0]) - np.array([len(p) for p in pilot_rows])
    n_second = plan.n_keep - len(pilot_index)
    n_top = [top_share(c, counts_free.sum(), n_second) for c in counts_free]

    x_blocks, y_blocks = _blocks(X), _blocks(y)
    summarize = dask.delayed(_summary_block)

    def summaries_of(chunks):
        return dask.compute(
            *[
                summarize(
                    x_blocks[b], y_blocks[b], scorer_task, pilot_rows[b], n_top[b]
                )
                for b in chunks
            ]
        )

    summaries = list(summaries_of(range(len(x_blocks))))
    while True:
        step, short = plan_second_step(
            summaries, n_rows, n_second, WEIGHTED_UNIFORM_SHARE
        )
        if not short:
            break
        for b in short:
            n_top[b] = min(counts_free[b], n_top[b] * MORE_TOP)
        for b, summary in zip(short, summaries_of(short), strict=True):
            summaries[b] = summary

    certain, masses = zip(*(step.free_mass(s) for s in summaries), strict=True)
    n_points = n_second - sum(certain)
    lows, highs = intervals(np.array(masses), n_points)
    return pilot_rows, step, lows, highs, n_points
