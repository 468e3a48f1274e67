"""Export and import of stored runs: JSON Lines, and CloudEvents 1.0 JSON for other tools.

JSON Lines: one object per line, the event's wire form plus ``run_id`` and ``seq``.

CloudEvents: a JSON array (the ``application/cloudevents-batch+json`` batch format) of
structured-mode events. The mapping: ``id`` is the event id, ``type`` the panther type
(``test.execution_started``), ``source`` ``/panther-events/runs/<run id>``, ``subject`` the
entity id, ``time`` the timestamp, ``data`` the event data; the extension attributes
``runid``, ``seq``, ``entitytype`` and ``eventname`` keep the rest, so an import restores the
run exactly.

Imports validate the whole input before storing anything: a malformed file stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from ..events.base import BaseEvent
from ..exceptions import EventValidationError
from ..serialization import event_from_dict
from ._rows import encode_data
from .base import EventStore, StoredEvent, new_run_id

__all__ = [
    "CLOUDEVENTS_SOURCE_PREFIX",
    "ExportFormat",
    "ImportResult",
    "export_run",
    "from_cloudevent",
    "import_events",
    "to_cloudevent",
]

ExportFormat = Literal["jsonl", "cloudevents"]

#: ``source`` of exported CloudEvents: this prefix followed by the run id.
CLOUDEVENTS_SOURCE_PREFIX = "/panther-events/runs/"
_CE_REQUIRED = ("specversion", "id", "source", "type")


def to_jsonl_record(stored: StoredEvent) -> dict[str, Any]:
    """Return the JSON Lines record of a stored event: its wire form plus run id and seq."""
    return {"run_id": stored.run_id, "seq": stored.seq, **stored.to_dict()}


def to_cloudevent(stored: StoredEvent) -> dict[str, Any]:
    """Return a stored event as a CloudEvents 1.0 structured-mode JSON object."""
    return {
        "specversion": "1.0",
        "id": stored.id,
        "source": CLOUDEVENTS_SOURCE_PREFIX + stored.run_id,
        "type": stored.type,
        "subject": stored.entity_id,
        "time": stored.timestamp.isoformat(),
        "datacontenttype": "application/json",
        "data": stored.data,
        "runid": stored.run_id,
        "seq": stored.seq,
        "entitytype": stored.entity_type,
        "eventname": stored.name,
    }


def from_cloudevent(obj: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Return ``(run id or None, wire form)`` of a CloudEvents JSON object.

    Events from other producers work too: without the panther extensions the entity type is
    the type's first segment and the entity id the ``subject`` (else the ``source``).

    Raises:
        EventValidationError: a required attribute is missing or ``data`` is not an object.
    """
    missing = [k for k in _CE_REQUIRED if k not in obj]
    if missing:
        raise EventValidationError(
            f"CloudEvent is missing required attribute(s) {missing}; "
            f"expected at least {list(_CE_REQUIRED)}"
        )
    if "time" not in obj:
        raise EventValidationError("CloudEvent has no 'time'; panther events need a timestamp")
    event_type = str(obj["type"])
    source = str(obj["source"])
    run_id = obj.get("runid")
    if run_id is None and source.startswith(CLOUDEVENTS_SOURCE_PREFIX):
        run_id = source[len(CLOUDEVENTS_SOURCE_PREFIX) :] or None
    entity_type = str(obj.get("entitytype") or event_type.split(".", 1)[0])
    name = obj.get("eventname")
    if name is None:
        prefix = entity_type + "."
        name = event_type[len(prefix) :] if event_type.startswith(prefix) else event_type
    data = obj.get("data")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise EventValidationError(
            f"CloudEvent 'data' must be a JSON object, got {type(data).__name__}"
        )
    wire = {
        "id": obj["id"],
        "name": name,
        "type": event_type,
        "entity_type": entity_type,
        "entity_id": obj.get("subject") or source,
        "timestamp": obj["time"],
        "data": dict(data),
    }
    return (str(run_id) if run_id is not None else None), wire


def export_run(
    store: EventStore, run_id: str, out: IO[str], *, format: ExportFormat = "jsonl"
) -> int:
    """Write every event of ``run_id`` to ``out`` in ``format``; return how many.

    Raises:
        ValueError: ``format`` is neither ``jsonl`` nor ``cloudevents``.
    """
    if format not in ("jsonl", "cloudevents"):
        raise ValueError(f"unknown export format {format!r}; expected 'jsonl' or 'cloudevents'")
    # Stores that can read a page at a time never hold a big run in memory.
    iter_events = getattr(store, "iter_events", None)
    events: Iterable[StoredEvent] = (
        iter_events(run_id) if callable(iter_events) else store.events(run_id)
    )
    count = 0
    if format == "jsonl":
        for stored in events:
            out.write(json.dumps(to_jsonl_record(stored), ensure_ascii=False) + "\n")
            count += 1
        return count
    out.write("[")
    for stored in events:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(to_cloudevent(stored), ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


@dataclass
class ImportResult:
    """What an import did.

    Attributes:
        records: records read from the input.
        added: events newly stored (records whose id the run already held are not).
        runs: run id -> records read for it, in order of first appearance.
    """

    records: int = 0
    added: int = 0
    runs: dict[str, int] = field(default_factory=dict)


def _decode(text: str, where: str) -> Any:
    """Decode JSON text; any failure is one ``EventValidationError`` naming ``where``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise EventValidationError(f"{where}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:
        raise EventValidationError(f"{where}: not valid JSON ({exc})") from exc


def _records(text: str, source: str) -> Iterator[tuple[str, Any]]:
    """Yield ``(where, decoded object)`` for every record of a JSON Lines or JSON array text."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        items = _decode(text, source)
        for index, item in enumerate(items):
            yield f"{source}: item {index}", item
        return
    if stripped.startswith("{") and "\n" in stripped.rstrip():
        # One pretty-printed object (a single CloudEvent) rather than JSON Lines?
        try:
            single = json.loads(text)
        except (ValueError, RecursionError):  # read line by line below, errors named there
            pass
        else:
            yield f"{source}: item 0", single
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        yield where, _decode(line, where)


def parse_records(
    text: str, *, source: str = "<input>", run_id: str | None = None
) -> list[tuple[str, BaseEvent]]:
    """Decode and validate every record of a JSON Lines or CloudEvents input.

    Each record is a JSON Lines record (wire form, with or without ``run_id``) or a
    CloudEvent (it has ``specversion``). ``run_id`` overrides the records' own run ids; records
    with none of their own go to ``run_id`` or, without it, to one new run.

    Returns:
        ``(run id, event)`` pairs in input order.

    Raises:
        EventValidationError: a record is not JSON, not an object or lacks a key; the message
            names the line (or array item) and the problem.
    """
    fresh: str | None = None
    parsed: list[tuple[str, BaseEvent]] = []
    for where, obj in _records(text, source):
        if not isinstance(obj, Mapping):
            raise EventValidationError(
                f"{where}: expected a JSON object (an event), got {type(obj).__name__}"
            )
        try:
            if "specversion" in obj:
                own_run, wire = from_cloudevent(obj)
            else:
                own_run = obj.get("run_id")
                wire = dict(obj)
            event = event_from_dict(wire)
            encode_data(event.data, event.id)  # refuse here what the store would refuse
        except EventValidationError as exc:
            raise EventValidationError(f"{where}: {exc}") from exc
        target = run_id or (str(own_run) if own_run else None)
        if target is None:
            fresh = fresh or new_run_id()
            target = fresh
        parsed.append((target, event))
    return parsed


def import_events(
    store: EventStore,
    source: IO[str] | str,
    *,
    run_id: str | None = None,
    name: str | None = None,
) -> ImportResult:
    """Import a JSON Lines or CloudEvents input into ``store`` and flush it.

    Args:
        store: where to store the events.
        source: an open text stream, or the text itself.
        run_id: store every event in this run instead of the runs the records name.
        name: how to call the input in error messages (a file name).

    Raises:
        EventValidationError: the input is malformed; nothing was stored.
    """
    text = source if isinstance(source, str) else source.read()
    label = name or getattr(source, "name", None) or "<input>"
    parsed = parse_records(text, source=str(label), run_id=run_id)
    result = ImportResult(records=len(parsed))
    grouped: dict[str, list[BaseEvent]] = {}
    for target, event in parsed:
        grouped.setdefault(target, []).append(event)
    before = {info.run_id: info.event_count for info in store.runs()}
    for target, events in grouped.items():
        result.runs[target] = len(events)
        store.append_many(events, run_id=target)
    store.flush()
    after = {info.run_id: info.event_count for info in store.runs()}
    result.added = sum(after.get(r, 0) - before.get(r, 0) for r in grouped)
    return result
