"""Run experiments in the test process: a manager, a recording observer, the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panther_events.manager import EventManager
from panther_events.runner import ExperimentOutcome, ExperimentRunner, PluginCatalog
from panther_events.runner.loading import parse_experiment


@dataclass
class InProcessRun:
    """The result of an in-process run and every event it published, in order."""

    result: ExperimentOutcome
    events: list[Any]
    refused: list[str]

    def of_type(self, event_type: str) -> list[Any]:
        """The events of one type."""
        return [e for e in self.events if e.get_type() == event_type]


def run_text(
    text: str,
    tmp_path: Path,
    catalog: PluginCatalog | None = None,
    hook: Callable[[ExperimentRunner, Any], None] | None = None,
) -> InProcessRun:
    """Validate ``text`` as ``tmp_path/experiment.yaml`` and run it in this process.

    ``hook(runner, event)`` is called for every event as it is published (to interrupt).
    """
    path = tmp_path / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    experiment = parse_experiment(text, path, catalog)
    events: list[Any] = []
    with EventManager() as manager:
        manager.register_observer("*", events.append)
        runner = ExperimentRunner(experiment, manager=manager, catalog=catalog)
        if hook is not None:
            manager.register_observer("*", lambda event: hook(runner, event))
        result = runner.run()
    return InProcessRun(result, events, runner.refused)
