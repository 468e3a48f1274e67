"""What a run's store says when its runner died: the run ended as failed, its tests too.

``panther-events run`` registers this program with its reaper (:mod:`._reaping`): should the
runner be killed without tearing down (SIGKILL, the OOM killer), the reaper stops the services
and then runs ``python -m panther_events.runner._ended STORE RUN_ID [FILE_ID]``. That appends
to the run, after the events the runner committed before it died:

- the closing events of every step, assertion, service and environment left open (see
  :mod:`._left_open`: a step under way fails, a service is stopped and destroyed...);
- ``test.failed`` (``ProcessEnded``, phase ``interrupted``) for the test under way;
- ``test.failed`` (``NotRun``, phase ``not_run``) for each test created and never started, as
  an interrupted runner records them;
- the closing events of the plugins left running;
- ``experiment.failed`` (``ProcessEnded``) last.

A run that already ended (its terminal experiment event is stored) is left as it is, and so is
a store that is no longer the run's: a file deleted is not created again, and a file moved
away and replaced by another at its path (another ``FILE_ID``: device and inode) is not
written. Never raises: it runs unattended; a problem is one line on stderr and exit status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._durations import TEST_DURATION_KEY
from ..events.base import BaseEvent
from ..events.experiment import ExperimentFailedEvent
from ..events.test import TestFailedEvent
from ..exceptions import StoreError
from ..store._values import StoredEvent
from ..store.base import TERMINAL_STATUS
from ..store.sqlite import SQLiteEventStore
from ._left_open import ERROR_TYPE, close_left_open

__all__ = ["REASON", "command", "record_ended"]

#: Why the run ended, as its events say.
REASON = "the runner process ended before its experiment did (killed, or out of memory)"
# The events that end a test: a test with neither is still open.
_TEST_VERDICTS = frozenset({"test.completed", "test.failed"})


# ``main`` run by ``python -c`` with the directory this package was imported from (its first
# argument) appended to ``sys.path``: the reaper runs the command from ``/``, where a relative
# ``PYTHONPATH`` entry, or the runner's working directory, no longer finds the package.
_BOOT = (
    "import sys; sys.path.append(sys.argv.pop(1)); "
    f"from {__name__} import main; sys.exit(main(sys.argv[1:]))"
)


def command(store: Path, run_id: str) -> list[str]:
    """The command line the reaper runs for run ``run_id`` of the SQLite store at ``store``
    (with the file's id when it exists: the ending goes to this file or nowhere). It finds
    this package where the runner did, whatever directory the reaper runs it from."""
    path = store.resolve()
    package_root = str(Path(__file__).resolve().parents[2])
    argv = [sys.executable, "-c", _BOOT, package_root, str(path), run_id]
    try:
        return [*argv, _file_id(path)]
    except OSError:
        return argv


def _file_id(path: Path) -> str:
    """``DEVICE:INODE`` of the file at ``path``: it tells the same file from one put in its
    place (SQLite writes a database in place, never replacing the file)."""
    status = os.stat(path)
    return f"{status.st_dev}:{status.st_ino}"


def record_ended(store: SQLiteEventStore, run_id: str) -> list[BaseEvent]:
    """Append the ending of run ``run_id`` (see the module docstring) unless it has one.

    Reads only the run's lifecycle events, a page at a time (never its metrics): the runner
    may have died of want of memory, its run holding millions of events.

    Returns:
        The events appended (none when the run had ended).
    """
    experiment = store.events(run_id, type_pattern="experiment.*")
    if any(e.type in TERMINAL_STATUS for e in experiment):
        return []
    ending = [
        *close_left_open(store, run_id, ("step", "assertion", "service", "environment"), REASON),
        *_open_tests(store.iter_events(run_id, type_pattern="test.*")),
        *close_left_open(store, run_id, ("plugin",), REASON),
    ]
    experiment_id = experiment[0].entity_id if experiment else run_id
    ending.append(ExperimentFailedEvent(experiment_id, REASON, ERROR_TYPE))
    store.append_many(ending, run_id=run_id)
    store.flush()
    return ending


def _open_tests(stored: Iterable[StoredEvent]) -> list[BaseEvent]:
    """A ``test.failed`` for each test of the run with no verdict, in the order created."""
    names: dict[str, str] = {}
    started: set[str] = set()
    for event in stored:
        if event.entity_type != "test":
            continue
        tid = event.entity_id
        if event.type in _TEST_VERDICTS:
            names.pop(tid, None)
            started.discard(tid)
            continue
        if event.type == "test.created":
            names.setdefault(tid, str(event.data.get("test_name") or tid))
        else:
            started.add(tid)
            names.setdefault(tid, tid)
    verdicts: list[BaseEvent] = []
    for tid, name in names.items():
        if tid in started:
            verdict = TestFailedEvent(tid, name, REASON, ERROR_TYPE, "interrupted")
        else:
            verdict = TestFailedEvent(tid, name, f"not run: {REASON}", "NotRun", "not_run")
            verdict.add_data(TEST_DURATION_KEY, 0.0)
        verdicts.append(verdict)
    return verdicts


def main(argv: Sequence[str]) -> int:
    """``_ended STORE RUN_ID [FILE_ID]``: record the ending; 0 when done (or not needed), 1
    on error or when ``STORE`` is missing or not the file ``FILE_ID`` (see :func:`command`)."""
    if len(argv) not in (2, 3):
        print(
            "usage: python -m panther_events.runner._ended STORE RUN_ID [FILE_ID]", file=sys.stderr
        )
        return 1
    path, run_id = Path(argv[0]), argv[1]
    try:
        if len(argv) == 3 and _file_id(path) != argv[2]:
            raise StoreError("it is another file now (the run's store was moved or replaced)")
        with SQLiteEventStore(path, create=False) as store:
            record_ended(store, run_id)
    except Exception as exc:  # unattended: one line, never a traceback
        print(
            f"cannot record that run {run_id!r} ended in {str(path)!r}: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
