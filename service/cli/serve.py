"""`etiquette token ...`, `serve` and `report`: the commands that work on a site file."""

from __future__ import annotations

import argparse
from datetime import datetime, tzinfo
from pathlib import Path

from etiquette.service.cli.commands import Command, CommandGroup
from etiquette.service.config import SiteConfig, SiteError, load_site
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ROLES


def _add_site_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the site file (SITE.yaml)")


def _site(args: argparse.Namespace) -> SiteConfig:
    """The site file --config names (a problem with it is a SiteError: one line, exit 2)."""
    return load_site(Path(args.config))


def _store(site: SiteConfig) -> EventStore:
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    return EventStore(site.database_url())


def cmd_token_create(args: argparse.Namespace) -> int:
    with _store(_site(args)) as store:
        try:
            token = store.create_token(args.role, args.name)
        except ValueError as error:
            raise SiteError(str(error)) from None
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    with _store(_site(args)) as store:
        for info in store.tokens():
            print(f"{info.name}\t{info.role}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    with _store(_site(args)) as store:
        if not store.revoke_token(args.name):
            raise SiteError(f"no token named {args.name!r}; `etiquette token list` shows them")
    print(f"revoked {args.name}")
    return 0


def _token_create_arguments(parser: argparse.ArgumentParser) -> None:
    _add_site_file(parser)
    parser.add_argument(
        "--role", required=True, choices=ROLES, help="what the token may open: " + ", ".join(ROLES)
    )
    parser.add_argument("--name", required=True, help="who or what uses it, e.g. door-phone")


def _token_revoke_arguments(parser: argparse.ArgumentParser) -> None:
    _add_site_file(parser)
    parser.add_argument("--name", required=True, help="the token's name, as `token list` shows")


TOKEN = CommandGroup(
    "token",
    help="API tokens (admin, viewer, earpiece)",
    description="Tokens for the service's API and pages. Only a hash is stored: the token "
    "is shown once, when created.",
    subcommands=(
        Command(
            "create",
            help="create a token and print it",
            run=cmd_token_create,
            arguments=_token_create_arguments,
        ),
        Command(
            "list", help="list token names and roles", run=cmd_token_list, arguments=_add_site_file
        ),
        Command(
            "revoke",
            help="revoke a token by name",
            run=cmd_token_revoke,
            arguments=_token_revoke_arguments,
        ),
    ),
)


def cmd_serve(args: argparse.Namespace) -> int:
    from etiquette.service.server import serve

    serve(_site(args))
    return 0


SERVE = Command(
    "serve",
    help="run the live service: cameras, prompts, API and pages",
    run=cmd_serve,
    arguments=_add_site_file,
    description="Run every camera of the site file, store events, speak greeting prompts "
    "to the earpieces and serve the API (see /docs) until stopped.",
)


def parse_shift(text: str, zone: tzinfo) -> tuple[float, float]:
    """START/END in ISO 8601, clock times in the branch's ``zone`` unless a zone is given
    (the box may well run in another) -> epoch seconds."""
    try:
        start_text, end_text = text.split("/")
        start, end = (_in_zone(datetime.fromisoformat(t), zone) for t in (start_text, end_text))
    except ValueError:
        raise SiteError(
            f"--shift {text!r}: give START/END like 2026-11-30T08:30/2026-11-30T17:00"
        ) from None
    if end <= start:
        raise SiteError(f"--shift {text!r}: the end is not after the start")
    return start, end


def _in_zone(moment: datetime, zone: tzinfo) -> float:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)).timestamp()


def cmd_report(args: argparse.Namespace) -> int:
    from etiquette.service.reports.render import render
    from etiquette.service.reports.shift import shift_report

    site = _site(args)
    start, end = parse_shift(args.shift, site.zone_info())
    with _store(site) as store:
        report = shift_report(store, site, start, end, args.post)
    out = Path(args.out)
    out.write_bytes(render(report, args.format, base_url=site.server.public_url()))
    print(
        f"wrote {out}: {report.events} events, {report.arrivals} arrivals "
        f"({report.account.judged} judged, {report.account.on_time} on time), "
        f"{len(report.bow_depths)} bows" + (" (no events in this shift)" if report.empty else "")
    )
    return 0


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    from etiquette.service.reports.render import FORMATS

    _add_site_file(parser)
    parser.add_argument(
        "--shift",
        required=True,
        help="START/END, e.g. 2026-11-30T08:30/2026-11-30T17:00 (the branch's clock: the "
        "site file's time_zone)",
    )
    parser.add_argument("--post", help="only this staff post")
    parser.add_argument(
        "--format", choices=FORMATS, default="html", help="file format (default: html)"
    )
    parser.add_argument("--out", required=True, help="file to write")


REPORT = Command(
    "report",
    help="the post-shift etiquette report",
    run=cmd_report,
    arguments=_report_arguments,
    description="Greetings (on time, missed, latencies), bows against the standard, "
    "gestures, posture lapses, per staff member, and the worst moments, for one shift.",
)
