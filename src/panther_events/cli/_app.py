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

from ._commands import APP_HELP, DB_ENV, DB_HELP, DEFAULT_DB, JSON_HELP

__all__ = ["AppState", "DbOption", "JsonOption", "app", "get_state"]


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
    help=APP_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: flags show without a value (``--quiet``, not ``--quiet <bool>``) and no
    # rich import is needed to print it.
    rich_markup_mode=None,
)


@app.callback()
def _main_options(
    ctx: typer.Context,
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            envvar=DB_ENV,
            help=DB_HELP,
            show_default=True,
        ),
    ] = Path(DEFAULT_DB),
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
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
