"""The runner's side of the reaper: starting it for a run, telling it what to undo.

While :func:`reaping` lasts, a reaper process (:mod:`._reaper`) watches this one through a
pipe: :func:`watch` tells it of each process group started (and each test's marked processes
and namespace), :func:`forget` of each one stopped. Should this process die without tearing
down (SIGKILL, the OOM killer), the kernel closes the pipe and the reaper undoes everything it
was not told to forget.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Literal

from . import _reaper

__all__ = ["Kind", "after_death", "forget", "reaping", "watch"]

#: What the reaper undoes: stop a process ``group``, kill ``marked`` processes, delete a
#: ``netns``; and what it does last: run an ``after`` command (see :func:`after_death`).
Kind = Literal["group", "marked", "netns", "after"]

_log = logging.getLogger(__name__)

# How long the runner waits for the reaper to exit after ``done`` before leaving it be.
_EXIT_WAIT = 5.0


class _Watchdog:
    """The runner's end of the pipe to one reaper process."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            # -I: no user site, no PYTHON* variables, no script directory on sys.path;
            # -S: no site-packages at all. The standard library is all it needs.
            [sys.executable, "-I", "-S", _reaper.__file__],
            stdin=subprocess.PIPE,
            # Never the runner's output: whoever reads it to its end must not wait for us.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",  # holds no directory (a mount) busy
            start_new_session=True,  # a Ctrl-C at the terminal is for the runner alone
        )
        assert self._process.stdin is not None
        self._pipe = self._process.stdin
        self._fd: int | None = self._pipe.fileno()
        #: What the reaper watches, by (kind, name): the grace of each.
        self.watched: dict[tuple[Kind, str], float] = {}

    def send(self, line: bytes) -> None:
        """Write one line (atomically: it is shorter than PIPE_BUF); a dead reaper is noted."""
        if self._fd is None:
            return
        try:
            os.write(self._fd, line)
        except OSError as exc:  # BrokenPipeError: someone killed it
            self._fd = None
            _log.warning(
                "the reaper process (pid %d) is gone (%s): services would outlive a killed runner",
                self._process.pid,
                exc,
            )

    def close(self) -> None:
        """End the reaper: ``done`` if everything was forgotten, else end of file, so that it
        undoes what is left (a group the runner never stopped must not outlive the run)."""
        if not self.watched:
            self.send(_reaper.DONE)
        self._fd = None
        with contextlib.suppress(OSError):
            self._pipe.close()
        wait = _EXIT_WAIT + max(self.watched.values(), default=0.0)
        try:
            self._process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            _log.warning("the reaper process (pid %d) did not exit", self._process.pid)

    def disown(self) -> None:
        """In a forked child: point the pipe at /dev/null so the child never holds it open
        (the reaper must see its end when the runner dies) and write nothing more."""
        if self._fd is not None:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._fd)
            finally:
                os.close(null)
        self._fd = None


class _Shared:
    """This process's one reaper and how many runs use it (``lock`` guards both)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.watchdog: _Watchdog | None = None
        self.users = 0
        # In a forked child, the parent's reaper, kept: collecting it would wait for a
        # process that is not the child's.
        self._disowned: list[_Watchdog] = []

    def after_fork_in_child(self) -> None:
        """A forked child starts with no reaper (and a fresh lock: another thread of the
        parent may have held it at the fork)."""
        self.lock = threading.Lock()
        if self.watchdog is not None:
            self.watchdog.disown()
            self._disowned.append(self.watchdog)
        self.watchdog, self.users = None, 0


_shared = _Shared()
os.register_at_fork(after_in_child=_shared.after_fork_in_child)


@contextlib.contextmanager
def reaping() -> Iterator[None]:
    """Have a reaper watch this process while inside: should it die, everything :func:`watch`
    was told of and :func:`forget` was not is undone (groups stopped, marked processes killed,
    namespaces deleted).

    Nested and concurrent uses share one reaper; the last to leave ends it and waits for its
    exit (milliseconds). A reaper that cannot start is logged and the run goes on unwatched.
    """
    with _shared.lock:
        if _shared.users == 0:
            try:
                _shared.watchdog = _Watchdog()
            except OSError as exc:
                _log.warning("cannot start the reaper process: %s", exc)
        _shared.users += 1
    try:
        yield
    finally:
        with _shared.lock:
            _shared.users -= 1
            ending = _shared.watchdog if _shared.users == 0 else None
            if ending is not None:
                _shared.watchdog = None
        if ending is not None:
            ending.close()


def watch(kind: Kind, name: str | int, grace: float = 0.0) -> None:
    """Tell the reaper (if one runs) of something to undo should this process die: a process
    ``group`` (its pgid and SIGTERM-to-SIGKILL grace), the processes ``marked`` with an
    environment variable (``KEY=VALUE``), a network namespace (``netns``, by name)."""
    with _shared.lock:
        if _shared.watchdog is not None:
            _shared.watchdog.watched[kind, str(name)] = grace
            _shared.watchdog.send(_reaper.watch_line(kind, str(name), grace))


def forget(kind: Kind, name: str | int) -> None:
    """Tell the reaper something is undone: a group stopped and its leader reaped (never signal
    it again: its number may now be reused), marked processes swept, a namespace deleted."""
    with _shared.lock:
        watchdog = _shared.watchdog
        if watchdog is not None and watchdog.watched.pop((kind, str(name)), None) is not None:
            watchdog.send(_reaper.forget_line(kind, str(name)))


@contextlib.contextmanager
def after_death(argv: list[str]) -> Iterator[None]:
    """Inside :func:`reaping`: should this process die while inside this block, the reaper
    runs ``argv`` once it has undone everything (how ``panther-events run`` records that its
    run ended). Leaving the block, normally or by an exception, cancels it."""
    name = _reaper.command_name(argv)
    watch("after", name)
    try:
        yield
    finally:
        forget("after", name)
