"""The command examples at the top of docs/cli.md work on a run made by the runner."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli.md"


def examples() -> list[list[str]]:
    """The ``panther-events ...`` lines of the doc's first sh block, as argument lists."""
    block = re.search(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "panther-events":
            commands.append(words[1:])
    return commands


@pytest.mark.slow
def test_every_example_runs_on_a_runner_made_run(tmp_path: Path) -> None:
    """Each example exits 0 (in order, as a reader would type them) and says something."""
    env = {**os.environ, "PANTHER_EVENTS_DB": str(tmp_path / "panther-events.db")}
    commands = examples()
    assert commands[0][:2] == ["run", "examples/echo.yaml"]
    for example in commands:
        args = example
        if args[0] == "run":
            args = ["run", str(ROOT / args[1]), "--quiet", *args[2:]]
        if "--follow" in args:
            args = [*args, "--timeout", "1"]  # a reader stops it with Ctrl-C
        done = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert done.stdout.strip() or done.stderr.strip(), args
        if args[0] == "events":
            assert "match" not in done.stdout, (args, done.stdout)  # not "no events ... match"


@pytest.mark.slow
def test_entity_examples_select_what_they_say(tmp_path: Path) -> None:
    """--entity tcp-echo/echo is that test's service; 'udp-echo/*' the other test's parts."""
    env = {**os.environ, "PANTHER_EVENTS_DB": str(tmp_path / "e.db")}

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    cli("run", str(ROOT / "examples" / "echo.yaml"), "--quiet")
    service = [
        json.loads(line) for line in cli("--json", "events", "-e", "tcp-echo/echo").splitlines()
    ]
    assert service and {e["entity_id"].split("/", 1)[1] for e in service} == {
        "tcp-echo/service/echo"
    }
    table = cli("events", "--type", "service.*", "--entity", "tcp-echo/echo").splitlines()
    assert all("tcp-echo/echo" in row for row in table[1:]) and len(table) > 2
    parts = [json.loads(line) for line in cli("--json", "events", "-e", "udp-echo/*").splitlines()]
    assert parts and all("/udp-echo/" in e["entity_id"] for e in parts)


@pytest.mark.slow
def test_full_ids_and_globs_over_full_ids_select_the_same(tmp_path: Path) -> None:
    """--entity with a whole runner id, or a glob over whole ids, finds the entity's events."""
    env = {**os.environ, "PANTHER_EVENTS_DB": str(tmp_path / "e.db")}

    def cli(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    def ids(entity: str) -> list[str]:
        found = cli("--json", "events", "--entity", entity).splitlines()
        return [json.loads(line)["id"] for line in found]

    cli("run", str(ROOT / "examples" / "echo.yaml"), "--quiet")
    (run,) = json.loads(cli("--json", "runs"))
    short = ids("tcp-echo/echo")
    assert short
    assert ids(f"{run['run_id']}/tcp-echo/service/echo") == short
    assert ids(f"{run['run_id']}/tcp-echo/service/*") == short
