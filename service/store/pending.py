"""Events the database refused (data disk full or read-only, PostgreSQL down), kept in the
order they happened until it takes them: in memory up to MEMORY_LIMIT, the rest in a spill
file on another disk, which also holds the ones in memory when the service stops."""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from etiquette.rules.events import Event

log = logging.getLogger(__name__)
MEMORY_LIMIT = 10_000
SPILL_FILE = "pending-events.jsonl"


class PendingEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    camera: str
    post: str | None
    event: Event


class PendingEvents:
    """Oldest first: the ones in memory, then the spill file's."""

    def __init__(self, spill_dir: Path) -> None:
        self.spill = spill_dir / SPILL_FILE
        self._memory: deque[PendingEvent] = deque()
        # The spill file holds, in order, the ones loaded into memory (still there until all
        # of them are stored, so a crash loses none) and then _spilled more.
        self._loaded = 0
        self._lock = threading.Lock()
        self.problem: str | None = None  # why the last attempt to store failed
        self._spilled = self._count_spilled()

    def __len__(self) -> int:
        with self._lock:
            return len(self._memory) + self._spilled

    def add(self, pending: PendingEvent) -> None:
        with self._lock:
            if self._spilled == 0 and len(self._memory) < MEMORY_LIMIT:
                self._memory.append(pending)
                return
            try:
                self._append([pending])
            except OSError as error:  # both disks refuse: keep it in memory all the same
                log.error("could not spill an event to %s: %s", self.spill, error)
                self._memory.append(pending)
                return
            self._spilled += 1

    def store_all(self, store: Callable[[PendingEvent], object]) -> int:
        """Hand each waiting event to ``store`` in order until one fails (it stays first in
        line, with the failure as the problem); returns how many were stored."""
        stored = 0
        with self._lock:
            while True:
                if not self._memory and self._loaded:
                    try:
                        self._forget_loaded()
                    except OSError:
                        return stored
                if not self._memory and self._spilled:
                    self._load_spilled()
                if not self._memory:
                    self.problem = None
                    return stored
                try:
                    store(self._memory[0])
                except Exception as error:  # the database still refuses: try again later
                    self.problem = str(error).splitlines()[0]
                    return stored
                self._memory.popleft()
                stored += 1

    def save(self) -> None:
        """Put the ones in memory in the spill file too (the service is stopping)."""
        with self._lock:
            if not self._memory:
                return
            rest = self._read_spilled()[self._loaded :]
            try:
                self._rewrite(list(self._memory) + rest)
            except OSError as error:
                log.error(
                    "%d events could not be stored nor written to %s (%s): they are lost; "
                    "free the data disk or set storage.spill_dir to a writable disk",
                    len(self._memory),
                    self.spill,
                    error,
                )
                return
            self._spilled += len(self._memory) - self._loaded
            self._loaded = 0
            self._memory.clear()

    def _count_spilled(self) -> int:
        try:
            with self.spill.open(encoding="utf-8") as lines:
                return sum(1 for line in lines if line.strip())
        except FileNotFoundError:
            return 0

    def _load_spilled(self) -> None:
        waiting = self._read_spilled()
        self._memory.extend(waiting[:MEMORY_LIMIT])
        self._loaded = len(self._memory)
        self._spilled = len(waiting) - self._loaded

    def _forget_loaded(self) -> None:
        """All the loaded ones are stored: take them out of the spill file."""
        try:
            self._rewrite(self._read_spilled()[self._loaded :])
        except OSError as error:  # tried again next time; stored twice only after a crash
            self.problem = f"cannot rewrite {self.spill}: {error}"
            raise
        self._loaded = 0

    def _read_spilled(self) -> list[PendingEvent]:
        waiting: list[PendingEvent] = []
        try:
            text = self.spill.read_text(encoding="utf-8")
        except FileNotFoundError:
            return waiting
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                waiting.append(PendingEvent.model_validate_json(line))
            except ValidationError:  # half a line from a crash mid-write: the rest is fine
                log.warning("%s line %d is not an event; skipped", self.spill, number)
        return waiting

    def _append(self, events: list[PendingEvent]) -> None:
        self.spill.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.spill.open("a", encoding="utf-8") as out:
            out.writelines(e.model_dump_json() + "\n" for e in events)
            out.flush()
            os.fsync(out.fileno())

    def _rewrite(self, events: list[PendingEvent]) -> None:
        self.spill.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.spill.with_suffix(".part")
        with partial.open("w", encoding="utf-8") as out:
            out.writelines(e.model_dump_json() + "\n" for e in events)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(self.spill)
