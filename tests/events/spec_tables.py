"""Reads the event tables and enums out of the API reference itself, so tests check the spec."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.conftest import API_REFERENCE

_SECTIONS = {
    "Concrete Test Event Classes": "test",
    "Concrete Service Event Classes": "service",
    "Concrete Experiment Event Classes": "experiment",
    "Concrete Metrics Event Classes": "metrics",
    "Concrete Environment Event Classes": "environment",
    "Concrete Step Event Classes": "step",
    "Concrete Plugin Event Classes": "plugin",
    "Concrete Assertion Event Classes": "assertion",
}


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


def spec_text() -> str:
    """The API reference's text."""
    return API_REFERENCE.read_text(encoding="utf-8")


def spec_classes() -> list[SpecClass]:
    """Every concrete event class the reference's tables list, in order."""
    rows: list[SpecClass] = []
    domain = None
    for raw in spec_text().splitlines():
        line = raw.strip()
        for heading, name in _SECTIONS.items():
            if line.startswith(heading):
                domain = name
        if line.startswith("Utility Functions"):
            domain = None
        match = re.match(r"^([A-Z][A-Za-z]+Event) (.+)$", line)
        if domain and match and "(" not in line:
            params = []
            for part in match.group(2).split(", "):
                name, _, default = part.partition("=")
                params.append(Param(name.split(":")[0].strip(), default.strip() or None))
            rows.append(SpecClass(match.group(1), domain, tuple(params)))
    return rows


def spec_enums() -> dict[str, list[tuple[str, str]]]:
    """Every ``class XEventType(Enum)`` block (and EventType): name -> [(member, value)]."""
    enums = {}
    pattern = r"class (\w+)\(Enum\):\n((?:    \w+ = \"[^\"]+\"\n)+)"
    for match in re.finditer(pattern, spec_text()):
        enums[match.group(1)] = re.findall(r"    (\w+) = \"([^\"]+)\"", match.group(2))
    return enums
