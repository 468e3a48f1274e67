"""Stress: the manager's promises over many trials (publishers racing close(), failing
background observers with small queues, eight threads against small dedup windows and TTLs).

Each test prints its figures (run with ``-s`` to see them): events accepted vs delivered,
seconds to close.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from panther_events import EventManager, ManagerClosedError, TestCreatedEvent

pytestmark = pytest.mark.slow


class Counter:
    """A thread-safe counting observer that can fail on purpose."""

    def __init__(self, fail: bool = False) -> None:
        self.count = 0
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.count += 1
        if self.fail:
            raise RuntimeError("failing on purpose")


@pytest.fixture
def quiet_manager_log() -> Iterator[None]:
    """Failures are logged once each; thousands of tracebacks would only slow the test."""
    log = logging.getLogger("panther_events.manager")
    log.disabled = True
    yield
    log.disabled = False


def test_publishers_racing_close_lose_nothing() -> None:
    """Over many trials, every publish() that returned reached every matching observer."""
    rng = random.Random(7)
    accepted_total = delivered_total = 0
    slowest_close = 0.0
    for _ in range(40):
        manager = EventManager(dedup=False)
        observers = [Counter() for _ in range(2)]
        for observer in observers:
            manager.register_observer(
                "test.*", observer, background=True, queue_size=rng.choice([1, 4, 64])
            )
        foreground = Counter()
        manager.register_observer("test.*", foreground)
        accepted = [0] * 3

        def publish(index: int, manager: EventManager = manager, acc: list[int] = accepted) -> None:
            n = 0
            while True:
                try:
                    manager.publish(TestCreatedEvent(f"{index}-{n}", "n"))
                except ManagerClosedError:
                    return
                n += 1
                acc[index] = n

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.005, 0.05))
        started = time.monotonic()
        manager.close()
        slowest_close = max(slowest_close, time.monotonic() - started)
        for t in threads:
            t.join(10)
        total = sum(accepted)
        assert [o.count for o in observers] == [total, total]
        assert foreground.count == total
        assert manager.get_metrics()["dropped"] == 0
        accepted_total += total
        delivered_total += observers[0].count
    print(
        f"\nclose race, 40 trials: accepted {accepted_total}, delivered {delivered_total} "
        f"to each observer, slowest close {slowest_close:.3f}s"
    )
    assert slowest_close < 10


@pytest.mark.usefixtures("quiet_manager_log")
def test_failing_background_observers_with_small_queues_never_hang() -> None:
    """Failing ``*`` observers on 1- and 2-slot queues, four publishers: all reported, no hang."""
    manager = EventManager(dedup=False)
    failing = [Counter(fail=True) for _ in range(3)]
    for i, observer in enumerate(failing):
        manager.register_observer("*", observer, background=True, queue_size=1 + i % 2)
    per_thread = 500

    def publish(index: int) -> None:
        for n in range(per_thread):
            manager.publish(TestCreatedEvent(f"{index}-{n}", "n"))

    threads = [threading.Thread(target=publish, args=(i,), daemon=True) for i in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a publisher hung"
    assert manager.flush(timeout=60)
    close_started = time.monotonic()
    manager.close(timeout=60)
    closed_in = time.monotonic() - close_started
    events = 4 * per_thread
    # Each observer fails on each event; each failure is reported to the two other observers,
    # whose failures on a report are logged, not reported again.
    expected = events * 3 + events * 3 * 2
    assert manager.get_metrics()["errors"] == expected
    assert [o.count for o in failing] == [events * 3] * 3
    print(
        f"\nfailing background observers: {events} events, {expected} failures handled in "
        f"{time.monotonic() - started:.2f}s, close took {closed_in:.3f}s"
    )


def test_eight_threads_small_windows_and_ttls() -> None:
    """Rounds of eight threads publishing one set of ids: each id delivered exactly once per
    round, and again in the next round once the TTL has passed."""
    ttl = 0.25
    manager = EventManager(dedup_window=32, dedup_ttl=ttl)
    observer = Counter()
    manager.register_observer("test.*", observer)
    rounds, ids_per_round = 8, 24
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def publish(index: int) -> None:
        rng = random.Random(index)
        try:
            for _ in range(rounds):
                # The same ids every round: the window holds them all, only the TTL frees them.
                events = [TestCreatedEvent(f"id-{n}", "n") for n in range(ids_per_round)]
                rng.shuffle(events)
                barrier.wait()
                for event in events:
                    manager.publish(event)
                barrier.wait()
                if index == 0:
                    time.sleep(ttl * 2)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    metrics = manager.get_metrics()
    published = rounds * ids_per_round * 8
    print(
        f"\n8 threads, window 32, TTL {ttl}s: published {published}, delivered "
        f"{observer.count} (expected {rounds * ids_per_round}), duplicates {metrics['duplicates']}"
    )
    assert observer.count == rounds * ids_per_round
    assert metrics["duplicates"] == published - rounds * ids_per_round
    manager.close()


def test_eight_threads_evicting_never_raise() -> None:
    """Eight threads of unique ids through a window of 4: no error, nothing lost."""
    manager = EventManager(dedup_window=4)
    observer = Counter()
    manager.register_observer("test.*", observer)
    errors: list[BaseException] = []

    def publish(index: int) -> None:
        try:
            for n in range(5000):
                manager.publish(TestCreatedEvent(f"u{index}-{n}", "n"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print(f"\n8 threads, window 4: published 40000, delivered {observer.count}")
    assert errors == [] and observer.count == 40_000
    assert len(manager._seen) <= 4 + 1 + 8  # the window, one batch, a marker per thread
    manager.close()
