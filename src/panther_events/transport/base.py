"""The transport contract: publish a run's events, fetch them elsewhere, acknowledge explicitly.

A transport carries events between processes or hosts. Every event travels with the id of
the run that produced it; the pair ``(run_id, event.id)`` is its identity, so publishing the
same event twice in one run delivers it once (the same rule as the event store's
``UNIQUE(run_id, id)``), while identical events of two runs both arrive.

Receiving is at-least-once with explicit acknowledgement: :meth:`Transport.fetch` hands out
:class:`Delivery` values and a delivery that is never acknowledged (the consumer crashed, or
called :meth:`Transport.nak`) is handed out again. A consumer therefore acknowledges only after
it has durably handled an event, and handles redeliveries idempotently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, Protocol, final, runtime_checkable
from urllib.parse import urlsplit

from .._run_ids import new_run_id
from ..events.base import BaseEvent
from ..serialization import event_from_dict, event_to_dict

__all__ = [
    "DEFAULT_CONSUMER",
    "DEFAULT_SUBJECT_PREFIX",
    "Delivery",
    "Transport",
    "host_run_id",
]

#: Subjects are ``<prefix>.<run token>.<event type>``.
DEFAULT_SUBJECT_PREFIX = "panther.events"
#: Durable consumer name used by the central collector unless told otherwise.
DEFAULT_CONSUMER = "panther-collector"

# Subject tokens may not contain '.', wildcards or whitespace; anything else outside this
# conservative set is replaced too, so every host's run id maps to one valid token.
_UNSAFE_TOKEN = re.compile(r"[^A-Za-z0-9_\-]")
_BAD_RUN_ID = re.compile(r"[\s\x00-\x1f\x7f]")


def host_run_id() -> str:
    """Return a run id that is distinct across hosts and processes, and sorts by start time.

    The store's ``new_run_id()`` (UTC start time and a random part) followed by the host name
    and the process id, e.g. ``20261123T221500Z-3fa2c1-worker3-4242``: a reader sees where
    the run came from, and two hosts starting in the same second never collide. Within one
    process no id is ever given twice (a random part drawn twice in one second is redrawn).
    """
    return new_run_id(host=True, pid=True)


def subject_for(run_id: str, event_type: str, prefix: str = DEFAULT_SUBJECT_PREFIX) -> str:
    """Return the subject an event of ``event_type`` in run ``run_id`` is published on.

    Args:
        run_id: the run; characters that are not valid in a subject token become ``_``
            (the exact id travels in the ``Nats-Msg-Id`` header, see :func:`message_id`).
        event_type: the dotted type string, e.g. ``test.execution_started``.
        prefix: the subject prefix, by default ``panther.events``.

    Returns:
        e.g. ``panther.events.host-42-1a2b3c4d.test.execution_started``.
    """
    run_token = _UNSAFE_TOKEN.sub("_", run_id) or "_"
    type_tokens = ".".join(_UNSAFE_TOKEN.sub("_", part) or "_" for part in event_type.split("."))
    return f"{prefix}.{run_token}.{type_tokens}"


@functools.lru_cache(maxsize=1024)
def check_run_id(run_id: object) -> str:
    """Return ``run_id`` if it can travel in a message header, else raise ``ValueError``."""
    if not isinstance(run_id, str) or not run_id or _BAD_RUN_ID.search(run_id):
        raise ValueError(
            f"run id {run_id!r} cannot be sent: expected a non-empty string without "
            "whitespace or control characters, such as host_run_id() gives"
        )
    return run_id


def message_id(run_id: str, event_id: str) -> str:
    """Return the deduplication id (``Nats-Msg-Id``) of an event in a run.

    Content-based event ids are equal for equal content, and two hosts can well emit the same
    content; scoping the id by run keeps JetStream's duplicate window from dropping the second
    host's event while still storing a retried publish of one run only once. It also carries
    the exact run id to the receiver (:func:`split_message_id`): the run id with ``%`` and
    ``:`` percent-escaped, a ``:``, then the event id as it is. The first ``:`` therefore
    always ends the run id, whatever the event id holds (``run-1:abc``, ``a%3Ab:x:y``).
    """
    if "%" in run_id or ":" in run_id:
        run_id = run_id.replace("%", "%25").replace(":", "%3A")
    return f"{run_id}:{event_id}"


def split_message_id(msg_id: str) -> tuple[str, str]:
    """Return the ``(run id, event id)`` that :func:`message_id` encoded in ``msg_id``.

    Raises:
        ValueError: ``msg_id`` has no ``:``, so it was not made by :func:`message_id`.
    """
    run_token, sep, event_id = msg_id.partition(":")
    if not sep or not run_token:
        raise ValueError(f"Nats-Msg-Id {msg_id!r} is not '<run id>:<event id>'")
    if "%" in run_token:
        run_token = run_token.replace("%3A", ":").replace("%25", "%")
    return run_token, event_id


_URL_SCHEMES = ("nats", "tls", "ws", "wss")
# Up to the last '@' of the URL (of each URL of a comma-separated list): a password typed
# with '/', '@' or ':' unencoded is hidden whole.
_PASSWORD = re.compile(r"(?<=://)([^:/@,\s]*):[^,\s]*@")


def shown_url(url: str) -> str:
    """``url`` with its password (if any) written ``***``, fit for logs and messages, even
    when the password holds ``/``, ``@`` or ``:`` unencoded."""
    return _PASSWORD.sub(r"\1:***@", url)


def check_server_urls(urls: str | Sequence[str]) -> list[str]:
    """Return the NATS server URLs in ``urls`` (one, a comma-separated string, or a list).

    Raises:
        ValueError: a URL is not ``nats://HOST[:PORT]`` (or ``tls://``, ``ws://``,
            ``wss://``); the message names it and shows the expected form.
    """
    found = [u.strip() for u in urls.split(",")] if isinstance(urls, str) else list(urls)
    for url in found:
        problem = ""
        try:
            parts = urlsplit(url)
            port = parts.port  # raises ValueError for a port that is not a number
        except ValueError as exc:
            # The parser quotes what it read as the port, which may be part of a password.
            problem = (
                "its port is not a number from 1 to 65535, or a password holds '/', '?' or "
                "'#' (percent-encode them: %2F, %3F, %23)"
                if "@" in url
                else str(exc)
            )
            port, parts = None, urlsplit("")
        if not problem:
            if parts.scheme not in _URL_SCHEMES:
                problem = f"scheme {parts.scheme!r} is not one of {list(_URL_SCHEMES)}"
            elif not parts.hostname:
                problem = "it names no host"
            elif port == 0 or (parts.path not in ("", "/")):
                problem = "it has a path or port 0"
        if problem:
            raise ValueError(
                f"NATS server URL {shown_url(url)!r} is not valid ({problem}): expected "
                "nats://[USER:PASSWORD@]HOST[:PORT] (or tls://, ws://, wss://), "
                "e.g. nats://127.0.0.1:4222"
            )
    if not found:
        raise ValueError("no NATS server URL given: expected e.g. nats://127.0.0.1:4222")
    return found


@final
class Delivery:
    """One received event, waiting to be acknowledged.

    A transport gives either the event or its wire form (``event_to_dict``); the other is
    built on first read, so a consumer that only stores wire forms (the collector) never
    rebuilds event objects.

    Attributes:
        run_id: the run that published the event.
        event: the event, rebuilt from its wire form (id and timestamp preserved).
        wire: the event's wire form (a dict of the seven ``WIRE_KEYS``).
        delivery_count: 1 the first time, more when it is redelivered.
        token: transport-specific handle used by ``ack``/``nak``; opaque to callers.
    """

    __slots__ = ("_event", "_wire", "delivery_count", "run_id", "token")

    def __init__(
        self,
        run_id: str,
        event: BaseEvent | None = None,
        delivery_count: int = 1,
        token: object = None,
        *,
        wire: dict[str, Any] | None = None,
    ) -> None:
        if event is None and wire is None:
            raise TypeError("Delivery needs the event or its wire form (wire=...)")
        self.run_id = run_id
        self._event = event
        self._wire = wire
        self.delivery_count = delivery_count
        self.token = token

    @property
    def event(self) -> BaseEvent:
        """The event (rebuilt from the wire form on first read)."""
        event = self._event
        if event is None:
            assert self._wire is not None
            event = self._event = event_from_dict(self._wire)
        return event

    @property
    def wire(self) -> dict[str, Any]:
        """The wire form (``event_to_dict`` of the event on first read, if given an event)."""
        wire = self._wire
        if wire is None:
            wire = self._wire = event_to_dict(self._event)
        return wire

    @property
    def redelivered(self) -> bool:
        """Whether this event was handed out before without being acknowledged."""
        return self.delivery_count > 1

    def __repr__(self) -> str:
        return (
            f"Delivery(run_id={self.run_id!r}, type={self.wire['type']!r}, "
            f"id={self.wire['id']!r}, delivery_count={self.delivery_count})"
        )


@runtime_checkable
class Transport(Protocol):
    """What every transport offers; :class:`InMemoryTransport` and ``NatsTransport`` agree.

    Thread safety: ``publish`` may be called from any thread; ``fetch``/``ack``/``nak`` from
    one consumer thread at a time.
    """

    def publish(self, event: object, *, run_id: str) -> None:
        """Hand ``event`` of run ``run_id`` to the transport without waiting for the network.

        Raises:
            TransportError: the transport is closed.
        """
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every published event is stored by the other side.

        Returns:
            True when nothing is left to send, False if ``timeout`` seconds passed first.
        """
        ...

    def fetch(self, max_events: int = 100, timeout: float = 1.0) -> list[Delivery]:
        """Return up to ``max_events`` deliveries from this transport's durable consumer.

        Waits at most about ``timeout`` seconds for the first one and returns an empty list
        when none arrived. Deliveries not acknowledged in time are handed out again.
        """
        ...

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge deliveries: they are never handed out again to this consumer."""
        ...

    def nak(self, deliveries: Sequence[Delivery]) -> None:
        """Refuse deliveries: they are handed out again, promptly."""
        ...

    def dead_letter(self, refused: Sequence[tuple[Delivery, str]]) -> None:
        """Move deliveries that can never be handled aside, each with the reason, and
        acknowledge them: they are logged and kept where an operator can list them."""
        ...

    def close(self) -> None:
        """Flush what can be flushed and release connections; unacknowledged deliveries stay
        pending and are redelivered to the next consumer with the same name."""
        ...
