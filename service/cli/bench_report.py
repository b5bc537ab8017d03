"""`etiquette bench-report`'s command line (the benchmark is in service/bench/report_week.py,
loaded only when it runs)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from etiquette.service.cli.arg_types import positive_int
from etiquette.service.cli.commands import Command


def cmd_bench_report(args: argparse.Namespace) -> int:
    from etiquette.service.bench.report_week import bench_report

    out = Path(args.out) if args.out else None
    result = bench_report(days=args.days, per_day=args.per_day, out=out)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["pass"] else 1


def _bench_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=positive_int, default=7, help="days of shifts (default 7)")
    parser.add_argument(
        "--per-day", type=positive_int, default=1000, help="events a day (default 1000)"
    )
    parser.add_argument("--out", help="also keep the HTML, PDF and CSV in this folder")


BENCH_REPORT = Command(
    "bench-report",
    help="how long the weekly report takes in every format",
    run=cmd_bench_report,
    arguments=_bench_report_arguments,
    description="Write --days synthetic shifts (two posts, --per-day events a day, a camera "
    "outage) into a SQLite store in a temporary folder, then build the report of the whole "
    "period and render it as HTML, PDF and CSV. One JSON line with the seconds of each step; "
    "exit 1 if building and rendering took 5 s or more.",
)
