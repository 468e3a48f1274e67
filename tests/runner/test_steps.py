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
