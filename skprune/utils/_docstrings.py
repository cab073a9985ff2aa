"""Docstring text several estimators share, written once.

As imbalanced-learn's ``Substitution`` does: a docstring holds ``%(name)s``
where a shared fragment goes, and ``@Substitution(name=TEXT)`` on the class
fills it in. Only ``%(name)s`` placeholders are touched (a docstring may hold
other ``%`` signs), and a placeholder without a fragment is an error at
import, never a hole in the rendered help.
"""

import re

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def substitute(text, **fragments):
    """``text`` with every ``%(name)s`` replaced by ``fragments[name]``.

    >>> substitute("a %(b)s c, 100 %", b="B")
    'a B c, 100 %'
    """

    def fill(match):
        name = match.group(1)
        if name not in fragments:
            raise KeyError(
                f"The docstring holds %({name})s, but no fragment of that name "
                f"was given (given: {sorted(fragments)})."
            )
        return fragments[name]

    return _PLACEHOLDER.sub(fill, text)


class Substitution:
    """Class (or function) decorator: fill the docstring's ``%(name)s``
    placeholders with the given fragments (see :func:`substitute`)."""

    def __init__(self, **fragments):
        self.fragments = fragments

    def __call__(self, obj):
        obj.__doc__ = substitute(obj.__doc__, **self.fragments)
        return obj


# The coefficient criteria that CoefficientPruner and the logistic estimators
# share (``_criteria.LINEAR_CRITERIA`` / ``LOGISTIC_CRITERIA``): the items of
# a parameter's description, the first line to follow a placeholder indented
# as the others are. Each estimator adds what applies to
# it alone (the callable's signature, which models a criterion needs).
CRITERIA = """\
- ``"magnitude"``: ``|w|``;
        - ``"scaled_magnitude"``: ``|w_j| * std(x_j)``, the magnitude the
          weight would have on a standardized feature (sparse ``X`` is not
          densified);
        - ``"gradient"``: first-order Taylor, ``|w| * sum_i |dloss_i/dw| / n``
          over the training rows (unweighted), with the model's loss: the log
          loss of a classifier with ``predict_proba``, the squared error of a
          regressor, a network's own loss. The gradient is accumulated in
          absolute value row by row because its plain sum is useless at a
          converged L2-regularised model: there ``dL/dw = -alpha * w`` (the
          penalty balances it), so ``|w * dL/dw|`` ranks by ``w**2`` exactly
          as ``"magnitude"`` does. For a linear model the score is
          ``|w_j| * mean_i |r_i| |x_ij|`` (``r_i`` the row's residual,
          ``p_i - y_i`` for a logistic model): the weight's magnitude scaled
          by feature ``j``'s size where the model errs;
        - ``"gradient_misclassified"``: the same on the misclassified training
          rows only, each weight's contribution to the misclassification (all
          rows when none is misclassified); classifiers only;
        - ``"obd"``: Optimal Brain Damage, ``w_j**2 * H_jj / 2`` with the
          exact diagonal of the logistic Hessian ``X^T D X + lambda I``: the
          loss increase of removing one weight;
        - ``"obs"``: Optimal Brain Surgeon, greedy removal by
          ``w_q**2 / (2 [H^-1]_qq)`` with the weight-compensation update and
          an inverse Hessian downdated per removal (grouped per column for
          ``granularity="feature"``). The dense ``H^-1`` is formed only while
          the live problem has at most 1000 free parameters; above that OBS
          ranks by OBD, so early rounds of a large problem use OBD and OBS
          takes over as the live set shrinks;
        - ``"random"``: uniform scores from ``random_state`` (a baseline);"""


# the data both meta-estimators' fit takes (its inner estimator's)
FIT_DATA_PARAMETERS = """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input stays sparse.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values."""
