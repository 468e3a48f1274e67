"""The two ends users attach to: ``NatsPublisher`` (an observer) and ``NatsSubscriber``."""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import final

from .._naming import type_of
from .._patterns import compile_pattern
from ..exceptions import TransportError
from ._consume import Target, consume, sink_for
from ._jetstream import _DEFAULT_URL, NatsTransport
from ._stream import StreamSettings
from .base import DEFAULT_CONSUMER, host_run_id

__all__ = ["NatsPublisher", "NatsSubscriber"]

logger = logging.getLogger(__name__)


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
        max_buffer, spool_path, max_spool_bytes, max_in_flight, ack_timeout, tls,
            user_credentials, nkeys_seed: see :class:`NatsTransport`.
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
        tls: ssl.SSLContext | None = None,
        user_credentials: str | Path | None = None,
        nkeys_seed: str | Path | None = None,
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
            tls=tls,
            user_credentials=user_credentials,
            nkeys_seed=nkeys_seed,
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
        tls, user_credentials, nkeys_seed: see :class:`NatsTransport`.
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
        tls: ssl.SSLContext | None = None,
        user_credentials: str | Path | None = None,
        nkeys_seed: str | Path | None = None,
    ) -> None:
        self.batch = batch
        self._sink = sink_for(target)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.handled = 0
        #: The error that stopped the background thread of ``start()``, if any.
        self.error: BaseException | None = None
        self.transport = NatsTransport(
            url,
            consumer=consumer,
            stream=stream,
            ack_wait=ack_wait,
            max_ack_pending=max(batch * 4, 1000),
            name=f"panther-events-subscriber-{consumer}-{host_run_id()}",
            tls=tls,
            user_credentials=user_credentials,
            nkeys_seed=nkeys_seed,
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
        """Run in a background thread until ``stop()``/``close()``.

        Should the thread stop on an error, the error is logged at ERROR at once, kept in
        :attr:`error`, and raised by ``close()``.
        """
        self._thread = threading.Thread(target=self._run_in_thread, name="panther-nats-subscriber")
        self._thread.start()

    def _run_in_thread(self) -> None:
        try:
            self.run()
        except BaseException as exc:
            self.error = exc
            logger.error(
                "the NATS subscriber of consumer %s stopped: %r; unacknowledged events are "
                "redelivered to the next subscriber",
                self.transport.consumer,
                exc,
                exc_info=exc,
            )

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand is handled and acknowledged."""
        self._stop.set()

    def close(self) -> None:
        """Stop, wait for the running batch, and disconnect.

        Raises:
            TransportError: the background thread of ``start()`` had stopped on an error
                (chained).
        """
        self.stop()
        if self._thread is not None:
            self._thread.join()
        self.transport.close()
        if self.error is not None:
            raise TransportError(f"the NATS subscriber had stopped: {self.error!r}") from (
                self.error
            )

    def __enter__(self) -> NatsSubscriber:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
