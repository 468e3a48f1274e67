"""A real third-party suite (six's, from its PyPI sdist) recorded with and without pytest-xdist.

The sdist is downloaded once with ``pip download --no-binary :all:`` into pytest's cache
directory (``.pytest_cache``), so later runs need no network.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .conftest import as_junit_counts, junit_counts, read_run

#: A small, well-known pure-Python package whose sdist ships its pytest suite.
SDIST = "six==1.17.0"


def _pip() -> list[str]:
    """pip of this interpreter, else of the one its venv was made from (uv makes venvs
    without pip)."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    return [str(Path(sys.base_prefix, "bin", "python3")), "-m", "pip"]


@pytest.fixture(scope="session")
def six_suite(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """six's source tree, tests included, unpacked from its sdist."""
    assert pytestconfig.cache is not None
    cache = pytestconfig.cache.mkdir("panther-events-sdists")
    name, version = SDIST.split("==")
    archive = cache / f"{name}-{version}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [*_pip(), "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "--dest", str(cache), SDIST],
            check=True,
        )  # fmt: skip
    target = tmp_path_factory.mktemp("sdist")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / f"{name}-{version}"


@pytest.mark.slow
@pytest.mark.parametrize("workers", [None, 2], ids=["one-process", "xdist-2"])
def test_stored_counts_equal_pytest_junit_xml(
    pytester: pytest.Pytester, six_suite: Path, workers: int | None
) -> None:
    """six's suite: the stored outcome counts are those of pytest's JUnit XML for the run."""
    db, junit = pytester.path / "events.db", pytester.path / "junit.xml"
    args = ["--panther-events", f"--panther-events-db={db}", f"--junitxml={junit}"]
    if workers is not None:
        args += ["-n", str(workers)]
    result = pytester.run(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(six_suite),
        str(six_suite / "test_six.py"), *args, timeout=300,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    run = read_run(db)
    stored = as_junit_counts(run.counts())
    assert stored == junit_counts(junit)
    assert stored["passed"] > 150 and stored["skipped"] > 0  # the suite really ran
    assert [line for line in result.outlines if line.startswith("panther-events")] == [
        f"panther-events: run {run.run_id} stored in {db}"
    ]
    if workers is not None:
        seen = {e.data["config"]["worker"] for e in run.of_type("test.created")}
        assert seen == {"gw0", "gw1"}
