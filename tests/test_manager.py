"""EventManager: registration forms, routing, order, isolation, dedup, nesting, threads."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest

from panther_events import (
    BaseEvent,
    CounterMetricEvent,
    EventManager,
    EventType,
    EventValidationError,
    GenericEvent,
    ManagerClosedError,
    Observer,
    PatternError,
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
)
from panther_events.testing import RecordingObserver, capture_events


def created(test_id: str = "t1", name: str = "n") -> TestCreatedEvent:
    return TestCreatedEvent(test_id=test_id, test_name=name)


class TestDefaultInstance:
    """The process-wide manager."""

    def test_get_instance_is_a_singleton(self) -> None:
        """get_instance returns the same manager until reset."""
        assert EventManager.get_instance() is EventManager.get_instance()

    def test_reset_instance_makes_a_new_one(self) -> None:
        """After reset_instance the next get_instance is a new manager."""
        first = EventManager.get_instance()
        EventManager.reset_instance()
        assert EventManager.get_instance() is not first

    def test_created_once_under_threads(self) -> None:
        """Concurrent first calls agree on one instance."""
        seen: list[EventManager] = []
        barrier = threading.Barrier(8)

        def grab() -> None:
            barrier.wait()
            seen.append(EventManager.get_instance())

        threads = [threading.Thread(target=grab) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(m) for m in seen}) == 1

    def test_independent_managers(self, manager: EventManager) -> None:
        """EventManager() is independent of the default."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        EventManager.get_instance().publish(created())
        assert rec.events == []


class TestRegistration:
    """The accepted register_observer forms."""

    def test_guide_order(self, manager: EventManager) -> None:
        """register_observer(pattern, observer)."""
        rec = RecordingObserver()
        manager.register_observer("test.*", rec)
        manager.publish(created())
        assert rec.types() == ["test.created"]

    def test_reference_order_with_list(self, manager: EventManager) -> None:
        """register_observer(observer, [types], priority=...)."""
        rec = RecordingObserver()
        manager.register_observer(rec, ["test.created", "service.*"], priority=3)
        manager.publish(created())
        manager.publish(TestExecutionStartedEvent("t1"))
        assert rec.types() == ["test.created"]

    @pytest.mark.parametrize("form", ["observer-only", "none-first", "none-second"])
    def test_every_event_forms(self, manager: EventManager, form: str) -> None:
        """(observer), (None, observer) and (observer, None) mean every event."""
        rec = RecordingObserver()
        if form == "observer-only":
            manager.register_observer(rec)
        elif form == "none-first":
            manager.register_observer(None, rec)
        else:
            manager.register_observer(rec, None)
        manager.publish(created())
        assert len(rec.events) == 1

    def test_string_is_one_pattern(self, manager: EventManager) -> None:
        """A bare string second argument is not iterated character by character."""
        rec = RecordingObserver()
        manager.register_observer(rec, "test.created")
        manager.publish(created())
        manager.publish(TestExecutionStartedEvent("t1"))
        assert rec.types() == ["test.created"]

    def test_malformed_pattern_raises(self, manager: EventManager) -> None:
        """A bad pattern is refused at registration."""
        with pytest.raises(PatternError):
            manager.register_observer("test..x", RecordingObserver())

    def test_useless_observer_is_refused(self, manager: EventManager) -> None:
        """An object that can handle nothing is a TypeError naming what is expected."""
        with pytest.raises(TypeError, match="not callable and has no on_event"):
            manager.register_observer("*", object())

    def test_unhashable_observers(self, manager: EventManager) -> None:
        """Observers need not be hashable."""

        class Unhashable:
            __hash__ = None  # type: ignore[assignment]

            def __init__(self) -> None:
                self.n = 0

            def on_event(self, event: Any) -> None:
                self.n += 1

        obs = Unhashable()
        manager.register_observer("*", obs)
        manager.publish(created())
        manager.unregister_observer(obs)
        manager.publish(created("t2"))
        assert obs.n == 1

    def test_unregister_one_pattern(self, manager: EventManager) -> None:
        """unregister_observer(pattern, observer) keeps the other patterns."""
        rec = RecordingObserver()
        manager.register_observer("test.created", rec)
        manager.register_observer("test.execution_started", rec)
        manager.unregister_observer("test.created", rec)
        manager.publish(created())
        manager.publish(TestExecutionStartedEvent("t1"))
        assert rec.types() == ["test.execution_started"]

    def test_unregister_unknown_is_a_no_op(self, manager: EventManager) -> None:
        """Unknown observers and patterns are ignored."""
        manager.unregister_observer(RecordingObserver())
        manager.unregister_observer("x.y", RecordingObserver())

    def test_observing_context(self, manager: EventManager) -> None:
        """observing() registers only inside the block."""
        rec = RecordingObserver()
        with manager.observing("test.*", rec):
            manager.publish(created())
        manager.publish(created("t2"))
        assert len(rec.events) == 1


class TestDelivery:
    """Which observers get an event, how, and in which order."""

    def test_one_call_however_many_patterns_match(self, manager: EventManager) -> None:
        """An observer matched by three patterns is called once."""
        rec = RecordingObserver()
        for pattern in ("*", "test.*", "test.created"):
            manager.register_observer(pattern, rec)
        manager.publish(created())
        assert len(rec.events) == 1

    def test_priority_then_registration_order(self, manager: EventManager) -> None:
        """Higher priority first; equal priorities in registration order."""
        order: list[str] = []
        manager.register_observer("*", lambda e: order.append("low"), priority=-1)
        manager.register_observer("*", lambda e: order.append("a"))
        manager.register_observer("*", lambda e: order.append("high"), priority=10)
        manager.register_observer("*", lambda e: order.append("b"))
        manager.publish(created())
        assert order == ["high", "a", "b", "low"]

    def test_typed_methods_and_fallback(self, manager: EventManager) -> None:
        """on_<type>, then the guide's alias, then on_event: exactly one per event."""
        calls: list[str] = []

        class Typed(Observer):
            def on_test_created(self, event: Any) -> None:
                calls.append("on_test_created")

            def on_test_case_finished(self, event: Any) -> None:
                calls.append("on_test_case_finished")

            def on_event(self, event: Any) -> None:
                calls.append("on_event:" + event.get_type())

        manager.register_observer("*", Typed())
        manager.publish(created())
        manager.publish(TestCompletedEvent("t1"))
        manager.publish(TestExecutionStartedEvent("t1"))
        assert calls == [
            "on_test_created",
            "on_test_case_finished",
            "on_event:test.execution_started",
        ]

    def test_plain_object_with_typed_methods(self, manager: EventManager) -> None:
        """The guide's LoggerObserver is a plain class: its on_* methods still work."""
        seen: list[str] = []

        class Plain:
            def on_test_case_started(self, event: Any) -> None:
                seen.append(event.get_type())

        manager.register_observer("test_case.*", Plain())
        from panther_events import TestCaseStartedEvent

        manager.publish(TestCaseStartedEvent(test_name="handshake"))
        manager.publish(created())  # not a test_case.* type: not delivered
        assert seen == ["test.setup_started"]

    def test_observer_subclass_without_handler_skips(self, manager: EventManager) -> None:
        """An Observer with no handler for a type is simply not called."""

        class OnlyCreated(Observer):
            def __init__(self) -> None:
                self.n = 0

            def on_test_created(self, event: Any) -> None:
                self.n += 1

        obs = OnlyCreated()
        manager.register_observer("*", obs)
        manager.publish(TestExecutionStartedEvent("t1"))
        manager.publish(created())
        assert obs.n == 1
        assert manager.get_metrics()["errors"] == 0

    def test_plain_dataclass_event(self, manager: EventManager) -> None:
        """A plain object is routed by its class-derived type; '*' receives it."""
        import dataclasses

        @dataclasses.dataclass
        class CustomProtocolEvent:
            protocol: str

        star, exact = RecordingObserver(), RecordingObserver()
        manager.register_observer("*", star)
        manager.register_observer("custom_protocol", exact)
        manager.publish(CustomProtocolEvent("quic"))
        assert star.types() == ["custom_protocol"] == exact.types()

    def test_publish_event_and_notify_are_publish(self, manager: EventManager) -> None:
        """The three names the spec uses are one method."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        manager.publish_event(created("a"))
        manager.notify(created("b"))
        assert len(rec.events) == 2
        assert EventManager.publish_event is EventManager.publish is EventManager.notify

    def test_routes_follow_registration_changes(self, manager: EventManager) -> None:
        """A cached route is recomputed when subscriptions change."""
        first, second = RecordingObserver(), RecordingObserver()
        manager.register_observer("test.*", first)
        manager.publish(created("a"))
        manager.register_observer("test.created", second)
        manager.publish(created("b"))
        assert len(first.events) == 2 and len(second.events) == 1


class TestFailures:
    """Observer exceptions are isolated, logged, counted and published."""

    def test_others_still_receive(
        self, manager: EventManager, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A raising observer does not stop delivery and never reaches the publisher."""
        rec = RecordingObserver()

        def broken(event: Any) -> None:
            raise RuntimeError("observer bug")

        manager.register_observer("test.*", broken, priority=1)
        manager.register_observer("test.*", rec)
        with caplog.at_level(logging.ERROR, "panther_events.manager"):
            manager.publish(created())
        assert rec.types() == ["test.created"]
        assert "observer" in caplog.text and "observer bug" in caplog.text
        assert caplog.records[0].exc_info is not None
        metrics = manager.get_metrics()
        assert metrics["errors"] == 1 and metrics["failures_by_observer"]

    def test_failure_is_published(self, manager: EventManager) -> None:
        """system.observer_failed carries the observer, the event and the error."""
        failures = RecordingObserver()
        manager.register_observer("system.observer_failed", failures)

        def broken(event: Any) -> None:
            raise ValueError("bad value")

        manager.register_observer("test.*", broken)
        event = created()
        manager.publish(event)
        (failure,) = failures.events
        assert failure.event_id == event.id and failure.error_type == "ValueError"
        assert "broken" in failure.observer and "bad value" in failure.error_message

    def test_failing_failure_observer_does_not_loop(self, manager: EventManager) -> None:
        """An observer of observer_failed that fails is logged, not republished."""

        def broken(event: Any) -> None:
            raise RuntimeError("fails on test events")

        def always(event: Any) -> None:
            raise RuntimeError("fails on everything")

        manager.register_observer("test.*", broken)
        manager.register_observer("system.*", always)
        manager.publish(created())
        metrics = manager.get_metrics()
        assert metrics["by_type"] == {"test.created": 1, "system.observer_failed": 1}
        assert metrics["errors"] == 2

    def test_observer_is_not_handed_its_own_failure(self, manager: EventManager) -> None:
        """A failing ``*`` observer does not receive the report of its own failure."""
        seen: list[str] = []

        def always(event: Any) -> None:
            seen.append(event.get_type())
            raise RuntimeError("fails on everything")

        manager.register_observer("*", always)
        manager.publish(created())
        assert seen == ["test.created"]
        assert manager.get_metrics()["errors"] == 1

    def test_keyboard_interrupt_propagates(self, manager: EventManager) -> None:
        """BaseExceptions that are not Exceptions are not swallowed."""

        def interrupt(event: Any) -> None:
            raise KeyboardInterrupt

        manager.register_observer("*", interrupt)
        with pytest.raises(KeyboardInterrupt):
            manager.publish(created())


class TestDeduplication:
    """Content duplicates within the window are dropped and counted, nothing else."""

    def test_duplicate_dropped(self, manager: EventManager) -> None:
        """The same content twice is delivered once."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        manager.publish(created())
        manager.publish(created())
        assert len(rec.events) == 1 and manager.get_metrics()["duplicates"] == 1

    def test_differing_values_never_dropped(self, manager: EventManager) -> None:
        """Events that differ in any data value are all delivered."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        for i in range(100):
            manager.publish(TestExecutionStartedEvent("t1", expected_duration=float(i)))
        assert len(rec.events) == 100

    def test_metrics_samples_never_dropped(self, manager: EventManager) -> None:
        """Equal measurements are distinct observations."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        for _ in range(5):
            manager.publish(CounterMetricEvent("requests", 1))
        assert len(rec.events) == 5

    def test_window_is_bounded_oldest_first(self) -> None:
        """At least the last dedup_window ids are remembered, the oldest forgotten first,
        and memory stays within dedup_window plus one eviction batch (an eighth)."""
        manager = EventManager(dedup_window=3)
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        for i in range(5):
            manager.publish(created(f"t{i}"))
        manager.publish(created("t0"))  # the oldest: forgotten, delivered again
        manager.publish(created("t4"))  # among the last three: still dropped
        manager.publish(created("t2"))  # among the last three before t0 came back: dropped
        assert [e.entity_id for e in rec.events] == ["t0", "t1", "t2", "t3", "t4", "t0"]
        assert len(manager._seen) <= 3 + 1

    def test_window_memory_stays_bounded(self) -> None:
        """However many events pass, the window holds at most window + window/8 ids."""
        manager = EventManager(dedup_window=1000, history_limit=0)
        for i in range(10_000):
            manager.publish(created(f"t{i}"))
        assert 1000 <= len(manager._seen) <= 1125

    def test_ttl_window(self) -> None:
        """With dedup_ttl an id is forgotten after that many seconds."""
        manager = EventManager(dedup_ttl=0.05)
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        manager.publish(created())
        time.sleep(0.1)
        manager.publish(created("other"))  # advances the clock-based eviction
        manager.publish(created())
        assert [e.entity_id for e in rec.events] == ["t1", "other", "t1"]

    def test_dedup_off(self) -> None:
        """dedup=False delivers duplicates."""
        manager = EventManager(dedup=False)
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        manager.publish(created())
        manager.publish(created())
        assert len(rec.events) == 2

    def test_invalid_event_refused_and_not_remembered(self, manager: EventManager) -> None:
        """A failing validate() raises and does not enter the dedup window."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        event = created()
        event.entity_id = ""
        with pytest.raises(EventValidationError, match="validate\\(\\) failed"):
            manager.publish(event)
        assert manager.get_metrics()["invalid"] == 1
        manager.publish(created())
        assert len(rec.events) == 1

    def test_custom_validate_is_used(self, manager: EventManager) -> None:
        """A subclass's own validate() is honoured."""

        class Picky(BaseEvent):
            __slots__ = ()

            def validate(self) -> bool:
                return bool(self.data.get("ok"))

        with pytest.raises(EventValidationError):
            manager.publish(Picky("x", EventType.SYSTEM, "c", {"ok": False}))
        manager.publish(Picky("x", EventType.SYSTEM, "c", {"ok": True}))


class TestNesting:
    """Publishing from inside an observer."""

    def test_nested_publish_is_depth_first(self, manager: EventManager) -> None:
        """A nested event is delivered before the outer event reaches later observers."""
        order: list[str] = []

        def first(event: Any) -> None:
            order.append("first:" + event.get_type())
            if event.get_type() == "test.created":
                manager.publish(TestExecutionStartedEvent(event.entity_id))

        manager.register_observer("*", first, priority=1)
        manager.register_observer("*", lambda e: order.append("second:" + e.get_type()))
        manager.publish(created())
        assert order == [
            "first:test.created",
            "first:test.execution_started",
            "second:test.execution_started",
            "second:test.created",
        ]

    def test_runaway_recursion_stops(self) -> None:
        """An observer that republishes forever hits max_depth, reported as its failure."""
        manager = EventManager(max_depth=5)
        counter = {"n": 0}

        def loop(event: Any) -> None:
            counter["n"] += 1
            manager.publish(TestExecutionStartedEvent("t", expected_duration=counter["n"]))

        manager.register_observer("test.*", loop)
        manager.publish(created())
        assert counter["n"] == 5
        assert manager.get_metrics()["errors"] >= 1


class TestAsync:
    """publish_async and async def handlers."""

    def test_publish_async_awaits_handlers_in_order(self, manager: EventManager) -> None:
        """Async and sync handlers run in delivery order."""
        order: list[str] = []

        class AsyncObserver(Observer):
            async def on_event(self, event: Any) -> None:
                await asyncio.sleep(0.01)
                order.append("async")

        manager.register_observer("*", AsyncObserver(), priority=1)
        manager.register_observer("*", lambda e: order.append("sync"))
        asyncio.run(manager.publish_async(created()))
        assert order == ["async", "sync"]

    def test_async_failure_isolated(self, manager: EventManager) -> None:
        """An async handler that raises is reported like a sync one."""

        async def broken(event: Any) -> None:
            raise RuntimeError("async bug")

        rec = RecordingObserver()
        manager.register_observer("*", broken, priority=1)
        manager.register_observer("test.*", rec)
        asyncio.run(manager.publish_async(created()))
        assert len(rec.events) == 1 and manager.get_metrics()["errors"] == 1

    def test_async_handler_under_sync_publish(self, manager: EventManager) -> None:
        """Without a running loop, sync publish runs an async handler to completion."""
        done: list[str] = []

        async def handler(event: Any) -> None:
            await asyncio.sleep(0)
            done.append(event.get_type())

        manager.register_observer("*", handler)
        manager.publish(created())
        assert done == ["test.created"]

    def test_async_handler_scheduled_on_running_loop(self, manager: EventManager) -> None:
        """Inside a running loop, sync publish schedules the handler as a task."""
        done: list[str] = []

        async def handler(event: Any) -> None:
            done.append(event.get_type())

        manager.register_observer("*", handler)

        async def main() -> None:
            manager.publish(created())
            await asyncio.sleep(0.01)

        asyncio.run(main())
        assert done == ["test.created"]


class TestBackground:
    """background=True observers: own queue and worker, flush and close lose nothing."""

    def test_slow_observer_does_not_block(self) -> None:
        """Events reach a background observer in order, after flush."""
        manager = EventManager()
        received: list[str] = []
        thread_names: set[str] = set()

        def slow(event: Any) -> None:
            time.sleep(0.001)
            thread_names.add(threading.current_thread().name)
            received.append(event.entity_id)

        manager.register_observer("*", slow, background=True)
        for i in range(50):
            manager.publish(created(f"t{i}"))
        assert manager.flush(timeout=10)
        assert received == [f"t{i}" for i in range(50)]
        assert threading.current_thread().name not in thread_names
        manager.close()

    def test_close_drains_and_closes_observers(self) -> None:
        """close() delivers everything queued and calls the observer's close()."""
        manager = EventManager()

        class Sink:
            def __init__(self) -> None:
                self.events: list[Any] = []
                self.closed = False

            def on_event(self, event: Any) -> None:
                time.sleep(0.0005)
                self.events.append(event)

            def close(self) -> None:
                self.closed = True

        sink = Sink()
        manager.register_observer("*", sink, background=True, queue_size=5)
        for i in range(40):
            manager.publish(created(f"t{i}"))  # queue_size 5: the publisher blocks, loses nothing
        manager.close()
        assert len(sink.events) == 40 and sink.closed
        with pytest.raises(ManagerClosedError):
            manager.publish(created("late"))

    def test_unknown_overflow_policy_names_the_known_ones(self) -> None:
        """A misspelt overflow policy is refused with the value and every policy there is."""
        manager = EventManager()
        with pytest.raises(ValueError) as raised:
            manager.register_observer(
                "*",
                lambda event: None,
                background=True,
                overflow="drop-oldest",  # type: ignore[arg-type]
            )
        assert str(raised.value) == (
            "overflow must be one of 'block', 'drop_oldest', 'drop_newest', got 'drop-oldest'"
        )
        manager.close()

    def test_drop_newest_policy_counts(self) -> None:
        """With drop_newest a full queue drops and counts instead of blocking."""
        manager = EventManager()
        gate = threading.Event()
        received: list[Any] = []

        def blocked(event: Any) -> None:
            gate.wait(5)
            received.append(event)

        manager.register_observer(
            "*", blocked, background=True, queue_size=2, overflow="drop_newest"
        )
        for i in range(10):
            manager.publish(created(f"t{i}"))
        gate.set()
        manager.flush(timeout=5)
        metrics = manager.get_metrics()
        assert len(received) + metrics["dropped"] == 10 and metrics["dropped"] >= 1
        manager.close()

    def test_background_failure_reported(self) -> None:
        """A background observer's exception is counted and published."""
        manager = EventManager()
        failures = RecordingObserver()
        manager.register_observer("system.observer_failed", failures)

        def broken(event: Any) -> None:
            raise RuntimeError("in the worker")

        manager.register_observer("test.*", broken, background=True)
        manager.publish(created())
        manager.flush(timeout=5)
        assert manager.get_metrics()["errors"] == 1
        assert failures.events[0].error_message == "in the worker"
        manager.close()

    def test_mode_change_refused(self, manager: EventManager) -> None:
        """Registering a foreground observer again as background is a clear ValueError."""
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        with pytest.raises(ValueError, match="already registered for foreground"):
            manager.register_observer("test.*", rec, background=True)


class TestThreads:
    """Concurrent publishers and registrations."""

    def test_concurrent_publishers_exact_counts(self) -> None:
        """8 threads x 2,000 unique events: every one delivered once, counters exact."""
        # The window must cover the whole run: threads drift apart by more than the default.
        manager = EventManager(dedup_window=100_000)
        rec = RecordingObserver()
        manager.register_observer("*", rec)
        barrier = threading.Barrier(8)

        def publish(worker: int) -> None:
            barrier.wait()
            for i in range(2000):
                manager.publish(created(f"w{worker}-{i}"))
                manager.publish(created(f"shared-{i}"))  # every thread races on these

        threads = [threading.Thread(target=publish, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = [e.entity_id for e in rec.events]
        assert len(ids) == len(set(ids)) == 8 * 2000 + 2000
        metrics = manager.get_metrics()
        assert metrics["processed"] == len(ids)
        assert metrics["duplicates"] == 7 * 2000
        assert metrics["delivered"] == len(ids)

    def test_finished_threads_do_not_accumulate(self, manager: EventManager) -> None:
        """A thread per publish leaves no per-thread state behind, and no count is lost."""
        for i in range(200):
            t = threading.Thread(target=manager.publish, args=(created(f"t{i}"),))
            t.start()
            t.join()
        manager.publish(created("main"))
        assert len(manager._thread_states) <= 2
        metrics = manager.get_metrics()
        assert metrics["processed"] == 201 and metrics["by_type"] == {"test.created": 201}

    def test_register_while_publishing(self, manager: EventManager) -> None:
        """Registrations racing publishes lose nothing for observers present throughout."""
        steady = RecordingObserver()
        manager.register_observer("*", steady)
        stop = threading.Event()

        def churn() -> None:
            while not stop.is_set():
                temp = RecordingObserver()
                manager.register_observer("test.*", temp)
                manager.unregister_observer(temp)

        churners = [threading.Thread(target=churn) for _ in range(2)]
        for t in churners:
            t.start()
        try:
            for i in range(3000):
                manager.publish(created(f"t{i}"))
        finally:
            stop.set()
            for t in churners:
                t.join()
        assert len(steady.events) == 3000


class TestIntrospection:
    """History and metrics snapshots."""

    def test_history_filter_and_limit(self, manager: EventManager) -> None:
        """get_event_history filters by pattern and keeps the last N."""
        for i in range(5):
            manager.publish(created(f"t{i}"))
        manager.publish(TestFailedEvent("t0"))
        assert len(manager.get_event_history()) == 6
        assert [e.entity_id for e in manager.get_event_history("test.created", limit=2)] == [
            "t3",
            "t4",
        ]
        assert manager.get_event_history("test_case.finished")[0].get_type() == "test.failed"

    def test_history_is_bounded(self) -> None:
        """history_limit bounds memory; 0 keeps nothing."""
        bounded = EventManager(history_limit=3)
        none = EventManager(history_limit=0)
        for i in range(10):
            bounded.publish(created(f"t{i}"))
            none.publish(created(f"t{i}"))
        assert [e.entity_id for e in bounded.get_event_history()] == ["t7", "t8", "t9"]
        assert none.get_event_history() == []

    def test_metrics_snapshot_is_a_copy(self, manager: EventManager) -> None:
        """Changing the returned dict does not change the manager."""
        manager.publish(created())
        snapshot = manager.get_metrics()
        snapshot["by_type"]["test.created"] = 99
        assert manager.get_metrics()["by_type"]["test.created"] == 1


class TestTestingHelpers:
    """panther_events.testing."""

    def test_capture_events_on_default_manager(self) -> None:
        """capture_events records what the default manager publishes inside the block."""
        with capture_events() as events:
            EventManager.get_instance().publish(created())
        EventManager.get_instance().publish(created("after"))
        assert events.types() == ["test.created"]

    def test_capture_events_with_pattern(self, manager: EventManager) -> None:
        """A pattern narrows what is captured."""
        with capture_events(manager, "test.execution_*") as events:
            manager.publish(created())
            manager.publish(TestExecutionStartedEvent("t1"))
        assert events.types() == ["test.execution_started"]

    def test_generic_event_publishes(self, manager: EventManager) -> None:
        """A GenericEvent routes by its own type."""
        rec = RecordingObserver()
        manager.register_observer("robot.*", rec)
        manager.publish(GenericEvent("moved", EventType.SYSTEM, "r1"))
        assert rec.events == []
        manager.register_observer("system.moved", rec)
        manager.publish(GenericEvent("moved", EventType.SYSTEM, "r2"))
        assert len(rec.events) == 1
