"""The observer guide's event names, mapped onto the API reference's canonical types.

The guide (``test_case.started``, ``service.starting``, ``network.ready``...) was written before
the reference fixed the type strings. Each guide name stands for a set of canonical types: a
subscription to the guide name receives those, and an ``Observer`` method named after the guide
name (``on_test_case_finished``) handles them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["GUIDE_ALIASES", "aliases_of"]

_TEST_ERRORS = (
    "test.setup_failed",
    "test.environment_setup_failed",
    "test.deployment_failed",
    "test.execution_failed",
    "test.assertions_failed",
)

#: guide name -> the canonical types it stands for.
GUIDE_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Experiment level
        "experiment.started": ("experiment.execution_started",),
        "experiment.configured": ("experiment.initialized",),
        # Exactly one terminal event per experiment, whatever its outcome.
        "experiment.finished": (
            "experiment.completed",
            "experiment.failed",
            "experiment.finished_early",
        ),
        "experiment.error": (
            "experiment.execution_failed",
            "experiment.plugin_loading_failed",
            "experiment.service_failure",
        ),
        # Test case level
        "test_case.started": ("test.setup_started",),
        "test_case.setup_complete": ("test.setup_completed",),
        "test_case.execution_started": ("test.execution_started",),
        "test_case.results_collected": ("test.execution_completed",),
        # Exactly one terminal event per test: test.completed or test.failed.
        "test_case.finished": ("test.completed", "test.failed"),
        "test_case.error": _TEST_ERRORS,
        # Plugin lifecycle
        "plugin.discovered": ("plugin.loading_started",),
        "plugin.loaded": ("plugin.loading_completed", "plugin.loaded"),
        "plugin.error": ("plugin.error", "plugin.loading_failed"),
        # Service events (service.ready and service.stopped are canonical names already;
        # service.stopping is the canonical type of ServiceStoppingEvent)
        "service.starting": ("service.deployment_started",),
        # Network environment
        "network.setup_started": ("environment.network.setup_started",),
        "network.ready": ("environment.network.setup_completed",),
        "network.teardown_started": ("environment.network.teardown_started",),
        "network.teardown_complete": ("environment.network.teardown_completed",),
        # Execution environment
        "execution.environment_ready": ("environment.setup_completed",),
        "execution.environment_error": ("environment.setup_failed", "environment.error"),
    }
)

_BY_CANONICAL: dict[str, tuple[str, ...]] = {}
for _alias, _types in GUIDE_ALIASES.items():
    for _t in _types:
        _BY_CANONICAL[_t] = (*_BY_CANONICAL.get(_t, ()), _alias)


def aliases_of(event_type: str) -> tuple[str, ...]:
    """Return the guide names that stand for ``event_type`` (often none)."""
    return _BY_CANONICAL.get(event_type, ())
