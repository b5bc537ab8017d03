"""`etiquette demo`: the live service on the bundled sample, ending with the shift report
and the coaching clips; or (--offline) one analysis of it."""

from __future__ import annotations

import argparse
from pathlib import Path

from etiquette.calibration.camera_file import load_camera
from etiquette.rules.config import RulesConfig
from etiquette.service.cli.arg_types import positive_int, replay_speed
from etiquette.service.cli.commands import Command
from etiquette.service.offline.analyze import analyze
from etiquette.vision.config import PerceptionConfig


def cmd_demo(args: argparse.Namespace) -> int:
    from etiquette.service.offline.demo import (
        COUNTER_CAMERA,
        COUNTER_SAMPLE,
        DEMO_CAMERA,
        DEMO_RULES,
        DEMO_SAMPLE,
        demo_site,
        demo_tokens,
    )

    out = Path(args.out)
    if getattr(args, "processes", False):
        return branch_day(out)
    if args.offline:
        rules = RulesConfig.model_validate(DEMO_RULES)
        for name, sample, camera_file, folder in (
            ("lobby", DEMO_SAMPLE, DEMO_CAMERA, out),
            ("counter", COUNTER_SAMPLE, COUNTER_CAMERA, out / "counter"),
        ):
            print(f"analyzing camera {name}: {sample.name} (CC-BY-4.0, see NOTICE) ...")
            summary = analyze(
                str(sample),
                folder,
                annotate=True,
                config=PerceptionConfig(),
                camera=load_camera(camera_file),
                rules_config=rules,
                clips=True,
                camera_file=str(camera_file),
            )
            for line in summary.lines():
                print(line)
            print(
                f"open {folder / 'annotated.mp4'} to see the tracks; events are in "
                f"{folder / 'events.jsonl'}, coaching clips in {folder / 'clips'}"
            )
        return 0
    from etiquette.service.offline.demo import run_demo
    from etiquette.service.server import keep_files_private

    keep_files_private()  # before the data folder, its database and tokens are written
    site = demo_site(out, args.port, speed=args.speed, loop=args.loop, counter=True)
    tokens = demo_tokens(site)
    base = f"http://127.0.0.1:{args.port}"
    how = "in a loop" if args.loop else "once; then the shift report is written"
    print(
        f"the bundled samples (CC-BY-4.0, see NOTICE) are replayed {how}: {DEMO_SAMPLE.name} "
        f"as camera 'lobby' (大堂门口: a customer reaches the door every 15-30 s) and "
        f"{COUNTER_SAMPLE.name} as camera 'counter' (1 号柜台: a staff member's welcome "
        "gestures and posture, 12 s)"
    )
    for line in demo_links(base, tokens):
        print(line)
    print("stop with Ctrl-C")
    run_demo(site, tokens, exit_when_done=args.exit)
    return 0


def branch_day(out: Path) -> int:
    """The synthetic branch day: each process of the deck scripted, run, stored, reported."""
    from etiquette.service.offline.branch_day.run import run_branch_day, shift_argument
    from etiquette.service.vocabulary import both

    print(
        "a synthetic branch day (no real footage of these processes exists): scripted people "
        "on a known floor, through a known camera with the pose model's landmark noise ..."
    )
    day = run_branch_day(out)
    print("| 场景 scene | 脚本 scripted | 检出 found | |\n|---|---|---|---|")
    for outcome in day.outcomes:
        found = f"{outcome.found_count} {both('event', outcome.expected.type)}"
        found += "".join(f" {both('verdict', verdict)}" for verdict in outcome.found_verdicts)
        mark = "符合 ok" if outcome.met else "不符 NOT MET"
        print(f"| {outcome.scene} | {outcome.expected.says} | {found} | {mark} |")
    print(f"{day.events} events stored; the shift report: {day.report}")
    print(
        f"again, in any format: etiquette report --config {day.site} "
        f"--shift {shift_argument()} --format pdf --out report.pdf"
    )
    if not day.all_met:
        print("the product did not find what a scene was scripted to do (NOT MET above)")
        return 1
    return 0


def demo_links(base: str, tokens: dict[str, str]) -> list[str]:
    """The demo's pages, each with the token its role needs."""
    return [
        f"dashboard (viewer token):  {base}/dashboard?token={tokens['viewer']}",
        f"earpiece page:             {base}/earpiece?token={tokens['earpiece']}",
        f"coaching clips:            {base}/clips?token={tokens['viewer']}",
        f"calibration page (admin):  {base}/calibrate?token={tokens['admin']}",
        f"API docs (admin):          {base}/docs?token={tokens['admin']}",
    ]


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default="etiquette-demo",
        help="data folder (service) or output folder (--offline); default: etiquette-demo in "
        "the current folder",
    )
    parser.add_argument("--port", type=positive_int, default=8080, help="port (8080)")
    parser.add_argument(
        "--offline", action="store_true", help="analyze the sample once instead of serving"
    )
    parser.add_argument(
        "--speed", type=replay_speed, default=1.0, help="replay speed (1.0: real time)"
    )
    parser.add_argument(
        "--loop", action="store_true", help="replay the sample forever (no ending report)"
    )
    parser.add_argument("--exit", action="store_true", help="stop once the report is written")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="a synthetic branch day instead: every process of the deck scripted, stored and "
        "reported (DIR/site.yaml, DIR/report.html)",
    )


DEMO = Command(
    "demo",
    help="run the live service on the bundled sample (or --offline: analyze it)",
    run=cmd_demo,
    arguments=_demo_arguments,
    description="Start the service with the bundled sample replayed once as a camera, and "
    "print the dashboard, earpiece, clips and calibration page URLs with fresh tokens. "
    "When the sample has played, the shift report (HTML and PDF) is written to DIR/reports "
    "and the coaching clips are in DIR/clips; the pages stay up until Ctrl-C (--exit: stop there). "
    "A second camera, 'counter', replays a staff member at a counter (real footage of flat-hand "
    "signs): welcome gestures and a posture lapse. "
    "--offline instead analyzes each sample once and writes tracks, events, an annotated "
    "video and the clips (the counter's in DIR/counter). "
    "--processes runs a synthetic branch day instead (opening line-up, greeting and guiding, "
    "queue diversion, the teller's five steps, polite farewell: scripted people with known "
    "truth, as no real footage of them exists), stores it in DIR/data, writes DIR/report.html "
    "and prints what each scene was scripted to do against what was found.",
)
