"""Every class and enum of the API reference exists with exactly the spec's parameters."""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import pytest

import panther_events
from panther_events import BaseEvent, EventType
from panther_events.events.base import registered_event_types
from tests.events.spec_tables import SpecClass, spec_classes, spec_enums

CLASSES = spec_classes()
ID_PARAM = {
    "test": "test_id",
    "service": "service_id",
    "experiment": "experiment_id",
    "environment": "environment_id",
    "step": "step_id",
    "plugin": "plugin_id",
    "assertion": "assertion_id",
}
# Metrics events have no id parameter: the measured thing's name is the entity.
METRICS_ENTITY = {
    "MetricCollectedEvent": "metric_name",
    "ResourceMetricEvent": "resource_type",
    "TimingMetricEvent": "operation_name",
    "CounterMetricEvent": "counter_name",
    "MetricsSummaryEvent": "test_case",
}
INTEGERS = {
    "total_assertions",
    "passed_assertions",
    "failed_assertions",
    "success_count",
    "failure_count",
    "total_count",
    "test_count",
}
BOOLEANS = {"passed", "success", "all_passed", "overall_success", "result"}
MAPPINGS = {"assertion_config", "metrics", "test_results", "inputs"}


def sample(name: str) -> Any:
    """A plausible value for a required parameter, distinct per name."""
    if name in INTEGERS:
        return 7
    if name in BOOLEANS:
        return True
    if name in {"value", "duration", "usage_value"}:
        return 2.5
    if name in MAPPINGS:
        return {"key": name}
    if name == "failed_checks":
        return ["check-a"]
    return f"{name}-value"


def build(spec: SpecClass) -> tuple[BaseEvent, dict[str, Any]]:
    """Build ``spec``'s class with a sample for each required parameter."""
    cls = getattr(panther_events, spec.name)
    kwargs = {p.name: sample(p.name) for p in spec.params if p.default is None}
    return cls(**kwargs), kwargs


def test_the_spec_tables_were_read() -> None:
    """The table parser finds every domain's classes (guards the tests below)."""
    counts: dict[str, int] = {}
    for spec in CLASSES:
        counts[spec.domain] = counts.get(spec.domain, 0) + 1
    assert counts == {
        "test": 26,
        "service": 24,
        "experiment": 12,
        "metrics": 5,
        "environment": 9,
        "step": 6,
        "plugin": 12,
        "assertion": 6,
    }


@pytest.mark.parametrize("spec", CLASSES, ids=lambda s: s.name)
class TestEveryClass:
    """Each class of the reference's tables."""

    def test_signature_matches_the_spec(self, spec: SpecClass) -> None:
        """Parameters have the spec's names, order, required-ness and defaults."""
        cls = getattr(panther_events, spec.name)
        params = list(inspect.signature(cls).parameters.values())
        assert [p.name for p in params] == [p.name for p in spec.params]
        for actual, expected in zip(params, spec.params, strict=True):
            if expected.default is None:
                assert actual.default is inspect.Parameter.empty, actual.name
            else:
                assert actual.default == ast.literal_eval(expected.default), actual.name

    def test_type_entity_and_data(self, spec: SpecClass) -> None:
        """The type string is ``<domain>.<name>``, the entity id comes from the id parameter,
        and every other argument is kept in data."""
        event, kwargs = build(spec)
        assert event.get_type() == f"{spec.domain}.{event.name}"
        assert event.entity_type is EventType(spec.domain)
        assert event.get_type() == type(event).EVENT_TYPE
        if spec.domain == "metrics":
            id_param = METRICS_ENTITY[spec.name]
            expected_id = kwargs.get(id_param, "summary")
        elif spec.name in {"TestResultEvent", "EnhancedResultEvent"}:
            id_param, expected_id = "test_name", kwargs["test_name"]
        else:
            id_param = ID_PARAM[spec.domain]
            expected_id = kwargs[id_param]
        assert event.get_entity_id() == expected_id
        for name, value in kwargs.items():
            if name == id_param and spec.domain != "metrics":
                assert getattr(event, name) == value
                continue
            assert event.data[name] == value, name
            if name not in {"name", "data"}:
                assert getattr(event, name) == value
        for param in spec.params:
            if param.default is not None and param.name != "data":
                assert event.data[param.name] == ast.literal_eval(param.default)

    def test_missing_required_parameter_names_it(self, spec: SpecClass) -> None:
        """Leaving out a required parameter is a TypeError naming the class and parameter."""
        required = [p.name for p in spec.params if p.default is None]
        cls = getattr(panther_events, spec.name)
        kwargs = {p: sample(p) for p in required[1:]}
        with pytest.raises(TypeError, match=rf"{spec.name}.*{required[0]}"):
            cls(**kwargs)


def test_enum_type_names_come_from_the_enums() -> None:
    """Classes whose name matches an enum member use that member's value."""
    enums = spec_enums()
    domain_enum = {
        "test": "TestEventType",
        "service": "ServiceEventType",
        "experiment": "ExperimentEventType",
        "metrics": "MetricsEventType",
        "step": "StepEventType",
        "plugin": "PluginEventType",
        "assertion": "AssertionEventType",
    }
    expected = {
        "TestExecutionStartedEvent": "test.execution_started",
        "ServiceReadyEvent": "service.ready",
        "ServiceHealthCheckFailedEvent": "service.health_check_failed",
        "ExperimentTestCasesInitializedEvent": "experiment.test_cases_initialized",
        "MetricCollectedEvent": "metrics.collected",
        "MetricsSummaryEvent": "metrics.summary",
        "StepSkippedEvent": "step.skipped",
        "PluginServiceStoppedEvent": "plugin.service_stopped",
        "AssertionsValidationCompletedEvent": "assertion.validation_completed",
        "AssertionUnknownEvent": "assertion.unknown",
        "NetworkSetupStartedEvent": "environment.network.setup_started",
    }
    for name, type_string in expected.items():
        assert type_string == getattr(panther_events, name).EVENT_TYPE
    types = registered_event_types()
    for domain, enum_name in domain_enum.items():
        values = {v for _, v in enums[enum_name]}
        names = {t.split(".", 1)[1] for t in types if t.startswith(domain + ".")}
        # Every enum member is the type of some class.
        assert values <= names, (domain, values - names)


def test_type_strings_are_unique() -> None:
    """No two classes share a type string, so a subscription can tell them apart."""
    types = [getattr(panther_events, spec.name).EVENT_TYPE for spec in CLASSES]
    assert len(types) == len(set(types))
    registry = registered_event_types()
    for spec in CLASSES:
        assert registry[getattr(panther_events, spec.name).EVENT_TYPE].__name__ == spec.name


def test_enums_match_the_spec_exactly() -> None:
    """EventType and the seven domain enums have the spec's members, values and order."""
    enums = spec_enums()
    assert set(enums) >= {
        "EventType",
        "TestEventType",
        "ServiceEventType",
        "ExperimentEventType",
        "MetricsEventType",
        "StepEventType",
        "PluginEventType",
        "AssertionEventType",
    }
    for name, members in enums.items():
        enum_cls = getattr(panther_events, name)
        assert [(m.name, m.value) for m in enum_cls] == members, name


def test_environment_lifecycle_is_complete() -> None:
    """Beyond the spec's partial list: teardown failure and network teardown exist."""
    for name in (
        "EnvironmentTeardownFailedEvent",
        "NetworkSetupFailedEvent",
        "NetworkTeardownStartedEvent",
        "NetworkTeardownCompletedEvent",
    ):
        cls = getattr(panther_events, name)
        assert re.fullmatch(r"environment\.[a-z_.]+", cls.EVENT_TYPE)


def test_test_classes_are_not_collected_by_pytest() -> None:
    """Test*Event classes opt out of pytest collection."""
    assert panther_events.TestCreatedEvent.__test__ is False
