"""The experiment lifecycle: initialised, plugins loaded, tests initialised, executed, finished."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["ExperimentState", "ExperimentStateManager"]


class ExperimentState(BaseState):
    """The states of one experiment run."""

    PENDING = "pending"
    INITIALIZED = "initialized"
    LOADING_PLUGINS = "loading_plugins"
    PLUGINS_LOADED = "plugins_loaded"
    TESTS_INITIALIZED = "tests_initialized"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FINISHED_EARLY = "finished_early"
    COMPLETED = "completed"
    FAILED = "failed"


E = ExperimentState

_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    E.PENDING: frozenset({E.INITIALIZED, E.FAILED}),
    E.INITIALIZED: frozenset(
        {E.LOADING_PLUGINS, E.TESTS_INITIALIZED, E.EXECUTING, E.FINISHED_EARLY, E.FAILED}
    ),
    E.LOADING_PLUGINS: frozenset({E.PLUGINS_LOADED, E.FINISHED_EARLY, E.FAILED}),
    E.PLUGINS_LOADED: frozenset({E.TESTS_INITIALIZED, E.EXECUTING, E.FINISHED_EARLY, E.FAILED}),
    E.TESTS_INITIALIZED: frozenset({E.EXECUTING, E.FINISHED_EARLY, E.FAILED}),
    E.EXECUTING: frozenset({E.EXECUTED, E.FINISHED_EARLY, E.COMPLETED, E.FAILED}),
    E.EXECUTED: frozenset({E.COMPLETED, E.FAILED}),
    E.FINISHED_EARLY: frozenset({E.COMPLETED, E.FAILED}),
    E.COMPLETED: frozenset(),
    E.FAILED: frozenset(),
}


class ExperimentStateManager(EntityStateManager):
    """State machine of one experiment; starts in ``pending`` until ``experiment.initialized``."""

    __slots__ = ()
    KIND: ClassVar[str] = "experiment"
    INITIAL_STATE: ClassVar[BaseState] = ExperimentState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
