"""The one error type of calibration: what is wrong, and what to do about it; in English
(the command line, logs) and, for the calibration page, in Chinese, with the mark or field
it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """A message for people: English, Chinese, and the mark (1-based) it is about."""

    en: str
    zh: str
    mark: int | None = None


class CalibrationError(ValueError):
    """Bad calibration input or a camera file that cannot be used, with the fix. ``zh`` is
    the same in Chinese (the English when not given); ``mark`` the 1-based mark it names."""

    def __init__(self, message: str, zh: str | None = None, mark: int | None = None) -> None:
        super().__init__(message)
        self.note = Note(message, zh or message, mark)
