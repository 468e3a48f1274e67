"""Carrying events between processes and hosts: the transport contract and its implementations.

``InMemoryTransport`` (this package, stdlib only) and ``NatsTransport``/``NatsPublisher``/
``NatsSubscriber`` (``panther_events.transport.nats``, extra ``nats``) pass one contract suite.
The NATS module is never imported here, so ``import panther_events`` stays stdlib-only.
"""

from __future__ import annotations

from .base import DEFAULT_CONSUMER, DEFAULT_SUBJECT_PREFIX, Delivery, Transport, host_run_id
from .memory import InMemoryStream, InMemoryTransport

__all__ = [
    "DEFAULT_CONSUMER",
    "DEFAULT_SUBJECT_PREFIX",
    "Delivery",
    "InMemoryStream",
    "InMemoryTransport",
    "Transport",
    "host_run_id",
]
