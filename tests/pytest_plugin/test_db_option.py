"""``--panther-events-db PATH`` (two words) and pytest's rootdir: the trap is named."""

from __future__ import annotations

from pathlib import Path

import pytest

SUITE = "def test_ok():\n    pass\n"


def test_the_two_word_form_that_moves_pytests_rootdir_is_warned_about(
    pytester: pytest.Pytester,
) -> None:
    """pytest looks for its rootdir and ini file from ``PATH`` when it is a separate word
    naming a file that exists (pytest#8846): from the second session on, a store outside
    the project moves them. The session says so, with the ``=`` form that avoids it."""
    project = pytester.mkdir("project")
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "test_it.py").write_text(SUITE, encoding="utf-8")
    db = pytester.path / "elsewhere" / "events.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        first = pytester.runpytest_subprocess("--panther-events-db", str(db))
        second = pytester.runpytest_subprocess("--panther-events-db", str(db))
        joined = pytester.runpytest_subprocess(f"--panther-events-db={db}")
    first.assert_outcomes(passed=1)
    second.assert_outcomes(passed=1, warnings=1)
    assert "rootdir" in second.stdout.str() and f"--panther-events-db={db}" in second.stdout.str()
    assert "--panther-events-db=" not in first.stdout.str() + joined.stdout.str()
    assert Path(db).exists()
