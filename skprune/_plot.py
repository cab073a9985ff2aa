"""PruningCurveDisplay: score against kept size, scikit-learn's Display way."""

import textwrap

import numpy as np

from .utils._docstrings import Substitution


def check_matplotlib(caller):
    """Import matplotlib.pyplot or raise an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of skprune: "
            'install it with pip install "skprune[plot]" (or pip install '
            "matplotlib)."
        ) from None
    return plt


# the parameters of a curve, which the class and ``from_path`` share
_CURVE_PARAMETERS = """\
levels : array-like of shape (n_levels,)
    The x values: kept counts, or prune ratios.
scores : array-like of shape (n_levels,)
    The score at each level (for cross-validation, the mean over folds).
std : array-like of shape (n_levels,), default=None
    Spread of the score at each level, drawn as a band.
level_name : str, default="kept count"
    Label of the x axis.
score_name : str, default="score"
    Label of the y axis."""


# what the two constructors that draw take beside their data
_DRAWING_PARAMETERS = """\
ax : matplotlib Axes, default=None
    Axes to draw on; a new figure when None.
**kwargs : dict
    Passed to :meth:`plot`."""


def _curve_parameters(indent):
    """The fragment indented for a docstring's parameter list at ``indent``."""
    return textwrap.indent(_CURVE_PARAMETERS, " " * indent).lstrip()


@Substitution(curve_parameters=_curve_parameters(4))
class PruningCurveDisplay:
    """Pruning curve: a score against how much of the model is kept.

    Build it with :meth:`from_estimator` (a fitted
    :class:`~skprune.PrunedLogisticRegressionCV`, or a fitted ``GridSearchCV``
    over ``prune_ratio`` or ``n_keep``) or :meth:`from_path` (your own
    levels and scores), then draw it with :meth:`plot`. matplotlib is an
    optional dependency (``pip install "skprune[plot]"``).

    Parameters
    ----------
    %(curve_parameters)s
    estimator_name : str, default=None
        Legend entry.

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The Display convention this follows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skprune import PruningCurveDisplay
    >>> display = PruningCurveDisplay.from_path([30, 10, 3], [0.97, 0.96, 0.91])
    >>> display.line_.get_xdata().tolist()  # drawn in increasing order
    [3, 10, 30]
    """

    def __init__(
        self,
        *,
        levels,
        scores,
        std=None,
        level_name="kept count",
        score_name="score",
        estimator_name=None,
    ):
        self.levels = np.asarray(levels)
        self.scores = np.asarray(scores, dtype=float)
        self.std = None if std is None else np.asarray(std, dtype=float)
        if self.levels.shape != self.scores.shape or self.levels.ndim != 1:
            raise ValueError(
                f"levels and scores must be 1-D of the same length; got shapes "
                f"{self.levels.shape} and {self.scores.shape}."
            )
        if self.std is not None and self.std.shape != self.scores.shape:
            raise ValueError("std must have the shape of scores.")
        self.level_name = level_name
        self.score_name = score_name
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, show_std=True, **kwargs):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend entry; defaults to ``estimator_name``.
        show_std : bool, default=True
            Shade ``scores +- std`` when ``std`` is known.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : PruningCurveDisplay
            This display, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        plt = check_matplotlib("PruningCurveDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        order = np.argsort(self.levels, kind="stable")
        x, y = self.levels[order], self.scores[order]
        kwargs.setdefault("marker", "o")
        (self.line_,) = ax.plot(x, y, label=name, **kwargs)
        if show_std and self.std is not None:
            spread = self.std[order]
            ax.fill_between(
                x, y - spread, y + spread, alpha=0.2, color=self.line_.get_color()
            )
        ax.set_xlabel(self.level_name)
        ax.set_ylabel(self.score_name)
        if name is not None:
            ax.legend(loc="lower right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    @Substitution(
        curve_parameters=_curve_parameters(8),
        drawing_parameters=textwrap.indent(_DRAWING_PARAMETERS, " " * 8).lstrip(),
    )
    def from_path(
        cls,
        levels,
        scores,
        *,
        std=None,
        level_name="kept count",
        score_name="score",
        name=None,
        ax=None,
        **kwargs,
    ):
        """Plot scores you computed yourself, e.g. along
        :func:`~skprune.logistic_pruning_path`.

        Parameters
        ----------
        %(curve_parameters)s
        name : str, default=None
            Legend entry.
        %(drawing_parameters)s

        Returns
        -------
        display : PruningCurveDisplay
            The drawn display.
        """
        display = cls(
            levels=levels,
            scores=scores,
            std=std,
            level_name=level_name,
            score_name=score_name,
            estimator_name=name,
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    @Substitution(
        drawing_parameters=textwrap.indent(_DRAWING_PARAMETERS, " " * 8).lstrip()
    )
    def from_estimator(cls, estimator, *, name=None, ax=None, **kwargs):
        """Plot the cross-validated curve of a fitted search.

        Parameters
        ----------
        estimator : PrunedLogisticRegressionCV or GridSearchCV
            Fitted. For a ``GridSearchCV``, the grid must vary a parameter
            named ``prune_ratio`` or ``n_keep`` (possibly inside a pipeline,
            ``step__prune_ratio``); when it varies others too, each level
            shows its best mean score over them.
        name : str, default=None
            Legend entry; defaults to the estimator's class name.
        %(drawing_parameters)s

        Returns
        -------
        display : PruningCurveDisplay
            The drawn display: ``mean_test_score`` against the kept count (or
            the searched parameter), with ``std_test_score`` as the band.
        """
        results = getattr(estimator, "cv_results_", None)
        if results is None:
            raise TypeError(
                "from_estimator needs a fitted PrunedLogisticRegressionCV or a "
                f"fitted GridSearchCV; got {type(estimator).__name__} "
                "without cv_results_."
            )
        name = type(estimator).__name__ if name is None else name
        if "n_keeps" in results:
            return cls.from_path(
                results["n_keeps"],
                results["mean_test_score"],
                std=results["std_test_score"],
                score_name="mean test score",
                name=name,
                ax=ax,
                **kwargs,
            )
        searched = [key[len("param_") :] for key in results if key.startswith("param_")]
        params = [
            p for p in searched if p.rsplit("__", 1)[-1] in ("prune_ratio", "n_keep")
        ]
        if not params:
            raise ValueError(
                "The search's grid varies no prune_ratio or n_keep parameter; "
                f"its parameters are {searched}."
            )
        param = params[0]
        values = np.asarray(results["param_" + param], dtype=float)
        means = np.asarray(results["mean_test_score"], dtype=float)
        stds = np.asarray(results["std_test_score"], dtype=float)
        levels = np.unique(values)
        best = [
            np.flatnonzero(values == v)[np.argmax(means[values == v])] for v in levels
        ]
        return cls.from_path(
            levels,
            means[best],
            std=stds[best],
            level_name=param,
            score_name="mean test score",
            name=name,
            ax=ax,
            **kwargs,
        )
