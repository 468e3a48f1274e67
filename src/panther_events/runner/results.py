"""What a run produced: per-test outcomes and the experiment result (the ``--json`` summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .plugins import AssertionOutcome, StepRecord

__all__ = ["AssertionRecord", "ExperimentOutcome", "TestOutcome"]


@dataclass
class AssertionRecord:
    """One assertion's verdict, or the error that kept it from giving one."""

    name: str
    kind: str
    outcome: AssertionOutcome | None
    error: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the assertion held."""
        return self.outcome is not None and self.outcome.passed


@dataclass
class TestOutcome:
    """How one test went.

    Attributes:
        name: the test's name in the experiment file.
        test_id: its entity id in the events.
        passed: the verdict.
        reason: why it failed (None when it passed).
        phase: the phase that failed (``environment``, ``deployment``, ``steps``,
            ``assertions``, ``service``: a service crashed, ``interrupted``, ``not_run``,
            ``runner``: a bug of the runner).
        duration: seconds from its first phase to its verdict (``panther_events._durations``).
        steps: every step that ran.
        assertions: every assertion checked.
        workdir: its working directory, when the run keeps them (``keep_workdirs``) and
            the test got one; None otherwise.
    """

    __test__ = False  # not a pytest class, despite the name

    name: str
    test_id: str
    passed: bool = False
    reason: str | None = None
    phase: str | None = None
    duration: float = 0.0
    steps: list[StepRecord] = field(default_factory=list)
    assertions: list[AssertionRecord] = field(default_factory=list)
    workdir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "name": self.name,
            "test_id": self.test_id,
            "passed": self.passed,
            "reason": self.reason,
            "phase": self.phase,
            "duration_seconds": round(self.duration, 6),
            "steps": [_step_dict(s) for s in self.steps],
            "assertions": [_assertion_dict(a) for a in self.assertions],
            "workdir": self.workdir,
        }


def _step_dict(step: StepRecord) -> dict[str, Any]:
    return {
        "name": step.name,
        "kind": step.kind,
        "duration_seconds": round(step.duration, 6),
        "passed": step.error is None,
        "error": step.error,
    }


def _assertion_dict(record: AssertionRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "kind": record.kind,
        "passed": record.passed,
        "message": record.outcome.message if record.outcome else record.error,
    }


@dataclass
class ExperimentOutcome:
    """How the whole experiment went."""

    experiment_id: str
    name: str
    tests: list[TestOutcome]
    duration: float
    finished_early: bool = False
    reason: str | None = None

    @property
    def passed(self) -> bool:
        """True when it ran to the end and every test passed."""
        return not self.finished_early and all(t.passed for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "passed": self.passed,
            "finished_early": self.finished_early,
            "reason": self.reason,
            "duration_seconds": round(self.duration, 6),
            "total": len(self.tests),
            "passed_count": sum(t.passed for t in self.tests),
            "failed_count": sum(not t.passed for t in self.tests),
            "tests": [t.to_dict() for t in self.tests],
        }
