"""The one wording of a process's exit status: ``status 3``, or the signal that ended it."""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["describe_exit_status", "name_signals"]

#: The data key under which events carry a process's exit status.
EXIT_CODE_KEY = "exit_code"


def describe_exit_status(code: int | None) -> str:
    """Describe an exit status as ``subprocess`` reports it, naming a signal when one ended it.

    Args:
        code: the status; negative means killed by that signal (``-6`` is SIGABRT), None
            means unknown (the process was never waited for).

    Returns:
        ``status 3``, ``SIGABRT (-6)``, ``signal 99 (-99)`` for a number that names no signal
        here, or ``an unknown status``. The number is always kept, so scripts can match it.
    """
    if code is None:
        return "an unknown status"
    if code >= 0:
        return f"status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"{name} ({code})"


def name_signals(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` for display: each ``exit_code`` (at any depth) that a signal set, as
    ``describe_exit_status`` words it (``SIGABRT (-6)``); other values unchanged.

    Returns a new dict when something was renamed, else ``data`` itself.
    """
    shown: dict[str, Any] | None = None
    for key, value in data.items():
        if key == EXIT_CODE_KEY and type(value) is int and value < 0:
            new: Any = describe_exit_status(value)
        elif isinstance(value, dict):
            new = name_signals(value)
        else:
            continue
        if new is not value:
            shown = shown if shown is not None else dict(data)
            shown[key] = new
    return data if shown is None else shown
