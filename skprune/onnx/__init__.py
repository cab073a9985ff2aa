"""ONNX export of skprune's estimators, through skl2onnx.

Importing this module registers skl2onnx converters for every skprune
estimator, so that skl2onnx's own ``to_onnx(model, X_sample)`` converts a
fitted :class:`~skprune.CoefficientPruner`,
:class:`~skprune.PrunedLogisticRegression`,
:class:`~skprune.PrunedLogisticRegressionCV`,
:class:`~skprune.CoefficientQuantizer` or :class:`~skprune.SampleSubsetter`,
and any ``Pipeline`` holding one; :func:`to_onnx` is the same call. Needs the
``onnx`` extra (``pip install "skprune[onnx]"``: skl2onnx, onnx and
onnxruntime); ``import skprune`` alone never imports them.

What the graphs hold:

- a pruned model computes only its kept input columns: a ``Gather`` of those
  columns, then a ``MatMul`` with the weights of those columns only, so the
  file and the work shrink with the features kept; a neuron-pruned network
  is a smaller network;
- a quantized model stores what its ``n_bytes_`` counts: the kept weights'
  codes packed at ``n_bits`` each, the zero pattern as a bitmap or a CSR
  index, the grids or codebooks and the biases as float32; the graph decodes
  them when a runtime loads it (onnxruntime folds those constant nodes once);
- a ``CoefficientPruner`` before the last step of a ``Pipeline`` (or inside
  a ``FeatureUnion`` / ``ColumnTransformer``) is its ``transform``: a
  ``Gather`` of the kept columns. Anywhere else it predicts; the converter
  option ``transform`` (``options={id(pruner): {"transform": True}}``)
  chooses explicitly;
- a ``SampleSubsetter`` is its ``estimator_``, converted by that model's own
  converter;
- a classifier gives ``label`` and ``probabilities`` (the decision values for
  one without ``predict_proba``: ``[-d, d]`` for two classes), with
  skl2onnx's ``zipmap`` option; a regressor gives ``variable``, of shape
  ``(n_samples, n_targets)``.

The graph computes in the input's float type: ``FloatTensorType`` (pass a
float32 ``X_sample``) for float32 graphs, ``DoubleTensorType`` for float64
ones, which reproduce scikit-learn's predictions to rounding.
"""

import numpy as np

try:
    import skl2onnx
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _apply_zipmap, _parse_sklearn, update_registered_parser
    from skl2onnx._parse import sklearn_parsers_map as _parsers
    from skl2onnx.common._registration import (
        register_converter,
        register_shape_calculator,
    )
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "skprune.onnx needs the onnx extra (skl2onnx, onnx and onnxruntime): "
        'pip install "skprune[onnx]"'
    ) from error

from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from ..coefficients._coefficient_pruner import CoefficientPruner
from ..coefficients._quantizer import CoefficientQuantizer
from ..families.logistic._pruned_logistic import PrunedLogisticRegression
from ..families.logistic._pruned_logistic_cv import PrunedLogisticRegressionCV
from ..rows._sample_subsetter import SampleSubsetter
from ._graph import (
    MIN_OPSET,
    GraphWriter,
    deployable,
    write_forward,
    write_head,
    z_columns,
)
from ._trees import is_pruned_ensemble, tree_graph, write_trees

__all__ = ["to_onnx"]

SELECTOR = "SkpruneSelector"
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False]}


def to_onnx(model, X=None, **kwargs):
    """Convert a fitted skprune estimator, or a pipeline holding one, to ONNX.

    The same as ``skl2onnx.to_onnx(model, X, **kwargs)`` once this module is
    imported (which registers skprune's converters).

    Parameters
    ----------
    model : estimator
        A fitted skprune estimator, or any model skl2onnx converts that
        holds one (a ``Pipeline``, a ``ColumnTransformer``, ...).

    X : array-like of shape (n_samples, n_features), default=None
        A sample of the input: its dtype sets the graph's (float32 input,
        float32 graph). Or pass ``initial_types``.

    **kwargs : dict
        Passed to ``skl2onnx.to_onnx``: ``options`` (``zipmap``, and
        ``transform`` for a :class:`~skprune.CoefficientPruner`),
        ``target_opset`` (at least 13), ``initial_types``, ...

    Returns
    -------
    onnx_model : onnx.ModelProto
        The converted model, as ``skl2onnx.to_onnx`` returns it.
    """
    return skl2onnx.to_onnx(model, X, **kwargs)


# -- parsers: which outputs an operator has -----------------------------------


def _parse_predictor(scope, model, inputs, custom_parsers=None):
    defaults = {"zipmap": True}
    if isinstance(model, CoefficientPruner):
        defaults["transform"] = False
    options = scope.get_options(model, defaults)
    if options.get("transform"):
        operator = scope.declare_local_operator(SELECTOR, model)
        operator.inputs = inputs
        operator.outputs.append(scope.declare_local_variable("kept", inputs[0].type))
        return operator.outputs
    operator = scope.declare_local_operator(_alias(type(model)), model)
    operator.inputs = inputs
    float_type = _float_tensor(inputs[0].type)
    if not is_classifier(model):
        operator.outputs.append(scope.declare_local_variable("variable", float_type()))
        return operator.outputs
    operator.outputs.append(scope.declare_local_variable("label", Int64TensorType()))
    operator.outputs.append(scope.declare_local_variable("probabilities", float_type()))
    if options["zipmap"] is False:
        return operator.outputs
    return _apply_zipmap(
        options["zipmap"], scope, model, inputs[0].type, operator.outputs
    )


def _parse_subsetter(scope, model, inputs, custom_parsers=None):
    """A SampleSubsetter is its fitted ``estimator_``."""
    options = (scope.options or {}).get(id(model))
    if options:
        scope.add_options(id(model.estimator_), options)
    return _parse_sklearn(
        scope, model.estimator_, inputs, custom_parsers=custom_parsers
    )


def _transforming(steps):
    """Parser wrapper: the pruners among ``steps(model)`` are transformers
    (unless an option says otherwise)."""

    def wrap(parser):
        def parse(scope, model, inputs, custom_parsers=None):
            for step in steps(model):
                if isinstance(step, CoefficientPruner):
                    given = (scope.options or {}).get(id(step)) or {}
                    if "transform" not in given:
                        scope.add_options(id(step), {"transform": True})
            return parser(scope, model, inputs, custom_parsers=custom_parsers)

        return parse

    return wrap


# -- shape calculators ---------------------------------------------------------


def _float_tensor(input_type):
    return (
        DoubleTensorType
        if isinstance(input_type, DoubleTensorType)
        else FloatTensorType
    )


def _predictor_shapes(operator):
    n_rows = operator.inputs[0].get_first_dimension()
    float_type = _float_tensor(operator.inputs[0].type)
    model = _graph_of(operator.raw_operator)
    if model.classes is None:
        operator.outputs[0].type = float_type([n_rows, z_columns(model)])
        return
    label_type = (
        StringTensorType if model.classes.dtype.kind == "U" else Int64TensorType
    )
    operator.outputs[0].type = label_type([n_rows])
    operator.outputs[1].type = float_type([n_rows, len(model.classes)])


def _selector_shapes(operator):
    n_rows = operator.inputs[0].get_first_dimension()
    n_kept = int(np.count_nonzero(operator.raw_operator.support_))
    operator.outputs[0].type = type(operator.inputs[0].type)([n_rows, n_kept])


# -- converters ----------------------------------------------------------------


def _check_opset(container):
    if container.target_opset < MIN_OPSET:
        raise ValueError(
            f"skprune.onnx writes ONNX opset {MIN_OPSET} or newer; "
            f"target_opset={container.target_opset} was asked for."
        )


def _convert_predictor(scope, operator, container):
    _check_opset(container)
    model = _graph_of(operator.raw_operator)
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    graph = GraphWriter(scope, container, np.float64 if double else np.float32)
    X = operator.inputs[0].full_name
    if not isinstance(operator.inputs[0].type, (FloatTensorType, DoubleTensorType)):
        X = graph.cast(X, TensorProto.FLOAT)
    if hasattr(model, "n_outputs"):
        z = write_trees(graph, X, model)
    else:
        z = write_forward(graph, X, model)
    write_head(graph, z, model, [output.full_name for output in operator.outputs])


def _convert_selector(scope, operator, container):
    _check_opset(container)
    graph = GraphWriter(scope, container, np.float32)
    support = operator.raw_operator.support_
    graph.columns(
        operator.inputs[0].full_name,
        np.flatnonzero(support),
        support.size,
        out=operator.outputs[0].full_name,
    )


def _graph_of(model):
    """What the graph of ``model`` holds: a pruned tree ensemble's trees, or
    the columns and layers of any other model (``_graph.deployable``)."""
    inner = getattr(model, "estimator_", None)
    if isinstance(model, CoefficientQuantizer) and is_pruned_ensemble(inner):
        # the dequantized leaf values, as float32 attributes of the trees
        return tree_graph(inner)
    if isinstance(model, CoefficientPruner) and is_pruned_ensemble(inner):
        return tree_graph(inner)
    return deployable(model)


def _alias(cls):
    """The operator name of a skprune predictor: one per class, since
    skl2onnx keeps a converter's options by operator name."""
    return f"Skprune{cls.__name__}"


def _register():
    register_converter(SELECTOR, _convert_selector, overwrite=True)
    register_shape_calculator(SELECTOR, _selector_shapes, overwrite=True)
    for cls in (
        CoefficientPruner,
        PrunedLogisticRegression,
        PrunedLogisticRegressionCV,
        CoefficientQuantizer,
    ):
        options = dict(CLASSIFIER_OPTIONS)
        if cls is CoefficientPruner:
            options["transform"] = [False, True]
        update_registered_converter(
            cls,
            _alias(cls),
            _predictor_shapes,
            _convert_predictor,
            parser=_parse_predictor,
            options=options,
        )
    update_registered_parser(SampleSubsetter, _parse_subsetter)
    containers = {
        Pipeline: lambda model: [step for _, step in model.steps[:-1]],
        FeatureUnion: lambda model: [step for _, step in model.transformer_list],
        ColumnTransformer: lambda model: [step for _, step, _ in model.transformers_],
    }
    for cls, steps in containers.items():
        parser = _parsers[cls]
        if not getattr(parser, "_skprune", False):
            wrapped = _transforming(steps)(parser)
            wrapped._skprune = True
            update_registered_parser(cls, wrapped)


_register()
