"""The subscription pattern language, shared by the manager, the store and the CLI.

A type string is dot-separated segments (``test.execution_started``,
``environment.network.setup_started``). A pattern is:

- ``*``: every type;
- an exact type: ``test.execution_started``;
- a bare name with no dot and no wildcard: ``test`` means the type ``test`` and every type under it
  (the whole domain);
- segments with ``*`` wildcards: inside a segment ``*`` matches any run of characters but no dot
  (``service.health_check_*``); a final segment that is exactly ``*`` matches one or more
  segments (``environment.*`` matches ``environment.network.setup_started``); a non-final ``*``
  segment matches exactly one segment (``*.failed``);
- a name from the observer guide (``test_case.*``, ``experiment.started``, ``network.ready``),
  which also matches the canonical types it stands for (see ``_aliases``).

Segments may hold letters, digits, ``_`` and ``-``. Anything else is a ``PatternError``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, final

from ._aliases import GUIDE_ALIASES
from .exceptions import PatternError

__all__ = ["Pattern", "compile_pattern", "meant_pattern"]

_SEGMENT = re.compile(r"[A-Za-z0-9_\-*]+")


def _segment_regex(segment: str) -> str:
    return "[^.]*".join(re.escape(part) for part in segment.split("*"))


@final
class Pattern:
    """A compiled subscription pattern; ``matches(type)`` says whether it selects a type string.

    Raises:
        PatternError: (a ``ValueError``) when the text is not a pattern; the message says why.
    """

    __slots__ = ("_alias_types", "_regex", "is_exact", "text")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise PatternError(f"a pattern must be a string, got {type(text).__name__}: {text!r}")
        if not text:
            raise PatternError("empty pattern; use '*' to match every event type")
        segments = text.split(".")
        for index, segment in enumerate(segments):
            if not segment:
                raise PatternError(
                    f"pattern {text!r} has an empty segment at position {index}; "
                    "segments are separated by single dots, e.g. 'test.*'"
                )
            if not _SEGMENT.fullmatch(segment):
                raise PatternError(
                    f"pattern {text!r}: segment {segment!r} may hold only letters, digits, "
                    "'_', '-' and '*'"
                )
        self.text: Final = text
        self.is_exact: Final = "*" not in text and "." in text
        if text == "*":
            regex = r".+"
        elif "*" not in text and "." not in text:
            regex = re.escape(text) + r"(?:\..+)?"
        else:
            parts = [_segment_regex(s) for s in segments]
            if segments[-1] == "*":
                parts[-1] = r"[^.]+(?:\.[^.]+)*"
            regex = r"\.".join(parts)
        self._regex = re.compile(regex)
        alias_types: set[str] = set()
        for alias, types in GUIDE_ALIASES.items():
            if self._regex.fullmatch(alias):
                alias_types.update(types)
        self._alias_types: Final = frozenset(alias_types)

    def matches(self, event_type: str) -> bool:
        """Return True when this pattern selects ``event_type``."""
        return event_type in self._alias_types or self._regex.fullmatch(event_type) is not None

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


@lru_cache(maxsize=4096)
def compile_pattern(text: str) -> Pattern:
    """Return the compiled ``Pattern`` for ``text`` (cached)."""
    return Pattern(text)


@lru_cache(maxsize=256)
def meant_pattern(pattern: str) -> str | None:
    """For a pattern whose first segment names no entity type of ours (nor a guide name) but
    is close to one (``tset.*``, ``servcie``): the pattern probably meant (``test.*``,
    ``service``); else None.

    Only a hint: an application may publish types of its own under any name.
    """
    head, dot, rest = pattern.partition(".")
    if "*" in head:
        return None
    from difflib import get_close_matches  # noqa: PLC0415 - rare, and slow to import

    from .events.base import EventType  # noqa: PLC0415 - events import this module

    known = {kind.value for kind in EventType} | {a.split(".", 1)[0] for a in GUIDE_ALIASES}
    if head in known:
        return None
    close = get_close_matches(head, sorted(known), n=1, cutoff=0.75)
    return close[0] + dot + rest if close else None
