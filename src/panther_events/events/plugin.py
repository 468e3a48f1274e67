"""Plugin events: plugins being loaded, started and stopped, and the services they create."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from .base import BaseEvent, EventType, _DomainEventType, _setup

__all__ = [
    "PluginEnvironmentCreatedEvent",
    "PluginEnvironmentDestroyedEvent",
    "PluginEnvironmentReadyEvent",
    "PluginErrorEvent",
    "PluginEvent",
    "PluginEventType",
    "PluginInitializedEvent",
    "PluginLoadedEvent",
    "PluginLoadingCompletedEvent",
    "PluginLoadingFailedEvent",
    "PluginLoadingStartedEvent",
    "PluginServiceCreatedEvent",
    "PluginServiceStartedEvent",
    "PluginServiceStoppedEvent",
    "PluginStartedEvent",
    "PluginStoppedEvent",
    "ServiceManagerCreatedEvent",
]


class PluginEventType(enum.Enum):
    """The ``plugin`` event names, exactly as the API reference lists them."""

    LOADING_STARTED = "loading_started"
    LOADING_COMPLETED = "loading_completed"
    LOADING_FAILED = "loading_failed"
    INITIALIZED = "initialized"
    STARTED = "started"
    STOPPED = "stopped"
    ERROR = "error"
    SERVICE_CREATED = "service_created"
    SERVICE_STARTED = "service_started"
    SERVICE_STOPPED = "service_stopped"
    ENVIRONMENT_CREATED = "environment_created"
    ENVIRONMENT_READY = "environment_ready"
    ENVIRONMENT_DESTROYED = "environment_destroyed"


class PluginEvent(BaseEvent):
    """Base class for all plugin events; the entity id is ``plugin_id``.

    ``event_type`` is a ``PluginEventType`` member, or a plain name for the classes that have no
    member of their own.
    """

    __slots__ = ()
    #: The ``PluginEventType`` member this event's name is (the plain name if none).
    event_type = _DomainEventType(PluginEventType)
    ID_FIELD: ClassVar[str] = "plugin_id"

    def __init__(
        self,
        event_type: PluginEventType | str,
        plugin_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        name = event_type.value if isinstance(event_type, PluginEventType) else event_type
        super().__init__(name, EventType.PLUGIN, plugin_id, data)


class PluginLoadingStartedEvent(PluginEvent):
    """``plugin.loading_started``: plugin loading started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.loading_started"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str | None = None,
        loading_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "plugin_path": plugin_path,
                "loading_config": loading_config,
            },
        )


class PluginLoadingCompletedEvent(PluginEvent):
    """``plugin.loading_completed``: plugin loading completed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.loading_completed"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        duration: float | None = None,
        capabilities: list[str] | None = None,
        version: str | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "duration": duration,
                "capabilities": capabilities,
                "version": version,
            },
        )


class PluginLoadingFailedEvent(PluginEvent):
    """``plugin.loading_failed``: plugin loading failed."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.loading_failed"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "error_message": error_message,
                "error_details": error_details,
                "duration": duration,
            },
        )


class PluginInitializedEvent(PluginEvent):
    """``plugin.initialized``: plugin initialized."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.initialized"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        initialization_config: dict[str, Any] | None = None,
        dependencies: list[str] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "initialization_config": initialization_config,
                "dependencies": dependencies,
            },
        )


class PluginStartedEvent(PluginEvent):
    """``plugin.started``: plugin started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.started"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        startup_duration: float | None = None,
        startup_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "startup_duration": startup_duration,
                "startup_details": startup_details,
            },
        )


class PluginStoppedEvent(PluginEvent):
    """``plugin.stopped``: plugin stopped."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.stopped"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        stop_reason: str = "normal_shutdown",
        cleanup_duration: float | None = None,
        cleanup_details: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "stop_reason": stop_reason,
                "cleanup_duration": cleanup_duration,
                "cleanup_details": cleanup_details,
            },
        )


class PluginErrorEvent(PluginEvent):
    """``plugin.error``: plugin error."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.error"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "error_message": error_message,
                "error_type": error_type,
                "error_details": error_details,
                "recoverable": recoverable,
            },
        )


class PluginServiceCreatedEvent(PluginEvent):
    """``plugin.service_created``: plugin service created."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.service_created"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        service_type: str,
        service_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "service_id": service_id,
                "service_name": service_name,
                "service_type": service_type,
                "service_config": service_config,
            },
        )


class PluginServiceStartedEvent(PluginEvent):
    """``plugin.service_started``: plugin service started."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.service_started"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        startup_duration: float | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "service_id": service_id,
                "service_name": service_name,
                "startup_duration": startup_duration,
            },
        )


class PluginServiceStoppedEvent(PluginEvent):
    """``plugin.service_stopped``: plugin service stopped."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.service_stopped"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        stop_reason: str = "normal_shutdown",
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "service_id": service_id,
                "service_name": service_name,
                "stop_reason": stop_reason,
            },
        )


class PluginLoadedEvent(PluginEvent):
    """``plugin.loaded``: plugin loaded."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.loaded"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "plugin_path": plugin_path,
                "metadata": metadata,
            },
        )


class ServiceManagerCreatedEvent(PluginEvent):
    """``plugin.service_manager_created``: service manager created."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.service_manager_created"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_name: str,
        implementation: str,
        protocol: str,
        service_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "service_name": service_name,
                "implementation": implementation,
                "protocol": protocol,
                "service_config": service_config,
            },
        )


class PluginEnvironmentCreatedEvent(PluginEvent):
    """``plugin.environment_created``: a plugin created an environment.

    ``PluginEventType.ENVIRONMENT_CREATED`` has no class in the reference's table; this is it.
    """

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.environment_created"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        environment_type: str | None = None,
        environment_config: dict[str, Any] | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "environment_id": environment_id,
                "environment_name": environment_name,
                "environment_type": environment_type,
                "environment_config": environment_config,
            },
        )


class PluginEnvironmentReadyEvent(PluginEvent):
    """``plugin.environment_ready``: an environment a plugin created is ready for use."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.environment_ready"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        setup_duration: float | None = None,
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "environment_id": environment_id,
                "environment_name": environment_name,
                "setup_duration": setup_duration,
            },
        )


class PluginEnvironmentDestroyedEvent(PluginEvent):
    """``plugin.environment_destroyed``: an environment a plugin created was torn down."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str] = "plugin.environment_destroyed"

    def __init__(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        reason: str = "normal_shutdown",
    ) -> None:
        _setup(
            self,
            plugin_id,
            {
                "plugin_name": plugin_name,
                "plugin_type": plugin_type,
                "environment_id": environment_id,
                "environment_name": environment_name,
                "reason": reason,
            },
        )
