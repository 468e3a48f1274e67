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
run as failed and records ``experiment.finished_early``. Teardown always runs.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

from .._durations import TEST_DURATION_KEY
from ..emitters import EmitterRegistry
from ..events.base import BaseEvent
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
    PluginErrorEvent,
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
from ._test_run import TestRun
from .loading import ExperimentFile
from .plugins import (
    Assertion,
    PluginCatalog,
    PluginKind,
    PluginLoadError,
    Step,
)
from .results import ExperimentResult, TestOutcome
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
        experiment_id: the run's id (default: ``<name>-<UTC time>-<random>``).
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
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        # The host name keeps run ids distinct when several hosts send to one collector.
        host = re.sub(r"[^A-Za-z0-9_\-]", "-", socket.gethostname().split(".")[0]) or "host"
        self.experiment_id = (
            experiment_id or f"{self.spec.name}-{stamp}-{host}-{uuid.uuid4().hex[:6]}"
        )
        self.registry: EmitterRegistry = (
            registry if registry is not None else EmitterRegistry(manager)
        )
        #: Why each refused emit was refused (empty on a correct run).
        self.refused: list[str] = []
        self._stop = threading.Event()
        self._interrupt_reason: str | None = None
        self._plugins: dict[tuple[PluginKind, str], type[Step] | type[Assertion]] = {}
        self._started = False

    # -- control ---------------------------------------------------------------------------

    def interrupt(self, reason: str = "interrupted") -> None:
        """Ask the run to stop: the current test is torn down, the rest are not run.

        Safe to call from a signal handler or another thread; the first reason given wins.
        """
        if self._interrupt_reason is None:
            self._interrupt_reason = reason
        self._stop.set()

    @property
    def interrupted(self) -> bool:
        """Whether :meth:`interrupt` was called."""
        return self._stop.is_set()

    def _emit(self, event: BaseEvent) -> bool:
        """Emit through the registry; a refusal (a bug in the engine) is kept in ``refused``."""
        if self.registry.emit_with_validation(event):
            return True
        self.refused.append(self.registry.last_refusal or event.get_type())
        return False

    # -- the experiment --------------------------------------------------------------------

    def run(self) -> ExperimentResult:
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

    def _run(self) -> ExperimentResult:
        began = time.monotonic()
        xid = self.experiment_id
        tests = self.spec.tests
        self._emit(
            ExperimentInitializedEvent(
                xid,
                config={
                    "name": self.spec.name,
                    "description": self.spec.description,
                    "file": str(self.experiment.path),
                    "tests": [t.name for t in tests],
                },
            )
        )
        outcomes = [TestOutcome(t.name, self._test_id(t)) for t in tests]
        if not self._load_plugins():
            reason = "plugins failed to load"
            for outcome in outcomes:
                outcome.reason, outcome.phase = reason, "not_run"
            self._emit(ExperimentFailedEvent(xid, reason, "PluginLoadError"))
            return ExperimentResult(xid, self.spec.name, outcomes, time.monotonic() - began)

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
                self._not_run(outcome, f"not run: {self._interrupt_reason}")
                continue
            TestRun(self, i, test, outcome).run()
        self._stop_plugins()

        duration = time.monotonic() - began
        passed = sum(o.passed for o in outcomes)
        failed = len(outcomes) - passed
        self._emit(TimingMetricEvent("experiment", duration, component="runner", phase="total"))
        summary = {"passed": passed, "failed": failed, "total": len(outcomes)}
        if self.interrupted:
            reason = self._interrupt_reason or "interrupted"
            self._emit(ExperimentFinishedEarlyEvent(xid, reason, details=summary))
            self._emit(ExperimentFailedEvent(xid, reason, "Interrupted", summary=summary))
            return ExperimentResult(xid, self.spec.name, outcomes, duration, True, reason)
        self._emit(ExperimentExecutionCompletedEvent(xid, passed, failed, len(outcomes), duration))
        if failed:
            names = [o.name for o in outcomes if not o.passed]
            self._emit(
                ExperimentFailedEvent(
                    xid, f"{failed} of {len(outcomes)} tests failed: {names}", summary=summary
                )
            )
        else:
            self._emit(ExperimentCompletedEvent(xid, summary=summary))
        return ExperimentResult(xid, self.spec.name, outcomes, duration)

    def _test_id(self, test: TestSpec) -> str:
        return f"{self.experiment_id}/{test.name}"

    def _not_run(self, outcome: TestOutcome, reason: str) -> None:
        outcome.reason, outcome.phase = reason, "not_run"
        failed = TestFailedEvent(outcome.test_id, outcome.name, reason, "NotRun", "not_run")
        failed.add_data(TEST_DURATION_KEY, 0.0)
        self._emit(failed)

    # -- plugins ---------------------------------------------------------------------------

    def _plugin_id(self, group: PluginKind, kind: str) -> str:
        return f"{self.experiment_id}/{group}/{kind}"

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
            pid = self._plugin_id(group, kind)
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
            self._plugins[group, kind] = cls
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
                xid, [f"{g}:{k}" for g, k in self._plugins], len(self._plugins)
            )
        )
        return True

    def _stop_plugins(self) -> None:
        reason = "interrupted" if self.interrupted else "normal_shutdown"
        for group, kind in self._plugins:
            self._emit(
                PluginStoppedEvent(self._plugin_id(group, kind), kind, f"{group}_plugin", reason)
            )

    def _plugin_error(self, group: PluginKind, kind: str, message: str) -> None:
        self._emit(
            PluginErrorEvent(
                self._plugin_id(group, kind), kind, f"{group}_plugin", message, "PluginError",
                recoverable=True,
            )
        )  # fmt: skip
