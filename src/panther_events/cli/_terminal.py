"""Safe terminal output: event text shown with its controls visible; a closed output ends quietly.

Every command prints text from events through ``visible`` (``--json`` through ``json_visible``),
defined once in ``panther_events._visible`` for the CLI and the observers alike.
"""

from __future__ import annotations

import io
import os
import select
import sys
from typing import NoReturn

from .._visible import json_visible, visible, visible_lines

__all__ = [
    "EXIT_CLOSED_OUTPUT",
    "end_on_closed_output",
    "json_visible",
    "output_closed",
    "visible",
    "visible_lines",
]

#: Exit status when the reader of our output went away (``panther-events replay | head -1``).
EXIT_CLOSED_OUTPUT = 1


def end_on_closed_output() -> NoReturn:
    """End the command quietly after its output was closed (the reader went away).

    Points stdout at /dev/null so that Python's final flush cannot report the broken pipe, then
    exits with ``EXIT_CLOSED_OUTPUT``.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    raise SystemExit(EXIT_CLOSED_OUTPUT)


def output_closed() -> bool:
    """Whether stdout's reader has gone (a pipe whose other end is closed), found without
    writing: a command that waits for something to print (``tail --follow | head -1``) checks
    it while idle. False when stdout is not a file descriptor (a test's capture)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    poller = select.poll()
    poller.register(fd, 0)  # no events asked for: only error and hang-up are reported
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
