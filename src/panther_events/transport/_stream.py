"""The JetStream stream events are stored in: its settings, and the check of an existing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, final

from nats.js import api as js_api

from ..exceptions import TransportError
from .base import DEFAULT_SUBJECT_PREFIX

__all__ = ["StreamSettings"]


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
