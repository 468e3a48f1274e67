"""Event stores: the protocol, the embedded SQLite store, its in-memory twin, export formats."""

from __future__ import annotations

from .base import (
    EventStore,
    EventStoreBase,
    RunInfo,
    StateInterval,
    StoredEvent,
    WireReject,
    WireRejectedError,
    new_run_id,
)
from .formats import ImportResult, export_run, from_cloudevent, import_events, to_cloudevent
from .memory import InMemoryEventStore
from .sqlite import SCHEMA_VERSION, SQLiteEventStore

__all__ = [
    "SCHEMA_VERSION",
    "EventStore",
    "EventStoreBase",
    "ImportResult",
    "InMemoryEventStore",
    "RunInfo",
    "SQLiteEventStore",
    "StateInterval",
    "StoredEvent",
    "WireReject",
    "WireRejectedError",
    "export_run",
    "from_cloudevent",
    "import_events",
    "new_run_id",
    "to_cloudevent",
]
