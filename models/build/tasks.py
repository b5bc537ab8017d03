"""MediaPipe Tasks bundles (.task) from the same mediapipe 0.10.21 tflite files as models/onnx/.

    python -m models.build.tasks --out models/tasks [--modules DIR]

``DIR`` is the ``mediapipe/modules`` folder of an extracted mediapipe 0.10.21 wheel; without
it the wheel is fetched with pip. Writes ``pose_landmarker.task`` and ``hand_landmarker.task``
for the ``--backend mediapipe`` perception backend (needs ``mediapipe==1.2.3``).

The Tasks graphs normalise input images as the model's metadata says, and the 0.10.21
pose_landmark_full and palm_detection_lite files carry none; they get image-input metadata
(mean 0, std 255: pixels scaled to [0, 1]) written with mediapipe's metadata writers. The
other two files already have it and are bundled unchanged. Bundles are uncompressed zips with
4-byte aligned members (mediapipe memory-maps them) and fixed timestamps, so rebuilding gives
the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import sys
import tempfile
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

SOURCE_PACKAGE = "mediapipe==0.10.21"
# mediapipe 1.2.3's metadata.py imports this pybind module, which its wheel no longer ships.
_VERSION_MODULE = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
# What mediapipe's GetMinimumMetadataParserVersion returns for image-input + feature-output
# metadata (checked against the 0.10.21 wheel's compiled module): none of the schema features
# that need a newer parser (tokenizers, tensor groups, audio, custom metadata...) is used.
_MIN_PARSER_VERSION = "1.0.0"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_ALIGNMENT = 4
_LOCAL_HEADER_SIZE = 30
NORM_MEAN = 0.0
NORM_STD = 255.0


@dataclass(frozen=True)
class Member:
    name: str  # file name inside the .task bundle, as the Tasks graph looks it up
    source: str  # path below mediapipe/modules in the wheel
    add_normalization: bool


@dataclass(frozen=True)
class Bundle:
    file: str
    members: tuple[Member, ...]


BUNDLES: tuple[Bundle, ...] = (
    Bundle(
        "pose_landmarker.task",
        (
            Member("pose_detector.tflite", "pose_detection/pose_detection.tflite", False),
            Member(
                "pose_landmarks_detector.tflite", "pose_landmark/pose_landmark_full.tflite", True
            ),
        ),
    ),
    Bundle(
        "hand_landmarker.task",
        (
            Member("hand_detector.tflite", "palm_detection/palm_detection_lite.tflite", True),
            Member(
                "hand_landmarks_detector.tflite", "hand_landmark/hand_landmark_lite.tflite", False
            ),
        ),
    ),
)


def _install_version_stand_in() -> None:
    """Let mediapipe 1.2.3's metadata writers import without their missing C extension."""
    if _VERSION_MODULE in sys.modules:
        return
    parts = _VERSION_MODULE.split(".")
    for depth in range(3, len(parts)):  # mediapipe.tasks.cc ... .python
        name = ".".join(parts[:depth])
        sys.modules.setdefault(name, types.ModuleType(name))
    stand_in = types.ModuleType(_VERSION_MODULE)

    def minimum_parser_version(metadata: bytes) -> str:
        del metadata
        return _MIN_PARSER_VERSION

    stand_in.GetMinimumMetadataParserVersion = minimum_parser_version  # type: ignore[attr-defined]
    sys.modules[_VERSION_MODULE] = stand_in
    setattr(sys.modules[".".join(parts[:-1])], parts[-1], stand_in)


def with_image_normalization(model: bytes) -> bytes:
    """The tflite model with image-input metadata: RGB, (pixel - 0) / 255."""
    try:
        _install_version_stand_in()  # must come before mediapipe's metadata modules load
        from mediapipe.tasks.python.metadata.metadata_writers import (
            metadata_writer,
            writer_utils,
        )
    except ImportError as error:
        raise SystemExit(
            f"building .task bundles needs mediapipe ({error}); "
            "pip install 'etiquette-monitor[mediapipe]'"
        ) from error
    buffer = bytearray(model)
    writer = metadata_writer.MetadataWriter.create(buffer)
    writer.add_image_input(norm_mean=[NORM_MEAN], norm_std=[NORM_STD])
    for name in writer_utils.get_output_tensor_names(buffer):
        writer.add_feature_output(name=name)
    populated, _ = writer.populate()
    del writer  # its temporary folder goes now, not at interpreter exit
    return bytes(populated)


def write_bundle(members: dict[str, bytes], path: Path) -> None:
    """An uncompressed zip whose members start on 4-byte boundaries (mediapipe's own
    AlignZipFile), with fixed timestamps so that a rebuild gives the same bytes."""
    from mediapipe.tasks.python.metadata.metadata_writers import (
        model_asset_bundle_utils,
    )

    with model_asset_bundle_utils.AlignZipFile(path, mode="w", alignment=_ALIGNMENT) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data)


def data_offsets(path: Path) -> dict[str, int]:
    """Where each member's bytes start in the zip (after its local header)."""
    offsets: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset)
            header = handle.read(_LOCAL_HEADER_SIZE)
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            offsets[info.filename] = (
                info.header_offset + _LOCAL_HEADER_SIZE + name_length + extra_length
            )
    return offsets


def _check_aligned(path: Path) -> None:
    for name, offset in data_offsets(path).items():
        if offset % _ALIGNMENT:
            raise RuntimeError(f"{path}: member {name} is not {_ALIGNMENT}-byte aligned")


def build_task_bundles(modules_dir: Path, out_dir: Path) -> list[Path]:
    """Write the .task bundles from a wheel's ``mediapipe/modules`` folder into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for bundle in BUNDLES:
        members: dict[str, bytes] = {}
        for member in bundle.members:
            source = modules_dir / member.source
            if not source.is_file():
                raise FileNotFoundError(
                    f"{source} is missing; give the mediapipe/modules folder of an extracted "
                    f"{SOURCE_PACKAGE} wheel"
                )
            data = source.read_bytes()
            members[member.name] = (
                with_image_normalization(data) if member.add_normalization else data
            )
        path = out_dir / bundle.file
        write_bundle(members, path)
        _check_aligned(path)
        written.append(path)
    return written


def extract_modules(wheel: Path, dest: Path) -> Path:
    prefix = "mediapipe/modules/"
    with zipfile.ZipFile(wheel) as archive:
        for bundle in BUNDLES:
            for member in bundle.members:
                archive.extract(prefix + member.source, dest)
    return dest / prefix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("models/tasks"), help="output folder")
    parser.add_argument(
        "--modules", type=Path, help="mediapipe/modules folder of an extracted 0.10.21 wheel"
    )
    args = parser.parse_args(argv)
    if args.modules is not None:
        paths = build_task_bundles(args.modules, args.out)
    else:
        # Only here: models.build.build needs the tflite package, the bundles do not.
        from etiquette.models.build.build import download_wheel

        with tempfile.TemporaryDirectory(prefix="mediapipe-wheel-") as tmp:
            modules = extract_modules(download_wheel(Path(tmp)), Path(tmp) / "x")
            paths = build_task_bundles(modules, args.out)
    for path in paths:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:16]
        print(f"{path}  {len(data) / 1e6:.2f} MB  sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
