"""The plugin lifecycle: loading, loaded, initialised, running, stopped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["PluginState", "PluginStateManager"]


class PluginState(BaseState):
    """The states of one plugin."""

    PENDING = "pending"
    LOADING = "loading"
    LOADED = "loaded"
    INITIALIZED = "initialized"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"


P = PluginState

# plugin.loading_completed and plugin.loaded both mean LOADED and frameworks emit either or both,
# hence LOADED -> LOADED. A failed plugin is still stopped (cleanup); STOPPED is terminal.
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    P.PENDING: frozenset({P.LOADING, P.LOADED, P.FAILED}),
    P.LOADING: frozenset({P.LOADED, P.FAILED}),
    P.LOADED: frozenset({P.LOADED, P.INITIALIZED, P.RUNNING, P.STOPPED, P.FAILED}),
    P.INITIALIZED: frozenset({P.RUNNING, P.STOPPED, P.FAILED}),
    P.RUNNING: frozenset({P.STOPPED, P.FAILED}),
    P.FAILED: frozenset({P.FAILED, P.STOPPED}),
    P.STOPPED: frozenset(),
}


class PluginStateManager(EntityStateManager):
    """State machine of one plugin; starts in ``pending`` until it starts loading."""

    __slots__ = ()
    KIND: ClassVar[str] = "plugin"
    INITIAL_STATE: ClassVar[BaseState] = PluginState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
