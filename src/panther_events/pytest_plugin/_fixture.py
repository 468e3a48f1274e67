"""The ``panther_events`` fixture's registry: an ``EmitterRegistry`` bound to one pytest test."""

from __future__ import annotations

from ..emitters.registry import EmitterRegistry
from ..manager import EventManager
from ._facts import test_id_for

__all__ = ["BoundEmitterRegistry"]


class BoundEmitterRegistry(EmitterRegistry):
    """An ``EmitterRegistry`` bound to one pytest test (what the ``panther_events`` fixture is).

    ``emit_with_validation`` checks each event against its state machine as on any registry;
    the events emitted through it, checked or not, are recorded in the session's run, in the
    phase (setup, call or teardown) in which they were emitted. Entity
    ids are the caller's: derive them from :meth:`service_id` so that two tests, or two
    pytest-xdist workers, never share a service's state machine or a content id.

    Attributes:
        run_id: the session's run id (the experiment id), or ``""`` when recording is off.
        test_id: this test's entity id in the run.
        nodeid: this test's pytest node id.
    """

    def __init__(self, manager: EventManager, run_id: str, nodeid: str) -> None:
        super().__init__(manager)
        self.run_id = run_id
        self.nodeid = nodeid
        self.test_id = test_id_for(run_id, nodeid) if run_id else nodeid

    def service_id(self, name: str) -> str:
        """A service id unique to this test: ``<test_id>/service/<name>`` (as the runner's)."""
        return f"{self.test_id}/service/{name}"
