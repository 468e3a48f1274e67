"""Step and assertion kinds are plugins found through entry points; loading them emits events."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from panther_events.exceptions import ExperimentFileError
from panther_events.runner import (
    PluginCatalog,
    Step,
    StepContext,
    StepOutput,
    StrictParams,
    load_experiment,
)

from .helpers import alive_service_pids, check_lifecycles, types_of
from .inprocess import run_text

THIRD_PARTY = """
from panther_events.runner import Step, StepOutput, StrictParams

class ShoutParams(StrictParams):
    text: str

class ShoutStep(Step):
    Params = ShoutParams

    def run(self, context, timeout):
        return StepOutput(output=self.params.text.upper())
"""


def _install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """Make a distribution 'thirdparty-steps' 1.2.3 with one step entry point importable."""
    (tmp_path / "thirdparty_steps.py").write_text(THIRD_PARTY, encoding="utf-8")
    info = tmp_path / "thirdparty_steps-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: thirdparty-steps\nVersion: 1.2.3\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[panther_events.steps]\nshout = {target}\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


class TestEntryPoints:
    """Discovery through importlib.metadata entry points."""

    def test_builtins_are_registered_as_entry_points(self) -> None:
        """The built-in kinds come from pyproject's entry points, like any plugin's."""
        catalog = PluginCatalog.discover()
        assert catalog.kinds("step") == ["command", "http_get", "tcp_send", "udp_send", "wait"]
        assert catalog.kinds("assertion") == [
            "duration_under",
            "exit_code",
            "metric_within",
            "output_contains",
            "output_matches",
            "service_running",
        ]
        assert catalog.target("step", "wait") == "panther_events.runner.steps:WaitStep"

    def test_third_party_step_runs_and_emits_plugin_events(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An installed distribution's step kind validates, runs, and is loaded with events."""
        _install(tmp_path, monkeypatch, "thirdparty_steps:ShoutStep")
        run = run_text(
            "name: x\ntests:\n  - name: t\n    steps:\n      - {kind: shout, text: hi}\n"
            "    assertions:\n      - {kind: output_contains, step: shout-1, text: HI}\n",
            tmp_path,
        )
        assert run.result.passed, run.result.to_dict()
        assert run.refused == []
        completed = [e for e in run.of_type("plugin.loading_completed") if e.plugin_name == "shout"]
        assert [e.version for e in completed] == ["1.2.3"]
        finals = check_lifecycles(run.events)
        assert set(finals["plugin"].values()) == {"stopped"}
        types = types_of(run.events)
        # Plugins load inside the experiment's plugin-loading phase.
        assert (
            types.index("experiment.plugin_loading_started")
            < types.index("plugin.loading_started")
            < types.index("experiment.plugin_loading_completed")
        )

    def test_broken_entry_point_makes_the_file_invalid(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A kind whose module cannot be imported is a validation error at the kind's line."""
        _install(tmp_path, monkeypatch, "thirdparty_missing:Nope")
        path = tmp_path / "x.yaml"
        path.write_text("name: x\ntests:\n  - name: t\n    steps:\n      - kind: shout\n")
        with pytest.raises(ExperimentFileError) as info:
            load_experiment(path)
        ((line, key, message),) = info.value.problems
        assert (line, key) == (5, "tests[0].steps[0].kind")
        assert "failed to import" in message and "thirdparty_missing" in message


_release = threading.Event()


class _StuckParams(StrictParams):
    pass


class StuckStep(Step):
    """Ignores cancellation: blocks until the test releases it."""

    Params = _StuckParams

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        _release.wait(30)
        return StepOutput()


class TestUncooperativeStep:
    """A step plugin that ignores its timeout."""

    def test_engine_abandons_it_and_tears_down(self, tmp_path: Path) -> None:
        """The engine fails it after its timeout and still tears the test down."""
        catalog = PluginCatalog.discover()
        catalog.register("step", "stuck", StuckStep)
        try:
            run = run_text(
                "name: x\ntests:\n  - name: t\n    services:\n"
                "      - {name: s, command: [sleep, '300']}\n"
                "    steps:\n      - {kind: stuck, timeout: 0.2}\n",
                tmp_path,
                catalog,
            )
        finally:
            _release.set()
        (test,) = run.result.tests
        assert test.reason == "step 'stuck-1' failed: timed out after 0.2s"
        finals = check_lifecycles(run.events)
        assert finals["service"] and set(finals["service"].values()) == {"destroyed"}
        assert alive_service_pids(run.events) == []
