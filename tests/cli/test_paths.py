"""The check of an output file before a command starts: a real attempt that leaves no trace."""

from __future__ import annotations

from pathlib import Path

from panther_events.cli._paths import unwritable_reason


class TestUnwritableReason:
    """unwritable_reason(path)."""

    def test_a_writable_new_file_is_not_left_behind(self, tmp_path: Path) -> None:
        """The probe creates the file and removes it again."""
        assert unwritable_reason(tmp_path / "new.xml") is None
        assert list(tmp_path.iterdir()) == []

    def test_an_existing_file_is_left_unchanged(self, tmp_path: Path) -> None:
        """Appending nothing keeps the content."""
        path = tmp_path / "old.xml"
        path.write_text("kept", encoding="utf-8")
        assert unwritable_reason(path) is None
        assert path.read_text(encoding="utf-8") == "kept"

    def test_a_dangling_link_keeps_the_link(self, tmp_path: Path) -> None:
        """A link to a file not yet there: the link stays, the probe's file goes."""
        link = tmp_path / "link.xml"
        link.symlink_to(tmp_path / "target.xml")
        assert unwritable_reason(link) is None
        assert link.is_symlink() and not (tmp_path / "target.xml").exists()

    def test_directory_and_missing_parent_are_named(self, tmp_path: Path) -> None:
        """Each cause says what to do."""
        assert unwritable_reason(tmp_path) == "it is a directory; give a file path"
        reason = unwritable_reason(tmp_path / "no" / "x.xml")
        assert reason is not None and "does not exist; create it first" in reason
