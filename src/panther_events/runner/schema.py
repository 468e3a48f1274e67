"""The experiment file's schema: pydantic models of experiments, tests, services, steps, checks.

Step and assertion parameters are not described here: each kind is a plugin whose own
``Params`` model validates them (see :mod:`panther_events.runner.plugins`); these models keep
them as the extra keys of :class:`StepSpec` and :class:`AssertionSpec`.
"""

from __future__ import annotations

import re
import shlex
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "DEFER_UNIQUE_NAMES",
    "NAME_PATTERN",
    "Argv",
    "AssertionSpec",
    "EnvVars",
    "EnvironmentSpec",
    "ExperimentSpec",
    "HealthCheckSpec",
    "ReadinessSpec",
    "ServiceSpec",
    "StepSpec",
    "TestSpec",
    "argv_of",
    "check_argv",
]

#: Validation context key: leave the check of duplicate names (of tests, and within a test) to
#: the caller (the loader reports each at its line, with every other problem of the file).
DEFER_UNIQUE_NAMES = "defer_unique_names"

#: Names become parts of entity ids, file names and ``${...}`` variables.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# ... and so are bounded: a file name has at most 255 bytes, ids are printed in tables.
_NAME_MAX = 100


def check_argv(argv: list[str]) -> list[str]:
    """Return ``argv`` if a process can be started with it: no argument holds a NUL byte."""
    for arg in argv:
        if "\0" in arg:
            raise ValueError(f"expected arguments without a NUL character (\\0), got {arg!r}")
    return argv


def _stringify_env(value: Any) -> Any:
    # YAML reads `PORT: 8080` as an int and `DEBUG: yes` as a bool; environment values are text.
    if isinstance(value, dict):
        return {
            k: (str(v).lower() if isinstance(v, bool) else str(v)) if v is not None else ""
            for k, v in value.items()
        }
    return value


def _check_env(env: dict[str, str]) -> dict[str, str]:
    for name, value in env.items():
        if not name or "=" in name or "\0" in name:
            raise ValueError(
                f"expected an environment variable name, not empty and without '=' or a NUL "
                f"character, got {name!r}"
            )
        if "\0" in value:
            raise ValueError(f"expected the value of {name!r} without a NUL character (\\0)")
    return env


def _check_port(value: Any) -> Any:
    # Before the type's own validation: in `int | bool` a 0 would otherwise become False.
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 65535:
        raise ValueError("expected a port from 1 to 65535")
    return value


def _check_own_port(value: Any) -> Any:
    # A service's own port is a number or auto: `true` would otherwise be read as port 1.
    if isinstance(value, bool):
        raise ValueError("expected a port from 1 to 65535, or auto")
    return _check_port(value)


#: A program and its arguments, as a process is started with them.
Argv = Annotated[list[str], Field(min_length=1), AfterValidator(check_argv)]
#: Environment variables: values read as text, names and values a process can receive.
EnvVars = Annotated[dict[str, str], BeforeValidator(_stringify_env), AfterValidator(_check_env)]
# A TCP or UDP port, where a number is written.
_PortCheck = BeforeValidator(_check_port)


class _Strict(BaseModel):
    """Base of the fixed-shape sections: a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadinessSpec(_Strict):
    """When a started service counts as ready: exactly one of ``tcp``, ``log`` or ``delay``.

    Attributes:
        tcp: a port that must accept connections on 127.0.0.1; ``true`` means the service's
            own ``port``.
        log: a regular expression a line of the service's stdout or stderr must match.
        delay: seconds to wait, for services that give no better signal.
        timeout: seconds to wait for ``tcp`` or ``log`` before the deployment fails.
    """

    tcp: Annotated[int | bool | None, _PortCheck] = None
    log: str | None = None
    delay: float | None = Field(default=None, ge=0)
    timeout: float = Field(default=10.0, gt=0)

    @field_validator("log")
    @classmethod
    def _log_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"expected a regular expression; {value!r}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ReadinessSpec:
        # Identity, not equality: `delay: 0` is given, although 0 == False.
        given = [
            k
            for k in ("tcp", "log", "delay")
            if getattr(self, k) is not None and getattr(self, k) is not False
        ]
        if len(given) != 1:
            raise ValueError(
                f"expected exactly one of 'tcp', 'log' or 'delay', got {given or 'none'}"
            )
        return self


class HealthCheckSpec(_Strict):
    """Checks made while the test runs: the process is alive and, with ``tcp``, accepts.

    Attributes:
        interval: seconds between checks.
        tcp: also connect to this port (``true``: the service's ``port``).
        enabled: ``false`` turns health checks off for this service.
    """

    interval: float = Field(default=1.0, gt=0)
    tcp: Annotated[int | bool, _PortCheck] = False
    enabled: bool = True


class ServiceSpec(_Strict):
    """A process the test needs running while its steps execute.

    Attributes:
        name: unique within the test; used in ids, log file names and ``${service.NAME.port}``.
        command: argv list, or a string split like a shell would (no shell runs it).
        port: a fixed port, ``auto`` for a free one picked at setup, or none.
        env: extra environment variables for this service.
        ready: the readiness check; without one the service is ready once started.
        health: health checks while the test runs.
        stop_grace: seconds between SIGTERM and SIGKILL at teardown.
        depends_on: services of the same test that must be started and ready before this one.
    """

    name: str = Field(pattern=NAME_PATTERN, max_length=_NAME_MAX)
    command: Argv
    port: Annotated[int | Literal["auto"] | None, BeforeValidator(_check_own_port)] = None
    env: EnvVars = Field(default_factory=dict)
    ready: ReadinessSpec | None = None
    health: HealthCheckSpec = Field(default_factory=HealthCheckSpec)
    stop_grace: float = Field(default=3.0, ge=0)
    depends_on: list[str] = Field(default_factory=list)

    @field_validator("command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        return argv_of(value)


class EnvironmentSpec(_Strict):
    """Where a test's services and commands run.

    Attributes:
        type: ``local`` (a fresh temporary working directory) or ``netns`` (that, plus a
            network namespace of its own; needs root on Linux).
        env: environment variables for every service and command of the test.
        inherit_env: start from the runner's own environment (``false``: only ``PATH``).
    """

    type: Literal["local", "netns"] = "local"
    env: EnvVars = Field(default_factory=dict)
    inherit_env: bool = True


class _Plugged(BaseModel):
    """Base of steps and assertions: fixed keys plus the plugin's own parameters as extras."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str = Field(min_length=1)
    name: str | None = Field(default=None, pattern=NAME_PATTERN, max_length=_NAME_MAX)

    @property
    def params(self) -> dict[str, Any]:
        """The keys that belong to the plugin (everything but the fixed ones)."""
        return dict(self.model_extra or {})


class StepSpec(_Plugged):
    """One action of a test; ``kind`` names a step plugin, the other keys are its parameters.

    Attributes:
        kind: the step plugin (``command``, ``wait``, ``tcp_send``, ``udp_send``, ``http_get``
            or a third-party one).
        name: unique within the test; defaults to ``<kind>-<position>``.
        timeout: seconds the step may take before it is stopped and failed.
    """

    timeout: float = Field(default=30.0, gt=0)


class AssertionSpec(_Plugged):
    """One check after the steps; ``kind`` names an assertion plugin.

    Attributes:
        kind: the assertion plugin (``exit_code``, ``output_contains``, ``output_matches``,
            ``service_running``, ``duration_under``, ``metric_within`` or a third-party one).
        name: unique within the test; defaults to ``<kind>-<position>``.
    """


class TestSpec(_Strict):
    """One test: an environment, the services it needs, its steps and its assertions."""

    __test__ = False  # not a pytest class, despite the name

    name: str = Field(pattern=NAME_PATTERN, max_length=_NAME_MAX)
    description: str | None = None
    environment: EnvironmentSpec = Field(default_factory=EnvironmentSpec)
    services: list[ServiceSpec] = Field(default_factory=list)
    steps: list[StepSpec] = Field(default_factory=list)
    assertions: list[AssertionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self, info: ValidationInfo) -> TestSpec:
        if not (info.context or {}).get(DEFER_UNIQUE_NAMES):
            _check_unique(*self.named_groups())
        return self

    def named_groups(self) -> list[tuple[str, list[str]]]:
        """The test's services, steps and assertions as (kind, names); names are unique in each."""
        return [
            ("service", [s.name for s in self.services]),
            ("step", self.step_names()),
            ("assertion", self.assertion_names()),
        ]

    def step_names(self) -> list[str]:
        """The steps' names, defaults filled in, in order."""
        return [s.name or f"{s.kind}-{i + 1}" for i, s in enumerate(self.steps)]

    def assertion_names(self) -> list[str]:
        """The assertions' names, defaults filled in, in order."""
        return [a.name or f"{a.kind}-{i + 1}" for i, a in enumerate(self.assertions)]

    def start_order(self) -> list[ServiceSpec]:
        """The services in the order they start: each after its ``depends_on``, else file order.

        Services start one at a time, each once the one before is ready, so every service
        before another in this order is ready when that one starts; teardown is the reverse.

        Raises:
            ValueError: ``depends_on`` names an unknown service or forms a cycle (the loader
                reports both at their lines first).
        """
        by_name = {s.name: s for s in self.services}
        order: list[ServiceSpec] = []
        placed: set[str] = set()
        path: list[str] = []

        def place(service: ServiceSpec) -> None:
            if service.name in placed:
                return
            if service.name in path:
                cycle = [*path[path.index(service.name) :], service.name]
                raise ValueError(f"depends_on forms a cycle: {' -> '.join(cycle)}")
            path.append(service.name)
            for name in service.depends_on:
                if name not in by_name:
                    raise ValueError(
                        f"depends_on names no service {name!r} of test {self.name!r}; "
                        f"expected one of {sorted(by_name)}"
                    )
                place(by_name[name])
            path.pop()
            placed.add(service.name)
            order.append(service)

        for service in self.services:
            place(service)
        return order

    def metric_names(self) -> list[str]:
        """Every metric the runner can record for this test (what ``metric_within`` may name)."""
        names = [f"step.{name}.duration_seconds" for name in self.step_names()]
        for service in self.services:
            names += [
                f"service.{service.name}.{metric}"
                for metric in ("startup_seconds", "cpu_seconds", "peak_memory_bytes")
            ]
        return [*names, "test.steps_duration_seconds"]


class ExperimentSpec(_Strict):
    """The whole experiment file."""

    name: str = Field(pattern=NAME_PATTERN, max_length=_NAME_MAX)
    description: str | None = None
    tests: list[TestSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tests(self, info: ValidationInfo) -> ExperimentSpec:
        if not (info.context or {}).get(DEFER_UNIQUE_NAMES):
            _check_unique(("test", [t.name for t in self.tests]))
        return self


def argv_of(value: Any) -> Any:
    """A command as an argv: a string split like a shell would, numbers in a list as text.

    YAML reads ``[server, --port, 8080]`` with an int; an argv holds strings. Anything else is
    returned unchanged for validation to reject.

    Raises:
        ValueError: the string has an unclosed quote.
    """
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:  # an unclosed quote
            raise ValueError(f"expected a command line with balanced quotes ({exc})") from None
    if isinstance(value, list):
        return [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        ]
    return value


def _check_unique(*groups: tuple[str, list[str]]) -> None:
    """Raise one ValueError naming every repeated name of every group."""
    problems = []
    for what, names in groups:
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(f"expected unique {what} names; {name!r} appears twice")
            seen.add(name)
    if problems:
        raise ValueError("; ".join(problems))
