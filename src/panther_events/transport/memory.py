"""An in-process transport with JetStream's semantics, for tests and single-process runs."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import final

from ..exceptions import TransportError
from ..serialization import event_from_json, event_to_dict, event_to_json
from .base import DEFAULT_CONSUMER, Delivery, check_run_id, message_id

__all__ = ["InMemoryStream", "InMemoryTransport"]

logger = logging.getLogger(__name__)


@final
@dataclass(slots=True)
class _Consumer:
    """Position of one durable consumer: next new sequence, and what is out for ack."""

    next_seq: int = 0
    # seq -> (redelivery deadline, delivery count)
    pending: dict[int, tuple[float, int]] = field(default_factory=dict)
    # sequences to hand out again before anything new (naks)
    redeliver: deque[int] = field(default_factory=deque)


@final
class InMemoryStream:
    """The shared log several :class:`InMemoryTransport` instances talk to (the "server").

    Like a JetStream stream it stores each ``(run_id, event id)`` once within
    ``duplicate_window`` seconds, keeps every durable consumer's position, and redelivers a
    delivery that was not acknowledged within ``ack_wait`` seconds.
    """

    def __init__(self, *, duplicate_window: float = 120.0, ack_wait: float = 30.0) -> None:
        self.duplicate_window = duplicate_window
        self.ack_wait = ack_wait
        self._cond = threading.Condition()
        self._log: list[tuple[str, str]] = []  # (run_id, wire JSON); seq = index
        self._seen: OrderedDict[str, float] = OrderedDict()  # msg id -> time stored
        self._consumers: dict[str, _Consumer] = {}
        #: Deliveries moved aside by ``dead_letter``: ``(run_id, wire JSON, reason)``.
        self.dead_letters: list[tuple[str, str, str]] = []

    def __len__(self) -> int:
        """Number of events stored."""
        with self._cond:
            return len(self._log)

    def append(self, run_id: str, event_id: str, payload: str) -> bool:
        """Store one event unless it is a duplicate; returns whether it was stored."""
        now = time.monotonic()
        key = message_id(run_id, event_id)
        with self._cond:
            # Expire the dedup entries that fell out of the window (oldest first).
            while self._seen:
                oldest, stamp = next(iter(self._seen.items()))
                if now - stamp <= self.duplicate_window:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = now
            self._log.append((run_id, payload))
            self._cond.notify_all()
            return True

    def take(
        self, consumer: str, max_events: int, timeout: float
    ) -> list[tuple[int, int, str, str]]:
        """Hand out up to ``max_events`` ``(seq, count, run_id, payload)`` to ``consumer``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            state = self._consumers.setdefault(consumer, _Consumer())
            while True:
                out = self._ready(state, max_events)
                remaining = deadline - time.monotonic()
                if out or remaining <= 0:
                    return out
                # Wake up for new events, or when the earliest pending ack expires.
                wait = remaining
                if state.pending:
                    first_due = min(due for due, _ in state.pending.values())
                    wait = max(0.0, min(wait, first_due - time.monotonic()))
                self._cond.wait(wait)

    def _ready(self, state: _Consumer, max_events: int) -> list[tuple[int, int, str, str]]:
        """Collect naked, expired, then new sequences; caller holds the lock."""
        now = time.monotonic()
        for seq, (due, _count) in sorted(state.pending.items()):
            if due <= now and seq not in state.redeliver:
                state.redeliver.append(seq)
        out: list[tuple[int, int, str, str]] = []
        while state.redeliver and len(out) < max_events:
            seq = state.redeliver.popleft()
            if seq not in state.pending:  # acknowledged meanwhile
                continue
            count = state.pending[seq][1] + 1
            state.pending[seq] = (now + self.ack_wait, count)
            out.append((seq, count, *self._log[seq]))
        while state.next_seq < len(self._log) and len(out) < max_events:
            seq = state.next_seq
            state.next_seq += 1
            state.pending[seq] = (now + self.ack_wait, 1)
            out.append((seq, 1, *self._log[seq]))
        return out

    def settle(self, consumer: str, seqs: Sequence[int], *, ack: bool) -> None:
        """Acknowledge (``ack=True``) or refuse the given sequences of ``consumer``."""
        with self._cond:
            state = self._consumers.setdefault(consumer, _Consumer())
            for seq in seqs:
                if seq not in state.pending:
                    continue
                if ack:
                    del state.pending[seq]
                else:
                    state.redeliver.append(seq)
            self._cond.notify_all()


def _seqs(deliveries: Sequence[Delivery]) -> list[int]:
    """The stream sequences behind deliveries this transport handed out."""
    return [d.token for d in deliveries if isinstance(d.token, int)]


@final
class InMemoryTransport:
    """A :class:`~panther_events.transport.Transport` over an :class:`InMemoryStream`.

    Events are serialised to their wire form on ``publish`` and rebuilt on ``fetch``, exactly
    as across a network, so code tested with this twin behaves the same over NATS.

    Args:
        stream: the shared log; a private one is created when omitted. Give several
            transports the same stream to connect "publishers" and "collectors".
        consumer: the durable consumer name this transport fetches as.
    """

    def __init__(
        self, stream: InMemoryStream | None = None, *, consumer: str = DEFAULT_CONSUMER
    ) -> None:
        self.stream = stream if stream is not None else InMemoryStream()
        self.consumer = consumer
        self._closed = False

    def publish(self, event: object, *, run_id: str) -> None:
        """Store ``event`` of run ``run_id`` (once per run and id); see ``Transport.publish``."""
        if self._closed:
            raise TransportError(
                f"cannot publish {type(event).__name__} for run {run_id!r}: the transport is "
                "closed; create a new InMemoryTransport"
            )
        check_run_id(run_id)
        event_id = str(event_to_dict(event)["id"])
        self.stream.append(run_id, event_id, event_to_json(event))

    def flush(self, timeout: float | None = None) -> bool:
        """Nothing is ever buffered: always True."""
        return True

    def fetch(self, max_events: int = 100, timeout: float = 1.0) -> list[Delivery]:
        """Return up to ``max_events`` deliveries; see ``Transport.fetch``."""
        if self._closed:
            raise TransportError("cannot fetch: the transport is closed")
        taken = self.stream.take(self.consumer, max_events, timeout)
        return [
            Delivery(run_id, event_from_json(payload), count, seq)
            for seq, count, run_id, payload in taken
        ]

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge deliveries; see ``Transport.ack``."""
        self.stream.settle(self.consumer, _seqs(deliveries), ack=True)

    def nak(self, deliveries: Sequence[Delivery]) -> None:
        """Hand deliveries out again at the next fetch; see ``Transport.nak``."""
        self.stream.settle(self.consumer, _seqs(deliveries), ack=False)

    def dead_letter(self, refused: Sequence[tuple[Delivery, str]]) -> None:
        """Keep refused deliveries in ``stream.dead_letters`` and acknowledge them; see
        ``Transport.dead_letter``."""
        for delivery, reason in refused:
            logger.error(
                "event %r of run %r cannot be handled (%s); moved to dead letters",
                delivery.wire.get("id"),
                delivery.run_id,
                reason,
            )
            with self.stream._cond:
                self.stream.dead_letters.append(
                    (delivery.run_id, json.dumps(delivery.wire, default=repr), reason)
                )
        self.ack([d for d, _ in refused])

    def close(self) -> None:
        """Stop using the stream; unacknowledged deliveries stay pending for redelivery."""
        self._closed = True
