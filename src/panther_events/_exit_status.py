"""The one wording of a process's exit status: ``status 3``, or the signal that ended it."""

from __future__ import annotations

import signal

__all__ = ["describe_exit_status"]


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
