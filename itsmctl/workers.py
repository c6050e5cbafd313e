"""Worker processes that go away quietly: for every process pool itsmctl starts.

A pool worker is forked from the command. When the command is interrupted or
killed, the worker must not print a traceback nor outlive it:

- Ctrl-C reaches every process of the terminal's process group. Only the
  command handles it (it stops the pool and cleans up), so workers ignore SIGINT.
- The command may have turned SIGTERM into an exception for its own clean-up
  (``terminate_as_exit``); a worker takes the default action back, so the
  pool's ``terminate()`` ends it silently.
- When the command dies (``kill -9``), its workers die with it: on Linux the
  kernel sends them SIGKILL (``PR_SET_PDEATHSIG``); elsewhere a thread in each
  worker notices that its parent changed. Otherwise a worker's next result
  would go into a pipe nobody reads (Python's BrokenPipeError, which the pool
  prints as a traceback), or the worker would wait forever for a lock a dead
  sibling held, keeping the build's lock (see ``publish.staging``) and its
  output pipe open. SIGPIPE is set back to its default action for the same
  window: a write into the dead parent's pipe ends the worker silently.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_PR_SET_PDEATHSIG = 1


def quiet_worker(parent: int | None = None) -> None:
    """Pool initializer: see the module documentation. ``parent``: the pid of the process that starts the pool
    (default: the worker's parent as it is now)."""
    if parent is None:
        parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we could ask to die with it
        os._exit(0)


def _die_with_parent() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False  # not Linux


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


class Terminated(SystemExit):
    """SIGTERM during a step that must clean up after itself; exits 143 like the default action."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (so ``finally`` clean-up runs) instead of killing at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def handler(number: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
