"""Plain dispatch peers (blinker, pyee, PyPubSub) and the floor, handed our pre-built events.

Each delivers the same events to the same number of plain-function receivers as our case does;
none deduplicates or keeps history, so they bound what dispatch alone costs. pyee, PyPubSub
and the floor look the route up by ``event.get_type()`` as our manager must; blinker is given
its ``Signal`` object directly, as blinker code holds it, which spares it the lookup.

Variants: ``blinker``, ``pyee``, ``pypubsub``, ``floor`` (a dict from type to a tuple of
callables, called in a loop: the least any Python dispatcher can do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from _common import Case, Unavailable, need, per_op_us
from cases_ours import EXACT, make_events

# How many receivers each case attaches to the published type, and how many to other types.
SHAPES: dict[str, tuple[int, int]] = {
    "publish_exact": (1, 0),
    "unique_20k": (1, 0),
    "mixed_10": (9, 1),
    "patterns_100": (1, 99),
    "patterns_1000": (1, 999),
    "wildcard": (1, 0),
}


def _receivers(count: int, calls: list[int]) -> list[Callable[..., None]]:
    """``count`` distinct functions that count into ``calls[0]`` (distinct: blinker dedups).

    They take one argument named ``event``: PyPubSub infers a topic's message data from its
    first listener's signature, and blinker passes the sender positionally.
    """

    def make() -> Callable[..., None]:
        def receive(event: Any) -> None:
            calls[0] += 1

        return receive

    return [make() for _ in range(count)]


def _other_types(count: int) -> list[str]:
    return [f"service.op_{i}" for i in range(count)]


def _floor(case_name: str, n: int) -> float:
    matching, others = SHAPES[case_name]
    events = make_events(n)
    calls = [0]
    table: dict[str, tuple[Callable[..., None], ...]] = {
        t: tuple(_receivers(1, [0])) for t in _other_types(others)
    }
    table[EXACT] = tuple(_receivers(matching, calls))
    empty: tuple[Callable[..., None], ...] = ()

    def body() -> None:
        get = table.get
        for event in events:
            for handler in get(event.get_type(), empty):
                handler(event)

    result = per_op_us(body, n)
    _check(calls, n * matching)
    return result


def _pyee(case_name: str, n: int) -> float:
    if case_name == "wildcard":
        raise Unavailable("pyee has no wildcard subscription")
    emitter_cls = need("pyee", "EventEmitter")
    matching, others = SHAPES[case_name]
    events = make_events(n)
    emitter = emitter_cls()
    calls = [0]
    for t in _other_types(others):
        for receiver in _receivers(1, [0]):
            emitter.on(t, receiver)
    for receiver in _receivers(matching, calls):
        emitter.on(EXACT, receiver)
    emit = emitter.emit

    def body() -> None:
        for event in events:
            emit(event.get_type(), event)

    result = per_op_us(body, n)
    _check(calls, n * matching)
    return result


def _blinker(case_name: str, n: int) -> float:
    if case_name == "wildcard":
        raise Unavailable("blinker has no subscription across signals")
    if case_name.startswith("patterns_"):
        raise Unavailable("blinker has one Signal per type: no registry to look patterns up in")
    signal_cls = need("blinker", "Signal")
    matching, others = SHAPES[case_name]
    events = make_events(n)
    calls = [0]
    keep = _receivers(matching, calls) + _receivers(others, [0])
    signal = signal_cls()
    other = signal_cls()
    for receiver in keep[:matching]:
        signal.connect(receiver, weak=False)
    for receiver in keep[matching:]:
        other.connect(receiver, weak=False)
    send = signal.send

    def body() -> None:
        for event in events:
            send(event)

    result = per_op_us(body, n)
    _check(calls, n * matching)
    return result


def _pypubsub(case_name: str, n: int) -> float:
    pub = need("pubsub.pub")
    matching, others = SHAPES[case_name]
    events = make_events(n)
    calls = [0]
    keep = _receivers(matching, calls) + _receivers(others, [0])
    # PyPubSub reads '.' as its topic hierarchy separator; listeners are held weakly (``keep``).
    if case_name == "wildcard":
        # ALL_TOPICS listeners may not require arguments: the root topic declares none.
        def receive_all(**kwargs: Any) -> None:
            calls[0] += 1

        keep = [receive_all]
        pub.subscribe(receive_all, pub.ALL_TOPICS)
    else:
        for receiver in keep[:matching]:
            pub.subscribe(receiver, EXACT)
    for t, receiver in zip(_other_types(others), keep[matching:], strict=True):
        pub.subscribe(receiver, t)
    send = pub.sendMessage

    def body() -> None:
        for event in events:
            send(event.get_type(), event=event)

    try:
        result = per_op_us(body, n)
    finally:
        pub.unsubAll()
    _check(calls, n * matching)
    return result


def _check(calls: list[int], expected: int) -> None:
    if calls[0] != expected:
        raise RuntimeError(f"delivered {calls[0]} calls, expected {expected}")


PEERS: dict[str, Callable[[str, int], float]] = {
    "floor": _floor,
    "pyee": _pyee,
    "blinker": _blinker,
    "pypubsub": _pypubsub,
}


def cases(variant: str) -> dict[str, Case]:
    """The dispatch cases of the peer named by ``variant``."""
    run = PEERS.get(variant)
    if run is None:
        raise Unavailable(f"unknown dispatch peer {variant!r}")

    def bind(case_name: str) -> Case:
        return lambda n: run(case_name, n)

    return {name: bind(name) for name in SHAPES}
