"""Prometheus metrics of the live service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CAMERA_FPS = Gauge("etiquette_camera_fps", "Frames processed per second", ["camera"])
CAMERA_ONLINE = Gauge("etiquette_camera_online", "1 while the camera delivers frames", ["camera"])
DROPPED_FRAMES = Counter(
    "etiquette_dropped_frames_total", "Stale frames skipped to stay real time", ["camera"]
)
INFERENCE_MS = Histogram(
    "etiquette_inference_ms",
    "Perception time per frame (ms)",
    ["camera"],
    buckets=(5, 10, 20, 30, 50, 75, 100, 150, 250, 500),
)
PROMPTS_SENT = Counter("etiquette_prompts_sent_total", "Greeting prompts published", ["camera"])
PROMPT_LATENCY_S = Histogram(
    "etiquette_prompt_latency_seconds",
    "From the capture of the arrival frame to the prompt's publication",
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0),
)
CLIPS_WRITTEN = Counter("etiquette_clips_written_total", "Coaching clips written", ["camera"])
CLIPS_PAUSED = Gauge(
    "etiquette_clips_paused", "1 while clip writing is paused (disk full)", ["camera"]
)
CLIPS_DELETED = Counter("etiquette_clips_deleted_total", "Clips deleted by retention")
EVENTS_REFUSED = Counter(
    "etiquette_events_refused_total",
    "Events the database refused at first (disk full or read-only, database down); they wait "
    "and are stored later",
    ["camera"],
)
EVENTS_PENDING = Gauge(
    "etiquette_events_pending", "Events waiting to be stored (in memory and in the spill file)"
)
