"""The typer application every ``panther-events`` command registers on, and its shared options."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

try:
    import typer
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from ..exceptions import MissingExtraError

    raise MissingExtraError("the panther-events command", "typer", "cli") from exc

__all__ = ["DB_ENV", "DEFAULT_DB", "AppState", "DbOption", "JsonOption", "app", "get_state"]

#: Database used when neither ``--db`` nor ``PANTHER_EVENTS_DB`` says otherwise.
DEFAULT_DB = "./panther-events.db"
#: Environment variable naming the database.
DB_ENV = "PANTHER_EVENTS_DB"


@dataclass
class AppState:
    """Options given before the command name, shared by every command.

    Attributes:
        db: path of the SQLite event store.
        json: print machine-readable JSON instead of rich tables.
    """

    db: Path
    json: bool = False


app = typer.Typer(
    name="panther-events",
    help="Run experiments, look back at stored runs, and collect events from other hosts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main_options(
    ctx: typer.Context,
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            envvar=DB_ENV,
            help="SQLite event store to read or write.",
            show_default=True,
        ),
    ] = Path(DEFAULT_DB),
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON for machines instead of tables.")
    ] = False,
) -> None:
    """Look back at experiment runs stored by panther-events."""
    ctx.obj = AppState(db=db, json=json_output)


#: Per-command ``--db``: lets ``panther-events runs --db x.db`` work as well as the global form.
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite event store (overrides the global --db)."),
]
#: Per-command ``--json``: lets ``panther-events runs --json`` work as well as the global form.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def get_state(ctx: typer.Context, *, db: Path | None = None, json: bool = False) -> AppState:
    """Return the options of this invocation, a command's own ``--db``/``--json`` winning.

    Args:
        ctx: the command's typer context.
        db: the command-level ``--db`` value, if the command offers one and it was given.
        json: the command-level ``--json`` flag.

    Falls back to the defaults (and ``PANTHER_EVENTS_DB``) when a command is invoked without
    the app callback, e.g. from a test that calls a command function directly.
    """
    root = ctx.find_root().obj
    if not isinstance(root, AppState):
        root = AppState(db=Path(os.environ.get(DB_ENV, DEFAULT_DB)))
    base: AppState = root
    return AppState(db=db if db is not None else base.db, json=json or base.json)
