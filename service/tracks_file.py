"""tracks.jsonl: one JSON object per frame with everyone seen in it."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np

from vision.frame import FrameResult
from vision.joints import HandSide

HAND_SIDE_NAMES = {HandSide.LEFT: "left", HandSide.RIGHT: "right"}


def _rounded(array: np.ndarray, digits: int) -> list[Any]:
    return np.round(array.astype(np.float64), digits).tolist()  # type: ignore[no-any-return]


def frame_record(result: FrameResult) -> dict[str, Any]:
    """The JSON object of one frame (the tracks.jsonl schema)."""
    people = result.people
    has_world = people.has_world()
    persons: list[dict[str, Any]] = []
    for row in range(len(people)):
        hands = [
            {
                "side": HAND_SIDE_NAMES[side],
                "keypoints": _rounded(people.hands[row, side], 2),
            }
            for side in HandSide
            if people.hand_scores[row, side] > 0  # perception zeroes hands it rejected
        ]
        persons.append(
            {
                "id": int(people.track_ids[row]),
                "bbox": _rounded(people.boxes[row], 1),
                "score": round(float(people.scores[row]), 4),
                "keypoints": _rounded(people.keypoints[row], 3),
                "world": _rounded(people.world[row], 4) if has_world[row] else None,
                "hands": hands,
            }
        )
    return {"frame": result.index, "t": round(result.timestamp, 4), "people": persons}


class TracksWriter:
    """Appends frames to DIR/tracks.jsonl, flushing each line so a crash loses nothing
    already written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, result: FrameResult) -> None:
        self._file.write(json.dumps(frame_record(result), separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TracksWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
