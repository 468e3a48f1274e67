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
* a durable consumer is read by sending JetStream's ``CONSUMER.MSG.NEXT`` requests (the
  documented JetStream wire API) to a routed inbox, prefetching the next batch.

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
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, final

from nats.aio.client import Client as NatsClient
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from ._wire import Handler, Outgoing, PublicWire, Puller, Raw

__all__ = ["REQUIRED", "FastPathError", "FastPuller", "FastWire", "problems"]

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

    def puller(self, js: JetStreamContext, stream: str, consumer: str) -> Puller:
        """A prefetching puller of the durable ``consumer`` of ``stream``."""
        return FastPuller(self, stream, consumer)

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


@final
class FastPuller(Puller):
    """A durable consumer read by ``CONSUMER.MSG.NEXT`` requests into a routed inbox.

    ``PullSubscription.fetch`` waits for each message separately, which costs more than the
    rest of a collector; here deliveries land in a buffer from the routed handler and a pull
    request is sent only when no earlier one is still open, and the next batch is requested
    as soon as one is handed out (prefetch).
    """

    def __init__(self, wire: FastWire, stream: str, consumer: str) -> None:
        self._wire = wire
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self._deliveries = ""  # our inbox for pulled messages
        self._inbox: deque[Raw] = deque()
        self._arrived = asyncio.Event()
        self._left = 0  # messages the open pull request may still bring
        self._expires = 0.0

    async def pull(self, batch: int, timeout: float) -> list[Raw]:
        """Return up to ``batch`` deliveries: those buffered, else wait up to ``timeout``."""
        deadline = time.monotonic() + timeout
        if not self._deliveries:
            self._deliveries = self._wire.nc.new_inbox()
            await self._wire.subscribe(self._deliveries, self._on_delivery)
        if len(self._inbox) < batch:
            await self._request(batch, timeout)
        while not self._inbox:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
            if not self._inbox and self._left == 0:
                await self._request(batch, deadline - time.monotonic())
        # The rest of a burst is usually a few milliseconds behind its first message.
        settle = time.monotonic() + 0.005
        while len(self._inbox) < batch and self._left > 0:
            remaining = min(settle, deadline) - time.monotonic()
            if remaining <= 0:
                break
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        out = [self._inbox.popleft() for _ in range(min(batch, len(self._inbox)))]
        # Prefetch: the next batch travels while the caller handles this one.
        await self._request(batch, max(timeout, 5.0))
        return out

    def reset(self) -> None:
        """The open pull request did not survive a reconnection."""
        self._left = 0

    def prefetched(self) -> list[Raw]:
        """Remove and return what was received but not handed out."""
        out = list(self._inbox)
        self._inbox.clear()
        return out

    async def _request(self, batch: int, timeout: float) -> None:
        """Open a pull request for ``batch`` messages unless one is still open."""
        if self._left > 0 and time.monotonic() < self._expires:
            return
        expires = max(timeout, 0.05)
        self._left = batch
        self._expires = time.monotonic() + expires
        request = json.dumps({"batch": batch, "expires": int(expires * 1e9)}).encode()
        await self._wire.nc.publish(self._next, request, reply=self._deliveries)

    def _on_delivery(self, msg: Raw) -> None:
        """A message for our pull requests, or a status that ends one."""
        status = msg.status
        if status is None:
            self._inbox.append(msg)
            self._left -= 1
        elif status != "100":  # 404 no messages, 408 expired, 409 consumer changed: closed
            self._left = 0
        self._arrived.set()
