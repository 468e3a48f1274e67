"""Safe terminal output: text from events shown with its control characters made visible.

Event data comes from protocol traffic, imports and NATS producers: an escape sequence or a
carriage return printed raw could set the window title, clear the screen or hide a line. Every
command prints such text through ``visible`` (``--json`` output is escaped by JSON itself).
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

__all__ = ["EXIT_CLOSED_OUTPUT", "end_on_closed_output", "visible"]

#: Exit status when the reader of our output went away (``panther-events replay | head -1``).
EXIT_CLOSED_OUTPUT = 1

# C0 controls, DEL and C1 controls, plus the Unicode format characters that reorder or hide
# text (bidirectional overrides and isolates, zero-width marks): each shown as a Python escape.
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_FORMATS = [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_FORMATS += [0xFEFF]
_TABLE = {code: repr(chr(code))[1:-1] for code in _CONTROLS + _FORMATS}
# repr() leaves the format characters as they are: spell them out.
_TABLE.update({code: f"\\u{code:04x}" for code in _FORMATS})


def visible(text: object) -> str:
    """``str(text)`` with every control character written as an escape (``\\x1b``, ``\\r``).

    Printable text, including non-ASCII letters, is unchanged; a backslash is left as it is,
    so the result is for eyes, not for parsing back.
    """
    return str(text).translate(_TABLE)


def end_on_closed_output() -> NoReturn:
    """End the command quietly after its output was closed (the reader went away).

    Points stdout at /dev/null so that Python's final flush cannot report the broken pipe, then
    exits with ``EXIT_CLOSED_OUTPUT``.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    raise SystemExit(EXIT_CLOSED_OUTPUT)
