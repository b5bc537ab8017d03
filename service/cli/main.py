"""The `etiquette` command line."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import ValidationError

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.errors import CalibrationError
from etiquette.models.runtime import ModelFileError
from etiquette.rules.config import RulesConfig
from etiquette.service.cameras.backends import BACKENDS, BackendError
from etiquette.service.cli.arg_types import positive_int, replay_speed
from etiquette.service.cli.bench_hq import BENCH_HQ
from etiquette.service.cli.bench_report import BENCH_REPORT
from etiquette.service.cli.bench_site import BENCH_SITE
from etiquette.service.cli.calibrate import CALIBRATE
from etiquette.service.cli.commands import CliError, Command, add_commands
from etiquette.service.cli.demo import DEMO
from etiquette.service.cli.eval import EVAL, EvalError
from etiquette.service.cli.hq import HQ, HQ_TOKEN
from etiquette.service.cli.models import MODELS
from etiquette.service.cli.serve import REPORT, SERVE, TOKEN
from etiquette.service.cli.soak import BENCH_SOAK
from etiquette.service.config import SiteError
from etiquette.service.offline.analyze import analyze
from etiquette.service.store.events import StoreError
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.sources import SourceError

if TYPE_CHECKING:
    from etiquette.service.bench.perception import Truth

EXIT_USAGE = 2


def _perception_config(args: argparse.Namespace) -> PerceptionConfig:
    return PerceptionConfig(threads=args.threads, hands=args.hands)


def _add_perception_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads", type=positive_int, default=2, help="inference threads (default 2)"
    )
    parser.add_argument(
        "--hands",
        choices=("off", "raised", "always"),
        default="raised",
        help="when to run the hand model (default: raised hands only)",
    )


def _add_frames_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=positive_int, help="stop after N frames")


def cmd_analyze(args: argparse.Namespace) -> int:
    camera = load_camera(Path(args.camera)) if args.camera else None
    rules = load_rules_config(Path(args.rules)) if args.rules else None
    summary = analyze(
        args.source,
        Path(args.out),
        backend=args.backend,
        annotate=args.annotate,
        config=_perception_config(args),
        camera=camera,
        rules_config=rules,
        clips=args.clips,
        camera_file=str(args.camera),
    )
    for line in summary.lines():
        print(line, file=sys.stderr if line.startswith("warning") else sys.stdout)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from etiquette.service.bench.perception import bench

    if not args.no_peer and importlib.util.find_spec("mediapipe") is None:
        raise CliError(
            "the MediaPipe peer needs the mediapipe extra: pip install "
            "'etiquette-monitor[mediapipe]', or pass --no-peer"
        )
    truth = _load_truth(Path(args.truth)) if args.truth else None
    report = bench(
        args.source,
        _perception_config(args),
        max_frames=args.frames,
        peer=not args.no_peer,
        truth=truth,
    )
    print(json.dumps(report))
    return 0


def load_rules_config(path: Path) -> RulesConfig:
    """The standards from a YAML file; every mistake named with its key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise CliError(f"{path}: no such rules file; check the path") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    try:
        return RulesConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise CliError(f"{path}: '{key}': {first['msg']}") from None


def _load_truth(path: Path) -> Truth:
    from etiquette.service.bench.perception import load_truth

    try:
        return load_truth(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such truth file; check the path") from None
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise CliError(
            f'{path}: not a truth file ({first}); it needs "visible": [[first, last], ...]'
        ) from None


def cmd_bench_prompts(args: argparse.Namespace) -> int:
    from etiquette.service.bench.prompts import bench_prompts

    print(json.dumps(bench_prompts(args.loops, args.speed)))
    return 0


def cmd_bench_clips(args: argparse.Namespace) -> int:
    from etiquette.service.bench.clips import bench_clips
    from etiquette.service.offline.demo import DEMO_CAMERA, DEMO_SAMPLE

    source = args.source or str(DEMO_SAMPLE)
    camera_path = args.camera or (None if args.source else str(DEMO_CAMERA))
    camera = load_camera(Path(camera_path)) if camera_path else None
    print(json.dumps(bench_clips(source, camera, args.frames)))
    return 0


def _version() -> str:
    try:
        return importlib.metadata.version("etiquette-monitor")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


def _analyze_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="video file, image folder, rtsp:// URL or webcam index")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument(
        "--camera", help="camera file (etiquette calibrate): floor positions, gravity, zones"
    )
    parser.add_argument(
        "--clips",
        action="store_true",
        help="also write coaching clips (missed and late greetings, staff bows, posture "
        "lapses; faces blurred except staff's) into DIR/clips with an index clips.jsonl",
    )
    parser.add_argument(
        "--rules",
        help="YAML with the etiquette standards to use (see the README's rules "
        "settings); the training deck's defaults otherwise",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="onnx",
        help="onnx (default, bundled) or mediapipe (optional extra)",
    )
    parser.add_argument(
        "--annotate",
        action="store_true",
        help="also write a browser-playable video with skeletons and ids",
    )
    _add_perception_flags(parser)


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", help="video file, image folder, rtsp:// URL or webcam index to measure on"
    )
    _add_frames_limit(parser)
    parser.add_argument("--no-peer", action="store_true", help="skip the MediaPipe peer")
    parser.add_argument(
        "--truth", help="JSON with visible frame ranges, to count true and false person-frames"
    )
    _add_perception_flags(parser)


def _bench_prompts_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--loops", type=positive_int, default=2, help="times the clip is replayed (6 arrivals each)"
    )
    parser.add_argument(
        "--speed",
        type=replay_speed,
        default=2.0,
        help="replay speed; frames keep their capture times (2.0)",
    )


def _bench_clips_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", help="video file (default: the sample)")
    parser.add_argument("--camera", help="camera file (zones, gravity)")
    _add_frames_limit(parser)


ANALYZE = Command(
    "analyze",
    help="process every frame of a video, image folder or camera",
    run=cmd_analyze,
    arguments=_analyze_arguments,
    description="Process every frame of SOURCE and write DIR/tracks.jsonl (one JSON object "
    "per frame), DIR/events.jsonl (one per finished etiquette event) and, with --annotate, "
    "DIR/annotated.mp4.",
)
BENCH = Command(
    "bench",
    help="measure speed and memory against the MediaPipe Tasks peer",
    run=cmd_bench,
    arguments=_bench_arguments,
    description="Run SOURCE through our pipeline and through MediaPipe Tasks PoseLandmarker "
    "(VIDEO mode) in one run; print one JSON line with per-stage median ms, fps, peak RSS "
    "and the fps ratio.",
)
BENCH_PROMPTS = Command(
    "bench-prompts",
    help="measure greeting-prompt latency end to end",
    run=cmd_bench_prompts,
    arguments=_bench_prompts_arguments,
    description="Replay the bundled sample as a live camera through the whole service and "
    "time each greeting prompt from the capture of the frame in which the customer "
    "entered the arrival zone to its receipt by a WebSocket client; prints one JSON line "
    "(count, median, p95, max in ms).",
)
BENCH_CLIPS = Command(
    "bench-clips",
    help="what coaching clips cost a camera runner",
    run=cmd_bench_clips,
    arguments=_bench_clips_arguments,
    description="Per frame: perception and rules vs. the clip ring buffer (face blurring "
    "and a JPEG), medians from one run over the same frames; per clip: the background "
    "writer's time; the ring buffer's size. One JSON line. Without SOURCE: the bundled "
    "sample with its camera file.",
)
COMMANDS = (
    ANALYZE,
    BENCH,
    BENCH_PROMPTS,
    BENCH_CLIPS,
    BENCH_SOAK,
    BENCH_REPORT,
    BENCH_SITE,
    BENCH_HQ,
    DEMO,
    CALIBRATE,
    TOKEN,
    SERVE,
    REPORT,
    HQ,
    HQ_TOKEN,
    EVAL,
    MODELS,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etiquette",
        description="Service-etiquette monitor for bank branches: pose, hands and tracks from "
        "a lobby camera, on the CPU.",
    )
    parser.add_argument(
        "--version", action="version", version=f"etiquette {_version()}", help="print the version"
    )
    add_commands(parser.add_subparsers(dest="command", required=True), COMMANDS)
    return parser


def _fail(message: str) -> int:
    print(f"etiquette: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except (
        SourceError,
        BackendError,
        CliError,
        CalibrationError,
        ModelFileError,
        SiteError,
        EvalError,
        StoreError,
    ) as error:
        return _fail(str(error))
    except OSError as error:  # e.g. --out names a file, a folder cannot be written
        return _fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
