"""The one error type of calibration: what is wrong, and what to do about it."""

from __future__ import annotations


class CalibrationError(ValueError):
    """Bad calibration input or a camera file that cannot be used, with the fix."""
