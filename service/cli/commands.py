"""How the subcommand modules describe their commands: a `Command` (or `CommandGroup`) row
each, which `add_commands` turns into argparse subcommands; and `CliError`, which they raise."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


Handler: TypeAlias = Callable[[argparse.Namespace], int]
AddArguments: TypeAlias = Callable[[argparse.ArgumentParser], None]
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass(frozen=True)
class Command:
    """`etiquette NAME ...`: runs ``run`` with the arguments ``arguments`` adds."""

    name: str
    help: str  # its line in the list of commands
    run: Handler
    arguments: AddArguments
    description: str | None = None  # its --help's text; without one, only the usage


@dataclass(frozen=True)
class CommandGroup:
    """`etiquette NAME SUBCOMMAND ...`: one of ``subcommands`` is required."""

    name: str
    help: str
    subcommands: Sequence[Command]
    description: str | None = None


def add_commands(commands: Subcommands, table: Iterable[Command | CommandGroup]) -> None:
    """Each row of ``table`` as a subcommand, in order (the order `--help` lists them in); the
    chosen command's ``run`` is the parsed namespace's ``handler``."""
    for row in table:
        parser = commands.add_parser(row.name, help=row.help, description=row.description)
        if isinstance(row, CommandGroup):
            dest = f"{row.name}_command"
            add_commands(parser.add_subparsers(dest=dest, required=True), row.subcommands)
            continue
        row.arguments(parser)
        parser.set_defaults(handler=row.run)
