"""Promises of the store attacked in shapes the first tests missed: a script that exits without
closing its manager, several processes on one file, a kill during a checkpoint."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from panther_events.store import SQLiteEventStore

_EXIT_WITHOUT_CLOSE = textwrap.dedent(
    """
    import sys
    from panther_events import EventManager, EventStoreObserver, TestCreatedEvent
    manager = EventManager()
    manager.register_observer(EventStoreObserver.open(sys.argv[1], run_id="r"), background=True)
    for i in range(3000):
        manager.publish(TestCreatedEvent(f"t{i}", "x"))
    """
)


def test_events_queued_for_a_background_store_survive_a_script_that_forgets_close(
    tmp_path: Path,
) -> None:
    """A script that publishes into a background EventStoreObserver and ends without
    ``manager.close()`` still stores every event it published, with nothing on stderr: the
    observer queues are drained at interpreter exit before the stores are closed."""
    path = tmp_path / "events.db"
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_WITHOUT_CLOSE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with SQLiteEventStore(path, create=False) as store:
        stored = len(store.events("r"))
    print(f"\n3000 published, {stored} stored at exit")
    assert stored == 3000
    assert done.stderr == ""
