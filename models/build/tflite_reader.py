"""Reading a tflite flatbuffer for the ONNX converter, and decoding its constant tensors.

Constant-only subgraphs are evaluated here rather than converted: DEQUANTIZE of float16 (or
integer-quantized) weights and DENSIFY of sparse weights become plain constants.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import numpy as np
import tflite
from numpy.typing import NDArray
from tflite.utils import BUILTIN_OPCODE2NAME

_DENSE = tflite.DimensionType.DENSE

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
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: type[np.generic]
    data: Array | None
    tensor: Any  # the flatbuffer table (quantization and sparsity parameters)


@dataclass(frozen=True)
class Const:
    value: Array
    half: bool  # stored as float16 in the tflite file
    sparse: bool = False


@dataclass(frozen=True)
class Op:
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


def builtin_options(op: Any, cls: Any) -> Any:
    table = op.BuiltinOptions()
    options = cls()
    if table is not None:
        options.Init(table.Bytes, table.Pos)
    return options


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


def _dequantize(const: Const, tensor: Tensor) -> Const:
    value = const.value
    if value.dtype == np.float16:
        return Const(value.astype(np.float32), half=True)
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
    return Const(((value.astype(np.float32) - zero) * scale).astype(np.float32), half=False)


class TfliteGraph:
    """The single subgraph of a tflite model: its tensors, ops, and constant tensors.

    ``skip`` collects the ops whose work is done here or by a later pass, so that conversion
    emits nothing for them.
    """

    def __init__(self, data: bytes) -> None:
        self.model = tflite.Model.GetRootAsModel(data, 0)
        if self.model.SubgraphsLength() != 1:
            raise ConversionError("only single-subgraph models are supported")
        self.graph = self.model.Subgraphs(0)
        self.tensors = [self._read_tensor(i) for i in range(self.graph.TensorsLength())]
        self.ops = [self._read_op(i) for i in range(self.graph.OperatorsLength())]
        self.graph_inputs = [int(v) for v in self.graph.InputsAsNumpy()]
        self.graph_outputs = [int(v) for v in self.graph.OutputsAsNumpy()]
        self.consts: dict[int, Const] = {}
        for i, t in enumerate(self.tensors):
            if t.data is not None:
                sparse = t.tensor.Sparsity() is not None
                self.consts[i] = Const(t.data, t.dtype == np.float16, sparse)
        self.skip: set[int] = set()

    # -- reading -------------------------------------------------------------------------------

    def _read_tensor(self, index: int) -> Tensor:
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
        return Tensor(t.Name().decode(), shape, dtype, data, t)

    def _read_op(self, index: int) -> Op:
        op = self.graph.Operators(index)
        ins = tuple(int(v) for v in op.InputsAsNumpy())
        outs = tuple(int(v) for v in op.OutputsAsNumpy())
        return Op(index, op_name(self.model, op), ins, outs, op)

    # -- tensors and constants -----------------------------------------------------------------

    def _rank(self, index: int) -> int:
        return len(self.tensors[index].shape)

    def _const(self, index: int) -> Const:
        const = self.consts.get(index)
        if const is None:
            raise ConversionError(f"tensor {self.tensors[index].name!r} must be constant")
        if const.sparse:
            raise ConversionError(f"tensor {self.tensors[index].name!r} is sparse; needs DENSIFY")
        return const

    # -- constant folding ----------------------------------------------------------------------

    def _fold_constants(self) -> None:
        for op in self.ops:
            if op.kind not in ("DEQUANTIZE", "DENSIFY") or op.inputs[0] not in self.consts:
                continue
            src = self.consts[op.inputs[0]]
            tensor = self.tensors[op.inputs[0]]
            if op.kind == "DENSIFY":
                dense = densify(src.value, tensor.shape, tensor.tensor.Sparsity())
                self.consts[op.outputs[0]] = Const(dense, src.half)
            else:
                if src.sparse:
                    raise ConversionError(f"DEQUANTIZE of sparse {tensor.name!r}")
                self.consts[op.outputs[0]] = _dequantize(src, tensor)
            self.skip.add(op.index)
