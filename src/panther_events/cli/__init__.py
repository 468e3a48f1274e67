"""The ``panther-events`` command: look back at stored runs, run experiments, collect events."""

from __future__ import annotations

import importlib

from ._app import app

__all__ = ["app", "main"]

# Each module registers its commands on ``app`` when imported. The runner and the collector
# are optional parts written separately; a module that is absent from this build is skipped,
# but any other import error inside one still surfaces.
for _module in ("history", "run", "collect"):
    try:
        importlib.import_module(f"{__name__}.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_module}":
            raise


def main() -> None:
    """Run the ``panther-events`` command line (the console script's entry point)."""
    app()
