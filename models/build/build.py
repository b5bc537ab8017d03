"""Reproducible build of models/onnx/ from the MediaPipe 0.10.21 wheel (Apache-2.0).

    python -m models.build.build --out models/onnx [--wheel PATH]

Fetches the wheel with pip unless one is given, converts the tflite networks listed in
``SOURCES`` to ONNX with our own converter, and writes ``<name>.onnx`` plus ``manifest.json``;
also writes the wheel's LICENSE and a NOTICE next to the output folder (models/).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from etiquette.models.build.tflite_to_onnx import CONVERTER_NAME, OPSET, convert, list_ops
from etiquette.models.runtime import MANIFEST_NAME, Manifest, ModelEntry, OutputSpec

SOURCE_PACKAGE = "mediapipe==0.10.21"
WHEEL_GLOB = "mediapipe-0.10.21-*.whl"
LICENCE = "Apache-2.0"
PIP_PLATFORM = ("--python-version", "3.11", "--platform", "manylinux_2_28_x86_64")


@dataclass(frozen=True)
class Source:
    name: str
    member: str  # path inside the wheel
    input_range: tuple[float, float]  # from the tflite metadata / MediaPipe's graphs


_MODULES = "mediapipe/modules"
SOURCES: tuple[Source, ...] = (
    Source("pose_detection", f"{_MODULES}/pose_detection/pose_detection.tflite", (-1.0, 1.0)),
    Source("pose_landmark_full", f"{_MODULES}/pose_landmark/pose_landmark_full.tflite", (0.0, 1.0)),
    Source("hand_landmark_lite", f"{_MODULES}/hand_landmark/hand_landmark_lite.tflite", (0.0, 1.0)),
    Source("hand_landmark_full", f"{_MODULES}/hand_landmark/hand_landmark_full.tflite", (0.0, 1.0)),
    Source(
        "palm_detection_lite", f"{_MODULES}/palm_detection/palm_detection_lite.tflite", (0.0, 1.0)
    ),
    Source(
        "face_detection_short_range",
        f"{_MODULES}/face_detection/face_detection_short_range.tflite",
        (-1.0, 1.0),
    ),
    Source(
        "face_detection_full_range",
        f"{_MODULES}/face_detection/face_detection_full_range_sparse.tflite",
        (-1.0, 1.0),
    ),
)

NOTICE = """\
models/onnx/*.onnx: neural networks from Google's MediaPipe, converted to ONNX.

Source: the mediapipe 0.10.21 Python wheel ({wheel}), files
{members}
Copyright Google LLC, licensed under the Apache License, Version 2.0 (the wheel's licence text
is in models/LICENSE).

Modifications: each .tflite file was converted to ONNX (opset {opset}) by this project's
models/build/tflite_to_onnx.py: the layout was changed to NCHW inside the graph, float16 and
sparse weights were decoded to dense tensors (weights stay float16 on disk), PReLU was rewritten
as Relu(x) + alpha * Min(x, 0), and the batch dimension was made dynamic. The weights are
otherwise unchanged. models/onnx/manifest.json records the sha256 of every source and output
file; `etiquette models build` (or `python -m models.build.build --out models/onnx`)
rebuilds them.

models/tasks/*.task: MediaPipe Tasks bundles of the same wheel's unchanged .tflite files
(pose_detection + pose_landmark_full; palm_detection_lite + hand_landmark_lite), with image
normalization metadata (mean 0, std 255) added to pose_landmark_full and palm_detection_lite;
for the optional `--backend mediapipe`. `etiquette models build --tasks` rebuilds them.
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """The mediapipe 0.10.21 wheel in ``dest``, fetched with pip unless already there."""
    dest.mkdir(parents=True, exist_ok=True)
    found = sorted(dest.glob(WHEEL_GLOB))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                SOURCE_PACKAGE,
                "--no-deps",
                "--only-binary=:all:",
                *PIP_PLATFORM,
                "-d",
                str(dest),
            ],
            check=True,
        )
        found = sorted(dest.glob(WHEEL_GLOB))
    if not found:
        raise FileNotFoundError(f"pip did not leave a {WHEEL_GLOB} in {dest}")
    return found[0]


def _convert_all(wheel: Path, out_dir: Path, licence_dir: Path) -> Manifest:
    entries: dict[str, ModelEntry] = {}
    with zipfile.ZipFile(wheel) as archive:
        licence = archive.read("mediapipe-0.10.21.dist-info/LICENSE")
        for source in SOURCES:
            data = archive.read(source.member)
            model = convert(
                data,
                graph_name=source.name,
                metadata={
                    "source_package": SOURCE_PACKAGE,
                    "source_file": source.member,
                    "source_sha256": sha256(data),
                    "licence": LICENCE,
                },
            )
            blob = model.SerializeToString()
            file = f"{source.name}.onnx"
            (out_dir / file).write_bytes(blob)
            dims = model.graph.input[0].type.tensor_type.shape.dim
            outputs = [
                OutputSpec(
                    name=o.name,
                    shape=[
                        d.dim_value if d.HasField("dim_value") else -1
                        for d in o.type.tensor_type.shape.dim
                    ],
                )
                for o in model.graph.output
            ]
            entries[source.name] = ModelEntry(
                file=file,
                sha256=sha256(blob),
                source_file=source.member,
                source_sha256=sha256(data),
                source_package=SOURCE_PACKAGE,
                licence=LICENCE,
                input_name=model.graph.input[0].name,
                input_shape=[d.dim_value if d.HasField("dim_value") else -1 for d in dims],
                input_range=source.input_range,
                outputs=outputs,
                ops=list_ops(data),
            )
    manifest = Manifest(
        source_wheel=wheel.name, converter=CONVERTER_NAME, opset=OPSET, models=entries
    )
    (out_dir / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n")
    licence_dir.mkdir(parents=True, exist_ok=True)
    (licence_dir / "LICENSE").write_bytes(licence)
    members = "\n".join(f"  {s.member} -> onnx/{s.name}.onnx" for s in SOURCES)
    notice = NOTICE.format(wheel=wheel.name, members=members, opset=OPSET)
    (licence_dir / "NOTICE").write_text(notice)
    return manifest


def build_models(
    out_dir: Path, wheel: Path | None = None, licence_dir: Path | None = None
) -> Manifest:
    """Convert every network in ``SOURCES`` into ``out_dir``; LICENSE/NOTICE go to its parent."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = licence_dir if licence_dir is not None else out_dir.parent
    if wheel is not None:
        return _convert_all(wheel, out_dir, target)
    with tempfile.TemporaryDirectory(prefix="mediapipe-wheel-") as tmp:
        return _convert_all(download_wheel(Path(tmp)), out_dir, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("models/onnx"), help="output folder")
    parser.add_argument("--wheel", type=Path, help="a downloaded mediapipe 0.10.21 wheel")
    args = parser.parse_args(argv)
    manifest = build_models(args.out, args.wheel)
    for name, entry in manifest.models.items():
        size = (args.out / entry.file).stat().st_size
        print(f"{name:28s} {size / 1e6:6.2f} MB  {entry.sha256[:16]}  ops: {', '.join(entry.ops)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
