"""StepEventEmitter: an emit method per step event class (lifecycle)."""

from __future__ import annotations

from typing import Any

from ..events.step import (
    StepExecutionCompletedEvent,
    StepExecutionFailedEvent,
    StepExecutionStartedEvent,
    StepProgressEvent,
    StepSkippedEvent,
    StepUnsupportedEvent,
)
from .base import EventEmitterBase

__all__ = ["StepEventEmitter"]


class StepEventEmitter(EventEmitterBase):
    """Emits step events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_step_execution_completed(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        duration: float | None = None,
        result: Any = None,
        output: str | None = None,
    ) -> StepExecutionCompletedEvent:
        """Emit ``step.execution_completed`` (StepExecutionCompletedEvent)."""
        event = StepExecutionCompletedEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            duration=duration,
            result=result,
            output=output,
        )
        self._emit_event(event)
        return event

    def emit_step_execution_failed(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
        retry_count: int = 0,
    ) -> StepExecutionFailedEvent:
        """Emit ``step.execution_failed`` (StepExecutionFailedEvent)."""
        event = StepExecutionFailedEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            error_message=error_message,
            error_details=error_details,
            duration=duration,
            retry_count=retry_count,
        )
        self._emit_event(event)
        return event

    def emit_step_execution_started(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        step_config: dict[str, Any] | None = None,
        prerequisites: list[str] | None = None,
    ) -> StepExecutionStartedEvent:
        """Emit ``step.execution_started`` (StepExecutionStartedEvent)."""
        event = StepExecutionStartedEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            step_config=step_config,
            prerequisites=prerequisites,
        )
        self._emit_event(event)
        return event

    def emit_step_progress(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        progress_percentage: float | None = None,
        progress_message: str = "",
        current_operation: str | None = None,
    ) -> StepProgressEvent:
        """Emit ``step.progress`` (StepProgressEvent)."""
        event = StepProgressEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            progress_percentage=progress_percentage,
            progress_message=progress_message,
            current_operation=current_operation,
        )
        self._emit_event(event)
        return event

    def emit_step_skipped(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        skip_reason: str = "",
        skip_condition: str | None = None,
    ) -> StepSkippedEvent:
        """Emit ``step.skipped`` (StepSkippedEvent)."""
        event = StepSkippedEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            skip_reason=skip_reason,
            skip_condition=skip_condition,
        )
        self._emit_event(event)
        return event

    def emit_step_unsupported(
        self,
        step_id: str,
        step_name: str,
        test_case_id: str | None = None,
        reason: str = "",
        alternative_steps: list[str] | None = None,
    ) -> StepUnsupportedEvent:
        """Emit ``step.unsupported`` (StepUnsupportedEvent)."""
        event = StepUnsupportedEvent(
            step_id=step_id,
            step_name=step_name,
            test_case_id=test_case_id,
            reason=reason,
            alternative_steps=alternative_steps,
        )
        self._emit_event(event)
        return event
