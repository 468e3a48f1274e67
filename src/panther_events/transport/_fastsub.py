"""Take a subscription's messages straight from nats-py's parser: no ``Msg``, no queue, no task.

nats-py turns every incoming message into a ``Msg`` (parsing its headers into a dict), puts it
on the subscription's asyncio queue, and a task per subscription takes it off and awaits the
callback. For small messages that machinery costs more than the work done with them, and both
ends of our transport get one message per event: a publisher one acknowledgement, a collector
one delivery. So both hand their subscription's messages to a plain function instead.

This reaches into nats-py's client (``Client._process_msg``, ``Subscription._id``):
``route()`` checks both exist and returns False otherwise, and the callers then keep the
ordinary ``subscribe(cb=...)`` path, which gives the same ``Raw`` records. The transport
tests run against the installed nats-py and a real server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, final

__all__ = ["Raw", "from_msg", "route"]

logger = logging.getLogger(__name__)

_MSG_ID = b"\r\nNats-Msg-Id:"
_STATUS_AT = len(b"NATS/1.0")


@final
@dataclass(slots=True)
class Raw:
    """One received message, as much of it as the transport reads.

    Attributes:
        subject: the subject it arrived on.
        reply: its reply subject (for a JetStream delivery, the ack subject); may be empty.
        data: the payload.
        status: the inline status code of a server status message (``"404"``...), else None.
        msg_id: the ``Nats-Msg-Id`` header, if present.
    """

    subject: str
    reply: str
    data: bytes
    status: str | None
    msg_id: str | None


def _parse(subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> Raw:
    status = msg_id = None
    if headers:
        # "NATS/1.0 404 No Messages\r\n..." carries an inline status after the version.
        if headers[_STATUS_AT : _STATUS_AT + 1] == b" ":
            status = headers[_STATUS_AT + 1 : _STATUS_AT + 4].decode("ascii", "replace")
        start = headers.find(_MSG_ID)
        if start < 0:  # header names are case-insensitive; ours are sent as written above
            start = headers.lower().find(_MSG_ID.lower())
        if start >= 0:
            start += len(_MSG_ID)
            end = headers.find(b"\r\n", start)
            value = headers[start : end if end >= 0 else len(headers)].strip()
            msg_id = value.decode("utf-8", "replace")
    return Raw(
        subject.decode("utf-8", "replace"), reply.decode("utf-8", "replace"), data, status, msg_id
    )


def from_msg(msg: Any) -> Raw:
    """The ``Raw`` record of a nats-py ``Msg`` (the ordinary callback path)."""
    headers = msg.headers or {}
    msg_id = headers.get("Nats-Msg-Id")
    if msg_id is None:
        msg_id = next((v for k, v in headers.items() if k.lower() == "nats-msg-id"), None)
    return Raw(msg.subject, msg.reply or "", msg.data, headers.get("Status"), msg_id)


ProcessMsg = Callable[[int, bytes, bytes, bytes, "bytes | None"], Awaitable[None]]


def route(client: Any, subscription: Any, handler: Callable[[Raw], None]) -> bool:
    """Send every message of ``subscription`` (of nats-py ``client``) to ``handler``,
    synchronously from the client's reading task, instead of through its callback.

    Returns:
        True when routed; False when this nats-py does not offer the hooks, in which case
        nothing was changed.
    """
    original: ProcessMsg | None = getattr(client, "_process_msg", None)
    sid = getattr(subscription, "_id", None)
    if original is None or not isinstance(sid, int):
        return False
    table: dict[int, Callable[[Raw], None]] | None = client.__dict__.get("_panther_routes")
    if table is None:
        routes: dict[int, Callable[[Raw], None]] = {}

        async def process_msg(
            sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
        ) -> None:
            direct = routes.get(sid)
            if direct is None:
                await original(sid, subject, reply, data, headers)
                return
            # This runs in nats-py's reading task, which stops reading for good if anything
            # escapes: a bad message (or a bug) is logged and dropped here instead.
            try:
                direct(_parse(subject, reply, data, headers))
            except Exception:
                logger.exception("dropped a message on %r that could not be handled", subject)

        client._process_msg = process_msg
        client._panther_routes = table = routes
    table[sid] = handler
    return True
