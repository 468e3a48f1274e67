"""The top-level package exports exactly its public names (httpx's test_exported_members)."""

from __future__ import annotations

import importlib
import pkgutil

import panther_events


def test_all_is_sorted_and_resolvable() -> None:
    """Every name in __all__ exists, once, in sorted order."""
    names = panther_events.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(panther_events, name), name


def test_every_public_class_and_function_is_exported() -> None:
    """Public classes/functions of public modules are importable from the top level.

    Modules that need an extra (the CLI, NATS, rich) or pytest (the pytest plugin) are exempt:
    importing the package must not import them.
    """
    optional = (
        "panther_events.cli",
        "panther_events.transport.nats",
        "panther_events.runner",
        "panther_events.pytest_plugin",
    )
    missing = []
    for info in pkgutil.walk_packages(panther_events.__path__, "panther_events."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        if info.name.startswith(optional) or info.name == "panther_events.testing":
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if getattr(obj, "__module__", "").startswith("panther_events") and not hasattr(
                panther_events, name
            ):
                missing.append(f"{info.name}.{name}")
    assert missing == []


def test_core_import_is_stdlib_only() -> None:
    """Importing panther_events pulls in no third-party package."""
    import subprocess
    import sys

    code = (
        "import sys, panther_events\n"
        "third = {'typer', 'rich', 'yaml', 'pydantic', 'nats', 'psutil', 'click'}\n"
        "print(sorted(third & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version() -> None:
    """__version__ comes from the installed metadata."""
    from importlib.metadata import version

    assert panther_events.__version__ == version("panther-events")
