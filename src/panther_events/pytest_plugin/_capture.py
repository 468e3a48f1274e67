"""What the process running a test adds to its reports: failure details and fixtures' events.

It also holds the ``panther_events`` fixture, which gives a test the registry whose events
join its reports (loaded in every session, through the package's ``pytest_plugins``).

This side runs wherever the test runs (the only process, or a pytest-xdist worker). It never
writes anywhere: it attaches one extra attribute, ``panther_events``, to each report (pytest
reports carry extra attributes, and pytest-xdist sends them to the controller with the report).
The recording side (:mod:`._recorder`) removes it again before any other plugin sees the
report, so JUnit XML, report logs and the terminal are unchanged.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, Final

import pluggy
import pytest

from ._facts import clip

if TYPE_CHECKING:
    from ._fixture import BoundEmitterRegistry

__all__ = ["CAPTURE", "REPORT_ATTRIBUTE", "Capture", "describe_exception", "panther_events"]

#: The name the session's ``Capture`` is registered under (when recording).
CAPTURE: Final = "panther_events_capture"

#: The report attribute that carries this plugin's data from the test's process to the recorder.
REPORT_ATTRIBUTE: Final = "panther_events"

# At most this many frames of a failure's traceback go into its event.
_MAX_FRAMES = 12
# Frames inside pytest and pluggy are the machinery calling the test, not the failure. Paths as
# the modules were imported (unresolved), which is how their frames name them.
_PYTEST_DIR = os.path.dirname(pytest.__file__)
_MACHINERY = (
    _PYTEST_DIR + os.sep,
    os.path.join(os.path.dirname(_PYTEST_DIR), "_pytest") + os.sep,
    os.path.dirname(pluggy.__file__) + os.sep,
)


class Capture:
    """The plugin object of the test-running side: fills each report's ``panther_events``.

    Args:
        run_id: the session's run id, ``""`` when nothing is recorded (the fixture still
            works; its events go nowhere).
    """

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        # Events the panther_events fixtures emitted since the last report, in emission order.
        self._pending: list[dict[str, Any]] = []

    def _keep(self, event: object) -> None:
        # Imported on first use: most suites never ask for the fixture.
        from ..serialization import event_to_dict  # noqa: PLC0415

        self._pending.append(event_to_dict(event))

    def registry_for(self, nodeid: str) -> BoundEmitterRegistry:
        """A fresh registry for one test; its events join the next report of that test."""
        # Imported on first use: most suites never ask for the fixture, and the emitters
        # load every state machine.
        from ..manager import EventManager  # noqa: PLC0415
        from ._fixture import BoundEmitterRegistry  # noqa: PLC0415

        manager = EventManager()
        if self.run_id:
            manager.register_observer("*", self._keep)
        return BoundEmitterRegistry(manager, self.run_id, nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if not self.run_id:
            return report
        extra: dict[str, Any] = {}
        if call.excinfo is not None:
            extra.update(describe_exception(call.excinfo))
        if self._pending:
            extra["events"], self._pending = self._pending, []
        if extra:
            setattr(report, REPORT_ATTRIBUTE, extra)
        return report


def describe_exception(excinfo: pytest.ExceptionInfo[BaseException]) -> dict[str, Any]:
    """``message``, ``error_type`` and a short ``traceback`` of a phase's exception.

    A skip's message is its reason. The traceback lists the frames outside pytest and pluggy,
    the innermost last (at most ``_MAX_FRAMES``), one ``path:line in function`` line and the
    source line each, then the exception itself: the shape of ``--tb=short``, whatever ``--tb``
    the user chose.
    """
    exc = excinfo.value
    if isinstance(exc, pytest.skip.Exception):
        return {"message": exc.msg, "error_type": "Skipped"}
    message = clip(excinfo.exconly())
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_MACHINERY)
    ][-_MAX_FRAMES:]
    lines = []
    for frame in frames:
        lines.append(f"{frame.filename}:{frame.lineno} in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line}")
    lines.append(message)
    return {"message": message, "error_type": excinfo.typename, "traceback": "\n".join(lines)}


@pytest.fixture
def panther_events(request: pytest.FixtureRequest) -> Iterator[BoundEmitterRegistry]:
    """An ``EmitterRegistry`` bound to the current test, for fixtures that start processes.

    Events emitted through it are recorded in the session's run, in the phase in which they
    were emitted; without ``--panther-events`` they go nowhere, and the fixture still works.
    """
    capture: Capture | None = request.config.pluginmanager.get_plugin(CAPTURE)
    if capture is None:  # recording is off: the registry's events go nowhere
        capture = Capture("")
    registry = capture.registry_for(request.node.nodeid)
    yield registry
    registry.event_manager.close()
