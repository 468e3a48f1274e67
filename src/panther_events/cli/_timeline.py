"""The timeline drawing: each entity's states as a bar over the run's time.

A state fills the cells of the time it lasted; a terminal state (``completed``, ``failed``,
``destroyed``...) is the single cell where the entity ended, so a 3 ms step is not drawn to
the end of the run. Every state has its own glyph as well as a colour, so the bars read the
same without colour. Rows come in the order experiment, tests, services, environments, steps,
assertions, then plugins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text

from ..states.mapping import MACHINES
from ..store.base import StateInterval

__all__ = ["KIND_ORDER", "Legend", "draw_bar", "label", "layout", "rows"]

#: Row order by entity kind; kinds not listed come before plugins, plugins last.
KIND_ORDER = ("experiment", "test", "service", "environment", "step", "assertion", "plugin")
#: States each kind cannot leave: drawn as the one cell where the entity ended.
_TERMINAL = {
    kind: frozenset(state.value for state in machine.terminal_states())
    for kind, machine in MACHINES.items()
}
# Glyphs (first free one wins) and colour by the words a state's name contains; first match wins.
_STYLES = (
    (("fail", "error", "crash", "abort"), "✗X", "red"),
    (("complet", "pass", "done", "success", "finished"), "✓√", "green"),
    (("stopping", "teardown", "tearing", "clean"), "░▁", "grey50"),
    (("stop", "destroy", "torn", "unknown", "skip", "unsupported"), "■□▪", "grey50"),
    (
        (
            *("ready", "loaded", "healthy", "prepared", "deployed", "set_up", "initialized"),
            *("executed", "validated"),
        ),
        "▓▚▞",
        "green",
    ),
    (("execut", "running", "run", "active", "start", "validat"), "█▇▆▅", "blue"),
    (("setup", "setting", "deploy", "prepar", "build", "load", "init"), "▒▃▄", "yellow"),
    (("creat", "pending"), "-~", "cyan"),
)
# For states whose family's glyphs are taken or that match no words.
_SPARE_GLYPHS = "=+*o%@&$x^#"
_SPARE_COLOURS = ("cyan", "magenta", "bright_blue", "bright_green", "orange3", "purple")
EMPTY = "·"


@dataclass
class Legend:
    """The glyph and colour of each state drawn so far, in order of first appearance."""

    styles: dict[str, tuple[str, str]] = field(default_factory=dict)

    def style(self, state: str) -> tuple[str, str]:
        """``(glyph, colour)`` of ``state``; a new state gets a glyph no other state has."""
        if state not in self.styles:
            used = {glyph for glyph, _ in self.styles.values()}
            lowered = state.lower()
            glyphs, colour = next(
                ((g, c) for words, g, c in _STYLES if any(w in lowered for w in words)),
                ("", _SPARE_COLOURS[len(self.styles) % len(_SPARE_COLOURS)]),
            )
            glyph = next(g for g in glyphs + _SPARE_GLYPHS if g not in used)
            self.styles[state] = (glyph, colour)
        return self.styles[state]

    def render(self, width: int) -> Text:
        """``states: ✓ completed  █ running ...``, broken into lines of at most ``width``
        characters between entries, so a glyph never ends a line apart from its state."""
        text = Text("states:")
        used = len(text)
        for state, (glyph, colour) in self.styles.items():
            gap = " " if text.plain == "states:" else "  "
            if used + len(gap) + len(glyph) + 1 + len(state) > width and used > 0:
                text.append("\n")
                gap, used = "", 0
            text.append(gap)
            text.append(glyph, style=colour)
            text.append(f" {state}")
            used += len(gap) + len(glyph) + 1 + len(state)
        return text


#: The narrowest bar drawn to fit the terminal, and the narrowest label kept for it.
MIN_BAR = 20
MIN_LABEL = 12


def layout(label: int, final: int, columns: int, width: int | None) -> tuple[int, int]:
    """``(label width, bar width)`` of rows whose longest label is ``label`` characters and
    whose final states take ``final`` (with their space): ``width`` is the bar's when given;
    else the row fits in ``columns``, the label giving way (down to ``MIN_LABEL``) before the
    bar shrinks below ``MIN_BAR``."""
    label_width = min(label, 48)
    if width is not None:
        return label_width, width
    room = columns - 1 - final  # the space after the label, the final state at the end
    label_width = min(label_width, max(MIN_LABEL, room - MIN_BAR))
    return label_width, max(10, room - label_width)


def label(kind: str, name: str, width: int) -> str:
    """``kind name`` in ``width`` characters: too long, a last part that repeats the kind
    (``environment t1/environment``) goes first, then the start of the name is cut (its end
    is what tells entities apart); the kind stays."""
    text = f"{kind} {name}"
    owner, _, last = name.rpartition("/")
    if len(text) > width and owner and last.startswith(kind):
        name, text = owner, f"{kind} {owner}"
    if len(text) > width:
        keep = width - len(kind) - 2
        text = f"{kind} …{name[-keep:]}" if keep > 0 else "…" + text[-(width - 1) :]
    return text.ljust(width)


def rows(intervals: Iterable[StateInterval]) -> list[tuple[str, str, list[StateInterval]]]:
    """``(kind, entity_id, intervals)`` per entity, in ``KIND_ORDER`` then order of first state."""
    entities: dict[tuple[str, str], list[StateInterval]] = {}
    for interval in intervals:
        entities.setdefault((interval.kind, interval.entity_id), []).append(interval)

    def rank(kind: str) -> int:
        if kind == "plugin":
            return len(KIND_ORDER)
        return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER) - 1

    ordered = sorted(
        entities.items(), key=lambda item: (rank(item[0][0]), min(i.start for i in item[1]))
    )
    return [(kind, entity, found) for (kind, entity), found in ordered]


def draw_bar(
    intervals: list[StateInterval], start: datetime, end: datetime, width: int, legend: Legend
) -> Text:
    """One entity's states over ``[start, end]`` in ``width`` cells.

    Each state covers the cells of the time it lasted (at least one cell, so a state shorter
    than a cell still shows); a terminal state with no end is one cell; a state the run ended
    in that is not terminal (still running) lasts to the end.
    """
    span = max((end - start).total_seconds(), 1e-9)

    def cell(moment: datetime) -> int:
        return int((moment - start).total_seconds() / span * (width - 1))

    cells: list[str | None] = [None] * width
    for interval in intervals:
        first = min(max(cell(interval.start), 0), width - 1)
        if interval.end is not None:
            last = cell(interval.end)
        elif interval.state in _TERMINAL.get(interval.kind, ()):
            last = first
        else:
            last = width
        for index in range(first, min(max(last, first + 1), width)):
            cells[index] = interval.state
        cells[first] = interval.state  # a later state wins the cell it starts in
    bar = Text()
    for state in cells:
        if state is None:
            bar.append(EMPTY, style="grey37")
        else:
            glyph, colour = legend.style(state)
            bar.append(glyph, style=colour)
    return bar
