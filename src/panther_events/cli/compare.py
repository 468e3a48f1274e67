"""``panther-events compare RUN_A RUN_B``: what changed between two runs of an experiment."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..compare import Change, RunComparison, compare_runs
from ._app import DbOption, JsonOption, app, get_state
from ._terminal import json_visible, visible
from .history import _console, _fmt_duration, _open_store

__all__: list[str] = []

_OUTCOME_STYLE = {"passed": "green", "failed": "red", "error": "magenta", "incomplete": "yellow"}


def _shown(text: object) -> str:
    """Event text for rich markup: control and bidi characters made visible, markup escaped."""
    return escape(visible(text))


def _outcome(value: str | None) -> str:
    if value is None:
        return "[dim]absent[/]"
    return f"[{_OUTCOME_STYLE.get(value, 'white')}]{_shown(value)}[/]"


def _change_style(change: Change) -> str:
    percent = change.percent
    if percent is None:
        return "white"
    return "red" if percent >= 10 else "green" if percent <= -10 else "white"


def _print(comparison: RunComparison) -> None:
    console = _console()
    before, after = comparison.before, comparison.after
    console.print(
        f"[bold]compare[/] {_shown(before.run_id)} ({_shown(before.experiment)}, "
        f"{before.info.status}) → {_shown(after.run_id)} ({_shown(after.experiment)}, "
        f"{after.info.status})"
    )
    if comparison.same_run:
        console.print("[yellow]the same run on both sides: pick two runs to see changes[/]")
    elif not comparison.same_experiment:
        console.print("[yellow]the runs are of different experiments[/]")
    if comparison.outcomes:
        table = Table(title="outcomes that changed")
        for column in ("test", "before", "after"):
            table.add_column(column)
        for change in comparison.outcomes:
            table.add_row(_shown(change.test), _outcome(change.before), _outcome(change.after))
        console.print(table)
    else:
        console.print("no test changed its outcome")
    _print_changes("durations", comparison.durations, _fmt_duration)
    _print_changes("metrics that moved", comparison.metrics, _fmt_number)


def _fmt_number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _print_changes(title: str, rows: list[Change], fmt: Callable[[float | None], str]) -> None:
    if rows:
        table = Table(title=title)
        for column in ("kind", "name", "before", "after", "change"):
            table.add_column(column, justify="right" if column in ("before", "after") else "left")
        for change in rows:
            style = _change_style(change)
            table.add_row(
                change.kind,
                _shown(change.name),
                fmt(change.before),
                fmt(change.after),
                f"[{style}]{change.describe()}[/]",
            )
        _console().print(table)


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    run_a: Annotated[str, typer.Argument(help="The reference run: id, unique prefix or 'latest'.")],
    run_b: Annotated[str, typer.Argument(help="The run to compare with it.")],
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Compare two runs: outcomes that changed, durations with their change in %, metrics moved.

    The first run is the reference; with --json the comparison is printed as one JSON document.
    """
    state = get_state(ctx, db=db, json=json_output)
    with _open_store(state, read_only=True) as store:
        comparison = compare_runs(store, store.resolve_run(run_a), store.resolve_run(run_b))
    if state.json:
        typer.echo(json_visible(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2)))
        return
    _print(comparison)
