"""The built-in assertion kinds, registered as ``panther_events.assertions`` entry points.

``exit_code``, ``output_contains``, ``output_matches``, ``service_running``,
``duration_under`` and ``metric_within``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .._exit_status import describe_exit_status
from .plugins import Assertion, AssertionContext, AssertionOutcome, StrictParams

__all__ = [
    "DurationUnderAssertion",
    "ExitCodeAssertion",
    "MetricWithinAssertion",
    "OutputContainsAssertion",
    "OutputMatchesAssertion",
    "ServiceRunningAssertion",
]


class ExitCodeParams(StrictParams):
    """``exit_code``: the command step ``step`` exited with ``equals`` (default 0)."""

    step: str
    equals: int = 0


class ExitCodeAssertion(Assertion):
    """A command step's exit status."""

    Params = ExitCodeParams

    def __init__(self, params: ExitCodeParams) -> None:
        super().__init__(params)
        self.params: ExitCodeParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Compare the step's exit status with ``equals``."""
        record = context.step(self.params.step)
        actual = record.result.exit_code if record.result is not None else None
        if record.result is not None and actual is None:
            return AssertionOutcome(
                False,
                f"step {record.name!r} ({record.kind}) has no exit status; exit_code judges "
                "steps that run a program",
                self.params.equals,
                None,
            )
        passed = actual == self.params.equals
        return AssertionOutcome(
            passed,
            f"step {record.name!r} exited with {describe_exit_status(actual)}"
            + ("" if passed else f", expected {describe_exit_status(self.params.equals)}")
            + (f" ({record.error})" if record.error and not passed else ""),
            self.params.equals,
            actual,
        )


class _OutputParams(StrictParams):
    """Whose output: a step's (its stdout, reply or body) or a service's captured output."""

    step: str | None = None
    service: str | None = None
    stream: Literal["output", "stderr"] = "output"

    @model_validator(mode="after")
    def _source(self) -> _OutputParams:
        if (self.step is None) == (self.service is None):
            raise ValueError("expected exactly one of 'step' or 'service'")
        return self

    def source_text(self, context: AssertionContext) -> tuple[str, str]:
        """Return (what, text): a label for messages and the text to examine."""
        if self.service is not None:
            return f"service {self.service!r} output", context.service(self.service).read_output()
        assert self.step is not None  # guaranteed by the validator
        record = context.step(self.step)
        if record.result is None:
            return f"step {self.step!r}", ""
        text = record.result.stderr if self.stream == "stderr" else record.result.output
        return f"step {self.step!r} {self.stream}", text


class OutputContainsParams(_OutputParams):
    """``output_contains``: the output contains ``text``."""

    text: str


class OutputContainsAssertion(Assertion):
    """Substring check on a step's or a service's output."""

    Params = OutputContainsParams

    def __init__(self, params: OutputContainsParams) -> None:
        super().__init__(params)
        self.params: OutputContainsParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Look for ``text``."""
        what, text = self.params.source_text(context)
        wanted = self.params.text
        passed = wanted in text
        return AssertionOutcome(
            passed,
            f"{what} {'contains' if passed else 'does not contain'} {wanted!r}",
            wanted,
            text[-500:],
        )


class OutputMatchesParams(_OutputParams):
    """``output_matches``: a line (or the whole output) matches the regular expression."""

    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"expected a regular expression; {value!r}: {exc}") from exc
        return value


class OutputMatchesAssertion(Assertion):
    """Regular-expression search (multiline) on a step's or a service's output."""

    Params = OutputMatchesParams

    def __init__(self, params: OutputMatchesParams) -> None:
        super().__init__(params)
        self.params: OutputMatchesParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Search for ``pattern``."""
        what, text = self.params.source_text(context)
        match = re.search(self.params.pattern, text, re.MULTILINE)
        return AssertionOutcome(
            match is not None,
            f"{what} {'matches' if match else 'does not match'} /{self.params.pattern}/",
            self.params.pattern,
            match.group(0) if match else text[-500:],
        )


class ServiceRunningParams(StrictParams):
    """``service_running``: the service is still alive after the steps."""

    service: str


class ServiceRunningAssertion(Assertion):
    """The service's process is alive."""

    Params = ServiceRunningParams

    def __init__(self, params: ServiceRunningParams) -> None:
        super().__init__(params)
        self.params: ServiceRunningParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Ask the process table."""
        running = context.service(self.params.service).is_running()
        return AssertionOutcome(
            running,
            f"service {self.params.service!r} is {'running' if running else 'not running'}",
            True,
            running,
        )


class DurationUnderParams(StrictParams):
    """``duration_under``: a step (or, without ``step``, all the steps) took < ``seconds``."""

    seconds: float = Field(gt=0)
    step: str | None = None


class DurationUnderAssertion(Assertion):
    """Upper bound on a duration."""

    Params = DurationUnderParams

    def __init__(self, params: DurationUnderParams) -> None:
        super().__init__(params)
        self.params: DurationUnderParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Compare the measured duration with the bound."""
        if self.params.step is not None:
            what, duration = f"step {self.params.step!r}", context.step(self.params.step).duration
        else:
            what, duration = "the steps", context.steps_duration
        passed = duration < self.params.seconds
        return AssertionOutcome(
            passed,
            f"{what} took {duration:.3f}s, {'under' if passed else 'not under'} "
            f"{self.params.seconds}s",
            self.params.seconds,
            duration,
        )


class MetricWithinParams(StrictParams):
    """``metric_within``: a measured metric lies in [``min``, ``max``] (either may be left out).

    Metric names: ``step.NAME.duration_seconds``, ``service.NAME.cpu_seconds``,
    ``service.NAME.peak_memory_bytes``, ``test.steps_duration_seconds``.
    """

    metric: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> MetricWithinParams:
        if self.min is None and self.max is None:
            raise ValueError("expected 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"expected min <= max, got min={self.min} > max={self.max}")
        return self


class MetricWithinAssertion(Assertion):
    """Bounds on one of the metrics the runner measured."""

    Params = MetricWithinParams

    def __init__(self, params: MetricWithinParams) -> None:
        super().__init__(params)
        self.params: MetricWithinParams = params

    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Look the metric up and compare."""
        name = self.params.metric
        if name not in context.metrics:
            step = name.removeprefix("step.").removesuffix(".duration_seconds")
            if name == f"step.{step}.duration_seconds":
                context.step(step)  # a step that did not run has no duration: says so
            raise KeyError(f"no metric {name!r}; measured: {sorted(context.metrics)}")
        value = context.metrics[name]
        low, high = self.params.min, self.params.max
        passed = (low is None or value >= low) and (high is None or value <= high)
        return AssertionOutcome(
            passed,
            f"{name} = {value:g}, {'within' if passed else 'outside'} "
            f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]",
            {"min": low, "max": high},
            value,
        )
