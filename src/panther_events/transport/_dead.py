"""Dead letters: deliveries that can never be handled, moved aside to a stream of their own.

A delivery that is not an event, or that the target refuses for its content, would be
redelivered forever and hold up the collector. It is logged at ERROR with its run and id,
copied with the reason to the stream ``<stream>_DEAD`` (subject ``<prefix>-dead.<run>.<type>``,
the same ``Nats-Msg-Id``, so moving it twice stores it once) and only then acknowledged.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import final

import nats.js.errors
from nats.js import JetStreamContext
from nats.js import api as js_api

from ..exceptions import TransportError
from ._stream import StreamSettings
from ._wire import PublicWire, Raw
from .base import split_message_id

__all__ = ["DeadLetter", "DeadLetterStream"]

logger = logging.getLogger(__name__)


@final
@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message moved aside because it could not be handled.

    Attributes:
        seq: its sequence in the dead-letter stream.
        run_id: the run it was published in ('' when its message id was unreadable).
        event_id: its event id, or the raw message id when that could not be split.
        reason: why it could not be handled (the exception's type and message).
        subject: the subject it was published on.
        time: when it was moved aside.
        size: its payload size in bytes (the payload itself is kept in the stream).
    """

    seq: int
    run_id: str
    event_id: str
    reason: str
    subject: str
    time: datetime
    size: int


def _header_time(text: str) -> datetime:
    """The time in a ``Panther-Time`` header (the epoch when absent or unreadable)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def _one_line(text: str, limit: int = 500) -> str:
    """``text`` as one header-safe line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@final
class DeadLetterStream:
    """The dead-letter stream that goes with a stream of events.

    Args:
        stream: the settings of the events' stream.
    """

    def __init__(self, stream: StreamSettings) -> None:
        self.stream = stream
        #: ``<stream name>_DEAD``.
        self.name = f"{stream.name}_DEAD"

    async def ensure(self, js: JetStreamContext) -> None:
        """Create the dead-letter stream unless it exists."""
        try:
            await js.stream_info(self.name)
        except nats.js.errors.NotFoundError:
            config = js_api.StreamConfig(
                name=self.name,
                subjects=[f"{self.stream.subject_prefix}-dead.>"],
                storage=js_api.StorageType.FILE,
                duplicate_window=self.stream.duplicate_window,
                num_replicas=self.stream.replicas,
            )
            with contextlib.suppress(nats.js.errors.BadRequestError):  # made meanwhile
                await js.add_stream(config)

    async def move(self, js: JetStreamContext, wire: PublicWire, msg: Raw, reason: str) -> None:
        """Log ``msg``, store it with ``reason`` in the dead-letter stream, then ack it.

        Raises:
            TransportError: the dead-letter stream did not store it (it is not acknowledged).
        """
        run_id, event_id = "", msg.msg_id or ""
        with contextlib.suppress(ValueError):
            run_id, event_id = split_message_id(msg.msg_id or "")
        logger.error(
            "event %r of run %r on %r cannot be handled (%s); moved to dead-letter stream %s",
            event_id,
            run_id,
            msg.subject,
            _one_line(reason, 300),
            self.name,
        )
        headers = {
            "Panther-Reason": _one_line(reason),
            "Panther-Subject": _one_line(msg.subject),
            "Panther-Time": datetime.now(UTC).isoformat(),
        }
        if msg.msg_id:
            headers["Nats-Msg-Id"] = _one_line(msg.msg_id)
        prefix = self.stream.subject_prefix
        subject = f"{prefix}-dead" + (
            msg.subject[len(prefix) :] if msg.subject.startswith(prefix + ".") else "._"
        )
        try:
            await js.publish(subject, msg.data, headers=headers)
        except Exception as exc:
            raise TransportError(
                f"cannot store a dead letter in stream {self.name!r}: {exc!r}"
            ) from exc
        if msg.reply:
            await wire.reply([msg.reply], b"+ACK")

    async def read(self, js: JetStreamContext, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, oldest first ([] when the stream does not exist)."""
        try:
            info = await js.stream_info(self.name)
        except nats.js.errors.NotFoundError:
            return []
        out: list[DeadLetter] = []
        seq = info.state.first_seq
        while seq <= info.state.last_seq and len(out) < limit:
            try:
                raw = await js.get_msg(self.name, seq)
            except nats.js.errors.NotFoundError:  # deleted
                seq += 1
                continue
            headers = raw.headers or {}
            run_id, event_id = "", headers.get("Nats-Msg-Id", "")
            with contextlib.suppress(ValueError):
                run_id, event_id = split_message_id(event_id)
            out.append(
                DeadLetter(
                    seq=seq,
                    run_id=run_id,
                    event_id=event_id,
                    reason=headers.get("Panther-Reason", ""),
                    subject=headers.get("Panther-Subject", raw.subject or ""),
                    time=_header_time(headers.get("Panther-Time", "")),
                    size=len(raw.data or b""),
                )
            )
            seq += 1
        return out
