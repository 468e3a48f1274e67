"""A service of a test: its process, readiness, health, captured output, resources and stop."""

from __future__ import annotations

import math
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._exit_status import describe_exit_status
from ._process import ResourceSampler, spawn, terminate_tree
from .environments import LocalEnvironment
from .plugins import ServiceView
from .schema import ServiceSpec

__all__ = ["HealthReport", "ManagedService", "PortTaken", "ServiceExited", "ServiceNotReady"]

# How often readiness is polled; short, since tests wait for it.
_POLL = 0.02
# How much of a log a readiness poll reads at a time, so a flood of output never fills memory.
_SCAN_CHUNK = 1024 * 1024


class ServiceNotReady(RuntimeError):
    """The service exited or timed out before its readiness check passed."""


class ServiceExited(ServiceNotReady):
    """The service's process ended before its readiness check passed (a crash).

    Attributes:
        exit_code: its exit status (negative: the signal that killed it).
    """

    def __init__(self, message: str, exit_code: int | None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _LineScanner:
    """Searches the lines of a file that is still being written, reading each byte once.

    A line still being written (no newline yet) is searched too, and again once complete.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def search(self, pattern: re.Pattern[str]) -> bool:
        """Return whether a line written since the last call (or the partial one) matches."""
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                while chunk := file.read(_SCAN_CHUNK):
                    self._offset += len(chunk)
                    *lines, partial = (self._partial + chunk).split(b"\n")
                    # A line longer than a chunk is searched by its end.
                    self._partial = partial[-_SCAN_CHUNK:]
                    if any(_matches(pattern, line) for line in lines):
                        return True
        except OSError:
            return False
        return _matches(pattern, self._partial)


def _matches(pattern: re.Pattern[str], line: bytes) -> bool:
    return pattern.search(line.rstrip(b"\r").decode(errors="replace")) is not None


class PortTaken(OSError):
    """A service's own port already accepts connections before the service starts."""


@dataclass(frozen=True)
class HealthReport:
    """One health check: passed or not, of what kind, against what, how fast."""

    passed: bool
    check_type: str
    endpoint: str | None
    response_time_ms: float
    error: str | None = None


class ManagedService:
    """One service process, from start to stop, owned by the engine.

    Args:
        spec: the service as the experiment file describes it.
        argv: its command with variables substituted.
        env: its full environment.
        environment: the test's environment (working directory, network).
        port: its port, resolved (``auto`` already replaced).
    """

    def __init__(
        self,
        spec: ServiceSpec,
        argv: list[str],
        env: dict[str, str],
        environment: LocalEnvironment,
        port: int | None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.argv = argv
        self.env = env
        self.environment = environment
        self.port = port
        self.stdout_path = environment.workdir / f"{spec.name}.stdout.log"
        self.stderr_path = environment.workdir / f"{spec.name}.stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: ResourceSampler | None = None
        self.exit_code: int | None = None
        self.stop_reason: str | None = None
        self._started_at = 0.0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The process id once started."""
        return self.proc.pid if self.proc is not None else None

    @property
    def uptime(self) -> float:
        """Seconds since start (0 before)."""
        return time.monotonic() - self._started_at if self._started_at else 0.0

    def start(self) -> int:
        """Start the process with stdout and stderr captured to files in the working dir.

        Returns:
            Its pid.

        Raises:
            OSError: the command cannot be executed, or its port already accepts connections
                (:class:`PortTaken`: another process holds it, and would answer its checks).
        """
        if self.port is not None and self._tcp_accepts(self.port, 0.5) is None:
            raise PortTaken(
                f"port {self.port} already accepts connections before the service started "
                "(another process holds it, and would pass its tcp checks); stop that process, "
                "or use port: auto"
            )
        argv = self.environment.wrap_command(self.argv)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            # The child keeps its own copies of the descriptors; ours can close right away.
            self.proc = spawn(
                argv,
                cwd=self.environment.workdir,
                env=self.env,
                stdout=out,
                stderr=err,
                grace=self.spec.stop_grace,
            )
        self._started_at = time.monotonic()
        self.sampler = ResourceSampler(self.proc.pid)
        return self.proc.pid

    def is_running(self) -> bool:
        """Return whether the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def read_output(self) -> str:
        """Return what the service wrote so far, stdout then stderr."""
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            try:
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                parts.append("")
        return "".join(parts)

    def output_tail(self, lines: int = 10) -> str:
        """Return the last ``lines`` lines of the service's output, for error messages."""
        return "\n".join(self.read_output().splitlines()[-lines:])

    def log_paths(self) -> dict[str, str]:
        """Where its output is captured: ``{"stdout": path, "stderr": path}``."""
        return {"stdout": str(self.stdout_path), "stderr": str(self.stderr_path)}

    def output_excerpt(self) -> str:
        """The last lines of its output for a message, or a sentence saying it wrote nothing."""
        tail = self.output_tail()
        if tail.strip():
            return tail
        return (
            f"(it wrote nothing to {self.stdout_path.name} or {self.stderr_path.name}; a program "
            "that buffers its output writes it only at exit: run it unbuffered, for Python "
            "with PYTHONUNBUFFERED=1 in the service's env)"
        )

    def view(self) -> ServiceView:
        """Return the read-only face steps and assertions see."""
        return ServiceView(self.name, self.port, self.is_running, self.read_output)

    def wait_ready(
        self, stop: threading.Event, abandon: Callable[[], str | None] = lambda: None
    ) -> list[str]:
        """Block until the readiness check passes.

        Args:
            stop: set by the engine to abandon the wait (interrupt).
            abandon: polled while waiting; a message it returns abandons the wait (another
                service of the test died meanwhile).

        Returns:
            The checks that passed, described (``tcp:127.0.0.1:8080``...).

        Raises:
            ServiceNotReady: the process exited, the check timed out, ``stop`` was set or
                ``abandon`` gave a reason.
        """
        ready = self.spec.ready
        if ready is None:
            self._require_alive("before it was ready")
            return ["started"]
        deadline = time.monotonic() + ready.timeout
        if ready.delay is not None:
            ends = time.monotonic() + ready.delay
            deadline = math.inf  # a delay has no timeout of its own
            what = f"delay:{ready.delay}"
            dead = f"during its {ready.delay}s readiness delay"

            def check() -> bool:
                return time.monotonic() >= ends and self.is_running()
        elif ready.log is not None:
            pattern = re.compile(ready.log)
            what = f"log:{ready.log}"
            dead = f"before {what} passed"
            scanners = [_LineScanner(self.stdout_path), _LineScanner(self.stderr_path)]

            def check() -> bool:
                # Both scanned at each poll: each reads only what was written since the last.
                return any([scanner.search(pattern) for scanner in scanners])
        else:
            port = self._port_for(ready.tcp)
            what = f"tcp:127.0.0.1:{port}"
            dead = f"before {what} passed"

            def check() -> bool:
                return self._tcp_accepts(port, 0.2) is None

        while True:
            if check():
                return [what]
            self._require_alive(dead)
            reason = abandon()
            if reason is not None:
                raise ServiceNotReady(f"service {self.name!r}: not waited for: {reason}")
            if time.monotonic() >= deadline:
                raise ServiceNotReady(
                    f"service {self.name!r} not ready after {ready.timeout}s: {what} never "
                    f"passed; raise ready.timeout or check the service's output:\n"
                    f"{self.output_excerpt()}"
                )
            if stop.wait(_POLL):
                raise ServiceNotReady(f"service {self.name!r}: interrupted while waiting")

    def check_health(self) -> HealthReport:
        """Check once that the process lives and, if configured, accepts TCP connections."""
        began = time.monotonic()
        self.sample()
        if not self.is_running():
            return HealthReport(
                False,
                "process",
                f"pid:{self.pid}",
                (time.monotonic() - began) * 1000,
                self.crash_message(),
            )
        if self.spec.health.tcp is not False:
            port = self._port_for(self.spec.health.tcp)
            error = self._tcp_accepts(port, 1.0)
            return HealthReport(
                error is None,
                "tcp",
                f"127.0.0.1:{port}",
                (time.monotonic() - began) * 1000,
                error,
            )
        return HealthReport(True, "process", f"pid:{self.pid}", (time.monotonic() - began) * 1000)

    def sample(self) -> None:
        """Refresh the CPU time and peak memory figures while the process lives."""
        if self.sampler is not None:
            with self._lock:
                self.sampler.sample()

    def stop(self, hurry: threading.Event | None = None) -> tuple[int | None, str]:
        """SIGTERM the process group, SIGKILL after ``stop_grace``; return (status, how).

        Args:
            hurry: once set, SIGKILL at once instead of waiting out the rest of the grace.
        """
        if self.proc is None:
            return None, "never started"
        self.sample()
        code, how = terminate_tree(self.proc, self.spec.stop_grace, hurry)
        self.exit_code = code
        self.stop_reason = self.stop_reason or how
        return code, how

    @property
    def returncode(self) -> int | None:
        """Its exit status once it ended (negative: killed by that signal), else None."""
        return self.proc.returncode if self.proc is not None else None

    def crash_message(self) -> str:
        """Say that the service ended by itself, and how (``... with SIGABRT (-6)``)."""
        return (
            f"service {self.name!r} exited unexpectedly with "
            f"{describe_exit_status(self.returncode)}"
        )

    def _require_alive(self, when: str) -> None:
        if not self.is_running():
            raise ServiceExited(
                f"service {self.name!r} exited with {describe_exit_status(self.returncode)} "
                f"{when}; its output:\n{self.output_excerpt()}",
                self.returncode,
            )

    def _port_for(self, value: int | bool | None) -> int:
        if isinstance(value, bool) or value is None:
            if self.port is None:
                raise ServiceNotReady(
                    f"service {self.name!r}: a tcp check of its own port needs 'port' set"
                )
            return self.port
        return value

    def _tcp_accepts(self, port: int, timeout: float) -> str | None:
        try:
            conn = self.environment.create_connection(("127.0.0.1", port), timeout)
        except OSError as exc:
            return f"127.0.0.1:{port} refused or timed out: {exc}"
        conn.close()
        return None
