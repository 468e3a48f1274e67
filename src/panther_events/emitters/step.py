"""StepEventEmitter: an emit method per step event class (lifecycle)."""

from __future__ import annotations

from ..events import step as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["StepEventEmitter"]


class StepEventEmitter(EventEmitterBase):
    """Emits step events: an ``emit_<name>`` per event class, built from the class."""

    emit_step_execution_completed = emits(events.StepExecutionCompletedEvent)
    emit_step_execution_failed = emits(events.StepExecutionFailedEvent)
    emit_step_execution_started = emits(events.StepExecutionStartedEvent)
    emit_step_progress = emits(events.StepProgressEvent)
    emit_step_skipped = emits(events.StepSkippedEvent)
    emit_step_unsupported = emits(events.StepUnsupportedEvent)
