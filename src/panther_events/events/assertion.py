"""Assertion events: the validation of a test's assertions and each assertion's result."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "AssertionErrorEvent",
    "AssertionEvent",
    "AssertionEventType",
    "AssertionProgressEvent",
    "AssertionResultEvent",
    "AssertionUnknownEvent",
    "AssertionsValidationCompletedEvent",
    "AssertionsValidationStartedEvent",
]


class AssertionEventType(enum.Enum):
    """The ``assertion`` event names, exactly as the API reference lists them."""

    VALIDATION_STARTED = "validation_started"
    VALIDATION_COMPLETED = "validation_completed"
    PROGRESS = "progress"
    RESULT = "result"
    ERROR = "error"
    UNKNOWN = "unknown"


class AssertionEvent(BaseEvent):
    """Base class for all assertion events; the entity id is ``assertion_id``.

    ``event_type`` is a ``AssertionEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``AssertionEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(AssertionEventType)
    ID_FIELD: ClassVar[str] = "assertion_id"

    def __init__(
        self,
        event_type: AssertionEventType | str,
        assertion_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, AssertionEventType) else event_type
        super().__init__(name, EventType.ASSERTION, assertion_id, data)


class AssertionsValidationStartedEvent(AssertionEvent):
    """``assertion.validation_started``: assertions validation started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.validation_started"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        total_assertions: int | None = None,
        validation_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "total_assertions": total_assertions,
                "validation_config": validation_config,
            },
        )


class AssertionsValidationCompletedEvent(AssertionEvent):
    """``assertion.validation_completed``: assertions validation completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.validation_completed"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        duration: float | None = None,
        passed_count: int = 0,
        failed_count: int = 0,
        total_count: int = 0,
        summary: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "duration": duration,
                "passed_count": passed_count,
                "failed_count": failed_count,
                "total_count": total_count,
                "summary": summary,
            },
        )


class AssertionProgressEvent(AssertionEvent):
    """``assertion.progress``: assertion progress."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.progress"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        current_assertion: str | None = None,
        total_assertions: int | None = None,
        progress_message: str = "",
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "current_assertion": current_assertion,
                "total_assertions": total_assertions,
                "progress_message": progress_message,
            },
        )


class AssertionResultEvent(AssertionEvent):
    """``assertion.result``: assertion result."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.result"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        assertion_passed: bool = False,
        expected_value: Any = None,
        actual_value: Any = None,
        assertion_message: str = "",
        assertion_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "assertion_passed": assertion_passed,
                "expected_value": expected_value,
                "actual_value": actual_value,
                "assertion_message": assertion_message,
                "assertion_details": assertion_details,
            },
        )


class AssertionErrorEvent(AssertionEvent):
    """``assertion.error``: assertion error."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.error"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "error_message": error_message,
                "error_type": error_type,
                "error_details": error_details,
                "recoverable": recoverable,
            },
        )


class AssertionUnknownEvent(AssertionEvent):
    """``assertion.unknown``: assertion unknown."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "assertion.unknown"

    def __init__(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        reason: str = "",
        context: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            assertion_id,
            {
                "assertion_name": assertion_name,
                "test_case_id": test_case_id,
                "step_id": step_id,
                "reason": reason,
                "context": context,
            },
        )
