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
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import tflite
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper
from tflite.utils import BUILTIN_OPCODE2NAME

OPSET = 17
BATCH = "N"
TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)

_SAME = tflite.Padding.SAME
_DENSE = tflite.DimensionType.DENSE
_ACT_NONE = tflite.ActivationFunctionType.NONE
_CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")

_DTYPES: dict[int, type[np.generic]] = {
    tflite.TensorType.FLOAT32: np.float32,
    tflite.TensorType.FLOAT16: np.float16,
    tflite.TensorType.INT32: np.int32,
    tflite.TensorType.INT64: np.int64,
    tflite.TensorType.INT16: np.int16,
    tflite.TensorType.INT8: np.int8,
    tflite.TensorType.UINT8: np.uint8,
}
_INDEX_VECTORS: dict[int, Any] = {
    tflite.SparseIndexVector.Int32Vector: tflite.Int32Vector,
    tflite.SparseIndexVector.Uint16Vector: tflite.Uint16Vector,
    tflite.SparseIndexVector.Uint8Vector: tflite.Uint8Vector,
}

Array = NDArray[Any]


class ConversionError(ValueError):
    """The tflite file uses something this converter does not handle."""


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: type[np.generic]
    data: Array | None
    tensor: Any  # the flatbuffer table (quantization and sparsity parameters)


@dataclass(frozen=True)
class _Const:
    value: Array
    half: bool  # stored as float16 in the tflite file
    sparse: bool = False


@dataclass(frozen=True)
class _Op:
    index: int
    kind: str
    inputs: tuple[int, ...]  # -1 = optional input left out
    outputs: tuple[int, ...]
    raw: Any


def op_name(model: Any, op: Any) -> str:
    code = model.OperatorCodes(op.OpcodeIndex())
    builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
    return str(BUILTIN_OPCODE2NAME[builtin])


def list_ops(data: bytes) -> dict[str, int]:
    """How many times each builtin op occurs in a tflite file, in first-use order."""
    model = tflite.Model.GetRootAsModel(data, 0)
    counts: collections.Counter[str] = collections.Counter()
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for i in range(graph.OperatorsLength()):
            counts[op_name(model, graph.Operators(i))] += 1
    return dict(counts)


def _options(op: Any, cls: Any) -> Any:
    table = op.BuiltinOptions()
    options = cls()
    if table is not None:
        options.Init(table.Bytes, table.Pos)
    return options


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding (the odd pixel goes after)."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def densify(values: Array, shape: tuple[int, ...], sparsity: Any) -> Array:
    """Decode a TFLite sparse tensor (SparsityParameters) into a dense array.

    Follows tflite's FormatConverter: levels are walked in traversal order, DENSE levels
    enumerate their size, SPARSE_CSR levels read array_segments / array_indices; extra levels
    beyond the tensor rank are block dimensions (block_map).
    """
    rank = len(shape)
    levels = sparsity.DimMetadataLength()
    order = sparsity.TraversalOrderAsNumpy()
    traversal = list(range(levels)) if isinstance(order, int) else [int(v) for v in order]
    block_map_raw = sparsity.BlockMapAsNumpy()
    block_map = [] if isinstance(block_map_raw, int) else [int(v) for v in block_map_raw]
    block_size = [int(sparsity.DimMetadata(rank + i).DenseSize()) for i in range(len(block_map))]

    coords = np.zeros((1, levels), dtype=np.int64)
    parent = np.zeros(1, dtype=np.int64)
    for level in range(levels):
        meta = sparsity.DimMetadata(level)
        if meta.Format() == _DENSE:
            size = int(meta.DenseSize())
            count = len(parent)
            parent = (parent[:, None] * size + np.arange(size)[None, :]).ravel()
            coords = np.repeat(coords, size, axis=0)
            coords[:, level] = np.tile(np.arange(size), count)
        else:
            segments = _index_vector(meta.ArraySegmentsType(), meta.ArraySegments())
            indices = _index_vector(meta.ArrayIndicesType(), meta.ArrayIndices())
            starts = segments[parent]
            counts = segments[parent + 1] - starts
            offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            parent = np.repeat(starts, counts) + offsets
            coords = np.repeat(coords, counts, axis=0)
            coords[:, level] = indices[parent]
    if len(coords) != values.size:
        raise ConversionError(f"sparse tensor: {values.size} values for {len(coords)} positions")

    original = np.zeros((len(coords), rank), dtype=np.int64)
    for i in range(rank):
        original[:, traversal[i]] = coords[:, i]
    for i in range(rank, levels):
        block = traversal[i] - rank
        dim = block_map[block]
        original[:, dim] = original[:, dim] * block_size[block] + coords[:, i]
    dense = np.zeros(shape, dtype=values.dtype)
    dense[tuple(original.T)] = values.ravel()
    return dense


def _index_vector(kind: int, table: Any) -> NDArray[np.int64]:
    cls = _INDEX_VECTORS.get(int(kind))
    if cls is None or table is None:
        raise ConversionError(f"unsupported sparse index vector type {kind}")
    vector = cls()
    vector.Init(table.Bytes, table.Pos)
    return np.asarray(vector.ValuesAsNumpy(), dtype=np.int64)


def _dequantize(const: _Const, tensor: _Tensor) -> _Const:
    value = const.value
    if value.dtype == np.float16:
        return _Const(value.astype(np.float32), half=True)
    quant = tensor.tensor.Quantization()
    if quant is None or quant.ScaleLength() == 0:
        raise ConversionError(f"DEQUANTIZE of {tensor.name}: no quantization parameters")
    scale = quant.ScaleAsNumpy().astype(np.float32)
    zero = quant.ZeroPointAsNumpy().astype(np.float32)
    if scale.size > 1:  # per-axis
        axis = int(quant.QuantizedDimension())
        bshape = [1] * value.ndim
        bshape[axis] = scale.size
        scale, zero = scale.reshape(bshape), zero.reshape(bshape)
    return _Const(((value.astype(np.float32) - zero) * scale).astype(np.float32), half=False)


class _Converter:
    def __init__(self, data: bytes, half_weights: bool) -> None:
        self.model = tflite.Model.GetRootAsModel(data, 0)
        if self.model.SubgraphsLength() != 1:
            raise ConversionError("only single-subgraph models are supported")
        self.graph = self.model.Subgraphs(0)
        self.half_weights = half_weights
        self.tensors = [self._read_tensor(i) for i in range(self.graph.TensorsLength())]
        self.ops = [self._read_op(i) for i in range(self.graph.OperatorsLength())]
        self.graph_inputs = [int(v) for v in self.graph.InputsAsNumpy()]
        self.graph_outputs = [int(v) for v in self.graph.OutputsAsNumpy()]
        self.consts: dict[int, _Const] = {}
        for i, t in enumerate(self.tensors):
            if t.data is not None:
                sparse = t.tensor.Sparsity() is not None
                self.consts[i] = _Const(t.data, t.dtype == np.float16, sparse)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.cache: dict[tuple[int, str], str] = {}
        self.skip: set[int] = set()
        self.fused_pad: dict[int, tuple[int, tuple[int, int, int, int]]] = {}

    # -- reading -------------------------------------------------------------------------------

    def _read_tensor(self, index: int) -> _Tensor:
        t = self.graph.Tensors(index)
        dtype = _DTYPES.get(int(t.Type()))
        if dtype is None:
            raise ConversionError(f"tensor {t.Name()!r}: unsupported type {t.Type()}")
        raw_shape = t.ShapeAsNumpy()
        shape = () if isinstance(raw_shape, int) else tuple(int(v) for v in raw_shape)
        buf = self.model.Buffers(t.Buffer())
        data: Array | None = None
        if buf is not None and buf.DataLength() > 0:
            flat = buf.DataAsNumpy().view(dtype)
            data = flat.copy() if t.Sparsity() is not None else flat.reshape(shape).copy()
        return _Tensor(t.Name().decode(), shape, dtype, data, t)

    def _read_op(self, index: int) -> _Op:
        op = self.graph.Operators(index)
        ins = tuple(int(v) for v in op.InputsAsNumpy())
        outs = tuple(int(v) for v in op.OutputsAsNumpy())
        return _Op(index, op_name(self.model, op), ins, outs, op)

    # -- naming and constants ------------------------------------------------------------------

    def _name(self, index: int) -> str:
        if index in self.graph_outputs and len(self.tensors[index].shape) != 4:
            return self.tensors[index].name
        return f"t{index}"

    def _rank(self, index: int) -> int:
        return len(self.tensors[index].shape)

    def _const(self, index: int) -> _Const:
        const = self.consts.get(index)
        if const is None:
            raise ConversionError(f"tensor {self.tensors[index].name!r} must be constant")
        if const.sparse:
            raise ConversionError(f"tensor {self.tensors[index].name!r} is sparse; needs DENSIFY")
        return const

    def _weight(
        self, index: int, key: str, transform: Callable[[Array], Array] | None = None
    ) -> str:
        """An initializer made from constant tensor ``index`` (float16-stored if it was so)."""
        cached = self.cache.get((index, key))
        if cached is not None:
            return cached
        const = self._const(index)
        value = const.value if transform is None else transform(const.value)
        name = f"c{index}_{key}"
        if value.dtype == np.float32 and const.half and self.half_weights:
            self.inits.append(numpy_helper.from_array(value.astype(np.float16), name + "_f16"))
            self._node("Cast", [name + "_f16"], [name], f"cast_{name}", to=TensorProto.FLOAT)
        else:
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        self.cache[(index, key)] = name
        return name

    def _literal(self, name: str, value: Array) -> str:
        if not any(init.name == name for init in self.inits):
            self.inits.append(numpy_helper.from_array(value, name))
        return name

    def _ints(self, name: str, values: list[int]) -> str:
        return self._literal(name, np.asarray(values, dtype=np.int64))

    def _node(self, kind: str, ins: list[str], outs: list[str], name: str, **attrs: Any) -> None:
        self.nodes.append(helper.make_node(kind, ins, outs, name=name, **attrs))

    def _operand(self, index: int, nchw: bool) -> str:
        """A binary-op operand: runtime tensors by name, constants broadcast to NCHW if needed."""
        if index not in self.consts:
            return self._name(index)
        value = self._const(index).value
        if nchw and value.ndim >= 1:

            def to_nchw(v: Array) -> Array:
                return v.reshape((1,) * (4 - v.ndim) + v.shape).transpose(TO_NCHW)

            return self._weight(index, "nchw", to_nchw)
        return self._weight(index, "raw")

    def _activation(self, act: int, src: str, dst: str, name: str) -> None:
        if act == tflite.ActivationFunctionType.RELU:
            self._node("Relu", [src], [dst], name)
        elif act == tflite.ActivationFunctionType.RELU6:
            lo = self._literal("f32_0", np.asarray(0.0, np.float32))
            hi = self._literal("f32_6", np.asarray(6.0, np.float32))
            self._node("Clip", [src, lo, hi], [dst], name)
        elif act == tflite.ActivationFunctionType.RELU_N1_TO_1:
            lo = self._literal("f32_-1", np.asarray(-1.0, np.float32))
            hi = self._literal("f32_1", np.asarray(1.0, np.float32))
            self._node("Clip", [src, lo, hi], [dst], name)
        elif act == tflite.ActivationFunctionType.TANH:
            self._node("Tanh", [src], [dst], name)
        else:
            raise ConversionError(f"unsupported fused activation {act}")

    def _emit(self, op: _Op, kind: str, ins: list[str], act: int = _ACT_NONE, **attrs: Any) -> None:
        """One ONNX node for ``op`` plus its fused activation, writing the op's output."""
        out = self._name(op.outputs[0])
        name = f"{op.kind.lower()}_{op.index}"
        if act == _ACT_NONE:
            self._node(kind, ins, [out], name, **attrs)
        else:
            self._node(kind, ins, [out + "_pre"], name, **attrs)
            self._activation(act, out + "_pre", out, name + "_act")

    def _transposed(self, src: str, perm: tuple[int, ...], name: str) -> str:
        out = name + "_out"
        self._node("Transpose", [src], [out], name, perm=list(perm))
        return out

    # -- passes --------------------------------------------------------------------------------

    def _fold_constants(self) -> None:
        for op in self.ops:
            if op.kind not in ("DEQUANTIZE", "DENSIFY") or op.inputs[0] not in self.consts:
                continue
            src = self.consts[op.inputs[0]]
            tensor = self.tensors[op.inputs[0]]
            if op.kind == "DENSIFY":
                dense = densify(src.value, tensor.shape, tensor.tensor.Sparsity())
                self.consts[op.outputs[0]] = _Const(dense, src.half)
            else:
                if src.sparse:
                    raise ConversionError(f"DEQUANTIZE of sparse {tensor.name!r}")
                self.consts[op.outputs[0]] = _dequantize(src, tensor)
            self.skip.add(op.index)

    def _plan_pad_fusion(self) -> None:
        """A zero PAD on H/W read only by convolutions becomes part of their pads."""
        consumers: dict[int, list[_Op]] = collections.defaultdict(list)
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
            producer_name="models.build.tflite_to_onnx",
        )
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model

    def _prune(self, outputs: list[str]) -> None:
        """Drop nodes and initializers nothing reaches from the outputs."""
        needed = set(outputs)
        kept: list[onnx.NodeProto] = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.output):
                kept.append(node)
                needed.update(node.input)
        self.nodes = kept[::-1]
        self.inits = [i for i in self.inits if i.name in needed]

    # -- op handlers ---------------------------------------------------------------------------

    def _conv(
        self, op: _Op, weight: str, kernel: tuple[int, int], options: Any, group: int
    ) -> None:
        x = op.inputs[0]
        src, extra = self.fused_pad.get(op.index, (x, (0, 0, 0, 0)))
        stride = (int(options.StrideH()), int(options.StrideW()))
        dilation = (int(options.DilationHFactor()), int(options.DilationWFactor()))
        pads = [0, 0, 0, 0]
        if options.Padding() == _SAME:
            h, w = self.tensors[x].shape[1:3]
            top, bottom = _same_pads(h, kernel[0], stride[0], dilation[0])
            left, right = _same_pads(w, kernel[1], stride[1], dilation[1])
            pads = [top, left, bottom, right]
        pads = [p + e for p, e in zip(pads, extra, strict=True)]
        ins = [self._name(src), weight]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            ins.append(self._weight(op.inputs[2], "raw"))
        self._emit(
            op,
            "Conv",
            ins,
            options.FusedActivationFunction(),
            kernel_shape=list(kernel),
            strides=list(stride),
            dilations=list(dilation),
            pads=pads,
            group=group,
        )

    def _op_conv_2d(self, op: _Op) -> None:
        options = _options(op.raw, tflite.Conv2DOptions)
        _, kh, kw, cin = self.tensors[op.inputs[1]].shape
        groups = self.tensors[op.inputs[0]].shape[3] // cin
        weight = self._weight(op.inputs[1], "oihw", lambda v: v.transpose(0, 3, 1, 2))
        self._conv(op, weight, (kh, kw), options, groups)

    def _op_depthwise_conv_2d(self, op: _Op) -> None:
        options = _options(op.raw, tflite.DepthwiseConv2DOptions)
        _, kh, kw, cout = self.tensors[op.inputs[1]].shape
        cin = self.tensors[op.inputs[0]].shape[3]
        if cout % cin:
            raise ConversionError(f"op #{op.index}: {cout} outputs for {cin} input channels")
        weight = self._weight(
            op.inputs[1], "dw", lambda v: v.reshape(kh, kw, cout).transpose(2, 0, 1)[:, None]
        )
        self._conv(op, weight, (kh, kw), options, cin)

    def _pool(self, op: _Op, kind: str, **attrs: Any) -> None:
        options = _options(op.raw, tflite.Pool2DOptions)
        kernel = (int(options.FilterHeight()), int(options.FilterWidth()))
        stride = (int(options.StrideH()), int(options.StrideW()))
        pads = [0, 0, 0, 0]
        if options.Padding() == _SAME:
            h, w = self.tensors[op.inputs[0]].shape[1:3]
            top, bottom = _same_pads(h, kernel[0], stride[0], 1)
            left, right = _same_pads(w, kernel[1], stride[1], 1)
            pads = [top, left, bottom, right]
        self._emit(
            op,
            kind,
            [self._name(op.inputs[0])],
            options.FusedActivationFunction(),
            kernel_shape=list(kernel),
            strides=list(stride),
            pads=pads,
            **attrs,
        )

    def _op_max_pool_2d(self, op: _Op) -> None:
        self._pool(op, "MaxPool")  # ONNX pads MaxPool with -inf, like TF's SAME

    def _op_average_pool_2d(self, op: _Op) -> None:
        self._pool(op, "AveragePool", count_include_pad=0)  # TF averages real pixels only

    def _binary(self, op: _Op, kind: str, options_cls: Any) -> None:
        runtime = [i for i in op.inputs if i not in self.consts]
        nchw = any(self._rank(i) == 4 for i in runtime)
        if nchw and any(self._rank(i) not in (0, 4) for i in runtime):
            raise ConversionError(f"op #{op.index} {op.kind}: mixes 4-D and lower-rank tensors")
        act = _options(op.raw, options_cls).FusedActivationFunction()
        self._emit(op, kind, [self._operand(i, nchw) for i in op.inputs], act)

    def _op_add(self, op: _Op) -> None:
        self._binary(op, "Add", tflite.AddOptions)

    def _op_mul(self, op: _Op) -> None:
        self._binary(op, "Mul", tflite.MulOptions)

    def _op_sub(self, op: _Op) -> None:
        self._binary(op, "Sub", tflite.SubOptions)

    def _op_pad(self, op: _Op) -> None:
        pads = self._const(op.inputs[1]).value.astype(np.int64).reshape(-1, 2)
        if len(pads) == 4:
            pads = pads[list(TO_NCHW)]
        if pads[0].any():
            raise ConversionError(f"op #{op.index} PAD pads the batch dimension")
        name = self._ints(f"pads_{op.index}", [*pads[:, 0].tolist(), *pads[:, 1].tolist()])
        self._emit(op, "Pad", [self._name(op.inputs[0]), name], mode="constant")

    def _op_reshape(self, op: _Op) -> None:
        x, out = op.inputs[0], op.outputs[0]
        in_shape, out_shape = self.tensors[x].shape, self.tensors[out].shape
        if not in_shape or not out_shape or in_shape[0] != out_shape[0]:
            raise ConversionError(f"op #{op.index} RESHAPE changes the batch dimension")
        src = self._name(x)
        prefix = f"reshape_{op.index}"
        if len(in_shape) == 4 and in_shape[1:3] != (1, 1):  # [N,C,1,1] has NHWC memory order
            src = self._transposed(src, TO_NHWC, prefix + "_nhwc")
        if len(out_shape) == 4 and out_shape[1:3] == (1, 1):
            shape = self._ints(f"{prefix}_shape", [0, out_shape[3], 1, 1])
            self._node("Reshape", [src, shape], [self._name(out)], prefix)
        elif len(out_shape) == 4:
            shape = self._ints(f"{prefix}_shape", [0, *out_shape[1:]])
            self._node("Reshape", [src, shape], [prefix + "_out"], prefix)
            self._node(
                "Transpose",
                [prefix + "_out"],
                [self._name(out)],
                prefix + "_nchw",
                perm=list(TO_NCHW),
            )
        else:
            shape = self._ints(f"{prefix}_shape", [0, *out_shape[1:]])
            self._node("Reshape", [src, shape], [self._name(out)], prefix)

    def _op_concatenation(self, op: _Op) -> None:
        options = _options(op.raw, tflite.ConcatenationOptions)
        rank = self._rank(op.outputs[0])
        axis = int(options.Axis()) % rank
        if rank == 4:
            axis = TO_NCHW.index(axis)
        if axis == 0:
            raise ConversionError(f"op #{op.index} concatenates along the batch dimension")
        ins = [self._operand(i, rank == 4) for i in op.inputs]
        self._emit(op, "Concat", ins, options.FusedActivationFunction(), axis=axis)

    def _op_prelu(self, op: _Op) -> None:
        x = self._name(op.inputs[0])
        alpha = self._operand(op.inputs[1], self._rank(op.inputs[0]) == 4)
        zero = self._literal("f32_0", np.asarray(0.0, np.float32))
        p = f"prelu_{op.index}"
        self._node("Relu", [x], [p + "_pos"], p + "_relu")
        self._node("Min", [x, zero], [p + "_neg"], p + "_min")
        self._node("Mul", [alpha, p + "_neg"], [p + "_scaled"], p + "_mul")
        self._node("Add", [p + "_pos", p + "_scaled"], [self._name(op.outputs[0])], p)

    def _unary(self, op: _Op, kind: str) -> None:
        self._emit(op, kind, [self._name(op.inputs[0])])

    def _op_relu(self, op: _Op) -> None:
        self._unary(op, "Relu")

    def _op_relu6(self, op: _Op) -> None:
        self._activation(
            tflite.ActivationFunctionType.RELU6,
            self._name(op.inputs[0]),
            self._name(op.outputs[0]),
            f"relu6_{op.index}",
        )

    def _op_logistic(self, op: _Op) -> None:
        self._unary(op, "Sigmoid")

    def _op_tanh(self, op: _Op) -> None:
        self._unary(op, "Tanh")

    def _op_resize_bilinear(self, op: _Op) -> None:
        options = _options(op.raw, tflite.ResizeBilinearOptions)
        _, h, w, _ = self.tensors[op.inputs[0]].shape
        _, oh, ow, _ = self.tensors[op.outputs[0]].shape
        scales = np.asarray([1.0, 1.0, oh / h, ow / w], dtype=np.float32)
        if int(h * scales[2]) != oh or int(w * scales[3]) != ow or oh % h or ow % w:
            raise ConversionError(f"op #{op.index}: resize {h}x{w} -> {oh}x{ow} is not integral")
        if options.AlignCorners():
            mode = "align_corners"
        elif options.HalfPixelCenters():
            mode = "half_pixel"
        else:
            mode = "asymmetric"
        name = self._literal(f"scales_{oh // h}_{ow // w}", scales)
        self._emit(
            op,
            "Resize",
            [self._name(op.inputs[0]), "", name],
            mode="linear",
            coordinate_transformation_mode=mode,
        )

    def _op_depth_to_space(self, op: _Op) -> None:
        block = int(_options(op.raw, tflite.DepthToSpaceOptions).BlockSize())
        self._emit(op, "DepthToSpace", [self._name(op.inputs[0])], blocksize=block, mode="DCR")

    def _op_mean(self, op: _Op) -> None:
        keep = bool(_options(op.raw, tflite.ReducerOptions).KeepDims())
        rank = self._rank(op.inputs[0])
        axes = sorted({int(a) % rank for a in np.atleast_1d(self._const(op.inputs[1]).value)})
        if 0 in axes:
            raise ConversionError(f"op #{op.index} MEAN reduces the batch dimension")
        if rank != 4:
            self._emit(op, "ReduceMean", [self._name(op.inputs[0])], axes=axes, keepdims=int(keep))
            return
        onnx_axes = sorted(TO_NCHW.index(a) for a in axes)
        nchw_left = [d for d in TO_NCHW if d not in axes]
        nhwc_left = [d for d in range(4) if d not in axes]
        if keep or nchw_left == nhwc_left:
            self._emit(
                op, "ReduceMean", [self._name(op.inputs[0])], axes=onnx_axes, keepdims=int(keep)
            )
            return
        p = f"mean_{op.index}"
        self._node(
            "ReduceMean", [self._name(op.inputs[0])], [p + "_out"], p, axes=onnx_axes, keepdims=0
        )
        perm = [nchw_left.index(d) for d in nhwc_left]
        self._node("Transpose", [p + "_out"], [self._name(op.outputs[0])], p + "_t", perm=perm)

    def _op_fully_connected(self, op: _Op) -> None:
        options = _options(op.raw, tflite.FullyConnectedOptions)
        if options.WeightsFormat() != tflite.FullyConnectedOptionsWeightsFormat.DEFAULT:
            raise ConversionError(f"op #{op.index}: shuffled FULLY_CONNECTED weights")
        x = op.inputs[0]
        in_shape = self.tensors[x].shape
        k = self.tensors[op.inputs[1]].shape[1]
        if len(self.tensors[op.outputs[0]].shape) != 2:
            raise ConversionError(f"op #{op.index}: FULLY_CONNECTED with keep_num_dims")
        src = self._name(x)
        if len(in_shape) != 2:
            if int(np.prod(in_shape[1:])) != k:
                raise ConversionError(f"op #{op.index}: FULLY_CONNECTED mixes the batch")
            if len(in_shape) == 4 and in_shape[1:3] != (1, 1):
                src = self._transposed(src, TO_NHWC, f"fc_{op.index}_nhwc")
            shape = self._ints(f"fc_{op.index}_shape", [0, k])
            self._node("Reshape", [src, shape], [f"fc_{op.index}_in"], f"fc_{op.index}_flat")
            src = f"fc_{op.index}_in"
        ins = [src, self._weight(op.inputs[1], "raw")]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            ins.append(self._weight(op.inputs[2], "raw"))
        self._emit(op, "Gemm", ins, options.FusedActivationFunction(), transB=1)


SUPPORTED_OPS = frozenset(
    name[len("_op_") :].upper() for name in vars(_Converter) if name.startswith("_op_")
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
