"""Where the time of our hot paths goes: cProfile listings and a cost for each step.

Usage: ``python bench/hotpaths.py [--n 20000]``. Prints, for building an event and for
publishing it to one exact observer, the top cProfile lines, then the cost of each step of
the path measured alone with ``timeit`` on real objects (the figures in docs/performance.md).
Step costs are indicative: they are measured out of context, so they do not add up exactly.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import timeit
from collections.abc import Callable
from typing import Any

from cases_ours import EXACT, STEPS, event_class, make_events, manager_class


def profile(label: str, body: Callable[[], object], lines: int) -> None:
    """Run ``body`` under cProfile and print its top ``lines`` by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    body()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(lines)
    print(f"### cProfile: {label}\n")
    text = out.getvalue()
    start = text.find("   ncalls")
    print("```\n" + text[start:].rstrip() + "\n```\n")


def step_costs(label: str, steps: list[tuple[str, Callable[[], object]]], number: int) -> None:
    """Print each step's best cost in ns per call over 9 rounds that alternate the steps.

    Alternating (rather than timing each step's repeats in a row) lets a busy moment of the
    machine hit every step alike, so the proportions hold even when the absolute figures move.
    """
    best = {name: float("inf") for name, _ in steps}
    for _ in range(9):
        for name, fn in steps:
            best[name] = min(best[name], timeit.timeit(fn, number=number) / number * 1e9)
    print(f"### Step costs: {label}\n")
    print("| Step | ns/call |\n| --- | ---: |")
    for name, _ in steps:
        print(f"| {name} | {best[name]:,.0f} |")
    print()


def build_steps() -> list[tuple[str, Callable[[], object]]]:
    """The steps of building ``TestExecutionStartedEvent`` with its content id."""
    from datetime import UTC, datetime

    from panther_events import EventType
    from panther_events._canonical import canonical_data, create_content_based_uuid

    cls = event_class()
    data = {"steps": STEPS, "expected_duration": 1.5}
    signature = f"test:execution_started:test-1:{canonical_data(data)}"
    sample = cls("test-1", STEPS, 1.5)
    return [
        (
            "whole constructor `TestExecutionStartedEvent(id, steps, 1.5)`",
            lambda: cls("t", STEPS, 1.5),
        ),
        ("`canonical_data(data)` (sorted JSON)", lambda: canonical_data(data)),
        (
            "`create_content_based_uuid(signature)` (UUID5)",
            lambda: create_content_based_uuid(signature),
        ),
        ("`datetime.now(UTC)`", lambda: datetime.now(UTC)),
        ("`EventType.TEST.value` (enum property)", lambda: EventType.TEST.value),
        ("`dict(data)` (defensive copy)", lambda: dict(data)),
        ("signature f-string", lambda: f"{'test'}:{'execution_started'}:{'test-1'}:{'{}'}"),
        ("`object.__new__` of the class", lambda: object.__new__(cls)),
        ("`event.id` read", lambda: sample.id),
    ]


def id_alternatives() -> list[tuple[str, Callable[[], object]]]:
    """The content id as made now, and a candidate giving the same UUID5 through OpenSSL."""
    import hashlib
    import uuid

    from panther_events._canonical import create_content_based_uuid

    signature = (
        'test:execution_started:test-1:{"expected_duration":1.5,"steps":["connect","handshake"]}'
    )
    namespace = hashlib.sha1(uuid.NAMESPACE_OID.bytes)
    variant = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}

    def openssl_copy() -> str:
        digest = namespace.copy()
        digest.update(signature.encode("utf-8", "surrogatepass"))
        h = digest.hexdigest()
        return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant[h[16]]}{h[17:20]}-{h[20:32]}"

    expected = str(uuid.uuid5(uuid.NAMESPACE_OID, signature))
    if not create_content_based_uuid(signature) == openssl_copy() == expected:
        raise RuntimeError("the candidate does not give the same UUID5")
    return [
        ("`create_content_based_uuid` as it is", lambda: create_content_based_uuid(signature)),
        ("OpenSSL SHA-1 from a pre-fed namespace hasher (`copy()`)", openssl_copy),
        (
            "`str(uuid.uuid5(NAMESPACE_OID, text))` (stdlib)",
            lambda: str(uuid.uuid5(uuid.NAMESPACE_OID, signature)),
        ),
    ]


def publish_steps() -> list[tuple[str, Callable[[], object]]]:
    """The steps of ``EventManager.publish`` for one exact observer, each alone.

    Each step reads the same attributes of a real manager that ``publish`` reads, so attribute
    costs are included; a step whose attribute is gone (the code moved on) is skipped.
    """
    manager_cls = manager_class()
    event = make_events(1)[0]
    handler = counter_like()
    manager_nodedup = manager_cls(dedup=False)
    manager_nodedup.register_observer(EXACT, handler)
    manager_off = manager_cls(dedup=False, history_limit=0)
    manager_off.register_observer(EXACT, handler)
    manager_nohist = manager_cls(history_limit=0)
    manager_nohist.register_observer(EXACT, handler)
    m = manager_cls()
    m.register_observer(EXACT, handler)
    m.publish(make_events(1, "warm")[0])  # resolve and cache the route
    # Every whole-publish row gets events never published before (9 rounds x 10,000 and a
    # probe), so dedup admits them all and no row enjoys events already in the CPU cache.
    fresh = iter(make_events(95_000))
    fresh_nohist = iter(make_events(95_000))
    fresh_nodedup = iter(make_events(95_000))
    fresh_off = iter(make_events(95_000))
    state = m._tls.state
    spare = iter(range(190_000))

    def guard_and_state() -> object:
        if m._closed:
            raise RuntimeError
        return m._tls.state

    def type_and_validity() -> object:
        event_type = event._type
        if event._custom_validate:
            event.validate()
        elif not (event.name and event.entity_id and event.timestamp is not None):
            raise RuntimeError
        return event_type

    def counters_and_history() -> None:
        by_type = state.by_type
        by_type[EXACT] = by_type.get(EXACT, 0) + 1
        if m._history is not None:
            m._history.append(event)

    def route_and_delivery() -> None:
        handlers = m._routes.get(EXACT)
        if not handlers:
            return
        if state.depth >= m._max_depth:
            raise RuntimeError
        state.depth += 1
        try:
            for h in handlers:
                try:  # noqa: SIM105 - the manager's own form
                    h(event)
                except Exception:
                    pass
        finally:
            state.depth -= 1
        state.delivered += len(handlers)

    def floor() -> None:
        for h in m._routes.get(event.get_type(), ()):
            h(event)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("whole `publish` (defaults: dedup on, history 1000)", lambda: m.publish(next(fresh))),
        ("whole `publish`, history_limit=0", lambda: manager_nohist.publish(next(fresh_nohist))),
        (
            "whole `publish`, dedup=False (history 1000)",
            lambda: manager_nodedup.publish(next(fresh_nodedup)),
        ),
        (
            "whole `publish`, dedup=False, history_limit=0",
            lambda: manager_off.publish(next(fresh_off)),
        ),
        ("closed check + `self._tls.state` (thread-local)", guard_and_state),
        ("`event._type` + validity test", type_and_validity),
        ("per-type counter + history append", counters_and_history),
        (
            "route lookup, depth guard, try/finally, handler loop, delivered count",
            route_and_delivery,
        ),
        ("the floor: `dict.get(event.get_type())` + loop + call", floor),
        ("the observer call alone", lambda: handler(event)),
        ("(harness overhead: `next(iterator)` + lambda call)", lambda: next(spare)),
    ]
    return steps


def counter_like() -> Callable[[Any], None]:
    """The observer the benchmark cases use: a function counting its calls."""
    calls = [0]

    def observe(event: Any) -> None:
        calls[0] += 1

    return observe


def safe(
    steps: Callable[[], list[tuple[str, Callable[[], object]]]],
) -> list[tuple[str, Callable[[], object]]]:
    """The steps, each dropped (with a note) if it fails once: the code under test moved on."""
    kept = []
    for name, fn in steps():
        try:
            fn()
        except Exception as exc:
            print(f"(step {name!r} skipped: {type(exc).__name__}: {exc})")
            continue
        kept.append((name, fn))
    return kept


def main() -> None:
    """Print the profiles and step tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    cls = event_class()
    ids = [f"test-{i}" for i in range(args.n)]
    profile("build events", lambda: [cls(i, STEPS, 1.5).id for i in ids], 12)
    events = make_events(args.n)
    manager = manager_class()()
    manager.register_observer(EXACT, counter_like())
    publish = manager.publish
    profile("publish to 1 exact observer", lambda: [publish(e) for e in events], 12)
    step_costs("building an event", safe(build_steps), 20_000)
    step_costs("the content id, and a candidate", safe(id_alternatives), 20_000)
    step_costs("publishing to one exact observer", safe(publish_steps), 10_000)


if __name__ == "__main__":
    main()
