"""A transport's connection to NATS: connecting, choosing the path, checking the stream.

A :class:`Connection` lives on its transport's loop thread. It connects (retrying with a
backoff), picks the path: the fast adapter when its checks and its probe pass, nats-py's public
API otherwise (see :mod:`._fastpath`), makes sure the stream exists with the expected
settings, and says when all that holds (``connected``, set only once the chosen path has been
proven). nats-py reconnects a client by itself; the stream is checked again after each
reconnection, and a closed client is replaced by a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import inspect
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, final

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from ..exceptions import TransportError
from ._fastpath import FastWire, problems
from ._stream import StreamSettings
from ._wire import CONNECTION_ERRORS, PublicWire

__all__ = ["MAX_BACKOFF", "Connection"]

logger = logging.getLogger(__name__)


class _QuietTlsEof(logging.Filter):
    """Drops asyncio's warning "returning true from eof_received() has no effect when using
    ssl", which nats-py's protocol causes each time a server closes a TLS connection: one
    line per reconnection attempt (a flood while a password is refused), telling a user
    nothing. Every other asyncio record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("returning true from eof_received()")


logging.getLogger("asyncio").addFilter(_QuietTlsEof())

#: Longest wait, in seconds, between two attempts (to connect, or to send again).
MAX_BACKOFF = 2.0
_CONNECT_TIMEOUT = 2.0
# Our subjects are made of checked tokens: nats-py need not check them again (nats-py >= 2.14).
_SKIP_VALIDATION: dict[str, Any] = (
    {"skip_subject_validation": True}
    if "skip_subject_validation" in inspect.signature(NatsClient.connect).parameters
    else {}
)


def _is_refusal(exc: BaseException) -> bool:
    """Whether a failure to connect is a refusal (credentials, TLS: said at ERROR) rather
    than an unreachable server (retried quietly). TLS errors are ``OSError`` too."""
    return isinstance(exc, ssl.SSLError) or not isinstance(exc, CONNECTION_ERRORS)


def _nats_version() -> str:
    """The installed nats-py version, for messages ('?' if unknown)."""
    try:
        return importlib.metadata.version("nats-py")
    except importlib.metadata.PackageNotFoundError:
        return "?"


@final
class Connection:
    """One transport's client, its JetStream context and its path, kept connected.

    Args:
        servers: the server URLs; ``shown``: the same with passwords hidden, for messages.
        name: the connection name the server shows.
        auth: ``tls``/``user_credentials``/``nkeys_seed`` options for ``Client.connect``.
        stream: the stream to create or check.
        want_fast: try the fast path first.
        log_error_once: logs a message at ERROR the first time it is seen.
        on_new_client: awaited with each new client and its path, before it is used.
        after_reconnect: called when nats-py has reconnected a client.
    """

    def __init__(
        self,
        servers: Sequence[str],
        shown: str,
        name: str,
        auth: dict[str, Any],
        stream: StreamSettings,
        want_fast: bool,
        log_error_once: Callable[..., None],
        on_new_client: Callable[[NatsClient, PublicWire], Awaitable[None]],
        after_reconnect: Callable[[], None],
    ) -> None:
        self.servers = list(servers)
        self.shown = shown
        self.name = name
        self.stream = stream
        self.want_fast = want_fast
        self._auth = auth
        self._log_error_once = log_error_once
        self._on_new_client = on_new_client
        self._after_reconnect = after_reconnect
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.wire: PublicWire | None = None
        #: Set once connected, the path proven and the stream checked; cleared on disconnect.
        self.connected = threading.Event()
        self.need_check = True
        self.connecting: NatsClient | None = None  # a client inside connect(), not yet nc
        self.stopping = False
        #: Why the last connection attempt failed ('' if it did not).
        self.last_error = ""
        self._refusal = False  # last_error is a refusal (credentials, TLS), not a lost socket
        #: Whether the server was ever reached (and the stream checked) by this connection.
        self.reached = False
        self._failures = 0

    def ready(self) -> bool:
        """Whether messages can go out now: connected, path chosen, stream checked."""
        nc = self.nc
        return nc is not None and self.wire is not None and nc.is_connected and not self.need_check

    async def ensure(self) -> bool:
        """Connect (or wait for the client's own reconnection) and make sure of the stream.

        Returns:
            True once :meth:`ready`; False after a failed attempt (and its backoff).

        Raises:
            TransportError: the stream exists with incompatible settings.
        """
        nc = self.nc
        if nc is not None and not nc.is_closed and not nc.is_connected:
            await asyncio.sleep(0.05)  # the client reconnects by itself
            return False
        if nc is None or nc.is_closed:
            nc = await self._new_client()
            if nc is None:
                return False
            wire = await self._choose_wire(nc)
            if wire is None:
                return False
            self.nc, self.wire, self.js = nc, wire, nc.jetstream()
            await self._on_new_client(nc, wire)
            self.need_check = True
        try:
            await self._ensure_stream()
        except TransportError:
            raise
        except Exception as exc:
            if isinstance(exc, CONNECTION_ERRORS):
                logger.debug("stream check failed (%r); retrying", exc)
            else:
                self._log_error_once("checking stream %s failed: %r", self.stream.name, exc)
            await asyncio.sleep(0.2)
            return False
        self.need_check = False
        self._failures = 0
        self.last_error = ""
        self._refusal = False
        self.reached = True
        self.connected.set()
        return True

    async def _new_client(self) -> NatsClient | None:
        """A connected client, or None (after a backoff) when the server cannot be reached."""
        nc = NatsClient()
        self.connecting = nc
        try:
            await nc.connect(
                servers=self.servers,
                name=self.name,
                connect_timeout=_CONNECT_TIMEOUT,  # type: ignore[arg-type]  # seconds
                reconnect_time_wait=0.25,  # type: ignore[arg-type]  # used as sleep seconds
                max_reconnect_attempts=-1,
                allow_reconnect=True,
                error_cb=self._on_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
                **_SKIP_VALIDATION,
                **self._auth,
            )
        except Exception as exc:
            # Not cleared when cancelled (a BaseException): close() must close this one.
            self.connecting = None
            self._failures += 1
            self._note_connect_error(exc)
            delay = min(0.05 * 2 ** min(self._failures, 8), MAX_BACKOFF)
            if not _is_refusal(exc):
                logger.debug("cannot connect to %s (%r); retry in %.2fs", self.shown, exc, delay)
            else:  # refused credentials, a TLS failure...: retried, but said at ERROR
                self._log_error_once("cannot connect to NATS %s: %r", self.shown, exc)
            await asyncio.sleep(delay)
            return None
        self.connecting = None
        if self.stopping:
            await nc.close()
            return None
        return nc

    async def _choose_wire(self, nc: NatsClient) -> PublicWire | None:
        """The fast path if it passes its checks and its probe, else the public path.

        Returns None (after closing ``nc``) when the probe failed on a working connection:
        the fast path has already changed that client, so the caller connects afresh.
        """
        if not self.want_fast:
            return PublicWire(nc)
        found = problems(nc)
        if found:
            self.want_fast = False
            logger.error(
                "nats-py %s lacks what the fast path needs (%s); using its public API",
                _nats_version(),
                "; ".join(found),
            )
            return PublicWire(nc)
        fast = FastWire(nc)
        try:
            if await fast.probe():
                return fast
            failure = "a probe message sent through it never came back"
        except CONNECTION_ERRORS as exc:
            failure = ""
            logger.debug("fast path probe interrupted: %r", exc)
        except Exception as exc:  # FastPathError, or anything else the private names raise
            failure = repr(exc)
        if failure:
            with contextlib.suppress(*CONNECTION_ERRORS):
                await nc.flush(timeout=_CONNECT_TIMEOUT)  # type: ignore[arg-type]
                # The public path works on this connection: the fast path is what is broken.
                self.want_fast = False
                logger.error(
                    "the fast path does not work with nats-py %s (%s); using its public API",
                    _nats_version(),
                    failure,
                )
        await nc.close()
        return None

    async def _ensure_stream(self) -> None:
        js = self.js
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

    def _note_connect_error(self, exc: BaseException) -> None:
        """Keep why connecting failed; a refusal (credentials, TLS) says more than the
        dropped socket that follows it, so a connection error never replaces one."""
        refusal = _is_refusal(exc)
        if refusal or not self._refusal:
            self.last_error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            self._refusal = refusal

    async def _on_error(self, exc: Exception) -> None:
        if not self.connected.is_set():
            # nats-py keeps retrying inside connect(): this is how we learn why it fails.
            self._note_connect_error(exc)
        if not _is_refusal(exc):
            logger.debug("NATS client error: %r", exc)
        else:
            self._log_error_once("NATS client error: %r", exc)

    async def _on_disconnected(self) -> None:
        self.connected.clear()
        logger.info("disconnected from NATS %s; events are kept until it is back", self.shown)

    async def _on_reconnected(self) -> None:
        # Not checked here: a request from inside this callback could wait on the very
        # connection that is being restored. The sender checks before sending again.
        logger.info("reconnected to NATS %s", self.shown)
        self.need_check = True
        self._after_reconnect()

    async def close(self) -> None:
        """Close the client, and one still inside ``connect()`` (its socket would stay open)."""
        if self.connecting is not None:
            with contextlib.suppress(Exception):
                await self.connecting.close()
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.flush(timeout=2)
            await self.nc.close()
