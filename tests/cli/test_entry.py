"""The console script: its overview without typer, lazy commands, an install without the extra."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import typer
import typer.main

from panther_events.cli import load_app
from panther_events.cli._commands import COMMANDS, INSTALL_HINT, command_name

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


class TestOverview:
    """``panther-events`` and ``panther-events --help``."""

    def test_help_lists_every_command_without_importing_typer(self) -> None:
        """The overview names each command and loads neither typer nor a command's module."""
        done = _python(
            "import sys\n"
            "from panther_events.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit as exit:\n    code = exit.code\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich')"
            " or m.startswith(('panther_events.cli._app', 'panther_events.runner'))"
            " or m in ('panther_events.cli.run', 'panther_events.cli.history'))\n"
            "print('exit', code, loaded, file=sys.stderr)\n"
        )
        assert done.stderr.strip() == "exit 0 []"
        for name in COMMANDS:
            assert f"\n  {name} " in done.stdout
        assert "--db <path>" in done.stdout and "--json " in done.stdout

    def test_summaries_are_the_commands_help(self) -> None:
        """Each summary in the overview is the first line of that command's own help."""
        group = typer.main.get_command(load_app())
        ctx = typer.Context(group)
        assert set(group.list_commands(ctx)) == set(COMMANDS)  # type: ignore[attr-defined]
        for name, command in COMMANDS.items():
            registered = group.get_command(ctx, name)  # type: ignore[attr-defined]
            assert registered.get_short_help_str(limit=200) == command.summary, name

    @pytest.mark.parametrize("name", sorted(COMMANDS))
    def test_a_commands_help_has_no_docstring_markup(self, name: str) -> None:
        """``COMMAND --help`` reads as plain text: no reST ````literal```` or ``:role:``."""
        done = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", name, "--help"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert done.returncode == 0, done.stderr
        assert "``" not in done.stdout and ":class:" not in done.stdout, done.stdout

    def test_every_command_and_option_is_in_the_cli_reference(self) -> None:
        """docs/cli.md has a section for each command of the overview, whose heading names
        each option of the command's --help (the reference a user reads first)."""
        doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
        group = typer.main.get_command(load_app())
        ctx = typer.Context(group)
        for name in COMMANDS:
            heading = next(
                (line for line in doc.splitlines() if line.startswith(f"### `{name}")), None
            )
            assert heading is not None, name
            command = group.get_command(ctx, name)  # type: ignore[attr-defined]
            for param in command.params:
                flags = [o for o in param.opts if o.startswith("--")]
                if flags and flags[0] not in ("--help", "--db", "--json"):
                    assert flags[0] in heading, (name, flags[0])

    def test_a_command_loads_only_its_module(self) -> None:
        """``panther-events runs`` imports the history commands, not the runner or NATS."""
        done = _python(
            "import sys\n"
            "from panther_events.cli import main\n"
            "try:\n    main(['--db', '/nonexistent/x.db', 'runs'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('panther_events.cli.history', 'panther_events.cli.run',"
            " 'panther_events.cli.collect', 'panther_events.runner', 'yaml')"
            " if m in sys.modules))\n"
        )
        assert done.stdout.strip() == "['panther_events.cli.history']"

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["runs"], "runs"),
            (["--db", "x.db", "show", "latest"], "show"),
            (["--json", "--db=x.db", "events"], "events"),
            (["--db", "run"], None),
            ([], None),
        ],
    )
    def test_command_name_skips_global_options(self, args: list[str], expected: str | None) -> None:
        """The command is the first word that is neither an option nor --db's value."""
        assert command_name(args) == expected

    def test_unknown_command_is_a_usage_error(self) -> None:
        """A misspelt command gets typer's usage error (exit 2), with every command loaded."""
        done = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", "rnus"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2
        assert "rnus" in done.stderr and "Traceback" not in done.stderr


class TestWithoutTheExtra:
    """``pip install panther-events`` without ``[cli]``."""

    @pytest.mark.slow
    def test_command_names_the_extra_and_exits_2(self, tmp_path: Path) -> None:
        """In a fresh venv without typer, the command prints one line and exits 2."""
        env_dir = tmp_path / "venv"
        venv.create(env_dir, with_pip=True)
        install = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"]
        # The uv that make setup bootstrapped, else one on PATH.
        uv = shutil.which(
            "uv", path=f"{ROOT / '.venv' / '.uv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
        )
        if uv is not None:  # same install, much faster
            install = [uv, "pip", "install", "-q", "--python", str(env_dir / "bin" / "python")]
        subprocess.run([*install, str(ROOT)], check=True, capture_output=True, timeout=600)
        done = subprocess.run(
            [str(env_dir / "bin" / "panther-events"), "runs"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2
        assert done.stderr == INSTALL_HINT + "\n"
        assert "pip install 'panther-events[cli]'" in done.stderr
        assert done.stdout == ""
