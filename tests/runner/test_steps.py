"""The command step: stdin, stdout and stderr as the assertions see them."""

from __future__ import annotations

from pathlib import Path

import pytest

from .inprocess import run_text

pytestmark = pytest.mark.slow


class TestCommandStep:
    """What a command reads and writes."""

    def test_input_reaches_stdin_and_both_streams_are_captured(self, tmp_path: Path) -> None:
        """``input`` is the command's stdin; stdout and stderr are the step's two outputs."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n"
            "      - {name: echo, kind: command, run: 'cat; echo oops >&2', shell: true,\n"
            "         input: from-stdin}\n"
            "    assertions:\n"
            "      - {kind: output_contains, step: echo, text: from-stdin}\n"
            "      - {kind: output_contains, step: echo, text: oops, stream: stderr}\n"
        )
        run = run_text(text, tmp_path)
        assert run.result.passed, run.result.to_dict()


class TestCommandFailureMessage:
    """A failed command's message quotes the command once, as a shell would read it."""

    def test_a_failed_command_is_quoted_once_and_empty_stderr_is_left_out(
        self, tmp_path: Path
    ) -> None:
        """``command `sh -c 'exit 3'` exited with status 3``: no repr of the shell quoting
        (no ``\\'``), and no ``stderr: ''`` when the command wrote nothing there."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n"
            "      - {name: fails, kind: command, run: [sh, -c, 'exit 3']}\n"
        )
        run = run_text(text, tmp_path)
        (failed,) = run.of_type("test.failed")
        reason = failed.data["error_message"]
        assert "command `sh -c 'exit 3'` exited with status 3" in reason, reason
        assert "\\'" not in reason and "stderr" not in reason

    def test_a_failed_command_shows_the_end_of_its_stderr(self, tmp_path: Path) -> None:
        """What the command wrote on stderr last is in the message, after ``stderr:``."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n"
            "      - {name: fails, kind: command, run: 'echo no such config >&2; exit 2',\n"
            "         shell: true}\n"
        )
        run = run_text(text, tmp_path)
        (failed,) = run.of_type("test.failed")
        assert failed.data["error_message"].endswith("; stderr: 'no such config'")
