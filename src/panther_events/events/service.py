"""Service events: a service under test being prepared, deployed, run, checked and destroyed."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "CommandGeneratedEvent",
    "CommandGenerationStartedEvent",
    "CommandModifiedEvent",
    "ConfigGeneratedEvent",
    "DockerBuildCompletedEvent",
    "DockerBuildFailedEvent",
    "DockerBuildStartedEvent",
    "ServiceCreatedEvent",
    "ServiceDeploymentCompletedEvent",
    "ServiceDeploymentFailedEvent",
    "ServiceDeploymentStartedEvent",
    "ServiceDestroyedEvent",
    "ServiceErrorEvent",
    "ServiceEvent",
    "ServiceEventType",
    "ServiceHealthCheckFailedEvent",
    "ServiceHealthCheckPassedEvent",
    "ServicePreparationCompletedEvent",
    "ServicePreparationFailedEvent",
    "ServicePreparationStartedEvent",
    "ServiceReadyEvent",
    "ServiceStartedEvent",
    "ServiceStoppedEvent",
    "ServiceStoppingEvent",
    "ServiceTestResultsEvent",
    "TesterAnalysisCompletedEvent",
    "TesterAnalysisStartedEvent",
]

#: The data key the runner adds to each health-check event: the check's number within the
#: run, which keeps two equal checks from sharing a content id.
CHECK_NUMBER_KEY = "check_number"


class ServiceEventType(enum.Enum):
    """The ``service`` event names, exactly as the API reference lists them."""

    CREATED = "created"
    PREPARATION_STARTED = "preparation_started"
    PREPARATION_COMPLETED = "preparation_completed"
    PREPARATION_FAILED = "preparation_failed"
    DEPLOYMENT_STARTED = "deployment_started"
    DEPLOYMENT_COMPLETED = "deployment_completed"
    DEPLOYMENT_FAILED = "deployment_failed"
    STARTED = "started"
    READY = "ready"
    HEALTH_CHECK_PASSED = "health_check_passed"
    HEALTH_CHECK_FAILED = "health_check_failed"
    STOPPED = "stopped"
    ERROR = "error"
    DESTROYED = "destroyed"
    TEST_RESULTS = "test_results"


class ServiceEvent(BaseEvent):
    """Base class for all service events; the entity id is ``service_id``.

    ``event_type`` is a ``ServiceEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``ServiceEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(ServiceEventType)
    ID_FIELD: ClassVar[str] = "service_id"

    def __init__(
        self,
        event_type: ServiceEventType | str,
        service_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, ServiceEventType) else event_type
        super().__init__(name, EventType.SERVICE, service_id, data)


class ServiceCreatedEvent(ServiceEvent):
    """``service.created``: service created."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.created"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        service_type: str,
        implementation: str,
        config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "service_type": service_type,
                "implementation": implementation,
                "config": config,
            },
        )


class ServicePreparationStartedEvent(ServiceEvent):
    """``service.preparation_started``: service preparation started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.preparation_started"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        preparation_steps: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {"service_name": service_name, "preparation_steps": preparation_steps},
        )


class ServicePreparationCompletedEvent(ServiceEvent):
    """``service.preparation_completed``: service preparation completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.preparation_completed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        duration_seconds: float | None = None,
        artifacts: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "duration_seconds": duration_seconds,
                "artifacts": artifacts,
            },
        )


class ServicePreparationFailedEvent(ServiceEvent):
    """``service.preparation_failed``: service preparation failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.preparation_failed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        failed_step: str | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "error_message": error_message,
                "error_type": error_type,
                "failed_step": failed_step,
            },
        )


class ServiceDeploymentStartedEvent(ServiceEvent):
    """``service.deployment_started``: service deployment started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.deployment_started"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        deployment_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "environment": environment,
                "deployment_config": deployment_config,
            },
        )


class ServiceDeploymentCompletedEvent(ServiceEvent):
    """``service.deployment_completed``: service deployment completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.deployment_completed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        endpoint: str | None = None,
        ports: list[int] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "environment": environment,
                "endpoint": endpoint,
                "ports": ports,
                "deployment_details": deployment_details,
            },
        )


class ServiceDeploymentFailedEvent(ServiceEvent):
    """``service.deployment_failed``: service deployment failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.deployment_failed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        error_message: str,
        error_type: str | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "environment": environment,
                "error_message": error_message,
                "error_type": error_type,
            },
        )


class ServiceStartedEvent(ServiceEvent):
    """``service.started``: service started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.started"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        pid: int | None = None,
        start_time: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {"service_name": service_name, "pid": pid, "start_time": start_time},
        )


class ServiceReadyEvent(ServiceEvent):
    """``service.ready``: service ready."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.ready"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        readiness_checks: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {"service_name": service_name, "readiness_checks": readiness_checks},
        )


class ServiceHealthCheckPassedEvent(ServiceEvent):
    """``service.health_check_passed``: service health check passed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.health_check_passed"
    _ADDED_KEYS: ClassVar[tuple[str, ...]] = (CHECK_NUMBER_KEY,)

    def __init__(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        endpoint: str | None = None,
        response_time_ms: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "check_type": check_type,
                "endpoint": endpoint,
                "response_time_ms": response_time_ms,
            },
        )


class ServiceHealthCheckFailedEvent(ServiceEvent):
    """``service.health_check_failed``: service health check failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.health_check_failed"
    _ADDED_KEYS: ClassVar[tuple[str, ...]] = (CHECK_NUMBER_KEY,)

    def __init__(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        error_message: str,
        endpoint: str | None = None,
        status_code: int | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "check_type": check_type,
                "error_message": error_message,
                "endpoint": endpoint,
                "status_code": status_code,
            },
        )


class ServiceStoppedEvent(ServiceEvent):
    """``service.stopped``: service stopped."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.stopped"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        exit_code: int | None = None,
        reason: str | None = None,
        uptime_seconds: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "exit_code": exit_code,
                "reason": reason,
                "uptime_seconds": uptime_seconds,
            },
        )


class ServiceErrorEvent(ServiceEvent):
    """``service.error``: service error."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.error"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        error_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "error_message": error_message,
                "error_type": error_type,
                "error_details": error_details,
            },
        )


class ServiceDestroyedEvent(ServiceEvent):
    """``service.destroyed``: service destroyed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.destroyed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        cleanup_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {"service_name": service_name, "cleanup_details": cleanup_details},
        )


class ServiceTestResultsEvent(ServiceEvent):
    """``service.test_results``: service test results."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.test_results"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        test_results: dict[str, Any],
        overall_success: bool,
        test_summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "test_results": test_results,
                "overall_success": overall_success,
                "test_summary": test_summary,
            },
        )


class CommandGenerationStartedEvent(ServiceEvent):
    """``service.command_generation_started``: command generation started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.command_generation_started"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        phase: str,
        config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {"service_name": service_name, "phase": phase, "config": config},
        )


class CommandGeneratedEvent(ServiceEvent):
    """``service.command_generated``: command generated."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.command_generated"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        phase: str,
        command: str,
        command_type: str | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "phase": phase,
                "command": command,
                "command_type": command_type,
            },
        )


class CommandModifiedEvent(ServiceEvent):
    """``service.command_modified``: command modified."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.command_modified"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        phase: str,
        original_command: str,
        modified_command: str,
        modifier: str,
        modification_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "phase": phase,
                "original_command": original_command,
                "modified_command": modified_command,
                "modifier": modifier,
                "modification_details": modification_details,
            },
        )


class DockerBuildStartedEvent(ServiceEvent):
    """``service.docker_build_started``: docker build started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.docker_build_started"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        dockerfile_path: str,
        image_name: str | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "dockerfile_path": dockerfile_path,
                "image_name": image_name,
            },
        )


class DockerBuildCompletedEvent(ServiceEvent):
    """``service.docker_build_completed``: docker build completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.docker_build_completed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        image_name: str,
        success: bool,
        error_message: str | None = None,
        build_duration: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "image_name": image_name,
                "success": success,
                "error_message": error_message,
                "build_duration": build_duration,
            },
        )


class DockerBuildFailedEvent(ServiceEvent):
    """``service.docker_build_failed``: docker build failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.docker_build_failed"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        dockerfile_path: str,
        error_message: str,
        build_duration: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "dockerfile_path": dockerfile_path,
                "error_message": error_message,
                "build_duration": build_duration,
            },
        )


class ConfigGeneratedEvent(ServiceEvent):
    """``service.config_generated``: config generated."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.config_generated"

    def __init__(
        self,
        service_id: str,
        config_type: str,
        config_path: str,
        config_content: str | None = None,
        services_included: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "config_type": config_type,
                "config_path": config_path,
                "config_content": config_content,
                "services_included": services_included,
            },
        )


class TesterAnalysisStartedEvent(ServiceEvent):
    """``service.tester_analysis_started``: tester analysis started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.tester_analysis_started"

    def __init__(
        self,
        service_id: str,
        tester_name: str,
        inputs: dict[str, Any],
        analysis_type: str,
    ) -> None:
        _setup(
            self,
            service_id,
            {"tester_name": tester_name, "inputs": inputs, "analysis_type": analysis_type},
        )


class TesterAnalysisCompletedEvent(ServiceEvent):
    """``service.tester_analysis_completed``: tester analysis completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.tester_analysis_completed"

    def __init__(
        self,
        service_id: str,
        tester_name: str,
        passed: bool,
        failed_checks: list[str],
        warnings: list[str] | None = None,
        detailed_results: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "tester_name": tester_name,
                "passed": passed,
                "failed_checks": failed_checks,
                "warnings": warnings,
                "detailed_results": detailed_results,
            },
        )


class ServiceStoppingEvent(ServiceEvent):
    """``service.stopping``: a service's shutdown began (the guide's ``service.stopping``).

    Not in the reference's tables; it has no ``ServiceEventType`` member, like the other
    classes the reference lists without one.
    """

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "service.stopping"

    def __init__(
        self,
        service_id: str,
        service_name: str,
        reason: str | None = None,
        grace_period_seconds: float | None = None,
    ) -> None:
        _setup(
            self,
            service_id,
            {
                "service_name": service_name,
                "reason": reason,
                "grace_period_seconds": grace_period_seconds,
            },
        )
