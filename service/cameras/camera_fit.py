"""A camera file kept fitted to the frames as they come, for `etiquette analyze` and the camera
runners: used as it is at its own image size, scaled at another resolution of the same
picture, refused (ImageSizeError, with the fix) at any other size."""

from __future__ import annotations

import numpy as np

from etiquette.calibration.camera_file import CameraFile
from etiquette.calibration.image_size import fit_to_frames, scaled_note
from etiquette.vision.placement import Placement


class FramesCamera:
    """The camera file (or none) and the placement made from it, for frames of the size last
    seen. ``camera_file`` and ``source`` name the file and the frames in messages."""

    def __init__(self, camera: CameraFile | None, camera_file: str, source: str) -> None:
        self.original = camera
        self.camera = camera
        self.camera_file, self.source = camera_file, source
        self.placement = Placement.from_camera(camera)
        self.note: str | None = None  # set when the calibration was scaled to the frames

    def fit(self, image: np.ndarray, index: int | None = None) -> bool:
        """Fit the calibration to ``image``'s size (a cheap check when it is unchanged): True
        when it changed. ImageSizeError when it cannot fit; ``index`` (the frame's, if past
        the first) goes into that message."""
        if self.original is None or self.camera is None:
            return False
        height, width = image.shape[:2]
        if [width, height] == self.camera.image_size:
            return False
        source = self.source if not index else f"{self.source} (from frame {index})"
        self.camera = fit_to_frames(
            self.original, width, height, camera_file=self.camera_file, source=source
        )
        self.placement = Placement.from_camera(self.camera)
        self.note = scaled_note(self.original, width, height, self.camera_file)
        return True
