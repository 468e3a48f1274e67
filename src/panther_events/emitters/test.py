"""TestEventEmitter: an emit method per test event class (lifecycle)."""

from __future__ import annotations

from typing import Any

from ..events.test import (
    EnhancedResultEvent,
    TestAssertionCheckedEvent,
    TestAssertionsCompletedEvent,
    TestAssertionsFailedEvent,
    TestAssertionsStartedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestDeploymentCompletedEvent,
    TestDeploymentFailedEvent,
    TestDeploymentStartedEvent,
    TestEnvironmentSetupCompletedEvent,
    TestEnvironmentSetupFailedEvent,
    TestEnvironmentSetupStartedEvent,
    TestExecutionCompletedEvent,
    TestExecutionFailedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestResultEvent,
    TestSetupCompletedEvent,
    TestSetupFailedEvent,
    TestSetupStartedEvent,
    TestStepCompletedEvent,
    TestStepFailedEvent,
    TestStepStartedEvent,
    TestTeardownCompletedEvent,
    TestTeardownStartedEvent,
)
from ..manager import EventManager
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

    def emit_enhanced_result(
        self,
        name: str,
        test_name: str,
        result: bool,
        result_data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        category: str = "default",
    ) -> EnhancedResultEvent:
        """Emit ``test.enhanced_result`` (EnhancedResultEvent)."""
        event = EnhancedResultEvent(
            name=name,
            test_name=test_name,
            result=result,
            result_data=result_data,
            metadata=metadata,
            tags=tags,
            category=category,
        )
        self._emit_event(event)
        return event

    def emit_test_assertion_checked(
        self,
        assertion_type: str,
        assertion_config: dict[str, Any],
        passed: bool,
        result: Any = None,
    ) -> TestAssertionCheckedEvent:
        """Emit ``test.assertion_checked`` (TestAssertionCheckedEvent)."""
        event = TestAssertionCheckedEvent(
            test_id=self.test_id,
            assertion_type=assertion_type,
            assertion_config=assertion_config,
            passed=passed,
            result=result,
        )
        self._emit_event(event)
        return event

    def emit_test_assertions_completed(
        self,
        total_assertions: int,
        passed_assertions: int,
        failed_assertions: int,
        all_passed: bool,
    ) -> TestAssertionsCompletedEvent:
        """Emit ``test.assertions_completed`` (TestAssertionsCompletedEvent)."""
        event = TestAssertionsCompletedEvent(
            test_id=self.test_id,
            total_assertions=total_assertions,
            passed_assertions=passed_assertions,
            failed_assertions=failed_assertions,
            all_passed=all_passed,
        )
        self._emit_event(event)
        return event

    def emit_test_assertions_failed(
        self, error_message: str, error_type: str | None = None
    ) -> TestAssertionsFailedEvent:
        """Emit ``test.assertions_failed`` (TestAssertionsFailedEvent)."""
        event = TestAssertionsFailedEvent(
            test_id=self.test_id, error_message=error_message, error_type=error_type
        )
        self._emit_event(event)
        return event

    def emit_test_assertions_started(
        self, assertions: list[str] | None = None
    ) -> TestAssertionsStartedEvent:
        """Emit ``test.assertions_started`` (TestAssertionsStartedEvent)."""
        event = TestAssertionsStartedEvent(test_id=self.test_id, assertions=assertions)
        self._emit_event(event)
        return event

    def emit_test_completed(
        self,
        test_name: str | None = None,
        total_duration_seconds: float | None = None,
        summary: dict[str, Any] | None = None,
    ) -> TestCompletedEvent:
        """Emit ``test.completed`` (TestCompletedEvent)."""
        event = TestCompletedEvent(
            test_id=self.test_id,
            test_name=test_name,
            total_duration_seconds=total_duration_seconds,
            summary=summary,
        )
        self._emit_event(event)
        return event

    def emit_test_created(
        self, test_name: str, description: str | None = None, config: dict[str, Any] | None = None
    ) -> TestCreatedEvent:
        """Emit ``test.created`` (TestCreatedEvent)."""
        event = TestCreatedEvent(
            test_id=self.test_id, test_name=test_name, description=description, config=config
        )
        self._emit_event(event)
        return event

    def emit_test_deployment_completed(
        self,
        deployed_services: list[str] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> TestDeploymentCompletedEvent:
        """Emit ``test.deployment_completed`` (TestDeploymentCompletedEvent)."""
        event = TestDeploymentCompletedEvent(
            test_id=self.test_id,
            deployed_services=deployed_services,
            deployment_details=deployment_details,
        )
        self._emit_event(event)
        return event

    def emit_test_deployment_failed(
        self,
        error_message: str,
        failed_services: list[str] | None = None,
        error_type: str | None = None,
    ) -> TestDeploymentFailedEvent:
        """Emit ``test.deployment_failed`` (TestDeploymentFailedEvent)."""
        event = TestDeploymentFailedEvent(
            test_id=self.test_id,
            error_message=error_message,
            failed_services=failed_services,
            error_type=error_type,
        )
        self._emit_event(event)
        return event

    def emit_test_deployment_started(
        self, services_to_deploy: list[str] | None = None
    ) -> TestDeploymentStartedEvent:
        """Emit ``test.deployment_started`` (TestDeploymentStartedEvent)."""
        event = TestDeploymentStartedEvent(
            test_id=self.test_id, services_to_deploy=services_to_deploy
        )
        self._emit_event(event)
        return event

    def emit_test_environment_setup_completed(
        self, environment_type: str, environment_details: dict[str, Any] | None = None
    ) -> TestEnvironmentSetupCompletedEvent:
        """Emit ``test.environment_setup_completed`` (TestEnvironmentSetupCompletedEvent)."""
        event = TestEnvironmentSetupCompletedEvent(
            test_id=self.test_id,
            environment_type=environment_type,
            environment_details=environment_details,
        )
        self._emit_event(event)
        return event

    def emit_test_environment_setup_failed(
        self, environment_type: str, error_message: str, error_type: str | None = None
    ) -> TestEnvironmentSetupFailedEvent:
        """Emit ``test.environment_setup_failed`` (TestEnvironmentSetupFailedEvent)."""
        event = TestEnvironmentSetupFailedEvent(
            test_id=self.test_id,
            environment_type=environment_type,
            error_message=error_message,
            error_type=error_type,
        )
        self._emit_event(event)
        return event

    def emit_test_environment_setup_started(
        self, environment_type: str, environment_config: dict[str, Any] | None = None
    ) -> TestEnvironmentSetupStartedEvent:
        """Emit ``test.environment_setup_started`` (TestEnvironmentSetupStartedEvent)."""
        event = TestEnvironmentSetupStartedEvent(
            test_id=self.test_id,
            environment_type=environment_type,
            environment_config=environment_config,
        )
        self._emit_event(event)
        return event

    def emit_test_execution_completed(
        self,
        duration_seconds: float | None = None,
        steps_completed: int | None = None,
        assertions_passed: int | None = None,
    ) -> TestExecutionCompletedEvent:
        """Emit ``test.execution_completed`` (TestExecutionCompletedEvent)."""
        event = TestExecutionCompletedEvent(
            test_id=self.test_id,
            duration_seconds=duration_seconds,
            steps_completed=steps_completed,
            assertions_passed=assertions_passed,
        )
        self._emit_event(event)
        return event

    def emit_test_execution_failed(
        self, error_message: str, error_type: str | None = None, phase: str | None = None
    ) -> TestExecutionFailedEvent:
        """Emit ``test.execution_failed`` (TestExecutionFailedEvent)."""
        event = TestExecutionFailedEvent(
            test_id=self.test_id, error_message=error_message, error_type=error_type, phase=phase
        )
        self._emit_event(event)
        return event

    def emit_test_execution_started(
        self, steps: list[str] | None = None, expected_duration: float | None = None
    ) -> TestExecutionStartedEvent:
        """Emit ``test.execution_started`` (TestExecutionStartedEvent)."""
        event = TestExecutionStartedEvent(
            test_id=self.test_id, steps=steps, expected_duration=expected_duration
        )
        self._emit_event(event)
        return event

    def emit_test_failed(
        self,
        test_name: str | None = None,
        error_message: str = "",
        error_type: str | None = None,
        phase: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> TestFailedEvent:
        """Emit ``test.failed`` (TestFailedEvent)."""
        event = TestFailedEvent(
            test_id=self.test_id,
            test_name=test_name,
            error_message=error_message,
            error_type=error_type,
            phase=phase,
            summary=summary,
        )
        self._emit_event(event)
        return event

    def emit_test_result(
        self,
        name: str,
        test_name: str,
        result: bool,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> TestResultEvent:
        """Emit ``test.result`` (TestResultEvent)."""
        event = TestResultEvent(
            name=name, test_name=test_name, result=result, data=data, metadata=metadata
        )
        self._emit_event(event)
        return event

    def emit_test_setup_completed(
        self, services: list[str] | None = None, duration_seconds: float | None = None
    ) -> TestSetupCompletedEvent:
        """Emit ``test.setup_completed`` (TestSetupCompletedEvent)."""
        event = TestSetupCompletedEvent(
            test_id=self.test_id, services=services, duration_seconds=duration_seconds
        )
        self._emit_event(event)
        return event

    def emit_test_setup_failed(
        self, error_message: str, error_type: str | None = None, failed_component: str | None = None
    ) -> TestSetupFailedEvent:
        """Emit ``test.setup_failed`` (TestSetupFailedEvent)."""
        event = TestSetupFailedEvent(
            test_id=self.test_id,
            error_message=error_message,
            error_type=error_type,
            failed_component=failed_component,
        )
        self._emit_event(event)
        return event

    def emit_test_setup_started(
        self, service_count: int | None = None, service_names: list[str] | None = None
    ) -> TestSetupStartedEvent:
        """Emit ``test.setup_started`` (TestSetupStartedEvent)."""
        event = TestSetupStartedEvent(
            test_id=self.test_id, service_count=service_count, service_names=service_names
        )
        self._emit_event(event)
        return event

    def emit_test_step_completed(
        self, step_name: str, duration_seconds: float | None = None, result: Any = None
    ) -> TestStepCompletedEvent:
        """Emit ``test.step_completed`` (TestStepCompletedEvent)."""
        event = TestStepCompletedEvent(
            test_id=self.test_id,
            step_name=step_name,
            duration_seconds=duration_seconds,
            result=result,
        )
        self._emit_event(event)
        return event

    def emit_test_step_failed(
        self, step_name: str, error_message: str, error_type: str | None = None
    ) -> TestStepFailedEvent:
        """Emit ``test.step_failed`` (TestStepFailedEvent)."""
        event = TestStepFailedEvent(
            test_id=self.test_id,
            step_name=step_name,
            error_message=error_message,
            error_type=error_type,
        )
        self._emit_event(event)
        return event

    def emit_test_step_started(
        self,
        step_name: str,
        step_type: str | None = None,
        step_config: dict[str, Any] | None = None,
    ) -> TestStepStartedEvent:
        """Emit ``test.step_started`` (TestStepStartedEvent)."""
        event = TestStepStartedEvent(
            test_id=self.test_id, step_name=step_name, step_type=step_type, step_config=step_config
        )
        self._emit_event(event)
        return event

    def emit_test_teardown_completed(
        self, duration_seconds: float | None = None
    ) -> TestTeardownCompletedEvent:
        """Emit ``test.teardown_completed`` (TestTeardownCompletedEvent)."""
        event = TestTeardownCompletedEvent(test_id=self.test_id, duration_seconds=duration_seconds)
        self._emit_event(event)
        return event

    def emit_test_teardown_started(self) -> TestTeardownStartedEvent:
        """Emit ``test.teardown_started`` (TestTeardownStartedEvent)."""
        event = TestTeardownStartedEvent(test_id=self.test_id)
        self._emit_event(event)
        return event
