"""``NatsTransport``: the transport over NATS JetStream; ``transport/nats.py`` tells the design."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import json
import logging
import os
import ssl
import tempfile
import threading
import time
import weakref
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future as ThreadFuture
from pathlib import Path
from typing import Any, TypeVar, final

from nats.aio.client import Client as NatsClient
from nats.js import api as js_api

from .._background import finish_live_workers
from ..exceptions import TransportError
from ..serialization import _wire_json, check_wire
from ._connection import MAX_BACKOFF, Connection
from ._dead import DeadLetter, DeadLetterStream
from ._outbox import Item, Outbox, check_message_id
from ._stream import StreamSettings
from ._wire import CONNECTION_ERRORS, PublicWire, Puller, Raw
from .base import (
    DEFAULT_CONSUMER,
    Delivery,
    check_run_id,
    check_server_urls,
    host_run_id,
    message_id,
    shown_url,
    split_message_id,
    subject_for,
)

__all__ = ["FAST_PATH_ENV", "NatsTransport"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
# Transports not closed by their owner are closed at interpreter exit, so that a script that
# forgot close() still has its events sent (within a short grace period).
_OPEN: weakref.WeakSet[NatsTransport] = weakref.WeakSet()
_EXIT_GRACE = 10.0


@atexit.register
def _close_open_transports() -> None:
    # Background observers of a manager never closed hand their queues on first, so a
    # transport registered with background=True is not closed before its events reach it.
    finish_live_workers()
    for transport in list(_OPEN):
        with contextlib.suppress(Exception):
            transport.close(_EXIT_GRACE)


_DEFAULT_URL = "nats://127.0.0.1:4222"
#: Environment variable: ``0`` keeps every transport on nats-py's public API path.
FAST_PATH_ENV = "PANTHER_EVENTS_NATS_FAST_PATH"
_subject = functools.lru_cache(maxsize=4096)(subject_for)

# json's public raw_decode: json.loads spends as long again in its Python layers (encoding
# detection, whitespace regex) for a message-sized document.
_raw_decode = json.JSONDecoder().raw_decode


def _loads(data: bytes) -> Any:
    """``json.loads(data)``, faster for the usual compact document; same errors otherwise."""
    text = data.decode()
    try:
        value, end = _raw_decode(text)
    except ValueError:
        return json.loads(text)  # leading whitespace, or invalid: json.loads says what
    return value if end == len(text) else json.loads(text)


def _check_text(data: bytes, wire: Any) -> None:
    """Refuse a decoded wire form holding a lone surrogate (JSON's ``\\ud800`` escape):
    json accepts it, but no UTF-8 store can hold the string, and a store that took it would
    fail at its commit, together with every other event of the batch.

    Raises:
        ValueError: ``wire`` holds a string that is not valid Unicode text.
    """
    if b"\\ud" not in data and b"\\uD" not in data:
        return  # no escaped surrogate at all: the usual case costs two scans
    try:
        json.dumps(wire, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"the event holds a lone surrogate ({exc.object[exc.start : exc.end]!a}), which is "
            "not Unicode text and cannot be stored; send text as valid UTF-8"
        ) from None


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


@final
class NatsTransport:
    """The :class:`~panther_events.transport.Transport` over NATS JetStream.

    The constructor returns at once; connecting happens in the background and is retried
    forever, so a publisher may start before the server does.

    Args:
        url: server URL(s), e.g. ``nats://127.0.0.1:4222``; user and password may be given in
            the URL (``nats://user:secret@host:4222``) and ``tls://`` asks for TLS.
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
        tls: the TLS context for ``tls://`` servers (e.g. one trusting a private CA:
            ``ssl.create_default_context(cafile="ca.pem")``); the system's CAs by default.
        user_credentials: a ``.creds`` file (JWT and nkey seed) to authenticate with.
        nkeys_seed: an nkey seed file to authenticate with (needs the ``nkeys`` package).
        fast_path: use the checked private-API adapter (:mod:`._fastpath`) when it passes its
            checks; ``False`` keeps to nats-py's public API. By default True unless the
            environment variable ``PANTHER_EVENTS_NATS_FAST_PATH`` is ``0``.

    Raises:
        TransportError: a URL is not a NATS server URL (the message names it).
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
        tls: ssl.SSLContext | None = None,
        user_credentials: str | Path | None = None,
        nkeys_seed: str | Path | None = None,
        fast_path: bool | None = None,
    ) -> None:
        try:
            self.servers = check_server_urls(url)
        except ValueError as exc:
            raise TransportError(str(exc)) from None
        #: The servers as shown in messages and logs: passwords are never written out.
        self.shown = ", ".join(shown_url(u) for u in self.servers)
        self.consumer = consumer
        self.stream = stream if stream is not None else StreamSettings()
        self._dead = DeadLetterStream(self.stream)
        self.max_in_flight = max_in_flight
        self.ack_timeout = ack_timeout
        self.ack_wait = ack_wait
        self.max_ack_pending = max_ack_pending
        self.name = name or f"panther-events-{host_run_id()}"
        auth: dict[str, Any] = {}
        if tls is not None:
            auth["tls"] = tls
        if tls is not None or any(u.startswith("tls://") for u in self.servers):
            # TLS from the first byte: otherwise nats-py speaks plain text (credentials
            # included) to any server, or impostor, whose greeting does not require TLS.
            auth["tls_handshake_first"] = True
        if user_credentials is not None:
            auth["user_credentials"] = str(user_credentials)
        if nkeys_seed is not None:
            auth["nkeys_seed"] = str(nkeys_seed)
        if fast_path is None:
            fast_path = os.environ.get(FAST_PATH_ENV, "1").strip() != "0"
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
        self._refused = 0
        self._dead_lettered = 0
        self._dead_undelivered = 0
        self._logged: set[str] = set()
        # State below is touched only on the loop thread.
        self._conn = Connection(
            self.servers,
            self.shown,
            self.name,
            auth,
            self.stream,
            fast_path,
            self._log_error_once,
            self._on_new_client,
            self._on_reconnected,
        )
        self._puller: Puller | None = None
        self._in_flight: dict[str, tuple[Item, float]] = {}  # ack token -> (item, deadline)
        self._ack_prefix = ""
        self._seq = 0
        self._failures = 0
        self._loop = asyncio.new_event_loop()
        self._wake = asyncio.Event()
        self._thread = threading.Thread(target=self._run_loop, name=self.name, daemon=True)
        self._thread.start()
        self._sender = self._submit(self._send_forever())
        self._sender.add_done_callback(self._sender_ended)
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

    def _log_error_once(self, message: str, *args: object) -> None:
        """Log at ERROR the first time this message (formatted) is seen; DEBUG after."""
        text = message % args
        if text in self._logged:
            logger.debug("%s", text)
        else:
            self._logged.add(text)
            logger.error("%s", text)

    def _sender_ended(self, future: ThreadFuture[None]) -> None:
        """The sender never ends before close(); if it dies, say so loudly and keep the error."""
        if future.cancelled() or self._conn.stopping:
            return
        exc = future.exception()
        if exc is not None:
            self._error = TransportError(
                f"the NATS sender of {self.name} stopped after an unexpected error: {exc!r}; "
                f"unsent events are written to {self._outbox.spool_path} at close"
            )
            logger.error("%s", self._error, exc_info=exc)
            self._outbox.mark_empty_if_idle(0)

    # ----------------------------------------------------------------- publishing
    def publish(self, event: object, *, run_id: str) -> None:
        """Queue ``event`` of run ``run_id``; returns without waiting for the network.

        Raises:
            TransportError: the transport is closed.
            ValueError: ``run_id`` is empty or holds whitespace or control characters, or
                the event's id holds control characters.
        """
        if self._closed:
            raise TransportError(
                f"cannot publish {type(event).__name__} for run {run_id!r}: this NatsTransport "
                "is closed; create a new one"
            )
        check_run_id(run_id)
        event_id, event_type, payload = _wire_json(event)
        msg_id = message_id(run_id, event_id)
        check_message_id(msg_id)
        item = (
            msg_id,
            _subject(run_id, event_type, self.stream.subject_prefix),
            run_id,
            payload.encode(),
        )
        if self._outbox.put(item):
            self._loop.call_soon_threadsafe(self._wake.set)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is stored by the server; see ``Transport.flush``.

        Raises:
            TransportError: the stream exists with incompatible settings, or the sender
                stopped after an unexpected error.
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

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the server is reached and the stream checked.

        Raises:
            TransportError: the stream exists with incompatible settings.
        """
        reached = self._conn.connected.wait(timeout)
        if self._error is not None:
            raise self._error
        return reached

    @property
    def reached(self) -> bool:
        """Whether the server was ever reached (and the stream checked) since creation."""
        return self._conn.reached

    @property
    def last_connect_error(self) -> str:
        """Why the last connection attempt failed ('' if it did not)."""
        return self._conn.last_error

    async def _send_forever(self) -> None:
        """The sender: connect, move queued messages into flight, re-send failures."""
        last_sweep = time.monotonic()
        conn = self._conn
        while not conn.stopping:
            if self._error is not None:
                await asyncio.sleep(0.5)
                continue
            now = time.monotonic()
            if now - last_sweep > 0.1:
                self._sweep(now)
                last_sweep = now
            if not conn.ready():
                try:
                    if await conn.ensure():
                        self._failures = 0
                except TransportError as exc:  # the stream has other settings: fatal
                    self._error = exc
                    self._outbox.mark_empty_if_idle(0)
                    logger.error("%s", exc)
                continue
            nc, wire = conn.nc, conn.wire
            assert nc is not None and wire is not None
            if self._failures:
                await asyncio.sleep(min(0.05 * 2 ** min(self._failures - 1, 6), MAX_BACKOFF))
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
            await self._send(nc, wire, items)

    async def _send(self, nc: NatsClient, wire: PublicWire, items: list[Item]) -> None:
        """Publish ``items``, each with a reply subject in our acknowledgement inbox.

        nats-py's ``publish_async`` is not used: a publish failing while the connection drops
        leaks its in-flight permit there, which would in the end stall the sender.
        """
        deadline = time.monotonic() + self.ack_timeout
        messages = []
        tokens = []
        for item in items:
            msg_id, subject, _run_id, payload = item
            # Header "NATS/1.0\r\nNats-Msg-Id: <id>\r\n\r\n" plus the payload.
            size = 28 + len(msg_id) + len(payload)
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
            messages.append((subject, self._ack_prefix + token, msg_id, payload))
            # In flight before the write: while it awaits, acks of earlier messages may empty
            # the in-flight table, and flush() must not see "nothing left" then.
            self._in_flight[token] = (item, deadline)
            tokens.append(token)
        try:
            await wire.publish(messages)
        except Exception as exc:
            if isinstance(exc, CONNECTION_ERRORS):  # connection lost: keep the batch for later
                logger.debug("publish of %d messages failed: %r", len(items), exc)
                self._retried += len(tokens)
            else:  # a bug, or nats-py refusing: loud, and kept (never lost) for another try
                logger.error(
                    "publishing %d events failed with an unexpected error; they are kept",
                    len(tokens),
                    exc_info=exc,
                )
            self._failures += 1
            self._outbox.requeue(
                [entry[0] for entry in (self._in_flight.pop(t, None) for t in tokens) if entry]
            )

    def _on_ack(self, msg: Raw) -> None:
        """A publish acknowledgement (or error) from JetStream: count it or re-queue."""
        entry = self._in_flight.pop(msg.subject[len(self._ack_prefix) :], None)
        if entry is None:
            return  # late: it was already re-queued, and the server deduplicates the resend
        error = None
        if msg.status == "503":
            error = "no stream listens on the subject"
            self._conn.need_check = True
        elif b'"error"' in msg.data:  # a PubAck is small JSON; only errors need parsing
            try:
                reply = json.loads(msg.data)
                error = (reply.get("error") if isinstance(reply, dict) else None) or repr(reply)
            except ValueError as exc:
                error = repr(exc)
        if error:
            # Not a connection error: the server refused. Kept and re-sent after a backoff
            # (a full or re-created stream recovers), and said at ERROR.
            self._log_error_once(
                "NATS refused to store an event on %s: %s; it is kept and sent again",
                entry[0][1],
                error,
            )
            self._failures += 1
            self._refused += 1
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

    async def _on_new_client(self, nc: NatsClient, wire: PublicWire) -> None:
        """A new client: our acknowledgement inbox on it, and a puller made afresh."""
        self._puller = None
        self._ack_prefix = nc.new_inbox() + "."
        await wire.subscribe(self._ack_prefix + "*", self._on_ack)

    def _on_reconnected(self) -> None:
        if self._puller is not None:
            self._puller.reset()  # an open pull request did not survive the server
        self._wake.set()

    # ----------------------------------------------------------------- consuming
    def fetch(self, max_events: int = 100, timeout: float = 1.0) -> list[Delivery]:
        """Return up to ``max_events`` deliveries from the durable consumer.

        Returns an empty list after about ``timeout`` seconds without any, including while
        the server is unreachable (the caller simply polls again). A message that is no
        event of a panther-events host is dead-lettered (see :meth:`dead_letter`), not
        handed out.

        Raises:
            TransportError: the transport is closed, or the stream is incompatible.
        """
        if self._closed:
            raise TransportError("cannot fetch: this NatsTransport is closed")
        if not self._conn.connected.wait(timeout):
            if self._error is not None:
                raise self._error
            return []
        return self._call(self._fetch(max_events, timeout), timeout + 30)

    async def _fetch(self, max_events: int, timeout: float) -> list[Delivery]:
        """Pull up to ``max_events`` messages and decode them into deliveries."""
        try:
            if self._puller is None:
                self._puller = await self._make_puller()
            raws = await self._puller.pull(max_events, timeout)
        except Exception as exc:
            if isinstance(exc, CONNECTION_ERRORS):
                logger.debug("fetch failed (%r); will retry", exc)
            else:  # e.g. the consumer was deleted: said, and made again at the next fetch
                self._log_error_once("fetching from consumer %s failed: %r", self.consumer, exc)
                self._puller = None
            await asyncio.sleep(min(timeout, 0.2))
            return []
        out: list[Delivery] = []
        poison: list[tuple[Raw, str]] = []
        for msg in raws:
            try:
                if msg.msg_id is None:
                    raise ValueError("no Nats-Msg-Id header: not sent by a panther-events host")
                run_id, _ = split_message_id(msg.msg_id)
                wire = _loads(msg.data)
                check_wire(wire)  # a malformed message is refused here, not by the target
                _check_text(msg.data, wire)
                out.append(Delivery(run_id, None, _delivery_count(msg.reply), msg, wire=wire))
            except Exception as exc:  # any failure to decode makes it poison
                poison.append((msg, f"{type(exc).__name__}: {exc}"))
        if poison:
            before = self._dead_lettered
            try:
                await self._dead_letter(poison)
            except TransportError as exc:  # not acknowledged: they come back after ack_wait
                self._log_error_once("%s", exc)
            self._dead_undelivered += self._dead_lettered - before
        return out

    async def _make_puller(self) -> Puller:
        js, wire = self._conn.js, self._conn.wire
        assert js is not None and wire is not None
        config = js_api.ConsumerConfig(
            durable_name=self.consumer,
            ack_policy=js_api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_ack_pending=self.max_ack_pending,
            filter_subject=f"{self.stream.subject_prefix}.>",
        )
        await js.add_consumer(self.stream.name, config)
        return wire.puller(self.stream.name, self.consumer)

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge deliveries; see ``Transport.ack``."""
        self._settle(deliveries, b"+ACK")

    def nak(self, deliveries: Sequence[Delivery]) -> None:
        """Ask for prompt redelivery; see ``Transport.nak``."""
        self._settle(deliveries, b"-NAK")

    def _settle(self, deliveries: Sequence[Delivery], body: bytes) -> None:
        replies = [d.token.reply for d in deliveries if isinstance(d.token, Raw)]
        if replies:
            self._call(self._reply(replies, body), 30)

    async def _reply(self, replies: list[str], body: bytes) -> None:
        wire = self._conn.wire
        if wire is None:
            return
        try:
            await wire.reply(replies, body)
        except CONNECTION_ERRORS as exc:
            # A lost ack only means a redelivery, which consumers handle idempotently.
            logger.debug("sending %r for %d deliveries failed: %r", body, len(replies), exc)

    # ----------------------------------------------------------------- dead letters
    @property
    def dead_letter_stream(self) -> str:
        """The stream holding dead letters: ``<stream name>_DEAD``."""
        return self._dead.name

    def dead_letter(self, refused: Sequence[tuple[Delivery, str]]) -> None:
        """Move deliveries that cannot be handled aside, then acknowledge them.

        Each is logged at ERROR with its run, id and ``reason``, and copied (payload and
        reason) to the dead-letter stream (:attr:`dead_letter_stream`) before its ack, so
        it is never lost and never redelivered.

        Raises:
            TransportError: the dead-letter stream could not store them (they are then not
                acknowledged, and come back).
        """
        raws = [(d.token, reason) for d, reason in refused if isinstance(d.token, Raw)]
        if raws:
            self._call(self._dead_letter(raws), 60)

    @property
    def dead_lettered(self) -> int:
        """How many messages this transport moved to the dead-letter stream (both kinds:
        :attr:`dead_undelivered` and the deliveries given to :meth:`dead_letter`)."""
        return self._dead_lettered

    @property
    def dead_undelivered(self) -> int:
        """How many of :attr:`dead_lettered` were moved aside by :meth:`fetch` itself (not
        events of a panther-events host, or undecodable) and so never handed out."""
        return self._dead_undelivered

    async def _dead_letter(self, refused: list[tuple[Raw, str]]) -> None:
        js, wire = self._conn.js, self._conn.wire
        if js is None or wire is None:
            raise TransportError("cannot dead-letter: not connected to NATS")
        try:
            await self._dead.ensure(js)
            for msg, reason in refused:
                await self._dead.move(js, wire, msg, reason)
                self._dead_lettered += 1
        except CONNECTION_ERRORS as exc:
            raise TransportError(
                f"cannot dead-letter: the connection to NATS failed: {exc!r}"
            ) from exc

    def dead_letters(self, limit: int = 1000, timeout: float = 10.0) -> list[DeadLetter]:
        """Return up to ``limit`` dead letters, oldest first ([] when there are none).

        Raises:
            TransportError: the server could not be reached within ``timeout`` seconds.
        """
        if not self.wait_connected(timeout):
            raise TransportError(
                f"cannot list dead letters: NATS {self.shown} not reachable in {timeout}s"
                + (f" ({self._conn.last_error})" if self._conn.last_error else "")
            )
        js = self._conn.js
        assert js is not None
        return self._call(self._dead.read(js, limit), timeout + 30)

    # ----------------------------------------------------------------- lifecycle
    def stats(self) -> dict[str, object]:
        """Counters: accepted, sent (acknowledged by the server), retried (after a connection
        problem or a missing acknowledgement), refused (the server answered with an error,
        logged at ERROR; kept and sent again), spooled, dropped (spool full), damaged (spool
        records that could not be read), rejected (larger than the server's max_payload),
        dead_lettered, pending (still queued or in flight), spool (the spool file), connected
        (reached, stream checked, and the send path proven), path (``fast``/``public``) and
        error."""
        wire = self._conn.wire
        return {
            "accepted": self._outbox.accepted,
            "sent": self._sent,
            "retried": self._retried,
            "refused": self._refused,
            "spooled": self._outbox.spooled,
            "dropped": self._outbox.dropped,
            "damaged": self._outbox.damaged,
            "rejected": self._rejected,
            "dead_lettered": self._dead_lettered,
            "pending": len(self._outbox) + len(self._in_flight),
            "spool": str(self._outbox.spool_path),
            "connected": self._conn.connected.is_set(),
            "path": None if wire is None else wire.name,
            "error": None if self._error is None else str(self._error),
        }

    @property
    def spool_path(self) -> Path:
        """The spool file: where unsent events wait, and are kept after ``close()``."""
        return self._outbox.spool_path

    def close(self, timeout: float | None = 30.0) -> None:
        """Send what is queued (waiting up to ``timeout`` seconds), then disconnect.

        Messages still unsent after ``timeout`` are written to the spool file, which is kept
        (and logged) so that a publisher given the same ``spool_path`` sends them later;
        ``stats()["pending"]`` then says how many. Unacknowledged deliveries are redelivered
        to the next consumer of the same name.
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
                self.shown,
                self._outbox.spool_path,
            )

    async def _shutdown(self) -> int:
        # The sender is not cancelled but asked to stop: cancelling it inside nats.connect()
        # would leave that half-made connection's socket open.
        self._conn.stopping = True
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
        if self._puller is not None:
            # Prefetched but never handed out: ask for prompt redelivery to the next consumer.
            prefetched = [raw.reply for raw in self._puller.prefetched()]
            if prefetched:
                await self._reply(prefetched, b"-NAK")
        unsent = [item for item, _ in self._in_flight.values()]
        self._in_flight.clear()
        left = self._outbox.close(unsent)
        await self._conn.close()
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
