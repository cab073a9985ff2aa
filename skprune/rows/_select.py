"""The straight line of a SampleSubsetter's selection on rows in memory:
the plan, the label check, the scores, the rule (pure apart from the models
it fits; the estimator stores what it returns)."""

from dataclasses import dataclass

import numpy as np

from ..utils._validation import display_label
from .scoring._plan import RowScoring, encode_labels
from .selection._choose import choose_rows
from .selection._one_read import draw_by_pilot, first_phase_in_memory


@dataclass
class Selected:
    """What :func:`select_rows` chose: the kept ``mask``, the weights on every
    row (``None`` when unweighted), the scores, the rule applied, the rows
    set aside as mislabelled, the pilot rows, the strategy that scored and
    the label check's noise estimate."""

    mask: np.ndarray
    weights: np.ndarray
    scores: np.ndarray
    rule: str
    label_issues: np.ndarray
    pilot_rows: np.ndarray
    strategy: object
    noise_rate: object


def select_rows(subsetter, X, y, fit_params, *, weights_ok):
    """Score the rows of ``X`` (validated) and choose the kept ones, as
    ``subsetter``'s parameters say (``weights_ok``: whether the kept rows can
    carry weights)."""
    scoring = RowScoring.of(subsetter)
    scoring.check(X)
    n_keep = scoring.kept_count(X.shape[0])
    pilot, clean_labels = scoring.plan(weights_ok)
    noise_rate = set_aside = None
    if clean_labels in ("check", "checked"):
        # the cheap check: a few pilot-sized fits; rows set aside when it
        # finds the labels noisy (always for "checked")
        noise_rate, set_aside = scoring.check_noise(
            X, y, fit_params, n_keep, always=clean_labels == "checked"
        )
        clean_labels = False
    if pilot and scoring.rule(weights_ok) == "weighted":
        # OSMAC's two steps, drawn from a first phase gathered in one read
        return weighted_by_pilot(
            scoring, X, y, fit_params, n_keep, set_aside, noise_rate
        )
    oof = scoring.predictions(X, y, fit_params, n_keep=n_keep, pilot=pilot)
    selection = choose_rows(
        X,
        oof.y,
        oof,
        strategy=scoring.strategy,
        keep=subsetter.keep,
        n_keep=n_keep,
        stratify=subsetter.stratify,
        reweight=subsetter.reweight,
        random_state=subsetter.random_state,
        weights_ok=weights_ok,
        clean_labels=clean_labels,
        set_aside=set_aside,
    )
    return Selected(
        selection.mask,
        selection.weights,
        selection.scores,
        selection.rule,
        selection.label_issues,
        oof.rows if pilot else None,
        scoring.strategy,
        noise_rate,
    )


def weighted_by_pilot(
    scoring, X, y, fit_params, n_keep, set_aside, noise_rate, **design
):
    """The weighted rule scored by a pilot on rows in memory
    (:mod:`~skprune.rows.selection._one_read`): the rows outside the first
    phase are never scored (their ``sample_scores_`` are NaN). ``design``:
    ``factor`` (the first phase's) and ``uniform_share``, for the benchmarks'
    study of them."""
    n = X.shape[0]
    classes, y_codes, y = encode_labels(scoring.estimator, y)
    scorer, scorer_params = scoring.scorer(fit_params)
    plan = scoring.pilot_plan(n_keep, X.shape[1], scorer)
    phase = first_phase_in_memory(
        X,
        y,
        y_codes,
        classes,
        fit_params.get("sample_weight"),
        n_keep,
        plan.pilot_seed,
        **{k: v for k, v in design.items() if k == "factor"},
    )
    drawn = draw_by_pilot(
        phase,
        n_keep,
        plan,
        scorer_params,
        set_aside=None if set_aside is None else set_aside[phase.index],
        **{k: v for k, v in design.items() if k == "uniform_share"},
    )
    kept = phase.index[drawn.kept]
    mask = np.zeros(n, dtype=bool)
    mask[kept] = True
    weights = np.zeros(n)
    weights[kept] = drawn.weights
    scores = np.full(n, np.nan)
    scores[phase.index] = -drawn.hardness
    pilot_rows = np.zeros(n, dtype=bool)
    pilot_rows[phase.index[drawn.pilot]] = True
    return Selected(
        mask,
        weights,
        scores,
        "weighted",
        set_aside,
        pilot_rows,
        scoring.strategy,
        noise_rate,
    )


def check_class_target(y, classifier):
    """The errors of a target no row selection can serve, before it is
    validated: a multilabel or multi-output target for a classifier (one
    class label a row; imbalanced-learn's samplers' message)."""
    shape = getattr(y, "shape", None)
    if shape is None and isinstance(y, list):
        shape = np.shape(y)
    if classifier and shape is not None and len(shape) == 2 and shape[1] > 1:
        raise ValueError(
            "Multilabel and multioutput targets are not supported. "
            f"SampleSubsetter keeps rows by one class label each; y has "
            f"shape {shape}."
        )


def check_two_classes(y):
    """A validated classification target of one class has no rows to choose
    among (imbalanced-learn's samplers say "class" in this error)."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            "SampleSubsetter can't choose rows when only one class is "
            f"present: y has 1 class ({display_label(classes[0])!r}); "
            "a classifier needs samples of at least 2 classes."
        )
