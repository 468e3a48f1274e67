"""What one test's run needs from the experiment's run: emitting, plugins, the stop signal."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..emitters import EmitterRegistry
from ..events.base import BaseEvent
from ..events.plugin import PluginErrorEvent
from .loading import ExperimentFile
from .plugins import Assertion, PluginKind, Step

__all__ = ["RunContext"]


@dataclass
class RunContext:
    """The experiment run as its tests see it; the engine builds one and shares it.

    Attributes:
        experiment: the validated file (its spec and plugin parameters).
        experiment_id: the run's id, the experiment entity's id.
        registry: the ``EmitterRegistry`` whose state machines follow the run.
        keep_workdirs: keep each test's working directory after the run.
        plugins: the loaded step and assertion classes by (group, kind).
        stop: set when the run is interrupted; waits (readiness, steps) watch it.
        hurry: set when it is interrupted again: teardown then kills what is still stopping
            instead of waiting out its ``stop_grace``.
        interrupt_reason: why, once :meth:`interrupt` was called (the first reason wins).
        refused: why each refused emit was refused (empty on a correct run).
    """

    experiment: ExperimentFile
    experiment_id: str
    registry: EmitterRegistry
    keep_workdirs: bool = False
    plugins: dict[tuple[PluginKind, str], type[Step] | type[Assertion]] = field(
        default_factory=dict
    )
    stop: threading.Event = field(default_factory=threading.Event)
    hurry: threading.Event = field(default_factory=threading.Event)
    interrupt_reason: str | None = None
    refused: list[str] = field(default_factory=list)

    def emit(self, event: BaseEvent) -> bool:
        """Emit through the registry; a refusal (a bug in the engine) is kept in ``refused``."""
        if self.registry.emit_with_validation(event):
            return True
        self.refused.append(self.registry.last_refusal or event.get_type())
        return False

    def interrupt(self, reason: str) -> None:
        """Ask the run to stop; a second call asks it to hurry. Safe from a signal handler or
        another thread."""
        if self.stop.is_set():
            self.hurry.set()
        if self.interrupt_reason is None:
            self.interrupt_reason = reason
        self.stop.set()

    @property
    def interrupted(self) -> bool:
        """Whether :meth:`interrupt` was called."""
        return self.stop.is_set()

    def plugin_id(self, group: PluginKind, kind: str) -> str:
        """The entity id of the plugin of ``kind`` in this run."""
        return f"{self.experiment_id}/{group}/{kind}"

    def plugin_error(self, group: PluginKind, kind: str, message: str) -> None:
        """Report a plugin's recoverable error (``plugin.error``)."""
        self.emit(
            PluginErrorEvent(
                self.plugin_id(group, kind),
                plugin_name=kind,
                plugin_type=f"{group}_plugin",
                error_message=message,
                error_type="PluginError",
                recoverable=True,
            )
        )
