"""One-Euro filter over arrays (Casiez et al. 2012): little lag when moving fast, little
jitter when still. Timestamps are seconds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _alpha(cutoff_hz: float | np.ndarray, dt: float) -> Any:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Filters a fixed-shape float array. A NaN entry (a value not seen this frame) keeps the
    previous filtered value; a NaN in the first frame stays NaN until a value arrives."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self._value: np.ndarray | None = None
        self._derivative: np.ndarray | None = None
        self._time: float | None = None

    def __call__(self, value: np.ndarray, timestamp: float, scale: float = 1.0) -> np.ndarray:
        """Filter ``value``; ``scale`` divides the speed (e.g. a body size in pixels) so one
        setting fits near and far people."""
        if self._value is None or self._time is None or self._value.shape != value.shape:
            self._value = value.astype(np.float64, copy=True)
            self._derivative = np.zeros_like(self._value)
            self._time = timestamp
            return self._value.copy()
        dt = timestamp - self._time
        if dt <= 0:
            return self._value.copy()
        assert self._derivative is not None
        fresh = np.where(np.isnan(value), self._value, value)
        # Entries never seen before start from their first real value.
        self._value = np.where(np.isnan(self._value), fresh, self._value)
        derivative = np.nan_to_num((fresh - self._value) / dt)
        a_d = _alpha(self.d_cutoff, dt)
        self._derivative = a_d * derivative + (1 - a_d) * self._derivative
        speed = np.abs(self._derivative) / max(scale, 1e-9)
        alpha = _alpha(self.min_cutoff + self.beta * speed, dt)
        self._value = alpha * fresh + (1 - alpha) * self._value
        self._time = timestamp
        return self._value.copy()
