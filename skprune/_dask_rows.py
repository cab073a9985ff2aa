"""SampleSubsetter's fit on a dask array: the rules that run block by block.

Uniform rows (``strategy="random"``) and OSMAC's two steps (a pilot model fit
on a small uniform sample, then the weighted rule over every chunk where it
lives) are the two; every other rule raises a ``ValueError`` that says why.
The block mechanics (row chunks, ranks, the pilot pass) are in
:mod:`skprune._dask`; the scoring parameters are read as in memory
(:class:`~skprune._row_scoring.RowScoring`).
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    has_fit_parameter,
)

from ._dask import as_row_chunks, is_dask_collection, uniform_rows, weighted_by_pilot
from ._masks import resolve_n_keep
from ._row_scoring import NEEDS_FINITE_X, PILOT_COSTS, RowScoring
from .utils._validation import take_rows


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
    n_keep = resolve_n_keep(
        n_samples,
        prune_ratio=subsetter.prune_ratio,
        n_keep=subsetter.n_keep,
        item_name="rows",
    )
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
