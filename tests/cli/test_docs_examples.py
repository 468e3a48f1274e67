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


def cli(db: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``panther-events ARGS`` on the store ``db`` (by PANTHER_EVENTS_DB, as a user would)."""
    return subprocess.run(
        [sys.executable, "-c", "from panther_events.cli import main; main()", *args],
        cwd=cwd,
        env={**os.environ, "PANTHER_EVENTS_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def echo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one run of examples/echo.yaml, made by the runner."""
    db = tmp_path_factory.mktemp("echo") / "e.db"
    assert cli(db, "run", str(ROOT / "examples" / "echo.yaml"), "--quiet").returncode == 0
    return db


def events(db: Path, *args: str) -> list[dict[str, str]]:
    """The events ``panther-events --json events ARGS`` lists."""
    done = cli(db, "--json", "events", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.slow
def test_every_example_runs_on_a_runner_made_run(tmp_path: Path) -> None:
    """Each example exits 0 (in order, as a reader would type them) and says something."""
    commands = examples()
    assert commands[0][:2] == ["run", "examples/echo.yaml"]
    for example in commands:
        args = example
        if args[0] == "run":
            args = ["run", str(ROOT / args[1]), "--quiet", *args[2:]]
        if "--follow" in args:
            args = [*args, "--timeout", "1"]  # a reader stops it with Ctrl-C
        done = cli(tmp_path / "panther-events.db", *args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert done.stdout.strip() or done.stderr.strip(), args
        if args[0] == "events":
            assert "match" not in done.stdout, (args, done.stdout)  # not "no events ... match"


@pytest.mark.slow
def test_entity_examples_select_what_they_say(echo_db: Path) -> None:
    """--entity tcp-echo/echo is that test's service; 'udp-echo/*' the other test's parts."""
    service = events(echo_db, "-e", "tcp-echo/echo")
    assert service
    assert {e["entity_id"].split("/", 1)[1] for e in service} == {"tcp-echo/service/echo"}
    table = cli(echo_db, "events", "--type", "service.*", "--entity", "tcp-echo/echo")
    rows = table.stdout.splitlines()
    assert len(rows) > 2 and all("tcp-echo/echo" in row for row in rows[1:])
    parts = events(echo_db, "-e", "udp-echo/*")
    assert parts and all("/udp-echo/" in e["entity_id"] for e in parts)


@pytest.mark.slow
def test_full_ids_and_globs_over_full_ids_select_the_same(echo_db: Path) -> None:
    """--entity with a whole runner id, or a glob over whole ids, finds the entity's events."""
    (run,) = json.loads(cli(echo_db, "--json", "runs").stdout)
    short = [e["id"] for e in events(echo_db, "-e", "tcp-echo/echo")]
    assert short
    for entity in ("service/echo", "service/*"):
        found = events(echo_db, "-e", f"{run['run_id']}/tcp-echo/{entity}")
        assert [e["id"] for e in found] == short, entity
