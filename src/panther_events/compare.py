"""Summaries of stored runs (tests, failures, durations, resources) and the comparison of two.

The dashboard's run and compare pages and ``panther-events compare`` read runs through
``summarize_run`` and ``compare_runs``; both only use the public ``EventStore`` queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .observers.results import ResultCollector, TestResult
from .store.base import EventStore, RunInfo, StoredEvent

__all__ = [
    "Change",
    "Failure",
    "OutcomeChange",
    "RunComparison",
    "RunSummary",
    "ServiceUsage",
    "compare_runs",
    "experiment_name",
    "summarize_run",
]

#: Lines of output a failure keeps (the last ones: where the error usually is).
OUTPUT_LINES = 12
#: A metric "moved" when it changed by at least this fraction of its earlier value.
MOVED = 0.10

# The event types a summary reads: lifecycle events, not samples; a run of a million metric
# samples and health checks reads only these.
_SUMMARY_PATTERNS = ("experiment", "test", "step", "assertion")
_EXTRA_TYPES = ("service.error", "metrics.resource", "metrics.summary")


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one test failed, and what was at fault.

    Attributes:
        test: the test's name.
        test_id: the test's entity id.
        outcome: ``failed`` or ``error``.
        reason: the failure message.
        phase: the phase that failed, when reported.
        culprit: the service or step at fault, e.g. ``service flaky``, when known.
        culprit_id: the entity id of the culprit, when known.
        output: the culprit's last output lines, where the events stored them.
    """

    test: str
    test_id: str
    outcome: str
    reason: str
    phase: str | None = None
    culprit: str | None = None
    culprit_id: str | None = None
    output: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "test": self.test,
            "test_id": self.test_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "phase": self.phase,
            "culprit": self.culprit,
            "culprit_id": self.culprit_id,
            "output": list(self.output),
        }


@dataclass(slots=True)
class ServiceUsage:
    """What one service of one test cost: CPU seconds and peak memory, when measured.

    Attributes:
        name: the service's name.
        test: the name of the test it served.
        service_id: its entity id.
        cpu_seconds: CPU time (user + system) it used.
        peak_memory_bytes: its peak resident memory.
    """

    name: str
    test: str
    service_id: str
    cpu_seconds: float | None = None
    peak_memory_bytes: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.name,
            "test": self.test,
            "service_id": self.service_id,
            "cpu_seconds": self.cpu_seconds,
            "peak_memory_bytes": self.peak_memory_bytes,
        }


@dataclass(slots=True)
class RunSummary:
    """What a run did: its tests and steps with durations, its failures, its services' costs.

    Attributes:
        info: the store's summary of the run (status, counts, times).
        experiment: the experiment's name (from ``experiment.initialized``, else its id).
        tests: every test, in the order they appeared.
        failures: one per failed or errored test.
        services: CPU and peak memory per service and test.
        metrics: ``"test: metric"`` -> value, from each test's ``metrics.summary``.
        reason: why the experiment failed or finished early, when it did.
        steps: step entity id -> (test name, step name), for the steps the run names.
    """

    info: RunInfo
    experiment: str
    tests: list[TestResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    services: list[ServiceUsage] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str | None = None
    steps: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.info.run_id

    def counts(self) -> dict[str, int]:
        """Return how many tests ended in each outcome, plus ``total``."""
        counts = {"passed": 0, "failed": 0, "error": 0, "incomplete": 0}
        for test in self.tests:
            counts[test.outcome] = counts.get(test.outcome, 0) + 1
        counts["total"] = len(self.tests)
        return counts

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "run": self.info.to_dict(),
            "experiment": self.experiment,
            "counts": self.counts(),
            "reason": self.reason,
            "tests": [t.to_dict() for t in self.tests],
            "failures": [f.to_dict() for f in self.failures],
            "services": [s.to_dict() for s in self.services],
            "metrics": self.metrics,
        }


def experiment_name(store: EventStore, info: RunInfo) -> str:
    """Return the name of the experiment a run executed (its id when no event names it)."""
    for stored in store.events(info.run_id, type_pattern="experiment.initialized", limit=1):
        config = stored.data.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return str(config["name"])
    return info.experiment_id or info.run_id


def _run_info(store: EventStore, run_id: str) -> RunInfo:
    for info in store.runs():
        if info.run_id == run_id:
            return info
    return RunInfo(run_id=run_id, status="running", event_count=0, first_time=None, last_time=None)


def _last_lines(text: object) -> tuple[str, ...]:
    if not isinstance(text, str) or not text.strip():
        return ()
    return tuple(text.rstrip("\n").splitlines()[-OUTPUT_LINES:])


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class _Reader:
    """Reads the events a summary needs once, and answers the questions failures ask."""

    def __init__(self, store: EventStore, run_id: str) -> None:
        self.collector = ResultCollector()
        self.step_output: dict[str, str] = {}  # step entity id -> output
        self.step_ids: dict[tuple[str, str], str] = {}  # (test id, step name) -> step entity id
        self.service_errors: list[StoredEvent] = []
        self.failed_assertion_steps: dict[str, str] = {}  # test id -> step the check read
        self.resources: list[StoredEvent] = []
        self.summaries: list[StoredEvent] = []
        self.experiment_name: str | None = None
        events: list[StoredEvent] = []
        for pattern in (*_SUMMARY_PATTERNS, *_EXTRA_TYPES):
            events.extend(store.events(run_id, type_pattern=pattern))
        events.sort(key=lambda e: e.seq)
        for stored in events:
            self._read(stored)

    def _read(self, stored: StoredEvent) -> None:
        data, kind = stored.data, stored.type
        if kind.startswith(_SUMMARY_PATTERNS):
            self.collector.on_event(stored.to_event())
        if kind == "experiment.initialized":
            config = data.get("config")
            if isinstance(config, dict) and isinstance(config.get("name"), str):
                self.experiment_name = config["name"]
        elif kind.startswith("step.execution_"):
            test_id, name = data.get("test_case_id"), data.get("step_name")
            if isinstance(test_id, str) and isinstance(name, str):
                self.step_ids[(test_id, name)] = stored.entity_id
            if isinstance(data.get("output"), str):
                self.step_output[stored.entity_id] = data["output"]
        elif kind == "test.assertion_checked" and data.get("passed") is False:
            config = data.get("assertion_config")
            if isinstance(config, dict) and isinstance(config.get("step"), str):
                self.failed_assertion_steps.setdefault(stored.entity_id, config["step"])
        elif kind == "service.error":
            self.service_errors.append(stored)
        elif kind == "metrics.resource":
            self.resources.append(stored)
        elif kind == "metrics.summary":
            self.summaries.append(stored)

    def failure(self, test: TestResult) -> Failure:
        """Name what failed the test: a service that errored, a failed step, or the step a
        failed assertion read; with that culprit's last output lines."""
        culprit = culprit_id = None
        output: tuple[str, ...] = ()
        for error in self.service_errors:
            if error.entity_id.startswith(test.test_id + "/"):
                culprit_id = error.entity_id
                culprit = f"service {error.data.get('service_name') or error.entity_id}"
                details = error.data.get("error_details")
                if isinstance(details, dict):
                    output = _last_lines(details.get("output_tail"))
                break
        step_name = next((s.name for s in test.steps if s.outcome == "failed"), None)
        if culprit is None:
            step_name = step_name or self.failed_assertion_steps.get(test.test_id)
            if step_name is not None:
                culprit = f"step {step_name}"
                culprit_id = self.step_ids.get((test.test_id, step_name))
                output = _last_lines(self.step_output.get(culprit_id or ""))
        return Failure(
            test=test.name,
            test_id=test.test_id,
            outcome=test.outcome,
            reason=test.reason or "",
            phase=test.phase,
            culprit=culprit,
            culprit_id=culprit_id,
            output=output,
        )

    def services(self) -> list[ServiceUsage]:
        usage: dict[str, ServiceUsage] = {}
        for stored in self.resources:
            data = stored.data
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            service_id = str((metadata or {}).get("service_id") or data.get("component") or "")
            if not service_id:
                continue
            entry = usage.setdefault(
                service_id,
                ServiceUsage(
                    name=str(data.get("component") or service_id),
                    test=str(data.get("test_case") or ""),
                    service_id=service_id,
                ),
            )
            value = _float(data.get("usage_value"))
            if data.get("resource_type") == "cpu_seconds":
                entry.cpu_seconds = value
            elif data.get("resource_type") == "peak_memory_bytes":
                entry.peak_memory_bytes = value
        return list(usage.values())

    def metrics(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for stored in self.summaries:
            metrics = stored.data.get("metrics")
            test = stored.data.get("test_case") or stored.entity_id
            if isinstance(metrics, dict):
                for name, value in metrics.items():
                    number = _float(value)
                    if number is not None:
                        found[f"{test}: {name}"] = number
        return found


def summarize_run(store: EventStore, run_id: str) -> RunSummary:
    """Return the summary of run ``run_id`` (an exact id: resolve references first).

    Only lifecycle, ``service.error``, ``metrics.resource`` and ``metrics.summary`` events are
    read, so the cost follows the number of tests and steps, not of samples.
    """
    info = _run_info(store, run_id)
    reader = _Reader(store, run_id)
    tests = reader.collector.tests()
    names = {t.test_id: t.name for t in tests}
    summary = reader.collector.summary()
    return RunSummary(
        info=info,
        experiment=reader.experiment_name or info.experiment_id or run_id,
        tests=tests,
        failures=[reader.failure(t) for t in tests if t.outcome in ("failed", "error")],
        services=reader.services(),
        metrics=reader.metrics(),
        reason=summary.get("reason"),
        steps={
            step_id: (names.get(test_id, test_id), step)
            for (test_id, step), step_id in reader.step_ids.items()
        },
    )


# -- comparison -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """A test whose outcome differs between the two runs (``None``: absent from that run)."""

    test: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"test": self.test, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class Change:
    """One measured value in both runs: a test's or step's duration, or a metric.

    Attributes:
        kind: ``test``, ``step`` or ``metric``.
        name: the test name, ``test / step``, or ``test: metric``.
        before: the value in the first run (None: not measured there).
        after: the value in the second run.
    """

    kind: str
    name: str
    before: float | None
    after: float | None

    @property
    def percent(self) -> float | None:
        """The change in % of ``before``; None when either value is missing or before is 0."""
        if self.before is None or self.after is None or self.before == 0:
            return None
        return (self.after - self.before) / abs(self.before) * 100.0

    def describe(self) -> str:
        """``+12.5%``, ``-3.0%``, ``new``, ``gone`` or ``-``: how the value changed."""
        if self.before is None and self.after is not None:
            return "new"
        if self.after is None and self.before is not None:
            return "gone"
        percent = self.percent
        return "-" if percent is None else f"{percent:+.1f}%"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with ``percent``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "percent": self.percent,
        }


@dataclass(slots=True)
class RunComparison:
    """Two runs side by side.

    Attributes:
        before: the first (earlier, reference) run.
        after: the second run.
        outcomes: tests whose outcome changed (including tests only one run has).
        durations: every test's and step's duration in both runs, tests first.
        metrics: metrics that moved by at least ``MOVED`` (10 %), or appeared or vanished.
    """

    before: RunSummary
    after: RunSummary
    outcomes: list[OutcomeChange]
    durations: list[Change]
    metrics: list[Change]

    @property
    def same_experiment(self) -> bool:
        """Whether both runs executed the experiment of the same name."""
        return self.before.experiment == self.after.experiment

    @property
    def same_run(self) -> bool:
        """Whether one run is on both sides (nothing can have changed)."""
        return self.before.run_id == self.after.run_id

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (what ``panther-events compare --json`` prints)."""
        return {
            "before": {"run": self.before.info.to_dict(), "experiment": self.before.experiment},
            "after": {"run": self.after.info.to_dict(), "experiment": self.after.experiment},
            "same_experiment": self.same_experiment,
            "same_run": self.same_run,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "durations": [d.to_dict() for d in self.durations],
            "metrics": [m.to_dict() for m in self.metrics],
        }


def _durations(summary: RunSummary) -> dict[tuple[str, str], float | None]:
    found: dict[tuple[str, str], float | None] = {}
    for test in summary.tests:
        found[("test", test.name)] = test.duration_seconds
    for test in summary.tests:
        for step in test.steps:
            found[("step", f"{test.name} / {step.name}")] = step.duration_seconds
    return found


def _ordered_union(*keys: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for group in keys:
        seen.update(dict.fromkeys(group))
    return list(seen)


def compare_runs(store: EventStore, before_id: str, after_id: str) -> RunComparison:
    """Compare run ``before_id`` with run ``after_id`` (exact ids): outcomes that changed,
    the durations of every test and step, and the metrics that moved."""
    before, after = summarize_run(store, before_id), summarize_run(store, after_id)
    outcomes_before = {t.name: t.outcome for t in before.tests}
    outcomes_after = {t.name: t.outcome for t in after.tests}
    outcomes = [
        OutcomeChange(name, outcomes_before.get(name), outcomes_after.get(name))
        for name in _ordered_union(outcomes_before, outcomes_after)
        if outcomes_before.get(name) != outcomes_after.get(name)
    ]
    d_before, d_after = _durations(before), _durations(after)
    durations = [
        Change(kind, name, d_before.get((kind, name)), d_after.get((kind, name)))
        for kind, name in sorted(
            _ordered_union(d_before, d_after), key=lambda key: key[0] != "test"
        )
    ]
    metrics = []
    for name in _ordered_union(before.metrics, after.metrics):
        change = Change("metric", name, before.metrics.get(name), after.metrics.get(name))
        moved = change.percent is None and change.before != change.after
        if moved or (change.percent is not None and abs(change.percent) >= MOVED * 100):
            metrics.append(change)
    return RunComparison(before, after, outcomes, durations, metrics)
