"""The reference implementation, PyPI ``panther-net==1.2.0``, run in its own venv (bench/.peers).

Variants:
    defaults: the singleton ``EventManager`` as it comes (content dedup on, plus its
        time-window dedup, history of 1000).
    dedup-off: ``enable_duplicate_detection(False)`` and its time-window check (which has no
        switch) replaced by ``False``, so it does no dedup work at all: its fastest path.

Its logging is silenced with ``logging.disable`` in both (except in the LoggerObserver case,
where INFO lines are formatted and written to /dev/null), and its observers are plain objects
with only ``on_event`` (no ``is_interested``), which is its cheapest delivery.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from _common import Case, Unavailable, bytes_per_item, need, peak_rss_mib, per_op_us

EXACT = "test.execution_started"
STEPS = ["connect", "handshake"]
MANAGER_MODULE = "panther.core.observer.management.event_manager"

logging.disable(logging.CRITICAL)


class Counter:
    """The cheapest observer panther-net accepts: an object with ``on_event``."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls = 0

    def on_event(self, event: Any) -> None:
        self.calls += 1


def event_class() -> Any:
    return need("panther.core.events.test.events", "TestExecutionStartedEvent")


def make_events(n: int) -> list[Any]:
    cls = event_class()
    return [cls(f"test-{i}", STEPS, 1.5) for i in range(n)]


def fresh_manager(variant: str) -> Any:
    """A new panther-net manager (it is a singleton: reset it first) in ``variant``'s setup."""
    manager_cls = need(MANAGER_MODULE, "EventManager")
    manager_cls.reset_instance()
    manager = manager_cls()
    if variant == "dedup-off":
        manager.enable_duplicate_detection(False)
        manager._is_duplicate_event = lambda event: False
    return manager


# Our patterns mapped to the nearest thing panther-net understands: exact types, a parent type
# ("test" selects every "test.*"), or None for a global observer.
MIXED_10: list[str | None] = [
    EXACT,
    EXACT,
    EXACT,
    "test",
    "test",
    "test",
    None,
    None,
    EXACT,
    "service",
]


def _publish_case(variant: str, subscriptions: list[str | None], matching: int) -> Case:
    def case(n: int) -> float:
        events = make_events(n)
        manager = fresh_manager(variant)
        observers = []
        for event_type in subscriptions:
            observer = Counter()
            observers.append(observer)
            manager.register_observer(observer, None if event_type is None else [event_type])
        notify = manager.notify

        def body() -> None:
            for event in events:
                notify(event)

        result = per_op_us(body, n)
        delivered = sum(o.calls for o in observers)
        if delivered != n * matching:
            raise RuntimeError(f"delivered {delivered} calls, expected {n * matching}")
        return result

    return case


def build_event(n: int) -> float:
    cls = event_class()
    ids = [f"test-{i}" for i in range(n)]

    def body() -> None:
        for entity_id in ids:
            cls(entity_id, STEPS, 1.5).id  # noqa: B018 - reading the id is the point

    return per_op_us(body, n)


def _logger_case(variant: str) -> Case:
    def case(n: int) -> float:
        logger_cls = need("panther.core.observer.impl.logger_observer", "LoggerObserver")
        events = make_events(n)
        logging.disable(logging.DEBUG)  # the observer's INFO lines are produced
        manager = fresh_manager(variant)
        observer = logger_cls(log_level="INFO", enable_colors=False)
        with open(os.devnull, "w") as devnull:
            handler = logging.StreamHandler(devnull)
            # The same formatter as our case: lines are formatted alike, then thrown away.
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
            )
            for old in list(observer.logger.handlers):
                observer.logger.removeHandler(old)
            observer.logger.addHandler(handler)
            observer.logger.propagate = False
            manager.register_observer(observer)
            notify = manager.notify

            def body() -> None:
                for event in events:
                    notify(event)

            try:
                return per_op_us(body, n)
            finally:
                observer.logger.removeHandler(handler)
                logging.disable(logging.CRITICAL)

    return case


def state_transition(n: int) -> float:
    base = need("panther.core.events.base.state_base")

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

    return per_op_us(body, half * 2)


def mem_event(n: int) -> float:
    cls = event_class()
    return bytes_per_item(lambda i: cls(f"test-{i}", STEPS, 1.5), n)


def _rss_case(variant: str) -> Case:
    def case(n: int) -> float:
        if variant != "dedup-off":
            raise Unavailable("only run with dedup off: its time-window dedup is O(n) per event")
        cls = event_class()
        manager = fresh_manager(variant)
        manager.max_history_size = 0
        observer = Counter()
        manager.register_observer(observer, [EXACT])
        notify = manager.notify
        for i in range(n):
            notify(cls(f"test-{i}", STEPS, 1.5))
        if observer.calls != n:
            raise RuntimeError(f"delivered {observer.calls} of {n}")
        return peak_rss_mib()

    return case


def cases(variant: str) -> dict[str, Case]:
    """panther-net's cases in ``variant`` (``defaults`` or ``dedup-off``)."""
    if variant not in {"defaults", "dedup-off"}:
        raise Unavailable(f"unknown panther-net variant {variant!r}")
    others_99 = [f"service.op_{i}" for i in range(99)]
    others_999 = [f"service.op_{i}" for i in range(999)]
    table: dict[str, Case] = {
        "build_event": build_event,
        "publish_exact": _publish_case(variant, [EXACT], 1),
        "mixed_10": _publish_case(variant, MIXED_10, 9),
        "patterns_100": _publish_case(variant, [*others_99, EXACT], 1),
        "patterns_1000": _publish_case(variant, [*others_999, EXACT], 1),
        "wildcard": _publish_case(variant, [None], 1),
        "unique_20k": _publish_case(variant, [EXACT], 1),
        "logger_observer": _logger_case(variant),
        "state_transition": state_transition,
        "mem_event": mem_event,
        "rss_run": _rss_case(variant),
    }
    return table
