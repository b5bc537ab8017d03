"""The interface every network runtime offers to the pre/post-processing code."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Network(Protocol):
    """A network that maps a float32 NHWC batch to named float32 outputs."""

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of one input image."""
        ...

    def run(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        """Run a (N, H, W, C) float32 batch; outputs keep the batch dimension first."""
        ...
