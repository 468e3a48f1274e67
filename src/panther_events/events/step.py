"""Step events: one step of a test being executed, progressing, skipped or unsupported."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "StepEvent",
    "StepEventType",
    "StepExecutionCompletedEvent",
    "StepExecutionFailedEvent",
    "StepExecutionStartedEvent",
    "StepProgressEvent",
    "StepSkippedEvent",
    "StepUnsupportedEvent",
]


class StepEventType(enum.Enum):
    """The ``step`` event names, exactly as the API reference lists them."""

    EXECUTION_STARTED = "execution_started"
    EXECUTION_COMPLETED = "execution_completed"
    EXECUTION_FAILED = "execution_failed"
    PROGRESS = "progress"
    UNSUPPORTED = "unsupported"
    SKIPPED = "skipped"


class StepEvent(BaseEvent):
    """Base class for all step events; the entity id is ``step_id``.

    ``event_type`` is a ``StepEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``StepEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(StepEventType)
    ID_FIELD: ClassVar[str] = "step_id"

    def __init__(
        self,
        event_type: StepEventType | str,
        step_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, StepEventType) else event_type
        super().__init__(name, EventType.STEP, step_id, data)


class StepExecutionStartedEvent(StepEvent):
    """``step.execution_started``: step execution started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.execution_started"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        step_config: dict[str, Any] | None = None,
        prerequisites: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "step_config": step_config,
                "prerequisites": prerequisites,
            },
        )


class StepExecutionCompletedEvent(StepEvent):
    """``step.execution_completed``: step execution completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.execution_completed"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        duration: float | None = None,
        result: Any = None,
        output: str | None = None,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "duration": duration,
                "result": result,
                "output": output,
            },
        )


class StepExecutionFailedEvent(StepEvent):
    """``step.execution_failed``: step execution failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.execution_failed"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
        retry_count: int = 0,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "error_message": error_message,
                "error_details": error_details,
                "duration": duration,
                "retry_count": retry_count,
            },
        )


class StepProgressEvent(StepEvent):
    """``step.progress``: step progress."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.progress"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        progress_percentage: float | None = None,
        progress_message: str = "",
        current_operation: str | None = None,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "progress_percentage": progress_percentage,
                "progress_message": progress_message,
                "current_operation": current_operation,
            },
        )


class StepUnsupportedEvent(StepEvent):
    """``step.unsupported``: step unsupported."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.unsupported"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        reason: str = "",
        alternative_steps: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "reason": reason,
                "alternative_steps": alternative_steps,
            },
        )


class StepSkippedEvent(StepEvent):
    """``step.skipped``: step skipped."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "step.skipped"

    def __init__(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        skip_reason: str = "",
        skip_condition: str | None = None,
    ) -> None:
        _setup(
            self,
            step_id,
            {
                "step_name": step_name,
                "test_case_id": test_case_id,
                "skip_reason": skip_reason,
                "skip_condition": skip_condition,
            },
        )
