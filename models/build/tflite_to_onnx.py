"""A small TFLite -> ONNX converter for MediaPipe's float networks (no TensorFlow needed).

Scope: single-subgraph float models built from the ops in ``SUPPORTED_OPS``. The result:

- one graph input ``"input"``: NHWC float32 ``[N, H, W, C]`` with a symbolic batch ``N``;
- graph outputs named and ordered like the tflite outputs, in the tflite layout (4-D ones NHWC);
- NCHW inside: the input is transposed once, weights are transposed here, 4-D outputs are
  transposed back; every 4-D activation inside the graph is NCHW, lower ranks keep tflite order;
- constant-only subgraphs (DEQUANTIZE of float16 weights, DENSIFY of sparse weights) are folded
  here; weights that were float16 in the tflite are stored as float16 initializers followed by a
  ``Cast`` to float32 (exact: the tflite runtime does the same widening);
- SAME padding is made explicit, and a zero PAD feeding a convolution is folded into its pads;
- PRELU becomes ``Relu(x) + alpha * Min(x, 0)`` (bit-identical, faster in onnxruntime).

This module is the entry point (``convert``, ``list_ops``) and assembles the graph; reading the
flatbuffer and folding constants live in ``tflite_reader``, the per-op handlers in ``tflite_ops``.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper

from etiquette.models.build.tflite_ops import TO_NCHW, TO_NHWC, OpConverter
from etiquette.models.build.tflite_reader import (
    Array,
    ConversionError,
    Op,
    densify,
    list_ops,
    op_name,
)
from etiquette.models.onnx_graph import live_nodes

__all__ = [
    "BATCH",
    "OPSET",
    "SUPPORTED_OPS",
    "TO_NCHW",
    "TO_NHWC",
    "Array",
    "ConversionError",
    "convert",
    "densify",
    "list_ops",
    "op_name",
]

OPSET = 17
# The producer recorded in the shipped files: renaming it would change every checksum.
CONVERTER_NAME = "models.build.tflite_to_onnx"
BATCH = "N"

_CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")


class _Converter(OpConverter):
    """The whole-graph part: passes over all ops, the NHWC boundary, and the final model."""

    def _plan_pad_fusion(self) -> None:
        """A zero PAD on H/W read only by convolutions becomes part of their pads."""
        consumers: dict[int, list[Op]] = collections.defaultdict(list)
        for op in self.ops:
            for i in op.inputs:
                consumers[i].append(op)
        for op in self.ops:
            if op.kind != "PAD" or op.inputs[1] not in self.consts:
                continue
            out = op.outputs[0]
            users = consumers[out]
            if out in self.graph_outputs or not users or self._rank(out) != 4:
                continue
            if any(
                u.kind not in _CONVS or u.inputs[0] != out or out in u.inputs[1:] for u in users
            ):
                continue
            pads = self.consts[op.inputs[1]].value.astype(np.int64)
            if pads[0].any() or pads[3].any():
                continue
            extra = (int(pads[1, 0]), int(pads[2, 0]), int(pads[1, 1]), int(pads[2, 1]))
            for user in users:
                self.fused_pad[user.index] = (op.inputs[0], extra)
            self.skip.add(op.index)

    def convert(self, graph_name: str) -> onnx.ModelProto:
        self._fold_constants()
        self._plan_pad_fusion()
        if len(self.graph_inputs) != 1 or self._rank(self.graph_inputs[0]) != 4:
            raise ConversionError("expected one 4-D (NHWC image) input")
        x = self.tensors[self.graph_inputs[0]]
        self._node(
            "Transpose",
            ["input"],
            [self._name(self.graph_inputs[0])],
            "input_nchw",
            perm=list(TO_NCHW),
        )
        for op in self.ops:
            if op.index in self.skip:
                continue
            handler = getattr(self, "_op_" + op.kind.lower(), None)
            if handler is None:
                raise ConversionError(f"unsupported op {op.kind} (op #{op.index})")
            if any(i in self.consts and self.consts[i].sparse for i in op.inputs if i >= 0):
                raise ConversionError(f"op #{op.index} {op.kind} reads a sparse tensor")
            handler(op)
        outputs = []
        for index in self.graph_outputs:
            t = self.tensors[index]
            if len(t.shape) == 4:
                self._node(
                    "Transpose", [f"t{index}"], [t.name], f"output_{t.name}", perm=list(TO_NHWC)
                )
            dims: list[str | int] = [BATCH, *t.shape[1:]]
            outputs.append(helper.make_tensor_value_info(t.name, TensorProto.FLOAT, dims))
        graph_input = helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, [BATCH, *x.shape[1:]]
        )
        self._prune([o.name for o in outputs])
        graph = helper.make_graph(
            self.nodes, graph_name, [graph_input], outputs, initializer=self.inits
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name=CONVERTER_NAME,  # as recorded in the shipped files
        )
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model

    def _prune(self, outputs: list[str]) -> None:
        """Drop nodes and initializers nothing reaches from the outputs."""
        self.nodes, needed = live_nodes(self.nodes, outputs)
        self.inits = [i for i in self.inits if i.name in needed]


SUPPORTED_OPS = frozenset(
    name[len("_op_") :].upper() for name in dir(_Converter) if name.startswith("_op_")
) | {"DEQUANTIZE", "DENSIFY"}


def convert(
    data: bytes,
    *,
    graph_name: str = "model",
    half_weights: bool = True,
    metadata: Mapping[str, str] | None = None,
) -> onnx.ModelProto:
    """Convert a tflite flatbuffer into an ONNX model (see the module docstring).

    ``half_weights``: keep weights that were float16 in the tflite as float16 initializers
    (each followed by a Cast to float32); False stores every weight as float32.
    """
    model = _Converter(data, half_weights).convert(graph_name)
    for key, value in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    return model
