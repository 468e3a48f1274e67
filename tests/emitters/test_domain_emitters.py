"""Every domain emitter has an emit method per event class of its domain, building that class."""

from __future__ import annotations

import importlib

import pytest

from panther_events import (
    AssertionEventEmitter,
    EnvironmentEventEmitter,
    EventManager,
    ExperimentEventEmitter,
    MetricsEventEmitter,
    PluginEventEmitter,
    ServiceEventEmitter,
    StepEventEmitter,
    TestEventEmitter,
)
from panther_events._naming import type_for_class
from panther_events.emitters.base import EventEmitterBase
from panther_events.events.base import BaseEvent, registered_event_types
from panther_events.testing import RecordingObserver

from ._samples import constructor_params, sample_kwargs

EMITTERS: dict[str, type[EventEmitterBase]] = {
    "experiment": ExperimentEventEmitter,
    "test": TestEventEmitter,
    "service": ServiceEventEmitter,
    "environment": EnvironmentEventEmitter,
    "step": StepEventEmitter,
    "plugin": PluginEventEmitter,
    "assertion": AssertionEventEmitter,
    "metrics": MetricsEventEmitter,
}


def domain_classes(domain: str) -> list[type[BaseEvent]]:
    """The concrete event classes defined in a domain's module."""
    module = importlib.import_module(f"panther_events.events.{domain}")
    return [cls for cls in registered_event_types().values() if cls.__module__ == module.__name__]


CASES = [(domain, cls) for domain in EMITTERS for cls in domain_classes(domain)]


def make(domain: str, manager: EventManager) -> EventEmitterBase:
    """An emitter of the domain; the test emitter is bound to test id 't-bound'."""
    if domain == "test":
        return TestEventEmitter(manager, "t-bound")
    return EMITTERS[domain](manager)


class TestDomainEmitters:
    """One emit method per class, with the class's parameters."""

    def test_every_registered_class_but_system_has_an_emitter(self) -> None:
        """All domains with events are covered."""
        covered = {cls for _, cls in CASES}
        rest = {c for c in registered_event_types().values() if c not in covered}
        assert {c.__module__ for c in rest} == {"panther_events.events.system"}

    @pytest.mark.parametrize(("domain", "cls"), CASES, ids=lambda v: getattr(v, "__name__", v))
    def test_method_emits_the_right_class(self, domain: str, cls: type[BaseEvent]) -> None:
        """Calling the method publishes one event of the class, with the arguments as data."""
        manager = EventManager(dedup=False)
        recorder = RecordingObserver()
        manager.register_observer(recorder)
        emitter = make(domain, manager)
        kwargs = sample_kwargs(cls)
        if domain == "test":
            kwargs.pop("test_id", None)
        returned = getattr(emitter, f"emit_{type_for_class(cls)}")(**kwargs)
        (event,) = recorder.events
        assert event is returned
        assert type(event) is cls
        assert event.get_type() == cls.EVENT_TYPE
        for name, value in kwargs.items():
            assert getattr(event, name) == value or event.data.get(name) == value, name
        if domain == "test" and "test_id" in [p.name for p in constructor_params(cls)]:
            assert event.entity_id == "t-bound"
        manager.close()

    def test_no_extra_emit_methods(self) -> None:
        """Each emitter's emit_ methods are exactly its domain's classes."""
        for domain, emitter in EMITTERS.items():
            methods = {n for n in dir(emitter) if n.startswith("emit_")}
            assert methods == {f"emit_{type_for_class(c)}" for c in domain_classes(domain)}

    def test_test_emitter_is_bound(self) -> None:
        """TestEventEmitter knows its test id and entity type."""
        emitter = TestEventEmitter(EventManager(), "t-9")
        assert (emitter.test_id, emitter.entity_id, emitter.entity_type) == ("t-9", "t-9", "test")
