"""ServiceEventEmitter: an emit method per service event class (lifecycle, builds, analyses)."""

from __future__ import annotations

from ..events import service as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["ServiceEventEmitter"]


class ServiceEventEmitter(EventEmitterBase):
    """Emits service events: an ``emit_<name>`` per event class, built from the class."""

    emit_command_generated = emits(events.CommandGeneratedEvent)
    emit_command_generation_started = emits(events.CommandGenerationStartedEvent)
    emit_command_modified = emits(events.CommandModifiedEvent)
    emit_config_generated = emits(events.ConfigGeneratedEvent)
    emit_docker_build_completed = emits(events.DockerBuildCompletedEvent)
    emit_docker_build_failed = emits(events.DockerBuildFailedEvent)
    emit_docker_build_started = emits(events.DockerBuildStartedEvent)
    emit_service_created = emits(events.ServiceCreatedEvent)
    emit_service_deployment_completed = emits(events.ServiceDeploymentCompletedEvent)
    emit_service_deployment_failed = emits(events.ServiceDeploymentFailedEvent)
    emit_service_deployment_started = emits(events.ServiceDeploymentStartedEvent)
    emit_service_destroyed = emits(events.ServiceDestroyedEvent)
    emit_service_error = emits(events.ServiceErrorEvent)
    emit_service_health_check_failed = emits(events.ServiceHealthCheckFailedEvent)
    emit_service_health_check_passed = emits(events.ServiceHealthCheckPassedEvent)
    emit_service_preparation_completed = emits(events.ServicePreparationCompletedEvent)
    emit_service_preparation_failed = emits(events.ServicePreparationFailedEvent)
    emit_service_preparation_started = emits(events.ServicePreparationStartedEvent)
    emit_service_ready = emits(events.ServiceReadyEvent)
    emit_service_started = emits(events.ServiceStartedEvent)
    emit_service_stopped = emits(events.ServiceStoppedEvent)
    emit_service_stopping = emits(events.ServiceStoppingEvent)
    emit_service_test_results = emits(events.ServiceTestResultsEvent)
    emit_tester_analysis_completed = emits(events.TesterAnalysisCompletedEvent)
    emit_tester_analysis_started = emits(events.TesterAnalysisStartedEvent)
