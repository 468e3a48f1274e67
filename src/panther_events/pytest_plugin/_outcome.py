"""One pytest test's phases as they are reported, and the single outcome they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["FAILED_OUTCOMES", "OUTCOMES", "RERUN", "PhaseResult", "TestRecord"]

#: Every outcome a recorded test can have, as ``summary.outcome`` of its verdict event.
OUTCOMES: Final = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "rerun")
#: An attempt pytest-rerunfailures ran again: not counted as a test (nor by pytest's JUnit XML).
RERUN: Final = "rerun"
#: The outcomes whose verdict is ``test.failed`` (the others end with ``test.completed``).
FAILED_OUTCOMES: Final = frozenset({"failed", "error"})


@dataclass(slots=True)
class PhaseResult:
    """What one phase (``setup``, ``call`` or ``teardown``) reported.

    Attributes:
        status: pytest's ``passed``, ``failed`` or ``skipped`` (or ``rerun``: a failure
            pytest-rerunfailures runs again).
        duration: seconds, as pytest measured them.
        message: the exception's message, or the skip reason.
        error_type: the exception's type name.
        traceback: a short traceback of the failure.
        xfail_reason: the xfail marker's reason when the test was expected to fail.
    """

    status: str
    duration: float
    message: str | None = None
    error_type: str | None = None
    traceback: str | None = None
    xfail_reason: str | None = None


@dataclass(slots=True)
class TestRecord:
    """A test between its setup report and its teardown report.

    Attributes:
        test_id: its entity id in the run.
        nodeid: pytest's node id.
        phases: ``when`` -> what that phase reported, in the order reported.
    """

    __test__ = False  # not a pytest test class

    test_id: str
    nodeid: str
    phases: dict[str, PhaseResult] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """The test's one outcome, pytest's words; a phase error outranks everything else.

        ``error`` when a phase other than the call failed (setup, teardown, or pytest-xdist's
        ``???`` for a test that crashed its worker: pytest's "error", even after a failed call),
        ``failed`` when the call failed (a strict xpass included), ``xfailed`` or ``skipped``
        when a phase was skipped (``xfailed`` when the test was expected to fail), ``xpassed``
        when an expected failure passed, otherwise ``passed``; ``rerun`` before all of them
        for an attempt that pytest-rerunfailures ran again.
        """
        phases = self.phases
        if any(p.status == RERUN for p in phases.values()):
            return RERUN
        if any(p.status == "failed" for w, p in phases.items() if w != "call"):
            return "error"
        for phase in phases.values():
            if phase.status == "failed":
                return "failed"
            if phase.status == "skipped":
                return "xfailed" if phase.xfail_reason is not None else "skipped"
        call = phases.get("call")
        if call is not None and call.xfail_reason is not None:
            return "xpassed"
        return "passed"

    def deciding_phase(self) -> tuple[str, PhaseResult] | None:
        """The phase that made the outcome other than ``passed``: its name and result."""
        return self._deciding(self.outcome)

    def _deciding(self, outcome: str) -> tuple[str, PhaseResult] | None:
        if outcome == "passed":
            return None
        if outcome == "xpassed":
            return "call", self.phases["call"]
        status = (
            "failed" if outcome in FAILED_OUTCOMES else outcome if outcome == RERUN else "skipped"
        )
        for when, phase in self.phases.items():  # in the order reported
            if phase.status == status and not (outcome == "error" and when == "call"):
                return when, phase
        return None

    def summary(self) -> dict[str, Any]:
        """The verdict's ``summary``: outcome, phase durations, and why."""
        outcome = self.outcome
        result: dict[str, Any] = {
            "outcome": outcome,
            "durations": {w: round(p.duration, 6) for w, p in self.phases.items()},
        }
        deciding = self._deciding(outcome)
        if deciding is not None:
            when, phase = deciding
            result["when"] = when
            if phase.xfail_reason is not None:
                result["xfail_reason"] = phase.xfail_reason
            if phase.message is not None:
                key = "reason" if outcome == "skipped" else "message"
                result[key] = phase.message
            if phase.traceback is not None:
                result["traceback"] = phase.traceback
        return result
