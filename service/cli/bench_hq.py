"""`etiquette bench-hq`'s command line (the benchmark is in service/bench/hq.py)."""

from __future__ import annotations

import argparse
import json
import os

from etiquette.service.cli.arg_types import positive_int
from etiquette.service.cli.commands import CliError, Command
from etiquette.service.hq.config import HQ_DATABASE_URL_ENV


def cmd_bench_hq(args: argparse.Namespace) -> int:
    from etiquette.service.bench.hq import bench_hq

    url = args.database_url or os.environ.get(HQ_DATABASE_URL_ENV)
    if not url:
        raise CliError(
            f"no PostgreSQL: give --database-url or set {HQ_DATABASE_URL_ENV} (a server where "
            "a database may be created; the run makes its own and drops it)"
        )
    result = bench_hq(url, branches=args.branches, days=args.days, per_day=args.per_day)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["stored_once"] else 1


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--branches", type=positive_int, default=200, help="default 200")
    parser.add_argument("--days", type=positive_int, default=1, help="days each (default 1)")
    parser.add_argument(
        "--per-day", type=positive_int, default=1000, help="events a branch-day (default 1000)"
    )
    parser.add_argument(
        "--database-url", help=f"PostgreSQL server (default ${HQ_DATABASE_URL_ENV})"
    )


BENCH_HQ = Command(
    "bench-hq",
    help="head office under a bank's load: ingest, ranking and drill-down, size",
    run=cmd_bench_hq,
    arguments=_arguments,
    description="Take --branches x --days of synthetic branch days (two cameras, --per-day "
    "events each, a clip entry every 50) into a database made for the run on the PostgreSQL "
    "server, as the boxes deliver them; time the ingest, the ranking (query and page) and a "
    "branch's drill-down (events and page) over HTTP, and estimate the database's size per "
    "branch-year. One JSON line; exit 1 if an event was not stored exactly once.",
)
