"""The per-op part of the TFLite -> ONNX converter: one handler per tflite builtin op.

Layout: every 4-D activation is NCHW here, so weights, pads, axes and constant operands are
rewritten from tflite's NHWC; lower-rank tensors keep the tflite order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

from etiquette.models.build.tflite_reader import (
    Array,
    ConversionError,
    Op,
    TfliteGraph,
    builtin_options,
)

TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)

_SAME = tflite.Padding.SAME
_ACT_NONE = tflite.ActivationFunctionType.NONE


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's SAME padding (the odd pixel goes after)."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


class OpConverter(TfliteGraph):
    """Emits the ONNX nodes and initializers for the ops of a ``TfliteGraph``.

    Each supported tflite op ``KIND`` has a handler ``_op_<kind>``; the converter finds them by
    name, so a handler is all it takes to support another op.
    """

    def __init__(self, data: bytes, half_weights: bool) -> None:
        super().__init__(data)
        self.half_weights = half_weights
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.cache: dict[tuple[int, str], str] = {}
        # conv op index -> (the PAD's input, extra top/left/bottom/right pads), filled by the
        # graph pass that folds a zero PAD into the convolutions reading it
        self.fused_pad: dict[int, tuple[int, tuple[int, int, int, int]]] = {}

    # -- naming and emitting -------------------------------------------------------------------

    def _name(self, index: int) -> str:
        if index in self.graph_outputs and len(self.tensors[index].shape) != 4:
            return self.tensors[index].name
        return f"t{index}"

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

    def _emit(self, op: Op, kind: str, ins: list[str], act: int = _ACT_NONE, **attrs: Any) -> None:
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

    # -- op handlers ---------------------------------------------------------------------------

    def _conv(self, op: Op, weight: str, kernel: tuple[int, int], options: Any, group: int) -> None:
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

    def _op_conv_2d(self, op: Op) -> None:
        options = builtin_options(op.raw, tflite.Conv2DOptions)
        _, kh, kw, cin = self.tensors[op.inputs[1]].shape
        groups = self.tensors[op.inputs[0]].shape[3] // cin
        weight = self._weight(op.inputs[1], "oihw", lambda v: v.transpose(0, 3, 1, 2))
        self._conv(op, weight, (kh, kw), options, groups)

    def _op_depthwise_conv_2d(self, op: Op) -> None:
        options = builtin_options(op.raw, tflite.DepthwiseConv2DOptions)
        _, kh, kw, cout = self.tensors[op.inputs[1]].shape
        cin = self.tensors[op.inputs[0]].shape[3]
        if cout % cin:
            raise ConversionError(f"op #{op.index}: {cout} outputs for {cin} input channels")
        weight = self._weight(
            op.inputs[1], "dw", lambda v: v.reshape(kh, kw, cout).transpose(2, 0, 1)[:, None]
        )
        self._conv(op, weight, (kh, kw), options, cin)

    def _pool(self, op: Op, kind: str, **attrs: Any) -> None:
        options = builtin_options(op.raw, tflite.Pool2DOptions)
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

    def _op_max_pool_2d(self, op: Op) -> None:
        self._pool(op, "MaxPool")  # ONNX pads MaxPool with -inf, like TF's SAME

    def _op_average_pool_2d(self, op: Op) -> None:
        self._pool(op, "AveragePool", count_include_pad=0)  # TF averages real pixels only

    def _binary(self, op: Op, kind: str, options_cls: Any) -> None:
        runtime = [i for i in op.inputs if i not in self.consts]
        nchw = any(self._rank(i) == 4 for i in runtime)
        if nchw and any(self._rank(i) not in (0, 4) for i in runtime):
            raise ConversionError(f"op #{op.index} {op.kind}: mixes 4-D and lower-rank tensors")
        act = builtin_options(op.raw, options_cls).FusedActivationFunction()
        self._emit(op, kind, [self._operand(i, nchw) for i in op.inputs], act)

    def _op_add(self, op: Op) -> None:
        self._binary(op, "Add", tflite.AddOptions)

    def _op_mul(self, op: Op) -> None:
        self._binary(op, "Mul", tflite.MulOptions)

    def _op_sub(self, op: Op) -> None:
        self._binary(op, "Sub", tflite.SubOptions)

    def _op_pad(self, op: Op) -> None:
        pads = self._const(op.inputs[1]).value.astype(np.int64).reshape(-1, 2)
        if len(pads) == 4:
            pads = pads[list(TO_NCHW)]
        if pads[0].any():
            raise ConversionError(f"op #{op.index} PAD pads the batch dimension")
        name = self._ints(f"pads_{op.index}", [*pads[:, 0].tolist(), *pads[:, 1].tolist()])
        self._emit(op, "Pad", [self._name(op.inputs[0]), name], mode="constant")

    def _op_reshape(self, op: Op) -> None:
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

    def _op_concatenation(self, op: Op) -> None:
        options = builtin_options(op.raw, tflite.ConcatenationOptions)
        rank = self._rank(op.outputs[0])
        axis = int(options.Axis()) % rank
        if rank == 4:
            axis = TO_NCHW.index(axis)
        if axis == 0:
            raise ConversionError(f"op #{op.index} concatenates along the batch dimension")
        ins = [self._operand(i, rank == 4) for i in op.inputs]
        self._emit(op, "Concat", ins, options.FusedActivationFunction(), axis=axis)

    def _op_prelu(self, op: Op) -> None:
        x = self._name(op.inputs[0])
        alpha = self._operand(op.inputs[1], self._rank(op.inputs[0]) == 4)
        zero = self._literal("f32_0", np.asarray(0.0, np.float32))
        p = f"prelu_{op.index}"
        self._node("Relu", [x], [p + "_pos"], p + "_relu")
        self._node("Min", [x, zero], [p + "_neg"], p + "_min")
        self._node("Mul", [alpha, p + "_neg"], [p + "_scaled"], p + "_mul")
        self._node("Add", [p + "_pos", p + "_scaled"], [self._name(op.outputs[0])], p)

    def _unary(self, op: Op, kind: str) -> None:
        self._emit(op, kind, [self._name(op.inputs[0])])

    def _op_relu(self, op: Op) -> None:
        self._unary(op, "Relu")

    def _op_relu6(self, op: Op) -> None:
        self._activation(
            tflite.ActivationFunctionType.RELU6,
            self._name(op.inputs[0]),
            self._name(op.outputs[0]),
            f"relu6_{op.index}",
        )

    def _op_logistic(self, op: Op) -> None:
        self._unary(op, "Sigmoid")

    def _op_tanh(self, op: Op) -> None:
        self._unary(op, "Tanh")

    def _op_resize_bilinear(self, op: Op) -> None:
        options = builtin_options(op.raw, tflite.ResizeBilinearOptions)
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

    def _op_depth_to_space(self, op: Op) -> None:
        block = int(builtin_options(op.raw, tflite.DepthToSpaceOptions).BlockSize())
        self._emit(op, "DepthToSpace", [self._name(op.inputs[0])], blocksize=block, mode="DCR")

    def _op_mean(self, op: Op) -> None:
        keep = bool(builtin_options(op.raw, tflite.ReducerOptions).KeepDims())
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

    def _op_fully_connected(self, op: Op) -> None:
        options = builtin_options(op.raw, tflite.FullyConnectedOptions)
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
