"""Collection settings for the whole tree: without the onnx extra, the ONNX
export modules are not imported for their doctests (their own tests skip)."""

import importlib.util

collect_ignore = (
    []
    if all(importlib.util.find_spec(name) for name in ("skl2onnx", "onnx"))
    else ["skprune/onnx"]
)
