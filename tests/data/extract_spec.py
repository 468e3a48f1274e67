"""Writes ``spec.json``: the spec's event tables and enums as test data (run by hand only).

Usage: ``python tests/data/extract_spec.py ../shared/seeds/000_f8b6d7c3d766d2ab.txt``. The tests
read only the checked-in ``spec.json``; run this again when the API reference changes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

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
OUTPUT = Path(__file__).with_name("spec.json")


def classes(text: str) -> list[dict[str, object]]:
    """Every row of the reference's class tables: name, domain, [parameter, default source]."""
    rows: list[dict[str, object]] = []
    domain = None
    for raw in text.splitlines():
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
                params.append([name.split(":")[0].strip(), default.strip() or None])
            rows.append({"name": match.group(1), "domain": domain, "params": params})
    return rows


def enums(text: str) -> dict[str, list[list[str]]]:
    """Every ``class XEventType(Enum)`` block (and EventType): name -> [[member, value], ...]."""
    found = {}
    pattern = r"class (\w+)\(Enum\):\n((?:    \w+ = \"[^\"]+\"\n)+)"
    for match in re.finditer(pattern, text):
        members = re.findall(r"    (\w+) = \"([^\"]+)\"", match.group(2))
        found[match.group(1)] = [list(member) for member in members]
    return found


def main(reference: str) -> None:
    """Read the API reference at ``reference`` and write ``spec.json`` beside this script."""
    text = Path(reference).read_text(encoding="utf-8")
    # One class or enum per line keeps a change of the spec a readable diff.
    lines = ['{"classes": [']
    rows = classes(text)
    lines += [json.dumps(row) + ("," if i < len(rows) - 1 else "") for i, row in enumerate(rows)]
    lines.append('], "enums": {')
    found = list(enums(text).items())
    for i, (name, members) in enumerate(found):
        comma = "," if i < len(found) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(members)}{comma}")
    lines.append("}}")
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
