"""PluginEventEmitter: an emit method per plugin event class (and managed services)."""

from __future__ import annotations

from typing import Any

from ..events.plugin import (
    PluginEnvironmentCreatedEvent,
    PluginEnvironmentDestroyedEvent,
    PluginEnvironmentReadyEvent,
    PluginErrorEvent,
    PluginInitializedEvent,
    PluginLoadedEvent,
    PluginLoadingCompletedEvent,
    PluginLoadingFailedEvent,
    PluginLoadingStartedEvent,
    PluginServiceCreatedEvent,
    PluginServiceStartedEvent,
    PluginServiceStoppedEvent,
    PluginStartedEvent,
    PluginStoppedEvent,
    ServiceManagerCreatedEvent,
)
from .base import EventEmitterBase

__all__ = ["PluginEventEmitter"]


class PluginEventEmitter(EventEmitterBase):
    """Emits plugin events; every method builds one event class and emits it.

    Each method takes exactly its class's constructor parameters and returns the event it
    emitted.
    """

    def emit_plugin_environment_created(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        environment_type: str | None = None,
        environment_config: dict[str, Any] | None = None,
    ) -> PluginEnvironmentCreatedEvent:
        """Emit ``plugin.environment_created`` (PluginEnvironmentCreatedEvent)."""
        event = PluginEnvironmentCreatedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            environment_id=environment_id,
            environment_name=environment_name,
            environment_type=environment_type,
            environment_config=environment_config,
        )
        self._emit_event(event)
        return event

    def emit_plugin_environment_destroyed(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        reason: str = "normal_shutdown",
    ) -> PluginEnvironmentDestroyedEvent:
        """Emit ``plugin.environment_destroyed`` (PluginEnvironmentDestroyedEvent)."""
        event = PluginEnvironmentDestroyedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            environment_id=environment_id,
            environment_name=environment_name,
            reason=reason,
        )
        self._emit_event(event)
        return event

    def emit_plugin_environment_ready(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        environment_id: str,
        environment_name: str,
        setup_duration: float | None = None,
    ) -> PluginEnvironmentReadyEvent:
        """Emit ``plugin.environment_ready`` (PluginEnvironmentReadyEvent)."""
        event = PluginEnvironmentReadyEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            environment_id=environment_id,
            environment_name=environment_name,
            setup_duration=setup_duration,
        )
        self._emit_event(event)
        return event

    def emit_plugin_error(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_type: str = "unknown",
        error_details: dict[str, Any] | None = None,
        recoverable: bool = False,
    ) -> PluginErrorEvent:
        """Emit ``plugin.error`` (PluginErrorEvent)."""
        event = PluginErrorEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            error_message=error_message,
            error_type=error_type,
            error_details=error_details,
            recoverable=recoverable,
        )
        self._emit_event(event)
        return event

    def emit_plugin_initialized(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        initialization_config: dict[str, Any] | None = None,
        dependencies: list[str] | None = None,
    ) -> PluginInitializedEvent:
        """Emit ``plugin.initialized`` (PluginInitializedEvent)."""
        event = PluginInitializedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            initialization_config=initialization_config,
            dependencies=dependencies,
        )
        self._emit_event(event)
        return event

    def emit_plugin_loaded(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str,
        metadata: dict[str, Any] | None = None,
    ) -> PluginLoadedEvent:
        """Emit ``plugin.loaded`` (PluginLoadedEvent)."""
        event = PluginLoadedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            plugin_path=plugin_path,
            metadata=metadata,
        )
        self._emit_event(event)
        return event

    def emit_plugin_loading_completed(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        duration: float | None = None,
        capabilities: list[str] | None = None,
        version: str | None = None,
    ) -> PluginLoadingCompletedEvent:
        """Emit ``plugin.loading_completed`` (PluginLoadingCompletedEvent)."""
        event = PluginLoadingCompletedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            duration=duration,
            capabilities=capabilities,
            version=version,
        )
        self._emit_event(event)
        return event

    def emit_plugin_loading_failed(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        error_message: str = "",
        error_details: dict[str, Any] | None = None,
        duration: float | None = None,
    ) -> PluginLoadingFailedEvent:
        """Emit ``plugin.loading_failed`` (PluginLoadingFailedEvent)."""
        event = PluginLoadingFailedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            error_message=error_message,
            error_details=error_details,
            duration=duration,
        )
        self._emit_event(event)
        return event

    def emit_plugin_loading_started(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        plugin_path: str | None = None,
        loading_config: dict[str, Any] | None = None,
    ) -> PluginLoadingStartedEvent:
        """Emit ``plugin.loading_started`` (PluginLoadingStartedEvent)."""
        event = PluginLoadingStartedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            plugin_path=plugin_path,
            loading_config=loading_config,
        )
        self._emit_event(event)
        return event

    def emit_plugin_service_created(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        service_type: str,
        service_config: dict[str, Any] | None = None,
    ) -> PluginServiceCreatedEvent:
        """Emit ``plugin.service_created`` (PluginServiceCreatedEvent)."""
        event = PluginServiceCreatedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            service_id=service_id,
            service_name=service_name,
            service_type=service_type,
            service_config=service_config,
        )
        self._emit_event(event)
        return event

    def emit_plugin_service_started(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        startup_duration: float | None = None,
    ) -> PluginServiceStartedEvent:
        """Emit ``plugin.service_started`` (PluginServiceStartedEvent)."""
        event = PluginServiceStartedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            service_id=service_id,
            service_name=service_name,
            startup_duration=startup_duration,
        )
        self._emit_event(event)
        return event

    def emit_plugin_service_stopped(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_id: str,
        service_name: str,
        stop_reason: str = "normal_shutdown",
    ) -> PluginServiceStoppedEvent:
        """Emit ``plugin.service_stopped`` (PluginServiceStoppedEvent)."""
        event = PluginServiceStoppedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            service_id=service_id,
            service_name=service_name,
            stop_reason=stop_reason,
        )
        self._emit_event(event)
        return event

    def emit_plugin_started(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        startup_duration: float | None = None,
        startup_details: dict[str, Any] | None = None,
    ) -> PluginStartedEvent:
        """Emit ``plugin.started`` (PluginStartedEvent)."""
        event = PluginStartedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            startup_duration=startup_duration,
            startup_details=startup_details,
        )
        self._emit_event(event)
        return event

    def emit_plugin_stopped(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        stop_reason: str = "normal_shutdown",
        cleanup_duration: float | None = None,
        cleanup_details: dict[str, Any] | None = None,
    ) -> PluginStoppedEvent:
        """Emit ``plugin.stopped`` (PluginStoppedEvent)."""
        event = PluginStoppedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            stop_reason=stop_reason,
            cleanup_duration=cleanup_duration,
            cleanup_details=cleanup_details,
        )
        self._emit_event(event)
        return event

    def emit_service_manager_created(
        self,
        plugin_id: str,
        plugin_name: str,
        plugin_type: str,
        service_name: str,
        implementation: str,
        protocol: str,
        service_config: dict[str, Any] | None = None,
    ) -> ServiceManagerCreatedEvent:
        """Emit ``plugin.service_manager_created`` (ServiceManagerCreatedEvent)."""
        event = ServiceManagerCreatedEvent(
            plugin_id=plugin_id,
            plugin_name=plugin_name,
            plugin_type=plugin_type,
            service_name=service_name,
            implementation=implementation,
            protocol=protocol,
            service_config=service_config,
        )
        self._emit_event(event)
        return event
