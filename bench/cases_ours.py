"""Every benchmark case run against panther-events itself: the figures the others divide by."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from _common import Case, Unavailable, bytes_per_item, need, peak_rss_mib, per_op_us

EXACT = "test.execution_started"
STEPS = ["connect", "handshake"]


def event_class() -> Any:
    """Our ``TestExecutionStartedEvent`` (the same class and arguments as panther-net's)."""
    return need("panther_events", "TestExecutionStartedEvent")


def make_events(n: int, prefix: str = "test") -> list[Any]:
    """Build ``n`` events of one type that differ in entity id, so none is a duplicate."""
    cls = event_class()
    return [cls(f"{prefix}-{i}", STEPS, 1.5) for i in range(n)]


def manager_class() -> Any:
    """Our ``EventManager``, or ``Unavailable`` until it has landed."""
    return need("panther_events.manager", "EventManager")


def counter() -> tuple[Callable[[Any], None], list[int]]:
    """A plain-function observer that counts its calls, and the one-item list it counts in."""
    calls = [0]

    def observe(event: Any) -> None:
        calls[0] += 1

    return observe, calls


def non_matching_patterns(count: int) -> list[str]:
    """``count`` patterns of every kind of the language, none of which selects ``EXACT``."""
    kinds: list[Callable[[int], str]] = [
        lambda i: f"service.op_{i}",  # exact type
        lambda i: f"plugin{i}.*",  # trailing wildcard
        lambda i: f"test.step{i}_*",  # segment glob in the same domain
        lambda i: f"domain{i}",  # bare domain
        lambda i: f"*.failed{i}",  # single-segment wildcard
    ]
    return [kinds[i % len(kinds)](i) for i in range(count)]


def _publish_case(patterns: list[str], matching: int, **manager_args: Any) -> Case:
    """A case publishing unique events to one observer per pattern; ``matching`` must fire."""

    def case(n: int) -> float:
        manager_cls = manager_class()
        events = make_events(n)
        manager = manager_cls(**manager_args)
        observers = []
        total = [0]
        for pattern in patterns:
            observe, calls = counter()
            observers.append(calls)
            manager.register_observer(pattern, observe)
        publish = manager.publish

        def body() -> None:
            for event in events:
                publish(event)

        try:
            result = per_op_us(body, n)
        finally:
            manager.close()
        total[0] = sum(calls[0] for calls in observers)
        if total[0] != n * matching:
            raise RuntimeError(f"delivered {total[0]} calls, expected {n * matching}")
        return result

    return case


def _flatness_case(count: int) -> Case:
    """Time with ``count`` registered patterns divided by time with 1, measured back to back.

    Both managers run in this process and alternate chunk by chunk over the same events (each
    has its own dedup window), so a busy moment of the machine hits both alike: a ratio that
    holds where two separately timed figures would not.
    """

    def case(n: int) -> float:
        import time

        manager_cls = manager_class()
        events = make_events(n)
        one = manager_cls()
        many = manager_cls()
        one.register_observer(EXACT, counter()[0])
        for pattern in [*non_matching_patterns(count - 1), EXACT]:
            many.register_observer(pattern, counter()[0])
        size = max(1, n // 20)
        chunks = [events[i : i + size] for i in range(0, n, size)]
        totals = {"one": 0.0, "many": 0.0}
        clock = time.process_time
        try:
            pairs = [("one", one), ("many", many)]
            for index, chunk in enumerate(chunks):
                # Alternate which goes first: the second finds the chunk's events in cache.
                for key, manager in pairs if index % 2 else pairs[::-1]:
                    publish = manager.publish
                    start = clock()
                    for event in chunk:
                        publish(event)
                    totals[key] += clock() - start
        finally:
            one.close()
            many.close()
        return totals["many"] / totals["one"]

    return case


def build_event(n: int) -> float:
    """Build a typed event and read its content id."""
    cls = event_class()
    ids = [f"test-{i}" for i in range(n)]

    def body() -> None:
        for entity_id in ids:
            cls(entity_id, STEPS, 1.5).id  # noqa: B018 - reading the id is the point

    return per_op_us(body, n)


MIXED_10 = [
    EXACT,
    EXACT,
    EXACT,
    "test.*",
    "test.*",
    "test",
    "*",
    "*",
    "test.execution_*",
    "service.*",
]


def logger_observer(n: int) -> float:
    """Publish with ``LoggerObserver`` attached, its lines formatted and written to /dev/null."""
    manager_cls = manager_class()
    logger_cls = need("panther_events.observers.logger", "LoggerObserver")
    events = make_events(n)
    log = logging.getLogger("bench.discard")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    with open(os.devnull, "w") as devnull:
        handler = logging.StreamHandler(devnull)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        manager = manager_cls()
        manager.register_observer(logger_cls(log))
        publish = manager.publish

        def body() -> None:
            for event in events:
                publish(event)

        try:
            return per_op_us(body, n)
        finally:
            manager.close()
            log.removeHandler(handler)


def _store_classes() -> tuple[Any, Any]:
    store = need("panther_events.store.sqlite", "SQLiteEventStore")
    observer = need("panther_events.observers.store", "EventStoreObserver")
    return store, observer


def _with_tmpdir(run: Callable[[str], float]) -> float:
    directory = tempfile.mkdtemp(prefix="pe-bench-")
    try:
        return run(os.path.join(directory, "events.db"))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def store_append(n: int) -> float:
    """``SQLiteEventStore.append`` one event at a time, then ``flush`` (all of it timed)."""
    store_cls = need("panther_events.store.sqlite", "SQLiteEventStore")
    events = make_events(n)

    def run(path: str) -> float:
        store = store_cls(path)
        append = store.append

        def body() -> None:
            for event in events:
                append(event, run_id="bench")
            store.flush()

        try:
            return per_op_us(body, n, wall=True)
        finally:
            store.close()

    return _with_tmpdir(run)


def store_append_many(n: int) -> float:
    """``SQLiteEventStore.append_many`` of every event in one call, then ``flush``."""
    store_cls = need("panther_events.store.sqlite", "SQLiteEventStore")
    events = make_events(n)

    def run(path: str) -> float:
        store = store_cls(path)

        def body() -> None:
            store.append_many(events, run_id="bench")
            store.flush()

        try:
            return per_op_us(body, n, wall=True)
        finally:
            store.close()

    return _with_tmpdir(run)


def store_end_to_end(n: int) -> float:
    """Publish through an ``EventManager`` with ``EventStoreObserver`` attached until stored."""
    manager_cls = manager_class()
    store_cls, observer_cls = _store_classes()
    events = make_events(n)

    def run(path: str) -> float:
        store = store_cls(path)
        manager = manager_cls()
        try:
            observer = observer_cls(store, run_id="bench")
        except TypeError:
            observer = observer_cls(store)
        manager.register_observer(observer)
        publish = manager.publish

        def body() -> None:
            for event in events:
                publish(event)
            manager.flush()
            store.flush()

        try:
            return per_op_us(body, n, wall=True)
        finally:
            manager.close()
            store.close()

    return _with_tmpdir(run)


def store_read_entity(n: int) -> float:
    """Read one entity's 100 events out of ``n * 100`` stored (1,000,000 in the full run).

    ``n`` is the number of entities; each repetition reads every 100th entity once and returns
    the time per read.
    """
    store_cls = need("panther_events.store.sqlite", "SQLiteEventStore")
    cls = event_class()
    per_entity = 100

    def run(path: str) -> float:
        store = store_cls(path, batch_size=10_000)
        try:
            chunk: list[Any] = []
            for entity in range(n):
                for step in range(per_entity):
                    chunk.append(cls(f"test-{entity}", [f"step-{step}"], 1.5))
                if len(chunk) >= 50_000:
                    store.append_many(chunk, run_id="bench")
                    chunk = []
            store.append_many(chunk, run_id="bench")
            store.flush()
            targets = [f"test-{e}" for e in range(0, n, max(1, n // 100))]

            def body() -> None:
                for target in targets:
                    found = store.events("bench", entity_id=target)
                    if len(found) != per_entity:
                        raise RuntimeError(f"read {len(found)} events of {target}, not 100")

            return per_op_us(body, len(targets), wall=True)
        finally:
            store.close()

    return _with_tmpdir(run)


def state_transition(n: int) -> float:
    """One allowed transition of a two-state machine (a <-> b), history kept as the API does."""
    base = need("panther_events.states.base")

    class Toggle(base.BaseState):  # type: ignore[misc,name-defined]
        A = "a"
        B = "b"

    class ToggleManager(base.StateManager):  # type: ignore[misc,name-defined]
        def _define_allowed_transitions(self) -> dict[Any, set[Any]]:
            return {Toggle.A: {Toggle.B}, Toggle.B: {Toggle.A}}

    machine = ToggleManager("bench", Toggle.A)
    move = machine.transition_to
    a, b = Toggle.A, Toggle.B
    half = n // 2

    def body() -> None:
        for _ in range(half):
            move(b)
            move(a)

    result = per_op_us(body, half * 2)
    if len(machine.state_history) != half * 2:
        raise RuntimeError("transitions were refused")
    return result


def mem_event(n: int) -> float:
    """Bytes retained per live event (tracemalloc), including its data and ids."""
    cls = event_class()
    return bytes_per_item(lambda i: cls(f"test-{i}", STEPS, 1.5), n)


def rss_run(n: int) -> float:
    """Peak RSS (MiB) of publishing ``n`` fresh events to one observer with history off."""
    manager_cls = manager_class()
    cls = event_class()
    manager = manager_cls(history_limit=0)
    observe, calls = counter()
    manager.register_observer(EXACT, observe)
    publish = manager.publish
    for i in range(n):
        publish(cls(f"test-{i}", STEPS, 1.5))
    manager.close()
    if calls[0] != n:
        raise RuntimeError(f"delivered {calls[0]} of {n}")
    return peak_rss_mib()


def cases(variant: str) -> dict[str, Case]:
    """Our cases; ``variant`` is unused (there is one configuration: the defaults)."""
    if variant != "default":
        raise Unavailable(f"unknown variant {variant!r} of panther-events")
    many_100 = [*non_matching_patterns(99), EXACT]
    many_1000 = [*non_matching_patterns(999), EXACT]
    return {
        "build_event": build_event,
        "publish_exact": _publish_case([EXACT], 1),
        "mixed_10": _publish_case(MIXED_10, 9),
        "patterns_100": _publish_case(many_100, 1),
        "patterns_1000": _publish_case(many_1000, 1),
        "wildcard": _publish_case(["*"], 1),
        "flat_100": _flatness_case(100),
        "flat_1000": _flatness_case(1000),
        "unique_20k": _publish_case([EXACT], 1),
        "logger_observer": logger_observer,
        "store_append": store_append,
        "store_append_many": store_append_many,
        "store_end_to_end": store_end_to_end,
        "store_read_entity": store_read_entity,
        "state_transition": state_transition,
        "mem_event": mem_event,
        "rss_run": rss_run,
    }
