"""What crosses from the pytest process to the recording process: plain facts, no pytest object.

The relay (:mod:`._relay`, in the pytest process) reads each hook's arguments into a message,
a tuple ``(kind, *arguments)`` of plain values (str, int, float, None, tuples, lists and dicts
of them: what ``pickle`` carries cheaply); the recorder (:mod:`._recorder`, in the recording
process) turns messages into events. This module imports nothing of pytest, so the recording
process does not load it.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

__all__ = ["FINISH", "SUBTEST", "CollectFacts", "ReportFacts", "clip", "test_id_for"]

#: The kind of the last message of a session (its argument: pytest's exit status).
FINISH: Final = "finish"
#: The ``when`` of a subtest's report (pytest's own is ``call``, as the test's).
SUBTEST: Final = "subtest"

# Bounds on what one failure adds to an event: enough to read, never a megabyte of repr.
_MAX_MESSAGE = 2000


def clip(text: str) -> str:
    """``text``, cut to ``_MAX_MESSAGE`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "…"


def test_id_for(run_id: str, nodeid: str) -> str:
    """The entity id of the test with pytest node id ``nodeid`` in run ``run_id``."""
    return f"{run_id}/{nodeid}"


test_id_for.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test


class ReportFacts(NamedTuple):
    """One phase's ``TestReport``, as the recorder needs it.

    Attributes:
        nodeid: pytest's node id.
        when: ``setup``, ``call`` or ``teardown``; ``subtest`` for a subtest's report (in the
            call), or another plugin's word (pytest-xdist's ``???``: its worker crashed).
        outcome: ``passed``, ``failed`` or ``skipped``.
        duration: seconds, as pytest measured them.
        start: when the phase began (seconds since the epoch).
        stop: when it ended.
        location: ``(path, line, domain)`` of the test.
        worker: the pytest-xdist worker that ran it, or None.
        message: the exception's message or skip reason (a failure always has one).
        error_type: the exception's type name.
        traceback: a short traceback of the failure.
        xfail_reason: the xfail marker's reason when the test was expected to fail.
        events: the wire forms of the events the test's ``panther_events`` fixture emitted in
            this phase, in order.
        subtest: a subtest's context, ``{"msg": ..., "kwargs": {...}}`` (None for the test's
            own reports).
    """

    nodeid: str
    when: str
    outcome: str
    duration: float
    start: float
    stop: float
    location: tuple[str, int | None, str]
    worker: str | None
    message: str | None
    error_type: str | None
    traceback: str | None
    xfail_reason: str | None
    events: list[dict[str, Any]] | None
    subtest: dict[str, Any] | None = None


class CollectFacts(NamedTuple):
    """A collector that failed or was skipped (recorded as a test, as JUnit XML does).

    Attributes:
        nodeid: the collector's node id (``""`` for the session).
        status: ``failed`` or ``skipped``.
        message: why.
        path: the collected file.
    """

    nodeid: str
    status: str
    message: str
    path: str
