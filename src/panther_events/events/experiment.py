"""Experiment events: one experiment run, from initialisation and plugin loading to its outcome."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "ExperimentCompletedEvent",
    "ExperimentEvent",
    "ExperimentEventType",
    "ExperimentExecutionCompletedEvent",
    "ExperimentExecutionFailedEvent",
    "ExperimentExecutionStartedEvent",
    "ExperimentFailedEvent",
    "ExperimentFinishedEarlyEvent",
    "ExperimentInitializedEvent",
    "ExperimentPluginLoadingCompletedEvent",
    "ExperimentPluginLoadingFailedEvent",
    "ExperimentPluginLoadingStartedEvent",
    "ExperimentServiceFailureEvent",
    "ExperimentTestCasesInitializedEvent",
]


class ExperimentEventType(enum.Enum):
    """The ``experiment`` event names, exactly as the API reference lists them."""

    INITIALIZED = "initialized"
    PLUGIN_LOADING_STARTED = "plugin_loading_started"
    PLUGIN_LOADING_COMPLETED = "plugin_loading_completed"
    PLUGIN_LOADING_FAILED = "plugin_loading_failed"
    TEST_CASES_INITIALIZED = "test_cases_initialized"
    EXECUTION_STARTED = "execution_started"
    EXECUTION_COMPLETED = "execution_completed"
    EXECUTION_FAILED = "execution_failed"
    FINISHED_EARLY = "finished_early"
    SERVICE_FAILURE = "service_failure"
    COMPLETED = "completed"
    FAILED = "failed"


class ExperimentEvent(BaseEvent):
    """Base class for all experiment events; the entity id is ``experiment_id``.

    ``event_type`` is a ``ExperimentEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``ExperimentEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(ExperimentEventType)
    ID_FIELD: ClassVar[str] = "experiment_id"

    def __init__(
        self,
        event_type: ExperimentEventType | str,
        experiment_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, ExperimentEventType) else event_type
        super().__init__(name, EventType.EXPERIMENT, experiment_id, data)


class ExperimentInitializedEvent(ExperimentEvent):
    """``experiment.initialized``: experiment initialized."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.initialized"

    def __init__(
        self,
        experiment_id: str,
        config: dict[str, Any] | None = None,
    ) -> None:
        _setup(self, experiment_id, {"config": config})


class ExperimentPluginLoadingStartedEvent(ExperimentEvent):
    """``experiment.plugin_loading_started``: experiment plugin loading started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.plugin_loading_started"

    def __init__(
        self,
        experiment_id: str,
        plugin_count: int | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"plugin_count": plugin_count},
        )


class ExperimentPluginLoadingCompletedEvent(ExperimentEvent):
    """``experiment.plugin_loading_completed``: experiment plugin loading completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.plugin_loading_completed"

    def __init__(
        self,
        experiment_id: str,
        loaded_plugins: list[str] | None = None,
        plugin_count: int | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"loaded_plugins": loaded_plugins, "plugin_count": plugin_count},
        )


class ExperimentPluginLoadingFailedEvent(ExperimentEvent):
    """``experiment.plugin_loading_failed``: experiment plugin loading failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.plugin_loading_failed"

    def __init__(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        failed_plugins: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {
                "error_message": error_message,
                "error_type": error_type,
                "failed_plugins": failed_plugins,
            },
        )


class ExperimentTestCasesInitializedEvent(ExperimentEvent):
    """``experiment.test_cases_initialized``: experiment test cases initialized."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.test_cases_initialized"

    def __init__(
        self,
        experiment_id: str,
        test_count: int,
        test_names: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"test_count": test_count, "test_names": test_names},
        )


class ExperimentExecutionStartedEvent(ExperimentEvent):
    """``experiment.execution_started``: experiment execution started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.execution_started"

    def __init__(
        self,
        experiment_id: str,
        test_count: int | None = None,
    ) -> None:
        _setup(self, experiment_id, {"test_count": test_count})


class ExperimentExecutionCompletedEvent(ExperimentEvent):
    """``experiment.execution_completed``: experiment execution completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.execution_completed"

    def __init__(
        self,
        experiment_id: str,
        success_count: int,
        failure_count: int,
        total_count: int,
        duration_seconds: float | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {
                "success_count": success_count,
                "failure_count": failure_count,
                "total_count": total_count,
                "duration_seconds": duration_seconds,
            },
        )


class ExperimentExecutionFailedEvent(ExperimentEvent):
    """``experiment.execution_failed``: experiment execution failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.execution_failed"

    def __init__(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        phase: str | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"error_message": error_message, "error_type": error_type, "phase": phase},
        )


class ExperimentFinishedEarlyEvent(ExperimentEvent):
    """``experiment.finished_early``: experiment finished early."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.finished_early"

    def __init__(
        self,
        experiment_id: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"reason": reason, "details": details},
        )


class ExperimentCompletedEvent(ExperimentEvent):
    """``experiment.completed``: experiment completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.completed"

    def __init__(
        self,
        experiment_id: str,
        summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(self, experiment_id, {"summary": summary})


class ExperimentFailedEvent(ExperimentEvent):
    """``experiment.failed``: experiment failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.failed"

    def __init__(
        self,
        experiment_id: str,
        error_message: str,
        error_type: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"error_message": error_message, "error_type": error_type, "summary": summary},
        )


class ExperimentServiceFailureEvent(ExperimentEvent):
    """``experiment.service_failure``: experiment service failure."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "experiment.service_failure"

    def __init__(
        self,
        experiment_id: str,
        failed_service: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            experiment_id,
            {"failed_service": failed_service, "reason": reason, "details": details},
        )
