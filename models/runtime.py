"""Load the shipped ONNX networks (models/onnx/) and run them with onnxruntime on the CPU."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import TensorProto, numpy_helper
from pydantic import BaseModel, ConfigDict, Field

from etiquette.models.onnx_graph import keep_outputs

MODELS_DIR = Path(__file__).resolve().parent / "onnx"
MANIFEST_NAME = "manifest.json"
REBUILD_HINT = "rerun the build: python -m models.build.build --out models/onnx"


class OutputSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    shape: list[int] = Field(description="tflite layout; -1 is the dynamic batch dimension")


class ModelEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    sha256: str
    source_file: str = Field(description="path of the original .tflite inside the wheel")
    source_sha256: str
    source_package: str
    licence: str
    input_name: str
    input_shape: list[int] = Field(description="NHWC; -1 is the dynamic batch dimension")
    input_range: tuple[float, float] = Field(description="value range the network expects")
    outputs: list[OutputSpec]
    ops: dict[str, int] = Field(description="tflite builtin ops of the source and their counts")


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source_wheel: str
    converter: str
    opset: int
    models: dict[str, ModelEntry]


class ModelFileError(RuntimeError):
    """A model file or the manifest is missing or does not match the manifest."""


def model_path(name: str) -> Path:
    return MODELS_DIR / f"{name}.onnx"


def load_manifest() -> Manifest:
    path = MODELS_DIR / MANIFEST_NAME
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing; {REBUILD_HINT}") from None


def _expand_half(model: onnx.ModelProto) -> None:
    """Widen float16 initializers to float32 in place and drop the Casts that widened them."""
    graph = model.graph
    users: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    renamed: dict[str, str] = {}
    for init in graph.initializer:
        casts = users.get(init.name, [])
        if init.data_type != TensorProto.FLOAT16 or not casts:
            continue
        if any(n.op_type != "Cast" or n.attribute[0].i != TensorProto.FLOAT for n in casts):
            continue
        wide = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32))
        init.data_type = TensorProto.FLOAT
        init.raw_data = wide.raw_data
        del init.int32_data[:]
        renamed[init.name] = casts[0].output[0]
        for cast in casts[1:]:  # several Casts of one initializer: keep them as Identity
            cast.op_type, cast.input[0] = "Identity", casts[0].output[0]
            del cast.attribute[:]
    kept = [n for n in graph.node if not (n.op_type == "Cast" and n.input[0] in renamed)]
    del graph.node[:]
    graph.node.extend(kept)
    for init in graph.initializer:
        init.name = renamed.get(init.name, init.name)


class OnnxNetwork:
    """One converted MediaPipe network: ``run`` takes an NHWC float32 batch."""

    def __init__(self, name: str, threads: int = 2, outputs: list[str] | None = None) -> None:
        """``outputs`` keeps only those outputs; the layers only the others need are dropped
        (e.g. pose_landmark_full's segmentation head when masks are not used)."""
        entry = load_manifest().models.get(name)
        if entry is None:
            raise ModelFileError(f"no model {name!r} in {MODELS_DIR / MANIFEST_NAME}")
        path = model_path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelFileError(f"{path} is missing; {REBUILD_HINT}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256:
            raise ModelFileError(
                f"{path} has sha256 {digest}, the manifest says {entry.sha256}: "
                f"the file is corrupt or stale; {REBUILD_HINT}"
            )
        model = onnx.load_from_string(data)
        _expand_half(model)
        known = [o.name for o in entry.outputs]
        unknown = sorted(set(outputs or []) - set(known))
        if unknown:
            raise ModelFileError(f"{name} has no outputs {unknown}; it has {known}")
        if outputs is not None:
            keep_outputs(model, outputs)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Several small networks and the video decoder share two cores: idle pool threads
        # that spin steal them (measured: ~35% more frames per second without spinning).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.name = name
        self.entry = entry
        _, h, w, c = entry.input_shape
        self.input_shape: tuple[int, int, int] = (h, w, c)
        self.input_range: tuple[float, float] = entry.input_range
        self.output_names: list[str] = outputs if outputs is not None else known

    def run(self, batch: NDArray[Any]) -> dict[str, NDArray[np.float32]]:
        """Outputs by tflite name, batch first, for a (N, H, W, C) float batch."""
        if (
            not isinstance(batch, np.ndarray)
            or batch.ndim != 4
            or batch.shape[0] < 1
            or batch.shape[1:] != self.input_shape
            or not np.issubdtype(batch.dtype, np.floating)
        ):
            got = f"{batch.dtype} {batch.shape}" if isinstance(batch, np.ndarray) else type(batch)
            lo, hi = self.input_range
            h, w, c = self.input_shape
            raise ValueError(
                f"{self.name} expects a float32 NHWC batch of shape (N, {h}, {w}, {c}) with"
                f" N >= 1 and values in [{lo:g}, {hi:g}]; got {got}"
            )
        feed = np.ascontiguousarray(batch, dtype=np.float32)
        outputs = self._session.run(self.output_names, {self.entry.input_name: feed})
        return dict(zip(self.output_names, outputs, strict=True))
