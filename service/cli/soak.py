"""`etiquette bench-soak`'s command line (the soak itself is in service/bench/soak.py, loaded
only when it runs)."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from etiquette.service.cli.arg_types import positive_minutes, replay_speed
from etiquette.service.cli.commands import Command


def cmd_bench_soak(args: argparse.Namespace) -> int:
    from etiquette.service.bench.soak import SoakError, bench_soak

    # Killed politely, it still stops the service it started (which runs in its own session).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        result = bench_soak(args.minutes, args.speed, progress=sys.stderr)
    except SoakError as error:
        print(f"etiquette bench-soak: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0 if result["pass"] else 1


def _soak_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--minutes", type=positive_minutes, default=30.0, help="how long to run (default 30)"
    )
    parser.add_argument(
        "--speed", type=replay_speed, default=1.0, help="replay speed (default 1.0: real time)"
    )


BENCH_SOAK = Command(
    "bench-soak",
    help="a long run of the live service: memory growth and lost events",
    run=cmd_bench_soak,
    arguments=_soak_arguments,
    description="Run the live service on the bundled sample looped (a temporary data "
    "folder, a free port on 127.0.0.1) for --minutes, with a WebSocket client connected "
    "throughout and another client connecting and leaving (WebSocket and SSE in turn). "
    "Samples the RSS of the service and of its camera runner; at the end stops the "
    "service as Ctrl-C does and counts the events the runner produced against those "
    "stored. One JSON line; exit 1 if either RSS grew 5 %% or more (median of the last "
    "10 %% of the run against that of 10-20 %%), an event was lost or the service did not "
    "stop cleanly.",
)
