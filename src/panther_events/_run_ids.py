"""Run ids: the one function that mints them, for the store, the runner and the transports."""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from datetime import UTC, datetime

__all__ = ["new_run_id"]

# Run ids become NATS subject tokens and file-name parts: no '.', wildcards or whitespace.
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


class _Draws:
    """Random parts never repeated within a second in this process.

    Six hex digits keep ids short, but among a thousand ids of one second two would be equal
    about once in thirty runs; remembering the current second's draws rules that out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp = ""
        self._drawn: set[str] = set()

    def draw(self, stamp: str) -> str:
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._drawn = stamp, set()
            while (token := secrets.token_hex(3)) in self._drawn:
                pass
            self._drawn.add(token)
            return token


_RANDOM = _Draws()


def new_run_id(
    name: str | None = None,
    *,
    host: bool = False,
    pid: bool = False,
    now: datetime | None = None,
) -> str:
    """Return a fresh run id: ``[NAME-]UTCTIME-RANDOM[-HOST][-PID]``.

    For example ``20261123T221500Z-3fa2c1``, or ``echo-20261123T221500Z-3fa2c1-worker3`` for
    ``new_run_id("echo", host=True)``. Ids with the same ``name`` sort by start time.

    Args:
        name: a prefix, such as the experiment's name; each character other than an ASCII
            letter, digit, ``_`` or ``-`` becomes ``-``.
        host: append the host's short name, so runs of several hosts sent to one collector
            stay distinct and say where they came from.
        pid: append the process id.
        now: the start time (default: now).
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = f"{moment:%Y%m%dT%H%M%SZ}"
    parts = [stamp, _RANDOM.draw(stamp)]
    if name is not None:
        parts.insert(0, _UNSAFE.sub("-", name) or "run")
    if host:
        parts.append(_UNSAFE.sub("-", socket.gethostname().split(".")[0]) or "host")
    if pid:
        parts.append(str(os.getpid()))
    return "-".join(parts)
