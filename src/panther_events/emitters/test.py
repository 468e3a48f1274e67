"""TestEventEmitter: an emit method per test event class (lifecycle)."""

from __future__ import annotations

from ..events import test as events
from ..manager import EventManager
from ._declare import emits, emits_for_entity
from .base import EntityEventEmitterBase, EventSink

__all__ = ["TestEventEmitter"]


class TestEventEmitter(EntityEventEmitterBase):
    """Emits the events of one test; every method builds one event class and emits it.

    The emitter is bound to a test id (``entity_id``), so methods take each class's
    parameters except ``test_id``. ``TestResultEvent`` and ``EnhancedResultEvent`` are keyed
    by test name and take all their parameters. Each method returns the event it emitted.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, event_manager: EventManager | EventSink, test_id: str) -> None:
        """Bind the emitter to the test ``test_id``."""
        super().__init__(event_manager, test_id, "test")

    @property
    def test_id(self) -> str:
        """The id of the test this emitter speaks for."""
        return str(self.entity_id)

    emit_enhanced_result = emits(events.EnhancedResultEvent)
    emit_test_assertion_checked = emits_for_entity(events.TestAssertionCheckedEvent)
    emit_test_assertions_completed = emits_for_entity(events.TestAssertionsCompletedEvent)
    emit_test_assertions_failed = emits_for_entity(events.TestAssertionsFailedEvent)
    emit_test_assertions_started = emits_for_entity(events.TestAssertionsStartedEvent)
    emit_test_completed = emits_for_entity(events.TestCompletedEvent)
    emit_test_created = emits_for_entity(events.TestCreatedEvent)
    emit_test_deployment_completed = emits_for_entity(events.TestDeploymentCompletedEvent)
    emit_test_deployment_failed = emits_for_entity(events.TestDeploymentFailedEvent)
    emit_test_deployment_started = emits_for_entity(events.TestDeploymentStartedEvent)
    emit_test_environment_setup_completed = emits_for_entity(
        events.TestEnvironmentSetupCompletedEvent
    )
    emit_test_environment_setup_failed = emits_for_entity(events.TestEnvironmentSetupFailedEvent)
    emit_test_environment_setup_started = emits_for_entity(events.TestEnvironmentSetupStartedEvent)
    emit_test_execution_completed = emits_for_entity(events.TestExecutionCompletedEvent)
    emit_test_execution_failed = emits_for_entity(events.TestExecutionFailedEvent)
    emit_test_execution_started = emits_for_entity(events.TestExecutionStartedEvent)
    emit_test_failed = emits_for_entity(events.TestFailedEvent)
    emit_test_result = emits(events.TestResultEvent)
    emit_test_setup_completed = emits_for_entity(events.TestSetupCompletedEvent)
    emit_test_setup_failed = emits_for_entity(events.TestSetupFailedEvent)
    emit_test_setup_started = emits_for_entity(events.TestSetupStartedEvent)
    emit_test_step_completed = emits_for_entity(events.TestStepCompletedEvent)
    emit_test_step_failed = emits_for_entity(events.TestStepFailedEvent)
    emit_test_step_started = emits_for_entity(events.TestStepStartedEvent)
    emit_test_teardown_completed = emits_for_entity(events.TestTeardownCompletedEvent)
    emit_test_teardown_started = emits_for_entity(events.TestTeardownStartedEvent)
