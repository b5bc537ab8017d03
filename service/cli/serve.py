"""`etiquette token ...`: API tokens for the live service."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from etiquette.service.config import SiteError, load_site
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ROLES


def _store(args: argparse.Namespace) -> EventStore:
    site = load_site(Path(args.config))
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    return EventStore(site.database_url())


def cmd_token_create(args: argparse.Namespace) -> int:
    with _store(args) as store:
        try:
            token = store.create_token(args.role, args.name)
        except ValueError as error:
            raise SiteError(str(error)) from None
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        for info in store.tokens():
            print(f"{info.name}\t{info.role}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if not store.revoke_token(args.name):
            raise SiteError(f"no token named {args.name!r}; `etiquette token list` shows them")
    print(f"revoked {args.name}")
    return 0


def add_token_parser(commands: Any) -> None:
    token = commands.add_parser(
        "token",
        help="API tokens (admin, viewer, earpiece)",
        description="Tokens for the service's API and pages. Only a hash is stored: the token "
        "is shown once, when created.",
    )
    sub = token.add_subparsers(dest="token_command", required=True)
    create = sub.add_parser("create", help="create a token and print it")
    create.add_argument("--config", required=True, help="the site file (SITE.yaml)")
    create.add_argument(
        "--role", required=True, choices=ROLES, help="what the token may open: " + ", ".join(ROLES)
    )
    create.add_argument("--name", required=True, help="who or what uses it, e.g. door-phone")
    create.set_defaults(handler=cmd_token_create)
    listing = sub.add_parser("list", help="list token names and roles")
    listing.add_argument("--config", required=True, help="the site file (SITE.yaml)")
    listing.set_defaults(handler=cmd_token_list)
    revoke = sub.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("--config", required=True, help="the site file (SITE.yaml)")
    revoke.add_argument("--name", required=True, help="the token's name, as `token list` shows")
    revoke.set_defaults(handler=cmd_token_revoke)


def cmd_serve(args: argparse.Namespace) -> int:
    from etiquette.service.server import serve

    serve(load_site(Path(args.config)))
    return 0


def add_serve_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the live service: cameras, prompts, API and pages",
        description="Run every camera of the site file, store events, speak greeting prompts "
        "to the earpieces and serve the API (see /docs) until stopped.",
    )
    parser.add_argument("--config", required=True, help="the site file (SITE.yaml)")
    parser.set_defaults(handler=cmd_serve)


def parse_shift(text: str) -> tuple[float, float]:
    """START/END in ISO 8601 (local time unless a zone is given) -> epoch seconds."""
    try:
        start_text, end_text = text.split("/")
        start = datetime.fromisoformat(start_text).timestamp()
        end = datetime.fromisoformat(end_text).timestamp()
    except ValueError:
        raise SiteError(
            f"--shift {text!r}: give START/END like 2026-11-30T08:30/2026-11-30T17:00"
        ) from None
    if end <= start:
        raise SiteError(f"--shift {text!r}: the end is not after the start")
    return start, end


def cmd_report(args: argparse.Namespace) -> int:
    from etiquette.service.reports.render import render
    from etiquette.service.reports.shift import shift_report

    site = load_site(Path(args.config))
    start, end = parse_shift(args.shift)
    with _store(args) as store:
        report = shift_report(store, site, start, end, args.post)
    out = Path(args.out)
    out.write_bytes(render(report, args.format))
    print(
        f"wrote {out}: {report.events} events, {report.arrivals} arrivals, "
        f"{len(report.bow_depths)} bows" + (" (no events in this shift)" if report.empty else "")
    )
    return 0


def add_report_parser(commands: Any) -> None:
    from etiquette.service.reports.render import FORMATS

    parser = commands.add_parser(
        "report",
        help="the post-shift etiquette report",
        description="Greetings (on time, missed, latencies), bows against the standard, "
        "gestures, posture lapses, per staff member, and the worst moments, for one shift.",
    )
    parser.add_argument("--config", required=True, help="the site file (SITE.yaml)")
    parser.add_argument(
        "--shift",
        required=True,
        help="START/END, e.g. 2026-11-30T08:30/2026-11-30T17:00 (local time)",
    )
    parser.add_argument("--post", help="only this staff post")
    parser.add_argument(
        "--format", choices=FORMATS, default="html", help="file format (default: html)"
    )
    parser.add_argument("--out", required=True, help="file to write")
    parser.set_defaults(handler=cmd_report)
