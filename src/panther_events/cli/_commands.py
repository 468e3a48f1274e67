"""The command table of ``panther-events``: names, modules and summaries, without importing typer.

``panther-events --help`` is printed from here, and a command's module (with typer, rich, the
runner) is imported only when that command runs: a call pays for what it uses.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

__all__ = [
    "APP_HELP",
    "COMMANDS",
    "DB_ENV",
    "DB_HELP",
    "DEFAULT_DB",
    "INSTALL_HINT",
    "JSON_HELP",
    "command_name",
    "has_cli_extra",
    "overview",
]

#: Database used when neither ``--db`` nor ``PANTHER_EVENTS_DB`` says otherwise.
DEFAULT_DB = "./panther-events.db"
#: Environment variable naming the database.
DB_ENV = "PANTHER_EVENTS_DB"
APP_HELP = "Run experiments, look back at stored runs, and collect events from other hosts."
DB_HELP = "SQLite event store to read or write."
JSON_HELP = "Print JSON for machines instead of tables."
#: The one line printed when the command's libraries are not installed.
INSTALL_HINT = (
    "error: the panther-events command needs the 'cli' extra: pip install 'panther-events[cli]'"
)


@dataclass(frozen=True)
class Command:
    """One command: the module that registers it, and its summary (the first line of its help)."""

    module: str
    summary: str


COMMANDS: dict[str, Command] = {
    "run": Command(
        "run", "Run EXPERIMENT's tests on real local processes, recording every event in the store."
    ),
    "runs": Command("history", "List the stored runs, the earliest first."),
    "show": Command(
        "history",
        "Summarise a run: its tests, outcomes, durations and failures with their messages.",
    ),
    "events": Command(
        "history",
        "List a run's events, filtered by type pattern, entity and time (JSON Lines with --json).",
    ),
    "timeline": Command("history", "Draw each entity's state intervals over the run's time."),
    "tail": Command(
        "history",
        "Print the latest events of every run; with --follow, stream new ones until Ctrl-C.",
    ),
    "export": Command("history", "Export a run as JSON Lines or as a CloudEvents JSON batch."),
    "import": Command(
        "history", "Import events exported by 'export' (or any CloudEvents JSON) into the database."
    ),
    "replay": Command(
        "history",
        "Republish a run through a fresh event manager, rebuilding its results and metrics.",
    ),
    "collect": Command(
        "collect", "Write every host's events from NATS into one event store, until interrupted."
    ),
    "dead-letters": Command(
        "collect", "List the events the collector moved aside because they could not be stored."
    ),
    "resend": Command(
        "collect",
        "Send the events of a spool file to NATS; the file is removed once all are stored.",
    ),
    "serve": Command(
        "serve",
        "Serve the read-only dashboard: runs, live run pages, entities and comparisons.",
    ),
    "compare": Command(
        "compare",
        "Compare two runs: outcomes that changed, durations with their change in %, metrics moved.",
    ),
}

#: Global options that take a value (the word after them is not a command name).
_VALUE_OPTIONS = ("--db",)


def has_cli_extra() -> bool:
    """Whether typer (the ``cli`` extra) is installed, found without importing it."""
    return importlib.util.find_spec("typer") is not None


def command_name(args: list[str]) -> str | None:
    """The command named in ``args`` (after the global options), or None when there is none."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def overview() -> str:
    """The top-level help: usage, global options and every command's summary."""
    width = max(len(name) for name in COMMANDS)
    lines = [
        "Usage: panther-events [OPTIONS] COMMAND [ARGS]...",
        "",
        f"  {APP_HELP}",
        "",
        "Options:",
        f"  --db <path>  {DB_HELP}",
        f"               [env var: {DB_ENV}; default: {DEFAULT_DB}]",
        f"  --json       {JSON_HELP}",
        "  --help       Show this message and exit.",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}  {command.summary}" for name, command in COMMANDS.items()),
        "",
        "Run 'panther-events COMMAND --help' for a command's options.",
    ]
    return "\n".join(lines)
