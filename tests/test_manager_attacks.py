"""EventManager promises attacked in shapes the first tests missed: asyncio publishers,
observers that unregister during delivery, closing while a loop publishes."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from panther_events import EventManager, ManagerClosedError, TestCompletedEvent, TestCreatedEvent


def created(test_id: str) -> TestCreatedEvent:
    return TestCreatedEvent(test_id=test_id, test_name="n")


async def publish_until_closed(manager: EventManager, index: int, accepted: list[int]) -> None:
    """Publish events with ``publish_async`` until the manager refuses; count each accepted."""
    n = 0
    while True:
        try:
            await manager.publish_async(created(f"p{index}-{n}"))
        except ManagerClosedError:
            return
        accepted[0] += 1
        n += 1


class TestConcurrentPublishAsync:
    """Coroutines publishing at once on one loop are not nested calls."""

    def test_a_hundred_concurrent_publish_async_are_all_delivered(self) -> None:
        """100 ``publish_async`` awaited together, each with a handler that awaits, are all
        delivered: their suspended calls do not add up to one nesting depth of 100."""
        manager = EventManager()
        got: list[Any] = []

        async def handler(event: Any) -> None:
            await asyncio.sleep(0.01)
            got.append(event)

        manager.register_observer("test.*", handler)

        async def main() -> list[Any]:
            calls = (manager.publish_async(created(f"t{i}")) for i in range(100))
            return await asyncio.gather(*calls, return_exceptions=True)

        results = asyncio.run(main())
        manager.close()
        errors = [r for r in results if isinstance(r, BaseException)]
        print(f"\n100 publish_async: {len(errors)} raised, {len(got)} delivered")
        assert errors == []
        assert len(got) == 100

    def test_async_recursion_is_still_refused(self) -> None:
        """An async handler that awaits publish_async of what it receives is stopped at
        ``max_depth`` (reported as its failure), not left to recurse."""
        manager = EventManager(max_depth=5, dedup=False)
        calls = 0

        async def echo(event: Any) -> None:
            nonlocal calls
            calls += 1
            await manager.publish_async(event)

        manager.register_observer("test.*", echo)
        asyncio.run(manager.publish_async(created("loop")))
        manager.close()
        assert calls == 5
        assert manager.get_metrics()["errors"] >= 1

    def test_close_from_another_thread_waits_for_publish_async_under_way(self) -> None:
        """Coroutines publishing in a loop thread race ``close()`` from the main thread: every
        ``publish_async`` that returned has reached the foreground and background observers."""
        manager = EventManager()
        fore: list[Any] = []
        back: list[Any] = []
        lock = threading.Lock()

        async def slow(event: Any) -> None:
            await asyncio.sleep(0.002)
            fore.append(event)

        def record(event: Any) -> None:
            with lock:
                back.append(event)

        manager.register_observer("test.*", slow)
        manager.register_observer("test.*", record, background=True)
        accepted = [0]

        async def main() -> None:
            await asyncio.gather(*(publish_until_closed(manager, i, accepted) for i in range(20)))

        loop_thread = threading.Thread(target=asyncio.run, args=(main(),))
        loop_thread.start()
        threading.Event().wait(0.3)
        manager.close()
        loop_thread.join(10)
        print(f"\n{accepted[0]} accepted, {len(fore)} foreground, {len(back)} background")
        assert not loop_thread.is_alive()
        assert accepted[0] > 0
        assert len(fore) == accepted[0]
        assert len(back) == accepted[0]

    def test_close_inside_the_loop_never_leaves_an_accepted_publish_half_delivered(
        self,
    ) -> None:
        """``close()`` called by a coroutine while others are suspended in ``publish_async``
        cannot wait for them: each of those raises ManagerClosedError on resuming, so every
        ``publish_async`` that returned normally reached every observer (none counted as
        dropped under the "block" policy)."""
        manager = EventManager()
        fore: list[Any] = []
        back: list[Any] = []

        async def slow(event: Any) -> None:
            await asyncio.sleep(0.005)
            fore.append(event)

        manager.register_observer("test.*", slow)
        manager.register_observer("test.*", back.append, background=True)
        accepted = [0]

        async def closer() -> None:
            await asyncio.sleep(0.2)
            manager.close()

        async def main() -> None:
            publishers = (publish_until_closed(manager, i, accepted) for i in range(20))
            await asyncio.gather(*publishers, closer())

        asyncio.run(main())
        print(f"\n{accepted[0]} accepted, {len(back)} background")
        assert accepted[0] > 0
        assert len(back) == accepted[0]
        assert manager.get_metrics()["dropped"] == 0


class Bulky:
    """A plain event whose repr is a megabyte long."""

    def __repr__(self) -> str:
        return "Bulky(" + "x" * 1_000_000 + ")"


class TestManagerClosedErrorWording:
    """The error of a publish after close says what, and how to fix it, in one short line."""

    def test_names_the_event_and_suggests_a_fix(self) -> None:
        """It names the event and its type, says the manager is closed and what to do."""
        manager = EventManager()
        manager.close()
        with pytest.raises(ManagerClosedError) as caught:
            manager.publish(created("t1"))
        message = str(caught.value)
        assert "test.created" in message
        assert "'t1'" in message
        assert "closed" in message
        assert "new EventManager" in message

    def test_a_huge_repr_is_cut_short(self) -> None:
        """A plain object with a megabyte repr gives a message of one short line."""
        manager = EventManager()
        manager.close()
        with pytest.raises(ManagerClosedError) as caught:
            manager.publish(Bulky())
        assert len(str(caught.value)) < 500
        assert "\n" not in str(caught.value)


class TestUnregisterDuringDelivery:
    """A publish under way keeps the routes it started with, background observers included."""

    def test_background_observer_unregistered_by_an_earlier_one_still_gets_the_event(
        self,
    ) -> None:
        """An observer that unregisters a background observer while an event is being
        delivered does not make that event vanish: the background observer still handles
        it, as a foreground one would, and ``delivered`` tells the truth."""
        manager = EventManager()
        got: list[Any] = []

        class Late:
            def on_event(self, event: Any) -> None:
                got.append(event)

        late = Late()
        manager.register_observer("test.*", lambda event: manager.unregister_observer(late))
        manager.register_observer("test.*", late, background=True, queue_size=4)
        manager.publish(created("t1"))
        manager.close()
        assert [e.entity_id for e in got] == ["t1"]

    def test_publishers_racing_unregister_lose_nothing(self) -> None:
        """Threads publishing while a background observer is unregistered: every event
        submitted to it (``delivered`` minus the foreground calls) is handled."""
        manager = EventManager()
        handled: list[Any] = []
        lock = threading.Lock()

        class Recorder:
            def on_event(self, event: Any) -> None:
                with lock:
                    handled.append(event)

        recorder = Recorder()
        manager.register_observer("test.*", recorder, background=True, queue_size=8)
        stop = threading.Event()
        published = [0] * 4

        def publish(index: int) -> None:
            n = 0
            while not stop.is_set():
                manager.publish(created(f"p{index}-{n}"))
                n += 1
                published[index] = n

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        threading.Event().wait(0.2)
        manager.unregister_observer(recorder)
        stop.set()
        for t in threads:
            t.join(10)
        submitted = manager.get_metrics()["delivered"]
        manager.close()
        print(f"\n{sum(published)} published, {submitted} submitted, {len(handled)} handled")
        assert len(handled) == submitted


class TestObserversPublishingWhileClosing:
    """What observers publish while handling accepted events is part of that handling."""

    def test_background_observer_deriving_events_during_close(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A background observer that publishes a derived event for each event it handles
        still does so while ``close()`` drains its queue: every derived event is delivered,
        and nothing is logged as a failure."""
        manager = EventManager()
        derived: list[Any] = []

        class Deriver:
            def on_event(self, event: Any) -> None:
                threading.Event().wait(0.0002)
                manager.publish(TestCompletedEvent(test_id=event.entity_id, test_name="n"))

        manager.register_observer("test.created", Deriver(), background=True)
        manager.register_observer("test.completed", derived.append)
        for i in range(300):
            manager.publish(created(f"t{i}"))
        manager.close()
        print(f"\n300 accepted, {len(derived)} derived events delivered during close")
        assert len(derived) == 300
        assert manager.get_metrics()["errors"] == 0
        assert not [r for r in caplog.records if r.levelname == "ERROR"]

    def test_nested_publish_of_an_event_under_way_during_close(self) -> None:
        """A foreground observer whose event is being delivered when another thread calls
        ``close()`` may still publish from its callback; publishers outside observers are
        refused."""
        manager = EventManager()
        inside = threading.Event()
        release = threading.Event()
        nested: list[Any] = []

        def slow(event: Any) -> None:
            if event.get_type() == "test.created":
                inside.set()
                release.wait(10)
                manager.publish(TestCompletedEvent(test_id="t1", test_name="n"))

        manager.register_observer("test.*", slow)
        manager.register_observer("test.completed", nested.append)
        publisher = threading.Thread(target=manager.publish, args=(created("t1"),))
        publisher.start()
        inside.wait(10)
        closer = threading.Thread(target=manager.close)
        closer.start()
        while not manager._closed:  # close() has begun
            threading.Event().wait(0.001)
        with pytest.raises(ManagerClosedError):
            manager.publish(created("outside"))
        release.set()
        publisher.join(10)
        closer.join(10)
        assert [e.get_type() for e in nested] == ["test.completed"]


class TestCloseWithTimeout:
    """``close(timeout)`` that gives up on a stuck observer drops its queue, counted."""

    def test_a_stuck_observer_is_not_handed_events_after_its_close(self) -> None:
        """A background observer stuck past ``close(timeout)`` is closed; once unstuck it
        receives nothing more (its queued events are counted in ``dropped``), rather than
        being handed the whole queue after its ``close()``."""
        manager = EventManager()
        release = threading.Event()

        class Stuck:
            def __init__(self) -> None:
                self.after_close = 0
                self.closed = False

            def on_event(self, event: Any) -> None:
                release.wait(10)
                if self.closed:
                    self.after_close += 1

            def close(self) -> None:
                self.closed = True

        stuck = Stuck()
        manager.register_observer(stuck, background=True)
        for i in range(200):
            manager.publish(created(f"t{i}"))
        manager.close(timeout=0.2)
        assert stuck.closed
        release.set()
        threading.Event().wait(0.3)
        dropped = manager.get_metrics()["dropped"]
        print(f"\nafter close(timeout): {stuck.after_close} handled after close, {dropped} dropped")
        assert stuck.after_close <= 1  # the event in hand when close() gave up
        assert dropped >= 199


class TestFlushFromAnObserver:
    """``flush()`` never makes a worker wait for its own queue."""

    def test_background_observer_calling_flush_does_not_deadlock(self) -> None:
        """A background observer that calls ``manager.flush()`` (no timeout) from its
        callback gets True once the other observers are done, instead of waiting forever for
        the item it is itself handling."""
        manager = EventManager()
        other: list[Any] = []
        results: list[bool] = []

        def flushing(event: Any) -> None:
            results.append(manager.flush())

        manager.register_observer("test.*", other.append, background=True)
        manager.register_observer("test.*", flushing, background=True)
        for i in range(3):
            manager.publish(created(f"t{i}"))
        finished = threading.Event()
        waiter = threading.Thread(target=lambda: (manager.flush(), finished.set()), daemon=True)
        waiter.start()
        assert finished.wait(10), "flush() from a background observer deadlocked"
        manager.close()
        assert results == [True, True, True]
        assert len(other) == 3


class TestCloseFromABackgroundObserver:
    """A background observer may close its manager."""

    def test_close_from_an_observer_while_a_publisher_waits_for_its_queue(self) -> None:
        """A background observer calls ``manager.close()`` while a publisher is blocked on
        its full queue: the publisher's event is still delivered, the publisher is refused
        from then on, and neither hangs."""
        manager = EventManager()
        handled: list[str] = []
        closed = threading.Event()

        def closing(event: Any) -> None:
            handled.append(event.entity_id)
            if event.entity_id == "t20":
                threading.Event().wait(0.2)  # the publisher fills the queue and waits
                manager.close()
                closed.set()

        manager.register_observer("test.*", closing, background=True, queue_size=4)
        accepted = [0]

        def publish() -> None:
            try:
                for i in range(1000):
                    manager.publish(created(f"t{i}"))
                    accepted[0] += 1
            except ManagerClosedError:
                return

        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        publisher.join(10)
        assert closed.wait(10), "close() from a background observer hung"
        assert not publisher.is_alive()
        threading.Event().wait(0.2)
        print(f"\n{accepted[0]} accepted, {len(handled)} handled")
        assert len(handled) == accepted[0]
