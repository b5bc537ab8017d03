"""tracks.jsonl: one JSON object per frame with everyone seen in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import numpy as np

from etiquette.rules.engine import FrameRules, PersonRules
from etiquette.rules.events import Event, Phase
from etiquette.rules.roles import ROLE_NAMES
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import HandSide

HAND_SIDE_NAMES = {HandSide.LEFT: "left", HandSide.RIGHT: "right"}


def _rounded(array: np.ndarray, digits: int) -> list[Any]:
    return np.round(array.astype(np.float64), digits).tolist()  # type: ignore[no-any-return]


def _judged(person: PersonRules | None, floor: np.ndarray) -> dict[str, Any]:
    """The rules' per-person fields."""
    return {
        "trunk_deg": None if person is None else person.trunk_deg,
        "floor": _rounded(floor, 3) if np.isfinite(floor).all() else None,
        "role": None if person is None else ROLE_NAMES.get(person.role),
        "role_reason": None if person is None else person.role_reason,
        "posture": None
        if person is None or person.posture_faults is None
        else list(person.posture_faults),
    }


def frame_record(result: FrameResult, rules: FrameRules | None = None) -> dict[str, Any]:
    """The JSON object of one frame (the tracks.jsonl schema)."""
    people = result.people
    judged = rules.people if rules is not None else {}
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
                **_judged(judged.get(int(people.track_ids[row])), people.floor[row]),
            }
        )
    return {"frame": result.index, "t": round(result.timestamp, 4), "people": persons}


class TracksWriter:
    """Appends frames to DIR/tracks.jsonl, flushing each line so a crash loses nothing
    already written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, result: FrameResult, rules: FrameRules | None = None) -> None:
        self._file.write(json.dumps(frame_record(result, rules), separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class EventsWriter:
    """Appends finished events to DIR/events.jsonl, one JSON object a line, flushed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, events: list[Event]) -> None:
        for event in events:
            if event.phase == Phase.END:
                self._file.write(json.dumps(event.record(), ensure_ascii=False) + "\n")
                self.count += 1
        self._file.flush()

    def close(self) -> None:
        self._file.close()
