"""Promises a library user meets first: wrong arguments give one clear error, and leave no trace."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import pydoc
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mypy import api

from panther_events import (
    EmitterRegistry,
    EventManager,
    EventStoreObserver,
    EventValidationError,
    InMemoryEventStore,
    ManagerClosedError,
    MetricCollectedEvent,
    MetricsObserver,
    Observer,
    ProgressObserver,
    ServiceEventEmitter,
    ServiceState,
    ServiceStateManager,
    SQLiteEventStore,
    TestCompletedEvent,
    TestCreatedEvent,
    TestEventEmitter,
    event_to_dict,
)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"priority": "high"}, "priority"),
        ({"priority": 1.5}, "priority"),
        ({"background": True, "queue_size": "10"}, "queue_size"),
    ],
)
def test_wrong_registration_arguments_are_refused_and_register_nothing(
    kwargs: dict[str, Any], named: str
) -> None:
    manager = EventManager()
    seen: list[object] = []
    with pytest.raises(TypeError, match=rf"^{named} must be an int, got '?[\w.]+'?"):
        manager.register_observer("test.*", seen.append, **kwargs)
    # The manager is unharmed: nothing was registered, and the next registration works.
    manager.register_observer("test.*", seen.append)
    manager.publish(TestCreatedEvent(test_id="t1", test_name="n"))
    assert len(seen) == 1
    manager.close()


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"dedup_window": "10"}, "dedup_window"),
        ({"max_depth": 2.5}, "max_depth"),
        ({"history_limit": None}, "history_limit"),
        ({"dedup_ttl": "5"}, "dedup_ttl"),
    ],
)
def test_wrong_manager_arguments_name_the_value(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(TypeError, match=rf"^{named} must be"):
        EventManager(**kwargs)


@pytest.mark.parametrize("method", ["flush", "close"])
def test_a_timeout_that_is_not_seconds_is_refused(method: str) -> None:
    manager = EventManager()
    with pytest.raises(TypeError, match=r"^timeout must be seconds \(a number\) or None, got '1'"):
        getattr(manager, method)("1")
    manager.close()


def test_a_misspelt_keyword_to_an_emit_method_names_it_and_the_parameter_meant() -> None:
    emitter = TestEventEmitter(EventManager(), "t1")
    with pytest.raises(TypeError) as refused:
        emitter.emit_test_created(tset_name="handshake")  # type: ignore[call-arg]
    message = str(refused.value)
    assert message.startswith("TestEventEmitter.emit_test_created(): ")
    assert "'tset_name'" in message
    assert "did you mean 'test_name'?" in message
    assert "takes test_name, description, config" in message


def test_a_misspelt_keyword_to_a_validated_emit_names_the_registry_method() -> None:
    registry = EmitterRegistry(EventManager())
    with pytest.raises(TypeError, match=r"did you mean 'service_name'\?") as refused:
        registry.emit_service_created_with_validation(  # type: ignore[call-arg]
            "srv", servce_name="quic-server"
        )
    assert str(refused.value).startswith("EmitterRegistry.emit_service_created_with_validation(): ")
    with pytest.raises(TypeError, match=r"^EmitterRegistry.emit_validated\(\): .*'bogus'"):
        registry.emit_validated(TestCreatedEvent, "t1", "n", bogus=1)  # type: ignore[call-arg]


def test_the_id_a_bound_emitter_supplies_is_named_when_given_again() -> None:
    emitter = TestEventEmitter(EventManager(), "t1")
    with pytest.raises(TypeError, match=r"test_id is this emitter's entity id \('t1'\)"):
        emitter.emit_test_created(test_id="t2", test_name="n")  # type: ignore[call-arg]


@pytest.mark.parametrize("call", ["emit", "emit_validated", "emit_with_validation"])
def test_an_event_type_string_where_a_class_or_event_is_expected_is_refused(call: str) -> None:
    manager = EventManager()
    target: Any = TestEventEmitter(manager, "t1") if call == "emit" else EmitterRegistry(manager)
    with pytest.raises(TypeError, match=rf"^\w+\.{call}\(\) takes .*got 'test.created'"):
        getattr(target, call)("test.created")


@pytest.mark.parametrize(
    ("config", "keys"),
    [
        ({1: "a", "1": "b"}, "1 and '1'"),
        ({"null": "a", None: "b"}, "'null' and None"),
        ({"nested": {True: 1, "true": 2}}, "True and 'true'"),
    ],
)
def test_two_keys_written_alike_in_json_are_refused_not_merged(
    config: dict[Any, Any], keys: str
) -> None:
    """Their wire form would hold one key twice and read back only the last value."""
    with pytest.raises(EventValidationError, match=rf"keys {keys} are both written"):
        TestCreatedEvent(test_id="t1", test_name="n", config=config)


class _Misspelt(Observer):
    def on_test_craeted(self, event: object) -> None:
        """Never called: no event type is spelt so."""


class _WellNamed(Observer):
    def on_test_created(self, event: object) -> None: ...
    def on_test_case_finished(self, event: object) -> None: ...  # a guide name
    def on_network_ready(self, event: object) -> None: ...  # a guide name
    def on_quic_packet_received(self, event: object) -> None: ...  # a type of the user's own
    def on_error(self, event: object) -> None: ...
    def on_close(self) -> None: ...


def test_an_observer_method_named_after_no_event_type_is_hinted_at(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="panther_events.manager"):
        EventManager().register_observer("test.*", _Misspelt())
    assert "_Misspelt.on_test_craeted" in caplog.text
    assert "did you mean 'on_test_created'?" in caplog.text


def test_methods_named_after_types_guide_names_or_far_from_ours_get_no_hint(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="panther_events.manager"):
        EventManager().register_observer("*", _WellNamed())
    assert caplog.text == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "yesterday"}, r"^since must be a datetime or None, got 'yesterday'"),
        ({"until": 1700000000}, r"^until must be a datetime or None, got 1700000000"),
        ({"limit": "5"}, r"^limit must be a non-negative integer or None, got '5'"),
    ],
)
@pytest.mark.parametrize("read", ["events", "iter_events"])
def test_a_store_query_with_a_wrong_argument_type_names_it(
    tmp_path: Path, kwargs: dict[str, Any], message: str, read: str
) -> None:
    if read == "iter_events" and "limit" in kwargs:
        return  # iter_events pages; it takes no limit
    with SQLiteEventStore(tmp_path / "e.db") as store:
        store.append(TestCreatedEvent(test_id="t1", test_name="n"), run_id="r1")
        with pytest.raises(TypeError, match=message):
            list(getattr(store, read)("r1", **kwargs))


def test_an_async_handler_scheduled_by_publish_on_a_running_loop_reports_its_failure() -> None:
    """The failure contract holds for the task ``publish`` schedules: logged, counted, reported."""

    async def scenario() -> tuple[list[str], int]:
        manager = EventManager()
        failures: list[str] = []

        async def broken(event: object) -> None:
            raise ValueError("async boom")

        manager.register_observer("test.*", broken)
        manager.register_observer(
            "system.observer_failed", lambda report: failures.append(report.error_message)
        )
        manager.publish(TestCreatedEvent(test_id="t1", test_name="n"))
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        assert pending  # scheduled, not run: a loop runs in this thread
        await asyncio.wait(pending)
        await asyncio.sleep(0)  # the tasks' done callbacks
        errors = manager.get_metrics()["errors"]
        manager.close()
        return failures, errors

    failures, errors = asyncio.run(scenario())
    assert failures == ["async boom"]
    assert errors == 1


def test_mypy_rejects_a_misspelt_top_level_name_and_types_the_version(tmp_path: Path) -> None:
    """The lazy loading (module ``__getattr__``) must not make every name valid to mypy."""
    source = tmp_path / "user.py"
    source.write_text(
        "import panther_events\n"
        "from panther_events import EmitterRegistry, TestCreatedEvnt\n"
        "from panther_events.states import state_for_event\n"
        "reveal_type(panther_events.__version__)\n"
        "reveal_type(EmitterRegistry)\n"
        "reveal_type(state_for_event)\n"
    )
    limit = sys.getrecursionlimit()
    try:
        out, err, _ = api.run(
            ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
        )
    finally:
        sys.setrecursionlimit(limit)  # mypy raises it for the whole process
    lines = out.splitlines()
    assert any(":2: error:" in line and '"TestCreatedEvnt"' in line for line in lines), out + err
    assert any(':4: note: Revealed type is "str"' in line for line in lines), out
    assert any(":5: note:" in line and "EmitterRegistry" in line for line in lines), out
    assert not any(":6: note:" in line and '"Any"' in line for line in lines), out
    assert sum(": error:" in line for line in lines) == 1, out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("test.created", r"got the str 'test\.created': build the event"),
        (b"test.created", r"got the bytes b'test\.created': build the event"),
        (None, r"got None: build the event"),
        (TestCreatedEvent, r"got the class TestCreatedEvent: call it to build the event"),
    ],
)
@pytest.mark.parametrize("method", ["publish", "publish_async"])
def test_publishing_a_type_string_a_class_or_none_is_refused(
    value: object, message: str, method: str
) -> None:
    """They are never events: a string would reach only '*' observers, typed 'str'."""
    manager = EventManager()
    seen: list[object] = []
    manager.register_observer("*", seen.append)

    def publish() -> None:
        if method == "publish":
            manager.publish(value)
        else:
            asyncio.run(manager.publish_async(value))

    with pytest.raises(TypeError, match=rf"^{method}\(\) takes an event object, {message}"):
        publish()
    assert seen == []
    assert manager.get_metrics()["processed"] == 0
    manager.close()


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ready", r"got 'ready'; use ServiceState\('ready'\)"),
        ("bogus", r"got 'bogus'; its states are pending, created, preparing,"),
    ],
)
@pytest.mark.parametrize("method", ["transition_to", "transition_or_raise", "can_transition_to"])
def test_a_target_that_is_not_a_state_is_refused_naming_the_enum(
    target: object, message: str, method: str
) -> None:
    """A string is a mistake, not a forbidden move: no silent False."""
    machine = ServiceStateManager("srv")
    machine.transition_or_raise(ServiceState.CREATED)
    with pytest.raises(
        TypeError, match=rf"^ServiceStateManager 'srv': a target must be a ServiceState, {message}"
    ):
        getattr(machine, method)(target)
    assert machine.current_state is ServiceState.CREATED


def test_a_background_observer_registered_after_close_is_refused_and_starts_no_thread() -> None:
    """Its worker would never be stopped, nor its close() called."""
    manager = EventManager()
    manager.close()
    before = threading.active_count()
    with pytest.raises(
        ManagerClosedError, match=r"cannot register .*: this EventManager is closed"
    ):
        manager.register_observer("*", print, background=True)
    assert threading.active_count() == before
    assert manager.get_metrics()["observers"] == 0


def test_a_test_name_with_a_line_break_cannot_forge_a_progress_line() -> None:
    """Event text is untrusted: a newline in a name is shown escaped, not obeyed."""
    out = io.StringIO()
    manager = EventManager()
    manager.register_observer(ProgressObserver(stream=out, live=False))
    manager.publish(TestCreatedEvent(test_id="t1", test_name="hs\n[2/2] PASS forged"))
    manager.publish(TestCompletedEvent(test_id="t1"))
    manager.close()
    lines = out.getvalue().splitlines()
    assert not any(line.startswith("[2/2]") for line in lines), lines
    assert any(r"PASS hs\n[2/2] PASS forged" in line for line in lines), lines


def test_a_metric_sample_that_is_not_a_finite_number_is_counted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It cannot enter the aggregates, but it is not lost silently."""
    observer = MetricsObserver()
    manager = EventManager(dedup=False)
    manager.register_observer(observer)
    with caplog.at_level(logging.WARNING, logger="panther_events.observers.metrics"):
        for value in [1.0, float("nan"), "fast", None]:
            manager.publish(MetricCollectedEvent("latency", "gauge", value))  # type: ignore[arg-type]
    manager.close()
    assert observer.summary()["latency"][0]["count"] == 1
    assert observer.skipped == {"latency": 3}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings
    assert "'latency'" in warnings[0] and "nan" in warnings[0]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ServiceEventEmitter(None), r"^ServiceEventEmitter needs an EventManager"),
        (lambda: EmitterRegistry("x"), r"^EmitterRegistry needs an EventManager .*got 'x'"),
        (
            lambda: TestEventEmitter("t1", EventManager()),
            r"^TestEventEmitter needs an EventManager .*got 't1'",
        ),
    ],
)
def test_an_emitter_built_without_a_manager_is_refused_at_once(build: Any, message: str) -> None:
    """Not at its first emit, with "'NoneType' object has no attribute 'notify'"."""
    with pytest.raises(TypeError, match=message):
        build()


def test_a_bound_emitter_needs_a_string_entity_id() -> None:
    with pytest.raises(ValueError, match=r"^TestEventEmitter needs a non-empty entity_id, got 7"):
        TestEventEmitter(EventManager(), 7)  # type: ignore[arg-type]


def test_help_on_the_manager_states_the_dispatch_contract() -> None:
    """A user reads ``help(EventManager)``, not the module's source."""
    text = pydoc.render_doc(EventManager, renderer=pydoc.plaintext)
    for promise in ["never raises into", "Higher ``priority`` first", "ManagerClosedError"]:
        assert promise in text, promise
    publish = pydoc.render_doc(EventManager.publish, renderer=pydoc.plaintext)
    assert "help(EventManager)" in publish


@dataclasses.dataclass
class _CustomProtocolEvent:
    """The observer guide's plain event: a dataclass with its own timestamp."""

    protocol: str
    payload: dict[str, Any]
    timestamp: datetime


def test_two_observations_of_a_plain_event_at_different_times_are_both_stored() -> None:
    """Plain objects are never deduplicated: equal content seen twice is two events."""
    store = InMemoryEventStore()
    manager = EventManager()
    manager.register_observer(EventStoreObserver(store, run_id="r1"))
    first = _CustomProtocolEvent("quic", {"cid": "ab"}, datetime(2026, 1, 1, tzinfo=UTC))
    later = dataclasses.replace(first, timestamp=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    manager.publish(first)
    manager.publish(later)
    manager.close()
    assert [e.timestamp for e in store.events("r1")] == [first.timestamp, later.timestamp]
    # The same object written twice keeps one id, so a copy sent twice is still one event.
    assert event_to_dict(first)["id"] == event_to_dict(first)["id"]
