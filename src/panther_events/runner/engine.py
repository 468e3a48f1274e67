"""The experiment engine: plugins, then per test environment, services, steps, checks, teardown.

Every phase emits the spec's events through the run's ``EmitterRegistry``
(``emit_with_validation``: checked against the entity's state machine, which it moves).
The order, for one test::

    test.created ... test.setup_started
      test.environment_setup_started  environment.created/setup_started/.../setup_completed
      test.environment_setup_completed
      test.deployment_started  service.created/deployment_started/deployment_completed/
                               started/ready (+ health checks while the test runs)
      test.deployment_completed
    test.setup_completed  test.execution_started
      test.step_started  step.execution_started ... step.execution_completed|failed
      test.assertions_started  assertion.validation_started/result/validation_completed
                               test.assertion_checked ... test.assertions_completed
    test.execution_completed|execution_failed
    test.teardown_started  service.stopping/stopped/destroyed  environment.teardown_*
    test.teardown_completed  test.completed|failed

Faults: a service that dies while the test runs is reported (``service.error``,
``experiment.service_failure``), the running step is cancelled and the test fails with that
reason; a step past its timeout is cancelled and failed; :meth:`ExperimentRunner.interrupt`
(the CLI calls it on SIGINT/SIGTERM) stops the current test, tears it down, marks the tests not
run as failed and records ``experiment.finished_early``. Teardown always runs; should the
process die without it (SIGKILL, the OOM killer), the run's reaper process stops every service
and command left running (see ``_reaping``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .._durations import TEST_DURATION_KEY, seconds_between
from .._run_ids import new_run_id
from ..emitters import EmitterRegistry
from ..events.experiment import (
    ExperimentCompletedEvent,
    ExperimentExecutionCompletedEvent,
    ExperimentExecutionFailedEvent,
    ExperimentExecutionStartedEvent,
    ExperimentFailedEvent,
    ExperimentFinishedEarlyEvent,
    ExperimentInitializedEvent,
    ExperimentPluginLoadingCompletedEvent,
    ExperimentPluginLoadingFailedEvent,
    ExperimentPluginLoadingStartedEvent,
    ExperimentTestCasesInitializedEvent,
)
from ..events.metrics import TimingMetricEvent
from ..events.plugin import (
    PluginInitializedEvent,
    PluginLoadedEvent,
    PluginLoadingCompletedEvent,
    PluginLoadingFailedEvent,
    PluginLoadingStartedEvent,
    PluginStartedEvent,
    PluginStoppedEvent,
)
from ..events.test import (
    TestCreatedEvent,
    TestFailedEvent,
)
from ..manager import EventManager
from ._context import RunContext
from ._reaping import reaping
from ._test_run import TestRun
from .loading import ExperimentFile
from .plugins import (
    PluginCatalog,
    PluginKind,
    PluginLoadError,
)
from .results import ExperimentOutcome, TestOutcome
from .schema import TestSpec

__all__ = ["ExperimentRunner"]


class ExperimentRunner:
    """Runs one validated experiment file against real local processes.

    Args:
        experiment: the file, as :func:`~panther_events.runner.load_experiment` returned it.
        manager: the ``EventManager`` events are published on.
        registry: the ``EmitterRegistry`` whose state managers follow the run (default: a new
            one on ``manager``).
        catalog: the plugins (default: the installed entry points).
        keep_workdirs: keep each test's working directory (service logs) after the run.
        experiment_id: the run's id (default: ``new_run_id(name, host=True)``,
            ``<name>-<UTC time>-<random>-<host>``).
    """

    def __init__(
        self,
        experiment: ExperimentFile,
        *,
        manager: EventManager,
        registry: EmitterRegistry | None = None,
        catalog: PluginCatalog | None = None,
        keep_workdirs: bool = False,
        experiment_id: str | None = None,
    ) -> None:
        self.experiment = experiment
        self.spec = experiment.spec
        self.manager = manager
        self.catalog = catalog if catalog is not None else PluginCatalog.discover()
        self.keep_workdirs = keep_workdirs
        # The host name keeps run ids distinct when several hosts send to one collector.
        self.experiment_id = experiment_id or new_run_id(self.spec.name, host=True)
        self.registry: EmitterRegistry = (
            registry if registry is not None else EmitterRegistry(manager)
        )
        self._context = RunContext(experiment, self.experiment_id, self.registry, keep_workdirs)
        self._emit = self._context.emit
        self._started = False

    @property
    def refused(self) -> list[str]:
        """Why each refused emit was refused (empty on a correct run)."""
        return self._context.refused

    # -- control ---------------------------------------------------------------------------

    def interrupt(self, reason: str = "interrupted") -> None:
        """Ask the run to stop: the current test is torn down, the rest are not run.

        Called again (a second Ctrl-C), teardown stops waiting for services to exit by
        themselves: what is still within its ``stop_grace`` is killed at once. Safe to call
        from a signal handler or another thread; the first reason given wins.
        """
        self._context.interrupt(reason)

    @property
    def interrupted(self) -> bool:
        """Whether :meth:`interrupt` was called."""
        return self._context.interrupted

    # -- the experiment --------------------------------------------------------------------

    def run(self) -> ExperimentOutcome:
        """Run every test in order and return the verdicts; never raises for a failed test.

        Raises:
            RuntimeError: the runner was already used (one runner, one run).
            Exception: only for a bug of the runner itself, after recording
                ``experiment.execution_failed`` and ``experiment.failed`` with the error.
        """
        if self._started:
            raise RuntimeError(f"experiment run {self.experiment_id!r} was already started")
        self._started = True
        try:
            # Should this process die without tearing down, the reaper stops its services.
            with reaping():
                return self._run()
        except Exception as exc:
            message = f"runner error: {type(exc).__name__}: {exc}"
            failed = ExperimentExecutionFailedEvent(
                self.experiment_id, message, type(exc).__name__, "runner"
            )
            if self.registry.can_emit(failed):  # only legal once execution started
                self._emit(failed)
            self._emit(ExperimentFailedEvent(self.experiment_id, message, type(exc).__name__))
            raise

    def _run(self) -> ExperimentOutcome:
        xid = self.experiment_id
        tests = self.spec.tests
        initialized = ExperimentInitializedEvent(
            xid,
            config={
                "name": self.spec.name,
                "description": self.spec.description,
                "file": str(self.experiment.path),
                "tests": [t.name for t in tests],
            },
        )
        self._emit(initialized)

        def elapsed() -> float:
            # As ResultCollector measures the experiment: from its first event's timestamp.
            return seconds_between(initialized.timestamp, datetime.now(UTC)) or 0.0

        outcomes = [TestOutcome(t.name, self._test_id(t)) for t in tests]
        if not self._load_plugins():
            reason = "plugins failed to load"
            for outcome in outcomes:
                outcome.reason, outcome.phase = reason, "not_run"
            self._emit(ExperimentFailedEvent(xid, reason, "PluginLoadError"))
            return ExperimentOutcome(xid, self.spec.name, outcomes, elapsed())

        self._emit(ExperimentTestCasesInitializedEvent(xid, len(tests), [t.name for t in tests]))
        for test, outcome in zip(tests, outcomes, strict=True):
            self._emit(
                TestCreatedEvent(
                    outcome.test_id,
                    test.name,
                    test.description,
                    config={
                        "environment": test.environment.type,
                        "services": [s.name for s in test.services],
                        "steps": test.step_names(),
                        "assertions": test.assertion_names(),
                    },
                )
            )
        self._emit(ExperimentExecutionStartedEvent(xid, len(tests)))
        for i, (test, outcome) in enumerate(zip(tests, outcomes, strict=True)):
            if self.interrupted:
                self._not_run(outcome, f"not run: {self._context.interrupt_reason}")
                continue
            TestRun(self._context, i, test, outcome).run()
        self._stop_plugins()

        duration = elapsed()
        passed = sum(o.passed for o in outcomes)
        failed = len(outcomes) - passed
        self._emit(TimingMetricEvent("experiment", duration, component="runner", phase="total"))
        summary = {"passed": passed, "failed": failed, "total": len(outcomes)}
        if self.interrupted:
            reason = self._context.interrupt_reason or "interrupted"
            self._emit(ExperimentFinishedEarlyEvent(xid, reason, details=summary))
            self._emit(ExperimentFailedEvent(xid, reason, "Interrupted", summary=summary))
            return ExperimentOutcome(xid, self.spec.name, outcomes, duration, True, reason)
        self._emit(ExperimentExecutionCompletedEvent(xid, passed, failed, len(outcomes), duration))
        if failed:
            names = ", ".join(o.name for o in outcomes if not o.passed)
            self._emit(
                ExperimentFailedEvent(
                    xid, f"{failed} of {len(outcomes)} tests failed: {names}", summary=summary
                )
            )
        else:
            self._emit(ExperimentCompletedEvent(xid, summary=summary))
        return ExperimentOutcome(xid, self.spec.name, outcomes, duration)

    def _test_id(self, test: TestSpec) -> str:
        return f"{self.experiment_id}/{test.name}"

    def _not_run(self, outcome: TestOutcome, reason: str) -> None:
        outcome.reason, outcome.phase = reason, "not_run"
        failed = TestFailedEvent(outcome.test_id, outcome.name, reason, "NotRun", "not_run")
        failed.add_data(TEST_DURATION_KEY, 0.0)
        self._emit(failed)

    # -- plugins ---------------------------------------------------------------------------

    def _load_plugins(self) -> bool:
        """Load the step and assertion kinds the experiment uses, emitting the plugin events."""
        used: dict[tuple[PluginKind, str], None] = {}
        for test in self.spec.tests:
            used.update({("step", s.kind): None for s in test.steps})
            used.update({("assertion", a.kind): None for a in test.assertions})
        xid = self.experiment_id
        self._emit(ExperimentPluginLoadingStartedEvent(xid, len(used)))
        failed: list[str] = []
        for group, kind in used:
            pid = self._context.plugin_id(group, kind)
            target = self.catalog.target(group, kind)
            ptype = f"{group}_plugin"
            self._emit(PluginLoadingStartedEvent(pid, kind, ptype, target))
            began = time.monotonic()
            try:
                cls = self.catalog.load(group, kind)
            except (KeyError, PluginLoadError) as exc:
                failed.append(kind)
                self._emit(
                    PluginLoadingFailedEvent(
                        pid, kind, ptype, str(exc), None, time.monotonic() - began
                    )
                )
                continue
            self._context.plugins[group, kind] = cls
            params = sorted(cls.Params.model_fields)
            self._emit(
                PluginLoadingCompletedEvent(
                    pid,
                    kind,
                    ptype,
                    time.monotonic() - began,
                    params,
                    self.catalog.version(group, kind),
                )
            )
            # The observer guide's name for the same moment (LoggerObserver.on_plugin_loaded).
            self._emit(
                PluginLoadedEvent(pid, kind, ptype, target, {"group": group, "parameters": params})
            )
            self._emit(PluginInitializedEvent(pid, kind, ptype, {"class": target}))
            self._emit(PluginStartedEvent(pid, kind, ptype))
        if failed:
            self._emit(
                ExperimentPluginLoadingFailedEvent(
                    xid, f"could not load {failed}", "PluginLoadError", failed
                )
            )
            return False
        self._emit(
            ExperimentPluginLoadingCompletedEvent(
                xid, [f"{g}:{k}" for g, k in self._context.plugins], len(self._context.plugins)
            )
        )
        return True

    def _stop_plugins(self) -> None:
        reason = "interrupted" if self.interrupted else "normal_shutdown"
        for group, kind in self._context.plugins:
            self._emit(
                PluginStoppedEvent(
                    self._context.plugin_id(group, kind), kind, f"{group}_plugin", reason
                )
            )
