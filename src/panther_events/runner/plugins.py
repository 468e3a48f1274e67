"""Step and assertion plugins: their base classes, what they see, and discovery by entry point.

A step or assertion kind is a class registered under an entry point, the built-ins exactly as a
third-party package registers its own::

    [project.entry-points."panther_events.steps"]
    command = "panther_events.runner.steps:CommandStep"

    [project.entry-points."panther_events.assertions"]
    exit_code = "panther_events.runner.assertions:ExitCodeAssertion"

Each class names a pydantic model of its parameters in ``Params``; the experiment file's keys
beside ``kind``/``name`` (and ``timeout`` for steps) are validated against it before anything
runs.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ASSERTION_GROUP",
    "STEP_GROUP",
    "Assertion",
    "AssertionContext",
    "AssertionOutcome",
    "PluginCatalog",
    "PluginKind",
    "PluginLoadError",
    "ServiceView",
    "Step",
    "StepContext",
    "StepFailed",
    "StepOutput",
    "StepRecord",
    "StrictParams",
]

#: Entry-point group of step plugins.
STEP_GROUP = "panther_events.steps"
#: Entry-point group of assertion plugins.
ASSERTION_GROUP = "panther_events.assertions"

PluginKind = Literal["step", "assertion"]
_GROUPS: dict[PluginKind, str] = {"step": STEP_GROUP, "assertion": ASSERTION_GROUP}


class StrictParams(BaseModel):
    """Base for plugin parameter models: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PluginLoadError(ImportError):
    """A plugin's entry point could not be imported or does not name a plugin class."""


class StepFailed(Exception):
    """Raised by a step to fail with a message (an expected reply did not come, ...)."""


@dataclass
class StepOutput:
    """What a step produced.

    Attributes:
        output: the main text: a command's stdout, a reply received, a response body.
        stderr: a command's stderr.
        exit_code: a command's exit status.
        details: anything else worth recording (status code, bytes sent...); JSON-able.
    """

    output: str = ""
    stderr: str = ""
    exit_code: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepRecord:
    """A step as the assertions see it: its result, or why it failed, and how long it took."""

    name: str
    kind: str
    duration: float
    result: StepOutput | None
    error: str | None = None


@dataclass(frozen=True)
class ServiceView:
    """A service as the steps and assertions see it.

    Attributes:
        name: the service's name in the experiment file.
        port: its port, if it has one.
        is_running: returns whether its process is still alive.
        read_output: returns everything it has written to stdout and stderr so far.
    """

    name: str
    port: int | None
    is_running: Callable[[], bool]
    read_output: Callable[[], str]


@dataclass
class StepContext:
    """What a running step may use.

    Attributes:
        test_name: the test the step belongs to.
        workdir: the test's working directory (commands run there).
        env: the environment variables for commands.
        services: the test's services by name.
        wrap_command: turns an argv into the one to execute (a network namespace prefixes it).
        create_connection: ``socket.create_connection`` in the test's network.
        create_socket: ``socket.socket(family, type)`` in the test's network.
        cancelled: set when the step ran out of time; long loops should watch it.
    """

    test_name: str
    workdir: Path
    env: Mapping[str, str]
    services: Mapping[str, ServiceView]
    wrap_command: Callable[[list[str]], list[str]]
    create_connection: Callable[..., Any]
    create_socket: Callable[..., Any]
    cancelled: threading.Event = field(default_factory=threading.Event)

    def service(self, name: str) -> ServiceView:
        """Return the service called ``name``; raise StepFailed naming the known ones."""
        try:
            return self.services[name]
        except KeyError:
            raise StepFailed(
                f"no service {name!r} in test {self.test_name!r}; it has {sorted(self.services)}"
            ) from None


@dataclass
class AssertionContext:
    """What an assertion may inspect once the steps are done.

    Attributes:
        test_name: the test being checked.
        steps: every step that ran, by name.
        services: the test's services by name.
        metrics: metrics measured so far by name (``step.NAME.duration_seconds``,
            ``service.NAME.cpu_seconds``, ``service.NAME.peak_memory_bytes``,
            ``test.steps_duration_seconds``).
        steps_duration: seconds the steps took together.
        not_run: the test's steps that did not run (skipped after a failure or an interrupt).
    """

    test_name: str
    steps: Mapping[str, StepRecord]
    services: Mapping[str, ServiceView]
    metrics: Mapping[str, float]
    steps_duration: float
    not_run: Sequence[str] = ()

    def step(self, name: str) -> StepRecord:
        """Return the step called ``name``; raise KeyError saying it did not run, or naming
        the known ones."""
        try:
            return self.steps[name]
        except KeyError:
            if name in self.not_run:
                message = (
                    f"step {name!r} did not run (it was skipped), so it has nothing to check; "
                    f"the steps that ran: {sorted(self.steps)}"
                )
            else:
                message = (
                    f"no step {name!r} in test {self.test_name!r}; it has {sorted(self.steps)}"
                )
            raise KeyError(message) from None

    def service(self, name: str) -> ServiceView:
        """Return the service called ``name``; raise KeyError naming the known ones."""
        try:
            return self.services[name]
        except KeyError:
            raise KeyError(
                f"no service {name!r} in test {self.test_name!r}; it has {sorted(self.services)}"
            ) from None


@dataclass(frozen=True)
class AssertionOutcome:
    """The verdict of one assertion."""

    passed: bool
    message: str
    expected: Any = None
    actual: Any = None


class Step(ABC):
    """Base class of step plugins.

    Subclasses set ``Params`` and implement ``run``. ``run`` is called on a worker thread; when
    the step's timeout passes, the engine sets ``context.cancelled`` and calls ``cancel`` from
    another thread, then reports the step failed whether or not ``run`` returns.
    """

    Params: ClassVar[type[BaseModel]] = StrictParams

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    @abstractmethod
    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Perform the step; raise StepFailed (or any exception) to fail it."""

    def cancel(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Abort a ``run`` that outlived its timeout (kill a process, close a socket)."""


class Assertion(ABC):
    """Base class of assertion plugins: set ``Params`` and implement ``check``."""

    Params: ClassVar[type[BaseModel]] = StrictParams

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    @abstractmethod
    def check(self, context: AssertionContext) -> AssertionOutcome:
        """Return the verdict; an exception is reported as an assertion error."""


@dataclass(frozen=True)
class _Registered:
    kind: str
    group: PluginKind
    target: str
    distribution: str | None
    version: str | None
    entry_point: EntryPoint | None
    cls: type[Step] | type[Assertion] | None


class PluginCatalog:
    """The step and assertion kinds available, found through entry points.

    Discovery reads metadata only; a plugin's module is imported by :meth:`load`.
    """

    def __init__(self) -> None:
        self._plugins: dict[tuple[PluginKind, str], _Registered] = {}
        self._loaded: dict[tuple[PluginKind, str], type[Step] | type[Assertion]] = {}

    @classmethod
    def discover(cls) -> PluginCatalog:
        """Return a catalog of every plugin installed under the two entry-point groups."""
        catalog = cls()
        for group, name in _GROUPS.items():
            for ep in entry_points(group=name):
                dist = ep.dist
                catalog._plugins[group, ep.name] = _Registered(
                    ep.name,
                    group,
                    ep.value,
                    dist.name if dist is not None else None,
                    dist.version if dist is not None else None,
                    ep,
                    None,
                )
        return catalog

    def register(self, group: PluginKind, kind: str, cls: type[Step] | type[Assertion]) -> None:
        """Add a plugin class directly, without an entry point (for tests and embedding)."""
        target = f"{cls.__module__}:{cls.__qualname__}"
        self._plugins[group, kind] = _Registered(kind, group, target, None, None, None, cls)

    def kinds(self, group: PluginKind) -> list[str]:
        """Return the sorted kinds of one group."""
        return sorted(k for g, k in self._plugins if g == group)

    def target(self, group: PluginKind, kind: str) -> str:
        """Return where the plugin lives (``module:Class``)."""
        return self._info(group, kind).target

    def version(self, group: PluginKind, kind: str) -> str | None:
        """Return the version of the distribution that registered the plugin, if known."""
        return self._info(group, kind).version

    def load(self, group: PluginKind, kind: str) -> type[Step] | type[Assertion]:
        """Import and return the plugin class for ``kind``.

        Raises:
            KeyError: no plugin of that kind; the message lists the known kinds.
            PluginLoadError: the entry point fails to import or names no plugin class.
        """
        key = (group, kind)
        if key in self._loaded:
            return self._loaded[key]
        info = self._info(group, kind)
        if info.cls is not None:
            loaded: object = info.cls
        else:
            assert info.entry_point is not None  # discovered entries always have one
            try:
                loaded = info.entry_point.load()
            except Exception as exc:
                raise PluginLoadError(
                    f"{group} plugin {kind!r} ({info.target}) failed to import: {exc}"
                ) from exc
        base: type[Step] | type[Assertion] = Step if group == "step" else Assertion
        if not (isinstance(loaded, type) and issubclass(loaded, base)):
            raise PluginLoadError(
                f"{group} plugin {kind!r} ({info.target}) is {loaded!r}; expected a subclass "
                f"of {base.__module__}.{base.__qualname__}"
            )
        self._loaded[key] = loaded
        return loaded

    def _info(self, group: PluginKind, kind: str) -> _Registered:
        try:
            return self._plugins[group, kind]
        except KeyError:
            raise KeyError(
                f"unknown {group} kind {kind!r}; expected one of {self.kinds(group)} "
                f"(third-party kinds register under the {_GROUPS[group]!r} entry-point group)"
            ) from None
