"""Charts drawn on the server as SVG: the state timeline's swimlanes and horizontal bar charts.

Every text and attribute value is escaped; hover text is an SVG ``<title>`` (no script needed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from ..cli._terminal import visible, visible_lines
from ..store.base import StateInterval

__all__ = ["Bar", "Lane", "bar_chart", "lanes", "legend", "state_colour", "timeline"]


def _text(value: object) -> Markup:
    """Text shown in the SVG: control and bidi characters made visible (line breaks kept: a
    hover text has two lines), then escaped."""
    return escape(visible_lines(value))


#: Lanes drawn at most; the timeline says how many more entities there are.
MAX_LANES = 60
#: Kinds of entity with a swimlane, in the order their lanes are drawn.
LANE_KINDS = ("experiment", "test", "service", "environment")

_LABEL_WIDTH = 260
_LANE_HEIGHT = 22
_AXIS_HEIGHT = 24

# Colours of states, by the words their names contain (the first rule that matches wins); the
# states of one family get its shades in turn, so the legend tells them apart.
_STATE_COLOURS = (
    (("fail", "error", "crash", "abort", "unhealthy"), ("#d64545", "#a82c2c", "#ec8080")),
    (
        ("complet", "pass", "ready", "done", "success", "loaded", "healthy"),
        ("#2f9e6a", "#6cc79a", "#1d6e49"),
    ),
    (
        ("stop", "tear", "torn", "destroy", "clean", "finish"),
        ("#8a94a6", "#5d6678", "#b7bfcc"),
    ),
    (("execut", "running", "run", "active", "start"), ("#3b7dd8", "#7fb0ef", "#24569e")),
    (
        ("setup", "setting", "deploy", "prepar", "build", "load", "init", "creat", "validat"),
        ("#e0a526", "#c77c12", "#f2cf6b", "#a8731a"),
    ),
)
_PALETTE = ("#7b5cd6", "#1aa3b8", "#c2569b", "#6b8e23", "#d9822b", "#4d6fa8")


def state_colour(state: str, assigned: dict[str, str]) -> str:
    """The colour of ``state``, remembered in ``assigned`` so a state keeps one colour."""
    if state not in assigned:
        lowered = state.lower()
        taken = set(assigned.values())
        for words, shades in _STATE_COLOURS:
            if any(word in lowered for word in words):
                free = [shade for shade in shades if shade not in taken]
                assigned[state] = free[0] if free else shades[len(assigned) % len(shades)]
                break
        else:
            assigned[state] = _PALETTE[len(assigned) % len(_PALETTE)]
    return assigned[state]


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3]


def _seconds(value: float) -> str:
    if value == 0:
        return "0 s"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


@dataclass(frozen=True, slots=True)
class Lane:
    """One entity's swimlane: a label, a link, and its state intervals."""

    kind: str
    entity_id: str
    label: str
    intervals: list[StateInterval]


def lanes(intervals: Sequence[StateInterval], run_id: str) -> list[Lane]:
    """Group intervals into lanes: one per experiment, test, service and environment, the
    experiment first; labels drop the ``run_id/`` prefix the runner gives entity ids."""
    grouped: dict[tuple[str, str], list[StateInterval]] = {}
    for interval in intervals:
        if interval.kind in LANE_KINDS:
            grouped.setdefault((interval.kind, interval.entity_id), []).append(interval)
    ordered = sorted(grouped, key=lambda key: LANE_KINDS.index(key[0]))
    result = []
    for kind, entity in ordered:
        shown = entity.removeprefix(run_id + "/") if entity != run_id else ""
        shown = shown.replace("/service/", " / ").replace("/step/", " / ")
        result.append(Lane(kind, entity, f"{kind} {shown}".strip(), grouped[(kind, entity)]))
    return result


def timeline(
    run_lanes: Sequence[Lane],
    start: datetime,
    end: datetime,
    entity_href: Callable[[str], str],
    colours: dict[str, str],
    width: int = 1100,
) -> Markup:
    """Draw ``run_lanes`` over [start, end] as an SVG of swimlanes.

    Intervals narrower than a pixel are merged into the pixel the previous one drew (the
    drawing stays a few hundred shapes however many state changes a run has); each drawn
    rectangle's hover text gives the state and its exact start, end and duration.
    """
    shown = run_lanes[:MAX_LANES]
    span = max((end - start).total_seconds(), 1e-6)
    plot = width - _LABEL_WIDTH - 10
    height = _AXIS_HEIGHT + _LANE_HEIGHT * len(shown) + 4
    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="state timeline">'
    ]
    for tick in range(6):
        x = _LABEL_WIDTH + plot * tick / 5
        anchor = "start" if tick == 0 else "end" if tick == 5 else "middle"
        parts.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{_AXIS_HEIGHT - 6}" '
            f'y2="{height}"/><text class="axis" x="{x:.1f}" y="{_AXIS_HEIGHT - 10}" '
            f'text-anchor="{anchor}">{"+" if tick else ""}{_seconds(span * tick / 5)}</text>'
        )
    for row, lane in enumerate(shown):
        y = _AXIS_HEIGHT + row * _LANE_HEIGHT
        full = visible(lane.label)  # escapes first: they lengthen the label
        label = full if len(full) <= 36 else "…" + full[-35:]
        parts.append(
            f'<a href="{escape(entity_href(lane.entity_id))}"><text class="lane-label" x="4" '
            f'y="{y + 15}"><title>{_text(lane.entity_id)}</title>{_text(label)}</text></a>'
            f'<rect class="lane" x="{_LABEL_WIDTH}" y="{y + 2}" width="{plot}" '
            f'height="{_LANE_HEIGHT - 4}"/>'
        )
        drawn_to = -1.0
        for interval in lane.intervals:
            stop = interval.end or end
            x0 = _LABEL_WIDTH + (interval.start - start).total_seconds() / span * plot
            x1 = _LABEL_WIDTH + (stop - start).total_seconds() / span * plot
            if x1 <= drawn_to:
                continue  # inside the pixel the previous interval already drew
            x0 = max(x0, drawn_to)
            w = max(x1 - x0, 1.0)
            drawn_to = x0 + w
            until = "now" if interval.end is None else _clock(interval.end)
            took = (stop - interval.start).total_seconds()
            hover = (
                f"{lane.label}: {interval.state}\n{_clock(interval.start)} → {until}"
                f" ({_seconds(took)})"
            )
            parts.append(
                f'<rect class="state" x="{x0:.1f}" y="{y + 3}" width="{w:.1f}" '
                f'height="{_LANE_HEIGHT - 6}" fill="{state_colour(interval.state, colours)}">'
                f"<title>{_text(hover)}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(colours: dict[str, str]) -> Markup:
    """The states drawn, each with its colour swatch."""
    items = [
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'rx="2" fill="{colour}"/></svg> {_text(state)}</li>'
        for state, colour in colours.items()
    ]
    return Markup(f'<ul class="legend">{"".join(items)}</ul>')


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value, optional link and CSS class (``failed``...)."""

    label: str
    value: float
    href: str | None = None
    css: str = ""


def bar_chart(bars: Sequence[Bar], fmt: Callable[[float], str], width: int = 540) -> Markup:
    """A horizontal bar chart of ``bars``, each labelled and with its value written out."""
    if not bars:
        return Markup('<p class="empty">nothing measured</p>')
    label_width, row = 200, 20
    plot = width - label_width - 80
    top = max(b.value for b in bars) or 1.0
    height = row * len(bars) + 4
    parts = [
        f'<svg class="bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img">'
    ]
    for i, bar in enumerate(bars):
        y = i * row
        full = visible(bar.label)  # escapes first: they lengthen the label
        label = full if len(full) <= 30 else full[:29] + "…"
        text = f'<text class="bar-label" x="{label_width - 6}" y="{y + 14}" text-anchor="end">'
        text += f"<title>{_text(bar.label)}</title>{_text(label)}</text>"
        if bar.href:
            text = f'<a href="{escape(bar.href)}">{text}</a>'
        w = max(bar.value / top * plot, 1.0)
        parts.append(
            f'{text}<rect class="bar {escape(bar.css)}" x="{label_width}" y="{y + 3}" '
            f'width="{w:.1f}" height="{row - 6}"><title>{_text(bar.label)}: '
            f"{escape(fmt(bar.value))}</title></rect>"
            f'<text class="bar-value" x="{label_width + w + 6:.1f}" y="{y + 14}">'
            f"{escape(fmt(bar.value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
