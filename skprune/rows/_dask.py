"""SampleSubsetter's fit on a dask array: the rules that run block by block,
where the chunks live (this process's threads, or the workers of a
dask.distributed cluster); only the kept rows come into memory.

Uniform rows (``strategy="random"``) and OSMAC's two steps (a pilot model fit
on a small uniform sample, then the weighted rule) are the two; every other
rule raises a ``ValueError`` that says why. The parameters are read as in
memory (:class:`~skprune.rows.scoring._plan.RowScoring`).

The weighted rule reads every chunk of ``X`` once: one task per chunk
gathers the rows of the first phase (those whose uniform, a function of the
seed and the row's index alone, is below the rate; a few times the rows
kept), each class's count and its row of smallest uniform, checking the
chunk on the way; only those rows come back. The pilot, its scores and the
second step then run on them in memory
(:mod:`skprune.rows.selection._one_read`), so the same seed keeps the same
rows, with the same weights, as on the rows in memory, however ``X`` is
chunked. Uniform rows read ``y`` for the classes' census, then every chunk
of ``X`` once.
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
from .scoring._scorers import pilot_ranks, rows_of_ranks
from .selection._one_read import FirstPhase, draw_by_pilot, gathered_at_rate
from .selection._weighted import row_uniforms


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


def _check_weight(weight, start):
    if weight is not None and not np.all(np.isfinite(weight) & (weight >= 0)):
        raise ValueError(
            "sample_weight must be finite and non-negative (in the chunk of rows "
            f"from {start})."
        )


def _pilot_block(X, y, weight, classes, ranks, before, start, finite):
    """A chunk's pilot rows (or uniform rows): ``(positions, X rows, y rows,
    weights)``; with ``finite``, the chunk checked finite on the way (the one
    pass that reads every chunk before the scores)."""
    X = _as_float(X)
    if finite:
        _check_finite(X, start)
    _check_weight(weight, start)
    codes = None if classes is None else np.searchsorted(classes, y)
    rows = rows_of_ranks(codes, X.shape[0], ranks, before)
    return rows, X[rows], y[rows], None if weight is None else weight[rows]


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
    """OSMAC's two steps on a dask array, every chunk of ``X`` read once (see
    the module's docstring).

    ``plan`` a :class:`~skprune.rows.scoring._scorers.PilotPlan`;
    ``scorer_params``: the fit parameters of the pilot model (row-aligned
    numpy ones taken at the pilot rows, ``sample_weight`` the pilot rows'
    own); with ``finite`` every chunk is checked finite on the way. Returns
    ``(indices, X, y, sample_weight, weights, pilot_indices)``: the kept rows
    in memory, their weights (``(n_keep / n) / pi``) and the pilot rows.
    """
    phase = first_phase(
        X,
        y,
        sample_weight,
        plan.n_keep,
        plan.pilot_seed,
        classifier=classifier,
        finite=finite,
    )
    if classifier and len(phase.classes) < 2:
        raise ValueError(
            "The pilot needs rows of two classes at least; y holds only "
            f"{phase.classes}."
        )
    drawn = draw_by_pilot(phase, plan.n_keep, plan, scorer_params)
    kept = drawn.kept
    return (
        phase.index[kept],
        phase.X[kept],
        phase.y[kept],
        None if phase.sample_weight is None else phase.sample_weight[kept],
        drawn.weights,
        phase.index[drawn.pilot],
    )


def first_phase(X, y, sample_weight, n_keep, seed, *, classifier, finite):
    """The :class:`~skprune.rows.selection._one_read.FirstPhase` of a dask
    array: one task per chunk, each chunk read once (again, with a doubled
    rate, only if fewer than ``n_keep`` rows fell in the first phase: a
    probability under 1e-15). The chunks' rows are copied into one array as
    they are let go, so the first phase is held about once."""
    import dask

    n_rows = X.shape[0]
    starts = _starts(X)
    x_blocks, y_blocks = _blocks(X), _blocks(y)
    weights = (
        [None] * len(x_blocks) if sample_weight is None else _blocks(sample_weight)
    )
    task = dask.delayed(_phase_block)

    def gather(rate):
        return list(
            dask.compute(
                *[
                    task(xb, yb, wb, starts[b], rate, seed, classifier, finite)
                    for b, (xb, yb, wb) in enumerate(
                        zip(x_blocks, y_blocks, weights, strict=True)
                    )
                ]
            )
        )

    rate, parts = gathered_at_rate(
        n_rows, n_keep, gather, lambda got: sum(len(p[0][0]) for p in got)
    )
    # the small things first, then the rows, each chunk's let go once copied
    censuses = [p[2:] for p in parts]
    lowest = _gather([p[1] for p in parts], starts)
    rows = [p[0] for p in parts]
    del parts
    index, X_rows, y_rows, w_rows, u = _gather(rows, starts)
    if classifier:
        classes = np.unique(np.concatenate([labels for labels, _ in censuses]))
        check_classification_targets(classes)
        counts = np.zeros(len(classes), dtype=np.int64)
        for labels, n in censuses:
            counts[np.searchsorted(classes, labels)] += n
        # a class with no first-phase row keeps its row of smallest uniform
        codes = np.searchsorted(classes, lowest[2])
        extra = [
            np.flatnonzero(codes == k)[np.argmin(lowest[4][codes == k])]
            for k in np.searchsorted(classes, np.setdiff1d(classes, y_rows))
        ]
        if extra:
            index, X_rows, y_rows, w_rows, u = _merged(
                (index, X_rows, y_rows, w_rows, u),
                [None if a is None else a[extra] for a in lowest],
            )
    else:
        classes, counts = None, np.array([n_rows])
    return FirstPhase(
        index=index,
        X=X_rows,
        y=y_rows,
        sample_weight=w_rows,
        u=u,
        rate=rate,
        n_rows=n_rows,
        classes=classes,
        counts=counts,
    )


def _merged(rows, extra):
    """``rows`` and ``extra`` (``(index, X, y, weights, uniforms)`` each, the
    indices sorted) as one such set, in the order of the indices."""
    index = np.concatenate([rows[0], extra[0]])
    order = np.argsort(index, kind="stable")
    stacked = [index[order]]
    for a, b in zip(rows[1:], extra[1:], strict=True):
        if a is None:
            stacked.append(None)
        elif sparse.issparse(a):
            stacked.append(sparse.vstack([a, b], format="csr")[order])
        else:
            stacked.append(np.concatenate([a, b])[order])
    return tuple(stacked)


def _phase_block(X, y, weight, start, rate, seed, classifier, finite):
    """A chunk's share of the first phase: ``(rows, lowest, labels,
    counts)``. ``rows`` are ``(positions, X rows, y rows, weights,
    uniforms)`` of its rows whose uniform is below ``rate``; ``lowest`` the
    same of each of its labels' row of smallest uniform (a classifier's;
    none for a regression), with its labels and their counts (a regression:
    ``None`` and its row count). The chunk is checked (``finite``: its
    features) on the way."""
    X = _as_float(X)
    if finite:
        _check_finite(X, start)
    _check_weight(weight, start)
    u = row_uniforms(seed, np.arange(start, start + X.shape[0]))

    def take(rows):
        w = None if weight is None else weight[rows]
        return rows, X[rows], y[rows], w, u[rows]

    lowest = np.empty(0, dtype=np.intp)
    if classifier:
        labels, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        codes = codes.ravel()
        order = np.lexsort((u, codes))
        if len(u):
            lowest = order[np.r_[True, codes[order][1:] != codes[order][:-1]]]
    else:
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity.")
        labels, counts = None, len(u)
    return take(np.flatnonzero(u < rate)), take(np.sort(lowest)), labels, counts
