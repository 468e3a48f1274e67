"""EmitterRegistry through a real EventManager with a recording observer: every method."""

from __future__ import annotations

import gc
import logging
import threading
import weakref
from collections import deque
from collections.abc import Iterator

import pytest

from panther_events import (
    AssertionEventEmitter,
    EmitterRegistry,
    EnvironmentEventEmitter,
    EventManager,
    ExperimentEventEmitter,
    ExperimentState,
    ExperimentStateManager,
    ManagerClosedError,
    MetricsEventEmitter,
    PluginEventEmitter,
    PluginStateManager,
    ServiceEventEmitter,
    ServiceState,
    StateTrackingObserver,
    StepEventEmitter,
    TestEventEmitter,
    TestState,
)
from panther_events._naming import type_for_class
from panther_events.emitters._validated import ValidatedLifecycleEmits
from panther_events.emitters.base import id_parameter
from panther_events.events.base import registered_event_types
from panther_events.states import EVENT_TRANSITIONS, MACHINES, PHASE_EVENTS, check_event
from panther_events.testing import RecordingObserver

from ._samples import sample_kwargs

REGISTRY_LOGGER = "panther_events.registry"
EVENT_CLASSES = registered_event_types()

#: validated method name -> event type, for every generated lifecycle method.
VALIDATED = {
    f"emit_{type_for_class(EVENT_CLASSES[t])}_with_validation": t
    for t in [*EVENT_TRANSITIONS, *PHASE_EVENTS]
    if t != "test.completed"
}


@pytest.fixture
def setup() -> Iterator[tuple[EmitterRegistry, RecordingObserver, EventManager]]:
    """A registry on a real manager (no dedup) with a recording observer."""
    manager = EventManager(dedup=False)
    recorder = RecordingObserver()
    manager.register_observer(recorder)
    yield EmitterRegistry(manager), recorder, manager
    manager.close()


def call_validated(registry: EmitterRegistry, event_type: str, entity_id: str) -> bool:
    """Call the named validated method of ``event_type`` with sample arguments."""
    cls = EVENT_CLASSES[event_type]
    id_name = id_parameter(cls)
    assert id_name is not None
    method = getattr(registry, f"emit_{type_for_class(cls)}_with_validation")
    return bool(method(**sample_kwargs(cls, **{id_name: entity_id})))


def path_to_legal_state(event_type: str) -> list[str]:
    """The shortest list of transition events after which ``event_type`` is legal."""
    route = EVENT_TRANSITIONS.get(event_type) or PHASE_EVENTS[event_type]
    kind = route[0]
    machine_cls = MACHINES[kind]
    edges = [(t, v) for t, (k, v) in EVENT_TRANSITIONS.items() if k == kind]
    start = machine_cls.INITIAL_STATE
    todo: deque[tuple[object, list[str]]] = deque([(start, [])])
    seen = {start}
    while todo:
        state, path = todo.popleft()
        probe = machine_cls("probe", state)  # type: ignore[arg-type]
        check = check_event(event_type, probe)
        if check is not None and check.ok:
            return path
        for t, value in edges:
            target = type(start)(value)
            if target in machine_cls.TRANSITIONS[state] and target not in seen:
                seen.add(target)
                todo.append((target, [*path, t]))
    raise AssertionError(f"{event_type} is legal in no reachable state")


class TestEmitterRegistryBasics:
    """Attributes, emitters and state managers."""

    def test_spec_attributes(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Each domain emitter exists; state dictionaries start empty."""
        registry, _, manager = setup
        assert registry.event_manager is manager
        assert isinstance(registry.experiment_emitter, ExperimentEventEmitter)
        assert isinstance(registry.service_emitter, ServiceEventEmitter)
        assert isinstance(registry.environment_emitter, EnvironmentEventEmitter)
        assert isinstance(registry.step_emitter, StepEventEmitter)
        assert isinstance(registry.plugin_emitter, PluginEventEmitter)
        assert isinstance(registry.assertion_emitter, AssertionEventEmitter)
        assert isinstance(registry.metrics_emitter, MetricsEventEmitter)
        assert registry.test_emitters == {}
        assert registry.experiment_state is None
        assert isinstance(registry.plugin_state, PluginStateManager)
        assert registry.service_states == registry.test_states == {}
        assert registry.environment_states == {}

    def test_default_manager(self) -> None:
        """Without a manager the registry uses the process-wide one."""
        assert EmitterRegistry().event_manager is EventManager.get_instance()

    def test_get_emitter_by_type(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Every documented type string returns its emitter; "test" a per-test one."""
        registry, _, _ = setup
        assert registry.get_emitter("experiment") is registry.experiment_emitter
        assert registry.get_emitter("service") is registry.service_emitter
        assert registry.get_emitter("environment") is registry.environment_emitter
        assert registry.get_emitter("step") is registry.step_emitter
        assert registry.get_emitter("plugin") is registry.plugin_emitter
        assert registry.get_emitter("assertion") is registry.assertion_emitter
        assert registry.get_emitter("metrics") is registry.metrics_emitter
        default = registry.get_emitter("test")
        assert isinstance(default, TestEventEmitter)
        assert default.entity_id == "default_test"
        assert registry.get_emitter("test", test_name="t2") is registry.get_test_emitter("t2")

    def test_unknown_emitter_type_names_the_valid_ones(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """ValueError lists every valid type."""
        registry, _, _ = setup
        with pytest.raises(ValueError) as info:
            registry.get_emitter("robot")
        for name in ("experiment", "service", "environment", "step", "plugin", "assertion"):
            assert name in str(info.value)
        assert "'robot'" in str(info.value)

    def test_test_emitters_are_created_on_demand_and_cleaned(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """One emitter per test name, bound to it; cleanup removes it."""
        registry, recorder, _ = setup
        emitter = registry.get_test_emitter("t1")
        assert registry.get_test_emitter("t1") is emitter
        emitter.emit_test_created(test_name="handshake")
        assert recorder.events[0].test_id == "t1"
        registry.cleanup_test_emitter("t1")
        assert "t1" not in registry.test_emitters
        registry.cleanup_test_emitter("never-there")

    def test_one_state_manager_per_id(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """get_*_state returns the same machine for an id, a different one per id."""
        registry, _, _ = setup
        for getter in (
            registry.get_service_state,
            registry.get_test_state,
            registry.get_environment_state,
            registry.get_step_state,
            registry.get_assertion_state,
            registry.get_plugin_state,
            registry.get_experiment_state,
        ):
            a = getter("a")
            assert getter("a") is a
            assert getter("b") is not a
            assert a.entity_id == "a"

    def test_state_tables_are_views_of_one_table_per_kind(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """<kind>_states show the machines get_state makes; replacing one is refused."""
        registry, _, _ = setup
        for kind in MACHINES:
            machine = registry.get_state(kind, "x")
            assert getattr(registry, f"{kind}_states")["x"] is machine
        with pytest.raises(AttributeError, match="read-only"):
            registry.service_states = {}  # type: ignore[assignment]
        assert "x" in registry.service_states

    def test_experiment_state_per_id(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Each experiment id has its own machine; experiment_state is the latest asked for."""
        registry, _, _ = setup
        one = registry.get_experiment_state("exp-1")
        registry.emit_experiment_initialized_with_validation("exp-1")
        two = registry.get_experiment_state("exp-2")
        assert isinstance(one, ExperimentStateManager)
        assert one is not two
        assert registry.experiment_state is two
        assert one.current_state is ExperimentState.INITIALIZED
        assert two.current_state is ExperimentState.PENDING
        registry.cleanup_experiment_state("exp-2")
        assert registry.experiment_state is None
        assert list(registry.experiment_states) == ["exp-1"]

    def test_plugin_state_follows_the_latest_plugin(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """plugin_state is the default plugin's machine until another is asked for."""
        registry, _, _ = setup
        assert registry.plugin_state is registry.get_plugin_state()
        quic = registry.get_plugin_state("quic")
        assert registry.plugin_state is quic
        registry.cleanup_plugin_state("quic")
        assert registry.plugin_state is registry.plugin_states["default"]

    def test_get_state_by_kind(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """get_state reaches every kind and refuses unknown ones."""
        registry, _, _ = setup
        for kind in MACHINES:
            assert kind == registry.get_state(kind, "x").KIND
        with pytest.raises(ValueError, match="robot"):
            registry.get_state("robot", "x")

    def test_get_all_emitters_and_state_managers(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Inspection dictionaries name every emitter and machine."""
        registry, _, _ = setup
        registry.get_test_emitter("t1")
        registry.get_service_state("s1")
        emitters = registry.get_all_emitters()
        assert set(emitters) == {
            "experiment",
            "service",
            "environment",
            "step",
            "plugin",
            "assertion",
            "metrics",
            "test:t1",
        }
        managers = registry.get_all_state_managers()
        assert set(managers) == {"service:s1", "plugin:default"}
        assert "service" in repr(registry)


class TestSpecValidatedEmits:
    """The three *_with_validation methods the spec names."""

    def test_service_created_once(
        self,
        setup: tuple[EmitterRegistry, RecordingObserver, EventManager],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A second service.created is refused: nothing emitted, a warning logged."""
        registry, recorder, _ = setup
        assert registry.emit_service_created_with_validation("s1", "srv", "server", "quic")
        with caplog.at_level(logging.WARNING, REGISTRY_LOGGER):
            assert not registry.emit_service_created_with_validation("s1", "srv", "server", "q")
        assert recorder.types() == ["service.created"]
        assert registry.get_service_state("s1").current_state is ServiceState.CREATED
        (record,) = caplog.records
        assert record.name == REGISTRY_LOGGER
        assert "'s1'" in record.getMessage()
        assert registry.last_refusal == record.getMessage().removeprefix("refused: ")

    def test_test_completed_that_never_started_is_refused(
        self,
        setup: tuple[EmitterRegistry, RecordingObserver, EventManager],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Completing a test that never started emits nothing and returns False."""
        registry, recorder, _ = setup
        with caplog.at_level(logging.WARNING, REGISTRY_LOGGER):
            assert not registry.emit_test_completed_with_validation("t1", "t", success=True)
        assert recorder.events == []
        assert "to have started executing" in caplog.text
        assert "'pending'" in caplog.text
        assert registry.test_states == {}

    def test_refusals_about_unknown_entities_leave_nothing(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """A machine created only to refuse an event is dropped again."""
        registry, recorder, _ = setup
        assert not registry.emit_step_execution_completed_with_validation("st", "s")
        assert not registry.emit_service_ready_with_validation("srv", "s")
        assert not registry.emit_experiment_completed_with_validation("exp")
        assert not registry.emit_plugin_started_with_validation("p", "p", "t")
        assert recorder.events == []
        assert set(registry.get_all_state_managers()) == {"plugin:default"}
        assert registry.experiment_state is None

    def test_refusal_keeps_the_current_experiment(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """A refused event about another experiment does not change experiment_state."""
        registry, _, _ = setup
        assert registry.emit_experiment_initialized_with_validation("exp")
        current = registry.experiment_state
        assert current is not None
        assert not registry.emit_experiment_completed_with_validation("other")
        assert registry.experiment_state is current
        assert registry.emit_plugin_loading_started_with_validation("p1", "p", "t")
        assert registry.plugin_state is registry.plugin_states["p1"]

    def test_started_then_completed(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """started creates and starts the test; completed ends execution with a verdict."""
        registry, recorder, _ = setup
        assert registry.emit_test_started_with_validation("t1", "handshake", "desc", 2.5)
        assert not registry.emit_test_started_with_validation("t1", "handshake")
        assert registry.emit_test_completed_with_validation("t1", "handshake", True, 1.0, {"a": 1})
        assert not registry.emit_test_completed_with_validation("t1", "handshake", True)
        assert recorder.types() == [
            "test.created",
            "test.execution_started",
            "test.execution_completed",
            "test.completed",
        ]
        created, started, executed, completed = recorder.events
        assert (created.test_name, created.description) == ("handshake", "desc")
        assert started.expected_duration == 2.5
        assert executed.duration_seconds == 1.0
        assert (completed.total_duration_seconds, completed.summary) == (1.0, {"a": 1})
        assert registry.get_test_state("t1").current_state is TestState.COMPLETED

    def test_started_after_setup_does_not_create_again(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """A test created and set up earlier only gets test.execution_started."""
        registry, recorder, _ = setup
        assert registry.emit_test_created_with_validation("t1", "handshake")
        assert registry.emit_test_setup_started_with_validation("t1")
        assert registry.emit_test_setup_completed_with_validation("t1")
        recorder.clear()
        assert registry.emit_test_started_with_validation("t1", "handshake")
        assert recorder.types() == ["test.execution_started"]

    def test_completed_with_failure(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """success=False gives test.failed carrying the results' error message."""
        registry, recorder, _ = setup
        registry.emit_test_started_with_validation("t1", "handshake")
        assert registry.emit_test_completed_with_validation(
            "t1", "handshake", False, results={"error_message": "timeout"}
        )
        failed = recorder.events[-1]
        assert failed.get_type() == "test.failed"
        assert failed.error_message == "timeout"

    def test_completed_after_teardown(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """After execution and teardown only the verdict is emitted."""
        registry, recorder, _ = setup
        registry.emit_test_started_with_validation("t1", "handshake")
        registry.emit_test_execution_completed_with_validation("t1")
        registry.emit_test_teardown_started_with_validation("t1")
        registry.emit_test_teardown_completed_with_validation("t1")
        recorder.clear()
        assert registry.emit_test_completed_with_validation("t1", "handshake", True)
        assert recorder.types() == ["test.completed"]

    def test_sequence_is_all_or_nothing(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """While validating assertions a success verdict is refused as a whole."""
        registry, recorder, _ = setup
        registry.emit_test_started_with_validation("t1", "handshake")
        registry.emit_test_assertions_started_with_validation("t1")
        recorder.clear()
        machine = registry.get_test_state("t1")
        history = machine.get_state_history()
        assert not registry.emit_test_completed_with_validation("t1", "handshake", True)
        assert recorder.events == []
        assert machine.current_state is TestState.VALIDATING
        assert machine.get_state_history() == history


class TestLifecycleValidatedEmits:
    """A validated emit for every lifecycle event of every kind."""

    def test_every_lifecycle_event_has_a_method(self) -> None:
        """The generated methods cover every transition and phase event."""
        names = {n for n in dir(ValidatedLifecycleEmits) if n.endswith("_with_validation")}
        names.discard("emit_with_validation")
        assert names == set(VALIDATED)
        assert hasattr(EmitterRegistry, "emit_test_completed_with_validation")

    @pytest.mark.parametrize("method", sorted(VALIDATED))
    def test_method_emits_when_legal(
        self, method: str, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """After a legal path the method emits its class, moves the machine, returns True."""
        registry, recorder, _ = setup
        event_type = VALIDATED[method]
        for step in path_to_legal_state(event_type):
            assert call_validated(registry, step, "e1"), step
        recorder.clear()
        assert call_validated(registry, event_type, "e1")
        (event,) = recorder.events
        assert type(event) is EVENT_CLASSES[event_type]
        move = EVENT_TRANSITIONS.get(event_type)
        kind = move[0] if move else PHASE_EVENTS[event_type][0]
        machine = registry.get_state(kind, "e1")
        if move is not None:
            assert machine.current_state.value == move[1]
            assert machine.get_state_history()[-1].trigger == event_type

    @pytest.mark.parametrize("method", sorted(VALIDATED))
    def test_method_refuses_when_forbidden(
        self,
        method: str,
        setup: tuple[EmitterRegistry, RecordingObserver, EventManager],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """In a terminal state (or a state outside the phase) nothing is emitted."""
        registry, recorder, _ = setup
        event_type = VALIDATED[method]
        kind = (EVENT_TRANSITIONS.get(event_type) or PHASE_EVENTS[event_type])[0]
        machine = registry.get_state(kind, "e1")
        forbidden = [
            s
            for s in type(machine.INITIAL_STATE)
            if not check_event(event_type, MACHINES[kind]("p", s)).ok  # type: ignore[union-attr]
        ]
        assert forbidden, event_type
        machine.reset_to_initial_state(forbidden[0])
        with caplog.at_level(logging.WARNING, REGISTRY_LOGGER):
            assert not call_validated(registry, event_type, "e1")
        assert recorder.events == []
        assert machine.current_state is forbidden[0]
        assert event_type in caplog.text

    def test_stateless_events_always_pass(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Metrics and detail events concern no machine and are emitted as they are."""
        registry, recorder, _ = setup
        event = EVENT_CLASSES["metrics.counter"](**sample_kwargs(EVENT_CLASSES["metrics.counter"]))
        assert registry.can_emit(event)
        assert registry.emit_with_validation(event)
        assert recorder.events == [event]

    def test_can_emit_changes_nothing(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """can_emit answers without moving or emitting."""
        registry, recorder, _ = setup
        created = EVENT_CLASSES["service.created"](
            **sample_kwargs(EVENT_CLASSES["service.created"], service_id="s1")
        )
        assert registry.can_emit(created)
        assert registry.service_states == {}
        assert recorder.events == []
        registry.emit_with_validation(created)
        assert not registry.can_emit(created)
        assert registry.get_service_state("s1").current_state is ServiceState.CREATED

    def test_closed_manager_undoes_the_move(self) -> None:
        """When publishing raises, the machine goes back to where it was."""
        manager = EventManager()
        registry = EmitterRegistry(manager)
        manager.close()
        with pytest.raises(ManagerClosedError):
            registry.emit_service_created_with_validation("s1", "n", "t", "i")
        machine = registry.get_service_state("s1")
        assert machine.current_state is ServiceState.PENDING
        assert machine.get_state_history() == []


class TestWholeExperimentThroughTheRegistry:
    """A framework can drive an experiment with the registry alone."""

    def test_experiment_with_tests_services_environment_steps_and_assertions(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Every call succeeds, a tracking observer sees no violation and agrees on states."""
        registry, recorder, manager = setup
        tracker = StateTrackingObserver()
        manager.register_observer(tracker)
        r = registry
        ok = [
            r.emit_experiment_initialized_with_validation("exp"),
            r.emit_plugin_loading_started_with_validation("quic", "quic", "protocol"),
            r.emit_experiment_plugin_loading_started_with_validation("exp", plugin_count=1),
            r.emit_plugin_loading_completed_with_validation("quic", "quic", "protocol"),
            r.emit_experiment_plugin_loading_completed_with_validation("exp", ["quic"], 1),
            r.emit_plugin_initialized_with_validation("quic", "quic", "protocol"),
            r.emit_experiment_test_cases_initialized_with_validation("exp", 1, ["t1"]),
            r.emit_experiment_execution_started_with_validation("exp", 1),
            r.emit_test_created_with_validation("t1", "handshake"),
            r.emit_test_setup_started_with_validation("t1", 1, ["srv"]),
            r.emit_environment_created_with_validation("env", "local", "process"),
            r.emit_environment_setup_started_with_validation("env", "local", "process"),
            r.emit_environment_setup_completed_with_validation("env", "local", "process", 0.1),
            r.emit_service_created_with_validation("srv", "srv", "server", "quic-go"),
            r.emit_service_deployment_started_with_validation("srv", "srv", "env"),
            r.emit_service_started_with_validation("srv", "srv", pid=42),
            r.emit_service_health_check_passed_with_validation("srv", "srv", "tcp"),
            r.emit_service_ready_with_validation("srv", "srv"),
            r.emit_test_setup_completed_with_validation("t1"),
            r.emit_test_started_with_validation("t1", "handshake"),
            r.emit_test_step_started_with_validation("t1", "send"),
            r.emit_step_execution_started_with_validation("st1", "send", test_case_id="t1"),
            r.emit_step_progress_with_validation("st1", "send", "t1", 50.0),
            r.emit_step_execution_completed_with_validation("st1", "send", "t1"),
            r.emit_test_step_completed_with_validation("t1", "send"),
            r.emit_test_assertions_started_with_validation("t1", ["a1"]),
            r.emit_assertions_validation_started_with_validation("a1", "checks", "t1"),
            r.emit_assertion_result_with_validation("a1", "checks", "t1", assertion_passed=True),
            r.emit_assertions_validation_completed_with_validation("a1", "checks", "t1"),
            r.emit_test_assertions_completed_with_validation("t1", 1, 1, 0, True),
            r.emit_service_stopping_with_validation("srv", "srv"),
            r.emit_service_stopped_with_validation("srv", "srv", exit_code=0),
            r.emit_service_destroyed_with_validation("srv", "srv"),
            r.emit_environment_teardown_started_with_validation("env", "local", "process"),
            r.emit_environment_teardown_completed_with_validation("env", "local", "process", 0.1),
            r.emit_test_completed_with_validation("t1", "handshake", True),
            r.emit_experiment_execution_completed_with_validation("exp", 1, 0, 1),
            r.emit_plugin_stopped_with_validation("quic", "quic", "protocol"),
            r.emit_experiment_completed_with_validation("exp"),
        ]
        assert all(ok), [i for i, v in enumerate(ok) if not v]
        assert tracker.violations == []
        held = {
            (kind, entity_id): m.current_state.value
            for key, m in r.get_all_state_managers().items()
            for kind, entity_id in [key.split(":", 1)]
            if m.state_history  # type: ignore[attr-defined]
        }
        assert tracker.states() == held
        assert held[("experiment", "exp")] == "completed"
        assert held[("test", "t1")] == "completed"
        assert len(recorder.events) == 40


class TestConcurrency:
    """Validated emits from several threads."""

    def test_one_creation_wins_a_race(self) -> None:
        """Threads racing to create the same service: exactly one succeeds, one event out."""
        manager = EventManager(dedup=False)
        recorder = RecordingObserver()
        manager.register_observer(recorder)
        registry = EmitterRegistry(manager)
        barrier = threading.Barrier(8)
        results: list[bool] = []

        def create() -> None:
            barrier.wait()
            results.append(registry.emit_service_created_with_validation("s", "n", "t", "i"))

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False] * 7 + [True]
        assert recorder.types() == ["service.created"]
        manager.close()

    def test_parallel_tests_then_cleanup(self) -> None:
        """Tests run from four threads all pass their lifecycle and leave nothing behind."""
        manager = EventManager(dedup=False, history_limit=0)
        tracker = StateTrackingObserver()
        manager.register_observer(tracker)
        registry = EmitterRegistry(manager)
        failures: list[str] = []

        def run(worker: int) -> None:
            for i in range(100):
                test_id = f"w{worker}-{i}"
                ok = registry.emit_test_started_with_validation(test_id, "case")
                ok &= registry.emit_step_skipped_with_validation(f"{test_id}-s", "s", test_id)
                ok &= registry.emit_test_completed_with_validation(test_id, "case", True)
                if not ok:
                    failures.append(test_id)
                registry.cleanup_test(test_id)

        threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert tracker.violations == []
        assert registry.test_states == registry.step_states == {}
        assert registry._children == {}
        manager.close()


class TestCleanup:
    """cleanup_* methods and the long-run memory guarantee."""

    def test_cleanup_methods(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Each cleanup removes its machine; absent ids are a no-op."""
        registry, _, _ = setup
        registry.get_service_state("s")
        registry.get_environment_state("e")
        registry.get_step_state("st")
        registry.get_assertion_state("a")
        registry.cleanup_service_state("s")
        registry.cleanup_environment_state("e")
        registry.cleanup_step_state("st")
        registry.cleanup_assertion_state("a")
        for cleanup in (
            registry.cleanup_service_state,
            registry.cleanup_environment_state,
            registry.cleanup_step_state,
            registry.cleanup_assertion_state,
            registry.cleanup_test_state,
            registry.cleanup_experiment_state,
            registry.cleanup_plugin_state,
        ):
            cleanup("absent")
        assert registry.get_all_state_managers() == {"plugin:default": registry.plugin_state}

    def test_cleanup_test_takes_its_steps_and_assertions(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Steps and assertions emitted with test_case_id go with their test."""
        registry, _, _ = setup
        registry.emit_test_started_with_validation("t1", "x")
        registry.emit_step_execution_started_with_validation("st1", "s", test_case_id="t1")
        registry.emit_step_skipped_with_validation("st2", "s", test_case_id="t1")
        registry.emit_assertions_validation_started_with_validation("a1", "a", "t1")
        registry.emit_step_skipped_with_validation("other", "s", test_case_id="t2")
        registry.get_test_emitter("t1")
        registry.cleanup_step_state("st2")
        registry.cleanup_test("t1")
        assert set(registry.get_all_state_managers()) == {"plugin:default", "step:other"}
        assert registry.test_emitters == {}
        assert registry._children == {"t2": {("step", "other")}}

    def test_cleanup_finished(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """Machines in terminal states are dropped; live ones stay."""
        registry, _, _ = setup
        registry.emit_test_started_with_validation("done", "x")
        registry.emit_test_completed_with_validation("done", "x", True)
        registry.emit_test_started_with_validation("live", "x")
        registry.emit_step_skipped_with_validation("st", "s")
        assert registry.cleanup_finished() == 2
        assert set(registry.test_states) == {"live"}
        assert registry.step_states == {}

    def test_cleanup_finished_counts_every_machine_it_removes(
        self, setup: tuple[EmitterRegistry, RecordingObserver, EventManager]
    ) -> None:
        """A finished test takes its steps along, finished or not, and each one is counted."""
        registry, _, _ = setup
        registry.emit_test_started_with_validation("done", "x")
        registry.emit_step_execution_started_with_validation("running", "s", "done")
        registry.emit_step_skipped_with_validation("skipped", "s", test_case_id="done")
        registry.emit_test_completed_with_validation("done", "x", True)
        assert registry.cleanup_finished() == 3
        assert set(registry.get_all_state_managers()) == {"plugin:default"}

    def test_ten_thousand_tests_leave_no_per_test_state(self) -> None:
        """A long run that cleans up after each test keeps nothing per test."""
        manager = EventManager(dedup=False, history_limit=0)
        registry = EmitterRegistry(manager)
        registry.emit_experiment_initialized_with_validation("exp")
        registry.emit_experiment_execution_started_with_validation("exp")
        first = registry.get_test_state("t0")
        probe = weakref.ref(first)
        del first
        for i in range(10_000):
            test_id = f"t{i}"
            emitter = registry.get_test_emitter(test_id)
            assert registry.emit_test_started_with_validation(test_id, "case")
            assert registry.emit_step_execution_started_with_validation(
                f"{test_id}-s", "step", test_case_id=test_id
            )
            assert registry.emit_step_execution_completed_with_validation(
                f"{test_id}-s", "step", test_id
            )
            assert registry.emit_assertions_validation_started_with_validation(
                f"{test_id}-a", "a", test_id
            )
            assert registry.emit_assertions_validation_completed_with_validation(
                f"{test_id}-a", "a", test_id
            )
            emitter.emit_test_result("r", test_id, True)
            assert registry.emit_test_completed_with_validation(test_id, "case", i % 7 != 0)
            registry.cleanup_test(test_id)
        assert registry.test_emitters == {}
        assert registry.test_states == {}
        assert registry.step_states == {}
        assert registry.assertion_states == {}
        assert registry._children == {}
        assert registry._parent == {}
        assert set(registry.get_all_state_managers()) == {"experiment:exp", "plugin:default"}
        gc.collect()
        assert probe() is None
        manager.close()
