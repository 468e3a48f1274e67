"""panther-events: typed lifecycle events, observers, state machines and an event store.

Every name a user imports is here; see ``__all__``. The events, the manager and the exceptions
load with the package; the rest (emitters, states, observers, stores, transports) loads on first
use, so ``import panther_events`` stays cheap for code that only publishes events.
"""

# Each domain module's ``__all__`` lists its events once; they are re-exported with ``*`` and
# named again only in ``__all__`` below, which a test checks resolves (hence F405 is off).
# ruff: noqa: F405

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._canonical import create_content_based_uuid
from .events._wire import create_event_signature
from .events.assertion import *  # noqa: F403
from .events.base import BaseEvent, EventType, GenericEvent
from .events.environment import *  # noqa: F403
from .events.experiment import *  # noqa: F403
from .events.metrics import *  # noqa: F403
from .events.plugin import *  # noqa: F403
from .events.service import *  # noqa: F403
from .events.step import *  # noqa: F403
from .events.system import *  # noqa: F403
from .events.test import *  # noqa: F403
from .exceptions import (
    CorruptStoreError,
    EventValidationError,
    ExperimentFileError,
    InvalidTransitionError,
    ManagerClosedError,
    MissingExtraError,
    PantherEventsError,
    PatternError,
    RecursionLimitError,
    RunNotFoundError,
    StoreError,
    TransportError,
)
from .guide import (
    ExperimentFinishedEvent,
    ExperimentStartedEvent,
    TestCaseErrorEvent,
    TestCaseFinishedEvent,
    TestCaseStartedEvent,
)
from .manager import EventManager
from .observer import Observer

if TYPE_CHECKING:
    from .emitters.assertion import AssertionEventEmitter
    from .emitters.base import EntityEventEmitterBase, EventEmitter, EventEmitterBase
    from .emitters.environment import EnvironmentEventEmitter
    from .emitters.experiment import ExperimentEventEmitter
    from .emitters.metrics import MetricsEventEmitter
    from .emitters.plugin import PluginEventEmitter
    from .emitters.registry import EmitterRegistry
    from .emitters.service import ServiceEventEmitter
    from .emitters.step import StepEventEmitter
    from .emitters.test import TestEventEmitter
    from .observers.logger import LoggerObserver
    from .observers.metrics import MetricsObserver
    from .observers.progress import ProgressObserver
    from .observers.results import ResultCollector
    from .observers.state_tracking import StateTrackingObserver, StateViolation
    from .observers.store import EventStoreObserver
    from .serialization import event_from_dict, event_from_json, event_to_dict, event_to_json
    from .states.assertion import AssertionState, AssertionStateManager
    from .states.base import BaseState, EntityStateManager, StateManager, StateTransition
    from .states.environment import EnvironmentState, EnvironmentStateManager
    from .states.experiment import ExperimentState, ExperimentStateManager
    from .states.plugin import PluginState, PluginStateManager
    from .states.service import ServiceState, ServiceStateManager
    from .states.step import StepState, StepStateManager
    from .states.test import TestState, TestStateManager
    from .store.base import EventStore, EventStoreBase, WireReject, WireRejectedError
    from .store.formats import export_run, from_cloudevent, import_events, to_cloudevent
    from .store.memory import InMemoryEventStore
    from .store.sqlite import SQLiteEventStore
    from .transport.base import Delivery, Transport
    from .transport.memory import InMemoryStream, InMemoryTransport

#: Names loaded on first access (module ``__getattr__``): module -> the names it provides.
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "emitters.assertion": ("AssertionEventEmitter",),
    "emitters.base": ("EntityEventEmitterBase", "EventEmitter", "EventEmitterBase"),
    "emitters.environment": ("EnvironmentEventEmitter",),
    "emitters.experiment": ("ExperimentEventEmitter",),
    "emitters.metrics": ("MetricsEventEmitter",),
    "emitters.plugin": ("PluginEventEmitter",),
    "emitters.registry": ("EmitterRegistry",),
    "emitters.service": ("ServiceEventEmitter",),
    "emitters.step": ("StepEventEmitter",),
    "emitters.test": ("TestEventEmitter",),
    "observers.logger": ("LoggerObserver",),
    "observers.metrics": ("MetricsObserver",),
    "observers.progress": ("ProgressObserver",),
    "observers.results": ("ResultCollector",),
    "observers.state_tracking": ("StateTrackingObserver", "StateViolation"),
    "observers.store": ("EventStoreObserver",),
    "serialization": ("event_from_dict", "event_from_json", "event_to_dict", "event_to_json"),
    "states.assertion": ("AssertionState", "AssertionStateManager"),
    "states.base": ("BaseState", "EntityStateManager", "StateManager", "StateTransition"),
    "states.environment": ("EnvironmentState", "EnvironmentStateManager"),
    "states.experiment": ("ExperimentState", "ExperimentStateManager"),
    "states.plugin": ("PluginState", "PluginStateManager"),
    "states.service": ("ServiceState", "ServiceStateManager"),
    "states.step": ("StepState", "StepStateManager"),
    "states.test": ("TestState", "TestStateManager"),
    "store.base": ("EventStore", "EventStoreBase", "WireReject", "WireRejectedError"),
    "store.formats": ("export_run", "from_cloudevent", "import_events", "to_cloudevent"),
    "store.memory": ("InMemoryEventStore",),
    "store.sqlite": ("SQLiteEventStore",),
    "transport.base": ("Delivery", "Transport"),
    "transport.memory": ("InMemoryStream", "InMemoryTransport"),
}
#: Older top-level names of internals, still resolved for existing code but not in ``__all__``:
#: import them from their modules instead.
_INTERNAL_MODULES: dict[str, tuple[str, ...]] = {
    "_patterns": ("Pattern",),
    "emitters.base": ("EventSink",),
    "events.base": ("event_class_for", "registered_event_types"),
    "events.catalog": ("EventClassInfo", "event_catalog", "render_event_table"),
    "observers.logger": ("level_for",),
    "observers.metrics": ("MetricSeries",),
    "observers.results": ("ExperimentResult", "StepResult", "TestResult"),
    "serialization": ("check_wire",),
    "states.mapping": (
        "EventCheck",
        "check_event",
        "derive_state",
        "derive_states",
        "new_machine",
        "state_enum",
        "state_for_event",
        "target_state",
    ),
    "store.base": ("RunInfo", "StateInterval", "StoredEvent", "new_run_id"),
    "store.formats": ("ImportResult",),
    "transport.base": ("host_run_id",),
}
_WHERE = {
    name: module
    for table in (_LAZY_MODULES, _INTERNAL_MODULES)
    for module, names in table.items()
    for name in names
}


#: The installed distribution's version, read on first access (by ``__getattr__``).
__version__: str

# Hidden from type checkers: a module ``__getattr__`` would make every name, misspelt ones
# included, a valid ``Any`` to them. They see the imports under TYPE_CHECKING instead.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """Import a lazily loaded name (or ``__version__``) on first access and keep it."""
        if name == "__version__":
            # importlib.metadata costs more than the rest of the package: read it only when asked.
            from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

            try:
                value: Any = version("panther-events")
            except PackageNotFoundError:  # running from a source tree without installing
                value = "0.0.0"
        elif name in _WHERE:
            value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value


__all__ = [
    "AssertionErrorEvent",
    "AssertionEvent",
    "AssertionEventEmitter",
    "AssertionEventType",
    "AssertionProgressEvent",
    "AssertionResultEvent",
    "AssertionState",
    "AssertionStateManager",
    "AssertionUnknownEvent",
    "AssertionsValidationCompletedEvent",
    "AssertionsValidationStartedEvent",
    "BaseEvent",
    "BaseState",
    "CommandGeneratedEvent",
    "CommandGenerationStartedEvent",
    "CommandModifiedEvent",
    "ConfigGeneratedEvent",
    "CorruptStoreError",
    "CounterMetricEvent",
    "Delivery",
    "DockerBuildCompletedEvent",
    "DockerBuildFailedEvent",
    "DockerBuildStartedEvent",
    "EmitterRegistry",
    "EnhancedResultEvent",
    "EntityEventEmitterBase",
    "EntityStateManager",
    "EnvironmentCreatedEvent",
    "EnvironmentErrorEvent",
    "EnvironmentEvent",
    "EnvironmentEventEmitter",
    "EnvironmentEventType",
    "EnvironmentSetupCompletedEvent",
    "EnvironmentSetupFailedEvent",
    "EnvironmentSetupStartedEvent",
    "EnvironmentState",
    "EnvironmentStateManager",
    "EnvironmentTeardownCompletedEvent",
    "EnvironmentTeardownFailedEvent",
    "EnvironmentTeardownStartedEvent",
    "EventEmitter",
    "EventEmitterBase",
    "EventManager",
    "EventStore",
    "EventStoreBase",
    "EventStoreObserver",
    "EventType",
    "EventValidationError",
    "ExperimentCompletedEvent",
    "ExperimentEvent",
    "ExperimentEventEmitter",
    "ExperimentEventType",
    "ExperimentExecutionCompletedEvent",
    "ExperimentExecutionFailedEvent",
    "ExperimentExecutionStartedEvent",
    "ExperimentFailedEvent",
    "ExperimentFileError",
    "ExperimentFinishedEarlyEvent",
    "ExperimentFinishedEvent",
    "ExperimentInitializedEvent",
    "ExperimentPluginLoadingCompletedEvent",
    "ExperimentPluginLoadingFailedEvent",
    "ExperimentPluginLoadingStartedEvent",
    "ExperimentServiceFailureEvent",
    "ExperimentStartedEvent",
    "ExperimentState",
    "ExperimentStateManager",
    "ExperimentTestCasesInitializedEvent",
    "GenericEvent",
    "InMemoryEventStore",
    "InMemoryStream",
    "InMemoryTransport",
    "InvalidTransitionError",
    "LoggerObserver",
    "ManagerClosedError",
    "MetricCollectedEvent",
    "MetricsEvent",
    "MetricsEventEmitter",
    "MetricsEventType",
    "MetricsObserver",
    "MetricsSummaryEvent",
    "MissingExtraError",
    "NetworkSetupCompletedEvent",
    "NetworkSetupFailedEvent",
    "NetworkSetupStartedEvent",
    "NetworkTeardownCompletedEvent",
    "NetworkTeardownStartedEvent",
    "Observer",
    "ObserverFailedEvent",
    "PantherEventsError",
    "PatternError",
    "PluginEnvironmentCreatedEvent",
    "PluginEnvironmentDestroyedEvent",
    "PluginEnvironmentReadyEvent",
    "PluginErrorEvent",
    "PluginEvent",
    "PluginEventEmitter",
    "PluginEventType",
    "PluginInitializedEvent",
    "PluginLoadedEvent",
    "PluginLoadingCompletedEvent",
    "PluginLoadingFailedEvent",
    "PluginLoadingStartedEvent",
    "PluginServiceCreatedEvent",
    "PluginServiceStartedEvent",
    "PluginServiceStoppedEvent",
    "PluginStartedEvent",
    "PluginState",
    "PluginStateManager",
    "PluginStoppedEvent",
    "ProgressObserver",
    "RecursionLimitError",
    "ResourceMetricEvent",
    "ResultCollector",
    "RunNotFoundError",
    "SQLiteEventStore",
    "ServiceCreatedEvent",
    "ServiceDeploymentCompletedEvent",
    "ServiceDeploymentFailedEvent",
    "ServiceDeploymentStartedEvent",
    "ServiceDestroyedEvent",
    "ServiceErrorEvent",
    "ServiceEvent",
    "ServiceEventEmitter",
    "ServiceEventType",
    "ServiceHealthCheckFailedEvent",
    "ServiceHealthCheckPassedEvent",
    "ServiceManagerCreatedEvent",
    "ServicePreparationCompletedEvent",
    "ServicePreparationFailedEvent",
    "ServicePreparationStartedEvent",
    "ServiceReadyEvent",
    "ServiceStartedEvent",
    "ServiceState",
    "ServiceStateManager",
    "ServiceStoppedEvent",
    "ServiceStoppingEvent",
    "ServiceTestResultsEvent",
    "StateManager",
    "StateTrackingObserver",
    "StateTransition",
    "StateViolation",
    "StepEvent",
    "StepEventEmitter",
    "StepEventType",
    "StepExecutionCompletedEvent",
    "StepExecutionFailedEvent",
    "StepExecutionStartedEvent",
    "StepProgressEvent",
    "StepSkippedEvent",
    "StepState",
    "StepStateManager",
    "StepUnsupportedEvent",
    "StoreError",
    "SystemEvent",
    "TestAssertionCheckedEvent",
    "TestAssertionsCompletedEvent",
    "TestAssertionsFailedEvent",
    "TestAssertionsStartedEvent",
    "TestCaseErrorEvent",
    "TestCaseFinishedEvent",
    "TestCaseStartedEvent",
    "TestCompletedEvent",
    "TestCreatedEvent",
    "TestDeploymentCompletedEvent",
    "TestDeploymentFailedEvent",
    "TestDeploymentStartedEvent",
    "TestEnvironmentSetupCompletedEvent",
    "TestEnvironmentSetupFailedEvent",
    "TestEnvironmentSetupStartedEvent",
    "TestEvent",
    "TestEventEmitter",
    "TestEventType",
    "TestExecutionCompletedEvent",
    "TestExecutionFailedEvent",
    "TestExecutionStartedEvent",
    "TestFailedEvent",
    "TestResultEvent",
    "TestSetupCompletedEvent",
    "TestSetupFailedEvent",
    "TestSetupStartedEvent",
    "TestState",
    "TestStateManager",
    "TestStepCompletedEvent",
    "TestStepFailedEvent",
    "TestStepStartedEvent",
    "TestTeardownCompletedEvent",
    "TestTeardownStartedEvent",
    "TesterAnalysisCompletedEvent",
    "TesterAnalysisStartedEvent",
    "TimingMetricEvent",
    "Transport",
    "TransportError",
    "WireReject",
    "WireRejectedError",
    "create_content_based_uuid",
    "create_event_signature",
    "event_from_dict",
    "event_from_json",
    "event_to_dict",
    "event_to_json",
    "export_run",
    "from_cloudevent",
    "import_events",
    "to_cloudevent",
]


def __dir__() -> list[str]:
    """The loaded names and every exported one (lazy names included, for completion)."""
    return sorted(set(globals()) | set(__all__))
