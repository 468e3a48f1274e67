"""ExperimentEventEmitter: an emit method per experiment event class (lifecycle)."""

from __future__ import annotations

from ..events import experiment as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["ExperimentEventEmitter"]


class ExperimentEventEmitter(EventEmitterBase):
    """Emits experiment events: an ``emit_<name>`` per event class, built from the class."""

    emit_experiment_completed = emits(events.ExperimentCompletedEvent)
    emit_experiment_execution_completed = emits(events.ExperimentExecutionCompletedEvent)
    emit_experiment_execution_failed = emits(events.ExperimentExecutionFailedEvent)
    emit_experiment_execution_started = emits(events.ExperimentExecutionStartedEvent)
    emit_experiment_failed = emits(events.ExperimentFailedEvent)
    emit_experiment_finished_early = emits(events.ExperimentFinishedEarlyEvent)
    emit_experiment_initialized = emits(events.ExperimentInitializedEvent)
    emit_experiment_plugin_loading_completed = emits(events.ExperimentPluginLoadingCompletedEvent)
    emit_experiment_plugin_loading_failed = emits(events.ExperimentPluginLoadingFailedEvent)
    emit_experiment_plugin_loading_started = emits(events.ExperimentPluginLoadingStartedEvent)
    emit_experiment_service_failure = emits(events.ExperimentServiceFailureEvent)
    emit_experiment_test_cases_initialized = emits(events.ExperimentTestCasesInitializedEvent)
