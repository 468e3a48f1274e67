"""Events over NATS JetStream: the transport, a publishing observer and a subscriber.

This is the only module that imports ``nats`` (extra ``nats``). The design:

* Every event is one JetStream message on ``panther.events.<run>.<type>`` with the header
  ``Nats-Msg-Id: <run id>:<event id>`` (see :func:`~panther_events.transport.base.message_id`)
  (so the exact run id travels in a header too). Within the stream's duplicate window the
  server stores a re-sent message once, so retrying is always safe.
* Publishing never waits for the network: :meth:`NatsTransport.publish` serialises the event
  and puts it in an :class:`~panther_events.transport._outbox.Outbox` (memory, then a spool
  file, then counted drops). A private thread runs an asyncio loop that sends with
  asynchronous acknowledged publishes, keeps at most ``max_in_flight`` unacknowledged, and
  re-queues a message whose acknowledgement failed or did not come in ``ack_timeout``
  seconds, with exponential backoff. While the server is unreachable nothing is lost; the
  client reconnects forever and the queue drains when the server is back.
* Receiving uses a durable pull consumer with explicit acknowledgement. A
  :class:`NatsSubscriber` acknowledges a batch only after its target (an ``EventManager``, an
  event store or a callback) has handled it, so a crash means redelivery, never loss.
* The stream is created if absent (file storage) and its settings are checked when it exists.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import json
import json.scanner
import logging
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future as ThreadFuture
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, final

from ..exceptions import MissingExtraError, TransportError

try:
    import nats
    import nats.errors
    import nats.js.errors
    from nats.aio.client import Client as NatsClient
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext
    from nats.js import api as js_api
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("NatsTransport", "nats-py", "nats") from exc

from .._naming import type_of
from .._patterns import compile_pattern
from ..serialization import _wire_json, check_wire
from ._consume import Target, consume, sink_for
from ._fastsub import Raw, from_msg, route
from ._outbox import Item, Outbox
from .base import (
    DEFAULT_CONSUMER,
    DEFAULT_SUBJECT_PREFIX,
    Delivery,
    check_run_id,
    host_run_id,
    message_id,
    subject_for,
)

__all__ = ["NatsPublisher", "NatsSubscriber", "NatsTransport", "StreamSettings"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
# Transports not closed by their owner are closed at interpreter exit, so that a script that
# forgot close() still has its events sent (within a short grace period).
_OPEN: weakref.WeakSet[NatsTransport] = weakref.WeakSet()
_EXIT_GRACE = 10.0


@atexit.register
def _close_open_transports() -> None:
    for transport in list(_OPEN):
        with contextlib.suppress(Exception):
            transport.close(_EXIT_GRACE)


_DEFAULT_URL = "nats://127.0.0.1:4222"
_MAX_BACKOFF = 2.0
_subject = functools.lru_cache(maxsize=4096)(subject_for)


async def _write(nc: NatsClient, commands: list[bytes]) -> None:
    """Write pre-encoded protocol commands as one block and have them flushed.

    Uses the client's own write buffer (``_send_command``), so reconnection buffering and
    flushing behave as for ``Client.publish``.
    """
    await nc._send_command(b"".join(commands))
    await nc._flush_pending()


# The C scanner json.loads ends up in, called directly: json.loads spends as long again in
# its Python layers (encoding detection, whitespace regex) for a message-sized document.
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _loads(data: bytes) -> Any:
    """``json.loads(data)``, faster for the usual compact document; same errors otherwise."""
    text = data.decode()
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError):
        return json.loads(text)  # leading whitespace, or invalid: json.loads says what
    return value if end == len(text) else json.loads(text)


def _delivery_count(reply: str) -> int:
    """How many times JetStream delivered a message, read from its ack subject ``reply``.

    ``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>``, or the longer
    form ``$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>...``.
    """
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[4])
    if len(tokens) >= 11:
        return int(tokens[6])
    raise ValueError(f"not a JetStream ack subject: {reply!r}")


async def _reply_all(nc: NatsClient, raws: Sequence[Raw], body: bytes) -> None:
    """Send ``body`` (``+ACK``, ``-NAK``, ``+TERM``) to the reply subject of each message."""
    size = str(len(body)).encode()
    await _write(
        nc, [b"PUB " + raw.reply.encode() + b" " + size + b"\r\n" + body + b"\r\n" for raw in raws]
    )


@final
@dataclass(frozen=True, slots=True)
class StreamSettings:
    """The JetStream stream events are stored in.

    Attributes:
        name: stream name.
        subject_prefix: the stream holds ``<subject_prefix>.>``.
        retention: ``limits`` (keep until ``max_age``/``max_bytes``), ``interest`` (keep
            until every consumer acknowledged) or ``workqueue`` (one consumer).
        duplicate_window: seconds during which a re-sent message id is stored once; a worker
            re-sending a run must do so within this window.
        max_age: seconds to keep messages; 0 keeps them forever.
        max_bytes: size bound of the stream; -1 is unbounded.
        replicas: copies kept in a NATS cluster (1 for a single server).
    """

    name: str = "PANTHER_EVENTS"
    subject_prefix: str = DEFAULT_SUBJECT_PREFIX
    retention: Literal["limits", "interest", "workqueue"] = "limits"
    duplicate_window: float = 120.0
    max_age: float = 0.0
    max_bytes: int = -1
    replicas: int = 1

    def config(self) -> js_api.StreamConfig:
        """Return the JetStream configuration that creates this stream."""
        return js_api.StreamConfig(
            name=self.name,
            subjects=[f"{self.subject_prefix}.>"],
            retention=js_api.RetentionPolicy(self.retention),
            storage=js_api.StorageType.FILE,
            duplicate_window=self.duplicate_window,
            max_age=self.max_age,
            max_bytes=self.max_bytes,
            num_replicas=self.replicas,
        )

    def check(self, found: js_api.StreamConfig) -> None:
        """Raise ``TransportError`` naming every setting of an existing stream that differs."""
        wanted = f"{self.subject_prefix}.>"
        problems = []
        if wanted not in (found.subjects or []):
            problems.append(f"subjects {found.subjects!r} do not include {wanted!r}")
        if found.storage != js_api.StorageType.FILE:
            problems.append(f"storage is {_value(found.storage)!r}, expected 'file'")
        if _value(found.retention) != self.retention:
            problems.append(
                f"retention is {_value(found.retention)!r}, expected {self.retention!r}"
            )
        if abs((found.duplicate_window or 0) - self.duplicate_window) > 1e-6:
            problems.append(
                f"duplicate_window is {found.duplicate_window!r}s, "
                f"expected {self.duplicate_window!r}s"
            )
        if problems:
            raise TransportError(
                f"JetStream stream {self.name!r} exists with other settings: "
                + "; ".join(problems)
                + ". Pass StreamSettings matching the stream, or edit/delete it "
                f"(nats stream edit {self.name})."
            )


def _value(enum_or_str: object) -> object:
    return getattr(enum_or_str, "value", enum_or_str)


@final
class NatsTransport:
    """The :class:`~panther_events.transport.Transport` over NATS JetStream.

    The constructor returns at once; connecting happens in the background and is retried
    forever, so a publisher may start before the server does.

    Args:
        url: server URL(s), e.g. ``nats://127.0.0.1:4222``.
        consumer: durable consumer name used by ``fetch``.
        stream: the stream; created if absent, checked if present.
        max_buffer: messages kept in memory while they cannot be sent.
        spool_path: spool file for messages beyond ``max_buffer``; a private temporary file
            by default. If the file exists, its messages are sent first.
        max_spool_bytes: size bound of the spool; past it new messages are dropped (counted
            in ``stats()["dropped"]``).
        max_in_flight: unacknowledged asynchronous publishes at a time.
        ack_timeout: seconds to wait for a publish acknowledgement before re-sending.
        ack_wait: seconds the server waits for a consumer's ack before redelivering.
        max_ack_pending: deliveries a consumer may hold unacknowledged.
        name: connection name shown by the server.
    """

    def __init__(
        self,
        url: str | Sequence[str] = _DEFAULT_URL,
        *,
        consumer: str = DEFAULT_CONSUMER,
        stream: StreamSettings | None = None,
        max_buffer: int = 100_000,
        spool_path: str | Path | None = None,
        max_spool_bytes: int = 1 << 30,
        max_in_flight: int = 2_000,
        ack_timeout: float = 5.0,
        ack_wait: float = 30.0,
        max_ack_pending: int = 20_000,
        name: str | None = None,
    ) -> None:
        self.servers = [url] if isinstance(url, str) else list(url)
        self.consumer = consumer
        self.stream = stream if stream is not None else StreamSettings()
        self.max_in_flight = max_in_flight
        self.ack_timeout = ack_timeout
        self.ack_wait = ack_wait
        self.max_ack_pending = max_ack_pending
        self.name = name or f"panther-events-{host_run_id()}"
        spool = (
            Path(spool_path)
            if spool_path is not None
            # A private spool must never be picked up by another process: unique name.
            else Path(tempfile.gettempdir()) / f"panther-events-{host_run_id()}.spool.jsonl"
        )
        self._outbox = Outbox(max_buffer, spool, max_spool_bytes)
        self._closed = False
        self._error: TransportError | None = None
        self._sent = 0
        self._retried = 0
        self._rejected = 0
        # State below is touched only on the loop thread.
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._pull_subject = ""  # set once the consumer exists
        self._deliveries = ""  # our inbox for pulled messages
        self._inbox: deque[Raw] = deque()
        self._arrived = asyncio.Event()
        self._pull_left = 0  # messages the open pull request may still bring
        self._pull_expires = 0.0
        self._connected = threading.Event()
        self._in_flight: dict[str, tuple[Item, float]] = {}  # ack token -> (item, deadline)
        self._ack_prefix = ""
        self._need_check = True
        self._connecting: NatsClient | None = None  # a client inside connect(), not yet _nc
        self._seq = 0
        self._failures = 0
        self._stopping = False
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._thread = threading.Thread(target=self._run_loop, name=self.name, daemon=True)
        self._thread.start()
        self._sender = self._submit(self._send_forever())
        _OPEN.add(self)

    # ----------------------------------------------------------------- loop plumbing
    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _submit(self, coro: Coroutine[Any, Any, _T]) -> ThreadFuture[_T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _call(self, coro: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        """Run ``coro`` on the loop thread and return its result to this thread."""
        return self._submit(coro).result(timeout)

    # ----------------------------------------------------------------- publishing
    def publish(self, event: object, *, run_id: str) -> None:
        """Queue ``event`` of run ``run_id``; returns without waiting for the network.

        Raises:
            TransportError: the transport is closed.
            ValueError: ``run_id`` is empty or holds whitespace or control characters.
        """
        if self._closed:
            raise TransportError(
                f"cannot publish {type(event).__name__} for run {run_id!r}: this NatsTransport "
                "is closed; create a new one"
            )
        check_run_id(run_id)
        event_id, event_type, payload = _wire_json(event)
        item = (
            message_id(run_id, event_id),
            _subject(run_id, event_type, self.stream.subject_prefix),
            run_id,
            payload.encode(),
        )
        if self._outbox.put(item):
            self._loop.call_soon_threadsafe(self._wake.set)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is stored by the server; see ``Transport.flush``.

        Raises:
            TransportError: the stream exists with incompatible settings.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # Short waits, so that a fatal error (a stream with other settings) ends the wait.
            if self._error is not None:
                raise self._error
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            step = 0.1 if remaining is None else min(0.1, remaining)
            if self._outbox.wait_empty(step):
                if self._error is not None:
                    raise self._error
                return True

    async def _send_forever(self) -> None:
        """The sender: connect, move queued messages into flight, re-send failures."""
        last_sweep = time.monotonic()
        while not self._stopping:
            if self._error is not None:
                await asyncio.sleep(0.5)
                continue
            now = time.monotonic()
            if now - last_sweep > 0.1:
                self._sweep(now)
                last_sweep = now
            nc = self._nc
            if nc is None or not nc.is_connected or self._need_check:
                await self._connect_once()
                continue
            if self._failures:
                await asyncio.sleep(min(0.05 * 2 ** min(self._failures - 1, 6), _MAX_BACKOFF))
            room = self.max_in_flight - len(self._in_flight)
            # No await between take() and _send() registering the items as in flight, so a
            # message is always either queued or in flight (flush() relies on it).
            items = self._outbox.take(room) if room > 0 else []
            if not items:
                self._outbox.mark_empty_if_idle(len(self._in_flight))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1)
                continue
            await self._send(nc, items)

    async def _send(self, nc: NatsClient, items: list[Item]) -> None:
        """Publish ``items``, each with a reply subject in our acknowledgement inbox.

        The batch is written as one block of ``HPUB`` commands through the client's write
        buffer: ``Client.publish`` re-validates and re-encodes the header of every message,
        which costs more than everything else a publisher does. nats-py's ``publish_async``
        is not used either: a publish failing while the connection drops leaks its in-flight
        permit there, which would in the end stall the sender.
        """
        deadline = time.monotonic() + self.ack_timeout
        commands = []
        tokens = []
        for item in items:
            msg_id, subject, _run_id, payload = item
            header = b"NATS/1.0\r\nNats-Msg-Id: " + msg_id.encode() + b"\r\n\r\n"
            size = len(header) + len(payload)
            if size > nc.max_payload:
                # The server would drop the connection over it, again at every retry.
                self._rejected += 1
                logger.error(
                    "event %s is %d bytes, over the server's max_payload of %d; not sent",
                    msg_id,
                    size,
                    nc.max_payload,
                )
                continue
            self._seq += 1
            token = str(self._seq)
            commands.append(
                f"HPUB {subject} {self._ack_prefix}{token} {len(header)} {size}\r\n".encode()
                + header
                + payload
                + b"\r\n"
            )
            # In flight before the write: while it awaits, acks of earlier messages may empty
            # the in-flight table, and flush() must not see "nothing left" then.
            self._in_flight[token] = (item, deadline)
            tokens.append(token)
        try:
            await _write(nc, commands)
        except Exception as exc:  # connection lost: keep the batch for later
            logger.debug("publish of %d messages failed: %r", len(items), exc)
            self._failures += 1
            self._retried += len(items)
            self._outbox.requeue(
                [entry[0] for entry in (self._in_flight.pop(t, None) for t in tokens) if entry]
            )

    async def _on_ack_msg(self, msg: Msg) -> None:
        self._on_ack(from_msg(msg))

    def _on_ack(self, msg: Raw) -> None:
        """A publish acknowledgement (or error) from JetStream: count it or re-queue."""
        entry = self._in_flight.pop(msg.subject[len(self._ack_prefix) :], None)
        if entry is None:
            return  # late: it was already re-queued, and the server deduplicates the resend
        error = None
        if msg.status == "503":
            error = "no stream listens on the subject"
            self._need_check = True
        elif b'"error"' in msg.data:  # a PubAck is small JSON; only errors need parsing
            try:
                reply = json.loads(msg.data)
                error = (reply.get("error") if isinstance(reply, dict) else None) or repr(reply)
            except ValueError as exc:
                error = repr(exc)
        if error:
            logger.debug("publish of %s refused: %s", entry[0][0], error)
            self._failures += 1
            self._retried += 1
            self._outbox.requeue([entry[0]])
        else:
            self._failures = 0
            self._sent += 1
            if not self._in_flight:
                self._outbox.mark_empty_if_idle(0)
        self._wake.set()

    def _sweep(self, now: float) -> None:
        """Give up waiting for overdue acknowledgements: re-queue those messages."""
        overdue = [token for token, (_, deadline) in self._in_flight.items() if deadline <= now]
        if overdue:
            self._failures += 1
            self._retried += len(overdue)
            self._outbox.requeue([self._in_flight.pop(token)[0] for token in overdue])

    async def _connect_once(self) -> None:
        """Connect (or wait for the client's own reconnection) and make sure of the stream."""
        nc = self._nc
        if nc is not None and not nc.is_closed and not nc.is_connected:
            await asyncio.sleep(0.05)  # the client reconnects by itself
            return
        if nc is None or nc.is_closed:
            nc = NatsClient()
            self._connecting = nc
            try:
                await nc.connect(
                    servers=self.servers,
                    name=self.name,
                    connect_timeout=2,
                    reconnect_time_wait=0.25,  # type: ignore[arg-type]  # used as sleep seconds
                    max_reconnect_attempts=-1,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
            except Exception as exc:
                self._failures += 1
                delay = min(0.05 * 2 ** min(self._failures, 8), _MAX_BACKOFF)
                logger.debug("cannot connect to %s (%r); retry in %.2fs", self.servers, exc, delay)
                await asyncio.sleep(delay)
                return
            self._connecting = None
            if self._stopping:
                await nc.close()
                return
            self._nc = nc
            self._js = nc.jetstream()
            self._ack_prefix = nc.new_inbox() + "."
            acks = await nc.subscribe(self._ack_prefix + "*", cb=self._on_ack_msg)
            route(nc, acks, self._on_ack)
            self._need_check = True
        try:
            await self._ensure_stream()
        except TransportError as exc:
            self._error = exc
            self._outbox.mark_empty_if_idle(0)
            logger.error("%s", exc)
            return
        except Exception as exc:
            logger.debug("stream check failed (%r); retrying", exc)
            await asyncio.sleep(0.2)
            return
        self._need_check = False
        self._failures = 0
        self._connected.set()

    async def _ensure_stream(self) -> None:
        js = self._js
        assert js is not None
        try:
            info = await js.stream_info(self.stream.name)
        except nats.js.errors.NotFoundError:
            try:
                info = await js.add_stream(self.stream.config())
            except nats.js.errors.BadRequestError:
                # Another host created it between our two requests: check theirs.
                info = await js.stream_info(self.stream.name)
        self.stream.check(info.config)

    async def _on_error(self, exc: Exception) -> None:
        logger.debug("NATS client error: %r", exc)

    async def _on_disconnected(self) -> None:
        self._connected.clear()
        logger.info("disconnected from NATS %s; events are kept until it is back", self.servers)

    async def _on_reconnected(self) -> None:
        # Not checked here: a request from inside this callback could wait on the very
        # connection that is being restored. The sender checks before sending again.
        logger.info("reconnected to NATS %s", self.servers)
        self._need_check = True
        self._pull_left = 0  # an open pull request did not survive the server
        self._wake.set()

    # ----------------------------------------------------------------- consuming
    def fetch(self, max_events: int = 100, timeout: float = 1.0) -> list[Delivery]:
        """Return up to ``max_events`` deliveries from the durable consumer.

        Returns an empty list after about ``timeout`` seconds without any, including while
        the server is unreachable (the caller simply polls again).

        Raises:
            TransportError: the transport is closed, or the stream is incompatible.
        """
        if self._closed:
            raise TransportError("cannot fetch: this NatsTransport is closed")
        if not self._connected.wait(timeout):
            if self._error is not None:
                raise self._error
            return []
        return self._call(self._fetch(max_events, timeout), timeout + 30)

    async def _fetch(self, max_events: int, timeout: float) -> list[Delivery]:
        """Pull up to ``max_events`` messages: ask the consumer, gather what arrives.

        nats-py's ``PullSubscription.fetch`` waits for each message separately, which costs
        more than the rest of the collector; here deliveries land in a buffer from a callback
        and a pull request is sent only when no earlier one is still open.
        """
        deadline = time.monotonic() + timeout
        try:
            if not self._pull_subject:
                await self._subscribe()
            if len(self._inbox) < max_events:
                await self._request(max_events, timeout)
            while not self._inbox:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)
                if not self._inbox and self._pull_left == 0:
                    await self._request(max_events, deadline - time.monotonic())
            # The rest of a burst is usually a few milliseconds behind its first message.
            settle = time.monotonic() + 0.005
            while len(self._inbox) < max_events and self._pull_left > 0:
                remaining = min(settle, deadline) - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)
        except (nats.errors.Error, nats.js.errors.Error, OSError) as exc:
            logger.debug("fetch failed (%r); will retry", exc)
            self._pull_left = 0
            await asyncio.sleep(min(timeout, 0.2))
            return []
        out: list[Delivery] = []
        while self._inbox and len(out) < max_events:
            msg = self._inbox.popleft()
            try:
                wire = _loads(msg.data)
                check_wire(wire)  # a malformed message is refused here, not by the target
                if msg.msg_id is None:
                    raise ValueError("no Nats-Msg-Id header: not sent by a panther-events host")
                run_id = msg.msg_id.rpartition(":")[0]
                out.append(Delivery(run_id, None, _delivery_count(msg.reply), msg, wire=wire))
            except Exception:
                # A message that is not an event would be redelivered forever: drop it loudly.
                logger.exception("dropping undecodable message on %r", msg.subject)
                nc = self._nc
                if nc is not None and msg.reply:
                    with contextlib.suppress(Exception):
                        await _reply_all(nc, [msg], b"+TERM")
        # Prefetch: the next batch travels while the caller handles this one.
        with contextlib.suppress(Exception):
            await self._request(max_events, max(timeout, 5.0))
        return out

    async def _request(self, batch: int, timeout: float) -> None:
        """Open a pull request for ``batch`` messages unless one is still open."""
        nc = self._nc
        if nc is None or (self._pull_left > 0 and time.monotonic() < self._pull_expires):
            return
        expires = max(timeout, 0.05)
        self._pull_left = batch
        self._pull_expires = time.monotonic() + expires
        request = {"batch": batch, "expires": int(expires * 1e9)}
        await nc.publish(self._pull_subject, json.dumps(request).encode(), reply=self._deliveries)

    async def _on_delivery_msg(self, msg: Msg) -> None:
        self._on_delivery(from_msg(msg))

    def _on_delivery(self, msg: Raw) -> None:
        """A message for our pull requests, or a status that ends one."""
        status = msg.status
        if status is None:
            self._inbox.append(msg)
            self._pull_left -= 1
        elif status != "100":  # 404 no messages, 408 expired, 409 consumer changed: closed
            self._pull_left = 0
        self._arrived.set()

    async def _subscribe(self) -> None:
        js, nc = self._js, self._nc
        assert js is not None and nc is not None
        config = js_api.ConsumerConfig(
            durable_name=self.consumer,
            ack_policy=js_api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_ack_pending=self.max_ack_pending,
            filter_subject=f"{self.stream.subject_prefix}.>",
        )
        await js.add_consumer(self.stream.name, config)
        self._deliveries = nc.new_inbox()
        deliveries = await nc.subscribe(self._deliveries, cb=self._on_delivery_msg)
        route(nc, deliveries, self._on_delivery)
        self._pull_subject = f"$JS.API.CONSUMER.MSG.NEXT.{self.stream.name}.{self.consumer}"

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge deliveries; see ``Transport.ack``."""
        self._settle(deliveries, ack=True)

    def nak(self, deliveries: Sequence[Delivery]) -> None:
        """Ask for prompt redelivery; see ``Transport.nak``."""
        self._settle(deliveries, ack=False)

    def _settle(self, deliveries: Sequence[Delivery], *, ack: bool) -> None:
        msgs = [d.token for d in deliveries if isinstance(d.token, Raw)]
        if msgs:
            self._call(self._settle_async(msgs, ack=ack), 30)

    async def _settle_async(self, msgs: list[Raw], *, ack: bool) -> None:
        # A lost ack only means a redelivery, which consumers handle idempotently.
        with contextlib.suppress(Exception):
            nc = self._nc
            if nc is not None:
                await _reply_all(nc, msgs, b"+ACK" if ack else b"-NAK")

    # ----------------------------------------------------------------- lifecycle
    def stats(self) -> dict[str, object]:
        """Counters: accepted, sent (acknowledged by the server), retried, spooled,
        dropped (spool full), rejected (larger than the server's max_payload), pending (still
        queued or in flight), connected, error."""
        return {
            "accepted": self._outbox.accepted,
            "sent": self._sent,
            "retried": self._retried,
            "spooled": self._outbox.spooled,
            "dropped": self._outbox.dropped,
            "rejected": self._rejected,
            "pending": len(self._outbox) + len(self._in_flight),
            "connected": self._connected.is_set(),
            "error": None if self._error is None else str(self._error),
        }

    def close(self, timeout: float | None = 30.0) -> None:
        """Send what is queued (waiting up to ``timeout`` seconds), then disconnect.

        Messages still unsent after ``timeout`` are written to the spool file, which is kept
        (and logged) so that a publisher given the same ``spool_path`` sends them later.
        Unacknowledged deliveries are redelivered to the next consumer of the same name.
        """
        if self._closed:
            return
        self._closed = True
        _OPEN.discard(self)
        with contextlib.suppress(TransportError):
            self.flush(timeout)
        try:
            left = self._call(self._shutdown(), 60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
        if left:
            logger.warning(
                "%d events could not be sent to NATS %s; they are kept in %s",
                left,
                self.servers,
                self._outbox.spool_path,
            )

    async def _shutdown(self) -> int:
        # The sender is not cancelled but asked to stop: cancelling it inside nats.connect()
        # would leave that half-made connection's socket open.
        self._stopping = True
        self._wake.set()
        sender = asyncio.wrap_future(self._sender)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(sender), 2)
        if not sender.done():
            # Still trying to reach a server that is not there: give up, and close the
            # half-made client so its socket (if any) is not left open.
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            if self._connecting is not None:
                with contextlib.suppress(Exception):
                    await self._connecting.close()
        if self._inbox and self._nc is not None:
            # Prefetched but never handed out: ask for prompt redelivery to the next consumer.
            with contextlib.suppress(Exception):
                await _reply_all(self._nc, list(self._inbox), b"-NAK")
            self._inbox.clear()
        unsent = [item for item, _ in self._in_flight.values()]
        self._in_flight.clear()
        left = self._outbox.close(unsent)
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.flush(timeout=2)
            await self._nc.close()
        # Let cancelled tasks finish before the loop stops.
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return left

    def __enter__(self) -> NatsTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@final
class NatsPublisher:
    """An observer that forwards a run's matching events to NATS JetStream.

    Register it on a manager (``manager.register_observer(NatsPublisher(url, run_id=...))``);
    ``on_event`` returns at once, whatever the state of the server (see the module docstring
    for buffering, spooling and the counted drop policy), and ``close()`` (called by
    ``EventManager.close()``) waits up to ``close_timeout`` for everything to be stored.

    Args:
        url: NATS server URL(s).
        run_id: the run the events belong to; a host-unique id from ``host_run_id()`` if
            omitted.
        pattern: only events whose type matches are forwarded (default: all).
        stream: the JetStream stream settings.
        close_timeout: seconds ``close()`` waits for unsent events before spooling them.
        max_buffer, spool_path, max_spool_bytes, max_in_flight, ack_timeout: see
            :class:`NatsTransport`.
    """

    def __init__(
        self,
        url: str | Sequence[str] = _DEFAULT_URL,
        run_id: str | None = None,
        *,
        pattern: str = "*",
        stream: StreamSettings | None = None,
        close_timeout: float = 30.0,
        max_buffer: int = 100_000,
        spool_path: str | Path | None = None,
        max_spool_bytes: int = 1 << 30,
        max_in_flight: int = 2_000,
        ack_timeout: float = 5.0,
    ) -> None:
        self.run_id = run_id or host_run_id()
        self.close_timeout = close_timeout
        self._match_all = pattern == "*"
        self._pattern = compile_pattern(pattern)
        self.transport = NatsTransport(
            url,
            stream=stream,
            max_buffer=max_buffer,
            spool_path=spool_path,
            max_spool_bytes=max_spool_bytes,
            max_in_flight=max_in_flight,
            ack_timeout=ack_timeout,
            name=f"panther-events-publisher-{self.run_id}",
        )

    def on_event(self, event: object) -> None:
        """Queue ``event`` for NATS if its type matches; never waits for the network."""
        if self._match_all or self._pattern.matches(type_of(event)):
            self.transport.publish(event, run_id=self.run_id)

    __call__ = on_event

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every forwarded event is stored by the server."""
        return self.transport.flush(timeout)

    def stats(self) -> dict[str, object]:
        """The transport's counters (see :meth:`NatsTransport.stats`)."""
        return self.transport.stats()

    def close(self) -> None:
        """Send what is left (up to ``close_timeout`` seconds), then disconnect."""
        self.transport.close(self.close_timeout)


@final
class NatsSubscriber:
    """Feeds events from a durable JetStream consumer to a local target, acking after.

    The target is an ``EventManager`` (events are published to it, and acknowledged after
    ``flush()`` saw every observer run), an event store (``append_many`` per run, then
    ``flush()``), or a callable taking one event. When the target raises, the batch is
    refused (redelivered) and the error propagates.

    Args:
        url: NATS server URL(s).
        target: where events go.
        consumer: durable consumer name; a restarted subscriber with the same name resumes
            where the previous one stopped acknowledging.
        stream: the JetStream stream settings.
        batch: deliveries fetched and acknowledged together.
        ack_wait: seconds before the server redelivers an unacknowledged event.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        target: Target,
        *,
        consumer: str = DEFAULT_CONSUMER,
        stream: StreamSettings | None = None,
        batch: int = 500,
        ack_wait: float = 30.0,
    ) -> None:
        self.batch = batch
        self._sink = sink_for(target)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.handled = 0
        self.transport = NatsTransport(
            url,
            consumer=consumer,
            stream=stream,
            ack_wait=ack_wait,
            max_ack_pending=max(batch * 4, 1000),
            name=f"panther-events-subscriber-{consumer}-{host_run_id()}",
        )

    def run(
        self,
        *,
        max_events: int | None = None,
        idle_timeout: float | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Deliver events until ``stop()``, ``max_events`` deliveries or ``idle_timeout``
        seconds without any; returns how many deliveries were handled."""
        handled = consume(
            self.transport,
            self._sink,
            batch=self.batch,
            stop=self._stop,
            max_events=max_events,
            idle_timeout=idle_timeout,
            on_batch=on_batch,
        )
        self.handled += handled
        return handled

    def start(self) -> None:
        """Run in a background thread until ``stop()``/``close()``."""
        self._thread = threading.Thread(target=self.run, name="panther-nats-subscriber")
        self._thread.start()

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand is handled and acknowledged."""
        self._stop.set()

    def close(self) -> None:
        """Stop, wait for the running batch, and disconnect."""
        self.stop()
        if self._thread is not None:
            self._thread.join()
        self.transport.close()

    def __enter__(self) -> NatsSubscriber:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
