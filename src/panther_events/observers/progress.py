"""ProgressObserver: live progress of an experiment in the terminal, or one line per update.

On a terminal it draws a ``rich`` progress bar (tests done of total, failures, the current test
and step, elapsed time); elsewhere (CI logs, pipes, files) it writes plain one-line updates.
``rich`` is imported only when a live display is drawn: the ``cli`` extra provides it.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from typing import IO, Any

from .._visible import visible, visible_lines
from ..exceptions import MissingExtraError
from ..observer import Observer
from ._util import view
from .results import ERROR_PHASES

__all__ = ["ProgressObserver"]

_TERMINAL_EXPERIMENT = {
    "experiment.completed": "completed",
    "experiment.failed": "failed",
    "experiment.execution_failed": "failed",
    "experiment.finished_early": "finished early",
}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class ProgressObserver(Observer):
    """Show experiment progress: tests done/failed/total, current test and step, elapsed time.

    Args:
        stream: where to write (default ``sys.stderr``, so progress never mixes with output a
            program prints on stdout).
        live: draw a rich live display (True), write plain lines (False), or decide by
            whether ``stream`` is a terminal (None).
        total: the number of tests, when known before the experiment announces it.

    Test names, step names and failure messages come from events (a service's output, a NATS
    producer): they are shown with their control characters escaped and never read as ``rich``
    markup; a multi-line message keeps its lines.

    The counters keep the observer guide's names: ``total_tests``, ``completed_tests``,
    ``failed_tests``. ``close()`` (called by ``EventManager.close``) stops the live display.

    Raises:
        MissingExtraError: ``live=True`` without ``rich`` installed.
    """

    def __init__(
        self, *, stream: IO[str] | None = None, live: bool | None = None, total: int | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        has_rich = importlib.util.find_spec("rich") is not None
        if live is None:
            isatty = getattr(self.stream, "isatty", None)
            live = bool(isatty and isatty()) and has_rich
        elif live and not has_rich:
            raise MissingExtraError("ProgressObserver(live=True)", "rich", "cli")
        self.live = live
        self.total_tests = total or 0
        self._total_fixed = total is not None
        self.completed_tests = 0
        self.failed_tests = 0
        self.current_test: str | None = None
        self.current_step: str | None = None
        self.experiment_id: str | None = None
        self.status = "running"
        self._names: dict[str, str] = {}
        self._seen_tests: set[str] = set()
        self._started: float | None = None
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None

    @property
    def elapsed(self) -> float:
        """Seconds since the first event (0 before it)."""
        return 0.0 if self._started is None else time.monotonic() - self._started

    # -- receiving ------------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """Update the counters with one event and redraw (or print a line when notable)."""
        ev = view(event)
        kind = ev.type
        line: str | None = None
        with self._lock:
            if self._started is None:
                self._started = time.monotonic()
            if kind in ("experiment.execution_started", "experiment.test_cases_initialized"):
                self.experiment_id = ev.entity_id
                count = ev.get("test_count")
                if count is None and isinstance(ev.get("test_cases"), list):
                    count = len(ev.get("test_cases"))
                if count is not None and not self._total_fixed:
                    self.total_tests = max(int(count), self.total_tests)
                    self._total_fixed = True
                if kind == "experiment.execution_started":
                    self.status = "running"
                    line = f"Starting experiment {ev.entity_id} with {_tests(self.total_tests)}"
            elif kind.startswith("test."):
                line = self._on_test(kind, ev.entity_id, ev.data)
            elif kind == "step.execution_started":
                self.current_step = str(ev.get("step_name", ev.entity_id))
            elif kind in _TERMINAL_EXPERIMENT:
                if self.status != "running":
                    return  # an interrupted run records finished_early, then failed: one line
                self.status = _TERMINAL_EXPERIMENT[kind]
                self.current_test = self.current_step = None
                line = (
                    f"Experiment {ev.entity_id} {self.status}: {_tests(self.completed_tests)}, "
                    f"{self.failed_tests} failed in {_clock(self.elapsed)}"
                )
            else:
                return
            finished = kind in _TERMINAL_EXPERIMENT
        if self.live:
            self._draw(final_line=line if finished else None)
            if finished:
                self.close()
        elif line is not None:
            self._write(line)

    on_experiment_started = on_event
    on_test_case_started = on_event
    on_test_case_finished = on_event
    on_experiment_finished = on_event

    def _on_test(self, kind: str, test_id: str, data: dict[str, Any]) -> str | None:
        name = data.get("test_name")
        if name:
            self._names[test_id] = str(name)
        # One line whatever the name holds: a line break in it must not forge a verdict line.
        label = visible(self._names.get(test_id, test_id))
        if test_id not in self._seen_tests:
            self._seen_tests.add(test_id)
            # Without an announced total, the total is the tests seen so far.
            if not self._total_fixed:
                self.total_tests = max(self.total_tests, len(self._seen_tests))
        if kind in ("test.setup_started", "test.execution_started"):
            self.current_test = label
            if kind == "test.setup_started":
                self.current_step = None
        elif kind == "test.step_started":
            self.current_test = label
            self.current_step = str(data.get("step_name") or "")
        elif kind in ("test.completed", "test.failed"):
            self.completed_tests += 1
            failed = kind == "test.failed"
            self.failed_tests += failed
            if self.current_test == label:
                self.current_test = self.current_step = None
            # A reason quoting a service's output: its first line on the verdict line, the
            # output's lines below it, indented, so the counts stay on the verdict line.
            reason, *more = str(data.get("error_message") or "").rstrip("\n").split("\n")
            # As show and JUnit say: a test that never got to its checks is an error.
            verdict = "PASS" if not failed else "FAIL"
            if failed and data.get("phase") in ERROR_PHASES:
                verdict = "ERROR"
            return (
                f"[{self.completed_tests}/{max(self.total_tests, self.completed_tests)}] "
                f"{verdict} {label}"
                + (f" ({reason})" if failed and reason else "")
                + f" | {self.failed_tests} failed | elapsed {_clock(self.elapsed)}"
                + "".join(f"\n      {line}" for line in more if failed and line.strip())
            )
        return None

    # -- drawing --------------------------------------------------------------------------

    def _write(self, line: str) -> None:
        try:
            self.stream.write(visible_lines(line) + "\n")
            self.stream.flush()
        except ValueError:  # the stream was closed under us: progress is best effort
            pass

    def describe(self) -> str:
        """Return the one-line status: current test and step, failures (controls escaped)."""
        with self._lock:
            parts = []
            if self.current_test:
                parts.append(self.current_test)
            if self.current_step:
                parts.append(f"step {self.current_step}")
            if self.failed_tests:
                parts.append(f"{self.failed_tests} failed")
            return visible(" · ".join(parts) or self.status)

    def _draw(self, final_line: str | None = None) -> None:
        # rich is an optional extra: imported only when a live display is drawn.
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        with self._lock:
            if self._progress is None:
                console = Console(file=self.stream, force_terminal=True)
                self._progress = Progress(
                    SpinnerColumn(),
                    TextColumn("[bold]tests"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    # Event text, not markup: a name like ``[/]`` must not break the display.
                    TextColumn("{task.description}", markup=False),
                    console=console,
                    transient=False,
                    # Never hijack the process's stdout/stderr: the observer only draws.
                    redirect_stdout=False,
                    redirect_stderr=False,
                )
                self._progress.start()
                self._task = self._progress.add_task("", total=self.total_tests or None)
            progress, task = self._progress, self._task
            total = max(self.total_tests, self.completed_tests) or None
            completed = self.completed_tests
        progress.update(task, total=total, completed=completed, description=self.describe())
        if final_line is not None:
            progress.console.print(visible_lines(final_line), highlight=False, markup=False)

    def close(self) -> None:
        """Stop the live display (its refresh thread); harmless when none was started."""
        with self._lock:
            progress, self._progress = self._progress, None
        if progress is not None:
            # rich's stop() signals its refresh thread without waiting for it; join it so a
            # closed observer leaves no thread behind (the attribute is private: best effort).
            thread = getattr(getattr(progress, "live", None), "_refresh_thread", None)
            progress.stop()
            if isinstance(thread, threading.Thread):
                thread.join(timeout=5)


def _tests(count: int) -> str:
    """``1 test``, ``2 tests``."""
    return f"{count} test" if count == 1 else f"{count} tests"
