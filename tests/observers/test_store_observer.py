"""EventStoreObserver: records every event of a run, in the background, under one run id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from panther_events import EventManager, MetricCollectedEvent, TestCreatedEvent
from panther_events.observers import EventStoreObserver, ResultCollector
from panther_events.store import InMemoryEventStore, SQLiteEventStore

from ..store.contract import sample_run


class TestEventStoreObserver:
    """EventStoreObserver writes what the manager publishes into a store."""

    def test_generates_a_sortable_run_id(self) -> None:
        """Without a run id it makes one like 20261123T221500Z-3fa2c1."""
        observer = EventStoreObserver(InMemoryEventStore())
        assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", observer.run_id)
        assert EventStoreObserver(InMemoryEventStore()).run_id != observer.run_id
        assert EventStoreObserver(InMemoryEventStore(), "mine").run_id == "mine"
        with pytest.raises(ValueError, match="run_id"):
            EventStoreObserver(InMemoryEventStore(), "")

    def test_background_recording_into_sqlite(self, tmp_path: Path) -> None:
        """Registered in the background, every published event is stored once, in order."""
        path = tmp_path / "run.db"
        manager = EventManager()
        recorder = EventStoreObserver.open(path, run_id="r1")
        manager.register_observer(recorder, background=True)
        events = sample_run()
        for event in events:
            manager.publish(event)
        for i in range(500):
            manager.publish(MetricCollectedEvent("n", "gauge", i))
        manager.close()  # drains the queue and closes the observer (and the store it owns)
        with SQLiteEventStore(path, create=False) as store:
            stored = store.events("r1")
            assert [e.id for e in stored[:12]] == [e.id for e in events]
            assert len(stored) == 512
            (info,) = store.runs()
            assert (info.run_id, info.status, info.event_count) == ("r1", "completed", 512)

    def test_close_flushes_but_keeps_a_shared_store_open(self, tmp_path: Path) -> None:
        """A store the observer does not own is flushed, not closed."""
        with SQLiteEventStore(tmp_path / "e.db", flush_interval=60) as store:
            observer = EventStoreObserver(store, "r1")
            observer.on_event(TestCreatedEvent("t", "x"))
            observer.close()
            assert observer.recorded == 1
            assert len(store.events("r1")) == 1
            store.append(TestCreatedEvent("u", "y"), run_id="r1")  # still open

    def test_replay_rebuilds_an_observer_after_the_fact(self) -> None:
        """A recorded run replayed into a new manager rebuilds a ResultCollector."""
        store = InMemoryEventStore()
        live_manager = EventManager()
        recorder = EventStoreObserver(store)
        live = ResultCollector()
        live_manager.register_observer(recorder, background=True)
        live_manager.register_observer(live)
        for event in sample_run():
            live_manager.publish(event)
        live_manager.close()
        replay_manager = EventManager()
        rebuilt = ResultCollector()
        replay_manager.register_observer(rebuilt)
        assert store.replay(recorder.run_id, replay_manager) == 12
        replay_manager.close()
        assert rebuilt.summary() == live.summary()
