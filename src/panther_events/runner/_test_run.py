"""One test of a run, phase by phase: environment, services, steps, assertions, teardown.

The engine creates a :class:`TestRun` per test, with the run's
:class:`~panther_events.runner._context.RunContext`, and calls ``run()``, which never raises for
a failure of the test: the outcome records it. Teardown always runs, and stops every service it
started whatever happened before.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel

from .._durations import TEST_DURATION_KEY, seconds_between
from ..events.assertion import (
    AssertionProgressEvent,
    AssertionResultEvent,
    AssertionsValidationCompletedEvent,
    AssertionsValidationStartedEvent,
)
from ..events.base import BaseEvent
from ..events.environment import (
    EnvironmentCreatedEvent,
    EnvironmentSetupCompletedEvent,
    EnvironmentSetupFailedEvent,
    EnvironmentSetupStartedEvent,
    EnvironmentTeardownCompletedEvent,
    EnvironmentTeardownFailedEvent,
    EnvironmentTeardownStartedEvent,
    NetworkSetupCompletedEvent,
    NetworkSetupFailedEvent,
    NetworkSetupStartedEvent,
    NetworkTeardownCompletedEvent,
    NetworkTeardownStartedEvent,
)
from ..events.metrics import MetricsSummaryEvent, ResourceMetricEvent, TimingMetricEvent
from ..events.service import (
    ServiceCreatedEvent,
    ServiceDeploymentCompletedEvent,
    ServiceDeploymentFailedEvent,
    ServiceDeploymentStartedEvent,
    ServiceDestroyedEvent,
    ServiceReadyEvent,
    ServiceStartedEvent,
    ServiceStoppedEvent,
    ServiceStoppingEvent,
)
from ..events.step import (
    StepExecutionCompletedEvent,
    StepExecutionFailedEvent,
    StepExecutionStartedEvent,
    StepSkippedEvent,
)
from ..events.test import (
    TestAssertionCheckedEvent,
    TestAssertionsCompletedEvent,
    TestAssertionsFailedEvent,
    TestAssertionsStartedEvent,
    TestCompletedEvent,
    TestDeploymentCompletedEvent,
    TestDeploymentFailedEvent,
    TestDeploymentStartedEvent,
    TestEnvironmentSetupCompletedEvent,
    TestEnvironmentSetupFailedEvent,
    TestEnvironmentSetupStartedEvent,
    TestExecutionCompletedEvent,
    TestExecutionFailedEvent,
    TestExecutionStartedEvent,
    TestFailedEvent,
    TestSetupCompletedEvent,
    TestSetupFailedEvent,
    TestSetupStartedEvent,
    TestStepCompletedEvent,
    TestStepFailedEvent,
    TestStepStartedEvent,
    TestTeardownCompletedEvent,
    TestTeardownStartedEvent,
)
from ._context import RunContext
from ._process import not_found_hint
from ._template import TemplateError, substitute
from ._watch import ServiceWatch
from .environments import LocalEnvironment, create_environment
from .plugins import (
    Assertion,
    AssertionContext,
    ServiceView,
    Step,
    StepContext,
    StepOutput,
    StepRecord,
)
from .results import AssertionRecord, TestOutcome
from .schema import TestSpec
from .services import ManagedService, PortTaken, ServiceExited, ServiceNotReady

__all__ = ["TestRun"]

logger = logging.getLogger("panther_events.runner")

# Extra time a step gets beyond its timeout to stop by itself before the engine gives up on it.
_STEP_GRACE = 0.5
# How long a cancelled step's thread is awaited before the engine moves on without it.
_CANCEL_WAIT = 2.0
# How long a failed step waits for a service to be seen dead, when its failure is a crash's echo.
_CRASH_GRACE = 0.25


class _Interrupted(Exception):
    """The run was interrupted; unwinds the current phase to its teardown."""


class TestRun:
    """One test from setup to verdict; holds the test's environment and services."""

    __test__ = False

    def __init__(self, context: RunContext, index: int, spec: TestSpec, outcome: TestOutcome):
        self.context = context
        self.index = index
        self.spec = spec
        self.outcome = outcome
        self.test_id = outcome.test_id
        self.env_id = f"{self.test_id}/environment"
        self.environment: LocalEnvironment = create_environment(
            spec.name, spec.environment, keep_workdir=context.keep_workdirs
        )
        self.services: dict[str, ManagedService] = {}
        self.service_ids: dict[str, str] = {}
        self.variables: dict[str, str] = {}
        self.metrics: dict[str, float] = {}
        self.watch = ServiceWatch(
            self.emit, context.experiment_id, spec.name, self.services, self.service_ids
        )
        self._env_created = False

    def emit(self, event: BaseEvent) -> bool:
        return self.context.emit(event)

    def _check_interrupt(self) -> None:
        if self.context.interrupted:
            raise _Interrupted(self.context.interrupt_reason or "interrupted")

    # -- the phases ------------------------------------------------------------------------

    def run(self) -> None:
        began = time.monotonic()
        tid, spec = self.test_id, self.spec
        first_phase = TestSetupStartedEvent(
            tid, len(spec.services), [s.name for s in spec.services]
        )
        try:
            self.emit(first_phase)
            if self._setup_environment() and self._deploy():
                self._check_interrupt()
                self.emit(
                    TestSetupCompletedEvent(tid, sorted(self.services), time.monotonic() - began)
                )
                self._execute()
        except _Interrupted as exc:
            self._fail(f"interrupted: {exc}", "interrupted")
        except Exception as exc:  # a bug or an unexpected OS error: the test fails, run goes on
            logger.exception("test %r broke", spec.name)
            self._fail(f"runner error: {type(exc).__name__}: {exc}", "runner")
        finally:
            self._teardown()
            if self.watch.crash_reason is not None:  # a crash after the steps still fails the test
                self._fail(self.watch.crash_reason, "service")
            # The one definition of a test's duration (see panther_events._durations).
            self.outcome.duration = seconds_between(first_phase.timestamp, datetime.now(UTC)) or 0.0
            self._verdict()
            # Long experiments keep no per-test state in the registry.
            registry = self.context.registry
            registry.cleanup_test(self.test_id, self.spec.name)
            for sid in self.service_ids.values():
                registry.cleanup_service_state(sid)
            registry.cleanup_environment_state(self.env_id)

    def _fail(self, reason: str, phase: str) -> None:
        if self.outcome.reason is None:  # the first failure is the reason
            self.outcome.reason, self.outcome.phase = reason, phase

    def _setup_environment(self) -> bool:
        tid, env = self.test_id, self.environment
        etype = env.type
        self.emit(TestEnvironmentSetupStartedEvent(tid, etype, self.spec.environment.model_dump()))
        self.emit(
            EnvironmentCreatedEvent(
                self.env_id, self.spec.name, etype, self.spec.environment.model_dump()
            )
        )
        self._env_created = True
        began = time.monotonic()
        self.emit(EnvironmentSetupStartedEvent(self.env_id, self.spec.name, etype))
        self.variables = {
            "python": sys.executable,
            "experiment_dir": str(self.context.experiment.path.parent),
            "experiment": self.context.experiment.spec.name,
            "test": self.spec.name,
        }
        try:
            details = env.setup(self.variables)
            if env.has_network:
                self.emit(NetworkSetupStartedEvent(self.env_id, self.spec.name, etype))
                try:
                    net = env.setup_network()
                except Exception as exc:
                    self.emit(NetworkSetupFailedEvent(self.env_id, self.spec.name, etype, str(exc)))
                    raise
                self.emit(
                    NetworkSetupCompletedEvent(
                        self.env_id,
                        self.spec.name,
                        etype,
                        allocated_resources=net,
                        duration=time.monotonic() - began,
                    )
                )
                details |= net
        except Exception as exc:
            message = f"environment {etype!r} setup failed: {exc}"
            self.emit(
                EnvironmentSetupFailedEvent(
                    self.env_id, self.spec.name, etype, message, {"error_type": type(exc).__name__}
                )
            )
            self.emit(TestEnvironmentSetupFailedEvent(tid, etype, message, type(exc).__name__))
            self.emit(TestSetupFailedEvent(tid, message, type(exc).__name__, "environment"))
            self._fail(message, "environment")
            return False
        self.emit(
            EnvironmentSetupCompletedEvent(
                self.env_id, self.spec.name, etype, time.monotonic() - began, details
            )
        )
        self.emit(TestEnvironmentSetupCompletedEvent(tid, etype, details))
        self.variables["workdir"] = str(env.workdir)
        if self.context.keep_workdirs:
            self.outcome.workdir = str(env.workdir)
        return True

    def _deploy(self) -> bool:
        tid, env = self.test_id, self.environment
        specs = self.spec.start_order()  # each after what it depends on, and once that is ready
        self.emit(TestDeploymentStartedEvent(tid, [s.name for s in specs]))
        # Ports first: a service's command may name another service's port.
        ports: dict[str, int | None] = {}
        for s in specs:
            try:
                ports[s.name] = env.free_port() if s.port == "auto" else s.port
            except OSError as exc:
                return self._deploy_failed(s.name, f"service {s.name!r}: {exc}")
            if ports[s.name] is not None:
                self.variables[f"service.{s.name}.port"] = str(ports[s.name])
        deployed: list[dict[str, Any]] = []
        for s in specs:
            self._check_interrupt()
            sid = f"{tid}/service/{s.name}"
            self.service_ids[s.name] = sid
            own = dict(self.variables)
            if ports[s.name] is not None:
                own["port"] = str(ports[s.name])
            try:
                argv = substitute(s.command, own)
                env_vars = {**env.env, **substitute(s.env, own)}
            except TemplateError as exc:  # load_experiment checks names; kept for safety
                return self._deploy_failed(s.name, f"service {s.name!r}: {exc}")
            self.emit(ServiceCreatedEvent(sid, s.name, "process", argv[0], s.model_dump()))
            self.emit(
                ServiceDeploymentStartedEvent(
                    sid, s.name, env.type, {"argv": argv, "port": ports[s.name]}
                )
            )
            service = ManagedService(s, argv, env_vars, env, ports[s.name])
            began = time.monotonic()
            try:
                pid = service.start()
            except OSError as exc:
                message = (
                    f"service {s.name!r} not started: {exc}"
                    if isinstance(exc, PortTaken)
                    else f"service {s.name!r} could not start {argv[0]!r}: {exc}"
                    + not_found_hint(argv[0], exc)
                )
                self.emit(
                    ServiceDeploymentFailedEvent(sid, s.name, env.type, message, type(exc).__name__)
                )
                self.emit(ServiceDestroyedEvent(sid, s.name, {"started": False}))
                return self._deploy_failed(s.name, message)
            self.services[s.name] = service
            self.emit(
                ServiceDeploymentCompletedEvent(
                    sid,
                    s.name,
                    env.type,
                    endpoint=f"127.0.0.1:{service.port}" if service.port else None,
                    ports=[service.port] if service.port else None,
                    deployment_details={"pid": pid, **service.log_paths()},
                )
            )
            self.emit(ServiceStartedEvent(sid, s.name, pid, time.time()))
            try:
                checks = service.wait_ready(self.context.stop, partial(self._crashed, s.name))
            except ServiceNotReady as exc:
                self._check_interrupt()
                if self.watch.crashed_service is not None:  # another one died meanwhile
                    crash = self.watch.crash_reason or ""
                    return self._deploy_failed(self.watch.crashed_service, crash, "service")
                crashed = isinstance(exc, ServiceExited)
                self.watch.error(
                    service, str(exc), "ServiceCrashed" if crashed else "ServiceNotReady"
                )
                return self._deploy_failed(s.name, str(exc))
            startup = time.monotonic() - began
            self.metrics[f"service.{s.name}.startup_seconds"] = startup
            self.emit(ServiceReadyEvent(sid, s.name, checks))
            self.emit(
                TimingMetricEvent(
                    f"service.{s.name}.startup", startup, "deployment", self.spec.name, s.name
                )
            )
            deployed.append({"name": s.name, "pid": pid, "port": service.port})
        self.emit(
            TestDeploymentCompletedEvent(tid, [d["name"] for d in deployed], {"services": deployed})
        )
        self.watch.start()
        return True

    def _crashed(self, waiting: str) -> str | None:
        """Why a service started before ``waiting`` died while it got ready (None: none did)."""
        self.watch.check(exclude=waiting)
        return self.watch.crash_reason

    def _deploy_failed(self, name: str, message: str, phase: str = "deployment") -> bool:
        self.emit(
            TestDeploymentFailedEvent(self.test_id, message, [name], "ServiceDeploymentFailed")
        )
        self.emit(TestSetupFailedEvent(self.test_id, message, "ServiceDeploymentFailed", name))
        self._fail(message, phase)
        return False

    def _execute(self) -> None:
        tid, spec = self.test_id, self.spec
        names = spec.step_names()
        self.emit(TestExecutionStartedEvent(tid, names))
        began = time.monotonic()
        step_failure: str | None = None
        params = self.context.experiment.step_params[self.index]
        for i, (step, name) in enumerate(zip(spec.steps, names, strict=True)):
            step_id = f"{tid}/step/{name}"
            reason = self._skip_reason(step_failure)
            if reason is not None:
                self.emit(StepSkippedEvent(step_id, name, tid, reason))
                continue
            record = self._run_step(step_id, name, step.kind, step.timeout, params[i])
            self.outcome.steps.append(record)
            if record.error is not None:
                step_failure = f"step {name!r} failed: {record.error}"
        steps_duration = time.monotonic() - began
        self.metrics["test.steps_duration_seconds"] = steps_duration
        self.watch.check()
        self._check_interrupt()

        if step_failure is None and self.watch.crash_reason is not None:
            step_failure = self.watch.crash_reason
        assertion_failure = self._assertions(steps_duration)
        self._check_interrupt()
        if step_failure is not None or assertion_failure is not None:
            phase = "steps" if step_failure is not None else "assertions"
            reason = step_failure or assertion_failure or ""
            if self.watch.crash_reason is not None:
                reason, phase = self.watch.crash_reason, "service"
            self.emit(TestExecutionFailedEvent(tid, reason, "TestFailed", phase))
            self._fail(reason, phase)
            return
        self.emit(
            TestExecutionCompletedEvent(
                tid,
                duration_seconds=time.monotonic() - began,
                steps_completed=len(self.outcome.steps),
                assertions_passed=sum(a.passed for a in self.outcome.assertions),
            )
        )

    def _skip_reason(self, step_failure: str | None) -> str | None:
        if self.context.interrupted:
            return f"experiment interrupted: {self.context.interrupt_reason}"
        if self.watch.crash_reason is not None:
            return self.watch.crash_reason
        if step_failure is not None:
            return f"an earlier {step_failure}"
        return None

    # -- steps -----------------------------------------------------------------------------

    def _run_step(
        self, step_id: str, name: str, kind: str, timeout: float, raw: BaseModel
    ) -> StepRecord:
        tid = self.test_id
        config = raw.model_dump(mode="json")
        self.emit(TestStepStartedEvent(tid, name, kind, config))
        self.emit(
            StepExecutionStartedEvent(
                step_id, name, tid, {"kind": kind, **config, "timeout": timeout}
            )
        )
        began = time.monotonic()
        result: StepOutput | None = None
        error: str | None = None
        try:
            cls = self.context.plugins["step", kind]
            params = cls.Params.model_validate(
                substitute(raw.model_dump(by_alias=True), self.variables)
            )
            plugin = cls(params)
            assert isinstance(plugin, Step)
            result, error = self._call_step(plugin, timeout)
        except (TemplateError, ValueError) as exc:
            error = str(exc)
        except Exception as exc:  # a bug of the step's plugin fails the step, not the engine
            error = f"{type(exc).__name__}: {exc}"
            self.context.plugin_error("step", kind, error)
        duration = time.monotonic() - began
        self.metrics[f"step.{name}.duration_seconds"] = duration
        self.emit(TimingMetricEvent(f"step.{name}", duration, "execution", self.spec.name, kind))
        if error is None:
            assert result is not None
            self.emit(
                StepExecutionCompletedEvent(
                    step_id,
                    name,
                    test_case_id=tid,
                    duration=duration,
                    result={"exit_code": result.exit_code, **result.details},
                    output=result.output[-4000:],
                )
            )
            self.emit(TestStepCompletedEvent(tid, name, duration, {"exit_code": result.exit_code}))
        else:
            details = {"kind": kind}
            if result is not None:
                details["exit_code"] = result.exit_code  # type: ignore[assignment]
            self.emit(StepExecutionFailedEvent(step_id, name, tid, error, details, duration))
            self.emit(TestStepFailedEvent(tid, name, error, "StepFailed"))
        return StepRecord(name, kind, duration, result, error)

    def _call_step(self, plugin: Step, timeout: float) -> tuple[StepOutput | None, str | None]:
        """Run ``plugin`` on a worker thread; cancel it on timeout, crash or interrupt."""
        context = self._step_context()
        box: list[StepOutput | BaseException] = []

        def work() -> None:
            try:
                box.append(plugin.run(context, timeout))
            except BaseException as exc:
                box.append(exc)

        worker = threading.Thread(target=work, name=f"step-{self.spec.name}", daemon=True)
        worker.start()
        deadline = time.monotonic() + timeout + _STEP_GRACE
        why: str | None = None
        while worker.is_alive():
            worker.join(0.05)
            if not worker.is_alive():
                break
            self.watch.check()
            if time.monotonic() >= deadline:
                why = f"timed out after {timeout}s"
            elif self.watch.crash_reason is not None:
                why = f"cancelled: {self.watch.crash_reason}"
            elif self.context.interrupted:
                why = f"cancelled: experiment interrupted ({self.context.interrupt_reason})"
            if why is not None:
                context.cancelled.set()
                plugin.cancel()
                worker.join(_CANCEL_WAIT)
                return None, why
        outcome = box[0]
        if isinstance(outcome, BaseException):
            self.watch.check(grace=_CRASH_GRACE)
            return None, str(outcome) or type(outcome).__name__
        self.watch.check()
        return outcome, None

    def _step_context(self) -> StepContext:
        env = self.environment
        return StepContext(
            self.spec.name,
            env.workdir,
            env.env,
            self._views(),
            env.wrap_command,
            env.create_connection,
            env.create_socket,
        )

    def _views(self) -> dict[str, ServiceView]:
        return {name: s.view() for name, s in self.services.items()}

    # -- assertions ------------------------------------------------------------------------

    def _assertions(self, steps_duration: float) -> str | None:
        tid, spec = self.test_id, self.spec
        names = spec.assertion_names()
        if not names:
            return None
        for name, service in self.services.items():
            service.sample()
            if service.sampler is not None:
                self.metrics[f"service.{name}.cpu_seconds"] = service.sampler.cpu_seconds
                self.metrics[f"service.{name}.peak_memory_bytes"] = float(
                    service.sampler.peak_memory_bytes
                )
        self.emit(TestAssertionsStartedEvent(tid, names))
        # The test's assertions are validated as one group (the assertion entity), with a
        # result event per assertion and the counts at the end.
        aid = f"{tid}/assertions"
        kinds = [a.kind for a in spec.assertions]
        listed = [{"name": n, "kind": k} for n, k in zip(names, kinds, strict=True)]
        self.emit(
            AssertionsValidationStartedEvent(
                aid,
                "assertions",
                test_case_id=tid,
                total_assertions=len(names),
                validation_config={"assertions": listed},
            )
        )
        began = time.monotonic()
        ran = {r.name: r for r in self.outcome.steps}
        context = AssertionContext(
            spec.name,
            ran,
            self._views(),
            dict(self.metrics),
            steps_duration,
            [name for name in spec.step_names() if name not in ran],
        )
        params = self.context.experiment.assertion_params[self.index]
        for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
            self.emit(
                AssertionProgressEvent(
                    aid, "assertions", tid, None, name, len(names), f"checking {kind} {name!r}"
                )
            )
            self.outcome.assertions.append(self._check(aid, name, kind, params[i], context))
        records = self.outcome.assertions
        passed = sum(r.passed for r in records)
        failed = len(records) - passed
        failed_names = [r.name for r in records if not r.passed]
        self.emit(
            AssertionsValidationCompletedEvent(
                aid,
                "assertions",
                test_case_id=tid,
                duration=time.monotonic() - began,
                passed_count=passed,
                failed_count=failed,
                total_count=len(records),
                summary={"failed": failed_names},
            )
        )
        failure = None
        if failed:
            first = next(r for r in records if not r.passed)
            detail = first.outcome.message if first.outcome else first.error
            failure = (
                f"{failed} of {len(records)} assertions failed; first: {first.name!r}: {detail}"
            )
            self.emit(TestAssertionsFailedEvent(tid, failure, "AssertionFailed"))
        self.emit(TestAssertionsCompletedEvent(tid, len(records), passed, failed, failed == 0))
        return failure

    def _check(
        self, aid: str, name: str, kind: str, raw: BaseModel, context: AssertionContext
    ) -> AssertionRecord:
        """Check one assertion; an exception in its plugin is a failed result, not a crash."""
        tid = self.test_id
        config = raw.model_dump(mode="json")
        try:
            cls = self.context.plugins["assertion", kind]
            params = cls.Params.model_validate(
                substitute(raw.model_dump(by_alias=True), self.variables)
            )
            plugin = cls(params)
            assert isinstance(plugin, Assertion)
            outcome = plugin.check(context)
        except Exception as exc:
            message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            self.emit(
                AssertionResultEvent(
                    aid,
                    name,
                    test_case_id=tid,
                    assertion_passed=False,
                    assertion_message=f"error: {message}",
                    assertion_details={"kind": kind, "error_type": type(exc).__name__},
                )
            )
            self.emit(
                TestAssertionCheckedEvent(
                    tid, kind, config, False, {"name": name, "error": message}
                )
            )
            self.context.plugin_error("assertion", kind, message)
            return AssertionRecord(name, kind, None, message)
        self.emit(
            AssertionResultEvent(
                aid,
                name,
                test_case_id=tid,
                assertion_passed=outcome.passed,
                expected_value=_jsonable(outcome.expected),
                actual_value=_jsonable(outcome.actual),
                assertion_message=outcome.message,
                assertion_details={"kind": kind},
            )
        )
        self.emit(
            TestAssertionCheckedEvent(
                tid, kind, config, outcome.passed, {"name": name, "message": outcome.message}
            )
        )
        return AssertionRecord(name, kind, outcome)

    # -- teardown and verdict --------------------------------------------------------------

    def _teardown(self) -> None:
        tid = self.test_id
        began = time.monotonic()
        self.watch.stop()  # also reports a death since the last step (during the assertions)
        self.emit(TestTeardownStartedEvent(tid))
        for name in reversed(list(self.services)):
            self._stop_service(name, self.services[name])
        env, etype = self.environment, self.environment.type
        if self._env_created:
            stray = env.sweep()
            if stray:
                logger.warning("test %r: killed stray processes %s", self.spec.name, stray)
            reason = "interrupted" if self.context.interrupted else "test_completed"
            self.emit(EnvironmentTeardownStartedEvent(self.env_id, self.spec.name, etype, reason))
            t0 = time.monotonic()
            error: str | None = None
            if env.network_up:  # also a namespace whose setup failed halfway
                self.emit(NetworkTeardownStartedEvent(self.env_id, self.spec.name, etype))
                try:
                    env.teardown_network()
                except Exception as exc:
                    error = f"network teardown failed: {exc}"
                    logger.warning("test %r: %s", self.spec.name, error)
                else:
                    self.emit(NetworkTeardownCompletedEvent(self.env_id, self.spec.name, etype))
            released = env.teardown()
            if stray:
                released["stray_processes_killed"] = stray
            if error is not None:
                self.emit(
                    EnvironmentTeardownFailedEvent(
                        self.env_id, self.spec.name, etype, error, released
                    )
                )
            else:
                self.emit(
                    EnvironmentTeardownCompletedEvent(
                        self.env_id, self.spec.name, etype, time.monotonic() - t0, released
                    )
                )
        self.emit(TestTeardownCompletedEvent(tid, time.monotonic() - began))

    def _stop_service(self, name: str, service: ManagedService) -> None:
        sid = self.service_ids[name]
        test = self.spec.name
        self.emit(ServiceStoppingEvent(sid, name, "teardown", service.spec.stop_grace))
        uptime = service.uptime
        code, how = service.stop(self.context.hurry)
        if service.sampler is not None:
            cpu, peak = service.sampler.cpu_seconds, service.sampler.peak_memory_bytes
            self.metrics[f"service.{name}.cpu_seconds"] = cpu
            self.metrics[f"service.{name}.peak_memory_bytes"] = float(peak)
            meta = {"service_id": sid, "pid": service.pid}
            self.emit(ResourceMetricEvent("cpu_seconds", cpu, name, test, meta))
            self.emit(ResourceMetricEvent("peak_memory_bytes", float(peak), name, test, meta))
        self.emit(TimingMetricEvent(f"service.{name}.uptime", uptime, "teardown", test, name))
        self.emit(ServiceStoppedEvent(sid, name, code, service.stop_reason or how, uptime))
        self.emit(ServiceDestroyedEvent(sid, name, service.log_paths()))

    def _verdict(self) -> None:
        tid, outcome = self.test_id, self.outcome
        self.emit(
            MetricsSummaryEvent(
                {k: round(v, 6) for k, v in sorted(self.metrics.items())}, self.spec.name, "test"
            )
        )
        self.emit(TimingMetricEvent("test", outcome.duration, "total", self.spec.name, "runner"))
        summary = {
            "steps": len(outcome.steps),
            "steps_failed": sum(s.error is not None for s in outcome.steps),
            "assertions": len(outcome.assertions),
            "assertions_passed": sum(a.passed for a in outcome.assertions),
        }
        if outcome.reason is None:
            outcome.passed = True
            self.emit(TestCompletedEvent(tid, self.spec.name, outcome.duration, summary))
        else:
            failed = TestFailedEvent(
                tid, self.spec.name, outcome.reason, "TestFailed", outcome.phase, summary
            )
            failed.add_data(TEST_DURATION_KEY, outcome.duration)
            self.emit(failed)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return repr(value)
