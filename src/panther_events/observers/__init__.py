"""The observers people use: logging, progress, metrics, results, storage and state tracking.

Modules that need an extra (``rich`` for progress) import it lazily, so importing this package
stays stdlib-only.
"""

from __future__ import annotations

from .logger import LoggerObserver
from .state_tracking import StateTrackingObserver, StateViolation

__all__ = ["LoggerObserver", "StateTrackingObserver", "StateViolation"]
