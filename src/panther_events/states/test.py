"""The test lifecycle: created, set up (environment, deployment), executed, validated, torn down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import BaseState, EntityStateManager

__all__ = ["TestState", "TestStateManager"]


class TestState(BaseState):
    """The states of one test case."""

    __test__ = False  # not a pytest test class

    PENDING = "pending"
    CREATED = "created"
    SETTING_UP = "setting_up"
    SETTING_UP_ENVIRONMENT = "setting_up_environment"
    ENVIRONMENT_READY = "environment_ready"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    SET_UP = "set_up"
    EXECUTING = "executing"
    VALIDATING = "validating"
    VALIDATED = "validated"
    EXECUTED = "executed"
    TEARING_DOWN = "tearing_down"
    TORN_DOWN = "torn_down"
    COMPLETED = "completed"
    FAILED = "failed"


T = TestState

# Setup is announced at two levels: the overall setup (test.setup_started/completed) wraps the
# environment and the deployment, each of which may also be announced alone or skipped. The
# table is acyclic: environment, then deployment, then the end of setup, then execution.
# Teardown may follow any phase, because it also follows a phase that failed; the verdict is
# test.completed or test.failed, both terminal. Assertions are validated inside execution
# (test.execution_completed carries assertions_passed).
_TRANSITIONS: dict[BaseState, frozenset[BaseState]] = {
    T.PENDING: frozenset({T.CREATED, T.FAILED}),
    T.CREATED: frozenset(
        {T.SETTING_UP, T.SETTING_UP_ENVIRONMENT, T.DEPLOYING, T.EXECUTING, T.TEARING_DOWN, T.FAILED}
    ),
    T.SETTING_UP: frozenset(
        {T.SETTING_UP_ENVIRONMENT, T.DEPLOYING, T.SET_UP, T.TEARING_DOWN, T.FAILED}
    ),
    T.SETTING_UP_ENVIRONMENT: frozenset({T.ENVIRONMENT_READY, T.TEARING_DOWN, T.FAILED}),
    T.ENVIRONMENT_READY: frozenset({T.DEPLOYING, T.SET_UP, T.EXECUTING, T.TEARING_DOWN, T.FAILED}),
    T.DEPLOYING: frozenset({T.DEPLOYED, T.TEARING_DOWN, T.FAILED}),
    T.DEPLOYED: frozenset({T.SET_UP, T.EXECUTING, T.TEARING_DOWN, T.FAILED}),
    T.SET_UP: frozenset({T.EXECUTING, T.TEARING_DOWN, T.FAILED}),
    T.EXECUTING: frozenset({T.VALIDATING, T.EXECUTED, T.TEARING_DOWN, T.FAILED}),
    T.VALIDATING: frozenset({T.VALIDATED, T.TEARING_DOWN, T.FAILED}),
    T.VALIDATED: frozenset({T.EXECUTED, T.TEARING_DOWN, T.COMPLETED, T.FAILED}),
    T.EXECUTED: frozenset({T.TEARING_DOWN, T.COMPLETED, T.FAILED}),
    T.TEARING_DOWN: frozenset({T.TORN_DOWN, T.FAILED}),
    T.TORN_DOWN: frozenset({T.COMPLETED, T.FAILED}),
    T.COMPLETED: frozenset(),
    T.FAILED: frozenset(),
}


class TestStateManager(EntityStateManager):
    """State machine of one test; starts in ``pending`` until ``test.created``."""

    __slots__ = ()
    __test__ = False  # not a pytest test class

    KIND: ClassVar[str] = "test"
    INITIAL_STATE: ClassVar[BaseState] = TestState.PENDING
    TRANSITIONS: ClassVar[Mapping[BaseState, frozenset[BaseState]]] = _TRANSITIONS
