"""The spec's event tables and enums, read from the checked-in ``tests/data/spec.json``.

``tests/data/extract_spec.py`` wrote that file from the API reference once; the tests read only
the repository, so a plain clone runs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DATA = Path(__file__).resolve().parents[1] / "data" / "spec.json"


@dataclass(frozen=True)
class Param:
    """One constructor parameter as the spec lists it."""

    name: str
    default: str | None  # source text of the default, None when required


@dataclass(frozen=True)
class SpecClass:
    """One row of a spec table."""

    name: str
    domain: str
    params: tuple[Param, ...]


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_DATA.read_text(encoding="utf-8"))
    return data


def spec_classes() -> list[SpecClass]:
    """Every concrete event class the reference's tables list, in order."""
    rows = _data()["classes"]
    return [
        SpecClass(row["name"], row["domain"], tuple(Param(*param) for param in row["params"]))
        for row in rows
    ]


def spec_enums() -> dict[str, list[tuple[str, str]]]:
    """Every ``class XEventType(Enum)`` block (and EventType): name -> [(member, value)]."""
    return {
        name: [(member, value) for member, value in members]
        for name, members in _data()["enums"].items()
    }
