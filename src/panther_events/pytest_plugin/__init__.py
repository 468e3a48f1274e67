"""The pytest plugin: ``pytest --panther-events`` records the session as an experiment run.

Registered through the ``pytest11`` entry point, so pytest loads it in every environment where
panther-events is installed; it stays inert (no hook of its own runs on a report) unless
enabled with ``--panther-events`` (or ``--panther-events-db`` / ``--panther-events-nats``) or
the ini option ``panther_events = true``. See docs/pytest.md.

Where the events go: ``--panther-events-db PATH``, else the ini option ``panther_events_db``
(relative to the ini file), else ``PANTHER_EVENTS_DB``, else ``./panther-events.db`` (the CLI's
default, so ``panther-events show latest`` finds the run). ``--panther-events-nats URL`` (or
``panther_events_nats``) also publishes every event to NATS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from ._fixture import BoundEmitterRegistry
    from ._relay import Relay

__all__ = ["BoundEmitterRegistry"]

# The panther_events fixture, in every session (recording or not). Nothing here imports
# pytest at run time: the recording process imports this package too, and pytest would be
# most of its start-up.
pytest_plugins = ["panther_events.pytest_plugin._capture"]

_RELAY = "panther_events_relay"
# The Python that runs pytest, as this module is loaded (before any conftest): a suite may
# point sys.executable elsewhere, and the recording process must run this package's code.
_PYTHON = sys.executable
_DEFAULT_DB = "panther-events.db"
# pytest's options (their dest) for sessions that run no test: --collect-only, --fixtures,
# --fixtures-per-test, --markers.
_RUNS_NO_TEST = ("collectonly", "showfixtures", "show_fixtures_per_test", "markers")
_DB_ENV = "PANTHER_EVENTS_DB"


def __getattr__(name: str) -> Any:
    # The public class loads on first use: pytest imports this module in every session of
    # the environment, recording or not, and the emitters load every state machine.
    if name == "BoundEmitterRegistry":
        from ._fixture import BoundEmitterRegistry  # noqa: PLC0415

        return BoundEmitterRegistry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("panther-events", "record the session as a panther-events run")
    group.addoption(
        "--panther-events",
        action="store_true",
        default=False,
        help="record this session (each test's setup, call and teardown) as an experiment run",
    )
    group.addoption(
        "--panther-events-db",
        metavar="PATH",
        default=None,
        help=f"SQLite event store to record into (default: ${_DB_ENV} or ./{_DEFAULT_DB})",
    )
    group.addoption(
        "--panther-events-nats",
        metavar="URL",
        default=None,
        help="also publish every event to this NATS server (needs panther-events[nats])",
    )
    parser.addini("panther_events", "record every session (as --panther-events)", type="bool")
    parser.addini("panther_events_db", "event store path, relative to the ini file")
    parser.addini("panther_events_nats", "NATS server URL to publish every event to")


def _enabled(config: pytest.Config) -> bool:
    # A session that runs no test is no experiment: it would only hide the last run.
    if any(getattr(config.option, name, False) for name in _RUNS_NO_TEST):
        return False
    # Naming a store or a server on the command line asks for recording as plainly as the flag;
    # the ini options and PANTHER_EVENTS_DB only say where, once recording is on.
    return any(
        (
            config.getoption("panther_events"),
            config.getoption("panther_events_db"),
            config.getoption("panther_events_nats"),
            config.getini("panther_events"),
        )
    )


def _db_path(config: pytest.Config) -> Path:
    given = config.getoption("panther_events_db")
    if given:
        return Path(given)
    in_ini = str(config.getini("panther_events_db") or "")
    if in_ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return base / in_ini
    return Path(os.environ.get(_DB_ENV) or _DEFAULT_DB)


def _warn_of_a_moved_rootdir(config: pytest.Config) -> None:
    """Warn when ``--panther-events-db PATH`` came as two words naming a file that exists
    outside the invocation directory: pytest found its rootdir and ini file from PATH then,
    taking it for a test path before any plugin's option is known (pytest#8846)."""
    args = [str(arg) for arg in config.invocation_params.args]
    if "--panther-events-db" not in args[:-1]:
        return
    value = args[args.index("--panther-events-db") + 1]
    path = config.invocation_params.dir / value
    if not path.exists() or path.parent.resolve() == config.invocation_params.dir.resolve():
        return
    import pytest  # noqa: PLC0415 (only in the pytest process, never the recording one)

    config.issue_config_time_warning(
        pytest.PytestConfigWarning(
            f"--panther-events-db {value} (two words): pytest took {value} for a test path "
            f"when it chose its rootdir ({config.rootpath}) and ini file, as it does with every "
            f"plugin option's value; write --panther-events-db={value} to keep them"
        ),
        stacklevel=2,
    )


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled(config):
        return
    _warn_of_a_moved_rootdir(config)
    # Imported only when enabled: pytest loads this module in every session.
    from ._capture import CAPTURE, Capture  # noqa: PLC0415

    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # a pytest-xdist worker: the controller records
        run_id = str(workerinput.get("panther_events_run_id", ""))
        config.pluginmanager.register(Capture(run_id), CAPTURE)
        return
    from ._relay import Relay  # noqa: PLC0415

    nats = config.getoption("panther_events_nats") or str(config.getini("panther_events_nats"))
    relay = Relay(config, _db_path(config), nats or None, _PYTHON)
    config.pluginmanager.register(relay, _RELAY)
    config.pluginmanager.register(Capture(relay.run_id), CAPTURE)


def pytest_unconfigure(config: pytest.Config) -> None:
    relay: Relay | None = config.pluginmanager.get_plugin(_RELAY)
    if relay is not None:  # sessionfinish did not run (an early exit): end the recording
        relay.close()
