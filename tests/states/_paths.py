"""Each kind's happy path and failure events, as event types (shared by several test modules)."""

from __future__ import annotations

HAPPY_PATHS: dict[str, list[str]] = {
    "experiment": [
        "experiment.initialized",
        "experiment.plugin_loading_started",
        "experiment.plugin_loading_completed",
        "experiment.test_cases_initialized",
        "experiment.execution_started",
        "experiment.execution_completed",
        "experiment.completed",
    ],
    "test": [
        "test.created",
        "test.setup_started",
        "test.environment_setup_started",
        "test.environment_setup_completed",
        "test.deployment_started",
        "test.deployment_completed",
        "test.setup_completed",
        "test.execution_started",
        "test.assertions_started",
        "test.assertions_completed",
        "test.execution_completed",
        "test.teardown_started",
        "test.teardown_completed",
        "test.completed",
    ],
    "service": [
        "service.created",
        "service.preparation_started",
        "service.preparation_completed",
        "service.deployment_started",
        "service.deployment_completed",
        "service.started",
        "service.ready",
        "service.stopping",
        "service.stopped",
        "service.destroyed",
    ],
    "environment": [
        "environment.created",
        "environment.setup_started",
        "environment.network.setup_started",
        "environment.network.setup_completed",
        "environment.setup_completed",
        "environment.teardown_started",
        "environment.network.teardown_started",
        "environment.network.teardown_completed",
        "environment.teardown_completed",
    ],
    "plugin": [
        "plugin.loading_started",
        "plugin.loading_completed",
        "plugin.initialized",
        "plugin.started",
        "plugin.stopped",
    ],
    "step": ["step.execution_started", "step.execution_completed"],
    "assertion": ["assertion.validation_started", "assertion.validation_completed"],
}

#: The state each happy path ends in.
HAPPY_ENDS = {
    "experiment": "completed",
    "test": "completed",
    "service": "destroyed",
    "environment": "torn_down",
    "plugin": "stopped",
    "step": "completed",
    "assertion": "completed",
}

#: The event that fails an entity of each kind from any state that is not terminal.
FAILURE_EVENTS = {
    "experiment": "experiment.failed",
    "test": "test.failed",
    "service": "service.error",
    "environment": "environment.error",
    "plugin": "plugin.error",
    "step": "step.execution_failed",
    "assertion": "assertion.error",
}

#: Failures specific to one phase: (kind, the happy-path prefix length that enters the phase,
#: the failure event).
PHASE_FAILURES = [
    ("service", 2, "service.preparation_failed"),
    ("service", 4, "service.deployment_failed"),
    ("environment", 2, "environment.setup_failed"),
    ("environment", 3, "environment.network.setup_failed"),
    ("environment", 6, "environment.teardown_failed"),
    ("plugin", 1, "plugin.loading_failed"),
]
