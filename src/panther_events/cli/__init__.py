"""The ``panther-events`` command: look back at stored runs, run experiments, collect events."""

from __future__ import annotations

# Importing a command module registers its commands on ``app``.
from . import collect, compare, history, run, serve  # noqa: F401
from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the ``panther-events`` command line (the console script's entry point)."""
    app()
