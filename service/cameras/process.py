"""How a camera runner process lives and dies with the service that started it: Ctrl-C is
the service's to handle (it stops the runners by their flag), and a runner whose service is
gone (SIGKILL, an OOM kill) stops too instead of running on unseen."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.synchronize import Event as StopFlag

log = logging.getLogger(__name__)


def start_without_interrupts(start: Callable[[], None]) -> None:
    """Start a child process with SIGINT blocked, from any thread: the mask is inherited
    through exec, so a Ctrl-C while the child is still importing stays pending in it until
    it ignores SIGINT (see ``leave_interrupts_to_the_service``)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def leave_interrupts_to_the_service() -> None:
    """In the runner: ignore SIGINT (a pending one is discarded), then unblock it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def stop_with_parent(stop: StopFlag, grace_s: float) -> None:
    """In the runner: when the service's process is gone, set the stop flag, and exit
    outright if the runner has not finished ``grace_s`` later (nobody reads its queue)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        log.error("the service (pid %s) is gone: this camera runner stops", parent.pid)
        stop.set()
        threading.Timer(grace_s, lambda: os._exit(1)).start()

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
