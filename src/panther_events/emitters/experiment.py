"""ExperimentEventEmitter: an emit method per experiment event class (lifecycle)."""

from __future__ import annotations

from typing import Any

from ..events.experiment import (
    ExperimentCompletedEvent,
    ExperimentExecutionCompletedEvent,
    ExperimentExecutionFailedEvent,
    ExperimentExecutionStartedEvent,
    ExperimentFailedEvent,
    ExperimentFinishedEarlyEvent,
    ExperimentInitializedEvent,
    ExperimentPluginLoadingCompletedEvent,
    ExperimentPluginLoadingFailedEvent,
    ExperimentPluginLoadingStartedEvent,
    ExperimentServiceFailureEvent,
    ExperimentTestCasesInitializedEvent,
)
from .base import EventEmitterBase

__all__ = ["ExperimentEventEmitter"]


class ExperimentEventEmitter(EventEmitterBase):
    """Emits experiment events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_experiment_completed(
        self, experiment_id: str, summary: dict[str, Any] | None = None
    ) -> ExperimentCompletedEvent:
        """Emit ``experiment.completed`` (ExperimentCompletedEvent)."""
        event = ExperimentCompletedEvent(experiment_id=experiment_id, summary=summary)
        self._emit_event(event)
        return event

    def emit_experiment_execution_completed(
        self,
        experiment_id: str,
        success_count: int,
        failure_count: int,
        total_count: int,
        duration_seconds: float | None = None,
    ) -> ExperimentExecutionCompletedEvent:
        """Emit ``experiment.execution_completed`` (ExperimentExecutionCompletedEvent)."""
        event = ExperimentExecutionCompletedEvent(
            experiment_id=experiment_id,
            success_count=success_count,
            failure_count=failure_count,
            total_count=total_count,
            duration_seconds=duration_seconds,
        )
        self._emit_event(event)
        return event

    def emit_experiment_execution_failed(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        phase: str | None = None,
    ) -> ExperimentExecutionFailedEvent:
        """Emit ``experiment.execution_failed`` (ExperimentExecutionFailedEvent)."""
        event = ExperimentExecutionFailedEvent(
            experiment_id=experiment_id,
            error_message=error_message,
            error_type=error_type,
            phase=phase,
        )
        self._emit_event(event)
        return event

    def emit_experiment_execution_started(
        self, experiment_id: str, test_count: int | None = None
    ) -> ExperimentExecutionStartedEvent:
        """Emit ``experiment.execution_started`` (ExperimentExecutionStartedEvent)."""
        event = ExperimentExecutionStartedEvent(experiment_id=experiment_id, test_count=test_count)
        self._emit_event(event)
        return event

    def emit_experiment_failed(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> ExperimentFailedEvent:
        """Emit ``experiment.failed`` (ExperimentFailedEvent)."""
        event = ExperimentFailedEvent(
            experiment_id=experiment_id,
            error_message=error_message,
            error_type=error_type,
            summary=summary,
        )
        self._emit_event(event)
        return event

    def emit_experiment_finished_early(
        self, experiment_id: str, reason: str, details: dict[str, Any] | None = None
    ) -> ExperimentFinishedEarlyEvent:
        """Emit ``experiment.finished_early`` (ExperimentFinishedEarlyEvent)."""
        event = ExperimentFinishedEarlyEvent(
            experiment_id=experiment_id, reason=reason, details=details
        )
        self._emit_event(event)
        return event

    def emit_experiment_initialized(
        self, experiment_id: str, config: dict[str, Any] | None = None
    ) -> ExperimentInitializedEvent:
        """Emit ``experiment.initialized`` (ExperimentInitializedEvent)."""
        event = ExperimentInitializedEvent(experiment_id=experiment_id, config=config)
        self._emit_event(event)
        return event

    def emit_experiment_plugin_loading_completed(
        self,
        experiment_id: str,
        loaded_plugins: list[str] | None = None,
        plugin_count: int | None = None,
    ) -> ExperimentPluginLoadingCompletedEvent:
        """Emit ``experiment.plugin_loading_completed`` (ExperimentPluginLoadingCompletedEvent)."""
        event = ExperimentPluginLoadingCompletedEvent(
            experiment_id=experiment_id, loaded_plugins=loaded_plugins, plugin_count=plugin_count
        )
        self._emit_event(event)
        return event

    def emit_experiment_plugin_loading_failed(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        failed_plugins: list[str] | None = None,
    ) -> ExperimentPluginLoadingFailedEvent:
        """Emit ``experiment.plugin_loading_failed`` (ExperimentPluginLoadingFailedEvent)."""
        event = ExperimentPluginLoadingFailedEvent(
            experiment_id=experiment_id,
            error_message=error_message,
            error_type=error_type,
            failed_plugins=failed_plugins,
        )
        self._emit_event(event)
        return event

    def emit_experiment_plugin_loading_started(
        self, experiment_id: str, plugin_count: int | None = None
    ) -> ExperimentPluginLoadingStartedEvent:
        """Emit ``experiment.plugin_loading_started`` (ExperimentPluginLoadingStartedEvent)."""
        event = ExperimentPluginLoadingStartedEvent(
            experiment_id=experiment_id, plugin_count=plugin_count
        )
        self._emit_event(event)
        return event

    def emit_experiment_service_failure(
        self,
        experiment_id: str,
        failed_service: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> ExperimentServiceFailureEvent:
        """Emit ``experiment.service_failure`` (ExperimentServiceFailureEvent)."""
        event = ExperimentServiceFailureEvent(
            experiment_id=experiment_id,
            failed_service=failed_service,
            reason=reason,
            details=details,
        )
        self._emit_event(event)
        return event

    def emit_experiment_test_cases_initialized(
        self, experiment_id: str, test_count: int, test_names: list[str] | None = None
    ) -> ExperimentTestCasesInitializedEvent:
        """Emit ``experiment.test_cases_initialized`` (ExperimentTestCasesInitializedEvent)."""
        event = ExperimentTestCasesInitializedEvent(
            experiment_id=experiment_id, test_count=test_count, test_names=test_names
        )
        self._emit_event(event)
        return event
