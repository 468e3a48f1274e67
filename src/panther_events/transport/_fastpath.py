"""The fast path: the one module that uses nats-py's private names, checked before every use.

Both ends of the transport send or receive one message per event: a publisher one publish
and one acknowledgement, a collector one delivery and one ack. For such small messages
nats-py's public machinery (re-encoding each header, a ``Msg`` object, an asyncio queue and a
task per subscription, one awaited future per fetched message) costs more than the work done
with them. :class:`FastWire` offers the methods of
:class:`~panther_events.transport._wire.PublicWire` without that machinery:

* outgoing messages are written as pre-encoded ``HPUB``/``PUB`` commands in one block through
  the client's own write buffer (``Client._send_command`` + ``Client._flush_pending``), so
  reconnection buffering and flushing behave as for ``Client.publish``;
* a subscription's messages are taken straight from the client's parser
  (``Client._process_msg``, ``Subscription._id``) and handed to a plain function;
* so a durable consumer's deliveries (:class:`~._wire.InboxPuller`) reach the collector the
  same way.

Every private name is listed in :data:`REQUIRED` and checked, with its signature, when a
connection is made (:func:`problems`); then :meth:`FastWire.probe` sends one message through
the fast write and the fast routing and waits for it. If either fails, the transport logs an
error and uses the public path on a new connection, so a nats-py release that renames or
changes one of these can slow the transport down but never make it silently send nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, final

from nats.aio.client import Client as NatsClient
from nats.aio.subscription import Subscription

from ._wire import Handler, Outgoing, PublicWire, Raw

__all__ = ["REQUIRED", "FastPathError", "FastWire", "problems"]

logger = logging.getLogger(__name__)

#: Each private ``Client`` coroutine method used, with the leading parameters it must take.
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "_send_command": ("cmd", "priority"),
    "_flush_pending": ("force_flush",),
    "_process_msg": ("sid", "subject", "reply", "data", "headers"),
}

_MSG_ID = b"\r\nNats-Msg-Id:"
_STATUS_AT = len(b"NATS/1.0")
_PROBE_TIMEOUT = 2.0


class FastPathError(Exception):
    """The fast path cannot be used with this nats-py client; the message says why."""


def problems(nc: NatsClient) -> list[str]:
    """Return what is wrong with ``nc`` for the fast path: [] when every name in
    :data:`REQUIRED` exists as a coroutine method with the expected leading parameters."""
    found = []
    for name, params in REQUIRED.items():
        method = getattr(nc, name, None)
        if method is None:
            found.append(f"nats.aio.client.Client.{name} does not exist")
            continue
        if not inspect.iscoroutinefunction(method):
            found.append(f"nats.aio.client.Client.{name} is not a coroutine function")
            continue
        try:
            got = tuple(inspect.signature(method).parameters)[: len(params)]
        except (TypeError, ValueError) as exc:
            found.append(f"nats.aio.client.Client.{name} has no signature ({exc})")
            continue
        if got != params:
            found.append(f"nats.aio.client.Client.{name} takes {got!r}, expected {params!r} first")
    return found


def _parse(subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> Raw:
    """The ``Raw`` record of one message as the client's parser hands it over."""
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


ProcessMsg = Callable[[int, bytes, bytes, bytes, "bytes | None"], Awaitable[None]]


def route(client: Any, subscription: Subscription, handler: Handler) -> None:
    """Send every message of ``subscription`` to ``handler``, synchronously from the client's
    reading task, instead of through its callback task.

    Raises:
        FastPathError: the client or subscription lacks the private names used.
    """
    original: ProcessMsg | None = getattr(client, "_process_msg", None)
    sid = getattr(subscription, "_id", None)
    if original is None or not isinstance(sid, int):
        raise FastPathError("nats-py's Client._process_msg or Subscription._id is missing")
    table: dict[int, Handler] | None = client.__dict__.get("_panther_routes")
    if table is None:
        routes: dict[int, Handler] = {}

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


async def _write(nc: Any, commands: list[bytes]) -> None:
    """Write pre-encoded protocol commands as one block and have them flushed."""
    await nc._send_command(b"".join(commands))
    await nc._flush_pending()


@final
class FastWire(PublicWire):
    """:class:`PublicWire`'s methods on nats-py's private write buffer and message hook.

    Create it only for a client whose :func:`problems` are none, and use it only once
    :meth:`probe` returned True.
    """

    name = "fast"

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        """Write every message as one ``HPUB`` command, all in one block."""
        commands = []
        for subject, reply, msg_id, payload in messages:
            header = b"NATS/1.0\r\nNats-Msg-Id: " + msg_id.encode() + b"\r\n\r\n"
            commands.append(
                f"HPUB {subject} {reply} {len(header)} {len(header) + len(payload)}\r\n".encode()
                + header
                + payload
                + b"\r\n"
            )
        await _write(self.nc, commands)

    async def reply(self, replies: Sequence[str], body: bytes) -> None:
        """Send ``body`` to each reply subject, as one block of ``PUB`` commands."""
        size = str(len(body)).encode()
        await _write(
            self.nc,
            [b"PUB " + r.encode() + b" " + size + b"\r\n" + body + b"\r\n" for r in replies],
        )

    async def subscribe(self, subject: str, handler: Handler) -> Subscription:
        """Subscribe to ``subject`` with its messages routed straight to ``handler``."""
        subscription = await super().subscribe(subject, handler)
        route(self.nc, subscription, handler)
        return subscription

    async def probe(self, timeout: float = _PROBE_TIMEOUT) -> bool:
        """Send one message to ourselves through the fast write and the fast routing; return
        whether it came back within ``timeout`` seconds."""
        arrived = asyncio.Event()
        inbox = self.nc.new_inbox()
        subscription = await self.subscribe(inbox, lambda raw: arrived.set())
        try:
            await self.reply([inbox], b"probe")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), timeout)
            return arrived.is_set()
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
