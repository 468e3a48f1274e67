"""How the NATS transport talks to nats-py: publish, reply, subscribe and pull, public API only.

:class:`PublicWire` is the path that works with every nats-py release this package supports:
``Client.publish`` and ``Client.subscribe(cb=...)``, plus JetStream's documented pull request
(see :class:`InboxPuller`). The faster
:class:`~panther_events.transport._fastpath.FastWire` (the one module that uses nats-py's
private names) offers the same methods and falls back to this one when its checks fail.
Both hand received messages over as :class:`Raw` records, so the transport above them is the
same whichever path runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import final

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

__all__ = [
    "CONNECTION_ERRORS",
    "Handler",
    "InboxPuller",
    "Outgoing",
    "PublicWire",
    "Puller",
    "Raw",
    "from_msg",
]

#: The errors that mean "the connection is down or not ready": the message is kept and sent
#: again. Anything else is a bug or a refusal and is logged at ERROR (never "retried").
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.FlushTimeoutError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.TimeoutError,
    nats.errors.UnexpectedEOF,
)

#: One message to publish: ``(subject, reply subject, Nats-Msg-Id, payload)``.
Outgoing = tuple[str, str, str, bytes]


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


#: Called with each message of a subscription, on the client's loop; must not raise.
Handler = Callable[[Raw], None]


def from_msg(msg: Msg) -> Raw:
    """The ``Raw`` record of a nats-py ``Msg``."""
    headers = msg.headers or {}
    msg_id = headers.get("Nats-Msg-Id")
    if msg_id is None:  # header names are case-insensitive
        msg_id = next((v for k, v in headers.items() if k.lower() == "nats-msg-id"), None)
    return Raw(msg.subject, msg.reply or "", msg.data, headers.get("Status"), msg_id)


class Puller:
    """Pulls deliveries of one durable JetStream consumer (the interface both paths offer)."""

    async def pull(self, batch: int, timeout: float) -> list[Raw]:
        """Return up to ``batch`` deliveries, waiting at most about ``timeout`` seconds."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget open pull requests: the connection they were made on is gone."""

    def prefetched(self) -> list[Raw]:
        """Remove and return deliveries received but not handed out yet."""
        return []


class PublicWire:
    """Publishing, replying and subscribing with nats-py's public ``Client`` methods."""

    name = "public"

    def __init__(self, nc: NatsClient) -> None:
        self.nc = nc

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish each message with its reply subject and ``Nats-Msg-Id`` header."""
        publish = self.nc.publish
        for subject, reply, msg_id, payload in messages:
            await publish(subject, payload, reply=reply, headers={"Nats-Msg-Id": msg_id})

    async def reply(self, replies: Sequence[str], body: bytes) -> None:
        """Send ``body`` (``+ACK``, ``-NAK``...) to each reply subject."""
        publish = self.nc.publish
        for subject in replies:
            await publish(subject, body)

    async def subscribe(self, subject: str, handler: Handler) -> Subscription:
        """Subscribe to ``subject``; ``handler`` gets each message as a ``Raw`` record."""

        async def callback(msg: Msg) -> None:
            handler(from_msg(msg))

        return await self.nc.subscribe(subject, cb=callback)

    def puller(self, stream: str, consumer: str) -> Puller:
        """A puller of the durable ``consumer`` of ``stream`` (which must exist)."""
        return InboxPuller(self, stream, consumer)


@final
class InboxPuller(Puller):
    """A durable pull consumer read through an inbox subscription.

    Pull requests are JetStream's documented wire API (``$JS.API.CONSUMER.MSG.NEXT.<stream>.
    <consumer>`` with ``{"batch": n, "expires": ns}`` and our inbox as reply subject), sent
    with ``Client.publish``: the request nats-py's ``PullSubscription.fetch`` sends too. That
    method then awaits each message separately (a task and a timer per message, more than
    the rest of a collector costs); here deliveries land in a buffer from the subscription's
    handler, a request is sent only when no earlier one is still open, and the next batch is
    requested as soon as one is handed out (prefetch).
    """

    def __init__(self, wire: PublicWire, stream: str, consumer: str) -> None:
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
        # Prefetch: the next batch travels while the caller handles this one. Should the
        # request fail, the deliveries in hand are still returned.
        with contextlib.suppress(*CONNECTION_ERRORS):
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
