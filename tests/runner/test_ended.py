"""What the reaper records for a killed runner's run (``runner/_ended.py``), on a real store."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from panther_events import (
    CounterMetricEvent,
    ExperimentCompletedEvent,
    ExperimentInitializedEvent,
    PluginLoadingStartedEvent,
    ServiceCreatedEvent,
    ServiceDeploymentStartedEvent,
    ServiceErrorEvent,
    ServiceStartedEvent,
    StepExecutionStartedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestExecutionStartedEvent,
    TestSetupStartedEvent,
)
from panther_events.runner._ended import REASON, command, record_ended
from panther_events.store.sqlite import SQLiteEventStore

from .helpers import ROOT, check_lifecycles

RUN = "exp-1"


def _store_with(tmp_path: Path, *events: object) -> SQLiteEventStore:
    store = SQLiteEventStore(tmp_path / "events.db")
    store.append_many(events, run_id=RUN)
    store.flush()
    return store


def _started(tid: str, name: str) -> list[object]:
    return [TestCreatedEvent(tid, name), TestSetupStartedEvent(tid)]


class TestRecordEnded:
    def test_open_tests_fail_and_the_run_ends_failed(self, tmp_path: Path) -> None:
        """The test under way fails as interrupted, the tests never started as not run, a
        finished test keeps its verdict, and ``experiment.failed`` comes last."""
        store = _store_with(
            tmp_path,
            ExperimentInitializedEvent(RUN, config={"name": "x"}),
            *_started(f"{RUN}/done", "done"),
            TestCompletedEvent(f"{RUN}/done", "done", 0.1),
            *_started(f"{RUN}/busy", "busy"),
            TestExecutionStartedEvent(f"{RUN}/busy"),
            TestCreatedEvent(f"{RUN}/later", "later"),
        )
        with store:
            added = record_ended(store, RUN)
            assert [e.get_type() for e in added] == [
                "test.failed",
                "test.failed",
                "experiment.failed",
            ]
            (run,) = store.runs()
            assert run.status == "failed"
            events = store.events(RUN)
        verdicts = {e.entity_id: e.data for e in events if e.type == "test.failed"}
        assert set(verdicts) == {f"{RUN}/busy", f"{RUN}/later"}
        busy, later = verdicts[f"{RUN}/busy"], verdicts[f"{RUN}/later"]
        assert (busy["test_name"], busy["error_type"], busy["phase"]) == (
            "busy",
            "ProcessEnded",
            "interrupted",
        )
        assert (later["test_name"], later["error_type"], later["phase"]) == (
            "later",
            "NotRun",
            "not_run",
        )
        assert events[-1].type == "experiment.failed"
        assert events[-1].entity_id == RUN
        assert events[-1].data["error_message"] == REASON

    def test_a_run_that_ended_is_left_as_it_is_and_recording_twice_adds_nothing(
        self, tmp_path: Path
    ) -> None:
        with _store_with(
            tmp_path,
            ExperimentInitializedEvent(RUN, config={"name": "x"}),
            ExperimentCompletedEvent(RUN),
        ) as store:
            assert record_ended(store, RUN) == []
            assert [r.status for r in store.runs()] == ["completed"]
        (tmp_path / "other").mkdir()
        with _store_with(tmp_path / "other", *_started(f"{RUN}/t", "t")) as store:
            first = record_ended(store, RUN)
            assert len(first) == 2
            assert record_ended(store, RUN) == []
            assert len(store.events(RUN)) == 4

    def test_each_entity_left_open_is_closed_from_where_it_stands(self, tmp_path: Path) -> None:
        """A service never started is destroyed, and so is one that failed already (not
        stopped: it had ended); one being deployed fails first; a plugin
        still loading fails and stops; a step under way fails: every path is one its state
        machine allows, ending in a final state."""
        step, created, deploying, crashed, plugin = (
            f"{RUN}/t/step/s",
            f"{RUN}/t/service/a",
            f"{RUN}/t/service/b",
            f"{RUN}/t/service/c",
            f"{RUN}/step/wait",
        )
        store = _store_with(
            tmp_path,
            ExperimentInitializedEvent(RUN, config={"name": "x"}),
            PluginLoadingStartedEvent(plugin, "wait", "step_plugin"),
            *_started(f"{RUN}/t", "t"),
            ServiceCreatedEvent(created, "a", "process", "sleep"),
            ServiceCreatedEvent(deploying, "b", "process", "sleep"),
            ServiceDeploymentStartedEvent(deploying, "b", "local"),
            ServiceCreatedEvent(crashed, "c", "process", "sleep"),
            ServiceStartedEvent(crashed, "c", 1234),
            ServiceErrorEvent(crashed, "c", "exited with status 1", "ServiceExited"),
            StepExecutionStartedEvent(step, "s", f"{RUN}/t"),
        )
        with store:
            added = [e.get_type() for e in record_ended(store, RUN)]
            events = store.events(RUN)
        assert added == [
            "step.execution_failed",
            "service.destroyed",
            "service.error",
            "service.destroyed",
            "service.destroyed",
            "test.failed",
            "plugin.error",
            "plugin.stopped",
            "experiment.failed",
        ]
        finals = check_lifecycles(events)
        assert set(finals["service"].values()) == {"destroyed"}
        assert finals["step"] == {step: "failed"}
        assert finals["plugin"] == {plugin: "stopped"}


class TestCommand:
    def test_the_command_records_in_a_fresh_process(self, tmp_path: Path) -> None:
        _store_with(tmp_path, *_started(f"{RUN}/t", "t")).close()
        argv = command(tmp_path / "events.db", RUN)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        with SQLiteEventStore(tmp_path / "events.db") as store:
            assert [r.status for r in store.runs()] == ["failed"]

    def test_an_unusable_store_is_one_line_and_exit_status_1(self, tmp_path: Path) -> None:
        for argv in (
            [*command(tmp_path, RUN)],  # a directory
            [sys.executable, "-m", "panther_events.runner._ended", "only-one-argument"],
        ):
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
            assert done.returncode == 1
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr

    def test_a_deleted_store_is_not_created_again(self, tmp_path: Path) -> None:
        """The store (and its directory) removed before the runner died: the reaper creates
        neither, so no store holding only the ending appears where the user deleted one."""
        db = tmp_path / "runs" / "events.db"
        db.parent.mkdir()
        _store_with(db.parent, *_started(f"{RUN}/t", "t")).close()
        argv = command(db, RUN)
        shutil.rmtree(db.parent)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert not db.parent.exists()

    def test_a_store_replaced_at_its_path_is_left_as_it_is(self, tmp_path: Path) -> None:
        """The store moved away and another one made at its path (a new run, a backup copied
        back) before the reaper ran: the ending is not written into a file the run never
        used."""
        db = tmp_path / "events.db"
        _store_with(tmp_path, *_started(f"{RUN}/t", "t")).close()
        argv = command(db, RUN)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (tmp_path / f"events.db{suffix}").rename(tmp_path / f"moved.db{suffix}")
        with SQLiteEventStore(db) as other:
            other.append(ExperimentInitializedEvent("other", config={"name": "other"}), run_id="o")
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        with SQLiteEventStore(db) as other:
            assert [r.run_id for r in other.runs()] == ["o"]

    @pytest.mark.slow
    def test_a_run_of_many_events_is_ended_in_little_memory(self, tmp_path: Path) -> None:
        """The runner may have died of want of memory: the command reads only the run's
        experiment and test events, never the whole run (here 400,000 metrics events, some
        1 GB as event objects, under a 600 MiB address-space limit)."""
        store = _store_with(tmp_path, *_started(f"{RUN}/t", "t"))
        with store:
            for _ in range(8):
                store.append_many(
                    [CounterMetricEvent("requests", n) for n in range(50_000)], run_id=RUN
                )
        limit = 600 * 2**20

        def limited() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        done = subprocess.run(
            command(tmp_path / "events.db", RUN),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            preexec_fn=limited,
        )
        assert done.returncode == 0, done.stderr
        with SQLiteEventStore(tmp_path / "events.db") as store:
            assert [r.status for r in store.runs()] == ["failed"]

    def test_the_command_imports_the_package_the_runner_imported(self, tmp_path: Path) -> None:
        """A runner that found the package through a relative ``PYTHONPATH`` entry (``src``,
        a checkout not installed): the reaper runs the command from ``/``, with the same
        environment, and it still records the ending."""
        _store_with(tmp_path, *_started(f"{RUN}/t", "t")).close()
        # The interpreter without this venv's site (the editable install), its dependencies
        # given by an absolute entry and the package by a relative one.
        python = Path(sys.base_prefix) / "bin" / "python3"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([sysconfig.get_paths()["purelib"], "src"]),
        }
        made = subprocess.run(
            [str(python), "-c", COMMAND_OF, str(tmp_path / "events.db"), RUN],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        argv = json.loads(made.stdout)
        done = subprocess.run(
            argv, cwd="/", env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        with SQLiteEventStore(tmp_path / "events.db") as store:
            assert [r.status for r in store.runs()] == ["failed"]


# Prints the reaper's command for a store and a run (argv: the store's path, the run id).
COMMAND_OF = """
import json, sys
from pathlib import Path
from panther_events.runner._ended import command
print(json.dumps(command(Path(sys.argv[1]), sys.argv[2])))
"""
