"""The reaper: the watchdog process that stops the process groups of a runner that died.

A runner stops its services itself, on Ctrl-C, SIGTERM and SIGHUP too; a runner killed with
SIGKILL (or by the OOM killer) cannot. So while a run lasts, this program runs in a session of
its own (a Ctrl-C at the terminal is for the runner alone) and reads the runner's lines on its
stdin, a pipe:

- ``+PGID GRACE``: the runner started process group PGID; its SIGTERM-to-SIGKILL grace;
- ``-PGID``: the runner stopped that group and reaped its leader: never signal it again;
- ``done``: the run ended normally: exit at once.

At the end of the pipe without ``done`` (the runner died: the kernel closed its end), it sends
SIGTERM to every group it still knows, SIGKILL to each one still alive after its grace, and
exits. It imports only fast modules of the standard library (it is run as a script,
``python -I -S _reaper.py``, see :mod:`._reaping`) so it starts in milliseconds.
"""

from __future__ import annotations

import os
import signal
import sys
import time

__all__ = ["DONE", "forget_line", "watch_line"]

#: The line that ends a run normally: the reaper exits without signalling anything.
DONE = b"done\n"
# How often a signalled group is checked for being gone.
_POLL = 0.05


def watch_line(pgid: int, grace: float) -> bytes:
    """The line telling the reaper of group ``pgid`` and its grace."""
    return b"+%d %r\n" % (pgid, grace)


def forget_line(pgid: int) -> bytes:
    """The line telling the reaper to forget group ``pgid``."""
    return b"-%d\n" % pgid


_HAS_PROC = os.path.exists("/proc/self/stat")


def _start_time(pid: int) -> bytes | None:
    """The process's start time (field 22 of /proc/PID/stat), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _is_same(pgid: int, started: bytes | None) -> bool:
    """Whether group ``pgid`` is still the runner's, not a new one that reused the number.

    A number stays taken while its group has a member, so it can be reused only once the
    group is empty; a live process with that pid started at another time is such a reuse.
    """
    if not _HAS_PROC:
        return True  # nothing to compare
    now = _start_time(pgid)
    return now is None or now == started


def _signal(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the group; False once it has no process left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # not ours any more (reused by another user's process)
        return False
    return True


def _stop_all(groups: dict[int, tuple[float, bytes | None]]) -> None:
    """SIGTERM every group, then SIGKILL each one still alive after its grace."""
    began = time.monotonic()
    pending: dict[int, float] = {}
    for pgid, (grace, started) in groups.items():
        if _is_same(pgid, started) and _signal(pgid, signal.SIGTERM):
            _signal(pgid, signal.SIGCONT)  # a stopped process acts on SIGTERM only once woken
            pending[pgid] = began + grace
    while pending:
        time.sleep(_POLL)
        now = time.monotonic()
        for pgid, deadline in list(pending.items()):
            if not _is_same(pgid, groups[pgid][1]) or not _signal(pgid, 0):
                del pending[pgid]
            elif now >= deadline:
                _signal(pgid, signal.SIGKILL)
                del pending[pgid]


def _main() -> None:
    """Read the runner's lines until ``done`` (exit) or the end of the pipe (stop all, exit)."""
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    groups: dict[int, tuple[float, bytes | None]] = {}
    for line in sys.stdin.buffer:
        if line == DONE:
            os._exit(0)  # nothing to flush or finalize: the runner is waiting for the exit
        try:
            if line.startswith(b"+"):
                pgid, grace = line[1:].split()
                groups[int(pgid)] = (float(grace), _start_time(int(pgid)))
            elif line.startswith(b"-"):
                groups.pop(int(line[1:]), None)
        except ValueError:
            continue  # a line cut short by the runner's death
    _stop_all(groups)


if __name__ == "__main__":
    _main()
