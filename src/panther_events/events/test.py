"""Test events: one test case from creation through setup, steps and assertions to teardown."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .._durations import TEST_DURATION_KEY
from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "EnhancedResultEvent",
    "TestAssertionCheckedEvent",
    "TestAssertionsCompletedEvent",
    "TestAssertionsFailedEvent",
    "TestAssertionsStartedEvent",
    "TestCompletedEvent",
    "TestCreatedEvent",
    "TestDeploymentCompletedEvent",
    "TestDeploymentFailedEvent",
    "TestDeploymentStartedEvent",
    "TestEnvironmentSetupCompletedEvent",
    "TestEnvironmentSetupFailedEvent",
    "TestEnvironmentSetupStartedEvent",
    "TestEvent",
    "TestEventType",
    "TestExecutionCompletedEvent",
    "TestExecutionFailedEvent",
    "TestExecutionStartedEvent",
    "TestFailedEvent",
    "TestResultEvent",
    "TestSetupCompletedEvent",
    "TestSetupFailedEvent",
    "TestSetupStartedEvent",
    "TestStepCompletedEvent",
    "TestStepFailedEvent",
    "TestStepStartedEvent",
    "TestTeardownCompletedEvent",
    "TestTeardownStartedEvent",
]


class TestEventType(enum.Enum):
    """The ``test`` event names, exactly as the API reference lists them."""

    CREATED = "created"
    SETUP_STARTED = "setup_started"
    SETUP_COMPLETED = "setup_completed"
    SETUP_FAILED = "setup_failed"
    ENVIRONMENT_SETUP_STARTED = "environment_setup_started"
    ENVIRONMENT_SETUP_COMPLETED = "environment_setup_completed"
    ENVIRONMENT_SETUP_FAILED = "environment_setup_failed"
    DEPLOYMENT_STARTED = "deployment_started"
    DEPLOYMENT_COMPLETED = "deployment_completed"
    DEPLOYMENT_FAILED = "deployment_failed"
    EXECUTION_STARTED = "execution_started"
    STEP_STARTED = "step_started"
    STEP_COMPLETED = "step_completed"
    STEP_FAILED = "step_failed"
    ASSERTIONS_STARTED = "assertions_started"
    ASSERTION_CHECKED = "assertion_checked"
    ASSERTIONS_COMPLETED = "assertions_completed"
    ASSERTIONS_FAILED = "assertions_failed"
    EXECUTION_COMPLETED = "execution_completed"
    EXECUTION_FAILED = "execution_failed"
    TEARDOWN_STARTED = "teardown_started"
    TEARDOWN_COMPLETED = "teardown_completed"
    COMPLETED = "completed"
    FAILED = "failed"


class TestEvent(BaseEvent):
    """Base class for all test events; the entity id is ``test_id``.

    ``event_type`` is a ``TestEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``TestEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(TestEventType)
    ID_FIELD: ClassVar[str] = "test_id"

    def __init__(
        self,
        event_type: TestEventType | str,
        test_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, TestEventType) else event_type
        super().__init__(name, EventType.TEST, test_id, data)


class TestCreatedEvent(TestEvent):
    """``test.created``: test created."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.created"

    def __init__(
        self,
        test_id: str,
        test_name: str,
        description: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"test_name": test_name, "description": description, "config": config},
        )


class TestSetupStartedEvent(TestEvent):
    """``test.setup_started``: test setup started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.setup_started"

    def __init__(
        self,
        test_id: str,
        service_count: int | None = None,
        service_names: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"service_count": service_count, "service_names": service_names},
        )


class TestSetupCompletedEvent(TestEvent):
    """``test.setup_completed``: test setup completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.setup_completed"

    def __init__(
        self,
        test_id: str,
        services: list[str] | None = None,
        duration_seconds: float | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"services": services, "duration_seconds": duration_seconds},
        )


class TestSetupFailedEvent(TestEvent):
    """``test.setup_failed``: test setup failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.setup_failed"

    def __init__(
        self,
        test_id: str,
        error_message: str,
        error_type: str | None = None,
        failed_component: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "error_message": error_message,
                "error_type": error_type,
                "failed_component": failed_component,
            },
        )


class TestEnvironmentSetupStartedEvent(TestEvent):
    """``test.environment_setup_started``: test environment setup started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.environment_setup_started"

    def __init__(
        self,
        test_id: str,
        environment_type: str,
        environment_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"environment_type": environment_type, "environment_config": environment_config},
        )


class TestEnvironmentSetupCompletedEvent(TestEvent):
    """``test.environment_setup_completed``: test environment setup completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.environment_setup_completed"

    def __init__(
        self,
        test_id: str,
        environment_type: str,
        environment_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"environment_type": environment_type, "environment_details": environment_details},
        )


class TestEnvironmentSetupFailedEvent(TestEvent):
    """``test.environment_setup_failed``: test environment setup failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.environment_setup_failed"

    def __init__(
        self,
        test_id: str,
        environment_type: str,
        error_message: str,
        error_type: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "environment_type": environment_type,
                "error_message": error_message,
                "error_type": error_type,
            },
        )


class TestDeploymentStartedEvent(TestEvent):
    """``test.deployment_started``: test deployment started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.deployment_started"

    def __init__(
        self,
        test_id: str,
        services_to_deploy: list[str] | None = None,
    ) -> None:
        _setup(self, test_id, {"services_to_deploy": services_to_deploy})


class TestDeploymentCompletedEvent(TestEvent):
    """``test.deployment_completed``: test deployment completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.deployment_completed"

    def __init__(
        self,
        test_id: str,
        deployed_services: list[str] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"deployed_services": deployed_services, "deployment_details": deployment_details},
        )


class TestDeploymentFailedEvent(TestEvent):
    """``test.deployment_failed``: test deployment failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.deployment_failed"

    def __init__(
        self,
        test_id: str,
        error_message: str,
        failed_services: list[str] | None = None,
        error_type: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "error_message": error_message,
                "failed_services": failed_services,
                "error_type": error_type,
            },
        )


class TestExecutionStartedEvent(TestEvent):
    """``test.execution_started``: test execution started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.execution_started"

    def __init__(
        self,
        test_id: str,
        steps: list[str] | None = None,
        expected_duration: float | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"steps": steps, "expected_duration": expected_duration},
        )


class TestStepStartedEvent(TestEvent):
    """``test.step_started``: test step started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.step_started"

    def __init__(
        self,
        test_id: str,
        step_name: str,
        step_type: str | None = None,
        step_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"step_name": step_name, "step_type": step_type, "step_config": step_config},
        )


class TestStepCompletedEvent(TestEvent):
    """``test.step_completed``: test step completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.step_completed"

    def __init__(
        self,
        test_id: str,
        step_name: str,
        duration_seconds: float | None = None,
        result: Any = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"step_name": step_name, "duration_seconds": duration_seconds, "result": result},
        )


class TestStepFailedEvent(TestEvent):
    """``test.step_failed``: test step failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.step_failed"

    def __init__(
        self,
        test_id: str,
        step_name: str,
        error_message: str,
        error_type: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"step_name": step_name, "error_message": error_message, "error_type": error_type},
        )


class TestAssertionsStartedEvent(TestEvent):
    """``test.assertions_started``: test assertions started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.assertions_started"

    def __init__(
        self,
        test_id: str,
        assertions: list[str] | None = None,
    ) -> None:
        _setup(self, test_id, {"assertions": assertions})


class TestAssertionCheckedEvent(TestEvent):
    """``test.assertion_checked``: test assertion checked."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.assertion_checked"

    def __init__(
        self,
        test_id: str,
        assertion_type: str,
        assertion_config: dict[str, Any],
        passed: bool,
        result: Any = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "assertion_type": assertion_type,
                "assertion_config": assertion_config,
                "passed": passed,
                "result": result,
            },
        )


class TestAssertionsCompletedEvent(TestEvent):
    """``test.assertions_completed``: test assertions completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.assertions_completed"

    def __init__(
        self,
        test_id: str,
        total_assertions: int,
        passed_assertions: int,
        failed_assertions: int,
        all_passed: bool,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "total_assertions": total_assertions,
                "passed_assertions": passed_assertions,
                "failed_assertions": failed_assertions,
                "all_passed": all_passed,
            },
        )


class TestAssertionsFailedEvent(TestEvent):
    """``test.assertions_failed``: test assertions failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.assertions_failed"

    def __init__(
        self,
        test_id: str,
        error_message: str,
        error_type: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"error_message": error_message, "error_type": error_type},
        )


class TestExecutionCompletedEvent(TestEvent):
    """``test.execution_completed``: test execution completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.execution_completed"

    def __init__(
        self,
        test_id: str,
        duration_seconds: float | None = None,
        steps_completed: int | None = None,
        assertions_passed: int | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "duration_seconds": duration_seconds,
                "steps_completed": steps_completed,
                "assertions_passed": assertions_passed,
            },
        )


class TestExecutionFailedEvent(TestEvent):
    """``test.execution_failed``: test execution failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.execution_failed"

    def __init__(
        self,
        test_id: str,
        error_message: str,
        error_type: str | None = None,
        phase: str | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {"error_message": error_message, "error_type": error_type, "phase": phase},
        )


class TestTeardownStartedEvent(TestEvent):
    """``test.teardown_started``: test teardown started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.teardown_started"

    def __init__(
        self,
        test_id: str,
    ) -> None:
        _setup(self, test_id, {})


class TestTeardownCompletedEvent(TestEvent):
    """``test.teardown_completed``: test teardown completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.teardown_completed"

    def __init__(
        self,
        test_id: str,
        duration_seconds: float | None = None,
    ) -> None:
        _setup(self, test_id, {"duration_seconds": duration_seconds})


class TestCompletedEvent(TestEvent):
    """``test.completed``: test completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.completed"

    def __init__(
        self,
        test_id: str,
        test_name: str | None = None,
        total_duration_seconds: float | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "test_name": test_name,
                "total_duration_seconds": total_duration_seconds,
                "summary": summary,
            },
        )

    @property
    def success(self) -> bool:
        """Always True: the observer guide reads ``event.success`` on finished tests."""
        return True


class TestFailedEvent(TestEvent):
    """``test.failed``: test failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.failed"
    # The runner adds the test's duration (TestCompletedEvent has it as a parameter).
    _ADDED_KEYS: ClassVar[tuple[str, ...]] = (TEST_DURATION_KEY,)

    def __init__(
        self,
        test_id: str,
        test_name: str | None = None,
        error_message: str = "",
        error_type: str | None = None,
        phase: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_id,
            {
                "test_name": test_name,
                "error_message": error_message,
                "error_type": error_type,
                "phase": phase,
                "summary": summary,
            },
        )

    @property
    def success(self) -> bool:
        """Always False: the observer guide reads ``event.success`` on finished tests."""
        return False


class TestResultEvent(TestEvent):
    """``test.result``: test result."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.result"

    def __init__(
        self,
        name: str,
        test_name: str,
        result: bool,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            test_name,
            {
                "name": name,
                "test_name": test_name,
                "result": result,
                "data": data,
                "metadata": metadata,
            },
        )

    @property
    def result_name(self) -> str:
        """The ``name`` argument (``self.name`` is the event name, ``"result"``)."""
        return str(self.data["name"])


class EnhancedResultEvent(TestEvent):
    """``test.enhanced_result``: enhanced result."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "test.enhanced_result"

    def __init__(
        self,
        name: str,
        test_name: str,
        result: bool,
        result_data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        category: str = "default",
    ) -> None:
        _setup(
            self,
            test_name,
            {
                "name": name,
                "test_name": test_name,
                "result": result,
                "result_data": result_data,
                "metadata": metadata,
                "tags": tags,
                "category": category,
            },
        )

    @property
    def result_name(self) -> str:
        """The ``name`` argument (``self.name`` is the event name, ``"enhanced_result"``)."""
        return str(self.data["name"])
