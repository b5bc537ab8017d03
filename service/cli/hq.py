"""`etiquette hq` (head office's service) and `etiquette hq-token` (its tokens)."""

from __future__ import annotations

import argparse
from pathlib import Path

from etiquette.service.cli.commands import CliError, Command, CommandGroup
from etiquette.service.hq.config import HqConfig, HqConfigError, load_hq
from etiquette.service.hq.db import HqStore, HqStoreError
from etiquette.service.hq.models import HQ_ROLES
from etiquette.service.hq.service import run_hq


def _config(args: argparse.Namespace) -> HqConfig:
    try:
        return load_hq(Path(args.config))
    except HqConfigError as error:
        raise CliError(str(error)) from None


def _store(config: HqConfig) -> HqStore:
    try:
        return HqStore(config.database())
    except (HqStoreError, HqConfigError) as error:
        raise CliError(str(error)) from None


def cmd_hq(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        run_hq(config)
    except (HqStoreError, HqConfigError) as error:
        raise CliError(str(error)) from None
    return 0


def cmd_hq_token_create(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    try:
        print(store.create_token(args.name, args.role, args.scope))
    except ValueError as error:
        raise CliError(str(error)) from None
    finally:
        store.close()
    return 0


def cmd_hq_token_list(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    try:
        for row in store.tokens():
            print(f"{row.name}\t{row.role}\t{row.scope or ''}")
    finally:
        store.close()
    return 0


def cmd_hq_token_revoke(args: argparse.Namespace) -> int:
    store = _store(_config(args))
    try:
        if not store.revoke_token(args.name):
            raise CliError(f"no token named {args.name!r}; `etiquette hq-token list` shows them")
    finally:
        store.close()
    print(f"revoked {args.name}")
    return 0


def _revoke_arguments(parser: argparse.ArgumentParser) -> None:
    _config_argument(parser)
    parser.add_argument("--name", required=True, help="the token's name, as `hq-token list` shows")


def _config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the head-office file (HQ.yaml)")


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    _config_argument(parser)
    parser.add_argument("--role", required=True, choices=HQ_ROLES, help="what the token sees")
    parser.add_argument("--name", required=True, help="who uses it, e.g. east-region-manager")
    parser.add_argument(
        "--scope",
        help="role region: the region as HQ.yaml names it (e.g. 华东区); role branch: its id",
    )


HQ = Command(
    "hq",
    help="head office: take in every branch's events, rank branches, fleet health",
    run=cmd_hq,
    arguments=_config_argument,
    description="Head office's service: takes in the events every branch box delivers through "
    "the MQTT broker into PostgreSQL (once each, in order), and serves the ranking, fleet and "
    "branch report pages and their API on server.host:server.port.",
)
HQ_TOKEN = CommandGroup(
    "hq-token",
    help="head office's API tokens (head_office, region, branch)",
    subcommands=(
        Command(
            "create",
            help="create a token and print it",
            run=cmd_hq_token_create,
            arguments=_token_arguments,
        ),
        Command(
            "list",
            help="list tokens: name, role, scope",
            run=cmd_hq_token_list,
            arguments=_config_argument,
        ),
        Command(
            "revoke", help="delete a token", run=cmd_hq_token_revoke, arguments=_revoke_arguments
        ),
    ),
    description="Tokens for head office's API and pages. Only a hash is stored: the token is "
    "shown once, when created.",
)
