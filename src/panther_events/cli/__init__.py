"""The ``panther-events`` command: look back at stored runs, run experiments, collect events."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from ._commands import COMMANDS, INSTALL_HINT, command_name, has_cli_extra, overview
from ._terminal import end_on_closed_output

if TYPE_CHECKING:
    import typer

__all__ = ["app", "load_app", "main"]

#: Exit status of a command that cannot run at all (missing extra, bad usage).
EXIT_USAGE = 2


def load_app(command: str | None = None) -> typer.Typer:
    """The typer application with ``command``'s module loaded, or every command's when None
    (or when ``command`` is unknown, so that typer can suggest a close name)."""
    from ._app import app  # noqa: PLC0415 - typer is imported only when a command runs

    known = COMMANDS.get(command or "")
    modules = {known.module} if known else {c.module for c in COMMANDS.values()}
    for module in sorted(modules):
        importlib.import_module(f".{module}", __name__)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the ``panther-events`` command line (the console script's entry point).

    Without the ``cli`` extra it prints one line naming ``pip install 'panther-events[cli]'``
    and exits 2. ``panther-events`` and ``panther-events --help`` print the command overview
    without importing typer; any other call imports only the named command's module. When the
    reader of the output goes away (``| head -1``) the command ends quietly.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        try:
            _dispatch(args)
        finally:
            sys.stdout.flush()  # a closed output shows here at the latest, not at exit
    except BrokenPipeError:
        end_on_closed_output()


def _dispatch(args: list[str]) -> None:
    if not has_cli_extra():
        print(INSTALL_HINT, file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    name = command_name(args)
    if name is None and (not args or "--help" in args):
        print(overview())
        raise SystemExit(0 if args else EXIT_USAGE)
    load_app(name)(args=args, prog_name="panther-events")


def __getattr__(name: str) -> Any:
    """``app``: the typer application with every command registered (for tests and embedding)."""
    if name == "app":
        return load_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
