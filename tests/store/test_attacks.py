"""Promises of the store attacked in shapes the first tests missed: a script that exits without
closing its manager, several processes on one file, a kill during a checkpoint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from panther_events import (
    EventManager,
    EventStoreObserver,
    EventValidationError,
    StoreError,
    TestCreatedEvent,
    WireRejectedError,
    event_to_dict,
)
from panther_events.store import SQLiteEventStore

from .test_write_errors import _fill

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


_HOLD_NEW_FILE = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("holding", flush=True)
    time.sleep(0.5)
    conn.execute("ROLLBACK")
    """
)


def test_a_new_store_being_created_by_another_process_is_waited_for(tmp_path: Path) -> None:
    """Opening a file that another process holds locked before it is in WAL mode (as when
    several processes create one store at once) waits for the lock, within ``busy_timeout``,
    instead of failing at once with "database is locked" (SQLite does not call its busy
    handler when switching to WAL)."""
    path = tmp_path / "events.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_NEW_FILE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        started = time.monotonic()
        with SQLiteEventStore(path, busy_timeout=10) as store:
            waited = time.monotonic() - started
            assert store.runs() == []
    finally:
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    print(f"\nopened after waiting {waited:.2f}s for the other process")


def test_opening_a_store_on_a_full_disk_says_the_disk_is_full(small_fs: Path) -> None:
    """A store that cannot be opened because its file system is full (SQLite cannot make its
    shared-memory file and says only "disk I/O error") is reported as a full file system."""
    path = small_fs / "events.db"
    with SQLiteEventStore(path) as store:
        store.append(TestCreatedEvent("t1", "x"), run_id="r")
    _fill(small_fs)
    with pytest.raises(StoreError) as caught:
        SQLiteEventStore(path)
    message = str(caught.value)
    print(f"\nopening on a full disk: {message}")
    assert str(path) in message
    assert "file system is full" in message
    assert "not a panther-events database" not in message


_READ_AS_ANOTHER_USER = textwrap.dedent(
    """
    import sys
    from panther_events import StoreError, TestCreatedEvent
    from panther_events.store import SQLiteEventStore
    with SQLiteEventStore(sys.argv[1], create=False) as store:
        print(store.read_only, len(store.events("r")))
        try:
            store.append(TestCreatedEvent("x", "y"), run_id="r")
        except StoreError as exc:
            print(exc)
    """
)


_AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every user can read but only root can write (root only, as in CI)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("reading as another user needs root and setpriv (CI runs as root)")
    directory = Path(tempfile.mkdtemp(prefix="panther-shared-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def test_a_store_of_another_user_can_be_read(shared_dir: Path) -> None:
    """A cleanly closed store in a directory this user cannot write (a store of another
    user) opens read-only and answers queries, instead of "attempt to write a readonly
    database": SQLite cannot create the shared-memory file beside it."""
    path = shared_dir / "events.db"
    with SQLiteEventStore(path) as store:
        store.append_many([TestCreatedEvent(f"t{i}", "x") for i in range(5)], run_id="r")
    done = subprocess.run(
        [*_AS_NOBODY, sys.executable, "-c", _READ_AS_ANOTHER_USER, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    print(f"\nread as another user: {done.stdout}{done.stderr}")
    assert done.returncode == 0, done.stderr
    first, refusal = done.stdout.splitlines()
    assert first == "True 5"
    assert "read-only" in refusal


_EXIT_WITH_STUCK_OBSERVERS = textwrap.dedent(
    """
    import threading
    from panther_events import EventManager, TestCreatedEvent
    forever = threading.Event()
    manager = EventManager()
    for name in ("first", "second", "third"):
        stuck = type(name, (), {"on_event": lambda self, event: forever.wait()})()
        manager.register_observer(stuck, background=True)
    for i in range(5):
        manager.publish(TestCreatedEvent(f"t{i}", "x"))
    """
)


@pytest.mark.slow
def test_observers_stuck_at_exit_hold_it_for_one_stall_in_all(tmp_path: Path) -> None:
    """Three background observers stuck for good in a script that never closes its manager:
    the exit waits for them about 10 s in all (not 10 s each), then logs what each lost."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_WITH_STUCK_OBSERVERS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    took = time.monotonic() - started
    print(f"\nexit with three stuck observers took {took:.1f}s")
    assert done.returncode == 0, done.stderr
    assert took < 20
    for name in ("first", "second", "third"):
        assert f"observer {name} handled nothing" in done.stderr
    assert "Traceback" not in done.stderr


class TestOpeningMessages:
    """Each path a store cannot use gets one line with the real reason."""

    def test_a_path_under_a_file_says_it_is_a_file(self, tmp_path: Path) -> None:
        """A store path whose parent is a file is refused naming that, not "File exists"."""
        (tmp_path / "notes.txt").write_text("x")
        with pytest.raises(StoreError) as caught:
            SQLiteEventStore(tmp_path / "notes.txt" / "events.db")
        assert "is a file, not a directory" in str(caught.value)

    def test_a_pseudo_file_is_not_called_a_full_disk(self) -> None:
        """A file of a file system without blocks (/proc) is not reported as a full disk."""
        with pytest.raises(StoreError) as caught:
            SQLiteEventStore("/proc/version")
        assert "full" not in str(caught.value)


def test_a_failed_store_behind_a_background_observer_is_reported_once(
    small_fs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Events keep coming after the disk filled: the observer's first refusal is reported
    (one traceback), the later ones are counted, not logged one traceback each, and closing
    the manager logs one error that counts every event not stored."""
    manager = EventManager()
    recorder = EventStoreObserver.open(small_fs / "events.db", run_id="r", flush_interval=0.02)
    manager.register_observer(recorder, background=True)
    manager.publish(TestCreatedEvent("before", "x"))
    manager.flush()
    assert recorder.flush()
    _fill(small_fs)
    for i in range(30):
        manager.publish(TestCreatedEvent(f"t{i}", "x" * 2000))
        manager.flush()
        time.sleep(0.01)
    manager.close()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    tracebacks = [r for r in errors if r.exc_info]
    print(f"\n30 events after the disk filled: {len(errors)} errors logged")
    for record in errors:
        print(f"  {record.getMessage()[:160]}")
    assert len(tracebacks) <= 2
    closing = errors[-1].exc_info
    assert closing is not None
    message = str(closing[1])
    print(f"  closing: {message}")
    assert "database or disk is full" in message
    assert "were not appended" in message
    assert recorder.refused + recorder.recorded == 31


class TestTextThatIsNotUtf8:
    """A lone surrogate (what ``surrogateescape`` makes of a stray protocol byte) cannot be
    written as UTF-8: it is refused with the event, and the store keeps working."""

    def test_an_event_holding_a_lone_surrogate_is_refused_and_the_store_lives_on(
        self, tmp_path: Path
    ) -> None:
        with SQLiteEventStore(tmp_path / "s.db") as store:
            with pytest.raises(EventValidationError, match="UTF-8"):
                store.append(TestCreatedEvent(test_id="t1", test_name="x\udcff"), run_id="r")
            store.append(TestCreatedEvent(test_id="t2", test_name="fine"), run_id="r")
            assert store.flush(timeout=10)
            assert [e.entity_id for e in store.events("r")] == ["t2"]

    def test_a_wire_form_holding_a_lone_surrogate_is_listed_and_the_rest_stored(
        self, tmp_path: Path
    ) -> None:
        good = event_to_dict(TestCreatedEvent(test_id="good", test_name="ok"))
        bad = event_to_dict(TestCreatedEvent(test_id="bad", test_name="ok"))
        bad["entity_id"] = "bad\ud800"
        with SQLiteEventStore(tmp_path / "s.db") as store:
            with pytest.raises(WireRejectedError) as info:
                store.append_wire([bad, good], run_id="r")
            assert [r.index for r in info.value.rejects] == [0]
            assert "UTF-8" in info.value.rejects[0].reason
            assert store.flush(timeout=10)
            assert [e.entity_id for e in store.events("r")] == ["good"]
