"""Every command and argument explains itself, and the program says its version."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version

import pytest

from etiquette.service.cli.main import build_parser


def _parsers(
    parser: argparse.ArgumentParser, path: str = "etiquette"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def _undocumented() -> list[str]:
    missing = []
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._VersionAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                missing += [f"{path} {name}" for name in action.choices if not helps.get(name)]
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_command_and_argument_has_help_text() -> None:
    assert _undocumented() == []


def test_defaults_are_shown_in_help() -> None:
    report = dict(_parsers(build_parser()))["etiquette report"]
    assert "default: html" in report.format_help()


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "etiquette.service.cli.main", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"etiquette {version('etiquette-monitor')}"


@pytest.mark.parametrize("command", ["--help", "report --help", "bench --help"])
def test_help_runs(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "etiquette.service.cli.main", *command.split()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
