"""Watching a test's services: health checks while it runs, and each one's death as a crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from ..events.base import BaseEvent
from ..events.experiment import ExperimentServiceFailureEvent
from ..events.service import (
    CHECK_NUMBER_KEY,
    ServiceErrorEvent,
    ServiceHealthCheckFailedEvent,
    ServiceHealthCheckPassedEvent,
)
from .services import ManagedService

__all__ = ["ServiceWatch"]


class ServiceWatch:
    """The health monitor of one test's services and the one place their crashes are reported.

    A health thread checks each service at its ``health.interval``; the test's own thread calls
    :meth:`check` between and during steps. Whichever sees a death first reports it, once:
    ``service.error`` (``ServiceCrashed``) then ``experiment.service_failure``, and the first
    crash becomes :attr:`crash_reason`. ``health.enabled: false`` opts a service out of both.

    Args:
        emit: publishes an event (the run's validated emit).
        experiment_id: the experiment entity, for ``experiment.service_failure``.
        test_name: the test's name, recorded in the failure's details.
        services: the test's started services by name (read live: it fills while deploying).
        service_ids: the services' entity ids by name.
    """

    def __init__(
        self,
        emit: Callable[[BaseEvent], bool],
        experiment_id: str,
        test_name: str,
        services: Mapping[str, ManagedService],
        service_ids: Mapping[str, str],
    ) -> None:
        self._emit = emit
        self._experiment_id = experiment_id
        self._test_name = test_name
        self._services = services
        self._service_ids = service_ids
        #: Why the first crashed service ended (None while none has).
        self.crash_reason: str | None = None
        #: The name of that service.
        self.crashed_service: str | None = None
        self._dead: set[str] = set()
        # Held while a death is detected and reported, so the health thread and the test's
        # thread report it once, and no health event follows its service.error.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._checks = 0

    def start(self) -> None:
        """Start the health thread (once every service is ready): a service that died while
        a later one was getting ready is reported now, before any step runs."""
        self.check()
        watched = self._watched()
        if watched:
            self._thread = threading.Thread(
                target=self._run, args=(watched,), name=f"health-{self._test_name}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the health thread and report a death it has not seen yet (teardown's first act)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.check()

    def check(self, grace: float = 0.0, exclude: str | None = None) -> None:
        """Report every watched service that has died, waiting up to ``grace`` for one to.

        A peer's connection closing is often the first sign of its crash, a moment before the
        kernel marks the process dead: after a failed step a short ``grace`` lets the crash,
        not its symptom, become the test's reason.

        Args:
            grace: seconds to wait for a death.
            exclude: a service not to look at (the one getting ready reports its own death).
        """
        deadline = time.monotonic() + grace
        while True:
            with self._lock:
                living = [
                    s for s in self._watched() if s.name not in self._dead and s.name != exclude
                ]
                for service in living:
                    if not service.is_running():
                        self._report_crash(service)
            if not living or self.crash_reason is not None or time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    def error(self, service: ManagedService, message: str, error_type: str) -> None:
        """Emit ``service.error``; a ``ServiceCrashed`` one also ``experiment.service_failure``,
        and the service is not reported again."""
        self._emit(
            ServiceErrorEvent(
                self._service_ids[service.name],
                service.name,
                message,
                error_type=error_type,
                error_details={
                    "exit_code": service.returncode,
                    "output_tail": service.output_tail(),
                },
            )
        )
        if error_type != "ServiceCrashed":
            return
        self._dead.add(service.name)
        service.stop_reason = "crashed"
        self._emit(
            ExperimentServiceFailureEvent(
                self._experiment_id, service.name, message, {"test": self._test_name}
            )
        )

    def _watched(self) -> list[ManagedService]:
        return [s for s in self._services.values() if s.spec.health.enabled]

    def _report_crash(self, service: ManagedService) -> None:
        reason = service.crash_message()
        self.error(service, reason, "ServiceCrashed")
        if self.crash_reason is None:
            self.crash_reason, self.crashed_service = reason, service.name

    def _run(self, services: list[ManagedService]) -> None:
        due = dict.fromkeys((s.name for s in services), 0.0)
        tick = min(s.spec.health.interval for s in services)
        while not self._stop.is_set():
            now = time.monotonic()
            for service in services:
                if now < due[service.name] or service.name in self._dead:
                    continue
                due[service.name] = now + service.spec.health.interval
                self._health(service)
            if self._stop.wait(min(tick, 0.1)):
                return

    def _health(self, service: ManagedService) -> None:
        sid = self._service_ids[service.name]
        report = service.check_health()
        if self._stop.is_set():
            return  # teardown started: a stop is not a crash
        self._checks += 1
        event: ServiceHealthCheckPassedEvent | ServiceHealthCheckFailedEvent
        if report.passed:
            event = ServiceHealthCheckPassedEvent(
                sid, service.name, report.check_type, report.endpoint, report.response_time_ms
            )
        else:
            event = ServiceHealthCheckFailedEvent(
                sid, service.name, report.check_type, report.error or "failed", report.endpoint
            )
        # Each check is its own observation: the number keeps two equal ones from having the
        # same content id (the manager would drop the second as a duplicate).
        event.add_data(CHECK_NUMBER_KEY, self._checks)
        with self._lock:
            if service.name in self._dead:
                return  # the test's thread saw the death first and reported it
            self._emit(event)
            if not report.passed and not service.is_running():
                self._report_crash(service)
