"""The docs stay true: generated pages match the code, and Python examples in them run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from panther_events.events.catalog import render_event_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def python_blocks() -> list[tuple[str, str]]:
    """Every ```python block of the README and docs, with a readable id."""
    blocks = []
    for path in DOCS:
        for index, match in enumerate(_BLOCK.finditer(path.read_text(encoding="utf-8"))):
            blocks.append((f"{path.name}#{index}", match.group(1)))
    return blocks


def test_event_table_is_current() -> None:
    """docs/events.md is exactly what the catalogue renders (regenerate it if this fails)."""
    current = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert current == render_event_table(), (
        "docs/events.md is stale: python -c 'from panther_events.events.catalog import "
        'render_event_table; open("docs/events.md", "w").write(render_event_table())\''
    )


@pytest.mark.parametrize(("where", "code"), python_blocks(), ids=[b[0] for b in python_blocks()])
def test_python_examples_run(
    where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Python example in the docs runs without error (in a scratch directory)."""
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__doc_example__"})


def test_alias_table_is_documented() -> None:
    """docs/concepts.md lists every guide name with exactly its canonical types."""
    from panther_events._aliases import GUIDE_ALIASES

    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    for alias, types in GUIDE_ALIASES.items():
        row = f"| `{alias}` | " + ", ".join(f"`{t}`" for t in types) + " |"
        assert row in text, row
