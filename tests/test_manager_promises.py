"""EventManager promises under races: close, flush, background queues, dedup, failures."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from panther_events import (
    EventManager,
    ManagerClosedError,
    RecursionLimitError,
    TestCompletedEvent,
    TestCreatedEvent,
)


def created(test_id: str) -> TestCreatedEvent:
    return TestCreatedEvent(test_id=test_id, test_name="n")


def finishes_within(seconds: float, body: Callable[[], object]) -> bool:
    """Run ``body`` on a daemon thread; True when it returned within ``seconds`` (no deadlock)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if errors:
        raise errors[0]
    return not thread.is_alive()


class Counter:
    """A thread-safe counting observer."""

    def __init__(self, delay: float = 0.0) -> None:
        self.count = 0
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.count += 1


def race_close(publishers: int, queue_size: int, close_after: float) -> tuple[int, int, int, int]:
    """Publishers race ``close()``; return (accepted, background, foreground, dropped)."""
    manager = EventManager()
    background, foreground = Counter(), Counter()
    manager.register_observer("test.*", background, background=True, queue_size=queue_size)
    manager.register_observer("test.*", foreground)
    accepted = [0] * publishers
    started = threading.Barrier(publishers + 1)

    def publish(index: int) -> None:
        started.wait()
        n = 0
        while True:
            try:
                manager.publish(created(f"p{index}-{n}"))
            except ManagerClosedError:
                return
            n += 1
            accepted[index] = n

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(publishers)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(close_after)
    manager.close()
    for t in threads:
        t.join(10)
    dropped = manager.get_metrics()["dropped"]
    return sum(accepted), background.count, foreground.count, dropped


class TestCloseRacingPublishers:
    """close() against publishing threads: nothing accepted is lost, nothing hangs."""

    def test_every_accepted_publish_is_delivered(self) -> None:
        """Each publish() that returned is delivered to every matching observer."""
        for _ in range(3):
            accepted, background, foreground, dropped = race_close(2, 16, 0.05)
            assert accepted > 0
            assert (background, foreground, dropped) == (accepted, accepted, 0)

    def test_publish_raises_once_close_has_begun(self) -> None:
        """While close() drains a queue, publish() already raises ManagerClosedError."""
        manager = EventManager()
        release = threading.Event()
        manager.register_observer("test.*", lambda e: release.wait(10), background=True)
        manager.publish(created("first"))
        closer = threading.Thread(target=manager.close)
        closer.start()
        deadline = time.monotonic() + 5
        refused = False
        while time.monotonic() < deadline and not refused:
            try:
                manager.publish(created(f"late-{time.monotonic()}"))
            except ManagerClosedError:
                refused = True
            time.sleep(0.001)
        still_draining = closer.is_alive()
        release.set()
        closer.join(10)
        assert refused and still_draining

    def test_close_returns_while_a_thread_keeps_publishing(self) -> None:
        """close() with no timeout returns although another thread never stops publishing."""
        manager = EventManager()
        manager.register_observer("test.*", Counter(), background=True, queue_size=8)
        stop = threading.Event()

        def publish_forever() -> None:
            n = 0
            while not stop.is_set():
                try:
                    manager.publish(created(f"x{n}"))
                except ManagerClosedError:
                    return
                n += 1

        thread = threading.Thread(target=publish_forever, daemon=True)
        thread.start()
        time.sleep(0.05)
        assert finishes_within(10, manager.close)
        stop.set()
        thread.join(10)

    def test_flush_is_true_once_what_was_queued_before_it_is_handled(self) -> None:
        """flush() returns True although a thread keeps publishing, and everything accepted
        before it was called has been handled."""
        manager = EventManager()
        observer = Counter()
        manager.register_observer("test.*", observer, background=True, queue_size=64)
        stop = threading.Event()
        accepted = [0]

        def publish_forever() -> None:
            n = 0
            while not stop.is_set():
                manager.publish(created(f"y{n}"))
                n += 1
                accepted[0] = n

        thread = threading.Thread(target=publish_forever)
        thread.start()
        try:
            time.sleep(0.05)
            before = accepted[0]
            assert manager.flush(timeout=10) is True
            assert observer.count >= before
        finally:
            stop.set()
            thread.join(10)
            manager.close()

    def test_close_waits_for_a_concurrent_close(self) -> None:
        """A second close() returns only once the queues the first one drains are handled."""
        manager = EventManager()
        observer = Counter(delay=0.01)
        manager.register_observer("test.*", observer, background=True)
        for n in range(20):
            manager.publish(created(f"z{n}"))
        first = threading.Thread(target=manager.close)
        first.start()
        time.sleep(0.02)
        manager.close()
        assert observer.count == 20
        first.join(10)


class TestWorkersNeverBlockOnTheirOwnQueue:
    """A background worker never waits for room in a queue: it would wait for itself."""

    def test_background_observer_publishing_into_its_own_full_queue(self) -> None:
        """An observer that publishes into its own full queue makes progress."""
        manager = EventManager()
        seen = Counter()

        def fan_out(event: Any) -> None:
            seen(event)
            if event.get_type() == "test.created":
                for n in range(5):
                    manager.publish(TestCompletedEvent(f"{event.entity_id}-{n}", "passed"))

        manager.register_observer("test.*", fan_out, background=True, queue_size=2)
        for n in range(10):
            manager.publish(created(f"f{n}"))
        assert finishes_within(10, manager.flush)
        assert finishes_within(10, manager.close)
        assert seen.count == 60

    def test_failing_background_star_observer_with_a_small_queue(self) -> None:
        """A failing ``*`` observer with a 1-slot queue: its failure reports never deadlock."""
        manager = EventManager()

        def broken(event: Any) -> None:
            raise RuntimeError("boom")

        manager.register_observer("*", broken, background=True, queue_size=1)
        logging.getLogger("panther_events.manager").disabled = True
        try:

            def publish_all() -> None:
                for n in range(50):
                    manager.publish(created(f"g{n}"))

            assert finishes_within(10, publish_all)
            assert finishes_within(10, manager.close)
        finally:
            logging.getLogger("panther_events.manager").disabled = False
        assert manager.get_metrics()["errors"] == 50


class TestDedupWindowIsExact:
    """The duplicate window under threads, with a TTL, and with refused events."""

    def test_one_delivery_per_id_under_eight_threads(self) -> None:
        """Eight threads publishing the same ids deliver each id exactly once."""
        manager = EventManager(dedup_window=10_000)
        observer = Counter()
        manager.register_observer("test.*", observer)
        events = [created(f"d{n}") for n in range(2000)]
        barrier = threading.Barrier(8)

        def publish() -> None:
            barrier.wait()
            for e in events:
                manager.publish(e)

        threads = [threading.Thread(target=publish) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert observer.count == 2000
        assert manager.get_metrics()["duplicates"] == 7 * 2000
        manager.close()

    def test_small_window_under_eight_threads_never_raises(self) -> None:
        """Eviction racing eviction raises nothing out of publish() and loses no event."""
        manager = EventManager(dedup_window=8, dedup_ttl=0.001)
        observer = Counter()
        manager.register_observer("test.*", observer)
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def publish(index: int) -> None:
            barrier.wait()
            try:
                for n in range(3000):
                    manager.publish(created(f"s{index}-{n}"))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert observer.count == 8 * 3000
        manager.close()

    def test_ids_older_than_the_ttl_are_delivered_again_under_threads(self) -> None:
        """With a TTL, an id published again after the TTL is delivered, from any thread."""
        manager = EventManager(dedup_ttl=0.05)
        observer = Counter()
        manager.register_observer("test.*", observer)
        events = [created(f"t{n}") for n in range(400)]

        def publish_all() -> None:
            threads = [
                threading.Thread(target=lambda i=i: [manager.publish(e) for e in events[i::8]])
                for i in range(8)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)

        publish_all()
        time.sleep(0.15)
        publish_all()
        assert observer.count == 800
        manager.close()

    def test_ttl_expires_without_new_ids(self) -> None:
        """publish(e); sleep past the TTL; publish(e) delivers twice."""
        manager = EventManager(dedup_ttl=0.1)
        observer = Counter()
        manager.register_observer("test.*", observer)
        event = created("same")
        manager.publish(event)
        time.sleep(0.3)
        manager.publish(event)
        assert observer.count == 2
        manager.close()

    def test_event_refused_by_the_recursion_limit_is_not_remembered(self) -> None:
        """An event refused with RecursionLimitError can be published again."""
        manager = EventManager(max_depth=1)
        inner = TestCompletedEvent("inner", "passed")
        refused: list[BaseException] = []
        received = Counter()

        def republish(event: Any) -> None:
            try:
                manager.publish(inner)
            except RecursionLimitError as exc:
                refused.append(exc)

        manager.register_observer("test.created", republish)
        manager.register_observer("test.completed", received)
        manager.publish(created("outer"))
        assert len(refused) == 1
        manager.publish(inner)
        assert received.count == 1
        manager.close()


class Plugin:
    """An observer that registers its own bound method, as the guide's plugin does."""

    def __init__(self) -> None:
        self.calls = 0

    def on_service_ready(self, event: Any) -> None:
        self.calls += 1


class TestBoundMethodObservers:
    """Bound methods are compared by equality: every access makes a new bound-method object."""

    def test_same_bound_method_under_two_patterns_is_called_once(
        self, manager: EventManager
    ) -> None:
        """One delivery per event however many of the method's patterns match."""
        plugin = Plugin()
        manager.register_observer("test.*", plugin.on_service_ready)
        manager.register_observer("test.created", plugin.on_service_ready)
        manager.publish(created("b1"))
        assert plugin.calls == 1
        assert len(manager.get_observers()) == 1

    def test_unregister_with_a_new_bound_method_object(self, manager: EventManager) -> None:
        """unregister_observer(obj.method) removes the registration made with obj.method."""
        plugin = Plugin()
        manager.register_observer("test.*", plugin.on_service_ready)
        manager.unregister_observer(plugin.on_service_ready)
        manager.publish(created("b2"))
        assert plugin.calls == 0
        assert manager.get_observers() == []

    def test_methods_of_two_objects_stay_apart(self, manager: EventManager) -> None:
        """The same method of two different objects is two observers."""
        first, second = Plugin(), Plugin()
        manager.register_observer("test.*", first.on_service_ready)
        manager.register_observer("test.*", second.on_service_ready)
        manager.publish(created("b3"))
        assert (first.calls, second.calls) == (1, 1)


class TestFailureLogging:
    """Each observer failure is logged with its traceback once."""

    def test_failing_star_observer_logs_one_traceback_per_event(
        self, manager: EventManager, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A ``*`` observer that raises logs one traceback per event, not two."""

        def broken(event: Any) -> None:
            raise RuntimeError("boom")

        manager.register_observer("*", broken)
        with caplog.at_level(logging.ERROR, logger="panther_events.manager"):
            manager.publish(created("l1"))
        tracebacks = [r for r in caplog.records if r.exc_info]
        assert len(tracebacks) == 1
        assert manager.get_metrics()["errors"] == 1


class TestWorkerAccounting:
    """Every item submitted to a background worker is handled or counted as dropped."""

    def test_submit_after_the_worker_ended_is_handled(self) -> None:
        """An item that arrives after the worker stopped (a publish racing unregister) is
        handled by the submitting thread, never silently left in a dead queue."""
        from panther_events._background import Worker

        handled: list[object] = []
        worker = Worker("w", 4, "block", lambda h, e, exc: None)
        worker.submit(handled.append, 1)
        assert worker.stop(10)
        worker.submit(handled.append, 2)
        assert handled == [1, 2] and worker.dropped == 0 and worker.pending() == 0

    def test_unregister_drains_the_queue(self, manager: EventManager) -> None:
        """Unregistering a background observer handles what it had queued."""
        observer = Counter(delay=0.001)
        manager.register_observer("test.*", observer, background=True)
        for n in range(50):
            manager.publish(created(f"u{n}"))
        manager.unregister_observer(observer)
        assert observer.count == 50
