"""AssertionEventEmitter: an emit method per assertion event class (validation)."""

from __future__ import annotations

from ..events import assertion as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["AssertionEventEmitter"]


class AssertionEventEmitter(EventEmitterBase):
    """Emits assertion events: an ``emit_<name>`` per event class, built from the class."""

    emit_assertion_error = emits(events.AssertionErrorEvent)
    emit_assertion_progress = emits(events.AssertionProgressEvent)
    emit_assertion_result = emits(events.AssertionResultEvent)
    emit_assertion_unknown = emits(events.AssertionUnknownEvent)
    emit_assertions_validation_completed = emits(events.AssertionsValidationCompletedEvent)
    emit_assertions_validation_started = emits(events.AssertionsValidationStartedEvent)
