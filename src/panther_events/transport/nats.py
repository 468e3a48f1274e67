"""Events over NATS JetStream: the transport, a publishing observer and a subscriber.

This module is the only way in to the code that imports ``nats`` (extra ``nats``): its private
helpers (``_wire``, ``_fastpath``, ``_stream``, ``_dead``) are imported from here only, so a
missing extra gives one ``MissingExtraError``. The design:

* Every event is one JetStream message on ``panther.events.<run>.<type>`` with the header
  ``Nats-Msg-Id: <run id>:<event id>`` (the run id escaped, see
  :func:`~panther_events.transport.base.message_id`), so the exact run id travels too.
  Within the stream's duplicate window the server stores a re-sent message once, so
  retrying is always safe.
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
* A delivery that cannot be handled (not an event, or refused by the store) is logged with
  its run and id, copied to the dead-letter stream ``<stream>_DEAD`` (on its subject with
  ``<prefix>-dead`` for the prefix) with the reason, and acknowledged: one poison message
  never stops a collector. :meth:`NatsTransport.dead_letters` lists them.
* The stream is created if absent (file storage) and its settings are checked when it exists.
* nats-py is used through its public API (:mod:`._wire`) or, when its checks and a probe pass
  at connect time, through the faster adapter :mod:`._fastpath`; ``stats()["path"]`` says
  which. Only connection errors are retried quietly; anything else is logged at ERROR.
"""

from __future__ import annotations

from ..exceptions import MissingExtraError

try:
    import nats  # noqa: F401 - only to say which extra is missing, once, here
except ImportError as exc:
    raise MissingExtraError("NatsTransport", "nats-py", "nats") from exc

from ._dead import DeadLetter
from ._endpoints import NatsPublisher, NatsSubscriber
from ._jetstream import FAST_PATH_ENV, NatsTransport
from ._stream import StreamSettings

__all__ = [
    "FAST_PATH_ENV",
    "DeadLetter",
    "NatsPublisher",
    "NatsSubscriber",
    "NatsTransport",
    "StreamSettings",
]
