"""The plan of a SampleSubsetter's fit: which rule, how many rows, which
model scores them, fit on which rows.

:class:`RowScoring` reads the subsetter's parameters once and answers the
questions its ``fit`` asks before any row is kept: do the parameters go
together (:meth:`~RowScoring.check`), how many rows are kept
(:meth:`~RowScoring.kept_count`), which rule applies (:func:`resolve_keep`),
does a pilot model or out-of-fold models score the rows
(:meth:`~RowScoring.plan`), and what those models predict
(:meth:`~RowScoring.predictions`; the weighted rule's pilot is
:mod:`skprune.rows.selection._one_read`'s). The dask fit asks the same questions
(:mod:`skprune.rows._dask`).
"""

from dataclasses import dataclass, fields, replace

import numpy as np
from scipy import sparse
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import has_fit_parameter

from ...utils._arrays import resolve_n_keep
from ._noise_check import check_label_noise, noise_pilot_size
from ._scorers import (
    OutOfFold,
    Pilot,
    PilotPlan,
    draw_pilot,
    pilot_size,
)
from ._strategies import (
    COST_STRATEGIES,
    MODEL_STRATEGIES,
    REGRESSION_STRATEGIES,
    SELECTOR_NAMES,
)

# the costs a pilot model scores (the weighted rule's strategies)
PILOT_COSTS = tuple(s for s in MODEL_STRATEGIES if s in COST_STRATEGIES)
# the strategies that measure distances or norms on X, which NaN breaks
NEEDS_FINITE_X = ("grand", "mmse", "prototype", "kcenter", "herding")


@dataclass(frozen=True)
class RowScoring:
    """The scoring parameters of a :class:`~skprune.SampleSubsetter`."""

    estimator: object
    prune_ratio: object
    n_keep: object
    strategy: object
    keep: str
    reweight: bool
    scoring_estimator: object
    score_by: str
    pilot_size: object
    clean_labels: object
    cv: object
    random_state: object
    n_jobs: object
    # strategy="auto" resolved (resolved): the rule it stands for is in
    # ``strategy``, and clean_labels="auto" checks the labels for noise
    from_auto: bool = False

    @classmethod
    def of(cls, subsetter):
        """The scoring parameters of ``subsetter``, as they are now, with
        ``strategy="auto"`` resolved (:func:`auto_strategy`)."""
        scoring = cls(
            **{
                f.name: getattr(subsetter, f.name)
                for f in fields(cls)
                if f.name != "from_auto"
            }
        )
        if isinstance(scoring.strategy, str) and scoring.strategy == "auto":
            return replace(
                scoring, strategy=auto_strategy(scoring.estimator), from_auto=True
            )
        return scoring

    @property
    def strategy_name(self):
        return self.strategy if isinstance(self.strategy, str) else "callable"

    def check(self, X):
        """Raise the ``ValueError`` that says why these parameters cannot go
        together (``X``: the validated rows, or ``None`` when not at hand)."""
        classifier = is_classifier(self.estimator)
        strategy = "auto" if self.from_auto else self.strategy
        name = self.strategy_name
        if self.from_auto and self.keep != "auto":
            raise ValueError(
                'strategy="auto" chooses the keep rule with the strategy; '
                f'keep must be "auto", got keep={self.keep!r}. Name a strategy '
                "to choose the rule yourself."
            )
        if not classifier and name not in (*REGRESSION_STRATEGIES, "callable"):
            raise ValueError(
                f"strategy={strategy!r} needs a classifier; with the "
                f"regressor {type(self.estimator).__name__} use one of "
                f"{list(REGRESSION_STRATEGIES)} or a callable."
            )
        if self.prune_ratio == "auto" and name != "noise":
            raise ValueError(
                'prune_ratio="auto" estimates the number of wrong labels, so it '
                f'needs strategy="noise"; got strategy={strategy!r}.'
            )
        if self.reweight and name != "noise":
            raise ValueError(
                "reweight=True weights the rows kept after removing wrong "
                f'labels, so it needs strategy="noise"; got strategy={strategy!r}.'
            )
        if name in NEEDS_FINITE_X and X is not None and _has_nan(X):
            raise ValueError(
                f"strategy={name!r} measures distances or norms on X, which "
                "contains NaN; impute X first or use a strategy that scores "
                'rows by a model ("margin", "loss", "el2n", "noise").'
            )
        if self.clean_labels != "auto" and self.clean_labels and not classifier:
            raise ValueError(
                "clean_labels=True sets aside rows whose class label looks "
                "wrong, so it needs a classifier; got the regressor "
                f"{type(self.estimator).__name__}."
            )
        cleaning = self.clean_labels != "auto" and bool(self.clean_labels)
        if self.score_by == "pilot" and (name == "noise" or cleaning):
            what = 'strategy="noise"' if name == "noise" else "clean_labels=True"
            raise ValueError(
                f"{what} finds wrong labels, which needs every row judged by a "
                'model that did not see it; use score_by="out_of_fold" (or '
                '"auto").'
            )
        # rules that cannot apply: early error
        rule = resolve_keep(self.keep, self.strategy)
        uniform_checked = self.from_auto and name == "random"
        if cleaning and not uniform_checked and rule not in ("weighted", "coverage"):
            raise ValueError(
                "clean_labels=True sets rows aside before a sampling rule draws "
                f'(keep="weighted" or "coverage"); strategy={name!r} with '
                f'keep={self.keep!r} applies {rule!r}. Use strategy="noise" to '
                "remove wrong labels by themselves."
            )
        takes_weights = has_fit_parameter(self.estimator, "sample_weight")
        if (self.keep == "weighted" or self.reweight) and not takes_weights:
            what = "reweight=True" if self.reweight else 'keep="weighted"'
            raise ValueError(
                f"{what} gives the kept rows weights, but "
                f"{type(self.estimator).__name__}.fit takes no sample_weight; "
                + (
                    "use reweight=False."
                    if self.reweight
                    else 'use keep="coverage" or keep="easy".'
                )
            )

    def rule(self, weights_ok):
        """The rule ``keep`` resolves to, ``None`` while a callable's scores
        are unknown."""
        if callable(self.strategy):
            return None
        return resolve_keep(self.keep, self.strategy, weights_ok=weights_ok)

    def plan(self, weights_ok):
        """``(pilot, clean_labels)``: whether a pilot model scores the rows
        (else out-of-fold models, fit only if something reads them), and
        what ``clean_labels`` means here.

        ``score_by="auto"`` scores by a pilot for the weighted rule (OSMAC's
        two steps; ``benchmarks/bench_data_efficiency.py`` compares it with
        out-of-fold scores) and out of fold for the rankings (a pilot would
        rank its own rows in-sample) and wherever wrong labels are looked
        for.
        """
        rule = self.rule(weights_ok)
        clean = self.clean_labels
        if clean != "auto":
            clean = bool(clean)
        else:
            # CCS sets the hardest (likely mislabelled) rows aside before its
            # bins
            clean = (
                self.score_by != "pilot"
                and is_classifier(self.estimator)
                and (rule == "coverage" or (rule is None and self.keep != "weighted"))
            )
        if clean and self.from_auto and self.strategy == "random":
            # uniform rows set aside what the cheap check flags, noisy or not
            return False, "checked"
        needs_oof = self.strategy_name == "noise" or clean
        pilot = self.strategy_name in MODEL_STRATEGIES and (
            self.score_by == "pilot"
            or (self.score_by == "auto" and rule == "weighted" and not needs_oof)
        )
        if self.clean_labels == "auto" and not clean:
            # the weighted rule scored by a pilot, and the rows of
            # strategy="auto": set aside what the cheap check flags, when it
            # finds the labels noisy
            checked = (pilot and rule == "weighted") or (
                self.from_auto and self.strategy == "random"
            )
            if checked and is_classifier(self.estimator):
                return pilot, "check"
        return pilot, "auto" if self.clean_labels == "auto" and clean else clean

    def check_noise(self, X, y, fit_params, n_keep, *, always=False):
        """``(noise rate, rows set aside)``: the cheap label-noise check
        (:func:`~skprune.rows.scoring._noise_check.check_label_noise`) of a
        pilot of :func:`noise_pilot_size` rows, whatever is kept, drawn from
        a seed
        of its own (the pilot's and the draw's streams stay as they are), and
        the rows it flags when it finds the labels noisy (``always``: whatever
        it finds), else ``None``."""
        classes, y_codes, y = encode_labels(self.estimator, y)
        scorer, fit_params = self.scorer(fit_params)
        seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=3
        )[2]
        check = check_label_noise(
            X,
            y,
            y_codes,
            classes,
            scorer,
            fit_params,
            size=noise_pilot_size(*X.shape),
            seed=seed,
        )
        if check.rate is None or not (check.noisy or always):
            return check.rate, None
        return check.rate, check.flags(X, y_codes, n_keep)

    def scorer(self, fit_params):
        """The model that scores the rows (see ``scoring_estimator``) and the
        fit parameters its fits get (the user's are for their estimator)."""
        classifier = is_classifier(self.estimator)
        scorer = self.scoring_estimator
        if scorer is None:
            usable = (
                hasattr(self.estimator, "predict_proba")
                or hasattr(self.estimator, "decision_function")
                if classifier
                else hasattr(self.estimator, "predict")
            )
            scorer = self.estimator if usable else LogisticRegression(max_iter=1000)
        if scorer is not self.estimator:
            fit_params = {}
        return scorer, fit_params

    def predictions(self, X, y, fit_params, *, n_keep=None, pilot=False):
        """The scorer's predictions of every row: an
        :class:`~skprune.rows.scoring._scorers.OutOfFold`, or with ``pilot`` a
        :class:`~skprune.rows.scoring._scorers.Pilot` sized for ``n_keep`` kept rows."""
        classes, y_codes, y = encode_labels(self.estimator, y)
        scorer, fit_params = self.scorer(fit_params)
        shared = dict(
            X=X,
            y=y,
            y_codes=y_codes,
            classes=classes,
            scorer=clone(scorer),
            fit_params=fit_params,
        )
        if pilot:
            n_classes = 1 if classes is None else len(classes)
            plan = self.pilot_plan(n_keep, X.shape[1], scorer)
            rows = draw_pilot(
                y_codes, X.shape[0], plan.pilot_rows(n_classes), plan.pilot_seed
            )
            return Pilot(**shared, rows=rows)
        return OutOfFold(
            **shared, cv=self.cv, random_state=self.random_state, n_jobs=self.n_jobs
        )

    def pilot_plan(self, n_keep, n_features, scorer):
        """The :class:`~skprune.rows.scoring._scorers.PilotPlan` of this fit:
        the pilot's
        size (``pilot_size``; the pilot rows are kept, every class gets one)
        and its own seed, apart from the stream the sampling rules draw from
        (seeded as ``choose_rows`` seeds it)."""
        size = self.pilot_size
        if size == "auto":  # the classes' floor is the plan's (pilot_rows)
            size = pilot_size(n_keep, n_features)
        # the first seed is the one choose_rows draws its stream from
        sampling_seed, pilot_seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=2
        )
        return PilotPlan(
            strategy=self.strategy,
            scorer=scorer,
            n_keep=n_keep,
            size=size,
            pilot_seed=pilot_seed,
            sampling_seed=sampling_seed,
        )

    def kept_count(self, n_samples):
        """The exact count of kept rows (``n_keep``, else ``prune_ratio`` of
        ``n_samples``); ``None`` for ``prune_ratio="auto"``, where exactly the
        rows whose labels look wrong go."""
        if self.n_keep is None and self.prune_ratio == "auto":
            return None
        return resolve_n_keep(
            n_samples,
            prune_ratio=self.prune_ratio,
            n_keep=self.n_keep,
            item_name="rows",
        )


def auto_strategy(estimator):
    """What ``strategy="auto"`` stands for with ``estimator``: the weighted
    rule's cost (``"grand"``) for a linear classifier whose ``fit`` takes
    ``sample_weight``, uniform rows (``"random"``) for every other learner.
    ``benchmarks/bench_data_efficiency.py`` measures both choices."""
    if (
        is_classifier(estimator)
        and isinstance(estimator, LinearClassifierMixin)
        and has_fit_parameter(estimator, "sample_weight")
    ):
        return "grand"
    return "random"


def encode_labels(estimator, y):
    """``(classes, y_codes, y)`` of a classifier's labels (checked), or
    ``(None, None, y as float)`` for a regressor."""
    if is_classifier(estimator):
        check_classification_targets(y)
        classes, y_codes = np.unique(y, return_inverse=True)
        return classes, y_codes, y
    return None, None, np.asarray(y, dtype=np.float64)


def _has_nan(X):
    data = X.data if sparse.issparse(X) else X
    if data.dtype.kind != "f" or np.isfinite(data.sum()):
        return False  # a NaN anywhere makes the sum NaN: no n x d mask
    return bool(np.isnan(data).any())


KEEP_RULES = ("auto", "easy", "hard", "weighted", "coverage")


def resolve_keep(keep, strategy, scores=None, *, weights_ok=True):
    """The selection rule ``keep="auto"`` stands for, and the checks that make
    a rule that cannot apply a clear error instead of a silent choice.

    - ``"random"`` keeps uniformly random rows (the scores are random);
    - ``"noise"`` removes the likely-wrong labels first (``"easy"``);
    - k-center and herding pick their rows themselves;
    - a cost (``"loss"``, ``"el2n"``, ``"grand"``, ``"mmse"``,
      ``"prototype"``, or a callable whose scores are never positive) is
      importance-sampled (``"weighted"``) when the kept rows can carry
      weights (``weights_ok``), else sampled across score bins like any
      other ranking (``"coverage"``).
    """
    name = strategy if isinstance(strategy, str) else "callable"
    if name in SELECTOR_NAMES:
        if keep != "auto":
            raise ValueError(
                f"strategy={name!r} picks its rows itself (a greedy coreset); "
                f'keep must be "auto", got keep={keep!r}.'
            )
        return name
    if name == "noise":
        if keep not in ("auto", "easy"):
            raise ValueError(
                'strategy="noise" removes the rows whose labels look wrong; '
                f'keep={keep!r} would keep them. Use keep="easy" (or "auto").'
            )
        return "easy"
    is_cost = name in COST_STRATEGIES or (
        name == "callable" and scores is not None and np.all(scores <= 0)
    )
    unknown = name == "callable" and scores is None  # checked once scored
    if keep == "weighted" and not is_cost and not unknown:
        raise ValueError(
            'keep="weighted" samples rows in proportion to a cost (minus the '
            "score), so it needs a strategy whose scores are never positive: "
            f"one of {list(COST_STRATEGIES)} or such a callable; got "
            f"strategy={name!r}."
        )
    if keep != "auto":
        return keep
    if name == "random":
        return "easy"
    return "weighted" if is_cost and weights_ok else "coverage"
