"""`etiquette demo`: the live service on the bundled sample, ending with a shift report and
coaching clips; or (--offline) one analysis of it."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from etiquette.service.config import SiteConfig
from etiquette.service.reports.render import Format, render
from etiquette.service.reports.shift import shift_report
from etiquette.service.server import build_service, server_for
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ROLES

SAMPLES = Path(__file__).resolve().parent / "samples"
DEMO_SAMPLE = SAMPLES / "intel_one_by_one.mp4"
DEMO_CAMERA = SAMPLES / "intel_one_by_one.camera.yaml"
# A staff member at a counter, front view: where the demo's gestures and posture happen.
COUNTER_SAMPLE = SAMPLES / "intel_asl_counter.mp4"
COUNTER_CAMERA = SAMPLES / "intel_asl_counter.camera.yaml"
# The counter clips are 2 s each of real signing: a posture lapse of 1.5 s is what they show.
DEMO_RULES = {"posture": {"max_off_s": 1.5}}


def _own_copy(data_dir: Path, name: str, shipped: Path) -> Path:
    """The camera file in the data folder, where the calibration page may change it (the
    packaged copy stays as shipped)."""
    camera_file = data_dir / "cameras" / f"{name}.yaml"
    if not camera_file.exists():
        camera_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped, camera_file)
    return camera_file


def demo_site(
    data_dir: Path, port: int, speed: float = 1.0, loop: bool = True, counter: bool = False
) -> SiteConfig:
    """The sample as camera 'lobby' and, with ``counter``, a staff member at a counter as
    camera 'counter' (always in real time: a gesture needs its frames)."""
    cameras = [
        {
            "name": "lobby",
            "display_name": "大堂门口",
            "source": str(DEMO_SAMPLE),
            "camera_file": str(_own_copy(data_dir, "lobby", DEMO_CAMERA)),
            "loop": loop,
            "replay_speed": speed,
        }
    ]
    if counter:
        cameras.append(
            {
                "name": "counter",
                "display_name": "1 号柜台",
                "source": str(COUNTER_SAMPLE),
                "camera_file": str(_own_copy(data_dir, "counter", COUNTER_CAMERA)),
                "loop": loop,
            }
        )
    return SiteConfig.model_validate(
        {
            "site": "示范支行",
            "names": {"door_post": "门口迎宾岗", "counter_1": "1 号柜台"},
            "cameras": cameras,
            "rules": DEMO_RULES,
            "storage": {"data_dir": str(data_dir)},
            "server": {"host": "127.0.0.1", "port": port},
        }
    )


def demo_tokens(site: SiteConfig) -> dict[str, str]:
    """Fresh demo tokens (earlier demo tokens are replaced)."""
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        names = {info.name for info in store.tokens()}
        tokens: dict[str, str] = {}
        for role in ROLES:
            name = f"demo-{role}"
            if name in names:
                store.revoke_token(name)
            tokens[role] = store.create_token(role, name)
    return tokens


def write_demo_report(site: SiteConfig, store: EventStore, start: float, end: float) -> list[Path]:
    """The demo's shift report as HTML and PDF in DATA/reports."""
    folder = site.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    report = shift_report(store, site, start, end)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(end))
    formats: tuple[Format, ...] = ("html", "pdf")
    written = []
    for form in formats:
        path = folder / f"report-{stamp}.{form}"
        path.write_bytes(render(report, form, base_url=site.server.public_url()))
        written.append(path)
    return written


def run_demo(site: SiteConfig, tokens: dict[str, str], exit_when_done: bool) -> None:
    """Serve the demo; once the sample has played, write the report and say where it and the
    clips are (and stop, with ``exit_when_done``)."""
    service = build_service(site)
    server = server_for(service, site, "warning")
    started = time.time()
    names = {camera.name for camera in site.cameras}

    def when_played() -> None:
        while not names <= service.supervisor.finished:
            if server.should_exit:
                return
            time.sleep(0.5)
        ended = time.time()
        try:
            reports = write_demo_report(site, service.store, started, ended)
        except Exception as error:  # say so, and still end as promised
            print(f"the report could not be written: {error}", flush=True)
            reports = []
        clips = service.store.clips.find(since=started - 60, limit=1000)
        base = f"http://{site.server.host}:{site.server.port}"
        viewer = tokens["viewer"]
        lines = [
            "the sample has played to its end:",
            *(f"  report: {path.resolve()}" for path in reports),
            f"  {len(clips)} coaching clips in {site.clips_dir().resolve()}",
            f"  clips page:  {base}/clips?token={viewer}",
            f"  report page: {base}/report?token={viewer}&start={started:.0f}&end={ended:.0f}",
        ]
        print("\n".join(lines), flush=True)
        if exit_when_done:
            server.should_exit = True
        else:
            print("the pages stay up; stop with Ctrl-C", flush=True)

    threading.Thread(target=when_played, daemon=True, name="demo-report").start()
    server.run()
