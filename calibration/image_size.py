"""A camera file against the frames it is used with. Its pixels (intrinsics, floor homography,
marks) are those of ``image_size``: frames of that size use it as it is; frames of the same
aspect ratio at another resolution (a camera's main and sub stream, a re-encoded copy) are
the same picture scaled, and so is the calibration; any other size is refused, since the
picture is cropped or comes from another camera and every floor position would be wrong."""

from __future__ import annotations

import numpy as np

from etiquette.calibration.camera_file import CameraFile
from etiquette.calibration.errors import CalibrationError

# Width and height may scale this differently (0.5%): 854x480 is 1280x720 rounded.
ASPECT_TOLERANCE = 0.005


class ImageSizeError(CalibrationError):
    """Frames of another image size than the camera file's (not merely another resolution)."""


def _size(width: int, height: int) -> str:
    return f"{width}x{height}"


def fit_to_frames(
    camera: CameraFile, width: int, height: int, *, camera_file: str, source: str
) -> CameraFile:
    """``camera`` for frames of ``width`` x ``height``: itself at its own size, scaled at the
    same aspect ratio; else ImageSizeError naming ``camera_file``, both sizes and what to do
    (``source`` says where the frames come from)."""
    own_width, own_height = camera.image_size
    if (width, height) == (own_width, own_height):
        return camera
    scale_x, scale_y = width / own_width, height / own_height
    if abs(scale_x / scale_y - 1) > ASPECT_TOLERANCE:
        raise ImageSizeError(
            f"{camera_file} is for {_size(own_width, own_height)} images but {source} gives "
            f"{_size(width, height)} frames (another picture, not just another resolution); "
            "re-calibrate the camera at this size (`etiquette calibrate`) or use the camera "
            "file made for it"
        )
    return scaled(camera, width, height)


def scaled(camera: CameraFile, width: int, height: int) -> CameraFile:
    """The camera file for the same picture resized to ``width`` x ``height``: focal lengths,
    principal point, marks and the homography (pixels to floor) scaled; distortion (in
    normalised coordinates), the camera's pose and the zones (floor metres) unchanged."""
    scale_x, scale_y = width / camera.image_size[0], height / camera.image_size[1]
    update: dict[str, object] = {"image_size": [width, height]}
    lens = camera.intrinsics
    if lens is not None:
        rms = None if lens.rms_px is None else lens.rms_px * (scale_x + scale_y) / 2
        update["intrinsics"] = lens.model_copy(
            update={
                "fx": lens.fx * scale_x,
                "fy": lens.fy * scale_y,
                "cx": lens.cx * scale_x,
                "cy": lens.cy * scale_y,
                "rms_px": rms,
            }
        )
    floor = camera.floor
    if floor is not None:
        # Old pixel = new pixel / scale: the homography takes the new pixels through that.
        homography = np.asarray(floor.homography) @ np.diag([1 / scale_x, 1 / scale_y, 1.0])
        points = [
            point.model_copy(update={"u": point.u * scale_x, "v": point.v * scale_y})
            for point in floor.points
        ]
        update["floor"] = floor.model_copy(
            update={"homography": homography.tolist(), "points": points}
        )
    return camera.model_copy(update=update)


def scaled_note(camera: CameraFile, width: int, height: int, camera_file: str) -> str | None:
    """What to tell the user when ``camera`` is scaled for frames of this size (None if not)."""
    own_width, own_height = camera.image_size
    if (width, height) == (own_width, own_height):
        return None
    return (
        f"{camera_file} is for {_size(own_width, own_height)} images and the frames are "
        f"{_size(width, height)} (the same aspect ratio): its calibration was scaled to them; "
        "re-calibrate if this resolution shows less of the scene (a crop)"
    )
