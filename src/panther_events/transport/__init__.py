"""Carrying events between processes and hosts: the transport contract and its implementations.

``InMemoryTransport`` (this package, stdlib only) and ``NatsTransport``/``NatsPublisher``/
``NatsSubscriber`` (``panther_events.transport.nats``, extra ``nats``) pass one contract suite.
The NATS module is never imported here, so ``import panther_events`` stays stdlib-only.
"""

from __future__ import annotations

from ._consume import consume, sink_for
from .base import (
    DEFAULT_CONSUMER,
    DEFAULT_SUBJECT_PREFIX,
    Delivery,
    Transport,
    check_run_id,
    host_run_id,
    message_id,
    subject_for,
)
from .memory import InMemoryStream, InMemoryTransport

__all__ = [
    "DEFAULT_CONSUMER",
    "DEFAULT_SUBJECT_PREFIX",
    "Delivery",
    "InMemoryStream",
    "InMemoryTransport",
    "Transport",
    "check_run_id",
    "consume",
    "host_run_id",
    "message_id",
    "sink_for",
    "subject_for",
]
