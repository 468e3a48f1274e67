"""The one rule that turns a test's verdict event into its outcome, for every view of a run.

``ResultCollector`` (``show``, JUnit, the dashboard's run page) and the stores' ``runs()``
(``runs``, the dashboard's runs page) both classify with :func:`verdict_outcome`, so the counts
they show agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "COMPLETED_OUTCOMES",
    "ERROR_PHASES",
    "OUTCOMES",
    "OUTCOME_TYPES",
    "PHASE_FAILURES",
    "UNFINISHED_OUTCOMES",
    "VERDICT_TYPES",
    "said_outcome",
    "tally_verdicts",
    "unfinished_outcome",
    "verdict_outcome",
]

#: Outcomes of a test: finished ones, then those of a test with no verdict (``unfinished``).
OUTCOMES = (
    "passed",
    "failed",
    "error",
    "skipped",
    "xfailed",
    "xpassed",
    "rerun",
    "running",
    "pending",
    "incomplete",
)
#: Outcomes of a test with no verdict (see ``unfinished_outcome``).
UNFINISHED_OUTCOMES = ("running", "pending", "incomplete")
#: What a ``test.completed`` may name as ``summary.outcome`` (the pytest plugin does: ``rerun``
#: is an attempt pytest-rerunfailures ran again); any other value, or none, is ``passed``.
COMPLETED_OUTCOMES = frozenset({"passed", "skipped", "xfailed", "xpassed", "rerun"})
#: The event types that give a test its verdict.
VERDICT_TYPES = ("test.completed", "test.failed")
#: A test's phase events that fail it, with the phase each stands for: a ``test.failed`` that
#: names no phase failed in the first of them (so ``test.setup_failed`` makes it an ``error``).
PHASE_FAILURES = {
    "test.setup_failed": "setup",
    "test.environment_setup_failed": "environment_setup",
    "test.deployment_failed": "deployment",
    "test.execution_failed": "execution",
    "test.assertions_failed": "assertions",
}
#: The event types ``tally_verdicts`` reads: the verdicts and the phase failures.
OUTCOME_TYPES = (*VERDICT_TYPES, *PHASE_FAILURES)

# A test that failed in one of these phases never got to run its checks, or was stopped by
# something other than the system under test: JUnit calls that an "error". A failure anywhere
# else (steps, assertions, a crashed service, no phase given) is a "failure".
ERROR_PHASES = frozenset(
    {
        "setup",
        "environment_setup",
        "environment",
        "deployment",
        "deploy",
        "teardown",
        "interrupted",
        "not_run",
        "runner",
    }
)


def said_outcome(summary: Any) -> Any:
    """The outcome a ``test.completed``'s ``summary`` names (``summary["outcome"]``), or None."""
    return summary.get("outcome") if isinstance(summary, dict) else None


def verdict_outcome(event_type: str, phase: Any, said: Any) -> str:
    """The outcome a verdict event gives its test.

    Args:
        event_type: ``test.completed`` or ``test.failed``.
        phase: the phase a ``test.failed`` names (an error phase makes it an ``error``).
        said: the ``summary.outcome`` a ``test.completed`` names, if any.
    """
    if event_type == "test.completed":
        return said if said in COMPLETED_OUTCOMES else "passed"
    return "error" if phase in ERROR_PHASES else "failed"


def unfinished_outcome(*, run_going: bool, started: bool) -> str:
    """The outcome of a test with no verdict (yet).

    While its run goes on (no terminal experiment event) it is ``running`` once it has a phase
    event (``panther_events._durations.is_test_phase``: more than ``test.created``) and
    ``pending`` before; in a run that ended without its verdict it is ``incomplete``.
    """
    if not run_going:
        return "incomplete"
    return "running" if started else "pending"


def tally_verdicts(
    verdicts: Iterable[tuple[str, str, Any, Any]],
    tests: Iterable[tuple[str, bool]] = (),
    *,
    run_going: bool = False,
) -> dict[str, int]:
    """Count tests by outcome from ``(test id, event type, phase, said)`` rows of the run's
    ``OUTCOME_TYPES`` events in the order stored: a test's last verdict is its outcome (an
    attempt run again is not counted twice), a ``test.failed`` naming no phase failed in the
    phase its first phase failure names (as ``ResultCollector`` reads it). ``tests`` names
    every test of the run as ``(test id, started)``: one without a verdict counts by
    ``unfinished_outcome``. Only outcomes that occur are keys."""
    last: dict[str, str] = {}
    phases: dict[str, Any] = {}
    for test_id, event_type, named, said in verdicts:
        if event_type in PHASE_FAILURES:
            phases[test_id] = phases.get(test_id) or named or PHASE_FAILURES[event_type]
            continue
        phase = named
        if event_type == "test.failed":
            phase = phases[test_id] = named or phases.get(test_id)
        last[test_id] = verdict_outcome(event_type, phase, said)
    for test_id, started in tests:
        if test_id not in last:
            last[test_id] = unfinished_outcome(run_going=run_going, started=started)
    counts: dict[str, int] = {}
    for outcome in last.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
