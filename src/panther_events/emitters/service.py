"""ServiceEventEmitter: an emit method per service event class (lifecycle, builds, analyses)."""

from __future__ import annotations

from typing import Any

from ..events.service import (
    CommandGeneratedEvent,
    CommandGenerationStartedEvent,
    CommandModifiedEvent,
    ConfigGeneratedEvent,
    DockerBuildCompletedEvent,
    DockerBuildFailedEvent,
    DockerBuildStartedEvent,
    ServiceCreatedEvent,
    ServiceDeploymentCompletedEvent,
    ServiceDeploymentFailedEvent,
    ServiceDeploymentStartedEvent,
    ServiceDestroyedEvent,
    ServiceErrorEvent,
    ServiceHealthCheckFailedEvent,
    ServiceHealthCheckPassedEvent,
    ServicePreparationCompletedEvent,
    ServicePreparationFailedEvent,
    ServicePreparationStartedEvent,
    ServiceReadyEvent,
    ServiceStartedEvent,
    ServiceStoppedEvent,
    ServiceStoppingEvent,
    ServiceTestResultsEvent,
    TesterAnalysisCompletedEvent,
    TesterAnalysisStartedEvent,
)
from .base import EventEmitterBase

__all__ = ["ServiceEventEmitter"]


class ServiceEventEmitter(EventEmitterBase):
    """Emits service events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_command_generated(
        self,
        service_id: str,
        service_name: str,
        phase: str,
        command: str,
        command_type: str | None = None,
    ) -> CommandGeneratedEvent:
        """Emit ``service.command_generated`` (CommandGeneratedEvent)."""
        event = CommandGeneratedEvent(
            service_id=service_id,
            service_name=service_name,
            phase=phase,
            command=command,
            command_type=command_type,
        )
        self._emit_event(event)
        return event

    def emit_command_generation_started(
        self, service_id: str, service_name: str, phase: str, config: dict[str, Any] | None = None
    ) -> CommandGenerationStartedEvent:
        """Emit ``service.command_generation_started`` (CommandGenerationStartedEvent)."""
        event = CommandGenerationStartedEvent(
            service_id=service_id, service_name=service_name, phase=phase, config=config
        )
        self._emit_event(event)
        return event

    def emit_command_modified(
        self,
        service_id: str,
        service_name: str,
        phase: str,
        original_command: str,
        modified_command: str,
        modifier: str,
        modification_details: dict[str, Any] | None = None,
    ) -> CommandModifiedEvent:
        """Emit ``service.command_modified`` (CommandModifiedEvent)."""
        event = CommandModifiedEvent(
            service_id=service_id,
            service_name=service_name,
            phase=phase,
            original_command=original_command,
            modified_command=modified_command,
            modifier=modifier,
            modification_details=modification_details,
        )
        self._emit_event(event)
        return event

    def emit_config_generated(
        self,
        service_id: str,
        config_type: str,
        config_path: str,
        config_content: str | None = None,
        services_included: list[str] | None = None,
    ) -> ConfigGeneratedEvent:
        """Emit ``service.config_generated`` (ConfigGeneratedEvent)."""
        event = ConfigGeneratedEvent(
            service_id=service_id,
            config_type=config_type,
            config_path=config_path,
            config_content=config_content,
            services_included=services_included,
        )
        self._emit_event(event)
        return event

    def emit_docker_build_completed(
        self,
        service_id: str,
        service_name: str,
        image_name: str,
        success: bool,
        error_message: str | None = None,
        build_duration: float | None = None,
    ) -> DockerBuildCompletedEvent:
        """Emit ``service.docker_build_completed`` (DockerBuildCompletedEvent)."""
        event = DockerBuildCompletedEvent(
            service_id=service_id,
            service_name=service_name,
            image_name=image_name,
            success=success,
            error_message=error_message,
            build_duration=build_duration,
        )
        self._emit_event(event)
        return event

    def emit_docker_build_failed(
        self,
        service_id: str,
        service_name: str,
        dockerfile_path: str,
        error_message: str,
        build_duration: float | None = None,
    ) -> DockerBuildFailedEvent:
        """Emit ``service.docker_build_failed`` (DockerBuildFailedEvent)."""
        event = DockerBuildFailedEvent(
            service_id=service_id,
            service_name=service_name,
            dockerfile_path=dockerfile_path,
            error_message=error_message,
            build_duration=build_duration,
        )
        self._emit_event(event)
        return event

    def emit_docker_build_started(
        self,
        service_id: str,
        service_name: str,
        dockerfile_path: str,
        image_name: str | None = None,
    ) -> DockerBuildStartedEvent:
        """Emit ``service.docker_build_started`` (DockerBuildStartedEvent)."""
        event = DockerBuildStartedEvent(
            service_id=service_id,
            service_name=service_name,
            dockerfile_path=dockerfile_path,
            image_name=image_name,
        )
        self._emit_event(event)
        return event

    def emit_service_created(
        self,
        service_id: str,
        service_name: str,
        service_type: str,
        implementation: str,
        config: dict[str, Any] | None = None,
    ) -> ServiceCreatedEvent:
        """Emit ``service.created`` (ServiceCreatedEvent)."""
        event = ServiceCreatedEvent(
            service_id=service_id,
            service_name=service_name,
            service_type=service_type,
            implementation=implementation,
            config=config,
        )
        self._emit_event(event)
        return event

    def emit_service_deployment_completed(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        endpoint: str | None = None,
        ports: list[int] | None = None,
        deployment_details: dict[str, Any] | None = None,
    ) -> ServiceDeploymentCompletedEvent:
        """Emit ``service.deployment_completed`` (ServiceDeploymentCompletedEvent)."""
        event = ServiceDeploymentCompletedEvent(
            service_id=service_id,
            service_name=service_name,
            environment=environment,
            endpoint=endpoint,
            ports=ports,
            deployment_details=deployment_details,
        )
        self._emit_event(event)
        return event

    def emit_service_deployment_failed(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        error_message: str,
        error_type: str | None = None,
    ) -> ServiceDeploymentFailedEvent:
        """Emit ``service.deployment_failed`` (ServiceDeploymentFailedEvent)."""
        event = ServiceDeploymentFailedEvent(
            service_id=service_id,
            service_name=service_name,
            environment=environment,
            error_message=error_message,
            error_type=error_type,
        )
        self._emit_event(event)
        return event

    def emit_service_deployment_started(
        self,
        service_id: str,
        service_name: str,
        environment: str,
        deployment_config: dict[str, Any] | None = None,
    ) -> ServiceDeploymentStartedEvent:
        """Emit ``service.deployment_started`` (ServiceDeploymentStartedEvent)."""
        event = ServiceDeploymentStartedEvent(
            service_id=service_id,
            service_name=service_name,
            environment=environment,
            deployment_config=deployment_config,
        )
        self._emit_event(event)
        return event

    def emit_service_destroyed(
        self, service_id: str, service_name: str, cleanup_details: dict[str, Any] | None = None
    ) -> ServiceDestroyedEvent:
        """Emit ``service.destroyed`` (ServiceDestroyedEvent)."""
        event = ServiceDestroyedEvent(
            service_id=service_id, service_name=service_name, cleanup_details=cleanup_details
        )
        self._emit_event(event)
        return event

    def emit_service_error(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        error_details: dict[str, Any] | None = None,
    ) -> ServiceErrorEvent:
        """Emit ``service.error`` (ServiceErrorEvent)."""
        event = ServiceErrorEvent(
            service_id=service_id,
            service_name=service_name,
            error_message=error_message,
            error_type=error_type,
            error_details=error_details,
        )
        self._emit_event(event)
        return event

    def emit_service_health_check_failed(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        error_message: str,
        endpoint: str | None = None,
        status_code: int | None = None,
    ) -> ServiceHealthCheckFailedEvent:
        """Emit ``service.health_check_failed`` (ServiceHealthCheckFailedEvent)."""
        event = ServiceHealthCheckFailedEvent(
            service_id=service_id,
            service_name=service_name,
            check_type=check_type,
            error_message=error_message,
            endpoint=endpoint,
            status_code=status_code,
        )
        self._emit_event(event)
        return event

    def emit_service_health_check_passed(
        self,
        service_id: str,
        service_name: str,
        check_type: str,
        endpoint: str | None = None,
        response_time_ms: float | None = None,
    ) -> ServiceHealthCheckPassedEvent:
        """Emit ``service.health_check_passed`` (ServiceHealthCheckPassedEvent)."""
        event = ServiceHealthCheckPassedEvent(
            service_id=service_id,
            service_name=service_name,
            check_type=check_type,
            endpoint=endpoint,
            response_time_ms=response_time_ms,
        )
        self._emit_event(event)
        return event

    def emit_service_preparation_completed(
        self,
        service_id: str,
        service_name: str,
        duration_seconds: float | None = None,
        artifacts: list[str] | None = None,
    ) -> ServicePreparationCompletedEvent:
        """Emit ``service.preparation_completed`` (ServicePreparationCompletedEvent)."""
        event = ServicePreparationCompletedEvent(
            service_id=service_id,
            service_name=service_name,
            duration_seconds=duration_seconds,
            artifacts=artifacts,
        )
        self._emit_event(event)
        return event

    def emit_service_preparation_failed(
        self,
        service_id: str,
        service_name: str,
        error_message: str,
        error_type: str | None = None,
        failed_step: str | None = None,
    ) -> ServicePreparationFailedEvent:
        """Emit ``service.preparation_failed`` (ServicePreparationFailedEvent)."""
        event = ServicePreparationFailedEvent(
            service_id=service_id,
            service_name=service_name,
            error_message=error_message,
            error_type=error_type,
            failed_step=failed_step,
        )
        self._emit_event(event)
        return event

    def emit_service_preparation_started(
        self, service_id: str, service_name: str, preparation_steps: list[str] | None = None
    ) -> ServicePreparationStartedEvent:
        """Emit ``service.preparation_started`` (ServicePreparationStartedEvent)."""
        event = ServicePreparationStartedEvent(
            service_id=service_id, service_name=service_name, preparation_steps=preparation_steps
        )
        self._emit_event(event)
        return event

    def emit_service_ready(
        self, service_id: str, service_name: str, readiness_checks: list[str] | None = None
    ) -> ServiceReadyEvent:
        """Emit ``service.ready`` (ServiceReadyEvent)."""
        event = ServiceReadyEvent(
            service_id=service_id, service_name=service_name, readiness_checks=readiness_checks
        )
        self._emit_event(event)
        return event

    def emit_service_started(
        self,
        service_id: str,
        service_name: str,
        pid: int | None = None,
        start_time: float | None = None,
    ) -> ServiceStartedEvent:
        """Emit ``service.started`` (ServiceStartedEvent)."""
        event = ServiceStartedEvent(
            service_id=service_id, service_name=service_name, pid=pid, start_time=start_time
        )
        self._emit_event(event)
        return event

    def emit_service_stopped(
        self,
        service_id: str,
        service_name: str,
        exit_code: int | None = None,
        reason: str | None = None,
        uptime_seconds: float | None = None,
    ) -> ServiceStoppedEvent:
        """Emit ``service.stopped`` (ServiceStoppedEvent)."""
        event = ServiceStoppedEvent(
            service_id=service_id,
            service_name=service_name,
            exit_code=exit_code,
            reason=reason,
            uptime_seconds=uptime_seconds,
        )
        self._emit_event(event)
        return event

    def emit_service_stopping(
        self,
        service_id: str,
        service_name: str,
        reason: str | None = None,
        grace_period_seconds: float | None = None,
    ) -> ServiceStoppingEvent:
        """Emit ``service.stopping`` (ServiceStoppingEvent)."""
        event = ServiceStoppingEvent(
            service_id=service_id,
            service_name=service_name,
            reason=reason,
            grace_period_seconds=grace_period_seconds,
        )
        self._emit_event(event)
        return event

    def emit_service_test_results(
        self,
        service_id: str,
        service_name: str,
        test_results: dict[str, Any],
        overall_success: bool,
        test_summary: dict[str, Any] | None = None,
    ) -> ServiceTestResultsEvent:
        """Emit ``service.test_results`` (ServiceTestResultsEvent)."""
        event = ServiceTestResultsEvent(
            service_id=service_id,
            service_name=service_name,
            test_results=test_results,
            overall_success=overall_success,
            test_summary=test_summary,
        )
        self._emit_event(event)
        return event

    def emit_tester_analysis_completed(
        self,
        service_id: str,
        tester_name: str,
        passed: bool,
        failed_checks: list[str],
        warnings: list[str] | None = None,
        detailed_results: dict[str, Any] | None = None,
    ) -> TesterAnalysisCompletedEvent:
        """Emit ``service.tester_analysis_completed`` (TesterAnalysisCompletedEvent)."""
        event = TesterAnalysisCompletedEvent(
            service_id=service_id,
            tester_name=tester_name,
            passed=passed,
            failed_checks=failed_checks,
            warnings=warnings,
            detailed_results=detailed_results,
        )
        self._emit_event(event)
        return event

    def emit_tester_analysis_started(
        self, service_id: str, tester_name: str, inputs: dict[str, Any], analysis_type: str
    ) -> TesterAnalysisStartedEvent:
        """Emit ``service.tester_analysis_started`` (TesterAnalysisStartedEvent)."""
        event = TesterAnalysisStartedEvent(
            service_id=service_id,
            tester_name=tester_name,
            inputs=inputs,
            analysis_type=analysis_type,
        )
        self._emit_event(event)
        return event
