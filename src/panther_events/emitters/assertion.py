"""AssertionEventEmitter: an emit method per assertion event class (validation)."""

from __future__ import annotations

from typing import Any

from ..events.assertion import (
    AssertionErrorEvent,
    AssertionProgressEvent,
    AssertionResultEvent,
    AssertionsValidationCompletedEvent,
    AssertionsValidationStartedEvent,
    AssertionUnknownEvent,
)
from .base import EventEmitterBase

__all__ = ["AssertionEventEmitter"]


class AssertionEventEmitter(EventEmitterBase):
    """Emits assertion events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_assertion_error(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> AssertionErrorEvent:
        """Emit ``assertion.error`` (AssertionErrorEvent)."""
        event = AssertionErrorEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            error_message=error_message,
            error_type=error_type,
            error_details=error_details,
            recoverable=recoverable,
        )
        self._emit_event(event)
        return event

    def emit_assertion_progress(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        current_assertion: str | None = None,
        total_assertions: int | None = None,
        progress_message: str = "",
    ) -> AssertionProgressEvent:
        """Emit ``assertion.progress`` (AssertionProgressEvent)."""
        event = AssertionProgressEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            current_assertion=current_assertion,
            total_assertions=total_assertions,
            progress_message=progress_message,
        )
        self._emit_event(event)
        return event

    def emit_assertion_result(
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
    ) -> AssertionResultEvent:
        """Emit ``assertion.result`` (AssertionResultEvent)."""
        event = AssertionResultEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            assertion_passed=assertion_passed,
            expected_value=expected_value,
            actual_value=actual_value,
            assertion_message=assertion_message,
            assertion_details=assertion_details,
        )
        self._emit_event(event)
        return event

    def emit_assertion_unknown(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        reason: str = "",
        context: dict[str, Any] | None = None,
    ) -> AssertionUnknownEvent:
        """Emit ``assertion.unknown`` (AssertionUnknownEvent)."""
        event = AssertionUnknownEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            reason=reason,
            context=context,
        )
        self._emit_event(event)
        return event

    def emit_assertions_validation_completed(
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
    ) -> AssertionsValidationCompletedEvent:
        """Emit ``assertion.validation_completed`` (AssertionsValidationCompletedEvent)."""
        event = AssertionsValidationCompletedEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            duration=duration,
            passed_count=passed_count,
            failed_count=failed_count,
            total_count=total_count,
            summary=summary,
        )
        self._emit_event(event)
        return event

    def emit_assertions_validation_started(
        self,
        assertion_id: str,
        assertion_name: str,
        test_case_id: str | None = None,
        step_id: str | None = None,
        total_assertions: int | None = None,
        validation_config: dict[str, Any] | None = None,
    ) -> AssertionsValidationStartedEvent:
        """Emit ``assertion.validation_started`` (AssertionsValidationStartedEvent)."""
        event = AssertionsValidationStartedEvent(
            assertion_id=assertion_id,
            assertion_name=assertion_name,
            test_case_id=test_case_id,
            step_id=step_id,
            total_assertions=total_assertions,
            validation_config=validation_config,
        )
        self._emit_event(event)
        return event
