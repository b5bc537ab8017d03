"""Run the synthetic branch day: each scene through placement and the rules engine of its
camera, every event through the service's event keeper into the site's database (where the
teller's five steps are judged from both cameras), then the shift report, and a table of
what each scene was scripted to do against what the product found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from etiquette.calibration.camera_file import save_camera
from etiquette.rules.events import Event
from etiquette.service.cameras.event_keeper import EventKeeper
from etiquette.service.cameras.runner import EventMessage, post_of
from etiquette.service.cameras.scene import scene_context
from etiquette.service.config import SiteConfig, load_site
from etiquette.service.live.hub import Hub
from etiquette.service.live.state import LiveState
from etiquette.service.offline.branch_day.scenes import (
    COUNTER,
    DOOR_STAFF,
    GUIDE,
    LOBBY,
    TELLER,
    Expected,
    Scene,
    branch_day,
    counter_1_camera,
    lobby_camera,
)
from etiquette.service.offline.synthetic.run import run_rules
from etiquette.service.reports.render import render as render_report
from etiquette.service.reports.shift import shift_report
from etiquette.service.schedule import Schedule
from etiquette.service.store.events import EventStore

DAY = date(2026, 12, 7)  # a Monday
ZONE = "Asia/Shanghai"
SHIFT = (time(8, 30), time(12, 0))
# Shortened so that each scene lasts seconds, not minutes (the site file says so).
DEMO_RULES: dict[str, object] = {
    "roles": {"enrolled_staff": [DOOR_STAFF, TELLER, GUIDE]},
    "opening": {"prompt_before_s": 20.0, "check_within_s": 5.0, "salute_within_s": 20.0},
    "queue": {"min_people": 3, "min_s": 8.0, "join_s": 2.0},
}


def write_site(out: Path) -> SiteConfig:
    """The synthetic branch's site file, camera files and data folder under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    cameras = []
    for name, shown, (_, file) in (
        (LOBBY, "大堂", lobby_camera()),
        (COUNTER, "1号柜台", counter_1_camera()),
    ):
        path = out / f"camera_{name}.yaml"
        save_camera(file, path)
        cameras.append(
            {"name": name, "display_name": shown, "source": "synthetic", "camera_file": str(path)}
        )
    site = {
        "site": "示例支行（合成的一天） / example branch (a synthetic day)",
        "time_zone": ZONE,
        "schedule": {"opening": {day: "09:00" for day in ("mon", "tue", "wed", "thu", "fri")}},
        "names": {"door_post": "大堂经理岗", "counter_1": "1号柜台", "counter_2": "2号柜台"},
        "cameras": cameras,
        "storage": {"data_dir": str(out / "data")},
        "prompts": {"enabled": False},
        "rules": DEMO_RULES,
    }
    path = out / "site.yaml"
    path.write_text(
        "# A synthetic branch day (etiquette demo --processes); timings shortened.\n"
        + yaml.safe_dump(site, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return load_site(path)


def _at(clock: time) -> float:
    """The synthetic day's ``clock`` time in the branch's zone, as epoch seconds."""
    return datetime.combine(DAY, clock, tzinfo=ZoneInfo(ZONE)).timestamp()


def scene_events(scene: Scene, site: SiteConfig) -> list[Event]:
    """The finished events of one scene on its camera, stamped with the day's clock; the
    branch opens when the site's schedule says, as in the live service."""
    camera, file = lobby_camera() if scene.camera == LOBBY else counter_1_camera()
    schedule = None if site.schedule is None else Schedule(site.schedule, site.zone_info())
    context = scene_context(file, None if schedule is None else schedule.next_opening)
    return run_rules(
        camera,
        scene.actors,
        scene.seconds,
        file,
        site.rules,
        context,
        fps=scene.fps,
        seed=scene.seed,
        start=_at(scene.clock),
    )


@dataclass(frozen=True)
class Outcome:
    """One scripted outcome of a scene, and what the product found."""

    scene: str
    expected: Expected
    found_count: int
    found_verdicts: list[str]
    met: bool


def judge(scene: Scene, events: list[Event]) -> list[Outcome]:
    outcomes = []
    for expected in scene.scripted:
        of_type = [event for event in events if event.type == expected.type]
        verdicts = sorted({str(event.verdict) for event in of_type if event.verdict is not None})
        with_values = [
            event
            for event in of_type
            if all(
                getattr(event.values, key, None) == value for key, value in expected.values.items()
            )
        ]
        met = (
            len(of_type) == expected.count
            and (expected.verdict is None or verdicts == [expected.verdict])
            and (not expected.values or bool(with_values))
        )
        outcomes.append(Outcome(scene.title, expected, len(of_type), verdicts, met))
    return outcomes


@dataclass(frozen=True)
class DayResult:
    outcomes: list[Outcome]
    report: Path
    site: Path
    events: int

    @property
    def all_met(self) -> bool:
        return all(outcome.met for outcome in self.outcomes)


def run_branch_day(out: Path) -> DayResult:
    """Write the synthetic branch, run its day into its database and write the report."""
    site = write_site(out)
    day_events: list[tuple[str, Event]] = []
    per_scene: list[tuple[Scene, list[Event]]] = []
    for scene in branch_day():
        for part in (scene, *scene.also):
            events = scene_events(part, site)
            day_events += [(part.camera, event) for event in events]
            per_scene.append((part, events))
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        keeper = EventKeeper(site, store, LiveState(), Hub(), None)
        # As the runners report them: each event when it ends.
        for camera, event in sorted(day_events, key=lambda item: (item[1].end, item[1].start)):
            keeper.handle(EventMessage(camera, event.model_dump(mode="json"), post_of(event)))
        keeper.close()
        judged = [s.event for s in store.events(types=["teller_service"], limit=100)]
        start, end = (_at(clock) for clock in SHIFT)
        report = shift_report(store, site, start, end)
    outcomes: list[Outcome] = []
    for scene, events in per_scene:
        served = judged if scene.process == "teller" and scene.camera == LOBBY else []
        outcomes += judge(scene, [*events, *served])
    path = out / "report.html"
    path.write_bytes(render_report(report, "html"))
    return DayResult(outcomes, path, out / "site.yaml", len(day_events) + len(judged))


def shift_argument() -> str:
    """The --shift of `etiquette report` for the synthetic day."""
    start, end = (datetime.combine(DAY, clock).isoformat(timespec="minutes") for clock in SHIFT)
    return f"{start}/{end}"
