"""`etiquette calibrate ...`: intrinsics, floor, check picture, locate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import ValidationError

from etiquette.calibration.camera_file import (
    CameraFile,
    Floor,
    load_camera,
    require_floor,
    save_camera,
)
from etiquette.calibration.config import FitGate
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.fit_gate import gated_fit
from etiquette.calibration.floor_fit import read_points_file, with_floor
from etiquette.calibration.intrinsics import calibrate_intrinsics, parse_board
from etiquette.calibration.overlay import draw_overlay
from etiquette.calibration.projection import FloorProjection
from etiquette.service.cli.arg_types import positive_centimetres, positive_metres
from etiquette.service.cli.commands import Command, CommandGroup
from etiquette.service.media.drawing import draw_text
from etiquette.service.vocabulary import label


def _pair(text: str, flag: str) -> np.ndarray:
    try:
        first, second = (float(v) for v in text.split(","))
    except ValueError:
        raise CalibrationError(f"{flag} {text!r}: give two numbers separated by a comma") from None
    return np.array([[first, second]])


def _read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise CalibrationError(f"{path}: not a readable image; give a .jpg or .png snapshot")
    return np.asarray(image)


def _check_size(camera: CameraFile, image: np.ndarray, path: Path) -> None:
    size = [image.shape[1], image.shape[0]]
    if size != camera.image_size:
        raise CalibrationError(
            f"{path} is {size[0]}x{size[1]} but the camera file is for "
            f"{camera.image_size[0]}x{camera.image_size[1]}; use a snapshot at the camera's "
            "resolution"
        )


def _camera_with_floor(args: argparse.Namespace) -> tuple[CameraFile, Floor]:
    """--camera's file and its floor section (refused when it has none)."""
    camera_path = Path(args.camera)
    camera = load_camera(camera_path)
    return camera, require_floor(camera, camera_path)


def _save_fit(camera: CameraFile, out: Path, report: list[str], note: str = "") -> None:
    """Write ``camera`` to ``out``, then print the fit's report and what was written."""
    save_camera(camera, out)
    for line in report:
        print(line)
    print(f"wrote {out}{note}")


def cmd_intrinsics(args: argparse.Namespace) -> int:
    board = parse_board(args.board, args.square)
    fit = calibrate_intrinsics([Path(p) for p in args.images], board)
    out = Path(args.out)
    camera = load_camera(out) if out.exists() else CameraFile(image_size=list(fit.image_size))
    camera = camera.model_copy(
        update={"intrinsics": fit.intrinsics, "floor": None, "image_size": list(fit.image_size)}
    )
    _save_fit(
        camera,
        out,
        fit.report(),
        " (any earlier floor fit was removed: refit it with the new lens)",
    )
    return 0


def cmd_floor(args: argparse.Namespace) -> int:
    camera_path = Path(args.camera)
    snapshot = _read_image(Path(args.image)) if args.image else None
    if camera_path.exists():
        camera = load_camera(camera_path)
    elif snapshot is not None:
        camera = CameraFile(image_size=[snapshot.shape[1], snapshot.shape[0]])
    else:
        raise CalibrationError(
            f"{camera_path}: no such camera file; give --image SNAPSHOT to start a camera "
            "without lens intrinsics, or run `etiquette calibrate intrinsics` first"
        )
    if snapshot is not None:
        _check_size(camera, snapshot, Path(args.image))
    marks = read_points_file(Path(args.points))
    width, height = camera.image_size
    outside = [i + 1 for i, m in enumerate(marks) if not (0 <= m.u < width and 0 <= m.v < height)]
    if outside:
        raise CalibrationError(
            f"marks {outside} lie outside the {width}x{height} image; check their u,v pixels"
        )
    try:
        gate = FitGate(max_mark_error_cm=args.max_error_cm, warn_mark_error_cm=args.warn_error_cm)
    except ValidationError:
        raise CalibrationError(
            f"--warn-error-cm {args.warn_error_cm:g} must not exceed --max-error-cm "
            f"{args.max_error_cm:g}"
        ) from None
    gated = gated_fit(marks, camera.intrinsics, gate)
    _save_fit(with_floor(camera, gated.fit), Path(args.out), gated.fit.report())
    for note in gated.warnings:
        print(f"warning: {note.en}", file=sys.stderr)
    return 0


def _chinese_text(
    canvas: np.ndarray, text: str, at: tuple[int, int], color: tuple[int, int, int]
) -> None:
    # A dark shadow keeps the label readable over its own coloured line and the grid.
    x, y = at[0], at[1] - 24
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (1, 1)):
        draw_text(canvas, text, (x + dx, y + dy), 16, (0, 0, 0))
    draw_text(canvas, text, (x, y), 16, color)


def _zone_words(camera: CameraFile) -> dict[str, str]:
    """Labels for the check picture, Chinese first: 门线 door, 岗位 door_post, ..."""
    words = {
        key: f"{label('zone', key)} {label('zone', key, 'en')}"
        for key in ("door", "queue", "ticket_machine", "self_service", "waiting")
    }
    for kind, names in (("post", camera.zones.posts), ("counter", camera.zones.counters)):
        for name in names:
            words[name] = f"{label('zone', kind)} {name}"
    return words


def cmd_check(args: argparse.Namespace) -> int:
    camera, floor = _camera_with_floor(args)
    image = _read_image(Path(args.image))
    _check_size(camera, image, Path(args.image))
    overlay = draw_overlay(
        image, camera, floor, grid_m=args.grid, write=_chinese_text, words=_zone_words(camera)
    )
    out = Path(args.out)
    try:
        written = cv2.imwrite(str(out), overlay)
    except cv2.error:
        written = False
    if not written:
        raise CalibrationError(f"{out}: cannot write the picture; check the folder and suffix")
    print(f"wrote {out}: {args.grid:g} m floor grid, door line, arrival zone, zones and marks")
    return 0


def cmd_locate(args: argparse.Namespace) -> int:
    projection = FloorProjection.from_camera(*_camera_with_floor(args))
    result: dict[str, Any]
    if args.pixel is not None:
        floor = projection.to_floor(_pair(args.pixel, "--pixel"))[0]
        if not np.isfinite(floor).all():
            raise CalibrationError(f"pixel {args.pixel} is at or above the horizon: no floor there")
        result = {"floor": [round(float(v), 4) for v in floor]}
    else:
        point = _pair(args.floor, "--floor")
        if not projection.in_front(point)[0]:
            raise CalibrationError(f"floor point {args.floor} is behind the camera")
        result = {"pixel": [round(float(v), 2) for v in projection.to_pixels(point)[0]]}
    print(json.dumps(result))
    return 0


def _intrinsics_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", help="chessboard photos from this camera")
    parser.add_argument("--board", required=True, help="inner corners, COLSxROWS (e.g. 7x7)")
    parser.add_argument("--square", type=float, required=True, help="square size, metres")
    parser.add_argument("--out", required=True, help="camera file to write (YAML)")


def _floor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera", required=True, help="camera file (from `intrinsics`)")
    parser.add_argument("--points", required=True, help="CSV with u,v,x,y")
    parser.add_argument(
        "--image",
        help="a snapshot (checks the size; starts a camera file "
        "without intrinsics when --camera does not exist)",
    )
    parser.add_argument("--out", required=True, help="camera file to write")
    defaults = FitGate()
    parser.add_argument(
        "--max-error-cm",
        type=positive_centimetres,
        default=defaults.max_mark_error_cm,
        help="refuse the fit when a mark is further off than this, naming the mark and the "
        f"likely cause (cm; {defaults.max_mark_error_cm:g})",
    )
    parser.add_argument(
        "--warn-error-cm",
        type=positive_centimetres,
        default=defaults.warn_mark_error_cm,
        help=f"warn when a mark is further off than this (cm; {defaults.warn_mark_error_cm:g})",
    )


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera", required=True, help="camera file to check (YAML)")
    parser.add_argument("--image", required=True, help="a snapshot from the camera")
    parser.add_argument("--out", required=True, help="picture to write (.png)")
    parser.add_argument(
        "--grid", type=positive_metres, default=0.5, help="grid spacing, metres (0.5)"
    )


def _locate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera", required=True, help="camera file with a floor (YAML)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pixel", help='U,V in the raw image; prints {"floor": [x, y]}')
    where.add_argument("--floor", help='X,Y in metres; prints {"pixel": [u, v]}')


CALIBRATE = CommandGroup(
    "calibrate",
    help="camera calibration: lens, floor plane, zones",
    description="Calibrate a camera: lens intrinsics from chessboard photos, the floor "
    "plane in metres from marked points, and check the result on a snapshot.",
    subcommands=(
        Command(
            "intrinsics",
            help="lens intrinsics from chessboard photos",
            run=cmd_intrinsics,
            arguments=_intrinsics_arguments,
            description="Detect the chessboard in each photo, fit the lens (intrinsics and "
            "distortion), report the RMS reprojection error overall and per view, and write "
            "them into CAMERA.yaml.",
        ),
        Command(
            "floor",
            help="the floor plane from marked points",
            run=cmd_floor,
            arguments=_floor_arguments,
            description="Fit the image-to-floor mapping from POINTS.csv (header u,v,x,y: pixel "
            "in the raw image, floor metres; at least 4 marks, better 6 or more, spread over the "
            "floor and not on one line; seen from above y is 90 degrees counter-clockwise "
            "from x) and, with intrinsics, the camera's height, tilt, roll and gravity "
            "direction. A fit whose worst mark is off by more than --max-error-cm is refused "
            "(exit code 2, nothing written), naming the mark and the likely cause (x and y "
            "swapped, a typo, a mark off the floor plane); one over --warn-error-cm is written "
            "with a warning.",
        ),
        Command(
            "check",
            help="draw the floor grid and zones on a snapshot",
            run=cmd_check,
            arguments=_check_arguments,
            description="Draw the door line, arrival zone, posts, counters, queue, the marks "
            "and a floor grid onto SNAPSHOT, for checking the calibration by eye.",
        ),
        Command(
            "locate",
            help="pixel to floor metres, or floor metres to pixel (JSON)",
            run=cmd_locate,
            arguments=_locate_arguments,
        ),
    ),
)
