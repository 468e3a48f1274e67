"""PluginEventEmitter: an emit method per plugin event class (and managed services)."""

from __future__ import annotations

from ..events import plugin as events
from ._declare import emits
from .base import EventEmitterBase

__all__ = ["PluginEventEmitter"]


class PluginEventEmitter(EventEmitterBase):
    """Emits plugin events: an ``emit_<name>`` per event class, built from the class."""

    emit_plugin_environment_created = emits(events.PluginEnvironmentCreatedEvent)
    emit_plugin_environment_destroyed = emits(events.PluginEnvironmentDestroyedEvent)
    emit_plugin_environment_ready = emits(events.PluginEnvironmentReadyEvent)
    emit_plugin_error = emits(events.PluginErrorEvent)
    emit_plugin_initialized = emits(events.PluginInitializedEvent)
    emit_plugin_loaded = emits(events.PluginLoadedEvent)
    emit_plugin_loading_completed = emits(events.PluginLoadingCompletedEvent)
    emit_plugin_loading_failed = emits(events.PluginLoadingFailedEvent)
    emit_plugin_loading_started = emits(events.PluginLoadingStartedEvent)
    emit_plugin_service_created = emits(events.PluginServiceCreatedEvent)
    emit_plugin_service_started = emits(events.PluginServiceStartedEvent)
    emit_plugin_service_stopped = emits(events.PluginServiceStoppedEvent)
    emit_plugin_started = emits(events.PluginStartedEvent)
    emit_plugin_stopped = emits(events.PluginStoppedEvent)
    emit_service_manager_created = emits(events.ServiceManagerCreatedEvent)
