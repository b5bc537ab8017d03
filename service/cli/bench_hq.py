"""`etiquette bench-hq`'s command line (the benchmark is in service/bench/hq.py)."""

from __future__ import annotations

import argparse
import json
import os

from etiquette.service.cli.arg_types import positive_int
from etiquette.service.cli.commands import CliError, Command
from etiquette.service.hq.config import HQ_DATABASE_URL_ENV, HqConfig

BATCH = int(HqConfig.model_fields["batch"].default)  # as the live ingest takes them


def cmd_bench_hq(args: argparse.Namespace) -> int:
    from etiquette.service.bench.hq import bench_hq

    url = args.database_url or os.environ.get(HQ_DATABASE_URL_ENV)
    if not url:
        raise CliError(
            f"no PostgreSQL: give --database-url or set {HQ_DATABASE_URL_ENV} (a server where "
            "a database may be created; the run makes its own and drops it)"
        )
    result = bench_hq(
        url,
        branches=args.branches,
        cameras=args.cameras,
        days=args.days,
        batch=args.batch,
        repeats=args.repeats,
        keep=args.keep,
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["stored_once"] else 1


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--branches", type=positive_int, default=200, help="default 200")
    parser.add_argument(
        "--cameras", type=positive_int, default=2, help="a lobby and counters (default 2)"
    )
    parser.add_argument("--days", type=positive_int, default=1, help="days each (default 1)")
    parser.add_argument(
        "--batch", type=positive_int, default=BATCH, help=f"entries a transaction (default {BATCH})"
    )
    parser.add_argument(
        "--repeats", type=positive_int, default=30, help="timings of each page (default 30)"
    )
    parser.add_argument(
        "--database-url", help=f"PostgreSQL server (default ${HQ_DATABASE_URL_ENV})"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's database (its name is printed)"
    )


BENCH_HQ = Command(
    "bench-hq",
    help="head office under a bank's load: ingest, ranking and drill-down, size",
    run=cmd_bench_hq,
    arguments=_arguments,
    description="Take --branches x --days of synthetic bank-branch days (150-400 customers, "
    "~3,500 events and the clip entries the recorder would make, over --cameras cameras) into "
    "a database made for the run on the PostgreSQL server, as the boxes deliver them; time "
    "the ingest, the ranking (query and page) and a branch's drill-down (events and page) "
    "over HTTP, and estimate the database's size per branch-year. One JSON line; exit 1 if "
    "an event or clip entry was not stored exactly once.",
)
