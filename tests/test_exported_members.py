"""The top-level package exports exactly what a user imports (httpx's test_exported_members)."""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import panther_events
from panther_events import BaseEvent, PantherEventsError

#: Every exported name that is not an event class, an enum or an exception, by what it is for.
#: A new public name is added here on purpose; internals (doc generators, table look-ups, wire
#: checks, query result rows) stay in their modules.
API = {
    "manager": {"EventManager", "Observer"},
    "observers": {
        "EventStoreObserver",
        "LoggerObserver",
        "MetricsObserver",
        "ProgressObserver",
        "ResultCollector",
        "StateTrackingObserver",
        "StateViolation",
    },
    "emitters": {
        "AssertionEventEmitter",
        "EntityEventEmitterBase",
        "EnvironmentEventEmitter",
        "EventEmitter",
        "EventEmitterBase",
        "ExperimentEventEmitter",
        "MetricsEventEmitter",
        "PluginEventEmitter",
        "ServiceEventEmitter",
        "StepEventEmitter",
        "TestEventEmitter",
    },
    "registry": {"EmitterRegistry"},
    "states": {
        "AssertionStateManager",
        "EntityStateManager",
        "EnvironmentStateManager",
        "ExperimentStateManager",
        "PluginStateManager",
        "ServiceStateManager",
        "StateManager",
        "StateTransition",
        "StepStateManager",
        "TestStateManager",
    },
    "store": {
        "EventStore",
        "EventStoreBase",
        "InMemoryEventStore",
        "SQLiteEventStore",
        "WireReject",
        "export_run",
        "from_cloudevent",
        "import_events",
        "to_cloudevent",
    },
    "transport": {"Delivery", "InMemoryStream", "InMemoryTransport", "Transport"},
    "serialization": {"event_from_dict", "event_from_json", "event_to_dict", "event_to_json"},
    "the spec's utilities": {"create_content_based_uuid", "create_event_signature"},
}
#: Kept importable from the top level for existing code, but internal: never in ``__all__``.
INTERNAL = {
    "EventCheck",
    "EventClassInfo",
    "ExperimentResult",
    "Pattern",
    "check_event",
    "check_wire",
    "derive_states",
    "event_catalog",
    "event_class_for",
    "registered_event_types",
    "render_event_table",
    "state_for_event",
}


def _kind(name: str) -> str:
    value = getattr(panther_events, name)
    if inspect.isclass(value) and issubclass(value, BaseEvent):
        return "event"
    if inspect.isclass(value) and issubclass(value, enum.Enum):
        return "enum"
    if inspect.isclass(value) and issubclass(value, PantherEventsError):
        return "exception"
    return next((group for group, names in API.items() if name in names), "unexpected")


def test_all_is_sorted_and_resolvable() -> None:
    """Every name in __all__ exists, once, in sorted order."""
    names = panther_events.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(panther_events, name), name


def test_all_holds_what_a_user_imports() -> None:
    """Each exported name is an event, an enum, an exception or a listed piece of the API."""
    unexpected = [name for name in panther_events.__all__ if _kind(name) == "unexpected"]
    assert unexpected == []
    missing = set().union(*API.values()) - set(panther_events.__all__)
    assert missing == set()


def test_internals_stay_out_of_all() -> None:
    """Doc generators, table look-ups and wire checks resolve but are not exported."""
    assert INTERNAL.isdisjoint(panther_events.__all__)
    for name in INTERNAL:
        assert getattr(panther_events, name) is not None


def test_every_event_class_is_exported() -> None:
    """Every registered event type's class is importable from the top level."""
    from panther_events.events.base import registered_event_types

    classes = {cls.__name__ for cls in registered_event_types().values()}
    assert classes - set(panther_events.__all__) == set()


def test_lazy_names_match_their_typing_imports() -> None:
    """The names loaded on first use are exactly those imported for type checkers."""
    source = Path(panther_events.__file__).read_text(encoding="utf-8")
    typed: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module
                typed[statement.module] = tuple(alias.name for alias in statement.names)
    assert typed == panther_events._LAZY_MODULES


def test_unknown_name_is_an_attribute_error() -> None:
    """A misspelt name fails like any module attribute."""
    try:
        panther_events.EventManger  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "EventManger" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_loads_only_the_core() -> None:
    """``import panther_events`` loads no third-party package and none of the lazy parts."""
    code = (
        "import sys, panther_events\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'typer', 'rich', 'yaml',"
        " 'pydantic', 'nats', 'psutil', 'click', 'asyncio', 'sqlite3'}"
        " or m.startswith(('importlib.metadata', 'panther_events.emitters',"
        " 'panther_events.states', 'panther_events.store', 'panther_events.observers',"
        " 'panther_events.cli', 'panther_events.runner', 'panther_events.transport'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_name_is_loaded_on_first_use() -> None:
    """A lazy name resolves to its module's object and is then a plain attribute."""
    code = (
        "import sys, panther_events\n"
        "registry = panther_events.EmitterRegistry\n"
        "from panther_events.emitters.registry import EmitterRegistry\n"
        "print(registry is EmitterRegistry, 'EmitterRegistry' in vars(panther_events))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_star_import_gives_all() -> None:
    """``from panther_events import *`` binds every exported name, lazy ones included."""
    namespace: dict[str, object] = {}
    exec("from panther_events import *", namespace)
    assert set(panther_events.__all__) <= set(namespace)


def test_version() -> None:
    """__version__ comes from the installed metadata (read only when asked)."""
    from importlib.metadata import version

    assert panther_events.__version__ == version("panther-events")
    assert importlib.import_module("panther_events").__version__ == panther_events.__version__
