"""What a run produced: per-test outcomes, the experiment result, and its JUnit XML form."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from .plugins import AssertionOutcome, StepRecord

__all__ = ["AssertionRecord", "ExperimentResult", "TestOutcome"]


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
            ``assertions``, ``interrupted``, ``not_run``).
        duration: seconds from creation to verdict.
        steps: every step that ran.
        assertions: every assertion checked.
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "name": self.name,
            "test_id": self.test_id,
            "passed": self.passed,
            "reason": self.reason,
            "phase": self.phase,
            "duration_seconds": round(self.duration, 6),
            "steps": [
                {"name": s.name, "kind": s.kind, "duration_seconds": round(s.duration, 6),
                 "passed": s.error is None, "error": s.error}
                for s in self.steps
            ],
            "assertions": [
                {"name": a.name, "kind": a.kind, "passed": a.passed,
                 "message": a.outcome.message if a.outcome else a.error}
                for a in self.assertions
            ],
        }  # fmt: skip


@dataclass
class ExperimentResult:
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

    def to_junit_xml(self) -> str:
        """Return the result as JUnit XML: one testsuite, one testcase per test.

        A failed test carries a ``<failure>`` with its reason; a test that was not run (the
        experiment was interrupted) is ``<skipped>``.
        """
        suite = ET.Element(
            "testsuite",
            name=self.name,
            tests=str(len(self.tests)),
            failures=str(sum(not t.passed and t.phase != "not_run" for t in self.tests)),
            skipped=str(sum(t.phase == "not_run" for t in self.tests)),
            time=f"{self.duration:.3f}",
        )
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="experiment_id",
                      value=self.experiment_id)  # fmt: skip
        for test in self.tests:
            case = ET.SubElement(
                suite, "testcase", classname=self.name, name=test.name, time=f"{test.duration:.3f}"
            )
            if test.phase == "not_run":
                ET.SubElement(case, "skipped", message=test.reason or "not run")
            elif not test.passed:
                failure = ET.SubElement(
                    case, "failure", message=test.reason or "failed", type=test.phase or "failed"
                )
                failure.text = "\n".join(
                    [f"step {s.name}: {s.error}" for s in test.steps if s.error]
                    + [
                        f"assertion {a.name}: {a.outcome.message if a.outcome else a.error}"
                        for a in test.assertions
                        if not a.passed
                    ]
                )
        ET.indent(suite)
        return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
