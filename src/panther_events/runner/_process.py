"""Child processes in sessions of their own: starting them, measuring them, killing every one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import psutil

from ._reaping import forget, watch

__all__ = [
    "ResourceSampler",
    "kill_marked",
    "kill_tree",
    "not_found_hint",
    "spawn",
    "terminate_tree",
]

# How often a process given a grace period is checked for its exit (and the hurry flag).
_HURRY_POLL = 0.05


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: IO[bytes] | int,
    stderr: IO[bytes] | int,
    stdin: int = subprocess.DEVNULL,
    grace: float = 3.0,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` as the leader of a new session (and so of a new process group).

    Its own group lets teardown signal the process and everything it forked at once, and keeps
    a Ctrl-C at the terminal from reaching it before the runner has decided what to do. The
    run's reaper is told of the group: should the runner die before :func:`terminate_tree` or
    :func:`kill_tree` stopped it, the reaper stops it (SIGTERM, SIGKILL after ``grace``).

    Raises:
        OSError: the program cannot be executed (not found, not executable).
    """
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    watch("group", proc.pid, grace)
    return proc


def not_found_hint(program: str, error: OSError) -> str:
    """The usual fix when a relative ``program`` was not found, to append to the error ("")."""
    if not isinstance(error, FileNotFoundError) or "/" not in program or program.startswith("/"):
        return ""
    return (
        "; a relative path is looked for in the test's working directory, not beside the "
        f"experiment file: write ${{experiment_dir}}/{program.removeprefix('./')}"
    )


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def terminate_tree(
    proc: subprocess.Popen[bytes], grace: float, hurry: threading.Event | None = None
) -> tuple[int | None, str]:
    """Stop ``proc``, its process group and its descendants: SIGTERM, then SIGKILL after grace.

    Args:
        proc: a process started by :func:`spawn`.
        grace: seconds to wait after SIGTERM before SIGKILL.
        hurry: once set (before or during the grace), SIGKILL without waiting any longer.

    Returns:
        The exit status (negative: killed by that signal) and how it ended (``exited``,
        ``terminated`` or ``killed``).
    """
    if proc.poll() is not None:
        # Its own exit may have left children behind in the group.
        kill_tree(proc)
        return proc.returncode, "exited"
    # Descendants are listed first: once the leader dies, its orphans are re-parented away.
    family = _descendants(proc.pid)
    _signal_group(proc.pid, signal.SIGTERM)
    how = "terminated"
    deadline = time.monotonic() + grace
    while proc.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (hurry is not None and hurry.is_set()):
            how = "killed"
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=min(remaining, _HURRY_POLL))
    _kill_all(family)
    _signal_group(proc.pid, signal.SIGKILL)
    forget("group", proc.pid)
    return proc.returncode, how


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``proc``, its process group and its descendants at once, and reap it."""
    family = _descendants(proc.pid)
    _signal_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
    _kill_all(family)
    forget("group", proc.pid)


def _kill_all(processes: list[psutil.Process]) -> None:
    for p in processes:
        with contextlib.suppress(psutil.Error):
            p.kill()
    # Orphans are reaped by init, not by us, and an init that does not reap (some containers)
    # leaves zombies forever: wait until each is gone *or a zombie*, never for the reaping.
    deadline = time.monotonic() + 1.0
    pending = list(processes)
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if _alive(p)]
        if pending:
            time.sleep(0.01)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_marked(key: str, value: str) -> list[int]:
    """SIGKILL every process whose environment has ``key=value``, wait for each to die (up to
    a second); return their pids.

    The last line of defence against leftovers: a process that left its process group and
    its parent (a daemon's double fork into a new session) is found neither by ``killpg`` nor
    among the descendants, but it still carries the environment it inherited.
    """
    marked = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(key) == value and proc.status() != psutil.STATUS_ZOMBIE:
                marked.append(proc)
        except psutil.Error:
            continue
    _kill_all(marked)  # and wait until each is gone: "killed" means dead when this returns
    return [proc.pid for proc in marked]


class ResourceSampler:
    """CPU time and peak memory of one process and its children, sampled while it lives.

    Values survive the process: call :meth:`sample` before stopping it to get final figures.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu_seconds = 0.0
        self.peak_memory_bytes = 0
        self._started = time.monotonic()
        try:
            self._proc: psutil.Process | None = psutil.Process(pid)
        except psutil.Error:
            self._proc = None

    def sample(self) -> None:
        """Read the current figures; silently keeps the last ones once the process is gone."""
        if self._proc is None:
            return
        try:
            with self._proc.oneshot():
                times = self._proc.cpu_times()
                rss = self._proc.memory_info().rss
            children = self._proc.children(recursive=True)
        except psutil.Error:
            return
        cpu = times.user + times.system + times.children_user + times.children_system
        for child in children:
            with contextlib.suppress(psutil.Error):
                ct = child.cpu_times()
                cpu += ct.user + ct.system
                rss += child.memory_info().rss
        self.cpu_seconds = max(self.cpu_seconds, cpu)
        self.peak_memory_bytes = max(self.peak_memory_bytes, rss, _high_water_mark(self.pid))

    @property
    def uptime(self) -> float:
        """Seconds since the sampler was created (the process start, near enough)."""
        return time.monotonic() - self._started


def _high_water_mark(pid: int) -> int:
    # Linux records the peak resident set size itself; sampling alone would miss short spikes.
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
