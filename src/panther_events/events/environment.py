"""Environment events: a test's environment (and its network) being set up and torn down."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "EnvironmentCreatedEvent",
    "EnvironmentErrorEvent",
    "EnvironmentEvent",
    "EnvironmentEventType",
    "EnvironmentSetupCompletedEvent",
    "EnvironmentSetupFailedEvent",
    "EnvironmentSetupStartedEvent",
    "EnvironmentTeardownCompletedEvent",
    "EnvironmentTeardownFailedEvent",
    "EnvironmentTeardownStartedEvent",
    "NetworkSetupCompletedEvent",
    "NetworkSetupFailedEvent",
    "NetworkSetupStartedEvent",
    "NetworkTeardownCompletedEvent",
    "NetworkTeardownStartedEvent",
]


class EnvironmentEventType(enum.Enum):
    """The ``environment`` event names (the reference lists classes but no enum for this domain)."""

    CREATED = "created"
    SETUP_STARTED = "setup_started"
    SETUP_COMPLETED = "setup_completed"
    SETUP_FAILED = "setup_failed"
    TEARDOWN_STARTED = "teardown_started"
    TEARDOWN_COMPLETED = "teardown_completed"
    TEARDOWN_FAILED = "teardown_failed"
    ERROR = "error"
    NETWORK_SETUP_STARTED = "network.setup_started"
    NETWORK_SETUP_COMPLETED = "network.setup_completed"
    NETWORK_SETUP_FAILED = "network.setup_failed"
    NETWORK_TEARDOWN_STARTED = "network.teardown_started"
    NETWORK_TEARDOWN_COMPLETED = "network.teardown_completed"


class EnvironmentEvent(BaseEvent):
    """Base class for all environment events.

    Unlike the other domains it takes the name and the environment's identity directly;
    ``environment_name`` and ``environment_type`` (e.g. ``"docker_compose"``) are kept in data.
    """

    __slots__ = ()
    #: The ``EnvironmentEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(EnvironmentEventType)
    ID_FIELD: ClassVar[str] = "environment_id"

    def __init__(
        self,
        name: EnvironmentEventType | str,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "environment_name": environment_name,
            "environment_type": environment_type,
        }
        if data:
            payload.update(data)
        event_name = name.value if isinstance(name, EnvironmentEventType) else name
        super().__init__(event_name, EventType.ENVIRONMENT, environment_id, payload)


class EnvironmentCreatedEvent(EnvironmentEvent):
    """``environment.created``: environment created."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.created"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "config": config,
            },
        )


class EnvironmentSetupStartedEvent(EnvironmentEvent):
    """``environment.setup_started``: environment setup started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.setup_started"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        setup_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "setup_config": setup_config,
            },
        )


class EnvironmentSetupCompletedEvent(EnvironmentEvent):
    """``environment.setup_completed``: environment setup completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.setup_completed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_allocated: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "duration": duration,
                "resources_allocated": resources_allocated,
            },
        )


class EnvironmentSetupFailedEvent(EnvironmentEvent):
    """``environment.setup_failed``: environment setup failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.setup_failed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "error_message": error_message,
                "error_details": error_details,
            },
        )


class EnvironmentTeardownStartedEvent(EnvironmentEvent):
    """``environment.teardown_started``: environment teardown started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.teardown_started"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        teardown_reason: str = "test_completed",
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "teardown_reason": teardown_reason,
            },
        )


class EnvironmentTeardownCompletedEvent(EnvironmentEvent):
    """``environment.teardown_completed``: environment teardown completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.teardown_completed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float,
        resources_released: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "duration": duration,
                "resources_released": resources_released,
            },
        )


class EnvironmentErrorEvent(EnvironmentEvent):
    """``environment.error``: environment error."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.error"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recovery_possible: bool = False,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "error_message": error_message,
                "error_type": error_type,
                "error_details": error_details,
                "recovery_possible": recovery_possible,
            },
        )


class NetworkSetupStartedEvent(EnvironmentEvent):
    """``environment.network.setup_started``: network setup started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.network.setup_started"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        interfaces: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "network_config": network_config,
                "interfaces": interfaces,
            },
        )


class NetworkSetupCompletedEvent(EnvironmentEvent):
    """``environment.network.setup_completed``: network setup completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.network.setup_completed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        network_config: dict[str, Any] | None = None,
        allocated_resources: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "network_config": network_config,
                "allocated_resources": allocated_resources,
                "duration": duration,
            },
        )


class EnvironmentTeardownFailedEvent(EnvironmentEvent):
    """``environment.teardown_failed``: environment teardown failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.teardown_failed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        error_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "error_message": error_message,
                "error_details": error_details,
            },
        )


class NetworkSetupFailedEvent(EnvironmentEvent):
    """``environment.network.setup_failed``: network setup failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.network.setup_failed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        error_message: str,
        network_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "error_message": error_message,
                "network_config": network_config,
            },
        )


class NetworkTeardownStartedEvent(EnvironmentEvent):
    """``environment.network.teardown_started``: network teardown started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.network.teardown_started"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        interfaces: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "interfaces": interfaces,
            },
        )


class NetworkTeardownCompletedEvent(EnvironmentEvent):
    """``environment.network.teardown_completed``: network teardown completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "environment.network.teardown_completed"

    def __init__(
        self,
        environment_id: str,
        environment_name: str,
        environment_type: str,
        duration: float | None = None,
        resources_released: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            environment_id,
            {
                "environment_name": environment_name,
                "environment_type": environment_type,
                "duration": duration,
                "resources_released": resources_released,
            },
        )
