"""The contract every event store honours; each backend's test module subclasses it."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panther_events import (
    EventManager,
    EventValidationError,
    ExperimentCompletedEvent,
    ExperimentExecutionStartedEvent,
    MetricCollectedEvent,
    PatternError,
    ResultCollector,
    RunNotFoundError,
    ServiceCreatedEvent,
    ServiceStartedEvent,
    StoreError,
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestSetupStartedEvent,
    TestStepStartedEvent,
)
from panther_events._outcomes import OUTCOMES
from panther_events.events.base import BaseEvent
from panther_events.serialization import event_to_dict
from panther_events.store import EventStore, export_run, import_events
from panther_events.store.base import StoredEvent, WireRejectedError


class _CollidingId(str):
    """An id whose hash is 0 whatever its text: every two of them collide on hash()."""

    __slots__ = ()

    def __hash__(self) -> int:
        return 0


#: One example database serves both backends: the data, not the store, varies.
SHARED_EXAMPLES = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def at(seconds: float, event: BaseEvent) -> BaseEvent:
    """Give ``event`` the timestamp T0 + seconds (ids do not depend on timestamps)."""
    event.timestamp = T0 + timedelta(seconds=seconds)
    return event


def sample_run() -> list[BaseEvent]:
    """A small experiment: one passing and one failing test, a service and a metric."""
    return [
        at(0, ExperimentExecutionStartedEvent(experiment_id="exp-1", test_count=2)),
        at(1, TestCreatedEvent(test_id="t1", test_name="handshake")),
        at(2, TestSetupStartedEvent(test_id="t1")),
        at(3, ServiceCreatedEvent("svc-a", "quic-server", "server", "picoquic")),
        at(4, ServiceStartedEvent("svc-a", "quic-server", pid=42)),
        at(5, TestExecutionStartedEvent(test_id="t1")),
        at(6, TestStepStartedEvent(test_id="t1", step_name="connect")),
        at(7, MetricCollectedEvent("rtt_ms", "gauge", 12.5, labels={"peer": "b"})),
        at(8, TestCompletedEvent(test_id="t1", test_name="handshake")),
        at(9, TestCreatedEvent(test_id="t2", test_name="migration")),
        at(10, TestFailedEvent(test_id="t2", test_name="migration", error_message="timeout")),
        at(11, ExperimentCompletedEvent(experiment_id="exp-1")),
    ]


class StoreContract:
    """Behaviour every ``EventStore`` implementation must show; subclasses provide ``store``."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:  # pragma: no cover - overridden
        raise NotImplementedError

    def reopen(self, store: EventStore) -> EventStore:
        """Return a store over the same data (a new connection where the backend has one)."""
        return store

    def test_satisfies_protocol(self, store: EventStore) -> None:
        """The store is an ``EventStore`` by the runtime-checkable protocol."""
        assert isinstance(store, EventStore)

    def test_round_trip_keeps_every_field(self, store: EventStore) -> None:
        """A stored event comes back with its id, type, entity, timestamp and data."""
        event = at(1, MetricCollectedEvent("rtt_ms", "gauge", 12.5, labels={"peer": "b"}))
        store.append(event, run_id="r1")
        (got,) = store.events("r1")
        assert isinstance(got, StoredEvent)
        assert (got.run_id, got.seq, got.id, got.type) == ("r1", 1, event.id, "metrics.collected")
        assert (got.entity_type, got.entity_id, got.name) == ("metrics", "rtt_ms", "collected")
        assert got.timestamp == event.timestamp
        assert got.data == event.to_dict()["data"]
        rebuilt = got.to_event()
        assert type(rebuilt) is MetricCollectedEvent
        assert rebuilt.to_dict() == event.to_dict()

    @settings(parent=SHARED_EXAMPLES, max_examples=60)
    @given(
        moment=st.datetimes(
            min_value=datetime(1971, 1, 1),
            max_value=datetime(2200, 1, 1),
            timezones=st.one_of(
                st.none(),
                st.just(UTC),
                st.integers(min_value=-23 * 60, max_value=23 * 60).map(
                    lambda minutes: timezone(timedelta(minutes=minutes))
                ),
            ),
        )
    )
    def test_any_timestamp_comes_back_exactly(self, store: EventStore, moment: datetime) -> None:
        """Stored timestamps equal the published ones to the microsecond and keep a non-UTC
        offset; a naive datetime is read as UTC."""
        event = TestCreatedEvent(test_id="t", test_name=f"n-{moment.isoformat()}")
        event.timestamp = moment
        run = f"ts-{event.id}"
        store.append(event, run_id=run)
        (got,) = store.events(run)
        expected = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        assert got.timestamp == expected
        assert got.timestamp.isoformat() == expected.isoformat()

    def test_creation_time_is_stored_exactly(self, store: EventStore) -> None:
        """An event whose timestamp was never set comes back with the one it reports."""
        event = TestCreatedEvent(test_id="t", test_name="now")
        store.append(event, run_id="r1")
        (got,) = store.events("r1")
        assert got.timestamp == event.timestamp
        assert got.timestamp.tzinfo is UTC

    def test_plain_object_names_are_kept_as_published(self, store: EventStore) -> None:
        """A plain event object whose type is not ``<entity>.<name>`` keeps its own name and
        entity type."""

        @dataclass
        class PacketLostEvent:
            entity_id: str
            count: int

        @dataclass
        class Probe:
            entity_id: str
            event_type: str = "test.probe.sent"

        events: list[object] = [PacketLostEvent("link-1", 3), Probe("p")]
        store.append_many(events, run_id="plain")
        got = store.events("plain")
        for stored, event in zip(got, events, strict=True):
            wire = event_to_dict(event)
            assert (stored.type, stored.name, stored.entity_type, stored.entity_id) == (
                wire["type"],
                wire["name"],
                wire["entity_type"],
                wire["entity_id"],
            )
        assert [e.name for e in got] == ["packet_lost", "probe.sent"]

    def test_append_wire_stores_what_append_many_stores(self, store: EventStore) -> None:
        """Wire forms (as a collector receives them, JSON-decoded) are stored exactly as the
        events they describe, ids deduplicated across both ways in."""
        events = sample_run()
        store.append_many(events, run_id="objects")
        wires = [json.loads(json.dumps(event_to_dict(e))) for e in events]
        store.append_wire(wires, run_id="wires")
        store.append_wire(wires[:3], run_id="objects")

        def fields(e: StoredEvent) -> tuple[object, ...]:
            return (e.seq, e.id, e.type, e.name, e.entity_type, e.entity_id, e.timestamp, e.data)

        assert [fields(e) for e in store.events("wires")] == [
            fields(e) for e in store.events("objects")
        ]

    def test_wire_names_that_do_not_split_the_type_are_kept(self, store: EventStore) -> None:
        """A wire form whose name and entity type are not the halves of its type (another
        producer's) keeps both as sent, down to a single character."""
        base = event_to_dict(sample_run()[0])
        wires = [
            {**base, "id": "w1", "type": "foo", "name": "x", "entity_type": "system"},
            {**base, "id": "w2", "type": "a.b.c", "name": "c", "entity_type": "a.b"},
            {**base, "id": "w3", "type": "test.created", "name": "created", "entity_type": "t"},
        ]
        store.append_wire(wires, run_id="names")
        got = [(e.type, e.name, e.entity_type) for e in store.events("names")]
        assert got == [(w["type"], w["name"], w["entity_type"]) for w in wires]

    def test_the_last_instant_before_datetime_max_is_stored(self, store: EventStore) -> None:
        """A timestamp whose seconds cannot be turned back into a datetime keeps its text."""
        event = TestCreatedEvent(test_id="t", test_name="end of time")
        event.timestamp = datetime.max.replace(tzinfo=UTC)
        store.append(event, run_id="max")
        (got,) = store.events("max")
        assert got.timestamp == event.timestamp

    def test_poison_wire_forms_are_rejected_one_by_one(self, store: EventStore) -> None:
        """Wire forms that cannot be stored (a key missing, data nested 600 deep holding a
        NaN, an integer of 5,000 digits, an id of 5,000 digits) are each reported by index and
        id in one WireRejectedError; the good events of the same call are stored."""
        good = [event_to_dict(e) for e in sample_run()[:3]]
        deep: object = float("nan")
        for _ in range(600):
            deep = {"k": deep}
        missing = {k: v for k, v in good[0].items() if k != "timestamp"}
        poison = [
            {**missing, "id": "missing"},
            {**good[0], "id": "deep", "data": {"v": deep}},
            {**good[0], "id": "huge", "data": {"n": 10**5000}},
            {**good[0], "id": 10**5000},
        ]
        with pytest.raises(WireRejectedError) as caught:
            store.append_wire([good[0], *poison[:2], good[1], *poison[2:], good[2]], run_id="w")
        rejects = caught.value.rejects
        assert [(r.index, r.event_id) for r in rejects] == [
            (1, "missing"),
            (2, "deep"),
            (4, "huge"),
            (5, None),
        ]
        assert "timestamp" in rejects[0].reason
        assert "nested too deeply" in rejects[1].reason
        assert "digits" in rejects[2].reason and "digits" in rejects[3].reason
        assert caught.value.accepted == 3
        assert isinstance(caught.value, EventValidationError)
        assert [e.id for e in store.events("w")] == [w["id"] for w in good]

    def test_distinct_ids_with_colliding_hashes_are_both_stored(self, store: EventStore) -> None:
        """Dedup compares whole ids: two different ids forced to share a hash (a str subclass
        hashing every value to 0) are both stored, and each is still stored once."""
        first, second = TestCreatedEvent("a", "x"), TestCreatedEvent("b", "x")
        first.id, second.id = _CollidingId("id-a"), _CollidingId("id-b")
        store.append_many([first, second], run_id="c")
        store.append(first, run_id="c")
        store.flush()
        store.append_many([second, first], run_id="c")
        wire = {**event_to_dict(first), "id": _CollidingId("id-w")}
        store.append_wire([wire, {**wire, "id": _CollidingId("id-a")}], run_id="c")
        assert [e.id for e in store.events("c")] == ["id-a", "id-b", "id-w"]

    def test_seq_counts_from_one_per_run(self, store: EventStore) -> None:
        """Sequence numbers are 1..n within each run, in append order."""
        store.append_many(sample_run()[:3], run_id="a")
        store.append_many(sample_run()[:2], run_id="b")
        store.append(sample_run()[5], run_id="a")
        assert [e.seq for e in store.events("a")] == [1, 2, 3, 4]
        assert [e.seq for e in store.events("b")] == [1, 2]

    def test_reappending_a_stored_id_is_a_no_op(self, store: EventStore) -> None:
        """Appending the same events again changes nothing and leaves no seq gap."""
        events = sample_run()
        store.append_many(events, run_id="r1")
        store.append_many(events, run_id="r1")
        store.append(events[0], run_id="r1")
        store.append_many([events[3], events[3]], run_id="r1")
        store.flush()
        stored = store.events("r1")
        assert [e.id for e in stored] == [e.id for e in events]
        assert [e.seq for e in stored] == list(range(1, len(events) + 1))
        assert store.runs()[0].event_count == len(events)

    def test_duplicates_inside_one_batch_are_stored_once(self, store: EventStore) -> None:
        """A batch repeating an id stores it once, and later events keep a gapless seq."""
        events = sample_run()
        store.append_many([events[0], events[1], events[0], events[2]], run_id="r1")
        store.append(events[3], run_id="r1")
        stored = store.events("r1")
        assert [e.id for e in stored] == [e.id for e in events[:4]]
        assert [e.seq for e in stored] == [1, 2, 3, 4]

    def test_same_id_in_two_runs_is_stored_twice(self, store: EventStore) -> None:
        """Deduplication is per run: another run may hold the same event."""
        event = sample_run()[1]
        store.append(event, run_id="a")
        store.append(event, run_id="b")
        assert len(store.events("a")) == len(store.events("b")) == 1

    def test_runs_summarise_status_counts_and_times(self, store: EventStore) -> None:
        """runs() gives status, event count, first/last time, experiment id, test outcomes."""
        store.append_many(sample_run(), run_id="done")
        store.append_many(sample_run()[:3], run_id="open")
        infos = {info.run_id: info for info in store.runs()}
        done = infos["done"]
        assert done.status == "completed"
        assert done.event_count == 12
        assert done.first_time == T0
        assert done.last_time == T0 + timedelta(seconds=11)
        assert done.duration_seconds == 11
        assert done.experiment_id == "exp-1"
        assert (done.tests_passed, done.tests_failed) == (1, 1)
        assert infos["open"].status == "running"
        assert json.loads(json.dumps(done.to_dict()))["status"] == "completed"

    def test_runs_count_each_test_once_by_the_rule_show_uses(self, store: EventStore) -> None:
        """runs() counts outcomes as ResultCollector (``show``, JUnit) does: a skip is not a
        pass, an error (a failure in an error phase) is not a failure, and a test run again
        counts once, by its last verdict."""
        t = "exp-1/"
        verdicts: list[BaseEvent] = [
            TestCompletedEvent(f"{t}ok", "ok"),
            TestCompletedEvent(f"{t}skip", "skip", summary={"outcome": "skipped"}),
            TestCompletedEvent(f"{t}xf", "xf", summary={"outcome": "xfailed"}),
            TestCompletedEvent(f"{t}odd", "odd", summary="not a mapping"),
            TestFailedEvent(f"{t}bad", "bad", "assert 1 == 2", "AssertionError", "steps"),
            TestFailedEvent(f"{t}setup", "setup", "fixture broke", "Error", "setup"),
            TestFailedEvent(f"{t}flaky", "flaky", "first try", "AssertionError", "steps"),
            TestCompletedEvent(f"{t}flaky", "flaky", summary={"outcome": "passed"}),
            TestCompletedEvent(f"{t}again", "again", summary={"outcome": "rerun"}),
            TestFailedEvent(f"{t}again", "again", "still broken", "AssertionError", "steps"),
        ]
        events = [at(i, e) for i, e in enumerate(verdicts)]
        store.append_many(events, run_id="mixed")
        (info,) = store.runs()
        collector = ResultCollector()
        for event in events:
            collector.on_event(event)
        summary = collector.summary()
        expected = {o: summary[o] for o in OUTCOMES if summary[o]}
        assert (
            info.outcomes
            == expected
            == {
                "passed": 3,
                "failed": 2,
                "error": 1,
                "skipped": 1,
                "xfailed": 1,
            }
        )
        assert (info.tests_passed, info.tests_failed) == (5, 3)
        assert json.loads(json.dumps(info.to_dict()))["outcomes"] == expected

    def test_runs_are_ordered_by_start(self, store: EventStore) -> None:
        """The earliest-started run comes first whatever the append order."""
        late = [at(100, TestCreatedEvent(test_id="x", test_name="x"))]
        store.append_many(late, run_id="zz-late")
        store.append_many(sample_run(), run_id="aa-early")
        assert [r.run_id for r in store.runs()] == ["aa-early", "zz-late"]

    def test_filter_by_type_pattern_uses_subscription_language(self, store: EventStore) -> None:
        """Type patterns select as subscriptions do: exact, domain, globs, guide aliases."""
        store.append_many(sample_run(), run_id="r1")

        def types(pattern: str) -> list[str]:
            return [e.type for e in store.events("r1", type_pattern=pattern)]

        assert types("test.created") == ["test.created", "test.created"]
        assert types("service") == ["service.created", "service.started"]
        assert types("test.*_started") == [
            "test.setup_started",
            "test.execution_started",
            "test.step_started",
        ]
        assert types("*.completed") == ["test.completed", "experiment.completed"]
        assert types("test_case.finished") == ["test.completed", "test.failed"]
        assert types("nothing.here") == []
        assert len(types("*")) == 12

    def test_bad_pattern_raises_pattern_error(self, store: EventStore) -> None:
        """A malformed pattern is a PatternError, not an empty result."""
        store.append_many(sample_run(), run_id="r1")
        with pytest.raises(PatternError):
            store.events("r1", type_pattern="test..x")

    def test_filter_by_entity_time_limit_and_order(self, store: EventStore) -> None:
        """Entity, half-open time range, limit and descending order combine."""
        store.append_many(sample_run(), run_id="r1")
        assert [e.type for e in store.events("r1", entity_id="svc-a")] == [
            "service.created",
            "service.started",
        ]
        since, until = T0 + timedelta(seconds=2), T0 + timedelta(seconds=5)
        window = store.events("r1", since=since, until=until)
        assert [e.seq for e in window] == [3, 4, 5]
        assert [e.seq for e in store.events("r1", limit=2, order="desc")] == [12, 11]
        assert [e.seq for e in store.events("r1", type_pattern="test", limit=2)] == [2, 3]
        naive = (T0 + timedelta(seconds=10)).replace(tzinfo=None)
        assert [e.seq for e in store.events("r1", since=naive)] == [11, 12]

    def test_iter_events_pages_through_a_run(self, store: EventStore) -> None:
        """iter_events yields what events() returns, whatever the page size."""
        store.append_many(sample_run(), run_id="r1")
        iter_events = store.iter_events
        for page_size in (1, 5, 12, 1000):
            assert list(iter_events("r1", page_size=page_size)) == store.events("r1")
        assert list(iter_events("r1", type_pattern="test", page_size=2)) == store.events(
            "r1", type_pattern="test"
        )
        since = T0 + timedelta(seconds=2)
        assert list(iter_events("r1", entity_id="svc-a", since=since, page_size=1)) == (
            store.events("r1", entity_id="svc-a", since=since)
        )

    def test_iter_events_refuses_a_page_size_below_one(self, store: EventStore) -> None:
        """A page of no events would never end the iteration: it is refused at once."""
        store.append_many(sample_run(), run_id="r1")
        for page_size in (0, -1):
            with pytest.raises(
                ValueError, match=f"page_size must be a positive integer, got {page_size}"
            ):
                next(store.iter_events("r1", page_size=page_size))

    def test_unknown_run_has_no_events(self, store: EventStore) -> None:
        """Querying a run that does not exist gives nothing rather than an error."""
        assert store.events("nope") == []
        assert store.state_intervals("nope") == []

    def test_bad_limit_or_order_is_refused(self, store: EventStore) -> None:
        """limit must be non-negative and order 'asc' or 'desc'."""
        with pytest.raises(ValueError, match="limit"):
            store.events("r1", limit=-1)
        with pytest.raises(ValueError, match="order"):
            store.events("r1", order="up")  # type: ignore[arg-type]

    def test_resolve_run_by_prefix_latest_and_errors(self, store: EventStore) -> None:
        """A unique prefix or 'latest' names a run; others raise RunNotFoundError."""
        with pytest.raises(RunNotFoundError, match="no runs"):
            store.resolve_run("latest")
        store.append_many(sample_run(), run_id="20260102T030405Z-aaaaaa")
        store.append(at(50, TestCreatedEvent("t", "t")), run_id="20260102T030455Z-bbbbbb")
        store.append(at(60, TestCreatedEvent("u", "u")), run_id="20260102T030505Z-cccccc")
        assert store.resolve_run("latest") == "20260102T030505Z-cccccc"
        assert store.resolve_run("20260102T030455") == "20260102T030455Z-bbbbbb"
        assert store.resolve_run("20260102T030405Z-aaaaaa") == "20260102T030405Z-aaaaaa"
        with pytest.raises(RunNotFoundError, match="ambiguous"):
            store.resolve_run("20260102T0304")
        with pytest.raises(RunNotFoundError, match="no run matches 'zzz'"):
            store.resolve_run("zzz")

    def test_events_after_follows_every_run_in_storage_order(self, store: EventStore) -> None:
        """events_after(position) returns what was stored later, across runs."""
        store.append_many(sample_run()[:2], run_id="a")
        first = store.events_after(0)
        assert len(first) == 2
        store.append(sample_run()[5], run_id="b")
        later = store.events_after(first[-1].position)
        assert [(e.run_id, e.type) for e in later] == [("b", "test.execution_started")]
        assert store.events_after(later[-1].position) == []
        assert len(store.events_after(0, limit=1)) == 1

    def test_state_intervals_follow_each_entity(self, store: EventStore) -> None:
        """Each entity's states come out as consecutive intervals; the last one is open."""
        store.append_many(sample_run(), run_id="r1")
        intervals = store.state_intervals("r1")
        t1 = [i for i in intervals if i.entity_id == "t1"]
        assert [i.state for i in t1] == ["created", "setting_up", "executing", "completed"]
        assert t1[0].start == T0 + timedelta(seconds=1)
        assert t1[0].end == t1[1].start == T0 + timedelta(seconds=2)
        assert t1[-1].end is None
        assert all(i.kind == "test" for i in t1)
        svc = [i.state for i in intervals if i.entity_id == "svc-a"]
        assert svc[0] == "created"
        assert t1[0].duration_seconds == 1
        assert json.loads(json.dumps(t1[0].to_dict()))["state"] == "created"

    def test_replay_republishes_with_original_ids_and_timestamps(self, store: EventStore) -> None:
        """replay() feeds a manager the run's events, rebuilt as their classes, in order."""
        events = sample_run()
        store.append_many(events, run_id="r1")
        manager = EventManager()
        seen: list[BaseEvent] = []
        manager.register_observer("*", seen.append)
        try:
            assert store.replay("r1", manager) == len(events)
        finally:
            manager.close()
        assert [(e.id, e.timestamp, type(e)) for e in seen] == [
            (e.id, e.timestamp, type(e)) for e in events
        ]

    def test_jsonl_export_import_round_trip(self, store: EventStore) -> None:
        """Exporting a run as JSON Lines and importing it restores the same events."""
        store.append_many(sample_run(), run_id="r1")
        out = io.StringIO()
        assert export_run(store, "r1", out, format="jsonl") == 12
        lines = out.getvalue().splitlines()
        assert json.loads(lines[0])["run_id"] == "r1"
        result = import_events(store, out.getvalue(), run_id="copy")
        assert (result.records, result.added, result.runs) == (12, 12, {"copy": 12})
        assert [e.to_dict() for e in store.events("copy")] == [
            e.to_dict() for e in store.events("r1")
        ]
        again = import_events(store, out.getvalue())
        assert (again.records, again.added) == (12, 0)

    def test_cloudevents_export_import_round_trip(self, store: EventStore) -> None:
        """CloudEvents export is a JSON array of 1.0 events that imports back exactly."""
        store.append_many(sample_run(), run_id="r1")
        out = io.StringIO()
        export_run(store, "r1", out, format="cloudevents")
        batch = json.loads(out.getvalue())
        assert batch[0]["specversion"] == "1.0"
        assert batch[0]["source"] == "/panther-events/runs/r1"
        assert batch[0]["type"] == "experiment.execution_started"
        assert batch[0]["subject"] == "exp-1"
        import_events(store, out.getvalue(), run_id="copy")
        assert [e.to_dict() for e in store.events("copy")] == [
            e.to_dict() for e in store.events("r1")
        ]

    def test_import_of_one_pretty_printed_cloudevent(self, store: EventStore) -> None:
        """A single CloudEvent, pretty-printed over several lines, imports as one event."""
        store.append(sample_run()[1], run_id="r1")
        out = io.StringIO()
        export_run(store, "r1", out, format="cloudevents")
        single = json.dumps(json.loads(out.getvalue())[0], indent=2)
        result = import_events(store, single, run_id="copy")
        assert (result.records, result.added) == (1, 1)
        assert store.events("copy")[0].id == store.events("r1")[0].id

    def test_malformed_import_stores_nothing(self, store: EventStore) -> None:
        """A bad record anywhere rejects the whole input, naming the line."""
        store.append_many(sample_run()[:2], run_id="r1")
        out = io.StringIO()
        export_run(store, "r1", out)
        text = out.getvalue() + '{"id": "x"}\n'
        with pytest.raises(ValueError, match=r"line 3.*missing"):
            import_events(store, text, run_id="other")
        with pytest.raises(ValueError, match="line 1: not valid JSON"):
            import_events(store, "{nope\n", run_id="other")
        assert store.events("other") == []

    def test_poison_import_is_one_clear_error(self, store: EventStore) -> None:
        """Records nested 600 deep holding a NaN, an integer of 5,000 digits or JSON nested
        100,000 deep each give one EventValidationError naming the line; nothing is stored."""
        good = json.dumps({"run_id": "a", **event_to_dict(sample_run()[0])})
        record = {"run_id": "b", **event_to_dict(sample_run()[1])}
        deep = "NaN"
        for _ in range(600):
            deep = '{"k":' + deep + "}"
        poison = [
            (json.dumps(record)[:-1] + ', "data": ' + deep + "}", "nested too deeply"),
            (json.dumps(record)[:-1] + ', "data": {"n": ' + "9" * 5000 + "}}", "digits"),
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ]
        for line, reason in poison:
            with pytest.raises(EventValidationError, match=rf"line 2: .*{reason}"):
                import_events(store, good + "\n" + line + "\n")
        assert store.runs() == []

    def test_concurrent_appends_keep_every_event_once(self, store: EventStore) -> None:
        """Appends from several threads lose nothing and number the run without gaps."""

        def work(k: int) -> None:
            for i in range(50):
                store.append(TestCreatedEvent(test_id=f"t{k}-{i}", test_name="x"), run_id="r")

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        store.flush()
        stored = store.events("r")
        assert len({e.id for e in stored}) == 200
        assert [e.seq for e in stored] == list(range(1, 201))

    def test_closed_store_refuses_appends(self, store: EventStore) -> None:
        """After close() an append raises StoreError; closing again is harmless."""
        store.close()
        store.close()
        with pytest.raises(StoreError, match="closed"):
            store.append(sample_run()[0], run_id="r1")

    @settings(parent=SHARED_EXAMPLES, max_examples=25)
    @given(
        data=st.dictionaries(
            st.text(min_size=1, max_size=8),
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(min_value=-(2**53), max_value=2**53),
                st.floats(allow_nan=False, allow_infinity=False),
                st.text(max_size=20),
                st.lists(st.integers(), max_size=3),
            ),
            max_size=5,
        )
    )
    def test_any_json_data_round_trips(self, store: EventStore, data: dict[str, object]) -> None:
        """Whatever JSON data an event holds comes back equal to its wire form."""
        event = TestCreatedEvent(test_id="t", test_name="n", config=data)
        run = f"h-{event.id}"
        store.append(event, run_id=run)
        (got,) = store.events(run)
        assert got.data == event.to_dict()["data"]
