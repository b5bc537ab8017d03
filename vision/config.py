"""Settings of the perception pipeline (one section of a site's YAML file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from etiquette.settings import Settings


class PerceptionConfig(Settings):
    """How people, poses and hands are found and followed."""

    threads: int = Field(
        2,
        ge=1,
        le=64,
        title="Inference threads",
        description="onnxruntime intra-op threads per network.",
    )
    max_people: int = Field(
        6,
        ge=1,
        le=32,
        title="Most people tracked",
        description="Tracks beyond this are not started.",
    )
    detector_interval_s: float = Field(
        1.0,
        gt=0,
        title="Detector interval",
        description="The full-frame person detector runs at least this often (seconds); it also runs at once where something moves that no track covers.",
    )
    idle_detector_interval_s: float = Field(
        0.2,
        ge=0,
        title="Detector interval with nobody tracked",
        description="While nobody is tracked and nothing moves, the detector runs this often (seconds); moving regions trigger it at once.",
    )
    detector_min_score: float = Field(
        0.3,
        ge=0,
        le=1,
        title="Detector score",
        description="Minimum person-detector score for a proposal (low on purpose: the landmark model must then confirm the person, so profiles and people half turned away are not missed).",
    )
    detector_sure_score: float = Field(
        0.5,
        ge=0,
        le=1,
        title="Sure detector score",
        description="Detections scoring between detector_min_score and this are proposed only where nothing moves (a person standing still, seen in profile or half turned away); where something moves, the motion proposal covers them.",
    )
    keep_presence: float = Field(
        0.3,
        ge=0,
        le=1,
        title="Presence to keep a track",
        description="A tracked person whose landmark presence falls below this is lost (a track not yet confirmed needs confirm_presence).",
    )
    confirm_presence: float = Field(
        0.9,
        ge=0,
        le=1,
        title="Presence to start a track",
        description="A new proposal becomes a track only when the landmark model's presence reaches this.",
    )
    confirm_visibility: float = Field(
        0.5,
        ge=0,
        le=1,
        title="Torso visibility to start a track",
        description="Mean visibility of shoulders and hips a new track needs (rejects phantoms in empty scenes).",
    )
    certain_presence: float = Field(
        0.999,
        ge=0,
        le=1,
        title="Presence reported at once",
        description="A new person whose landmark presence reaches this (with a visible torso) is reported from its first frame.",
    )
    confirm_frames: int = Field(
        1,
        ge=1,
        title="Frames to start a track",
        description="A new track is reported after it has persisted this many frames and moved (or, when still, after confirm_still_s).",
    )
    confirm_still_s: float = Field(
        0.4,
        ge=0,
        title="Seconds to start a still track",
        description="A new track that shows no motion is reported once it has persisted this long (seconds, whatever the frame rate) with a steady landmark presence (steady_presence).",
    )
    steady_presence: float = Field(
        0.8,
        ge=0,
        le=1,
        title="Presence of a person standing in view",
        description="A still new track seen in the first 2 s of a stream (people standing in view when the camera starts) is reported after confirm_still_s only if its landmark presence never fell below this (later, 0.95); a phantom on furniture flickers.",
    )
    confirm_unsteady_s: float = Field(
        3.0,
        ge=0,
        title="Seconds to start a flickering still track",
        description="A still new track whose presence flickers is reported only after this long.",
    )
    confirm_motion_share: float = Field(
        0.05,
        ge=0,
        le=1,
        title="Motion share to start a track",
        description="Share of a new track's box that must have moved, for it to be confirmed after confirm_frames.",
    )
    motion_proposals: bool = Field(
        True,
        title="Motion proposals",
        description="Propose people where the fixed camera sees motion the tracks do not cover (people from behind, far people).",
    )
    smallest_person_px: float = Field(
        100,
        ge=0,
        title="Smallest person standing still",
        description="People this tall (pixels) or taller are found even when they stand still: besides the whole frame, the detector looks at zoomed tiles of it (all on the first frame, then zoom_tiles_per_pass in turn every detector_interval_s). 0 turns the tiles off. Moving people are looked at zoomed wherever they are, whatever their size.",
    )
    zoom_tiles_per_pass: int = Field(
        1,
        ge=0,
        title="Zoomed tiles per detector pass",
        description="How many of the zoomed tiles the detector looks at (in turn) every detector_interval_s after the first frame; each costs one more detector run.",
    )
    zoom_on_motion: bool = Field(
        False,
        title="Zoom on moving people",
        description="Also look with the detector, zoomed, around moving blobs no track explains (people too small for the whole frame while they walk). Off by default: on a busy street clip it finds 8% more person-frames but costs about 20% of the frame rate; people in a lobby camera's door area are usually large enough.",
    )
    track_grace_s: float = Field(
        1.5,
        ge=0,
        title="Occlusion grace",
        description="A lost track's id is given back to a person reappearing nearby within this many seconds.",
    )
    hands: Literal["off", "raised", "always"] = Field(
        "raised",
        title="Hand landmarks",
        description="When to run the hand model: never, only for hands raised above the hips (where gestures happen), or always.",
    )
    hand_model: Literal["lite", "full"] = Field(
        "lite", title="Hand model", description="hand_landmark_lite (faster) or hand_landmark_full."
    )
    hand_min_px: float = Field(
        28.0,
        ge=0,
        title="Smallest hand",
        description="Hand regions smaller than this (pixels) are skipped: the hand model cannot read them.",
    )
    hand_presence: float = Field(
        0.5,
        ge=0,
        le=1,
        title="Hand presence",
        description="Minimum hand presence to report a hand.",
    )
