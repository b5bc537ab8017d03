"""argparse value types shared by the subcommands: a bad value is refused with a message."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

Number = TypeVar("Number", int, float)


def _number(text: str, convert: Callable[[str], Number], what: str) -> Number:
    """``text`` read by ``convert`` (int or float); refused as "not ``what``" otherwise."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def replay_speed(text: str) -> float:
    """argparse type: how many times faster than real time a file is replayed (0-10]."""
    value = _number(text, float, "a number")
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"{value} must be above 0 and at most 10")
    return value


def positive_minutes(text: str) -> float:
    """argparse type: a duration in minutes, above 0."""
    value = _number(text, float, "a number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value


def positive_metres(text: str) -> float:
    """argparse type: a length above zero."""
    value = _number(text, float, "a number of metres")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def positive_centimetres(text: str) -> float:
    """argparse type: a distance in centimetres, above zero (and finite)."""
    value = _number(text, float, "a number of centimetres")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def positive_seconds(text: str) -> float:
    """argparse type: a duration in seconds, above 0 (and finite)."""
    value = _number(text, float, "a number of seconds")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value
