"""The reaper: the watchdog process that stops the process groups of a runner that died.

A runner stops its services itself, on Ctrl-C, SIGTERM and SIGHUP too; a runner killed with
SIGKILL (or by the OOM killer) cannot. So while a run lasts, this program runs in a session of
its own (a Ctrl-C at the terminal is for the runner alone) and reads the runner's lines on its
stdin, a pipe:

- ``+group PGID GRACE``: the runner started process group PGID, to stop with SIGTERM, then
  SIGKILL after GRACE seconds; ``-group PGID``: the runner stopped it and reaped its leader
  (never signal it again: the number may be reused);
- ``+marked KEY=VALUE``: a test's processes carry this variable (``-marked``: swept);
- ``+netns NAME``: a test's network namespace (``-netns``: deleted);
- ``+after COMMAND``: a command to run once all is undone, its argument list as JSON in hex
  (``-after``: not needed any more): how ``panther-events run`` records the run's end;
- ``done``: the run ended normally: exit at once.

At the end of the pipe without ``done`` (the runner died: the kernel closed its end), it sends
SIGTERM to every group it still knows, SIGKILL to each one still alive after its grace, then
SIGKILL to every marked process left (a daemon that left its group; looked for again during a
second, for a service that was between fork and exec), deletes the namespaces,
runs the ``after`` commands (each for at most a minute, in order), and exits. It imports only
fast modules of the standard library (it is run as a script, ``python -I -S _reaper.py``, see
:mod:`._reaping`) so it starts in milliseconds.
"""

from __future__ import annotations

import os
import signal
import sys
import time

__all__ = ["AFTER_LIMIT", "DONE", "command_name", "forget_line", "watch_line"]

#: The line that ends a run normally: the reaper exits without undoing anything.
DONE = b"done\n"
# How often a signalled group is checked for being gone.
_POLL = 0.05
# Seconds the marked processes are looked for again after the end of the pipe: a service the
# runner was starting when it died closes its copy of the pipe just before its exec, and
# carries its test's mark only from the exec on.
_LATE = 1.0
#: Seconds an ``after`` command may run before the reaper kills it.
AFTER_LIMIT = 60.0


def watch_line(kind: str, name: str, grace: float = 0.0) -> bytes:
    """The line telling the reaper to undo ``name`` of ``kind`` should the runner die."""
    return f"+{kind} {name} {grace!r}\n".encode()


def forget_line(kind: str, name: str) -> bytes:
    """The line telling the reaper that ``name`` of ``kind`` is undone already."""
    return f"-{kind} {name}\n".encode()


def command_name(argv: list[str]) -> str:
    """The name of an ``after`` command in a line: its arguments as JSON, in hex (no spaces)."""
    import json  # noqa: PLC0415 - the runner's side only: the reaper decodes at the end

    return json.dumps(argv).encode().hex()


def _run_after(names: list[str]) -> None:
    """Run each ``after`` command in turn, its output discarded; a bad one is skipped."""
    import json  # noqa: PLC0415 - only now: the reaper starts without it
    import subprocess  # noqa: PLC0415

    for name in names:
        try:
            argv = json.loads(bytes.fromhex(name))
            subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=AFTER_LIMIT,
                check=False,
            )
        except (ValueError, TypeError, OSError, subprocess.SubprocessError):
            continue


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


def _sweep_marked(marks: set[str]) -> None:
    """Kill the marked processes now, and again every few polls for ``_LATE`` seconds."""
    until = time.monotonic() + _LATE
    while True:
        _kill_marked(marks)
        if time.monotonic() >= until:
            return
        time.sleep(2 * _POLL)


def _kill_marked(marks: set[str]) -> None:
    """SIGKILL every process whose environment holds one of ``marks`` (``KEY=VALUE``): those
    that left their group and their parent (a daemon's double fork)."""
    wanted = {mark.encode() for mark in marks}
    try:
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                variables = set(environ.read().split(b"\0"))
        except OSError:
            continue
        if variables & wanted:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue


def _main() -> None:
    """Read the runner's lines until ``done`` (exit) or the end of the pipe (undo all, exit)."""
    # Only the runner's end ends it: not a Ctrl-C, a closed terminal, nor a SIGTERM sent to
    # every process of the run at once (``systemctl stop``) that the runner may outlive.
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    groups: dict[int, tuple[float, bytes | None]] = {}
    marks: set[str] = set()
    namespaces: set[str] = set()
    after: dict[str, None] = {}  # in the order given
    for line in sys.stdin.buffer:
        if line == DONE:
            os._exit(0)  # nothing to flush or finalize: the runner is waiting for the exit
        try:
            what, name, *grace = line.decode().split()
            sign, kind = what[:1], what[1:]
            if kind == "group":
                pgid = int(name)
                if sign == "+":
                    groups[pgid] = (float(grace[0]), _start_time(pgid))
                else:
                    groups.pop(pgid, None)
            elif kind == "after":
                if sign == "+":
                    after[name] = None
                else:
                    after.pop(name, None)
            else:
                found = marks if kind == "marked" else namespaces
                (found.add if sign == "+" else found.discard)(name)
        except (ValueError, IndexError):
            continue  # a line cut short by the runner's death
    _stop_all(groups)
    if marks and _HAS_PROC:  # found by their environment, in /proc
        _sweep_marked(marks)
    if namespaces:
        import subprocess  # noqa: PLC0415 - only then: the slowest import here

        for namespace in sorted(namespaces):
            subprocess.run(["ip", "netns", "delete", namespace], check=False, capture_output=True)
    _run_after(list(after))


if __name__ == "__main__":
    _main()
