"""How the NATS transport talks to nats-py: publish, reply, subscribe and pull, public API only.

:class:`PublicWire` is the path that works with every nats-py release this package supports:
``Client.publish``, ``Client.subscribe(cb=...)`` and ``PullSubscription.fetch``. The faster
:class:`~panther_events.transport._fastpath.FastWire` (the one module that uses nats-py's
private names) offers the same methods and falls back to this one when its checks fail.
Both hand received messages over as :class:`Raw` records, so the transport above them is the
same whichever path runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import final

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

__all__ = [
    "CONNECTION_ERRORS",
    "Handler",
    "Outgoing",
    "PublicPuller",
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


@final
class PublicPuller(Puller):
    """A durable consumer read with ``PullSubscription.fetch``."""

    def __init__(self, js: JetStreamContext, stream: str, consumer: str) -> None:
        self._js = js
        self._stream = stream
        self._consumer = consumer
        self._sub: JetStreamContext.PullSubscription | None = None

    async def pull(self, batch: int, timeout: float) -> list[Raw]:
        """``fetch`` up to ``batch`` deliveries; none (not an error) after ``timeout``."""
        if self._sub is None:
            self._sub = await self._js.pull_subscribe_bind(
                durable=self._consumer, stream=self._stream
            )
        try:
            msgs = await self._sub.fetch(batch, timeout=max(timeout, 0.05))
        except nats.errors.TimeoutError:
            return []
        return [from_msg(msg) for msg in msgs]


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

    def puller(self, js: JetStreamContext, stream: str, consumer: str) -> Puller:
        """A puller of the durable ``consumer`` of ``stream`` (which must exist)."""
        return PublicPuller(js, stream, consumer)
