"""`etiquette bench-site`'s command line (the benchmark is in service/bench/site.py, loaded
only when it runs)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from etiquette.service.cli.arg_types import positive_int, positive_seconds
from etiquette.service.cli.commands import CliError, Command


def cmd_bench_site(args: argparse.Namespace) -> int:
    from etiquette.service.bench.site import SiteBenchError, SiteOptions, bench_site

    options = SiteOptions(
        seconds=args.seconds,
        warmup_s=args.warmup,
        threads=args.threads,
        min_fps=args.min_fps,
        peer=not args.no_peer,
        clips=not args.no_clips,
    )
    data = Path(args.data) if args.data else None
    try:
        result = bench_site(args.cameras, options, search=args.search, data=data)
    except SiteBenchError as error:
        raise CliError(str(error)) from None
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _bench_site_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cameras",
        type=positive_int,
        default=3,
        help="cameras to run (with --search: the most to try) (default 3)",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="run 1, 2, ... cameras until one falls below --min-fps; report the largest that held",
    )
    parser.add_argument(
        "--seconds", type=positive_seconds, default=30.0, help="measured seconds per run (30)"
    )
    parser.add_argument(
        "--warmup",
        type=positive_seconds,
        default=5.0,
        help="seconds after every camera is online before measuring (5)",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=1,
        help="inference threads per network in each runner (default 1: several runners on "
        "two cores, 2 threads each only contend)",
    )
    parser.add_argument(
        "--min-fps",
        type=positive_seconds,
        default=9.9,
        help="fps a camera must process to keep up (9.9 of the 10 offered)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the MediaPipe Tasks peer")
    parser.add_argument(
        "--no-clips",
        action="store_true",
        help="coaching clips off (on by default, as shipped): what their ring buffer costs",
    )
    parser.add_argument(
        "--data", help="the shared test data (default: $ETIQUETTE_TEST_DATA, ../shared/data)"
    )


BENCH_SITE = Command(
    "bench-site",
    help="how many cameras one box runs at 10 fps",
    run=cmd_bench_site,
    arguments=_bench_site_arguments,
    description="Run --cameras cameras through the live service (one runner process each), "
    "each replaying a real multi-person clip from the shared test data (1280x720, 10 fps, "
    "in real time; converted into a temporary folder). One JSON line: per camera frames "
    "offered and processed, fps, the latency of its results reaching the supervisor "
    "(p50/p95), prompts and their latency if any, CPU and RSS/PSS of its runner; the "
    "service's and the machine's CPU; our fps against MediaPipe Tasks on the first clip.",
)
