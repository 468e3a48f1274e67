"""The observers people use: logging, progress, metrics, results, storage and state tracking.

Modules that need an extra (``rich`` for progress) import it lazily, so importing this package
stays stdlib-only.
"""

from __future__ import annotations

from .logger import LoggerObserver
from .metrics import MetricSeries, MetricsObserver
from .progress import ProgressObserver
from .results import ExperimentResult, ResultCollector, StepResult, TestResult
from .state_tracking import StateTrackingObserver, StateViolation
from .store import EventStoreObserver

__all__ = [
    "EventStoreObserver",
    "ExperimentResult",
    "LoggerObserver",
    "MetricSeries",
    "MetricsObserver",
    "ProgressObserver",
    "ResultCollector",
    "StateTrackingObserver",
    "StateViolation",
    "StepResult",
    "TestResult",
]
