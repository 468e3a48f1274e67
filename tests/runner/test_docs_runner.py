"""The experiment examples in docs/runner.md and the README validate and pass as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .helpers import EXAMPLES, ROOT, check_lifecycles
from .inprocess import run_text

DOC = ROOT / "docs" / "runner.md"
_YAML = re.compile(r"```yaml\n(.*?)```", re.S)
BLOCKS = _YAML.findall(DOC.read_text(encoding="utf-8"))
README_BLOCKS = _YAML.findall((ROOT / "README.md").read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow


class TestRunnerDocs:
    """docs/runner.md."""

    def test_doc_has_examples(self) -> None:
        """The page keeps its complete examples (fragments use ```yml and are not run)."""
        assert len(BLOCKS) >= 3

    @pytest.mark.parametrize(
        "text",
        BLOCKS + README_BLOCKS,
        ids=[f"yaml-{i}" for i in range(len(BLOCKS))]
        + [f"readme-{i}" for i in range(len(README_BLOCKS))],
    )
    def test_example_passes(self, text: str, tmp_path: Path) -> None:
        """Each complete example runs and every test in it passes."""
        shutil.copy(EXAMPLES / "echo_server.py", tmp_path)
        run = run_text(text, tmp_path)
        assert run.result.passed, run.result.to_dict()
        assert run.refused == []
        check_lifecycles(run.events)
