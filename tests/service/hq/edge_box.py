"""A branch box for the end-to-end test, as its own process (so that it can be killed):
stores ``count`` events over two cameras at ``rate`` a second into its SQLite store with an
uplink, and delivers them through :class:`Uplink` until it is stopped or killed.

    python -m tests.service.hq.edge_box DB BRANCH PORT CA_FILE COUNT RATE [MAX_RATE]
"""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from etiquette.service.live.uplink import Uplink
from etiquette.service.live.uplink_config import UplinkConfig
from etiquette.service.live.uplink_protocol import BranchStatus
from etiquette.service.store.events import EventStore, sqlite_url
from tests import factories

BASE_TIME = 1_780_000_000.0
SAMPLE = Path(__file__).resolve().parents[3] / "service/offline/samples/intel_asl_counter.mp4"


def keep_clip(store: EventStore, folder: Path, start: float) -> None:
    """A coaching clip of the first arrival: a real MP4 (the bundled counter sample)."""
    (folder / "lobby").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE, folder / "lobby" / "first.mp4")
    size = SAMPLE.stat().st_size
    store.clips.add("lobby", factories.new_clip(start, "lobby/first.mp4", size, track=0))


def clip_path(store: EventStore, folder: Path, clip_id: int) -> Path | None:
    clip = store.clips.get(clip_id)
    return None if clip is None else folder / clip.file


def main(
    db: str, branch: str, port: str, ca_file: str, count: str, rate: str, max_rate: str = "400"
) -> None:
    store = EventStore(sqlite_url(Path(db)), uplink=True)
    config = UplinkConfig(
        branch=branch,
        host="127.0.0.1",
        port=int(port),
        ca_file=Path(ca_file),
        max_rate=float(max_rate),
        window=100,
        ack_timeout_s=3,
        heartbeat_s=1,
    )
    clips = Path(db).parent / f"clips-{branch}"
    uplink = Uplink(
        config,
        store.outbox,
        lambda: BranchStatus(online=True, site=branch, time_zone="Asia/Shanghai"),
        lambda clip_id: clip_path(store, clips, clip_id),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    uplink.start()
    stored = len(store.events(limit=1_000_000))  # a restarted box carries on where it was
    for number in range(stored, int(count)):
        if stop.is_set():
            break
        camera = ("lobby", "counter")[number % 2]
        event = factories.arrival(BASE_TIME + number, track=number)
        store.add_event(camera, event)
        if number == 0:
            keep_clip(store, clips, event.start)
        print(f"stored {number + 1}", flush=True)
        time.sleep(1.0 / float(rate))
    print("all stored", flush=True)
    stop.wait()
    uplink.stop()
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
