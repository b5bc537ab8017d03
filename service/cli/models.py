"""`etiquette models build`: the ONNX files (and MediaPipe Tasks bundles) from the mediapipe
wheel."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from etiquette.models.runtime import MODELS_DIR
from etiquette.service.cli.commands import CliError, Command, CommandGroup


def cmd_models_build(args: argparse.Namespace) -> int:
    import subprocess
    import tempfile

    needed = [("tflite", "build")] + ([("mediapipe", "mediapipe")] if args.tasks else [])
    for module, extra in needed:
        if importlib.util.find_spec(module) is None:
            raise CliError(
                f"this needs the {extra} extra: pip install 'etiquette-monitor[{extra}]'"
            )
    from etiquette.models.build.build import build_models, download_wheel

    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="mediapipe-wheel-") as tmp:
        try:
            wheel = Path(args.wheel) if args.wheel else download_wheel(Path(tmp))
        except subprocess.CalledProcessError as error:
            raise CliError(
                f"could not download the mediapipe 0.10.21 wheel (pip exit {error.returncode}); "
                "check the package index is reachable, or pass --wheel"
            ) from None
        manifest = build_models(out, wheel=wheel)
        for name, entry in manifest.models.items():
            print(f"{name}: {out / entry.file} sha256 {entry.sha256[:12]}")
        if args.tasks:
            from etiquette.models.build.tasks import build_task_bundles, extract_modules

            modules = extract_modules(wheel, Path(tmp) / "modules")
            for path in build_task_bundles(modules, out.parent / "tasks"):
                print(f"task bundle: {path}")
    return 0


def _models_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=str(MODELS_DIR),
        help="folder for the ONNX files and manifest (default: the bundled models/onnx)",
    )
    parser.add_argument("--wheel", help="a downloaded mediapipe-0.10.21 wheel")
    parser.add_argument(
        "--tasks",
        action="store_true",
        help="also build the MediaPipe Tasks bundles (../tasks/*.task) for --backend mediapipe",
    )


MODELS = CommandGroup(
    "models",
    help="model files",
    subcommands=(
        Command(
            "build",
            help="rebuild the ONNX files from the mediapipe 0.10.21 wheel",
            run=cmd_models_build,
            arguments=_models_build_arguments,
            description="Fetch the mediapipe 0.10.21 wheel (or use --wheel), convert its "
            "pose, hand and face networks to ONNX and write the manifest.",
        ),
    ),
)
