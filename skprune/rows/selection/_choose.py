"""From row scores to the kept rows: the keep rule, the class quotas, the draw.

:func:`choose_rows` is what ``SampleSubsetter`` does once a scorer's
predictions are at hand (out-of-fold models or a pilot); it is pure apart from
their cached predictions, so one set of fold models serves many counts and
rules (``benchmarks/bench_data_efficiency.py`` runs every rule through it).
The selection rules themselves (top-k, weighted, coverage, the greedy
coresets) are in :mod:`skprune.rows.selection._rules`.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ...utils._arrays import allocate
from ..scoring._plan import resolve_keep
from ..scoring._strategies import STRATEGIES
from ._coverage import coverage_rows
from ._greedy import SELECTORS, greedy_rows
from ._top_k import top_k_rows
from ._weighted import WEIGHTED_UNIFORM_SHARE, weighted_rows

# keep="coverage": equal-width score bins, as in the CCS repository.
COVERAGE_BINS = 50


@dataclass
class RowSelection:
    """The outcome of :func:`choose_rows`: the kept rows, the weights the
    estimator must get on them (``None`` when unweighted), every row's score
    (``None`` for a greedy selector), the rule that was applied and, when the
    rule used them, the rows confident learning flagged."""

    mask: np.ndarray
    weights: np.ndarray
    scores: np.ndarray
    rule: str
    label_issues: np.ndarray


def keep_every_class(quotas):
    """``quotas`` with every empty class given one row, taken from the classes
    that keep the most.

    >>> keep_every_class(np.array([5, 0, 3, 0])).tolist()
    [3, 1, 3, 1]
    """
    quotas = np.array(quotas)
    for k in np.flatnonzero(quotas == 0):
        quotas[np.argmax(quotas)] -= 1
        quotas[k] = 1
    return quotas


def choose_rows(
    X,
    y,
    oof,
    *,
    strategy,
    keep,
    n_keep,
    stratify,
    reweight,
    random_state,
    weights_ok=True,
    clean_labels=False,
    set_aside=None,
    uniform_share=WEIGHTED_UNIFORM_SHARE,
):
    """Score the rows of ``X`` and pick exactly the kept ones.

    ``oof`` is the :class:`~skprune.rows.scoring._scorers.OutOfFold` of the
    scorer, or the
    :class:`~skprune.rows.scoring._scorers.Pilot` (read only when the strategy
    or the rule
    needs it; a pilot's rows are kept by the weighted rule, which counts them
    in its design); ``n_keep`` the exact count, or ``None`` to remove exactly
    the flagged rows (``strategy="noise"``). Pure apart from ``oof``'s cached
    predictions, which lets one set of fold models serve many counts and
    rules. ``weights_ok`` says whether the kept rows can carry weights (what
    ``keep="auto"`` may choose); ``clean_labels`` sets the rows confident
    learning flags aside before either sampling rule draws (``"auto"``: for
    ``"coverage"`` only); ``set_aside`` (boolean) are rows flagged elsewhere
    (the cheap noise check,
    :mod:`~skprune.rows.scoring._noise_check`), which the uniform rows of
    ``strategy="random"`` then mostly leave out
    (:func:`uniform_rows_set_aside`).
    """
    # the sampling rules draw from their own stream, not the one the random
    # strategy's scores came from
    rng = np.random.RandomState(
        check_random_state(random_state).randint(np.iinfo(np.int32).max)
    )
    scores = score_rows(X, y, oof, strategy)
    rule = resolve_keep(keep, strategy, scores, weights_ok=weights_ok)
    if set_aside is not None and strategy == "random":  # "auto"'s, checked
        mask = uniform_rows_set_aside(
            oof.y_codes, n_keep, set_aside, stratify=stratify, rng=rng
        )
        return RowSelection(
            mask=mask, weights=None, scores=scores, rule=rule, label_issues=set_aside
        )
    quotas, n_keep, issues = class_quotas(oof, strategy, scores, n_keep, stratify)
    mask, weights, issues = draw_rows(
        X,
        oof,
        rule,
        scores,
        n_keep,
        quotas,
        issues if set_aside is None else set_aside,
        clean_labels=clean_labels,
        uniform_share=uniform_share,
        rng=rng,
    )
    if reweight:
        weights = oof.label_issues.class_weights()[oof.y_codes] * mask
    return RowSelection(
        mask=mask, weights=weights, scores=scores, rule=rule, label_issues=issues
    )


# uniform_rows_set_aside: the share of the kept rows drawn from every row,
# the rows set aside included (the weighted rule's uniform share)
SET_ASIDE_UNIFORM_SHARE = WEIGHTED_UNIFORM_SHARE


def uniform_rows_set_aside(
    y_codes, n_keep, set_aside, *, stratify, rng, share=SET_ASIDE_UNIFORM_SHARE
):
    """Exactly ``n_keep`` uniform rows, most of them away from the rows
    ``set_aside``: ``n_keep - round(share * n_keep)`` drawn from the other
    rows (in proportion to what is left of each class with ``stratify``,
    every class keeping a row), the rest from all the rows not yet drawn.

    The share drawn from every row keeps the rows set aside in the kept set
    at a fraction of their rate: without it, a learner fit where classes
    overlap sees them as separable and becomes overconfident (on 25 real
    sets with 10 % and 20 % of their labels flipped, the share traded about
    a point of accuracy for test log-loss no worse than random rows';
    ``benchmarks/bench_data_efficiency.py``).
    """
    n_first = n_keep - round(share * n_keep)
    pool = np.flatnonzero(~set_aside)
    mask = np.zeros(len(y_codes), dtype=bool)
    if stratify:
        sizes = np.bincount(y_codes)
        allocate(sizes, n_keep)  # the error when a class cannot keep one
        left = np.bincount(y_codes[pool], minlength=len(sizes))
        quotas = allocate(np.maximum(left, 1), max(n_first, len(sizes)))
        for k, quota in enumerate(quotas):
            members = pool[y_codes[pool] == k]
            if len(members) == 0:  # a class all set aside still keeps a row
                members = np.flatnonzero(y_codes == k)
            mask[rng.choice(members, min(quota, len(members)), replace=False)] = True
    else:
        mask[rng.choice(pool, min(n_first, len(pool)), replace=False)] = True
    rest = np.flatnonzero(~mask)
    mask[rng.choice(rest, n_keep - int(mask.sum()), replace=False)] = True
    return mask


def score_rows(X, y, oof, strategy):
    """Every row's score (higher is easier), ``None`` for a greedy selector."""
    if callable(strategy):
        n_samples = X.shape[0]
        scores = np.asarray(strategy(X, y), dtype=np.float64)
        if scores.shape != (n_samples,) or not np.all(np.isfinite(scores)):
            raise ValueError(
                "The strategy callable must return finite scores of shape "
                f"({n_samples},); got shape {scores.shape}."
            )
        return scores
    if strategy in SELECTORS:
        return None
    return STRATEGIES[strategy](X, y, oof)


def class_quotas(oof, strategy, scores, n_keep, stratify):
    """``(quotas, n_keep, flagged)``: the rows each class keeps (``None``:
    all rows ranked together), the count (``n_keep=None`` becomes the rows
    left once exactly the flagged ones go) and, for ``strategy="noise"``, the
    rows confident learning flagged, which go first."""
    classifier = oof.is_classifier
    if strategy != "noise":
        sizes = _class_sizes(oof) if classifier and stratify else None
        return (None if sizes is None else allocate(sizes, n_keep)), n_keep, None
    sizes = _class_sizes(oof)
    issues = oof.label_issues.flagged
    per_class = np.bincount(oof.y_codes[issues], minlength=len(sizes))
    if n_keep is None:  # prune_ratio="auto": exactly the flagged rows go
        quotas = sizes - np.minimum(per_class, sizes - 1)
        return quotas, int(quotas.sum()), issues
    if not stratify:
        return None, n_keep, issues  # all rows ranked together
    allocate(sizes, n_keep)  # the error when a class cannot keep one
    clean = sizes - per_class
    if n_keep >= clean.sum():
        # only flagged rows go: where the noise is (label noise is not
        # proportional to class sizes), every class keeping a row
        together = top_k_rows(scores, n_keep, drop_first=issues)
        quotas = keep_every_class(
            np.bincount(oof.y_codes[together], minlength=len(sizes))
        )
    else:
        # every flagged row goes, and the rest in proportion to what is left
        # of each class, so the classes keep their balance
        quotas = allocate(np.maximum(clean, 1), n_keep)
    return quotas, n_keep, issues


def draw_rows(
    X,
    oof,
    rule,
    scores,
    n_keep,
    quotas,
    issues,
    *,
    clean_labels,
    uniform_share,
    rng,
):
    """``(mask, weights, flagged)``: the rows ``rule`` keeps within the
    class ``quotas``, the weights of a weighted rule (``None`` otherwise) and
    the flagged rows it set aside or dropped first (``issues``; the weighted
    rule scored by a pilot, which counts the rows the label check flags at a
    fifth, is :mod:`~skprune.rows.selection._one_read`'s)."""
    n_samples = X.shape[0]
    groups = _class_groups(oof) if quotas is not None else None
    if rule in SELECTORS:
        mask = greedy_rows(X, n_keep, SELECTORS[rule], groups=groups, quotas=quotas)
        return mask, None, issues
    if rule in ("easy", "hard"):
        mask = top_k_rows(
            scores, n_keep, keep=rule, groups=groups, quotas=quotas, drop_first=issues
        )
        return mask, None, issues
    if clean_labels == "auto":
        clean_labels = rule == "coverage" and oof.is_classifier
    if clean_labels:
        issues = oof.label_issues.flagged
    if rule == "coverage":
        mask = coverage_rows(
            scores,
            n_keep,
            n_bins=COVERAGE_BINS,
            rng=rng,
            groups=groups,
            quotas=quotas,
            exclude=issues,
        )
        return mask, None, issues
    # the weighted rules' weights are scaled by one constant, so that they
    # average one over the kept rows in expectation: a penalty then weighs as
    # much as on n_keep unweighted rows (the Horvitz-Thompson weights sum to
    # the number of rows drawn from, n / n_keep times more)
    # importance sampling spreads the rows over the classes by their cost
    # (OSMAC: the rare class's rows are the informative ones), so the classes
    # get no quotas; stratify still keeps a row of each
    mask, weights = weighted_rows(
        -scores,
        n_keep,
        uniform_share=uniform_share,
        rng=rng,
        groups=None,
        quotas=None,
        exclude=issues,
        every_class=groups,
    )
    weights *= n_keep / _rows_drawn_from(n_samples, issues, n_keep)
    return mask, weights, issues


def _class_groups(oof):
    return [np.flatnonzero(oof.y_codes == k) for k in range(len(oof.classes))]


def _class_sizes(oof):
    return np.bincount(oof.y_codes, minlength=len(oof.classes))


def _rows_drawn_from(n_samples, exclude, n_keep):
    """How many rows the weighted rule drew from: all, less the rows set
    aside that the count did not need back."""
    if exclude is None:
        return n_samples
    return n_samples - min(int(exclude.sum()), n_samples - n_keep)
