"""Parameter constraints the estimators share, each written once.

Values of ``_parameter_constraints`` (scikit-learn's ``_param_validation``):
an estimator writes ``"n_keep": N_KEEP`` and extends a list where its
parameter takes more, as ``[*PRUNE_RATIO, StrOptions({"auto"})]``.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import HasMethods, Interval

# the estimator a meta-estimator wraps
WRAPPED_ESTIMATOR = [HasMethods(["fit"])]
# share of the items removed: 0 keeps everything, and at least one survives
PRUNE_RATIO = [Interval(Real, 0, 1, closed="left")]
# exact count kept; None defers to prune_ratio
N_KEEP = [Interval(Integral, 1, None, closed="left"), None]
# prune-and-refit rounds
N_ITER = [Interval(Integral, 1, None, closed="left")]
N_JOBS = [Integral, None]
